"""Funnel reports: hand-checked edge cases (skip, regress, reopen, snapshot) and properties."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.funnel._helpers import deal, linear_deals, pipeline

from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.frames import history_frame, to_frame
from salescore.funnel import (
    FunnelReport,
    funnel,
    funnel_counts,
    funnel_counts_frame,
    funnel_frame,
    report_from_counts,
)
from salescore.funnel.report import hours_quantile
from salescore.models import Opportunity, Pipeline
from salescore.money import Money
from salescore.testing import opportunity_sets, pipelines

P = pipeline()


def rows(report: FunnelReport, column: str) -> list[Any]:
    return report.table[column].tolist()


# --------------------------------------------------------------------------- examples


def test_funnel_linear_history() -> None:
    deals = [
        deal("D1", ["Qualify", "Proposal", "Negotiation", "Won"], amount=100),
        deal("D2", ["Qualify", "Proposal", "Lost"], amount=200),
        deal("D3", ["Qualify"], amount=300),
    ]
    report = funnel(deals, P)
    # Entered: Qualify all 3; Proposal D1, D2; Negotiation D1.
    assert rows(report, "entered") == [3, 2, 1]
    assert rows(report, "entered_amount") == [
        Decimal("600.00"),
        Decimal("300.00"),
        Decimal("100.00"),
    ]
    assert rows(report, "advanced") == [2, 1, 1]
    assert rows(report, "lost") == [0, 1, 0]
    assert rows(report, "open") == [1, 0, 0]
    # conversion 2/3, 1/2, 1/1; cumulative 2/3, 1/3, 1/3; drop-off 0, 1/2, 0
    assert rows(report, "conversion") == pytest.approx([2 / 3, 0.5, 1.0])
    assert rows(report, "cumulative_conversion") == pytest.approx([2 / 3, 1 / 3, 1 / 3])
    assert rows(report, "drop_off") == pytest.approx([0.0, 0.5, 0.0])
    # win rate from a stage: won 1 / (won 1 + lost at or after it): 1/2, 1/2, 1/1
    assert rows(report, "win_rate") == pytest.approx([0.5, 0.5, 1.0])
    assert report.win_rate == 0.5
    assert report.average_won_deal == Money("100.00", "CNY")
    assert (report.deals, report.won, report.lost, report.open) == (3, 1, 1, 1)
    # D1 created 2026-01-05 09:00, won 3 x 24 h later: 2026-01-08 -> 3 days
    assert report.cycle_days == 3.0
    assert report.currency == "CNY"
    assert report.inference == "history"
    assert "furthest stage" in report.inference_note


def test_funnel_skip_counts_as_passed() -> None:
    deals = [
        deal("D1", ["Qualify", "Negotiation", "Won"]),
        deal("D2", ["Negotiation", "Lost"]),  # created straight into Negotiation
    ]
    report = funnel(deals, P)
    assert rows(report, "entered") == [2, 2, 2]
    assert rows(report, "lost") == [0, 0, 1]
    assert rows(report, "conversion") == [1.0, 1.0, 0.5]
    # Proposal was skipped by both: no observed stay there.
    assert math.isnan(rows(report, "days_mean")[1])


def test_funnel_regression_is_counted_not_double_entered() -> None:
    path = ["Qualify", "Proposal", "Negotiation", "Proposal", "Negotiation", "Won"]
    report = funnel([deal("D1", path, hours=[24, 48, 72, 96, 120])], P)
    assert rows(report, "entered") == [1, 1, 1]
    assert rows(report, "regressions") == [0.0, 0.0, 1.0]
    # Stays: Qualify 24 h; Proposal 48 h and 96 h; Negotiation 72 h and 120 h.
    assert rows(report, "days_mean") == pytest.approx([1.0, 3.0, 4.0])
    assert rows(report, "days_median") == pytest.approx([1.0, 3.0, 4.0])
    # p90 of (72, 120) h: 72 + 0.9 * 48 = 115.2 h = 4.8 days
    assert rows(report, "days_p90")[2] == pytest.approx(4.8)


def test_funnel_reopen_continue_and_new_pass() -> None:
    path = ["Qualify", "Proposal", "Lost", "Qualify", "Proposal", "Negotiation", "Won"]
    one = funnel([deal("D1", path)], P)
    assert rows(one, "entered") == [1, 1, 1]
    assert rows(one, "lost") == [0, 0, 0]
    assert (one.deals, one.won, one.lost) == (1, 1, 0)
    two = funnel([deal("D1", path)], P, reopen="new_pass")
    # Pass 1: Qualify -> Proposal -> Lost; pass 2: Qualify -> ... -> Won.
    assert rows(two, "entered") == [2, 2, 1]
    assert rows(two, "lost") == [0, 1, 0]
    assert (two.deals, two.won, two.lost) == (2, 1, 1)
    assert two.win_rate == 0.5
    # A reopen is not a regression.
    assert rows(two, "regressions") == [0.0, 0.0, 0.0]


def test_funnel_snapshot_inference() -> None:
    deals = [
        deal("D1", ["Qualify", "Proposal"], with_history=False),
        deal("D2", ["Qualify", "Won"], with_history=False),
        deal("D3", ["Qualify", "Lost"], with_history=False),
        deal("D4", ["Qualify", "Lost"], with_history=False),
    ]
    report = funnel(deals, P, source="snapshot", lost_at={"D3": "Negotiation"})
    # D1 reached Proposal; D2 every stage; D3 Negotiation (recorded); D4 only Qualify.
    assert rows(report, "entered") == [4, 3, 2]
    assert rows(report, "lost") == [1, 0, 1]
    assert rows(report, "open") == [0, 1, 0]
    assert report.summary["lost_stage_known"].tolist() == [1]
    assert report.summary["lost_stage_assumed"].tolist() == [1]
    assert report.inference == "snapshot"
    assert "recorded at loss" in report.inference_note
    assert np.isnan(rows(report, "days_median")).all()
    assert np.isnan(rows(report, "regressions")).all()


def test_funnel_history_missing_counts_as_created_in_current_stage() -> None:
    report = funnel([deal("D1", ["Qualify", "Proposal"], with_history=False)], P, source="history")
    assert rows(report, "entered") == [1, 1, 0]


def test_funnel_durations_percentiles() -> None:
    deals = [
        deal("D1", ["Qualify", "Proposal", "Negotiation", "Won"], hours=[48, 96, 24]),
        deal("D2", ["Qualify", "Lost"], hours=[96]),
    ]
    report = funnel(deals, P)
    # Qualify stays 48 h and 96 h: median 72 h = 3 d, mean 3 d, p90 48 + 0.9*48 = 91.2 h
    assert rows(report, "days_median")[0] == pytest.approx(3.0)
    assert rows(report, "days_mean")[0] == pytest.approx(3.0)
    assert rows(report, "days_p90")[0] == pytest.approx(91.2 / 24)
    assert rows(report, "days_median")[1:] == pytest.approx([4.0, 1.0])


def test_funnel_by_segment_and_cohort() -> None:
    deals = [
        deal("D1", ["Qualify", "Won"], owner="R1", created=date(2026, 1, 10)),
        deal("D2", ["Qualify", "Lost"], owner="R1", created=date(2026, 4, 10)),
        deal("D3", ["Qualify", "Proposal"], owner="R2", created=date(2026, 2, 1)),
    ]
    report = funnel(deals, P, by=["owner_id"], cohort="quarter")
    assert report.table.index.names == ["owner_id", "cohort", "stage"]
    assert report.table.loc[("R1", "2026-Q1", "Qualify"), "entered"] == 1
    assert report.table.loc[("R1", "2026-Q2", "Qualify"), "lost"] == 1
    assert report.table.loc[("R2", "2026-Q1", "Proposal"), "open"] == 1
    assert report.summary.loc[("R1", "2026-Q1"), "win_rate"] == 1.0
    # Overall: all three deals together.
    assert report.overall["entered"].tolist() == [3, 2, 1]
    assert report.win_rate == 0.5
    monthly = funnel(deals, P, cohort="month")
    assert monthly.summary.index.tolist() == ["2026-01", "2026-02", "2026-04"]
    single = funnel(deals, P, by="owner_id")
    assert single.summary.index.tolist() == ["R1", "R2"]


def test_funnel_period_filters_created_or_closed() -> None:
    deals = [
        deal("D1", ["Qualify", "Won"], created=date(2026, 1, 10)),
        deal("D2", ["Qualify", "Lost"], created=date(2026, 4, 10)),
        deal("D3", ["Qualify"], created=date(2026, 3, 31)),
    ]
    q1 = Period.quarter(2026, 1)
    assert funnel(deals, P, period=q1).deals == 2
    closed = funnel(deals, P, period=q1, period_basis="closed")
    assert (closed.deals, closed.won) == (1, 1)


def test_funnel_empty() -> None:
    report = funnel([], P)
    assert rows(report, "entered") == [0, 0, 0]
    assert np.isnan(rows(report, "conversion")).all()
    assert math.isnan(report.win_rate)
    assert report.average_won_deal is None
    assert report.currency is None


def test_funnel_rounding_of_average_won_deal() -> None:
    deals = [deal(f"D{i}", ["Qualify", "Won"], amount=a) for i, a in enumerate(["0.01", "0.02"])]
    # 0.03 / 2 = 0.015: half-even -> 0.02, half-down -> 0.01
    assert funnel(deals, P).average_won_deal == Money("0.02", "CNY")
    assert funnel(deals, P, rounding="ROUND_HALF_DOWN").average_won_deal == Money("0.01", "CNY")


def test_funnel_frame_matches_single_path_example() -> None:
    deals = [
        deal("D1", ["Qualify", "Negotiation", "Proposal", "Won"]),
        deal("D2", ["Qualify", "Lost", "Proposal"], owner="R2"),
    ]
    bulk = funnel_frame(to_frame(deals), P, stage_changes=history_frame(deals), by=["owner_id"])
    single = funnel(deals, P, by=["owner_id"])
    pd.testing.assert_frame_equal(bulk.table, single.table)
    pd.testing.assert_frame_equal(bulk.summary, single.summary)


def test_funnel_frame_snapshot_lost_stage_column() -> None:
    deals = [deal("D1", ["Qualify", "Lost"]), deal("D2", ["Qualify", "Lost"])]
    frame = to_frame(deals).assign(lost_at_stage=pd.Series(["Proposal", None], dtype=object))
    report = funnel_frame(frame, P, lost_stage_column="lost_at_stage")
    assert rows(report, "lost") == [1, 1, 0]
    assert report.summary["lost_stage_known"].tolist() == [1]


def test_report_from_counts_rejects_other_types() -> None:
    with pytest.raises(InvalidInputError, match="counts must be FunnelCounts"):
        report_from_counts("counts")  # type: ignore[arg-type]


def test_report_from_counts_rejects_bad_rounding() -> None:
    with pytest.raises(InvalidInputError, match="rounding 'HALF'"):
        funnel([], P, rounding="HALF")


def test_hours_quantile_matches_numpy() -> None:
    hours, counts = np.array([1, 5, 9]), np.array([3, 1, 2])
    expanded = np.repeat(hours, counts)
    for q in (0.0, 0.1, 0.5, 0.9, 1.0):
        assert hours_quantile(hours, counts, q) == pytest.approx(np.quantile(expanded, q))


# --------------------------------------------------------------------------- properties

with_deals = pipelines(max_open=4).flatmap(
    lambda p: st.tuples(st.just(p), opportunity_sets(p, max_size=12))
)


@given(data=with_deals)
def test_funnel_conversions_in_unit_interval(data: tuple[Pipeline, list[Opportunity]]) -> None:
    pipe, deals = data
    table = funnel(deals, pipe).table
    for column in ("conversion", "cumulative_conversion", "drop_off", "win_rate"):
        values = table[column].dropna().to_numpy()
        assert ((values >= 0) & (values <= 1)).all()


@given(data=with_deals, reopen=st.sampled_from(["continue", "new_pass"]))
def test_funnel_entered_never_increases(
    data: tuple[Pipeline, list[Opportunity]], reopen: Literal["continue", "new_pass"]
) -> None:
    pipe, deals = data
    table = funnel(deals, pipe, reopen=reopen).table
    entered = table["entered"].to_numpy()
    assert (np.diff(entered) <= 0).all()
    assert (entered == table["advanced"] + table["lost"] + table["open"]).all()
    assert entered[0] == len(deals) or reopen == "new_pass"


@given(
    data=with_deals,
    by=st.sampled_from([(), ("owner_id",)]),
    option=st.sampled_from(["continue", "new_pass", "snapshot"]),
)
def test_funnel_single_and_bulk_agree(
    data: tuple[Pipeline, list[Opportunity]], by: tuple[str, ...], option: str
) -> None:
    pipe, deals = data
    frame = to_frame(deals, model=Opportunity)
    if option == "snapshot":
        single = funnel_counts(deals, pipe, source="snapshot", by=by)
        bulk = funnel_counts_frame(frame, pipe, by=by, source="snapshot")
    else:
        reopen: Literal["continue", "new_pass"] = "continue" if option == "continue" else "new_pass"
        single = funnel_counts(deals, pipe, by=by, reopen=reopen, source="history")
        bulk = funnel_counts_frame(
            frame, pipe, stage_changes=history_frame(deals), by=by, reopen=reopen
        )
    assert single == bulk


@given(deals=linear_deals())
def test_funnel_history_and_snapshot_agree_when_linear(deals: list[Opportunity]) -> None:
    lost_at = {d.id: d.history[-2].to_stage for d in deals if d.stage == "Lost"}
    history = funnel(deals, P)
    snapshot = funnel(deals, P, source="snapshot", lost_at=lost_at)
    columns = ["entered", "entered_amount", "advanced", "lost", "open", "conversion", "win_rate"]
    pd.testing.assert_frame_equal(history.table[columns], snapshot.table[columns])
    assert history.cycle_days == snapshot.cycle_days or (
        math.isnan(history.cycle_days) and math.isnan(snapshot.cycle_days)
    )


def test_funnel_snapshot_period() -> None:
    deals = [
        deal("D1", ["Qualify", "Won"], created=date(2026, 1, 10)),
        deal("D2", ["Qualify", "Lost"], created=date(2026, 4, 10)),
    ]
    report = funnel(deals, P, source="snapshot", period=Period.quarter(2026, 2))
    assert (report.deals, report.lost) == (1, 1)


def test_funnel_frame_empty() -> None:
    empty = to_frame([], model=Opportunity)
    report = funnel_frame(empty, P, stage_changes=history_frame([]))
    assert rows(report, "entered") == [0, 0, 0]
    assert report.counts == funnel([], P).counts
    segmented = funnel_frame(empty, P, by=["owner_id"], cohort="month")
    assert segmented.table.empty
    assert segmented.summary.empty
    assert segmented.overall["entered"].tolist() == [0, 0, 0]


def test_funnel_minor_units_of_each_currency() -> None:
    kwd = [
        deal("K1", ["Qualify", "Won"], amount="1.234", currency="KWD"),
        deal("K2", ["Qualify", "Won"], amount="2.001", currency="KWD"),
    ]
    report = funnel(kwd, P)
    # 1.234 + 2.001 = 3.235 KWD (3 decimals); average 1.6175 -> 1.618 (half even)
    assert rows(report, "entered_amount")[0] == Decimal("3.235")
    assert report.average_won_deal == Money("1.618", "KWD")
    bulk = funnel_frame(to_frame(kwd), P, stage_changes=history_frame(kwd))
    assert bulk.counts == report.counts
    jpy = funnel([deal("J1", ["Qualify", "Won"], amount=1500, currency="JPY")], P)
    assert rows(jpy, "entered_amount")[0] == Decimal("1500")
