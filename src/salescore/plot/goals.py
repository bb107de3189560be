"""Goal pictures: the pace chart of a :class:`~salescore.goals.Pace`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from salescore.calendar import FiscalCalendar, Grain, WorkCalendar
from salescore.errors import InvalidInputError
from salescore.goals import Pace, TimeWeights, child_periods, pace
from salescore.models import Target
from salescore.money import Money
from salescore.plot._text import Lang, axes, texts

__all__ = ["pace_chart"]


def _float(value: Money | Decimal) -> float:
    return float(value.amount if isinstance(value, Money) else value)


def _unit(value: Money | Decimal) -> str:
    return value.currency if isinstance(value, Money) else "count"


def _text(value: Money | Decimal) -> str:
    amount = value.amount if isinstance(value, Money) else value
    unit = f" {value.currency}" if isinstance(value, Money) else ""
    return f"{amount:+,}{unit}"


def pace_chart(
    result: Pace,
    target: Target,
    actuals: pd.Series[Any],
    *,
    grain: Grain = "month",
    weights: TimeWeights = "even",
    calendar: FiscalCalendar | None = None,
    work_calendar: WorkCalendar | None = None,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """Cumulative actual against the goal curve, the gap at ``as_of`` and the path still needed.

    ``result`` is the :func:`~salescore.goals.pace` of ``target`` and
    ``actuals`` with the same ``grain``, ``weights`` and calendars; they are
    passed again because the curves are not on the result: each point of the
    goal curve (``gid="goal"``) is the ``expected_to_date`` and each point of
    the actual curve (``gid="actual"``) the ``actual_to_date`` of
    :func:`~salescore.goals.pace` at a sub-period boundary (and at ``as_of``),
    so both are exactly what ``pace`` computes. The gap
    (``variance_to_date``) is a vertical segment at ``as_of``
    (``gid="gap"``); the path still needed (``gid="needed"``) adds
    ``result.needed`` step by step to ``actual_to_date``; the target is a
    horizontal line (``gid="target"``).

    Parameters
    ----------
    result : Pace
        The pace to draw.
    target : Target
        The target ``result`` was computed for.
    actuals : pandas.Series
        The actuals ``result`` was computed from [target's unit].
    grain, weights, calendar, work_calendar
        As given to :func:`~salescore.goals.pace`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's Axes by default.
    lang : {"en", "zh-CN"}
        Language of the title and labels.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidInputError
        ``result`` is not the pace of ``target`` and ``actuals`` with these
        settings, or any error of :func:`~salescore.goals.pace`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from salescore.calendar import Period
    >>> q1 = Target(id="Q1", metric="revenue", value="1200000", currency="CNY",
    ...             direction="at_least", period=Period.quarter(2026, 1))
    >>> booked = pd.Series([300000.0, 150000.0],
    ...                    index=pd.to_datetime(["2026-01-20", "2026-02-10"]))
    >>> p = pace(q1, booked, date(2026, 2, 15), weights=[0.3, 0.3, 0.4])
    >>> ax = pace_chart(p, q1, booked, weights=[0.3, 0.3, 0.4])
    >>> goal = next(line for line in ax.lines if line.get_gid() == "goal")
    >>> goal.get_ydata().tolist()
    [0.0, 360000.0, 540000.0, 720000.0, 1200000.0]
    """
    t = texts(lang)
    if result.target_id != target.id:
        raise InvalidInputError(
            f"the pace is of target {result.target_id!r}, not of target {target.id!r}"
        )

    def at(day: date) -> Pace:
        return pace(
            target,
            actuals,
            day,
            grain=grain,
            weights=weights,
            calendar=calendar,
            work_calendar=work_calendar,
        )

    again = at(result.as_of)
    if (again.expected_to_date, again.actual_to_date, again.needed) != (
        result.expected_to_date,
        result.actual_to_date,
        result.needed,
    ):
        raise InvalidInputError(
            f"the pace of target {target.id!r} as of {result.as_of} is not the pace of these "
            "actuals with these grain, weights and calendars; pass what it was computed with"
        )
    period = target.period
    assert period is not None  # pace() refused a target without one
    children = child_periods(period, grain, calendar=calendar)
    days = sorted({period.start, result.as_of, *(c.end for c in children)})
    points = [result if d == result.as_of else at(d) for d in days]
    x = pd.to_datetime(pd.Series(days)).to_numpy()
    goal = np.asarray([_float(p.expected_to_date) for p in points], dtype=np.float64)
    done = [d <= result.as_of for d in days]
    actual = np.asarray(
        [_float(p.actual_to_date) for p, d in zip(points, done, strict=True) if d],
        dtype=np.float64,
    )
    ax = axes(ax)
    ax.plot(x, goal, color="tab:gray", marker="o", label=t("goal"), gid="goal")
    ax.plot(x[: len(actual)], actual, color="tab:blue", marker="o", label=t("actual"), gid="actual")
    ax.axhline(
        _float(result.target), color="tab:green", linestyle=":", label=t("target"), gid="target"
    )
    as_of = np.datetime64(result.as_of, "ns")
    expected, reached = _float(result.expected_to_date), _float(result.actual_to_date)
    ax.vlines(
        as_of,
        min(expected, reached),
        max(expected, reached),
        color="tab:red",
        linewidth=3,
        gid="gap",
    )
    ax.annotate(
        t("gap", value=_text(result.variance_to_date)),
        xy=(as_of, (expected + reached) / 2),
        xytext=(6, 0),
        textcoords="offset points",
        color="tab:red",
        va="center",
    )
    if result.needed:
        steps_x = [as_of, *(np.datetime64(s.period.end, "ns") for s in result.needed)]
        steps_y = np.cumsum([reached, *(_float(s.amount) for s in result.needed)])
        ax.plot(steps_x, steps_y, color="tab:blue", linestyle="--", label=t("needed"), gid="needed")
    ax.set_xlabel(t("date"))
    ax.set_ylabel(t("cumulative", unit=_unit(result.target)))
    ax.set_title(f"{t('pace_title')}: {target.id}")
    ax.legend()
    t.apply(ax)
    return ax
