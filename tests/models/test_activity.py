from datetime import UTC, datetime, timedelta

import pytest

from salescore.errors import InvalidInputError, ModelValidationError
from salescore.models import Activity, ActivityKind

WHEN = datetime(2026, 3, 2, 10, tzinfo=UTC)


def test_activity_round_trips_json():
    a = Activity(
        id="A1",
        rep_id="r1",
        kind="follow_up_visit",
        occurred_at=WHEN,
        account_id="C1",
        opportunity_id="D1",
        outcome="  agreed a demo ",
        duration=timedelta(minutes=30),
    )
    assert a.kind is ActivityKind.FOLLOW_UP_VISIT
    assert a.outcome == "agreed a demo"
    assert Activity.model_validate(a.model_dump(mode="json")) == a
    assert "properties" in Activity.model_json_schema()


def test_activity_rejects_naive_timestamp():
    with pytest.raises(ModelValidationError, match="occurred_at"):
        Activity(
            id="A1", rep_id="r1", kind="call", occurred_at=datetime(2026, 3, 2), account_id="C"
        )


def test_activity_rejects_negative_duration():
    with pytest.raises(InvalidInputError, match="negative"):
        Activity(
            id="A1",
            rep_id="r1",
            kind="call",
            occurred_at=WHEN,
            account_id="C",
            duration=timedelta(minutes=-1),
        )


def test_activity_rejects_unknown_kind():
    with pytest.raises(ModelValidationError, match="kind"):
        Activity(id="A1", rep_id="r1", kind="lunch", occurred_at=WHEN, account_id="C")
