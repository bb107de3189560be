"""Activities of a sales team (过程管控): counts by rep and kind, as mergeable partials.

The frame contract :data:`ACTIVITIES` describes one activity per row; the
single path takes :class:`~salescore.models.Activity` models and the bulk
path a frame, and both run on one counting kernel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from salescore.frames import Column, FrameContract, validate_frame
from salescore.models import Activity, ActivityKind

__all__ = ["ACTIVITIES", "ActivityCounts", "activity_counts"]

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
class ActivityCounts:
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
