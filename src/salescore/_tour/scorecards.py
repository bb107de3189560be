"""Tour section: a rep's performance scorecard (绩效考核) in Chinese, and the team's ranking."""

from __future__ import annotations

from typing import TextIO

import pandas as pd

from salescore._tour._common import heading
from salescore.scorecards import (
    Band,
    BandCurve,
    GateCurve,
    Grade,
    LinearCurve,
    Scorecard,
    ScorecardKpi,
    score,
    scores_frame,
)

TITLE = "A rep's scorecard (绩效考核)"


def tour_card() -> Scorecard:
    """The field-sales card: revenue, sales cycle, visits and a compliance gate."""
    return Scorecard(
        id="华东-2026Q1",
        kpis=[
            ScorecardKpi(
                name="revenue",
                label_zh="销售额",
                weight="0.4",
                target=1_000_000,
                curve=LinearCurve(threshold="0.6", start=0, cap=120),
            ),
            ScorecardKpi(
                name="cycle_days",
                label_zh="成交周期（天）",
                weight="0.2",
                target=30,
                direction="lower",
            ),
            ScorecardKpi(
                name="visits",
                label_zh="拜访次数",
                weight="0.3",
                target=40,
                curve=BandCurve(
                    bands=[
                        Band(lower="0.5", points=40),
                        Band(lower="0.8", points=80),
                        Band(lower="1", points=100),
                    ]
                ),
            ),
            ScorecardKpi(
                name="compliance",
                label_zh="合规检查",
                weight="0.1",
                target=1,
                curve=GateCurve(on_fail="cap_grade", cap_grade="合格"),
            ),
        ],
        grades=[
            Grade(name="优秀", min_points=90),
            Grade(name="良好", min_points=75),
            Grade(name="合格", min_points=60),
            Grade(name="待改进", min_points=0),
        ],
    )


def tour_team() -> pd.DataFrame:
    """A quarter's KPI values of four reps, one of them with a missing revenue figure."""
    return pd.DataFrame(
        {
            "rep_id": ["李明", "王芳", "张伟", "赵磊"],
            "revenue": [900_000.0, 1_300_000.0, 650_000.0, float("nan")],
            "cycle_days": [36, 24, 45, 30],
            "visits": [33, 41, 20, 40],
            "compliance": [1, 0, 1, 1],
        }
    )


def section(out: TextIO) -> None:
    """Write the scorecard section of the tour to ``out``."""
    heading(out, TITLE)
    card = tour_card()
    team = tour_team()
    out.write(
        "Revenue (40 %, linear from 60 % of target, capped at 120 points), sales cycle\n"
        "(20 %, lower is better), visits (30 %, bands) and a compliance gate (10 %, caps\n"
        "the grade). 李明's quarter:\n"
    )
    first = team.iloc[0]
    li = score(card, {k.name: first[k.name] for k in card.kpis}, rep_id=str(first["rep_id"]))
    for line in li.lines:
        out.write(f"  {line.reason_zh}\n")
    out.write(f"  {li.reason_zh}\n")
    out.write("\nThe team, ranked by total (dense rank):\n")
    result = scores_frame(card, team)
    for _, row in result.totals.sort_values("rank", kind="stable").iterrows():
        gates = "" if row["gates_passed"] else f"  (failed: {row['failed_gates']})"
        out.write(f"  {row['rank']}. {row['rep_id']}  {row['total']}  {row['grade']}{gates}\n")
    for _, err in result.errors.iterrows():
        out.write(f"  not scored: {err['rep_id']}, {err['column']} {err['reason']}\n")
