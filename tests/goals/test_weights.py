from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.calendar import FiscalCalendar, Period, WorkCalendar
from salescore.errors import InvalidInputError
from salescore.goals import Seasonality, child_periods, seasonality, time_weights
from salescore.testing import periods

GRAINS_FINE = ["month", "week", "day"]


def monthly(values_by_year: Mapping[int, Sequence[float | None]]) -> pd.Series:
    index, values = [], []
    for year, values_ in values_by_year.items():
        for month, value in enumerate(values_, start=1):
            if value is not None:
                index.append(pd.Period(year=year, month=month, freq="M"))
                values.append(value)
    return pd.Series(values, index=pd.PeriodIndex(index))


def test_seasonality_averages_each_months_index_over_years():
    # 2024: flat 100 a month, mean 100 -> every index 1.
    # 2025: 50 in January, 150 in December, 100 otherwise; mean 100 -> 0.5 and 1.5.
    s = seasonality(
        monthly({2024: [100.0] * 12, 2025: [50.0] + [100.0] * 10 + [150.0]}),
        "month",
    )
    assert s.years == (2024, 2025)
    assert s.index[1] == pytest.approx((1 + 0.5) / 2)
    assert s.index[12] == pytest.approx((1 + 1.5) / 2)
    assert s.index[6] == pytest.approx(1.0)
    assert sum(s.shares()) == pytest.approx(1.0)


def test_seasonality_uses_complete_years_by_default_and_any_years_when_asked():
    # 2023 has only November and December, which would look like an average year
    # on their own; by default the partial year is left out.
    series = monthly({2023: [None] * 10 + [300, 300], 2024: [100] * 11 + [200]})
    s = seasonality(series, "month")
    assert s.years == (2024,)
    mean_2024 = (1100 + 200) / 12
    assert s.index[12] == pytest.approx(200 / mean_2024)
    both = seasonality(series, "month", years=[2023, 2024])
    # December: 2023 index 1 (300 over its two-month mean 300), 2024 index 200/mean.
    assert both.index[12] == pytest.approx((1 + 200 / mean_2024) / 2)
    assert both.index[1] == pytest.approx(100 / mean_2024)  # only 2024 has January


def test_seasonality_zero_is_a_value_and_absence_is_missing():
    with_zero = seasonality(monthly({2025: [0] + [110] * 11}), "month")
    assert with_zero.index[1] == 0.0
    assert with_zero.index[2] == pytest.approx(110 / (1210 / 12))
    with pytest.raises(InvalidInputError, match="no history for month 1"):
        seasonality(monthly({2025: [None] + [110] * 11}), "month")


def test_seasonality_daily_rows_are_summed_into_quarters():
    days = pd.date_range("2025-01-01", "2025-12-31", freq="D")
    values = np.where(days.quarter == 4, 2.0, 1.0)
    s = seasonality(pd.Series(values, index=days), "quarter")
    totals = [90, 91, 92, 92 * 2]
    mean = sum(totals) / 4
    assert [s.index[q] for q in (1, 2, 3, 4)] == pytest.approx([t / mean for t in totals])


def test_seasonality_leap_week_is_averaged_where_present_else_average_week():
    # ISO 2026 has 53 weeks; 2025 has 52.
    weeks_2025 = pd.date_range("2024-12-30", periods=52, freq="7D")
    weeks_2026 = pd.date_range("2025-12-29", periods=53, freq="7D")
    only_52 = seasonality(pd.Series(1.0, index=weeks_2025), "week")
    assert only_52.index[53] == 1.0
    values = np.ones(53)
    values[-1] = 3.0
    with_53 = seasonality(pd.Series(values, index=weeks_2026), "week")
    assert with_53.index[53] == pytest.approx(3.0 / (55 / 53))


def test_seasonality_in_a_fiscal_calendar_counts_fiscal_positions():
    cal = FiscalCalendar(start_month=4)
    months = pd.period_range("2025-04", "2026-03", freq="M")
    values = [200] + [100] * 11  # April, the first fiscal month, is strong
    s = seasonality(pd.Series(values, index=months), "quarter", calendar=cal)
    assert s.years == (2026,)
    mean = 1300 / 4
    assert s.index[1] == pytest.approx(400 / mean)
    assert s.position(date(2025, 4, 10)) == 1


@pytest.mark.parametrize(
    ("series", "message"),
    [
        (pd.Series([], dtype=float), "empty"),
        (pd.Series([1.0, float("nan")], index=pd.date_range("2025-01-01", periods=2)), "finite"),
        (pd.Series([1.0, -2.0], index=pd.date_range("2025-01-01", periods=2)), "finite"),
        (pd.Series([1.0], index=["not a date"]), "indexed by dates"),
        (pd.Series(["x"], index=pd.date_range("2025-01-01", periods=1)), "'x' dated 2025-01-01"),
    ],
)
def test_seasonality_rejects_bad_actuals(series, message):
    with pytest.raises(InvalidInputError, match=message):
        seasonality(series, "month")


def test_seasonality_rejects_bad_grain_years_and_zero_years():
    series = monthly({2025: [100] * 12, 2024: [0] * 12})
    with pytest.raises(InvalidInputError, match="seasonality grain"):
        seasonality(series, "day")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"years \[2019\] have no actuals"):
        seasonality(series, "month", years=[2019, 2025])
    with pytest.raises(InvalidInputError, match="2024 are all zero"):
        seasonality(series, "month")


