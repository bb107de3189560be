from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.goals._helpers import val

from salescore.calendar import FiscalCalendar, Grain, Period, WorkCalendar
from salescore.errors import InvalidInputError
from salescore.goals import decompose, seasonality, time_weights
from salescore.models import Metric, Owner, Target
from salescore.money import minor_unit
from salescore.testing import periods, targets


def revenue(value: str = "5000000", period: Period | None = None, **kw: object) -> Target:
    return Target(
        id="FY26",
        name="Revenue",
        metric="revenue",
        value=value,
        currency="CNY",
        direction="at_least",
        period=period or Period.year(2026),
        owner=Owner(kind="company"),
        baseline_value="4000000",
        baseline_period=Period.year(2025),
        **kw,
    )


def test_five_million_by_quarter_month_and_week():
    quarters = decompose(revenue(), "quarter")
    assert [val(t) for t in quarters] == [Decimal("1250000.00")] * 4
    months = decompose(revenue(), "month")
    # 5,000,000 / 12 = 416,666.666...: eight months at .67 and four at .66 would be
    # wrong; largest remainder gives 416,666.67 to the first eight (remainder 2/3 each),
    # and 416,666.66 to the last four, summing to 5,000,000.00.
    assert [val(t) for t in months] == [Decimal("416666.67")] * 8 + [Decimal("416666.66")] * 4
    weeks = decompose(revenue(), "week")
    # 2026 starts on a Thursday: 4 days of ISO week 1 and 53 weeks touched in all.
    assert len(weeks) == 53
    assert weeks[0].period == Period(start=date(2026, 1, 1), end=date(2026, 1, 5))
    assert sum(val(t) for t in weeks) == Decimal("5000000.00")
    full_week = val(weeks[1])
    assert abs(full_week - Decimal("5000000") / (Decimal(365) / 7)) <= Decimal("0.01")
    assert abs(val(weeks[0]) - full_week * 4 / 7) <= Decimal("0.01")


def test_children_keep_the_parent_fields_and_drop_the_baseline():
    child = decompose(revenue(), "quarter")[2]
    assert child.id == "FY26/2026-Q3"
    assert child.name == "Revenue 2026-Q3"
    assert child.parent_id == "FY26"
    assert child.period == Period.quarter(2026, 3)
    assert (child.metric, child.currency, child.direction) == (
        Metric.REVENUE,
        "CNY",
        revenue().direction,
    )
    assert child.owner == Owner(kind="company")
    assert child.baseline_value is None
    assert child.baseline_period is None


def test_count_targets_split_into_whole_numbers_and_rates_are_repeated():
    deals = Target(id="D", metric="deals_won", value="100", period=Period.year(2026))
    assert [val(t) for t in decompose(deals, "quarter")] == [25, 25, 25, 25]
    assert [val(t) for t in decompose(deals, "month")][:5] == [9, 9, 9, 9, 8]
    assert sum(val(t) for t in decompose(deals, "month")) == 100
    share = Target(id="S", metric="market_share", value="0.15", period=Period.year(2026))
    assert [val(t) for t in decompose(share, "quarter")] == [Decimal("0.15")] * 4


def test_fiscal_and_retail_calendars_label_children():
    cal = FiscalCalendar(start_month=4)
    t = revenue(period=cal.year(2027))
    children = decompose(t, "quarter", calendar=cal)
    assert [c.id for c in children] == [f"FY26/FY2027-Q{q}" for q in range(1, 5)]
    retail = FiscalCalendar.retail("4-4-5", year_end_month=12, year_end_weekday=5)
    months = decompose(revenue(period=retail.year(2026)), "month", calendar=retail, weights="days")
    # 4-4-5: a five-week month gets 5/4 of a four-week month, to the cent.
    assert abs(val(months[2]) - val(months[0]) * 5 / 4) <= Decimal("0.02")


def test_business_day_weights_follow_the_work_calendar():
    cal = WorkCalendar(holidays=(date(2026, 1, 1), date(2026, 1, 2)))
    t = revenue("2100", period=Period.quarter(2026, 1))
    jan, feb, mar = decompose(t, "month", weights="business_days", work_calendar=cal)
    # 20, 20 and 22 working days of 62.
    assert [val(jan), val(feb), val(mar)] == [
        Decimal("677.42"),
        Decimal("677.42"),
        Decimal("745.16"),
    ]


