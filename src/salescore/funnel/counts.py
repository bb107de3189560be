"""``FunnelCounts``: the mergeable partial behind every funnel report.

A funnel is finished from counts and sums that add across any partition of
the opportunities: per segment and open stage, how many passes through the
funnel ended there still open or lost (and their amounts), regressions,
completed visits and their total duration, and a whole-hour histogram of
visit durations; per segment, the won passes and the sales-cycle totals.
``counts(a) + counts(b) == counts(a ∪ b)``, so the computation runs per
partition on Dask or Spark and the parts are summed.

Definitions used when counting (see the concept page for the reasoning):

* A **pass** is one trip of a deal through the funnel. With
  ``reopen="continue"`` (the default) a deal's whole history is one pass;
  with ``reopen="new_pass"`` every move from a closed stage back to an open
  one starts a new pass, and the earlier pass keeps its outcome.
* A pass **reached** open stage *k* when the furthest open stage it entered
  is *k* or later: a skipped stage counts as passed. A won pass reached
  every open stage. A pass that never entered an open stage (created lost)
  reached only the first.
* A **regression** is an open-to-open move to an earlier stage, counted at
  the stage left. It never adds an entry: entries come from the furthest
  stage reached.
* A **visit** is a stay in an open stage from entering it to the next
  change; the stay a deal is still in is censored and left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._lookup import positions
from salescore._names import as_names
from salescore._numeric import floats_to_minor_units, to_minor_units
from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, InvalidInputError, MissingHistoryError
from salescore.frames import OPPORTUNITIES, STAGE_CHANGES, CheckedFrame, validate_frame
from salescore.funnel._kernel import (
    LOST,
    NO_DATE,
    OPEN,
    WON,
    Arrays,
    Changes,
    Deals,
    IntArray,
    check_stages,
    count_arrays,
    stage_codes,
    stage_lookup,
)
from salescore.models import Opportunity, Pipeline, check_opportunities
from salescore.money import minor_unit
from salescore.serialization import Result

__all__ = ["FunnelCounts", "funnel_counts", "funnel_counts_frame", "resolve_source"]

BoolArray = npt.NDArray[np.bool_]
Source = Literal["history", "snapshot"]
Reopen = Literal["continue", "new_pass"]
Cohort = Literal["month", "quarter"]
PeriodBasis = Literal["created", "closed"]

#: Opportunity attributes a single-object funnel may be segmented by.
SEGMENT_FIELDS: Final = ("owner_id", "account_id", "channel_id", "product", "currency")

STAGE_COLUMNS: Final = (
    "open",
    "open_amount",
    "lost",
    "lost_amount",
    "regressions",
    "visits",
    "visit_seconds",
)
GROUP_COLUMNS: Final = (
    "won",
    "won_amount",
    "cycle_count",
    "cycle_days",
    "lost_stage_known",
    "lost_stage_assumed",
)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DAY: Final = date(1970, 1, 1)


def _frame_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False
        )
    except AssertionError:
        return False
    return True


@dataclass(frozen=True, eq=False)
class FunnelCounts(Result):
    """Additive counts from which a :class:`~salescore.funnel.FunnelReport` is finished.

    Build one with :func:`funnel_counts` (models) or :func:`funnel_counts_frame`
    (frames), add partials with ``+`` (or ``sum()``), then call
    :func:`~salescore.funnel.report_from_counts`.

    Attributes
    ----------
    stages : tuple of str
        The pipeline's open stages, in order.
    keys : tuple of str
        Segment columns (``by``, then ``"cohort"`` when cohorts are used).
    currency : str or None
        Currency of every amount; ``None`` when no deal was counted.
    minor_unit : int
        Decimal places of ``currency``: amounts are held in minor units.
    inference : {"history", "snapshot"}
        How "reached stage k" was established.
    reopen : {"continue", "new_pass"}
        How reopened deals were counted.
    by_stage : pandas.DataFrame
        One row per segment and open stage: ``keys``, ``stage``, ``open`` and
        ``lost`` (passes whose furthest stage is this one, still open or lost
        [count]), ``open_amount`` and ``lost_amount`` [minor units],
        ``regressions`` [count], ``visits`` (completed stays) [count] and
        ``visit_seconds`` (their total) [seconds].
    by_group : pandas.DataFrame
        One row per segment: ``keys``, ``won`` [count], ``won_amount``
        [minor units], ``cycle_count`` and ``cycle_days`` (won deals with
        both dates, and the sum of close minus created) [count, days],
        ``lost_stage_known`` / ``lost_stage_assumed`` (snapshot only: lost
        deals whose stage at loss was given, or assumed to be the first)
        [count].
    durations : pandas.DataFrame
        ``keys``, ``stage``, ``hours``, ``count``: completed visits by
        duration rounded to the nearest hour [count].

    Examples
    --------
    >>> from salescore import datasets
    >>> pipeline = datasets.pipeline()
    >>> deals = datasets.opportunities(pipeline)
    >>> whole = funnel_counts(deals, pipeline)
    >>> whole == funnel_counts(deals[:15], pipeline) + funnel_counts(deals[15:], pipeline)
    True
    >>> whole.by_stage[["stage", "open", "lost"]]
      stage  open  lost
    0      Qualify     8     4
    1     Proposal     3     1
    2  Negotiation     6     9
    """

    stages: tuple[str, ...]
    keys: tuple[str, ...]
    currency: str | None
    minor_unit: int
    inference: Source
    reopen: Reopen
    by_stage: pd.DataFrame
    by_group: pd.DataFrame
    durations: pd.DataFrame

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", as_names(self.stages, what="funnel count stages"))
        object.__setattr__(self, "keys", as_names(self.keys, what="funnel count keys"))

    def _compatible(self, other: FunnelCounts) -> None:
        for name in ("stages", "keys", "inference", "reopen"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine != theirs:
                raise InvalidInputError(
                    f"cannot add funnel counts with {name} {theirs!r} to counts with "
                    f"{name} {mine!r}; both must match"
                )
        if self.currency and other.currency and self.currency != other.currency:
            raise CurrencyMismatchError(
                f"cannot add funnel counts in {other.currency} to counts in {self.currency}; "
                "convert the amounts to one currency first"
            )

    def __add__(self, other: object) -> FunnelCounts:
        if not isinstance(other, FunnelCounts):
            return NotImplemented
        self._compatible(other)
        currency = self.currency or other.currency
        return FunnelCounts(
            stages=self.stages,
            keys=self.keys,
            currency=currency,
            minor_unit=self.minor_unit if self.currency else other.minor_unit,
            inference=self.inference,
            reopen=self.reopen,
            by_stage=_merge([self.by_stage, other.by_stage], self.keys, self.stages, True),
            by_group=_merge([self.by_group, other.by_group], self.keys, self.stages, False),
            durations=_merge_durations([self.durations, other.durations], self.keys, self.stages),
        )

    def __radd__(self, other: object) -> FunnelCounts:
        # ``sum(parts)`` starts from 0.
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FunnelCounts):
            return NotImplemented
        same_meta = (self.stages, self.keys, self.inference, self.reopen) == (
            other.stages,
            other.keys,
            other.inference,
            other.reopen,
        )
        same_currency = (
            self.currency is None or other.currency is None or self.currency == other.currency
        )
        return (
            same_meta
            and same_currency
            and _frame_equal(self.by_stage, other.by_stage)
            and _frame_equal(self.by_group, other.by_group)
            and _frame_equal(self.durations, other.durations)
        )

    __hash__ = None  # type: ignore[assignment]

    def total(self) -> FunnelCounts:
        """These counts with every segment summed into one (``keys`` empty).

        Examples
        --------
        >>> from salescore import datasets
        >>> pipeline = datasets.pipeline()
        >>> deals = datasets.opportunities(pipeline)
        >>> funnel_counts(deals, pipeline, by=["owner_id"]).total() == funnel_counts(
        ...     deals, pipeline)
        True
        """
        return self.select({})

    def select(self, segment: Mapping[str, object]) -> FunnelCounts:
        """The counts of the deals whose segment columns equal ``segment``, summed.

        Key columns named in ``segment`` are filtered on; the others are
        summed over, so the result has no keys.

        Raises
        ------
        InvalidInputError
            ``segment`` names a column that is not a key.

        Examples
        --------
        >>> from salescore import datasets
        >>> pipeline = datasets.pipeline()
        >>> deals = datasets.opportunities(pipeline)
        >>> counts = funnel_counts(deals, pipeline, by=["owner_id"])
        >>> r1 = counts.select({"owner_id": "R1"})
        >>> r1 == funnel_counts([d for d in deals if d.owner_id == "R1"], pipeline)
        True
        """
        unknown = [k for k in segment if k not in self.keys]
        if unknown:
            raise InvalidInputError(
                f"segment column {unknown[0]!r} is not a key of these counts; "
                f"keys: {', '.join(self.keys) or '(none)'}"
            )

        def keep(frame: pd.DataFrame) -> pd.DataFrame:
            mask = np.ones(len(frame), dtype=bool)
            for name, value in segment.items():
                column = frame[name]
                hit = column.isna() if _is_missing(value) else column == value
                mask &= hit.to_numpy(dtype=bool)
            return frame.loc[mask].drop(columns=list(self.keys))

        return FunnelCounts(
            stages=self.stages,
            keys=(),
            currency=self.currency,
            minor_unit=self.minor_unit,
            inference=self.inference,
            reopen=self.reopen,
            by_stage=_merge([keep(self.by_stage)], (), self.stages, True),
            by_group=_merge([keep(self.by_group)], (), self.stages, False),
            durations=_merge_durations([keep(self.durations)], (), self.stages),
        )

    def segments(self) -> pd.DataFrame:
        """The distinct segments counted, one row per segment (columns ``keys``).

        Examples
        --------
        >>> from salescore import datasets
        >>> pipeline = datasets.pipeline()
        >>> counts = funnel_counts(datasets.opportunities(pipeline), pipeline, by=["owner_id"])
        >>> counts.segments()["owner_id"].tolist()
        ['R1', 'R2', 'R3']
        """
        return self.by_group[list(self.keys)].reset_index(drop=True)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _stage_rank(frame: pd.DataFrame, stages: Sequence[str]) -> pd.Series[int]:
    return frame["stage"].map({name: i for i, name in enumerate(stages)}).astype(np.int64)


def _sorted(
    frame: pd.DataFrame, keys: Sequence[str], by_stage: bool, stages: Sequence[str]
) -> pd.DataFrame:
    order = list(keys)
    if by_stage:
        frame = frame.assign(_rank=_stage_rank(frame, stages))
        order.append("_rank")
    if order:
        frame = frame.sort_values(order, kind="stable", na_position="last")
    if by_stage:
        frame = frame.drop(columns="_rank")
    return frame.reset_index(drop=True)


def _merge(
    frames: Sequence[pd.DataFrame], keys: Sequence[str], stages: Sequence[str], by_stage: bool
) -> pd.DataFrame:
    """Sum rows that share keys (and stage), in canonical order."""
    present = [f for f in frames if len(f)]
    if not present:
        return frames[0].iloc[:0].reset_index(drop=True)
    both = pd.concat(present, ignore_index=True)
    group = [*keys, "stage"] if by_stage else list(keys)
    if group:
        summed = both.groupby(group, sort=False, dropna=False).sum().reset_index()
    else:
        summed = both.sum().to_frame().T.astype(np.int64)
    return _sorted(summed, keys, by_stage, stages)


def _merge_durations(
    frames: Sequence[pd.DataFrame], keys: Sequence[str], stages: Sequence[str]
) -> pd.DataFrame:
    present = [f for f in frames if len(f)]
    if not present:
        return frames[0].iloc[:0].reset_index(drop=True)
    both = pd.concat(present, ignore_index=True)
    summed = both.groupby([*keys, "stage", "hours"], sort=False, dropna=False).sum().reset_index()
    summed = summed.assign(_rank=_stage_rank(summed, stages))
    summed = summed.sort_values([*keys, "_rank", "hours"], kind="stable", na_position="last")
    return summed.drop(columns="_rank").reset_index(drop=True)


def _from_arrays(
    arrays: Arrays,
    pipeline: Pipeline,
    *,
    keys: tuple[str, ...],
    currency: str | None,
    inference: Source,
    reopen: Reopen,
) -> FunnelCounts:
    stages = tuple(s.name for s in pipeline.open_stages)
    m = len(stages)
    groups = arrays.groups
    n_groups = arrays.outcome.shape[0]
    stage_keys = groups.loc[np.repeat(np.arange(n_groups), m)].reset_index(drop=True)
    by_stage = stage_keys.assign(
        stage=np.tile(np.asarray(stages, dtype=object), n_groups),
        open=arrays.outcome[:, :m, OPEN].ravel(),
        open_amount=arrays.outcome_amount[:, :m, OPEN].ravel(),
        lost=arrays.outcome[:, :m, LOST].ravel(),
        lost_amount=arrays.outcome_amount[:, :m, LOST].ravel(),
        regressions=arrays.regressions.ravel(),
        visits=arrays.visits.ravel(),
        visit_seconds=arrays.visit_seconds.ravel(),
    )
    by_group = groups.assign(
        won=arrays.outcome[:, m, WON],
        won_amount=arrays.outcome_amount[:, m, WON],
        cycle_count=arrays.cycle_count,
        cycle_days=arrays.cycle_days,
        lost_stage_known=arrays.lost_known,
        lost_stage_assumed=arrays.lost_assumed,
    )
    hist = arrays.hours
    group_index = hist["group"].to_numpy(dtype=np.int64)
    durations = groups.loc[group_index].reset_index(drop=True)
    durations = durations.assign(
        stage=np.asarray(stages, dtype=object)[hist["stage"].to_numpy(dtype=np.int64)],
        hours=hist["hours"].to_numpy(dtype=np.int64),
        count=hist["count"].to_numpy(dtype=np.int64),
    )
    return FunnelCounts(
        stages=stages,
        keys=keys,
        currency=currency,
        minor_unit=minor_unit(currency) if currency else 0,
        inference=inference,
        reopen=reopen,
        by_stage=_sorted(by_stage, keys, True, stages),
        by_group=_sorted(by_group, keys, False, stages),
        durations=_sorted(durations, keys, False, stages),
    )


# --------------------------------------------------------------------------- options


def check_options(
    pipeline: Pipeline,
    *,
    source: str,
    reopen: str,
    cohort: str | None,
    period: Period | None,
    period_basis: str,
    by: Iterable[str],
) -> tuple[str, ...]:
    """Check the option values shared by every entry point; return ``by`` as a tuple."""
    if not isinstance(pipeline, Pipeline):
        raise InvalidInputError(f"pipeline must be a Pipeline, got {type(pipeline).__name__}")
    if not pipeline.open_stages:
        raise InvalidInputError(
            f"pipeline {pipeline.name!r} has no open stage; a funnel needs at least one"
        )
    for name, value, allowed in (
        ("source", source, ("history", "snapshot")),
        ("reopen", reopen, ("continue", "new_pass")),
        ("cohort", cohort, (None, "month", "quarter")),
        ("period_basis", period_basis, ("created", "closed")),
    ):
        if value not in allowed:
            raise InvalidInputError(
                f"{name} {value!r} is not allowed; choose one of "
                f"{', '.join(repr(a) for a in allowed)}"
            )
    if period is not None and not isinstance(period, Period):
        raise InvalidInputError(f"period must be a Period, got {type(period).__name__}")
    if isinstance(by, str):
        by = (by,)
    columns = tuple(by)
    if len(set(columns)) != len(columns) or "cohort" in columns or "stage" in columns:
        raise InvalidInputError(
            f"by columns {list(columns)!r} must be distinct and not 'cohort' or 'stage'"
        )
    return columns


def resolve_source(
    source: str | None, *, has_history: bool, has_lost_stages: bool, deals: int, frame: bool
) -> Source:
    """The inference to count with; never a silent guess.

    ``source=None`` (the default) means: ``"history"`` when any deal has a
    stage history (a deal without one counts as created in its current
    stage), ``"snapshot"`` when the caller said where lost deals were lost
    (``lost_at`` / ``lost_stage_column``) and gave no history, ``"history"``
    for no deals at all, and otherwise a :class:`~salescore.errors.MissingHistoryError`
    that names the argument to pass. Counting deals without histories as
    histories would place every lost deal at the first stage.

    Examples
    --------
    >>> resolve_source(None, has_history=True, has_lost_stages=False, deals=3, frame=False)
    'history'
    >>> resolve_source(None, has_history=False, has_lost_stages=True, deals=3, frame=True)
    'snapshot'
    >>> resolve_source(None, has_history=False, has_lost_stages=False, deals=3, frame=False)
    Traceback (most recent call last):
    ...
    salescore.errors.MissingHistoryError: none of the 3 opportunities has a stage history, so ...
    """
    if source is not None:
        if source not in ("history", "snapshot"):
            raise InvalidInputError(
                f"source {source!r} is not allowed; choose one of None, 'history', 'snapshot'"
            )
        return "history" if source == "history" else "snapshot"
    if has_history or deals == 0:
        return "history"
    if has_lost_stages:
        return "snapshot"
    if frame:
        raise MissingHistoryError(
            f"no stage changes were given for the {deals} opportunities, so where lost deals "
            "were lost is unknown; pass stage_changes= (the STAGE_CHANGES history), or "
            "source='snapshot' (with lost_stage_column= to say where lost deals were lost)"
        )
    raise MissingHistoryError(
        f"none of the {deals} opportunities has a stage history, so where lost deals were "
        "lost is unknown; give the deals their history, or pass source='snapshot' (with "
        "lost_at= to say where lost deals were lost)"
    )


def _cohorts(created: IntArray, cohort: Cohort) -> pd.Series[str]:
    months = created.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    if cohort == "quarter":
        codes = months // 3
        labels = {int(c): f"{1970 + c // 4}-Q{c % 4 + 1}" for c in np.unique(codes).tolist()}
    else:
        codes = months
        labels = {int(c): f"{1970 + c // 12}-{c % 12 + 1:02d}" for c in np.unique(codes).tolist()}
    return pd.Series(codes).map(labels).astype(object)


def _in_period(days: IntArray, period: Period) -> BoolArray:
    start = (period.start - _EPOCH_DAY).days
    end = (period.end - _EPOCH_DAY).days
    inside: BoolArray = (days != NO_DATE) & (days >= start) & (days < end)
    return inside


def _single_currency(codes: Iterable[object]) -> str | None:
    distinct = sorted({str(c) for c in codes})
    if len(distinct) > 1:
        raise CurrencyMismatchError(
            f"the opportunities are in {len(distinct)} currencies ({', '.join(distinct)}); "
            "a funnel sums amounts in one currency: convert them first"
        )
    return distinct[0] if distinct else None


def _build(
    deals: Deals,
    changes: Changes | None,
    pipeline: Pipeline,
    *,
    keys: tuple[str, ...],
    cohort: Cohort | None,
    period: Period | None,
    period_basis: PeriodBasis,
    reopen: Reopen,
    currency: str | None,
) -> FunnelCounts:
    if period is not None:
        day = deals.created if period_basis == "created" else deals.closed
        keep = _in_period(day, period)
        if not keep.all():
            deals, changes = _subset(deals, changes, keep)
    if cohort is not None:
        labels = _cohorts(deals.created, cohort).to_numpy()
        deals = Deals(
            ids=deals.ids,
            keys=deals.keys.assign(cohort=labels),
            amount=deals.amount,
            kind=deals.kind,
            pos=deals.pos,
            code=deals.code,
            created=deals.created,
            closed=deals.closed,
            lost_at=deals.lost_at,
        )
        keys = (*keys, "cohort")
    arrays = count_arrays(deals, changes, pipeline, reopen=reopen)
    return _from_arrays(
        arrays,
        pipeline,
        keys=keys,
        currency=currency if len(deals.amount) else None,
        inference="snapshot" if changes is None else "history",
        reopen=reopen,
    )


def _subset(deals: Deals, changes: Changes | None, keep: BoolArray) -> tuple[Deals, Changes | None]:
    new_position = np.cumsum(keep) - 1
    subset = Deals(
        ids=deals.ids[keep],
        keys=deals.keys.loc[keep].reset_index(drop=True),
        amount=deals.amount[keep],
        kind=deals.kind[keep],
        pos=deals.pos[keep],
        code=deals.code[keep],
        created=deals.created[keep],
        closed=deals.closed[keep],
        lost_at=deals.lost_at[keep],
    )
    if changes is None:
        return subset, None
    rows = keep[changes.deal]
    return subset, Changes(
        deal=new_position[changes.deal[rows]], moment=changes.moment[rows], code=changes.code[rows]
    )


def _lost_positions(names: pd.Series[Any], pipeline: Pipeline, *, what: str) -> IntArray:
    """Open positions of the stages recorded at loss (``-1`` where missing)."""
    pos_of, _ = stage_lookup(pipeline)
    present = names.notna().to_numpy(dtype=bool)
    out = np.full(len(names), -1, dtype=np.int64)
    if present.any():
        codes = stage_codes(names[present], pipeline, what=what)
        pos = pos_of[codes]
        if (pos < 0).any():
            bad = names[present].iloc[int(np.flatnonzero(pos < 0)[0])]
            raise InvalidInputError(
                f"{what} {bad!r} is a closed stage; the stage at loss must be an open stage "
                f"({', '.join(s.name for s in pipeline.open_stages)})"
            )
        out[present] = pos
    return out


# --------------------------------------------------------------------------- entry points


def funnel_counts(
    opportunities: Sequence[Opportunity],
    pipeline: Pipeline,
    *,
    source: Source | None = None,
    by: Iterable[str] = (),
    cohort: Cohort | None = None,
    period: Period | None = None,
    period_basis: PeriodBasis = "created",
    reopen: Reopen = "continue",
    lost_at: Mapping[str, str] | None = None,
) -> FunnelCounts:
    """Count the funnel of a list of opportunities (single-object path).

    Parameters
    ----------
    opportunities : sequence of Opportunity
        The deals, checked with :func:`~salescore.models.check_opportunities`.
    pipeline : Pipeline
        Their pipeline; it needs at least one open stage.
    source : {None, "history", "snapshot"}
        ``"history"`` reads each deal's ``history`` (a deal without one
        counts as created in its current stage); ``"snapshot"`` infers the
        stages reached from the current stage only: open deals reached it,
        won deals passed every open stage, lost deals reached the stage in
        ``lost_at`` when given, else only the first (counted in
        ``lost_stage_assumed``; the report then gives no rate it cannot
        know). ``None`` (default): ``"history"`` when any deal has a
        history, ``"snapshot"`` when only ``lost_at`` is given, and a
        :class:`~salescore.errors.MissingHistoryError` when neither is
        (see :func:`resolve_source`).
    by : iterable of str
        Segment by these attributes (``owner_id``, ``account_id``,
        ``channel_id``, ``product``, ``currency``).
    cohort : {"month", "quarter"}, optional
        Also segment by the month or quarter of ``created_on`` (column
        ``cohort``, labels ``2026-03`` or ``2026-Q1``).
    period : Period, optional
        Count only deals created (or, with ``period_basis="closed"``,
        closed) within it.
    period_basis : {"created", "closed"}
        Which date ``period`` filters on.
    reopen : {"continue", "new_pass"}
        Whether a move from a closed stage back to an open one continues the
        deal's pass or starts a new one (history only).
    lost_at : mapping of str to str, optional
        Snapshot only: opportunity id -> the open stage it was lost at.

    Returns
    -------
    FunnelCounts

    Raises
    ------
    MissingHistoryError
        ``source`` is ``None`` and no deal has a history or a ``lost_at``.
    InvalidInputError
        Bad options, unknown segment attributes, duplicate ids, or a lost
        stage that is not an open stage.
    UnknownStageError
        A stage is not in the pipeline.
    CurrencyMismatchError
        The deals are in more than one currency.

    Examples
    --------
    >>> from salescore import datasets
    >>> pipeline = datasets.pipeline()
    >>> counts = funnel_counts(datasets.opportunities(pipeline), pipeline, source="snapshot")
    >>> counts.inference, int(counts.by_group["won"].sum()), int(counts.by_group[
    ...     "lost_stage_assumed"].sum())
    ('snapshot', 9, 14)
    """
    opportunities = list(opportunities)
    lost_map = dict(lost_at or {})
    source = resolve_source(
        source,
        has_history=any(getattr(o, "history", None) for o in opportunities),
        has_lost_stages=bool(lost_map),
        deals=len(opportunities),
        frame=False,
    )
    keys = check_options(
        pipeline,
        source=source,
        reopen=reopen,
        cohort=cohort,
        period=period,
        period_basis=period_basis,
        by=by,
    )
    for name in keys:
        if name not in SEGMENT_FIELDS:
            raise InvalidInputError(
                f"cannot segment opportunities by {name!r}; allowed: {', '.join(SEGMENT_FIELDS)}"
            )
    opportunities = list(check_opportunities(opportunities, pipeline))
    if source == "history" and lost_map:
        raise InvalidInputError("lost_at is used only with source='snapshot'")
    known_ids = {o.id for o in opportunities}
    strays = [i for i in lost_map if i not in known_ids]
    if strays:
        raise InvalidInputError(
            f"lost_at names opportunity {strays[0]!r}, which is not among the opportunities"
        )
    currency = _single_currency(o.currency for o in opportunities)
    pos_of, kind_of = stage_lookup(pipeline)
    index = {name: i for i, name in enumerate(pipeline.names)}
    code = np.array([index[o.stage] for o in opportunities], dtype=np.int64)
    if currency is not None:
        amount = to_minor_units([o.amount for o in opportunities], minor_unit(currency))
    else:
        amount = np.empty(0, dtype=np.int64)
    lost_names = pd.Series([lost_map.get(o.id) for o in opportunities], dtype=object)
    deals = Deals(
        ids=np.array([o.id for o in opportunities], dtype=object),
        keys=pd.DataFrame(
            {name: [getattr(o, name) for o in opportunities] for name in keys},
            index=pd.RangeIndex(len(opportunities)),
        ),
        amount=amount,
        kind=kind_of[code],
        pos=pos_of[code],
        code=code,
        created=np.array([(o.created_on - _EPOCH_DAY).days for o in opportunities], dtype=np.int64),
        closed=np.array(
            [
                NO_DATE if o.close_date is None else (o.close_date - _EPOCH_DAY).days
                for o in opportunities
            ],
            dtype=np.int64,
        ),
        lost_at=_lost_positions(lost_names, pipeline, what="lost_at stage"),
    )
    changes = None
    if source == "history":
        rows = [(i, c) for i, o in enumerate(opportunities) for c in o.history]
        changes = Changes(
            deal=np.array([i for i, _ in rows], dtype=np.int64),
            moment=np.array(
                [(c.changed_at - _EPOCH) // _MICROSECOND for _, c in rows], dtype=np.int64
            ),
            code=np.array([index[c.to_stage] for _, c in rows], dtype=np.int64),
        )
    return _build(
        deals,
        changes,
        pipeline,
        keys=keys,
        cohort=cohort,
        period=period,
        period_basis=period_basis,
        reopen=reopen,
        currency=currency,
    )


_MICROSECOND: Final = pd.Timedelta(microseconds=1).to_pytimedelta()


def _day_numbers(series: pd.Series[Any]) -> IntArray:
    """Validated ``date`` column (naive datetime64 at midnight) to days since the epoch."""
    values = series.to_numpy(dtype="datetime64[us]").astype("datetime64[D]")
    days = values.astype(np.int64)
    return np.where(np.isnat(values), NO_DATE, days)


def funnel_counts_frame(
    opportunities: pd.DataFrame | CheckedFrame,
    pipeline: Pipeline,
    *,
    stage_changes: pd.DataFrame | CheckedFrame | None = None,
    source: Source | None = None,
    by: Iterable[str] = (),
    cohort: Cohort | None = None,
    period: Period | None = None,
    period_basis: PeriodBasis = "created",
    reopen: Reopen = "continue",
    lost_stage_column: str | None = None,
) -> FunnelCounts:
    """Count the funnel of an opportunities frame (bulk path), vectorised.

    The frames are validated first (:data:`~salescore.frames.OPPORTUNITIES`,
    :data:`~salescore.frames.STAGE_CHANGES`, stage names against the
    pipeline) and never mutated. The counting is the kernel of
    :func:`funnel_counts`, so both paths agree on the same data.

    Parameters
    ----------
    opportunities : pandas.DataFrame or CheckedFrame
        One deal per row (the ``OPPORTUNITIES`` contract); a
        :class:`~salescore.frames.CheckedFrame` is not checked again.
    pipeline : Pipeline
        Their pipeline; it needs at least one open stage.
    stage_changes : pandas.DataFrame or CheckedFrame, optional
        The stage history (the ``STAGE_CHANGES`` contract), needed for the
        ``history`` inference.
    source : {None, "history", "snapshot"}
        ``None`` (default): ``"history"`` when ``stage_changes`` is given,
        ``"snapshot"`` when only ``lost_stage_column`` is, else a
        :class:`~salescore.errors.MissingHistoryError` (an export without
        history must ask for the snapshot inference explicitly).
        ``"history"`` needs ``stage_changes``; ``"snapshot"`` refuses them.
    by : iterable of str
        Segment columns of ``opportunities`` (any column, e.g. ``owner_id``,
        ``channel_id``, ``product``, or a column you added); missing values
        form their own segment.
    cohort, period, period_basis, reopen
        As in :func:`funnel_counts`.
    lost_stage_column : str, optional
        Snapshot only: a column of ``opportunities`` holding the open stage
        a lost deal was lost at (null when unknown).

    Returns
    -------
    FunnelCounts

    Raises
    ------
    FrameValidationError
        A frame breaks its contract (the error's ``failures`` table lists
        every bad cell), or names a stage not in the pipeline.
    MissingHistoryError
        ``source`` is ``None`` and neither ``stage_changes`` nor
        ``lost_stage_column`` is given.
    InvalidInputError
        Bad options, a missing segment column, a stage change of an
        opportunity not in the frame, a history that does not end in the
        deal's current stage.
    CurrencyMismatchError
        The deals are in more than one currency.

    Examples
    --------
    >>> from salescore import datasets
    >>> from salescore.frames import history_frame, to_frame
    >>> pipeline = datasets.pipeline()
    >>> deals = datasets.opportunities(pipeline)
    >>> counts = funnel_counts_frame(to_frame(deals), pipeline, stage_changes=history_frame(deals))
    >>> counts == funnel_counts(deals, pipeline)
    True
    """
    given = opportunities.frame if isinstance(opportunities, CheckedFrame) else opportunities
    if not isinstance(given, pd.DataFrame):
        raise InvalidInputError(
            f"opportunities must be a DataFrame, got {type(opportunities).__name__}"
        )
    if source is None and not len(given):
        source = "snapshot" if stage_changes is None else "history"
    source = resolve_source(
        source,
        has_history=stage_changes is not None and len(stage_changes) > 0,
        has_lost_stages=lost_stage_column is not None,
        deals=len(given),
        frame=True,
    )
    if source == "history" and stage_changes is None:
        raise MissingHistoryError(
            "source='history' needs stage_changes= (the STAGE_CHANGES history); without it "
            "pass source='snapshot'"
        )
    if source == "snapshot" and stage_changes is not None:
        raise InvalidInputError("stage_changes is used only with source='history'; leave it out")
    keys = check_options(
        pipeline,
        source=source,
        reopen=reopen,
        cohort=cohort,
        period=period,
        period_basis=period_basis,
        by=by,
    )
    missing = [c for c in (*keys, lost_stage_column) if c is not None and c not in given]
    if missing:
        raise InvalidInputError(
            f"column {missing[0]!r} is not in the opportunities frame; columns: "
            f"{', '.join(map(str, given.columns))}"
        )
    if lost_stage_column is not None and stage_changes is not None:
        raise InvalidInputError("lost_stage_column is used only without stage_changes (snapshot)")
    opps = validate_frame(opportunities, OPPORTUNITIES)
    currency = _single_currency(pd.unique(opps["currency"]))
    pos_of, kind_of = stage_lookup(pipeline)
    code = stage_codes(opps["stage"], pipeline, what="stage")
    amount = (
        floats_to_minor_units(opps["amount"].to_numpy(), minor_unit(currency))
        if currency is not None
        else np.empty(0, dtype=np.int64)
    )
    lost_at = np.full(len(opps), -1, dtype=np.int64)
    if lost_stage_column is not None:
        column = opps[lost_stage_column].astype(object)
        lost_at = _lost_positions(column, pipeline, what=f"{lost_stage_column}")
    deals = Deals(
        ids=opps["id"].to_numpy(dtype=object),
        keys=pd.DataFrame(
            {name: opps[name].to_numpy() for name in keys}, index=pd.RangeIndex(len(opps))
        ),
        amount=amount,
        kind=kind_of[code],
        pos=pos_of[code],
        code=code,
        created=_day_numbers(opps["created_on"]),
        closed=_day_numbers(opps["close_date"]),
        lost_at=lost_at,
    )
    changes = None
    if stage_changes is not None:
        history = validate_frame(stage_changes, STAGE_CHANGES)
        check_stages(history["from_stage"], pipeline, "from_stage")
        deal = positions(opps["id"], history["opportunity_id"])
        if (deal < 0).any():
            strays = pd.unique(history["opportunity_id"].to_numpy(dtype=object)[deal < 0])
            raise InvalidInputError(
                f"stage changes name opportunity {strays[0]!r} ({len(strays)} unknown ids), "
                "which is not in the opportunities frame; every change needs its deal"
            )
        # Naive UTC in one step (the contract stores changed_at timezone-aware).
        at = history["changed_at"].dt.tz_convert(None)
        changes = Changes(
            deal=deal,
            moment=at.to_numpy(dtype="datetime64[us]").view(np.int64),
            code=stage_codes(history["to_stage"], pipeline, what="to_stage"),
        )
    return _build(
        deals,
        changes,
        pipeline,
        keys=keys,
        cohort=cohort,
        period=period,
        period_basis=period_basis,
        reopen=reopen,
        currency=currency,
    )
