from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, FrameValidationError, InvalidInputError
from salescore.frames import to_frame
from salescore.kpi import (
    CustomerSpan,
    average_deal_size,
    churn_rate,
    combine_customer_kpis,
    combine_deal_kpis,
    conversion_rate,
    csat,
    customer_count,
    customer_kpis,
    deal_kpis,
    growth_rate,
    growth_rates,
    market_share,
    market_share_frame,
    new_customers,
    nps,
    quota_attainment,
    quota_attainment_frame,
    retention_rate,
    sales_amount,
    survey_kpis,
    win_rate,
)
from salescore.models import Opportunity, Pipeline, Stage
from salescore.money import Money
from salescore.testing import opportunity_sets, pipelines

PIPE = Pipeline(
    stages=(
        Stage(name="Open", order=0, probability=0.2),
        Stage(name="Won", order=1, probability=1.0, kind="won"),
        Stage(name="Lost", order=2, probability=0.0, kind="lost"),
    )
)
Q1 = Period.quarter(2026, 1)


def deal(
    i: str,
    stage: str,
    amount: Any,
    created: date,
    closed: date | None = None,
    currency: str = "CNY",
    owner: str = "R1",
) -> Opportunity:
    return Opportunity(
        id=i,
        owner_id=owner,
        amount=amount,
        currency=currency,
        stage=stage,
        created_on=created,
        close_date=closed,
    )


DEALS = [
    deal("A", "Won", "100.10", date(2026, 1, 5), date(2026, 2, 1)),
    deal("B", "Won", "49.95", date(2025, 12, 1), date(2026, 3, 31)),
    deal("C", "Lost", "70", date(2026, 1, 9), date(2026, 2, 3), owner="R2"),
    deal("D", "Open", "10", date(2026, 2, 1)),
    deal("E", "Won", "999", date(2025, 11, 1), date(2026, 4, 1)),  # closes in Q2
]


# -- deals -------------------------------------------------------------------------


def test_sales_amount_counts_won_deals_closed_in_period():
    # A 100.10 + B 49.95 = 150.05 (E closes on 2026-04-01, outside [Jan 1, Apr 1))
    assert sales_amount(DEALS, PIPE, Q1, currency="CNY") == Money("150.05", "CNY")
    assert sales_amount(DEALS, PIPE, Period.year(2024), currency="CNY") == Money("0", "CNY")


def test_average_deal_size_and_nan_when_none_won():
    # 150.05 / 2 = 75.025
    assert average_deal_size(DEALS, PIPE, Q1, currency="CNY") == pytest.approx(75.025)
    assert math.isnan(average_deal_size(DEALS, PIPE, Period.year(2024), currency="CNY"))


def test_win_rate_won_over_closed():
    # Q1 closed: A won, B won, C lost -> 2 / 3
    assert win_rate(DEALS, PIPE, Q1) == pytest.approx(2 / 3)
    assert math.isnan(win_rate(DEALS, PIPE, Period.year(2024)))


def test_conversion_rate_of_the_created_cohort():
    # created in Q1: A (won), C (lost), D (open) -> 1 / 3
    assert conversion_rate(DEALS, PIPE, Q1) == pytest.approx(1 / 3)
    assert math.isnan(conversion_rate(DEALS, PIPE, Period.year(2024)))


def test_sales_amount_rejects_other_currency_and_unknown_stage():
    usd = [*DEALS, deal("F", "Won", 5, date(2026, 1, 5), date(2026, 1, 6), currency="USD")]
    with pytest.raises(CurrencyMismatchError, match="opportunities in USD cannot be summed in CNY"):
        sales_amount(usd, PIPE, Q1, currency="CNY")
    with pytest.raises(InvalidInputError, match="RMB"):
        sales_amount(DEALS, PIPE, Q1, currency="RMB")
    odd = [deal("G", "Nowhere", 5, date(2026, 1, 5))]
    with pytest.raises(InvalidInputError, match="Nowhere"):
        win_rate(odd, PIPE, Q1)


