from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.errors import InvalidInputError, ModelValidationError, UnknownStageError
from salescore.models import Opportunity, Pipeline, Stage, StageChange, check_opportunities
from salescore.money import Money
from salescore.testing import opportunity_sets, pipelines

PIPE = Pipeline(
    stages=(
        Stage(name="Qualify", order=0, probability=0.1),
        Stage(name="Propose", order=1, probability=0.5),
        Stage(name="Won", order=2, probability=1.0, kind="won"),
        Stage(name="Lost", order=3, probability=0.0, kind="lost"),
    )
)
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _change(frm, to, hours, opp="D1"):
    return StageChange(
        opportunity_id=opp, from_stage=frm, to_stage=to, changed_at=T0 + timedelta(hours=hours)
    )


def _opp(**overrides):
    fields = {
        "id": "D1",
        "owner_id": "R1",
        "amount": "1000",
        "currency": "CNY",
        "stage": "Propose",
        "created_on": date(2026, 1, 5),
    }
    fields.update(overrides)
    return Opportunity(**fields)


def test_opportunity_example():
    deal = _opp(
        history=(_change(None, "Qualify", 0, "42"), _change("Qualify", "Propose", 30, "42")),
        expected_close_date=date(2026, 3, 1),
        probability=0.6,
        account_id="  ",
        id=42,
    )
    assert deal.money == Money("1000", "CNY")
    assert deal.account_id is None
    assert deal.id == "42"


def test_stage_change_naive_timestamp_rejected():
    with pytest.raises(InvalidInputError, match="timezone"):
        StageChange(opportunity_id="D1", to_stage="Qualify", changed_at=datetime(2026, 1, 5))


def test_stage_change_to_itself_rejected():
    with pytest.raises(InvalidInputError, match="from 'Qualify' to itself"):
        _change("Qualify", "Qualify", 0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": -1}, "amount -1 is negative"),
        ({"amount": float("nan")}, "not finite"),
        ({"amount": float("inf")}, "not finite"),
        ({"currency": "XYZ"}, "'XYZ' is not an active ISO 4217"),
        ({"close_date": date(2026, 1, 1)}, "close_date 2026-01-01 is before its created_on"),
        ({"expected_close_date": date(2025, 1, 1)}, "expected_close_date 2025-01-01 is before"),
        ({"probability": 1.5}, "1.5 is outside"),
        ({"id": " "}, "empty"),
        ({"id": None}, "non-empty string"),
        ({"color": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_opportunity_bad_input(overrides, message):
    with pytest.raises(InvalidInputError, match=message):
        _opp(**overrides)


def test_opportunity_history_out_of_order():
    with pytest.raises(InvalidInputError, match="history must be in time order"):
        _opp(history=(_change(None, "Qualify", 10), _change("Qualify", "Propose", 5)))


def test_opportunity_history_inconsistent():
    with pytest.raises(InvalidInputError, match="leaves 'Propose' but the previous entry entered"):
        _opp(history=(_change(None, "Qualify", 0), _change("Propose", "Won", 5)))
    with pytest.raises(InvalidInputError, match="its history ends in 'Qualify'"):
        _opp(history=(_change(None, "Qualify", 0),))
    with pytest.raises(InvalidInputError, match="belongs to 'D9'"):
        _opp(history=(_change(None, "Propose", 0, opp="D9"),))


def test_opportunity_history_mixed_zones_ordered_by_instant():
    east8 = timezone(timedelta(hours=8))
    first = StageChange(
        opportunity_id="D1",
        to_stage="Qualify",
        changed_at=datetime(2026, 1, 5, 16, tzinfo=east8),  # 08:00 UTC
    )
    second = _change("Qualify", "Propose", 0)  # 09:00 UTC
    assert _opp(history=(first, second)).stage == "Propose"


def test_check_opportunities_against_pipeline():
    ok = [_opp(), _opp(id="D2", stage="Won", close_date=date(2026, 2, 1))]
    assert check_opportunities(ok, PIPE) is ok
    with pytest.raises(UnknownStageError, match="opportunity 'D1' stage 'Demo' is not in"):
        check_opportunities([_opp(stage="Demo")], PIPE)
    with pytest.raises(UnknownStageError, match="history stage 'Demo'"):
        check_opportunities(
            [_opp(history=(_change(None, "Demo", 0), _change("Demo", "Propose", 1)))], PIPE
        )
    with pytest.raises(UnknownStageError, match="history stage 'Intro'"):
        check_opportunities([_opp(history=(_change("Intro", "Propose", 1),))], PIPE)
    with pytest.raises(InvalidInputError, match="closed stage 'Won' but has no close_date"):
        check_opportunities([_opp(stage="Won")], PIPE)
    with pytest.raises(InvalidInputError, match="open stage 'Propose' but has close_date"):
        check_opportunities([_opp(close_date=date(2026, 2, 1))], PIPE)
    with pytest.raises(InvalidInputError, match="opportunity id 'D1' appears 2 times"):
        check_opportunities([_opp(), _opp()], PIPE)
    with pytest.raises(InvalidInputError, match=r"and 1 more"):
        check_opportunities([_opp(), _opp(), _opp(id="D2"), _opp(id="D2")], PIPE)


@given(pipelines().flatmap(lambda p: st.tuples(st.just(p), opportunity_sets(p, max_size=8))))
def test_opportunity_sets_are_valid_and_round_trip(data):
    pipeline, opps = data
    check_opportunities(opps, pipeline)
    for opp in opps:
        dumped = opp.model_dump(mode="json")
        again = Opportunity.model_validate(dumped)
        assert again == opp
        assert again.model_dump(mode="json") == dumped


def test_opportunity_json_schema_names_fields():
    schema = Opportunity.model_json_schema()
    assert {"id", "owner_id", "amount", "currency", "stage", "history"} <= set(schema["properties"])
    assert set(schema["required"]) == {
        "id",
        "owner_id",
        "amount",
        "currency",
        "stage",
        "created_on",
    }


def test_model_error_lists_every_failure():
    with pytest.raises(ModelValidationError) as info:
        Opportunity.model_validate({"id": "D1", "amount": -1, "currency": "XYZ"})
    message = str(info.value)
    assert "Opportunity.amount: amount -1 is negative" in message
    assert "Opportunity.currency" in message
    assert "Opportunity.owner_id: Field required" in message
    assert len(info.value.errors) >= 5
