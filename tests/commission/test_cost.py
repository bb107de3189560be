from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.commission._helpers import JAN, credit, plan, plans, two_tier

from salescore.commission import PlanCost, Tier, TieredComponent, plan_cost, statement
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.forecast import Simulation
from salescore.money import Money

Q = Money("100000", "CNY")


def sim(totals: list[float], currency: str | None = "CNY") -> Simulation:
    return Simulation(np.array(totals), currency, 0.0, 0.0, 0.0, 0, pd.Index([]), 1)


def test_plan_cost_two_tier_example():
    # 5% to quota, 8% above, quota 100,000. Attainments 50%, 100%, 120%, 150% pay
    # 2,500; 5,000; 5,000 + 1,600 = 6,600; 5,000 + 4,000 = 9,000. Mean 23,100 / 4 = 5,775.
    cost = plan_cost(plan(two_tier()), [0.5, 1.0, 1.2, 1.5], quota=Q)
    assert isinstance(cost, PlanCost)
    assert cost.n == 4
    assert cost.credited[:, 0].tolist() == [5_000_000, 10_000_000, 12_000_000, 15_000_000]
    assert cost.payouts[:, 0].tolist() == [250_000, 500_000, 660_000, 900_000]
    assert cost.expected == Decimal("5775.00")
    # Inverted CDF: P50 is the 2nd of 4 sorted costs, P90 the 4th.
    assert cost.p50 == Decimal("5000.00")
    assert cost.p90 == Decimal("9000.00")
    assert cost.quantile(0.0) == Decimal("2500.00")
    assert cost.quantile(0.25) == Decimal("2500.00")
    assert cost.quantile(0.26) == Decimal("5000.00")
    # 23,100 / 420,000 credited.
    assert cost.share_of_revenue == pytest.approx(0.055)


def test_plan_cost_many_reps_sum_per_sample():
    # Quotas 100,000 and 50,000. Sample 1: both at 100%: 5,000 + 2,500.
    # Sample 2: 0% and 200%: 0 + (50,000 * 0.05 + 50,000 * 0.08 = 6,500).
    cost = plan_cost(plan(two_tier()), [[1.0, 1.0], [0.0, 2.0]], quota=[Q, Money("50000", "CNY")])
    assert cost.payouts.tolist() == [[500_000, 250_000], [0, 650_000]]
    assert cost.cost.tolist() == [750_000, 650_000]
    assert cost.revenue.tolist() == [15_000_000, 10_000_000]
    assert cost.expected == Decimal("7000.00")


def test_plan_cost_one_quota_for_all_reps():
    cost = plan_cost(plan(two_tier()), np.array([[1.0, 0.5]]), quota=Q)
    assert cost.payouts.tolist() == [[500_000, 250_000]]


def test_plan_cost_deals_matter_for_deal_caps():
    # 10% of 30,000 = 3,000; a 1,000 deal cap: one deal pays 1,000, three deals of 10,000 pay 3,000.
    comp = TieredComponent(name="c", tiers=[Tier(lower=0, rate="0.1")], deal_cap=1000)
    one = plan_cost(plan(comp), [0.3], quota=Q)
    three = plan_cost(plan(comp), [0.3], quota=Q, deals=3)
    assert one.payouts.tolist() == [[100_000]]
    assert three.payouts.tolist() == [[300_000]]


def test_plan_cost_from_simulation():
    cost = plan_cost(plan(two_tier()), sim([0.0, 50000.0, 120000.0]), quota=Q)
    assert cost.payouts[:, 0].tolist() == [0, 250_000, 660_000]
    assert cost.share_of_revenue == pytest.approx(9100 / 170000)


def test_plan_cost_from_simulations_per_rep():
    cost = plan_cost(
        plan(two_tier()),
        [sim([100000.0, 0.0]), sim([50000.0, 50000.0], currency=None)],
        quota=[Q, Money("50000", "CNY")],
    )
    assert cost.payouts.tolist() == [[500_000, 250_000], [0, 250_000]]


def test_plan_cost_simulation_errors():
    with pytest.raises(CurrencyMismatchError, match="simulation is in USD, not the plan"):
        plan_cost(plan(two_tier()), sim([1.0], currency="USD"), quota=Q)
    with pytest.raises(InvalidInputError, match=r"different run counts \[1, 2\]"):
        plan_cost(plan(two_tier()), [sim([1.0]), sim([1.0, 2.0])], quota=Q)
    with pytest.raises(InvalidInputError, match="is not a Simulation"):
        plan_cost(plan(two_tier()), [sim([1.0]), 2.0], quota=Q)  # type: ignore[arg-type]


