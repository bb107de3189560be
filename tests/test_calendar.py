from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.calendar import GRAINS, FiscalCalendar, FiscalPosition, Period, WorkCalendar
from salescore.errors import InvalidInputError
from salescore.testing import periods

retail_calendars = st.builds(
    FiscalCalendar.retail,
    st.sampled_from(["4-4-5", "4-5-4", "5-4-4"]),
    year_end_month=st.integers(1, 12),
    year_end_weekday=st.integers(0, 6),
    rule=st.sampled_from(["nearest", "last"]),
    named_by=st.sampled_from(["end", "start"]),
)
month_calendars = st.builds(
    FiscalCalendar,
    start_month=st.integers(1, 12),
    named_by=st.sampled_from(["end", "start"]),
    week_start=st.integers(0, 6),
)
calendars = st.one_of(retail_calendars, month_calendars)


def _tiles(pieces: list[Period], whole: Period) -> bool:
    return (
        pieces[0].start == whole.start
        and pieces[-1].end == whole.end
        and all(a.end == b.start for a, b in itertools.pairwise(pieces))
    )


# -- Period ------------------------------------------------------------------


def test_period_constructors_examples():
    assert Period.year(2024).days == 366
    assert Period.quarter(2026, 4) == Period(start=date(2026, 10, 1), end=date(2027, 1, 1))
    assert Period.month(2026, 12).end == date(2027, 1, 1)
    assert Period.month(2024, 2).days == 29
    # ISO week 1 of 2026 starts Monday 29 December 2025.
    assert Period.iso_week(2026, 1).start == date(2025, 12, 29)
    assert Period.iso_week(2020, 53).label == "2020-W53"
    assert Period.day(date(2026, 3, 5)).label == "2026-03-05"
    assert Period(start=date(2026, 1, 5), end=date(2026, 2, 1)).label == "2026-01-05/2026-02-01"
    assert Period(start=date(2026, 1, 5), end=date(2026, 2, 1)).last_day == date(2026, 1, 31)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Period.quarter(2026, 5), "quarter 5 is not a whole number in \\[1, 4\\]"),
        (lambda: Period.month(2026, 0), "month 0"),
        (lambda: Period.iso_week(2025, 53), "ISO week of 2025 53"),
        (lambda: Period.year(0), "year 0"),
        (lambda: Period(start=date(2026, 2, 1), end=date(2026, 2, 1)), "must be after its start"),
        (
            lambda: Period.year(2026).split("fortnight"),  # type: ignore[arg-type]
            "grain 'fortnight' is not one of",
        ),
    ],
)
def test_period_bad_input(call, message):
    with pytest.raises(InvalidInputError, match=message):
        call()


def test_period_ordering_and_overlap():
    q1, q2 = Period.quarter(2026, 1), Period.quarter(2026, 2)
    assert q1 < q2
    assert q1 <= q2
    assert q2 > q1
    assert q2 >= q1
    assert not q2 < q1
    assert sorted([q2, q1]) == [q1, q2]
    assert q1.overlap(q2) is None
    both = Period(start=date(2026, 3, 1), end=date(2026, 5, 1))
    assert q1.overlap(both) == Period.month(2026, 3)
    assert len({q1, Period.quarter(2026, 1)}) == 1


def test_period_split_partial_weeks():
    # Thursday 1 Jan 2026 to Wednesday 14 Jan: 4 days of W01, W02, 3 days of W03.
    period = Period(start=date(2026, 1, 1), end=date(2026, 1, 15))
    assert [p.days for p in period.split("week")] == [4, 7, 3]
    assert [p.label for p in period.split("week")][1] == "2026-W02"


@given(periods(), st.sampled_from(GRAINS))
def test_split_tiles_period(period, grain):
    pieces = period.split(grain)
    assert _tiles(pieces, period)
    assert sum(p.days for p in pieces) == period.days


@given(st.integers(1990, 2060), st.sampled_from(["quarter", "month", "week"]))
def test_split_year_full_pieces_have_their_grain(year, grain):
    pieces = Period.year(year).split(grain)
    inner = pieces[1:-1] if grain == "week" else pieces
    assert all(p.grain == grain for p in inner)
    assert len(pieces) == {"quarter": 4, "month": 12}.get(grain, len(pieces))