def test_timezone_aware_actuals_keep_their_wall_clock_date():
    index = pd.DatetimeIndex(["2025-03-31 23:30"], tz="Asia/Shanghai")
    idx = pd.date_range("2025-01-01", periods=12, freq="MS", tz="Asia/Shanghai")
    series = pd.concat([pd.Series([100.0] * 12, index=idx), pd.Series([50.0], index=index)])
    s = seasonality(series, "month")
    assert s.index[3] > s.index[4]  # 23:30 on 31 March stays in March


def test_even_weights_give_clipped_periods_their_share_of_days():
    part = Period(start=date(2026, 1, 1), end=date(2026, 1, 15))
    children, w = time_weights(part, "week")
    assert [c.days for c in children] == [4, 7, 3]
    assert w == [Fraction(4, 7), Fraction(1), Fraction(3, 7)]
    quarters = time_weights(Period(start=date(2026, 2, 1), end=date(2027, 1, 1)), "quarter")[1]
    assert quarters == [Fraction(59, 90), 1, 1, 1]


def test_business_days_count_holidays_and_make_up_days():
    # Spring Festival 2026: 16-20 February off, Saturday 14 and 28 February worked.
    cal = WorkCalendar(
        holidays=tuple(date(2026, 2, d) for d in range(16, 21)),
        workdays=(date(2026, 2, 14), date(2026, 2, 28)),
    )
    _, w = time_weights(Period.quarter(2026, 1), "month", "business_days", work_calendar=cal)
    assert w == [22, 20 - 5 + 2, 22]
    with pytest.raises(InvalidInputError, match="needs a work_calendar"):
        time_weights(Period.quarter(2026, 1), "month", "business_days")


def test_retail_calendar_weeks_and_months():
    cal = FiscalCalendar.retail("4-4-5", year_end_month=12, year_end_weekday=5)
    year = cal.year(2026)
    months, w = time_weights(year, "month", "days", calendar=cal)
    assert [m.days // 7 for m in months][:3] == [4, 4, 5]
    assert sum(w) == year.days
    weeks, even = time_weights(year, "week", calendar=cal)
    assert len(weeks) == cal.weeks_in_year(2026)
    assert set(even) == {1}


def test_explicit_weights_as_percentages_fractions_and_labels():
    _, w = time_weights(Period.quarter(2026, 1), "month", ["30", "30", "40"])
    assert w == [30, 30, 40]
    _, w = time_weights(Period.quarter(2026, 1), "month", [0.2, 0.3, 0.5])
    assert w == [Fraction(1, 5), Fraction(3, 10), Fraction(1, 2)]
    _, w = time_weights(Period.quarter(2026, 1), "month", [1 / 3, 1 / 3, 1 / 3])
    assert sum(w) == pytest.approx(1)
    _, w = time_weights(
        Period.quarter(2026, 1), "month", {"2026-01": 1, "2026-03": 1, "2026-02": 98}
    )
    assert w == [1, 98, 1]


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (["30", "30", "39.5"], r"add up to 99.5, 0.5 short of 100"),
        ([0.5, 0.5, 0.1], r"add up to 1.1, 0.1 over 1"),
        (["50", "50"], "2 explicit weights for 3 sub-periods"),
        (["-10", "60", "50"], "negative"),
        ({"2026-01": 50, "2026-02": 50}, r"missing \['2026-03'\]"),
        (["a", "b", "c"], "not a number"),
        (3.5, "type float"),
        ("monthly", "not one of"),
        ([0, 0, 0], "add up to 0"),
    ],
)
def test_explicit_weights_errors_say_what_is_wrong(weights, message):
    with pytest.raises(InvalidInputError, match=message):
        time_weights(Period.quarter(2026, 1), "month", weights)


def test_all_zero_weights_and_mismatched_seasonality_are_errors():
    weekend = Period(start=date(2026, 1, 3), end=date(2026, 1, 5))
    with pytest.raises(InvalidInputError, match="weight 0"):
        time_weights(weekend, "day", "business_days", work_calendar=WorkCalendar())
    s = Seasonality(grain="quarter", index={1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}, years=(2025,))
    with pytest.raises(InvalidInputError, match="seasonality is by quarter"):
        time_weights(Period.year(2026), "month", s)
    with pytest.raises(InvalidInputError, match="coarser than period 2026-01"):
        child_periods(Period.month(2026, 1), "quarter")


def test_seasonality_weights_scale_clipped_periods():
    s = Seasonality(grain="quarter", index={1: 0.5, 2: 1.0, 3: 1.0, 4: 1.5}, years=(2025,))
    _, w = time_weights(Period(start=date(2026, 2, 15), end=date(2027, 1, 1)), "quarter", s)
    assert w == [Fraction(1, 2) * Fraction(45, 90), 1, 1, Fraction(3, 2)]


@given(periods(2024, 2027, max_days=500), st.sampled_from(["quarter", *GRAINS_FINE]))
def test_children_tile_the_period_and_even_weights_are_day_shares(period, grain):
    try:
        children, w = time_weights(period, grain)
    except InvalidInputError:
        # Only a grain coarser than the period is refused.
        assert len(period.split(grain)) == 1
        return
    assert children[0].start == period.start
    assert children[-1].end == period.end
    assert all(a.end == b.start for a, b in itertools.pairwise(children))
    for child, weight in zip(children, w, strict=True):
        whole = Period.containing(child.start, grain)
        assert weight == Fraction(child.days, whole.days)
        assert 0 < weight <= 1


@given(st.integers(2020, 2030), st.integers(1, 12))
def test_days_weights_sum_to_the_days_of_the_period(year, month):
    start = date(year, month, 1)
    period = Period(start=start, end=start + timedelta(days=400))
    _, w = time_weights(period, "month", "days")
    assert sum(w) == period.days
