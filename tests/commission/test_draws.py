from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.calendar import Period
from salescore.commission import Balance, Draw, settle, settle_periods
from salescore.errors import CurrencyMismatchError, InvalidInputError, ModelValidationError
from salescore.money import Money

JAN, FEB, MAR = (Period.month(2026, m) for m in (1, 2, 3))


def cny(x: str) -> Money:
    return Money(x, "CNY")


def rec(**kw: object) -> Draw:
    args: dict[str, object] = {
        "kind": "recoverable",
        "currency": "CNY",
        "amount": "5000",
        "start": date(2026, 1, 1),
    }
    args.update(kw)
    return Draw.model_validate(args)


def test_settle_recoverable_draw_advance_then_recovery():
    # Jan: earned 3,000 < 5,000 draw: advance 2,000, pay 5,000, owe 2,000.
    # Feb: earned 6,000: half of (6,000 - 5,000) = 500 recovered; pay 5,500, owe 1,500.
    # Mar: earned 12,000: half of 7,000 = 3,500 > 1,500 owed: recover 1,500, pay 10,500.
    jan, feb, mar = settle_periods(
        [(JAN, cny("3000")), (FEB, cny("6000")), (MAR, cny("12000"))],
        draw=rec(recovery="0.5"),
    )
    assert (jan.advance, jan.payable, jan.balance.advances) == (
        Decimal(2000),
        Decimal(5000),
        Decimal(2000),
    )
    assert (feb.recovered, feb.payable, feb.balance.advances) == (
        Decimal(500),
        Decimal(5500),
        Decimal(1500),
    )
    assert (mar.recovered, mar.payable, mar.balance.advances) == (
        Decimal(1500),
        Decimal(10500),
        Decimal(0),
    )


def test_settle_recoverable_limit_forgives_excess():
    # Advances of 5,000 against a 3,000 limit: 2,000 forgiven.
    s = settle(cny("0"), period=JAN, draw=rec(limit="3000"))
    assert (s.advance, s.forgiven, s.balance.advances, s.payable) == (
        Decimal(5000),
        Decimal(2000),
        Decimal(3000),
        Decimal(5000),
    )


def test_settle_non_recoverable_tops_up_without_balance():
    s = settle(cny("3000.50"), period=JAN, draw=rec(kind="non_recoverable"))
    assert (s.advance, s.payable, s.balance) == (Decimal("1999.50"), Decimal(5000), Balance())


def test_settle_draw_not_started_still_recovers():
    # The draw starts in March; in February 4,000 earned repays 1,000 owed in full.
    s = settle(
        cny("4000"), period=FEB, draw=rec(start=date(2026, 3, 1)), prior=Balance(advances=1000)
    )
    assert (s.advance, s.recovered, s.payable) == (Decimal(0), Decimal(1000), Decimal(3000))


def test_settle_draw_ended():
    s = settle(cny("0"), period=MAR, draw=rec(end=date(2026, 3, 1)))
    assert s.payable == Decimal(0)


def test_settle_negative_earnings_carried_forward():
    # Jan: -800 (clawbacks above commission): pay 0, carry 800 deficit.
    # Feb: 2,000 earned: 800 offsets the deficit, 1,200 paid.
    jan, feb = settle_periods([(JAN, cny("-800")), (FEB, cny("2000"))])
    assert (jan.payable, jan.deficit_added, jan.balance.deficit) == (
        Decimal(0),
        Decimal(800),
        Decimal(800),
    )
    assert (feb.deficit_recovered, feb.payable, feb.balance.deficit) == (
        Decimal(800),
        Decimal(1200),
        Decimal(0),
    )


def test_settle_negative_earnings_under_a_draw():
    # -800 with a 5,000 guarantee: deficit 800 carried, the draw pays 5,000 as an advance.
    s = settle(cny("-800"), period=JAN, draw=rec())
    assert (s.deficit_added, s.advance, s.payable) == (Decimal(800), Decimal(5000), Decimal(5000))


def test_settle_negative_allowed():
    s = settle(cny("-800"), period=JAN, draw=rec(), allow_negative=True)
    assert (s.payable, s.balance) == (Decimal(-800), Balance())


def test_settle_recovery_rounded_once():
    # 1/3 of (5,000.01 - 5,000) = 0.00333 -> 0.00 half-even; ROUND_UP gives 0.01.
    draw = rec(recovery=Decimal(1) / 3)
    args = {"period": JAN, "draw": draw, "prior": Balance(advances=100)}
    assert settle(cny("5000.01"), **args).recovered == Decimal("0.00")  # type: ignore[arg-type]
    assert settle(cny("5000.01"), rounding="ROUND_UP", **args).recovered == Decimal("0.01")  # type: ignore[arg-type]


def test_settle_currency_mismatch():
    with pytest.raises(
        CurrencyMismatchError, match=r"earned 1 USD is not in the draw currency CNY"
    ):
        settle(Money(1, "USD"), period=JAN, draw=rec())


def test_settle_sub_minor_earned():
    with pytest.raises(InvalidInputError, match=r"earned 1\.001 has more decimal places"):
        settle(cny("1.001"), period=JAN)


def test_draw_sub_minor_amount():
    with pytest.raises(InvalidInputError, match=r"draw amount 1\.001 has more decimal places"):
        rec(amount="1.001")


def test_draw_sub_minor_limit():
    with pytest.raises(InvalidInputError, match=r"draw limit 1\.001 has more decimal places"):
        rec(limit="1.001")


def test_draw_end_before_start():
    with pytest.raises(InvalidInputError, match="draw end 2026-01-01 is not after its start"):
        rec(end=date(2026, 1, 1))


def test_draw_recovery_above_one():
    with pytest.raises(ModelValidationError, match="recovery"):
        rec(recovery="1.5")


def test_settle_periods_out_of_order():
    with pytest.raises(InvalidInputError, match="period 2026-01 starts before the previous"):
        settle_periods([(FEB, cny("1")), (JAN, cny("1"))])


earnings = st.lists(st.integers(-500_000, 2_000_000), min_size=1, max_size=6)


@given(
    cents=earnings,
    kind=st.sampled_from(["recoverable", "non_recoverable"]),
    recovery=st.integers(0, 100),
    limit=st.none() | st.integers(0, 1_000_000),
    split=st.integers(0, 6),
)
def test_settle_periods_sequential_equals_combined(cents, kind, recovery, limit, split):
    draw = rec(
        kind=kind,
        recovery=Decimal(recovery) / 100,
        limit=None if limit is None else Decimal(limit) / 100,
    )
    months = [(Period.month(2026, i + 1), Money.from_minor(c, "CNY")) for i, c in enumerate(cents)]
    together = settle_periods(months, draw=draw)
    k = min(split, len(months))
    first = settle_periods(months[:k], draw=draw)
    second = settle_periods(months[k:], draw=draw, prior=first[-1].balance if first else None)
    assert first + second == together
    for s in together:
        # The settlement identity, and balances never negative.
        assert s.payable == (
            s.earned - s.deficit_recovered + s.deficit_added + s.advance - s.recovered
        )
        assert s.payable >= 0
        assert s.balance.advances >= 0
        assert s.balance.deficit >= 0
