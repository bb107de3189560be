"""salescore on Dask: the bulk calculators on ``dask.dataframe`` frames beyond one machine.

An optional extra (``pip install "salescore[dask]"``); the core never
imports it. Each function takes Dask DataFrames with the same columns as
the pandas function it mirrors and returns the same result, computed on
the cluster and equal to the single-process result exactly (money to the
cent, counts exactly). Two patterns do the work:

**Partials that merge.** A deal's funnel counts and its one-step
transitions need only that deal's own rows. The deals and their stage
changes are bucketed by a hash of the deal id (the same bucket for a deal
and its changes), each bucket is counted with the pandas function, and the
partials are added in a tree reduction: :func:`funnel_counts`,
:func:`funnel_frame`, :func:`stage_win_rates`, :func:`transition_counts`
and :func:`markov_fit`. The weighted forecast's exact sums need no other
row of a deal, so :func:`weighted` sums the partitions as they are and
rounds once at the end.

**Statements are whole per rep.** A statement pays tiers on the rep's
running total in date order, so it cannot be summed from pieces. The
credits are bucketed by rep (quotas, reps and prior carries go to the
rep's bucket) and each bucket is computed whole: :func:`statements_frame`.
Errors tables of all buckets are concatenated, never dropped.

The bucketing is an explicit all-to-all exchange of ``dask.delayed``
tasks: every input partition is split into ``buckets`` pieces, and bucket
``b`` concatenates piece ``b`` of every partition. Its result does not
depend on how the input was partitioned (tests check 1, 3 and 7 uneven and
empty partitions against pandas on a two-worker ``LocalCluster``).

Examples
--------
>>> import dask.dataframe as dd
>>> from salescore import datasets
>>> from salescore.frames import history_frame, to_frame
>>> from salescore.funnel import funnel_frame as pandas_funnel
>>> pipeline, deals = datasets.pipeline(), datasets.opportunities(n=40, seed=3)
>>> opportunities = dd.from_pandas(to_frame(deals), npartitions=3)
>>> changes = dd.from_pandas(history_frame(deals), npartitions=2)
>>> report = funnel_frame(opportunities, pipeline, stage_changes=changes, scheduler="sync")
>>> report.won == pandas_funnel(to_frame(deals), pipeline,
...                             stage_changes=history_frame(deals)).won
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from salescore.calendar import Period
from salescore.commission import StatementsFrames
from salescore.commission import statements_frame as _statements_frame
from salescore.errors import InvalidInputError
from salescore.forecast import (
    MarkovModel,
    StageWinRates,
    WeightedForecast,
    WeightedPartial,
    weighted_from_partial,
    weighted_partial,
    win_rate_counts,
)
from salescore.forecast import stage_win_rates as _stage_win_rates
from salescore.forecast import transition_counts as _transition_counts
from salescore.forecast.markov import TransitionCounts
from salescore.funnel import FunnelCounts, FunnelReport, report_from_counts
from salescore.funnel import funnel_counts_frame as _funnel_counts_frame
from salescore.models import Pipeline
from salescore.money import FxRates

try:
    import dask.dataframe as dd
    from dask.base import compute
    from dask.delayed import delayed
except ImportError as exc:  # pragma: no cover - the extra is installed in make test
    raise ImportError('salescore.dask needs the dask extra: pip install "salescore[dask]"') from exc

if TYPE_CHECKING:
    from dask.delayed import Delayed

__all__ = [
    "funnel_counts",
    "funnel_frame",
    "markov_fit",
    "stage_win_rates",
    "statements_frame",
    "transition_counts",
    "weighted",
]


# --------------------------------------------------------------------------- exchange
def _check_frame(frame: object, what: str) -> dd.DataFrame:
    if not isinstance(frame, dd.DataFrame):
        raise InvalidInputError(
            f"{what} is {type(frame).__name__}; salescore.dask takes dask.dataframe "
            "DataFrames (use the salescore functions of the same name for pandas)"
        )
    return frame


def _buckets_of(keys: pd.Series[Any], buckets: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The bucket of each key: a stable hash of its text, so every frame agrees."""
    text = keys.astype(object).where(keys.notna(), "").astype(str)
    hashed = pd.util.hash_pandas_object(text, index=False).to_numpy()
    return (hashed % np.uint64(buckets)).astype(np.int64)