def test_deal_kpis_by_owner_and_period():
    frame = to_frame(DEALS)
    before = frame.copy()
    out = deal_kpis(frame, PIPE, [Q1, Period.quarter(2026, 2)], by=["owner_id"])
    pd.testing.assert_frame_equal(frame, before)
    assert out[["owner_id", "period"]].values.tolist() == [
        ["R1", "2026-Q1"],
        ["R1", "2026-Q2"],
        ["R2", "2026-Q1"],
        ["R2", "2026-Q2"],
    ]
    r1q1 = out.iloc[0]
    assert (r1q1["won"], r1q1["lost"], r1q1["created"], r1q1["created_won"]) == (2, 0, 2, 1)
    assert r1q1["sales_amount"] == Decimal("150.05")
    assert r1q1["win_rate"] == 1.0
    # R2 Q2: nothing closed, nothing created -> NaN rates, zero amount
    r2q2 = out.iloc[3]
    assert r2q2["sales_amount"] == Decimal("0.00")
    assert math.isnan(r2q2["win_rate"])
    assert math.isnan(r2q2["conversion_rate"])
    assert math.isnan(r2q2["average_deal_size"])


def test_deal_kpis_single_period_without_groups():
    out = deal_kpis(to_frame(DEALS), PIPE, Q1)
    assert len(out) == 1
    assert out["win_rate"].iloc[0] == pytest.approx(2 / 3)
    assert list(out.columns[:2]) == ["period", "period_start"]


def test_deal_kpis_bad_input():
    frame = to_frame(DEALS)
    mixed = frame.copy()
    mixed.loc[mixed.index[0], "currency"] = "USD"
    with pytest.raises(CurrencyMismatchError, match="the frame mixes currencies CNY, USD"):
        deal_kpis(mixed, PIPE, Q1)
    broken = frame.copy()
    broken.loc[broken.index[1], "amount"] = -1.0
    with pytest.raises(FrameValidationError):
        deal_kpis(broken, PIPE, Q1)
    with pytest.raises(InvalidInputError, match="periods is empty"):
        deal_kpis(frame, PIPE, [])
    with pytest.raises(InvalidInputError, match="period '2026' is not a Period"):
        deal_kpis(frame, PIPE, ["2026"])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match=r"by= names column\(s\) \['team'\]"):
        deal_kpis(frame, PIPE, Q1, by=["team"])


@given(pipelines(), st.data())
def test_deal_kpis_agrees_with_single_forms(pipeline, data):
    opps = data.draw(opportunity_sets(pipeline, max_size=8, with_history=False))
    period = Period.year(data.draw(st.integers(2022, 2027)))
    out = deal_kpis(to_frame(opps, model=Opportunity), pipeline, period)
    row = out.iloc[0]
    assert row["sales_amount"] == sales_amount(opps, pipeline, period, currency="USD").amount
    for single, column in ((win_rate, "win_rate"), (conversion_rate, "conversion_rate")):
        expected = single(opps, pipeline, period)
        assert (math.isnan(expected) and math.isnan(row[column])) or expected == row[column]
    size = average_deal_size(opps, pipeline, period, currency="USD")
    assert (math.isnan(size) and math.isnan(row["average_deal_size"])) or size == pytest.approx(
        row["average_deal_size"]
    )
    for column in ("win_rate", "conversion_rate"):
        assert math.isnan(row[column]) or 0.0 <= row[column] <= 1.0


@given(pipelines(), st.data())
def test_deal_kpis_counts_of_a_split_add_up(pipeline, data):
    opps = data.draw(opportunity_sets(pipeline, max_size=8, with_history=False))
    cut = data.draw(st.integers(0, len(opps)))
    periods = [Period.year(2025), Period.year(2026)]
    frame = to_frame(opps, model=Opportunity)
    whole, a, b = (
        deal_kpis(part, pipeline, periods) for part in (frame, frame.iloc[:cut], frame.iloc[cut:])
    )
    for column in ("won", "lost", "created", "created_won", "sales_amount"):
        assert (a[column] + b[column]).tolist() == whole[column].tolist()


@given(pipelines(), st.data())
def test_combine_deal_kpis_equals_deal_kpis_of_all_the_chunks(pipeline, data):
    opps = data.draw(opportunity_sets(pipeline, max_size=10, with_history=False))
    frame = to_frame(opps, model=Opportunity)
    frame["team"] = data.draw(
        st.lists(st.sampled_from(["E", "W", None]), min_size=len(frame), max_size=len(frame))
    )
    cuts = sorted(data.draw(st.lists(st.integers(0, len(frame)), max_size=3)))
    bounds = [0, *cuts, len(frame)]
    # Overlapping periods, one of them twice: a row's place in its segment names its period.
    periods = [Period.year(2025), Period.year(2026), Period.quarter(2026, 1), Period.year(2025)]
    by = data.draw(st.sampled_from([[], ["team"], ["owner_id", "team"]]))
    whole = deal_kpis(frame, pipeline, periods, by=by)
    parts = [deal_kpis(frame.iloc[a:b], pipeline, periods, by=by) for a, b in pairwise(bounds)]
    pd.testing.assert_frame_equal(combine_deal_kpis(parts, by=by), whole)


