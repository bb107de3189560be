"""Time weights: how much of a period's goal falls in each of its sub-periods.

A yearly goal is split over quarters, months, weeks or days in proportion to
one of these weightings:

``"even"``
    The same share per whole sub-period; a sub-period clipped by the edge of
    the period (a week that starts in December) gets its share of days.
``"days"``
    In proportion to calendar days (February gets less than March).
``"business_days"``
    In proportion to the working days of a :class:`~salescore.calendar.WorkCalendar`,
    so holidays lower a month's share and make-up working days raise it.
:class:`Seasonality`
    A seasonal index learned from past actuals with :func:`seasonality`.
explicit weights
    One number per sub-period (a sequence, or a mapping from sub-period label
    to number), for example ERPNext's Monthly Distribution percentages. They
    must add up to 1 or to 100 (percent).

:func:`time_weights` turns any of them into the sub-periods and their
non-negative weights; :func:`~salescore.goals.decompose` and
:func:`~salescore.goals.pace` both use it, so tracking follows the same curve
as the plan.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from fractions import Fraction
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd

from salescore._base import FrozenModel
from salescore._numeric import exact_decimals, to_fraction
from salescore.calendar import GRAINS, FiscalCalendar, Grain, Period, WorkCalendar, check_grain
from salescore.errors import InvalidInputError
from salescore.goals._series import series_days, series_values

__all__ = [
    "SeasonalGrain",
    "Seasonality",
    "TimeWeights",
    "child_periods",
    "seasonality",
    "time_weights",
]

SeasonalGrain = Literal["quarter", "month", "week"]
"""Grains a seasonal profile can be learned at."""

TimeWeights: TypeAlias = (
    Literal["even", "days", "business_days"]
    | "Seasonality"
    | Sequence[object]
    | Mapping[str, object]
)
"""Any weighting :func:`time_weights` accepts."""

_POSITIONS: dict[str, int] = {"quarter": 4, "month": 12, "week": 52}
_LEAP_WEEK = 53


class Seasonality(FrozenModel):
    """A seasonal index per position in the year, learned by :func:`seasonality`.

    Parameters
    ----------
    grain : {"quarter", "month", "week"}
        What a position is: a quarter (1-4), a month (1-12) or a week (1-53)
        of the year.
    index : dict of int to float
        The seasonal index of each position: its actuals relative to the mean
        position of the same year, averaged over ``years``. An index of 1.2
        means 20 percent above an average month. Every position of the grain
        is present.
    years : tuple of int
        The (calendar or fiscal) years the index was averaged over.
    calendar : FiscalCalendar, optional
        The fiscal calendar positions were counted in; ``None`` for Gregorian
        quarters and months and ISO weeks.

    Examples
    --------
    >>> s = Seasonality(grain="quarter", index={1: 0.8, 2: 1.0, 3: 1.0, 4: 1.2}, years=(2025,))
    >>> [round(w, 2) for w in s.shares()]
    [0.2, 0.25, 0.25, 0.3]
    """

    grain: SeasonalGrain
    index: dict[int, float]
    years: tuple[int, ...]
    calendar: FiscalCalendar | None = None

    def shares(self) -> list[float]:
        """The index as shares of a full year: positions 1..n (week 53 left out)."""
        positions = range(1, _POSITIONS[self.grain] + 1)
        total = sum(self.index[p] for p in positions)
        return [self.index[p] / total for p in positions]

    def position(self, day: date) -> int:
        """The position in the year (quarter, month or week number) of ``day``."""
        return _position(day, self.grain, self.calendar)


def _position(day: date, grain: str, calendar: FiscalCalendar | None) -> int:
    if calendar is not None:
        where = calendar.locate(day)
        return {"quarter": where.quarter, "month": where.month, "week": where.week}[grain]
    if grain == "week":
        return day.isocalendar().week
    return day.month if grain == "month" else (day.month - 1) // 3 + 1


def _year_and_position(
    days: pd.DatetimeIndex, grain: SeasonalGrain, calendar: FiscalCalendar | None
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Year and position of every day, vectorised for Gregorian calendars."""
    if calendar is None:
        if grain == "week":
            iso = days.isocalendar()
            return iso["year"].to_numpy(np.int64), iso["week"].to_numpy(np.int64)
        months = days.month.to_numpy(np.int64)
        positions = months if grain == "month" else (months - 1) // 3 + 1
        return days.year.to_numpy(np.int64), positions
    # Fiscal positions: locate each distinct day once (a few years hold few days).
    unique, inverse = np.unique(days.to_numpy(dtype="datetime64[D]"), return_inverse=True)
    located = [calendar.locate(d.item()) for d in unique]
    years = np.array([w.year for w in located], dtype=np.int64)
    positions = np.array(
        [{"quarter": w.quarter, "month": w.month, "week": w.week}[grain] for w in located],
        dtype=np.int64,
    )
    return years[inverse], positions[inverse]


