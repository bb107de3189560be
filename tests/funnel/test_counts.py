"""FunnelCounts: merging partials, selecting segments, and every bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.funnel._helpers import deal, pipeline

from salescore.calendar import Period
from salescore.errors import (
    CurrencyMismatchError,
    FrameValidationError,
    InvalidInputError,
    UnknownStageError,
)
from salescore.frames import history_frame, to_frame
from salescore.funnel import FunnelCounts, funnel_counts, funnel_counts_frame
from salescore.models import Opportunity, Pipeline, Stage
from salescore.testing import opportunity_sets, pipelines

P = pipeline()
DEALS = [
    deal("D1", ["Qualify", "Proposal", "Won"], owner="R1"),
    deal("D2", ["Qualify", "Lost"], owner="R2"),
    deal("D3", ["Qualify", "Proposal", "Negotiation", "Proposal"], owner="R2"),
]


# --------------------------------------------------------------------------- merging


with_split = pipelines(max_open=4).flatmap(
    lambda p: st.tuples(st.just(p), opportunity_sets(p, max_size=12), st.integers(0, 12))
)


@given(
    data=with_split,
    by=st.sampled_from([(), ("owner_id",)]),
    reopen=st.sampled_from(["continue", "new_pass"]),
)
def test_funnel_counts_split_equals_whole(
    data: tuple[Pipeline, list[Opportunity], int],
    by: tuple[str, ...],
    reopen: Literal["continue", "new_pass"],
) -> None:
    pipe, deals, cut = data
    whole = funnel_counts(deals, pipe, by=by, reopen=reopen)
    parts = funnel_counts(deals[:cut], pipe, by=by, reopen=reopen)
    parts = parts + funnel_counts(deals[cut:], pipe, by=by, reopen=reopen)
    assert parts == whole


def test_funnel_counts_sum_of_parts() -> None:
    parts = [funnel_counts([d], P, cohort="month") for d in DEALS]
    assert sum(parts) == funnel_counts(DEALS, P, cohort="month")


def test_funnel_counts_total_and_select() -> None:
    counts = funnel_counts(DEALS, P, by=["owner_id"])
    assert counts.total() == funnel_counts(DEALS, P)
    assert counts.select({"owner_id": "R2"}) == funnel_counts(DEALS[1:], P)
    assert counts.segments()["owner_id"].tolist() == ["R1", "R2"]


def test_funnel_counts_select_missing_segment_value() -> None:
    deals = [
        deal("D1", ["Qualify", "Won"]),
        deal("D2", ["Qualify", "Lost"]).model_copy(update={"channel_id": "web"}),
    ]
    counts = funnel_counts(deals, P, by=["channel_id"])
    assert counts.select({"channel_id": None}) == funnel_counts(deals[:1], P)


def test_funnel_counts_select_unknown_key() -> None:
    with pytest.raises(InvalidInputError, match="'product' is not a key"):
        funnel_counts(DEALS, P).select({"product": "Cloud"})


def test_funnel_counts_add_mismatches() -> None:
    a = funnel_counts(DEALS, P)
    with pytest.raises(InvalidInputError, match="keys"):
        a + funnel_counts(DEALS, P, by=["owner_id"])
    with pytest.raises(InvalidInputError, match="inference"):
        a + funnel_counts(DEALS, P, source="snapshot")
    usd = funnel_counts([deal("U1", ["Qualify"], currency="USD")], P)
    with pytest.raises(CurrencyMismatchError, match="USD"):
        a + usd
    assert a.__add__(1) is NotImplemented
    assert a.__radd__(1) is NotImplemented
    assert a.__eq__("a") is NotImplemented
    assert a != usd
    empty = funnel_counts([], P)
    assert empty + a == a
    assert a + empty == a


def test_funnel_counts_frame_agrees_with_models() -> None:
    frame, history = to_frame(DEALS), history_frame(DEALS)
    counts = funnel_counts_frame(frame, P, stage_changes=history, by=["owner_id"])
    assert counts == funnel_counts(DEALS, P, by=["owner_id"])
    assert counts.by_stage["regressions"].tolist() == [0, 0, 0, 0, 0, 1]


def test_funnel_counts_frame_unsorted_history() -> None:
    history = history_frame(DEALS)
    shuffled = history.iloc[::-1]
    counts = funnel_counts_frame(to_frame(DEALS), P, stage_changes=shuffled)
    assert counts == funnel_counts(DEALS, P)


def test_funnel_counts_frame_period_and_cohort() -> None:
    frame, history = to_frame(DEALS), history_frame(DEALS)
    period = Period.month(2026, 1)
    counts = funnel_counts_frame(frame, P, stage_changes=history, period=period, cohort="month")
    assert counts == funnel_counts(DEALS, P, period=period, cohort="month")
    assert counts.by_group["cohort"].tolist() == ["2026-01"]
    none = funnel_counts_frame(frame, P, stage_changes=history, period=Period.month(2025, 1))
    assert none.currency is None
    assert len(none.by_group) == 0


def test_funnel_counts_frame_does_not_mutate() -> None:
    frame, history = to_frame(DEALS), history_frame(DEALS)
    before, before_h = frame.copy(), history.copy()
    funnel_counts_frame(frame, P, stage_changes=history, cohort="quarter")
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(history, before_h)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source": "crm"}, "source 'crm' is not allowed"),
        ({"reopen": "sometimes"}, "reopen 'sometimes' is not allowed"),
        ({"cohort": "week"}, "cohort 'week' is not allowed"),
        ({"period_basis": "expected"}, "period_basis 'expected' is not allowed"),
        ({"period": "2026-Q1"}, "period must be a Period"),
        ({"by": ["owner_id", "owner_id"]}, "must be distinct"),
        ({"by": ["stage"]}, "not 'cohort' or 'stage'"),
        ({"by": ["region"]}, "cannot segment opportunities by 'region'"),
        ({"lost_at": {"D2": "Qualify"}}, "lost_at is used only with source='snapshot'"),
        ({"source": "snapshot", "lost_at": {"X9": "Qualify"}}, "'X9', which is not among"),
        ({"source": "snapshot", "lost_at": {"D2": "Won"}}, "'Won' is a closed stage"),
    ],
)
def test_funnel_counts_bad_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        funnel_counts(DEALS, P, **kwargs)  # type: ignore[arg-type]


def test_funnel_counts_unknown_lost_stage() -> None:
    with pytest.raises(UnknownStageError, match=r"not in the pipeline: 'Demo' \(1 row\)"):
        funnel_counts(DEALS, P, source="snapshot", lost_at={"D2": "Demo"})


def test_funnel_counts_bad_pipeline() -> None:
    closed_only = Pipeline(
        stages=(
            Stage(name="Won", order=0, probability=1.0, kind="won"),
            Stage(name="Lost", order=1, probability=0.0, kind="lost"),
        )
    )
    with pytest.raises(InvalidInputError, match="has no open stage"):
        funnel_counts([], closed_only)
    with pytest.raises(InvalidInputError, match="pipeline must be a Pipeline"):
        funnel_counts([], "default")  # type: ignore[arg-type]


def test_funnel_counts_mixed_currencies() -> None:
    deals = [deal("D1", ["Qualify"]), deal("D2", ["Qualify"], currency="USD")]
    with pytest.raises(CurrencyMismatchError, match=r"2 currencies \(CNY, USD\)"):
        funnel_counts(deals, P)


def test_funnel_counts_unknown_stage_in_models() -> None:
    with pytest.raises(UnknownStageError, match="'Demo'"):
        funnel_counts([deal("D1", ["Demo"])], P)


def test_funnel_counts_frame_bad_input() -> None:
    frame, history = to_frame(DEALS), history_frame(DEALS)
    with pytest.raises(InvalidInputError, match="must be a DataFrame"):
        funnel_counts_frame(DEALS, P)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="column 'region' is not in the opportunities"):
        funnel_counts_frame(frame, P, by=["region"], source="snapshot")
    with pytest.raises(InvalidInputError, match="only without stage_changes"):
        funnel_counts_frame(
            frame.assign(lost=None), P, stage_changes=history, lost_stage_column="lost"
        )
    with pytest.raises(FrameValidationError, match="amount"):
        funnel_counts_frame(frame.assign(amount=-1.0), P, source="snapshot")
    with pytest.raises(UnknownStageError, match="'Demo'"):
        funnel_counts_frame(frame.assign(stage="Demo"), P, source="snapshot")
    with pytest.raises(UnknownStageError, match="'Demo'"):
        funnel_counts_frame(frame, P, stage_changes=history.assign(to_stage="Demo"))
    with pytest.raises(UnknownStageError, match="'Demo'"):
        funnel_counts_frame(frame, P, stage_changes=history.assign(from_stage="Demo"))
    with pytest.raises(UnknownStageError, match="'Demo'"):
        funnel_counts_frame(
            frame.assign(lost=pd.Series(["Demo", None, None], dtype=object)),
            P,
            lost_stage_column="lost",
        )


def test_funnel_counts_frame_unknown_opportunity() -> None:
    history = history_frame(DEALS)
    with pytest.raises(InvalidInputError, match="'D1' \\(1 unknown ids\\)"):
        funnel_counts_frame(to_frame(DEALS[1:]), P, stage_changes=history)


def test_funnel_counts_frame_history_not_ending_in_current_stage() -> None:
    frame = to_frame(DEALS)
    extra = pd.DataFrame(
        {
            "opportunity_id": ["D3"],
            "from_stage": ["Proposal"],
            "to_stage": ["Negotiation"],
            "changed_at": [datetime(2026, 3, 1, tzinfo=UTC)],
        }
    )
    history = pd.concat([history_frame(DEALS), extra], ignore_index=True)
    with pytest.raises(InvalidInputError, match="'D3' history ends in stage 'Negotiation'"):
        funnel_counts_frame(frame, P, stage_changes=history)


def test_funnel_counts_frame_mixed_currencies() -> None:
    frame = to_frame(DEALS).assign(currency=["CNY", "USD", "CNY"])
    with pytest.raises(CurrencyMismatchError, match="CNY, USD"):
        funnel_counts_frame(frame, P, source="snapshot")


def test_funnel_counts_is_unhashable_value() -> None:
    assert isinstance(funnel_counts(DEALS, P), FunnelCounts)
    with pytest.raises(TypeError):
        hash(funnel_counts(DEALS, P))


def test_funnel_counts_unequal_counts() -> None:
    assert funnel_counts(DEALS, P) != funnel_counts(DEALS[:2], P)


def test_funnel_counts_snapshot_with_period() -> None:
    frame = to_frame(DEALS)
    counts = funnel_counts_frame(frame, P, period=Period.month(2026, 1), source="snapshot")
    assert counts == funnel_counts(DEALS, P, source="snapshot")


def test_funnel_counts_long_stays_use_sparse_histogram() -> None:
    # A 41-year stay makes the dense (group, stage, hour) grid too big to allocate.
    long = deal("D1", ["Qualify", "Proposal"], hours=[41 * 8766], created=DEALS[0].created_on)
    counts = funnel_counts([long], P)
    assert counts.durations[["stage", "hours", "count"]].values.tolist() == [
        ["Qualify", 41 * 8766, 1]
    ]


def test_funnel_counts_refuse_one_string_for_the_stages():
    import dataclasses

    fields: dict[str, object] = {f.name: None for f in dataclasses.fields(FunnelCounts)}
    fields.update(stages="Qualify", keys=())
    with pytest.raises(InvalidInputError, match="funnel count stages 'Qualify' is a single string"):
        FunnelCounts(**fields)  # type: ignore[arg-type]
