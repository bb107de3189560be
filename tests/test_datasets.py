"""Sample data: valid models, the same for the same seed, the shapes the docs promise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from salescore import Period, datasets
from salescore.commission import statement
from salescore.frames import OPPORTUNITIES, STAGE_CHANGES, to_frame, validate_frame
from salescore.funnel import funnel
from salescore.money import Money


@given(st.integers(0, 2**32 - 1), st.integers(1, 60))
def test_opportunities_are_valid_walks_of_the_pipeline_and_repeat_per_seed(seed, n):
    pipeline = datasets.pipeline()
    deals = datasets.opportunities(n=n, seed=seed)
    assert deals == datasets.opportunities(n=n, seed=seed)
    assert len({d.id for d in deals}) == n
    order = {s.name: s.order for s in pipeline.stages}
    for deal in deals:
        names = [c.to_stage for c in deal.history]
        assert names[-1] == deal.stage
        assert names[0] == "Qualify"
        open_part = [x for x in names if pipeline[x].kind == "open"]
        assert [order[x] for x in open_part] == list(range(len(open_part)))
        assert (deal.close_date is not None) == (pipeline[deal.stage].kind != "open")
        assert deal.created_on.year == 2026
    frame = to_frame(deals)
    validate_frame(frame, OPPORTUNITIES)
    changes = to_frame([c for d in deals for c in d.history])
    validate_frame(changes, STAGE_CHANGES)
    assert len(changes) == sum(len(d.history) for d in deals)


def test_a_different_seed_gives_different_deals():
    assert datasets.opportunities(seed=1) != datasets.opportunities(seed=2)


def test_the_sample_funnel_reconciles():
    pipeline, deals = datasets.pipeline(), datasets.opportunities(n=200)
    report = funnel(deals, pipeline)
    won = sum(1 for d in deals if d.stage == "Won")
    lost = sum(1 for d in deals if d.stage == "Lost")
    assert (report.won, report.lost, report.open) == (won, lost, 200 - won - lost)


def test_bookings_are_monthly_positive_and_miss_one_month():
    b = datasets.bookings()
    assert isinstance(b.index, pd.PeriodIndex) and b.index.freqstr == "M"
    assert len(b) == 35 and (b > 0).all()
    assert pd.Period("2024-08", "M") not in b.index
    assert b.equals(datasets.bookings()) and not b.equals(datasets.bookings(seed=1))


def test_organization_plan_and_credits_work_together():
    org = datasets.organization()
    assert {t.id for t in org.teams} == {"sales", "east", "west"}
    assert org.reps[2].hire_date == date(2026, 4, 1)
    credits = datasets.credits()
    assert {c.rep_id for c in credits} == {"R1"}
    # 60 % of 123,456.78, largest remainder to the cent.
    assert credits[-1].amount == Money("74074.07", "CNY")
    january = [c for c in credits if c.credited_on.month == 1]
    s = statement(
        datasets.commission_plan(),
        "R1",
        january,
        period=Period.month(2026, 1),
        quota=Money("200000", "CNY"),
    )
    credited = sum(c.amount.amount for c in january)
    assert credited < 200000  # below quota: the month at 4 %, rounded once at the total
    assert s.total == (credited * Decimal("0.04")).quantize(Decimal("0.01"))
