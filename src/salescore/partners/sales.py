"""Partner sales: the records that rebates and MDF are measured on."""

from __future__ import annotations

from datetime import date
from typing import Final

from salescore._base import FrozenModel
from salescore.frames import Column, FrameContract
from salescore.partners._common import Identifier, NonNegative

__all__ = ["PARTNER_SALES", "PartnerSale"]


class PartnerSale(FrozenModel):
    """One sale booked through a partner: what rebates and MDF are measured on.

    Parameters
    ----------
    deal_id : str
        The deal or order.
    partner_id : str
        The partner (channel) that sold it.
    sold_on : date
        The booking date; the sale counts in the period that contains it.
    amount : Decimal
        Net revenue of the sale [currency of the programme], >= 0.

    Examples
    --------
    >>> from datetime import date
    >>> PartnerSale(deal_id="D1", partner_id="P1", sold_on=date(2026, 2, 3), amount="1200").amount
    Decimal('1200')
    """

    deal_id: Identifier
    partner_id: Identifier
    sold_on: date
    amount: NonNegative


#: Partner sales, one per row (see :class:`PartnerSale`): the bulk input of
#: :func:`rebate_frame`.
PARTNER_SALES: Final = FrameContract(
    "partner_sales",
    (
        Column("deal_id", "string", nonblank=True, description="the deal or order"),
        Column("partner_id", "string", nonblank=True, description="the partner that sold it"),
        Column("sold_on", "date", description="the booking date"),
        Column("amount", "float", non_negative=True, description="net revenue [currency]"),
    ),
    (),
    "one sale per row, in the programme's currency",
)