# -- FiscalCalendar ----------------------------------------------------------


@given(calendars, st.integers(1990, 2060))
def test_fiscal_year_tiles_without_gaps(calendar, year):
    this, following = calendar.year(year), calendar.year(year + 1)
    assert this.end == following.start
    for grain in ("quarter", "month", "week"):
        pieces = calendar.periods(year, grain)
        assert _tiles(pieces, this)
    assert len(calendar.months(year)) == 12
    assert len(calendar.quarters(year)) == 4


@given(retail_calendars, st.integers(1990, 2060))
def test_retail_year_has_52_or_53_weeks(calendar, year):
    period = calendar.year(year)
    assert period.days % 7 == 0
    assert calendar.weeks_in_year(year) in (52, 53)
    assert period.last_day.weekday() == calendar.year_end_weekday
    month_weeks = [m.days // 7 for m in calendar.months(year)]
    pattern = [int(n) for n in calendar.pattern.split("-")] * 4
    assert month_weeks[:11] == pattern[:11]
    assert month_weeks[11] == pattern[11] + calendar.weeks_in_year(year) - 52


@given(calendars, st.dates(date(1995, 1, 1), date(2055, 12, 31)))
def test_locate_agrees_with_periods(calendar, day):
    pos = calendar.locate(day)
    assert calendar.year(pos.year).contains(day)
    assert calendar.months(pos.year)[pos.month - 1].contains(day)
    assert calendar.quarters(pos.year)[pos.quarter - 1].contains(day)
    assert calendar.weeks(pos.year)[pos.week - 1].contains(day)
    assert calendar.period_of(day, "month") == calendar.months(pos.year)[pos.month - 1]


@given(calendars, periods(), st.sampled_from(GRAINS))
def test_fiscal_split_tiles_period(calendar, period, grain):
    pieces = period.split(grain, calendar=calendar)
    assert _tiles(pieces, period)


def test_retail_examples():
    # 4-4-5 ending on the Saturday nearest 31 December: FY2026 ends Sat 2 Jan 2027,
    # FY2025 ended Sat 3 Jan 2026, so FY2026 is 52 weeks from Sun 4 Jan 2026.
    cal = FiscalCalendar.retail("4-4-5", year_end_month=12, year_end_weekday=5)
    fy = cal.year(2026)
    assert (fy.start, fy.last_day, cal.weeks_in_year(2026)) == (
        date(2026, 1, 4),
        date(2027, 1, 2),
        52,
    )
    # FY2020 ended Sat 2 Jan 2021 and FY2019 on Sat 28 Dec 2019: 53 weeks.
    assert cal.weeks_in_year(2020) == 53
    assert [m.days // 7 for m in cal.months(2020)][-3:] == [4, 4, 6]
    last = FiscalCalendar.retail("4-4-5", year_end_month=12, year_end_weekday=5, rule="last")
    assert last.year(2026).last_day == date(2026, 12, 26)
    assert cal.label(cal.quarters(2026)[1]) == "FY2026-Q2"
    assert cal.label(cal.weeks(2026)[0]) == "FY2026-W01"
    assert cal.label(Period(start=date(2026, 1, 5), end=date(2026, 1, 7))) == (
        "2026-01-05/2026-01-07"
    )


def test_month_fiscal_examples():
    cal = FiscalCalendar(start_month=7, named_by="start")
    assert cal.year(2026) == Period(start=date(2026, 7, 1), end=date(2027, 7, 1))
    assert cal.quarters(2026)[2] == Period(start=date(2027, 1, 1), end=date(2027, 4, 1))
    assert cal.locate(date(2027, 6, 30)) == FiscalPosition(year=2026, quarter=4, month=12, week=53)
    assert cal.fiscal_year_of(date(2026, 6, 30)) == 2025
    # The Gregorian default agrees with Period.split.
    assert FiscalCalendar().split(Period.year(2026), "week") == Period.year(2026).split("week")


def test_fiscal_calendar_bad_input():
    with pytest.raises(InvalidInputError, match="start_month"):
        FiscalCalendar(start_month=13)
    with pytest.raises(InvalidInputError, match="pattern"):
        FiscalCalendar.retail("4-4-4")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="fiscal year 1 "):
        FiscalCalendar().year(1)


# -- WorkCalendar ------------------------------------------------------------

# Spring Festival 2024: 10-17 February off; Sunday 4 and Sunday 18 February worked.
CHINA = WorkCalendar(
    holidays=tuple(date(2024, 2, 10) + timedelta(days=d) for d in range(8)),
    workdays=(date(2024, 2, 4), date(2024, 2, 18)),
)


def test_business_days_china_february():
    # 21 weekdays in Feb 2024, minus 5 weekday holidays (12-16), plus 2 make-up Sundays.
    assert CHINA.business_days(Period.month(2024, 2)) == 18
    assert len(CHINA.business_dates(Period.month(2024, 2))) == 18
    assert CHINA.is_business_day(date(2024, 2, 18))
    assert not CHINA.is_business_day(date(2024, 2, 12))
    assert not CHINA.is_business_day(date(2024, 2, 24))


def test_middle_east_weekmask():
    # Sunday to Thursday working week.
    cal = WorkCalendar(weekmask="1111001")
    assert cal.business_days(Period.iso_week(2026, 10)) == 5
    assert not cal.is_business_day(date(2026, 3, 6))  # a Friday


@given(
    st.lists(
        st.tuples(st.dates(date(2023, 12, 1), date(2024, 3, 31)), st.integers(0, 60)),
        min_size=1,
        max_size=20,
    )
)
def test_business_days_between_matches_day_by_day(ranges):
    starts = [s for s, _ in ranges]
    ends = [s + timedelta(days=n) for s, n in ranges]
    counted = CHINA.business_days_between(starts, ends)
    expected = [
        sum(CHINA.is_business_day(s + timedelta(days=i)) for i in range((e - s).days))
        for s, e in zip(starts, ends, strict=True)
    ]
    assert counted.tolist() == expected
    assert counted.dtype == np.int64


@given(periods(), periods())
def test_business_days_additive(first, second):
    cal = WorkCalendar()
    whole = Period(start=min(first.start, second.start), end=max(first.end, second.end))
    pieces = whole.split("month")
    assert sum(cal.business_days(p) for p in pieces) == cal.business_days(whole)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekmask": "11111"}, "weekmask '11111' must be seven characters"),
        ({"weekmask": "0000000"}, "has no business days"),
        (
            {"holidays": (date(2024, 2, 4),), "workdays": (date(2024, 2, 4),)},
            "2024-02-04 is both a holiday and a workday",
        ),
    ],
)
def test_work_calendar_bad_input(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        WorkCalendar(**kwargs)


def test_business_days_between_bad_input():
    with pytest.raises(InvalidInputError, match="must match"):
        WorkCalendar().business_days_between(["2026-01-01"], [])
    with pytest.raises(InvalidInputError, match="before start"):
        WorkCalendar().business_days_between(["2026-01-05"], ["2026-01-01"])


def test_period_labels_each_grain():
    assert [Period.year(2026).label, Period.month(2026, 3).label] == ["2026", "2026-03"]
    assert Period.year(2026).grain == "year"
    assert Period(start=date(2026, 3, 2), end=date(2026, 3, 4)).grain is None
    assert Period(start=date(2026, 1, 1), end=date(2026, 3, 1)).grain is None
    assert [p.days for p in Period(start=date(2026, 5, 30), end=date(2026, 6, 2)).split("day")] == [
        1,
        1,
        1,
    ]
    assert FiscalCalendar.retail().is_retail
    assert not FiscalCalendar().is_retail
    assert FiscalCalendar().periods(2026, "day")[0] == Period.day(date(2026, 1, 1))
    assert FiscalCalendar().periods(2026, "year") == [Period.year(2026)]
    assert FiscalCalendar().split(Period.month(2026, 2), "day")[-1] == Period.day(date(2026, 2, 28))


def test_period_constructors_take_numpy_integers_and_refuse_bools_and_floats():
    import numpy as np

    assert Period.year(np.int32(2020)) == Period.year(2020)
    assert Period.month(np.int64(2026), np.int8(2)) == Period.month(2026, 2)
    for bad in (True, np.bool_(True), 2020.0, "2020"):
        with pytest.raises(InvalidInputError, match="is not a whole number in"):
            Period.year(bad)  # type: ignore[arg-type]
