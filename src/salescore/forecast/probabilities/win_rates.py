r"""Stage win rates learned from closed deals' stage histories, smoothed per segment.

The counting is the funnel's (:func:`~salescore.funnel.funnel_counts_frame`), so the raw
rate equals the funnel report's ``win_rate``; see :mod:`salescore.forecast.probabilities`
for the formulas.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from salescore.errors import InvalidInputError, MissingHistoryError
from salescore.forecast.probabilities._common import IntArray, _is_missing, _ratio
from salescore.frames import history_frame, to_frame
from salescore.funnel import FunnelCounts, funnel_counts_frame
from salescore.models import Opportunity, Pipeline, check_opportunities
from salescore.serialization import Result

__all__ = ["RATE_COLUMNS", "StageWinRates", "stage_win_rates", "win_rate_counts"]

Source = Literal["segment", "pooled", "default"]
Reopen = Literal["continue", "new_pass"]

#: Columns of :attr:`StageWinRates.table` after the segment keys.
RATE_COLUMNS: Final = (
    "stage",
    "reached_closed",
    "won",
    "raw_rate",
    "pooled_rate",
    "smoothed_rate",
    "rate",
    "source",
)

# A placeholder currency: win rates count deals, so amounts and currencies are ignored.
_NO_CURRENCY: Final = "USD"


@dataclass(frozen=True, eq=False)
class StageWinRates(Result):
    r"""Learned win rate per open stage (and segment), ready to use as ``probabilities=``.

    Build it with :func:`stage_win_rates`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment and open stage (pipeline order within a
        segment): the segment ``keys``, then ``stage``; ``reached_closed``
        (closed passes that reached the stage, :math:`c`) [count]; ``won``
        (:math:`w`) [count]; ``raw_rate`` = won ÷ reached_closed (NaN when
        0); ``pooled_rate``, the stage's raw rate over every segment;
        ``smoothed_rate`` = (won + m·pooled_rate) ÷ (reached_closed + m);
        ``rate``, the one to use; ``source``: ``"segment"`` (rate is the
        smoothed rate), ``"pooled"`` (too few closed passes in the segment:
        rate is the pooled rate) or ``"default"`` (too few overall: rate is
        the pipeline's stage probability). Without segments, the raw, pooled
        and smoothed rates coincide and ``source`` is ``"pooled"`` or
        ``"default"``. All rates [fraction].
    pooled : pandas.DataFrame
        The same columns for every segment together, one row per stage.
    keys : tuple of str
        Segment columns (empty without ``by``).
    smoothing : float
        The pseudo-count :math:`m` [deals].
    min_sample : int
        Fewest closed passes for a segment's (or the pooled) rate to be used [count].
    counts : FunnelCounts
        The funnel counts the rates were computed from (mergeable).

    Examples
    --------
    >>> from salescore import datasets
    >>> pipeline = datasets.pipeline()
    >>> rates = stage_win_rates(datasets.opportunities(pipeline), pipeline, min_sample=5)
    >>> rates.table[["stage", "reached_closed", "won", "rate", "source"]].round(3)
             stage  reached_closed  won   rate  source
    0      Qualify              23    9  0.391  pooled
    1     Proposal              19    9  0.474  pooled
    2  Negotiation              18    9  0.500  pooled
    >>> {k: round(v, 3) for k, v in rates.probabilities().items()}
    {'Qualify': 0.391, 'Proposal': 0.474, 'Negotiation': 0.5}
    """

    table: pd.DataFrame
    pooled: pd.DataFrame
    keys: tuple[str, ...]
    smoothing: float
    min_sample: int
    counts: FunnelCounts

    def probabilities(self, segment: Mapping[str, object] | None = None) -> dict[str, float]:
        """Stage name -> win probability [fraction], usable as ``probabilities=``.

        Parameters
        ----------
        segment : mapping of str to object, optional
            A value for every segment key, selecting that segment's ``rate``
            column. Omitted: the pooled rates (with the same fallback to the
            stage default). A segment never seen gets the pooled rates.

        Raises
        ------
        InvalidInputError
            ``segment`` does not name exactly the segment keys.

        Examples
        --------
        >>> from salescore import datasets
        >>> pipeline = datasets.pipeline()
        >>> rates = stage_win_rates(datasets.opportunities(pipeline), pipeline, by="owner_id",
        ...                         smoothing=5, min_sample=5)
        >>> {k: round(v, 3) for k, v in rates.probabilities({"owner_id": "R1"}).items()}
        {'Qualify': 0.372, 'Proposal': 0.425, 'Negotiation': 0.464}
        """
        frame = self.pooled
        if segment is not None:
            given = set(segment)
            if given != set(self.keys):
                raise InvalidInputError(
                    f"segment names {sorted(given)!r}; a value is needed for every key "
                    f"{list(self.keys)!r}"
                )
            if self.keys:
                mask = np.ones(len(self.table), dtype=bool)
                for name, value in segment.items():
                    column = self.table[name]
                    hit = column.isna() if _is_missing(value) else column == value
                    mask &= hit.to_numpy(dtype=bool)
                if mask.any():
                    frame = self.table.loc[mask]
        return {
            str(stage): float(rate)
            for stage, rate in zip(frame["stage"], frame["rate"], strict=True)
        }

    def for_segments(self) -> pd.DataFrame:
        """The ``rate`` column pivoted: one row per segment, one column per stage.

        Examples
        --------
        >>> from salescore import datasets
        >>> pipeline = datasets.pipeline()
        >>> rates = stage_win_rates(datasets.opportunities(pipeline), pipeline, by="owner_id",
        ...                         min_sample=5)
        >>> wide = rates.for_segments()
        >>> list(wide.columns), list(wide.index)
        (['Qualify', 'Proposal', 'Negotiation'], ['R1', 'R2', 'R3'])
        >>> wide.round(2).values.tolist()
        [[0.38, 0.44, 0.47], [0.36, 0.48, 0.5], [0.39, 0.47, 0.5]]
        """
        stages = list(self.pooled["stage"])
        if not self.keys:
            return self.pooled.set_index("stage")[["rate"]].T.reset_index(drop=True)[stages]
        wide = self.table.pivot_table(
            index=list(self.keys), columns="stage", values="rate", dropna=False, sort=False
        )
        wide.columns.name = "stage"
        return wide[stages]


def _check_options(smoothing: object, min_sample: object) -> tuple[float, int]:
    if isinstance(smoothing, bool) or not isinstance(smoothing, int | float | np.number):
        raise InvalidInputError(f"smoothing {smoothing!r} must be a number >= 0 [deals]")
    m = float(smoothing)
    if not (m >= 0.0 and math.isfinite(m)):
        raise InvalidInputError(f"smoothing {smoothing!r} must be a finite number >= 0 [deals]")
    if isinstance(min_sample, bool) or not isinstance(min_sample, int | np.integer):
        raise InvalidInputError(f"min_sample {min_sample!r} must be a whole number >= 0")
    if min_sample < 0:
        raise InvalidInputError(f"min_sample {min_sample!r} must be >= 0")
    return m, int(min_sample)


def _keys(by: str | Iterable[str] | None) -> tuple[str, ...]:
    if by is None:
        return ()
    keys = (by,) if isinstance(by, str) else tuple(by)
    clash = [k for k in keys if k in RATE_COLUMNS]
    if len(set(keys)) != len(keys) or clash:
        raise InvalidInputError(
            f"by columns {list(keys)!r} must be distinct and none of {', '.join(RATE_COLUMNS)}"
        )
    return keys


def _counts_of(
    history: Sequence[Opportunity] | pd.DataFrame | FunnelCounts,
    pipeline: Pipeline,
    opportunities: pd.DataFrame | None,
    keys: tuple[str, ...],
    reopen: Reopen,
) -> FunnelCounts:
    if isinstance(history, FunnelCounts):
        if opportunities is not None:
            raise InvalidInputError("opportunities is not used with FunnelCounts; leave it out")
        if keys and keys != history.keys:
            raise InvalidInputError(
                f"by {list(keys)!r} differs from the counts' keys {list(history.keys)!r}; "
                "segment when counting, or leave by out"
            )
        if history.stages != tuple(s.name for s in pipeline.open_stages):
            raise InvalidInputError(
                f"the counts' stages {list(history.stages)!r} are not the pipeline's open stages "
                f"{[s.name for s in pipeline.open_stages]!r}"
            )
        _check_learnable(history)
        return history
    if isinstance(history, pd.DataFrame):
        if opportunities is None:
            raise InvalidInputError(
                "a stage-change frame needs its opportunities frame: pass opportunities="
            )
        changes = history
        opps = opportunities
    else:
        if opportunities is not None:
            raise InvalidInputError(
                "opportunities is used only with a stage-change frame; Opportunity models "
                "carry their own history"
            )
        deals = list(history)
        bad = [type(d).__name__ for d in deals if not isinstance(d, Opportunity)]
        if bad:
            raise InvalidInputError(
                f"history must be Opportunity models, a stage-change DataFrame or FunnelCounts; "
                f"got a {bad[0]}"
            )
        check_opportunities(deals, pipeline)
        if deals and not any(d.history for d in deals):
            raise MissingHistoryError(
                f"none of the {len(deals)} opportunities has a stage history, so where lost "
                "deals were lost is unknown and no stage win rate can be learned; give the "
                "deals their history, or pass snapshot counts whose lost stages are known: "
                "funnel_counts(deals, pipeline, source='snapshot', lost_at=...)"
            )
        opps = to_frame(deals, model=Opportunity)
        changes = history_frame(deals)
    if not isinstance(opps, pd.DataFrame):
        raise InvalidInputError(f"opportunities must be a DataFrame, got {type(opps).__name__}")
    missing = [c for c in keys if c not in opps.columns]
    if missing:
        raise InvalidInputError(
            f"column {missing[0]!r} is not in the opportunities frame; columns: "
            f"{', '.join(map(str, opps.columns))}"
        )
    # Only what "reached" needs: ids, stage, dates. Amounts and currencies are
    # irrelevant to counting deals, so deals in several currencies are fine.
    needed = {
        c: opps[c] if c in opps.columns else pd.Series(np.nan, index=opps.index)
        for c in ("id", "owner_id", "stage", "created_on")
    }
    alias = {f"_by{i}": name for i, name in enumerate(keys)}
    frame = pd.DataFrame(
        {
            **needed,
            "amount": 0.0,
            "currency": _NO_CURRENCY,
            **{tmp: opps[name] for tmp, name in alias.items()},
        },
        index=opps.index,
    )
    counts = funnel_counts_frame(
        frame, pipeline, stage_changes=changes, by=tuple(alias), reopen=reopen
    )
    rename = dict(alias)
    return FunnelCounts(
        stages=counts.stages,
        keys=keys,
        currency=None,
        minor_unit=0,
        inference=counts.inference,
        reopen=counts.reopen,
        by_stage=counts.by_stage.rename(columns=rename),
        by_group=counts.by_group.rename(columns=rename),
        durations=counts.durations.rename(columns=rename),
    )


def _check_learnable(counts: FunnelCounts) -> None:
    """Refuse snapshot counts with lost deals at unknown stages: their rates are unknowable."""
    if counts.inference != "snapshot" or not len(counts.by_group):
        return
    assumed = int(counts.by_group["lost_stage_assumed"].sum())
    if assumed and len(counts.stages) > 1:
        raise MissingHistoryError(
            f"these snapshot counts hold {assumed} lost deals whose stage at loss is unknown, "
            "so the win rates after the first stage cannot be learned; count with lost_at= / "
            "lost_stage_column= for every lost deal, or with the stage histories"
        )


def _closed_arrays(counts: FunnelCounts) -> tuple[pd.DataFrame, IntArray, IntArray]:
    """Segments, and per segment x open stage: closed passes reached, and won passes."""
    keys = list(counts.keys)
    stages = counts.stages
    m = len(stages)
    groups = counts.by_group[[*keys, "won"]].reset_index(drop=True)
    if not keys and not len(groups):
        groups = pd.DataFrame({"won": [0]})
    g = len(groups)
    grid = groups[keys].loc[np.repeat(np.arange(g), m)].reset_index(drop=True)
    grid = grid.assign(stage=np.tile(np.asarray(stages, dtype=object), g))
    merged = grid.merge(
        counts.by_stage[[*keys, "stage", "lost"]], on=[*keys, "stage"], how="left", sort=False
    )
    lost = merged["lost"].fillna(0).to_numpy(dtype=np.int64).reshape(g, m)
    lost_from_here = np.cumsum(lost[:, ::-1], axis=1)[:, ::-1]
    won = np.broadcast_to(groups["won"].to_numpy(dtype=np.int64)[:, None], (g, m))
    return groups[keys], np.asarray(won + lost_from_here, dtype=np.int64), np.asarray(won)


def win_rate_counts(
    stage_changes: pd.DataFrame,
    pipeline: Pipeline,
    *,
    opportunities: pd.DataFrame,
    by: str | Iterable[str] | None = None,
    reopen: Reopen = "continue",
) -> FunnelCounts:
    """The funnel counts :func:`stage_win_rates` learns from, for one part of the data.

    The counts of disjoint sets of deals (each with its own stage changes)
    add up to the counts of their union, so a partitioned table is counted
    part by part, the parts summed, and the sum given to
    :func:`stage_win_rates`. Amounts and currencies are not counted: deals
    in several currencies may be learned from together.

    Examples
    --------
    >>> from salescore import datasets
    >>> from salescore.frames import history_frame, to_frame
    >>> pipeline, deals = datasets.pipeline(), datasets.opportunities(n=60)
    >>> parts = [win_rate_counts(history_frame(d), pipeline, opportunities=to_frame(d))
    ...          for d in (deals[:25], deals[25:])]
    >>> (stage_win_rates(sum(parts), pipeline).table["won"].tolist()
    ...  == stage_win_rates(deals, pipeline).table["won"].tolist())
    True
    """
    return _counts_of(stage_changes, pipeline, opportunities, _keys(by), reopen)


def stage_win_rates(
    history: Sequence[Opportunity] | pd.DataFrame | FunnelCounts,
    pipeline: Pipeline,
    *,
    opportunities: pd.DataFrame | None = None,
    by: str | Iterable[str] | None = None,
    smoothing: float = 10.0,
    min_sample: int = 10,
    reopen: Reopen = "continue",
) -> StageWinRates:
    r"""Learn each open stage's win rate from closed deals' stage histories.

    For stage :math:`k`: closed passes that reached it :math:`c_k` (won, plus
    lost at :math:`k` or later; a skipped stage counts as passed, as in the
    funnel) and the won ones :math:`w_k`; raw rate :math:`w_k / c_k`. Per
    segment the rate is smoothed towards the stage's pooled rate :math:`p_k`:

    .. math:: \tilde r_{sk} = (w_{sk} + m\,p_k) / (c_{sk} + m)

    A segment-stage with fewer than ``max(min_sample, 1)`` closed passes uses
    :math:`p_k` (``source="pooled"``); if the pooled sample is that small
    too, the pipeline's stage probability is used (``source="default"``).

    Parameters
    ----------
    history : sequence of Opportunity, DataFrame, or FunnelCounts
        Opportunity models with their ``history``; or a stage-change frame
        (the :data:`~salescore.frames.STAGE_CHANGES` contract) together with
        ``opportunities``; or :class:`~salescore.funnel.FunnelCounts` counted
        with history (e.g. partials summed across partitions), or with the
        snapshot inference when every lost deal's stage at loss was given. Both data
        paths count with :func:`~salescore.funnel.funnel_counts_frame`, so
        they agree. Amounts and currencies are ignored.
    pipeline : Pipeline
        The stages; it needs at least one open stage.
    opportunities : DataFrame, optional
        With a stage-change frame: the deals (``id``, ``stage``,
        ``created_on``, ``owner_id`` and the ``by`` columns are used; every
        change needs its deal, and a history must end in the deal's current
        stage).
    by : str or iterable of str, optional
        Segment columns of the opportunities (any column; missing values form
        their own segment). With FunnelCounts, the counts' keys are used.
    smoothing : float
        Pseudo-count :math:`m` of the shrinkage towards the pooled rate
        [deals]; 0 keeps the raw segment rate.
    min_sample : int
        Fewest closed passes for a segment's (or the pooled) rate to be used
        [count].
    reopen : {"continue", "new_pass"}
        Whether a deal reopened after closing continues its pass or starts a
        new one (as in the funnel).

    Returns
    -------
    StageWinRates

    Raises
    ------
    MissingHistoryError
        Opportunity models none of which has a history, an empty stage-change
        frame for a non-empty opportunities frame, or snapshot counts with
        lost deals whose stage at loss is unknown: a win rate after the first
        stage cannot be learned from them (it would read 1.0).
    InvalidInputError
        Bad options, a missing segment column, stage changes of unknown
        opportunities, or counts that do not match the pipeline.
    FrameValidationError
        A frame breaks its contract or names a stage not in the pipeline.

    Examples
    --------
    >>> from salescore import datasets
    >>> from salescore.frames import history_frame, to_frame
    >>> pipeline = datasets.pipeline()
    >>> deals = datasets.opportunities(pipeline)
    >>> rates = stage_win_rates(history_frame(deals), pipeline, opportunities=to_frame(deals),
    ...                         by="owner_id", smoothing=10, min_sample=5)
    >>> rates.table.loc[rates.table["owner_id"] == "R3",
    ...                 ["stage", "reached_closed", "won", "raw_rate", "rate", "source"]].round(3)
              stage  reached_closed  won  raw_rate   rate  source
    6       Qualify               3    2     0.667  0.391  pooled
    7      Proposal               3    2     0.667  0.474  pooled
    8   Negotiation               3    2     0.667  0.500  pooled
    """
    m, floor = _check_options(smoothing, min_sample)
    keys = _keys(by)
    counts = _counts_of(history, pipeline, opportunities, keys, reopen)
    keys = counts.keys
    segments, closed, won = _closed_arrays(counts)
    stages = counts.stages
    n_stages = len(stages)
    default = np.array([pipeline[s].probability for s in stages], dtype=np.float64)
    need = max(floor, 1)

    pooled_closed = closed.sum(axis=0)
    pooled_won = won.sum(axis=0)
    pooled_rate = _ratio(pooled_won, pooled_closed)
    pooled_ok = pooled_closed >= need
    pooled_final = np.where(pooled_ok, pooled_rate, default)
    pooled_source = np.where(pooled_ok, "pooled", "default").astype(object)
    pooled = pd.DataFrame(
        {
            "stage": np.asarray(stages, dtype=object),
            "reached_closed": pooled_closed,
            "won": pooled_won,
            "raw_rate": pooled_rate,
            "pooled_rate": pooled_rate,
            "smoothed_rate": pooled_rate,
            "rate": pooled_final,
            "source": pooled_source,
        }
    )
    if not keys:
        return StageWinRates(pooled, pooled.copy(), keys, m, floor, counts)

    g = len(segments)
    raw = _ratio(won, closed)
    p = np.broadcast_to(pooled_rate, (g, n_stages))
    with np.errstate(invalid="ignore"):
        smoothed = _ratio(won + m * np.nan_to_num(p), closed + m)
    smoothed = np.where(np.isnan(p), np.nan, smoothed)
    use_segment = closed >= need
    rate = np.where(use_segment, smoothed, np.broadcast_to(pooled_final, (g, n_stages)))
    source = np.where(use_segment, "segment", np.broadcast_to(pooled_source, (g, n_stages))).astype(
        object
    )
    table = segments.loc[np.repeat(np.arange(g), n_stages)].reset_index(drop=True)
    table = table.assign(
        stage=np.tile(np.asarray(stages, dtype=object), g),
        reached_closed=closed.ravel(),
        won=won.ravel(),
        raw_rate=raw.ravel(),
        pooled_rate=p.ravel(),
        smoothed_rate=smoothed.ravel(),
        rate=rate.ravel(),
        source=source.ravel(),
    )
    return StageWinRates(table, pooled, keys, m, floor, counts)


# --------------------------------------------------------------------------- naive Bayes
