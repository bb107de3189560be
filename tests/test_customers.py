from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.calendar import Period
from salescore.customers import (
    ORDER_LINES,
    AbcGrades,
    Concentration,
    CustomerSpans,
    CustomerSummary,
    KeyAccountRule,
    KeyAccounts,
    OrderLine,
    RepeatPurchase,
    RfmBins,
    RfmScores,
    abc_grades,
    concentration,
    customer_spans,
    customer_summary,
    key_accounts,
    lines_frame,
    repeat_purchase_rate,
    rfm_scores,
)
from salescore.errors import CurrencyMismatchError, FrameValidationError, InvalidInputError
from salescore.kpi import churn_rate, customer_count, customer_kpis
from salescore.serialization import Result
from salescore.testing import order_line_frames, order_lines

D = date.fromisoformat
AS_OF = date(2027, 1, 1)


def line(order, customer, on, amount, *, currency="CNY", line_id=None):
    return OrderLine(
        order_id=order,
        customer_id=customer,
        ordered_on=D(on) if isinstance(on, str) else on,
        amount=amount,
        currency=currency,
        line_id=line_id,
    )


def frame(rows, **extra):
    """A frame from (order, customer, on, amount) tuples, in CNY."""
    df = pd.DataFrame(rows, columns=["order_id", "customer_id", "ordered_on", "amount"])
    df["ordered_on"] = pd.to_datetime(df["ordered_on"])
    df["currency"] = "CNY"
    return df.assign(**extra)


# --------------------------------------------------------------------------- summary
def test_customer_summary_counts_orders_lines_and_revenue():
    lines = [
        line("O1", "B", "2026-01-05", "30.10"),
        line("O1", "B", "2026-01-05", "0.05"),
        line("O2", "B", "2026-03-01", 12),
        line("O3", "A", "2026-02-09", 70),
    ]
    c = customer_summary(lines).customers
    assert c["customer_id"].tolist() == ["A", "B"]
    assert c["orders"].tolist() == [1, 2]
    assert c["lines"].tolist() == [1, 3]
    assert c["revenue"].tolist() == [Decimal("70.00"), Decimal("42.15")]
    assert c["revenue_minor"].tolist() == [7000, 4215]
    assert c["first_order_on"].dt.date.tolist() == [D("2026-02-09"), D("2026-01-05")]
    assert c["last_order_on"].dt.date.tolist() == [D("2026-02-09"), D("2026-03-01")]


def test_customer_summary_float_amounts_read_by_shortest_repr():
    # 0.1 + 0.2 lines: 30 cents exactly; 2.675 rounds half to even at the cent, to 2.68.
    df = frame(
        [
            ("O1", "A", "2026-01-05", 0.1),
            ("O1", "A", "2026-01-05", 0.2),
            ("O2", "B", "2026-01-05", 2.675),
        ]
    )
    c = customer_summary(df).customers
    assert c["revenue"].tolist() == [Decimal("0.30"), Decimal("2.68")]


def test_customer_summary_matches_pandas_groupby():
    rng = np.random.default_rng(3)
    n = 500
    df = pd.DataFrame(
        {
            "order_id": rng.integers(0, 150, n).astype(str),
            "customer_id": rng.integers(0, 40, n).astype(str),
            "ordered_on": pd.Timestamp("2025-01-01")
            + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
            "amount": rng.integers(0, 10_000, n) / 100,
            "currency": "CNY",
        }
    )
    c = customer_summary(df).customers.set_index("customer_id")
    g = df.groupby("customer_id")
    expected = pd.DataFrame(
        {
            "orders": g["order_id"].nunique(),
            "lines": g.size(),
            "revenue_minor": (g["amount"].sum() * 100).round().astype(np.int64),
            "last": g["ordered_on"].max(),
        }
    ).sort_index()
    assert c["orders"].tolist() == expected["orders"].tolist()
    assert c["lines"].tolist() == expected["lines"].tolist()
    assert c["revenue_minor"].tolist() == expected["revenue_minor"].tolist()
    assert c["last_order_on"].tolist() == expected["last"].tolist()


def test_customer_summary_keeps_input_unchanged():
    df = frame([("O1", "A", "2026-01-05", 10.0)])
    before = df.copy()
    customer_summary(df)
    pd.testing.assert_frame_equal(df, before)


