"""Order lines: the :class:`OrderLine` record, its frame contract and its frame."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Final

import numpy as np
import pandas as pd
from pydantic import BeforeValidator

from salescore._base import FrozenModel
from salescore._numeric import to_decimal
from salescore.errors import InvalidInputError
from salescore.frames import (
    Column,
    FrameContract,
    MagnitudeCheck,
)
from salescore.models._fields import Identifier, NonNegativeAmount, OptionalText
from salescore.money import CurrencyCode

__all__ = ["ORDER_LINES", "OrderLine", "lines_frame"]


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
