"""Tables scoped by product and category, chosen by specificity; fixed amounts per deal or unit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import JAN, credit_lists
from tests.commission.test_bulk import _to_frame

from salescore.commission import (
    AcceleratorBand,
    CommissionPlan,
    Credit,
    Refund,
    Tier,
    TieredComponent,
    clawback,
    statement,
    statements_frame,
)
from salescore.errors import InvalidInputError
from salescore.money import Money


def table(name: str, rate: str, **kw: object) -> TieredComponent:
    args: dict[str, object] = {"name": name, "tiers": [Tier(lower=0, rate=rate)]}
    return TieredComponent.model_validate(args | kw)


RULES = CommissionPlan(
    id="P",
    currency="CNY",
    components=[
        table("default", "0.05", rule="base"),
        table("hardware", "0.03", rule="base", category="hw"),
        table("x1", "0.08", rule="base", product="X1"),
        table("kicker", "0.01"),
    ],
)


def cr(deal: str, amount: str, **kw: object) -> Credit:
    return Credit.model_validate(
        {
            "deal_id": deal,
            "rep_id": "R1",
            "amount": Money(amount, "CNY"),
            "credited_on": date(2026, 1, 5),
        }
        | kw
    )


def test_most_specific_rule_applies():
    # X1 (a hardware product) is paid by its product table, other hardware by the
    # category table, the rest by the default; the kicker table (no rule) pays all.
    credits = [
        cr("D1", "1000", product="X1", category="hw"),
        cr("D2", "1000", product="X2", category="hw"),
        cr("D3", "1000", product="S1", category="sw"),
        cr("D4", "1000"),
    ]
    s = statement(RULES, "R1", credits, period=JAN)
    assert [(x.deal_id, x.component, x.amount) for x in s.lines] == [
        ("D1", "x1", Decimal("80.00")),
        ("D1", "kicker", Decimal("10.00")),
        ("D2", "hardware", Decimal("30.00")),
        ("D2", "kicker", Decimal("10.00")),
        ("D3", "default", Decimal("50.00")),
        ("D3", "kicker", Decimal("10.00")),
        ("D4", "default", Decimal("50.00")),
        ("D4", "kicker", Decimal("10.00")),
    ]
    out = statements_frame(RULES, _to_frame(credits), period=JAN)
    assert out.lines[["deal_id", "component", "amount_minor"]].values.tolist() == [
        [x.deal_id, x.component, int(x.amount * 100)] for x in s.lines
    ]


def test_scoped_table_measures_only_its_credits_and_unmatched_credits_show():
    # A product table with a running 10,000 threshold counts only its product.
    tiers = [Tier(lower=0, upper=10000, rate="0.05"), Tier(lower=10000, rate="0.10")]
    p = CommissionPlan(
        id="P",
        currency="CNY",
        components=[TieredComponent(name="x1", tiers=tiers, product="X1")],
    )
    credits = [
        cr("D1", "8000", product="X1"),
        cr("D2", "8000", product="Y", credited_on=date(2026, 1, 6)),
        cr("D3", "4000", product="X1", credited_on=date(2026, 1, 7)),
    ]
    s = statement(p, "R1", credits, period=JAN)
    assert [(x.deal_id, x.kind, x.tier, x.amount) for x in s.lines] == [
        ("D1", "tier", 1, Decimal("400.00")),
        ("D3", "tier", 1, Decimal("100.00")),
        ("D3", "tier", 2, Decimal("200.00")),
        ("D2", "unmatched", 0, Decimal("0.00")),
    ]
    assert s.lines[3].reason_en == "no rate table applies to this credit's product or category"
    assert s.lines[3].reason_zh == "没有适用于该产品或品类的费率表"
    out = statements_frame(p, _to_frame(credits), period=JAN)
    assert out.lines[["deal_id", "kind", "row", "amount_minor"]].values.tolist() == [
        ["D1", "tier", 0, 40000],
        ["D3", "tier", 2, 10000],
        ["D3", "tier", 2, 20000],
        ["D2", "unmatched", 1, 0],
    ]
    # A refund of the unmatched deal claws back nothing (it was paid nothing).
    cb = clawback(
        s,
        Refund(deal_id="D2", amount=Money("100", "CNY"), refunded_on=date(2026, 1, 9)),
        window_days=30,
    )
    assert (cb.credited, cb.amount) == (Decimal("8000"), Decimal("0.00"))


def test_fixed_amount_per_deal_and_per_unit():
    # 200 per deal, 300 once the running total reaches 10,000 (marginal: the tier the
    # running total reaches with the deal); 15 per unit, x2 above 10,000.
    per_deal = TieredComponent(
        name="per deal",
        rate_kind="per_deal",
        tiers=[Tier(lower=0, upper=10000, rate=200), Tier(lower=10000, rate=300)],
    )
    per_unit = TieredComponent(
        name="per unit",
        rate_kind="per_unit",
        mode="retroactive",
        tiers=[Tier(lower=0, rate="15")],
        accelerators=[AcceleratorBand(lower=10000, multiplier=2)],
    )
    p = CommissionPlan(id="P", currency="CNY", components=[per_deal, per_unit])
    credits = [
        cr("D1", "6000", units=3),
        cr("D2", "6000", units=2, credited_on=date(2026, 1, 6)),
    ]
    s = statement(p, "R1", credits, period=JAN)
    assert [(x.deal_id, x.component, x.tier, x.rate, x.amount) for x in s.lines] == [
        ("D1", "per deal", 1, Decimal("200"), Decimal("200.00")),
        ("D1", "per unit", 1, Decimal("15"), Decimal("90.00")),
        ("D2", "per deal", 2, Decimal("300"), Decimal("300.00")),
        ("D2", "per unit", 1, Decimal("15"), Decimal("60.00")),
    ]
    assert s.lines[0].reason_en == "1 deal (6,000.00 CNY) in tier 1 at 200 CNY per deal"
    assert s.lines[0].reason_zh == "1 笔（6,000.00 CNY）属于第1档，每笔 200 CNY"
    assert (
        s.lines[1].reason_en
        == "3 units (6,000.00 CNY) in tier 1 at 15 CNY per unit x 2 accelerator"
    )
    assert s.lines[3].reason_zh == "2 件（6,000.00 CNY）属于第1档，每件 15 CNY × 加速系数 2"
    out = statements_frame(p, _to_frame(credits), period=JAN)
    assert out.lines["amount_minor"].tolist() == [20000, 9000, 30000, 6000]
    # Units must be whole in a frame; a missing value means 1.
    df = _to_frame(credits)
    df.loc[0, "units"] = 1.5
    df.loc[1, "units"] = None
    bad = statements_frame(p, df, period=JAN)
    assert bad.errors[["row", "reason"]].to_dict("records") == [
        {"row": 0, "reason": "not_whole_units"}
    ]
    # D2 alone: 6,000 is below 10,000, so 1 unit at 15 without the accelerator.
    assert bad.lines["amount_minor"].tolist() == [20000, 1500]


def test_plan_rules_are_checked_and_round_trip():
    assert CommissionPlan.model_validate_json(RULES.model_dump_json()) == RULES
    with pytest.raises(InvalidInputError, match="give one of the two"):
        table("t", "0.1", product="X", category="Y")
    with pytest.raises(InvalidInputError, match="interpolated"):
        TieredComponent(
            name="t",
            rate_kind="per_deal",
            mode="interpolated",
            tiers=[Tier(lower=0, upper=1, rate=1, end_rate=2), Tier(lower=1, rate=1)],
        )
    with pytest.raises(InvalidInputError, match="same scope"):
        CommissionPlan(
            id="P",
            currency="CNY",
            components=[table("a", "0.1", rule="r"), table("b", "0.2", rule="r")],
        )
    with pytest.raises(InvalidInputError, match="decimal places"):
        CommissionPlan(id="P", currency="JPY", components=[table("a", "0.5", rate_kind="per_deal")])
    with pytest.raises(InvalidInputError, match="reserved"):
        CommissionPlan(id="P", currency="CNY", components=[table("unmatched", "0.1")])
    flagged = CommissionPlan(
        id="P",
        currency="CNY",
        components=[table("a", "0.1")],
        spiffs=[{"name": "s", "flag": "units", "amount": 1}],
    )
    with pytest.raises(InvalidInputError, match="credits columns"):
        statements_frame(flagged, _to_frame([]), period=JAN)


@given(credits=credit_lists(max_size=10))
def test_statement_most_specific_rule_pays_each_credit(credits):
    # Each credit's lines come from exactly one table of the rule: its product's if
    # there is one, else its category's, else the default; the kicker pays all.
    p = CommissionPlan(
        id="P",
        currency="CNY",
        components=[
            table("default", "0.05", rule="base"),
            table("c1", "0.03", rule="base", category="C1"),
            table("p1", "0.08", rule="base", product="P1"),
            table("kicker", "0.01", measure="transaction"),
        ],
    )
    s = statement(p, "R1", credits, period=JAN)
    for c in credits:
        paid_by = {x.component for x in s.lines if x.deal_id == c.deal_id}
        expected = "p1" if c.product == "P1" else "c1" if c.category == "C1" else "default"
        assert paid_by == {expected, "kicker"}
        for x in s.lines:
            if x.deal_id == c.deal_id:
                assert x.base == c.amount.amount


@given(credits=credit_lists(max_size=10), rate=st.integers(0, 100_000))
def test_statement_per_deal_pays_rate_times_count(credits, rate):
    # A flat per-deal or per-unit table pays rate x deals (or units), whatever the amounts.
    amount = Decimal(rate) / 100
    for kind in ("per_deal", "per_unit"):
        p = CommissionPlan(
            id="P", currency="CNY", components=[table("t", str(amount), rate_kind=kind)]
        )
        s = statement(p, "R1", credits, period=JAN)
        count = len(credits) if kind == "per_deal" else sum(c.units for c in credits)
        assert s.total == amount * count
        out = statements_frame(p, _to_frame(credits), period=JAN)
        assert int(out.totals["total_minor"].sum()) == rate * count
        assert out.errors.empty


def test_frame_without_attribute_columns():
    # product, category and units are optional columns.
    df = pd.DataFrame(
        {
            "deal_id": ["D1"],
            "rep_id": ["R1"],
            "amount": [1000.0],
            "currency": "CNY",
            "credited_on": pd.to_datetime(["2026-01-05"]),
        }
    )
    out = statements_frame(RULES, df, period=JAN)
    assert out.lines[["component", "amount_minor"]].values.tolist() == [
        ["default", 5000],
        ["kicker", 1000],
    ]