# --------------------------------------------------------------------------- bad input
def test_customer_summary_bad_rows_go_to_errors():
    df = frame(
        [
            ("O1", "A", "2026-01-05", 10.0),
            ("O2", "B", "2026-01-06", float("nan")),
            ("O3", "C", "2026-01-07", -5.0),
            ("O4", " ", "2026-01-08", 3.0),
            ("O5", "D", None, 3.0),
        ],
        line_id=["L1", "L2", "L3", "L4", "L5"],
    )
    out = customer_summary(df)
    assert out.lines_used == 1
    assert out.customers["customer_id"].tolist() == ["A"]
    reasons = dict(zip(out.errors["row"], out.errors["reason"], strict=True))
    assert reasons == {1: "not_null", 2: "negative", 3: "not_null", 4: "not_null"}


def test_customer_summary_duplicate_line_ids_reported():
    df = frame(
        [
            ("O1", "A", "2026-01-05", 1.0),
            ("O2", "A", "2026-01-06", 2.0),
            ("O3", "B", "2026-01-07", 3.0),
        ],
        line_id=["L1", "L1", "L2"],
    )
    out = customer_summary(df)
    assert out.lines_used == 1
    assert sorted(out.errors["row"]) == [0, 1]
    assert set(out.errors["reason"]) == {"duplicate"}


def test_customer_summary_duplicate_line_ids_in_models_raise():
    lines = [
        line("O1", "A", "2026-01-05", 1, line_id="L1"),
        line("O2", "A", "2026-01-06", 2, line_id="L1"),
    ]
    with pytest.raises(InvalidInputError, match="line_id 'L1' appears more than once"):
        customer_summary(lines)


def test_customer_summary_aware_dates_reported():
    df = frame([("O1", "A", "2026-01-05", 1.0), ("O2", "B", "2026-01-06", 2.0)])
    # A naive/aware mix: the aware one is reported, the plain date is used.
    df["ordered_on"] = pd.Series(
        [date(2026, 1, 5), pd.Timestamp("2026-01-06", tz="Asia/Shanghai")], dtype=object
    )
    out = customer_summary(df)
    assert out.errors[["row", "reason"]].values.tolist() == [[1, "aware_date"]]
    assert out.customers["customer_id"].tolist() == ["A"]


def test_order_line_datetime_refused():
    with pytest.raises(InvalidInputError, match=r"timezone-aware datetime; a plain date"):
        line("O1", "A", datetime(2026, 1, 5, tzinfo=UTC), 1)
    with pytest.raises(InvalidInputError, match=r"naive datetime; a plain date"):
        line("O1", "A", datetime(2026, 1, 5), 1)


def test_order_line_quantity_checked():
    ok = OrderLine(
        order_id="O",
        customer_id="C",
        ordered_on=D("2026-01-01"),
        amount=1,
        currency="CNY",
        quantity=2.5,
    )
    assert ok.quantity == Decimal("2.5")
    with pytest.raises(InvalidInputError, match="quantity -1 is negative"):
        OrderLine(
            order_id="O",
            customer_id="C",
            ordered_on=D("2026-01-01"),
            amount=1,
            currency="CNY",
            quantity=-1,
        )


def test_customer_summary_mixed_currencies_raise():
    lines = [line("O1", "A", "2026-01-05", 1), line("O2", "B", "2026-01-05", 1, currency="USD")]
    with pytest.raises(CurrencyMismatchError, match="mix currencies CNY, USD"):
        customer_summary(lines)
    with pytest.raises(CurrencyMismatchError, match="CNY, USD"):
        customer_summary(lines_frame(lines))


def test_customer_summary_empty_input_raises():
    with pytest.raises(InvalidInputError, match="no order lines were given"):
        customer_summary([])
    with pytest.raises(InvalidInputError, match="no order lines were given"):
        customer_summary(frame([]))
    with pytest.raises(InvalidInputError, match="neither a list of OrderLine"):
        customer_summary("lines")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="order line 0 is a dict"):
        customer_summary([{"order_id": "O1"}])  # type: ignore[list-item]


def test_customer_summary_all_rows_bad_raise_with_failures():
    df = frame([("O1", "A", "2026-01-05", -1.0), ("O2", "B", "2026-01-06", float("inf"))])
    with pytest.raises(FrameValidationError, match="all 2 line") as info:
        customer_summary(df)
    assert sorted(info.value.failures["reason"]) == ["negative", "not_finite"]


def test_customer_summary_missing_column_raises():
    with pytest.raises(FrameValidationError, match="currency"):
        customer_summary(frame([("O1", "A", "2026-01-05", 1.0)]).drop(columns="currency"))


