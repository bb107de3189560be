from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given

from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.models import Channel, Direction, Metric, Owner, Target
from salescore.testing import channels, targets


def test_target_complete_example():
    t = Target(
        id="FY26",
        metric="revenue",
        value="5000000",
        currency="CNY",
        direction="at_least",
        period=Period.year(2026),
        owner=Owner(kind="company"),
        scope={"region": "East"},
    )
    assert t.kind == "money"
    assert t.metric_name == "revenue"
    assert t.direction is Direction.AT_LEAST and t.direction.higher_is_better
    assert not Direction.DECREASE.higher_is_better
    assert hash(t) == hash(t.model_copy())


def test_target_draft_allowed():
    draft = Target(id="draft", description="increase sales")
    assert draft.metric is None and draft.kind is None and draft.metric_name is None
    assert draft.value is None and draft.period is None


def test_target_kinds():
    assert Target(id="a", metric="churn_rate").kind == "rate"
    assert Target(id="a", metric="deals_won").kind == "count"
    assert Target(id="a", metric="average_deal_size").kind == "level"
    custom = Target(id="a", metric="custom", custom_metric="demos booked")
    assert custom.kind == "level" and custom.metric_name == "demos booked"
    assert Target(id="a", metric="custom", custom_metric="m", currency="USD").kind == "money"
    assert Target(id="a", metric="custom", custom_metric="m", unit="fraction").kind == "rate"


def test_target_bad_input():
    with pytest.raises(InvalidInputError, match="custom metric without a name"):
        Target(id="a", metric=Metric.CUSTOM)
    with pytest.raises(InvalidInputError, match="set metric='custom'"):
        Target(id="a", metric="revenue", custom_metric="x")
    with pytest.raises(InvalidInputError, match="not finite"):
        Target(id="a", value=float("nan"))
    with pytest.raises(InvalidInputError, match="'RMB'"):
        Target(id="a", currency="RMB")
    with pytest.raises(InvalidInputError, match="team owner needs an id"):
        Owner(kind="team")
    with pytest.raises(InvalidInputError, match="metric"):
        Target(id="a", metric="happiness")


def test_target_out_of_range_rate_is_allowed_for_smart_to_judge():
    assert Target(id="a", metric="market_share", value=1.5).value == Decimal("1.5")


@given(targets())
def test_target_json_round_trip(t):
    dumped = t.model_dump(mode="json")
    again = Target.model_validate(dumped)
    assert again == t
    assert again.model_dump(mode="json") == dumped


@given(channels())
def test_channel_json_round_trip(c):
    assert Channel.model_validate(c.model_dump(mode="json")) == c


def test_every_model_exports_json_schema():
    import salescore.models as m

    for model in (m.Stage, m.Pipeline, m.StageChange, m.Opportunity, m.Rep, m.Team):
        schema = model.model_json_schema()
        assert schema["type"] == "object" and schema["properties"]
    for other in (m.Organization, m.Channel, m.Target, m.Owner):
        assert other.model_json_schema()["additionalProperties"] is False