def test_combine_kpis_refuse_no_parts_and_foreign_frames():
    with pytest.raises(InvalidInputError, match="parts is empty"):
        combine_deal_kpis([])
    with pytest.raises(InvalidInputError, match=r"parts\[0\] is list"):
        combine_customer_kpis([[1, 2]])  # type: ignore[list-item]
    spans = pd.DataFrame({"customer_id": ["A"], "since": pd.to_datetime(["2025-01-01"])})
    with pytest.raises(InvalidInputError, match="parts\\[0\\] has no column 'won'"):
        combine_deal_kpis([customer_kpis(spans, Period.year(2025))])
    with pytest.raises(InvalidInputError, match="no column 'region'"):
        combine_customer_kpis([customer_kpis(spans, Period.year(2025))], by=["region"])


# -- customers ------------------------------------------------------------------------

SPANS = [
    CustomerSpan(customer_id="A", since=date(2025, 1, 1)),
    CustomerSpan(customer_id="B", since=date(2025, 5, 1), until=date(2026, 3, 1)),
    CustomerSpan(customer_id="C", since=date(2026, 2, 1)),
    CustomerSpan(customer_id="D", since=date(2026, 1, 10), until=date(2026, 2, 10)),
    CustomerSpan(customer_id="E", since=date(2025, 2, 1), until=date(2026, 4, 1)),
]


def test_customer_kpis_single_forms():
    # on 2026-01-01: A, B, E -> 3; end of Q1 (Mar 31): A, C, E -> 3
    assert customer_count(SPANS, date(2026, 1, 1)) == 3
    assert customer_count(SPANS, date(2026, 3, 31)) == 3
    # new in Q1: C, D
    assert new_customers(SPANS, Q1) == 2
    # lost of the starting 3: B (until Mar 1). E leaves on Apr 1 = after Q1. D was not there.
    assert churn_rate(SPANS, Q1) == pytest.approx(1 / 3)
    assert retention_rate(SPANS, Q1) == pytest.approx(2 / 3)
    assert math.isnan(churn_rate(SPANS, Period.year(2020)))
    assert math.isnan(retention_rate(SPANS, Period.year(2020)))


def test_customer_kpis_frame_matches():
    frame = pd.DataFrame(
        {
            "customer_id": [s.customer_id for s in SPANS],
            "since": [s.since for s in SPANS],
            "until": [s.until for s in SPANS],
            "region": ["N", "N", "S", "S", "S"],
        }
    )
    out = customer_kpis(frame, [Q1])
    row = out.iloc[0]
    assert (
        row["customers_start"],
        row["customers_end"],
        row["new_customers"],
        row["lost_customers"],
    ) == (3, 3, 2, 1)
    assert row["churn_rate"] + row["retention_rate"] == pytest.approx(1.0)
    by_region = customer_kpis(frame, [Q1], by=["region"])
    assert by_region["region"].tolist() == ["N", "S"]
    assert by_region["customers_start"].sum() == 3
    no_until = customer_kpis(frame.drop(columns="until"), Q1)
    assert no_until["lost_customers"].iloc[0] == 0


def test_customer_kpis_bad_rows_are_all_reported():
    frame = pd.DataFrame(
        {
            "customer_id": ["A", None, "C"],
            "since": [date(2025, 1, 1), date(2025, 1, 1), None],
            "until": [date(2024, 1, 1), "soon", None],
        }
    )
    with pytest.raises(FrameValidationError, match="customer frame has 4 failure") as info:
        customer_kpis(frame, Q1)
    assert set(zip(info.value.failures["row"], info.value.failures["reason"], strict=True)) == {
        (0, "not_after_since"),
        (1, "not_null"),
        (1, "wrong_type"),
        (2, "not_null_date"),
    }
    with pytest.raises(FrameValidationError, match=r"lacks column\(s\) \['since'\]"):
        customer_kpis(frame.drop(columns="since"), Q1)


