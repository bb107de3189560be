"""One partner's sales in a period, read from :class:`~salescore.partners.PartnerSale` models."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.money import minor_unit
from salescore.partners._common import _check_places
from salescore.partners.sales import PartnerSale


def _partner_sales(
    sales: Sequence[PartnerSale], partner_id: str, period: Period, currency: str
) -> tuple[int, Decimal]:
    mu = minor_unit(currency)
    count, volume = 0, Decimal(0)
    for s in sales:
        if not isinstance(s, PartnerSale):
            raise InvalidInputError(f"sale {s!r} is a {type(s).__name__}; give PartnerSale models")
        if s.partner_id != partner_id or not period.contains(s.sold_on):
            continue
        _check_places(s.amount, f"sale {s.deal_id!r} amount", mu)
        count += 1
        volume += s.amount
    return count, volume
