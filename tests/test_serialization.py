"""The JSON contract: every public result turns into JSON, validates, and comes back."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import pkgutil
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import salescore
from salescore._base import FrozenModel
from salescore._tour.commission import tour_credits, tour_plan
from salescore._tour.forecast_timeseries import tour_bookings
from salescore._tour.foundation import tour_opportunities, tour_pipeline
from salescore.calendar import Period
from salescore.commission import statement, statements_frame
from salescore.errors import InvalidInputError
from salescore.forecast import (
    MarkovModel,
    backtest,
    forecast_categories,
    holt_winters,
    simulate,
    stage_win_rates,
    weighted,
)
from salescore.funnel import funnel, funnel_counts, required_pipeline
from salescore.money import Money
from salescore.serialization import Result, frame_from_dict, frame_to_dict, to_jsonable

QUARTER = Period.quarter(2026, 2)
CONTRACT_TYPES = {"Column", "OrderCheck", "DistinctCheck", "MagnitudeCheck", "FrameContract"}


def _public_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(salescore.__path__, "salescore."):
        if "._" in info.name or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if inspect.isclass(obj):
                found[f"{obj.__module__}.{obj.__name__}"] = obj
    return found


def test_every_public_result_type_has_the_json_contract():
    classes = _public_classes()
    results = [c for c in classes.values() if dataclasses.is_dataclass(c)]
    assert len(results) >= 20
    missing = [
        c.__name__
        for c in results
        if c.__name__ not in CONTRACT_TYPES and not issubclass(c, Result)
    ]
    assert missing == []
    for cls in classes.values():
        if issubclass(cls, FrozenModel):
            schema = cls.json_schema()
            assert schema["type"] == "object" or "$defs" in schema or "anyOf" in schema


def _results() -> list[Any]:
    pipeline = tour_pipeline()
    deals = tour_opportunities(pipeline, n=120)
    report = funnel(deals, pipeline)
    plan, credits = tour_plan(), tour_credits()
    january = Period.month(2026, 1)
    mine = [c for c in credits if january.start <= c.credited_on < january.end]
    bookings = tour_bookings()
    credits_df = pd.DataFrame(
        {
            "deal_id": [c.deal_id for c in mine],
            "rep_id": [c.rep_id for c in mine],
            "amount": [float(c.amount.amount) for c in mine],
            "currency": [c.amount.currency for c in mine],
            "credited_on": pd.to_datetime([c.credited_on for c in mine]),
        }
    )
    return [
        report,
        funnel_counts(deals, pipeline),
        required_pipeline(Money("500000", "CNY"), report, period=QUARTER),
        weighted(deals, pipeline, period=QUARTER),
        forecast_categories(deals, pipeline, period=QUARTER),
        stage_win_rates(deals, pipeline, smoothing=5),
        MarkovModel.fit(deals, pipeline, step="week", as_of=date(2026, 4, 1)),
        simulate(deals, pipeline, seed=3, period=QUARTER, n=200),
        holt_winters(bookings, 12, 3),
        backtest(bookings, lambda s, h: holt_winters(s, 12, h), folds=2, horizon=3),
        statement(plan, "R1", mine, period=january, quota=Money("100000", "CNY")),
        statements_frame(plan, credits_df, period=january),
    ]


@pytest.fixture(scope="module")
def results() -> list[Any]:
    return _results()


def test_results_round_trip_through_json_and_validate_against_their_schema(results):
    for result in results:
        data = result.to_dict()
        text = json.dumps(data)  # plain JSON, no custom encoder
        loaded = json.loads(text)
        assert loaded == data, type(result).__name__
        jsonschema.validate(loaded, type(result).json_schema())
        again = type(result).from_dict(loaded)
        assert again.to_dict() == data, type(result).__name__


def test_funnel_report_comes_back_with_its_tables_and_dtypes(results):
    report = results[0]
    again = type(report).from_dict(json.loads(json.dumps(report.to_dict())))
    # Columns come back with their dtypes; index levels come back as plain values.
    pd.testing.assert_frame_equal(
        again.table.reset_index(drop=True), report.table.reset_index(drop=True)
    )
    assert again.table.index.tolist() == report.table.index.tolist()
    assert again.won == report.won and again.win_rate == report.win_rate


def test_to_dict_writes_money_as_decimal_strings_and_dates_as_iso():
    assert to_jsonable(Decimal("1234.50")) == "1234.50"
    assert to_jsonable(date(2026, 3, 1)) == "2026-03-01"
    assert to_jsonable(datetime(2026, 3, 1, 9, 30, tzinfo=UTC)) == ("2026-03-01T09:30:00+00:00")
    assert to_jsonable(timedelta(days=7)) == "P7DT0H0M0S"
    assert to_jsonable([np.float64("nan"), np.inf, np.int32(4), pd.NaT]) == [None, None, 4, None]
    assert to_jsonable(Money("10.50", "CNY")) == {"amount": "10.50", "currency": "CNY"}
    with pytest.raises(InvalidInputError, match="cannot turn object value"):
        to_jsonable(object())


def test_frame_to_dict_by_hand():
    df = pd.DataFrame(
        {"stage": ["Qualify", "Won"], "deals": [3, 1], "rate": [0.25, float("nan")]},
        index=pd.Index(["east", "west"], name="team"),
    )
    d = frame_to_dict(df)
    assert d == {
        "columns": ["stage", "deals", "rate"],
        "index": ["team"],
        "dtypes": {"team": "string", "stage": "string", "deals": "int", "rate": "float"},
        "records": [
            {"team": "east", "stage": "Qualify", "deals": 3, "rate": 0.25},
            {"team": "west", "stage": "Won", "deals": 1, "rate": None},
        ],
    }
    pd.testing.assert_frame_equal(frame_from_dict(d), df)
    with pytest.raises(InvalidInputError, match="needs 'columns', 'index', 'dtypes'"):
        frame_from_dict({"records": []})
    with pytest.raises(InvalidInputError, match="repeat a name"):
        frame_to_dict(pd.DataFrame([[1, 2]], columns=["a", "a"]))


columns = st.fixed_dictionaries(
    {
        "amount": st.lists(
            st.decimals(min_value=-(10**12), max_value=10**12, places=2) | st.none(),
            min_size=4,
            max_size=4,
        ),
        "on": st.lists(st.dates() | st.none(), min_size=4, max_size=4),
        "count": st.lists(st.integers(-(2**62), 2**62), min_size=4, max_size=4),
        "rate": st.lists(st.floats(0, 1) | st.just(float("nan")), min_size=4, max_size=4),
        "name": st.lists(st.text(max_size=8), min_size=4, max_size=4),
        "flag": st.lists(st.booleans(), min_size=4, max_size=4),
    }
)


@given(columns)
def test_frame_to_dict_round_trips_through_json(data):
    df = pd.DataFrame(data)
    df["amount"] = df["amount"].astype(object)
    df["on"] = df["on"].astype(object)
    loaded = json.loads(json.dumps(frame_to_dict(df)))
    jsonschema.validate(loaded, {"$ref": "#/$defs/frame", "$defs": {"frame": _frame_schema()}})
    back = frame_from_dict(loaded)
    assert list(back.columns) == list(df.columns)
    for name in df.columns:
        mine, theirs = back[name].tolist(), df[name].tolist()
        same = [
            (a is None and b is None) or (a != a and b != b) or a == b  # NaN equals NaN here
            for a, b in zip(mine, theirs, strict=True)
        ]
        assert all(same), name
    assert back["count"].dtype == np.int64 and back["flag"].dtype == bool


def _frame_schema() -> dict[str, Any]:
    from salescore.serialization import FRAME_SCHEMA

    return FRAME_SCHEMA


def test_models_have_the_same_contract():
    money = Money("12.30", "CNY")
    assert Money.from_dict(json.loads(json.dumps(money.to_dict()))) == money
    jsonschema.validate(money.to_dict(), Money.json_schema())


def test_sets_are_written_in_a_stable_order():
    assert to_jsonable(frozenset({"b", "a", "c"})) == ["a", "b", "c"]
    assert to_jsonable({3, 1, 2}) == [1, 2, 3]


def test_a_default_index_is_written_the_same_whatever_its_type():
    # A frame built from columns can carry an int64 0..n-1 index instead of a RangeIndex;
    # both are the default index, so a reloaded result writes the same JSON again.
    values = pd.DataFrame({"x": [1.5, 2.5]})
    as_int64 = values.set_axis(pd.Index([0, 1], dtype=np.int64))
    assert frame_to_dict(as_int64) == frame_to_dict(values)
    assert frame_to_dict(values)["index"] == []
    back = frame_from_dict(frame_to_dict(as_int64))
    assert isinstance(back.index, pd.RangeIndex)
    # An index that is not 0..n-1, or is named, is kept.
    assert frame_to_dict(values.set_axis(pd.Index([1, 2])))["index"] == ["index"]
    assert frame_to_dict(values.rename_axis("row"))["index"] == ["row"]