def test_customer_span_rejects_until_before_since():
    with pytest.raises(InvalidInputError, match="until 2025-01-01 must be after since"):
        CustomerSpan(customer_id="A", since=date(2025, 1, 1), until=date(2025, 1, 1))


spans = st.lists(
    st.tuples(st.integers(0, 800), st.none() | st.integers(1, 400)), min_size=0, max_size=15
).map(
    lambda xs: [
        CustomerSpan(
            customer_id=f"C{i}",
            since=date(2024, 1, 1) + pd.Timedelta(days=s).to_pytimedelta(),
            until=None
            if u is None
            else date(2024, 1, 1) + pd.Timedelta(days=s + u).to_pytimedelta(),
        )
        for i, (s, u) in enumerate(xs)
    ]
)


@given(spans, st.lists(st.integers(0, 30), max_size=3))
def test_combine_customer_kpis_equals_customer_kpis_of_all_the_chunks(customers, cuts):
    frame = pd.DataFrame(
        {
            "customer_id": [c.customer_id for c in customers],
            "region": ["N" if i % 3 else "S" for i in range(len(customers))],
            "since": pd.to_datetime([c.since for c in customers]),
            "until": pd.to_datetime([c.until for c in customers]),
        }
    )
    bounds = [0, *sorted(min(c, len(frame)) for c in cuts), len(frame)]
    periods = [Period.year(2024), Period.quarter(2025, 3), Period.month(2024, 6)]
    for by in ([], ["region"]):
        whole = customer_kpis(frame, periods, by=by)
        parts = [customer_kpis(frame.iloc[a:b], periods, by=by) for a, b in pairwise(bounds)]
        pd.testing.assert_frame_equal(combine_customer_kpis(parts, by=by), whole)


@given(spans, st.sampled_from([Period.year(2025), Period.quarter(2025, 3), Period.month(2024, 6)]))
def test_customer_kpis_agrees_with_single_forms_and_rates_in_bounds(customers, period):
    frame = pd.DataFrame(
        {
            "customer_id": [c.customer_id for c in customers],
            "since": pd.to_datetime([c.since for c in customers]),
            "until": pd.to_datetime([c.until for c in customers]),
        }
    )
    row = customer_kpis(frame, period).iloc[0]
    assert row["new_customers"] == new_customers(customers, period)
    assert row["customers_start"] == customer_count(customers, period.start)
    assert row["customers_end"] == customer_count(customers, period.last_day)
    churn = churn_rate(customers, period)
    assert (math.isnan(churn) and math.isnan(row["churn_rate"])) or churn == row["churn_rate"]
    if not math.isnan(churn):
        assert 0.0 <= churn <= 1.0
        assert churn + retention_rate(customers, period) == pytest.approx(1.0)
    # the flow identity: end = start + new - lost - (new ones gone by the end)
    assert (
        row["customers_end"]
        <= row["customers_start"] + row["new_customers"] - row["lost_customers"]
    )


# -- growth and market share ---------------------------------------------------------


def test_growth_rate_examples_and_errors():
    assert growth_rate(1100, 1000) == pytest.approx(0.1)
    assert growth_rate(-50, -100) == pytest.approx(0.5)  # (-50 - -100) / |-100|
    assert math.isnan(growth_rate(5, 0))
    with pytest.raises(CurrencyMismatchError, match="cannot compare USD with CNY"):
        growth_rate(Money(1, "USD"), Money(1, "CNY"))
    with pytest.raises(InvalidInputError, match="current 'x' is not a number"):
        growth_rate("x", 1)


def test_growth_rates_period_over_period_and_year_over_year():
    idx = pd.period_range("2024-01", periods=15, freq="M")
    values = pd.Series(np.arange(100.0, 115.0), index=idx)
    before = values.copy()
    yoy = growth_rates(values, lag="yoy")
    pd.testing.assert_series_equal(values, before)
    # 2025-01 (112) vs 2024-01 (100): 0.12
    assert float(yoy["growth"].loc["2025-01"]) == pytest.approx(0.12)
    assert math.isnan(float(yoy["growth"].loc["2024-12"]))
    pop = growth_rates(values.drop(pd.Period("2024-05", "M")))
    # 2024-06 has no previous month in the series -> NaN
    assert math.isnan(float(pop["growth"].loc["2024-06"]))
    quarterly = pd.Series(
        [10.0, 0.0, 5.0, 1.0, 20.0], index=pd.period_range("2024Q1", periods=5, freq="Q")
    )
    q = growth_rates(quarterly, lag="yoy")
    assert q["growth"].iloc[-1] == pytest.approx(1.0)  # 20 vs 10
    assert math.isnan(growth_rates(quarterly)["growth"].iloc[2])  # from 0: undefined


