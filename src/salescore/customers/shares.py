"""Revenue concentration: top-N shares and the Herfindahl-Hirschman index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from salescore._numeric import exact_decimals
from salescore.customers._kernel import _check_days, _check_total, _decimals
from salescore.customers._summaries import _summary
from salescore.customers.summary import LinesOrSummary
from salescore.money import minor_unit
from salescore.serialization import Result

__all__ = ["Concentration", "concentration"]


@dataclass(frozen=True)
class Concentration(Result):
    """How concentrated revenue is on few customers.

    Attributes
    ----------
    customers : int
        Customers with at least one line (revenue 0 included).
    revenue : Decimal
        Total revenue [currency].
    revenue_minor : int
        The same in minor units.
    hhi : float
        Herfindahl–Hirschman index: the sum of squared revenue shares
        [fraction], between ``1 / customers`` (all equal) and 1 (one
        customer holds everything). Antitrust practice quotes it × 10,000.
    effective_customers : float
        ``1 / hhi``: the number of equal customers with the same concentration.
    top : pandas.DataFrame
        One row per ``n`` asked: ``top_n``, ``customers`` (``min(n,
        customers)``), ``revenue`` [currency, Decimal], ``revenue_minor``
        and ``share`` [fraction] of the ``n`` largest customers.
    currency : str
        The currency of the revenue.
    lines_used : int
        Lines used.
    errors : pandas.DataFrame
        Lines not used (see :class:`CustomerSummary`).
    """

    customers: int
    revenue: Decimal
    revenue_minor: int
    hhi: float
    effective_customers: float
    top: pd.DataFrame
    currency: str
    lines_used: int
    errors: pd.DataFrame


@exact_decimals
def concentration(lines: LinesOrSummary, *, top: Sequence[int] = (1, 5, 10)) -> Concentration:
    """Top-N revenue shares and the Herfindahl–Hirschman index of the customers.

    Parameters
    ----------
    lines : sequence of OrderLine, pandas.DataFrame or CustomerSummary
        Order lines, or their :func:`customer_summary`.
    top : sequence of int
        The ``n`` of the top-N shares, each >= 1.

    Returns
    -------
    Concentration

    Raises
    ------
    InvalidInputError
        A bad ``n``, no line, or a total revenue of 0.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.customers import OrderLine
    >>> lines = [OrderLine(order_id=c, customer_id=c, ordered_on=date(2026, 1, 5), amount=v,
    ...                    currency="CNY") for c, v in [("A", 60), ("B", 30), ("C", 10)]]
    >>> out = concentration(lines, top=(1, 2))
    >>> round(out.hhi, 4), round(out.effective_customers, 3)
    (0.46, 2.174)
    >>> out.top[["top_n", "customers", "revenue", "share"]]
       top_n  customers revenue  share
    0      1          1   60.00    0.6
    1      2          2   90.00    0.9
    """
    sizes = list(top)
    for n in sizes:
        _check_days(n, "top_n", minimum=1)
    s, summary = _summary(lines, None)
    total = int(s.minor.sum())
    _check_total(total)
    ordered = np.sort(s.minor)[::-1]
    cum = np.cumsum(ordered)
    share = ordered / total
    hhi = float(np.dot(share, share))
    count = len(ordered)
    taken = np.array([min(int(n), count) for n in sizes], dtype=np.int64)
    top_minor = cum[taken - 1] if len(taken) else np.zeros(0, np.int64)
    table = pd.DataFrame(
        {
            "top_n": np.array(sizes, dtype=np.int64),
            "customers": taken,
            "revenue": _decimals(top_minor, summary.currency),
            "revenue_minor": top_minor.astype(np.int64),
            "share": top_minor / total,
        }
    )
    mu = minor_unit(summary.currency)
    return Concentration(
        count,
        Decimal(total).scaleb(-mu),
        total,
        hhi,
        1.0 / hhi,
        table,
        summary.currency,
        summary.lines_used,
        summary.errors,
    )
