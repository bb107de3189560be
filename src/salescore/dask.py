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
Likewise :func:`credit_frame` credits each deal whole, with its
assignments, invoices and payments. Errors tables of all buckets are
concatenated, never dropped.

**Unique ids across partitions.** Where the pandas function requires
unique deal (invoice, payment) ids, the ids repeated anywhere in the frame
are found in a first pass over that column and their rows are computed in
one task, so they are reported or refused as on one machine.

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

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from salescore.calendar import Period
from salescore.commission import CreditingFrames, CreditingRules, StatementsFrames
from salescore.commission import credit_frame as _credit_frame
from salescore.commission import statements_frame as _statements_frame
from salescore.errors import CurrencyMismatchError, FrameValidationError, InvalidInputError
from salescore.forecast import (
    Accuracy,
    AccuracyPartial,
    Adjustment,
    AttributeCounts,
    CategoryForecast,
    CategoryPartial,
    MarkovModel,
    StageWinRates,
    WeightedForecast,
    WeightedPartial,
    accuracy_partial,
    categories_from_partial,
    category_partial,
    weighted_from_partial,
    weighted_partial,
    win_rate_counts,
)
from salescore.forecast import attribute_counts as _attribute_counts
from salescore.forecast import stage_win_rates as _stage_win_rates
from salescore.forecast import transition_counts as _transition_counts
from salescore.forecast.markov import TransitionCounts
from salescore.frames import CONTRACTS
from salescore.funnel import FunnelCounts, FunnelReport, report_from_counts
from salescore.funnel import funnel_counts_frame as _funnel_counts_frame
from salescore.goals import VarianceFrames, combine_variance
from salescore.goals import variance_frame as _variance_frame
from salescore.kpi import combine_customer_kpis, combine_deal_kpis
from salescore.kpi import customer_kpis as _customer_kpis
from salescore.kpi import deal_kpis as _deal_kpis
from salescore.kpi import quota_attainment_frame as _quota_attainment_frame
from salescore.models import ForecastCategory, Organization, Pipeline, Target
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
    "accuracy",
    "attribute_counts",
    "credit_frame",
    "customer_kpis",
    "deal_kpis",
    "forecast_categories",
    "funnel_counts",
    "funnel_frame",
    "markov_fit",
    "quota_attainment_frame",
    "stage_win_rates",
    "statements_frame",
    "transition_counts",
    "variance_frame",
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