def test_customer_summary_lines_after_as_of_reported():
    lines = [line("O1", "A", "2026-01-05", 1), line("O2", "A", "2026-02-05", 1)]
    for given_lines in (lines, lines_frame(lines)):
        out = customer_summary(given_lines, as_of=D("2026-01-31"))
        assert out.lines_used == 1
        assert out.errors[["row", "reason"]].values.tolist() == [[1, "after_as_of"]]
        assert out.errors["value"].tolist() == [D("2026-02-05")]
    with pytest.raises(FrameValidationError, match="after_as_of"):
        customer_summary(lines, as_of=D("2025-12-31"))
    with pytest.raises(InvalidInputError, match="must be a plain date"):
        customer_summary(lines, as_of=datetime(2026, 1, 1))


@given(order_line_frames(max_orders=15), st.data())
def test_customer_summary_rows_in_equal_rows_out_plus_errors(df, data):
    broken = df.copy()
    n = len(broken)
    bad = data.draw(st.lists(st.integers(0, n - 1), max_size=n, unique=True))
    kinds = data.draw(
        st.lists(
            st.sampled_from(["nan", "neg", "blank", "cur"]), min_size=len(bad), max_size=len(bad)
        )
    )
    for i, kind in zip(bad, kinds, strict=True):
        if kind == "nan":
            broken.loc[i, "amount"] = np.nan
        elif kind == "neg":
            broken.loc[i, "amount"] = -1.0
        elif kind == "blank":
            broken.loc[i, "customer_id"] = ""
        else:
            broken.loc[i, "currency"] = "RMB"
    if len(bad) == n:
        with pytest.raises(FrameValidationError):
            customer_summary(broken)
        return
    out = customer_summary(broken)
    assert out.lines_used + out.errors["row"].nunique() == n
    assert set(out.errors["row"]) == set(bad)
    assert int(out.customers["lines"].sum()) == out.lines_used


# --------------------------------------------------------------------------- single vs bulk
@given(order_lines())
def test_customers_models_and_frame_agree(lines):
    df = lines_frame(lines)
    as_of = max(x.ordered_on for x in lines)
    for fn in (
        lambda x: customer_summary(x).customers,
        lambda x: customer_spans(x, as_of=as_of, churn_after_days=90).spans,
        lambda x: abc_grades(x).grades if _total(lines) else None,
        lambda x: rfm_scores(x, as_of=as_of, k=4).scores,
        lambda x: repeat_purchase_rate(x, cohort="month").cohorts,
    ):
        one, many = fn(lines), fn(df)
        if one is None or many is None:
            continue
        pd.testing.assert_frame_equal(one, many)


def _total(lines):
    return sum(x.amount for x in lines)


# --------------------------------------------------------------------------- spans
def test_customer_spans_churn_and_return():
    lines = [
        line("1", "A", "2025-01-10", 10),
        line("2", "A", "2025-03-01", 10),
        line("3", "A", "2025-12-01", 10),  # 275 days after the last: A churned and came back
        line("4", "B", "2025-02-01", 10),
        line("5", "C", "2026-01-20", 10),
    ]
    out = customer_spans(lines, as_of=D("2026-01-31"), churn_after_days=180)
    s = out.spans
    assert s["customer_id"].tolist() == ["A", "A", "B", "C"]
    assert s["since"].dt.date.tolist() == [
        D("2025-01-10"),
        D("2025-12-01"),
        D("2025-02-01"),
        D("2026-01-20"),
    ]
    # 2025-03-01 + 180 days = 2025-08-28; 2025-02-01 + 180 = 2025-07-31.
    assert [None if pd.isna(u) else u.date() for u in s["until"]] == [
        D("2025-08-28"),
        None,
        D("2025-07-31"),
        None,
    ]
    assert s["orders"].tolist() == [2, 1, 1, 1]
    assert s["revenue"].tolist() == [Decimal("20.00")] + [Decimal("10.00")] * 3
    models = out.models()
    assert customer_count(models, D("2026-01-31")) == 2  # A (back) and C
    assert churn_rate(models, Period.quarter(2025, 3)) == 1.0  # A and B, both lost in Q3


def test_customer_spans_boundaries():
    # Orders exactly churn_after_days apart stay one span; one day more opens a second.
    lines = [
        line("1", "A", "2026-01-01", 1),
        line("2", "A", "2026-01-31", 1),
        line("3", "A", "2026-03-03", 1),
    ]
    s = customer_spans(lines, as_of=D("2026-04-01"), churn_after_days=30).spans
    assert s["since"].dt.date.tolist() == [D("2026-01-01"), D("2026-03-03")]
    until = s["until"].tolist()
    assert until[0].date() == D("2026-03-02") and pd.isna(until[1])
    # Lost exactly on as_of: until == as_of is set.
    s = customer_spans(lines, as_of=D("2026-04-02"), churn_after_days=30).spans
    assert s["until"].tolist()[1].date() == D("2026-04-02")


