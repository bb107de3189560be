"""RFM: recency, frequency and monetary scores of customers, by quantiles or bins."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING
from typing import Annotated, Any, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore._numeric import exact_decimals
from salescore.customers._kernel import IntArray, _dates, _day_of, _decimals
from salescore.customers._summaries import _summary
from salescore.customers.summary import CustomerSummary, LinesOrSummary
from salescore.errors import InvalidInputError
from salescore.models._fields import NonNegativeAmount
from salescore.money import minor_unit
from salescore.serialization import Result

__all__ = ["RfmBins", "RfmScores", "rfm_scores"]


def _ascending(name: str) -> Any:
    def check(values: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(values) < 1 or len(values) > 8:
            raise InvalidInputError(
                f"{name} edges {values!r}: give 1 to 8 edges (scores 2 to 9 values)"
            )
        if any(b <= a for a, b in itertools.pairwise(values)):
            raise InvalidInputError(f"{name} edges {values!r} must be strictly increasing")
        return values

    return check


class RfmBins(FrozenModel):
    """Fixed bin edges for :func:`rfm_scores` (``method="bins"``).

    Each list of ``k − 1`` strictly increasing edges splits its measure into
    ``k`` scores; all three lists have the same length. A value equal to an
    edge falls in the upper bin. Frequency and monetary score higher for
    higher values; recency scores higher for *fewer* days since the last
    order (score ``k`` below the first edge).

    Parameters
    ----------
    recency : tuple of int
        Edges [days] of days since the last order, >= 0.
    frequency : tuple of int
        Edges [orders], >= 1.
    monetary : tuple of Decimal
        Edges [currency], in the lines' currency, >= 0.

    Examples
    --------
    >>> RfmBins(recency=(30, 90), frequency=(2, 5), monetary=(100, 1000)).k
    3
    """

    recency: tuple[Annotated[int, Field(ge=0)], ...]
    frequency: tuple[Annotated[int, Field(ge=1)], ...]
    monetary: tuple[NonNegativeAmount, ...]

    @model_validator(mode="after")
    def _edges(self) -> Self:
        for name in ("recency", "frequency", "monetary"):
            _ascending(name)(getattr(self, name))
        sizes = {len(self.recency), len(self.frequency), len(self.monetary)}
        if len(sizes) > 1:
            raise InvalidInputError(
                f"recency, frequency and monetary have {len(self.recency)}, "
                f"{len(self.frequency)} and {len(self.monetary)} edges; give each the same number"
            )
        return self

    @property
    def k(self) -> int:
        """Number of scores (edges + 1)."""
        return len(self.recency) + 1


@dataclass(frozen=True)
class RfmScores(Result):
    """Recency, frequency and monetary scores per customer.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per customer, by ``customer_id``: ``last_order_on``,
        ``recency_days`` [days] (``as_of`` − last order), ``frequency``
        [orders], ``monetary`` [currency, Decimal], ``monetary_minor``, the
        scores ``r``, ``f``, ``m`` (1..k, k best), ``rfm`` (the cell, e.g.
        ``"545"``) and ``total`` (r + f + m).
    k : int
        Number of scores.
    method : {"quantile", "bins"}
        How the scores were cut.
    as_of : date
        The day recency is counted to.
    currency : str
        The currency of ``monetary``.
    lines_used : int
        Lines used.
    errors : pandas.DataFrame
        Lines not used (see :class:`CustomerSummary`).
    """

    scores: pd.DataFrame
    k: int
    method: Literal["quantile", "bins"]
    as_of: date
    currency: str
    lines_used: int
    errors: pd.DataFrame


def _quantile_scores(values: npt.NDArray[Any], k: int, *, higher_is_better: bool) -> IntArray:
    """``1 + ⌊k · (share of customers strictly worse)⌋``: ties share a score, order-free."""
    ordered = np.sort(values, kind="stable")
    n = len(values)
    if higher_is_better:
        worse = np.searchsorted(ordered, values, side="left")
    else:
        worse = n - np.searchsorted(ordered, values, side="right")
    return (1 + (k * worse.astype(np.int64)) // n).astype(np.int64)


def _bin_scores(values: npt.NDArray[Any], edges: npt.NDArray[Any], *, higher: bool) -> IntArray:
    above = np.searchsorted(edges, values, side="right").astype(np.int64)
    return above + 1 if higher else len(edges) + 1 - above


@exact_decimals
def rfm_scores(
    lines: LinesOrSummary,
    *,
    as_of: date | None = None,
    k: int = 5,
    method: Literal["quantile", "bins"] = "quantile",
    bins: RfmBins | None = None,
) -> RfmScores:
    """Score each customer 1..k on recency, frequency and monetary value (RFM).

    Recency is the days from the last order to ``as_of``, frequency the
    distinct orders, monetary the revenue. ``k`` is best on each: the most
    recent, most frequent, highest spending.

    - ``method="quantile"``: a customer's score is ``1 + ⌊k · w / n⌋``
      where ``w`` is the number of the ``n`` customers with a strictly worse
      value. Tie rule: equal values get the same score (the score of the
      lowest of them), so scores do not depend on order or ids; heavy ties
      (most customers with one order) leave some scores unused.
    - ``method="bins"``: fixed edges from ``bins`` (an :class:`RfmBins`).

    Either way a score is monotone in its value: a better value never gets
    a lower score.

    Parameters
    ----------
    lines : sequence of OrderLine, pandas.DataFrame or CustomerSummary
        Order lines, or their :func:`customer_summary` taken on ``as_of``.
    as_of : date
        The day of the evaluation (required with lines; a summary's own
        ``as_of`` is used when omitted). Lines after it go to ``errors``.
    k : int
        Number of scores for ``"quantile"``, 2 to 9 (cells are three digits).
    method : {"quantile", "bins"}
    bins : RfmBins, optional
        The edges, required with ``method="bins"`` (its ``k`` is used).

    Returns
    -------
    RfmScores

    Examples
    --------
    >>> from salescore.customers import OrderLine
    >>> d = date.fromisoformat
    >>> rows = [("1", "A", "2026-03-20", 900), ("2", "A", "2026-03-01", 100),
    ...         ("3", "B", "2026-01-10", 50), ("4", "C", "2026-03-25", 300),
    ...         ("5", "C", "2025-12-01", 40), ("6", "C", "2026-02-02", 60)]
    >>> lines = [OrderLine(order_id=o, customer_id=c, ordered_on=d(on), amount=v,
    ...                    currency="CNY") for o, c, on, v in rows]
    >>> out = rfm_scores(lines, as_of=d("2026-03-31"), k=3)
    >>> out.scores[["customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "rfm"]]
      customer_id  recency_days  frequency monetary  r  f  m  rfm
    0           A            11          2  1000.00  2  2  3  223
    1           B            80          1    50.00  1  1  1  111
    2           C             6          3   400.00  3  3  2  332
    """
    method_ok = method in ("quantile", "bins")
    if not method_ok:
        raise InvalidInputError(f"method {method!r} is not 'quantile' or 'bins'")
    if method == "bins":
        if not isinstance(bins, RfmBins):
            raise InvalidInputError(f"method 'bins' needs bins=RfmBins(...), got {bins!r}")
        k = bins.k
    elif isinstance(k, bool) or not isinstance(k, int) or not 2 <= k <= 9:
        raise InvalidInputError(f"k {k!r} must be a whole number from 2 to 9")
    if as_of is None:
        if not isinstance(lines, CustomerSummary) or lines.as_of is None:
            raise InvalidInputError("as_of is required: recency is counted to a day you give")
        as_of = lines.as_of
    day = _day_of(as_of, "as_of")
    s, summary = _summary(lines, as_of)
    if isinstance(lines, CustomerSummary) and int(s.last.max()) > day:
        raise InvalidInputError(
            f"as_of {as_of} is before the summary's last order; summarise the lines on {as_of}"
        )
    recency = day - s.last
    mu = minor_unit(summary.currency)
    if method == "bins":
        assert bins is not None
        money_edges = np.array(
            [int((e * 10**mu).to_integral_value(ROUND_CEILING)) for e in bins.monetary],
            dtype=np.int64,
        )
        r = _bin_scores(recency, np.array(bins.recency, np.int64), higher=False)
        f = _bin_scores(s.orders, np.array(bins.frequency, np.int64), higher=True)
        m = _bin_scores(s.minor, money_edges, higher=True)
    else:
        r = _quantile_scores(recency, k, higher_is_better=False)
        f = _quantile_scores(s.orders, k, higher_is_better=True)
        m = _quantile_scores(s.minor, k, higher_is_better=True)
    cell = pd.Series(r * 100 + f * 10 + m).astype(str).to_numpy(dtype=object)
    table = pd.DataFrame(
        {
            "customer_id": s.customers,
            "last_order_on": _dates(s.last),
            "recency_days": recency,
            "frequency": s.orders,
            "monetary": _decimals(s.minor, summary.currency),
            "monetary_minor": s.minor,
            "r": r,
            "f": f,
            "m": m,
            "rfm": cell,
            "total": r + f + m,
        }
    )
    return RfmScores(table, k, method, as_of, summary.currency, summary.lines_used, summary.errors)
