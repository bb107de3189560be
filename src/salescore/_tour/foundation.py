"""Tour sections 1-4: money, calendars, models and frame validation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TextIO

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
    Target,
    Team,
    WorkCalendar,
    datasets,
)
from salescore._tour._common import heading
from salescore.frames import OPPORTUNITIES, CheckedFrame, to_frame, validate_frame

SEED = 20260101


def tour_pipeline() -> Pipeline:
    """The five-stage pipeline every section of the tour uses."""
    return datasets.pipeline()


def tour_opportunities(pipeline: Pipeline, n: int = 40, seed: int = SEED) -> list[Opportunity]:
    """``n`` deals with consistent stage histories, generated with a fixed seed."""
    return datasets.opportunities(pipeline, n=n, seed=seed)


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

    heading(out, "Checked once, used by every calculator")
    checked = CheckedFrame.of(frame, OPPORTUNITIES)
    won = checked.rows((checked.frame["stage"] == "Won").to_numpy())
    out.write(
        f"{checked!r}: the bulk calculators take it without checking it again; "
        f"its {len(won)} won deals, a subset, stay checked: {won!r}\n"
    )