def test_growth_rates_bad_input():
    with pytest.raises(InvalidInputError, match="indexed by a pandas PeriodIndex, not RangeIndex"):
        growth_rates(pd.Series([1.0, 2.0]))
    idx = pd.PeriodIndex(["2024-01", "2024-01"], freq="M")
    with pytest.raises(InvalidInputError, match="repeated periods"):
        growth_rates(pd.Series([1.0, 2.0], index=idx))
    weekly = pd.Series([1.0, 2.0], index=pd.period_range("2024-01-01", periods=2, freq="W"))
    with pytest.raises(
        InvalidInputError, match="year-over-year needs monthly, quarterly or yearly"
    ):
        growth_rates(weekly, lag="yoy")
    with pytest.raises(InvalidInputError, match="lag 'wow' is not allowed"):
        growth_rates(weekly, lag="wow")  # type: ignore[arg-type]


def test_market_share_examples_and_errors():
    assert market_share(250, 1000) == 0.25
    assert market_share(Money("250", "CNY"), Money("1000", "CNY")) == 0.25
    assert math.isnan(market_share(0, 0))
    with pytest.raises(CurrencyMismatchError, match="sales in USD and market size in CNY"):
        market_share(Money(1, "USD"), Money(2, "CNY"))
    with pytest.raises(InvalidInputError, match="exceed the market size"):
        market_share(1200, 1000)
    with pytest.raises(InvalidInputError, match=r"market_size -5\.0 at 0 is negative"):
        market_share(0, -5)


def test_market_share_frame_aligns_on_index():
    out = market_share_frame(pd.Series({"E": 30.0, "W": 10.0}), pd.Series({"E": 120.0, "N": 50.0}))
    assert out["E"] == 0.25
    assert math.isnan(out["W"])
    assert math.isnan(out["N"])


# -- satisfaction -------------------------------------------------------------------------


def test_csat_and_nps_examples():
    assert csat([5, 4, 3, 5, 1]) == 0.6  # 3 of 5 answers are 4 or 5
    assert csat([7, 6, 5], scale=7, top_box=1) == pytest.approx(1 / 3)
    assert math.isnan(csat([]))
    assert nps([10, 9, 8, 7, 6, 0]) == 0.0  # 2 promoters - 2 detractors
    assert nps(np.array([10, 10, 9, 3])) == 0.5
    assert math.isnan(nps([]))


def test_csat_and_nps_reject_bad_scores():
    with pytest.raises(
        InvalidInputError, match=r"CSAT score 6 at position 1 is not a whole number in \[1, 5\]"
    ):
        csat([5, 6])
    with pytest.raises(InvalidInputError, match=r"NPS score 9\.5 at position 0"):
        nps([9.5])
    with pytest.raises(InvalidInputError, match="NPS score True"):
        nps([True])
    with pytest.raises(InvalidInputError, match="top_box 5 must be in"):
        csat([5], top_box=5)
    with pytest.raises(InvalidInputError, match="scale 1 is too small"):
        csat([1], scale=1)


def test_survey_kpis_csat_by_segment():
    df = pd.DataFrame(
        {
            "answered_on": pd.to_datetime(["2026-01-03", "2026-01-20", "2026-02-07", "2026-01-09"]),
            "score": [5, 2, 4, 4],
            "team": ["E", "E", "E", "W"],
        }
    )
    out = survey_kpis(df, [Period.month(2026, 1)], kind="csat", by=["team"])
    assert out[["team", "responses", "satisfied"]].values.tolist() == [["E", 2, 1], ["W", 1, 1]]
    assert out["csat"].tolist() == [0.5, 1.0]
    empty = survey_kpis(df, Period.month(2026, 5), kind="csat")
    assert math.isnan(empty["csat"].iloc[0])
    nps_out = survey_kpis(df.assign(score=[10, 7, 0, 8]), Period.year(2026), kind="nps")
    assert nps_out[["promoters", "passives", "detractors"]].values.tolist() == [[1, 2, 1]]


