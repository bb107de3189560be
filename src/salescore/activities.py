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
import pandas as pd

from salescore.errors import InvalidInputError
from salescore.frames import Column, FrameContract, validate_frame
from salescore.models import Activity, ActivityKind
from salescore.serialization import Result

__all__ = ["ACTIVITIES", "ActivityCounts", "activity_counts", "stale_accounts"]

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
