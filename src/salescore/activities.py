"""Activities of a sales team (过程管控): counts by rep and kind, as mergeable partials.

The frame contract :data:`ACTIVITIES` describes one activity per row; the
single path takes :class:`~salescore.models.Activity` models and the bulk
path a frame, and both run on one counting kernel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.frames import Column, FrameContract, history_frame, validate_frame
from salescore.models import (
    Activity,
    ActivityKind,
    Opportunity,
    Pipeline,
    check_opportunities,
)
from salescore.serialization import Result

__all__ = [
    "ACTIVITIES",
    "ActivityCounts",
    "activity_counts",
    "activity_kpis",
    "activity_outcomes",
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
        merged = dict(self.counts)
        for key, n in other.counts.items():
            merged[key] = merged.get(key, 0) + n
        return ActivityCounts(dict(sorted(merged.items())))

    @property
    def total(self) -> int:
        """All activities counted [count]."""
        return sum(self.counts.values())


def _kernel(rep: np.ndarray, kind: np.ndarray) -> ActivityCounts:
    if rep.size == 0:
        return ActivityCounts({})
    rep_codes, reps = pd.factorize(rep, sort=True)
    kind_codes, kinds = pd.factorize(kind, sort=True)
    flat = rep_codes.astype(np.int64) * len(kinds) + kind_codes
    n = np.bincount(flat, minlength=len(reps) * len(kinds))
    return ActivityCounts(
        {
            (str(reps[i // len(kinds)]), str(kinds[i % len(kinds)])): int(n[i])
            for i in np.flatnonzero(n)
        }
    )


def activity_counts(activities: Sequence[Activity] | pd.DataFrame) -> ActivityCounts:
    """Count activities by rep and kind.

    Parameters
    ----------
    activities : sequence of Activity or pandas.DataFrame
        Models, or a frame under :data:`ACTIVITIES` (validated lazily; a
        failing frame raises ``FrameValidationError`` with its failure table).

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
    """
    if isinstance(activities, pd.DataFrame):
        df = validate_frame(activities, ACTIVITIES)
        rep = df["rep_id"].astype(str).to_numpy(dtype=object)
        kind = df["kind"].astype(str).to_numpy(dtype=object)
    else:
        rep = np.array([a.rep_id for a in activities], dtype=object)
        kind = np.array([a.kind.value for a in activities], dtype=object)
    return _kernel(rep, kind)


def stale_accounts(
    activities: Sequence[Activity] | pd.DataFrame, *, as_of: datetime, days: int
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
    if isinstance(activities, pd.DataFrame):
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
    activities: Sequence[Activity] | pd.DataFrame,
) -> tuple[
    npt.NDArray[np.object_], npt.NDArray[np.object_], pd.DatetimeIndex, npt.NDArray[np.object_]
]:
    """Rep, kind, time (UTC) and opportunity of each activity, from models or a frame."""
    if isinstance(activities, pd.DataFrame):
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


def activity_kpis(
    activities: Sequence[Activity] | pd.DataFrame,
    plan: Mapping[str, Mapping[str, int]] | Mapping[str, int],
    *,
    period: Period,
    reps: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Activities done against an activity plan, by rep and kind, in one period.

    Parameters
    ----------
    activities : sequence of Activity or pandas.DataFrame
        Models, or a frame under :data:`ACTIVITIES`; those outside ``period``
        (UTC calendar days) are not counted.
    plan : mapping
        Targets for the period [count]: by kind for every rep
        (``{"visit": 12, "call": 30}``), or by rep and then kind
        (``{"li": {"visit": 12}}``). A plan for a longer period is split with
        :func:`salescore.goals.decompose` first (counts are split into whole
        numbers that add up).
    period : Period
        The period counted.
    reps : sequence of str, optional
        The reps to report, with a per-kind plan (default: the reps with an
        activity in the period). Ignored for a per-rep plan, whose reps are
        reported.

    Returns
    -------
    pandas.DataFrame
        One row per (``rep_id``, ``kind``) with a target or an activity,
        sorted: ``done`` and ``target`` [count], ``attainment`` (done ÷
        target [fraction]; NaN without a target) and ``gap`` (target − done,
        0 when met) [count].

    Raises
    ------
    InvalidInputError
        An unknown kind, a target that is not a whole number >= 0, or a
        period that is not a :class:`~salescore.calendar.Period`.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from salescore.calendar import Period
    >>> t = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    >>> acts = [Activity(id=i, rep_id=r, kind=k, occurred_at=t, account_id="C1")
    ...         for i, r, k in [("a", "li", "visit"), ("b", "li", "visit"), ("c", "wang", "call")]]
    >>> activity_kpis(acts, {"visit": 4, "call": 2}, period=Period.iso_week(2026, 10))
      rep_id   kind  done  target  attainment  gap
    0     li   call     0       2         0.0    2
    1     li  visit     2       4         0.5    2
    2   wang   call     1       2         0.5    1
    3   wang  visit     0       4         0.0    4
    """
    if not isinstance(period, Period):
        raise InvalidInputError(f"period {period!r} is not a Period")
    rep, kind, when, _ = _activity_arrays(activities)
    inside = _period_mask(when, period)
    done = _kernel(rep[inside], kind[inside]).counts
    per_rep = bool(plan) and all(isinstance(v, Mapping) for v in plan.values())
    if per_rep:
        targets = {
            (str(r), str(k)): n
            for r, kinds in plan.items()
            for k, n in kinds.items()  # type: ignore[union-attr]
        }
    else:
        chosen = sorted(set(rep[inside].tolist())) if reps is None else [str(r) for r in reps]
        targets = {(r, str(k)): n for r in chosen for k, n in plan.items()}
    for (r, k), n in targets.items():
        if k not in _KINDS:
            raise InvalidInputError(
                f"plan kind {k!r} of rep {r!r} is not one of {', '.join(_KINDS)}"
            )
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise InvalidInputError(
                f"plan target {n!r} for rep {r!r} and kind {k!r} must be a whole number >= 0"
            )
    keys = sorted(set(targets) | set(done))
    done_n = np.array([done.get(key, 0) for key in keys], dtype=np.int64)
    target_n = np.array([int(targets.get(key, 0)) for key in keys], dtype=np.int64)
    has_target = np.array([key in targets for key in keys], dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        attainment = np.where(has_target & (target_n > 0), done_n / np.maximum(target_n, 1), np.nan)
    attainment = np.where(has_target & (target_n == 0), np.nan, attainment)
    return pd.DataFrame(
        {
            "rep_id": pd.Series([k[0] for k in keys], dtype=object),
            "kind": pd.Series([k[1] for k in keys], dtype=object),
            "done": done_n,
            "target": target_n,
            "attainment": attainment,
            "gap": np.maximum(target_n - done_n, 0),
        }
    )


def idle_open_deals(
    opportunities: Sequence[Opportunity],
    pipeline: Pipeline,
    activities: Sequence[Activity] | pd.DataFrame,
    *,
    as_of: datetime,
) -> pd.DataFrame:
    """Open deals with no activity since their last stage change, as of a time.

    A deal worked on but not moved is fine; a deal that moved and was then
    left alone is what a manager asks about. Activities count for a deal
    through their ``opportunity_id``; activities after ``as_of`` have not
    happened yet.

    Parameters
    ----------
    opportunities : sequence of Opportunity
        The deals with their stage histories; deals without a history are
        taken as changed on their ``created_on`` (midnight UTC).
    pipeline : Pipeline
        To know which stages are open.
    activities : sequence of Activity or pandas.DataFrame
        Models, or a frame under :data:`ACTIVITIES`.
    as_of : datetime
        The moment of the check, timezone-aware.

    Returns
    -------
    pandas.DataFrame
        ``opportunity_id``, ``owner_id``, ``stage``, ``last_change_at``,
        ``last_activity_at`` (NaT when never worked on) and
        ``days_since_change`` (whole days, floored), longest idle first.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from salescore import datasets
    >>> deals = datasets.opportunities(n=40)
    >>> pipeline = datasets.pipeline()
    >>> moved = [d for d in deals if d.history and pipeline[d.stage].kind.value == "open"]
    >>> late = moved[0].history[-1].changed_at
    >>> worked = [Activity(id="a1", rep_id=moved[0].owner_id, kind="call",
    ...                    occurred_at=late, account_id="C1", opportunity_id=moved[0].id)]
    >>> idle = idle_open_deals(deals, pipeline, worked,
    ...                        as_of=datetime(2026, 12, 31, tzinfo=timezone.utc))
    >>> len(moved), moved[0].id in set(idle["opportunity_id"]), len(idle)
    (17, False, 16)
    """
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise InvalidInputError(
            f"as_of {as_of.isoformat()} is naive; a timezone-aware time is required"
        )
    check_opportunities(opportunities, pipeline)
    cutoff = pd.Timestamp(as_of).tz_convert("UTC")
    open_names = {s.name for s in pipeline.open_stages}
    deals = [d for d in opportunities if d.stage in open_names]
    changed = []
    for d in deals:
        past = [c.changed_at for c in d.history if pd.Timestamp(c.changed_at) <= cutoff]
        if past:
            changed.append(pd.Timestamp(max(past)).tz_convert("UTC"))
        else:
            changed.append(pd.Timestamp(d.created_on).tz_localize("UTC"))
    _, _, when, deal = _activity_arrays(activities)
    keep = np.asarray(when <= cutoff) & np.array([x is not None for x in deal], dtype=bool)
    last = pd.Series(when[keep], index=pd.Index(deal[keep], dtype=object)).groupby(level=0).max()
    ids = [d.id for d in deals]
    last_at = pd.DatetimeIndex([last.get(i, pd.NaT) for i in ids], dtype="datetime64[ns, UTC]")
    change_at = pd.DatetimeIndex(changed, dtype="datetime64[ns, UTC]")
    idle = np.asarray(last_at.isna() | (last_at < change_at), dtype=bool)
    out = pd.DataFrame(
        {
            "opportunity_id": pd.Series(ids, dtype=object),
            "owner_id": pd.Series([d.owner_id for d in deals], dtype=object),
            "stage": pd.Series([d.stage for d in deals], dtype=object),
            "last_change_at": change_at,
            "last_activity_at": last_at,
            "days_since_change": (cutoff - change_at).days.to_numpy().astype(np.int64),
        }
    )[idle]
    return out.sort_values(["last_change_at", "opportunity_id"], kind="stable").reset_index(
        drop=True
    )


def activity_outcomes(
    activities: Sequence[Activity] | pd.DataFrame,
    opportunities: Sequence[Opportunity],
    pipeline: Pipeline,
) -> pd.DataFrame:
    """How activities turn into stage advances and wins, by kind.

    Each activity on a deal (through its ``opportunity_id``) is followed to
    the deal's next stage change after it; the lag is the time in between.
    Against the deals' own moves: ``advances`` counts stage changes forward
    in the pipeline (to a later open stage, or to won) and ``wins`` the deals
    won.

    Parameters
    ----------
    activities : sequence of Activity or pandas.DataFrame
        Models, or a frame under :data:`ACTIVITIES`.
    opportunities : sequence of Opportunity
        The deals worked on, with their stage histories.
    pipeline : Pipeline
        Their pipeline (stage order and kinds).

    Returns
    -------
    pandas.DataFrame
        One row per activity kind with an activity on one of the deals:
        ``activities`` [count], ``per_advance`` and ``per_win``
        (activities ÷ the deals' advances and wins; NaN when there are none),
        ``followed`` (activities followed by a stage change of their deal)
        and ``median_lag_days`` (from the activity to that change [days]);
        and the ``advances`` and ``wins`` of the deals, the same on every row.

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
    """
    check_opportunities(opportunities, pipeline)
    order = {s.name: i for i, s in enumerate(pipeline.stages)}
    kinds = {s.name: s.kind.value for s in pipeline.stages}
    changes = history_frame(opportunities).rename(columns={"changed_at": "at"})
    changes["at"] = pd.to_datetime(changes["at"], utc=True)
    moved = changes["from_stage"].notna().to_numpy(dtype=bool)
    src = changes["from_stage"].map(order).to_numpy(dtype=np.float64, na_value=np.nan)
    dst = changes["to_stage"].map(order).to_numpy(dtype=np.float64, na_value=np.nan)
    to_kind = changes["to_stage"].map(kinds).to_numpy(dtype=object)
    forward = moved & (to_kind != "lost") & ((dst > src) | (to_kind == "won"))
    advances = int(forward.sum())
    wins = sum(1 for d in opportunities if kinds.get(d.stage) == "won")
    _, kind, when, deal = _activity_arrays(activities)
    known = {d.id for d in opportunities}
    on_deal = np.array([x is not None and x in known for x in deal], dtype=bool)
    acts = pd.DataFrame(
        {"opportunity_id": deal[on_deal], "kind": kind[on_deal], "at": when[on_deal]}
    )
    if acts.empty:
        return pd.DataFrame(
            columns=[
                "kind",
                "activities",
                "advances",
                "wins",
                "per_advance",
                "per_win",
                "followed",
                "median_lag_days",
            ]
        )
    acts = acts.astype({"opportunity_id": object}).sort_values("at", kind="stable")
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
    lag = (joined["next_at"] - joined["at"]).dt.total_seconds() / 86400.0
    joined = joined.assign(lag=lag)
    grouped = joined.groupby("kind", sort=True)
    out = pd.DataFrame(
        {
            "activities": grouped.size().astype(np.int64),
            "followed": grouped["next_at"].count().astype(np.int64),
            "median_lag_days": grouped["lag"].median(),
        }
    ).reset_index()
    n = out["activities"].to_numpy(dtype=np.float64)
    out.insert(2, "advances", advances)
    out.insert(3, "wins", wins)
    out.insert(4, "per_advance", n / advances if advances else np.nan)
    out.insert(5, "per_win", n / wins if wins else np.nan)
    return out[
        [
            "kind",
            "activities",
            "advances",
            "wins",
            "per_advance",
            "per_win",
            "followed",
            "median_lag_days",
        ]
    ]
