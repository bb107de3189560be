"""Decompose a target over time: a year into quarters, months, weeks or days."""

from __future__ import annotations

from salescore._numeric import exact_decimals
from salescore.calendar import FiscalCalendar, Grain, WorkCalendar
from salescore.goals._split import child_target, require_period, split_unit, split_value
from salescore.goals.weights import TimeWeights, time_weights
from salescore.models import Target

__all__ = ["decompose"]


@exact_decimals
def decompose(
    target: Target,
    grain: Grain,
    *,
    calendar: FiscalCalendar | None = None,
    weights: TimeWeights = "even",
    work_calendar: WorkCalendar | None = None,
) -> list[Target]:
    """Split ``target`` over the sub-periods of its period.

    Money targets are split in minor units by largest remainder, so the
    children add up to the parent exactly and each is within one minor unit of
    its exact share. Count targets (deals won, new customers) are split into
    whole numbers the same way. Rate and level targets (market share, churn,
    average deal size) are not split: every child carries the parent's value.

    Parameters
    ----------
    target : Target
        A target with a metric, a value and a period.
    grain : {"year", "quarter", "month", "week", "day"}
        The sub-period grain (fiscal with ``calendar``); the first and last
        sub-periods are clipped to the target's period.
    calendar : FiscalCalendar, optional
        Split along fiscal quarters, months (fiscal periods, 4-4-5 included)
        and weeks.
    weights : "even", "days", "business_days", Seasonality, sequence or mapping
        How the value is spread; see :func:`~salescore.goals.time_weights`.
    work_calendar : WorkCalendar, optional
        Working days, for ``weights="business_days"``.

    Returns
    -------
    list of Target
        One per sub-period, in order, with ids ``"<parent id>/<label>"``,
        ``parent_id`` set, the parent's metric, unit, direction, owner and
        scope, and no baseline.

    Raises
    ------
    InvalidInputError
        The target has no period, value or metric, a money value finer than
        its currency's minor unit, a fractional count, or the grain is coarser
        than the period; or the weights are invalid.

    Examples
    --------
    >>> from salescore.calendar import Period
    >>> from salescore.models import Target
    >>> year = Target(id="FY26", metric="revenue", value="5000000", currency="CNY",
    ...               direction="at_least", period=Period.year(2026))
    >>> quarters = decompose(year, "quarter")
    >>> quarters[0].id, quarters[0].parent_id, [str(t.value) for t in quarters]
    ('FY26/2026-Q1', 'FY26', ['1250000.00', '1250000.00', '1250000.00', '1250000.00'])
    >>> months = decompose(year, "month")
    >>> str(months[0].value), str(sum(t.value for t in months))
    ('416666.67', '5000000.00')
    >>> [str(t.value) for t in decompose(year, "quarter", weights="days")]
    ['1232876.71', '1246575.34', '1260273.98', '1260273.97']
    """
    period = require_period(target)
    unit = split_unit(target)
    periods, weights_ = time_weights(
        period, grain, weights, calendar=calendar, work_calendar=work_calendar
    )
    values = split_value(unit, weights_)
    return [
        child_target(
            target,
            suffix=calendar.label(child) if calendar else child.label,
            value=value,
            period=child,
        )
        for child, value in zip(periods, values, strict=True)
    ]