def _buckets_of(
    keys: pd.Series[Any] | pd.DataFrame, buckets: int
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The bucket of each key (a column, or the row of several): a stable hash of its text."""
    text = keys.astype(object).where(keys.notna(), "").astype(str)  # type: ignore[arg-type]
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


def _compute_all(values: Sequence[Delayed], scheduler: str | None) -> list[Any]:
    if scheduler:
        return list(compute(*values, scheduler=scheduler))  # type: ignore[no-untyped-call]
    return list(compute(*values))  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class _Outcome:
    """What one task gives back: its partial, or the errors of the rows it refused.

    A refused partition must not hide the others' failures: a
    :class:`~salescore.errors.FrameValidationError` is caught in the task
    and travels up the tree, so the caller gets one error listing the bad
    rows of every partition.
    """

    value: Any = None
    errors: tuple[FrameValidationError, ...] = ()


def _guarded(function: Callable[..., Any]) -> Callable[..., _Outcome]:
    def run(*args: Any) -> _Outcome:
        try:
            return _Outcome(value=function(*args))
        except FrameValidationError as exc:
            return _Outcome(errors=(exc,))

    return run


def _merging(add: Callable[[Any, Any], Any]) -> Callable[[_Outcome, _Outcome], _Outcome]:
    def merge(a: _Outcome, b: _Outcome) -> _Outcome:
        if not a.errors and not b.errors:
            return _Outcome(value=add(a.value, b.value))
        return _Outcome(errors=a.errors + b.errors)

    return merge


_HEADER = re.compile(
    r"^(?P<contract>.+?) frame failed validation with \d+ failures? in \d+ rows?: "
)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class _Piece:
    """One (column, reason) phrase of a validation message: its example and its rule."""

    column: str
    reason: str
    example: str | None  # "row 5: 'D005'" as the message wrote it; None: a missing column
    rule: str


def _pieces(error: FrameValidationError) -> list[_Piece] | None:
    """The (column, reason) phrases of a validation message, in its order.

    The message of :func:`salescore.frames.validate_frame` names each
    (column, reason) of its failure table, in the table's order, with its
    count, first row and value, and the rule: knowing the count and value
    from the table, each phrase is found in turn and its example and rule
    read off. ``None`` when the message is not of that form.
    """
    message, failures = str(error), error.failures
    head = _HEADER.match(message)
    if head is None or not {"row", "column", "value", "reason"} <= set(failures.columns):
        return None
    found: list[tuple[str, str, int, int, str | None]] = []
    at = head.end()
    for (column, reason), group in failures.groupby(["column", "reason"], sort=False):
        first = group.iloc[0]
        if first["row"] is None:
            pattern = re.escape(f"column {column!r} is missing (")
        else:
            pattern = (
                re.escape(f"{column} {reason} in {_plural(len(group), 'row')} (e.g. ")
                + r"(?P<example>row .*?: "
                + re.escape(f"{_plain(first['value'])!r}")
                + r"); "
            )
        match = re.compile(pattern).search(message, at)
        if match is None:
            return None
        example = match.groupdict().get("example")
        found.append((str(column), str(reason), match.start(), match.end(), example))
        at = match.end()
    ends = [start - 2 for _, _, start, _, _ in found[1:]] + [len(message)]
    return [
        _Piece(column, reason, example, message[body:end].removesuffix(")"))
        for (column, reason, _, body, example), end in zip(found, ends, strict=True)
    ]


def _order_of(contract: str, pieces: list[_Piece]) -> list[tuple[int, int]]:
    """Sort keys that put (column, reason) phrases in the order the contract checks them.

    Column checks run in the contract's column order, then the row checks;
    phrases of a contract salescore.frames does not list keep their order.
    """
    known = CONTRACTS.get(contract)
    if known is None:
        return [(0, i) for i in range(len(pieces))]
    names = list(known.names)
    rows = {(c.columns[1], c.reason) for c in known.checks}
    return [
        (len(names) if (p.column, p.reason) in rows else names.index(p.column), i)
        if p.column in names
        else (len(names) + 1, i)
        for i, p in enumerate(pieces)
    ]


def _merged_error(errors: Sequence[FrameValidationError], what: str) -> FrameValidationError:
    """One error for the validation errors of several tasks, worded as the pandas one.

    Identical errors (a small table every task checks) count once. One error
    is raised as it is: a key repeated across partitions reaches one task,
    so its error is the one the pandas function raises on the whole frame.
    Several are merged into a message of the pandas function's form: the
    failures counted over every task, the (column, reason) phrases in the
    contract's order, each with its first row (tasks in partition order)
    and its rule; the failure table is ordered the same way.
    """
    distinct: list[FrameValidationError] = []
    for error in errors:
        if not any(str(e) == str(error) and e.failures.equals(error.failures) for e in distinct):
            distinct.append(error)
    if len(distinct) == 1:
        return distinct[0]
    failures = pd.concat([e.failures for e in distinct], ignore_index=True)
    parsed = [(_HEADER.match(str(e)), e, _pieces(e)) for e in distinct]
    if any(m is None or p is None for m, _, p in parsed):
        reasons = ", ".join(sorted({str(r) for r in failures["reason"]}))
        return FrameValidationError(
            f"{what} has {len(failures)} failure(s) across its partitions: {reasons}", failures
        )
    by_contract: dict[str, list[tuple[FrameValidationError, list[_Piece]]]] = {}
    for match, error, pieces in parsed:
        assert match is not None
        assert pieces is not None
        by_contract.setdefault(match["contract"], []).append((error, pieces))
    messages, tables = [], []
    for contract, found in by_contract.items():
        first: dict[tuple[str, str], _Piece] = {}
        parts: dict[tuple[str, str], list[pd.DataFrame]] = {}
        for error, pieces in found:
            mine = error.failures.groupby(["column", "reason"], sort=False)
            for piece in pieces:
                key = (piece.column, piece.reason)
                first.setdefault(key, piece)
                parts.setdefault(key, []).append(mine.get_group(key))
        phrases = list(first.values())
        order = sorted(range(len(phrases)), key=_order_of(contract, phrases).__getitem__)
        table = pd.concat(
            [g for i in order for g in parts[(phrases[i].column, phrases[i].reason)]],
            ignore_index=True,
        )
        words = []
        for i in order:
            p, n = phrases[i], sum(len(g) for g in parts[(phrases[i].column, phrases[i].reason)])
            words.append(
                f"column {p.column!r} is missing ({p.rule})"
                if p.example is None
                else f"{p.column} {p.reason} in {_plural(n, 'row')} (e.g. {p.example}; {p.rule})"
            )
        rows = table["row"]
        messages.append(
            f"{contract} frame failed validation with {_plural(len(table), 'failure')} "
            f"in {_plural(rows[rows.notna()].nunique(), 'row')}: " + "; ".join(words)
        )
        tables.append(table)
    return FrameValidationError("; ".join(messages), pd.concat(tables, ignore_index=True))


def _settled(outcomes: Sequence[_Outcome], what: str) -> list[Any]:
    """The values of the outcomes, or one FrameValidationError with every failure."""
    errors = [e for o in outcomes for e in o.errors]
    if errors:
        raise _merged_error(errors, what)
    return [o.value for o in outcomes]


def _reduce(
    function: Callable[..., Any],
    inputs: Sequence[Sequence[Any]],
    add: Callable[[Any, Any], Any],
    scheduler: str | None,
    what: str,
) -> Any:
    """``function`` on each tuple of delayed inputs, the partials added in a tree."""
    task = _guarded(function)
    partials = [delayed(task)(*args) for args in inputs]
    outcome: _Outcome = _compute(_tree_sum(partials, _merging(add)), scheduler)
    return _settled([outcome], what)[0]


def _each(
    function: Callable[..., Any],
    inputs: Sequence[Sequence[Any]],
    scheduler: str | None,
    what: str,
) -> list[Any]:
    """``function`` on each tuple of delayed inputs, every result collected."""
    task = _guarded(function)
    return _settled(_compute_all([delayed(task)(*args) for args in inputs], scheduler), what)


def _add(a: Any, b: Any) -> Any:
    return a + b


def _partitions(frame: dd.DataFrame) -> list[Delayed]:
    return list(frame.to_delayed())  # type: ignore[no-untyped-call]


# --------------------------------------------------------------------------- unique keys
def _id_text(keys: pd.Series[Any]) -> pd.Series[Any]:
    """Ids as the crediting kernel compares them: text, stripped; a null is ``""``."""
    text = keys.astype(object).where(keys.notna(), "").astype(str).str.strip()
    return text.astype(object)


def _key_text(keys: pd.Series[Any]) -> pd.Series[Any]:
    """The present keys as stripped text (nulls dropped), a form no two equal ids differ in."""
    return _id_text(keys[keys.notna()])


def _split_keys(keys: pd.Series[Any], buckets: int) -> list[np.ndarray[Any, Any]]:
    text = _key_text(keys)
    which = _buckets_of(text, buckets)
    values = text.to_numpy(dtype=object)
    return [values[which == b] for b in range(buckets)]


def _repeated(pieces: list[list[np.ndarray[Any, Any]]], b: int) -> frozenset[str]:
    """The keys of bucket ``b`` that occur more than once."""
    chosen = [p[b] for p in pieces]
    if not chosen:
        return frozenset()
    counts = pd.Series(np.concatenate(chosen), dtype=object).value_counts()
    return frozenset(counts.index[counts.to_numpy() > 1].tolist())


def _union(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    return a | b


def _duplicated_keys(frame: dd.DataFrame, key: str, scheduler: str | None) -> frozenset[str]:
    """The values of ``key`` held by more than one row, over all partitions (as text).

    A first, separate pass over the key column only (with Parquet, only that
    column is read): each partition's keys are hashed into buckets, each
    bucket counts its keys, and the repeated ones (few, usually none) are
    united in a tree. Memory per task is one bucket of keys, never the rows.
    A frame without the column gives none: the pandas function reports the
    missing column.
    """
    if key not in frame.columns:
        return frozenset()
    column = frame[key]
    k = max(1, int(column.npartitions))
    pieces = [delayed(_split_keys)(p, k) for p in column.to_delayed()]
    found: frozenset[str] = _compute(
        _tree_sum([delayed(_repeated)(pieces, b) for b in range(k)], _union), scheduler
    )
    return found


def _with_keys(part: pd.DataFrame, key: str, keys: frozenset[str], keep: bool) -> pd.DataFrame:
    """The rows of ``part`` whose ``key`` is (``keep``) or is not among ``keys``."""
    if key not in part.columns:
        return part if not keep else part.iloc[:0]
    column = part[key]
    held = (column.notna() & _id_text(column).isin(keys)).to_numpy(dtype=bool)
    return part[held if keep else ~held]


def _gathered(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts)


def _unique_on(frame: dd.DataFrame, key: str, scheduler: str | None) -> list[Delayed]:
    """The partitions of ``frame`` with the rows of repeated ``key`` values moved together.

    The pandas functions refuse or report every row of a repeated deal id;
    on partitions as they are, two rows of one id in two partitions would
    each pass their partition's check. The repeated ids are found first
    (:func:`_duplicated_keys`); their rows leave their partitions and form
    one more partition, in partition order, where the pandas check sees them
    all. Every row is in exactly one task, so the partials still add up.
    """
    partitions = _partitions(frame)
    keys = _duplicated_keys(frame, key, scheduler)
    if not keys:
        return partitions
    rest = [delayed(_with_keys)(p, key, keys, False) for p in partitions]
    repeated = delayed(_gathered)([delayed(_with_keys)(p, key, keys, True) for p in partitions])
    return [*rest, repeated]


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

    result: FunnelCounts = _reduce(
        count, list(zip(deals, changes, strict=True)), _add, scheduler, "opportunities"
    )
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

    inputs = list(
        zip(_exchange(deals, "id", k), _exchange(changes, "opportunity_id", k), strict=True)
    )
    counts: FunnelCounts = _reduce(count, inputs, _add, scheduler, "opportunities")
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

    inputs = [(p,) for p in _exchange(frame, "opportunity_id", k)]
    result: TransitionCounts = _reduce(count, inputs, _add, scheduler, "stage_changes")
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

    inputs = [(p,) for p in _unique_on(frame, "id", scheduler)]
    total: WeightedPartial = _reduce(part_of, inputs, _add, scheduler, "opportunities")
    return weighted_from_partial(total, currency=currency, fx=fx, fx_on=fx_on, rounding=rounding)


def forecast_categories(
    opportunities: dd.DataFrame,
    pipeline: Pipeline,
    *,
    period: Period | None = None,
    org: Organization | None = None,
    adjustments: Sequence[Adjustment] = (),
    categories: Mapping[str, ForecastCategory | str] | None = None,
    currency: str | None = None,
    fx: FxRates | None = None,
    fx_on: date | None = None,
    rounding: str = "ROUND_HALF_EVEN",
    scheduler: str | None = None,
) -> CategoryForecast:
    """:func:`salescore.forecast.forecast_categories` on a Dask frame, rounded once.

    Each partition's exact (owner, currency, category) sums
    (:func:`salescore.forecast.category_partial`) are added in a tree and
    turned into the forecast, rolled up ``org`` with the ``adjustments``, by
    :func:`salescore.forecast.categories_from_partial`: every amount is the
    one ``forecast_categories`` gives on the whole frame. A deal needs no
    other row, so the partitions are used as they are (no exchange).
    ``undated`` and ``failures`` list rows partition by partition.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from salescore import datasets
    >>> from salescore.frames import to_frame
    >>> from salescore.forecast import forecast_categories as pandas_categories
    >>> pipeline, frame = datasets.pipeline(), to_frame(datasets.opportunities(n=60, seed=2))
    >>> got = forecast_categories(dd.from_pandas(frame, npartitions=4), pipeline,
    ...                           scheduler="sync")
    >>> got.by_owner.equals(pandas_categories(frame, pipeline).by_owner)
    True
    """
    frame = _check_frame(opportunities, "opportunities")

    def part_of(part: pd.DataFrame) -> CategoryPartial:
        return category_partial(part, pipeline, period=period, categories=categories)

    inputs = [(p,) for p in _unique_on(frame, "id", scheduler)]
    total: CategoryPartial = _reduce(part_of, inputs, _add, scheduler, "opportunities")
    return categories_from_partial(
        total,
        org=org,
        adjustments=adjustments,
        currency=currency,
        fx=fx,
        fx_on=fx_on,
        rounding=rounding,
    )


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

    return _concat(_each(run, [(p, b) for b, p in enumerate(parts)], scheduler, "credits"))


# --------------------------------------------------------------------------- learners, accuracy
def attribute_counts(
    closed: dd.DataFrame,
    attributes: str | Sequence[str],
    *,
    outcome: str = "won",
    scheduler: str | None = None,
) -> AttributeCounts:
    """:func:`salescore.forecast.attribute_counts` on a Dask frame, summed from partials.

    A closed deal is one row, so the partitions are counted as they are and
    the :class:`~salescore.forecast.AttributeCounts` added in a tree.
    """
    frame = _check_frame(closed, "closed")

    def count(part: pd.DataFrame) -> AttributeCounts:
        return _attribute_counts(part, attributes, outcome=outcome)

    result: AttributeCounts = _reduce(
        count, [(p,) for p in _partitions(frame)], _add, scheduler, "closed"
    )
    return result


def accuracy(
    frame: dd.DataFrame,
    *,
    actual: str = "actual",
    forecast: str = "forecast",
    quantiles: Mapping[float, str] | None = None,
    interval: tuple[str, str] | None = None,
    level: float | None = None,
    scheduler: str | None = None,
) -> Accuracy:
    """:func:`salescore.forecast.accuracy` over the rows of a Dask frame.

    Parameters
    ----------
    frame : dask.dataframe.DataFrame
        One row per scored point.
    actual, forecast : str
        Column names of the actuals (``NaN`` = missing) and point forecasts.
    quantiles : mapping of float to str, optional
        Quantile level τ → column of that quantile forecast.
    interval : (str, str), optional
        Columns of the interval's lower and upper bounds.
    level : float, optional
        The interval's stated coverage [fraction].
    scheduler : str, optional
        Dask scheduler; default the client's.

    Returns
    -------
    Accuracy
        Equal to ``accuracy`` on the whole columns: each partition's
        :class:`~salescore.forecast.AccuracyPartial` (sums of errors) is added
        in a tree and the metrics are computed once.
    """
    data = _check_frame(frame, "frame")
    columns = [actual, forecast, *(quantiles or {}).values(), *(interval or ())]
    absent = [c for c in columns if c not in data.columns]
    if absent:
        raise InvalidInputError(
            f"frame has no column {', '.join(map(repr, absent))}; columns are {list(data.columns)}"
        )

    def part_of(part: pd.DataFrame) -> AccuracyPartial:
        return accuracy_partial(
            part[actual],
            part[forecast],
            quantiles={tau: part[c] for tau, c in (quantiles or {}).items()},
            interval=None if interval is None else (part[interval[0]], part[interval[1]]),
            level=level,
        )

    total: AccuracyPartial = _reduce(
        part_of, [(p,) for p in _partitions(data)], _add, scheduler, "frame"
    )
    return total.metrics()


# --------------------------------------------------------------------------- KPIs
def deal_kpis(
    opportunities: dd.DataFrame,
    pipeline: Pipeline,
    periods: Period | Sequence[Period],
    *,
    by: Sequence[str] = (),
    scheduler: str | None = None,
) -> pd.DataFrame:
    """:func:`salescore.kpi.deal_kpis` on a Dask frame, merged from per-partition frames.

    A deal is one row: each partition's KPI frame is computed as it is and
    the frames are merged in a tree with :func:`salescore.kpi.combine_deal_kpis`
    (counts and exact amounts add, ratios are computed again). The frame
    must hold one currency over all partitions, as the pandas function
    requires of its frame.
    """
    frame = _check_frame(opportunities, "opportunities")
    keys = list(by)

    def part_of(part: pd.DataFrame) -> tuple[pd.DataFrame, frozenset[str]]:
        table = _deal_kpis(part, pipeline, periods, by=keys)
        return table, frozenset(part["currency"].dropna().astype(str).unique().tolist())

    def add(
        a: tuple[pd.DataFrame, frozenset[str]], b: tuple[pd.DataFrame, frozenset[str]]
    ) -> tuple[pd.DataFrame, frozenset[str]]:
        return combine_deal_kpis([a[0], b[0]], by=keys), a[1] | b[1]

    table, currencies = _reduce(
        part_of, [(p,) for p in _unique_on(frame, "id", scheduler)], add, scheduler, "opportunities"
    )
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            f"the frame mixes currencies {', '.join(sorted(currencies))}; convert them with "
            "FxRates first or pass one currency at a time"
        )
    result: pd.DataFrame = table
    return result


def customer_kpis(
    customers: dd.DataFrame,
    periods: Period | Sequence[Period],
    *,
    by: Sequence[str] = (),
    scheduler: str | None = None,
) -> pd.DataFrame:
    """:func:`salescore.kpi.customer_kpis` on a Dask frame of customer spans.

    A span is one row: partition frames are merged in a tree with
    :func:`salescore.kpi.combine_customer_kpis`.
    """
    frame = _check_frame(customers, "customers")
    keys = list(by)

    def part_of(part: pd.DataFrame) -> pd.DataFrame:
        return _customer_kpis(part, periods, by=keys)

    def add(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        return combine_customer_kpis([a, b], by=keys)

    result: pd.DataFrame = _reduce(
        part_of, [(p,) for p in _partitions(frame)], add, scheduler, "customers"
    )
    return result


def _split_on(part: pd.DataFrame, keys: list[str], buckets: int) -> list[pd.DataFrame]:
    """Split rows by a hash of several key columns (all to bucket 0 without keys)."""
    absent = [k for k in keys if k not in part.columns]
    if absent:
        raise InvalidInputError(f"by= names column(s) {absent} not in the frame")
    if not keys:
        return [part] + [part.iloc[:0]] * (buckets - 1)
    which = _buckets_of(part[keys], buckets)
    return [part.iloc[np.flatnonzero(which == b)] for b in range(buckets)]


def quota_attainment_frame(
    attainment: dd.DataFrame,
    *,
    by: Sequence[str] = (),
    buckets: int | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """:func:`salescore.kpi.quota_attainment_frame` on a Dask frame, whole per segment.

    The distribution's quantiles (p10, median, p90) need every rep of a
    segment together, so they cannot be summed from partials: the rows are
    shuffled by a hash of the ``by`` columns and each segment is computed
    whole in one task (without ``by``, all rows go to one task). The
    segments come back sorted as the pandas function sorts them.
    """
    frame = _check_frame(attainment, "attainment")
    keys = list(by)
    k = _buckets(buckets, frame) if keys else 1
    meta = frame._meta
    pieces = [delayed(_split_on)(p, keys, k) for p in _partitions(frame)]

    def run(parts: list[list[pd.DataFrame]], b: int) -> pd.DataFrame:
        chosen = [p[b] for p in parts]
        return _quota_attainment_frame(pd.concat(chosen) if chosen else meta, by=keys)

    tables = _each(run, [(pieces, b) for b in range(k)], scheduler, "attainment")
    used = [t for t in tables if len(t)] or tables[:1]
    out = pd.concat(used, ignore_index=True)
    if keys:
        out = out.sort_values(keys, na_position="last", kind="stable").reset_index(drop=True)
    result: pd.DataFrame = out
    return result


def variance_frame(
    targets: Sequence[Target] | pd.DataFrame,
    actuals: dd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    scheduler: str | None = None,
    **columns: Any,
) -> VarianceFrames:
    """:func:`salescore.goals.variance_frame` with the actuals on Dask.

    The targets are small and go to every task; each partition of actuals
    is matched to them as it is and the results are merged with
    :func:`salescore.goals.combine_variance` (a target's exact actual units
    add, every row being rounded on its own). ``columns`` are the column
    names of the pandas function (``owner``, ``date``, ``amount``,
    ``share``, ``currency``). Errors and unmatched rows of all partitions
    are kept.
    """
    frame = _check_frame(actuals, "actuals")

    def part_of(part: pd.DataFrame) -> VarianceFrames:
        return _variance_frame(targets, part, **columns)

    parts = _each(part_of, [(p,) for p in _partitions(frame)], scheduler, "targets")
    return combine_variance(targets, parts, by=by)


# --------------------------------------------------------------------------- crediting
_POSITION = "_salescore_dask_position"
_TABLES = ("deals", "assignments", "invoices", "payments")


def _targets(
    part: pd.DataFrame,
    key: str,
    buckets: int,
    together: frozenset[str],
    also: tuple[str, frozenset[str]] | None = None,
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Each row's bucket: the hash of its ``key``, or the extra bucket ``buckets``.

    A row goes to the extra bucket when its ``key`` is in ``together`` or its
    ``also`` column in that set: the rows of ids repeated across partitions
    and of everything that must be checked with them.
    """
    if key not in part.columns:
        return np.zeros(len(part), dtype=np.int64)
    text = _id_text(part[key])
    which = _buckets_of(text, buckets)
    extra = text.isin(together).to_numpy(dtype=bool)
    if also is not None and also[0] in part.columns:
        extra = extra | _id_text(part[also[0]]).isin(also[1]).to_numpy(dtype=bool)
    which[extra] = buckets
    return which


def _pieces_of(part: pd.DataFrame, which: np.ndarray[Any, Any], n: int) -> list[pd.DataFrame]:
    return [part.iloc[np.flatnonzero(which == b)] for b in range(n)]


def _route(
    part: pd.DataFrame,
    key: str,
    buckets: int,
    together: frozenset[str],
    also: tuple[str, frozenset[str]] | None = None,
) -> list[pd.DataFrame]:
    return _pieces_of(part, _targets(part, key, buckets, together, also), buckets + 1)


def _route_deals(
    part: pd.DataFrame, i: int, buckets: int, together: frozenset[str]
) -> list[pd.DataFrame]:
    """Deals to their buckets, each tagged with its place in the input (partition, row)."""
    tagged = part.assign(**{_POSITION: (np.int64(i) << np.int64(32)) + np.arange(len(part))})
    return _route(tagged, "deal_id", buckets, together)


def _invoice_targets(
    part: pd.DataFrame,
    buckets: int,
    together: frozenset[str],
    repeated: frozenset[str],
) -> list[pd.DataFrame]:
    """(invoice id, the bucket of its deal), split by a hash of the invoice id."""
    if "invoice_id" not in part.columns:
        return [pd.DataFrame({"invoice": [], "target": []})] * buckets
    table = pd.DataFrame(
        {
            "invoice": _id_text(part["invoice_id"]).to_numpy(),
            "target": _targets(part, "deal_id", buckets, together, ("invoice_id", repeated)),
        }
    )
    return _pieces_of(table, _buckets_of(table["invoice"], buckets), buckets)


def _payment_pieces(part: pd.DataFrame, buckets: int) -> list[pd.DataFrame]:
    """Payments split by a hash of their invoice id (where the invoice's bucket is known)."""
    if "invoice_id" not in part.columns:
        return [part] + [part.iloc[:0]] * (buckets - 1)
    return _pieces_of(part, _buckets_of(_id_text(part["invoice_id"]), buckets), buckets)


def _route_payments(
    invoice_parts: list[list[pd.DataFrame]],
    payment_parts: list[list[pd.DataFrame]],
    j: int,
    buckets: int,
    repeated_invoices: frozenset[str],
    repeated_payments: frozenset[str],
) -> list[pd.DataFrame]:
    """The payments of join bucket ``j``, split by the bucket of their invoice's deal.

    A payment of an unknown invoice goes to the bucket of its invoice id's
    hash (any bucket reports it unknown); a payment with a repeated id or of
    a repeated invoice goes to the extra bucket.
    """
    targets = pd.concat([p[j] for p in invoice_parts], ignore_index=True)
    payments = pd.concat([p[j] for p in payment_parts])
    if "invoice_id" not in payments.columns or not len(payments):
        return [payments] + [payments.iloc[:0]] * buckets
    targets = targets.drop_duplicates("invoice", keep="last")
    invoice = _id_text(payments["invoice_id"])
    at = pd.Index(targets["invoice"].to_numpy(dtype=object)).get_indexer(invoice.to_numpy())
    which = _buckets_of(invoice, buckets)
    known = at >= 0
    which[known] = targets["target"].to_numpy(dtype=np.int64)[at[known]]
    if "payment_id" in payments.columns:
        extra = _id_text(payments["payment_id"]).isin(repeated_payments).to_numpy(dtype=bool)
        which[extra | invoice.isin(repeated_invoices).to_numpy(dtype=bool)] = buckets
    return _pieces_of(payments, which, buckets + 1)


def _gather(parts: list[list[pd.DataFrame]], b: int, meta: pd.DataFrame) -> pd.DataFrame:
    chosen = [p[b] for p in parts]
    return pd.concat(chosen) if chosen else meta


def _as_dask(frame: Any, what: str) -> dd.DataFrame | None:
    if frame is None:
        return None
    if isinstance(frame, pd.DataFrame):
        whole: dd.DataFrame = dd.from_pandas(  # type: ignore[no-untyped-call]
            frame, npartitions=1, sort=False
        )
        return whole
    return _check_frame(frame, what)


def _small(frame: dd.DataFrame, pick: Callable[[pd.DataFrame], pd.DataFrame], s: str | None) -> Any:
    parts = [delayed(pick)(p) for p in _partitions(frame)]
    return _compute(delayed(pd.concat)(parts), s)


def _credit_bucket(
    deals: pd.DataFrame,
    assignments: pd.DataFrame | None,
    invoices: pd.DataFrame | None,
    payments: pd.DataFrame | None,
    rules: Any,
    options: dict[str, Any],
) -> CreditingFrames:
    """One bucket credited whole; lines and pending tagged with their deal's input place."""
    position = deals[_POSITION]
    out = _credit_frame(
        deals.drop(columns=_POSITION),
        rules,
        assignments=assignments,
        invoices=invoices,
        payments=payments,
        **options,
    )
    at = pd.Series(position.to_numpy(), index=_id_text(deals["deal_id"]).to_numpy())
    at = at[~at.index.duplicated(keep=False)]

    def tagged(table: pd.DataFrame) -> pd.DataFrame:
        ids = _id_text(table["deal_id"])
        return table.assign(**{_POSITION: at.reindex(ids.to_numpy()).to_numpy()})

    return CreditingFrames(lines=tagged(out.lines), pending=tagged(out.pending), errors=out.errors)


def _in_input_order(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Per-bucket tables as one, in the order of their deals in the input."""
    joined = pd.concat(tables, ignore_index=True)
    for name in joined.columns:
        kinds = {str(t[name].dtype) for t in tables}
        if kinds == {"category"}:
            joined[name] = joined[name].astype(object).astype("category")
    order = np.argsort(joined[_POSITION].to_numpy(dtype=np.int64), kind="stable")
    return joined.iloc[order].drop(columns=_POSITION).reset_index(drop=True)


def credit_frame(
    deals: dd.DataFrame,
    rules: CreditingRules,
    *,
    assignments: dd.DataFrame | pd.DataFrame | None = None,
    invoices: dd.DataFrame | pd.DataFrame | None = None,
    payments: dd.DataFrame | pd.DataFrame | None = None,
    buckets: int | None = None,
    scheduler: str | None = None,
    **options: Any,
) -> CreditingFrames:
    """:func:`salescore.commission.credit_frame` on Dask frames, each deal credited whole.

    A deal's credit needs its splits and overlays, its invoices and their
    payments (invoiced and paid amounts run up per deal and per invoice, in
    date order), so it cannot be summed from pieces. Everything is shuffled
    by deal: deals, assignments and invoices on a hash of ``deal_id``;
    payments carry only an invoice id, so they are first matched to their
    invoice's bucket (invoice ids and payments exchanged by a hash of the
    invoice id) and then sent there. Each bucket is one pandas
    ``credit_frame``; lines and pending deals come back in the order of their
    deals in the input (as the pandas function gives them), errors table by
    table (deals, assignments, invoices, payments) and bucket by bucket
    within a table: the pandas function's error rows, in another order.

    Repeated ids are checked as on one machine: a deal id repeated across
    partitions reaches one bucket with its rows; invoice and payment ids
    repeated across deals are found in a first pass over those id columns,
    and the deals they touch go, with all their rows, to one extra bucket.

    Parameters
    ----------
    deals : dask.dataframe.DataFrame
        The :data:`~salescore.commission.crediting.DEALS` columns.
    rules : CreditingRules
        As the pandas function.
    assignments, invoices, payments : dask or pandas DataFrame, optional
        As the pandas function; a pandas frame is shuffled as one partition.
    buckets : int, optional
        Number of buckets; default the most partitions of an input.
    scheduler : str, optional
        Dask scheduler; default the client's.
    **options
        ``org``, ``channels``, ``rounding``, ``pipeline``: given to every bucket.

    Returns
    -------
    CreditingFrames
        The pandas function's rows on the whole data: same lines (money exact
        in minor units), pending deals and errors.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from salescore.commission import CreditingRules
    >>> from salescore.commission import credit_frame as pandas_credit_frame
    >>> deals = pd.DataFrame({"deal_id": ["D1", "D2", "D1"], "owner_id": ["R1", "R2", "R3"],
    ...                       "amount": [1000.01, 20.0, 5.0], "currency": "CNY",
    ...                       "close_date": pd.to_datetime(["2026-01-20", "2026-01-21",
    ...                                                     "2026-01-22"])})
    >>> out = credit_frame(dd.from_pandas(deals, npartitions=3), CreditingRules(),
    ...                    scheduler="sync")
    >>> out.lines["amount_minor"].tolist()
    [2000]
    >>> out.errors[["row", "deal_id", "reason"]].values.tolist()
    [[0, 'D1', 'duplicate'], [2, 'D1', 'duplicate']]
    >>> pandas_credit_frame(deals, CreditingRules()).lines["amount_minor"].tolist()
    [2000]
    """
    frame = _check_frame(deals, "deals")
    extra = {
        name: _as_dask(value, name)
        for name, value in (
            ("assignments", assignments),
            ("invoices", invoices),
            ("payments", payments),
        )
    }
    if rules.timing == "booking":
        extra["invoices"] = extra["payments"] = None
    elif rules.timing == "invoice":
        extra["payments"] = None
    given = {k: v for k, v in extra.items() if v is not None}
    # The argument checks (rounding, org, missing columns) of the pandas function, on
    # empty frames, before any task runs.
    _credit_frame(frame._meta, rules, **{k: v._meta for k, v in given.items()}, **options)
    k = _buckets(buckets, frame, *given.values())
    inv, pay = given.get("invoices"), given.get("payments")
    repeated_invoices = _duplicated_keys(inv, "invoice_id", scheduler) if inv is not None else None
    repeated_payments = _duplicated_keys(pay, "payment_id", scheduler) if pay is not None else None
    together: frozenset[str] = frozenset()
    if inv is not None and (repeated_invoices or repeated_payments):
        of = frozenset(repeated_invoices or ())
        if pay is not None and repeated_payments:
            paid = _small(
                pay,
                lambda p: p[_id_text(p["payment_id"]).isin(repeated_payments)],
                scheduler,
            )
            of |= frozenset(_id_text(paid["invoice_id"]).tolist())
        touched = _small(inv, lambda p: p[_id_text(p["invoice_id"]).isin(of)], scheduler)
        together = frozenset(_id_text(touched["deal_id"]).tolist()) - {""}
    n = k + 1
    deal_parts = [
        delayed(_route_deals)(p, i, k, together) for i, p in enumerate(_partitions(frame))
    ]
    inputs: dict[str, list[Delayed] | None] = {
        "deals": [delayed(_gather)(deal_parts, b, frame._meta) for b in range(n)]
    }
    for name, key in (("assignments", "deal_id"), ("invoices", "deal_id")):
        table = given.get(name)
        if table is None:
            inputs[name] = None
            continue
        also = ("invoice_id", frozenset(repeated_invoices or ())) if name == "invoices" else None
        split = [delayed(_route)(p, key, k, together, also) for p in _partitions(table)]
        inputs[name] = [delayed(_gather)(split, b, table._meta) for b in range(n)]
    if pay is not None and inv is not None:
        rep_i, rep_p = frozenset(repeated_invoices or ()), frozenset(repeated_payments or ())
        targets = [delayed(_invoice_targets)(p, k, together, rep_i) for p in _partitions(inv)]
        pieces = [delayed(_payment_pieces)(p, k) for p in _partitions(pay)]
        routed = [delayed(_route_payments)(targets, pieces, j, k, rep_i, rep_p) for j in range(k)]
        inputs["payments"] = [delayed(_gather)(routed, b, pay._meta) for b in range(n)]
    else:
        inputs["payments"] = None

    def nth(name: str, b: int) -> Delayed | None:
        parts = inputs[name]
        return None if parts is None else parts[b]

    runs = [
        delayed(_credit_bucket)(
            nth("deals", b), nth("assignments", b), nth("invoices", b), nth("payments", b),
            rules, options,
        )
        for b in range(n)
    ]  # fmt: skip
    results: list[CreditingFrames] = _compute_all(runs, scheduler)
    errors = pd.concat([r.errors for r in results], ignore_index=True)
    rank = errors["table"].map({t: i for i, t in enumerate(_TABLES)}).to_numpy()
    errors = errors.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    return CreditingFrames(
        lines=_in_input_order([r.lines for r in results]),
        pending=_in_input_order([r.pending for r in results]),
        errors=errors,
    )
