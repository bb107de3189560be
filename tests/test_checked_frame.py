"""CheckedFrame: a frame checked once, taken by the calculators without checking again."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salescore.frames.validation as frames_module  # where validate_frame runs its checks
from salescore import datasets
from salescore.activities import ACTIVITIES, activity_counts, idle_open_deals
from salescore.calendar import Period
from salescore.errors import FrameValidationError, InvalidInputError
from salescore.forecast import forecast_categories, simulate, weighted
from salescore.frames import (
    OPPORTUNITIES,
    STAGE_CHANGES,
    CheckedFrame,
    FrameContract,
    history_frame,
    partition_frame,
    to_frame,
    validate_frame,
)
from salescore.funnel import aging_frame, funnel_counts_frame, funnel_frame
from salescore.models import Opportunity
from salescore.review import pipeline_changes, review
from salescore.testing import opportunity_sets

PIPE = datasets.pipeline()
Q2 = Period.quarter(2026, 2)


def _deals(n: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"D{i}" for i in range(n)],
            "owner_id": ["R1", "R2"] * (n // 2),
            "amount": [1000.0 * (i + 1) for i in range(n)],
            "currency": ["CNY"] * n,
            "stage": ["Qualify"] * n,
            "created_on": pd.to_datetime(["2026-01-05"] * n),
        }
    )


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The contract name of every frame check from here on (``validation._run`` counted)."""
    names: list[str] = []
    real = frames_module._run

    def counting(df: pd.DataFrame, contract: FrameContract, lazy: bool):
        names.append(contract.name)
        return real(df, contract, lazy)

    monkeypatch.setattr(frames_module, "_run", counting)
    return names


def test_of_checks_like_validate_frame() -> None:
    df = _deals()
    checked = CheckedFrame.of(df, OPPORTUNITIES)
    pd.testing.assert_frame_equal(checked.frame, validate_frame(df, OPPORTUNITIES))
    assert len(checked) == 4 and checked.contract is OPPORTUNITIES
    assert repr(checked) == "CheckedFrame('opportunities', 4 rows)"
    bad = df.assign(amount=[1.0, -2.0, np.nan, 4.0])
    with pytest.raises(FrameValidationError) as raw:
        validate_frame(bad, OPPORTUNITIES)
    with pytest.raises(FrameValidationError) as once:
        CheckedFrame.of(bad, OPPORTUNITIES)
    pd.testing.assert_frame_equal(once.value.failures, raw.value.failures)
    assert str(once.value) == str(raw.value)


def test_a_checked_frame_is_not_checked_again(runs: list[str]) -> None:
    checked = CheckedFrame.of(_deals(), OPPORTUNITIES)
    runs.clear()
    assert validate_frame(checked, OPPORTUNITIES)["id"].tolist() == ["D0", "D1", "D2", "D3"]
    valid, failures = partition_frame(checked, OPPORTUNITIES)
    assert len(valid) == 4 and failures.empty
    assert CheckedFrame.of(checked, OPPORTUNITIES) is checked
    assert runs == []
    # Another contract checks the rows as any frame (here: the columns are missing).
    with pytest.raises(FrameValidationError, match="column 'opportunity_id' is missing"):
        validate_frame(checked, STAGE_CHANGES)
    assert runs == ["stage_changes"]


def test_the_checked_rows_cannot_be_changed() -> None:
    checked = CheckedFrame.of(_deals(), OPPORTUNITIES)
    view = checked.frame
    view.loc[view.index[0], "amount"] = -1.0
    view["stage"] = "Nowhere"
    assert checked.frame["amount"].tolist() == [1000.0, 2000.0, 3000.0, 4000.0]
    assert set(checked.frame["stage"]) == {"Qualify"}
    with pytest.raises(AttributeError, match="immutable"):
        checked._frame = view
    with pytest.raises(InvalidInputError, match=r"CheckedFrame\.of"):
        CheckedFrame(view, OPPORTUNITIES)


def test_rows_and_assign_keep_the_frame_checked() -> None:
    checked = CheckedFrame.of(_deals(), OPPORTUNITIES)
    r1 = checked.rows(checked.frame["owner_id"] == "R1")
    assert r1.frame["id"].tolist() == ["D0", "D2"] and r1.contract is OPPORTUNITIES
    assert r1.frame.index.tolist() == [0, 2]
    tagged = r1.assign(team_id=["east", "west"])
    assert tagged.frame["team_id"].tolist() == ["east", "west"]
    assert "team_id" not in r1.frame.columns
    with pytest.raises(InvalidInputError, match="boolean mask of 4 values"):
        checked.rows([0, 1])
    with pytest.raises(InvalidInputError, match="boolean mask of 4 values"):
        checked.rows(np.ones(3, dtype=bool))
    with pytest.raises(InvalidInputError, match="not replace its column 'stage'"):
        checked.assign(stage="Won")


