from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import JAN, credit, credit_lists, plan, plans, two_tier

from salescore.calendar import Period
from salescore.commission import (
    AcceleratorBand,
    Credit,
    Statement,
    Tier,
    TieredComponent,
    statement,
)
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.models import Rep
from salescore.money import Money

Q = Money("100000", "CNY")


def amounts(s: Statement) -> list[tuple[str | None, str, Decimal]]:
    return [(line.deal_id, line.kind, line.amount) for line in s.lines]


def test_statement_marginal_attainment_crosses_quota():
    # 60,000 then 60,000 against 100,000 quota, 5% to quota and 8% above:
    # D1: 60,000 * 0.05 = 3,000; D2: 40,000 * 0.05 = 2,000 and 20,000 * 0.08 = 1,600.
    s = statement(
        plan(two_tier()),
        Rep(id="R1", name="Li"),
        [credit("D2", "60000", 20), credit("D1", "60000", 5)],
        period=JAN,
        quota=Q,
    )
    assert amounts(s) == [
        ("D1", "tier", Decimal("3000.00")),
        ("D2", "tier", Decimal("2000.00")),
        ("D2", "tier", Decimal("1600.00")),
    ]
    assert s.total == Decimal("6600.00")
    assert s.subtotals == {"base": Decimal("6600.00")}
    assert s.credited == Decimal(120000)
    assert s.attainment == Decimal("1.2")
    assert s.lines[2].tier == 2
    assert s.lines[2].base == Decimal(20000)
    assert s.lines[2].reason_zh == "20,000.00 CNY 属于第2档，费率 8%"


def test_statement_same_day_credits_ordered_by_deal_id():
    s = statement(
        plan(two_tier()), "R1", [credit("B", "60000"), credit("A", "60000")], period=JAN, quota=Q
    )
    assert [line.deal_id for line in s.lines] == ["A", "B", "B"]


def test_statement_retroactive_boundary_owned_by_upper_tier():
    # Exactly 100,000 = quota reaches tier 2 when tiers are [lower, upper): 100,000 * 0.08.
    s = statement(
        plan(two_tier(mode="retroactive")), "R1", [credit("D1", "100000")], period=JAN, quota=Q
    )
    assert s.total == Decimal("8000.00")
    assert s.lines[0].tier == 2


def test_statement_retroactive_boundary_owned_by_lower_tier():
    # (lower, upper]: 100,000 stays in tier 1: 100,000 * 0.05 = 5,000.
    comp = two_tier(mode="retroactive", boundary="lower")
    s = statement(plan(comp), "R1", [credit("D1", "100000")], period=JAN, quota=Q)
    assert s.total == Decimal("5000.00")
    assert s.lines[0].tier == 1


def test_statement_retroactive_running_pays_every_deal_at_reached_rate():
    # 120,000 reaches tier 2: D1 60,000 * 0.08 = 4,800 and D2 the same.
    comp = two_tier(mode="retroactive")
    s = statement(
        plan(comp), "R1", [credit("D1", "60000", 1), credit("D2", "60000", 2)], period=JAN, quota=Q
    )
    assert amounts(s) == [("D1", "tier", Decimal("4800.00")), ("D2", "tier", Decimal("4800.00"))]


def test_statement_transaction_measure_marginal_in_amount():
    # Each deal on its own: 2% to 10,000, 4% above.
    # D1 15,000: 10,000 * 0.02 + 5,000 * 0.04 = 200 + 200; D2 5,000 * 0.02 = 100.
    comp = TieredComponent(
        name="deal",
        measure="transaction",
        tiers=[Tier(lower=0, upper=10000, rate="0.02"), Tier(lower=10000, rate="0.04")],
    )
    s = statement(plan(comp), "R1", [credit("D1", "15000", 1), credit("D2", "5000", 2)], period=JAN)
    assert amounts(s) == [
        ("D1", "tier", Decimal("200.00")),
        ("D1", "tier", Decimal("200.00")),
        ("D2", "tier", Decimal("100.00")),
    ]
    assert s.quota is None
    assert s.attainment is None


def test_statement_transaction_measure_retroactive():
    # D1 15,000 reaches 4%: 600; D2 5,000 at 2%: 100.
    comp = TieredComponent(
        name="deal",
        measure="transaction",
        mode="retroactive",
        tiers=[Tier(lower=0, upper=10000, rate="0.02"), Tier(lower=10000, rate="0.04")],
    )
    s = statement(plan(comp), "R1", [credit("D1", "15000", 1), credit("D2", "5000", 2)], period=JAN)
    assert s.total == Decimal("700.00")


