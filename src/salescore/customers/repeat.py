"""Repeat purchase: the share of customers with two or more orders, by cohort."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from salescore._numeric import exact_decimals
from salescore.calendar import Period
from salescore.customers._kernel import _NEVER, IntArray, _day_of, _distinct_per, _lines
from salescore.customers.summary import Lines
from salescore.errors import InvalidInputError
from salescore.serialization import Result

__all__ = ["Cohort", "RepeatPurchase", "repeat_purchase_rate"]


Cohort = Literal["month", "quarter", "year"]


@dataclass(frozen=True)
class RepeatPurchase(Result):
    """Repeat-purchase rate in a window, overall and by cohort of first order.

    Attributes
    ----------
    rate : float
        ``repeat_customers ÷ customers`` [fraction]; NaN when no customer
        ordered in the window.
    customers : int
        Customers with at least one order in the window.
    repeat_customers : int
        Of them, those with two or more distinct orders in the window.
    cohorts : pandas.DataFrame
        One row per cohort with a customer in the window, oldest first:
        ``cohort`` (label such as ``2026-Q1``), ``cohort_start`` (date),
        ``customers``, ``repeat_customers``, ``repeat_purchase_rate``.
        The counts add up to the overall ones.
    period : Period or None
        The window; ``None``: every line.
    cohort_grain : {"month", "quarter", "year"}
        Grain of the cohorts.
    lines_used : int
        Lines used (in or out of the window).
    errors : pandas.DataFrame
        Lines not used (see :class:`CustomerSummary`).
    """

    rate: float
    customers: int
    repeat_customers: int
    cohorts: pd.DataFrame
    period: Period | None
    cohort_grain: Cohort
    lines_used: int
    errors: pd.DataFrame


def _cohort_codes(first: IntArray, grain: Cohort) -> IntArray:
    months = first.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return {"month": months, "quarter": months // 3, "year": months // 12}[grain]


def _cohort_period(code: int, grain: Cohort) -> Period:
    if grain == "month":
        return Period.month(1970 + code // 12, code % 12 + 1)
    if grain == "quarter":
        return Period.quarter(1970 + code // 4, code % 4 + 1)
    return Period.year(1970 + code)


@exact_decimals
def repeat_purchase_rate(
    lines: Lines, *, period: Period | None = None, cohort: Cohort = "quarter"
) -> RepeatPurchase:
    """Share of customers with two or more distinct orders in a window [fraction].

    The customers are those with at least one order dated in ``period``;
    a repeat customer has two or more distinct order ids there. Each
    customer's cohort is the ``cohort`` period of their first order in all
    the lines given (so a window may see an old cohort come back).

    Parameters
    ----------
    lines : sequence of OrderLine or pandas.DataFrame
        Models, or a frame under :data:`ORDER_LINES`.
    period : Period, optional
        The window ``[start, end)``; default every line.
    cohort : {"month", "quarter", "year"}
        Grain of the cohorts of first order.

    Returns
    -------
    RepeatPurchase

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.customers import OrderLine
    >>> d = date.fromisoformat
    >>> lines = [OrderLine(order_id=o, customer_id=c, ordered_on=d(on), amount=10,
    ...                    currency="CNY")
    ...          for o, c, on in [("1", "A", "2025-11-10"), ("2", "A", "2026-01-05"),
    ...                           ("3", "B", "2026-01-09"), ("4", "B", "2026-02-01"),
    ...                           ("5", "C", "2026-02-11")]]
    >>> out = repeat_purchase_rate(lines, period=Period.quarter(2026, 1))
    >>> out.rate, out.customers, out.repeat_customers
    (0.3333333333333333, 3, 1)
    >>> out.cohorts[["cohort", "customers", "repeat_customers", "repeat_purchase_rate"]]
        cohort  customers  repeat_customers  repeat_purchase_rate
    0  2025-Q4          1                 0                   0.0
    1  2026-Q1          2                 1                   0.5
    """
    if cohort not in ("month", "quarter", "year"):
        raise InvalidInputError(f"cohort {cohort!r} is not one of 'month', 'quarter', 'year'")
    if period is not None and not isinstance(period, Period):
        raise InvalidInputError(f"period {period!r} is not a Period")
    x = _lines(lines, None)
    n = len(x.customers)
    first = np.full(n, _NEVER, np.int64)
    np.minimum.at(first, x.customer, x.day)
    inside = np.ones(len(x.day), bool)
    if period is not None:
        inside = (x.day >= _day_of(period.start, "period start")) & (
            x.day < _day_of(period.end, "period end")
        )
    orders = _distinct_per(x.customer[inside], x.order[inside], x.n_orders, n)
    active = orders >= 1
    repeat = orders >= 2
    codes = _cohort_codes(first, cohort)[active]
    distinct, inverse = np.unique(codes, return_inverse=True)
    per = np.bincount(inverse.reshape(-1), minlength=len(distinct)).astype(np.int64)
    rep = np.bincount(
        inverse.reshape(-1), weights=repeat[active].astype(np.float64), minlength=len(distinct)
    ).astype(np.int64)
    periods = [_cohort_period(int(c), cohort) for c in distinct.tolist()]
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = rep / per
    table = pd.DataFrame(
        {
            "cohort": pd.Series([p.label for p in periods], dtype=object),
            "cohort_start": pd.Series(np.array([p.start for p in periods], dtype="datetime64[us]")),
            "customers": per,
            "repeat_customers": rep,
            "repeat_purchase_rate": rates.astype(np.float64),
        }
    )
    total, repeats = int(active.sum()), int(repeat.sum())
    rate = repeats / total if total else float("nan")
    return RepeatPurchase(rate, total, repeats, table, period, cohort, x.lines_used, x.errors)