def test_customer_spans_without_rule_one_open_span_each():
    lines = [line("1", "A", "2020-01-01", 1), line("2", "A", "2026-01-31", 1)]
    out = customer_spans(lines, as_of=D("2026-02-01"))
    assert len(out.spans) == 1 and pd.isna(out.spans["until"].iloc[0])
    assert out.churn_after_days is None


def test_customer_spans_feed_customer_kpis():
    lines = [line("1", "A", "2025-01-10", 10), line("2", "B", "2025-06-01", 10)]
    spans = customer_spans(lines, as_of=D("2026-01-01"), churn_after_days=365).spans
    kpis = customer_kpis(spans, Period.year(2025))
    assert kpis[["customers_start", "customers_end", "new_customers"]].values.tolist() == [
        [0, 2, 2]
    ]


def test_customer_spans_bad_rule():
    lines = [line("1", "A", "2025-01-10", 10)]
    for bad in (0, -1, 1.5, True):
        with pytest.raises(InvalidInputError, match="churn_after_days"):
            customer_spans(lines, as_of=D("2026-01-01"), churn_after_days=bad)  # type: ignore[arg-type]


@given(order_lines(), st.integers(1, 400))
def test_customer_spans_partition_lines_and_do_not_overlap(lines, days):
    as_of = max(x.ordered_on for x in lines)
    out = customer_spans(lines, as_of=as_of, churn_after_days=days)
    s = out.spans
    assert int(s["lines"].sum()) == out.lines_used == len(lines)
    assert int(s["revenue_minor"].sum()) == sum(int(x.amount * 100) for x in lines)
    for _, g in s.groupby("customer_id"):
        ends = g["until"].tolist()
        starts = g["since"].tolist()
        assert all(pd.notna(ends[i]) and ends[i] < starts[i + 1] for i in range(len(g) - 1))
        assert all(pd.isna(u) or u <= pd.Timestamp(as_of) for u in ends)


# --------------------------------------------------------------------------- repeat purchase
def test_repeat_purchase_rate_window_and_cohorts():
    lines = [
        line("1", "A", "2025-11-10", 10),
        line("2", "A", "2026-01-05", 10),
        line("3", "A", "2026-01-05", 5),  # a second order the same day
        line("4", "B", "2026-01-09", 10),
        line("4", "B", "2026-01-09", 10),  # a second line of the same order: not a repeat
        line("5", "C", "2026-02-11", 10),
        line("6", "C", "2026-03-31", 10),
        line("7", "D", "2026-04-01", 10),  # outside the window
    ]
    out = repeat_purchase_rate(lines, period=Period.quarter(2026, 1))
    assert (out.customers, out.repeat_customers) == (3, 2)
    assert out.rate == pytest.approx(2 / 3)
    assert out.cohorts["cohort"].tolist() == ["2025-Q4", "2026-Q1"]
    assert out.cohorts["customers"].tolist() == [1, 2]
    assert out.cohorts["repeat_customers"].tolist() == [1, 1]
    months = repeat_purchase_rate(lines, cohort="month").cohorts
    assert months["cohort"].tolist() == ["2025-11", "2026-01", "2026-02", "2026-04"]
    assert months["repeat_purchase_rate"].tolist() == [1.0, 0.0, 1.0, 0.0]
    years = repeat_purchase_rate(lines, cohort="year")
    assert years.cohorts["cohort"].tolist() == ["2025", "2026"]
    assert years.rate == 0.5  # A and C of A, B, C, D


def test_repeat_purchase_rate_empty_window_is_nan():
    out = repeat_purchase_rate([line("1", "A", "2025-11-10", 10)], period=Period.year(2030))
    assert np.isnan(out.rate) and out.customers == 0 and len(out.cohorts) == 0


def test_repeat_purchase_rate_bad_arguments():
    lines = [line("1", "A", "2025-11-10", 10)]
    with pytest.raises(InvalidInputError, match="cohort 'week'"):
        repeat_purchase_rate(lines, cohort="week")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="is not a Period"):
        repeat_purchase_rate(lines, period="2026")  # type: ignore[arg-type]


@given(order_lines(), st.sampled_from(["month", "quarter", "year"]))
def test_repeat_purchase_rate_cohorts_add_up(lines, grain):
    out = repeat_purchase_rate(lines, cohort=grain)
    assert (
        int(out.cohorts["customers"].sum()) == out.customers == len({x.customer_id for x in lines})
    )
    assert int(out.cohorts["repeat_customers"].sum()) == out.repeat_customers
    orders: dict[str, set[str]] = {}
    for x in lines:
        orders.setdefault(x.customer_id, set()).add(x.order_id)
    assert out.repeat_customers == sum(len(v) >= 2 for v in orders.values())