def test_statement_accelerator_above_quota():
    # 5% flat, x1.5 above 100% attainment. 80,000 * 0.05 = 4,000; then 20,000 * 0.05 = 1,000
    # below quota and 20,000 * 0.075 = 1,500 above. Total 6,500.
    comp = TieredComponent(
        name="base",
        basis="attainment",
        tiers=[Tier(lower=0, rate="0.05")],
        accelerators=[AcceleratorBand(lower=1, multiplier="1.5")],
    )
    s = statement(
        plan(comp), "R1", [credit("D1", "80000", 1), credit("D2", "40000", 2)], period=JAN, quota=Q
    )
    assert [line.amount for line in s.lines] == [
        Decimal("4000.00"),
        Decimal("1000.00"),
        Decimal("1500.00"),
    ]
    assert s.lines[2].multiplier == Decimal("1.5")
    assert s.lines[2].reason_en == "20,000.00 CNY in tier 1 at 5% x 1.5 accelerator"
    assert s.lines[2].reason_zh == "20,000.00 CNY 属于第1档，费率 5% × 加速系数 1.5"


def test_statement_decelerator_below_half_quota():
    # x0.5 below 50% attainment: 50,000 * 0.05 * 0.5 = 1,250; 10,000 * 0.05 = 500.
    comp = TieredComponent(
        name="base",
        basis="attainment",
        tiers=[Tier(lower=0, rate="0.05")],
        accelerators=[AcceleratorBand(lower=0, upper="0.5", multiplier="0.5")],
    )
    s = statement(plan(comp), "R1", [credit("D1", "60000")], period=JAN, quota=Q)
    assert s.total == Decimal("1750.00")


def test_statement_deal_cap():
    # 30,000 * 0.05 = 1,500 capped at 1,000: a cap line of -500.
    comp = TieredComponent(name="c", tiers=[Tier(lower=0, rate="0.05")], deal_cap=1000)
    s = statement(plan(comp), "R1", [credit("D1", "30000"), credit("D2", "10000", 6)], period=JAN)
    assert amounts(s) == [
        ("D1", "tier", Decimal("1500.00")),
        ("D1", "deal_cap", Decimal("-500.00")),
        ("D2", "tier", Decimal("500.00")),
    ]
    assert s.total == Decimal("1500.00")
    assert s.lines[1].reason_en == "capped at the per-deal cap"
    assert s.lines[1].reason_zh == "超过单笔上限，按上限封顶"


def test_statement_period_cap():
    # 1,500 then 1,000 against a 2,000 period cap: the second pays only 500.
    comp = TieredComponent(name="c", tiers=[Tier(lower=0, rate="0.05")], period_cap=2000)
    s = statement(plan(comp), "R1", [credit("D1", "30000"), credit("D2", "20000", 6)], period=JAN)
    assert amounts(s) == [
        ("D1", "tier", Decimal("1500.00")),
        ("D2", "tier", Decimal("1000.00")),
        ("D2", "period_cap", Decimal("-500.00")),
    ]
    assert s.lines[2].reason_en == "capped at the period cap"


def test_statement_closed_top_tier_pays_nothing_above():
    # 10% to 1,000 only: 1,500 pays 100 then 0 on the 500 above.
    comp = TieredComponent(name="c", tiers=[Tier(lower=0, upper=1000, rate="0.1")])
    s = statement(plan(comp), "R1", [credit("D1", "1500")], period=JAN)
    assert [(line.tier, line.amount) for line in s.lines] == [
        (1, Decimal("100.00")),
        (0, Decimal("0.00")),
    ]
    assert s.lines[1].reason_en == "500.00 CNY above the top tier at 0%"


def test_statement_zero_credit_still_has_a_line():
    s = statement(plan(two_tier()), "R1", [credit("D0", "0")], period=JAN, quota=Q)
    assert amounts(s) == [("D0", "tier", Decimal("0.00"))]


def test_statement_rounds_once_and_lines_reconcile():
    # 1.00 * 0.0333 = 0.0333 three times: exact total 0.0999 rounds to 0.10;
    # lines floor to 0.03 each and the leftover cent goes to the first (tied) line.
    comp = TieredComponent(name="c", measure="transaction", tiers=[Tier(lower=0, rate="0.0333")])
    credits = [credit(f"D{i}", "1.00", 5 + i) for i in range(3)]
    s = statement(plan(comp), "R1", credits, period=JAN)
    assert [line.amount for line in s.lines] == [Decimal("0.04"), Decimal("0.03"), Decimal("0.03")]
    assert [line.exact_amount for line in s.lines] == [Decimal("0.0333")] * 3
    assert s.total == Decimal("0.10")


