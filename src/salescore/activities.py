"""Activities of a sales team (过程管控): counts by rep and kind, as mergeable partials.

The frame contract :data:`ACTIVITIES` describes one activity per row; the
single path takes :class:`~salescore.models.Activity` models and the bulk
path a frame, and both run on one counting kernel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._lookup import positions
from salescore.calendar import FiscalCalendar, Grain, Period, WorkCalendar
from salescore.errors import InvalidInputError
from salescore.frames import (
    OPPORTUNITIES,
    STAGE_CHANGES,
    CheckedFrame,
    Column,
    FrameContract,
    check_stage_column,
    history_frame,
    to_frame,
    validate_frame,
)
from salescore.goals import AllocationMethod, OwnerLike, TimeWeights, decompose, plan_matrix
from salescore.models import (
    Activity,
    ActivityKind,
    Opportunity,
    Organization,
    Pipeline,
    Target,
    check_opportunities,
)
from salescore.serialization import Result

__all__ = [
    "ACTIVITIES",
    "ActivityCounts",
    "ActivityPlan",
    "OutcomeKey",
    "activity_counts",
    "activity_kpis",
    "activity_outcomes",
    "activity_plan",
    "idle_open_deals",
    "stale_accounts",
]

_KINDS: Final = tuple(k.value for k in ActivityKind)

#: One activity per row (see :class:`~salescore.models.Activity`).
ACTIVITIES: Final = FrameContract(
    "activities",
    (
        Column("id", "string", unique=True, nonblank=True, description="activity id"),
        Column("rep_id", "string", nonblank=True, description="the rep who did it"),
        Column("kind", "category", allowed=_KINDS, description="what kind of activity"),
        Column("occurred_at", "datetime", description="when, timezone-aware (stored in UTC)"),
        Column("account_id", "string", nonblank=True, description="the account"),
        Column(
            "opportunity_id",
            "string",
            required=False,
            nullable=True,
            description="the deal worked on, if any",
        ),
    ),
    (),
    "one activity per row",
)


@dataclass(frozen=True)
class ActivityCounts(Result):
    """Activity counts by ``(rep_id, kind)``: a partial that adds up.

    ``activity_counts(a) + activity_counts(b) == activity_counts(a ∪ b)``
    for disjoint ``a`` and ``b``, so each partition can be counted apart.

    Parameters
    ----------
    counts : mapping of (str, str) to int
        Number of activities [count] per rep and kind; absent pairs are 0.

    Examples
    --------
    >>> ActivityCounts({("r1", "visit"): 2}) + ActivityCounts({("r1", "visit"): 1})
    ActivityCounts(counts={('r1', 'visit'): 3})
    """

    counts: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def __add__(self, other: ActivityCounts) -> ActivityCounts:
        if not isinstance(other, ActivityCounts):
            return NotImplemented
        merged = dict(self.counts)
        for key, n in other.counts.items():
            merged[key] = merged.get(key, 0) + n
        return ActivityCounts(dict(sorted(merged.items())))

    @property
    def total(self) -> int:
        """All activities counted [count]."""
        return sum(self.counts.values())

    def __radd__(self, other: object) -> ActivityCounts:
        """``0 + counts`` is ``counts``, so ``sum(partials)`` works."""
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    def by_team(self, org: Organization) -> ActivityCounts:
        """The counts re-keyed by ``(team_id, kind)``: each rep's team in ``org``.

        Raises
        ------
        InvalidInputError
            A rep that is not in ``org`` or has no team.

        Examples
        --------
        >>> from salescore.models import Organization, Rep, Team
        >>> org = Organization(teams=[Team(id="east", name="East")],
        ...                    reps=[Rep(id="r1", name="Li", team_id="east"),
        ...                          Rep(id="r2", name="Wang", team_id="east")])
        >>> ActivityCounts({("r1", "visit"): 2, ("r2", "visit"): 1}).by_team(org).counts
        {('east', 'visit'): 3}
        """
        team_of = _team_of(org, sorted({rep for rep, _ in self.counts}))
        merged: dict[tuple[str, str], int] = {}
        for (rep, kind), n in self.counts.items():
            key = (team_of[rep], kind)
            merged[key] = merged.get(key, 0) + n
        return ActivityCounts(dict(sorted(merged.items())))


def _team_of(org: Organization, reps: Sequence[str]) -> dict[str, str]:
    """Each rep's team in ``org``; a rep outside it, or without a team, is refused."""
    if not isinstance(org, Organization):
        raise InvalidInputError(f"org {org!r} is not an Organization")
    known = {r.id: r.team_id for r in org.reps}
    unknown = sorted(r for r in reps if r not in known)
    if unknown:
        raise InvalidInputError(
            f"reps {unknown[:5]} are not in the organisation; every rep needs a team for by='team'"
        )
    loose = sorted(r for r in reps if known[r] is None)
    if loose:
        raise InvalidInputError(f"reps {loose[:5]} have no team_id; by='team' needs one")
    return {r: str(known[r]) for r in reps}