def test_survey_kpis_bad_input():
    df = pd.DataFrame({"answered_on": [date(2026, 1, 1), None], "score": [11, 3]})
    with pytest.raises(FrameValidationError, match="survey frame has 2 failure") as info:
        survey_kpis(df, Q1, kind="nps")
    assert info.value.failures["reason"].tolist() == ["not_null_date", "out_of_range"]
    with pytest.raises(InvalidInputError, match="kind 'ces' is not allowed"):
        survey_kpis(df, Q1, kind="ces")  # type: ignore[arg-type]
    with pytest.raises(FrameValidationError, match=r"lacks column\(s\) \['score'\]"):
        survey_kpis(df.drop(columns="score"), Q1, kind="csat")


@given(st.lists(st.integers(0, 10), max_size=30))
def test_nps_is_within_minus_one_and_one_and_bulk_agrees(scores):
    value = nps(scores)
    df = pd.DataFrame(
        {"answered_on": pd.to_datetime(["2026-01-15"] * len(scores)), "score": scores}
    )
    bulk = survey_kpis(df, Q1, kind="nps")["nps"].iloc[0]
    if scores:
        assert -1.0 <= value <= 1.0
        assert value == bulk
    else:
        assert math.isnan(value) and math.isnan(bulk)


# -- quota attainment -----------------------------------------------------------------------


def test_quota_attainment_distribution():
    d = quota_attainment(
        {"R1": 120, "R2": 80, "R3": 100, "R4": 5}, {"R1": 100, "R2": 100, "R3": 100, "R4": 0}
    )
    # attainments 1.2, 0.8, 1.0 (R4 has no quota): 2 of 3 at or above
    assert (d.reps, d.with_quota, d.at_or_above) == (4, 3, 2)
    assert d.share_at_or_above == pytest.approx(2 / 3)
    assert d.mean == pytest.approx(1.0)
    # p10 of [0.8, 1.0, 1.2]: 0.8 + 0.2 * 0.2 = 0.84; p90: 1.0 + 0.8 * 0.2 = 1.16
    assert (d.p10, d.median, d.p90) == pytest.approx((0.84, 1.0, 1.16))
    money = quota_attainment({"R1": Money(50, "CNY")}, {"R1": Money(100, "CNY")})
    assert money.median == 0.5
    none = quota_attainment({"R1": 5}, {"R1": 0})
    assert math.isnan(none.share_at_or_above)


def test_quota_attainment_bad_input():
    with pytest.raises(
        InvalidInputError, match=r"achieved and quota name different reps: \['R2'\]"
    ):
        quota_attainment({"R1": 1, "R2": 1}, {"R1": 1})
    with pytest.raises(CurrencyMismatchError, match="attainment mixes currencies CNY, USD"):
        quota_attainment({"R1": Money(1, "USD")}, {"R1": Money(1, "CNY")})
    df = pd.DataFrame({"rep_id": ["R1", "R2"], "achieved": [1.0, np.inf], "quota": [-1.0, 1.0]})
    with pytest.raises(FrameValidationError, match="attainment frame has 2 failure") as info:
        quota_attainment_frame(df)
    assert set(info.value.failures["reason"]) == {"not_finite", "negative"}


@given(
    st.lists(
        st.tuples(st.sampled_from("AB"), st.integers(0, 200), st.integers(0, 150)), max_size=20
    )
)
def test_quota_attainment_frame_agrees_with_single_form(rows):
    df = pd.DataFrame(rows, columns=["team", "achieved", "quota"]).assign(
        rep_id=[f"R{i}" for i in range(len(rows))]
    )
    out = quota_attainment_frame(df, by=["team"])
    for _, row in out.iterrows():
        part = df[df["team"] == row["team"]]
        single = quota_attainment(
            dict(zip(part["rep_id"], part["achieved"], strict=True)),
            dict(zip(part["rep_id"], part["quota"], strict=True)),
        )
        assert single.with_quota == row["with_quota"]
        share = single.share_at_or_above
        assert (math.isnan(share) and math.isnan(row["share_at_or_above"])) or share == row[
            "share_at_or_above"
        ]
        assert math.isnan(share) or 0.0 <= share <= 1.0
