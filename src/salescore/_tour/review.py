"""Tour section, the last: the weekly review of team East, as a short pack in Chinese."""

from __future__ import annotations

from datetime import date
from typing import TextIO

from salescore import datasets
from salescore._tour._common import heading
from salescore.calendar import Period
from salescore.review import ReviewPack, review

TITLE = "The weekly review (例会), in Chinese"
AS_OF = date(2026, 5, 15)


def tour_review() -> ReviewPack:
    """Team East's Q2 2026 review on the seeded deals, a week after the last snapshot."""
    pipeline = datasets.pipeline()
    deals = datasets.opportunities(pipeline, n=120)
    q2 = Period.quarter(2026, 2)
    targets = datasets.rep_targets(q2)
    last_week = [
        d.model_copy(update={"amount": d.amount - 20_000})
        if d.owner_id == "R1" and d.stage == "Negotiation"
        else d
        for d in deals[:110]
    ]
    return review(
        deals,
        pipeline,
        period=q2,
        as_of=AS_OF,
        targets=targets,
        organization=datasets.organization(),
        node="east",
        previous=last_week,
        activities=datasets.activities(deals),
        runs=1000,
        seed=7,
        max_actions=3,
    )


def section(out: TextIO) -> None:
    """Write the review section of the tour to ``out``."""
    heading(out, TITLE)
    pack = tour_review()
    out.write(
        "salescore.review.review assembles pace, gap, funnel, ageing and idle deals, "
        "forecast and what changed from the calculators above; every sentence has a code "
        "and English and "
        "Chinese text. ReviewPack.to_markdown('zh-CN'):\n\n"
    )
    out.write(pack.to_markdown("zh-CN"))
