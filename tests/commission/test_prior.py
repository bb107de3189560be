"""``prior``: balances and year-to-date amounts carried from one statement to the next."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import JAN, credit, plan, plans
from tests.commission.test_bulk import _to_frame, assert_agree

from salescore.calendar import Period
from salescore.commission import (
    AcceleratorBand,
    Carry,
    CommissionPlan,
    Credit,
    Draw,
    Tier,
    TieredComponent,
    settle_periods,
    statement,
    statements_frame,
)
from salescore.errors import InvalidInputError
from salescore.money import Money

FEB, MAR = Period.month(2026, 2), Period.month(2026, 3)
Q1 = Period(start=JAN.start, end=MAR.end)


def dated(deal: str, amount: str, on: date) -> Credit:
    return Credit(deal_id=deal, rep_id="R1", amount=Money(amount, "CNY"), credited_on=on)


def flat(**kw: object) -> TieredComponent:
    args: dict[str, object] = {"name": "base", "tiers": [Tier(lower=0, rate="0.1")]}
    return TieredComponent.model_validate(args | kw)


def test_year_cap_carried_through_prior():
    # 10 percent, at most 1,500 a year. January pays 1,000; February 1,000 cut to 500;
    # March nothing; January 2027 starts the year again.
    p = plan(flat(year_cap=1500))
    jan = statement(p, "R1", [dated("D1", "10000", date(2026, 1, 5))], period=JAN)
    assert jan.carry == Carry(year=2026, year_to_date={"base": Decimal("1000.00")})
    feb = statement(p, "R1", [dated("D2", "10000", date(2026, 2, 5))], period=FEB, prior=jan.carry)
    assert [(x.kind, x.amount) for x in feb.lines] == [
        ("tier", Decimal("1000.00")),
        ("year_cap", Decimal("-500.00")),
    ]
    assert (feb.lines[1].reason_en, feb.lines[1].reason_zh) == (
        "capped at the per-year cap",
        "超过年度上限，按上限封顶",
    )
    assert feb.carry.year_to_date == {"base": Decimal("1500.00")}
    mar = statement(p, "R1", [dated("D3", "10000", date(2026, 3, 5))], period=MAR, prior=feb.carry)
    assert mar.total == 0
    assert mar.carry.year_to_date == {"base": Decimal("1500.00")}
    jan27 = statement(
        p,
        "R1",
        [dated("D4", "10000", date(2027, 1, 5))],
        period=Period.month(2027, 1),
        prior=mar.carry,
    )
    assert jan27.total == Decimal("1000.00")
    assert jan27.carry.year_to_date == {"base": Decimal("1000.00")}
    with pytest.raises(InvalidInputError, match="run forwards"):
        statement(p, "R1", [], period=MAR, prior=jan27.carry)


def test_draw_and_deficit_through_prior():
    draw = Draw(
        kind="recoverable", currency="CNY", amount="5000", start=date(2026, 1, 1), recovery="0.5"
    )
    p = CommissionPlan(id="P", currency="CNY", components=[flat()], draw=draw)
    jan = statement(p, "R1", [dated("D1", "30000", date(2026, 1, 5))], period=JAN)
    assert (jan.total, jan.payable, jan.carry.advances) == (
        Decimal("3000.00"),
        Decimal("5000.00"),
        Decimal("2000.00"),
    )
    assert [(a.kind, a.amount, a.reason_en, a.reason_zh) for a in jan.adjustments] == [
        (
            "advance",
            Decimal("2000.00"),
            "recoverable draw advance of 2,000.00 CNY up to the 5,000 CNY draw",
            "可收回预支 2,000.00 CNY，补足至预支额 5,000 CNY",
        )
    ]
    feb = statement(p, "R1", [dated("D2", "90000", date(2026, 2, 5))], period=FEB, prior=jan.carry)
    assert (feb.payable, feb.carry.advances) == (Decimal("7000.00"), Decimal("0.00"))
    assert [(a.kind, a.amount, a.reason_en) for a in feb.adjustments] == [
        ("recovered", Decimal("-2000.00"), "repays 2,000.00 CNY of earlier draw advances")
    ]
    # A carried negative balance (say from a clawback) is offset before anything is paid.
    mar = statement(
        p,
        "R1",
        [dated("D3", "80000", date(2026, 3, 5))],
        period=MAR,
        prior=Carry(deficit="500", year=2026),
    )
    assert mar.payable == Decimal("7500.00")
    assert [(a.kind, a.amount, a.reason_zh) for a in mar.adjustments] == [
        ("deficit_recovered", Decimal("-500.00"), "抵扣结转的负余额 500.00 CNY"),
    ]
    # A non-recoverable draw is a guaranteed minimum.
    guaranteed = p.model_copy(update={"draw": draw.model_copy(update={"kind": "non_recoverable"})})
    s = statement(guaranteed, "R1", [], period=JAN)
    assert (s.payable, s.carry.advances) == (Decimal("5000.00"), Decimal("0.00"))
    assert s.adjustments[0].reason_en == "guaranteed draw top-up of 5,000.00 CNY up to 5,000 CNY"


def test_deficit_added_reason():
    # settle() carries a negative period; the statement explains it. A statement's
    # total is never negative, so check the explanation on a hand-built settlement.
    from salescore.commission import settle
    from salescore.commission.statement import adjustments

    s = settle(Money("-300.00", "CNY"), period=JAN)
    assert [(a.kind, a.amount, a.reason_en) for a in adjustments(s, plan(flat()))] == [
        (
            "deficit_added",
            Decimal("300.00"),
            "negative balance of 300.00 CNY carried forward, not paid",
        )
    ]


def test_plan_draw_in_plan_currency_and_json():
    draw = Draw(kind="recoverable", currency="USD", amount="5000", start=date(2026, 1, 1))
    with pytest.raises(InvalidInputError, match="draw is in USD"):
        CommissionPlan(id="P", currency="CNY", components=[flat()], draw=draw)
    p = CommissionPlan(
        id="P",
        currency="CNY",
        components=[flat(year_cap="1500.50")],
        draw=draw.model_copy(update={"currency": "CNY"}),
        allow_negative=True,
    )
    assert CommissionPlan.model_validate_json(p.model_dump_json()) == p
    with pytest.raises(InvalidInputError, match="year_cap"):
        plan(flat(year_cap="0.001"))


def test_statements_frame_prior_example():
    # The bulk twin of the year-cap example, with a rep carried who has no credit.
    p = plan(flat(year_cap=1500))
    df = pd.DataFrame(
        {
            "deal_id": ["D2"],
            "rep_id": ["R1"],
            "amount": [10000.0],
            "currency": "CNY",
            "credited_on": pd.to_datetime(["2026-02-05"]),
        }
    )
    prior = pd.DataFrame(
        {"advances_minor": [0, 100], "deficit_minor": [0, 0], "year": [2026, 2025]},
        index=["R1", "R2"],
    )
    prior["ytd_minor:base"] = [100_000, 150_000]
    out = statements_frame(p, df, period=FEB, prior=prior)
    assert out.lines["kind"].tolist() == ["tier", "year_cap"]
    assert out.totals["total_minor"].to_dict() == {"R1": 50000, "R2": 0}
    assert out.carry.to_dict("index") == {
        "R1": {"advances_minor": 0, "deficit_minor": 0, "year": 2026, "ytd_minor:base": 150_000},
        "R2": {"advances_minor": 100, "deficit_minor": 0, "year": 2026, "ytd_minor:base": 0},
    }
    # No draw: advances are repaid from earnings; R2 earned nothing and still owes 1.00.
    assert out.totals["payable_minor"].to_dict() == {"R1": 50000, "R2": 0}
    # ytd columns may be left out; the carry columns may not.
    out = statements_frame(p, df, period=FEB, prior=prior.drop(columns="ytd_minor:base"))
    assert out.totals["total_minor"].to_dict() == {"R1": 100000, "R2": 0}
    with pytest.raises(InvalidInputError, match="lacks columns"):
        statements_frame(p, df, period=FEB, prior=prior.drop(columns="year"))
    with pytest.raises(InvalidInputError, match="repeats reps"):
        statements_frame(p, df, period=FEB, prior=pd.concat([prior, prior]))
    bad = prior.assign(deficit_minor=[-1, 0])
    with pytest.raises(InvalidInputError, match="negative"):
        statements_frame(p, df, period=FEB, prior=bad)
    with pytest.raises(InvalidInputError, match="run forwards"):
        statements_frame(p, df, period=FEB, prior=prior.assign(year=[2027, 2026]))


@st.composite
def carry_free_plans(draw: st.DrawFn) -> CommissionPlan:
    """Plans whose monthly statements add up to a quarterly one: every component measures
    each transaction on its own in currency, with deal and year caps only, and every
    amount is a whole cent (whole-percent rates, tenth multipliers, 10-yuan bounds)."""
    comps = []
    for i in range(draw(st.integers(1, 2))):
        cuts = sorted(draw(st.sets(st.integers(1, 5000), max_size=2)))
        bounds = [Decimal(10 * c) for c in cuts]
        lows, ups = [Decimal(0), *bounds], [*bounds, None]
        tiers = [
            Tier(lower=lo, upper=up, rate=Decimal(draw(st.integers(0, 15))) / 100)
            for lo, up in zip(lows, ups, strict=True)
        ]
        bands = [
            AcceleratorBand(lower=Decimal(10 * draw(st.integers(1, 5000))), multiplier=m)
            for m in draw(st.lists(st.integers(5, 30).map(lambda x: Decimal(x) / 10), max_size=1))
        ]
        comps.append(
            TieredComponent(
                name=f"c{i}",
                tiers=tiers,
                mode=draw(st.sampled_from(["marginal", "retroactive"])),
                measure="transaction",
                boundary=draw(st.sampled_from(["upper", "lower"])),
                accelerators=bands,
                deal_cap=draw(st.none() | st.integers(1, 3000).map(Decimal)),
                year_cap=draw(st.none() | st.integers(0, 8000).map(Decimal)),
            )
        )
    return plan(*comps)


@st.composite
def quarter_credits(draw: st.DrawFn) -> list[Credit]:
    return [
        Credit(
            deal_id=f"D{i}",
            rep_id="R1",
            amount=Money(10 * draw(st.integers(0, 6000)), "CNY"),
            credited_on=Q1.start + timedelta(days=draw(st.integers(0, Q1.days - 1))),
        )
        for i in range(draw(st.integers(0, 9)))
    ]


@given(p=carry_free_plans(), credits=quarter_credits())
def test_statement_sequential_periods_equal_one_combined_run(p, credits):
    # Running January, February and March in sequence, each with the previous
    # statement's carry, pays what one statement over the quarter pays: same
    # lines, same total, same year-to-date carried out.
    months = [JAN, FEB, MAR]
    carry = None
    lines = []
    for month in months:
        mine = [c for c in credits if month.start <= c.credited_on < month.end]
        s = statement(p, "R1", mine, period=month, prior=carry)
        carry = s.carry
        lines += [(x.deal_id, x.component, x.kind, x.tier, x.amount) for x in s.lines]
    whole = statement(p, "R1", credits, period=Q1)
    assert lines == [(x.deal_id, x.component, x.kind, x.tier, x.amount) for x in whole.lines]
    assert carry is not None
    assert carry == whole.carry


@given(p=plans(), credits=quarter_credits(), data=st.data())
def test_statement_sequential_settlement_equals_settle_periods(p, credits, data):
    # The draw and deficit balances carried by prior equal settling the months'
    # totals in one settle_periods run, and the bulk path agrees month by month.
    p = p.model_copy(update={"components": tuple(c for c in p.components if c.basis == "amount")})
    if not p.components:
        return
    opening = Carry(deficit=Decimal(data.draw(st.integers(0, 500_000))) / 100)
    carry, frame_carry = (
        opening,
        pd.DataFrame(
            {"advances_minor": [0], "deficit_minor": [int(opening.deficit * 100)], "year": [0]},
            index=["R1"],
        ),
    )
    statements = []
    for month in (JAN, FEB, MAR):
        mine = [c for c in credits if month.start <= c.credited_on < month.end]
        s = statement(p, "R1", mine, period=month, prior=carry)
        out = statements_frame(
            p,
            _to_frame(mine) if mine else _to_frame([credit("X", "0")]).iloc[:0],
            period=month,
            prior=frame_carry,
        )
        assert_agree(p, out, "R1", s)
        statements.append(s)
        carry, frame_carry = s.carry, out.carry
    settled = settle_periods(
        [(s.period, Money(s.total, "CNY")) for s in statements],
        draw=p.draw,
        prior=opening.balance,
        allow_negative=p.allow_negative,
    )
    assert [s.settlement for s in statements] == list(settled)
    for s in statements:
        assert s.payable == s.total + sum((a.amount for a in s.adjustments), Decimal(0))
    assert np.all(frame_carry["deficit_minor"] >= 0)
