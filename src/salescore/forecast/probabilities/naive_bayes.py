r"""The naive-Bayes deal scorer (after Odoo's predictive lead scoring) and its mergeable counts.

See :mod:`salescore.forecast.probabilities` for the formulas.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore.errors import InvalidInputError
from salescore.forecast.probabilities._common import FloatArray, IntArray, _is_missing, _ratio
from salescore.frames import to_frame
from salescore.models import Opportunity, Pipeline, check_opportunities
from salescore.serialization import Result

__all__ = [
    "COUNT_COLUMNS",
    "AttributeCounts",
    "NaiveBayesScorer",
    "attribute_counts",
    "closed_outcomes",
]

#: Columns of :attr:`AttributeCounts.table`.
COUNT_COLUMNS: Final = ("attribute", "value", "won", "lost")


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
    >>> from salescore import datasets
    >>> pipeline = datasets.pipeline()
    >>> closed = closed_outcomes(datasets.opportunities(pipeline), pipeline)
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
