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
from datetime import date
from fractions import Fraction
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._numeric import exact_decimals, to_fraction
from salescore.calendar import Period, WorkCalendar
from salescore.errors import InvalidInputError
from salescore.goals._split import child_target, split_unit, split_value
from salescore.models import Channel, Owner, OwnerKind, Rep, Target, Team

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


def _as_owner(item: object) -> Owner:
    if isinstance(item, Owner):
        if item.id is None:
            raise InvalidInputError("the company cannot be an owner to allocate to; it has no id")
        return item
    if isinstance(item, Rep):
        return Owner(kind=OwnerKind.REP, id=item.id)
    if isinstance(item, Team):
        return Owner(kind=OwnerKind.TEAM, id=item.id)
    if isinstance(item, Channel):
        return Owner(kind=OwnerKind.CHANNEL, id=item.id)
    raise InvalidInputError(
        f"owner {item!r} is a {type(item).__name__}; give Rep, Team, Channel or Owner objects"
    )


def _owner_ids(owners: Sequence[OwnerLike]) -> list[str]:
    if len(owners) == 0:
        raise InvalidInputError("no owners to allocate to; give at least one")
    ids = [str(_as_owner(o).id) for o in owners]
    seen: set[str] = set()
    dupes = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if dupes:
        raise InvalidInputError(f"owner ids {dupes} appear more than once; each owner once")
    return ids


_MICRO = 10**6  # capacity and ramp factors are read to the millionth
_FAR_PAST = np.datetime64("1900-01-01", "D")
_FAR_FUTURE = np.datetime64("2200-01-01", "D")


def _dates(values: Sequence[date | None], missing: np.datetime64) -> npt.NDArray[np.datetime64]:
    arr = np.array([missing if d is None else d for d in values], dtype="datetime64[D]")
    return arr


def _month_shifts(hire: npt.NDArray[np.datetime64], months: int) -> npt.NDArray[np.datetime64]:
    """Each day moved ``months`` calendar months on, clamped to the month's end."""
    first = hire.astype("datetime64[M]")
    day = (hire - first.astype("datetime64[D]")).astype(np.int64)
    target = first + months
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    shifted: npt.NDArray[np.datetime64] = target.astype("datetime64[D]") + np.minimum(
        day, length - 1
    )
    return shifted


def working_time_units(
    reps: Sequence[Rep], periods: Sequence[Period], work_calendar: WorkCalendar | None = None
) -> npt.NDArray[np.int64]:
    """Each rep's working time in each period, exact, vectorised over reps × periods.

    Working time is capacity × days employed in the period (from the hire
    date to the leave date, inclusive) × the ramp factor of each month of
    tenure (``ramp[k]`` in month ``k`` after hire, 1 after the schedule; no
    ramp without a hire date). With a ``work_calendar`` working days are
    counted instead of days. Capacity and ramp factors are read to the
    millionth, so the result is in units of 10⁻¹² day.

    Examples
    --------
    >>> from datetime import date
    >>> rep = Rep(id="R1", name="Li", hire_date=date(2026, 2, 1), ramp=(0.5,), capacity=0.8)
    >>> units = working_time_units([rep], Period.quarter(2026, 1).split("month"))
    >>> (units / 10**12).tolist()   # 28 days x 0.5 x 0.8 in February, 31 x 0.8 in March
    [[0.0, 11.2, 24.8]]
    """
    n, k = len(reps), len(periods)
    width = max((len(rep.ramp) for rep in reps), default=0)
    hire = _dates([rep.hire_date for rep in reps], _FAR_PAST)
    leave = _dates([rep.leave_date for rep in reps], _FAR_FUTURE - 1)
    employed_from, employed_to = hire, leave + 1
    # Tenure segments: [shift(hire, j), shift(hire, j + 1)) at ramp[j], then 1 to the end.
    bounds = np.stack([_month_shifts(hire, j) for j in range(width + 1)], axis=1)
    seg_start = bounds
    seg_end = np.concatenate([bounds[:, 1:], np.full((n, 1), _FAR_FUTURE)], axis=1)
    factor = np.full((n, width + 1), _MICRO, dtype=np.int64)
    for i, rep in enumerate(reps):
        if rep.ramp and rep.hire_date is not None:
            factor[i, : len(rep.ramp)] = np.rint(np.array(rep.ramp) * _MICRO).astype(np.int64)
    seg_start = np.maximum(seg_start, employed_from[:, None])
    seg_end = np.minimum(seg_end, employed_to[:, None])
    p_start = np.array([p.start for p in periods], dtype="datetime64[D]")
    p_end = np.array([p.end for p in periods], dtype="datetime64[D]")
    lo = np.maximum(seg_start[:, :, None], p_start[None, None, :])
    hi = np.maximum(np.minimum(seg_end[:, :, None], p_end[None, None, :]), lo)
    if work_calendar is not None:
        days = work_calendar.business_days_between(lo.ravel(), hi.ravel()).reshape(lo.shape)
    else:
        days = (hi - lo).astype(np.int64)
    capacity = np.rint(np.array([rep.capacity for rep in reps]) * _MICRO).astype(np.int64)
    units: npt.NDArray[np.int64] = capacity[:, None] * (days * factor[:, :, None]).sum(axis=1)
    return units.reshape(n, k)


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
    ids = _owner_ids(owners)
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
    ids = _owner_ids(owners)
    owner_list = [_as_owner(o) for o in owners]
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
