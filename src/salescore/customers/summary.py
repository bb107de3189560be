"""Order lines summarised per customer, the mergeable input every other measure reuses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from salescore._numeric import exact_decimals
from salescore.customers._kernel import (
    _dates,
    _decimals,
    _empty_errors,
    _Lines,
    _lines,
    _summarise,
    _Summary,
)
from salescore.customers.lines import OrderLine
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.serialization import Result

__all__ = ["CustomerSummary", "Lines", "LinesOrSummary", "customer_summary"]


@dataclass(frozen=True)
class CustomerSummary(Result):
    """Order lines summarised per customer: the input every customer measure can reuse.

    Attributes
    ----------
    customers : pandas.DataFrame
        One row per customer, by ``customer_id``: ``first_order_on`` and
        ``last_order_on`` (dates), ``orders`` (distinct order ids),
        ``lines``, ``revenue`` [currency, Decimal] and ``revenue_minor``
        [minor units].
    currency : str
        The one currency of the lines.
    as_of : date or None
        The day the summary was taken; lines after it are in ``errors``.
    lines_used : int
        Lines summarised.
    errors : pandas.DataFrame
        Lines not used: ``row`` (index label, or position for models),
        ``column``, ``value``, ``reason`` (the frame contract's reasons and
        ``after_as_of``).
    """

    customers: pd.DataFrame
    currency: str
    as_of: date | None
    lines_used: int
    errors: pd.DataFrame

    def __add__(self, other: CustomerSummary) -> CustomerSummary:
        """The summary of two disjoint parts of the lines: the mergeable partial.

        First and last orders take the min and max, lines and revenue add.
        Orders add too, which is exact when no order has lines in both parts
        (split the lines by customer or by order, as a partitioned table
        usually is). Both parts need the same currency and ``as_of``.

        Examples
        --------
        >>> d = date(2026, 1, 5)
        >>> a = customer_summary([OrderLine(order_id="O1", customer_id="A", ordered_on=d,
        ...                                 amount=10, currency="CNY")])
        >>> b = customer_summary([OrderLine(order_id="O2", customer_id="A", ordered_on=d,
        ...                                 amount=5, currency="CNY")])
        >>> (a + b).customers[["customer_id", "orders", "revenue"]]
          customer_id  orders revenue
        0           A       2   15.00
        """
        if not isinstance(other, CustomerSummary):
            return NotImplemented
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"summaries in {self.currency} and {other.currency} cannot be added; "
                "convert the lines with FxRates first"
            )
        if other.as_of != self.as_of:
            raise InvalidInputError(
                f"summaries taken on {self.as_of} and {other.as_of} cannot be added; "
                "summarise both parts on the same as_of"
            )
        both = pd.concat([self.customers, other.customers], ignore_index=True)
        g = both.groupby("customer_id", sort=True)
        merged = g.agg(
            first_order_on=("first_order_on", "min"),
            last_order_on=("last_order_on", "max"),
            orders=("orders", "sum"),
            lines=("lines", "sum"),
            revenue_minor=("revenue_minor", "sum"),
        )
        minor = merged["revenue_minor"].to_numpy(dtype=np.int64)
        frame = pd.DataFrame(
            {
                "customer_id": merged.index.to_numpy(dtype=object),
                "first_order_on": merged["first_order_on"].to_numpy(),
                "last_order_on": merged["last_order_on"].to_numpy(),
                "orders": merged["orders"].to_numpy(dtype=np.int64),
                "lines": merged["lines"].to_numpy(dtype=np.int64),
                "revenue": _decimals(minor, self.currency),
                "revenue_minor": minor,
            }
        )
        parts = [e for e in (self.errors, other.errors) if len(e)]
        errors = pd.concat(parts, ignore_index=True) if parts else _empty_errors()
        return CustomerSummary(
            frame, self.currency, self.as_of, self.lines_used + other.lines_used, errors
        )

    def _arrays(self) -> _Summary:
        c = self.customers
        return _Summary(
            customers=c["customer_id"].to_numpy(dtype=object),
            first=c["first_order_on"].to_numpy(dtype="datetime64[D]").astype(np.int64),
            last=c["last_order_on"].to_numpy(dtype="datetime64[D]").astype(np.int64),
            orders=c["orders"].to_numpy(dtype=np.int64),
            lines=c["lines"].to_numpy(dtype=np.int64),
            minor=c["revenue_minor"].to_numpy(dtype=np.int64),
        )

    @classmethod
    def _from_arrays(cls, s: _Summary, x: _Lines, as_of: date | None) -> CustomerSummary:
        """The summary of the kernel's per-customer arrays ``s`` of the lines ``x``."""
        frame = pd.DataFrame(
            {
                "customer_id": s.customers,
                "first_order_on": _dates(s.first),
                "last_order_on": _dates(s.last),
                "orders": s.orders,
                "lines": s.lines,
                "revenue": _decimals(s.minor, x.currency),
                "revenue_minor": s.minor,
            }
        )
        return cls(frame, x.currency, as_of, x.lines_used, x.errors)


Lines = Sequence[OrderLine] | pd.DataFrame

LinesOrSummary = Sequence[OrderLine] | pd.DataFrame | CustomerSummary


@exact_decimals
def customer_summary(lines: Lines, *, as_of: date | None = None) -> CustomerSummary:
    """Summarise order lines per customer: first and last order, orders, revenue.

    Parameters
    ----------
    lines : sequence of OrderLine or pandas.DataFrame
        Models, or a frame under :data:`ORDER_LINES` (not mutated; failing
        rows go to ``errors``). One currency.
    as_of : date, optional
        Lines dated after it are not used (reported with reason
        ``after_as_of``); give it when the summary feeds :func:`rfm_scores`.

    Returns
    -------
    CustomerSummary

    Raises
    ------
    CurrencyMismatchError
        The usable lines are in more than one currency.
    InvalidInputError
        No line was given (a :class:`~salescore.errors.FrameValidationError`
        with the failure table when every line failed).

    Examples
    --------
    >>> d = lambda day: date(2026, 1, day)
    >>> lines = [OrderLine(order_id="O1", customer_id="B", ordered_on=d(5), amount=30,
    ...                    currency="CNY"),
    ...          OrderLine(order_id="O1", customer_id="B", ordered_on=d(5), amount="0.5",
    ...                    currency="CNY"),
    ...          OrderLine(order_id="O2", customer_id="A", ordered_on=d(9), amount=70,
    ...                    currency="CNY")]
    >>> customer_summary(lines).customers[["customer_id", "orders", "lines", "revenue"]]
      customer_id  orders  lines revenue
    0           A       1      1   70.00
    1           B       1      2   30.50
    """
    x = _lines(lines, as_of)
    return CustomerSummary._from_arrays(_summarise(x), x, as_of)