def _split(part: pd.DataFrame, key: str, buckets: int) -> list[pd.DataFrame]:
    if key not in part.columns:
        raise InvalidInputError(f"the frame has no column {key!r} to partition on")
    which = _buckets_of(part[key], buckets)
    return [part.iloc[np.flatnonzero(which == b)] for b in range(buckets)]


def _exchange(frame: dd.DataFrame, key: str, buckets: int) -> list[Delayed]:
    """``buckets`` delayed pandas frames: the rows of ``frame`` whose ``key`` hashes to each.

    Rows keep their index labels (errors tables name them) and, within a
    bucket, the order of the input partitions.
    """
    meta = frame._meta
    partitions = frame.to_delayed()  # type: ignore[no-untyped-call]
    pieces = [delayed(_split)(p, key, buckets) for p in partitions]

    def gather(parts: list[list[pd.DataFrame]], b: int) -> pd.DataFrame:
        chosen = [p[b] for p in parts]
        return pd.concat(chosen) if chosen else meta

    return [delayed(gather)(pieces, b) for b in range(buckets)]


def _tree_sum(items: Sequence[Delayed], add: Callable[[Any, Any], Any]) -> Delayed:
    """Add delayed partials pairwise: a tree of depth log2(n), no single wide step."""
    level = list(items)
    while len(level) > 1:
        level = [
            delayed(add)(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)
        ]
    return level[0]


def _buckets(buckets: int | None, *frames: dd.DataFrame) -> int:
    if buckets is None:
        return max(1, *(int(f.npartitions) for f in frames))
    if isinstance(buckets, bool) or not isinstance(buckets, int) or buckets < 1:
        raise InvalidInputError(f"buckets {buckets!r} is not a positive number of partitions")
    return buckets


def _compute(value: Delayed, scheduler: str | None) -> Any:
    if scheduler:
        return value.compute(scheduler=scheduler)  # type: ignore[no-untyped-call]
    return value.compute()  # type: ignore[no-untyped-call]


# --------------------------------------------------------------------------- funnel
def funnel_counts(
    opportunities: dd.DataFrame,
    pipeline: Pipeline,
    *,
    stage_changes: dd.DataFrame | None = None,
    buckets: int | None = None,
    scheduler: str | None = None,
    **options: Any,
) -> FunnelCounts:
    """:func:`salescore.funnel.funnel_counts_frame` on Dask frames, summed from partials.

    Parameters
    ----------
    opportunities : dask.dataframe.DataFrame
        The :data:`~salescore.frames.OPPORTUNITIES` contract.
    pipeline : Pipeline
        Their pipeline.
    stage_changes : dask.dataframe.DataFrame, optional
        The :data:`~salescore.frames.STAGE_CHANGES` contract; bucketed with
        the deals by deal id, so each deal is counted with its own history.
    buckets : int, optional
        Number of buckets (tasks that count); default the larger number of
        input partitions.
    scheduler : str, optional
        Dask scheduler (``"sync"``, ``"threads"``, ...); default the
        client's, when one is running.
    **options
        ``source``, ``by``, ``cohort``, ``period``, ``period_basis``,
        ``reopen``, ``lost_stage_column``, as in ``funnel_counts_frame``.

    Returns
    -------
    FunnelCounts
        Equal to the pandas function's on the whole data.

    Raises
    ------
    FrameValidationError, MissingHistoryError, InvalidInputError
        As the pandas function, from the bucket where the problem is.
    """
    frames = [_check_frame(opportunities, "opportunities")]
    if stage_changes is not None:
        frames.append(_check_frame(stage_changes, "stage_changes"))
    k = _buckets(buckets, *frames)
    deals = _exchange(frames[0], "id", k)
    changes = _exchange(frames[1], "opportunity_id", k) if len(frames) > 1 else [None] * k

    def count(deal_part: pd.DataFrame, change_part: pd.DataFrame | None) -> FunnelCounts:
        return _funnel_counts_frame(deal_part, pipeline, stage_changes=change_part, **options)

    partials = [delayed(count)(d, c) for d, c in zip(deals, changes, strict=True)]
    result: FunnelCounts = _compute(_tree_sum(partials, lambda a, b: a + b), scheduler)
    return result


