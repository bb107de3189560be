"""Effective dating: plan versions applied by credit date."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import JAN, carries, credit_lists, plans
from tests.commission.test_bulk import _to_frame, assert_agree, carry_frame

from salescore.calendar import Period
from salescore.commission import (
    Carry,
    CommissionPlan,
    Credit,
    Draw,
    Floor,
    PlanSchedule,
    PlanVersion,
    Refund,
    Tier,
    TieredComponent,
    clawback,
    clawbacks_frame,
    statement,
    statements_frame,
)
from salescore.errors import CurrencyMismatchError, FrameValidationError, InvalidInputError
from salescore.money import Money

MID = date(2026, 1, 16)


def flat(rate: str, **kw: object) -> CommissionPlan:
    comp = TieredComponent.model_validate(
        {"name": "base", "tiers": [{"lower": 0, "rate": rate}]} | kw
    )
    return CommissionPlan(id="P", currency="CNY", components=[comp])


def cr(deal: str, amount: str, day: int) -> Credit:
    return Credit(
        deal_id=deal, rep_id="R1", amount=Money(amount, "CNY"), credited_on=date(2026, 1, day)
    )


def schedule(first: CommissionPlan, second: CommissionPlan, on: date = MID) -> PlanSchedule:
    return PlanSchedule(
        versions=[
            PlanVersion(effective_from=date(2025, 1, 1), plan=first),
            PlanVersion(effective_from=on, plan=second),
        ]
    )


def test_statement_plan_change_applies_by_credit_date():
    # 5 percent until 15 January, 6 percent from the 16th.
    s = statement(
        schedule(flat("0.05"), flat("0.06")),
        "R1",
        [cr("D1", "10000", 15), cr("D2", "10000", 16)],
        period=JAN,
    )
    assert [(x.deal_id, x.rate, x.amount) for x in s.lines] == [
        ("D1", Decimal("0.05"), Decimal("500.00")),
        ("D2", Decimal("0.06"), Decimal("600.00")),
    ]
    assert (s.total, s.payable, s.subtotals) == (
        Decimal("1100.00"),
        Decimal("1100.00"),
        {"base": Decimal("1100.00")},
    )


def test_statement_versions_split_quota_and_floor_by_days_and_carry_year_caps():
    # An attainment table: 15 of 31 days of a 31,000 quota is 15,000 before the change,
    # 16,000 after. The floor 3,100 splits 1,500 / 1,600. A year cap of 700 holds across.
    tiers = [Tier(lower=0, upper=1, rate="0.05"), Tier(lower=1, rate="0.10")]
    before = CommissionPlan(
        id="P",
        currency="CNY",
        components=[TieredComponent(name="t", basis="attainment", tiers=tiers, year_cap=700)],
        floor=Floor(amount=3100),
    )
    after = before.model_copy(
        update={
            "draw": Draw(kind="recoverable", currency="CNY", amount=5000, start=date(2026, 1, 1))
        }
    )
    s = statement(
        schedule(before, after),
        "R1",
        [cr("D1", "20000", 10), cr("D2", "8000", 20)],
        period=JAN,
        quota=Money("31000", "CNY"),
    )
    # Window 1: 15,000 at 5% + 5,000 at 10% = 1,250, cut to 700 by the year cap.
    # Window 2: 8,000 of 16,000 at 5% = 400, cut to 0 (700 paid this year): floor 1,600.
    assert [(x.deal_id, x.kind, x.amount) for x in s.lines] == [
        ("D1", "tier", Decimal("750.00")),
        ("D1", "tier", Decimal("500.00")),
        ("D1", "year_cap", Decimal("-550.00")),
        (None, "floor", Decimal("800.00")),
        ("D2", "tier", Decimal("400.00")),
        ("D2", "year_cap", Decimal("-400.00")),
        (None, "floor", Decimal("1600.00")),
    ]
    assert (s.quota, s.full_quota, s.total) == (
        Decimal("31000.00"),
        Decimal("31000"),
        Decimal("3100.00"),
    )
    # Settled once against the draw in effect on the last day.
    assert (s.payable, s.carry.advances) == (Decimal("5000.00"), Decimal("1900.00"))
    assert s.carry.year_to_date == {"t": Decimal("700.00")}


def test_statements_frame_versions_example():
    sched = schedule(flat("0.05"), flat("0.06"))
    credits = [cr("D1", "10000", 15), cr("D2", "10000", 16)]
    out = statements_frame(sched, _to_frame(credits), period=JAN)
    assert out.lines[["deal_id", "amount_minor"]].values.tolist() == [
        ["D1", 50000],
        ["D2", 60000],
    ]
    assert out.totals.loc["R1", "payable_minor"] == 110000
    # Rows outside the period are still reported.
    late = _to_frame([cr("D3", "1", 20).model_copy(update={"credited_on": date(2026, 2, 3)})])
    out = statements_frame(sched, late, period=JAN)
    assert out.errors["reason"].tolist() == ["outside_period"]
    with pytest.raises(FrameValidationError):
        statements_frame(sched, late.drop(columns="credited_on"), period=JAN)


def test_plan_schedule_is_checked():
    with pytest.raises(InvalidInputError, match="date order"):
        schedule(flat("0.05"), flat("0.06"), on=date(2024, 1, 1))
    usd = flat("0.05").model_copy(update={"currency": "USD"})
    with pytest.raises(InvalidInputError, match="one currency"):
        schedule(flat("0.05"), usd)
    late = PlanSchedule(versions=[PlanVersion(effective_from=MID, plan=flat("0.05"))])
    with pytest.raises(InvalidInputError, match="no plan version"):
        statement(late, "R1", [], period=JAN)
    with pytest.raises(CurrencyMismatchError):
        statement(schedule(flat("0.05"), flat("0.06")), "R1", [], period=JAN, quota=Money(1, "USD"))
    with pytest.raises(InvalidInputError, match="decimal places"):
        statement(
            schedule(flat("0.05"), flat("0.06")), "R1", [], period=JAN, quota=Money("0.001", "CNY")
        )


def test_release_of_held_pay_under_plan_versions():
    # Pay held below a deferred gate earlier in the year is released in the first
    # window that reaches the gate; with a gate of 0 that is the first window, even
    # without credits. A release as the first line once crashed the statement.
    gated = flat("0.05", gate=0, gate_deferred=True)
    sched = schedule(gated, flat("0.06"), on=date(2026, 1, 20))
    prior = Carry(year=2026, held={"base": Decimal("12.34")})
    s = statement(sched, "R1", [cr("D1", "2000", 25)], period=JAN, prior=prior)
    assert [(line.kind, line.amount) for line in s.lines] == [
        ("release", Decimal("12.34")),
        ("tier", Decimal("120.00")),
    ]
    assert s.total == Decimal("132.34")
    assert s.carry.held.get("base", Decimal(0)) == 0
    out = statements_frame(
        sched,
        _to_frame([cr("D1", "2000", 25)]),
        period=JAN,
        prior=carry_frame({"R1": prior}, ["base"]),
    )
    assert out.errors.empty
    assert out.totals.loc["R1", "total_minor"] == 13234


@given(
    first=plans(),
    second=plans(),
    cut=st.integers(1, 30),
    credits=credit_lists(max_size=6),
    data=st.data(),
)
def test_statements_frame_agrees_with_statement_under_versions(first, second, cut, credits, data):
    # Random versions changing on a random day, a random prior and clawbacks: the bulk
    # path equals statement to the cent.
    sched = schedule(first, second, on=JAN.start + timedelta(days=cut))
    # At least a cent a day, so no window's share of the quota is 0.
    quota = Money.from_minor(data.draw(st.integers(31, 20_000_000)), "CNY")
    prior = data.draw(st.none() | carries())
    dec = statement(
        flat("0.05"),
        "R1",
        [cr("X", "1000", 1).model_copy(update={"credited_on": date(2025, 12, 1)})],
        period=Period.month(2025, 12),
    )
    claws = [
        clawback(
            dec,
            Refund(
                deal_id="X",
                amount=Money("100", "CNY"),
                refunded_on=JAN.start + timedelta(days=data.draw(st.integers(0, 30))),
            ),
            window_days=90,
            reduce_attainment=data.draw(st.booleans()),
        )
        for _ in range(data.draw(st.integers(0, 1)))
    ]
    s = statement(sched, "R1", credits, period=JAN, quota=quota, prior=prior, clawbacks=claws)
    names = sorted({c.name for p in (first, second) for c in p.components})
    out = statements_frame(
        sched,
        _to_frame(credits),
        period=JAN,
        quotas=pd.Series({"R1": float(quota.amount)}),
        prior=None if prior is None else carry_frame({"R1": prior}, names),
        clawbacks=clawbacks_frame(claws),
    )
    assert out.errors.empty
    assert_agree(second, out, "R1", s)
    assert s.total == sum((x.amount for x in s.lines), Decimal(0))


@given(p=plans(), cut=st.integers(1, 30), credits=credit_lists(max_size=6))
def test_statement_one_version_equals_the_plan(p, cut, credits):
    # A schedule whose versions are all the same transaction-measured plan without
    # period-wide features pays each credit what the plan alone pays it.
    comps = tuple(
        c.model_copy(
            update={"measure": "transaction", "period_cap": None, "gate": None, "year_cap": None}
        )
        for c in p.components
        if c.basis == "amount" and c.rate_kind != "per_deal" and c.mode != "interpolated"
    )
    if not comps:
        return
    plain = p.model_copy(update={"components": comps, "floor": None, "spiffs": ()})
    whole = statement(plain, "R1", credits, period=JAN)
    sched = schedule(plain, plain, JAN.start + timedelta(days=cut))
    split = statement(sched, "R1", credits, period=JAN)
    # Each window rounds once, so compare exact amounts, and totals to a cent.
    key = sorted((x.deal_id or "", x.component, x.kind, x.exact_amount) for x in whole.lines)
    assert key == sorted(
        (x.deal_id or "", x.component, x.kind, x.exact_amount) for x in split.lines
    )
    assert abs(whole.total - split.total) <= Decimal("0.01")