@settings(max_examples=15, deadline=None)
@given(opportunity_sets(PIPE, min_size=1, max_size=12, currency="CNY"), st.data())
def test_calculators_give_the_same_result_on_a_checked_frame(
    deals: list[Opportunity], data: st.DataObject
) -> None:
    frame, changes = to_frame(deals, model=Opportunity), history_frame(deals)
    checked = CheckedFrame.of(frame, OPPORTUNITIES)
    history = CheckedFrame.of(changes, STAGE_CHANGES)
    period = Period.quarter(2026, data.draw(st.integers(1, 4)))
    once, again = weighted(checked, PIPE, period=period), weighted(frame, PIPE, period=period)
    assert once.to_dict() == again.to_dict()
    assert (
        forecast_categories(checked, PIPE, period=period).to_dict()
        == forecast_categories(frame, PIPE, period=period).to_dict()
    )
    assert (
        simulate(checked, PIPE, seed=1, n=50).to_dict()
        == simulate(frame, PIPE, seed=1, n=50).to_dict()
    )
    assert funnel_counts_frame(checked, PIPE, stage_changes=history) == funnel_counts_frame(
        frame, PIPE, stage_changes=changes
    )
    report = funnel_frame(frame, PIPE, stage_changes=changes)
    assert funnel_frame(checked, PIPE, stage_changes=history).to_dict() == report.to_dict()
    as_of = date(2026, 12, 31)
    pd.testing.assert_frame_equal(
        aging_frame(checked, history, report, PIPE, as_of=as_of),
        aging_frame(frame, changes, report, PIPE, as_of=as_of),
    )
    keep = data.draw(st.lists(st.booleans(), min_size=len(frame), max_size=len(frame)))
    before = checked.rows(np.array(keep, dtype=bool))
    moved = pipeline_changes(before, checked, PIPE, period=period, currency="CNY")
    raw = frame[np.array(keep, dtype=bool)]
    assert (
        moved.to_dict()
        == pipeline_changes(raw, frame, PIPE, period=period, currency="CNY").to_dict()
    )


def _activities(deals: list[Opportunity]) -> pd.DataFrame:
    rows = [a.model_dump() for a in datasets.activities(deals)]
    return pd.DataFrame(rows).assign(kind=lambda f: f["kind"].astype(str))


def test_activity_calculators_take_a_checked_frame() -> None:
    deals = datasets.opportunities(PIPE, n=60)
    acts = _activities(deals)
    checked = CheckedFrame.of(acts, ACTIVITIES)
    assert activity_counts(checked, period=Q2) == activity_counts(acts, period=Q2)
    at = datetime(2026, 5, 15, tzinfo=UTC)
    frame, changes = to_frame(deals, model=Opportunity), history_frame(deals)
    pd.testing.assert_frame_equal(
        idle_open_deals(
            CheckedFrame.of(frame, OPPORTUNITIES),
            PIPE,
            checked,
            as_of=at,
            stage_changes=CheckedFrame.of(changes, STAGE_CHANGES),
        ),
        idle_open_deals(frame, PIPE, acts, as_of=at, stage_changes=changes),
    )


def test_review_checks_each_frame_once(runs: list[str]) -> None:
    deals = datasets.opportunities(PIPE, n=120)
    frame, changes, acts = (
        to_frame(deals, model=Opportunity),
        history_frame(deals),
        _activities(deals),
    )
    kw: dict[str, Any] = {
        "period": Q2,
        "as_of": date(2026, 5, 15),
        "targets": datasets.rep_targets(Q2),
        "organization": datasets.organization(),
        "node": "east",
        "runs": 100,
        "seed": 3,
    }
    expected = review(
        deals, PIPE, activities=datasets.activities(deals), previous=deals[:100], **kw
    )
    runs.clear()
    pack = review(
        frame, PIPE, stage_changes=changes, activities=acts, previous=frame.iloc[:100], **kw
    )
    # deals, their stage changes and the activities once each, and last week's snapshot
    assert sorted(runs) == ["activities", "opportunities", "opportunities", "stage_changes"]
    assert pack.to_dict() == expected.to_dict()


def test_checked_frame_pickles_and_copies_as_checked() -> None:
    checked = CheckedFrame.of(_deals(), OPPORTUNITIES)
    for twin in (pickle.loads(pickle.dumps(checked)), copy.copy(checked), copy.deepcopy(checked)):
        assert isinstance(twin, CheckedFrame) and twin.contract == OPPORTUNITIES
        pd.testing.assert_frame_equal(twin.frame, checked.frame)