def funnel_frame(
    opportunities: dd.DataFrame,
    pipeline: Pipeline,
    *,
    stage_changes: dd.DataFrame | None = None,
    rounding: str = "ROUND_HALF_EVEN",
    buckets: int | None = None,
    scheduler: str | None = None,
    **options: Any,
) -> FunnelReport:
    """:func:`salescore.funnel.funnel_frame` on Dask frames (see :func:`funnel_counts`)."""
    counts = funnel_counts(
        opportunities,
        pipeline,
        stage_changes=stage_changes,
        buckets=buckets,
        scheduler=scheduler,
        **options,
    )
    return report_from_counts(counts, rounding=rounding)


def stage_win_rates(
    opportunities: dd.DataFrame,
    pipeline: Pipeline,
    *,
    stage_changes: dd.DataFrame,
    by: str | Sequence[str] | None = None,
    smoothing: float = 10.0,
    min_sample: int = 10,
    reopen: str = "continue",
    buckets: int | None = None,
    scheduler: str | None = None,
) -> StageWinRates:
    """:func:`salescore.forecast.stage_win_rates` from partials counted on Dask.

    Each bucket of deals (with their changes) is counted with
    :func:`salescore.forecast.win_rate_counts`; the sum is learned from.
    """
    deals = _check_frame(opportunities, "opportunities")
    changes = _check_frame(stage_changes, "stage_changes")
    k = _buckets(buckets, deals, changes)

    def count(deal_part: pd.DataFrame, change_part: pd.DataFrame) -> FunnelCounts:
        return win_rate_counts(
            change_part,
            pipeline,
            opportunities=deal_part,
            by=by,
            reopen=reopen,  # type: ignore[arg-type]
        )

    partials = [
        delayed(count)(d, c)
        for d, c in zip(
            _exchange(deals, "id", k), _exchange(changes, "opportunity_id", k), strict=True
        )
    ]
    counts: FunnelCounts = _compute(_tree_sum(partials, lambda a, b: a + b), scheduler)
    return _stage_win_rates(counts, pipeline, smoothing=smoothing, min_sample=min_sample)


# --------------------------------------------------------------------------- markov
def transition_counts(
    stage_changes: dd.DataFrame,
    pipeline: Pipeline,
    *,
    step: str = "week",
    as_of: datetime | date | None = None,
    buckets: int | None = None,
    scheduler: str | None = None,
) -> TransitionCounts:
    """:func:`salescore.forecast.transition_counts` on a Dask frame, summed from partials.

    Without ``as_of`` the end of observation is the latest change over the
    whole frame (found first, in one reduction), as the pandas function
    takes it over all changes; each bucket is then counted up to it.
    """
    frame = _check_frame(stage_changes, "stage_changes")
    if as_of is None:
        latest = frame["changed_at"].max()
        as_of = pd.Timestamp(
            latest.compute(scheduler=scheduler) if scheduler else latest.compute()
        ).to_pydatetime()
    k = _buckets(buckets, frame)

    def count(part: pd.DataFrame) -> TransitionCounts:
        return _transition_counts(part, pipeline, step=step, as_of=as_of)  # type: ignore[arg-type]

    partials = [delayed(count)(p) for p in _exchange(frame, "opportunity_id", k)]
    result: TransitionCounts = _compute(_tree_sum(partials, lambda a, b: a + b), scheduler)
    return result


def markov_fit(
    stage_changes: dd.DataFrame,
    pipeline: Pipeline,
    *,
    step: str = "week",
    as_of: datetime | date | None = None,
    smoothing: float = 0.0,
    buckets: int | None = None,
    scheduler: str | None = None,
) -> MarkovModel:
    """:meth:`salescore.forecast.MarkovModel.fit` from transition partials counted on Dask."""
    counts = transition_counts(
        stage_changes, pipeline, step=step, as_of=as_of, buckets=buckets, scheduler=scheduler
    )
    return MarkovModel.from_counts(counts, pipeline, smoothing=smoothing)


