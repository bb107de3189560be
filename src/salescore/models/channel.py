"""Sales channels: the routes by which deals reach customers."""

from __future__ import annotations

from enum import StrEnum

from salescore._base import FrozenModel
from salescore.models._fields import Fraction01, Identifier, Name

__all__ = ["Channel", "ChannelKind", "Segment"]


class ChannelKind(StrEnum):
    """How a channel sells."""

    DIRECT = "direct"
    INSIDE_SALES = "inside_sales"
    FIELD_SALES = "field_sales"
    DISTRIBUTOR = "distributor"
    RESELLER = "reseller"
    PARTNER = "partner"
    REFERRAL = "referral"
    MARKETPLACE = "marketplace"
    ONLINE_STORE = "online_store"
    RETAIL_STORE = "retail_store"
    OTHER = "other"


class Segment(StrEnum):
    """Whom a channel sells to."""

    B2B = "B2B"
    B2C = "B2C"


class Channel(FrozenModel):
    """A sales channel.

    Parameters
    ----------
    id, name : str
        Identifier and display name (surrounding blanks stripped; not blank).
    kind : ChannelKind
        Direct, distributor, reseller, partner, marketplace, online store, ...
    segment : Segment
        B2B or B2C.
    partner_commission_rate : float, optional
        Share of revenue paid to the channel partner [fraction].

    Examples
    --------
    >>> Channel(id="tmall", name="Tmall store", kind="marketplace", segment="B2C").kind
    <ChannelKind.MARKETPLACE: 'marketplace'>
    """

    id: Identifier
    name: Name
    kind: ChannelKind
    segment: Segment
    partner_commission_rate: Fraction01 | None = None
