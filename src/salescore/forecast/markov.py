r"""A discrete-time Markov chain of the pipeline, fitted from stage histories.

A deal's stage is looked at every ``step`` (a day, a week, a month) from the
moment of its first recorded change. Between two looks it may stay, advance,
skip stages, regress, win or lose; the chain's transition matrix :math:`P`
holds the share of looks at stage :math:`i` that were followed, one step
later, by a look at stage :math:`j`:

.. math:: P_{ij} = \frac{c_{ij} + \alpha}{\sum_k (c_{ik} + \alpha)}

with :math:`c_{ij}` the counted transitions and :math:`\alpha` optional
additive smoothing (open stages only). Won and lost stages are absorbing
(:math:`P_{ii} = 1`). Writing :math:`Q` for the open-to-open block and
:math:`R` for the open-to-closed block, the fundamental matrix
:math:`N = (I - Q)^{-1}` gives the absorption probabilities :math:`B = N R`
(the eventual win probability of a stage is the sum of its won columns), the
expected number of steps to absorption :math:`t = N \mathbf{1}`, and
:math:`(P^h)_{ij}` the probability of being in stage :math:`j` after
:math:`h` steps, so the probability of having won within :math:`h` steps is
the sum of the won columns of :math:`P^h`.

Counting (:func:`transition_counts`) gives a mergeable
:class:`TransitionCounts`: counts of disjoint sets of deals add up, so a
chain can be fitted per partition and pooled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._names import as_names
from salescore.calendar import Period
from salescore.errors import InvalidInputError, MissingHistoryError
from salescore.forecast._deals import opportunities_frame, stage_codes
from salescore.frames import (
    STAGE_CHANGES,
    history_frame,
    to_frame,
    validate_frame,
)
from salescore.models import Opportunity, Pipeline, StageChange, StageKind
from salescore.serialization import Result

__all__ = ["STEPS", "MarkovModel", "TransitionCounts", "step_length", "transition_counts"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

Step = Literal["day", "week", "month"] | timedelta

#: Named steps. A month is the mean Gregorian month, 365.2425 / 12 days.
STEPS: Final = {
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(seconds=2_629_746),
}

_US: Final = timedelta(microseconds=1)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def step_length(step: object) -> timedelta:
    """The length of ``step``: ``"day"``, ``"week"``, ``"month"`` or a positive timedelta.

    Examples
    --------
    >>> step_length("week"), step_length("month").total_seconds() / 86400
    (datetime.timedelta(days=7), 30.436875)
    >>> step_length("fortnight")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: step 'fortnight' is not one of day, week, month or a ...
    """
    if isinstance(step, timedelta):
        if step <= timedelta(0):
            raise InvalidInputError(f"step {step!r} must be a positive timedelta")
        return step
    if isinstance(step, str) and step in STEPS:
        return STEPS[step]
    raise InvalidInputError(
        f"step {step!r} is not one of day, week, month or a positive datetime.timedelta"
    )


def _step_us(step: timedelta) -> int:
    return max(1, step // _US)


def _as_of_us(as_of: datetime | date) -> int:
    if isinstance(as_of, datetime):
        if as_of.tzinfo is None or as_of.utcoffset() is None:
            raise InvalidInputError(
                f"as_of {as_of.isoformat()} is a naive datetime; give a timezone-aware one"
            )
        return (as_of - _EPOCH) // _US
    if isinstance(as_of, date):
        return (datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) - _EPOCH) // _US
    raise InvalidInputError(f"as_of {as_of!r} is not a date or a timezone-aware datetime")


# --------------------------------------------------------------------------- counting
@dataclass(frozen=True, eq=False)
class TransitionCounts(Result):
    """Counted one-step transitions between the stages of a pipeline (a mergeable partial).

    Attributes
    ----------
    stages : tuple of str
        Stage names in pipeline order; rows and columns of ``counts``.
    step : timedelta
        The time step the deals were looked at.
    counts : numpy.ndarray
        ``counts[i, j]`` [count]: looks at stage ``i`` followed one step later
        by a look at stage ``j`` (``i == j``: stayed). Rows of closed stages
        are zero: a deal is not followed past its first won or lost stage.
    deals : int
        Deals that contributed [count].

    Examples
    --------
    >>> import numpy as np
    >>> a = TransitionCounts(("Open", "Won", "Lost"), timedelta(weeks=1),
    ...                      np.array([[3, 1, 1], [0, 0, 0], [0, 0, 0]]), 2)
    >>> (a + a).counts[0].tolist(), (a + a).deals
    ([6, 2, 2], 4)
    """

    stages: tuple[str, ...]
    step: timedelta
    counts: IntArray
    deals: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", as_names(self.stages, what="transition count stages"))
        counts = np.asarray(self.counts, dtype=np.int64)
        size = len(self.stages)
        if counts.shape != (size, size):
            raise InvalidInputError(
                f"transition counts of shape {counts.shape} do not match {size} stages"
            )
        if (counts < 0).any():
            raise InvalidInputError("transition counts must be >= 0")
        counts.setflags(write=False)
        object.__setattr__(self, "counts", counts)

    def __add__(self, other: TransitionCounts) -> TransitionCounts:
        if not isinstance(other, TransitionCounts):
            return NotImplemented
        if other.stages != self.stages or other.step != self.step:
            raise InvalidInputError(
                f"cannot add transition counts over stages {other.stages} per {other.step} "
                f"to counts over stages {self.stages} per {self.step}; both must match"
            )
        return TransitionCounts(
            self.stages, self.step, self.counts + other.counts, self.deals + other.deals
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TransitionCounts):
            return NotImplemented
        return (
            self.stages == other.stages
            and self.step == other.step
            and self.deals == other.deals
            and bool(np.array_equal(self.counts, other.counts))
        )

    __hash__ = None  # type: ignore[assignment]

    def frame(self) -> pd.DataFrame:
        """``counts`` as a DataFrame: rows ``from_stage``, columns ``to_stage`` [count]."""
        return pd.DataFrame(
            self.counts,
            index=pd.Index(self.stages, name="from_stage"),
            columns=pd.Index(self.stages, name="to_stage"),
        )


def _changes_frame(
    stage_changes: pd.DataFrame | Sequence[StageChange] | Sequence[Opportunity],
) -> pd.DataFrame:
    if isinstance(stage_changes, pd.DataFrame):
        return validate_frame(stage_changes, STAGE_CHANGES)
    if not isinstance(stage_changes, Sequence):
        raise InvalidInputError(
            "stage_changes must be a STAGE_CHANGES DataFrame or a sequence of StageChange "
            f"or Opportunity models, got {type(stage_changes).__name__}"
        )
    items = list(stage_changes)
    if items and all(isinstance(i, Opportunity) for i in items):
        deals = [i for i in items if isinstance(i, Opportunity)]
        if not any(d.history for d in deals):
            raise MissingHistoryError(
                f"none of the {len(deals)} opportunities has a stage history; a Markov chain "
                "is learned from stage changes: give the deals their history or pass a "
                "STAGE_CHANGES frame"
            )
        return history_frame(deals)
    if all(isinstance(i, StageChange) for i in items):
        return to_frame(items, model=StageChange)
    kinds = sorted({type(i).__name__ for i in items})
    raise InvalidInputError(
        f"stage_changes holds {', '.join(kinds)}; give StageChange or Opportunity models"
    )


def _sorted_within(deal: IntArray, at_us: IntArray) -> bool:
    """Whether ``at_us`` is non-decreasing within each run of equal ``deal``."""
    back = at_us[1:] < at_us[:-1]
    return not bool((back & (deal[1:] == deal[:-1])).any())


def _deal_time_order(deal: IntArray, at_us: IntArray) -> IntArray | None:
    """A stable order by (deal, time), or ``None`` if the rows are already in it.

    Exports come grouped by deal or sorted by time; both are cheap to detect
    and a full two-key sort is only paid for when neither holds. Equal times
    keep their input order.
    """
    if not bool((deal[1:] < deal[:-1]).any()) and _sorted_within(deal, at_us):
        return None
    order = np.argsort(deal, kind="stable")
    if _sorted_within(deal[order], at_us[order]):
        return order
    return np.lexsort((at_us, deal))


def _count_kernel(
    deal: IntArray,
    at_us: IntArray,
    stage: IntArray,
    closed: BoolArray,
    step_us: int,
    as_of_us: int,
) -> tuple[IntArray, int]:
    """Count one-step transitions of deals looked at every ``step_us`` from their first change.

    ``deal``, ``at_us`` and ``stage`` are one row per change (any order);
    ``closed[s]`` says whether stage code ``s`` is won or lost. Returns the
    ``(S, S)`` count matrix and the number of deals.
    """
    size = len(closed)
    known = at_us <= as_of_us  # changes after as_of are not known yet at as_of
    deal, at_us, stage = deal[known], at_us[known], stage[known]
    if len(deal) == 0:
        return np.zeros((size, size), np.int64), 0
    order = _deal_time_order(deal, at_us)
    if order is not None:
        deal, at_us, stage = deal[order], at_us[order], stage[order]
    first = np.empty(len(deal), bool)
    first[0] = True
    np.not_equal(deal[1:], deal[:-1], out=first[1:])
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    # Follow each deal up to its first won or lost stage: closed stages absorb.
    is_closed = closed[stage].astype(np.int64)
    before = np.cumsum(is_closed) - is_closed
    keep = before == before[starts][group]
    at_us, stage, first = at_us[keep], stage[keep], first[keep]
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    rows = len(stage)
    t0 = at_us[starts][group]
    # Look k (k = 0, 1, ...) is at t0 + k*step; change i is first seen at look a_i.
    look = -((t0 - at_us) // step_us)
    last = np.empty(rows, bool)
    last[:-1] = first[1:]
    last[-1] = True
    upto = np.empty(rows, np.int64)
    upto[:-1] = look[1:]
    upto[last] = (as_of_us - t0[last]) // step_us + 1  # open at as_of: seen until then
    seen = np.maximum(upto - look, 0)
    ends = closed[stage]
    seen[ends] = 1
    observed = seen >= 1
    counts = np.zeros(size * size, np.int64)
    stays = observed & ~ends
    counts += np.bincount(
        stage[stays] * (size + 1), weights=seen[stays] - 1, minlength=size * size
    ).astype(np.int64)
    idx = np.flatnonzero(observed)
    s_obs, g_obs = stage[idx], group[idx]
    same = g_obs[1:] == g_obs[:-1]
    counts += np.bincount(s_obs[:-1][same] * size + s_obs[1:][same], minlength=size * size)
    return counts.reshape(size, size), len(starts)


def transition_counts(
    stage_changes: pd.DataFrame | Sequence[StageChange] | Sequence[Opportunity],
    pipeline: Pipeline,
    *,
    step: Step = "week",
    as_of: datetime | date | None = None,
) -> TransitionCounts:
    r"""Count one-step stage transitions from stage histories.

    Each deal is looked at every ``step`` from its first recorded change
    (looks at :math:`t_0 + k \cdot \text{step}`); its stage at a look is
    the stage entered by its last change at or before it. Consecutive looks
    give one transition each: a stay, an advance, a skip (several moves in
    one step count as one), a regression, a win or a loss. A deal is followed
    until its first won or lost stage (later changes, e.g. a reopening, are
    not part of this absorbing chain) or, if still open, until ``as_of``.

    Parameters
    ----------
    stage_changes : DataFrame, sequence of StageChange, or sequence of Opportunity
        A :data:`~salescore.frames.STAGE_CHANGES` frame (validated first), the
        changes as models, or opportunities whose ``history`` is used.
    pipeline : Pipeline
        Stages; every ``to_stage`` must be one of them (``from_stage`` is not
        used: the stage a deal leaves is the one its previous change entered).
    step : {"day", "week", "month"} or timedelta
        Time between looks (a month is 365.2425 / 12 days).
    as_of : datetime or date, optional
        End of observation; changes after it are not yet known and are not
        used. A date means midnight UTC. Default: the latest ``changed_at``.
        Give it explicitly when counting partitions to pool: counts of
        disjoint sets of deals with the same ``as_of`` add up to the counts
        of their union.

    Returns
    -------
    TransitionCounts

    Raises
    ------
    FrameValidationError
        The frame breaks the STAGE_CHANGES contract.
    UnknownStageError
        A stage is not in the pipeline.
    InvalidInputError
        Bad ``step``, ``as_of`` or input type.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from salescore.models import Pipeline, Stage, StageChange
    >>> p = Pipeline(stages=[Stage(name="Open", order=0, probability=0.5),
    ...                      Stage(name="Won", order=1, probability=1.0, kind="won"),
    ...                      Stage(name="Lost", order=2, probability=0.0, kind="lost")])
    >>> day = lambda d: datetime(2026, 1, d, tzinfo=timezone.utc)
    >>> changes = [StageChange(opportunity_id="A", to_stage="Open", changed_at=day(1)),
    ...            StageChange(opportunity_id="A", from_stage="Open", to_stage="Won",
    ...                        changed_at=day(16))]
    >>> transition_counts(changes, p, step="week").frame()
    to_stage    Open  Won  Lost
    from_stage
    Open           2    1     0
    Won            0    0     0
    Lost           0    0     0
    """
    length = step_length(step)
    frame = _changes_frame(stage_changes)
    stage = stage_codes(frame["to_stage"], pipeline, "to_stage")
    # Factorizing the object ndarray skips pandas' string-array wrapper (~1.7x faster).
    deal = pd.factorize(frame["opportunity_id"].to_numpy(dtype=object))[0].astype(np.int64)
    at_us = np.asarray(frame["changed_at"].array.asi8, dtype=np.int64)
    latest = int(at_us.max()) if len(at_us) else 0
    end = latest if as_of is None else _as_of_us(as_of)
    closed = np.array([s.is_closed for s in pipeline.stages], dtype=bool)
    counts, deals = _count_kernel(deal, at_us, stage, closed, _step_us(length), end)
    return TransitionCounts(pipeline.names, length, counts, deals)


# --------------------------------------------------------------------------- the chain
def _closing_states(q: FloatArray, r: FloatArray) -> BoolArray:
    """Open states from which some closed state can be reached."""
    reach = r.sum(axis=1) > 0
    edges = q > 0
    while True:
        grown = reach | (edges & reach[None, :]).any(axis=1)
        if (grown == reach).all():
            return np.asarray(reach, dtype=np.bool_)
        reach = grown


@dataclass(frozen=True, eq=False)
class MarkovModel(Result):
    """An absorbing Markov chain of a pipeline, per time step.

    Build it with :meth:`fit` (from stage histories) or :meth:`from_counts`.

    Attributes
    ----------
    pipeline : Pipeline
        The stages; won and lost stages absorb.
    counts : TransitionCounts
        The counted transitions the chain was estimated from.
    smoothing : float
        Pseudo-count added to every cell of every open stage's row [count].
    transition : pandas.DataFrame
        :math:`P`: rows ``from_stage``, columns ``to_stage``, each row a
        probability distribution over the next step's stage [fraction].
    absorption : pandas.DataFrame
        :math:`B`: rows every stage, columns the won and lost stages; the
        probability of ending in each [fraction]. A stage from which no deal
        was ever seen to close has zeros (it never closes under the chain).
    win_probability : pandas.Series
        Eventual win probability per stage, the won columns of ``absorption``
        summed [fraction]; 1 for won stages, 0 for lost.
    expected_steps : pandas.Series
        Expected number of steps until won or lost, per stage [steps]; 0 for
        closed stages, ``inf`` for a stage that never closes.

    Examples
    --------
    >>> import numpy as np
    >>> from salescore.models import Pipeline, Stage
    >>> p = Pipeline(stages=[Stage(name="Open", order=0, probability=0.5),
    ...                      Stage(name="Won", order=1, probability=1.0, kind="won"),
    ...                      Stage(name="Lost", order=2, probability=0.0, kind="lost")])
    >>> counts = TransitionCounts(p.names, timedelta(weeks=1),
    ...                           np.array([[2, 1, 1], [0, 0, 0], [0, 0, 0]]), 2)
    >>> m = MarkovModel.from_counts(counts, p)
    >>> m.transition.loc["Open"].tolist()
    [0.5, 0.25, 0.25]
    >>> float(m.win_probability["Open"]), float(m.expected_steps["Open"])
    (0.5, 2.0)
    >>> round(float(m.win_within(2)["Open"]), 4)  # 0.25 + 0.5 * 0.25
    0.375
    """

    pipeline: Pipeline
    counts: TransitionCounts
    smoothing: float
    transition: pd.DataFrame
    absorption: pd.DataFrame
    win_probability: pd.Series[float]
    expected_steps: pd.Series[float]

    @property
    def step(self) -> timedelta:
        """The time step of the chain."""
        return self.counts.step

    @property
    def expected_days(self) -> pd.Series[float]:
        """Expected time until won or lost per stage [days]: ``expected_steps`` x the step."""
        return (self.expected_steps * (self.step / timedelta(days=1))).rename("expected_days")

    @classmethod
    def fit(
        cls,
        stage_changes: pd.DataFrame | Sequence[StageChange] | Sequence[Opportunity],
        pipeline: Pipeline,
        *,
        step: Step = "week",
        as_of: datetime | date | None = None,
        smoothing: float = 0.0,
    ) -> MarkovModel:
        """Estimate the chain from stage histories.

        Counts transitions with :func:`transition_counts` (see there for
        ``stage_changes``, ``step`` and ``as_of``) and builds the chain with
        :meth:`from_counts`.

        Parameters
        ----------
        stage_changes : DataFrame, sequence of StageChange, or sequence of Opportunity
            The histories.
        pipeline : Pipeline
            The stages.
        step : {"day", "week", "month"} or timedelta
            Time step of the chain.
        as_of : datetime or date, optional
            End of observation (default: the latest change).
        smoothing : float
            Pseudo-count added to every cell of each open stage's row [count];
            needed when an open stage was never observed.

        Returns
        -------
        MarkovModel

        Raises
        ------
        MissingHistoryError
            Opportunities none of which has a history (a CRM snapshot): a
            chain cannot be learned from them.

        Examples
        --------
        >>> from salescore import datasets
        >>> pipeline = datasets.pipeline()
        >>> m = MarkovModel.fit(datasets.opportunities(pipeline), pipeline, step="week")
        >>> m.transition.sum(axis=1).round(12).tolist()
        [1.0, 1.0, 1.0, 1.0, 1.0]
        """
        counts = transition_counts(stage_changes, pipeline, step=step, as_of=as_of)
        return cls.from_counts(counts, pipeline, smoothing=smoothing)

    @classmethod
    def from_counts(
        cls, counts: TransitionCounts, pipeline: Pipeline, *, smoothing: float = 0.0
    ) -> MarkovModel:
        r"""Build the chain from counted transitions (e.g. pooled partials).

        Parameters
        ----------
        counts : TransitionCounts
            Over the stages of ``pipeline``.
        pipeline : Pipeline
            The stages.
        smoothing : float
            Pseudo-count :math:`\alpha \ge 0` added to every cell of each open
            stage's row [count].

        Raises
        ------
        InvalidInputError
            Counts over other stages, a negative or non-finite smoothing, or an
            open stage without any observed transition while ``smoothing`` is 0.
        """
        if counts.stages != pipeline.names:
            raise InvalidInputError(
                f"transition counts are over stages {counts.stages}, "
                f"the pipeline has {pipeline.names}"
            )
        if (
            isinstance(smoothing, bool)
            or not isinstance(smoothing, int | float)
            or not math.isfinite(smoothing)
            or smoothing < 0
        ):
            raise InvalidInputError(f"smoothing {smoothing!r} must be a finite number >= 0")
        names = pipeline.names
        is_open = np.array([s.kind is StageKind.OPEN for s in pipeline.stages])
        is_won = np.array([s.kind is StageKind.WON for s in pipeline.stages])
        raw = counts.counts.astype(np.float64)
        raw[is_open] += float(smoothing)
        totals = raw.sum(axis=1)
        empty = [names[i] for i in np.flatnonzero(is_open & (totals == 0))]
        if empty:
            raise InvalidInputError(
                f"open stage(s) {', '.join(repr(e) for e in empty)} have no observed "
                f"transitions per {counts.step}; give more history or smoothing > 0"
            )
        matrix = np.zeros_like(raw)
        matrix[is_open] = raw[is_open] / totals[is_open, None]
        closed_idx = np.flatnonzero(~is_open)
        matrix[closed_idx, closed_idx] = 1.0
        open_idx = np.flatnonzero(is_open)
        q = matrix[np.ix_(open_idx, open_idx)]
        r = matrix[np.ix_(open_idx, closed_idx)]
        closing = _closing_states(q, r)
        b_open = np.zeros_like(r)
        t_open = np.full(len(open_idx), np.inf)
        if closing.any():
            sub = np.eye(int(closing.sum())) - q[np.ix_(closing, closing)]
            b_open[closing] = np.linalg.solve(sub, r[closing])
            t_open[closing] = np.linalg.solve(sub, np.ones(int(closing.sum())))
        absorption = np.zeros((len(names), len(closed_idx)))
        absorption[open_idx] = b_open
        absorption[closed_idx, np.arange(len(closed_idx))] = 1.0
        steps = np.zeros(len(names))
        steps[open_idx] = t_open
        stage_index = pd.Index(names, name="stage")
        transition = pd.DataFrame(
            matrix,
            index=pd.Index(names, name="from_stage"),
            columns=pd.Index(names, name="to_stage"),
        )
        absorbed = pd.DataFrame(
            absorption,
            index=stage_index,
            columns=pd.Index([names[i] for i in closed_idx], name="closed_stage"),
        )
        win = pd.Series(absorption[:, is_won[closed_idx]].sum(axis=1), index=stage_index)
        return cls(
            pipeline=pipeline,
            counts=counts,
            smoothing=float(smoothing),
            transition=transition,
            absorption=absorbed,
            win_probability=win.rename("win_probability"),
            expected_steps=pd.Series(steps, index=stage_index, name="expected_steps"),
        )

    def _won_within(self, horizon: int) -> FloatArray:
        """``out[h, s]``: probability of having won within ``h`` steps from stage ``s``."""
        matrix = self.transition.to_numpy()
        won = np.array([s.kind is StageKind.WON for s in self.pipeline.stages])
        out = np.empty((horizon + 1, len(won)))
        power = np.eye(len(won))
        for h in range(horizon + 1):
            out[h] = power[:, won].sum(axis=1)
            power = power @ matrix
        return out

    def win_within(self, horizon: int) -> pd.Series[float]:
        """Probability of having won within ``horizon`` steps, per starting stage [fraction].

        The won columns of :math:`P^h` summed; it rises with ``horizon``
        towards :attr:`win_probability`.

        Parameters
        ----------
        horizon : int
            Number of steps, >= 0.

        Examples
        --------
        >>> from salescore import datasets
        >>> pipeline = datasets.pipeline()
        >>> m = MarkovModel.fit(datasets.opportunities(pipeline), pipeline)
        >>> bool((m.win_within(4) <= m.win_within(12)).all())
        True
        """
        h = _check_horizon(horizon)
        return pd.Series(
            self._won_within(h)[h], index=pd.Index(self.pipeline.names, name="stage")
        ).rename("win_within")

    def period_odds(
        self,
        opportunities: Sequence[Opportunity] | pd.DataFrame,
        *,
        as_of: date,
        period: Period,
    ) -> pd.DataFrame:
        """Per-deal probability of being won inside ``period``, seen from ``as_of``.

        For an open deal in stage :math:`s`, with :math:`h_e` and :math:`h_s`
        the whole steps from ``as_of`` to the period's end and start (0 when
        already passed), the probability is :math:`F_s(h_e) - F_s(h_s)` where
        :math:`F_s(h)` is :meth:`win_within`. The chain is memoryless: the odds
        depend on the stage and on how far away the period is, not on how long
        the deal has been open. A deal already won counts 1 if its
        ``close_date`` is in the period, else 0; a lost deal 0.

        Parameters
        ----------
        opportunities : sequence of Opportunity or DataFrame
            Deals, as models or an :data:`~salescore.frames.OPPORTUNITIES`
            frame (validated first; index kept).
        as_of : date
            The day the forecast is made.
        period : Period
            The period to win in.

        Returns
        -------
        pandas.DataFrame
            Indexed by deal id (models) or the frame's index, columns ``stage``,
            ``steps_to_end`` [steps] and ``probability`` [fraction].

        Examples
        --------
        >>> from datetime import date
        >>> from salescore.calendar import Period
        >>> from salescore import datasets
        >>> pipeline = datasets.pipeline()
        >>> deals = datasets.opportunities(pipeline)
        >>> m = MarkovModel.fit(deals, pipeline)
        >>> q2 = m.period_odds(deals, as_of=date(2026, 4, 1), period=Period.quarter(2026, 2))
        >>> q3 = m.period_odds(deals, as_of=date(2026, 4, 1), period=Period.quarter(2026, 3))
        >>> bool(((q2.probability + q3.probability) <= 1 + 1e-12).all())
        True
        """
        if not isinstance(period, Period):
            raise InvalidInputError(f"period {period!r} is not a Period")
        if not isinstance(as_of, date) or isinstance(as_of, datetime):
            raise InvalidInputError(f"as_of {as_of!r} is not a date")
        frame = opportunities_frame(opportunities, self.pipeline)
        stage = stage_codes(frame["stage"], self.pipeline, "stage")
        kinds = np.array([s.kind.value for s in self.pipeline.stages], dtype=object)
        kind = kinds[stage]
        step_us = _step_us(self.step)
        day_us = 86_400_000_000
        h_end = max(0, (period.end - as_of).days * day_us // step_us)
        h_start = max(0, (period.start - as_of).days * day_us // step_us)
        won_by = self._won_within(h_end)
        probability = won_by[h_end, stage] - won_by[h_start, stage]
        closed_on = frame["close_date"]
        in_period = (
            (closed_on >= pd.Timestamp(period.start)) & (closed_on < pd.Timestamp(period.end))
        ).to_numpy(dtype=bool, na_value=False)
        probability = np.where(kind == "won", in_period.astype(np.float64), probability)
        probability = np.where(kind == "lost", 0.0, probability)
        return pd.DataFrame(
            {
                "stage": frame["stage"].to_numpy(dtype=object),
                "steps_to_end": np.where(kind == "open", h_end, 0),
                "probability": probability,
            },
            index=frame.index,
        )


def _check_horizon(horizon: object) -> int:
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 0:
        raise InvalidInputError(f"horizon {horizon!r} must be a whole number of steps >= 0")
    return int(horizon)
