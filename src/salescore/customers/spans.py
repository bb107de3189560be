"""Customer spans under a churn rule, for the customer KPIs of :mod:`salescore.kpi`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from salescore._numeric import exact_decimals
from salescore.customers._kernel import (
    _NEVER,
    _check_days,
    _dates,
    _day_of,
    _decimals,
    _distinct_per,
    _lines,
    _sum_by,
)
from salescore.customers.summary import Lines
from salescore.kpi import CustomerSpan
from salescore.serialization import Result

__all__ = ["CustomerSpans", "customer_spans"]


@dataclass(frozen=True)
class CustomerSpans(Result):
    """Customer spans built from order lines under a churn rule.

    Attributes
    ----------
    spans : pandas.DataFrame
        One row per span, by ``customer_id`` then ``since``: ``since``
        (first order of the span), ``until`` (first day no longer a
        customer; NaT while still one), ``last_order_on``, ``orders``,
        ``lines``, ``revenue`` [currency, Decimal] and ``revenue_minor``.
        The columns ``customer_id``, ``since``, ``until`` are what
        :func:`~salescore.kpi.customer_kpis` reads.
    currency : str
        The one currency of the lines.
    as_of : date
        The day of the evaluation.
    churn_after_days : int or None
        The churn rule [days]; ``None``: nobody churns.
    lines_used : int
        Lines used.
    errors : pandas.DataFrame
        Lines not used (see :class:`CustomerSummary`).
    """

    spans: pd.DataFrame
    currency: str
    as_of: date
    churn_after_days: int | None
    lines_used: int
    errors: pd.DataFrame

    def models(self) -> list[CustomerSpan]:
        """The spans as :class:`~salescore.kpi.CustomerSpan` models (one per row)."""
        s = self.spans
        ids = s["customer_id"].tolist()
        since = s["since"].dt.date.tolist()
        until = [None if pd.isna(u) else u.date() for u in s["until"].tolist()]
        return [
            CustomerSpan(customer_id=c, since=a, until=b)
            for c, a, b in zip(ids, since, until, strict=True)
        ]


@exact_decimals
def customer_spans(
    lines: Lines, *, as_of: date, churn_after_days: int | None = None
) -> CustomerSpans:
    """Customer spans from order lines: from a first order until the churn rule says lost.

    An order on day ``d`` keeps its customer a customer on the days
    ``d, …, d + churn_after_days − 1``. A span is a stretch of such days
    with no gap: it starts (``since``) on an order and ends (``until``, the
    first day no longer a customer) ``churn_after_days`` after its last
    order — if that day is on or before ``as_of``; otherwise the customer
    is still one and ``until`` is missing. Two orders more than
    ``churn_after_days`` apart therefore open a second span: the customer
    churned and came back, and counts as new again. Without a rule
    (``None``) each customer has one open span from the first order.

    Parameters
    ----------
    lines : sequence of OrderLine or pandas.DataFrame
        Models, or a frame under :data:`ORDER_LINES`.
    as_of : date
        The day of the evaluation (no clock is read); lines after it are
        reported in ``errors`` (reason ``after_as_of``).
    churn_after_days : int, optional
        Days [days] without an order after which a customer is lost, >= 1.

    Returns
    -------
    CustomerSpans

    Examples
    --------
    >>> from salescore.customers import OrderLine
    >>> d = date.fromisoformat
    >>> lines = [OrderLine(order_id=o, customer_id=c, ordered_on=d(on), amount=10,
    ...                    currency="CNY")
    ...          for o, c, on in [("1", "A", "2025-01-10"), ("2", "A", "2025-03-01"),
    ...                           ("3", "A", "2025-12-01"), ("4", "B", "2025-02-01")]]
    >>> out = customer_spans(lines, as_of=d("2026-01-31"), churn_after_days=180)
    >>> out.spans[["customer_id", "since", "until", "orders"]]
      customer_id      since      until  orders
    0           A 2025-01-10 2025-08-28       2
    1           A 2025-12-01        NaT       1
    2           B 2025-02-01 2025-07-31       1
    >>> out.models()[0].until
    datetime.date(2025, 8, 28)
    """
    horizon = _day_of(as_of, "as_of")
    rule = (
        None
        if churn_after_days is None
        else _check_days(churn_after_days, "churn_after_days", minimum=1)
    )
    x = _lines(lines, as_of)
    lo = int(x.day.min())
    width = np.int64(int(x.day.max()) - lo + 1)
    key = x.customer * width + (x.day - lo)
    keys, span_of_key = np.unique(key, return_inverse=True)  # sorted (customer, day) pairs
    cust = keys // width
    day = keys % width + lo
    starts = np.ones(len(keys), bool)
    starts[1:] = cust[1:] != cust[:-1]
    if rule is not None:
        starts[1:] |= (day[1:] - day[:-1]) > rule
    span_id = np.cumsum(starts) - 1
    n = int(span_id[-1]) + 1
    first_at = np.flatnonzero(starts)
    last_at = np.append(first_at[1:], len(keys)) - 1
    line_span = span_id[span_of_key.reshape(-1)]
    since = day[first_at]
    last = day[last_at]
    until = np.full(n, _NEVER, np.int64)
    if rule is not None:
        lost = last + rule <= horizon
        until[lost] = last[lost] + rule
    minor = _sum_by(line_span, x.minor, n)
    frame = pd.DataFrame(
        {
            "customer_id": x.customers[cust[first_at]],
            "since": _dates(since),
            "until": _dates(until),
            "last_order_on": _dates(last),
            "orders": _distinct_per(line_span, x.order, x.n_orders, n),
            "lines": np.bincount(line_span, minlength=n).astype(np.int64),
            "revenue": _decimals(minor, x.currency),
            "revenue_minor": minor,
        }
    )
    return CustomerSpans(frame, x.currency, as_of, rule, x.lines_used, x.errors)
