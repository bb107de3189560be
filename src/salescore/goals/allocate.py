"""Allocate a target across owners: reps, teams or channels.

Four ways to weigh the owners:

``"even"``
    Every owner the same share.
``"weights"``
    Explicit relative weights per owner id (any positive scale: ``{"R1": 2,
    "R2": 1}`` gives R1 two thirds).
``"history"``
    Each owner's share of past bookings (a Series of amounts per owner id, or
    a frame of rows with ``owner_id`` and ``amount``); owners with no history
    get nothing, and history of owners not being allocated to is ignored.
``"capacity"``
    The working time each rep is expected to give the period:
    capacity fraction × days employed within the period (from hire date to
    leave date) × the ramp factor of each month of tenure. With a
    :class:`~salescore.calendar.WorkCalendar`, working days instead of days.
    Capacity and ramp factors are read to the millionth.

Owners are weighed in the order of their ids, whatever the order given, so the
result (including which owner gets a unit left over by rounding) does not
depend on the order of the list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd

from salescore._numeric import exact_decimals, to_fraction
from salescore.calendar import Period, WorkCalendar, working_time_units
from salescore.errors import InvalidInputError
from salescore.goals._owners import as_owner, owner_ids
from salescore.goals._split import child_target, split_unit, split_value
from salescore.models import Channel, Owner, Rep, Target, Team

__all__ = [
    "AllocationMethod",
    "OwnerLike",
    "allocate",
    "owner_weights",
    "working_time_units",
]

OwnerLike: TypeAlias = Rep | Team | Channel | Owner
"""Anything a target can be allocated to."""

AllocationMethod = Literal["even", "weights", "history", "capacity"]


_MICRO = 10**6  # working_time_units counts in 10^-12 day (capacity x ramp, each to 10^-6)


def _history_amounts(history: pd.Series[Any] | pd.DataFrame) -> pd.Series[Any]:
    if isinstance(history, pd.DataFrame):
        missing = [c for c in ("owner_id", "amount") if c not in history.columns]
        if missing:
            raise InvalidInputError(
                f"history frame lacks columns {missing}; it needs owner_id and amount"
            )
        if history["owner_id"].isna().any():
            i = int(np.flatnonzero(history["owner_id"].isna().to_numpy())[0])
            raise InvalidInputError(f"history row {history.index[i]!r} has no owner_id")
        amounts = pd.Series(history["amount"].to_numpy(), index=history["owner_id"].astype(str))
    else:
        amounts = pd.Series(history.to_numpy(), index=history.index.astype(str))
    try:
        values = pd.to_numeric(amounts, errors="raise").astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"history amounts must be numbers: {exc}") from exc
    bad = ~np.isfinite(values.to_numpy()) | (values.to_numpy() < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(
            f"history amount {amounts.iloc[i]!r} of owner {amounts.index[i]!r} is not a finite "
            "number >= 0"
        )
    return values.groupby(level=0, sort=False).sum()


def owner_weights(
    owners: Sequence[OwnerLike],
    method: AllocationMethod = "even",
    *,
    period: Period | None = None,
    weights: Mapping[str, object] | None = None,
    history: pd.Series[Any] | pd.DataFrame | None = None,
    work_calendar: WorkCalendar | None = None,
) -> list[Fraction]:
    """The weight of each owner under ``method``, in the order given.

    Parameters
    ----------
    owners : sequence of Rep, Team, Channel or Owner
        Distinct owners.
    method : {"even", "weights", "history", "capacity"}
        See the module docstring.
    period : Period, optional
        Required by ``"capacity"``: the period the working time is counted in.
    weights : mapping of owner id to number, optional
        Required by ``"weights"``; non-negative, every owner named, no others.
    history : pandas.Series or pandas.DataFrame, optional
        Required by ``"history"``: amounts indexed by owner id, or rows with
        ``owner_id`` and ``amount`` (summed per owner).
    work_calendar : WorkCalendar, optional
        For ``"capacity"``: count working days rather than days.

    Returns
    -------
    list of Fraction
        Exact non-negative weights; at least one is positive.

    Raises
    ------
    InvalidInputError
        No owners, a repeated owner id, an unknown method, a missing or
        invalid argument for the method, or every weight zero.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.models import Rep
    >>> reps = [Rep(id="R1", name="Wang"), Rep(id="R2", name="Li", capacity=0.5),
    ...         Rep(id="R3", name="Zhao", hire_date=date(2026, 7, 1), ramp=(0.5,))]
    >>> [str(w) for w in owner_weights(reps, "capacity", period=Period.year(2026))]
    ['365', '365/2', '337/2']
    """
    ids = owner_ids(owners)
    result: list[Fraction]
    match method:
        case "even":
            result = [Fraction(1)] * len(ids)
        case "weights":
            if weights is None:
                raise InvalidInputError("method='weights' needs weights={owner id: weight}")
            given = {str(k) for k in weights}
            missing, extra = sorted(set(ids) - given), sorted(given - set(ids))
            if missing or extra:
                raise InvalidInputError(
                    f"weights must name every owner exactly once; missing {missing}, "
                    f"unknown {extra}"
                )
            by_id = {str(k): v for k, v in weights.items()}
            result = [to_fraction(by_id[i], what=f"weight of owner {i!r}") for i in ids]
            negative = [i for i, w in zip(ids, result, strict=True) if w < 0]
            if negative:
                raise InvalidInputError(
                    f"weight {by_id[negative[0]]!r} of owner {negative[0]!r} is negative; "
                    "weights are >= 0"
                )
        case "history":
            if history is None:
                raise InvalidInputError("method='history' needs history= (past amounts per owner)")
            amounts = _history_amounts(history)
            # Float amounts are read through their shortest repr, as money is elsewhere.
            result = [to_fraction(float(amounts.get(i, 0.0))) for i in ids]
        case "capacity":
            if period is None:
                raise InvalidInputError("method='capacity' needs the period to count time in")
            not_reps = [i for i, o in zip(ids, owners, strict=True) if not isinstance(o, Rep)]
            if not_reps:
                raise InvalidInputError(
                    f"method='capacity' needs Rep owners (with hire dates, capacity and ramp); "
                    f"{not_reps[:3]} are not reps"
                )
            units = working_time_units(owners, [period], work_calendar)[:, 0]  # type: ignore[arg-type]
            result = [Fraction(int(u), _MICRO**2) for u in units.tolist()]
        case _:
            raise InvalidInputError(
                f"method {method!r} is not one of 'even', 'weights', 'history', 'capacity'"
            )
    if not any(result):
        raise InvalidInputError(
            f"every owner has weight 0 under method={method!r}; at least one must contribute"
        )
    return result


def canonical_split(ids: Sequence[str], unit_split: Any, weights: Sequence[Fraction]) -> list[Any]:
    """Split in the order of sorted ids and return the parts in the order given."""
    order = sorted(range(len(ids)), key=lambda k: ids[k])
    parts = unit_split([weights[k] for k in order])
    result: list[Any] = [None] * len(ids)
    for position, k in enumerate(order):
        result[k] = parts[position]
    return result


@exact_decimals
def allocate(
    target: Target,
    owners: Sequence[OwnerLike],
    *,
    method: AllocationMethod = "even",
    weights: Mapping[str, object] | None = None,
    history: pd.Series[Any] | pd.DataFrame | None = None,
    work_calendar: WorkCalendar | None = None,
) -> list[Target]:
    """Allocate ``target`` across ``owners``, exactly.

    Money targets are split in minor units and count targets in whole numbers
    by largest remainder, so the parts add up to the parent exactly; rate and
    level targets give every owner the parent's value. Owners that contribute
    nothing get zero.

    Parameters
    ----------
    target : Target
        A target with a metric and a value (and a period for ``"capacity"``).
    owners : sequence of Rep, Team, Channel or Owner
        Distinct owners.
    method, weights, history, work_calendar
        How owners are weighed; see :func:`owner_weights`.

    Returns
    -------
    list of Target
        One per owner in the order given, ids ``"<parent id>/<owner id>"``,
        ``owner`` set, ``parent_id`` the target's id, the same period.

    Raises
    ------
    InvalidInputError
        As :func:`owner_weights`, or the target cannot be split.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.calendar import Period
    >>> from salescore.models import Rep, Target
    >>> team = Target(id="T", metric="revenue", value="1000000", currency="CNY",
    ...               period=Period.year(2026))
    >>> reps = [Rep(id="R1", name="Wang"), Rep(id="R2", name="Li"),
    ...         Rep(id="R3", name="Zhao", hire_date=date(2026, 7, 1), ramp=(0.25, 0.5, 0.75))]
    >>> parts = allocate(team, reps, method="capacity")
    >>> [(t.owner.id, str(t.value)) for t in parts]
    [('R1', '420628.06'), ('R2', '420628.06'), ('R3', '158743.88')]
    >>> str(sum(t.value for t in parts))
    '1000000.00'
    """
    unit = split_unit(target)
    ids = owner_ids(owners)
    owner_list = [as_owner(o) for o in owners]
    shares = owner_weights(
        owners,
        method,
        period=target.period,
        weights=weights,
        history=history,
        work_calendar=work_calendar,
    )
    values = canonical_split(ids, lambda w: split_value(unit, w), shares)
    return [
        child_target(target, suffix=owner_id, value=value, owner=owner)
        for owner_id, owner, value in zip(ids, owner_list, values, strict=True)
    ]
