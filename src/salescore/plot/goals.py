"""Goal pictures: the pace chart of a :class:`~salescore.goals.Pace` and the plan-matrix heatmap."""

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

__all__ = ["pace_chart", "plan_matrix_heatmap"]


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
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore.calendar import Period
    >>> q1 = Target(id="Q1", metric="revenue", value="1200000", currency="CNY",
    ...             direction="at_least", period=Period.quarter(2026, 1))
    >>> booked = pd.Series([300000.0, 150000.0],
    ...                    index=pd.to_datetime(["2026-01-20", "2026-02-10"]))
    >>> p = pace(q1, booked, date(2026, 2, 15), weights=[0.3, 0.3, 0.4])
    >>> ax = pace_chart(p, q1, booked, weights=[0.3, 0.3, 0.4], ax=Figure().add_subplot())
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


def _cell(value: float, integral: bool) -> str:
    return f"{value:,.0f}" if integral else f"{value:,.2f}"


def plan_matrix_heatmap(
    matrix: pd.DataFrame,
    *,
    unit: str | None = None,
    annotate: bool = True,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """Owners × periods of a :func:`~salescore.goals.plan_matrix`, as a heatmap.

    Each cell's colour is its planned value (``Decimal`` drawn as float); with
    ``annotate`` the value is written in the cell. A colour bar beside the
    Axes gives the scale.

    Parameters
    ----------
    matrix : pandas.DataFrame
        The wide form of :func:`~salescore.goals.plan_matrix`: index
        ``owner_id``, columns ``period`` (labels); ``Decimal`` values for
        money (the default form, in major units) and rates, integers for
        counts.
    unit : str, optional
        The values' unit for the colour bar label: the target's currency, or
        e.g. ``"count"``; "value" when not given.
    annotate : bool
        Write each value in its cell (two decimals unless all are whole).
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
        ``matrix`` is not the wide form (index ``owner_id``, columns
        ``period``), is empty, or holds a value that is not a finite number.

    Examples
    --------
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore.calendar import Period
    >>> from salescore.goals import plan_matrix
    >>> from salescore.models import Owner
    >>> t = Target(id="Q1", metric="revenue", value="100.00", currency="CNY",
    ...            period=Period.quarter(2026, 1))
    >>> m = plan_matrix(t, [Owner(kind="rep", id=i) for i in ("R1", "R2", "R3")], "month")
    >>> ax = plan_matrix_heatmap(m, unit="CNY", ax=Figure().add_subplot())
    >>> ax.images[0].get_array()[0].tolist()
    [11.12, 11.11, 11.11]
    """
    if matrix.index.name != "owner_id" or matrix.columns.name != "period":
        raise InvalidInputError(
            "the matrix must be plan_matrix's wide form (index 'owner_id', columns 'period'); "
            f"got index {matrix.index.name!r} and columns {matrix.columns.name!r}: "
            "pass form='wide'"
        )
    if matrix.empty:
        raise InvalidInputError("the plan matrix is empty; there is nothing to draw")
    try:
        values = np.asarray(
            [[float(v) for v in row] for row in matrix.itertuples(index=False)], dtype=np.float64
        )
    except (TypeError, ValueError):
        values = np.full(matrix.shape, np.nan)
    if not np.isfinite(values).all():
        raise InvalidInputError("the plan matrix holds a value that is not a finite number")
    t = texts(lang)
    ax = axes(ax)
    image = ax.imshow(values, aspect="auto", cmap="Blues")
    owners = [str(o) for o in matrix.index]
    periods = [str(p) for p in matrix.columns]
    ax.set_xticks(np.arange(len(periods)), periods)
    ax.set_yticks(np.arange(len(owners)), owners)
    if annotate:
        integral = bool((values == np.round(values)).all())
        middle = (values.min() + values.max()) / 2
        for (i, j), value in np.ndenumerate(values):
            ax.text(
                j,
                i,
                _cell(float(value), integral),
                ha="center",
                va="center",
                fontsize="small",
                color="white" if value > middle else "black",
            )
    figure = ax.get_figure()
    assert figure is not None
    bar = figure.colorbar(image, ax=ax)
    bar.set_label(t("planned", unit=unit if unit is not None else t("value")))
    ax.set_xlabel(t("period"))
    ax.set_ylabel(t("owner"))
    ax.set_title(t("matrix_title"))
    t.apply(ax)
    t.apply(bar.ax)
    return ax
