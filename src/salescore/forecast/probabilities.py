r"""Learned win probabilities: stage win rates from history and a naive-Bayes deal scorer.

**Stage win rates.** For each open stage :math:`k`, the share of *closed*
passes through the funnel that were won among those that reached :math:`k`:

.. math:: r_k = \frac{w_k}{c_k}, \qquad c_k = w_k + \ell_{\ge k}

where :math:`w_k` is the number of won passes (a won pass reached every open
stage) and :math:`\ell_{\ge k}` the number of lost passes whose furthest open
stage is :math:`k` or later. "Reached" is the funnel's definition
(:mod:`salescore.funnel.counts`): a skipped stage counts as passed, and open
deals are left out. The counting *is* the funnel's, via
:func:`~salescore.funnel.funnel_counts_frame`, so the raw rate equals the
funnel report's ``win_rate`` column.

Per segment :math:`s` (``by=``), the rate is shrunk towards the pooled rate
:math:`p_k` of the stage with ``smoothing`` pseudo-deals :math:`m` (the
additive, empirical-Bayes form of a beta prior centred on :math:`p_k`):

.. math:: \tilde r_{sk} = \frac{w_{sk} + m\,p_k}{c_{sk} + m}

which lies between the raw rate :math:`w_{sk}/c_{sk}` and :math:`p_k`;
:math:`m = 0` gives the raw rate and :math:`m \to \infty` the pooled rate.
A segment-stage with fewer than ``min_sample`` closed passes uses the pooled
rate instead (flagged ``source="pooled"``), and a stage whose pooled sample
is that small uses the pipeline's default stage probability
(``source="default"``).

**Naive-Bayes scorer** (after Odoo's predictive lead scoring). From closed
deals with attribute columns and a won/lost outcome, count per attribute
:math:`a` and value :math:`v` the won and lost deals :math:`n_{won}(a, v)`,
:math:`n_{lost}(a, v)`. With :math:`N_{won}`, :math:`N_{lost}` the class
sizes, :math:`K_a` the number of distinct values of :math:`a` seen (a missing
value is a value of its own) and additive (Laplace) smoothing
:math:`\alpha \ge 0`:

.. math::

    p(v \mid c) = \frac{n_c(a, v) + \alpha}{N_c + \alpha K_a}, \qquad
    P(c) = \frac{N_c}{N_{won} + N_{lost}}

    P(won \mid x) = \frac{P(won) \prod_a p(x_a \mid won)}
        {P(won) \prod_a p(x_a \mid won) + P(lost) \prod_a p(x_a \mid lost)}

computed in log space. A value never seen in training (for that attribute)
carries no evidence: its attribute is left out of both products. With
:math:`\alpha = 0` a value seen only in one class rules the other out; a deal
ruled out of both classes scores NaN. The counts (:class:`AttributeCounts`)
add across partitions, so a scorer can be fitted per partition and pooled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore.errors import InvalidInputError, MissingHistoryError
from salescore.frames import history_frame, to_frame
from salescore.funnel import FunnelCounts, funnel_counts_frame
from salescore.models import Opportunity, Pipeline, check_opportunities
from salescore.serialization import Result

__all__ = [
    "AttributeCounts",
    "NaiveBayesScorer",
    "StageWinRates",
    "attribute_counts",
    "closed_outcomes",
    "stage_win_rates",
    "win_rate_counts",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
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
#: Columns of :attr:`AttributeCounts.table`.
COUNT_COLUMNS: Final = ("attribute", "value", "won", "lost")

# A placeholder currency: win rates count deals, so amounts and currencies are ignored.
_NO_CURRENCY: Final = "USD"


# --------------------------------------------------------------------------- stage win rates


def _ratio(num: npt.ArrayLike, den: npt.ArrayLike) -> FloatArray:
    """``num / den`` with NaN where ``den`` is 0."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    out: FloatArray = np.where(d > 0, n / np.where(d > 0, d, 1.0), np.nan)
    return out


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


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
    >>> from salescore._tour.foundation import tour_opportunities, tour_pipeline
    >>> pipeline = tour_pipeline()
    >>> rates = stage_win_rates(tour_opportunities(pipeline), pipeline, min_sample=5)
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
        >>> from salescore._tour.foundation import tour_opportunities, tour_pipeline
        >>> pipeline = tour_pipeline()
        >>> rates = stage_win_rates(tour_opportunities(pipeline), pipeline, by="owner_id",
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
        >>> from salescore._tour.foundation import tour_opportunities, tour_pipeline
        >>> pipeline = tour_pipeline()
        >>> rates = stage_win_rates(tour_opportunities(pipeline), pipeline, by="owner_id",
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
    >>> from salescore._tour.foundation import tour_opportunities, tour_pipeline
    >>> from salescore.frames import history_frame, to_frame
    >>> pipeline = tour_pipeline()
    >>> deals = tour_opportunities(pipeline)
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


def _frame(data: object, what: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(f"{what} must be a DataFrame, got {type(data).__name__}")
    return data


def _attributes(attributes: str | Iterable[str], frame: pd.DataFrame, what: str) -> tuple[str, ...]:
    names = (attributes,) if isinstance(attributes, str) else tuple(attributes)
    if not names:
        raise InvalidInputError("attributes is empty; name at least one attribute column")
    if len(set(names)) != len(names):
        raise InvalidInputError(f"attributes {list(names)!r} must be distinct")
    missing = [a for a in names if a not in frame.columns]
    if missing:
        raise InvalidInputError(
            f"attribute column {missing[0]!r} is not in the {what} frame; columns: "
            f"{', '.join(map(str, frame.columns))}"
        )
    return names


def _outcome(frame: pd.DataFrame, outcome: str) -> npt.NDArray[np.bool_]:
    if outcome not in frame.columns:
        raise InvalidInputError(
            f"outcome column {outcome!r} is not in the closed-deals frame; columns: "
            f"{', '.join(map(str, frame.columns))}"
        )
    column = frame[outcome]
    null = column.isna().to_numpy(dtype=bool)
    if null.any():
        raise InvalidInputError(
            f"outcome column {outcome!r} has {int(null.sum())} missing values (first at row "
            f"{frame.index[int(np.flatnonzero(null)[0])]!r}); every closed deal is won or lost"
        )
    if pd.api.types.is_bool_dtype(column.dtype):
        flags: npt.NDArray[np.bool_] = column.to_numpy(dtype=bool)
        return flags
    if pd.api.types.is_numeric_dtype(column.dtype):
        values = column.to_numpy(dtype=np.float64)
        bad = (values != 0) & (values != 1)
        if not bad.any():
            won: npt.NDArray[np.bool_] = values == 1
            return won
        first = int(np.flatnonzero(bad)[0])
    else:
        ok = np.array([isinstance(v, bool | np.bool_) for v in column.to_numpy()], dtype=bool)
        if ok.all():
            given: npt.NDArray[np.bool_] = column.to_numpy(dtype=bool)
            return given
        first = int(np.flatnonzero(~ok)[0])
    value = column.to_numpy(dtype=object)[first]
    raise InvalidInputError(
        f"outcome {value!r} at row {frame.index[first]!r} is not True/False (or 1/0): "
        "True for won, False for lost"
    )


def _codes(column: pd.Series[Any]) -> tuple[IntArray, npt.NDArray[np.object_]]:
    """Codes of a column's values and the distinct values; every kind of missing is one value.

    One hash pass over the column in its own dtype (fast for strings and
    categoricals); missing values (None, NaN, NaT, NA) get one extra code,
    whose value is NaN.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    values = np.asarray(uniques, dtype=object)
    missing = codes < 0
    if missing.any():
        codes = np.where(missing, len(values), codes)
        values = np.append(values, np.array([np.nan], dtype=object))
    return np.asarray(codes, dtype=np.int64), values


def _lookup(values: npt.NDArray[np.object_], column: pd.Series[Any]) -> IntArray:
    """Position of each entry of ``column`` in ``values`` (-1 if absent; missing matches NaN)."""
    missing_value = np.asarray(pd.isna(values), dtype=bool)
    present = np.flatnonzero(~missing_value)
    out = np.full(len(column), -1, dtype=np.int64)
    if len(present):
        at = pd.Index(values[present]).get_indexer(pd.Index(column))
        out = np.where(at >= 0, present[np.maximum(at, 0)], -1).astype(np.int64)
    missing = column.isna().to_numpy(dtype=bool)
    if missing.any():
        out[missing] = int(np.flatnonzero(missing_value)[0]) if missing_value.any() else -1
    return out


@dataclass(frozen=True, eq=False)
class AttributeCounts(Result):
    """Won and lost deals per attribute value: the mergeable partial of the scorer.

    ``attribute_counts(a) + attribute_counts(b) == attribute_counts(a ∪ b)``
    (rows of ``a`` and ``b`` disjoint), so counting runs per partition.

    Attributes
    ----------
    attributes : tuple of str
        The attribute columns, in order.
    won, lost : int
        Closed deals won and lost [count].
    table : pandas.DataFrame
        ``attribute``, ``value`` (as given; a missing value is NaN),
        ``won``, ``lost`` [count]: one row per attribute and distinct value,
        in attribute order then first appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> closed = pd.DataFrame({"channel": ["web", "web", "partner"], "won": [True, False, True]})
    >>> counts = attribute_counts(closed, "channel")
    >>> counts.won, counts.lost
    (2, 1)
    >>> counts.table
      attribute    value  won  lost
    0   channel      web    1     1
    1   channel  partner    1     0
    >>> (attribute_counts(closed[:1], "channel") + attribute_counts(closed[1:], "channel")
    ...  == counts)
    True
    """

    attributes: tuple[str, ...]
    won: int
    lost: int
    table: pd.DataFrame

    def __add__(self, other: object) -> AttributeCounts:
        if not isinstance(other, AttributeCounts):
            return NotImplemented
        if other.attributes != self.attributes:
            raise InvalidInputError(
                f"cannot add counts of attributes {list(other.attributes)!r} to counts of "
                f"{list(self.attributes)!r}; both must match"
            )
        both = pd.concat([self.table, other.table], ignore_index=True)
        summed = both.groupby(["attribute", "value"], sort=False, dropna=False)[
            ["won", "lost"]
        ].sum()
        table = summed.reset_index()
        rank = table["attribute"].map({a: i for i, a in enumerate(self.attributes)})
        order = np.argsort(rank.to_numpy(dtype=np.int64), kind="stable")
        table = table.iloc[order].reset_index(drop=True)
        return AttributeCounts(
            self.attributes, self.won + other.won, self.lost + other.lost, _typed(table)
        )

    def __radd__(self, other: object) -> AttributeCounts:
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented

    def __eq__(self, other: object) -> bool:
        """Same attributes, class sizes and per-value counts (row order ignored)."""
        if not isinstance(other, AttributeCounts):
            return NotImplemented
        if (self.attributes, self.won, self.lost) != (other.attributes, other.won, other.lost):
            return False

        def canonical(t: pd.DataFrame) -> dict[tuple[object, object], tuple[int, int]]:
            return {
                (a, "<missing>" if _is_missing(v) else v): (int(w), int(n))
                for a, v, w, n in zip(t["attribute"], t["value"], t["won"], t["lost"], strict=True)
            }

        return canonical(self.table) == canonical(other.table)

    __hash__ = None  # type: ignore[assignment]


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "attribute": table["attribute"].to_numpy(dtype=object),
            "value": table["value"].to_numpy(dtype=object),
            "won": table["won"].to_numpy(dtype=np.int64),
            "lost": table["lost"].to_numpy(dtype=np.int64),
        }
    )


def closed_outcomes(
    opportunities: Sequence[Opportunity] | pd.DataFrame,
    pipeline: Pipeline,
    *,
    outcome: str = "won",
) -> pd.DataFrame:
    """The closed deals of a list or frame of opportunities, with their outcome column added.

    The training frame for :func:`attribute_counts` and
    :meth:`NaiveBayesScorer.fit` from Opportunity models (single-object
    path) or an :data:`~salescore.frames.OPPORTUNITIES` frame (bulk path):
    the rows whose stage is won or lost, every column kept, plus
    ``outcome`` (True for a won stage). Open deals are left out by design:
    they have no outcome yet.

    Parameters
    ----------
    opportunities : sequence of Opportunity or DataFrame
        The deals; models become their frame with
        :func:`~salescore.frames.to_frame`. A frame is not mutated and keeps
        its index.
    pipeline : Pipeline
        Which stages are won and lost.
    outcome : str
        Name of the added column.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InvalidInputError
        No ``stage`` column, a stage not in the pipeline, or ``outcome``
        already a column.

    Examples
    --------
    >>> from salescore._tour.foundation import tour_opportunities, tour_pipeline
    >>> pipeline = tour_pipeline()
    >>> closed = closed_outcomes(tour_opportunities(pipeline), pipeline)
    >>> len(closed), int(closed["won"].sum())
    (23, 9)
    >>> scorer = NaiveBayesScorer.fit(closed, ["owner_id", "channel_id"])
    >>> round(scorer.prior, 4)
    0.3913
    """
    if isinstance(opportunities, pd.DataFrame):
        frame = opportunities
    else:
        deals = list(opportunities)
        check_opportunities(deals, pipeline)
        frame = to_frame(deals, model=Opportunity)
    if "stage" not in frame.columns:
        raise InvalidInputError("the opportunities frame has no 'stage' column")
    if outcome in frame.columns:
        raise InvalidInputError(
            f"column {outcome!r} is already in the opportunities frame; choose another outcome="
        )
    kinds = {s.name: s.kind for s in pipeline.stages}
    known = frame["stage"].isin(list(kinds)).to_numpy(dtype=bool)
    if not known.all():
        first = frame["stage"].to_numpy(dtype=object)[int(np.flatnonzero(~known)[0])]
        raise InvalidInputError(
            f"stage {first!r} is not in the pipeline; known stages: {', '.join(pipeline.names)}"
        )
    won_names = [s.name for s in pipeline.won_stages]
    closed_names = [s.name for s in pipeline.stages if s.is_closed]
    keep = frame["stage"].isin(closed_names).to_numpy(dtype=bool)
    closed = frame.loc[keep]
    return closed.assign(**{outcome: closed["stage"].isin(won_names).to_numpy(dtype=bool)})


def attribute_counts(
    closed: pd.DataFrame, attributes: str | Iterable[str], *, outcome: str = "won"
) -> AttributeCounts:
    """Count won and lost closed deals per attribute value (vectorised, mergeable).

    Parameters
    ----------
    closed : pandas.DataFrame
        Closed deals, one per row: the attribute columns and ``outcome``.
        Not mutated.
    attributes : str or iterable of str
        Attribute columns (any hashable values; a missing value counts as a
        value of its own).
    outcome : str
        Column of booleans (or 1/0): True for won, False for lost. A missing
        outcome raises: no row is dropped.

    Returns
    -------
    AttributeCounts

    Raises
    ------
    InvalidInputError
        Missing columns, no attributes, or an outcome that is not True/False.

    Examples
    --------
    >>> import pandas as pd
    >>> closed = pd.DataFrame({"source": ["ad", "ad", "referral"], "won": [1, 0, 1]})
    >>> attribute_counts(closed, ["source"]).table[["value", "won", "lost"]].values.tolist()
    [['ad', 1, 1], ['referral', 1, 0]]
    """
    frame = _frame(closed, "closed")
    names = _attributes(attributes, frame, "closed-deals")
    won = _outcome(frame, outcome)
    n_won = int(won.sum())
    parts: list[pd.DataFrame] = []
    for name in names:
        codes, uniques = _codes(frame[name])
        k = len(uniques)
        total = np.bincount(codes, minlength=k).astype(np.int64)
        wins = np.bincount(codes[won], minlength=k).astype(np.int64)
        parts.append(
            pd.DataFrame(
                {
                    "attribute": np.full(k, name, dtype=object),
                    "value": np.asarray(uniques, dtype=object),
                    "won": wins,
                    "lost": total - wins,
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    return AttributeCounts(names, n_won, len(frame) - n_won, _typed(table))


@dataclass(frozen=True, eq=False)
class NaiveBayesScorer(Result):
    r"""Naive-Bayes win probability of open deals from their attributes (Odoo-style).

    .. math::

        p(v \mid c) = \frac{n_c(a, v) + \alpha}{N_c + \alpha K_a}, \qquad
        P(won \mid x) = \frac{P(won) \prod_a p(x_a \mid won)}{\sum_{c} P(c) \prod_a p(x_a \mid c)}

    with :math:`P(c) = N_c / N`, :math:`K_a` the distinct values of
    attribute :math:`a` seen in training (missing is a value), computed in
    log space. An unseen value is left out of both products (no evidence).

    Build it with :meth:`fit` or :meth:`from_counts`.

    Attributes
    ----------
    counts : AttributeCounts
        The counts it was estimated from.
    alpha : float
        Additive smoothing :math:`\alpha` [pseudo-deals per value].
    likelihoods : pandas.DataFrame
        ``attribute``, ``value``, ``won``, ``lost`` [count], ``p_won`` and
        ``p_lost`` (:math:`p(v \mid won)`, :math:`p(v \mid lost)`)
        [fraction], ``log_odds`` (their log ratio, the evidence the value
        adds) [nats].
    prior : float
        :math:`P(won) = N_{won} / N` [fraction].

    Examples
    --------
    >>> import pandas as pd
    >>> closed = pd.DataFrame({"channel": ["web", "web", "web", "partner", "partner"],
    ...                        "size": ["S", "L", "S", "L", "L"],
    ...                        "won": [True, False, False, True, True]})
    >>> scorer = NaiveBayesScorer.fit(closed, ["channel", "size"], alpha=1.0)
    >>> open_deals = pd.DataFrame({"channel": ["web", "partner", "email"],
    ...                            "size": ["S", "L", "L"]}, index=["D7", "D8", "D9"])
    >>> scorer.score(open_deals).round(4)
    D7    0.3902
    D8    0.8120
    D9    0.6429
    Name: win_probability, dtype: float64

    By hand for D7 (web, S), with :math:`N_{won} = 3`, :math:`N_{lost} = 2`
    and :math:`K = 2` values per attribute: won side
    :math:`\tfrac35 \cdot \tfrac{1+1}{3+2} \cdot \tfrac{1+1}{3+2} = 0.096`, lost
    side :math:`\tfrac25 \cdot \tfrac{2+1}{2+2} \cdot \tfrac{1+1}{2+2} = 0.15`,
    score :math:`0.096 / (0.096 + 0.15) = 0.3902`. D9's ``email`` was never
    seen, so only its size counts.
    """

    counts: AttributeCounts
    alpha: float
    likelihoods: pd.DataFrame
    prior: float

    @classmethod
    def fit(
        cls,
        closed: pd.DataFrame,
        attributes: str | Iterable[str],
        *,
        outcome: str = "won",
        alpha: float = 1.0,
    ) -> NaiveBayesScorer:
        """Fit on closed deals: :func:`attribute_counts`, then :meth:`from_counts`.

        Parameters
        ----------
        closed : pandas.DataFrame
            Closed deals with the attribute columns and ``outcome``.
        attributes : str or iterable of str
            Attribute columns.
        outcome : str
            Column: True (or 1) for won, False (or 0) for lost.
        alpha : float
            Laplace pseudo-count per value, >= 0.

        Returns
        -------
        NaiveBayesScorer

        Examples
        --------
        >>> import pandas as pd
        >>> closed = pd.DataFrame({"channel": ["web", "partner"], "won": [False, True]})
        >>> NaiveBayesScorer.fit(closed, "channel").prior
        0.5
        """
        return cls.from_counts(attribute_counts(closed, attributes, outcome=outcome), alpha=alpha)

    @classmethod
    def from_counts(cls, counts: AttributeCounts, *, alpha: float = 1.0) -> NaiveBayesScorer:
        r"""Build the scorer from (possibly pooled) :class:`AttributeCounts`.

        Raises
        ------
        InvalidInputError
            ``alpha`` is negative or not finite, or the counts hold no deal.

        Examples
        --------
        >>> import pandas as pd
        >>> closed = pd.DataFrame({"channel": ["web", "web", "partner"],
        ...                        "won": [True, False, True]})
        >>> parts = attribute_counts(closed[:2], "channel") + attribute_counts(
        ...     closed[2:], "channel")
        >>> s = NaiveBayesScorer.from_counts(parts, alpha=0.0)
        >>> s.likelihoods[["value", "p_won", "p_lost"]].values.tolist()
        [['web', 0.5, 1.0], ['partner', 0.5, 0.0]]
        """
        if not isinstance(counts, AttributeCounts):
            raise InvalidInputError(f"counts must be AttributeCounts, got {type(counts).__name__}")
        if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.number):
            raise InvalidInputError(f"alpha {alpha!r} must be a number >= 0")
        a = float(alpha)
        if not (math.isfinite(a) and a >= 0.0):
            raise InvalidInputError(f"alpha {alpha!r} must be a finite number >= 0")
        n = counts.won + counts.lost
        if n == 0:
            raise InvalidInputError("no closed deal to learn from; fit needs at least one")
        table = counts.table
        k = table.groupby("attribute", sort=False)["value"].transform("size")
        k_arr = k.to_numpy(dtype=np.float64)
        won = table["won"].to_numpy(dtype=np.float64)
        lost = table["lost"].to_numpy(dtype=np.float64)
        # A class without deals (only possible with alpha = 0 here) has p = 0:
        # its prior is 0 anyway.
        p_won = np.nan_to_num(_ratio(won + a, counts.won + a * k_arr), nan=0.0)
        p_lost = np.nan_to_num(_ratio(lost + a, counts.lost + a * k_arr), nan=0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_odds = np.log(p_won) - np.log(p_lost)
        likelihoods = table.assign(p_won=p_won, p_lost=p_lost, log_odds=log_odds)
        return cls(counts, a, likelihoods, counts.won / n)

    def _log_joint(self, deals: pd.DataFrame) -> tuple[FloatArray, FloatArray]:
        """Per deal: log P(won) + Σ log p(x_a | won), and the same for lost."""
        n = len(deals)
        with np.errstate(divide="ignore"):
            log_won = np.full(n, math.log(self.counts.won) if self.counts.won else -math.inf)
            log_lost = np.full(n, math.log(self.counts.lost) if self.counts.lost else -math.inf)
        log_won -= math.log(self.counts.won + self.counts.lost)
        log_lost -= math.log(self.counts.won + self.counts.lost)
        table = self.likelihoods
        for name, part in table.groupby("attribute", sort=False):
            at = _lookup(part["value"].to_numpy(dtype=object), deals[str(name)])
            seen = at >= 0
            with np.errstate(divide="ignore"):
                lw = np.log(part["p_won"].to_numpy(dtype=np.float64))
                ll = np.log(part["p_lost"].to_numpy(dtype=np.float64))
            log_won += np.where(seen, lw[np.maximum(at, 0)], 0.0)
            log_lost += np.where(seen, ll[np.maximum(at, 0)], 0.0)
        return log_won, log_lost

    def score(self, deals: pd.DataFrame) -> pd.Series[float]:
        """P(won | attributes) of each deal, vectorised; the index is kept.

        Parameters
        ----------
        deals : pandas.DataFrame
            Deals with every attribute column (other columns are ignored).
            Not mutated.

        Returns
        -------
        pandas.Series
            ``win_probability`` [fraction], NaN only when ``alpha = 0`` rules
            a deal out of both classes.

        Raises
        ------
        InvalidInputError
            ``deals`` lacks an attribute column.

        Examples
        --------
        >>> import pandas as pd
        >>> closed = pd.DataFrame({"channel": ["web", "web", "partner"],
        ...                        "won": [True, False, True]})
        >>> s = NaiveBayesScorer.fit(closed, "channel", alpha=0.0)
        >>> s.score(pd.DataFrame({"channel": ["web", "partner", "fax"]})).tolist()
        [0.5, 1.0, 0.6666666666666666]
        """
        frame = _frame(deals, "deals")
        _attributes(self.counts.attributes, frame, "deals")
        log_won, log_lost = self._log_joint(frame)
        with np.errstate(invalid="ignore"):
            score = np.exp(log_won - np.logaddexp(log_won, log_lost))
        return pd.Series(score, index=frame.index, name="win_probability", dtype=np.float64)
