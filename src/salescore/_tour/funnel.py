"""Tour sections: the sales funnel, and the reverse funnel for the yearly goal."""

from __future__ import annotations

from datetime import date
from typing import TextIO

from salescore._tour._common import heading
from salescore._tour.foundation import SEED, tour_opportunities, tour_pipeline
from salescore.calendar import Period
from salescore.funnel import (
    aging,
    bottlenecks,
    funnel,
    funnel_counts,
    pipeline_coverage,
    report_from_counts,
    required_pipeline,
    sales_velocity,
)
from salescore.money import Money

AS_OF = date(2026, 5, 1)


def section(out: TextIO) -> None:
    """Write the funnel sections of the tour to ``out``."""
    pipeline = tour_pipeline()
    deals = tour_opportunities(pipeline)

    heading(out, "The sales funnel")
    report = funnel(deals, pipeline)
    shown = report.table[
        ["entered", "advanced", "lost", "open", "conversion", "win_rate", "days_median"]
    ]
    out.write(f"{report.deals} deals (seed {SEED}), from their stage histories:\n")
    out.write(shown.round(3).to_string() + "\n")
    out.write(
        f"Win rate {report.win_rate:.1%} ({report.won} won, {report.lost} lost); "
        f"average won deal {report.average_won_deal}; "
        f"sales cycle {report.cycle_days:.1f} days\n"
    )
    halves = funnel_counts(deals[:20], pipeline) + funnel_counts(deals[20:], pipeline)
    same = report_from_counts(halves).table.equals(report.table)
    out.write(f"Counts of two halves added give the same funnel: {same}\n")
    snapshot = funnel(deals, pipeline, source="snapshot")
    out.write(
        "From a snapshot only (lost deals assumed lost at the first stage), entered: "
        f"{snapshot.table['entered'].tolist()} vs {report.table['entered'].tolist()}\n"
    )
    r1 = funnel([d for d in deals if d.owner_id == "R1"], pipeline)
    worst = bottlenecks(r1, report).iloc[0]
    out.write(
        f"R1's biggest bottleneck against the team: {worst['stage']} "
        f"(conversion {worst['actual']:.0%} vs {worst['benchmark']:.0%}), "
        f"worth {worst['gain']} CNY of won revenue\n"
    )
    aged = aging(deals, report, pipeline, as_of=AS_OF)
    out.write(
        f"On {AS_OF}, {int(aged['overdue'].sum())} of {len(aged)} open deals have sat in their "
        "stage longer than 90% of past stays\n"
    )

    heading(out, "The reverse funnel for the yearly goal")
    goal = Money("5000000", "CNY")
    plan = required_pipeline(goal, report, period=Period.year(2026), as_of=AS_OF)
    out.write(
        f"To close {goal} in 2026 at these rates and an average deal of "
        f"{plan.average_deal}: {plan.deals_to_win} won deals, so\n"
    )
    table = plan.table[["conversion", "deals", "amount", "enter_by"]].assign(
        conversion=plan.table["conversion"].round(3)
    )
    out.write(table.to_string() + "\n")
    won = Money(report.summary["won_amount"].sum(), "CNY")
    open_amount = Money(report.summary["open_amount"].sum(), "CNY")
    coverage = pipeline_coverage(open_amount, goal - won, report.win_rate)
    out.write(
        f"Open pipeline {open_amount} covers {coverage.coverage:.2f}x of the remaining "
        f"{goal - won}; {coverage.needed:.2f}x is needed, so add {coverage.gap}\n"
    )
    velocity = sales_velocity(report.open, report.win_rate, plan.average_deal, report.cycle_days)
    out.write(f"Sales velocity: {velocity} per day\n")


__all__ = ["section"]