# --------------------------------------------------------------------------- ABC
def _per_customer(amounts):
    return [line(c, c, "2026-01-05", v) for c, v in amounts]


def test_abc_grades_hand_checked():
    out = abc_grades(_per_customer([("A", 500), ("B", 300), ("C", 100), ("D", 60), ("E", 40)]))
    assert out.grades["grade"].tolist() == ["A", "A", "B", "B", "C"]
    assert out.classes["revenue_minor"].tolist() == [80000, 16000, 4000]


def test_abc_grades_threshold_is_strict():
    # Before C the top two hold exactly 80 %: C is not A; before D, exactly 95 %: D is C.
    out = abc_grades(_per_customer([("A", 40), ("B", 40), ("C", 15), ("D", 5)]))
    assert out.grades["grade"].tolist() == ["A", "A", "B", "C"]


def test_abc_grades_ties_share_the_grade_of_the_first():
    # Z and Y tie at 25: the first of them starts at 50 % (< 60 %), so both are A.
    out = abc_grades(_per_customer([("X", 50), ("Z", 25), ("Y", 25)]), a=0.6, b=0.9)
    g = out.grades
    assert g["customer_id"].tolist() == ["X", "Y", "Z"]
    assert g["rank"].tolist() == [1, 2, 2]
    assert g["grade"].tolist() == ["A", "A", "A"]


def test_abc_grades_zero_revenue_customer_is_c():
    out = abc_grades(_per_customer([("A", 10), ("B", 0)]))
    assert out.grades["grade"].tolist() == ["A", "C"]


def test_abc_grades_bad_input():
    lines = _per_customer([("A", 10)])
    for a, b in ((0.9, 0.8), (0, 0.5), (0.5, 1.2), ("0.8", 0.9), (True, 0.9)):
        with pytest.raises(InvalidInputError, match="threshold"):
            abc_grades(lines, a=a, b=b)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="total revenue is 0"):
        abc_grades(_per_customer([("A", 0)]))


def test_abc_grades_threshold_decided_exactly():
    # Shares equal to a threshold are decided on the exact integers, not the floats.
    out = abc_grades(_per_customer([("A", 2), ("B", 1), ("C", 3)]), a=0.5, b=0.99)
    assert out.grades["grade"].tolist() == ["A", "B", "B"]  # C 50 %, then A at 50 %: not < 0.5


@given(order_lines(), st.floats(0.05, 0.9), st.floats(0.01, 0.5))
def test_abc_grades_classes_partition_customers(lines, a, gap):
    if not _total(lines):
        return
    b = min(a + gap, 1.0)
    out = abc_grades(lines, a=a, b=b)
    g = out.grades
    customers = {x.customer_id for x in lines}
    assert set(g["customer_id"]) == customers and len(g) == len(customers)
    assert set(g["grade"]) <= {"A", "B", "C"}
    assert int(out.classes["customers"].sum()) == len(customers)
    assert int(out.classes["revenue_minor"].sum()) == int(g["revenue_minor"].sum())
    assert float(out.classes["share"].sum()) == pytest.approx(1.0, abs=1e-12)
    assert float(g["share"].sum()) == pytest.approx(1.0, abs=1e-12)
    # Grades never get better as revenue falls; the A class is never empty.
    letters = g["grade"].tolist()
    assert letters == sorted(letters) and letters[0] == "A"


# --------------------------------------------------------------------------- RFM
RFM_ROWS = [
    ("1", "A", "2026-03-20", 900),
    ("2", "A", "2026-03-01", 100),
    ("3", "B", "2026-01-10", 50),
    ("4", "C", "2026-03-25", 300),
    ("5", "C", "2025-12-01", 40),
    ("6", "C", "2026-02-02", 60),
]


def test_rfm_scores_quantile_hand_checked():
    out = rfm_scores([line(*r) for r in RFM_ROWS], as_of=D("2026-03-31"), k=3)
    s = out.scores
    assert s["recency_days"].tolist() == [11, 80, 6]
    # Recency: C best (0 worse... 2 worse), A (1 worse), B (0 worse): 1 + 3w // 3.
    assert s["r"].tolist() == [2, 1, 3]
    assert s["f"].tolist() == [2, 1, 3]
    assert s["m"].tolist() == [3, 1, 2]
    assert s["total"].tolist() == [7, 3, 8]


def test_rfm_scores_ties_share_a_score():
    lines = [line(c, c, "2026-01-01", 10) for c in "ABCD"] + [line("E", "E", "2026-01-02", 20)]
    s = rfm_scores(lines, as_of=D("2026-01-31"), k=5).scores
    assert s["m"].tolist() == [1, 1, 1, 1, 5]  # 4 of 5 worse than E: 1 + 5*4 // 5
    assert s["r"].tolist() == [1, 1, 1, 1, 5]
    assert s["f"].tolist() == [1] * 5


