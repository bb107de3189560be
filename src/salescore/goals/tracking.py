"""Track progress against targets: attainment, pace, and a bulk variance table.

* :func:`attainment` — one target and its actual: the fraction achieved
  (honouring the target's direction), the signed variance, the shortfall and
  whether the target is met.
* :func:`pace` — a target part-way through its period: what the plan expected
  by ``as_of`` under the same time weights :func:`~salescore.goals.decompose`
  uses, what was booked, two projections to the period end, and what is still
  needed per remaining sub-period, split exactly.
* :func:`variance_frame` — every target of an organisation against a frame of
  actual rows (with split credit), vectorised: integer cumulative sums and one
  ``searchsorted`` per target boundary.

Direction convention (linear scorecard)
---------------------------------------
For ``increase`` and ``at_least`` targets (higher is better) attainment is
``actual / target``. For ``decrease`` and ``at_most`` targets (lower is
better) it is ``2 - actual / target``: exactly 1 at the target, above 1 when
the actual is below the target (better), 2 at an actual of zero, and below 1
(down to negative values, not clipped) when the actual overshoots. Both are
linear in the actual, so a point of attainment means the same distance from
the target either way. ``variance`` is always ``actual - target`` (signed, in
the target's unit); ``shortfall`` is what still separates the actual from the
target in the good direction, never negative. A target value of zero has no
ratio: its attainment is ``None`` (``<NA>`` in frames), never NaN or
infinity, while ``variance``, ``shortfall`` and ``met`` are still defined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._base import FrozenModel
from salescore._failures import Failures
from salescore._numeric import (
    DECIMAL_CONTEXT,
    exact_decimals,
    floats_to_minor_units,
    largest_remainder,
    to_decimal,
)
from salescore.calendar import FiscalCalendar, Grain, Period, WorkCalendar
from salescore.error_codes import FailureReason
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.frames import TARGETS, to_frame, validate_frame
from salescore.goals._series import series_days, series_values
from salescore.goals._split import require_period, split_unit
from salescore.goals.weights import TimeWeights, time_weights
from salescore.models import Direction, Target
from salescore.models.target import METRIC_KINDS, Metric, MetricKind
from salescore.money import Money, minor_unit
from salescore.serialization import Result

__all__ = [
    "Attainment",
    "Pace",
    "PaceStep",
    "VarianceFrames",
    "attainment",
    "combine_variance",
    "pace",
    "variance_frame",
]

Amount = Money | Decimal
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Count targets and actuals are summed in millionths of a unit, so split
#: credit (half a deal) is kept without rounding it away.
COUNT_SCALE: Final = 6


# --------------------------------------------------------------------------- attainment
class Attainment(FrozenModel):
    """How far an actual went towards a target.

    Parameters
    ----------
    target_id : str
        The target.
    direction : Direction
        Which way is success.
    target, actual : Money or Decimal
        The target value and the actual, in the target's unit: Money for
        money targets, a count, or a fraction for rate targets.
    attainment : Decimal or None
        ``actual / target`` when higher is better, ``2 - actual / target``
        when lower is better [fraction; 1 = on target]. ``None`` when the
        target value is zero (no ratio exists).
    variance : Money or Decimal
        ``actual - target``, signed [target's unit].
    shortfall : Money or Decimal
        What is still needed to meet the target: ``target - actual`` (higher
        is better) or ``actual - target`` (lower is better), floored at 0.
    met : bool
        ``actual >= target`` (higher is better) or ``actual <= target``.
    """

    target_id: str
    direction: Direction
    target: Money | Decimal
    actual: Money | Decimal
    attainment: Decimal | None
    variance: Money | Decimal
    shortfall: Money | Decimal
    met: bool


def _require_value(target: Target, purpose: str) -> Decimal:
    if target.value is None:
        raise InvalidInputError(f"target {target.id!r} has no value; {purpose} needs one")
    if target.value < 0:
        raise InvalidInputError(
            f"target {target.id!r} value {target.value} is negative; {purpose} needs a value "
            ">= 0 (put the sense of the goal in its direction)"
        )
    return target.value


def _require_direction(target: Target, purpose: str) -> Direction:
    if target.direction is None:
        raise InvalidInputError(
            f"target {target.id!r} has no direction; {purpose} needs to know whether higher "
            "(increase, at_least) or lower (decrease, at_most) is better"
        )
    return target.direction


def _require_kind(target: Target, purpose: str) -> MetricKind:
    kind = target.kind
    if kind is None:
        raise InvalidInputError(
            f"target {target.id!r} has no metric; {purpose} needs to know what it measures"
        )
    if kind == "money" and target.currency is None:
        raise InvalidInputError(f"money target {target.id!r} has no currency")
    return kind


def _actual_value(target: Target, kind: MetricKind, actual: object) -> Decimal:
    """Read ``actual`` in the target's unit, checking currency and rate bounds."""
    if isinstance(actual, Money):
        if target.currency is None:
            raise InvalidInputError(
                f"actual {actual} is money but target {target.id!r} ({target.metric_name}) has "
                "no currency; give a number"
            )
        if actual.currency != target.currency:
            raise CurrencyMismatchError(
                f"actual {actual} is in {actual.currency} but target {target.id!r} is in "
                f"{target.currency}; convert it with FxRates first"
            )
        return actual.amount
    value = to_decimal(actual, what=f"actual of target {target.id!r}")
    if kind == "rate" and not 0 <= value <= 1:
        raise InvalidInputError(
            f"actual {actual!r} of rate target {target.id!r} is outside [0, 1]; give rates as "
            "fractions (0.05 for 5 percent)"
        )
    return value


@exact_decimals
def attainment(target: Target, actual: Money | Decimal | int | float | str) -> Attainment:
    """How far ``actual`` went towards ``target``, honouring its direction.

    Parameters
    ----------
    target : Target
        Needs a metric, a value >= 0 and a direction (money targets also a
        currency).
    actual : Money or number
        The actual in the target's unit. For money targets a Money of the
        target's currency or a plain number read in it; for rate targets a
        fraction in [0, 1] (0.05 for 5 percent); for counts a number.

    Returns
    -------
    Attainment
        ``attainment`` is ``actual / target`` (higher is better) or
        ``2 - actual / target`` (lower is better), ``None`` for a zero target;
        ``variance``, ``shortfall`` and ``met`` as described there. Exact:
        nothing is rounded.

    Raises
    ------
    InvalidInputError
        The target has no value, metric or direction, a negative value, or a
        rate actual outside [0, 1].
    CurrencyMismatchError
        ``actual`` is Money in another currency than the target's.

    Examples
    --------
    >>> from salescore.calendar import Period
    >>> from salescore.money import Money
    >>> q1 = Target(id="Q1", metric="revenue", value="1250000", currency="CNY",
    ...             direction="at_least", period=Period.quarter(2026, 1))
    >>> a = attainment(q1, Money("1000000", "CNY"))
    >>> a.attainment, str(a.variance), str(a.shortfall), a.met
    (Decimal('0.8'), '-250000 CNY', '250000 CNY', False)

    Lower is better: churn of 4 percent against an at-most 5 percent target
    scores ``2 - 0.04 / 0.05 = 1.2``.

    >>> churn = Target(id="churn", metric="churn_rate", value="0.05", direction="at_most")
    >>> a = attainment(churn, "0.04")
    >>> a.attainment, a.variance, a.shortfall, a.met
    (Decimal('1.2'), Decimal('-0.01'), Decimal('0'), True)
    """
    value = _require_value(target, "attainment")
    kind = _require_kind(target, "attainment")
    direction = _require_direction(target, "attainment")
    got = _actual_value(target, kind, actual)
    higher = direction.higher_is_better
    ratio: Decimal | None = None
    if value != 0:
        share = DECIMAL_CONTEXT.divide(got, value)
        ratio = share if higher else DECIMAL_CONTEXT.subtract(Decimal(2), share)
    variance = DECIMAL_CONTEXT.subtract(got, value)
    gap = -variance if higher else variance
    shortfall = max(gap, Decimal(0))
    met = got >= value if higher else got <= value

    def wrap(amount: Decimal) -> Money | Decimal:
        if kind == "money":
            assert target.currency is not None  # checked by _require_kind
            return Money(amount, target.currency)
        return amount

    return Attainment(
        target_id=target.id,
        direction=direction,
        target=wrap(value),
        actual=wrap(got),
        attainment=ratio,
        variance=wrap(variance),
        shortfall=wrap(shortfall),
        met=met,
    )


# --------------------------------------------------------------------------- pace
class PaceStep(FrozenModel):
    """What is needed in one remaining sub-period (or the rest of the current one).

    Parameters
    ----------
    period : Period
        The sub-period; for the current one only its remaining part
        ``[as_of, end)``.
    amount : Money or Decimal
        Its share of what remains [target's unit].
    """

    period: Period
    amount: Money | Decimal


class Pace(FrozenModel):
    """Where a target stands part-way through its period.

    Parameters
    ----------
    target_id : str
        The target.
    as_of : date
        The first day not yet counted: actuals dated before it count.
    target : Money or Decimal
        The target value [target's unit].
    expected_to_date : Money or Decimal
        What the plan expected by ``as_of``: the decomposed values of the
        finished sub-periods plus the elapsed part of the current one,
        rounded half-even to the unit (minor unit for money, 1 for counts).
    actual_to_date : Money or Decimal
        The actuals dated in ``[period.start, as_of)``.
    variance_to_date : Money or Decimal
        ``actual_to_date - expected_to_date``, signed.
    expected_share : float
        The weighted share of the period elapsed [fraction].
    elapsed_share : float
        The calendar share of the period elapsed [fraction of days].
    run_rate_projection : Money, Decimal or None
        Straight line: ``actual_to_date`` per elapsed day times the period's
        days. ``None`` at the period start (no days elapsed).
    weighted_projection : Money, Decimal or None
        ``actual_to_date / expected_share``: the run rate read through the
        plan's weights, so a slow start in a seasonally slow month is not
        mistaken for a miss. ``None`` while the expected share is 0.
    remaining : Money or Decimal
        ``target - actual_to_date``, floored at 0: still needed (higher is
        better) or still allowed (lower is better).
    needed : tuple of PaceStep
        ``remaining`` split over the remaining sub-periods (the current one
        counting only its remaining part) by the same weights, exactly, in
        units; sums to ``remaining``. Empty at the period end.
    on_pace : bool
        ``actual_to_date >= expected_to_date`` (higher is better) or ``<=``.
    """

    target_id: str
    as_of: date
    target: Money | Decimal
    expected_to_date: Money | Decimal
    actual_to_date: Money | Decimal
    variance_to_date: Money | Decimal
    expected_share: float
    elapsed_share: float
    run_rate_projection: Money | Decimal | None
    weighted_projection: Money | Decimal | None
    remaining: Money | Decimal
    needed: tuple[PaceStep, ...]
    on_pace: bool


def _series_units(actuals: pd.Series[Any], scale: int, kind: MetricKind) -> IntArray:
    values = series_values(actuals)
    units = floats_to_minor_units(values, scale, what="actual")
    if kind == "count":
        fractional = units != values
        if fractional.any():
            i = int(np.flatnonzero(fractional)[0])
            raise InvalidInputError(
                f"actual {actuals.iloc[i]!r} dated {actuals.index[i]} is not a whole number; "
                "count targets count whole deals or customers"
            )
    return units


def _elapsed(
    child: Period, as_of: date, weights: TimeWeights, work_calendar: WorkCalendar | None
) -> Fraction:
    """The share of ``child`` before ``as_of``: 0 before it, 1 after it."""
    if child.end <= as_of:
        return Fraction(1)
    if child.start >= as_of:
        return Fraction(0)
    if isinstance(weights, str) and weights == "business_days" and work_calendar is not None:
        worked = work_calendar.business_days(child)
        if worked:
            done = work_calendar.business_days(Period(start=child.start, end=as_of))
            return Fraction(done, worked)
    return Fraction((as_of - child.start).days, child.days)


@exact_decimals
def pace(
    target: Target,
    actuals: pd.Series[Any],
    as_of: date,
    *,
    grain: Grain = "month",
    weights: TimeWeights = "even",
    calendar: FiscalCalendar | None = None,
    work_calendar: WorkCalendar | None = None,
) -> Pace:
    """Expected against actual to date, projections, and what is still needed.

    The target's period is split into sub-periods of ``grain`` with
    :func:`~salescore.goals.time_weights`, and the target value is split over
    them by largest remainder exactly as :func:`~salescore.goals.decompose`
    splits it. Then, with ``f`` the elapsed share of the sub-period holding
    ``as_of`` (days elapsed over its days, or worked days over its worked
    days when ``weights="business_days"``):

    * expected to date = the values of the finished sub-periods plus
      ``f`` times the current one's, rounded half-even to the unit;
    * expected share = (weights of finished sub-periods + ``f`` × current
      weight) / total weight;
    * run-rate projection = actual to date / elapsed days × period days;
    * weighted projection = actual to date / expected share;
    * needed = (target - actual to date, floored at 0) split by largest
      remainder over the remaining sub-periods with weights
      ``(1 - f)`` × current weight, then the later weights in full. When those
      weights are all zero (the plan puts nothing in the rest of the period)
      the split falls back to remaining calendar days.

    Parameters
    ----------
    target : Target
        A money or count target with a value >= 0, a direction and a period.
    actuals : pandas.Series
        Amounts [target's unit] indexed by date (``DatetimeIndex``, dates,
        ISO strings or a ``PeriodIndex``, taken at its start); several rows
        may share a date. Rows dated in ``[period.start, as_of)`` count.
        Money amounts are read to the minor unit (half-even); counts must be
        whole.
    as_of : date
        The first day not counted yet, in ``[period.start, period.end]``.
    grain : {"quarter", "month", "week", "day"}
        The sub-periods, as in ``decompose``.
    weights : "even", "days", "business_days", Seasonality or explicit
        The time weights, as in ``decompose``.
    calendar : FiscalCalendar, optional
        Fiscal sub-periods.
    work_calendar : WorkCalendar, optional
        Required by ``weights="business_days"``.

    Returns
    -------
    Pace

    Raises
    ------
    InvalidInputError
        The target lacks a value, metric, direction or period, is a rate or
        level (not additive), or has a negative value; ``as_of`` is outside
        the period; an actual is NaN, infinite, negative or (for counts) not
        whole (the message names its date); the index is not dates; or the
        weights are invalid.

    Examples
    --------
    A 1,200,000 CNY quarter planned 30/30/40 over its months: by 15 February
    the plan expects January plus 14/28 of February (360,000 + 180,000). The
    750,000 still needed is split over the rest of February (weight 0.3 × 14/28)
    and March (0.4).

    >>> import pandas as pd
    >>> from datetime import date
    >>> from salescore.calendar import Period
    >>> q1 = Target(id="Q1", metric="revenue", value="1200000", currency="CNY",
    ...             direction="at_least", period=Period.quarter(2026, 1))
    >>> booked = pd.Series([300000.0, 150000.0],
    ...                    index=pd.to_datetime(["2026-01-20", "2026-02-10"]))
    >>> p = pace(q1, booked, date(2026, 2, 15), weights=[0.3, 0.3, 0.4])
    >>> str(p.expected_to_date), str(p.actual_to_date), p.on_pace
    ('540000.00 CNY', '450000.00 CNY', False)
    >>> [(s.period.label, str(s.amount)) for s in p.needed]
    [('2026-02-15/2026-03-01', '204545.45 CNY'), ('2026-03', '545454.55 CNY')]
    """
    unit = split_unit(target)
    if not unit.additive:
        raise InvalidInputError(
            f"target {target.id!r} measures {target.metric_name}, a {target.kind} that does not "
            "add up over time; pace needs a money or count target"
        )
    _require_value(target, "pace")
    direction = _require_direction(target, "pace")
    period = require_period(target)
    if not period.start <= as_of <= period.end:
        raise InvalidInputError(
            f"as_of {as_of} is outside target {target.id!r} period [{period.start}, "
            f"{period.end}]; pace is measured within the period"
        )
    kind = target.kind
    assert kind is not None  # split_unit checked the metric
    children, child_weights = time_weights(
        period, grain, weights, calendar=calendar, work_calendar=work_calendar
    )
    parts = largest_remainder(unit.total, child_weights)
    elapsed = [_elapsed(c, as_of, weights, work_calendar) for c in children]

    expected_units = 0
    done_weight = Fraction(0)
    for part, w, f in zip(parts, child_weights, elapsed, strict=True):
        expected_units += part if f == 1 else round(part * f)
        done_weight += w * f
    share = done_weight / sum(child_weights, Fraction(0))

    if len(actuals):
        days = np.asarray(series_days(actuals).to_numpy(dtype="datetime64[D]"))
        units = _series_units(actuals, unit.scale, kind)
        window = (days >= np.datetime64(period.start, "D")) & (days < np.datetime64(as_of, "D"))
        actual_units = int(units[window].sum(dtype=np.int64))
    else:
        actual_units = 0

    elapsed_days = (as_of - period.start).days
    run_rate = (
        None if elapsed_days == 0 else round(Fraction(actual_units * period.days, elapsed_days))
    )
    weighted = None if share == 0 else round(actual_units / share)

    remaining = max(unit.total - actual_units, 0)
    rest = [
        (
            Period(start=max(c.start, as_of), end=c.end),
            w * (1 - f),
        )
        for c, w, f in zip(children, child_weights, elapsed, strict=True)
        if f < 1
    ]
    steps: list[tuple[Period, int]] = []
    if rest:
        rest_weights = [w for _, w in rest]
        if not any(rest_weights):
            rest_weights = [Fraction(p.days) for p, _ in rest]
        steps = list(
            zip(
                [p for p, _ in rest],
                largest_remainder(remaining, rest_weights),
                strict=True,
            )
        )

    def amount(units: int) -> Money | Decimal:
        value = unit.to_value(units)
        if kind == "money":
            assert target.currency is not None
            return Money(value, target.currency)
        return value

    higher = direction.higher_is_better
    return Pace(
        target_id=target.id,
        as_of=as_of,
        target=amount(unit.total),
        expected_to_date=amount(expected_units),
        actual_to_date=amount(actual_units),
        variance_to_date=amount(actual_units - expected_units),
        expected_share=float(share),
        elapsed_share=elapsed_days / period.days,
        run_rate_projection=None if run_rate is None else amount(run_rate),
        weighted_projection=None if weighted is None else amount(weighted),
        remaining=amount(remaining),
        needed=tuple(PaceStep(period=p, amount=amount(u)) for p, u in steps),
        on_pace=actual_units >= expected_units if higher else actual_units <= expected_units,
    )


# --------------------------------------------------------------------------- variance frame
@dataclass(frozen=True, eq=False)
class VarianceFrames(Result):
    """Result of :func:`variance_frame`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per target (index of the targets frame kept), or per ``by``
        group: see :func:`variance_frame` for the columns.
    errors : pandas.DataFrame
        Actual rows that could not be used, one row per failing cell:
        ``row`` (index label in ``actuals``), ``column``, ``value`` and
        ``reason`` (``not_null``, ``wrong_type``, ``not_finite``,
        ``out_of_range``, ``currency_mismatch``).
    unmatched : pandas.DataFrame
        Valid actual rows no target counted: ``row``, ``owner``, ``date``,
        ``amount`` (credited, after the split share) and ``reason``:
        ``no_target`` (the owner has no target) or ``outside_periods`` (the
        owner's targets do not cover the date).
    """

    table: pd.DataFrame
    errors: pd.DataFrame
    unmatched: pd.DataFrame


def _ids(frame: pd.DataFrame, mask: BoolArray) -> str:
    ids = frame["id"].to_numpy(dtype=object)[mask].tolist()
    more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
    return ", ".join(repr(i) for i in ids[:5]) + more


def _target_kinds(frame: pd.DataFrame) -> npt.NDArray[np.object_]:
    """The metric kind of every target, vectorised (as :attr:`Target.kind`)."""
    names = {m.value: kind for m, kind in METRIC_KINDS.items()}
    metric = frame["metric"].astype(object)
    kinds = np.array(metric.map(names).astype(object).to_numpy(), dtype=object)
    custom = (metric == Metric.CUSTOM.value).to_numpy()
    has_currency = frame["currency"].notna().to_numpy()
    fraction = (frame["unit"].astype(object) == "fraction").to_numpy()
    kinds[custom] = np.where(
        has_currency[custom], "money", np.where(fraction[custom], "rate", "level")
    )
    return np.asarray(kinds, dtype=object)


def _prepare_targets(
    targets: Sequence[Target] | pd.DataFrame,
) -> tuple[pd.DataFrame, str | None, int]:
    """Validate the targets; return the frame, the common currency (or None) and the scale."""
    if isinstance(targets, pd.DataFrame):
        frame = validate_frame(targets, TARGETS)
    else:
        frame = to_frame(list(targets), model=Target)
    if len(frame) == 0:
        return frame, None, 0
    checks = [
        ("value", "no value"),
        ("metric", "no metric"),
        ("direction", "no direction"),
        ("period_start", "no period"),
        ("period_end", "no period end"),
        ("owner_kind", "no owner"),
    ]
    for column, words in checks:
        missing = frame[column].isna().to_numpy()
        if missing.any():
            raise InvalidInputError(
                f"targets {_ids(frame, missing)} have {words}; variance_frame needs a value, "
                "metric, direction, period and owner on every target"
            )
    no_id = ((frame["owner_kind"] != "company") & frame["owner_id"].isna()).to_numpy()
    if no_id.any():
        raise InvalidInputError(f"targets {_ids(frame, no_id)} have an owner kind but no owner id")
    negative = (frame["value"] < 0).to_numpy()
    if negative.any():
        raise InvalidInputError(
            f"targets {_ids(frame, negative)} have a negative value; attainment needs values >= 0"
        )
    kinds = _target_kinds(frame)
    additive = np.isin(kinds, ["money", "count"])
    if not additive.all():
        raise InvalidInputError(
            f"targets {_ids(frame, ~additive)} measure a rate or level, which actual rows do "
            "not add up to; variance_frame takes money or count targets"
        )
    if len(set(kinds.tolist())) > 1:
        raise InvalidInputError(
            f"targets mix money ({_ids(frame, kinds == 'money')}) and counts "
            f"({_ids(frame, kinds == 'count')}); one amount column cannot be both"
        )
    if kinds[0] == "count":
        return frame, None, COUNT_SCALE
    currencies = frame["currency"].astype(object).to_numpy()
    distinct = sorted(set(currencies.tolist()))
    if len(distinct) > 1:
        raise CurrencyMismatchError(
            f"targets are in {', '.join(distinct)}; variance_frame sums one currency, "
            "convert with FxRates or call it once per currency"
        )
    currency = str(distinct[0])
    scale = minor_unit(currency)
    values = frame["value"].to_numpy(dtype=np.float64)
    off = floats_to_minor_units(values, scale, what="target value") / 10.0**scale != values
    if off.any():
        raise InvalidInputError(
            f"targets {_ids(frame, off)} have values with more decimals than {currency}'s "
            f"{scale}; round them to the minor unit first"
        )
    return frame, currency, scale


class _Findings(Failures):
    """The failure collector over the actuals frame (``actuals`` names the frame)."""

    @property
    def actuals(self) -> pd.DataFrame:
        return self.frame


def _read_numbers(
    findings: _Findings, column: str, bounds: tuple[float, float] | None = None
) -> npt.NDArray[np.float64]:
    source = findings.actuals[column]
    null = source.isna().to_numpy()
    if pd.api.types.is_bool_dtype(source.dtype):
        values = np.full(len(source), np.nan)
        findings.add(column, FailureReason.WRONG_TYPE, ~null)
    else:
        values = pd.to_numeric(source, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        findings.add(column, FailureReason.WRONG_TYPE, np.isnan(values) & ~null)
    findings.add(column, FailureReason.NOT_NULL, null)
    findings.add(column, FailureReason.NOT_FINITE, np.isinf(values))
    if bounds is not None:
        finite = np.isfinite(values)
        outside = finite & ((values < bounds[0]) | (values > bounds[1]))
        findings.add(column, FailureReason.OUT_OF_RANGE, outside)
    return values


def _read_days(findings: _Findings, column: str) -> IntArray:
    source = findings.actuals[column]
    null = source.isna().to_numpy()
    if isinstance(source.dtype, pd.DatetimeTZDtype):
        parsed = source.dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(source.dtype):
        parsed = source
    else:
        parsed = pd.to_datetime(source, errors="coerce")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
    days = parsed.to_numpy(dtype="datetime64[D]")
    unparsed = np.isnat(days)
    findings.add(column, FailureReason.WRONG_TYPE, unparsed & ~null)
    findings.add(column, FailureReason.NOT_NULL, null)
    as_int: IntArray = days.astype(np.int64)
    return as_int


def _read_owners(findings: _Findings, column: str) -> tuple[IntArray, pd.Index]:
    codes, uniques = pd.factorize(findings.actuals[column], use_na_sentinel=True)
    labels = pd.Index([str(u) for u in uniques], dtype=object)
    blank = np.array([label.strip() == "" for label in labels], dtype=bool)
    null = codes < 0
    if blank.any():
        null = null | (blank[np.maximum(codes, 0)] & (codes >= 0))
    findings.add(column, FailureReason.NOT_NULL, null)
    return codes.astype(np.int64), labels


def _coverage(n: int, lo: IntArray, hi: IntArray) -> BoolArray:
    """Which of ``n`` sorted positions lie in at least one ``[lo, hi)``."""
    edges = np.zeros(n + 1, dtype=np.int64)
    np.add.at(edges, lo, 1)
    np.add.at(edges, hi, -1)
    covered: BoolArray = np.cumsum(edges[:n]) > 0
    return covered


def _sums(
    keys: IntArray, units: IntArray, starts: IntArray, ends: IntArray
) -> tuple[IntArray, IntArray, IntArray, npt.NDArray[np.intp]]:
    """Sum ``units`` over each ``[start, end)`` key range by sorted cumulative sums."""
    order = np.argsort(keys)  # any order of equal keys gives the same sums
    sorted_keys = keys[order]
    cumulative = np.concatenate(([0], np.cumsum(units[order], dtype=np.int64)))
    lo = np.searchsorted(sorted_keys, starts, side="left").astype(np.int64)
    hi = np.searchsorted(sorted_keys, ends, side="left").astype(np.int64)
    return cumulative[hi] - cumulative[lo], lo, hi, order


def _scores(
    target_units: IntArray, actual_units: IntArray, higher: BoolArray, scale: int
) -> dict[str, Any]:
    """The variance columns from exact units (attainment as nullable Float64)."""
    divisor = 10.0**scale
    variance = actual_units - target_units
    positive = target_units > 0
    ratio = np.divide(actual_units, target_units, out=np.zeros(len(target_units)), where=positive)
    score = np.where(higher, ratio, 2.0 - ratio)
    return {
        "target": target_units / divisor,
        "actual": actual_units / divisor,
        "variance": variance / divisor,
        "shortfall": np.maximum(np.where(higher, -variance, variance), 0) / divisor,
        "attainment": pd.arrays.FloatingArray(np.where(positive, score, 0.0), ~positive),
        "met": np.where(higher, variance >= 0, variance <= 0),
        "target_units": target_units,
        "actual_units": actual_units,
        "variance_units": variance,
    }


_OUT_COLUMNS: Final = (
    "id",
    "name",
    "metric",
    "direction",
    "currency",
    "owner_kind",
    "owner_id",
    "period_start",
    "period_end",
    "parent_id",
)


@exact_decimals
def variance_frame(
    targets: Sequence[Target] | pd.DataFrame,
    actuals: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    owner: str = "owner_id",
    date: str = "date",
    amount: str = "amount",
    share: str | None = None,
    currency: str = "currency",
) -> VarianceFrames:
    """Target, actual, variance and attainment for every target at once.

    Each target sums the actual rows whose ``owner`` column equals its
    ``owner_id`` and whose date lies in its period ``[start, end)``; a
    ``company`` target (no owner id) sums every owner's rows in its period.
    Targets may overlap (a rep's month, quarter and year targets each count
    the same rows). Actual rows are matched on owner and date only: a
    target's ``scope`` is not applied, so filter the actuals first.

    Split credit: with ``share``, each row credits ``amount × share`` to its
    owner, rounded half-even to the minor unit per row (a deal shared 50/50
    is two rows with share 0.5). Per-row rounding can lose or add up to half
    a minor unit per row (0.01 shared 50/50 credits 0.00 twice); pre-split
    with :func:`~salescore.commission.split_credit` (largest remainder) and
    pass share 1 when the parts must add up to the cent. Count targets keep
    shared credit in millionths (half a deal is 0.5).

    The kernel is vectorised: rows are keyed by (owner, day), sorted once,
    summed cumulatively in int64 minor units, and each target's range is
    found with ``numpy.searchsorted``; no Python runs per row or per target.

    Parameters
    ----------
    targets : list of Target or pandas.DataFrame
        Targets, or a :data:`~salescore.frames.TARGETS` frame (extra columns,
        such as a team, are kept and may be used in ``by``). Every target
        needs a value >= 0, a metric, a direction, a period and an owner; all
        are money in one currency (values in whole minor units) or all counts.
    actuals : pandas.DataFrame
        One row per booking: owner id, date (dates, timestamps or ISO text;
        aware timestamps count on their wall-clock date), amount [currency or
        count; negative amounts such as refunds count], optional share column
        [fraction in 0..1] and optional currency column (checked against the
        targets' currency for money targets). Not mutated.
    by : str or sequence of str, optional
        Target columns to roll up by (``"owner_id"``, ``"period_start"``, an
        extra ``"team"`` column, ...): target and actual are summed per group
        and the rest recomputed. Every group must share one direction; keep
        overlapping targets (a month and its quarter) out of one group or they
        count twice. Null keys form their own group.
    owner, date, amount : str
        Column names in ``actuals``.
    share : str, optional
        Column of split shares in ``actuals``.
    currency : str
        Column of currency codes in ``actuals``, used when present.

    Returns
    -------
    VarianceFrames
        ``table`` has, per target: ``target_id``, ``name``, ``metric``,
        ``direction``, ``currency``, ``owner_kind``, ``owner_id``,
        ``period_start``, ``period_end``, ``parent_id``, any extra columns of
        the targets frame, then ``target``, ``actual``, ``variance``
        (actual − target), ``shortfall`` [float, target's unit],
        ``attainment`` [Float64 fraction; ``<NA>`` for a zero target], ``met``
        [bool] and the exact ``target_units``, ``actual_units``,
        ``variance_units`` [int64: minor units for money, millionths for
        counts]; ``actual_units`` adds up across partitions of ``actuals``
        (the mergeable partial). With ``by``: the ``by`` columns, ``targets`` (how many were
        summed), ``direction`` and the same value columns. ``errors`` and
        ``unmatched`` report every actual row not counted.

    Raises
    ------
    FrameValidationError
        The targets frame breaks its contract.
    InvalidInputError
        A target lacks a field, is a rate or level, or mixes money and counts;
        a required ``actuals`` column or a ``by`` column is missing; a ``by``
        group mixes directions.
    CurrencyMismatchError
        Targets in more than one currency.

    Examples
    --------
    >>> import pandas as pd
    >>> from salescore.calendar import Period
    >>> from salescore.models import Owner, Target
    >>> targets = [
    ...     Target(id=f"{rep}-{m:02d}", metric="revenue", value="100000", currency="CNY",
    ...            direction="at_least", period=Period.month(2026, m),
    ...            owner=Owner(kind="rep", id=rep))
    ...     for rep in ("R1", "R2") for m in (1, 2)]
    >>> actuals = pd.DataFrame({
    ...     "owner_id": ["R1", "R1", "R2", "R2", "R9", None],
    ...     "date": pd.to_datetime(["2026-01-05", "2026-02-03", "2026-01-30", "2026-01-30",
    ...                             "2026-01-02", "2026-01-03"]),
    ...     "amount": [120000.0, 50000.0, 80000.0, 40000.0, 500.0, 1.0],
    ...     "share": [1, 1, 0.5, 1, 1, 1]})
    >>> out = variance_frame(targets, actuals, share="share")
    >>> out.table[["target_id", "actual", "variance", "attainment", "met"]]
      target_id    actual  variance  attainment    met
    0     R1-01  120000.0   20000.0         1.2   True
    1     R1-02   50000.0  -50000.0         0.5  False
    2     R2-01   80000.0  -20000.0         0.8  False
    3     R2-02       0.0 -100000.0         0.0  False
    >>> variance_frame(targets, actuals, by="owner_id", share="share").table[
    ...     ["owner_id", "targets", "target", "actual", "attainment"]]
      owner_id  targets    target    actual  attainment
    0       R1        2  200000.0  170000.0        0.85
    1       R2        2  200000.0   80000.0         0.4
    >>> out.unmatched[["row", "owner", "reason"]].to_dict("records")
    [{'row': 4, 'owner': 'R9', 'reason': 'no_target'}]
    >>> out.errors[["row", "column", "reason"]].to_dict("records")
    [{'row': 5, 'column': 'owner_id', 'reason': 'not_null'}]
    """
    frame, target_currency, scale = _prepare_targets(targets)
    needed = [owner, date, amount] + ([share] if share is not None else [])
    absent = [c for c in needed if c not in actuals.columns]
    if absent:
        raise InvalidInputError(
            f"actuals has no column {', '.join(map(repr, absent))}; columns are "
            f"{list(actuals.columns)}"
        )
    findings = _Findings(actuals)
    codes, labels = _read_owners(findings, owner)
    days = _read_days(findings, date)
    amounts = _read_numbers(findings, amount)
    shares = _read_numbers(findings, share, (0.0, 1.0)) if share is not None else None
    if target_currency is not None and currency in actuals.columns:
        given = actuals[currency]
        findings.add(currency, FailureReason.NOT_NULL, given.isna().to_numpy())
        findings.add(
            currency,
            FailureReason.CURRENCY_MISMATCH,
            (given.notna() & (given != target_currency)).to_numpy(),
        )
    errors = findings.table()
    keep = np.flatnonzero(~findings.bad)
    credited = amounts[keep] if shares is None else amounts[keep] * shares[keep]
    units = floats_to_minor_units(credited, scale, what=f"actuals {amount}")
    if np.abs(units).sum(dtype=np.float64) >= 2.0**62:
        raise InvalidInputError("actual amounts are too large to sum exactly in int64 minor units")
    row_codes = codes[keep]
    row_days = days[keep]

    n_targets = len(frame)
    starts = frame["period_start"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    ends = frame["period_end"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    company = (frame["owner_kind"] == "company").to_numpy(dtype=bool)
    target_codes = labels.get_indexer(pd.Index(frame["owner_id"].astype(object)))
    actual_units = np.zeros(n_targets, dtype=np.int64)
    covered = np.zeros(len(keep), dtype=bool)
    if len(keep) and n_targets:
        low, high = int(row_days.min()), int(row_days.max()) + 1
        span = high - low + 1
        clip_start = np.clip(starts, low, high) - low
        clip_end = np.clip(ends, low, high) - low
        own = ~company & (target_codes >= 0)
        keys = row_codes * span + (row_days - low)
        sums, lo, hi, order = _sums(
            keys,
            units,
            target_codes[own] * span + clip_start[own],
            target_codes[own] * span + clip_end[own],
        )
        actual_units[own] = sums
        hit = np.zeros(len(keep), dtype=bool)
        hit[order] = _coverage(len(keep), lo, hi)
        covered |= hit
        if company.any():
            sums, lo, hi, order = _sums(
                row_days - low, units, clip_start[company], clip_end[company]
            )
            actual_units[company] = sums
            hit = np.zeros(len(keep), dtype=bool)
            hit[order] = _coverage(len(keep), lo, hi)
            covered |= hit

    target_units = floats_to_minor_units(
        frame["value"].to_numpy(dtype=np.float64), scale, what="target value"
    )
    higher = _higher(frame["direction"])
    extra = [c for c in frame.columns if c not in TARGETS.names]
    table = frame[list(_OUT_COLUMNS) + extra].rename(columns={"id": "target_id"})
    table = table.assign(**_scores(target_units, actual_units, higher, scale))

    missed = np.flatnonzero(~covered)
    has_target = np.zeros(len(labels), dtype=bool)
    has_target[target_codes[~company & (target_codes >= 0)]] = True
    rows = keep[missed]
    unmatched = pd.DataFrame(
        {
            "row": np.asarray(actuals.index[rows], dtype=object),
            "owner": np.asarray(labels[row_codes[missed]], dtype=object),
            "date": row_days[missed].astype("datetime64[D]").astype("datetime64[us]"),
            "amount": units[missed] / 10.0**scale,
            "reason": np.where(
                has_target[row_codes[missed]],
                FailureReason.OUTSIDE_PERIODS,
                FailureReason.NO_TARGET,
            ),
        }
    )
    if by is not None:
        table = _roll_up(table, [by] if isinstance(by, str) else list(by), scale)
    return VarianceFrames(table=table, errors=errors, unmatched=unmatched)


def combine_variance(
    targets: Sequence[Target] | pd.DataFrame,
    parts: Sequence[VarianceFrames],
    *,
    by: str | Sequence[str] | None = None,
) -> VarianceFrames:
    """Merge :func:`variance_frame` results over disjoint chunks of the actuals.

    Each part is ``variance_frame(targets, chunk)`` for one chunk of the
    actual rows, computed without ``by``. A target's ``actual_units`` add
    across chunks (every row is rounded on its own), so the merged table,
    scored again, equals ``variance_frame`` on all the actuals; the errors
    and unmatched rows of the chunks are concatenated, none dropped.

    Parameters
    ----------
    targets : list of Target or pandas.DataFrame
        The targets every part was computed for.
    parts : sequence of VarianceFrames
        One result per chunk of actuals, each without ``by``.
    by : str or sequence of str, optional
        Roll the merged table up by these target columns, as ``variance_frame`` does.

    Returns
    -------
    VarianceFrames

    Raises
    ------
    InvalidInputError
        No parts; a part whose table is not one row per target of
        ``targets``; sums too large for int64 minor units.

    Examples
    --------
    >>> import pandas as pd
    >>> from salescore.calendar import Period
    >>> from salescore.models import Owner, Target
    >>> targets = [Target(id="R1-01", metric="revenue", value="1000", currency="CNY",
    ...     direction="at_least", period=Period.month(2026, 1), owner=Owner(kind="rep", id="R1"))]
    >>> actuals = pd.DataFrame({"owner_id": ["R1", "R1", "R7"],
    ...     "date": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-01-21"]),
    ...     "amount": [600.0, 500.0, 9.0]})
    >>> parts = [variance_frame(targets, actuals.iloc[:1]),
    ...          variance_frame(targets, actuals.iloc[1:])]
    >>> merged = combine_variance(targets, parts)
    >>> merged.table[["target_id", "actual", "attainment"]].to_dict("records")
    [{'target_id': 'R1-01', 'actual': 1100.0, 'attainment': 1.1}]
    >>> merged.unmatched[["row", "reason"]].to_dict("records")
    [{'row': 2, 'reason': 'no_target'}]
    """
    if not parts:
        raise InvalidInputError("parts is empty; give at least one VarianceFrames to combine")
    frame, _, scale = _prepare_targets(targets)
    ids = frame["id"].to_numpy(dtype=object)
    for i, part in enumerate(parts):
        if not isinstance(part, VarianceFrames):
            raise InvalidInputError(f"parts[{i}] is {type(part).__name__}, not VarianceFrames")
        table_ids = (
            part.table["target_id"].to_numpy(dtype=object) if "target_id" in part.table else None
        )
        if table_ids is None or len(table_ids) != len(ids) or (table_ids != ids).any():
            raise InvalidInputError(
                f"parts[{i}] is not one row per target of these {len(ids)} targets; "
                "compute every part with the same targets and without by="
            )
    units = np.stack([p.table["actual_units"].to_numpy(dtype=np.int64) for p in parts])
    if np.abs(units).sum(dtype=np.float64) >= 2.0**62:
        raise InvalidInputError("actual amounts are too large to sum exactly in int64 minor units")
    first = parts[0].table
    scores = _scores(
        first["target_units"].to_numpy(dtype=np.int64),
        units.sum(axis=0),
        _higher(first["direction"]),
        scale,
    )
    table = first.assign(**scores)
    if by is not None:
        table = _roll_up(table, [by] if isinstance(by, str) else list(by), scale)
    return VarianceFrames(
        table=table,
        errors=pd.concat([p.errors for p in parts], ignore_index=True),
        unmatched=pd.concat([p.unmatched for p in parts], ignore_index=True),
    )


def _higher(direction: pd.Series[Any]) -> BoolArray:
    """Whether each row's direction is higher-is-better (increase, at_least)."""
    return np.isin(
        direction.astype(object).to_numpy(),
        [Direction.INCREASE.value, Direction.AT_LEAST.value],
    )


def _roll_up(table: pd.DataFrame, keys: list[str], scale: int) -> pd.DataFrame:
    allowed = list(table.columns[: table.columns.get_loc("target")])
    absent = [k for k in keys if k not in allowed]
    if absent or not keys or len(set(keys)) != len(keys):
        raise InvalidInputError(
            f"by= names {absent or keys} which are not distinct target columns; "
            f"choose from {allowed}"
        )
    higher = _higher(table["direction"])
    grouped = table.assign(_higher=higher).groupby(keys, dropna=False, sort=True, observed=True)
    summed = grouped.agg(
        _targets=("target_id", "size"),
        _lowest=("_higher", "min"),
        _highest=("_higher", "max"),
        _direction=("direction", "first"),
        _target_units=("target_units", "sum"),
        _actual_units=("actual_units", "sum"),
    ).reset_index()
    mixed = (summed["_lowest"] != summed["_highest"]).to_numpy()
    if mixed.any():
        first = summed.loc[mixed, keys].iloc[0].tolist()
        raise InvalidInputError(
            f"by={keys} group {first} mixes directions (higher and lower is better); "
            "their attainments cannot be summed"
        )
    scores = _scores(
        summed["_target_units"].to_numpy(dtype=np.int64),
        summed["_actual_units"].to_numpy(dtype=np.int64),
        summed["_highest"].to_numpy(dtype=bool),
        scale,
    )
    out = summed[keys].assign(targets=summed["_targets"].to_numpy())
    if "direction" not in keys:
        out["direction"] = summed["_direction"]
    return out.assign(**scores)