@exact_decimals
def seasonality(
    actuals: pd.Series[Any],
    grain: SeasonalGrain,
    *,
    years: Sequence[int] | None = None,
    calendar: FiscalCalendar | None = None,
) -> Seasonality:
    """Learn a seasonal profile from past actuals (bookings, revenue, deals won).

    For each year, each position's actuals (the sum of the rows dated in it)
    are divided by that year's mean over the positions present, giving a
    seasonal index (1 is an average month). The index of a position is the
    mean of its yearly indices over the years used. In a complete year this
    is the position's share of the year times the number of positions, so it
    averages each month's share across the years.

    Treatment of gaps:

    * A position **absent** from the series in a year is missing, not zero:
      it is left out of that year's mean and of the average. A position
      present with value 0 is a real zero. Resample daily data to the grain
      first (``series.resample("MS").sum()`` fills empty months with 0).
    * By default only **complete** years (every position 1..n present) are
      used, so a partial first or last year does not bias the profile; when
      no year is complete, every year is used. ``years=`` chooses explicitly.
    * The **leap week** (week 53 of ISO or 4-4-5 years) is averaged over the
      years that have one. With no such year in the history it gets the index
      of an average week, 1.
    * A position missing from every year used, or a year whose actuals are all
      zero, is an :class:`~salescore.errors.InvalidInputError`.

    Parameters
    ----------
    actuals : pandas.Series
        Non-negative finite amounts, indexed by dates (``DatetimeIndex``,
        ``date`` objects) or a ``PeriodIndex``; several rows may fall in one
        position.
    grain : {"quarter", "month", "week"}
        The position of the profile.
    years : sequence of int, optional
        The years to average over (fiscal years with ``calendar``).
    calendar : FiscalCalendar, optional
        Count years and positions in this fiscal calendar (for example fiscal
        weeks of a 4-4-5 year).

    Returns
    -------
    Seasonality

    Raises
    ------
    InvalidInputError
        An empty series, a NaN, infinite or negative value, an index that is
        not dates, a requested year with no actuals, an all-zero year, or a
        position with no history.

    Examples
    --------
    >>> import pandas as pd
    >>> months = pd.period_range("2024-01", "2025-12", freq="M")
    >>> values = [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 200, 300] * 2
    >>> s = seasonality(pd.Series(values, index=months), "month")
    >>> s.years, s.index[1], s.index[12]
    ((2024, 2025), 0.8, 2.4)
    """
    if grain not in _POSITIONS:
        raise InvalidInputError(
            f"seasonality grain {grain!r} is not one of {', '.join(_POSITIONS)}"
        )
    if len(actuals) == 0:
        raise InvalidInputError("actuals is empty; seasonality needs at least a year of history")
    values = series_values(actuals, hint="; leave a period out of the series to mark it missing")
    year_of, position_of = _year_and_position(series_days(actuals), grain, calendar)
    sums = (
        pd.DataFrame({"year": year_of, "position": position_of, "value": values})
        .pivot_table(index="year", columns="position", values="value", aggfunc="sum")
        .sort_index()
    )
    n = _POSITIONS[grain]
    chosen = _choose_years(sums, n, years)
    table = sums.loc[list(chosen)]
    year_mean = table.mean(axis=1, skipna=True)
    zero = year_mean[year_mean <= 0]
    if len(zero):
        raise InvalidInputError(
            f"actuals of year {int(zero.index[0])} are all zero; a seasonal profile needs "
            "a year with bookings (leave the year out with years=)"
        )
    yearly_index = table.div(year_mean, axis=0)
    mean_index = yearly_index.mean(axis=0, skipna=True)
    index: dict[int, float] = {}
    for position in range(1, n + 1):
        value = mean_index.get(position, math.nan)
        if math.isnan(value):
            raise InvalidInputError(
                f"no history for {grain} {position} in years {list(chosen)}; "
                "give a series that covers every position at least once"
            )
        index[position] = round(float(value), 12)
    if grain == "week":
        leap = mean_index.get(_LEAP_WEEK, math.nan)
        index[_LEAP_WEEK] = 1.0 if math.isnan(leap) else round(float(leap), 12)
    return Seasonality(grain=grain, index=index, years=tuple(chosen), calendar=calendar)