def test_plan_cost_no_revenue_has_no_share():
    cost = plan_cost(plan(two_tier()), [0.0, 0.0], quota=Q)
    assert cost.share_of_revenue is None
    assert cost.expected == Decimal("0.00")


def test_plan_cost_no_samples():
    cost = plan_cost(plan(two_tier()), np.zeros((0, 2)), quota=Q)
    assert cost.n == 0
    assert cost.expected == Decimal("0.00")
    with pytest.raises(InvalidInputError, match="has no samples"):
        _ = cost.p50


def test_plan_cost_bad_input():
    p = plan(two_tier())
    with pytest.raises(InvalidInputError, match="sample 1 of rep 0 is negative or not finite"):
        plan_cost(p, [1.0, -0.5], quota=Q)
    with pytest.raises(InvalidInputError, match="sample 0 of rep 0 is negative or not finite"):
        plan_cost(p, [float("nan")], quota=Q)
    with pytest.raises(InvalidInputError, match="too large"):
        plan_cost(p, [1e300], quota=Q)
    with pytest.raises(InvalidInputError, match="have 3 dimensions"):
        plan_cost(p, np.zeros((1, 1, 1)), quota=Q)
    with pytest.raises(InvalidInputError, match="2 quotas given for 3 reps"):
        plan_cost(p, np.zeros((1, 3)), quota=[Q, Q])
    with pytest.raises(CurrencyMismatchError, match="not in the plan currency CNY"):
        plan_cost(p, [1.0], quota=Money(1, "USD"))
    with pytest.raises(InvalidInputError, match="must be > 0"):
        plan_cost(p, [1.0], quota=Money(0, "CNY"))
    with pytest.raises(InvalidInputError, match="more decimal places"):
        plan_cost(p, [1.0], quota=Money("1.001", "CNY"))
    with pytest.raises(InvalidInputError, match="is not Money"):
        plan_cost(p, [1.0], quota=[1.0])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="deals 0 must be a whole number"):
        plan_cost(p, [1.0], quota=Q, deals=0)
    with pytest.raises(InvalidInputError, match="not a decimal rounding mode"):
        plan_cost(p, [1.0], quota=Q, rounding="nearest")
    with pytest.raises(InvalidInputError, match="quantile level"):
        plan_cost(p, [1.0], quota=Q).quantile(1.5)


def test_plan_cost_huge_payouts():
    # 40,000,000,000,000.00 CNY credited at a rate of 100,000 does not fit int64 minor units.
    comp = TieredComponent(name="c", tiers=[Tier(lower=0, rate="100000")])
    with pytest.raises(InvalidInputError, match="too large for int64"):
        plan_cost(plan(comp), [4e7], quota=Money("1000000", "CNY"))


@settings(max_examples=40)
@given(
    p=plans(),
    att=st.lists(st.lists(st.integers(0, 25_000), min_size=2, max_size=2), min_size=1, max_size=3),
    quota_cents=st.lists(st.integers(1, 20_000_000), min_size=2, max_size=2),
    deals=st.integers(1, 3),
    rounding=st.sampled_from(["ROUND_HALF_EVEN", "ROUND_HALF_UP", "ROUND_DOWN"]),
)
def test_plan_cost_agrees_with_statement(p, att, quota_cents, deals, rounding):
    samples = np.asarray(att, dtype=np.float64) / 10_000
    quotas = [Money.from_minor(c, "CNY") for c in quota_cents]
    cost = plan_cost(p, samples, quota=quotas, deals=deals, rounding=rounding)
    expected = np.rint(samples * np.asarray(quota_cents, dtype=np.float64)).astype(np.int64)
    assert cost.credited.tolist() == expected.tolist()
    for i in range(len(att)):
        for j, quota in enumerate(quotas):
            whole = int(cost.credited[i, j])
            size, extra = divmod(whole, deals)
            credits = [
                credit(f"D{k}", str(Decimal(size + (k < extra)).scaleb(-2)), 5, rep="R1")
                for k in range(deals)
            ]
            s = statement(p, "R1", credits, period=JAN, quota=quota, rounding=rounding)
            assert s.total == Decimal(int(cost.payouts[i, j])).scaleb(-2)
    assert sum(cost.cost.tolist()) == int(cost.payouts.sum())
    assert cost.quantile(0.5) <= cost.p90
