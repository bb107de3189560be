"""ABC grades: Pareto classes of customers by cumulative revenue share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from salescore._numeric import exact_decimals
from salescore.customers._kernel import _check_thresholds, _decimals, _grades, _sum_by
from salescore.customers._summaries import _summary
from salescore.customers.summary import LinesOrSummary
from salescore.serialization import Result

__all__ = ["AbcGrades", "abc_grades"]


@dataclass(frozen=True)
class AbcGrades(Result):
    """Pareto (ABC) classes of customers by cumulative revenue share.

    Attributes
    ----------
    grades : pandas.DataFrame
        One row per customer, best first: ``rank`` (1 + customers with more
        revenue), ``customer_id``, ``revenue`` [currency, Decimal],
        ``revenue_minor``, ``share`` and ``cumulative_share`` (including
        the customer) [fraction], and ``grade`` (``A``, ``B`` or ``C``).
    classes : pandas.DataFrame
        One row per grade A, B, C: ``customers``, ``revenue``,
        ``revenue_minor`` and ``share`` [fraction]; the customers and the
        minor units add up to the totals exactly.
    a, b : float
        The thresholds used [fraction].
    currency : str
        The currency of the revenue.
    lines_used : int
        Lines used.
    errors : pandas.DataFrame
        Lines not used (see :class:`CustomerSummary`).
    """

    grades: pd.DataFrame
    classes: pd.DataFrame
    a: float
    b: float
    currency: str
    lines_used: int
    errors: pd.DataFrame


@exact_decimals
def abc_grades(lines: LinesOrSummary, *, a: float = 0.8, b: float = 0.95) -> AbcGrades:
    """Grade customers A, B, C by their cumulative share of revenue (Pareto).

    Customers are ranked by revenue, highest first. A customer is **A** when
    the customers ranked before it hold less than ``a`` of the revenue,
    **B** when they hold less than ``b``, **C** otherwise: the A class is
    the smallest group at the top that reaches ``a`` (so it is never empty),
    A and B together the smallest that reach ``b``.

    Tie rule: customers with equal revenue always get the same grade — that
    of the first of them — so the result does not depend on the order of
    the lines or the ids. The ``grades`` table lists ties by customer id.
    Customers with no revenue (lines of amount 0 only) are always C.

    Parameters
    ----------
    lines : sequence of OrderLine, pandas.DataFrame or CustomerSummary
        Order lines, or their :func:`customer_summary`.
    a, b : float
        Thresholds [fraction], ``0 < a < b <= 1``; default 80 % and 95 %.

    Returns
    -------
    AbcGrades

    Raises
    ------
    InvalidInputError
        Bad thresholds, no line, or a total revenue of 0.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.customers import OrderLine
    >>> lines = [OrderLine(order_id=c, customer_id=c, ordered_on=date(2026, 1, 5), amount=v,
    ...                    currency="CNY")
    ...          for c, v in [("A", 500), ("B", 300), ("C", 100), ("D", 60), ("E", 40)]]
    >>> out = abc_grades(lines)
    >>> out.grades[["rank", "customer_id", "share", "cumulative_share", "grade"]]
       rank customer_id  share  cumulative_share grade
    0     1           A   0.50              0.50     A
    1     2           B   0.30              0.80     A
    2     3           C   0.10              0.90     B
    3     4           D   0.06              0.96     B
    4     5           E   0.04              1.00     C
    >>> out.classes[["grade", "customers", "revenue", "share"]]
      grade  customers revenue  share
    0     A          2  800.00   0.80
    1     B          2  160.00   0.16
    2     C          1   40.00   0.04
    """
    fa, fb = _check_thresholds(a, b)
    s, summary = _summary(lines, None)
    order, rank, grade, cum = _grades(s, fa, fb)
    total = int(cum[-1])
    ordered = s.minor[order]
    table = pd.DataFrame(
        {
            "rank": rank,
            "customer_id": s.customers[order],
            "revenue": _decimals(ordered, summary.currency),
            "revenue_minor": ordered,
            "share": ordered / total,
            "cumulative_share": cum / total,
            "grade": grade,
        }
    )
    names = np.array(["A", "B", "C"], dtype=object)
    which = np.searchsorted(names, grade)
    counts = np.bincount(which, minlength=3).astype(np.int64)
    minor = _sum_by(which.astype(np.int64), ordered, 3)
    classes = pd.DataFrame(
        {
            "grade": names,
            "customers": counts,
            "revenue": _decimals(minor, summary.currency),
            "revenue_minor": minor,
            "share": minor / total,
        }
    )
    return AbcGrades(table, classes, fa, fb, summary.currency, summary.lines_used, summary.errors)
