from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.commission import split_credit
from salescore.errors import InvalidInputError
from salescore.money import Money

DAY = date(2026, 1, 5)


def test_split_credit_thirds_to_the_cent():
    # 100.00 by 1/3 each: 33.333... floors to 33.33 each; the leftover cent goes to the first.
    parts = split_credit(
        "D1",
        Money("100.00", "CNY"),
        DAY,
        {"A": Fraction(1, 3), "B": Fraction(1, 3), "C": Fraction(1, 3)},
    )
    assert [p.amount.amount for p in parts] == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    assert [p.rep_id for p in parts] == ["A", "B", "C"]
    assert all(p.deal_id == "D1" and p.credited_on == DAY for p in parts)


def test_split_credit_float_shares_read_exactly():
    # 0.1 + 0.2 + 0.7 is exactly 1 when read through shortest repr: 10.00, 20.00, 70.00.
    parts = split_credit("D1", Money("100.00", "CNY"), DAY, {"A": 0.1, "B": 0.2, "C": 0.7})
    assert [p.amount.amount for p in parts] == [
        Decimal("10.00"),
        Decimal("20.00"),
        Decimal("70.00"),
    ]


def test_split_credit_no_shares():
    with pytest.raises(InvalidInputError, match="deal 'D1' split has no shares"):
        split_credit("D1", Money("1", "CNY"), DAY, {})


@pytest.mark.parametrize("share", [0, "-0.5", "1.5"])
def test_split_credit_share_out_of_range(share: object):
    with pytest.raises(InvalidInputError, match="of rep 'A' is outside \\(0, 1\\]"):
        split_credit("D1", Money("1", "CNY"), DAY, {"A": share, "B": "0.5"})


def test_split_credit_not_one_hundred_percent():
    with pytest.raises(InvalidInputError, match=r"shares add up to 1\.1, not 1 \(100 percent\)"):
        split_credit("D1", Money("1", "CNY"), DAY, {"A": "0.6", "B": "0.5"})


def test_split_credit_not_a_number():
    with pytest.raises(InvalidInputError, match="deal 'D1' share of 'A' 'half' is not a number"):
        split_credit("D1", Money("1", "CNY"), DAY, {"A": "half"})


@given(
    cents=st.integers(0, 10**12),
    weights=st.lists(st.integers(1, 1000), min_size=1, max_size=6),
)
def test_split_credit_parts_sum_to_amount(cents: int, weights: list[int]):
    total = sum(weights)
    shares: dict[str, object] = {f"R{i}": Fraction(w, total) for i, w in enumerate(weights)}
    amount = Money.from_minor(cents, "CNY")
    parts = split_credit("D", amount, DAY, shares)
    assert sum(p.amount.to_minor() for p in parts) == cents
    for p, w in zip(parts, weights, strict=True):
        assert abs(p.amount.to_minor() - cents * w / total) < 1 + 1e-6 * cents
