"""Tour sections 1-4: money, calendars, models and frame validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TextIO

import numpy as np

from salescore import (
    CurrencyMismatchError,
    FiscalCalendar,
    FrameValidationError,
    FxRates,
    Money,
    Opportunity,
    Organization,
    Owner,
    Period,
    Pipeline,
    Rep,
    Stage,
    StageChange,
    Target,
    Team,
    WorkCalendar,
)
from salescore._tour._common import heading
from salescore.frames import OPPORTUNITIES, to_frame, validate_frame

SEED = 20260101


def tour_pipeline() -> Pipeline:
    """The five-stage pipeline every section of the tour uses."""
    return Pipeline(
        stages=(
            Stage(name="Qualify", order=0, probability=0.1),
            Stage(name="Proposal", order=1, probability=0.35),
            Stage(name="Negotiation", order=2, probability=0.7, forecast_category="Commit"),
            Stage(name="Won", order=3, probability=1.0, kind="won"),
            Stage(name="Lost", order=4, probability=0.0, kind="lost"),
        )
    )


def tour_opportunities(pipeline: Pipeline, n: int = 40, seed: int = SEED) -> list[Opportunity]:
    """``n`` deals with consistent stage histories, generated with a fixed seed."""
    rng = np.random.default_rng(seed)
    open_names = [s.name for s in pipeline.open_stages]
    deals = []
    for i in range(n):
        created = date(2026, 1, 5) + timedelta(days=int(rng.integers(0, 120)))
        reached = int(rng.integers(1, len(open_names) + 1))
        outcome = rng.choice(["open", "Won", "Lost"], p=[0.5, 0.25, 0.25])
        path = open_names[:reached] + ([] if outcome == "open" else [str(outcome)])
        at = datetime(created.year, created.month, created.day, 9, tzinfo=UTC)
        history, previous = [], None
        for name in path:
            history.append(
                StageChange(
                    opportunity_id=f"D{i:03d}", from_stage=previous, to_stage=name, changed_at=at
                )
            )
            previous, at = name, at + timedelta(days=int(rng.integers(3, 20)))
        closed = outcome != "open"
        deals.append(
            Opportunity(
                id=f"D{i:03d}",
                owner_id=f"R{int(rng.integers(1, 4))}",
                amount=int(rng.integers(20, 400)) * 1000,
                currency="CNY",
                stage=path[-1],
                created_on=created,
                expected_close_date=created + timedelta(days=int(rng.integers(30, 150))),
                close_date=history[-1].changed_at.date() if closed else None,
                channel_id=str(rng.choice(["direct", "partner", "online"])),
                history=tuple(history),
            )
        )
    return deals


def section(out: TextIO) -> None:
    """Write the foundation sections of the tour to ``out``."""
    heading(out, "Money that adds up")
    goal = Money("5000000", "CNY")
    out.write(f"Yearly goal: {goal}\n")
    thirds = Money("100", "CNY").allocate([1, 1, 1])
    out.write(f"100 CNY split three ways: {', '.join(str(p) for p in thirds)}")
    out.write(f" (sum {sum(thirds)})\n")
    fx = FxRates.from_mapping("USD", {date(2026, 1, 1): {"CNY": "7.10", "EUR": "0.92"}})
    usd = fx.convert(goal, "USD", on=date(2026, 6, 30)).quantize()
    out.write(f"In USD at 7.10 CNY/USD: {usd}\n")
    try:
        goal + Money("1", "USD")
    except CurrencyMismatchError as exc:
        out.write(f"Mixing currencies is refused: {exc}\n")

    heading(out, "Periods and calendars")
    year = Period.year(2026)
    out.write(f"{year}: {year.days} days; quarters {[str(q) for q in year.split('quarter')]}\n")
    retail = FiscalCalendar.retail(pattern="4-4-5", year_end_month=12, year_end_weekday=5)
    months = retail.months(2026)
    out.write(
        f"Retail 4-4-5 {retail.label(retail.year(2026))}: {retail.year(2026).start} to "
        f"{retail.year(2026).last_day}, {retail.weeks_in_year(2026)} weeks; "
        f"first months {[m.days // 7 for m in months[:3]]} weeks long\n"
    )
    china = WorkCalendar(
        holidays=tuple(date(2024, 2, 10) + timedelta(days=d) for d in range(8)),
        workdays=(date(2024, 2, 4), date(2024, 2, 18)),
    )
    feb = Period.month(2024, 2)
    out.write(
        f"Business days in {feb} with Spring Festival and make-up days: "
        f"{china.business_days(feb)}\n"
    )

    heading(out, "The models")
    pipeline = tour_pipeline()
    out.write("Pipeline: " + " -> ".join(f"{s.name} ({s.probability:.0%})" for s in pipeline))
    out.write("\n")
    org = Organization(
        teams=(Team(id="cn", name="China"), Team(id="east", name="East", parent_id="cn")),
        reps=(
            Rep(id="R1", name="Wang Fang", team_id="east"),
            Rep(id="R2", name="Li Na", team_id="east"),
            Rep(id="R3", name="Zhang Wei", team_id="east", hire_date=date(2026, 4, 1)),
        ),
    )
    out.write(f"Team East sits under {org.ancestors('east')} with {len(org.reps_in('east'))}")
    out.write(" reps; R3 joins on 2026-04-01\n")
    target = Target(
        id="FY26",
        metric="revenue",
        value=goal.amount,
        currency="CNY",
        direction="at_least",
        period=year,
        owner=Owner(kind="company"),
    )
    out.write(f"Target {target.id}: {target.metric_name} {target.direction} ")
    out.write(f"{target.value} {target.currency} in {target.period}\n")
    deals = tour_opportunities(pipeline)
    frame = to_frame(deals)
    by_stage = frame.groupby("stage", sort=False)["amount"].agg(["count", "sum"])
    by_stage = by_stage.reindex(list(pipeline.names)).fillna(0)
    out.write(f"{len(deals)} generated deals (seed {SEED}) by stage:\n")
    out.write(by_stage.to_string() + "\n")

    heading(out, "Bad input is reported, not lost")
    broken = frame.head(4).copy()
    broken.loc[broken.index[1], "amount"] = -500.0
    broken.loc[broken.index[2], "currency"] = "RMB"
    broken.loc[broken.index[3], "id"] = broken.loc[broken.index[0], "id"]
    try:
        validate_frame(broken, OPPORTUNITIES)
    except FrameValidationError as exc:
        out.write(f"{exc}\n")
        out.write(exc.failures.to_string(index=False) + "\n")
