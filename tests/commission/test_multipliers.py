"""Attribute multipliers: factors on a credit's commission for the flags it carries."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from tests.commission._helpers import JAN, credit, credit_lists, plans

from salescore.commission import (
    AttributeMultiplier,
    CommissionPlan,
    Credit,
    Refund,
    Tier,
    TieredComponent,
    clawback,
    statement,
    statements_frame,
)
from salescore.errors import FrameValidationError, InvalidInputError
from salescore.money import Money

NEW = AttributeMultiplier(flag="new_customer", multiplier="1.5")
MULTI = AttributeMultiplier(flag="multi_year", multiplier="1.2")


def flagged(deal: str, amount: str, day: int, *flags: str) -> Credit:
    return credit(deal, amount, day).model_copy(update={"flags": frozenset(flags)})


def example_plan(**kw: object) -> CommissionPlan:
    """10 percent, a 1,000 deal cap; new customer x1.5 plan-wide, multi-year x1.2 on the table."""
    table = TieredComponent(
        name="base", tiers=[Tier(lower=0, rate="0.1")], deal_cap=1000, multipliers=[MULTI]
    )
    return CommissionPlan.model_validate(
        {"id": "P", "currency": "CNY", "components": [table], "multipliers": [NEW], **kw}
    )


CREDITS = [
    flagged("D1", "5000", 3, "new_customer"),
    flagged("D2", "6000", 4, "new_customer", "multi_year"),
    flagged("D3", "1000", 5),
]


def test_statement_multiplies_then_caps():
    s = statement(example_plan(), "R1", CREDITS, period=JAN)
    got = [(x.deal_id, x.kind, x.multiplier, x.amount) for x in s.lines]
    # D1: 500 x 1.5 = 750 (+250). D2: 600 x 1.5 x 1.2 = 1,080 (+480), capped at 1,000 (-80).
    assert got == [
        ("D1", "tier", Decimal(1), Decimal("500.00")),
        ("D1", "multiplier", Decimal("1.5"), Decimal("250.00")),
        ("D2", "tier", Decimal(1), Decimal("600.00")),
        ("D2", "multiplier", Decimal("1.80"), Decimal("480.00")),
        ("D2", "deal_cap", Decimal(1), Decimal("-80.00")),
        ("D3", "tier", Decimal(1), Decimal("100.00")),
    ]
    assert s.total == Decimal("1850.00")
    assert s.subtotals["base"] == Decimal("1850.00")
    line = s.lines[3]
    assert line.reason_en == "x 1.8 for deal attributes 'new_customer', 'multi_year'"
    assert line.reason_zh == "按交易属性 'new_customer', 'multi_year' 乘以系数 1.8"
    assert line.exact_amount == Decimal(480)


def test_multiplier_below_one_and_zero():
    p = example_plan(multipliers=[AttributeMultiplier(flag="channel", multiplier="0.8")])
    s = statement(p, "R1", [flagged("D1", "1000", 3, "channel")], period=JAN)
    assert [(x.kind, x.amount) for x in s.lines] == [
        ("tier", Decimal("100.00")),
        ("multiplier", Decimal("-20.00")),
    ]
    zero = example_plan(multipliers=[AttributeMultiplier(flag="channel", multiplier=0)])
    s = statement(zero, "R1", [flagged("D1", "1000", 3, "channel")], period=JAN)
    assert s.total == Decimal("0.00")
    # A factor of 1 changes nothing and adds no line.
    one = example_plan(multipliers=[AttributeMultiplier(flag="channel", multiplier=1)])
    s = statement(one, "R1", [flagged("D1", "1000", 3, "channel")], period=JAN)
    assert [x.kind for x in s.lines] == ["tier"]


def test_gate_reverses_the_multiplied_amount():
    table = TieredComponent(name="base", tiers=[Tier(lower=0, rate="0.1")], gate=10_000)
    p = CommissionPlan(id="P", currency="CNY", components=[table], multipliers=[NEW])
    s = statement(p, "R1", [flagged("D1", "5000", 3, "new_customer")], period=JAN)
    assert [(x.kind, x.amount) for x in s.lines] == [
        ("tier", Decimal("500.00")),
        ("multiplier", Decimal("250.00")),
        ("gate", Decimal("-750.00")),
    ]
    assert s.total == 0


def test_clawback_at_original_rate_reverses_the_multiplied_commission():
    s = statement(example_plan(), "R1", CREDITS, period=JAN)
    cb = clawback(
        s, Refund(deal_id="D1", amount=Money("2500", "CNY"), refunded_on=JAN.end), window_days=90
    )
    assert cb.amount == Decimal("-375.00")


def test_multipliers_round_trip_through_json():
    p = example_plan()
    assert CommissionPlan.model_validate_json(p.model_dump_json()) == p
    assert p.multiplier_flags == ("multi_year", "new_customer")
    assert p.multipliers_of(0) == (NEW, MULTI)


def test_multiplier_validation():
    with pytest.raises(InvalidInputError, match="more than 8 decimal places"):
        AttributeMultiplier(flag="x", multiplier="1.000000001")
    with pytest.raises(InvalidInputError, match="negative"):
        AttributeMultiplier(flag="x", multiplier="-1")
    with pytest.raises(InvalidInputError, match=r"flags \['x'\] more than once"):
        example_plan(multipliers=[NEW.model_copy(update={"flag": "x"})] * 2)
    with pytest.raises(InvalidInputError, match=r"component 'c' has multipliers for flags"):
        TieredComponent(name="c", tiers=[Tier(lower=0, rate=0)], multipliers=[NEW, NEW])


def _frame(credits: list[Credit], flags: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "deal_id": [c.deal_id for c in credits],
            "rep_id": [c.rep_id for c in credits],
            "amount": [float(c.amount.amount) for c in credits],
            "currency": "CNY",
            "credited_on": pd.to_datetime([c.credited_on for c in credits]),
        }
        | {f: [f in c.flags for c in credits] for f in flags}
    )


def test_statements_frame_multiplier_lines():
    df = _frame(CREDITS, ("new_customer", "multi_year"))
    out = statements_frame(example_plan(), df, period=JAN)
    assert out.lines[["deal_id", "kind", "multiplier", "amount_minor"]].to_dict("records") == [
        {"deal_id": "D1", "kind": "tier", "multiplier": 1.0, "amount_minor": 50000},
        {"deal_id": "D1", "kind": "multiplier", "multiplier": 1.5, "amount_minor": 25000},
        {"deal_id": "D2", "kind": "tier", "multiplier": 1.0, "amount_minor": 60000},
        {"deal_id": "D2", "kind": "multiplier", "multiplier": 1.8, "amount_minor": 48000},
        {"deal_id": "D2", "kind": "deal_cap", "multiplier": 1.0, "amount_minor": -8000},
        {"deal_id": "D3", "kind": "tier", "multiplier": 1.0, "amount_minor": 10000},
    ]
    assert out.totals["total_minor"].tolist() == [185000]
    with pytest.raises(FrameValidationError, match="multi_year"):
        statements_frame(example_plan(), df.drop(columns="multi_year"), period=JAN)
    clash = example_plan(multipliers=[AttributeMultiplier(flag="amount", multiplier=2)])
    with pytest.raises(InvalidInputError, match=r"multiplier flags \['amount'\]"):
        statements_frame(clash, df, period=JAN)


def _strip(p: CommissionPlan) -> CommissionPlan:
    comps = [c.model_copy(update={"multipliers": ()}) for c in p.components]
    return p.model_copy(update={"multipliers": (), "components": tuple(comps)})


@given(p=plans(), credits=credit_lists())
def test_multiplier_lines_scale_the_tier_lines_exactly(p, credits):
    quota = Money("50000", "CNY")
    s = statement(p, "R1", credits, period=JAN, quota=quota)
    plain = statement(_strip(p), "R1", credits, period=JAN, quota=quota)
    tier = [x for x in s.lines if x.kind == "tier"]
    # Multipliers leave the tier lines as they were ...
    assert [(x.deal_id, x.component, x.exact_amount) for x in tier] == [
        (x.deal_id, x.component, x.exact_amount) for x in plain.lines if x.kind == "tier"
    ]
    by_deal = {c.deal_id: c for c in credits}
    for ci, comp in enumerate(p.components):
        for c in credits:
            factor = functools.reduce(
                Decimal.__mul__,
                (m.multiplier for m in p.multipliers_of(ci) if m.flag in c.flags),
                Decimal(1),
            )
            mine = [x for x in s.lines if x.deal_id == c.deal_id and x.component == comp.name]
            paid = sum((x.exact_amount for x in mine if x.kind == "tier"), Decimal(0))
            extra = [x for x in mine if x.kind == "multiplier"]
            # ... and one multiplier line adds (factor - 1) times what they pay.
            added = sum((x.exact_amount for x in extra), Decimal(0))
            # Exact up to the 28 digits an exact amount shows (interpolated rates divide).
            assert abs(added - (paid * factor - paid)) <= Decimal("1e-24") * max(
                Decimal(1), abs(paid)
            )
            assert all(x.multiplier == factor for x in extra)
            assert all(x.deal_id in by_deal for x in extra)
            if comp.deal_cap is not None:  # to the 28 digits an exact amount shows
                assert sum((x.exact_amount for x in mine), Decimal(0)) <= comp.deal_cap + Decimal(
                    "1e-24"
                )
    assert sum((x.amount for x in s.lines), Decimal(0)) == s.total


# Deferred gates ------------------------------------------------------------------------------

DEFERRED = TieredComponent(
    name="base", tiers=[Tier(lower=0, rate="0.1")], gate=10_000, gate_deferred=True
)


def _month(deal: str, amount: str, month: int) -> Credit:
    return credit(deal, amount).model_copy(
        update={"credited_on": JAN.start.replace(month=month, day=3)}
    )


def test_deferred_gate_holds_and_releases():
    from salescore.calendar import Period

    p = CommissionPlan(id="P", currency="CNY", components=[DEFERRED])
    carry = None
    got = []
    for month, credits in ((1, ["6000"]), (2, ["3000"]), (3, ["12000"]), (4, [])):
        cs = [_month(f"D{month}", a, month) for a in credits]
        s = statement(p, "R1", cs, period=Period.month(2026, month), prior=carry)
        got.append((s.total, [(x.kind, x.amount) for x in s.lines], dict(s.carry.held)))
        carry = s.carry
    # Jan: 600 held; Feb: 300 more held; Mar reaches the gate: 1,200 + the 900 held.
    assert got == [
        (
            Decimal("0.00"),
            [("tier", Decimal("600.00")), ("gate", Decimal("-600.00"))],
            {"base": Decimal("600.00")},
        ),
        (
            Decimal("0.00"),
            [("tier", Decimal("300.00")), ("gate", Decimal("-300.00"))],
            {"base": Decimal("900.00")},
        ),
        (Decimal("2100.00"), [("tier", Decimal("1200.00")), ("release", Decimal("900.00"))], {}),
        (Decimal("0.00"), [], {}),
    ]
    s = statement(p, "R1", [_month("D1", "6000", 1)], period=JAN)
    assert s.lines[1].reason_en.startswith("below the gate: held back")
    assert s.lines[1].reason_zh.startswith("未达到门槛，暂缓发放")
    march = statement(
        p,
        "R1",
        [_month("D3", "12000", 3)],
        period=Period.month(2026, 3),
        prior=s.carry,
    )
    release = march.lines[1]
    assert (release.deal_id, release.component) == (None, "base")
    assert release.reason_en == "gate reached: 600.00 CNY held back earlier this year released"
    assert release.reason_zh == "已达到门槛：发放本年此前暂缓的 600.00 CNY"
    # Held amounts are lost at the year end.
    later = statement(
        p,
        "R1",
        [_month("D9", "12000", 3).model_copy(update={"credited_on": date(2027, 3, 3)})],
        period=Period.month(2027, 3),
        prior=s.carry,
    )
    assert [x.kind for x in later.lines] == ["tier"]
    assert CommissionPlan.model_validate_json(p.model_dump_json()) == p
    with pytest.raises(InvalidInputError, match="gate_deferred but no gate"):
        TieredComponent(name="x", tiers=[Tier(lower=0, rate=0)], gate_deferred=True)


def test_statements_frame_deferred_gate_carry():
    from salescore.calendar import Period

    p = CommissionPlan(id="P", currency="CNY", components=[DEFERRED])
    jan = statements_frame(p, _frame([_month("D1", "6000", 1)], ()), period=JAN)
    assert jan.carry.loc["R1", "held_minor:base"] == 60000
    mar = statements_frame(
        p, _frame([_month("D3", "12000", 3)], ()), period=Period.month(2026, 3), prior=jan.carry
    )
    assert mar.lines[["kind", "amount_minor"]].to_dict("records") == [
        {"kind": "tier", "amount_minor": 120000},
        {"kind": "release", "amount_minor": 60000},
    ]
    assert mar.lines["deal_id"].isna().tolist() == [False, True]
    assert mar.carry.loc["R1", "held_minor:base"] == 0
