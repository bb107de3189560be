"""Frozen pydantic models of the sales domain: data and invariants, no business maths.

Every model is immutable, rejects unknown fields, exports a JSON Schema
(``Model.model_json_schema()``) and round-trips through
``model_dump(mode="json")``. This package never imports numpy or pandas.
"""

from salescore.models.activity import Activity, ActivityKind
from salescore.models.channel import Channel, ChannelKind, Segment
from salescore.models.opportunity import (
    Opportunity,
    StageChange,
    check_opportunities,
    check_unique_ids,
)
from salescore.models.org import Organization, Rep, Team, check_team_tree
from salescore.models.stage import ForecastCategory, Pipeline, Stage, StageKind
from salescore.models.target import (
    METRIC_KINDS,
    Direction,
    Metric,
    MetricKind,
    Owner,
    OwnerKind,
    Target,
)

__all__ = [
    "METRIC_KINDS",
    "Activity",
    "ActivityKind",
    "Channel",
    "ChannelKind",
    "Direction",
    "ForecastCategory",
    "Metric",
    "MetricKind",
    "Opportunity",
    "Organization",
    "Owner",
    "OwnerKind",
    "Pipeline",
    "Rep",
    "Segment",
    "Stage",
    "StageChange",
    "StageKind",
    "Target",
    "Team",
    "check_opportunities",
    "check_team_tree",
    "check_unique_ids",
]
