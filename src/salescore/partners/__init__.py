"""Channels and partners (渠道管理): partner programmes, tiers, channel performance, conflicts.

Partner programmes are plan data, in the style of the commission engine:
frozen models that round-trip through JSON, so a CRM can store and edit them.

- :class:`VolumeRebate` pays a rate on the partner's volume of the period,
  by tiers read ``marginal`` (each slice at its tier's rate) or
  ``retroactive`` (the whole volume at the rate of the tier reached);
- :class:`BackEndRebate` pays, after the period, a rate on the volume above
  a growth threshold over the partner's baseline;
- :class:`MdfProgram` accrues market development funds (MDF) as a share of
  revenue with a cap per period; claims are approved against the balance.

:func:`rebate_statement` and :func:`mdf_statement` explain every line in
English and Simplified Chinese; money is ``Decimal`` in major units, rounded
once, and the lines add up to the totals to the minor unit.
"""

from salescore.partners.conflicts import (
    CHANNEL_CLAIMS,
    ChannelClaim,
    ChannelConflicts,
    ConflictRule,
    channel_conflicts,
)
from salescore.partners.mdf import (
    MDF_CLAIMS,
    ClaimDecision,
    MdfClaim,
    MdfFrames,
    MdfLine,
    MdfProgram,
    MdfStatement,
    mdf_frame,
    mdf_statement,
)
from salescore.partners.performance import ChannelPerformance, channel_performance
from salescore.partners.rebates import (
    BackEndRebate,
    RebateFrames,
    RebateLine,
    RebateMode,
    RebateStatement,
    RebateTier,
    VolumeRebate,
    rebate_frame,
    rebate_statement,
)
from salescore.partners.sales import PARTNER_SALES, PartnerSale
from salescore.partners.tiers import (
    PartnerPeriod,
    PartnerTier,
    PartnerTierRule,
    PartnerTiers,
    TierChange,
    partner_tiers,
)

__all__ = [
    "CHANNEL_CLAIMS",
    "MDF_CLAIMS",
    "PARTNER_SALES",
    "BackEndRebate",
    "ChannelClaim",
    "ChannelConflicts",
    "ChannelPerformance",
    "ClaimDecision",
    "ConflictRule",
    "MdfClaim",
    "MdfFrames",
    "MdfLine",
    "MdfProgram",
    "MdfStatement",
    "PartnerPeriod",
    "PartnerSale",
    "PartnerTier",
    "PartnerTierRule",
    "PartnerTiers",
    "RebateFrames",
    "RebateLine",
    "RebateMode",
    "RebateStatement",
    "RebateTier",
    "TierChange",
    "VolumeRebate",
    "channel_conflicts",
    "channel_performance",
    "mdf_frame",
    "mdf_statement",
    "partner_tiers",
    "rebate_frame",
    "rebate_statement",
]