def test_rfm_scores_bins_hand_checked():
    bins = RfmBins(recency=(10, 30), frequency=(2, 3), monetary=("100", "400.005"))
    out = rfm_scores([line(*r) for r in RFM_ROWS], as_of=D("2026-03-31"), method="bins", bins=bins)
    s = out.scores
    # A: 11 days (edge 10 -> middle), 2 orders (on edge 2 -> upper), 1000 -> top.
    # B: 80 days -> 1, 1 order -> 1, 50 -> 1.  C: 6 days -> 3, 3 orders -> 3, 400 < 400.005 -> 2.
    assert s["rfm"].tolist() == ["223", "111", "332"]
    assert out.k == 3 and out.method == "bins"


def test_rfm_scores_from_summary():
    lines = [line(*r) for r in RFM_ROWS]
    summary = customer_summary(lines, as_of=D("2026-03-31"))
    direct = rfm_scores(lines, as_of=D("2026-03-31"), k=3)
    pd.testing.assert_frame_equal(rfm_scores(summary, k=3).scores, direct.scores)
    later = rfm_scores(summary, as_of=D("2026-04-30"), k=3).scores
    assert later["recency_days"].tolist() == [41, 110, 36]
    with pytest.raises(InvalidInputError, match="before the summary's as_of"):
        rfm_scores(summary, as_of=D("2026-03-01"))
    plain = customer_summary(lines)
    with pytest.raises(InvalidInputError, match="as_of is required"):
        rfm_scores(plain)
    with pytest.raises(InvalidInputError, match="before the summary's last order"):
        rfm_scores(plain, as_of=D("2026-03-01"))


def test_rfm_scores_bad_arguments():
    lines = [line(*r) for r in RFM_ROWS]
    for k in (1, 10, 2.0, True):
        with pytest.raises(InvalidInputError, match="k "):
            rfm_scores(lines, as_of=D("2026-03-31"), k=k)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="method 'deciles'"):
        rfm_scores(lines, as_of=D("2026-03-31"), method="deciles")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="needs bins=RfmBins"):
        rfm_scores(lines, as_of=D("2026-03-31"), method="bins")
    with pytest.raises(InvalidInputError, match="as_of is required"):
        rfm_scores(lines)


def test_rfm_bins_validated():
    with pytest.raises(InvalidInputError, match="strictly increasing"):
        RfmBins(recency=(30, 30), frequency=(2, 3), monetary=(1, 2))
    with pytest.raises(InvalidInputError, match="the same number"):
        RfmBins(recency=(30,), frequency=(2, 3), monetary=(1, 2))
    with pytest.raises(InvalidInputError, match="1 to 8 edges"):
        RfmBins(recency=(), frequency=(), monetary=())
    with pytest.raises(InvalidInputError, match="amount -1 is negative"):
        RfmBins(recency=(1,), frequency=(2,), monetary=(-1,))


def _monotone(values, scores, *, higher_is_better):
    v, s = np.asarray(values), np.asarray(scores)
    better = v[:, None] > v[None, :] if higher_is_better else v[:, None] < v[None, :]
    equal = v[:, None] == v[None, :]
    assert (s[:, None] >= s[None, :])[better].all()
    assert (s[:, None] == s[None, :])[equal].all()


@given(order_lines(), st.integers(2, 9))
def test_rfm_scores_in_range_and_monotone(lines, k):
    as_of = max(x.ordered_on for x in lines) + timedelta(days=3)
    s = rfm_scores(lines, as_of=as_of, k=k).scores
    for col in ("r", "f", "m"):
        assert s[col].between(1, k).all()
    _monotone(s["recency_days"], s["r"], higher_is_better=False)
    _monotone(s["frequency"], s["f"], higher_is_better=True)
    _monotone(s["monetary_minor"], s["m"], higher_is_better=True)
    if s["monetary_minor"].nunique() == len(s):
        # Distinct values use the top score.
        assert s["m"].max() == k or len(s) < k


@given(order_lines(), st.lists(st.integers(0, 800), min_size=2, max_size=2, unique=True))
def test_rfm_scores_bins_in_range_and_monotone(lines, recency_edges):
    bins = RfmBins(recency=sorted(recency_edges), frequency=(2, 4), monetary=(100, 5000))
    as_of = max(x.ordered_on for x in lines)
    s = rfm_scores(lines, as_of=as_of, method="bins", bins=bins).scores
    for col in ("r", "f", "m"):
        assert s[col].between(1, 3).all()
    _monotone(s["recency_days"], s["r"], higher_is_better=False)
    _monotone(s["frequency"], s["f"], higher_is_better=True)
    _monotone(s["monetary_minor"], s["m"], higher_is_better=True)