@pytest.mark.parametrize(
    ("rounding", "total"),
    [
        ("ROUND_HALF_EVEN", "0.02"),
        ("ROUND_HALF_UP", "0.03"),
        ("ROUND_HALF_DOWN", "0.02"),
        ("ROUND_UP", "0.03"),
        ("ROUND_DOWN", "0.02"),
        ("ROUND_CEILING", "0.03"),
        ("ROUND_FLOOR", "0.02"),
    ],
)
def test_statement_rounding_modes(rounding: str, total: str):
    # 0.50 * 0.05 = 0.025: a tie between 0.02 and 0.03.
    comp = TieredComponent(name="c", tiers=[Tier(lower=0, rate="0.05")])
    s = statement(plan(comp), "R1", [credit("D1", "0.50")], period=JAN, rounding=rounding)
    assert s.total == Decimal(total)


@pytest.mark.parametrize(
    ("amount", "total"),
    [("0.50", "0.02"), ("0.70", "0.03"), ("1.01", "0.06"), ("2.01", "0.11"), ("1.00", "0.05")],
)
def test_statement_round_05up(amount: str, total: str):
    # ROUND_05UP truncates, then steps away from zero only when the kept digit is 0 or 5:
    # 0.025 -> 0.02; 0.035 -> 0.03; 0.0505 -> 0.05 -> 0.06; 0.1005 -> 0.10 -> 0.11; 0.05 exact.
    comp = TieredComponent(name="c", tiers=[Tier(lower=0, rate="0.05")])
    s = statement(plan(comp), "R1", [credit("D1", amount)], period=JAN, rounding="ROUND_05UP")
    assert s.total == Decimal(total)


def test_statement_unsupported_rounding():
    comp = TieredComponent(name="c", tiers=[Tier(lower=0, rate="0.05")])
    with pytest.raises(InvalidInputError, match="'nearest' is not a decimal rounding mode"):
        statement(plan(comp), "R1", [credit("D1", "1")], period=JAN, rounding="nearest")


def test_statement_jpy_multi_component():
    # JPY has no minor unit. base 3% of 1,001 = 30.03; bonus 1% above 1,000 yen: 1 * 0.01 = 0.01.
    # Exact 30.04 rounds to 30: lines 30 and 0.
    comp2 = TieredComponent(
        name="bonus", tiers=[Tier(lower=0, upper=1000, rate=0), Tier(lower=1000, rate="0.01")]
    )
    base = TieredComponent(name="base", tiers=[Tier(lower=0, rate="0.03")])
    s = statement(
        plan(base, comp2, currency="JPY"), "R1", [credit("D1", "1001", cur="JPY")], period=JAN
    )
    assert s.total == Decimal(30)
    assert s.subtotals == {"base": Decimal(30), "bonus": Decimal(0)}


def test_credit_negative_amount():
    with pytest.raises(InvalidInputError, match=r"credit 'D1' amount -1.00 CNY is negative"):
        credit("D1", "-1.00")


def test_credit_sub_minor_amount():
    with pytest.raises(InvalidInputError, match="more decimal places than CNY allows"):
        credit("D1", "1.005")


def test_statement_credit_of_another_rep():
    with pytest.raises(InvalidInputError, match="credit 'D1' belongs to rep 'R2', not 'R1'"):
        statement(plan(two_tier()), "R1", [credit("D1", "1", rep="R2")], period=JAN, quota=Q)


def test_statement_credit_in_other_currency():
    with pytest.raises(CurrencyMismatchError, match="credit 'D1' is in USD, not the plan"):
        statement(plan(two_tier()), "R1", [credit("D1", "1", cur="USD")], period=JAN, quota=Q)


def test_statement_credit_outside_period():
    c = Credit(deal_id="D1", rep_id="R1", amount=Money(1, "CNY"), credited_on=date(2026, 2, 1))
    with pytest.raises(InvalidInputError, match="credited on 2026-02-01 is outside the period"):
        statement(plan(two_tier()), "R1", [c], period=JAN, quota=Q)


