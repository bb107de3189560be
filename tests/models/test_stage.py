from __future__ import annotations

import pytest
from hypothesis import given

from salescore.errors import InvalidInputError, UnknownStageError
from salescore.models import ForecastCategory, Pipeline, Stage, StageKind
from salescore.testing import pipelines


def _pipeline() -> Pipeline:
    return Pipeline(
        stages=(
            Stage(name="Won", order=3, probability=1.0, kind="won"),
            Stage(name="Qualify", order=0, probability=0.1),
            Stage(name="Propose", order=1, probability=0.5, forecast_category="Best Case"),
            Stage(name="Lost", order=4, probability=0.0, kind="lost"),
        )
    )


def test_pipeline_sorted_by_order():
    p = _pipeline()
    assert p.names == ("Qualify", "Propose", "Won", "Lost")
    assert [s.name for s in p] == list(p.names)
    assert len(p) == 4
    assert p.index("Won") == 2
    assert "Propose" in p and "Demo" not in p


def test_stage_default_forecast_categories():
    p = _pipeline()
    assert p["Qualify"].forecast_category is ForecastCategory.PIPELINE
    assert p["Propose"].forecast_category is ForecastCategory.BEST_CASE
    assert p["Won"].forecast_category is ForecastCategory.CLOSED
    assert p["Lost"].forecast_category is ForecastCategory.OMITTED
    assert [s.name for s in p.won_stages] == ["Won"]
    assert [s.name for s in p.lost_stages] == ["Lost"]
    assert p["Won"].is_closed and not p["Qualify"].is_closed


def test_pipeline_unknown_stage_names_known_ones():
    with pytest.raises(UnknownStageError, match="'Demo' is not in the pipeline; known stages: Q"):
        _pipeline()["Demo"]
    with pytest.raises(KeyError):
        _pipeline().check_stage("Demo", what="opportunity 'D1' stage")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Won", "order": 1, "probability": 0.9, "kind": "won"}, "won stages must have"),
        ({"name": "Lost", "order": 1, "probability": 0.1, "kind": "lost"}, "lost stages must have"),
        ({"name": "X", "order": 1, "probability": 1.2}, "stage 'X' probability 1.2 is outside"),
        ({"name": "X", "order": 1, "probability": float("nan")}, "not finite"),
        ({"name": "  ", "order": 1, "probability": 0.5}, "blank"),
        ({"name": "X", "order": -1, "probability": 0.5}, "order"),
    ],
)
def test_stage_bad_input(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        Stage(**kwargs)


def test_pipeline_bad_input():
    won = Stage(name="Won", order=8, probability=1.0, kind=StageKind.WON)
    lost = Stage(name="Lost", order=9, probability=0.0, kind=StageKind.LOST)
    a = Stage(name="A", order=0, probability=0.2)
    with pytest.raises(InvalidInputError, match="no stages"):
        Pipeline(stages=())
    with pytest.raises(InvalidInputError, match="'A' appears twice"):
        Pipeline(stages=(a, a.model_copy(update={"order": 1}), won, lost))
    with pytest.raises(InvalidInputError, match="share order 0"):
        Pipeline(stages=(a, a.model_copy(update={"name": "B"}), won, lost))
    with pytest.raises(InvalidInputError, match="no won stage"):
        Pipeline(stages=(a, lost))
    with pytest.raises(InvalidInputError, match="no lost stage"):
        Pipeline(stages=(a, won))


@given(pipelines())
def test_pipeline_json_round_trip(p):
    dumped = p.model_dump(mode="json")
    assert Pipeline.model_validate(dumped) == p
    assert Pipeline.model_validate(dumped).model_dump(mode="json") == dumped
    assert list(p.names) == [s.name for s in sorted(p.stages, key=lambda s: s.order)]
