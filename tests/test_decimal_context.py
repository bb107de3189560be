"""Public calculators ignore the caller's decimal context: DESIGN says never rely on it."""

from __future__ import annotations

import decimal
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import pytest

from salescore.calendar import Period
from salescore.commission import (
    CommissionPlan,
    Credit,
    Refund,
    Tier,
    TieredComponent,
    clawback,
    statement,
    statements_frame,
)
from salescore.errors import InvalidInputError
from salescore.goals import allocate, decompose, plan_matrix
from salescore.models import Owner, Rep, Target
from salescore.money import Money

PLAN = CommissionPlan(
    id="P",
    currency="CNY",
    components=[
        TieredComponent(
            name="base",
            basis="attainment",
            tiers=[Tier(lower=0, upper=1, rate="0.05"), Tier(lower=1, rate="0.08")],
        )
    ],
)
CREDITS = [
    Credit(
        deal_id=f"D{i}",
        rep_id="R1",
        amount=Money("12345678.91", "CNY"),
        credited_on=date(2026, 1, 5 + i),
    )
    for i in range(3)
]
JAN = Period.month(2026, 1)
QUOTA = Money("20000000", "CNY")
YEAR = Target(id="FY", metric="revenue", value="5000000", currency="CNY", period=Period.year(2026))


def _statement() -> Any:
    return statement(PLAN, "R1", CREDITS, period=JAN, quota=QUOTA)


def _clawback() -> Any:
    refund = Refund(deal_id="D1", amount=Money("1234567.89", "CNY"), refunded_on=date(2026, 2, 1))
    return clawback(_statement(), refund, window_days=90)


def _bulk() -> Any:
    df = pd.DataFrame(
        {
            "deal_id": [c.deal_id for c in CREDITS],
            "rep_id": "R1",
            "amount": [float(c.amount.amount) for c in CREDITS],
            "currency": "CNY",
            "credited_on": pd.to_datetime([c.credited_on for c in CREDITS]),
        }
    )
    out = statements_frame(PLAN, df, period=JAN, quotas=pd.Series({"R1": 20000000.0}))
    return out.totals.to_dict()


CALLS: dict[str, Callable[[], Any]] = {
    "statement": _statement,
    "clawback": _clawback,
    "statements_frame": _bulk,
    "decompose": lambda: decompose(YEAR, "month"),
    "allocate": lambda: allocate(YEAR, [Rep(id="R1", name="A"), Rep(id="R2", name="B")]),
    "plan_matrix": lambda: plan_matrix(
        YEAR, [Owner(kind="rep", id=i) for i in ("R1", "R2", "R3")], "quarter"
    ).to_dict(),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_low_precision_caller_gets_the_same_result(name):
    expected = CALLS[name]()
    with decimal.localcontext() as ctx:
        ctx.prec = 4
        ctx.traps[decimal.Inexact] = True
        got = CALLS[name]()
        assert decimal.getcontext().prec == 4  # the caller's context is back
    assert got == expected


def test_plan_checks_count_decimal_places_exactly_under_a_low_precision_caller():
    def table(bound: str) -> CommissionPlan:
        return CommissionPlan(
            id="P",
            currency="CNY",
            components=[
                TieredComponent(
                    name="b",
                    tiers=[Tier(lower=0, upper=bound, rate="0.05"), Tier(lower=bound, rate="0.08")],
                )
            ],
        )

    with decimal.localcontext() as ctx:
        ctx.prec = 4
        assert table("1234567.89").components[0].tiers[0].upper == decimal.Decimal("1234567.89")
        with pytest.raises(InvalidInputError, match=r"boundary 1234567\.891 has more decimal"):
            table("1234567.891")


def test_models_and_results_read_outside_a_call_use_the_library_context():
    from salescore.commission import Draw, plan_cost

    with decimal.localcontext() as ctx:
        ctx.prec = 4
        draw = Draw(kind="recoverable", currency="CNY", amount="1234567.89", start=date(2026, 1, 1))
        assert draw.amount == decimal.Decimal("1234567.89")
        with pytest.raises(InvalidInputError, match="more decimal places"):
            Draw(kind="recoverable", currency="CNY", amount="1234567.891", start=date(2026, 1, 1))
    cost = plan_cost(PLAN, [0.5, 1.0, 1.5], quota=Money("123456789", "CNY"))
    expected = cost.expected
    with decimal.localcontext() as ctx:
        ctx.prec = 4
        assert cost.expected == expected
        assert cost.p90 == cost.quantile(0.9)
