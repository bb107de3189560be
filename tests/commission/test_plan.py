from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import JAN, carries, credit_lists, plan, plans, two_tier

from salescore.commission import (
    AcceleratorBand,
    Carry,
    CommissionPlan,
    PlanSchedule,
    PlanVersion,
    Statement,
    Tier,
    TieredComponent,
    statement,
)
from salescore.errors import InvalidInputError, UnknownCurrencyError
from salescore.money import Money


def test_plan_round_trips_through_json():
    p = plan(
        two_tier(
            mode="retroactive",
            boundary="lower",
            accelerators=[AcceleratorBand(lower="1.2", multiplier="1.5")],
            deal_cap="5000",
            period_cap="20000.50",
        )
    )
    assert CommissionPlan.model_validate_json(p.model_dump_json()) == p
    assert CommissionPlan.model_validate(p.model_dump(mode="json")) == p
    assert "components" in CommissionPlan.model_json_schema()["properties"]


def test_breakpoints_merge_tiers_and_bands():
    c = two_tier(accelerators=[AcceleratorBand(lower="0.5", upper="1.5", multiplier=2)])
    assert c.breakpoints() == (Decimal(0), Decimal("0.5"), Decimal(1), Decimal("1.5"))
    assert c.segment(Decimal("0.5")) == (1, Decimal("0.05"), Decimal(2))
    assert c.segment(Decimal("1.5")) == (2, Decimal("0.08"), Decimal(1))


def test_segment_above_closed_top_tier_pays_nothing():
    c = TieredComponent(name="c", tiers=[Tier(lower=0, upper=10, rate="0.1")])
    assert c.breakpoints() == (Decimal(0), Decimal(10))
    assert c.segment(Decimal(10)) == (0, Decimal(0), Decimal(1))


def test_tier_upper_not_above_lower():
    with pytest.raises(InvalidInputError, match="tier upper 1 is not above its lower 1"):
        Tier(lower=1, upper=1, rate=0)


def test_tier_negative_rate():
    with pytest.raises(InvalidInputError, match=r"value '-0.1' is negative"):
        Tier(lower=0, rate="-0.1")


def test_tier_too_many_places():
    with pytest.raises(InvalidInputError, match=r"tier rate 0.123456789 has more than 8"):
        Tier(lower=0, rate="0.123456789")


def test_band_upper_not_above_lower():
    with pytest.raises(InvalidInputError, match="band upper 1 is not above its lower 2"):
        AcceleratorBand(lower=2, upper=1, multiplier=1)


def test_band_too_many_places():
    with pytest.raises(InvalidInputError, match=r"band multiplier 1.123456789 has more than 8"):
        AcceleratorBand(lower=0, multiplier="1.123456789")


def test_component_first_tier_not_at_zero():
    with pytest.raises(InvalidInputError, match="tier 1 starts at 1; the first tier must start"):
        TieredComponent(name="c", tiers=[Tier(lower=1, rate=0)])


def test_component_gap_between_tiers():
    with pytest.raises(InvalidInputError, match="tier 2 starts at 2 but tier 1 ends at 1"):
        TieredComponent(name="c", tiers=[Tier(lower=0, upper=1, rate=0), Tier(lower=2, rate=0)])


def test_component_overlapping_tiers():
    with pytest.raises(InvalidInputError, match="tier 2 starts at 1 but tier 1 ends at 2"):
        TieredComponent(name="c", tiers=[Tier(lower=0, upper=2, rate=0), Tier(lower=1, rate=0)])


def test_component_tier_after_open_tier():
    with pytest.raises(InvalidInputError, match="tier 2 starts at 1 but tier 1 ends at None"):
        TieredComponent(name="c", tiers=[Tier(lower=0, rate=0), Tier(lower=1, rate=0)])


def test_component_overlapping_bands():
    bands = [
        AcceleratorBand(lower=1, upper=3, multiplier=2),
        AcceleratorBand(lower=2, multiplier=3),
    ]
    with pytest.raises(InvalidInputError, match="bands starting at 1 and 2 overlap"):
        TieredComponent(name="c", tiers=[Tier(lower=0, rate=0)], accelerators=bands)


def test_plan_duplicate_component_names():
    with pytest.raises(InvalidInputError, match=r"component names \['base'\] repeat"):
        plan(two_tier(), two_tier())


def test_plan_cap_with_too_many_places():
    with pytest.raises(InvalidInputError, match=r"'base' deal_cap 1.5 has more decimal places"):
        plan(two_tier(deal_cap="1.5"), currency="JPY")


def test_plan_amount_boundary_with_too_many_places():
    c = TieredComponent(
        name="c", tiers=[Tier(lower=0, upper="0.001", rate=0), Tier(lower="0.001", rate=0)]
    )
    with pytest.raises(InvalidInputError, match=r"boundary 0.001 has more decimal places"):
        plan(c)


def test_plan_unknown_currency():
    with pytest.raises(UnknownCurrencyError):
        plan(two_tier(), currency="XXY")


def test_plan_needs_quota():
    assert plan(two_tier()).needs_quota
    assert not plan(TieredComponent(name="c", tiers=[Tier(lower=0, rate=0)])).needs_quota


def test_component_two_separate_bands():
    bands = [
        AcceleratorBand(lower=0, upper="0.5", multiplier="0.5"),
        AcceleratorBand(lower="1.5", multiplier=2),
    ]
    c = TieredComponent(
        name="c", basis="attainment", tiers=[Tier(lower=0, rate=0)], accelerators=bands
    )
    assert c.segment(Decimal(1)) == (1, Decimal(0), Decimal(1))


@given(p=plans())
def test_plan_round_trips_through_json_with_every_option(p):
    # The strategy draws year caps, draws, allow_negative, scoped rules and fixed rates.
    assert CommissionPlan.model_validate_json(p.model_dump_json()) == p
    assert CommissionPlan.model_validate(p.model_dump(mode="json")) == p


@given(first=plans(), second=plans(), cut=st.integers(0, 400))
def test_plan_schedule_round_trips_through_json(first, second, cut):
    s = PlanSchedule(
        versions=[
            PlanVersion(effective_from=date(2025, 1, 1), plan=first),
            PlanVersion(effective_from=date(2025, 1, 2) + timedelta(days=cut), plan=second),
        ]
    )
    assert PlanSchedule.model_validate_json(s.model_dump_json()) == s


@given(p=plans(), credits=credit_lists(max_size=4), carry=carries())
def test_statement_and_carry_round_trip_through_json(p, credits, carry):
    s = statement(p, "R1", credits, period=JAN, quota=Money("1000", "CNY"), prior=carry)
    assert Statement.model_validate_json(s.model_dump_json()) == s
    assert Carry.model_validate_json(s.carry.model_dump_json()) == s.carry
