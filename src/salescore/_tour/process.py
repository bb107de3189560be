"""Tour section: the process side (过程管控).

A week of a team's activities, the flag a manager looks at, and a partner's
rebate statement in Chinese.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TextIO

from salescore._tour._common import heading
from salescore.activities import activity_counts, stale_accounts
from salescore.calendar import Period
from salescore.models import Activity
from salescore.partners import PartnerSale, RebateTier, VolumeRebate, rebate_statement

TITLE = "The process side: activities and a partner's rebate (过程管控 · 渠道)"
MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)
KINDS_ZH = {
    "visit": "拜访",
    "follow_up_visit": "回访",
    "call": "电话",
    "meeting": "会议",
    "demo": "演示",
    "proposal": "方案",
    "other": "其他",
}


def tour_week() -> list[Activity]:
    """A week of two reps' activities, plus an old visit to an account nobody went back to."""
    plan = [
        ("li", "visit", 0, "C1"),
        ("li", "call", 0, "C2"),
        ("li", "follow_up_visit", 1, "C1"),
        ("li", "demo", 2, "C3"),
        ("wang", "visit", 1, "C4"),
        ("wang", "call", 3, "C2"),
        ("wang", "proposal", 4, "C4"),
        ("li", "visit", 4, "C3"),
    ]
    week = [
        Activity(
            id=f"a{i}",
            rep_id=rep,
            kind=kind,
            account_id=account,
            occurred_at=MONDAY + timedelta(days=day, hours=i % 3),
        )
        for i, (rep, kind, day, account) in enumerate(plan)
    ]
    old = Activity(
        id="a-old",
        rep_id="wang",
        kind="visit",
        account_id="C9",
        occurred_at=MONDAY - timedelta(days=40),
    )
    return [old, *week]


def tour_rebate() -> VolumeRebate:
    """A marginal volume rebate: 1 % to 100k, 2 % to 300k, 3 % above."""
    return VolumeRebate(
        name="2026 渠道返利",
        currency="CNY",
        tiers=[
            RebateTier(lower=0, upper=100000, rate="0.01"),
            RebateTier(lower=100000, upper=300000, rate="0.02"),
            RebateTier(lower=300000, rate="0.03"),
        ],
    )


def section(out: TextIO) -> None:
    """Write the process section of the tour to ``out``."""
    heading(out, TITLE)
    activities = tour_week()
    week = [a for a in activities if a.occurred_at >= MONDAY]
    counts = activity_counts(week).counts
    out.write("Activities of the week of 2 March 2026, by rep and kind:\n")
    for (rep, kind), n in sorted(counts.items()):
        out.write(f"  {rep:5} {KINDS_ZH[kind]}({kind}) {n}\n")
    stale = stale_accounts(activities, as_of=MONDAY + timedelta(days=5), days=30)
    for row in stale.itertuples():
        out.write(f"Account {row.account_id}: no activity for {row.days_since} days (>= 30).\n")
    sales = [
        PartnerSale(deal_id=f"P{i}", partner_id="华东分销", sold_on=date(2026, m, 9), amount=a)
        for i, (m, a) in enumerate([(1, "180000"), (2, "95000.50"), (3, "60000")])
    ]
    st = rebate_statement(tour_rebate(), "华东分销", sales, Period.quarter(2026, 1))
    out.write(f"\n华东分销's Q1 volume {st.volume} CNY; rebate statement:\n")
    for line in st.lines:
        out.write(f"  {line.amount:>8} {line.reason_zh}\n")
    out.write(f"  rebate {st.total} CNY, payable {st.payable_on}; the lines add up to it.\n")