# --------------------------------------------------------------------------- weighted
def weighted(
    opportunities: dd.DataFrame,
    pipeline: Pipeline,
    *,
    period: Period | None = None,
    probabilities: Mapping[str, float] | None = None,
    currency: str | None = None,
    fx: FxRates | None = None,
    fx_on: date | None = None,
    rounding: str = "ROUND_HALF_EVEN",
    scheduler: str | None = None,
) -> WeightedForecast:
    """:func:`salescore.forecast.weighted` on a Dask frame, rounded once over all partitions.

    Each partition's exact sums (:func:`salescore.forecast.weighted_partial`)
    are added in a tree and turned into the forecast with
    :func:`salescore.forecast.weighted_from_partial`, so every total and
    every breakdown is the one ``weighted`` gives on the whole frame. A deal
    needs no other row, so the partitions are used as they are (no
    exchange). ``undated`` and ``failures`` list rows partition by partition.
    """
    frame = _check_frame(opportunities, "opportunities")

    def part_of(part: pd.DataFrame) -> WeightedPartial:
        return weighted_partial(part, pipeline, period=period, probabilities=probabilities)

    parts = frame.to_delayed()  # type: ignore[no-untyped-call]
    partials = [delayed(part_of)(p) for p in parts]
    total: WeightedPartial = _compute(_tree_sum(partials, lambda a, b: a + b), scheduler)
    return weighted_from_partial(total, currency=currency, fx=fx, fx_on=fx_on, rounding=rounding)


# --------------------------------------------------------------------------- statements
def _concat(results: list[StatementsFrames]) -> StatementsFrames:
    """One team's frames from per-bucket frames, in the order the pandas function gives."""
    totals = pd.concat([r.totals for r in results])
    order = totals.index.argsort(kind="stable")
    totals = totals.iloc[order]
    carry = pd.concat([r.carry for r in results]).reindex(totals.index)
    lines = pd.concat([r.lines for r in results], ignore_index=True)
    if len(lines):
        rank = pd.Series(np.arange(len(totals)), index=totals.index)
        position = rank.reindex(lines["rep_id"]).to_numpy()
        lines = lines.iloc[np.argsort(position, kind="stable")].reset_index(drop=True)
    errors = pd.concat([r.errors for r in results], ignore_index=True)
    conversions = pd.concat([r.conversions for r in results], ignore_index=True)
    return StatementsFrames(
        lines=lines, totals=totals, errors=errors, carry=carry, conversions=conversions
    )


def statements_frame(
    plan: Any,
    credits: dd.DataFrame,
    *,
    period: Any,
    quotas: pd.Series[Any] | None = None,
    prior: pd.DataFrame | None = None,
    buckets: int | None = None,
    scheduler: str | None = None,
    **options: Any,
) -> StatementsFrames:
    """:func:`salescore.commission.statements_frame` on a Dask credits frame, whole per rep.

    Credits are bucketed by ``rep_id``; ``quotas`` and ``prior`` (small,
    indexed by rep) go to each rep's bucket, so a rep with a quota and no
    credit still gets a total. Each bucket is one pandas
    ``statements_frame``; the frames are concatenated with reps in the
    pandas function's order (sorted) and each rep's lines in statement
    order. ``options`` go to the pandas function (``reps``, ``clawbacks``,
    ``prorate``, ``rounding``, ``fx``, ...). ``clawbacks`` and
    ``achievements`` are pandas frames given to every bucket, filtered to
    its reps.

    Returns
    -------
    StatementsFrames
        Equal to the pandas function's on the whole credits frame.
    """
    frame = _check_frame(credits, "credits")
    k = _buckets(buckets, frame)
    parts = _exchange(frame, "rep_id", k)

    def of_bucket(table: pd.DataFrame | pd.Series[Any] | None, b: int) -> Any:
        if table is None:
            return None
        return table[_buckets_of(pd.Series(table.index, index=table.index), k) == b]

    def rows_of_bucket(table: pd.DataFrame | None, b: int) -> pd.DataFrame | None:
        if table is None:
            return None
        chosen: pd.DataFrame = table[_buckets_of(table["rep_id"], k) == b]
        return chosen

    def run(part: pd.DataFrame, b: int) -> StatementsFrames:
        mine = dict(options)
        for name in ("clawbacks", "achievements"):
            if name in mine and mine[name] is not None:
                mine[name] = rows_of_bucket(mine[name], b)
        if "reps" in mine and mine["reps"] is not None:
            ids = pd.Series([r.id for r in mine["reps"]])
            keep = _buckets_of(ids, k) == b
            mine["reps"] = [r for r, ok in zip(mine["reps"], keep, strict=True) if ok]
        return _statements_frame(
            plan,
            part,
            period=period,
            quotas=of_bucket(quotas, b),
            prior=of_bucket(prior, b),
            **mine,
        )

    results = [delayed(run)(p, b) for b, p in enumerate(parts)]
    computed = compute(*results, scheduler=scheduler) if scheduler else compute(*results)  # type: ignore[no-untyped-call]
    return _concat(list(computed))
