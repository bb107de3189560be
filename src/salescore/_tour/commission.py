"""Tour section: a plan as data, a rep's quarter with a clawback and a draw, the team in bulk."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TextIO

import numpy as np
import pandas as pd

from salescore import datasets
from salescore._tour._common import heading
from salescore.calendar import Period
from salescore.commission import (
    CommissionPlan,
    Credit,
    Draw,
    Refund,
    Statement,
    TargetBonus,
    clawback,
    settle_periods,
    statement,
    statements_frame,
)
from salescore.money import Money

SEED = 20260107
TITLE = "Commission statements"
MONTHLY_QUOTA = Money("200000", "CNY")


def tour_plan() -> CommissionPlan:
    """4 percent to quota, 7 percent above, x1.5 above 150 percent, capped at 30,000 a month."""
    return datasets.commission_plan()


def tour_credits(seed: int = SEED) -> list[Credit]:
    """Rep R1's credits for January to March 2026, one deal shared 60/40 with R2."""
    return datasets.credits(seed)


def _write(out: TextIO, s: Statement) -> None:
    out.write(f"\n{s.period}: credited {s.credited:,} CNY, attainment {s.attainment:.0%}\n")
    for line in s.lines:
        out.write(f"  {line.deal_id:<9} {line.amount:>12,} CNY  {line.reason_en}\n")
    out.write(f"  total payable {s.total:,} CNY\n")


def section(out: TextIO) -> None:
    """Write the commission section of the tour to ``out``."""
    heading(out, TITLE)
    plan = tour_plan()
    out.write(
        "The plan is data (JSON a CRM can store): 4% to quota, 7% above, x1.5 above 150%,\n"
        "at most 30,000 CNY a month. Tiers are marginal: each slice of the month's running\n"
        "total is paid at its own tier's rate, deals in date order.\n"
    )
    credits = tour_credits()
    shared = credits[-1]
    out.write(
        f"\nDeal D-shared (123,456.78 CNY) is split 60/40: R1 is credited {shared.amount.amount:,}"
        " CNY, exact to the cent.\n"
    )
    statements = []
    for month in (1, 2, 3):
        period = Period.month(2026, month)
        mine = [c for c in credits if period.start <= c.credited_on < period.end]
        statements.append(statement(plan, "R1", mine, period=period, quota=MONTHLY_QUOTA))
        _write(out, statements[-1])

    refund = Refund(deal_id="D12", amount=Money("34891.19", "CNY"), refunded_on=date(2026, 2, 14))
    back = clawback(statements[0], refund, window_days=90)
    out.write(
        f"\nOn 14 February the customer of D12 cancels: {back.reason_en}.\n"
        f"Clawback in February: {back.amount:,} CNY ({back.reason_zh}).\n"
    )
    draw = Draw(
        kind="recoverable",
        currency="CNY",
        amount=Decimal(10000),
        start=date(2026, 1, 1),
        recovery=Decimal("0.5"),
    )
    earned = [
        (statements[0].period, Money(statements[0].total, "CNY")),
        (statements[1].period, Money(statements[1].total + back.amount, "CNY")),
        (statements[2].period, Money(statements[2].total, "CNY")),
    ]
    out.write(
        "\nR1 has a recoverable draw of 10,000 CNY a month; half of what is earned above it\n"
        "repays earlier advances. Balances carry from month to month:\n"
    )
    for settled in settle_periods(earned, draw=draw):
        out.write(
            f"  {settled.period}: earned {settled.earned:>10,}  advance {settled.advance:>9,}"
            f"  recovered {settled.recovered:>9,}  paid {settled.payable:>10,}"
            f"  owed after {settled.balance.advances:>9,}\n"
        )
    sample = statement(plan, "R1", credits[:3], period=Period.month(2026, 1), quota=MONTHLY_QUOTA)
    out.write(f"\nThe same line for a manager in Shanghai: {sample.lines[0].reason_zh}\n")

    rng = np.random.default_rng(SEED)
    n = 600
    team = pd.DataFrame(
        {
            "deal_id": [f"T{i}" for i in range(n)],
            "rep_id": [f"R{r}" for r in rng.integers(1, 21, n)],
            "amount": rng.integers(2_000_00, 20_000_00, n) / 100.0,
            "currency": "CNY",
            "credited_on": pd.Timestamp("2026-01-01")
            + pd.to_timedelta(rng.integers(0, 31, n), unit="D"),
        }
    )
    quotas = pd.Series(MONTHLY_QUOTA.amount, index=[f"R{r}" for r in range(1, 21)], dtype=object)
    bulk = statements_frame(plan, team, period=Period.month(2026, 1), quotas=quotas)
    total = Decimal(int(bulk.totals["total_minor"].sum())).scaleb(-2)
    capped = int((bulk.totals["total_minor"] == 3_000_000).sum())
    out.write(
        f"\nThe whole team in bulk: {len(team):,} credits, 20 reps, January payout {total:,} CNY;"
        f" {capped} reps hit the 30,000 cap.\n"
    )

    pooled = plan.model_copy(
        update={
            "bonuses": (
                TargetBonus(
                    name="logo pool", metric="new_customers", pool=Decimal(50000), share="actual"
                ),
            )
        }
    )
    logos = pd.DataFrame(
        {
            "rep_id": quotas.index,
            "metric": "new_customers",
            "actual": rng.integers(0, 6, len(quotas)).astype(float),
            "target": 3.0,
        }
    )
    with_pool = statements_frame(
        pooled, team, period=Period.month(2026, 1), quotas=quotas, achievements=logos
    )
    bonus = with_pool.lines[with_pool.lines["kind"] == "bonus"]
    winners = bonus[bonus["amount_minor"] > 0]
    top = winners.iloc[int(winners["amount_minor"].to_numpy().argmax())]
    out.write(
        "A 50,000 CNY pool for reps who win at least 3 new customers, shared in proportion\n"
        f"to the customers won: {len(winners)} of 20 qualify; the shares add up to "
        f"{Decimal(int(winners['amount_minor'].sum())).scaleb(-2):,} CNY\nexactly, the largest "
        f"{top['amount']:,.2f} CNY to {top['rep_id']}.\n"
    )
