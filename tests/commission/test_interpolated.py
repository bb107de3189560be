"""Interpolated tiers: the rate moves linearly across a tier; each slice pays its integral."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import JAN, credit, credit_lists, plan

from salescore.commission import (
    AcceleratorBand,
    CommissionPlan,
    Credit,
    Tier,
    TieredComponent,
    statement,
    statements_frame,
)
from salescore.errors import InvalidInputError
from salescore.money import Money

Q = Money("100000", "CNY")


def ramp(**kw: object) -> TieredComponent:
    """2% rising to 6% over the first 10,000 CNY, then 6% flat."""
    args: dict[str, object] = {
        "name": "ramp",
        "mode": "interpolated",
        "tiers": [
            Tier(lower=0, upper=10000, rate="0.02", end_rate="0.06"),
            Tier(lower=10000, rate="0.06"),
        ],
    }
    args.update(kw)
    return TieredComponent.model_validate(args)


def test_interpolated_whole_tier_pays_average_rate():
    # 10,000 across a 2% -> 6% ramp: the average rate 4%, 400.
    s = statement(plan(ramp()), "R1", [credit("D1", "10000")], period=JAN)
    assert s.total == Decimal("400.00")
    line = s.lines[0]
    assert (line.rate, line.end_rate, line.tier) == (Decimal("0.02"), Decimal("0.06"), 1)
    assert line.reason_en == "10,000.00 CNY in tier 1 at 2% rising linearly to 6%"
    assert line.reason_zh == "10,000.00 CNY 属于第1档，费率由 2% 线性变为 6%"


def test_interpolated_running_slices_split_the_ramp():
    # D1 5,000: integral of 0.02 + 0.04 t / 10,000 over [0, 5,000] = 100 + 50 = 150.
    # D2 10,000: the rest of the ramp 400 - 150 = 250, then 5,000 at 6% = 300.
    s = statement(
        plan(ramp()), "R1", [credit("D1", "5000", 1), credit("D2", "10000", 2)], period=JAN
    )
    assert [(x.deal_id, x.amount, x.rate, x.end_rate) for x in s.lines] == [
        ("D1", Decimal("150.00"), Decimal("0.02"), Decimal("0.04")),
        ("D2", Decimal("250.00"), Decimal("0.04"), Decimal("0.06")),
        ("D2", Decimal("300.00"), Decimal("0.06"), None),
    ]
    assert s.total == Decimal("700.00")


def test_interpolated_attainment_basis():
    # Quota 100,000; 4% rising to 8% up to quota, 10% above. Credits 60,000 and 60,000:
    # D1: 60,000 * 0.04 + 0.04 * 60,000^2 / (2 * 100,000) = 2,400 + 720 = 3,120 (4% -> 6.4%).
    # D2: the rest of tier 1, 100,000 * 0.06 - 3,120 = 2,880 (6.4% -> 8%); 20,000 * 10% = 2,000.
    comp = TieredComponent(
        name="base",
        basis="attainment",
        mode="interpolated",
        tiers=[
            Tier(lower=0, upper=1, rate="0.04", end_rate="0.08"),
            Tier(lower=1, rate="0.1"),
        ],
    )
    s = statement(
        plan(comp), "R1", [credit("D1", "60000", 1), credit("D2", "60000", 2)], period=JAN, quota=Q
    )
    assert [(x.amount, x.rate, x.end_rate) for x in s.lines] == [
        (Decimal("3120.00"), Decimal("0.04"), Decimal("0.064")),
        (Decimal("2880.00"), Decimal("0.064"), Decimal("0.08")),
        (Decimal("2000.00"), Decimal("0.1"), None),
    ]
    assert s.total == Decimal("8000.00")


def test_interpolated_falling_rate_and_inexact_amount():
    # 1% falling to 0% over 30,000; 10,000 pays 100 - 0.01 * 10,000^2 / 60,000 = 83.333...
    comp = TieredComponent(
        name="c",
        mode="interpolated",
        tiers=[Tier(lower=0, upper=30000, rate="0.01", end_rate=0), Tier(lower=30000, rate=0)],
    )
    s = statement(plan(comp), "R1", [credit("D1", "10000")], period=JAN)
    assert s.total == Decimal("83.33")
    assert s.lines[0].exact_amount.quantize(Decimal("1e-10")) == Decimal("83.3333333333")
    assert s.lines[0].end_rate == Decimal("0.00666667")


def test_interpolated_with_accelerator_inside_the_tier():
    # 2% -> 4% over 100,000, x2 from 50,000. Below 50,000: 1,000 + 250 = 1,250.
    # Above: (50,000 * 0.02 + 0.02 * (100,000^2 - 50,000^2) / 200,000) * 2 = (1,000 + 750) * 2.
    comp = TieredComponent(
        name="c",
        mode="interpolated",
        tiers=[
            Tier(lower=0, upper=100000, rate="0.02", end_rate="0.04"),
            Tier(lower=100000, rate="0.04"),
        ],
        accelerators=[AcceleratorBand(lower=50000, multiplier=2)],
    )
    s = statement(plan(comp), "R1", [credit("D1", "100000")], period=JAN)
    assert [(x.amount, x.rate, x.end_rate, x.multiplier) for x in s.lines] == [
        (Decimal("1250.00"), Decimal("0.02"), Decimal("0.03"), Decimal(1)),
        (Decimal("3500.00"), Decimal("0.03"), Decimal("0.04"), Decimal(2)),
    ]
    assert s.lines[1].reason_en == (
        "50,000.00 CNY in tier 1 at 3% rising linearly to 4% x 2 accelerator"
    )


def test_interpolated_transaction_measure_with_deal_cap():
    # Each deal on its own: 5,000 pays 150 and 10,000 pays 400, capped at 300.
    comp = ramp(measure="transaction", deal_cap=300)
    s = statement(plan(comp), "R1", [credit("D1", "5000", 1), credit("D2", "10000", 2)], period=JAN)
    assert [(x.deal_id, x.kind, x.amount) for x in s.lines] == [
        ("D1", "tier", Decimal("150.00")),
        ("D2", "tier", Decimal("400.00")),
        ("D2", "deal_cap", Decimal("-100.00")),
    ]


def test_interpolated_bulk_matches_example():
    df = pd.DataFrame(
        {
            "deal_id": ["D1", "D2"],
            "rep_id": ["R1", "R1"],
            "amount": [5000.0, 10000.0],
            "currency": "CNY",
            "credited_on": pd.to_datetime(["2026-01-01", "2026-01-02"]),
        }
    )
    out = statements_frame(plan(ramp()), df, period=JAN)
    assert out.lines["amount_minor"].tolist() == [15000, 25000, 30000]
    assert out.lines["rate"].tolist() == pytest.approx([0.02, 0.04, 0.06])
    assert out.lines["end_rate"].tolist()[:2] == pytest.approx([0.04, 0.06])
    assert pd.isna(out.lines["end_rate"].iloc[2])


def test_tier_end_rate_needs_interpolated_mode():
    with pytest.raises(InvalidInputError, match=r"tier 1 has end_rate 0\.06 but mode 'marginal'"):
        ramp(mode="marginal")


def test_tier_end_rate_needs_a_closed_tier():
    with pytest.raises(InvalidInputError, match=r"tier from 0 is open but has end_rate 0\.1"):
        Tier(lower=0, rate="0.05", end_rate="0.1")


def test_tier_end_rate_too_many_places():
    with pytest.raises(InvalidInputError, match=r"tier end_rate 0\.123456789 has more than 8"):
        Tier(lower=0, upper=1, rate=0, end_rate="0.123456789")


def test_interpolated_plan_round_trips_through_json():
    p = plan(ramp(accelerators=[AcceleratorBand(lower=5000, multiplier="1.5")]))
    assert CommissionPlan.model_validate_json(p.model_dump_json()) == p
    assert p.model_dump(mode="json")["components"][0]["tiers"][0]["end_rate"] == "0.06"


# ----------------------------------------------------------------------- properties
def _oracle(tiers: list[Tier], x: Fraction) -> Fraction:
    """Closed-form integral of the piecewise-linear rate from 0 to ``x`` [currency]."""
    total = Fraction(0)
    for t in tiers:
        lo = Fraction(t.lower)
        hi = x if t.upper is None else min(x, Fraction(t.upper))
        if hi <= lo:
            continue
        r0 = Fraction(t.rate)
        slope = (
            Fraction(0)
            if t.end_rate is None or t.upper is None
            else (Fraction(t.end_rate) - r0) / (Fraction(t.upper) - lo)
        )
        total += r0 * (hi - lo) + slope * (hi - lo) ** 2 / 2
    return total


@st.composite
def ramps(draw: st.DrawFn) -> list[Tier]:
    cuts = sorted(draw(st.sets(st.integers(1, 5_000_000), min_size=1, max_size=3)))
    bounds = [Decimal(c).scaleb(-2) for c in cuts]
    lows = [Decimal(0), *bounds]
    ups: list[Decimal | None] = [*bounds, None]
    rate = st.integers(0, 2000).map(lambda r: Decimal(r) / 10_000)
    return [
        Tier(
            lower=lo,
            upper=up,
            rate=draw(rate),
            end_rate=None if up is None else draw(st.none() | rate),
        )
        for lo, up in zip(lows, ups, strict=True)
    ]


def _exact(tiers: list[Tier], cents: int, **kw: object) -> Decimal:
    comp = TieredComponent(name="c", mode="interpolated", tiers=tiers, **kw)
    c = Credit(
        deal_id="D", rep_id="R1", amount=Money.from_minor(cents, "CNY"), credited_on=JAN.start
    )
    s = statement(plan(comp), "R1", [c], period=JAN)
    return sum((line.exact_amount for line in s.lines), Decimal(0))


@given(tiers=ramps(), x=st.integers(0, 8_000_000), step=st.integers(1, 500_000))
def test_interpolated_payout_continuous_and_non_decreasing(tiers, x, step):
    low, high = _exact(tiers, x), _exact(tiers, x + step)
    top = max(max(t.rate, t.end_rate or 0) for t in tiers)
    noise = Decimal("1e-40")
    # Non-decreasing, and never faster than the highest rate (so no jumps anywhere).
    assert -noise <= high - low <= Decimal(step) / 100 * top + noise


@given(tiers=ramps(), x=st.integers(0, 8_000_000))
def test_interpolated_total_equals_integral_of_the_rate(tiers, x):
    comp = TieredComponent(name="c", mode="interpolated", tiers=tiers)
    c = Credit(deal_id="D", rep_id="R1", amount=Money.from_minor(x, "CNY"), credited_on=JAN.start)
    s = statement(plan(comp), "R1", [c], period=JAN)
    # round() on a Fraction rounds half to even, like the statement's default.
    assert s.total == Decimal(round(_oracle(tiers, Fraction(x, 100)) * 100)).scaleb(-2)


@given(tiers=ramps(), x=st.integers(0, 8_000_000))
def test_interpolated_flat_tiers_equal_marginal(tiers, x):
    flat = [t.model_copy(update={"end_rate": None}) for t in tiers]
    marginal = TieredComponent(name="c", tiers=flat)
    c = Credit(deal_id="D", rep_id="R1", amount=Money.from_minor(x, "CNY"), credited_on=JAN.start)
    same = statement(plan(marginal), "R1", [c], period=JAN)
    assert _exact(flat, x) == sum((line.exact_amount for line in same.lines), Decimal(0))


@given(tiers=ramps(), credits=credit_lists(max_size=6), data=st.data())
def test_interpolated_total_independent_of_deal_order(tiers, credits, data):
    comp = TieredComponent(name="c", mode="interpolated", tiers=tiers)
    days = data.draw(st.permutations(list(range(len(credits)))))
    shuffled = [
        c.model_copy(update={"credited_on": JAN.start + timedelta(days=d)})
        for c, d in zip(credits, days, strict=True)
    ]
    first = statement(plan(comp), "R1", credits, period=JAN)
    second = statement(plan(comp), "R1", shuffled, period=JAN)
    assert first.total == second.total
