"""Credits in another currency, converted into the plan's currency with FxRates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import JAN, plan, plans, two_tier
from tests.commission.test_bulk import _to_frame, assert_agree

from salescore.commission import (
    CommissionPlan,
    Credit,
    PlanSchedule,
    PlanVersion,
    Refund,
    Tier,
    TieredComponent,
    clawback,
    refund_clawbacks,
    statement,
    statements_frame,
)
from salescore.errors import CurrencyMismatchError, InvalidInputError, MissingRateError
from salescore.money import FxRates, Money

#: USD base: 7.10 CNY and 150 JPY to the dollar in January, 7.20 CNY from 16 January.
FX = FxRates.from_mapping(
    "USD",
    {
        date(2026, 1, 1): {"CNY": "7.10", "JPY": "150", "EUR": "0.92"},
        date(2026, 1, 16): {"CNY": "7.20"},
    },
)
FLAT = CommissionPlan(
    id="P",
    currency="CNY",
    components=[TieredComponent(name="base", tiers=[Tier(lower=0, rate="0.05")])],
)


def cr(deal: str, amount: str, cur: str, day: int = 5, rep: str = "R1") -> Credit:
    return Credit(
        deal_id=deal, rep_id=rep, amount=Money(amount, cur), credited_on=date(2026, 1, day)
    )


def test_a_dollar_credit_is_paid_in_yuan_at_the_rate_of_its_date():
    credits = [cr("D1", "10000.00", "USD", day=5), cr("D2", "10000.00", "USD", day=20)]
    s = statement(FLAT, "R1", credits, period=JAN, fx=FX)
    # 10,000 x 7.10 = 71,000.00 before the 16th, 10,000 x 7.20 = 72,000.00 after; 5 percent.
    assert [(x.deal_id, x.base, x.amount) for x in s.lines] == [
        ("D1", Decimal("71000.00"), Decimal("3550.00")),
        ("D2", Decimal("72000.00"), Decimal("3600.00")),
    ]
    assert s.credited == Decimal("143000.00")
    first = s.conversions[0]
    assert (first.deal_id, first.original, first.rate, first.amount) == (
        "D1",
        Money("10000.00", "USD"),
        Decimal("7.1"),
        Decimal("71000.00"),
    )
    assert first.reason_en == "10,000.00 USD at 7.1 CNY per USD on 2026-01-05 is 71,000.00 CNY"
    assert first.reason_zh == "10,000.00 USD 按 2026-01-05 汇率 7.1 折合 71,000.00 CNY"


def test_a_cross_rate_is_exact_and_rounded_once():
    # 1,000 JPY = 1,000 x 7.10 / 150 = 47.3333... CNY -> 47.33; 101 JPY = 4.780666... -> 4.78.
    s = statement(FLAT, "R1", [cr("D1", "1000", "JPY"), cr("D2", "101", "JPY")], period=JAN, fx=FX)
    assert [c.amount for c in s.conversions] == [Decimal("47.33"), Decimal("4.78")]
    assert s.conversions[0].rate == Decimal("0.0473333333")
    # A tie: 0.23 EUR x 7.10 / 0.92 is exactly 1.775 CNY, so the rounding mode decides.
    even = statement(FLAT, "R1", [cr("D1", "0.23", "EUR")], period=JAN, fx=FX)
    up = statement(
        FLAT, "R1", [cr("D1", "0.23", "EUR")], period=JAN, fx=FX, rounding="ROUND_HALF_UP"
    )
    assert Fraction("0.23") * Fraction("7.10") / Fraction("0.92") == Fraction("1.775")
    assert (even.conversions[0].amount, up.conversions[0].amount) == (
        Decimal("1.78"),
        Decimal("1.78"),
    )
    down = statement(
        FLAT, "R1", [cr("D1", "0.23", "EUR")], period=JAN, fx=FX, rounding="ROUND_HALF_DOWN"
    )
    assert down.conversions[0].amount == Decimal("1.77")


def test_foreign_credits_need_a_table_and_a_rate():
    with pytest.raises(CurrencyMismatchError, match="pass fx="):
        statement(FLAT, "R1", [cr("D1", "1", "USD")], period=JAN)
    with pytest.raises(MissingRateError, match="GBP"):
        statement(FLAT, "R1", [cr("D1", "1", "GBP")], period=JAN, fx=FX)
    # Credits already in the plan currency need no table and are not listed.
    s = statement(FLAT, "R1", [cr("D1", "100", "CNY")], period=JAN, fx=FX)
    assert s.conversions == ()


def test_statements_frame_converts_and_reports_what_it_cannot():
    df = _to_frame(
        [
            cr("D1", "10000.00", "USD", day=5),
            cr("D2", "10000.00", "USD", day=20),
            cr("D3", "1000", "JPY"),
            cr("D4", "5", "GBP"),
            cr("D5", "100.00", "CNY"),
        ]
    )
    odd = _to_frame([cr("D6", "10", "JPY", day=7)]).assign(amount=10.5)
    df = pd.concat([df, odd], ignore_index=True)
    out = statements_frame(FLAT, df, period=JAN, fx=FX)
    assert out.conversions[["row", "deal_id", "currency", "amount_minor"]].values.tolist() == [
        [0, "D1", "USD", 7_100_000],
        [1, "D2", "USD", 7_200_000],
        [2, "D3", "JPY", 4733],
    ]
    assert out.conversions["rate"].tolist() == pytest.approx([7.1, 7.2, 7.1 / 150])
    assert out.errors[["row", "reason"]].values.tolist() == [
        [3, "missing_rate"],
        [5, "not_minor_unit"],
    ]
    assert out.totals.loc["R1", "credited_minor"] == 7_100_000 + 7_200_000 + 4733 + 10_000
    # Without a table every foreign row is a currency mismatch, none is lost.
    plain = statements_frame(FLAT, df, period=JAN)
    assert sorted(plain.errors.loc[plain.errors["reason"] == "currency_mismatch", "row"]) == [
        0,
        1,
        2,
        3,
        5,
    ]
    assert plain.conversions.empty


def test_conversions_survive_plan_versions():
    schedule = PlanSchedule(
        versions=[
            PlanVersion(effective_from=date(2025, 1, 1), plan=FLAT),
            PlanVersion(effective_from=date(2026, 1, 10), plan=plan(two_tier())),
        ]
    )
    credits = [cr("D1", "100.00", "USD", day=5), cr("D2", "100.00", "USD", day=20)]
    s = statement(schedule, "R1", credits, period=JAN, quota=Money("10000", "CNY"), fx=FX)
    assert [c.amount for c in s.conversions] == [Decimal("710.00"), Decimal("720.00")]
    out = statements_frame(
        schedule, _to_frame(credits), period=JAN, quotas=pd.Series({"R1": 10000.0}), fx=FX
    )
    assert out.conversions["amount_minor"].tolist() == [71000, 72000]
    assert_agree(schedule.versions[-1].plan, out, "R1", s)


currencies = st.sampled_from(["CNY", "USD", "JPY", "EUR", "KWD"])


@st.composite
def tables(draw: st.DrawFn) -> FxRates:
    """CNY-based rates for the other currencies from 1 January, one maybe changing mid-month."""
    rates: dict[date, dict[str, str]] = {date(2026, 1, 1): {}}
    for code in ("USD", "JPY", "EUR", "KWD"):
        rates[date(2026, 1, 1)][code] = str(Decimal(draw(st.integers(1, 10**7))) / 10**4)
    if draw(st.booleans()):
        rates[date(2026, 1, draw(st.integers(2, 28)))] = {
            "USD": str(Decimal(draw(st.integers(1, 10**7))) / 10**4)
        }
    return FxRates.from_mapping("CNY", rates)


@st.composite
def foreign_credits(draw: st.DrawFn, rep: str) -> list[Credit]:
    out = []
    for i in range(draw(st.integers(0, 6))):
        code = draw(currencies)
        places = {"JPY": 0, "KWD": 3}.get(code, 2)
        out.append(
            Credit(
                deal_id=f"D{i}",
                rep_id=rep,
                amount=Money(Decimal(draw(st.integers(0, 10**9))).scaleb(-places), code),
                credited_on=date(2026, 1, draw(st.integers(1, 31))),
            )
        )
    return out


@given(
    p=plans(),
    fx=tables(),
    rounding=st.sampled_from(["ROUND_HALF_EVEN", "ROUND_HALF_UP", "ROUND_DOWN", "ROUND_CEILING"]),
    data=st.data(),
)
def test_statements_frame_agrees_with_statement_on_foreign_credits(p, fx, rounding, data):
    ids = ["R0", "R1"]
    credits = [c for r in ids for c in data.draw(foreign_credits(r))]
    out = statements_frame(
        p,
        _to_frame(credits),
        period=JAN,
        quotas=pd.Series(dict.fromkeys(ids, 50000.0)),
        fx=fx,
        rounding=rounding,
    )
    assert out.errors.empty
    for r in ids:
        mine = [c for c in credits if c.rep_id == r]
        s = statement(p, r, mine, period=JAN, quota=Money("50000", "CNY"), fx=fx, rounding=rounding)
        assert_agree(p, out, r, s)
        got = out.conversions[out.conversions["rep_id"] == r]
        assert sorted(zip(got["deal_id"], got["amount_minor"], strict=True)) == sorted(
            (c.deal_id, int(c.amount.scaleb(2))) for c in s.conversions
        )
        for c in s.conversions:  # within half a cent of the exact product (or a cent, directed)
            exact = Fraction(c.original.amount) * fx.factor(
                c.original.currency, "CNY", on=c.credited_on
            )
            assert abs(Fraction(c.amount) - exact) < Fraction(1, 100)
    assert np.all(out.conversions["currency"] != "CNY")


def test_a_foreign_refund_is_converted_at_the_credit_date():
    s = statement(FLAT, "R1", [cr("D1", "10000.00", "USD", day=5)], period=JAN, fx=FX)
    on = date(2026, 2, 10)  # the rate has moved to 7.20 since the credit
    part = clawback(
        s,
        Refund(deal_id="D1", amount=Money("2500.00", "USD"), refunded_on=on),
        window_days=90,
        fx=FX,
    )
    # 2,500 USD at the credit date's 7.10 is 17,750.00 CNY: a quarter of 71,000, so a
    # quarter of the 3,550.00 paid.
    assert (part.refunded, part.amount) == (Decimal("17750.00"), Decimal("-887.50"))
    full = clawback(
        s,
        Refund(deal_id="D1", amount=Money("10000.00", "USD"), refunded_on=on),
        window_days=90,
        fx=FX,
    )
    assert full.amount == Decimal("-3550.00")
    with pytest.raises(CurrencyMismatchError, match="pass fx="):
        clawback(
            s,
            Refund(deal_id="D1", amount=Money("1", "USD"), refunded_on=on),
            window_days=90,
        )
    with pytest.raises(MissingRateError, match="GBP"):
        clawback(
            s,
            Refund(deal_id="D1", amount=Money("1", "GBP"), refunded_on=on),
            window_days=90,
            fx=FX,
        )


def test_refund_clawbacks_convert_foreign_refunds_or_report_them():
    jan = statements_frame(FLAT, _to_frame([cr("D1", "10000.00", "USD", day=5)]), period=JAN, fx=FX)
    refunds = pd.DataFrame(
        {
            "deal_id": ["D1", "D1", "D1"],
            "rep_id": "R1",
            "amount": [2500.0, 1.0, 2.5],
            "currency": ["USD", "GBP", "JPY"],
            "refunded_on": pd.Timestamp("2026-02-10"),
        }
    )
    out = refund_clawbacks(jan.lines, refunds, currency="CNY", window_days=90, fx=FX)
    assert out.clawbacks[["row", "refunded_minor", "amount_minor"]].values.tolist() == [
        [0, 1_775_000, -88_750]
    ]
    assert out.errors[["row", "reason"]].values.tolist() == [
        [1, "missing_rate"],
        [2, "not_minor_unit"],
    ]
    plain = refund_clawbacks(jan.lines, refunds, currency="CNY", window_days=90)
    assert plain.errors["reason"].tolist() == ["currency_mismatch"] * 3


@given(p=plans(), fx=tables(), data=st.data())
def test_refund_clawbacks_agree_with_clawback_on_foreign_refunds(p, fx, data):
    credits = data.draw(foreign_credits("R1"))
    quota = Money("50000", "CNY")
    s = statement(p, "R1", credits, period=JAN, quota=quota, fx=fx)
    out = statements_frame(
        p, _to_frame(credits), period=JAN, quotas=pd.Series({"R1": 50000.0}), fx=fx
    )
    rows = []
    for c in credits:
        if not data.draw(st.booleans()):
            continue
        places = {"JPY": 0, "KWD": 3}.get(c.amount.currency, 2)
        whole = int(c.amount.amount.scaleb(places))
        part = Decimal(data.draw(st.integers(1, max(whole, 1)))).scaleb(-places)
        rows.append((c.deal_id, part, c.amount.currency))
    refunds = pd.DataFrame(
        {
            "deal_id": [r[0] for r in rows],
            "rep_id": "R1",
            "amount": [float(r[1]) for r in rows],
            "currency": [r[2] for r in rows],
            "refunded_on": pd.Timestamp("2026-02-03"),
        }
    )
    bulk = refund_clawbacks(out.lines, refunds, currency="CNY", window_days=60, fx=fx)
    got = {r["row"]: r for r in bulk.clawbacks.to_dict("records")}
    bad = dict(zip(bulk.errors["row"], bulk.errors["reason"], strict=True))
    assert set(got) | set(bad) == set(refunds.index)
    for i, (deal, part, code) in enumerate(rows):
        refund = Refund(deal_id=deal, amount=Money(part, code), refunded_on=date(2026, 2, 3))
        try:
            cb = clawback(s, refund, window_days=60, fx=fx)
        except InvalidInputError:
            assert i in bad  # e.g. a credit no table pays in whole, or a refund converting to 0
            continue
        if bad.get(i) == "credit_too_large":  # the bulk path's limit: 2**46 minor units
            assert cb.credited >= Decimal(2**46).scaleb(-2)
            continue
        assert i in got, bad.get(i)
        assert cb.amount == Decimal(int(got[i]["amount_minor"])).scaleb(-2)
        assert cb.refunded == Decimal(int(got[i]["refunded_minor"])).scaleb(-2)
        assert cb.reason_en == got[i]["reason_en"]
