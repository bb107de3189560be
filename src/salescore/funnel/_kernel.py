"""The one kernel behind every funnel entry point (private).

Both the single-object path (``Opportunity`` models) and the bulk path
(DataFrames) are first turned into the positional arrays of :class:`Deals`
and :class:`Changes`; :func:`count` then builds the mergeable
:class:`~salescore.funnel.counts.FunnelCounts` from them with sorting and
grouped numpy operations only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._lookup import name_positions
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
    "check_stages",
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

    One lookup per value in a hash table of the stage names; an unknown
    name is reported by :func:`salescore.frames.check_stage_column` (with
    its failure table).
    """
    codes = name_positions(pipeline.names, values)
    if (codes < 0).any():
        check_stage_column(values, pipeline, what)  # raises for a name not in the pipeline
        # ... but allows nulls, which have no stage code either.
        first = values.iloc[int(np.flatnonzero(codes < 0)[0])]
        raise UnknownStageError(
            f"{what} {first!r} is not in the pipeline; known stages: {', '.join(pipeline.names)}"
        )
    return codes


def check_stages(values: pd.Series, pipeline: Pipeline, column: str) -> None:
    """Check that every non-null value names a stage of ``pipeline`` (nulls allowed).

    The fast path of :func:`salescore.frames.check_stage_column`: one lookup
    of every value among the stage names; when one is unknown,
    ``check_stage_column`` raises with its failure table.
    """
    known = name_positions(pipeline.names, values) >= 0
    if not (known | values.isna().to_numpy()).all():
        check_stage_column(values, pipeline, column)


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

    visit_idx: npt.NDArray[np.signedinteger[Any]] = np.empty(0, dtype=np.int64)
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
        n = len(d)
        # Neighbour differences, used by the order check, visits and regressions.
        new_deal = d[1:] != d[:-1]
        dt = t[1:] - t[:-1]
        if not ((d[1:] >= d[:-1]).all() and (new_deal | (dt >= 0)).all()):
            # Sort by deal, then time; lexsort is stable, so equal times keep input order.
            order = np.lexsort((t, d))
            d, t, code = d[order], t[order], code[order]
            new_deal = d[1:] != d[:-1]
            dt = t[1:] - t[:-1]
        # Open positions fit in int8 for any real pipeline: an eighth of the memory.
        small: type[np.signedinteger[Any]] = np.int8 if m <= 127 else np.int64
        p: npt.NDArray[np.signedinteger[Any]] = pos_of.astype(small)[code]
        k = kind_of[code]
        first = np.ones(n, dtype=bool)
        first[1:] = new_deal
        last = np.ones(n, dtype=bool)
        last[:-1] = new_deal
        deal_end = np.flatnonzero(last)
        mismatch = code[deal_end] != deals.code[d[deal_end]]
        if mismatch.any():
            bad = deal_end[mismatch]
            i = int(bad[0])
            raise InvalidInputError(
                f"opportunity {deals.ids[d[i]]!r} history ends in stage "
                f"{pipeline.names[code[i]]!r} but its current stage is "
                f"{pipeline.names[deals.code[d[i]]]!r} ({len(bad)} such opportunities); "
                "the last stage change must enter the current stage"
            )
        is_open = k == OPEN
        starts = first
        if reopen == "new_pass":
            # Leaving a closed stage for an open one starts a new pass through the funnel.
            starts = first.copy()
            starts[1:] |= is_open[1:] & ~is_open[:-1] & ~new_deal
        start_idx = np.flatnonzero(starts)
        end_idx = np.empty_like(start_idx)
        end_idx[:-1] = start_idx[1:] - 1
        if len(end_idx):
            end_idx[-1] = n - 1
        top = np.maximum.reduceat(p, start_idx) if n else np.empty(0, dtype=np.int64)
        outcome = k[end_idx].astype(np.int64)
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
        # Completed visits of open stages: from entering to the deal's next change.
        done = is_open[:-1] & ~new_deal
        visit_pos = p[:-1][done]
        visit_us = dt[done]
        # A regression: an open-to-open move to an earlier stage, counted at the stage left.
        back = ~new_deal & is_open[:-1] & is_open[1:] & (p[1:] < p[:-1])
        regress_idx = p[:-1][back]
        # Flat (group, stage) cells; with one segment every group code is 0.
        visit_idx = visit_pos
        if n_groups > 1:
            visit_idx = gcode[d[:-1][done]] * m + visit_pos
            regress_idx = gcode[d[:-1][back]] * m + regress_idx

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
    visits = np.bincount(visit_idx, minlength=size2).astype(np.int64)
    visit_seconds = _add(size2, visit_idx, visit_us // _US_PER_SECOND)
    regressions = np.bincount(regress_idx, minlength=size2).astype(np.int64)

    # Durations to the nearest hour, as (group, stage, hours) -> count: exact and additive.
    # In place where possible: fresh large arrays are the main cost of this kernel
    # (``visit_us`` is a fresh array, not needed after this).
    hours = visit_us
    hours += _US_PER_HOUR // 2
    hours //= _US_PER_HOUR
    span = int(hours.max()) + 1 if len(hours) else 1
    flat = visit_idx.astype(np.int64)
    flat *= span
    flat += hours
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