def _choose_years(sums: pd.DataFrame, n: int, years: Sequence[int] | None) -> list[int]:
    present = [int(y) for y in sums.index]
    if years is not None:
        chosen = sorted({int(y) for y in years})
        unknown = [y for y in chosen if y not in present]
        if not chosen or unknown:
            raise InvalidInputError(
                f"years {unknown or list(years)} have no actuals; years with actuals are {present}"
            )
        return chosen
    core = sums.reindex(columns=range(1, n + 1))
    complete = [int(y) for y, row in zip(core.index, core.notna().all(axis=1), strict=True) if row]
    return complete or present


def child_periods(
    period: Period, grain: Grain, *, calendar: FiscalCalendar | None = None
) -> list[Period]:
    """The sub-periods of ``period`` at ``grain``, clipped at its edges.

    Raises
    ------
    InvalidInputError
        ``grain`` is coarser than ``period``: the period lies inside a single
        ``grain`` period without being all of it (a month split by quarter).

    Examples
    --------
    >>> [p.label for p in child_periods(Period.year(2026), "quarter")]
    ['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4']
    >>> child_periods(Period.month(2026, 1), "quarter")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: grain 'quarter' is coarser than period 2026-01; ...
    """
    check_grain(grain)
    children = period.split(grain, calendar=calendar)
    if len(children) == 1 and children[0] != Period.containing(
        period.start, grain, calendar=calendar
    ):
        finer = GRAINS[GRAINS.index(grain) + 1 :]
        raise InvalidInputError(
            f"grain {grain!r} is coarser than period {period.label}; split it by one of "
            f"{', '.join(finer)}"
        )
    return children


def _full_share(child: Period, grain: Grain, calendar: FiscalCalendar | None) -> Fraction:
    """The share of its whole ``grain`` period that a (possibly clipped) child covers."""
    if grain == "day":
        return Fraction(1)
    whole = Period.containing(child.start, grain, calendar=calendar)
    return Fraction(child.days, whole.days)


def _explicit(
    weights: Sequence[object] | Mapping[str, object], children: list[Period], labels: list[str]
) -> list[Fraction]:
    if isinstance(weights, Mapping):
        given = {str(k) for k in weights}
        missing, extra = sorted(set(labels) - given), sorted(given - set(labels))
        if missing or extra:
            raise InvalidInputError(
                f"explicit weights must name every sub-period exactly once; missing {missing}, "
                f"unknown {extra}"
            )
        values = [weights[label] for label in labels]
    else:
        values = list(weights)
        if len(values) != len(children):
            raise InvalidInputError(
                f"{len(values)} explicit weights for {len(children)} sub-periods "
                f"({labels[0]} to {labels[-1]}); give one per sub-period"
            )
    exact = [
        to_fraction(v, what=f"weight of {label}") for v, label in zip(values, labels, strict=True)
    ]
    for label, value, share in zip(labels, values, exact, strict=True):
        if share < 0:
            raise InvalidInputError(f"weight {value!r} of {label} is negative; weights are >= 0")
    total = sum(exact, Fraction(0))
    floats = any(isinstance(v, float) for v in values)
    for whole in (Fraction(1), Fraction(100)):
        # Floats cannot add to exactly 1 (0.1 * 10), so they get a tolerance.
        if total == whole or (floats and abs(total - whole) <= Fraction(1, 10**9) * whole):
            return exact
    nearest = Fraction(1) if abs(total - 1) <= abs(total - 100) else Fraction(100)
    miss = nearest - total
    raise InvalidInputError(
        f"explicit weights add up to {float(total):.10g}, {float(abs(miss)):.10g} "
        f"{'short of' if miss > 0 else 'over'} {nearest}; they must add up to 1 or to 100 (percent)"
    )