def test_seasonal_weights_from_history():
    months = pd.period_range("2024-01", "2025-12", freq="M")
    history = pd.Series(([100] * 11 + [300]) * 2, index=months)
    s = seasonality(history, "month")
    children = decompose(revenue("1400000"), "month", weights=s)
    # December's index is 3x an ordinary month's: 300 / 1400 of the year.
    assert val(children[11]) == Decimal("300000.00")
    assert val(children[0]) == Decimal("100000.00")


def test_explicit_monthly_distribution_percentages():
    percent = ["5", "5", "10", "10", "10", "5", "5", "5", "10", "10", "10", "15"]
    children = decompose(revenue(), "month", weights=percent)
    assert val(children[-1]) == Decimal("750000.00")
    with pytest.raises(InvalidInputError, match="short of 100"):
        decompose(revenue(), "month", weights=[*percent[:-1], "14"])


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (Target(id="x", metric="revenue", value="1", currency="CNY"), "no period"),
        (Target(id="x", metric="revenue", period=Period.year(2026)), "no value"),
        (Target(id="x", value="5", period=Period.year(2026)), "no metric"),
        (
            Target(id="x", metric="revenue", value="1", period=Period.year(2026)),
            "no currency",
        ),
        (
            Target(
                id="x", metric="revenue", value="1.005", currency="CNY", period=Period.year(2026)
            ),
            "more decimals than CNY's 2",
        ),
        (
            Target(id="x", metric="deals_won", value="2.5", period=Period.year(2026)),
            "not a whole number",
        ),
    ],
)
def test_targets_that_cannot_be_split(target, message):
    with pytest.raises(InvalidInputError, match=message):
        decompose(target, "month")


def test_grain_coarser_than_the_period_is_an_error():
    with pytest.raises(InvalidInputError, match="coarser"):
        decompose(revenue(period=Period.month(2026, 3)), "quarter")


def test_a_negative_money_target_splits_symmetrically():
    t = revenue("-100", period=Period.quarter(2026, 1))
    assert [val(c) for c in decompose(t, "month")] == [
        Decimal("-33.34"),
        Decimal("-33.33"),
        Decimal("-33.33"),
    ]


@given(
    targets(metric=Metric.REVENUE),
    st.sampled_from(["quarter", "month", "week"]),
    st.sampled_from(["even", "days"]),
)
def test_money_children_sum_exactly_and_stay_within_a_minor_unit(target, grain, weights):
    try:
        children = decompose(target, grain, weights=weights)
    except InvalidInputError:
        assert target.period is not None
        assert len(target.period.split(grain)) == 1
        return
    assert target.currency is not None and target.value is not None
    unit = Decimal(1).scaleb(-minor_unit(target.currency))
    assert sum((val(c) for c in children), Decimal(0)) == target.value
    _, w = time_weights(target.period, grain, weights)
    total = sum(w, Fraction(0))
    for child, weight in zip(children, w, strict=True):
        assert val(child) is not None and val(child) >= 0
        exact = Fraction(target.value) * weight / total
        assert abs(Fraction(val(child)) - exact) < Fraction(unit)
    assert [c.period for c in children] == target.period.split(grain)


@given(periods(2025, 2026, max_days=400), st.integers(0, 10**6), st.data())
def test_count_children_are_whole_and_monotone_in_weight(period, value, data):
    t = Target(id="N", metric="new_customers", value=value, period=period)
    grain: Grain = "day" if period.days < 40 else "month"
    children = decompose(t, grain)
    assert sum(val(c) for c in children) == value
    assert all(val(c) == int(val(c)) for c in children)
    # Raising one period's weight never lowers its part.
    n = len(children)
    base = data.draw(st.lists(st.integers(1, 20), min_size=n, max_size=n))
    i = data.draw(st.integers(0, n - 1))
    more = list(base)
    more[i] += data.draw(st.integers(1, 20))
    total_base, total_more = sum(base), sum(more)
    low = decompose(t, grain, weights=[Fraction(b, total_base) for b in base])
    high = decompose(t, grain, weights=[Fraction(m, total_more) for m in more])
    assert val(high[i]) >= val(low[i])