@given(order_lines(customers=("C1", "C2", "C3")), st.integers(1, 10**6))
def test_rfm_scores_monotone_in_the_input(lines, extra):
    # Raising one customer's spend never lowers their monetary score.
    as_of = max(x.ordered_on for x in lines)
    first = lines[0]
    before = rfm_scores(lines, as_of=as_of).scores.set_index("customer_id")["m"]
    bigger = [first.model_copy(update={"amount": first.amount + extra}), *lines[1:]]
    after = rfm_scores(bigger, as_of=as_of).scores.set_index("customer_id")["m"]
    assert after[first.customer_id] >= before[first.customer_id]


# --------------------------------------------------------------------------- key accounts
KEY_ROWS = [
    ("1", "A", 500),
    ("2", "A", 100),
    ("3", "B", 300),
    ("4", "C", 150),
    ("5", "D", 150),
    ("6", "E", 20),
]


def _key_lines():
    return [line(o, c, "2026-01-05", v) for o, c, v in KEY_ROWS]


def test_key_accounts_all_and_any():
    lines = _key_lines()
    both = key_accounts(lines, KeyAccountRule(top_n=3, min_orders=2))
    assert both.key_accounts == ("A",)  # only A has two orders
    either = key_accounts(lines, KeyAccountRule(top_n=1, min_revenue=150, combine="any"))
    assert either.key_accounts == ("A", "B", "C", "D")
    assert list(either.accounts.columns[-3:]) == ["meets_min_revenue", "meets_top_n", "key_account"]


def test_key_accounts_by_grade_and_ties_at_the_cut():
    lines = _key_lines()  # total 1220: A 600 (49 %), B 300 (74 %), C, D 150 each, E 20
    out = key_accounts(lines, KeyAccountRule(grades=("A",)))
    # Before C the top two hold 73.8 % < 80 %: C is A, and D ties with C.
    assert out.key_accounts == ("A", "B", "C", "D")
    top3 = key_accounts(lines, KeyAccountRule(top_n=3))
    assert top3.key_accounts == ("A", "B", "C", "D")  # C and D tie at rank 3
    assert top3.accounts["rank"].tolist() == [1, 2, 3, 3, 5]
    rich = key_accounts(lines, KeyAccountRule(min_revenue="300.00"))
    assert rich.key_accounts == ("A", "B")


def test_key_account_rule_validated():
    with pytest.raises(InvalidInputError, match="at least one of"):
        KeyAccountRule()
    with pytest.raises(InvalidInputError, match="grades"):
        KeyAccountRule(grades=())
    with pytest.raises(InvalidInputError, match="thresholds"):
        KeyAccountRule(grades=("A",), a=0.9, b=0.5)
    with pytest.raises(InvalidInputError, match="is not a KeyAccountRule"):
        key_accounts(_key_lines(), {"top_n": 3})  # type: ignore[arg-type]


@given(order_lines(), st.integers(1, 6), st.sampled_from(["all", "any"]))
def test_key_accounts_combine_is_and_or(lines, n, combine):
    if not _total(lines):
        return
    out = key_accounts(lines, KeyAccountRule(top_n=n, min_orders=2, combine=combine))
    a = out.accounts
    expected = (
        (a["meets_top_n"] & a["meets_min_orders"])
        if combine == "all"
        else (a["meets_top_n"] | a["meets_min_orders"])
    )
    assert a["key_account"].tolist() == expected.tolist()
    assert a.loc[a["meets_top_n"], "rank"].max() <= n


# --------------------------------------------------------------------------- concentration
def test_concentration_hand_checked():
    out = concentration(_per_customer([("A", 60), ("B", 30), ("C", 10)]), top=(1, 2, 5))
    # HHI = 0.36 + 0.09 + 0.01 = 0.46.
    assert out.hhi == pytest.approx(0.46)
    assert out.effective_customers == pytest.approx(1 / 0.46)
    assert out.top["share"].tolist() == pytest.approx([0.6, 0.9, 1.0])
    assert out.top["customers"].tolist() == [1, 2, 3]
    assert out.revenue == Decimal("100.00") and out.customers == 3


def test_concentration_bad_input():
    with pytest.raises(InvalidInputError, match="top_n 0"):
        concentration(_per_customer([("A", 1)]), top=(0,))
    with pytest.raises(InvalidInputError, match="total revenue is 0"):
        concentration(_per_customer([("A", 0)]))


