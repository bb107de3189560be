from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.activities import ActivityCounts, activity_counts
from salescore.errors import FrameValidationError
from salescore.models import Activity

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)

rows = st.lists(
    st.tuples(st.sampled_from(["r1", "r2", "r3"]), st.sampled_from(["visit", "call", "demo"])),
    max_size=30,
)


def _models(pairs):
    return [
        Activity(id=f"a{i}", rep_id=r, kind=k, occurred_at=T0 + timedelta(hours=i), account_id="C")
        for i, (r, k) in enumerate(pairs)
    ]


def _frame(pairs):
    return pd.DataFrame(
        {
            "id": [f"a{i}" for i in range(len(pairs))],
            "rep_id": [r for r, _ in pairs],
            "kind": [k for _, k in pairs],
            "occurred_at": pd.to_datetime([T0 + timedelta(hours=i) for i in range(len(pairs))]),
            "account_id": ["C"] * len(pairs),
        }
    )


@given(rows, st.integers(0, 30))
def test_activity_counts_partials_merge(pairs, cut):
    cut = min(cut, len(pairs))
    whole = activity_counts(_models(pairs))
    assert activity_counts(_models(pairs[:cut])) + activity_counts(_models(pairs[cut:])) == whole
    assert whole.total == len(pairs)


@given(rows)
def test_activity_counts_models_and_frame_agree(pairs):
    assert activity_counts(_models(pairs)) == activity_counts(_frame(pairs))


def test_activity_counts_hand_checked():
    pairs = [("r1", "visit"), ("r2", "call"), ("r1", "visit"), ("r1", "demo")]
    assert activity_counts(_frame(pairs)) == ActivityCounts(
        {("r1", "demo"): 1, ("r1", "visit"): 2, ("r2", "call"): 1}
    )


def test_activity_counts_bad_kind_reports_failure_table():
    df = _frame([("r1", "visit"), ("r1", "lunch")])
    with pytest.raises(FrameValidationError) as info:
        activity_counts(df)
    assert list(info.value.failures["column"]) == ["kind"]
