"""The mapping engine: how each kind of field is read, and how bad rows are named."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salescore.crm import ERROR_COLUMNS, Field, FieldMap, read_fields, salesforce
from salescore.crm._engine import changes_from_sequence, pipeline_from
from salescore.errors import InvalidInputError


def one(parse: str, values: list[Any], **options: Any) -> tuple[list[Any], list[str]]:
    m = FieldMap(system="t", record="r", fields={"x": Field(source="x", parse=parse, **options)})
    frame, errors = read_fields([{"x": v} for v in values], m, input="rows")
    return frame["x"].tolist(), errors["reason"].tolist()


def test_read_fields_text_keeps_ids_as_their_digits():
    assert one("text", [12345, 7.0, "A1", "", False, None]) == (
        ["12345", "7", "A1", None, None, None],
        [],
    )
    frame = pd.DataFrame({"x": pd.Series(["a", None], dtype="string")})
    m = FieldMap(system="t", record="r", fields={"x": Field(source="x")})
    typed = read_fields(frame, m, input="rows")[0]["x"]
    assert typed.dtype == frame["x"].dtype  # a typed text column is kept as it is
    assert [None if pd.isna(v) else v for v in typed] == ["a", None]


def test_read_fields_numbers_percentages_and_bools():
    values, reasons = one("number", ["1500.00", 3, "1e3", "ten", None])
    assert values[:3] == [1500.0, 3.0, 1000.0] and np.isnan(values[3]) and np.isnan(values[4])
    assert reasons == ["not_a_number"]
    assert one("percent", [20, "12.5"])[0] == [0.2, 0.125]
    assert one("bool", [True, "false", "YES", 0, 1.0, "maybe"]) == (
        [True, False, True, False, True, None],
        ["not_a_bool"],
    )
    frame = pd.DataFrame({"x": [True, False]})
    m = FieldMap(system="t", record="r", fields={"x": Field(source="x", parse="bool")})
    assert read_fields(frame, m, input="rows")[0]["x"].tolist() == [True, False]


def test_read_fields_times_in_utc_whatever_the_shape():
    values, reasons = one(
        "datetime",
        ["2026-01-05T09:30:00.000+0000", "2026-01-05 17:30:00+08:00", "2026-01-05 09:30:00", "x"],
    )
    at = pd.Timestamp(datetime(2026, 1, 5, 9, 30, tzinfo=UTC))
    assert values[:3] == [at, at, at] and pd.isna(values[3])
    assert reasons == ["not_a_datetime"]
    # Naive times of a site in Shanghai (ERPNext) are 8 hours ahead of UTC.
    assert one("datetime", ["2026-01-05 17:30:00"], timezone="Asia/Shanghai")[0] == [at]
    assert one("epoch_ms", [1767605400000])[0] == [at]
    assert one("date", ["05/01/2026"], format="%d/%m/%Y")[0] == [pd.Timestamp(2026, 1, 5)]
    aware = pd.DataFrame({"x": pd.Series([at]).dt.tz_convert("Asia/Tokyo")})
    m = FieldMap(system="t", record="r", fields={"x": Field(source="x", parse="datetime")})
    assert read_fields(aware, m, input="rows")[0]["x"].tolist() == [at]


def test_read_fields_odoo_references_recoding_and_defaults():
    assert one("reference_id", [[3, "Proposition"], False, "oops"]) == (
        ["3", None, None],
        ["not_a_reference"],
    )
    assert one("reference_name", [[3, "Proposition"]])[0] == ["Proposition"]
    assert one("text", ["s1", "s2"], recode={"s1": "Qualify"})[0] == ["Qualify", "s2"]
    assert one("text", [None, "EUR"], default="USD")[0] == ["USD", "EUR"]
    assert one("number", [None, 2], default=0.0)[0] == [0.0, 2.0]
    stamps = one("date", [None], default="2017-12-31")[0]
    assert stamps == [pd.Timestamp(2017, 12, 31)]
    assert one("datetime", [None], default="2017-12-31T00:00:00Z")[0] == [
        pd.Timestamp(2017, 12, 31, tz="UTC")
    ]


def test_read_fields_reads_dotted_paths_and_flat_keys_with_dots():
    m = FieldMap(
        system="t", record="r", fields={"a": Field(source="p.q"), "b": Field(source="c.d")}
    )
    frame, _ = read_fields([{"p": {"q": "deep"}, "c.d": "flat"}, {"p": "not a dict"}], m, input="r")
    assert frame.to_dict("records") == [{"a": "deep", "b": "flat"}, {"a": None, "b": None}]


def test_read_fields_refuses_what_is_not_records():
    m = FieldMap(system="t", record="r", fields={"x": Field(source="x")})
    with pytest.raises(InvalidInputError, match="record 1 is str"):
        read_fields([{"x": 1}, "x"], m, input="deals")  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="not a DataFrame or a sequence"):
        read_fields("x", m, input="deals")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="not a FieldMap"):
        read_fields([], {"x": "x"}, input="deals")  # type: ignore[arg-type]
    optional = FieldMap(
        system="t",
        record="r",
        fields={"x": Field(source="x"), "y": Field(source="y", required=False)},
    )
    assert read_fields(pd.DataFrame({"x": [1]}), optional, input="d")[0]["y"].tolist() == [None]


def test_field_map_with_fields_and_defaults():
    m = salesforce.OPPORTUNITY
    changed = m.with_fields(amount="Amount__c", product=Field(source="Family"), account_id=None)
    assert changed.fields["amount"].parse == "number"  # a source name keeps how it is read
    assert changed.fields["amount"].source == "Amount__c"
    assert changed.fields["product"].source == "Family"
    assert changed.fields["account_id"].source is None
    assert m.fields["amount"].source == "Amount"  # the shipped map is untouched
    assert m.with_defaults(currency="CNY").fields["currency"].default == "CNY"
    with pytest.raises(InvalidInputError, match="not a Field, a source name or None"):
        m.with_fields(amount=3)  # type: ignore[arg-type]
    # A map is data: it round-trips through JSON.
    assert type(m).from_dict(m.to_dict()) == m


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(st.sampled_from("ABC"), st.sampled_from(["s1", "s2", "s3"]), st.integers(0, 50)),
        max_size=30,
    )
)
def test_changes_from_sequence_keeps_every_observation(rows):
    frame = pd.DataFrame(rows, columns=["deal", "stage", "t"])
    at = pd.Series(pd.Timestamp(2026, 1, 1, tz="UTC") + pd.to_timedelta(frame["t"], unit="h"))
    changes, merged = changes_from_sequence(frame["deal"], frame["stage"], at)
    # Every observation is a change or merged, never both, never neither.
    assert len(changes) + int(merged.sum()) == len(frame)
    assert not set(changes.index) & set(frame.index[merged])
    # Chains are consistent: each change leaves the stage the one before entered.
    for _, mine in changes.groupby("opportunity_id", sort=False):
        ordered = mine.sort_values("changed_at", kind="stable")
        previous = [None, *ordered["to_stage"].tolist()[:-1]]
        assert ordered["from_stage"].tolist() == previous
        assert (ordered["from_stage"] != ordered["to_stage"]).all()


def test_pipeline_from_names_what_it_cannot_build():
    with pytest.raises(InvalidInputError, match="has no stage records"):
        pipeline_from(pd.DataFrame(), pd.DataFrame(columns=list(ERROR_COLUMNS)), name="x")
    stages = pd.DataFrame(
        {"name": ["A", "W", "L"], "is_closed": [False, True, True], "is_won": [False, True, False]}
    )
    with pytest.raises(InvalidInputError, match="stage 'A' of pipeline 'x' has no probability"):
        pipeline_from(stages, pd.DataFrame(columns=list(ERROR_COLUMNS)), name="x")
    built = pipeline_from(
        stages.assign(probability=[0.3, np.nan, np.nan]),
        pd.DataFrame(columns=list(ERROR_COLUMNS)),
        name="x",
    )
    assert [(s.name, s.order, s.probability) for s in built.stages] == [
        ("A", 0, 0.3),
        ("W", 1, 1.0),
        ("L", 2, 0.0),
    ]


def sf_stages() -> list[dict[str, Any]]:
    return [
        {
            "MasterLabel": "Qualify",
            "SortOrder": 1,
            "DefaultProbability": 20,
            "IsClosed": False,
            "IsWon": False,
        },
        {
            "MasterLabel": "Won",
            "SortOrder": 2,
            "DefaultProbability": 100,
            "IsClosed": True,
            "IsWon": True,
        },
        {
            "MasterLabel": "Lost",
            "SortOrder": 3,
            "DefaultProbability": 0,
            "IsClosed": True,
            "IsWon": False,
        },
    ]


def sf_deal(i: str, stage: str) -> dict[str, Any]:
    return {
        "Id": i,
        "OwnerId": "U1",
        "Amount": 100.0,
        "StageName": stage,
        "CreatedDate": "2026-01-05T09:00:00Z",
        "CloseDate": "2026-02-01",
    }


def test_finish_refuses_deals_whose_history_does_not_fit():
    deals = [sf_deal(i, s) for i, s in (("A", "Won"), ("B", "Won"), ("C", "Qualify"), ("D", "Won"))]
    history: list[dict[str, Any]] = [
        # A: ends in Qualify although the deal is Won.
        {"OpportunityId": "A", "StageName": "Qualify", "CreatedDate": "2026-01-05T09:00:00Z"},
        # B: passes through a stage the pipeline no longer has.
        {"OpportunityId": "B", "StageName": "Demo", "CreatedDate": "2026-01-05T09:00:00Z"},
        {"OpportunityId": "B", "StageName": "Won", "CreatedDate": "2026-01-09T09:00:00Z"},
        # A row of a deal that is not in the export, and a deleted row.
        {"OpportunityId": "Z", "StageName": "Qualify", "CreatedDate": "2026-01-05T09:00:00Z"},
        {
            "OpportunityId": "C",
            "StageName": "Qualify",
            "CreatedDate": "2026-01-05T09:00:00Z",
            "IsDeleted": True,
        },
        # A row with no time: it cannot be ordered.
        {"OpportunityId": "C", "StageName": "Qualify", "CreatedDate": None},
        {"OpportunityId": "C", "StageName": "Qualify", "CreatedDate": "2026-01-05T09:00:00Z"},
        # D: a clean history, its second row repeating the stage (an amount change).
        {"OpportunityId": "D", "StageName": "Qualify", "CreatedDate": "2026-01-05T09:00:00Z"},
        {"OpportunityId": "D", "StageName": "Qualify", "CreatedDate": "2026-01-06T09:00:00Z"},
        {"OpportunityId": "D", "StageName": "Won", "CreatedDate": "2026-01-07T09:00:00Z"},
    ]
    imp = salesforce.load(deals, stages=sf_stages(), history=history, currency="USD")
    assert imp.opportunities["id"].tolist() == ["D"]
    assert imp.stage_changes["changed_at"].dt.day.tolist() == [5, 7]
    reasons = {(e["input"], e["row"]): e["reason"] for e in imp.errors.to_dict("records")}
    assert reasons[("opportunities", 0)] == "history_ends_elsewhere"
    assert reasons[("opportunities", 1)] == "history_not_imported"
    assert reasons[("history", 1)] == "unknown_stage"
    assert reasons[("history", 3)] == "deal_not_imported"
    assert reasons[("history", 4)] == "deleted"
    assert reasons[("history", 5)] == "not_null"
    # C's history has a row that cannot be placed: C is not imported on a guess.
    assert reasons[("opportunities", 2)] == "history_not_imported"
    assert imp.counts.loc["history", "merged"] == 1
    counts = imp.counts
    assert (counts["rows"] == counts["imported"] + counts["failed"] + counts["merged"]).all()


def test_field_history_deleted_rows_are_named():
    deals = [sf_deal("A", "Won")]
    rows: list[dict[str, Any]] = [
        {
            "OpportunityId": "A",
            "Field": "StageName",
            "OldValue": "Qualify",
            "NewValue": "Won",
            "CreatedDate": "2026-01-09T09:00:00Z",
        },
        {
            "OpportunityId": "A",
            "Field": "StageName",
            "OldValue": "Won",
            "NewValue": "Lost",
            "CreatedDate": "2026-01-10T09:00:00Z",
            "IsDeleted": True,
        },
    ]
    imp = salesforce.load(deals, stages=sf_stages(), field_history=rows, currency="USD")
    assert imp.stage_changes[["from_stage", "to_stage"]].values.tolist() == [
        [None, "Qualify"],
        ["Qualify", "Won"],
    ]
    assert imp.errors["reason"].tolist() == ["deleted"]