@exact_decimals
def time_weights(
    period: Period,
    grain: Grain,
    weights: TimeWeights = "even",
    *,
    calendar: FiscalCalendar | None = None,
    work_calendar: WorkCalendar | None = None,
) -> tuple[list[Period], list[Fraction]]:
    """The sub-periods of ``period`` at ``grain`` and the weight of each.

    Parameters
    ----------
    period : Period
        The period to split.
    grain : {"year", "quarter", "month", "week", "day"}
        The sub-period grain; fiscal with ``calendar``.
    weights : "even", "days", "business_days", Seasonality, sequence or mapping
        The weighting (see the module docstring). A :class:`Seasonality`
        must have the same grain and calendar; a clipped sub-period gets its
        share of days of the index. Explicit weights are taken as given.
    calendar : FiscalCalendar, optional
        Split along fiscal periods.
    work_calendar : WorkCalendar, optional
        Required by ``"business_days"``.

    Returns
    -------
    (list of Period, list of Fraction)
        The sub-periods in order and their exact non-negative weights, not
        normalised; at least one is positive.

    Raises
    ------
    InvalidInputError
        An unknown weighting, a grain coarser than the period, explicit weights
        of the wrong length or sum, a seasonality of another grain or calendar,
        ``"business_days"`` without a work calendar, or weights that are all zero.

    Examples
    --------
    >>> periods, w = time_weights(Period.year(2026), "quarter", "days")
    >>> [str(x) for x in w]
    ['90', '91', '92', '92']
    >>> from datetime import date
    >>> part = Period(start=date(2026, 1, 1), end=date(2026, 1, 15))   # Thursday to Wednesday
    >>> [str(x) for x in time_weights(part, "week")[1]]
    ['4/7', '1', '3/7']
    """
    children = child_periods(period, grain, calendar=calendar)
    labels = [calendar.label(c) if calendar else c.label for c in children]
    result: list[Fraction]
    if isinstance(weights, str):
        match weights:
            case "even":
                result = [_full_share(c, grain, calendar) for c in children]
            case "days":
                result = [Fraction(c.days) for c in children]
            case "business_days":
                if work_calendar is None:
                    raise InvalidInputError(
                        "weights='business_days' needs a work_calendar saying which days are worked"
                    )
                counts = work_calendar.business_days_between(
                    [c.start for c in children], [c.end for c in children]
                )
                result = [Fraction(int(n)) for n in counts]
            case _:
                raise InvalidInputError(
                    f"weights {weights!r} is not one of 'even', 'days', 'business_days', "
                    "a Seasonality or explicit weights"
                )
    elif isinstance(weights, Seasonality):
        if weights.grain != grain or weights.calendar != calendar:
            raise InvalidInputError(
                f"seasonality is by {weights.grain} "
                f"{'in a fiscal calendar' if weights.calendar else 'in the Gregorian calendar'}; "
                f"the split is by {grain} "
                f"{'in a fiscal calendar' if calendar else 'in the Gregorian calendar'}; "
                "learn it at the grain and calendar you split by"
            )
        result = [
            Fraction(weights.index[weights.position(c.start)]) * _full_share(c, grain, calendar)
            for c in children
        ]
    elif isinstance(weights, Mapping | Sequence) and not isinstance(weights, bytes):
        result = _explicit(weights, children, labels)
    else:
        raise InvalidInputError(
            f"weights of type {type(weights).__name__} is not one of 'even', 'days', "
            "'business_days', a Seasonality or explicit weights"
        )
    if not any(result):
        raise InvalidInputError(
            f"every sub-period of {period.label} has weight 0 under weights={weights!r}; "
            "at least one must be positive"
        )
    return children, result
