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


def test_stale_accounts_hand_checked_models_and_frame():
    from salescore.activities import stale_accounts

    pairs = [("r1", "visit"), ("r1", "call"), ("r2", "demo")]
    models = [
        Activity(id="a0", rep_id="r1", kind="visit", occurred_at=T0, account_id="C1"),
        Activity(
            id="a1", rep_id="r1", kind="call", occurred_at=T0 + timedelta(days=10), account_id="C2"
        ),
        Activity(
            id="a2", rep_id="r2", kind="demo", occurred_at=T0 + timedelta(days=40), account_id="C3"
        ),
    ]
    frame = _frame(pairs)
    frame["account_id"] = ["C1", "C2", "C3"]
    frame["occurred_at"] = pd.to_datetime([m.occurred_at for m in models])
    as_of = T0 + timedelta(days=30, hours=1)
    # C1: 30 days, C2: 20 days, C3 is after as_of (ignored)
    for source in (models, frame):
        out = stale_accounts(source, as_of=as_of, days=20)
        assert list(out["account_id"]) == ["C1", "C2"]
        assert list(out["days_since"]) == [30, 20]
    assert list(stale_accounts(models, as_of=as_of, days=21)["account_id"]) == ["C1"]
    with pytest.raises(ValueError, match="naive"):
        stale_accounts(models, as_of=datetime(2026, 4, 1), days=1)
    with pytest.raises(ValueError, match="days"):
        stale_accounts(models, as_of=as_of, days=-1)
