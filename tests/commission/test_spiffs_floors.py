"""SPIFFs (fixed bonuses for flagged credits) and floors (a minimum payout per period)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from tests.commission._helpers import JAN, credit, credit_lists, plan, plans, two_tier

from salescore.commission import (
    CommissionPlan,
    Credit,
    Floor,
    Refund,
    Spiff,
    Tier,
    TieredComponent,
    clawback,
    plan_cost,
    statement,
    statements_frame,
)
from salescore.errors import FrameValidationError, InvalidInputError
from salescore.money import Money

Q = Money("100000", "CNY")
FIVE = TieredComponent(name="base", tiers=[Tier(lower=0, rate="0.05")])
NEW_LOGO = Spiff(name="new logo", flag="new_logo", amount=500)


def flagged(deal: str, amount: str, day: int = 5, *flags: str) -> Credit:
    return credit(deal, amount, day).model_copy(update={"flags": frozenset(flags)})


def rows(s: object) -> list[tuple[str | None, str, str, Decimal]]:
    return [(x.deal_id, x.component, x.kind, x.amount) for x in s.lines]  # type: ignore[attr-defined]


def test_statement_spiff_and_floor():
    # 5%: D1 20,000 -> 1,000 plus a 500 new-logo SPIFF; D2 10,000 -> 500. Earned 2,000,
    # below the 3,000 floor: a floor line of 1,000 tops it up.
    p = plan(FIVE, spiffs=(NEW_LOGO,), floor=Floor(amount=3000))
    s = statement(
        p, "R1", [flagged("D1", "20000", 5, "new_logo"), flagged("D2", "10000", 6)], period=JAN
    )
    assert rows(s) == [
        ("D1", "base", "tier", Decimal("1000.00")),
        ("D1", "new logo", "spiff", Decimal("500.00")),
        ("D2", "base", "tier", Decimal("500.00")),
        (None, "floor", "floor", Decimal("1000.00")),
    ]
    assert s.total == Decimal("3000.00")
    assert s.subtotals == {
        "base": Decimal("1500.00"),
        "new logo": Decimal("500.00"),
        "floor": Decimal("1000.00"),
    }
    spiff, floor = s.lines[1], s.lines[3]
    assert spiff.reason_en == "SPIFF of 500.00 CNY for 'new_logo'"
    assert spiff.reason_zh == "'new_logo' 专项奖励 500.00 CNY"
    assert (spiff.base, spiff.rate, spiff.tier) == (Decimal("0.00"), Decimal(0), 0)
    assert floor.credited_on is None
    assert floor.reason_en == "topped up to the 3,000.00 CNY minimum payout"
    assert floor.reason_zh == "补足至保底佣金 3,000.00 CNY"


def test_clawback_reverses_spiff_with_the_deal():
    # D1 paid 1,000 + a 500 SPIFF; refunding half of its 20,000 reverses half of 1,500.
    p = plan(FIVE, spiffs=(NEW_LOGO,), floor=Floor(amount=100))
    s = statement(p, "R1", [flagged("D1", "20000", 5, "new_logo")], period=JAN)
    refund = Refund(deal_id="D1", amount=Money("10000", "CNY"), refunded_on=date(2026, 2, 1))
    cb = clawback(s, refund, window_days=90)
    assert (cb.credited, cb.paid, cb.amount) == (
        Decimal("20000.00"),
        Decimal("1500.00"),
        Decimal("-750.00"),
    )


def test_statement_floor_not_needed_above_it():
    # 100,000 * 5% = 5,000 > 3,000: no floor line.
    p = plan(FIVE, floor=Floor(amount=3000, name="guarantee"))
    s = statement(p, "R1", [credit("D1", "100000")], period=JAN)
    assert [x.kind for x in s.lines] == ["tier"]
    assert s.subtotals["guarantee"] == Decimal("0.00")


def test_statement_floor_without_credits_pays_the_floor():
    s = statement(plan(FIVE, floor=Floor(amount="2500.50")), "R1", [], period=JAN)
    assert rows(s) == [(None, "floor", "floor", Decimal("2500.50"))]
    assert s.total == Decimal("2500.50")


def test_statement_floor_tops_up_the_exact_amount():
    # 1,999.90 * 5% = 99.995 exactly, below a 100.00 floor: the floor adds 0.005, so the
    # total is exactly 100.00 and the lines (99.99 and 0.01 after largest remainder) sum to it.
    s = statement(plan(FIVE, floor=Floor(amount=100)), "R1", [credit("D1", "1999.90")], period=JAN)
    assert s.total == Decimal("100.00")
    assert [x.exact_amount for x in s.lines] == [Decimal("99.995"), Decimal("0.005")]
    assert sum(x.amount for x in s.lines) == Decimal("100.00")


def test_statement_spiff_min_amount_and_limit():
    # Only credits of at least 5,000 qualify, at most two per period: D2 (1,000) does not
    # qualify; D1 and D3 are paid; D4 would be the third.
    spiff = Spiff(name="big", flag="new_logo", amount="250.50", min_amount=5000, limit=2)
    credits = [
        flagged("D1", "5000", 1, "new_logo"),
        flagged("D2", "1000", 2, "new_logo"),
        flagged("D3", "9000", 3, "new_logo", "multi_year"),
        flagged("D4", "9000", 4, "new_logo"),
    ]
    s = statement(plan(FIVE, spiffs=(spiff,)), "R1", credits, period=JAN)
    assert [x.deal_id for x in s.lines if x.kind == "spiff"] == ["D1", "D3"]
    assert s.subtotals["big"] == Decimal("501.00")


def test_statement_named_event_as_zero_credit():
    # A webinar run is an event, not a deal: a zero credit carrying the flag earns the SPIFF.
    spiff = Spiff(name="webinar", flag="webinar", amount=200)
    s = statement(plan(FIVE, spiffs=(spiff,)), "R1", [flagged("E1", "0", 7, "webinar")], period=JAN)
    assert rows(s) == [
        ("E1", "base", "tier", Decimal("0.00")),
        ("E1", "webinar", "spiff", Decimal("200.00")),
    ]


def test_statement_spiff_ignores_gates_and_caps():
    # The tier pays 40,000 * 5% = 2,000, reversed by the 50% gate; the SPIFF still pays.
    p = plan(two_tier(gate="0.5", period_cap=1000), spiffs=(NEW_LOGO,))
    s = statement(p, "R1", [flagged("D1", "40000", 5, "new_logo")], period=JAN, quota=Q)
    assert [(x.kind, x.amount) for x in s.lines] == [
        ("tier", Decimal("2000.00")),
        ("period_cap", Decimal("-1000.00")),
        ("gate", Decimal("-1000.00")),
        ("spiff", Decimal("500.00")),
    ]
    assert s.total == Decimal("500.00")


def test_statements_frame_spiff_and_floor():
    # R1 as in the statement example; R2 has a quota but no credits: the floor only.
    p = plan(FIVE, spiffs=(NEW_LOGO,), floor=Floor(amount=3000))
    df = pd.DataFrame(
        {
            "deal_id": ["D1", "D2"],
            "rep_id": ["R1", "R1"],
            "amount": [20000.0, 10000.0],
            "currency": "CNY",
            "credited_on": pd.to_datetime(["2026-01-05", "2026-01-06"]),
            "new_logo": [True, False],
        },
        index=[7, 8],
    )
    out = statements_frame(p, df, period=JAN, quotas=pd.Series({"R1": 1.0, "R2": 1.0}))
    got = out.lines[["rep_id", "deal_id", "row", "component", "kind", "amount_minor"]]
    assert [[None if pd.isna(v) else v for v in r] for r in got.itertuples(index=False)] == [
        ["R1", "D1", 7, "base", "tier", 100_000],
        ["R1", "D1", 7, "new logo", "spiff", 50_000],
        ["R1", "D2", 8, "base", "tier", 50_000],
        ["R1", None, None, "floor", "floor", 100_000],
        ["R2", None, None, "floor", "floor", 300_000],
    ]
    assert out.totals["total_minor"].to_dict() == {"R1": 300_000, "R2": 300_000}


def test_statements_frame_spiff_flag_column_rules():
    p = plan(FIVE, spiffs=(NEW_LOGO,))
    df = pd.DataFrame(
        {
            "deal_id": ["D1", "D2"],
            "rep_id": ["R1", "R1"],
            "amount": [1.0, 1.0],
            "currency": "CNY",
            "credited_on": pd.to_datetime(["2026-01-05", "2026-01-06"]),
        }
    )
    with pytest.raises(FrameValidationError, match="new_logo"):
        statements_frame(p, df, period=JAN)
    df["new_logo"] = pd.array([True, None], dtype="boolean")
    out = statements_frame(p, df, period=JAN)
    assert out.errors[["row", "column"]].to_dict("records") == [{"row": 1, "column": "new_logo"}]
    assert out.lines["deal_id"].tolist() == ["D1", "D1"]
    clash = plan(FIVE, spiffs=(Spiff(name="s", flag="amount", amount=1),))
    with pytest.raises(InvalidInputError, match=r"flags \['amount'\] are credits columns"):
        statements_frame(clash, df, period=JAN)


def test_plan_cost_pays_floors_not_spiffs():
    # Sampled credits carry no flags; the 3,000 floor lifts 50% attainment (2,500).
    p = plan(two_tier(), spiffs=(NEW_LOGO,), floor=Floor(amount=3000))
    assert plan_cost(p, [0.5, 1.0], quota=Q).payouts[:, 0].tolist() == [300_000, 500_000]


def test_plan_with_spiffs_and_floor_round_trips_through_json():
    p = plan(
        two_tier(),
        spiffs=(NEW_LOGO, Spiff(name="multi", flag="multi_year", amount="99.99", limit=2)),
        floor=Floor(amount="1500.25", name="guarantee"),
    )
    assert CommissionPlan.model_validate_json(p.model_dump_json()) == p
    assert CommissionPlan.model_validate(p.model_dump(mode="json")) == p
    c = flagged("D1", "1", 5, "new_logo", "multi_year")
    assert Credit.model_validate_json(c.model_dump_json()) == c


def test_plan_spiff_and_floor_names_must_be_unique():
    with pytest.raises(InvalidInputError, match=r"component names \['base'\] repeat"):
        plan(FIVE, spiffs=(Spiff(name="base", flag="x", amount=1),))
    with pytest.raises(InvalidInputError, match=r"component names \['floor'\] repeat"):
        plan(FIVE, spiffs=(Spiff(name="floor", flag="x", amount=1),), floor=Floor(amount=1))


def test_plan_spiff_and_floor_amounts_in_minor_units():
    with pytest.raises(InvalidInputError, match=r"spiff 's' amount 0\.5 has more decimal places"):
        plan(FIVE, spiffs=(Spiff(name="s", flag="x", amount="0.5"),), currency="JPY")
    with pytest.raises(InvalidInputError, match=r"spiff 's' min_amount 0\.001 has more decimal"):
        plan(FIVE, spiffs=(Spiff(name="s", flag="x", amount=1, min_amount="0.001"),))
    with pytest.raises(InvalidInputError, match=r"floor 'floor' amount 0\.001 has more decimal"):
        plan(FIVE, floor=Floor(amount="0.001"))


def test_spiff_bad_fields():
    with pytest.raises(InvalidInputError, match="limit"):
        Spiff(name="s", flag="x", amount=1, limit=0)
    with pytest.raises(InvalidInputError, match="negative"):
        Spiff(name="s", flag="x", amount=-1)
    with pytest.raises(InvalidInputError, match="negative"):
        Floor(amount=-1)


# ----------------------------------------------------------------------- properties
@given(p=plans(), credits=credit_lists())
def test_statement_floor_is_max_of_floor_and_earnings(p, credits):
    without = statement(p.model_copy(update={"floor": None}), "R1", credits, period=JAN, quota=Q)
    s = statement(p, "R1", credits, period=JAN, quota=Q)
    floor = Decimal(0) if p.floor is None else p.floor.amount
    assert s.total == max(without.total, floor)


@given(p=plans(), credits=credit_lists())
def test_statement_spiffs_add_fixed_amounts(p, credits):
    bare = p.model_copy(update={"spiffs": (), "floor": None})
    with_spiffs = p.model_copy(update={"floor": None})
    base = statement(bare, "R1", credits, period=JAN, quota=Q)
    s = statement(with_spiffs, "R1", credits, period=JAN, quota=Q)
    paid = [x for x in s.lines if x.kind == "spiff"]
    assert s.total == base.total + sum((x.amount for x in paid), Decimal(0))
    for spiff in p.spiffs:
        mine = [x for x in paid if x.component == spiff.name]
        assert all(x.amount == spiff.amount for x in mine)
        eligible = [
            c
            for c in credits
            if spiff.flag in c.flags
            and (spiff.min_amount is None or c.amount.amount >= spiff.min_amount)
        ]
        expected = len(eligible) if spiff.limit is None else min(len(eligible), spiff.limit)
        assert len(mine) == expected


def test_credit_flags_default_empty():
    c = Credit(deal_id="D", rep_id="R", amount=Money(1, "CNY"), credited_on=date(2026, 1, 1))
    assert c.flags == frozenset()
