"""Customers and key accounts (客户管理): spans, repeat purchase, ABC, RFM, concentration.

Everything here starts from **order lines**: one line of one order of one
customer, with its date and amount. The single path takes
:class:`OrderLine` models, the bulk path a frame under :data:`ORDER_LINES`;
both become the same arrays (customer codes, order codes, day numbers,
amounts in integer minor units) and run on one vectorised kernel.

From the lines:

- :func:`customer_summary`: per customer, first and last order, distinct
  orders, lines and revenue; the other functions also accept its result, so
  a large table is summarised once;
- :func:`customer_spans`: :class:`~salescore.kpi.CustomerSpan` stretches
  under a churn rule, ready for :func:`~salescore.kpi.churn_rate` and
  :func:`~salescore.kpi.customer_kpis`;
- :func:`repeat_purchase_rate`: share of customers with two or more orders
  in a window, overall and by cohort of first order;
- :func:`abc_grades`: Pareto classes by cumulative revenue share;
- :func:`rfm_scores`: recency, frequency and monetary scores 1..k;
- :func:`key_accounts`: the accounts a :class:`KeyAccountRule` selects;
- :func:`concentration`: top-N revenue shares and the Herfindahl–Hirschman index.

Money is exact: line amounts become integer minor units of their one
currency (rounded half to even to the minor unit, line by line, as an
invoice would), sums are integer, and results carry ``Decimal`` major units
with a ``*_minor`` column beside them. Bulk calls never drop a line
silently: a line that fails the contract (or is dated after ``as_of``) is
named in the result's ``errors`` table, and ``lines_used`` plus the distinct
rows of ``errors`` is the number of lines given.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Annotated, Any, Final, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BeforeValidator, Field, model_validator

from salescore._base import FrozenModel
from salescore._failures import Failures, empty_table
from salescore._numeric import (
    exact_decimals,
    floats_to_minor_units,
    from_minor_units,
    to_decimal,
    to_minor_units,
)
from salescore.calendar import Period
from salescore.error_codes import FailureReason
from salescore.errors import CurrencyMismatchError, FrameValidationError, InvalidInputError
from salescore.frames import (
    Column,
    FrameContract,
    MagnitudeCheck,
    partition_frame,
)
from salescore.kpi import CustomerSpan
from salescore.models._fields import Identifier, NonNegativeAmount, OptionalText
from salescore.money import CurrencyCode, minor_unit
from salescore.serialization import Result

__all__ = [
    "ORDER_LINES",
    "AbcGrades",
    "Concentration",
    "CustomerSpans",
    "CustomerSummary",
    "KeyAccountRule",
    "KeyAccounts",
    "OrderLine",
    "RepeatPurchase",
    "RfmBins",
    "RfmScores",
    "abc_grades",
    "concentration",
    "customer_spans",
    "customer_summary",
    "key_accounts",
    "lines_frame",
    "repeat_purchase_rate",
    "rfm_scores",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]

_NEVER: Final = np.iinfo(np.int64).max
_EPOCH: Final = date(1970, 1, 1).toordinal()
#: Sums whose magnitudes stay below this are exact in float64, so bincount may add them.
_EXACT_FLOAT: Final = 2**53


# --------------------------------------------------------------------------- contract and model
#: Order lines, one line of one order per row (see :class:`OrderLine`).
ORDER_LINES: Final = FrameContract(
    "order_lines",
    (
        Column("order_id", "string", nonblank=True, description="the order the line belongs to"),
        Column("customer_id", "string", nonblank=True, description="the customer who ordered"),
        Column("ordered_on", "date", description="order date (a plain date)"),
        Column("amount", "float", non_negative=True, description="line revenue [currency]"),
        Column("currency", "string", is_currency=True, description="ISO 4217 code of amount"),
        Column(
            "line_id",
            "string",
            required=False,
            nullable=True,
            unique=True,
            description="unique line id, if the source has one",
        ),
        Column(
            "quantity",
            "float",
            required=False,
            nullable=True,
            non_negative=True,
            description="units ordered [count]",
        ),
        Column("product", "string", required=False, nullable=True, description="product id"),
    ),
    (MagnitudeCheck("amount", "currency"),),
    "one order line per row",
)


def _plain_date(value: object) -> object:
    if isinstance(value, datetime):
        zone = "timezone-aware" if value.tzinfo is not None else "naive"
        raise InvalidInputError(
            f"ordered_on {value.isoformat()} is a {zone} datetime; a plain date is required"
        )
    return value


def _quantity(value: object) -> Decimal | None:
    if value is None:
        return None
    q = to_decimal(value, what="quantity")
    if q < 0:
        raise InvalidInputError(f"quantity {q} is negative; quantities must be >= 0")
    return q


class OrderLine(FrozenModel):
    """One line of one order: who bought, when, and for how much.

    Parameters
    ----------
    order_id : str
        The order; a customer's distinct orders are counted by this id.
    customer_id : str
        The customer.
    ordered_on : date
        Order date, a plain date (a ``datetime``, naive or aware, is refused).
    amount : Decimal
        Line revenue [currency], >= 0 (returns are not order lines).
    currency : str
        ISO 4217 code of ``amount``.
    line_id : str, optional
        Unique id of the line, when the source has one.
    quantity : Decimal, optional
        Units [count], >= 0.
    product : str, optional
        Product id.

    Examples
    --------
    >>> OrderLine(order_id="O1", customer_id="C1", ordered_on=date(2026, 1, 5),
    ...           amount="99.90", currency="CNY").amount
    Decimal('99.90')
    >>> OrderLine(order_id="O1", customer_id="C1", ordered_on=date(2026, 1, 5),
    ...           amount=-1, currency="CNY")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: OrderLine.amount: amount -1 is negative; ...
    """

    order_id: Identifier
    customer_id: Identifier
    ordered_on: Annotated[date, BeforeValidator(_plain_date)]
    amount: NonNegativeAmount
    currency: CurrencyCode
    line_id: Identifier | None = None
    quantity: Annotated[Decimal | None, BeforeValidator(_quantity)] = None
    product: OptionalText = None


def lines_frame(lines: Sequence[OrderLine]) -> pd.DataFrame:
    """The :data:`ORDER_LINES` frame of a list of :class:`OrderLine` models, one row each.

    Amounts become float64 (exact up to 15 significant digits, read back
    through their shortest repr), dates naive midnight ``datetime64[us]``.

    Examples
    --------
    >>> lines_frame([OrderLine(order_id="O1", customer_id="C1", ordered_on=date(2026, 1, 5),
    ...                        amount="12.50", currency="CNY")])
      order_id customer_id ordered_on  amount currency line_id  quantity product
    0       O1          C1 2026-01-05    12.5      CNY     NaN       NaN     NaN
    """

    def column(name: str) -> list[Any]:
        return [getattr(line, name) for line in lines]

    def optional(values: list[Any]) -> pd.Series[Any]:
        return pd.Series([np.nan if v is None else v for v in values], dtype=object)

    quantity = [np.nan if q is None else float(q) for q in column("quantity")]
    return pd.DataFrame(
        {
            "order_id": pd.Series(column("order_id"), dtype="str"),
            "customer_id": pd.Series(column("customer_id"), dtype="str"),
            "ordered_on": pd.Series(
                np.array(column("ordered_on"), dtype="datetime64[D]").astype("datetime64[us]")
            ),
            "amount": pd.Series([float(a) for a in column("amount")], dtype=np.float64),
            "currency": pd.Series(column("currency"), dtype="str"),
            "line_id": optional(column("line_id")),
            "quantity": pd.Series(quantity, dtype=np.float64),
            "product": optional(column("product")),
        }
    )


# --------------------------------------------------------------------------- lines -> arrays
@dataclass(frozen=True)
class _Lines:
    """Order lines as arrays: the one input of every kernel."""

    customer: IntArray  # code into ``customers``
    customers: ObjArray  # distinct customer ids, sorted
    order: IntArray  # code of the order id (distinct ids)
    n_orders: int
    day: IntArray  # days since 1970-01-01
    minor: IntArray  # amount in minor units of ``currency``
    currency: str
    errors: pd.DataFrame
    lines_used: int


def _codes(values: npt.NDArray[Any]) -> tuple[IntArray, ObjArray]:
    """Codes into the sorted distinct values (factorise, then sort only the distinct ones)."""
    codes, uniques = pd.factorize(values)
    distinct = np.asarray(uniques, dtype=object)
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return rank[codes], distinct[order]


def _empty_errors() -> pd.DataFrame:
    return empty_table()


def _late_errors(frame: pd.DataFrame, late: npt.NDArray[np.bool_], values: Any) -> pd.DataFrame:
    """The lines of ``frame`` dated after ``as_of``, as failures of ``ordered_on``."""
    failures = Failures(frame)
    failures.add("ordered_on", FailureReason.AFTER_AS_OF, late, values=values)
    return failures.table()


def _day_of(d: date, what: str) -> int:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise InvalidInputError(f"{what} {d!r} must be a plain date (not a datetime)")
    return d.toordinal() - _EPOCH


def _one_currency(currencies: Sequence[str]) -> str:
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            f"order lines mix currencies {', '.join(sorted(currencies))}; convert them with "
            "FxRates first or pass one currency at a time"
        )
    return currencies[0]


def _nothing(errors: pd.DataFrame, as_of: date | None) -> None:
    if len(errors):
        reasons = ", ".join(sorted(set(errors["reason"].astype(str))))
        raise FrameValidationError(
            f"no usable order line: all {errors['row'].nunique()} line(s) failed ({reasons})",
            errors.reset_index(drop=True),
        )
    after = f" on or before as_of {as_of}" if as_of is not None else ""
    raise InvalidInputError(f"no order lines were given{after}; at least one is required")


def _from_models(lines: Sequence[OrderLine], as_of: date | None) -> _Lines:
    for i, line in enumerate(lines):
        if not isinstance(line, OrderLine):
            raise InvalidInputError(
                f"order line {i} is a {type(line).__name__}; OrderLine models or a frame "
                "under ORDER_LINES are accepted"
            )
    ids = [line.line_id for line in lines if line.line_id is not None]
    seen: set[str] = set()
    for line_id in ids:
        if line_id in seen:
            raise InvalidInputError(
                f"line_id {line_id!r} appears more than once; line ids are unique"
            )
        seen.add(line_id)
    day = np.array([line.ordered_on.toordinal() - _EPOCH for line in lines], dtype=np.int64)
    errors = _empty_errors()
    keep = np.ones(len(lines), bool)
    if as_of is not None:
        late = day > _day_of(as_of, "as_of")
        if late.any():
            errors = _late_errors(
                pd.DataFrame(index=pd.RangeIndex(len(lines))),
                late,
                [line.ordered_on for line in lines],
            )
            keep = ~late
    used = [line for line, k in zip(lines, keep.tolist(), strict=True) if k]
    if not used:
        _nothing(errors, as_of)
    currency = _one_currency(sorted({line.currency for line in used}))
    customer, customers = _codes(np.array([line.customer_id for line in used], dtype=object))
    order, orders = pd.factorize(np.array([line.order_id for line in used], dtype=object))
    return _Lines(
        customer=customer,
        customers=customers,
        order=order.astype(np.int64),
        n_orders=len(orders),
        day=day[keep],
        minor=to_minor_units([line.amount for line in used], minor_unit(currency)),
        currency=currency,
        errors=errors,
        lines_used=len(used),
    )


def _from_frame(df: pd.DataFrame, as_of: date | None) -> _Lines:
    valid, failures = partition_frame(df, ORDER_LINES)
    errors = failures if len(failures) else _empty_errors()
    day = valid["ordered_on"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    if as_of is not None:
        late = day > _day_of(as_of, "as_of")
        if late.any():
            extra = _late_errors(valid, late, valid["ordered_on"].dt.date)
            errors = pd.concat([errors, extra], ignore_index=True) if len(errors) else extra
            valid = valid[~late]
            day = day[~late]
    if not len(valid):
        _nothing(errors, as_of)
    currency = _one_currency(sorted(pd.unique(valid["currency"].to_numpy(dtype=object)).tolist()))
    customer, customers = _codes(valid["customer_id"].to_numpy(dtype=object))
    order, orders = pd.factorize(valid["order_id"].to_numpy(dtype=object))
    return _Lines(
        customer=customer,
        customers=customers,
        order=order.astype(np.int64),
        n_orders=len(orders),
        day=day,
        minor=floats_to_minor_units(valid["amount"].to_numpy(), minor_unit(currency)),
        currency=currency,
        errors=errors,
        lines_used=len(valid),
    )


def _lines(lines: Sequence[OrderLine] | pd.DataFrame, as_of: date | None) -> _Lines:
    if isinstance(lines, pd.DataFrame):
        return _from_frame(lines, as_of)
    if not isinstance(lines, list | tuple):
        raise InvalidInputError(
            f"order lines of type {type(lines).__name__!r} are neither a list of OrderLine nor "
            "a DataFrame under ORDER_LINES"
        )
    return _from_models(lines, as_of)


# --------------------------------------------------------------------------- kernels
def _sum_by(codes: IntArray, values: IntArray, n: int) -> IntArray:
    """Exact integer sums per code (bincount when float64 holds every partial sum exactly)."""
    if len(values) == 0 or int(np.abs(values).max()) * len(values) < _EXACT_FLOAT:
        return np.bincount(codes, weights=values, minlength=n).astype(np.int64)
    out = np.zeros(n, np.int64)
    np.add.at(out, codes, values)
    return out


def _distinct_per(group: IntArray, item: IntArray, n_items: int, n: int) -> IntArray:
    """Number of distinct ``item`` values per ``group`` code (hash-based, no sort)."""
    pairs = pd.unique(group * np.int64(max(n_items, 1)) + item)
    return np.bincount(pairs // max(n_items, 1), minlength=n).astype(np.int64)


@dataclass(frozen=True)
class _Summary:
    customers: ObjArray
    first: IntArray
    last: IntArray
    orders: IntArray
    lines: IntArray
    minor: IntArray


def _summarise(x: _Lines) -> _Summary:
    n = len(x.customers)
    first = np.full(n, _NEVER, np.int64)
    np.minimum.at(first, x.customer, x.day)
    last = np.full(n, -_NEVER, np.int64)
    np.maximum.at(last, x.customer, x.day)
    return _Summary(
        customers=x.customers,
        first=first,
        last=last,
        orders=_distinct_per(x.customer, x.order, x.n_orders, n),
        lines=np.bincount(x.customer, minlength=n).astype(np.int64),
        minor=_sum_by(x.customer, x.minor, n),
    )


def _dates(days: IntArray) -> pd.Series[Any]:
    """Day numbers as a naive ``datetime64[us]`` date column; ``_NEVER`` becomes NaT."""
    never = days == _NEVER
    values = np.where(never, 0, days).astype("datetime64[D]").astype("datetime64[us]")
    values[never] = np.datetime64("NaT")
    return pd.Series(values)


def _decimals(minor: IntArray, currency: str) -> ObjArray:
    return np.array(from_minor_units(minor, minor_unit(currency)), dtype=object)


# --------------------------------------------------------------------------- summary
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


def _summary_result(s: _Summary, x: _Lines, as_of: date | None) -> CustomerSummary:
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
    return CustomerSummary(frame, x.currency, as_of, x.lines_used, x.errors)


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
    return _summary_result(_summarise(x), x, as_of)


def _summary(source: LinesOrSummary, as_of: date | None) -> tuple[_Summary, CustomerSummary]:
    if isinstance(source, CustomerSummary):
        if as_of is not None and source.as_of is not None and as_of < source.as_of:
            raise InvalidInputError(
                f"as_of {as_of} is before the summary's as_of {source.as_of}; "
                "summarise the lines again on that day"
            )
        return source._arrays(), source
    x = _lines(source, as_of)
    s = _summarise(x)
    return s, _summary_result(s, x, as_of)


# --------------------------------------------------------------------------- spans
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


def _check_days(value: object, what: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InvalidInputError(f"{what} {value!r} must be a whole number >= {minimum}")
    return int(value)


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


# --------------------------------------------------------------------------- repeat purchase
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


# --------------------------------------------------------------------------- ranking helpers
def _revenue_rank(customers: ObjArray, minor: IntArray) -> tuple[IntArray, IntArray]:
    """Order by revenue descending then customer id; competition rank (ties share the best)."""
    order = np.lexsort((np.arange(len(minor)), -minor))  # customers are sorted by id already
    ordered = minor[order]
    new = np.ones(len(order), bool)
    new[1:] = ordered[1:] != ordered[:-1]
    positions = np.arange(1, len(order) + 1, dtype=np.int64)
    rank_sorted = np.maximum.accumulate(np.where(new, positions, 0))
    return order, rank_sorted


def _fraction_below(num: IntArray, den: int, threshold: float) -> BoolArray:
    """``num / den < threshold``, exact: floats decide, ties within 1e-12 re-checked exactly."""
    share = num / den
    out: BoolArray = share < threshold
    close = np.flatnonzero(np.abs(share - threshold) <= 1e-12)
    if len(close):
        t = to_decimal(threshold, what="threshold").as_integer_ratio()
        for i in close.tolist():
            out[i] = int(num[i]) * t[1] < t[0] * den
    return out


def _check_total(total: int) -> None:
    if total <= 0:
        raise InvalidInputError(
            "total revenue is 0; shares of revenue are undefined (no customer bought anything)"
        )


# --------------------------------------------------------------------------- ABC
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


def _check_thresholds(a: object, b: object) -> tuple[float, float]:
    for name, v in (("a", a), ("b", b)):
        if isinstance(v, bool) or not isinstance(v, int | float | Decimal | np.number):
            raise InvalidInputError(f"threshold {name} {v!r} is not a number in (0, 1]")
    fa, fb = float(a), float(b)  # type: ignore[arg-type]
    if not (0.0 < fa < fb <= 1.0):
        raise InvalidInputError(
            f"thresholds a {a!r} and b {b!r} must satisfy 0 < a < b <= 1 [fraction]"
        )
    return fa, fb


def _grades(s: _Summary, a: float, b: float) -> tuple[IntArray, IntArray, ObjArray, IntArray]:
    """Order, ranks, grades (in that order) and cumulative minor units of the ABC kernel."""
    total = int(s.minor.sum())
    _check_total(total)
    order, rank = _revenue_rank(s.customers, s.minor)
    ordered = s.minor[order]
    cum = np.cumsum(ordered)
    before = cum - ordered
    # Ties share a grade: the cumulative share before the first of equal revenue decides.
    first = rank - 1
    before_group = before[first]
    grade = np.where(
        _fraction_below(before_group, total, a),
        "A",
        np.where(_fraction_below(before_group, total, b), "B", "C"),
    ).astype(object)
    return order, rank, grade, cum


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


# --------------------------------------------------------------------------- RFM
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


# --------------------------------------------------------------------------- key accounts
class KeyAccountRule(FrozenModel):
    """Which accounts are key accounts (大客户): criteria on revenue, rank, grade, orders.

    Each criterion that is set is a test on the customer's revenue over the
    lines given; ``combine="all"`` (default) selects customers who pass
    every set test, ``"any"`` those who pass at least one. At least one
    criterion must be set.

    Parameters
    ----------
    min_revenue : Decimal, optional
        Revenue at or above it [currency, in the lines' currency].
    top_n : int, optional
        Rank at most ``top_n`` by revenue (rank = 1 + customers with more
        revenue, so customers tied at the cut are all in).
    grades : tuple of {"A", "B", "C"}, optional
        ABC grade among these (see :func:`abc_grades`, thresholds ``a``, ``b``).
    a, b : float
        ABC thresholds [fraction] for ``grades``.
    min_orders : int, optional
        At least this many distinct orders, >= 1.
    combine : {"all", "any"}

    Examples
    --------
    >>> KeyAccountRule(top_n=10, min_orders=3).combine
    'all'
    >>> KeyAccountRule()
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: KeyAccountRule: a key-account rule must set at least one ...
    """

    min_revenue: NonNegativeAmount | None = None
    top_n: Annotated[int, Field(ge=1)] | None = None
    grades: tuple[Literal["A", "B", "C"], ...] | None = None
    a: float = 0.8
    b: float = 0.95
    min_orders: Annotated[int, Field(ge=1)] | None = None
    combine: Literal["all", "any"] = "all"

    @model_validator(mode="after")
    def _some(self) -> Self:
        if all(v is None for v in (self.min_revenue, self.top_n, self.grades, self.min_orders)):
            raise InvalidInputError(
                "a key-account rule must set at least one of min_revenue, top_n, grades, min_orders"
            )
        _check_thresholds(self.a, self.b)
        if self.grades is not None and not self.grades:
            raise InvalidInputError("grades () is empty; name at least one of 'A', 'B', 'C'")
        return self


@dataclass(frozen=True)
class KeyAccounts(Result):
    """The accounts a :class:`KeyAccountRule` selects, with each test's outcome.

    Attributes
    ----------
    accounts : pandas.DataFrame
        One row per customer, best first (ties by id): ``rank``,
        ``customer_id``, ``revenue`` [currency, Decimal], ``revenue_minor``,
        ``orders``, ``grade``, one boolean column per set criterion
        (``meets_min_revenue``, ``meets_top_n``, ``meets_grades``,
        ``meets_min_orders``) and ``key_account``.
    key_accounts : tuple of str
        The ids selected, in rank order.
    rule : KeyAccountRule
        The rule applied.
    currency : str
        The currency of the revenue.
    lines_used : int
        Lines used.
    errors : pandas.DataFrame
        Lines not used (see :class:`CustomerSummary`).
    """

    accounts: pd.DataFrame
    key_accounts: tuple[str, ...]
    rule: KeyAccountRule
    currency: str
    lines_used: int
    errors: pd.DataFrame


@exact_decimals
def key_accounts(lines: LinesOrSummary, rule: KeyAccountRule) -> KeyAccounts:
    """Select key accounts by ``rule`` (see :class:`KeyAccountRule` for the logic).

    Parameters
    ----------
    lines : sequence of OrderLine, pandas.DataFrame or CustomerSummary
        Order lines, or their :func:`customer_summary`.
    rule : KeyAccountRule
        The criteria and how they combine.

    Returns
    -------
    KeyAccounts

    Raises
    ------
    InvalidInputError
        No line, or a total revenue of 0 (the ABC grade every row carries
        is undefined).

    Examples
    --------
    >>> rows = [("1", "A", 500), ("2", "A", 100), ("3", "B", 300), ("4", "C", 150),
    ...         ("5", "D", 150)]
    >>> lines = [OrderLine(order_id=o, customer_id=c, ordered_on=date(2026, 1, 5), amount=v,
    ...                    currency="CNY") for o, c, v in rows]
    >>> out = key_accounts(lines, KeyAccountRule(top_n=3, min_revenue=200, combine="any"))
    >>> out.accounts[["rank", "customer_id", "revenue", "meets_top_n", "key_account"]]
       rank customer_id revenue  meets_top_n  key_account
    0     1           A  600.00         True         True
    1     2           B  300.00         True         True
    2     3           C  150.00         True         True
    3     3           D  150.00         True         True
    >>> out.key_accounts
    ('A', 'B', 'C', 'D')
    """
    if not isinstance(rule, KeyAccountRule):
        raise InvalidInputError(f"rule {rule!r} is not a KeyAccountRule")
    s, summary = _summary(lines, None)
    order, rank, grade, _ = _grades(s, rule.a, rule.b)
    minor = s.minor[order]
    orders = s.orders[order]
    tests: dict[str, BoolArray] = {}
    if rule.min_revenue is not None:
        mu = minor_unit(summary.currency)
        edge = int((rule.min_revenue * 10**mu).to_integral_value(ROUND_CEILING))
        tests["meets_min_revenue"] = minor >= edge
    if rule.top_n is not None:
        tests["meets_top_n"] = rank <= rule.top_n
    if rule.grades is not None:
        tests["meets_grades"] = np.isin(grade, np.array(rule.grades, dtype=object))
    if rule.min_orders is not None:
        tests["meets_min_orders"] = orders >= rule.min_orders
    stack = np.vstack(list(tests.values()))
    chosen = stack.all(axis=0) if rule.combine == "all" else stack.any(axis=0)
    ids = s.customers[order]
    table = pd.DataFrame(
        {
            "rank": rank,
            "customer_id": ids,
            "revenue": _decimals(minor, summary.currency),
            "revenue_minor": minor,
            "orders": orders,
            "grade": grade,
            **tests,
            "key_account": chosen,
        }
    )
    return KeyAccounts(
        table,
        tuple(str(c) for c in ids[chosen].tolist()),
        rule,
        summary.currency,
        summary.lines_used,
        summary.errors,
    )


# --------------------------------------------------------------------------- concentration
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