def test_statement_deal_credited_twice():
    with pytest.raises(InvalidInputError, match="deal 'D1' is credited twice"):
        statement(
            plan(two_tier()), "R1", [credit("D1", "1"), credit("D1", "2")], period=JAN, quota=Q
        )


def test_statement_missing_quota():
    with pytest.raises(
        InvalidInputError, match="measures attainment of quota; a quota is required"
    ):
        statement(plan(two_tier()), "R1", [], period=JAN)


def test_statement_quota_in_other_currency():
    with pytest.raises(CurrencyMismatchError, match=r"quota 1.00 USD is not in the plan currency"):
        statement(plan(two_tier()), "R1", [], period=JAN, quota=Money("1.00", "USD"))


def test_statement_quota_not_positive():
    with pytest.raises(InvalidInputError, match="quota 0 CNY must be > 0"):
        statement(plan(two_tier()), "R1", [], period=JAN, quota=Money("0", "CNY"))


def test_statement_quota_sub_minor():
    with pytest.raises(InvalidInputError, match=r"quota 1.001 CNY has more decimal places"):
        statement(plan(two_tier()), "R1", [], period=JAN, quota=Money("1.001", "CNY"))


def test_statement_empty_is_zero():
    s = statement(plan(two_tier()), "R1", [], period=JAN, quota=Q)
    assert s.lines == ()
    assert s.total == Decimal("0.00")


# ----------------------------------------------------------------------- properties
def _single(component: TieredComponent, cents: int) -> Decimal:
    c = Credit(
        deal_id="D", rep_id="R1", amount=Money.from_minor(cents, "CNY"), credited_on=JAN.start
    )
    s = statement(plan(component), "R1", [c], period=JAN, quota=Q)
    return sum((line.exact_amount for line in s.lines), Decimal(0))


@given(
    rates=st.lists(st.integers(0, 2000), min_size=1, max_size=4),
    cuts=st.sets(st.integers(1, 300), max_size=3),
    x=st.integers(0, 40_000_000),
    step=st.integers(1, 1_000_000),
)
def test_statement_marginal_payout_continuous_and_non_decreasing(
    rates: list[int], cuts: set[int], x: int, step: int
):
    bounds = [Decimal(c) / 100 for c in sorted(cuts)][: len(rates) - 1]
    rs = [Decimal(r) / 10_000 for r in rates[: len(bounds) + 1]]
    tiers = [
        Tier(lower=lo, upper=up, rate=r)
        for lo, up, r in zip([Decimal(0), *bounds], [*bounds, None], rs, strict=True)
    ]
    comp = TieredComponent(name="c", basis="attainment", tiers=tiers)
    low, high = _single(comp, x), _single(comp, x + step)
    # Non-decreasing, and the increase is at most the step at the top rate (Lipschitz).
    assert Decimal(0) <= high - low <= Decimal(step) / 100 * max(rs)


@given(
    rates=st.lists(st.integers(0, 2000), min_size=2, max_size=2),
    cut=st.integers(1, 300),
    x=st.integers(0, 40_000_000),
    boundary=st.sampled_from(["upper", "lower"]),
)
def test_statement_retroactive_equals_measure_times_reached_rate(
    rates: list[int], cut: int, x: int, boundary: str
):
    b = Decimal(cut) / 100
    r1, r2 = (Decimal(r) / 10_000 for r in rates)
    comp = TieredComponent(
        name="c",
        basis="attainment",
        mode="retroactive",
        boundary=boundary,
        tiers=[Tier(lower=0, upper=b, rate=r1), Tier(lower=b, rate=r2)],
    )
    measure = Decimal(x) / 100
    reached_upper = measure >= b * Q.amount if boundary == "upper" else measure > b * Q.amount
    assert _single(comp, x) == measure * (r2 if reached_upper else r1)


@given(p=plans(), credits=credit_lists(), data=st.data())
def test_statement_lines_reconcile_exactly(p, credits, data):
    s = statement(p, "R1", credits, period=JAN, quota=Q)
    exact = sum((line.exact_amount for line in s.lines), Decimal(0))
    assert sum((line.amount for line in s.lines), Decimal("0.00")) == s.total
    # Interpolated lines divide by tier widths, so exact_amount may be a 60-digit
    # approximation: compare the total to the sum of the exact amounts within half a cent.
    if all(line.end_rate is None for line in s.lines):
        assert s.total == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    assert abs(s.total - exact) <= Decimal("0.005") + Decimal("1e-40")
    for line in s.lines:
        assert abs(line.amount - line.exact_amount) < Decimal("0.01") + Decimal("1e-40")
    for name, subtotal in s.subtotals.items():
        assert subtotal == sum((x.amount for x in s.lines if x.component == name), Decimal(0))
    # Caps and gates only take back what was earned: a statement is never negative.
    assert s.total >= 0
    # Every credit appears on at least one line.
    assert {c.deal_id for c in credits} == {x.deal_id for x in s.lines if x.kind != "floor"}
    # Only the floor line, the last, belongs to no deal.
    assert all((x.deal_id is None) == (x.kind == "floor") for x in s.lines)
    assert all(x.kind != "floor" for x in s.lines[:-1])


