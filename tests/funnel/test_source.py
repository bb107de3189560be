"""Choosing between histories and snapshots is never silent (issue 13, item 3).

The Maven CRM export holds one row per deal with its current stage and no
stage history: Prospecting -> Engaging -> Won / Lost. Counted as histories,
every lost deal would sit at Prospecting and Engaging would show a win rate of
1.0. These tests build that shape in memory (no file is read).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from tests.funnel._helpers import deal, pipeline

from salescore.errors import InvalidInputError, MissingHistoryError, SalescoreError
from salescore.forecast import MarkovModel, stage_win_rates
from salescore.frames import history_frame, to_frame
from salescore.funnel import funnel, funnel_counts, funnel_counts_frame, funnel_frame
from salescore.funnel.counts import resolve_source
from salescore.models import Opportunity, Pipeline, Stage

WON, LOST, ENGAGING, PROSPECTING = 4238, 2473, 1589, 500


def maven_pipeline() -> Pipeline:
    return Pipeline(
        name="Maven CRM",
        stages=(
            Stage(name="Prospecting", order=0, probability=0.1),
            Stage(name="Engaging", order=1, probability=0.5),
            Stage(name="Won", order=2, probability=1.0, kind="won"),
            Stage(name="Lost", order=3, probability=0.0, kind="lost"),
        ),
    )


def maven_rows() -> list[dict[str, object]]:
    """8,800 deals in the Maven CRM shape: current stage only, no history."""
    stages = ["Won"] * WON + ["Lost"] * LOST
    stages += ["Engaging"] * ENGAGING + ["Prospecting"] * PROSPECTING
    rng = np.random.default_rng(13)
    owners = ["Darcel Schlecht", "Vicki Laflamme", "Anna Snelling"]
    rows: list[dict[str, object]] = []
    for i, stage in enumerate(stages):
        created = date(2016, 10, 20) + timedelta(days=int(rng.integers(0, 300)))
        closed = created + timedelta(days=int(rng.integers(1, 120)))
        rows.append(
            {
                "id": f"M{i:05d}",
                "owner_id": owners[int(rng.integers(0, 3))],
                "amount": int(rng.integers(50, 30000)),
                "currency": "USD",
                "stage": stage,
                "created_on": created,
                "close_date": closed if stage in ("Won", "Lost") else None,
            }
        )
    return rows


def maven_models() -> list[Opportunity]:
    return [Opportunity.model_validate(row) for row in maven_rows()]


def maven_frame() -> pd.DataFrame:
    return to_frame(maven_models())


def assert_maven_report(report: object) -> None:
    assert report.won == WON  # type: ignore[attr-defined]
    assert report.lost == LOST  # type: ignore[attr-defined]
    table = report.table  # type: ignore[attr-defined]
    assert table["open"].to_dict() == {"Prospecting": PROSPECTING, "Engaging": ENGAGING}
    # Prospecting: every deal reached it, so won / closed is known.
    assert table.loc["Prospecting", "win_rate"] == pytest.approx(WON / (WON + LOST))
    # Engaging: which lost deals reached it is unknown, so no number is given.
    assert math.isnan(table.loc["Engaging", "win_rate"])
    assert table[["conversion", "cumulative_conversion", "drop_off"]].isna().all().all()
    assert "unknown" in report.inference_note  # type: ignore[attr-defined]


def test_funnel_maven_shape_is_never_misread() -> None:
    models = maven_models()
    p = maven_pipeline()
    # Today's silent default read these as histories (Engaging win rate 1.0): now refused.
    with pytest.raises(MissingHistoryError, match="source='snapshot'") as caught:
        funnel(models, p)
    assert isinstance(caught.value, SalescoreError)
    with pytest.raises(MissingHistoryError, match="stage_changes="):
        funnel_frame(maven_frame(), p)
    assert_maven_report(funnel(models, p, source="snapshot"))
    assert_maven_report(funnel_frame(maven_frame(), p, source="snapshot"))


def test_funnel_maven_shape_by_owner_has_no_unknowable_rate() -> None:
    report = funnel_frame(maven_frame(), maven_pipeline(), source="snapshot", by=["owner_id"])
    assert int(report.summary["won"].sum()) == WON
    engaging = report.table.xs("Engaging", level="stage")
    assert engaging["win_rate"].isna().all()


def test_stage_win_rates_maven_shape_refuses_to_learn() -> None:
    models, p = maven_models(), maven_pipeline()
    with pytest.raises(MissingHistoryError, match="history"):
        stage_win_rates(models, p)
    with pytest.raises(MissingHistoryError, match="stage at loss is unknown"):
        stage_win_rates(funnel_counts(models, p, source="snapshot"), p)
    frame = maven_frame()
    with pytest.raises(MissingHistoryError):
        stage_win_rates(history_frame([]), p, opportunities=frame)


def test_stage_win_rates_snapshot_with_known_lost_stages() -> None:
    p = pipeline()
    deals = [
        deal("D1", ["Qualify", "Won"], with_history=False),
        deal("D2", ["Qualify", "Lost"], with_history=False),
        deal("D3", ["Qualify", "Lost"], with_history=False),
    ]
    counts = funnel_counts(deals, p, lost_at={"D2": "Qualify", "D3": "Negotiation"})
    assert counts.inference == "snapshot"  # lost_at alone asks for the snapshot method
    rates = stage_win_rates(counts, p, min_sample=1)
    # Qualify: 1 won of 3 closed; Proposal and Negotiation: D1 and D3 reached them.
    assert rates.pooled["raw_rate"].tolist() == pytest.approx([1 / 3, 1 / 2, 1 / 2])


def test_markov_fit_refuses_models_without_history() -> None:
    p = maven_pipeline()
    with pytest.raises(MissingHistoryError, match="has a stage history"):
        MarkovModel.fit(maven_models()[:50], p, smoothing=1.0)


def test_funnel_snapshot_known_lost_stages_keep_every_rate() -> None:
    p = pipeline()
    deals = [
        deal("D1", ["Qualify", "Won"], with_history=False),
        deal("D2", ["Qualify", "Lost"], with_history=False),
    ]
    report = funnel(deals, p, lost_at={"D2": "Proposal"})
    assert report.inference == "snapshot"
    assert report.table["win_rate"].tolist() == [0.5, 0.5, 1.0]
    assert report.table["conversion"].tolist() == [1.0, 0.5, 1.0]
    assert "unknown" not in report.inference_note


def test_funnel_source_default_uses_history_when_any_deal_has_one() -> None:
    p = pipeline()
    deals = [
        deal("D1", ["Qualify", "Proposal", "Won"]),
        deal("D2", ["Negotiation"], with_history=False),
    ]
    assert funnel(deals, p).inference == "history"
    assert funnel([], p).inference == "history"
    frame = to_frame(deals)
    assert funnel_frame(frame, p, stage_changes=history_frame(deals)).inference == "history"
    assert funnel_frame(frame.iloc[:0], p).inference == "snapshot"


def test_funnel_counts_frame_source_conflicts() -> None:
    p = pipeline()
    deals = [deal("D1", ["Qualify", "Won"], created=date(2026, 1, 5))]
    frame, history = to_frame(deals), history_frame(deals)
    with pytest.raises(MissingHistoryError, match="needs stage_changes"):
        funnel_counts_frame(frame, p, source="history")
    with pytest.raises(InvalidInputError, match="only with source='history'"):
        funnel_counts_frame(frame, p, stage_changes=history, source="snapshot")
    with pytest.raises(InvalidInputError, match="source 'guess' is not allowed"):
        funnel_counts_frame(frame, p, source="guess")  # type: ignore[arg-type]
    with pytest.raises(MissingHistoryError, match="no stage changes"):
        funnel_counts_frame(frame, p, stage_changes=history.iloc[:0])


def test_resolve_source_cases() -> None:
    args = {"has_lost_stages": False, "deals": 2, "frame": False}
    assert resolve_source("snapshot", has_history=True, **args) == "snapshot"  # type: ignore[arg-type]
    assert resolve_source("history", has_history=False, **args) == "history"  # type: ignore[arg-type]
    assert resolve_source(None, has_history=False, has_lost_stages=False, deals=0, frame=False) == (
        "history"
    )


def test_required_pipeline_says_why_snapshot_conversion_is_unknown() -> None:
    from salescore.funnel import required_pipeline
    from salescore.money import Money

    report = funnel_frame(maven_frame(), maven_pipeline(), source="snapshot")
    with pytest.raises(InvalidInputError, match="stages at loss are unknown"):
        required_pipeline(Money("1000000", "USD"), report)
