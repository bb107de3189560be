"""Clawbacks at the current rate, reducing attainment, and carried as a negative balance."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import JAN, credit_lists, plans
from tests.commission.test_bulk import _to_frame, assert_agree

from salescore.calendar import Period
from salescore.commission import (
    CommissionPlan,
    Credit,
    Refund,
    Statement,
    Tier,
    TieredComponent,
    clawback,
    clawbacks_frame,
    statement,
    statements_frame,
)
from salescore.errors import InvalidInputError
from salescore.money import Money

DEC = Period.month(2025, 12)
COMP = TieredComponent(
    name="base",
    tiers=[Tier(lower=0, upper=10000, rate="0.05"), Tier(lower=10000, rate="0.10")],
)
PLAN = CommissionPlan(id="P", currency="CNY", components=[COMP])


def cr(deal: str, amount: str, on: date) -> Credit:
    return Credit(deal_id=deal, rep_id="R1", amount=Money(amount, "CNY"), credited_on=on)


def dec_statement(p: CommissionPlan = PLAN) -> Statement:
    # D1 30,000 in December: 10,000 at 5% + 20,000 at 10% = 2,500.
    return statement(p, "R1", [cr("D1", "30000", date(2025, 12, 10))], period=DEC)


def refund(amount: str = "10000", day: int = 3) -> Refund:
    return Refund(deal_id="D1", amount=Money(amount, "CNY"), refunded_on=date(2026, 1, day))


def test_clawback_at_current_rate():
    # January: D2 20,000 pays 500 + 1,000 = 1,500, an effective 7.5 percent. A refund of
    # 10,000 of D1 reverses 750 at the current rate, 833.33 (2,500 / 3) at the original.
    jan = statement(PLAN, "R1", [cr("D2", "20000", date(2026, 1, 10))], period=JAN)
    original = clawback(dec_statement(), refund(), window_days=90)
    current = clawback(dec_statement(), refund(), window_days=90, rate="current", current=jan)
    assert original.amount == Decimal("-833.33")
    assert (current.amount, current.current_rate, current.rate) == (
        Decimal("-750.00"),
        Decimal("0.075"),
        "current",
    )
    assert current.reason_en == "refund of 10,000.00 CNY reverses 750.00 at the current rate 7.5%"
    assert current.reason_zh == "退款 10,000.00 CNY，按当期费率 7.5% 追回佣金 750.00"
    # A current period without credits falls back to the deal's own effective rate.
    empty = statement(PLAN, "R1", [], period=JAN)
    fallback = clawback(dec_statement(), refund(), window_days=90, rate="current", current=empty)
    assert (fallback.amount, fallback.current_rate) == (Decimal("-833.33"), Decimal("0.08333333"))
    # Outside the window: nothing, whatever the rate.
    late = clawback(
        dec_statement(),
        refund(),
        window_days=1,
        rate="current",
        current=jan,
        reduce_attainment=True,
    )
    assert (late.amount, late.reduces_attainment) == (Decimal("0.00"), False)


def test_clawback_current_rate_needs_the_refund_period():
    with pytest.raises(InvalidInputError, match="current="):
        clawback(dec_statement(), refund(), window_days=90, rate="current")
    with pytest.raises(InvalidInputError, match="does not hold"):
        clawback(dec_statement(), refund(), window_days=90, rate="current", current=dec_statement())


def test_statement_clawback_reduces_attainment_and_carries_a_deficit():
    # The refund of 10,000 on 3 January reduces the measure: D2's 20,000 on 10 January
    # runs from -10,000 to 10,000 and is paid only on 0 -> 10,000 at 5%: 500.
    cb = clawback(dec_statement(), refund(), window_days=90, reduce_attainment=True)
    assert cb.reason_en.endswith("; attainment reduced")
    assert cb.reason_zh.endswith("；业绩同时扣减")
    d2 = [cr("D2", "20000", date(2026, 1, 10))]
    s = statement(PLAN, "R1", d2, period=JAN, clawbacks=[cb])
    assert [(x.deal_id, x.kind, x.tier, x.amount) for x in s.lines] == [
        ("D2", "tier", 1, Decimal("500.00")),
        ("D1", "clawback", 0, Decimal("-833.33")),
    ]
    assert s.lines[1].credited_on == date(2026, 1, 3)
    assert s.lines[1].reason_en == cb.reason_en
    assert (s.credited, s.reduced, s.total) == (
        Decimal("20000.00"),
        Decimal("10000.00"),
        Decimal("-333.33"),
    )
    assert s.subtotals == {"base": Decimal("500.00"), "clawback": Decimal("-833.33")}
    # Not paid negative: carried as a deficit, explained.
    assert (s.payable, s.carry.deficit) == (Decimal("0.00"), Decimal("333.33"))
    assert [(a.kind, a.amount) for a in s.adjustments] == [("deficit_added", Decimal("333.33"))]
    # The next period offsets it first.
    feb = statement(
        PLAN,
        "R1",
        [cr("D3", "10000", date(2026, 2, 1))],
        period=Period.month(2026, 2),
        prior=s.carry,
    )
    assert (feb.total, feb.payable, feb.carry.deficit) == (
        Decimal("500.00"),
        Decimal("166.67"),
        Decimal("0.00"),
    )
    # Without reducing attainment D2 pays 1,500; a plan that allows it pays a negative.
    kept = clawback(dec_statement(), refund(), window_days=90)
    assert statement(PLAN, "R1", d2, period=JAN, clawbacks=[kept]).total == Decimal("666.67")
    lenient = PLAN.model_copy(update={"allow_negative": True})
    assert statement(lenient, "R1", d2[:0], period=JAN, clawbacks=[kept]).payable == Decimal(
        "-833.33"
    )


def test_statement_attainment_reduced():
    att = TieredComponent(
        name="base", basis="attainment", tiers=[Tier(lower=0, upper=1, rate="0.05")]
    )
    p = CommissionPlan(id="P", currency="CNY", components=[att])
    orig = statement(
        p, "R1", [cr("D1", "30000", date(2025, 12, 10))], period=DEC, quota=Money("50000", "CNY")
    )
    cb = clawback(orig, refund(), window_days=90, reduce_attainment=True)
    s = statement(
        p,
        "R1",
        [cr("D2", "40000", date(2026, 1, 10))],
        period=JAN,
        quota=Money("50000", "CNY"),
        clawbacks=[cb],
    )
    assert s.attainment == Decimal("0.6")


def test_statement_rejects_bad_clawbacks():
    cb = clawback(dec_statement(), refund(), window_days=90)
    with pytest.raises(InvalidInputError, match="belongs to rep"):
        statement(PLAN, "R2", [], period=JAN, clawbacks=[cb])
    with pytest.raises(InvalidInputError, match="outside the period"):
        statement(PLAN, "R1", [], period=Period.month(2026, 2), clawbacks=[cb])
    odd = cb.model_copy(update={"amount": Decimal("-0.001")})
    with pytest.raises(InvalidInputError, match="decimal places"):
        statement(PLAN, "R1", [], period=JAN, clawbacks=[odd])
    with pytest.raises(InvalidInputError, match="reserved"):
        CommissionPlan(
            id="P", currency="CNY", components=[COMP.model_copy(update={"name": "clawback"})]
        )


def test_statements_frame_clawbacks_example():
    cb = clawback(dec_statement(), refund(), window_days=90, reduce_attainment=True)
    df = _to_frame([cr("D2", "20000", date(2026, 1, 10))])
    out = statements_frame(PLAN, df, period=JAN, clawbacks=clawbacks_frame([cb]))
    assert out.lines[["deal_id", "kind", "amount_minor"]].to_dict("records") == [
        {"deal_id": "D2", "kind": "tier", "amount_minor": 50000},
        {"deal_id": "D1", "kind": "clawback", "amount_minor": -83333},
    ]
    row = out.totals.loc["R1"]
    assert (row["reduced_minor"], row["clawback_minor"], row["total_minor"]) == (
        1_000_000,
        -83333,
        -33333,
    )
    assert (row["payable_minor"], out.carry.loc["R1", "deficit_minor"]) == (0, 33333)
    frame = clawbacks_frame([cb])
    with pytest.raises(InvalidInputError, match="outside the period"):
        statements_frame(PLAN, df, period=DEC, clawbacks=frame)
    with pytest.raises(InvalidInputError, match="contract"):
        statements_frame(PLAN, df, period=JAN, clawbacks=frame.assign(refunded=-1.0))
    with pytest.raises(InvalidInputError, match="whole minor units or is > 0"):
        statements_frame(PLAN, df, period=JAN, clawbacks=frame.assign(amount=1.0))
    att = CommissionPlan(
        id="P",
        currency="CNY",
        components=[
            COMP.model_copy(update={"basis": "attainment", "tiers": [Tier(lower=0, rate="0.05")]})
        ],
    )
    with pytest.raises(InvalidInputError, match="no quota"):
        statements_frame(att, df.iloc[:0], period=JAN, clawbacks=frame)


@given(
    p=plans(),
    before=credit_lists(max_size=5),
    now=credit_lists(max_size=5),
    data=st.data(),
)
def test_statements_frame_agrees_with_statement_on_clawbacks(p, before, now, data):
    # December's credits are refunded in January under random options; the bulk path
    # with clawbacks_frame equals statement to the cent, lines, settlement and carry.
    quota = Money.from_minor(data.draw(st.integers(1, 20_000_000)), "CNY")
    before = [
        c.model_copy(update={"credited_on": c.credited_on - timedelta(days=31)}) for c in before
    ]
    dec = statement(p, "R1", before, period=DEC, quota=quota)
    plain_jan = statement(p, "R1", now, period=JAN, quota=quota)
    claws = []
    for c in before:
        if not data.draw(st.booleans()) or c.amount.amount == 0:
            continue
        cents = data.draw(st.integers(1, c.amount.to_minor()))
        r = Refund(
            deal_id=c.deal_id,
            amount=Money.from_minor(cents, "CNY"),
            refunded_on=JAN.start + timedelta(days=data.draw(st.integers(0, 30))),
        )
        claws.append(
            clawback(
                dec,
                r,
                window_days=data.draw(st.integers(0, 60)),
                rate=data.draw(st.sampled_from(["original", "current"])),
                current=plain_jan,
                reduce_attainment=data.draw(st.booleans()),
            )
        )
    s = statement(p, "R1", now, period=JAN, quota=quota, clawbacks=claws)
    assert s.total == sum((x.amount for x in s.lines), Decimal(0))
    assert s.payable == s.total + sum((a.amount for a in s.adjustments), Decimal(0))
    out = statements_frame(
        p,
        _to_frame(now),
        period=JAN,
        quotas=pd.Series({"R1": float(quota.amount)}),
        clawbacks=clawbacks_frame(claws),
    )
    assert out.errors.empty
    assert_agree(p, out, "R1", s)


def test_clawback_of_a_deal_with_only_spiff_lines():
    # A statement edited to hold only a SPIFF line for the deal: its credit is unknown.
    s = dec_statement()
    spiff = s.lines[0].model_copy(update={"kind": "spiff", "component": "s"})
    with pytest.raises(InvalidInputError, match="only SPIFF lines"):
        clawback(s.model_copy(update={"lines": (spiff,)}), refund(), window_days=90)
