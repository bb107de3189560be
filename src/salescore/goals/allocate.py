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

Owners are weighed in the order of their ids, whatever the order given, so the
result (including which owner gets a unit left over by rounding) does not
depend on the order of the list.
"""

from __future__ import annotations

import calendar as _gregorian
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._numeric import to_fraction
from salescore.calendar import Period, WorkCalendar
from salescore.errors import InvalidInputError
from salescore.goals._split import child_target, split_unit, split_value
from salescore.models import Channel, Owner, OwnerKind, Rep, Target, Team

__all__ = [
    "AllocationMethod",
    "OwnerLike",
    "allocate",
    "owner_weights",
    "working_time_matrix",
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


def _shift_months(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months on, clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _gregorian.monthrange(year, month + 1)[1]))


def _tenure_segments(rep: Rep) -> list[tuple[date, date, Fraction]]:
    """Employed stretches ``[start, end)`` of ``rep`` with their ramp factor."""
    start = rep.hire_date or date.min
    end = rep.leave_date + timedelta(days=1) if rep.leave_date else date.max
    # Month k after hire runs at ramp[k]; full productivity after the schedule.
    bounds: list[tuple[date, date, Fraction]] = []
    if rep.hire_date is not None:
        for k, ramp_factor in enumerate(rep.ramp):
            seg = (_shift_months(rep.hire_date, k), _shift_months(rep.hire_date, k + 1))
            bounds.append((*seg, to_fraction(ramp_factor)))
        bounds.append((_shift_months(rep.hire_date, len(rep.ramp)), date.max, Fraction(1)))
    else:
        bounds.append((date.min, date.max, Fraction(1)))
    clipped = [(max(a, start), min(b, end), f) for a, b, f in bounds]
    return [(a, b, f) for a, b, f in clipped if a < b]


def _working_time(rep: Rep, period: Period, work_calendar: WorkCalendar | None) -> Fraction:
    """Capacity × employed days (or working days) in ``period``, each weighted by ramp."""
    starts: list[date] = []
    ends: list[date] = []
    factors: list[Fraction] = []
    for seg_start, seg_end, factor in _tenure_segments(rep):
        a, b = max(period.start, seg_start), min(period.end, seg_end)
        if a < b:
            starts.append(a)
            ends.append(b)
            factors.append(factor)
    if work_calendar is not None:
        counts = work_calendar.business_days_between(starts, ends).tolist()
    else:
        counts = [(b - a).days for a, b in zip(starts, ends, strict=True)]
    time = sum((f * n for f, n in zip(factors, counts, strict=True)), Fraction(0))
    return to_fraction(rep.capacity) * time


def working_time_matrix(
    reps: Sequence[Rep], periods: Sequence[Period], work_calendar: WorkCalendar | None = None
) -> npt.NDArray[np.float64]:
    """Each rep's working time in each period [days], vectorised over reps × periods.

    The float twin of the ``"capacity"`` weight: capacity × days employed in
    the period × ramp factor (working days with a ``work_calendar``).

    Examples
    --------
    >>> from datetime import date
    >>> rep = Rep(id="R1", name="Li", hire_date=date(2026, 2, 1), ramp=(0.5,))
    >>> working_time_matrix([rep], Period.quarter(2026, 1).split("month")).tolist()
    [[0.0, 14.0, 31.0]]
    """
    segments = [_tenure_segments(rep) for rep in reps]
    width = max((len(s) for s in segments), default=0)
    n, k = len(reps), len(periods)
    seg_start = np.full((n, width), np.datetime64("1970-01-01"), dtype="datetime64[D]")
    seg_end = seg_start.copy()
    factor = np.zeros((n, width), dtype=np.float64)
    for i, rep_segments in enumerate(segments):
        for s, (a, b, f) in enumerate(rep_segments):
            # date.min / date.max are outside datetime64 comfort; clip to the periods.
            seg_start[i, s] = np.datetime64(max(a, periods[0].start), "D")
            seg_end[i, s] = np.datetime64(min(b, periods[-1].end), "D")
            factor[i, s] = float(f)
    p_start = np.array([p.start for p in periods], dtype="datetime64[D]")
    p_end = np.array([p.end for p in periods], dtype="datetime64[D]")
    lo = np.maximum(seg_start[:, :, None], p_start[None, None, :])
    hi = np.minimum(seg_end[:, :, None], p_end[None, None, :])
    hi = np.maximum(hi, lo)  # empty overlaps count 0
    if work_calendar is not None:
        days = work_calendar.business_days_between(lo.ravel(), hi.ravel()).reshape(lo.shape)
    else:
        days = (hi - lo).astype(np.int64)
    capacity = np.array([rep.capacity for rep in reps], dtype=np.float64)
    result: npt.NDArray[np.float64] = capacity[:, None] * (days * factor[:, :, None]).sum(axis=1)
    return result.reshape(n, k)


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
            result = [_working_time(o, period, work_calendar) for o in owners]  # type: ignore[arg-type]
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
