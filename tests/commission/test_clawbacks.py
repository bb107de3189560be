from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import JAN, credit, plan

from salescore.commission import Refund, Statement, Tier, TieredComponent, clawback, statement
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.money import Money


def jan_statement() -> Statement:
    # 5% to 50,000, 10% above (amount basis). D1 40,000 pays 2,000;
    # D2 20,000 pays 10,000 * 0.05 + 10,000 * 0.10 = 1,500.
    comp = TieredComponent(
        name="base",
        tiers=[Tier(lower=0, upper=50000, rate="0.05"), Tier(lower=50000, rate="0.10")],
    )
    return statement(
        plan(comp), "R1", [credit("D1", "40000", 5), credit("D2", "20000", 10)], period=JAN
    )


def refund(deal: str, amount: str, day: date = date(2026, 2, 1), cur: str = "CNY") -> Refund:
    return Refund(deal_id=deal, amount=Money(amount, cur), refunded_on=day)


def test_clawback_full_cancellation_at_original_rates():
    cb = clawback(jan_statement(), refund("D2", "20000"), window_days=90)
    assert (cb.credited, cb.paid, cb.amount) == (Decimal(20000), Decimal(1500), Decimal(-1500))
    assert cb.reason_zh == "退款 20,000.00 / 20,000.00 CNY，追回佣金 1,500.00 / 1,500.00"


def test_clawback_partial_refund_pro_rata():
    # 1,000 of 40,000 refunded: 2,000 * 1,000 / 40,000 = 50.
    cb = clawback(jan_statement(), refund("D1", "1000"), window_days=90)
    assert cb.amount == Decimal("-50.00")


def test_clawback_rounded_once():
    # 0.03 of 40,000 refunded: 2,000 * 0.03 / 40,000 = 0.0015 -> 0.00 half-even, 0.01 up.
    assert clawback(jan_statement(), refund("D1", "0.03"), window_days=90).amount == Decimal("0.00")
    cb = clawback(jan_statement(), refund("D1", "0.03"), window_days=90, rounding="ROUND_UP")
    assert cb.amount == Decimal("-0.01")


def test_clawback_outside_window():
    # Credited 10 January; a 30-day window ends 9 February.
    cb = clawback(jan_statement(), refund("D2", "100", date(2026, 2, 10)), window_days=30)
    assert cb.amount == Decimal("0.00")
    assert cb.reason_en == "refund after the 30-day window: nothing clawed back"
    inside = clawback(jan_statement(), refund("D2", "100", date(2026, 2, 9)), window_days=30)
    assert inside.amount == Decimal("-7.50")


def test_clawback_unknown_deal():
    with pytest.raises(InvalidInputError, match="clawback of unknown deal 'D9'"):
        clawback(jan_statement(), refund("D9", "1"), window_days=90)


def test_clawback_refund_above_credit():
    with pytest.raises(InvalidInputError, match=r"refund 20000\.01 CNY of deal 'D2' is outside"):
        clawback(jan_statement(), refund("D2", "20000.01"), window_days=90)


def test_clawback_refund_not_positive():
    with pytest.raises(InvalidInputError, match="a refund must be positive"):
        clawback(jan_statement(), refund("D2", "0"), window_days=90)


def test_clawback_refund_sub_minor():
    with pytest.raises(InvalidInputError, match="has more decimal places than CNY allows"):
        clawback(jan_statement(), refund("D2", "1.001"), window_days=90)


def test_clawback_refund_before_credit():
    with pytest.raises(InvalidInputError, match="on 2026-01-09 is before its credit on 2026-01-10"):
        clawback(jan_statement(), refund("D2", "1", date(2026, 1, 9)), window_days=90)


def test_clawback_currency_mismatch():
    with pytest.raises(CurrencyMismatchError, match="refund of deal 'D2' is in USD"):
        clawback(jan_statement(), refund("D2", "1", cur="USD"), window_days=90)


def test_clawback_negative_window():
    with pytest.raises(InvalidInputError, match="window_days -1 is negative"):
        clawback(jan_statement(), refund("D2", "1"), window_days=-1)


@given(cents=st.integers(1, 2_000_000))
def test_clawback_never_exceeds_paid(cents: int):
    cb = clawback(jan_statement(), refund("D2", str(Decimal(cents) / 100)), window_days=90)
    assert -cb.paid <= cb.amount <= 0
    # Pro rata to the cent: |amount| within half a cent of paid * refunded / credited.
    assert abs(-cb.amount - cb.paid * cb.refunded / cb.credited) <= Decimal("0.005")
