"""The contracts of the models: opportunities, stage changes, reps, teams, channels, targets."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Final

from salescore.frames.contracts import (
    Column,
    DistinctCheck,
    FrameContract,
    Kind,
    MagnitudeCheck,
    OrderCheck,
)
from salescore.models import (
    ChannelKind,
    Direction,
    ForecastCategory,
    Metric,
    OwnerKind,
    Segment,
)

__all__ = ["CHANNELS", "CONTRACTS", "OPPORTUNITIES", "REPS", "STAGE_CHANGES", "TARGETS", "TEAMS"]


def _enum_values(enum: type[Enum]) -> tuple[str, ...]:
    return tuple(str(member.value) for member in enum)


def _id(name: str, description: str, *, unique: bool = False) -> Column:
    return Column(name, "string", unique=unique, nonblank=True, description=description)


def _text(name: str, description: str) -> Column:
    return Column(name, "string", required=False, nullable=True, description=description)


_FRACTION = (0.0, 1.0)

#: Opportunities (deals), one per row, matching :class:`~salescore.models.Opportunity`
#: (stage history goes in a separate :data:`STAGE_CHANGES` frame).
OPPORTUNITIES: Final = FrameContract(
    "opportunities",
    (
        _id("id", "unique deal id", unique=True),
        _id("owner_id", "id of the owning rep"),
        Column("amount", "float", non_negative=True, description="deal value [currency]"),
        Column("currency", "string", is_currency=True, description="ISO 4217 code of amount"),
        Column("stage", "string", description="current stage name"),
        Column("created_on", "date", description="date the deal was created"),
        Column(
            "expected_close_date",
            "date",
            required=False,
            nullable=True,
            description="date it is expected to close",
        ),
        Column(
            "close_date",
            "date",
            required=False,
            nullable=True,
            description="date it closed (won or lost)",
        ),
        _text("account_id", "the customer account"),
        _text("channel_id", "the sales channel"),
        _text("product", "product or product line"),
        Column(
            "probability",
            "float",
            required=False,
            nullable=True,
            bounds=_FRACTION,
            description="override of the stage's win probability [fraction]",
        ),
        Column(
            "forecast_category",
            "category",
            required=False,
            nullable=True,
            allowed=_enum_values(ForecastCategory),
            description="override of the stage's forecast category",
        ),
    ),
    (
        OrderCheck("created_on", "expected_close_date"),
        OrderCheck("created_on", "close_date"),
        MagnitudeCheck("amount", "currency"),
    ),
    "one deal per row",
)


#: Stage changes, one move per row, matching :class:`~salescore.models.StageChange`.
STAGE_CHANGES: Final = FrameContract(
    "stage_changes",
    (
        _id("opportunity_id", "the deal that moved"),
        Column(
            "from_stage",
            "string",
            required=False,
            nullable=True,
            description="stage left; null for the entry that creates the deal",
        ),
        Column("to_stage", "string", description="stage entered"),
        Column("changed_at", "datetime", description="when, timezone-aware (stored in UTC)"),
    ),
    (DistinctCheck("from_stage", "to_stage"),),
    "one stage move per row",
)


#: Reps, one per row, matching :class:`~salescore.models.Rep`; ``ramp`` is a JSON list.
REPS: Final = FrameContract(
    "reps",
    (
        _id("id", "unique rep id", unique=True),
        Column("name", "string", nonblank=True, description="display name"),
        _text("team_id", "the team they belong to"),
        _text("manager_id", "the rep who manages them"),
        Column("hire_date", "date", required=False, nullable=True, description="first day"),
        Column("leave_date", "date", required=False, nullable=True, description="last day"),
        Column(
            "capacity",
            "float",
            required=False,
            nullable=True,
            bounds=_FRACTION,
            description="share of full time [fraction]; null means 1",
        ),
        _text("ramp", "JSON list of ramp factors by month of tenure [fraction]"),
        _text("territory", "territory name"),
    ),
    (OrderCheck("hire_date", "leave_date"),),
    "one rep per row",
)


#: Teams, one per row, matching :class:`~salescore.models.Team`.
TEAMS: Final = FrameContract(
    "teams",
    (
        _id("id", "unique team id", unique=True),
        Column("name", "string", nonblank=True, description="display name"),
        _text("parent_id", "the team above; null at the top"),
    ),
    (DistinctCheck("id", "parent_id"),),
    "one team per row",
)


#: Channels, one per row, matching :class:`~salescore.models.Channel`.
CHANNELS: Final = FrameContract(
    "channels",
    (
        _id("id", "unique channel id", unique=True),
        Column("name", "string", nonblank=True, description="display name"),
        Column("kind", "category", allowed=_enum_values(ChannelKind), description="how it sells"),
        Column("segment", "category", allowed=_enum_values(Segment), description="B2B or B2C"),
        Column(
            "partner_commission_rate",
            "float",
            required=False,
            nullable=True,
            bounds=_FRACTION,
            description="share of revenue paid to the partner [fraction]",
        ),
    ),
    description="one channel per row",
)


def _optional(name: str, kind: Kind, description: str, **rules: Any) -> Column:
    return Column(name, kind, required=False, nullable=True, description=description, **rules)


#: Targets, one per row, matching :class:`~salescore.models.Target`: periods as
#: ``*_start``/``*_end`` date pairs, the owner as ``owner_kind``/``owner_id``
#: and ``scope`` as a JSON object.
TARGETS: Final = FrameContract(
    "targets",
    (
        _id("id", "unique target id", unique=True),
        _text("name", "display name"),
        _optional("metric", "category", "what is measured", allowed=_enum_values(Metric)),
        _text("custom_metric", "name of a custom metric"),
        _optional("value", "float", "goal value [currency, fraction or count]"),
        _optional("currency", "string", "ISO 4217 code for money metrics", is_currency=True),
        _text("unit", "unit of non-money metrics"),
        _optional("direction", "category", "which way is success", allowed=_enum_values(Direction)),
        _optional("baseline_value", "float", "value measured against"),
        _optional("baseline_period_start", "date", "first day of the baseline period"),
        _optional("baseline_period_end", "date", "first day after the baseline period"),
        _optional("period_start", "date", "first day of the period"),
        _optional("period_end", "date", "first day after the period"),
        _optional("owner_kind", "category", "who owns it", allowed=_enum_values(OwnerKind)),
        _text("owner_id", "id of the owner"),
        _text("scope", "JSON object narrowing the target, e.g. product line"),
        _text("parent_id", "target this one was decomposed from"),
        _text("description", "free text"),
    ),
    (
        OrderCheck("period_start", "period_end", strict=True),
        OrderCheck("baseline_period_start", "baseline_period_end", strict=True),
    ),
    "one target per row",
)


#: Every built-in contract by name.
CONTRACTS: Final[Mapping[str, FrameContract]] = {
    c.name: c for c in (OPPORTUNITIES, STAGE_CHANGES, REPS, TEAMS, CHANNELS, TARGETS)
}