@given(credits=credit_lists(), data=st.data())
def test_statement_marginal_total_independent_of_deal_order(credits, data):
    comp = TieredComponent(
        name="c",
        basis="attainment",
        tiers=[Tier(lower=0, upper="0.5", rate="0.03"), Tier(lower="0.5", rate="0.07")],
        accelerators=[AcceleratorBand(lower="1.2", multiplier="1.3")],
    )
    days = data.draw(st.permutations(list(range(len(credits)))))
    shuffled = [
        c.model_copy(update={"credited_on": JAN.start + timedelta(days=d)})
        for c, d in zip(credits, days, strict=True)
    ]
    first = statement(plan(comp), "R1", credits, period=JAN, quota=Q)
    second = statement(plan(comp), "R1", shuffled, period=JAN, quota=Q)
    assert first.total == second.total
    assert sum(x.exact_amount for x in first.lines) == sum(x.exact_amount for x in second.lines)


def test_statement_period_type():
    s = statement(plan(two_tier()), "R1", [], period=Period.quarter(2026, 1), quota=Q)
    assert s.period == Period.quarter(2026, 1)


def test_statement_gate_not_reached_pays_nothing():
    # Gate at 50% of a 100,000 quota; 40,000 credited: 40,000 * 0.05 = 2,000 reversed.
    s = statement(plan(two_tier(gate="0.5")), "R1", [credit("D1", "40000")], period=JAN, quota=Q)
    assert amounts(s) == [("D1", "tier", Decimal("2000.00")), ("D1", "gate", Decimal("-2000.00"))]
    assert s.total == Decimal("0.00")
    assert s.lines[1].reason_en == "below the gate: nothing paid this period"
    assert s.lines[1].reason_zh == "未达到门槛，本期不发放"


def test_statement_gate_reached_pays_everything():
    # 50,000 reaches the 50% gate exactly: 50,000 * 0.05 = 2,500, no gate line.
    s = statement(plan(two_tier(gate="0.5")), "R1", [credit("D1", "50000")], period=JAN, quota=Q)
    assert amounts(s) == [("D1", "tier", Decimal("2500.00"))]


def test_statement_gate_reverses_what_the_period_cap_left():
    # 40,000 * 5% = 2,000, cut to 1,000 by the period cap; below the 50% gate the gate
    # reverses the 1,000 actually left, not the 2,000 before the cap.
    p = plan(two_tier(gate="0.5", period_cap=1000))
    s = statement(p, "R1", [credit("D1", "40000")], period=JAN, quota=Q)
    assert amounts(s) == [
        ("D1", "tier", Decimal("2000.00")),
        ("D1", "period_cap", Decimal("-1000.00")),
        ("D1", "gate", Decimal("-1000.00")),
    ]
    assert s.total == Decimal("0.00")


def test_statement_gate_on_period_total_for_transaction_measure():
    # Each deal on its own at 10%, gated at 1,000 of period total: 600 + 300 = 900 < 1,000.
    comp = TieredComponent(
        name="c", measure="transaction", tiers=[Tier(lower=0, rate="0.1")], gate=1000
    )
    s = statement(plan(comp), "R1", [credit("D1", "600"), credit("D2", "300", 6)], period=JAN)
    assert s.total == Decimal("0.00")
    assert [line.kind for line in s.lines] == ["tier", "gate", "tier", "gate"]


def test_component_gate_too_many_places():
    with pytest.raises(InvalidInputError, match=r"'base' gate 0\.123456789 has more than 8"):
        two_tier(gate="0.123456789")


def test_plan_amount_gate_with_too_many_places():
    comp = TieredComponent(name="c", tiers=[Tier(lower=0, rate="0.1")], gate="0.001")
    with pytest.raises(InvalidInputError, match=r"boundary 0\.001 has more decimal places"):
        plan(comp)