@given(order_lines(customers=tuple(f"C{i}" for i in range(12))))
def test_concentration_hhi_between_one_over_n_and_one(lines):
    if not _total(lines):
        return
    out = concentration(lines, top=(1, 2, 3, 50))
    n = out.customers
    assert 1 / n - 1e-12 <= out.hhi <= 1 + 1e-12
    shares = out.top["share"].tolist()
    assert shares == sorted(shares) and shares[-1] == pytest.approx(1.0)
    assert shares[0] >= 1 / n - 1e-12


# --------------------------------------------------------------------------- JSON
def test_customer_results_are_json():
    lines = [line(*r) for r in RFM_ROWS]
    as_of = D("2026-03-31")
    results = [
        customer_summary(lines, as_of=as_of),
        customer_spans(lines, as_of=as_of, churn_after_days=30),
        repeat_purchase_rate(lines, period=Period.quarter(2026, 1)),
        abc_grades(lines),
        rfm_scores(lines, as_of=as_of, k=3),
        key_accounts(lines, KeyAccountRule(top_n=2)),
        concentration(lines),
    ]
    kinds: tuple[type[Result], ...] = (
        CustomerSummary,
        CustomerSpans,
        RepeatPurchase,
        AbcGrades,
        RfmScores,
        KeyAccounts,
        Concentration,
    )
    for result, kind in zip(results, kinds, strict=True):
        assert isinstance(result, kind)
        data = json.loads(json.dumps(result.to_dict()))
        assert set(kind.json_schema()["required"]) == set(data)
        back = kind.from_dict(data)
        assert json.dumps(back.to_dict(), sort_keys=True) == json.dumps(data, sort_keys=True)
    assert results[3].to_dict()["grades"]["records"][0]["revenue"] == "1000.00"


def test_order_lines_contract_names():
    assert ORDER_LINES.required == ("order_id", "customer_id", "ordered_on", "amount", "currency")


def test_customer_summary_large_sums_exact():
    # Minor-unit sums beyond 2**53 leave float64 behind; the totals stay exact.
    big = Decimal("45035996273704.97")  # 2**52 + 1 cents, and odd
    lines = [line(f"O{i}", "A", "2026-01-05", big) for i in range(3)]
    c = customer_summary(lines).customers
    assert c["revenue"].tolist() == [big * 3]
    assert c["revenue_minor"].tolist() == [3 * 4503599627370497]


def test_order_line_quantity_optional():
    x = OrderLine(
        order_id="O",
        customer_id="C",
        ordered_on=D("2026-01-01"),
        amount=1,
        currency="CNY",
        quantity=None,
        product=" ",
    )
    assert x.quantity is None and x.product is None


@given(order_lines(min_orders=2), st.data())
def test_customer_summary_partials_merge(lines, data):
    orders = sorted({x.order_id for x in lines})
    left = set(data.draw(st.lists(st.sampled_from(orders), min_size=1, max_size=len(orders) - 1)))
    if len(left) == len(orders):
        return
    a = [x for x in lines if x.order_id in left]
    b = [x for x in lines if x.order_id not in left]
    whole = customer_summary(lines)
    merged = customer_summary(a) + customer_summary(lines_frame(b))
    pd.testing.assert_frame_equal(merged.customers, whole.customers)
    assert merged.lines_used == whole.lines_used == len(lines)


def test_customer_summary_add_refuses_mismatches():
    cny = customer_summary([line("O1", "A", "2026-01-05", 1)])
    usd = customer_summary([line("O2", "A", "2026-01-05", 1, currency="USD")])
    with pytest.raises(CurrencyMismatchError, match="CNY and USD"):
        cny + usd
    later = customer_summary([line("O2", "A", "2026-01-05", 1)], as_of=D("2026-02-01"))
    with pytest.raises(InvalidInputError, match="same as_of"):
        cny + later
    with pytest.raises(TypeError):
        cny + 1  # type: ignore[operator]
    late = customer_summary(
        [line("O3", "B", "2026-01-05", 1), line("O4", "B", "2026-03-05", 1)], as_of=D("2026-02-01")
    )
    both = later + late
    assert both.lines_used == 2 and both.errors["reason"].tolist() == ["after_as_of"]


def test_order_line_round_trips_through_json():
    x = OrderLine(
        order_id="O1",
        customer_id=7,
        ordered_on=D("2026-01-05"),
        amount="12.30",
        currency="JPY",
        line_id="L1",
        quantity="1.5",
        product="P",
    )
    data = json.loads(json.dumps(x.to_dict()))
    assert OrderLine.from_dict(data) == x
    assert x.customer_id == "7"
    assert OrderLine.json_schema()["title"] == "OrderLine"
