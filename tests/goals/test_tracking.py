"""Tests of goal tracking: attainment, pace and the bulk variance table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salescore.calendar import Grain, Period, WorkCalendar
from salescore.errors import CurrencyMismatchError, FrameValidationError, InvalidInputError
from salescore.frames import to_frame
from salescore.goals.decompose import decompose
from salescore.goals.tracking import (
    Attainment,
    VarianceFrames,
    attainment,
    combine_variance,
    pace,
    variance_frame,
)
from salescore.goals.weights import time_weights
from salescore.models import Owner, Target
from salescore.money import Money

YEAR = Period.year(2026)


def money_target(
    value: str = "1250000",
    direction: str = "at_least",
    *,
    period: Period | None = YEAR,
    tid: str = "T",
    owner: Owner | None = None,
    currency: str = "CNY",
) -> Target:
    return Target(
        id=tid,
        metric="revenue",
        value=value,
        currency=currency,
        direction=direction,
        period=period,
        owner=owner,
    )


def rep_target(
    rep: str, period: Period, value: str, tid: str, direction: str = "at_least"
) -> Target:
    return money_target(value, direction, period=period, tid=tid, owner=Owner(kind="rep", id=rep))


def series(pairs: list[tuple[str, float]]) -> pd.Series[Any]:
    return pd.Series([v for _, v in pairs], index=pd.to_datetime([d for d, _ in pairs]))


# --------------------------------------------------------------------------- attainment
def test_attainment_money_below_target() -> None:
    a = attainment(money_target(), Money("1000000", "CNY"))
    assert a.attainment == Decimal("0.8")
    assert a.variance == Money("-250000", "CNY")
    assert a.shortfall == Money("250000", "CNY")
    assert a.target == Money("1250000", "CNY")
    assert not a.met


def test_attainment_money_above_target_with_plain_number() -> None:
    a = attainment(money_target(), 1_500_000)
    assert a.attainment == Decimal("1.2")
    assert a.actual == Money("1500000", "CNY")
    assert a.variance == Money("250000", "CNY")
    assert a.shortfall == Money("0", "CNY")
    assert a.met


def test_attainment_lower_is_better_rate() -> None:
    churn = Target(id="churn", metric="churn_rate", value="0.05", direction="at_most")
    over = attainment(churn, 0.06)  # 2 - 0.06/0.05 = 0.8
    assert over.attainment == Decimal("0.8")
    assert over.variance == Decimal("0.01")
    assert over.shortfall == Decimal("0.01")
    assert not over.met
    assert attainment(churn, 0).attainment == Decimal(2)
    assert attainment(churn, "0.05").attainment == Decimal(1)
    assert attainment(churn, "0.05").met


def test_attainment_decrease_money() -> None:
    cost = money_target("1000", "decrease")
    a = attainment(cost, Money("750", "CNY"))
    assert a.attainment == Decimal("1.25")
    assert a.met
    assert a.shortfall == Money(0, "CNY")


def test_attainment_zero_target_has_no_ratio() -> None:
    up = Target(id="z", metric="deals_won", value=0, direction="at_least")
    a = attainment(up, 5)
    assert a.attainment is None
    assert a.met
    assert a.shortfall == 0
    down = Target(id="z", metric="deals_won", value=0, direction="at_most")
    b = attainment(down, 3)
    assert b.attainment is None
    assert not b.met
    assert b.shortfall == 3
    assert b.variance == 3


def test_attainment_round_trips_json() -> None:
    a = attainment(money_target(), Money("1", "CNY"))
    assert Attainment.model_validate(a.model_dump(mode="json")) == a


def test_attainment_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatchError, match="USD"):
        attainment(money_target(), Money("10", "USD"))


@pytest.mark.parametrize(
    ("target", "actual", "words"),
    [
        (Target(id="t", metric="revenue", currency="CNY", direction="at_least"), 1, "no value"),
        (Target(id="t", value=1, direction="at_least"), 1, "no metric"),
        (Target(id="t", metric="revenue", value=1, currency="CNY"), 1, "no direction"),
        (Target(id="t", metric="revenue", value=1, direction="at_least"), 1, "no currency"),
        (
            Target(id="t", metric="revenue", value=-1, currency="CNY", direction="at_least"),
            1,
            "negative",
        ),
        (Target(id="t", metric="churn_rate", value="0.1", direction="at_most"), 5, "outside"),
        (
            Target(id="t", metric="deals_won", value=3, direction="at_least"),
            Money(1, "CNY"),
            "no currency",
        ),
        (Target(id="t", metric="deals_won", value=3, direction="at_least"), "x", "not a number"),
    ],
)
def test_attainment_invalid_input(target: Target, actual: Any, words: str) -> None:
    with pytest.raises(InvalidInputError, match=words):
        attainment(target, actual)


def test_attainment_level_with_currency_takes_money() -> None:
    size = Target(
        id="ads", metric="average_deal_size", value=50000, currency="CNY", direction="at_least"
    )
    a = attainment(size, Money("60000", "CNY"))
    assert a.attainment == Decimal("1.2")
    assert a.variance == Decimal(10000)  # a level is not money: a plain Decimal


@given(
    value=st.integers(0, 10**7),
    first=st.integers(0, 10**8),
    second=st.integers(0, 10**8),
    direction=st.sampled_from(["increase", "at_least", "decrease", "at_most"]),
)
def test_attainment_monotone_in_actual(value: int, first: int, second: int, direction: str) -> None:
    target = money_target(str(Decimal(value).scaleb(-2)), direction)
    low, high = sorted((first, second))
    a = attainment(target, Money.from_minor(low, "CNY"))
    b = attainment(target, Money.from_minor(high, "CNY"))
    if value == 0:
        assert a.attainment is None
        assert b.attainment is None
        return
    assert a.attainment is not None
    assert b.attainment is not None
    if direction in ("increase", "at_least"):
        assert a.attainment <= b.attainment
        assert a.shortfall >= b.shortfall
        assert not a.met or b.met
    else:
        assert a.attainment >= b.attainment
        assert a.shortfall <= b.shortfall
        assert not b.met or a.met
    assert isinstance(a.variance, Money)
    assert isinstance(b.variance, Money)
    assert b.variance - a.variance == Money.from_minor(high - low, "CNY")


# --------------------------------------------------------------------------- pace
def test_pace_even_months_hand_checked() -> None:
    target = money_target("1200000")
    actuals = series(
        [
            ("2025-12-31", 999.0),
            ("2026-01-15", 100000.0),
            ("2026-03-31", 150000.0),
            ("2026-04-01", 5.0),  # on as_of: not counted yet
        ]
    )
    p = pace(target, actuals, date(2026, 4, 1))
    assert p.expected_to_date == Money("300000.00", "CNY")
    assert p.actual_to_date == Money("250000.00", "CNY")
    assert p.variance_to_date == Money("-50000.00", "CNY")
    assert p.expected_share == 0.25
    assert p.elapsed_share == 90 / 365
    # 250,000 / 90 days * 365 days = 1,013,888.888...
    assert p.run_rate_projection == Money("1013888.89", "CNY")
    assert p.weighted_projection == Money("1000000.00", "CNY")
    assert p.remaining == Money("950000.00", "CNY")
    assert [s.period.label for s in p.needed] == [f"2026-{m:02d}" for m in range(4, 13)]
    # 95,000,000 cents over 9 even months: 10,555,555 r 5, so five months get a cent more.
    assert [s.amount.to_minor() for s in p.needed if isinstance(s.amount, Money)] == [
        10555556
    ] * 5 + [10555555] * 4
    assert not p.on_pace


def test_pace_seasonal_expected_follows_the_plan() -> None:
    profile = [5, 5, 10, 5, 5, 10, 5, 5, 10, 10, 10, 20]
    target = money_target("1000000")
    p = pace(target, pd.Series([], dtype=float), date(2026, 7, 1), weights=profile)
    assert p.expected_to_date == Money("400000.00", "CNY")  # 40 percent, not 181/365
    assert p.expected_share == pytest.approx(0.4)
    assert p.run_rate_projection == Money("0.00", "CNY")
    assert p.weighted_projection == Money("0.00", "CNY")
    assert [s.amount for s in p.needed][-1] == Money("333333.33", "CNY")  # 20 / 60 of 1,000,000


def test_pace_current_sub_period_counts_its_elapsed_days() -> None:
    q1 = money_target("1200000", period=Period.quarter(2026, 1))
    booked = series([("2026-01-20", 300000.0), ("2026-02-10", 150000.0)])
    p = pace(q1, booked, date(2026, 2, 15), weights=[0.3, 0.3, 0.4])
    assert p.expected_to_date == Money("540000.00", "CNY")  # 360,000 + 14/28 * 360,000
    assert p.needed[0].period == Period(start=date(2026, 2, 15), end=date(2026, 3, 1))
    # 750,000 split 0.15 : 0.4
    assert [s.amount for s in p.needed] == [Money("204545.45", "CNY"), Money("545454.55", "CNY")]


def test_pace_business_days_elapsed_share() -> None:
    # January 2026 by week: Thu 1 - Sun 4 (2 worked days), then 5, 5, 5, 5.
    deals = Target(
        id="D",
        metric="deals_won",
        value=22,
        direction="at_least",
        period=Period.month(2026, 1),
    )
    cal = WorkCalendar()
    p = pace(
        deals,
        pd.Series([1, 2], index=[date(2026, 1, 2), date(2026, 1, 6)]),
        date(2026, 1, 7),
        grain="week",
        weights="business_days",
        work_calendar=cal,
    )
    # Week 1 done (2), week 2: Mon and Tue worked of 5 -> 2 of its 5.
    assert p.expected_to_date == Decimal(4)
    assert p.actual_to_date == Decimal(3)
    assert p.remaining == Decimal(19)
    assert sum(s.amount for s in p.needed) == 19
    days = pace(deals, pd.Series([], dtype=float), date(2026, 1, 7), grain="week", weights="days")
    assert days.expected_to_date == Decimal(4)  # 4 + round(7 * 2/7) with days weights


def test_pace_business_days_in_a_weekend_only_sub_period() -> None:
    # 3 January 2026 is a Saturday: the first (clipped) week has no worked day.
    period = Period(start=date(2026, 1, 3), end=date(2026, 1, 31))
    deals = Target(id="D", metric="deals_won", value=20, direction="at_least", period=period)
    p = pace(
        deals,
        pd.Series([], dtype=float),
        date(2026, 1, 4),
        grain="week",
        weights="business_days",
        work_calendar=WorkCalendar(),
    )
    assert p.expected_to_date == Decimal(0)
    assert p.expected_share == 0.0
    assert p.weighted_projection is None
    assert sum(s.amount for s in p.needed) == 20


def test_pace_at_period_edges() -> None:
    target = money_target("1000")
    start = pace(target, pd.Series([], dtype=float), YEAR.start)
    assert start.expected_to_date == Money("0.00", "CNY")
    assert start.run_rate_projection is None
    assert start.weighted_projection is None
    assert sum(s.amount for s in start.needed) == Money("1000.00", "CNY")
    end = pace(target, series([("2026-06-01", 1200.0)]), YEAR.end)
    assert end.expected_to_date == Money("1000.00", "CNY")
    assert end.needed == ()
    assert end.remaining == Money("0.00", "CNY")
    assert end.on_pace


def test_pace_lower_is_better_budget() -> None:
    budget = money_target("1200", "at_most")
    p = pace(budget, series([("2026-01-10", 50.0)]), date(2026, 2, 1))
    assert p.on_pace  # spent 50 of the 100 expected
    assert p.remaining == Money("1150.00", "CNY")  # still allowed


def test_pace_falls_back_to_days_when_the_rest_has_no_weight() -> None:
    target = money_target("1200", period=Period.quarter(2026, 1))
    p = pace(target, pd.Series([], dtype=float), date(2026, 3, 1), weights=[50, 50, 0])
    assert p.expected_to_date == Money("1200.00", "CNY")
    assert [s.amount for s in p.needed] == [Money("1200.00", "CNY")]


def test_pace_accepts_period_index_and_aware_dates() -> None:
    target = money_target("1200")
    months = pd.Series([10.0, 20.0], index=pd.period_range("2026-01", periods=2, freq="M"))
    assert pace(target, months, date(2026, 2, 1)).actual_to_date == Money("10.00", "CNY")
    aware = pd.Series([7.0], index=pd.DatetimeIndex([datetime(2026, 1, 31, 23, 0, tzinfo=UTC)]))
    assert pace(target, aware, date(2026, 2, 1)).actual_to_date == Money("7.00", "CNY")


@pytest.mark.parametrize(
    ("actuals", "words"),
    [
        (series([("2026-01-03", float("nan"))]), "2026-01-03"),
        (series([("2026-01-04", -1.0)]), "2026-01-04"),
        (series([("2026-01-05", float("inf"))]), "2026-01-05"),
        (pd.Series(["x"], index=pd.to_datetime(["2026-01-06"])), "2026-01-06"),
        (pd.Series([1.0], index=["not a date"]), "indexed by dates"),
        (pd.Series([1.0], index=pd.DatetimeIndex([pd.NaT])), "NaT"),
    ],
)
def test_pace_bad_actuals_name_the_date(actuals: pd.Series[Any], words: str) -> None:
    with pytest.raises(InvalidInputError, match=words):
        pace(money_target(), actuals, date(2026, 3, 1))


def test_pace_count_actuals_must_be_whole() -> None:
    deals = Target(id="D", metric="deals_won", value=10, direction="at_least", period=YEAR)
    with pytest.raises(InvalidInputError, match=r"2026-01-02.*whole"):
        pace(deals, series([("2026-01-02", 1.5)]), date(2026, 3, 1))


@pytest.mark.parametrize(
    ("target", "as_of", "words"),
    [
        (
            Target(id="r", metric="churn_rate", value="0.05", direction="at_most", period=YEAR),
            date(2026, 3, 1),
            "does not add up",
        ),
        (money_target(direction="at_least", period=None), date(2026, 3, 1), "no period"),
        (
            Target(id="t", metric="revenue", value=1, currency="CNY", period=YEAR),
            date(2026, 3, 1),
            "no direction",
        ),
        (money_target(), date(2027, 1, 2), "outside"),
        (money_target(), date(2025, 12, 31), "outside"),
        (money_target("-5"), date(2026, 3, 1), "negative"),
    ],
)
def test_pace_invalid_target(target: Target, as_of: date, words: str) -> None:
    with pytest.raises(InvalidInputError, match=words):
        pace(target, pd.Series([], dtype=float), as_of)


PaceCase = tuple[Target, Grain, Any]


@st.composite
def pace_cases(draw: st.DrawFn) -> PaceCase:
    kind = draw(st.sampled_from(["year", "quarter", "month"]))
    grains: dict[str, tuple[Grain, ...]] = {
        "year": ("quarter", "month", "week"),
        "quarter": ("month", "week"),
        "month": ("week", "day"),
    }
    grain = draw(st.sampled_from(grains[kind]))
    if kind == "year":
        period = Period.year(2026)
    elif kind == "quarter":
        period = Period.quarter(2026, draw(st.integers(1, 4)))
    else:
        period = Period.month(2026, draw(st.integers(1, 12)))
    n = len(time_weights(period, grain)[0])
    weights: Any = draw(
        st.one_of(
            st.sampled_from(["even", "days"]),
            st.lists(st.integers(0, 50), min_size=n, max_size=n)
            .filter(lambda ws: sum(ws) > 0)
            .map(lambda ws: [Fraction(w, sum(ws)) for w in ws]),
        )
    )
    value = Decimal(draw(st.integers(0, 10**9))).scaleb(-2)
    direction = draw(st.sampled_from(["at_least", "at_most"]))
    return money_target(str(value), direction, period=period), grain, weights


@given(case=pace_cases(), data=st.data())
def test_pace_needed_sums_to_remaining(case: PaceCase, data: st.DataObject) -> None:
    target, grain, weights = case
    assert target.period is not None
    offset = data.draw(st.integers(0, target.period.days - 1))
    booked = data.draw(st.lists(st.integers(0, 10**7), max_size=5))
    as_of = target.period.start + timedelta(days=offset)
    actuals = pd.Series(
        [b / 100 for b in booked],
        index=[
            target.period.start + timedelta(days=i % max(offset, 1)) for i in range(len(booked))
        ],
    )
    p = pace(target, actuals, as_of, grain=grain, weights=weights)
    assert isinstance(p.remaining, Money)
    needed = [s.amount for s in p.needed]
    assert needed
    assert sum(needed) == p.remaining
    assert all(isinstance(x, Money) and x.amount >= 0 for x in needed)
    assert p.needed[0].period.start == as_of
    assert p.needed[-1].period.end == target.period.end


@given(case=pace_cases(), data=st.data())
def test_pace_expected_non_decreasing_and_reaches_target(
    case: PaceCase, data: st.DataObject
) -> None:
    target, grain, weights = case
    assert target.period is not None
    a, b = sorted(data.draw(st.lists(st.integers(0, target.period.days), min_size=2, max_size=2)))
    empty = pd.Series([], dtype=float)
    first = pace(
        target,
        empty,
        target.period.start + timedelta(days=a),
        grain=grain,
        weights=weights,
    )
    second = pace(
        target,
        empty,
        target.period.start + timedelta(days=b),
        grain=grain,
        weights=weights,
    )
    assert isinstance(first.expected_to_date, Money)
    assert isinstance(second.expected_to_date, Money)
    assert first.expected_to_date <= second.expected_to_date
    assert first.expected_share <= second.expected_share
    end = pace(target, empty, target.period.end, grain=grain, weights=weights)
    assert end.expected_to_date == end.target
    assert end.expected_share == 1.0


@given(case=pace_cases(), data=st.data())
def test_pace_expected_matches_decomposition_at_boundaries(
    case: PaceCase, data: st.DataObject
) -> None:
    target, grain, weights = case
    assert target.value is not None
    children = decompose(target, grain, weights=weights)
    running = Decimal(0)
    cumulative = []
    for child in children:
        assert child.value is not None
        running += child.value
        cumulative.append(running)
    picks = data.draw(st.sets(st.integers(0, len(children) - 1), min_size=1, max_size=3))
    for i in sorted(picks):
        period = children[i].period
        assert period is not None
        p = pace(target, pd.Series([], dtype=float), period.end, grain=grain, weights=weights)
        assert p.expected_to_date == Money(cumulative[i], "CNY")


# --------------------------------------------------------------------------- variance_frame
def _actuals(rows: list[tuple[Any, Any, Any]], **extra: list[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "owner_id": [r[0] for r in rows],
            "date": [r[1] for r in rows],
            "amount": [r[2] for r in rows],
            **extra,
        }
    )


def test_variance_frame_overlapping_targets_and_company() -> None:
    targets = [
        rep_target("R1", Period.month(2026, 1), "100", "R1-01"),
        rep_target("R1", Period.quarter(2026, 1), "300", "R1-Q1"),
        rep_target("R2", Period.quarter(2026, 1), "300", "R2-Q1", direction="at_most"),
        money_target("1000", period=Period.quarter(2026, 1), tid="CO", owner=Owner(kind="company")),
    ]
    actuals = _actuals(
        [
            ("R1", "2026-01-31", 60.0),
            ("R1", "2026-02-01", 70.5),
            ("R2", "2026-03-31", 200.0),
            ("R2", "2026-04-01", 9.0),  # outside every R2 target and the company's
            ("R3", "2026-01-10", 5.0),  # no own target, but the company counts it
        ]
    )
    out = variance_frame(targets, actuals)
    t = out.table.set_index("target_id")
    assert t.loc["R1-01", "actual"] == 60.0
    assert t.loc["R1-Q1", "actual"] == 130.5
    assert t.loc["R2-Q1", "actual"] == 200.0
    assert t.loc["CO", "actual"] == 335.5
    assert t.loc["R1-01", "attainment"] == 0.6
    assert t.loc["R1-Q1", "attainment"] == pytest.approx(130.5 / 300)
    assert t.loc["R2-Q1", "attainment"] == pytest.approx(2 - 200 / 300)  # lower is better
    assert bool(t.loc["R2-Q1", "met"])
    assert t.loc["R2-Q1", "shortfall"] == 0.0
    assert t.loc["R1-Q1", "shortfall"] == 169.5
    assert t.loc["R1-Q1", "variance_units"] == -16950
    assert out.unmatched[["row", "owner", "reason"]].to_dict("records") == [
        {"row": 3, "owner": "R2", "reason": "outside_periods"}
    ]
    assert out.unmatched["date"].tolist() == [pd.Timestamp("2026-04-01")]
    assert out.errors.empty


def test_variance_frame_bad_rows_are_reported() -> None:
    targets = [rep_target("R1", YEAR, "100", "T1")]
    actuals = _actuals(
        [
            ("R1", "2026-01-01", 10.0),
            (None, "2026-01-01", 1.0),
            ("  ", "2026-01-01", 1.0),
            ("R1", "2026-13-45", 1.0),
            ("R1", None, 1.0),
            ("R1", "2026-01-02", float("nan")),
            ("R1", "2026-01-02", "ten"),
            ("R1", "2026-01-02", float("inf")),
            ("R1", "2026-01-02", 1.0),
            ("R1", "2026-01-02", 1.0),
            ("R1", "2026-01-02", 1.0),
        ],
        currency=["CNY"] * 8 + ["USD", None, "CNY"],
        share=[1.0] * 10 + [1.5],
    )
    out = variance_frame(targets, actuals, share="share")
    reasons = sorted(
        zip(out.errors["row"], out.errors["column"], out.errors["reason"], strict=True)
    )
    assert reasons == [
        (1, "owner_id", "not_null"),
        (2, "owner_id", "not_null"),
        (3, "date", "wrong_type"),
        (4, "date", "not_null"),
        (5, "amount", "not_null"),
        (6, "amount", "wrong_type"),
        (7, "amount", "not_finite"),
        (8, "currency", "currency_mismatch"),
        (9, "currency", "not_null"),
        (10, "share", "out_of_range"),
    ]
    assert out.table["actual"].tolist() == [10.0]
    assert out.unmatched.empty


def test_variance_frame_split_shares_round_half_even() -> None:
    targets = [rep_target("R1", YEAR, "100", "T1"), rep_target("R2", YEAR, "100", "T2")]
    actuals = _actuals(
        [("R1", "2026-01-01", 0.05), ("R2", "2026-01-01", 0.05), ("R1", "2026-01-02", 0.07)],
        share=[0.5, 0.5, 0.5],
    )
    out = variance_frame(targets, actuals, share="share")
    # 0.025 -> 0.02 (half-even), 0.035 -> 0.04
    assert out.table["actual_units"].tolist() == [6, 2]


def test_variance_frame_counts_keep_half_deals() -> None:
    deals = [
        Target(
            id=f"{r}",
            metric="deals_won",
            value=3,
            direction="at_least",
            period=YEAR,
            owner=Owner(kind="rep", id=r),
        )
        for r in ("R1", "R2")
    ]
    actuals = _actuals(
        [("R1", date(2026, 2, 1), 1), ("R2", date(2026, 2, 1), 1), ("R1", date(2026, 3, 1), 1)],
        share=[0.5, 0.5, 1.0],
        currency=["USD", "EUR", None],  # ignored for counts
    )
    out = variance_frame(deals, actuals, share="share")
    assert out.table["actual"].tolist() == [1.5, 0.5]
    assert out.table["attainment"].tolist() == [0.5, pytest.approx(1 / 6)]
    assert out.errors.empty


def test_variance_frame_zero_target_attainment_is_na() -> None:
    out = variance_frame([rep_target("R1", YEAR, "0", "Z")], _actuals([("R1", "2026-05-05", 3.0)]))
    assert out.table["attainment"].isna().tolist() == [True]
    assert str(out.table["attainment"].dtype) == "Float64"
    assert out.table["met"].tolist() == [True]


def test_variance_frame_dates_of_many_kinds() -> None:
    targets = [rep_target("R1", Period.month(2026, 1), "100", "T1")]
    aware = pd.DataFrame(
        {
            "owner_id": ["R1", "R1"],
            "date": pd.to_datetime(["2026-01-31 23:30", "2026-02-01 00:30"]).tz_localize(
                "Asia/Shanghai"
            ),
            "amount": [1.0, 2.0],
        }
    )
    assert variance_frame(targets, aware).table["actual"].tolist() == [1.0]
    objects = _actuals([("R1", date(2026, 1, 31), 4.0), ("R1", datetime(2026, 1, 5, 8), 1.0)])
    assert variance_frame(targets, objects).table["actual"].tolist() == [5.0]
    text_aware = _actuals([("R1", "2026-01-31T23:00:00+08:00", 4.0)])
    assert variance_frame(targets, text_aware).table["actual"].tolist() == [4.0]


def test_variance_frame_bool_amount_is_wrong_type() -> None:
    out = variance_frame(
        [rep_target("R1", YEAR, "100", "T1")], _actuals([("R1", "2026-01-01", True)])
    )
    assert out.errors["reason"].tolist() == ["wrong_type"]


def test_variance_frame_roll_up_by_extra_column() -> None:
    frame = to_frame(
        [
            rep_target("R1", Period.month(2026, 1), "100", "A"),
            rep_target("R2", Period.month(2026, 1), "300", "B"),
            rep_target("R3", Period.month(2026, 1), "0", "C"),
        ]
    ).assign(team=["east", "east", "west"])
    actuals = _actuals([("R1", "2026-01-02", 150.0), ("R2", "2026-01-03", 150.0)])
    out = variance_frame(frame, actuals, by="team")
    assert out.table["team"].tolist() == ["east", "west"]
    assert out.table["targets"].tolist() == [2, 1]
    assert out.table["target"].tolist() == [400.0, 0.0]
    assert out.table["actual"].tolist() == [300.0, 0.0]
    assert out.table["attainment"].tolist()[0] == 0.75
    assert out.table["attainment"].isna().tolist() == [False, True]
    per_target = variance_frame(frame, actuals)
    assert per_target.table["team"].tolist() == ["east", "east", "west"]


def test_variance_frame_roll_up_errors() -> None:
    targets = [
        rep_target("R1", YEAR, "100", "A"),
        rep_target("R1", Period.month(2026, 1), "100", "B", direction="at_most"),
    ]
    actuals = _actuals([("R1", "2026-01-02", 1.0)])
    with pytest.raises(InvalidInputError, match="mixes directions"):
        variance_frame(targets, actuals, by="owner_id")
    with pytest.raises(InvalidInputError, match="not distinct target columns"):
        variance_frame(targets, actuals, by=["team"])


def test_variance_frame_missing_actuals_column() -> None:
    with pytest.raises(InvalidInputError, match="'amount'"):
        variance_frame(
            [rep_target("R1", YEAR, "1", "A")], pd.DataFrame({"owner_id": [], "date": []})
        )


@pytest.mark.parametrize(
    ("targets", "error", "words"),
    [
        ([Target(id="a", metric="revenue", currency="CNY")], InvalidInputError, "no value"),
        (
            [
                Target(
                    id="a",
                    metric="churn_rate",
                    value="0.1",
                    direction="at_most",
                    period=YEAR,
                    owner=Owner(kind="company"),
                )
            ],
            InvalidInputError,
            "rate or level",
        ),
        (
            [
                rep_target("R1", YEAR, "1", "a"),
                money_target("1", tid="b", currency="USD", owner=Owner(kind="company")),
            ],
            CurrencyMismatchError,
            "CNY, USD",
        ),
        (
            [
                rep_target("R1", YEAR, "1", "a"),
                Target(
                    id="b",
                    metric="deals_won",
                    value=1,
                    direction="at_least",
                    period=YEAR,
                    owner=Owner(kind="company"),
                ),
            ],
            InvalidInputError,
            "mix money",
        ),
        ([rep_target("R1", YEAR, "-1", "a")], InvalidInputError, "negative"),
        ([rep_target("R1", YEAR, "1.005", "a")], InvalidInputError, "more decimals"),
    ],
)
def test_variance_frame_invalid_targets(
    targets: list[Target], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        variance_frame(targets, _actuals([("R1", "2026-01-02", 1.0)]))


def test_variance_frame_frame_checks_owner_and_contract() -> None:
    frame = to_frame([rep_target("R1", YEAR, "1", "a")])
    with pytest.raises(InvalidInputError, match="no owner id"):
        variance_frame(frame.assign(owner_id=None), _actuals([]))
    with pytest.raises(FrameValidationError):
        variance_frame(frame.assign(direction="sideways"), _actuals([]))
    with pytest.raises(InvalidInputError, match="no period end"):
        variance_frame(frame.assign(period_end=None), _actuals([]))


def test_variance_frame_custom_money_metric_and_empty_inputs() -> None:
    custom = Target(
        id="c",
        metric="custom",
        custom_metric="renewals",
        value=10,
        currency="CNY",
        direction="at_least",
        period=YEAR,
        owner=Owner(kind="rep", id="R1"),
    )
    out = variance_frame([custom], _actuals([]))
    assert out.table["actual"].tolist() == [0.0]
    assert out.unmatched.empty
    nothing = variance_frame([], _actuals([("R1", "2026-01-01", 1.0)]))
    assert nothing.table.empty
    assert nothing.unmatched["reason"].tolist() == ["no_target"]


# -- properties ---------------------------------------------------------------------
OWNERS = ("R0", "R1", "R2", "R3")


@st.composite
def variance_cases(draw: st.DrawFn) -> tuple[list[Target], pd.DataFrame]:
    n_targets = draw(st.integers(0, 6))
    targets = []
    for i in range(n_targets):
        start = draw(st.integers(0, 120))
        length = draw(st.integers(1, 90))
        period = Period(
            start=date(2026, 1, 1) + timedelta(days=start),
            end=date(2026, 1, 1) + timedelta(days=start + length),
        )
        value = Decimal(draw(st.integers(0, 10**6))).scaleb(-2)
        direction = draw(st.sampled_from(["at_least", "at_most"]))
        who = draw(st.sampled_from([*OWNERS[:3], None]))
        owner = Owner(kind="company") if who is None else Owner(kind="rep", id=who)
        targets.append(money_target(str(value), direction, period=period, tid=f"T{i}", owner=owner))
    n_rows = draw(st.integers(0, 25))
    rows = pd.DataFrame(
        {
            "owner_id": draw(st.lists(st.sampled_from(OWNERS), min_size=n_rows, max_size=n_rows)),
            "date": [
                pd.Timestamp("2025-12-20") + pd.Timedelta(days=d)
                for d in draw(st.lists(st.integers(0, 250), min_size=n_rows, max_size=n_rows))
            ],
            "amount": [
                c / 100
                for c in draw(
                    st.lists(st.integers(-(10**5), 10**7), min_size=n_rows, max_size=n_rows)
                )
            ],
            "share": draw(
                st.lists(st.sampled_from([1.0, 0.5, 0.25]), min_size=n_rows, max_size=n_rows)
            ),
        },
        index=pd.Index(draw(st.permutations(range(100, 100 + n_rows)))),
    )
    return targets, rows


def _credited(amount: float, share: float) -> int:
    exact = Decimal(repr(amount)) * Decimal(repr(share)) * 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@given(case=variance_cases())
def test_variance_frame_totals_equal_brute_force(case: tuple[list[Target], pd.DataFrame]) -> None:
    targets, rows = case
    out = variance_frame(targets, rows, share="share")
    assert out.errors.empty
    table = out.table.set_index("target_id")
    counted: set[Any] = set()
    for t in targets:
        assert t.period is not None and t.owner is not None and t.value is not None
        total = 0
        for label, owner_id, when, amount, share in zip(
            rows.index, rows["owner_id"], rows["date"], rows["amount"], rows["share"], strict=True
        ):
            if (t.owner.id is None or owner_id == t.owner.id) and t.period.contains(when.date()):
                total += _credited(amount, share)
                counted.add(label)
        assert table.loc[t.id, "actual_units"] == total
        target_units = int(t.value.scaleb(2))
        assert table.loc[t.id, "variance_units"] == total - target_units
        expected = attainment(t, Money.from_minor(total, "CNY")).attainment
        got = table.loc[t.id, "attainment"]
        if expected is None:
            assert got is pd.NA
        else:
            assert got == pytest.approx(float(expected))
    # Every row is counted, unmatched or an error: none is lost.
    assert set(out.unmatched["row"]) == set(rows.index) - counted


# Each example runs variance_frame five times, each validating a small target
# frame (about 10 ms); fewer examples keep the file well under 30 s under ci.
@settings(max_examples=min(60, settings().max_examples))
@given(case=variance_cases())
def test_variance_frame_paths_agree_roll_up_and_merge(
    case: tuple[list[Target], pd.DataFrame],
) -> None:
    targets, rows = case
    from_list = variance_frame(targets, rows, share="share")
    frame = to_frame(targets, model=Target)
    from_frame = variance_frame(frame, rows, share="share")
    pd.testing.assert_frame_equal(from_list.table, from_frame.table)
    pd.testing.assert_frame_equal(from_list.unmatched, from_frame.unmatched)
    # Rolling up sums the per-target units.
    keys = ["owner_kind", "direction"]
    rolled = variance_frame(frame, rows, by=keys, share="share").table.set_index(keys)
    sums = from_list.table.groupby(keys, observed=True)[["target_units", "actual_units"]].sum()
    assert rolled["targets"].sum() == len(targets)
    assert rolled["target_units"].to_dict() == sums["target_units"].to_dict()
    assert rolled["actual_units"].to_dict() == sums["actual_units"].to_dict()
    # Mergeable partial: actual_units of two halves of the rows add up to the whole.
    half = len(rows) // 2
    first = variance_frame(frame, rows.iloc[:half], share="share").table["actual_units"]
    second = variance_frame(frame, rows.iloc[half:], share="share").table["actual_units"]
    assert (first + second).tolist() == from_list.table["actual_units"].tolist()


@given(
    cents=st.lists(st.integers(0, 10**8), min_size=1, max_size=20),
    days=st.data(),
)
def test_variance_frame_split_conserves_total(cents: list[int], days: st.DataObject) -> None:
    offsets = days.draw(st.lists(st.integers(0, 364), min_size=len(cents), max_size=len(cents)))
    targets = [rep_target(rep, YEAR, "1", rep) for rep in ("W", "A", "B")]
    when = [pd.Timestamp("2026-01-01") + pd.Timedelta(days=d) for d in offsets]
    n = len(cents)
    rows = pd.DataFrame(
        {
            "owner_id": ["W"] * n + ["A"] * n + ["B"] * n,  # W whole, A and B half each
            "date": when * 3,
            "amount": [c / 100 for c in cents] * 3,
            "share": [1.0] * n + [0.5] * (2 * n),
        }
    )
    whole, a, b = variance_frame(targets, rows, share="share").table["actual_units"].tolist()
    assert whole == sum(cents)
    # Half-even per row: an odd cent halves to a tie, and each half rounds to even.
    assert abs(whole - (a + b)) <= sum(c % 2 for c in cents)
    assert a == b
    if all(c % 2 == 0 for c in cents):
        assert a + b == whole


def test_variance_frame_does_not_mutate_inputs() -> None:
    frame = to_frame([rep_target("R1", YEAR, "100", "T1")])
    actuals = _actuals([("R1", "2026-01-01", 1.0), (None, "x", "y")])
    frame_copy, actuals_copy = frame.copy(), actuals.copy()
    variance_frame(frame, actuals)
    pd.testing.assert_frame_equal(frame, frame_copy)
    pd.testing.assert_frame_equal(actuals, actuals_copy)


def test_variance_frame_large_amounts_are_refused() -> None:
    rows = _actuals([("R1", "2026-01-01", 4.0e13)] * 1200)  # 4.8e18 cents in all
    with pytest.raises(InvalidInputError):
        variance_frame([rep_target("R1", YEAR, "1", "T")], rows)


def test_variance_frame_keeps_target_index() -> None:
    frame = to_frame([rep_target("R1", YEAR, "100", "T1")])
    frame.index = pd.Index(["x"])
    out = variance_frame(frame, _actuals([("R1", "2026-02-02", 1.0)]))
    assert out.table.index.tolist() == ["x"]
    assert np.array_equal(out.table["met"].to_numpy(), [False])


@given(case=variance_cases(), cuts=st.lists(st.integers(0, 25), max_size=3))
def test_combine_variance_equals_variance_frame_of_all_the_chunks(
    case: tuple[list[Target], pd.DataFrame], cuts: list[int]
) -> None:
    targets, rows = case
    bounds = [0, *sorted(min(c, len(rows)) for c in cuts), len(rows)]
    parts = [variance_frame(targets, rows.iloc[a:b], share="share") for a, b in pairwise(bounds)]
    whole = variance_frame(targets, rows, share="share")
    merged = combine_variance(targets, parts)
    pd.testing.assert_frame_equal(merged.table, whole.table)
    assert sorted(merged.unmatched["row"]) == sorted(whole.unmatched["row"])
    if targets and len({t.direction for t in targets}) == 1:
        rolled = combine_variance(targets, parts, by="direction")
        pd.testing.assert_frame_equal(
            rolled.table, variance_frame(targets, rows, share="share", by="direction").table
        )


def test_combine_variance_refuses_parts_of_other_targets() -> None:
    rep = Owner(kind="rep", id="R1")
    jan = money_target("100", "at_least", period=Period.month(2026, 1), tid="A", owner=rep)
    feb = money_target("100", "at_least", period=Period.month(2026, 2), tid="B", owner=rep)
    rows = _actuals([("R1", "2026-01-05", 10.0)])
    with pytest.raises(InvalidInputError, match="parts is empty"):
        combine_variance([jan], [])
    with pytest.raises(InvalidInputError, match="not one row per target of these 1 targets"):
        combine_variance([jan], [variance_frame([feb], rows)])
    with pytest.raises(InvalidInputError, match=r"parts\[0\] is dict, not VarianceFrames"):
        combine_variance([jan], [{}])  # type: ignore[list-item]
    big = VarianceFrames(
        table=variance_frame([jan], rows).table.assign(actual_units=2**62),
        errors=pd.DataFrame(),
        unmatched=pd.DataFrame(),
    )
    with pytest.raises(InvalidInputError, match="too large to sum exactly"):
        combine_variance([jan], [big, big])