def _kernel(rep: Any, kind: Any) -> ActivityCounts:
    """Count by (rep, kind): factorise both, one bincount over the pair codes."""
    rep_codes, reps = pd.factorize(rep, sort=True)
    if len(rep_codes) == 0:
        return ActivityCounts({})
    kind_codes, kinds = pd.factorize(kind, sort=True)
    width = len(kinds)
    flat = rep_codes.astype(np.int64) * width + kind_codes
    n = np.bincount(flat, minlength=len(reps) * width)
    hit = np.flatnonzero(n)
    rep_names = np.asarray(reps, dtype=object)[hit // width]
    kind_names = np.asarray(kinds, dtype=object)[hit % width]
    return ActivityCounts(
        {
            (str(r), str(k)): int(c)
            for r, k, c in zip(rep_names, kind_names, n[hit].tolist(), strict=True)
        }
    )


def activity_counts(
    activities: Sequence[Activity] | pd.DataFrame | CheckedFrame, *, period: Period | None = None
) -> ActivityCounts:
    """Count activities by rep and kind: the partial behind :func:`activity_kpis`.

    Count each chunk of a large table on its own (a file, a Dask partition),
    add the partials with ``+`` or ``sum()`` and give the sum to
    :func:`activity_kpis`: the result is the one of a single call.

    Parameters
    ----------
    activities : sequence of Activity or pandas.DataFrame
        Models, or a frame under :data:`ACTIVITIES` (validated lazily; a
        failing frame raises ``FrameValidationError`` with its failure table).
    period : Period, optional
        Count only the activities on the days of ``period`` (UTC calendar
        days, end exclusive); all of them by default.

    Returns
    -------
    ActivityCounts
        The mergeable partial.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    >>> acts = [Activity(id=i, rep_id="r1", kind=k, occurred_at=t, account_id="C1")
    ...         for i, k in [("a", "visit"), ("b", "call"), ("c", "visit")]]
    >>> activity_counts(acts).counts
    {('r1', 'call'): 1, ('r1', 'visit'): 2}
    >>> activity_counts(acts[:1]) + activity_counts(acts[1:]) == activity_counts(acts)
    True
    """
    if period is not None and not isinstance(period, Period):
        raise InvalidInputError(f"period {period!r} is not a Period")
    if isinstance(activities, pd.DataFrame | CheckedFrame):
        df = validate_frame(activities, ACTIVITIES)
        rep: Any = df["rep_id"].array  # factorised as they are: no object copy of the text
        kind: Any = df["kind"].array
        if period is not None:
            inside = _period_mask(pd.DatetimeIndex(df["occurred_at"]), period)
            rep, kind = rep[inside], kind[inside]
        return _kernel(rep, kind)
    rep, kind, when, _ = _activity_arrays(activities)
    if period is not None:
        inside = _period_mask(when, period)
        rep, kind = rep[inside], kind[inside]
    return _kernel(rep, kind)


def stale_accounts(
    activities: Sequence[Activity] | pd.DataFrame | CheckedFrame, *, as_of: datetime, days: int
) -> pd.DataFrame:
    """Accounts whose last activity is ``days`` or more days before ``as_of``.

    Only accounts that appear in ``activities`` are known; activities after
    ``as_of`` are ignored (they had not happened yet).

    Parameters
    ----------
    activities : sequence of Activity or pandas.DataFrame
        Models, or a frame under :data:`ACTIVITIES`.
    as_of : datetime
        The moment of the check, timezone-aware.
    days : int
        Threshold [days], >= 0.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``last_activity_at`` (UTC) and ``days_since`` (whole
        days, floored), oldest first; ties by account id.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = lambda d: datetime(2026, 3, d, 9, tzinfo=timezone.utc)
    >>> acts = [Activity(id="a", rep_id="r1", kind="visit", occurred_at=t(1), account_id="C1"),
    ...         Activity(id="b", rep_id="r1", kind="call", occurred_at=t(20), account_id="C2")]
    >>> stale_accounts(acts, as_of=t(25), days=14)[["account_id", "days_since"]]
      account_id  days_since
    0         C1          24
    """
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise InvalidInputError(
            f"as_of {as_of.isoformat()} is naive; a timezone-aware time is required"
        )
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise InvalidInputError(f"days {days!r} must be a whole number >= 0")
    if isinstance(activities, pd.DataFrame | CheckedFrame):
        df = validate_frame(activities, ACTIVITIES)
        account = df["account_id"].astype(str).to_numpy(dtype=object)
        when = pd.DatetimeIndex(df["occurred_at"]).tz_convert("UTC")
    else:
        account = np.array([a.account_id for a in activities], dtype=object)
        when = pd.DatetimeIndex([a.occurred_at for a in activities], tz="UTC")
    cutoff = pd.Timestamp(as_of).tz_convert("UTC")
    keep = np.asarray(when <= cutoff)
    last = (
        pd.Series(when[keep], index=pd.Index(account[keep], name="account_id"))
        .groupby(level=0)
        .max()
    )
    last_at = pd.DatetimeIndex(last.array).tz_convert("UTC")
    since = (cutoff - last_at).days.to_numpy()
    out = pd.DataFrame(
        {
            "account_id": last.index.astype(str).to_numpy(dtype=object),
            "last_activity_at": last_at,
            "days_since": since.astype(np.int64),
        }
    )
    out = out[out["days_since"] >= days]
    return out.sort_values(["last_activity_at", "account_id"], kind="stable").reset_index(drop=True)


def _activity_arrays(
    activities: Sequence[Activity] | pd.DataFrame | CheckedFrame,
) -> tuple[
    npt.NDArray[np.object_], npt.NDArray[np.object_], pd.DatetimeIndex, npt.NDArray[np.object_]
]:
    """Rep, kind, time (UTC) and opportunity of each activity, from models or a frame."""
    if isinstance(activities, pd.DataFrame | CheckedFrame):
        df = validate_frame(activities, ACTIVITIES)
        rep = df["rep_id"].astype(str).to_numpy(dtype=object)
        kind = df["kind"].astype(str).to_numpy(dtype=object)
        when = pd.DatetimeIndex(df["occurred_at"]).tz_convert("UTC")
        deal = (
            df["opportunity_id"].astype(object).where(df["opportunity_id"].notna(), None)
            if "opportunity_id" in df.columns
            else pd.Series([None] * len(df), dtype=object)
        ).to_numpy(dtype=object)
    else:
        rep = np.array([a.rep_id for a in activities], dtype=object)
        kind = np.array([a.kind.value for a in activities], dtype=object)
        when = pd.DatetimeIndex([a.occurred_at for a in activities], tz="UTC")
        deal = np.array([a.opportunity_id for a in activities], dtype=object)
    return rep, kind, when, deal


def _period_mask(when: pd.DatetimeIndex, period: Period) -> npt.NDArray[np.bool_]:
    """Activities on the days of ``period`` (UTC calendar days, end exclusive)."""
    day = when.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[D]")
    start = np.datetime64(period.start, "D")
    end = np.datetime64(period.end, "D")
    return np.asarray((day >= start) & (day < end), dtype=bool)


ActivityPlan = Mapping[str, Mapping[str, int]] | Mapping[str, int]
"""Targets of one period [count]: by kind for every rep (``{"visit": 12}``), or
by rep or team and then kind (``{"li": {"visit": 12}}``)."""


def _check_plan(targets: Mapping[tuple[str, str], object], by: str) -> None:
    for (who, k), n in targets.items():
        if k not in _KINDS:
            raise InvalidInputError(
                f"plan kind {k!r} of {by} {who!r} is not one of {', '.join(_KINDS)}"
            )
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise InvalidInputError(
                f"plan target {n!r} for {by} {who!r} and kind {k!r} must be a whole number >= 0"
            )


def activity_kpis(
    activities: Sequence[Activity] | pd.DataFrame | CheckedFrame | ActivityCounts,
    plan: ActivityPlan | Sequence[Target],
    *,
    period: Period,
    reps: Sequence[str] | None = None,
    by: Literal["rep", "team"] = "rep",
    org: Organization | None = None,
) -> pd.DataFrame:
    """Activities done against an activity plan, by rep (or team) and kind, in one period.

    Parameters
    ----------
    activities : sequence of Activity, pandas.DataFrame or ActivityCounts
        Models, or a frame under :data:`ACTIVITIES`; those outside ``period``
        (UTC calendar days) are not counted. Or the partial
        ``activity_counts(chunk, period=period)`` summed over chunks, which
        gives the same table as the activities themselves.
    plan : mapping or sequence of Target
        Targets for the period [count]: by kind for every rep
        (``{"visit": 12, "call": 30}``), or by rep (team with ``by="team"``)
        and then kind (``{"li": {"visit": 12}}``). Or count targets for any
        longer period, one per kind (``scope={"activity_kind": "visit"}``),
        each owned by a rep or team: they are cut to ``period`` with
        :func:`activity_plan` (with the goal machinery's even weights; call
        :func:`activity_plan` first for other weights or to allocate one
        target across owners).
    period : Period
        The period counted.
    reps : sequence of str, optional
        The reps (teams with ``by="team"``) to report, with a per-kind plan
        (default: those with an activity in the period). Ignored for a
        per-owner plan, whose owners are reported.
    by : {"rep", "team"}
        Report by rep, or by each rep's team in ``org``.
    org : Organization, optional
        The organisation, for ``by="team"``.

    Returns
    -------
    pandas.DataFrame
        One row per (``rep_id`` or ``team_id``, ``kind``) with a target or an
        activity, sorted: ``done`` and ``target`` [count], ``attainment``
        (done ÷ target [fraction]; NaN without a target or for a target of
        0) and ``gap`` (target − done, 0 when met) [count].

    Raises
    ------
    InvalidInputError
        An unknown kind, a target that is not a whole number >= 0, a period
        that is not a :class:`~salescore.calendar.Period`, an unknown ``by``,
        or with ``by="team"`` no ``org`` or a rep outside it.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from salescore.calendar import Period
    >>> t = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    >>> acts = [Activity(id=i, rep_id=r, kind=k, occurred_at=t, account_id="C1")
    ...         for i, r, k in [("a", "li", "visit"), ("b", "li", "visit"), ("c", "wang", "call")]]
    >>> week = Period.iso_week(2026, 10)
    >>> activity_kpis(acts, {"visit": 4, "call": 2}, period=week)
      rep_id   kind  done  target  attainment  gap
    0     li   call     0       2         0.0    2
    1     li  visit     2       4         0.5    2
    2   wang   call     1       2         0.5    1
    3   wang  visit     0       4         0.0    4
    >>> parts = activity_counts(acts[:1], period=week) + activity_counts(acts[1:], period=week)
    >>> activity_kpis(parts, {"visit": 4, "call": 2}, period=week).equals(
    ...     activity_kpis(acts, {"visit": 4, "call": 2}, period=week))
    True
    """
    if not isinstance(period, Period):
        raise InvalidInputError(f"period {period!r} is not a Period")
    if by not in ("rep", "team"):
        raise InvalidInputError(f"by {by!r} is not one of 'rep', 'team'")
    if by == "team" and org is None:
        raise InvalidInputError("by='team' needs the org that places each rep in a team")
    if isinstance(activities, ActivityCounts):
        counted = activities
    else:
        counted = activity_counts(activities, period=period)
    if by == "team":
        counted = counted.by_team(org)  # type: ignore[arg-type]
    done = counted.counts
    if not isinstance(plan, Mapping):
        plan = activity_plan(plan, period)
    per_owner = bool(plan) and all(isinstance(v, Mapping) for v in plan.values())
    if per_owner:
        targets = {
            (str(r), str(k)): n
            for r, kinds in plan.items()
            for k, n in kinds.items()  # type: ignore[union-attr]
        }
    else:
        present = sorted({who for who, _ in done})
        chosen = present if reps is None else [str(r) for r in reps]
        targets = {(r, str(k)): n for r in chosen for k, n in plan.items()}
    _check_plan(targets, by)
    keys = sorted(set(targets) | set(done))
    done_n = np.array([done.get(key, 0) for key in keys], dtype=np.int64)
    target_n = np.array([int(targets.get(key, 0)) for key in keys], dtype=np.int64)
    has_target = np.array([key in targets for key in keys], dtype=bool)
    attainment = np.full(len(keys), np.nan)
    np.divide(done_n, target_n, out=attainment, where=has_target & (target_n > 0))
    return pd.DataFrame(
        {
            f"{by}_id": pd.Series([k[0] for k in keys], dtype=object),
            "kind": pd.Series([k[1] for k in keys], dtype=object),
            "done": done_n,
            "target": target_n,
            "attainment": attainment,
            "gap": np.maximum(target_n - done_n, 0),
        }
    )


def _plan_cells(cells: pd.DataFrame, period: Period, target: Target) -> pd.DataFrame:
    """The sub-period cells inside ``period``; one cut by its edge is refused."""
    start = np.array(cells["period_start"].tolist(), dtype="datetime64[D]")
    end = np.array(cells["period_end"].tolist(), dtype="datetime64[D]")
    lo, hi = np.datetime64(period.start, "D"), np.datetime64(period.end, "D")
    inside = (start >= lo) & (end <= hi)
    cut = (start < hi) & (end > lo) & ~inside
    if cut.any():
        first = cells.loc[cut, "period"].iloc[0]
        raise InvalidInputError(
            f"period {period.label} cuts sub-period {first} of target {target.id!r}; "
            "choose a finer grain or a period made of whole sub-periods"
        )
    return cells[inside]


def activity_plan(
    targets: Sequence[Target],
    period: Period,
    *,
    owners: Sequence[OwnerLike] | None = None,
    grain: Grain | None = None,
    time_weights: TimeWeights = "even",
    owner_method: AllocationMethod = "even",
    owner_weights: Mapping[str, object] | None = None,
    history: pd.Series[Any] | pd.DataFrame | None = None,
    calendar: FiscalCalendar | None = None,
    work_calendar: WorkCalendar | None = None,
) -> dict[str, Any]:
    """An activity plan for ``period``, cut from longer targets by the goal machinery.

    Each target is a count (``metric="units"``) of one activity kind, named
    by ``scope={"activity_kind": ...}``, for a year, a quarter or any period.
    It is split over the sub-periods of ``grain`` with
    :func:`salescore.goals.decompose` (across ``owners`` too, with
    :func:`salescore.goals.plan_matrix`, exact on both margins) and the
    sub-periods inside ``period`` are summed: whole numbers that add up, so
    the weeks of a quarter sum to the quarter's target.

    Parameters
    ----------
    targets : sequence of Target
        Count targets, one per kind (and owner): with ``owners``, each is
        allocated across them; without, a target owned by a rep or team is
        that owner's and one owned by nobody (or the company) is every rep's.
    period : Period
        The period of the plan; it must not cut a sub-period of ``grain``
        (the clipped first or last week of a year is whole).
    owners : sequence of Rep, Team, Channel or Owner, optional
        Reps or teams to allocate every target across.
    grain : {"year", "quarter", "month", "week", "day"}, optional
        The sub-periods split into (default: ``period``'s own grain, or days
        for a range that is not one).
    time_weights, owner_method, owner_weights, history, calendar, work_calendar
        As for :func:`salescore.goals.plan_matrix` (``time_weights`` as
        ``weights`` of :func:`~salescore.goals.decompose`): seasonality,
        business days, capacity and ramp of the owners.

    Returns
    -------
    dict
        ``{kind: target}`` for targets owned by nobody, or ``{owner_id:
        {kind: target}}`` [count]: the ``plan`` of :func:`activity_kpis`.

    Raises
    ------
    InvalidInputError
        A target that is not a count, names no or an unknown
        ``activity_kind``, has no period, does not overlap ``period``, or is
        given twice for an owner and kind; targets mixing owned and unowned;
        a ``period`` that cuts a sub-period; as the goal functions.

    Examples
    --------
    4,000 visits in the first quarter, spread by the days of each month,
    then the visits of March:

    >>> from salescore.calendar import Period
    >>> from salescore.models import Owner, Target
    >>> q1 = Target(id="V", metric="units", value=4000, scope={"activity_kind": "visit"},
    ...             period=Period.quarter(2026, 1))
    >>> activity_plan([q1], Period.month(2026, 3), grain="month", time_weights="days")
    {'visit': 1378}
    >>> reps = [Owner(kind="rep", id=r) for r in ("li", "wang")]
    >>> activity_plan([q1], Period.month(2026, 3), owners=reps, grain="month",
    ...               time_weights="days", owner_weights={"li": 3, "wang": 1},
    ...               owner_method="weights")
    {'li': {'visit': 1033}, 'wang': {'visit': 345}}
    """
    if not isinstance(period, Period):
        raise InvalidInputError(f"period {period!r} is not a Period")
    step: Grain = grain if grain is not None else (period.grain or "day")
    owned: dict[str, dict[str, int]] = {}
    shared: dict[str, int] = {}
    for target in targets:
        if not isinstance(target, Target):
            raise InvalidInputError(f"target {target!r} is a {type(target).__name__}; give Target")
        kind = target.scope.get("activity_kind")
        if kind not in _KINDS:
            raise InvalidInputError(
                f"target {target.id!r} activity_kind {kind!r} is not one of {', '.join(_KINDS)}"
            )
        if target.kind != "count":
            raise InvalidInputError(
                f"target {target.id!r} is a {target.kind} target; activity targets are counts "
                "(metric='units')"
            )
        if target.period is None or target.period.overlap(period) is None:
            raise InvalidInputError(
                f"target {target.id!r} period {target.period} does not overlap {period.label}"
            )
        if owners is not None:
            cells = plan_matrix(
                target,
                owners,
                step,
                time_weights=time_weights,
                owner_method=owner_method,
                owner_weights=owner_weights,
                history=history,
                calendar=calendar,
                work_calendar=work_calendar,
                form="long",
            )
            cells = _plan_cells(cells, period, target)
            sums = cells.groupby("owner_id", sort=False)["value"].sum()
            parts = {str(o): int(n) for o, n in sums.items()}
        else:
            children = decompose(
                target, step, calendar=calendar, weights=time_weights, work_calendar=work_calendar
            )
            cells = pd.DataFrame(
                {
                    "period": [c.period.label for c in children],  # type: ignore[union-attr]
                    "period_start": [c.period.start for c in children],  # type: ignore[union-attr]
                    "period_end": [c.period.end for c in children],  # type: ignore[union-attr]
                    "value": [int(c.value) for c in children],  # type: ignore[arg-type]
                }
            )
            total = int(_plan_cells(cells, period, target)["value"].sum())
            who = target.owner
            if who is None or who.kind.value == "company" or who.id is None:
                if kind in shared:
                    raise InvalidInputError(f"two targets for kind {kind!r}; give one per kind")
                shared[kind] = total
                continue
            parts = {who.id: total}
        for owner_id, n in parts.items():
            mine = owned.setdefault(owner_id, {})
            if kind in mine:
                raise InvalidInputError(
                    f"two targets for {owner_id!r} and kind {kind!r}; give one per owner and kind"
                )
            mine[kind] = n
    if owned and shared:
        raise InvalidInputError(
            "targets mix owned ones and ones owned by nobody; allocate the shared ones "
            "with owners= or give every target an owner"
        )
    if shared:
        return shared
    return {o: dict(sorted(k.items())) for o, k in sorted(owned.items())}


def idle_open_deals(
    opportunities: Sequence[Opportunity] | pd.DataFrame | CheckedFrame,
    pipeline: Pipeline,
    activities: Sequence[Activity] | pd.DataFrame | CheckedFrame,
    *,
    as_of: datetime,
    stage_changes: pd.DataFrame | CheckedFrame | None = None,
) -> pd.DataFrame:
    """Open deals with no activity since their last stage change, as of a time.

    A deal worked on but not moved is fine; a deal that moved and was then
    left alone is what a manager asks about. Activities count for a deal
    through their ``opportunity_id``; activities and stage changes after
    ``as_of`` have not happened yet. Models and frames run on one vectorised
    kernel (no per-deal Python), so the frame path suits a million deals.

    Parameters
    ----------
    opportunities : sequence of Opportunity or pandas.DataFrame
        The deals: models with their stage histories, or an
        :data:`~salescore.frames.OPPORTUNITIES` frame with ``stage_changes``.
        A deal with no stage change by ``as_of`` is taken as changed on its
        ``created_on`` (midnight UTC).
    pipeline : Pipeline
        To know which stages are open.
    activities : sequence of Activity or pandas.DataFrame
        Models, or a frame under :data:`ACTIVITIES`.
    as_of : datetime
        The moment of the check, timezone-aware.
    stage_changes : pandas.DataFrame, optional
        The :data:`~salescore.frames.STAGE_CHANGES` frame; required with a
        frame of deals (a snapshot export does not say when a deal last
        moved), not allowed with models (they carry their histories).

    Returns
    -------
    pandas.DataFrame
        ``opportunity_id``, ``owner_id``, ``stage``, ``amount`` [currency]
        (as given), ``last_change_at``, ``last_activity_at`` (NaT when never
        worked on) and ``days_since_change`` (whole days, floored), longest
        idle first (ties by id).

    Raises
    ------
    InvalidInputError
        A naive ``as_of``; a frame of deals without ``stage_changes``, or
        models with it.
    UnknownStageError
        A deal's stage is not in the pipeline.
    FrameValidationError
        A frame breaks its contract (duplicate or blank ids, ...).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from salescore import datasets
    >>> from salescore.frames import history_frame, to_frame
    >>> deals = datasets.opportunities(n=40)
    >>> pipeline = datasets.pipeline()
    >>> moved = [d for d in deals if d.history and pipeline[d.stage].kind.value == "open"]
    >>> late = moved[0].history[-1].changed_at
    >>> worked = [Activity(id="a1", rep_id=moved[0].owner_id, kind="call",
    ...                    occurred_at=late, account_id="C1", opportunity_id=moved[0].id)]
    >>> as_of = datetime(2026, 12, 31, tzinfo=timezone.utc)
    >>> idle = idle_open_deals(deals, pipeline, worked, as_of=as_of)
    >>> len(moved), moved[0].id in set(idle["opportunity_id"]), len(idle)
    (17, False, 16)
    >>> same = idle_open_deals(to_frame(deals), pipeline, worked, as_of=as_of,
    ...                        stage_changes=history_frame(deals))
    >>> same.equals(idle)
    True
    """
    if not isinstance(as_of, datetime):
        raise InvalidInputError(
            f"as_of {as_of!r} is not a datetime; a timezone-aware time is required"
        )
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise InvalidInputError(
            f"as_of {as_of.isoformat()} is naive; a timezone-aware time is required"
        )
    if isinstance(opportunities, pd.DataFrame | CheckedFrame):
        if stage_changes is None:
            raise InvalidInputError(
                "a frame of opportunities needs stage_changes= (the STAGE_CHANGES frame): "
                "a snapshot does not say when a deal last moved"
            )
        deals = validate_frame(opportunities, OPPORTUNITIES)
        changes = validate_frame(stage_changes, STAGE_CHANGES)
        check_stage_column(deals["stage"], pipeline)
    else:
        if stage_changes is not None:
            raise InvalidInputError(
                "stage_changes= is for a frame of opportunities; models carry their histories"
            )
        items = check_opportunities(list(opportunities), pipeline)
        deals = validate_frame(to_frame(items, model=Opportunity), OPPORTUNITIES)
        changes = validate_frame(history_frame(items), STAGE_CHANGES)
    return _idle(deals, changes, pipeline, activities, pd.Timestamp(as_of).tz_convert("UTC"))


_NAT: Final = np.iinfo(np.int64).min  # NaT's integer, so a missing time survives max()


def _latest(
    position: npt.NDArray[np.intp], when_us: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.int64]:
    """The latest time [µs since epoch] per deal position; NaT's integer where none."""
    out = np.full(n, _NAT, dtype=np.int64)
    known = position >= 0
    np.maximum.at(out, position[known], when_us[known])
    return out


def _utc_us(values: Any) -> npt.NDArray[np.int64]:
    """Times as µs since the epoch (UTC), NaT as NaT's integer."""
    index = pd.DatetimeIndex(values)
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    return np.asarray(index.as_unit("us").asi8, dtype=np.int64)


def _idle(
    deals: pd.DataFrame,
    changes: pd.DataFrame,
    pipeline: Pipeline,
    activities: Sequence[Activity] | pd.DataFrame | CheckedFrame,
    cutoff: pd.Timestamp,
) -> pd.DataFrame:
    """The kernel of :func:`idle_open_deals` on validated frames."""
    limit = int(_utc_us([cutoff])[0])
    open_names = [s.name for s in pipeline.open_stages]
    deals = deals[deals["stage"].isin(open_names).to_numpy(dtype=bool)]
    ids = pd.Index(deals["id"].astype(object).to_numpy(dtype=object))
    changed_us = _utc_us(changes["changed_at"])
    past = changed_us <= limit
    last_change = _latest(
        positions(deals["id"], changes["opportunity_id"])[past], changed_us[past], len(ids)
    )
    created = _utc_us(pd.to_datetime(deals["created_on"]))
    last_change = np.where(last_change == _NAT, created, last_change)
    _, _, when, deal = _activity_arrays(activities)
    worked_us = _utc_us(when)
    done = (worked_us <= limit) & pd.notna(deal)
    last_activity = _latest(positions(deals["id"], deal[done]), worked_us[done], len(ids))
    idle = (last_activity == _NAT) | (last_activity < last_change)
    change_at = pd.DatetimeIndex(last_change.view("M8[us]")).tz_localize("UTC").as_unit("ns")
    activity_at = pd.DatetimeIndex(last_activity.view("M8[us]")).tz_localize("UTC").as_unit("ns")
    days = (limit - last_change) // (86_400 * 10**6)
    out = pd.DataFrame(
        {
            "opportunity_id": pd.Series(ids.to_numpy(dtype=object), dtype=object),
            "owner_id": pd.Series(deals["owner_id"].astype(object).to_numpy(), dtype=object),
            "stage": pd.Series(deals["stage"].astype(object).to_numpy(), dtype=object),
            "amount": deals["amount"].to_numpy(dtype=np.float64),
            "last_change_at": change_at,
            "last_activity_at": activity_at,
            "days_since_change": days.astype(np.int64),
        }
    )[idle]
    order = np.lexsort((out["opportunity_id"].to_numpy(dtype=str), last_change[idle]))
    idle_deals: pd.DataFrame = out.iloc[order].reset_index(drop=True)
    return idle_deals


OutcomeKey = Literal["kind", "rep_id", "team_id", "period"]
_OUTCOME_KEYS: Final = ("rep_id", "team_id", "period", "kind")
_OUTCOME_COLUMNS: Final = (
    "activities",
    "advances",
    "wins",
    "per_advance",
    "per_win",
    "followed",
    "median_lag_days",
    "mean_lag_days",
)


def _labels(
    when: pd.DatetimeIndex, grain: Grain, calendar: FiscalCalendar | None
) -> npt.NDArray[np.object_]:
    """The label of the ``grain`` period holding each time's UTC day, one lookup per day."""
    if len(when) == 0:
        return np.array([], dtype=object)
    days = when.tz_convert("UTC").tz_localize(None).normalize()
    codes, unique = pd.factorize(days)
    names = np.array(
        [Period.containing(d.date(), grain, calendar=calendar).label for d in unique],
        dtype=object,
    )
    return names[codes]


def activity_outcomes(
    activities: Sequence[Activity] | pd.DataFrame | CheckedFrame,
    opportunities: Sequence[Opportunity],
    pipeline: Pipeline,
    *,
    by: OutcomeKey | Sequence[OutcomeKey] = "kind",
    org: Organization | None = None,
    grain: Grain = "month",
    calendar: FiscalCalendar | None = None,
) -> pd.DataFrame:
    """How activities turn into stage advances and wins, by kind, rep, team or period.

    Each activity on a deal (through its ``opportunity_id``) is followed to
    the deal's next stage change after it; the lag is the time in between.
    Against the deals' own moves: ``advances`` counts stage changes forward
    in the pipeline (to a later open stage, or to won) and ``wins`` the deals
    won. Moves and wins belong to the deal's owner (and the owner's team),
    to the period of the move (of ``close_date`` for a win), and to no kind:
    grouped by kind alone, every row carries all of them.

    Parameters
    ----------
    activities : sequence of Activity or pandas.DataFrame
        Models, or a frame under :data:`ACTIVITIES`.
    opportunities : sequence of Opportunity
        The deals worked on, with their stage histories.
    pipeline : Pipeline
        Their pipeline (stage order and kinds).
    by : str or sequence of str
        Any of ``"rep_id"`` (the rep who did the activity; a deal's owner
        for its moves), ``"team_id"`` (their team in ``org``), ``"period"``
        (the ``grain`` period of the UTC day) and ``"kind"``.
    org : Organization, optional
        Places reps and deal owners in teams, for ``"team_id"``.
    grain : {"year", "quarter", "month", "week", "day"}
        The periods of ``"period"`` (fiscal with ``calendar``).
    calendar : FiscalCalendar, optional
        Fiscal periods.

    Returns
    -------
    pandas.DataFrame
        One row per group with an activity on one of the deals, sorted by
        the ``by`` columns: ``activities`` [count], ``advances`` and ``wins``
        of the group's deals (no kind: all of them) [count], ``per_advance``
        and ``per_win`` (activities ÷ those; NaN when there are none),
        ``followed`` (activities followed by a stage change of their deal)
        [count], and the ``median_lag_days`` and ``mean_lag_days`` from
        those activities to that change [days] (NaN when none was followed).

    Raises
    ------
    InvalidInputError
        An unknown or repeated ``by`` key; ``"team_id"`` without ``org``, or
        a rep or deal owner outside it or without a team.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from salescore import datasets
    >>> pipeline, deals = datasets.pipeline(), datasets.opportunities(n=30)
    >>> first = deals[0].history[0].changed_at
    >>> acts = [Activity(id=f"a{i}", rep_id=d.owner_id, kind="visit", occurred_at=first,
    ...                  account_id="C1", opportunity_id=d.id) for i, d in enumerate(deals[:3])]
    >>> out = activity_outcomes(acts, deals, pipeline)
    >>> out[["kind", "activities", "followed"]].values.tolist()
    [['visit', 3, 3]]
    >>> by_rep = activity_outcomes(acts, deals, pipeline, by=["rep_id", "kind"])
    >>> int(by_rep["activities"].sum())
    3
    """
    keys = [by] if isinstance(by, str) else list(by)
    bad = [k for k in keys if k not in _OUTCOME_KEYS]
    if bad or not keys or len(set(keys)) != len(keys):
        raise InvalidInputError(
            f"by {by!r} must name distinct keys among {', '.join(_OUTCOME_KEYS)}"
        )
    if "team_id" in keys and org is None:
        raise InvalidInputError("by 'team_id' needs the org that places each rep in a team")
    keys = [k for k in _OUTCOME_KEYS if k in keys]  # a fixed column order
    deal_keys: list[str] = [k for k in keys if k != "kind"]
    check_opportunities(opportunities, pipeline)
    order = {s.name: i for i, s in enumerate(pipeline.stages)}
    kinds = {s.name: s.kind.value for s in pipeline.stages}
    owner = {d.id: d.owner_id for d in opportunities}
    changes = history_frame(opportunities).rename(columns={"changed_at": "at"})
    changes["at"] = pd.to_datetime(changes["at"], utc=True)
    moved = changes["from_stage"].notna().to_numpy(dtype=bool)
    src = changes["from_stage"].map(order).to_numpy(dtype=np.float64, na_value=np.nan)
    dst = changes["to_stage"].map(order).to_numpy(dtype=np.float64, na_value=np.nan)
    to_kind = changes["to_stage"].map(kinds).to_numpy(dtype=object)
    forward = moved & (to_kind != "lost") & ((dst > src) | (to_kind == "won"))
    won = [d for d in opportunities if kinds.get(d.stage) == "won"]
    rep_ids, kind, when, deal = _activity_arrays(activities)
    known = set(owner)
    on_deal = np.array([x is not None and x in known for x in deal], dtype=bool)
    acts = pd.DataFrame(
        {
            "opportunity_id": pd.Series(deal[on_deal], dtype=object),
            "rep_id": pd.Series(rep_ids[on_deal], dtype=object),
            "kind": pd.Series(kind[on_deal], dtype=object),
            "at": when[on_deal],
        }
    )
    if acts.empty:
        return pd.DataFrame(columns=[*keys, *_OUTCOME_COLUMNS])
    advance_rows = changes.loc[forward, ["opportunity_id", "at"]].astype({"opportunity_id": object})
    advance_rows = advance_rows.assign(
        rep_id=advance_rows["opportunity_id"].map(owner).astype(object)
    )
    win_rows = pd.DataFrame(
        {
            "rep_id": pd.Series([d.owner_id for d in won], dtype=object),
            "at": pd.DatetimeIndex(
                [pd.Timestamp(d.close_date or d.created_on) for d in won], tz="UTC"
            ),
        }
    )
    frames = (acts, advance_rows, win_rows)
    if "team_id" in keys:
        every = sorted({r for f in frames for r in f["rep_id"].tolist()})
        team_of = _team_of(org, every)  # type: ignore[arg-type]
        for f in frames:
            f["team_id"] = f["rep_id"].map(team_of).astype(object)
    if "period" in keys:
        for f in frames:
            f["period"] = _labels(pd.DatetimeIndex(f["at"]), grain, calendar)
    acts = acts.sort_values("at", kind="stable")
    nexts = changes.loc[moved, ["opportunity_id", "at"]].astype({"opportunity_id": object})
    nexts = nexts.sort_values("at", kind="stable").rename(columns={"at": "next_at"})
    nexts["at"] = nexts["next_at"]
    joined = pd.merge_asof(
        acts,
        nexts,
        on="at",
        by="opportunity_id",
        direction="forward",
        allow_exact_matches=False,
    )
    joined["lag"] = (joined["next_at"] - joined["at"]).dt.total_seconds() / 86400.0
    grouped = joined.groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "activities": grouped.size().astype(np.int64),
            "followed": grouped["next_at"].count().astype(np.int64),
            "median_lag_days": grouped["lag"].median(),
            "mean_lag_days": grouped["lag"].mean(),
        }
    ).reset_index()
    if deal_keys:
        adv = advance_rows.groupby(deal_keys).size().rename("advances")
        wins = win_rows.groupby(deal_keys).size().rename("wins")
        out = out.join(adv, on=deal_keys).join(wins, on=deal_keys)
        out["advances"] = out["advances"].fillna(0).astype(np.int64)
        out["wins"] = out["wins"].fillna(0).astype(np.int64)
    else:
        out["advances"] = np.int64(len(advance_rows))
        out["wins"] = np.int64(len(win_rows))
    n = out["activities"].to_numpy(dtype=np.float64)
    a = out["advances"].to_numpy(dtype=np.float64)
    w = out["wins"].to_numpy(dtype=np.float64)
    out["per_advance"] = np.divide(n, a, out=np.full(len(out), np.nan), where=a > 0)
    out["per_win"] = np.divide(n, w, out=np.full(len(out), np.nan), where=w > 0)
    return out[[*keys, *_OUTCOME_COLUMNS]].reset_index(drop=True)
