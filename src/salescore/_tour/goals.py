"""Tour section: a yearly goal broken down over time and across a team with a new hire."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TextIO

from salescore import Owner, Period, Rep, Target
from salescore._tour._common import heading
from salescore.goals import decompose, plan_matrix

TITLE = "Breaking the yearly goal down"

GOAL = Target(
    id="FY26",
    name="Revenue",
    metric="revenue",
    value=Decimal(5_000_000),
    currency="CNY",
    direction="at_least",
    period=Period.year(2026),
    owner=Owner(kind="team", id="east"),
)

TEAM = (
    Rep(id="R1", name="Wang Fang", team_id="east"),
    Rep(id="R2", name="Li Na", team_id="east"),
    Rep(id="R3", name="Zhang Wei", team_id="east", capacity=0.8),
    Rep(
        id="R4",
        name="Chen Jie",
        team_id="east",
        hire_date=date(2026, 7, 1),
        ramp=(0.25, 0.5, 0.75),
    ),
)


def _money(value: Decimal | None) -> str:
    return f"{value:,.2f}"


def section(out: TextIO) -> None:
    """Write the goals section of the tour to ``out``."""
    heading(out, TITLE)
    out.write("Team East must book 5,000,000 CNY in 2026.\n")
    quarters = decompose(GOAL, "quarter")
    months = decompose(GOAL, "month")
    weeks = decompose(GOAL, "week")
    out.write(f"  a quarter: {_money(quarters[0].value)}\n")
    year_total = sum((m.value or Decimal(0) for m in months), Decimal(0))
    out.write(
        f"  a month:   {_money(months[0].value)} (eight months), "
        f"{_money(months[-1].value)} (four), summing to {_money(year_total)}\n"
    )
    out.write(
        f"  a week:    {_money(weeks[1].value)}; 2026 starts on a Thursday, so the first "
        f"4 days get {_money(weeks[0].value)}\n"
    )

    out.write(
        "\nFour reps: Zhang Wei works 80 percent, Chen Jie joins on 1 July and ramps at\n"
        "25, 50 and 75 percent over the first three months. Their working time shapes the\n"
        "plan, and every row and column still adds up to the cent:\n"
    )
    matrix = plan_matrix(GOAL, TEAM, "quarter", owner_method="capacity")
    matrix["year"] = matrix.sum(axis=1)
    out.write(f"  {'':10}" + "".join(f"{c:>15}" for c in matrix.columns) + "\n")
    for owner_id, row in matrix.iterrows():
        out.write(f"  {owner_id!s:10}" + "".join(f"{v:>15,.2f}" for v in row) + "\n")
    out.write(f"  {'total':10}" + "".join(f"{v:>15,.2f}" for v in matrix.sum(axis=0)) + "\n")
