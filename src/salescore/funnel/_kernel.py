"""The one kernel behind every funnel entry point (private).

Both the single-object path (``Opportunity`` models) and the bulk path
(DataFrames) are first turned into the positional arrays of :class:`Deals`
and :class:`Changes`; :func:`count` then builds the mergeable
:class:`~salescore.funnel.counts.FunnelCounts` from them with sorting and
grouped numpy operations only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore.errors import InvalidInputError, UnknownStageError
from salescore.frames import check_stage_column
from salescore.models import Pipeline, StageKind

__all__ = [
    "LOST",
    "NO_DATE",
    "OPEN",
    "WON",
    "Arrays",
    "Changes",
    "Deals",
    "count_arrays",
    "stage_codes",
    "stage_lookup",
]

OPEN: Final = 0
WON: Final = 1
LOST: Final = 2

_KIND_CODE: Final = {StageKind.OPEN: OPEN, StageKind.WON: WON, StageKind.LOST: LOST}
_US_PER_SECOND: Final = 1_000_000
_US_PER_HOUR: Final = 3600 * _US_PER_SECOND
#: Marks a missing date in the day-number arrays (numpy's NaT as int64).
NO_DATE: Final = int(np.iinfo(np.int64).min)

Reopen = Literal["continue", "new_pass"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Deals:
    """One entry per opportunity, positional.

    ``pos`` is the open-stage position of the current stage (``-1`` for a
    closed stage); ``lost_at`` the open-stage position recorded at loss
    (``-1`` when unknown; snapshot inference only); ``created`` and
    ``closed`` are days since the epoch (``closed`` is :data:`NO_DATE` when
    missing); ``code`` is the current stage's position in ``pipeline.names``.
    """

    ids: npt.NDArray[np.object_]
    keys: pd.DataFrame
    amount: IntArray
    kind: npt.NDArray[np.int8]
    pos: IntArray
    code: IntArray
    created: IntArray
    closed: IntArray
    lost_at: IntArray


@dataclass(frozen=True)
class Changes:
    """One entry per stage change: its deal (position in :class:`Deals`), time and stage.

    ``moment`` is microseconds since the epoch (UTC); ``code`` the entered stage's
    position in ``pipeline.names``.
    """

    deal: IntArray
    moment: IntArray
    code: IntArray


@dataclass(frozen=True)
class Arrays:
    """The additive counts of one computation, as dense arrays over groups and stages."""

    groups: pd.DataFrame
    outcome: IntArray  # (G, m + 1, 3): passes by furthest position and outcome
    outcome_amount: IntArray  # (G, m + 1, 3) [minor units]
    regressions: IntArray  # (G, m)
    visits: IntArray  # (G, m)
    visit_seconds: IntArray  # (G, m) [seconds]
    cycle_count: IntArray  # (G,)
    cycle_days: IntArray  # (G,) [days]
    lost_known: IntArray  # (G,)
    lost_assumed: IntArray  # (G,)
    hours: pd.DataFrame  # group, stage, hours, count


def stage_lookup(pipeline: Pipeline) -> tuple[IntArray, npt.NDArray[np.int8]]:
    """Per pipeline stage (in pipeline order): its open position (-1 if closed) and kind code."""
    pos = np.full(len(pipeline), -1, dtype=np.int64)
    kind = np.zeros(len(pipeline), dtype=np.int8)
    open_index = 0
    for i, stage in enumerate(pipeline.stages):
        kind[i] = _KIND_CODE[stage.kind]
        if stage.kind is StageKind.OPEN:
            pos[i] = open_index
            open_index += 1
    return pos, kind


def stage_codes(values: pd.Series, pipeline: Pipeline, *, what: str) -> IntArray:
    """Positions of stage names in ``pipeline.names``; unknown names raise.

    One hash pass over ``values``; an unknown name is reported by
    :func:`salescore.frames.check_stage_column` (with its failure table).
    """
    local, uniques = pd.factorize(values)
    lookup = pd.Index(list(pipeline.names)).get_indexer(pd.Index(np.asarray(uniques, dtype=object)))
    codes = np.where(local >= 0, lookup[np.maximum(local, 0)], -1).astype(np.int64)
    if (codes < 0).any():  # pragma: no cover - contracts and callers forbid null stages
        check_stage_column(values, pipeline, what)
        first = values.iloc[int(np.flatnonzero(codes < 0)[0])]
        raise UnknownStageError(
            f"{what} {first!r} is not in the pipeline; known stages: {', '.join(pipeline.names)}"
        )
    return codes


def _add(size: int, index: IntArray, values: IntArray) -> IntArray:
    """Exact int64 sums of ``values`` per ``index`` (``np.add.at`` keeps integers exact)."""
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, index, values)
    return out


def _group_codes(keys: pd.DataFrame) -> tuple[IntArray, pd.DataFrame]:
    if keys.shape[1] == 0:
        return np.zeros(len(keys), dtype=np.int64), pd.DataFrame(index=pd.RangeIndex(1))
    grouped = keys.groupby(list(keys.columns), sort=True, dropna=False)
    codes = np.asarray(grouped.ngroup(), dtype=np.int64)
    groups = grouped.size().index.to_frame(index=False)
    return codes, groups


def count_arrays(
    deals: Deals,
    changes: Changes | None,
    pipeline: Pipeline,
    *,
    reopen: Reopen,
) -> Arrays:
    """Count passes, visits and regressions per group and open stage."""
    pos_of, kind_of = stage_lookup(pipeline)
    m = int((kind_of == OPEN).sum())
    gcode, groups = _group_codes(deals.keys)
    n_groups = len(groups) if len(deals.amount) else 0
    if n_groups == 0:
        groups = groups.iloc[:0]
    n_deals = len(deals.amount)

    visit_g = np.empty(0, dtype=np.int64)
    visit_pos = np.empty(0, dtype=np.int64)
    visit_us = np.empty(0, dtype=np.int64)
    regress_idx = np.empty(0, dtype=np.int64)
    lost_known = np.zeros(n_groups, dtype=np.int64)
    lost_assumed = np.zeros(n_groups, dtype=np.int64)

    if changes is None:
        # Snapshot inference: one pass per deal, reached stage from the current stage.
        pass_deal = np.arange(n_deals, dtype=np.int64)
        outcome = deals.kind.astype(np.int64)
        furthest = np.where(outcome == OPEN, deals.pos, np.maximum(deals.lost_at, 0))
        is_final = np.ones(n_deals, dtype=bool)
        lost = outcome == LOST
        lost_known = np.bincount(gcode[lost & (deals.lost_at >= 0)], minlength=n_groups).astype(
            np.int64
        )
        lost_assumed = np.bincount(gcode[lost & (deals.lost_at < 0)], minlength=n_groups).astype(
            np.int64
        )
    else:
        d, t, code = changes.deal, changes.moment, changes.code
        same_deal = d[1:] == d[:-1]
        if not ((d[1:] >= d[:-1]).all() and (t[1:][same_deal] >= t[:-1][same_deal]).all()):
            # Sort by deal, then time; lexsort is stable, so equal times keep input order.
            order = np.lexsort((t, d))
            d, t, code = d[order], t[order], code[order]
        p = pos_of[code]
        k = kind_of[code].astype(np.int64)
        n = len(d)
        first = np.ones(n, dtype=bool)
        first[1:] = d[1:] != d[:-1]
        last = np.ones(n, dtype=bool)
        last[:-1] = first[1:]
        mismatch = last & (code != deals.code[d])
        if mismatch.any():
            bad = np.flatnonzero(mismatch)
            i = int(bad[0])
            raise InvalidInputError(
                f"opportunity {deals.ids[d[i]]!r} history ends in stage "
                f"{pipeline.names[code[i]]!r} but its current stage is "
                f"{pipeline.names[deals.code[d[i]]]!r} ({len(bad)} such opportunities); "
                "the last stage change must enter the current stage"
            )
        starts = first.copy()
        if reopen == "new_pass":
            # Leaving a closed stage for an open one starts a new pass through the funnel.
            starts[1:] |= (k[1:] == OPEN) & (k[:-1] != OPEN) & ~first[1:]
        start_idx = np.flatnonzero(starts)
        end_idx = np.empty_like(start_idx)
        end_idx[:-1] = start_idx[1:] - 1
        if len(end_idx):
            end_idx[-1] = n - 1
        top = np.maximum.reduceat(p, start_idx) if n else np.empty(0, dtype=np.int64)
        outcome = k[end_idx]
        furthest = np.maximum(top, 0)
        pass_deal = d[start_idx]
        is_final = last[end_idx]
        # Deals with no history enter the funnel once, at their current stage.
        seen = np.zeros(n_deals, dtype=bool)
        seen[d] = True
        bare = np.flatnonzero(~seen)
        pass_deal = np.concatenate([pass_deal, bare])
        outcome = np.concatenate([outcome, deals.kind[bare].astype(np.int64)])
        furthest = np.concatenate([furthest, np.maximum(deals.pos[bare], 0)])
        is_final = np.concatenate([is_final, np.ones(len(bare), dtype=bool)])
        # Completed visits of open stages: from entering to the next change.
        done = (k == OPEN) & ~last
        at_visit = np.flatnonzero(done)
        visit_g = gcode[d[at_visit]]
        visit_pos = p[at_visit]
        visit_us = t[at_visit + 1] - t[at_visit]
        # A regression: an open-to-open move to an earlier stage, counted at the stage left.
        back = np.flatnonzero(~first[1:] & (k[1:] == OPEN) & (k[:-1] == OPEN) & (p[1:] < p[:-1]))
        regress_idx = gcode[d[back]] * m + p[back]

    furthest = np.where(outcome == WON, m, furthest)
    pass_g = gcode[pass_deal]
    size3 = n_groups * (m + 1) * 3
    idx3 = (pass_g * (m + 1) + furthest) * 3 + outcome
    outcome_counts = np.bincount(idx3, minlength=size3).astype(np.int64)
    outcome_amount = _add(size3, idx3, deals.amount[pass_deal])

    cycle = is_final & (outcome == WON) & (deals.closed[pass_deal] != NO_DATE)
    cycle_deal = pass_deal[cycle]
    cycle_count = np.bincount(pass_g[cycle], minlength=n_groups).astype(np.int64)
    cycle_days = _add(n_groups, pass_g[cycle], deals.closed[cycle_deal] - deals.created[cycle_deal])

    size2 = n_groups * m
    visit_idx = visit_g * m + visit_pos
    visits = np.bincount(visit_idx, minlength=size2).astype(np.int64)
    visit_seconds = _add(size2, visit_idx, visit_us // _US_PER_SECOND)
    regressions = np.bincount(regress_idx, minlength=size2).astype(np.int64)

    # Durations to the nearest hour, as (group, stage, hours) -> count: exact and additive.
    hours = (visit_us + _US_PER_HOUR // 2) // _US_PER_HOUR
    span = int(hours.max()) + 1 if len(hours) else 1
    flat = visit_idx * span + hours
    if n_groups * m * span <= 4 * len(flat) + 1_000_000:
        # Dense enough to count in one linear pass.
        dense = np.bincount(flat, minlength=n_groups * m * span)
        keys = np.flatnonzero(dense)
        counts = dense[keys]
    else:
        keys, counts = np.unique(flat, return_counts=True)
    hist = pd.DataFrame(
        {
            "group": keys // span // m,
            "stage": keys // span % m,
            "hours": keys % span,
            "count": counts.astype(np.int64),
        }
    )
    return Arrays(
        groups=groups.reset_index(drop=True),
        outcome=outcome_counts.reshape(n_groups, m + 1, 3),
        outcome_amount=outcome_amount.reshape(n_groups, m + 1, 3),
        regressions=regressions.reshape(n_groups, m),
        visits=visits.reshape(n_groups, m),
        visit_seconds=visit_seconds.reshape(n_groups, m),
        cycle_count=cycle_count,
        cycle_days=cycle_days,
        lost_known=lost_known,
        lost_assumed=lost_assumed,
        hours=hist,
    )
