from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salescore._base import FrozenModel
from salescore.calendar import Period
from salescore.errors import (
    FrameValidationError,
    InvalidInputError,
    ModelValidationError,
    UnknownStageError,
)
from salescore.frames import (
    CHANNELS,
    CONTRACTS,
    OPPORTUNITIES,
    REASONS,
    REPS,
    STAGE_CHANGES,
    TARGETS,
    TEAMS,
    Column,
    DistinctCheck,
    FrameContract,
    OrderCheck,
    UnknownStageValuesError,
    check_stage_column,
    contract_for,
    empty_failures,
    from_frame,
    history_frame,
    partition_frame,
    to_frame,
    validate_frame,
)
from salescore.models import (
    Channel,
    Opportunity,
    Owner,
    Pipeline,
    Rep,
    Stage,
    StageChange,
    Target,
    Team,
)
from salescore.testing import (
    channels,
    opportunity_sets,
    organizations,
    pipelines,
    targets,
)

PIPE = Pipeline(
    stages=(
        Stage(name="Qualify", order=0, probability=0.1),
        Stage(name="Propose", order=1, probability=0.5),
        Stage(name="Won", order=2, probability=1.0, kind="won"),
        Stage(name="Lost", order=3, probability=0.0, kind="lost"),
    )
)
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _deals(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"D{i}" for i in range(n)],
            "owner_id": ["R1"] * n,
            "amount": [1000.0 * (i + 1) for i in range(n)],
            "currency": ["CNY"] * n,
            "stage": ["Qualify"] * n,
            "created_on": pd.to_datetime(["2026-01-05"] * n),
        }
    )


def _obj(*values: object) -> pd.Series:
    """A Series of Python objects (None stays None)."""
    return pd.Series(list(values), dtype=object)


def _failures(df: pd.DataFrame, contract: FrameContract = OPPORTUNITIES, **kw) -> pd.DataFrame:
    with pytest.raises(FrameValidationError) as info:
        validate_frame(df, contract, **kw)
    return info.value.failures


def _reasons(failures: pd.DataFrame) -> list[tuple[object, str, str]]:
    return list(zip(failures["row"], failures["column"], failures["reason"], strict=True))


# --------------------------------------------------------------------------- contracts
def test_contracts_cover_every_model():
    assert set(CONTRACTS) == {
        "opportunities",
        "stage_changes",
        "reps",
        "teams",
        "channels",
        "targets",
    }
    pairs: list[tuple[type[FrozenModel], FrameContract]] = [
        (Opportunity, OPPORTUNITIES),
        (StageChange, STAGE_CHANGES),
        (Rep, REPS),
        (Team, TEAMS),
        (Channel, CHANNELS),
        (Target, TARGETS),
    ]
    for model, contract in pairs:
        assert contract_for(model) is contract


def test_opportunities_contract_matches_model_fields():
    fields = [f for f in Opportunity.model_fields if f != "history"]
    assert list(OPPORTUNITIES.names) == fields
    assert list(STAGE_CHANGES.names) == list(StageChange.model_fields)
    assert list(REPS.names) == list(Rep.model_fields)
    assert list(TEAMS.names) == list(Team.model_fields)
    assert list(CHANNELS.names) == list(Channel.model_fields)


def test_contract_for_unknown_model():
    with pytest.raises(InvalidInputError, match="no frame contract for 'Stage'; known models:"):
        contract_for(Stage)


def test_contract_lookup_and_properties():
    assert OPPORTUNITIES["amount"].non_negative
    assert "amount" in OPPORTUNITIES
    assert "history" not in OPPORTUNITIES
    assert OPPORTUNITIES.required == ("id", "owner_id", "amount", "currency", "stage", "created_on")
    assert OPPORTUNITIES.dtypes["created_on"] == "datetime64[us]"
    assert STAGE_CHANGES.dtypes["changed_at"] == "datetime64[us, UTC]"
    assert list(OPPORTUNITIES.dtypes["forecast_category"].categories) == [
        "Pipeline",
        "Best Case",
        "Commit",
        "Closed",
        "Omitted",
    ]
    with pytest.raises(InvalidInputError, match="has no column 'amt'; columns: id, owner_id"):
        OPPORTUNITIES["amt"]


def test_contract_extend_adds_columns_and_checks():
    extended = OPPORTUNITIES.extend(
        name="credits",
        columns=(Column("credit_on", "date"),),
        checks=(OrderCheck("created_on", "credit_on"),),
    )
    assert extended.name == "credits"
    assert extended.names[-1] == "credit_on"
    assert len(extended.checks) == len(OPPORTUNITIES.checks) + 1
    assert OPPORTUNITIES.extend().description == OPPORTUNITIES.description


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "", "kind": "float"}, "column name '' must be a non-empty string"),
        ({"name": "x", "kind": "money"}, "column 'x' kind 'money' is not one of bool, category"),
        ({"name": "x", "kind": "float", "required": False}, "optional but not nullable"),
        ({"name": "x", "kind": "string", "bounds": (0, 1)}, "cannot have numeric bounds"),
        ({"name": "x", "kind": "date", "non_negative": True}, "cannot have numeric bounds"),
        ({"name": "x", "kind": "float", "bounds": (1, 0)}, r"bounds \(1, 0\) must satisfy"),
        ({"name": "x", "kind": "float", "bounds": (float("nan"), 1)}, "must satisfy lo <= hi"),
        ({"name": "x", "kind": "float", "allowed": ("a",)}, "cannot have allowed values"),
        ({"name": "x", "kind": "int", "is_currency": True}, "cannot have allowed values"),
        ({"name": "x", "kind": "category"}, "needs its allowed values"),
    ],
)
def test_column_rejects_bad_rules(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        Column(**kwargs)


def test_contract_rejects_bad_definitions():
    a, b = Column("a", "date"), Column("b", "float")
    with pytest.raises(InvalidInputError, match="names column 'a' twice"):
        FrameContract("c", (a, a))
    with pytest.raises(InvalidInputError, match="uses unknown column 'z'; known: a, b"):
        FrameContract("c", (a, b), (OrderCheck("a", "z"),))
    with pytest.raises(InvalidInputError, match="compares columns of different kinds"):
        FrameContract("c", (a, b), (OrderCheck("a", "b"),))
    # text and category columns may be compared with each other
    FrameContract(
        "c",
        (Column("s", "string"), Column("k", "category", allowed=("x",))),
        (DistinctCheck("s", "k"),),
    )


def test_column_rule_texts():
    assert OPPORTUNITIES["probability"].rule("out_of_range") == "must lie in [0.0, 1.0]"
    assert (
        OPPORTUNITIES["forecast_category"]
        .rule("not_allowed")
        .startswith("allowed: 'Pipeline', 'Best Case'")
    )
    assert OPPORTUNITIES["created_on"].rule("wrong_type") == "expected a date"
    assert OPPORTUNITIES["amount"].rule("negative") == REASONS["negative"]
    assert OrderCheck("a", "b", strict=True).describe() == "b must be after a"


# --------------------------------------------------------------------------- validate_frame
def test_validate_frame_returns_coerced_copy_and_keeps_input():
    df = _deals().assign(extra=[1, 2, 3])
    df.index = pd.Index(["x", "y", "z"])
    before = df.copy(deep=True)
    out = validate_frame(df, OPPORTUNITIES)
    pd.testing.assert_frame_equal(df, before)
    assert out is not df
    assert list(out.index) == ["x", "y", "z"]
    assert list(out.columns) == [*df.columns, *OPPORTUNITIES.names[6:]]
    assert out["extra"].tolist() == [1, 2, 3]
    for name, dtype in OPPORTUNITIES.dtypes.items():
        assert out[name].dtype == dtype, name
    assert out["close_date"].isna().all()


def test_validate_frame_is_idempotent():
    once = validate_frame(_deals(), OPPORTUNITIES)
    pd.testing.assert_frame_equal(validate_frame(once, OPPORTUNITIES), once)


def test_validate_frame_missing_required_column():
    failures = _failures(_deals().drop(columns=["amount", "currency"]))
    assert _reasons(failures) == [
        (None, "amount", "missing_column"),
        (None, "currency", "missing_column"),
    ]
    assert failures["value"].isna().all()


def test_validate_frame_missing_column_message():
    with pytest.raises(FrameValidationError, match="column 'amount' is missing"):
        validate_frame(_deals().drop(columns=["amount"]), OPPORTUNITIES)


def test_validate_frame_nan_and_infinite_money():
    df = _deals().astype({"amount": float})
    df.loc[0, "amount"] = np.nan
    df.loc[1, "amount"] = np.inf
    df.loc[2, "amount"] = -np.inf
    failures = _failures(df)
    assert _reasons(failures) == [
        (1, "amount", "not_finite"),
        (2, "amount", "not_finite"),
        (2, "amount", "negative"),
        (0, "amount", "not_null"),
    ]


def test_validate_frame_message_names_value_and_rule():
    df = _deals()
    df.loc[1, "amount"] = -500.0
    with pytest.raises(FrameValidationError) as info:
        validate_frame(df, OPPORTUNITIES)
    assert str(info.value) == (
        "opportunities frame failed validation with 1 failure in 1 row: amount negative in "
        "1 row (e.g. row 1: -500.0; numbers must be >= 0)"
    )
    assert isinstance(info.value, ValueError)


def test_validate_frame_probability_outside_unit_interval():
    df = _deals().assign(probability=[1.2, -0.1, np.nan])
    failures = _failures(df)
    assert _reasons(failures) == [
        (0, "probability", "out_of_range"),
        (1, "probability", "out_of_range"),
    ]
    assert failures["value"].tolist() == [1.2, -0.1]
    with pytest.raises(FrameValidationError, match=r"must lie in \[0.0, 1.0\]"):
        validate_frame(df, OPPORTUNITIES)


def test_validate_frame_probability_infinite():
    failures = _failures(_deals().assign(probability=[np.inf, 0.5, np.nan]))
    assert _reasons(failures) == [
        (0, "probability", "not_finite"),
        (0, "probability", "out_of_range"),
    ]


def test_validate_frame_unknown_currency():
    df = _deals()
    df.loc[2, "currency"] = "RMB"
    failures = _failures(df)
    assert _reasons(failures) == [(2, "currency", "unknown_currency")]
    with pytest.raises(FrameValidationError, match="'RMB'; currencies must be active ISO 4217"):
        validate_frame(df, OPPORTUNITIES)


def test_validate_frame_duplicate_ids_reports_every_copy():
    df = _deals()
    df.loc[2, "id"] = "D0"
    assert _reasons(_failures(df)) == [(0, "id", "duplicate"), (2, "id", "duplicate")]


def test_validate_frame_null_and_blank_ids():
    df = _deals(5)
    df["id"] = ["D1", None, "", "  ", "\u3000"]  # the last is an ideographic space
    assert _reasons(_failures(df)) == [(i, "id", "not_null") for i in (1, 2, 3, 4)]


def test_validate_frame_blank_ids_without_uniqueness_are_null():
    # A stage change's deal id is checked for blanks without hashing the column.
    df = pd.DataFrame(
        {
            "opportunity_id": ["D1", " ", None, "\u3000", "D2"],
            "from_stage": [None] * 5,
            "to_stage": ["Qualify"] * 5,
            "changed_at": pd.Timestamp("2026-01-05", tz="UTC"),
        }
    )
    assert _reasons(_failures(df, STAGE_CHANGES)) == [
        (i, "opportunity_id", "not_null") for i in (1, 2, 3)
    ]
    ok = validate_frame(df.iloc[[0, 4]], STAGE_CHANGES)
    assert ok["opportunity_id"].tolist() == ["D1", "D2"]


def test_validate_frame_blank_optional_text_is_kept():
    out = validate_frame(_deals().assign(product=_obj("", " x ", None)), OPPORTUNITIES)
    assert out["product"].tolist()[:2] == ["", " x "]


def test_validate_frame_non_ascii_ids_are_not_blank():
    out = validate_frame(_deals().assign(id=["单1", "单2", "\u00e9"]), OPPORTUNITIES)
    assert out["id"].tolist() == ["单1", "单2", "é"]


def test_validate_frame_close_date_before_created():
    df = _deals().assign(close_date=pd.to_datetime(_obj("2026-01-04", "2026-01-05", None)))
    failures = _failures(df)
    assert _reasons(failures) == [(0, "close_date", "order")]
    assert failures["value"].iloc[0] == pd.Timestamp("2026-01-04")
    with pytest.raises(FrameValidationError, match="close_date must be on or after created_on"):
        validate_frame(df, OPPORTUNITIES)


def test_validate_frame_order_skips_rows_with_other_failures():
    df = _deals().assign(close_date=_obj("2026-01-01", "soon", None))
    assert _reasons(_failures(df)) == [(1, "close_date", "wrong_type"), (0, "close_date", "order")]


def test_validate_frame_strict_order_for_periods():
    df = pd.DataFrame(
        {
            "id": ["T1", "T2"],
            "period_start": pd.to_datetime(["2026-01-01", "2026-01-01"]),
            "period_end": pd.to_datetime(["2026-01-01", "2026-02-01"]),
        }
    )
    assert _reasons(_failures(df, TARGETS)) == [(0, "period_end", "order")]


def test_validate_frame_not_allowed_category():
    df = _deals().assign(forecast_category=_obj("Commit", "Maybe", None))
    failures = _failures(df)
    assert _reasons(failures) == [(1, "forecast_category", "not_allowed")]
    with pytest.raises(FrameValidationError, match="'Maybe'; allowed: 'Pipeline', 'Best Case'"):
        validate_frame(df, OPPORTUNITIES)


def test_validate_frame_categorical_input():
    cats = pd.Categorical(["Commit", "Maybe", None], categories=["Commit", "Maybe"])
    assert _reasons(_failures(_deals().assign(forecast_category=cats))) == [
        (1, "forecast_category", "not_allowed")
    ]
    ok = pd.Categorical(["Commit", None, "Pipeline"])
    out = validate_frame(
        _deals().assign(forecast_category=ok, owner_id=pd.Categorical(["R1", "R2", "R1"])),
        OPPORTUNITIES,
    )
    assert out["forecast_category"].tolist()[0] == "Commit"
    assert out["owner_id"].dtype == "str"


def test_validate_frame_naive_timestamps():
    df = pd.DataFrame(
        {
            "opportunity_id": ["D1", "D1"],
            "from_stage": [None, "Qualify"],
            "to_stage": ["Qualify", "Won"],
            "changed_at": pd.to_datetime(["2026-01-05 09:00", "2026-02-01 10:00"]),
        }
    )
    failures = _failures(df, STAGE_CHANGES)
    assert _reasons(failures) == [
        (0, "changed_at", "naive_datetime"),
        (1, "changed_at", "naive_datetime"),
    ]
    with pytest.raises(FrameValidationError, match="timestamps must be timezone-aware"):
        validate_frame(df, STAGE_CHANGES)


def test_validate_frame_mixed_zone_timestamps_become_utc():
    at = [
        datetime(2026, 1, 5, 9, tzinfo=timezone(timedelta(hours=8))),
        datetime(2026, 1, 5, 9, tzinfo=UTC),
        "2026-01-06T09:00:00-05:00",
    ]
    df = pd.DataFrame(
        {
            "opportunity_id": ["D1"] * 3,
            "from_stage": [None, "A", "B"],
            "to_stage": ["A", "B", "C"],
            "changed_at": pd.Series(at, dtype=object),
        }
    )
    out = validate_frame(df, STAGE_CHANGES)
    assert out["changed_at"].dt.strftime("%d %H").tolist() == ["05 01", "05 09", "06 14"]


def test_validate_frame_mixed_naive_and_aware_objects():
    at = pd.Series([T0, datetime(2026, 1, 5, 9), "later", 3, date(2026, 1, 5), None], dtype=object)
    df = pd.DataFrame(
        {
            "opportunity_id": ["D1"] * 6,
            "to_stage": ["A"] * 6,
            "changed_at": at,
        }
    )
    assert _reasons(_failures(df, STAGE_CHANGES)) == [
        (2, "changed_at", "wrong_type"),
        (3, "changed_at", "wrong_type"),
        (1, "changed_at", "naive_datetime"),
        (4, "changed_at", "naive_datetime"),
        (5, "changed_at", "not_null"),
    ]


def test_validate_frame_aware_or_timed_dates():
    aware = pd.to_datetime(["2026-01-05", "2026-01-06", "2026-01-07"]).tz_localize("Asia/Shanghai")
    failures = _failures(_deals().assign(created_on=aware))
    assert _reasons(failures) == [(i, "created_on", "aware_date") for i in range(3)]
    timed = pd.to_datetime(_obj("2026-01-05 00:00", "2026-01-06 13:45", None))
    assert _reasons(_failures(_deals().assign(expected_close_date=timed))) == [
        (1, "expected_close_date", "aware_date")
    ]


def test_validate_frame_dates_from_objects_and_text():
    objects = pd.Series([date(2026, 1, 5), datetime(2026, 1, 6), None], dtype=object)
    out = validate_frame(
        _deals().assign(created_on=["2026-01-05", "2026-01-06", "2026-01-07"], close_date=objects),
        OPPORTUNITIES,
    )
    assert out["created_on"].dt.day.tolist() == [5, 6, 7]
    assert out["close_date"].iloc[1] == pd.Timestamp("2026-01-06")
    assert out["close_date"].dtype == "datetime64[us]"


def test_validate_frame_dates_mixed_objects():
    mixed = pd.Series(
        ["2026-01-05", date(2026, 1, 6), "5 Jan 2026", "10000-01-01", 1.5, pd.Timestamp(T0)],
        dtype=object,
    )
    df = _deals(6).assign(expected_close_date=mixed)
    assert _reasons(_failures(df)) == [
        (3, "expected_close_date", "wrong_type"),
        (4, "expected_close_date", "wrong_type"),
        (5, "expected_close_date", "aware_date"),
    ]


def test_validate_frame_numbers_in_a_date_column():
    assert _reasons(_failures(_deals().assign(created_on=[1.0, 2.0, np.nan]))) == [
        (0, "created_on", "wrong_type"),
        (1, "created_on", "wrong_type"),
        (2, "created_on", "not_null"),
    ]


def test_validate_frame_amounts_as_text_and_decimals():
    df = _deals().assign(amount=pd.Series(["12.50", Decimal("3.1"), "lots"], dtype=object))
    failures = _failures(df)
    assert _reasons(failures) == [(2, "amount", "wrong_type")]
    assert failures["value"].tolist() == ["lots"]
    ok = validate_frame(_deals().assign(amount=["12.50", "0", "7"]), OPPORTUNITIES)
    assert ok["amount"].tolist() == [12.5, 0.0, 7.0]


def test_validate_frame_amounts_wrong_dtypes():
    assert _reasons(_failures(_deals().assign(amount=[True, False, True]))) == [
        (i, "amount", "wrong_type") for i in range(3)
    ]
    ints = validate_frame(_deals().assign(amount=pd.array([1, 2, 3], dtype="Int64")), OPPORTUNITIES)
    assert ints["amount"].dtype == np.float64


def test_validate_frame_ids_as_integers():
    out = validate_frame(_deals().assign(id=[101, 102, 103]), OPPORTUNITIES)
    assert out["id"].tolist() == ["101", "102", "103"]
    mixed = _deals().assign(owner_id=pd.Series([7, "R2", 1.5], dtype=object))
    assert _reasons(_failures(mixed)) == [(2, "owner_id", "wrong_type")]
    assert _reasons(_failures(_deals().assign(stage=[1.0, 2.0, 3.0]))) == [
        (i, "stage", "wrong_type") for i in range(3)
    ]


def test_validate_frame_string_extension_dtype():
    out = validate_frame(_deals().astype({"stage": "string"}), OPPORTUNITIES)
    assert out["stage"].dtype == "str"


def test_validate_frame_same_stage_move():
    df = pd.DataFrame(
        {
            "opportunity_id": ["D1", "D1"],
            "from_stage": ["Qualify", None],
            "to_stage": ["Qualify", "Qualify"],
            "changed_at": pd.to_datetime(["2026-01-05 09:00Z", "2026-01-04 09:00Z"]),
        }
    )
    failures = _failures(df, STAGE_CHANGES)
    assert _reasons(failures) == [(0, "to_stage", "same_value")]
    with pytest.raises(FrameValidationError, match="to_stage must differ from from_stage"):
        validate_frame(df, STAGE_CHANGES)


def test_validate_frame_team_is_not_its_own_parent():
    df = pd.DataFrame({"id": ["a", "b"], "name": ["A", "B"], "parent_id": ["a", "a"]})
    assert _reasons(_failures(df, TEAMS)) == [(0, "parent_id", "same_value")]


def test_validate_frame_lazy_false_stops_at_first_check():
    df = _deals()
    df.loc[0, "amount"] = -1.0
    df.loc[1, "currency"] = "RMB"
    assert _reasons(_failures(df, lazy=False)) == [(0, "amount", "negative")]
    assert len(_failures(df, lazy=True)) == 2
    missing = _deals().drop(columns=["id", "stage"])
    assert _reasons(_failures(missing, lazy=False)) == [(None, "id", "missing_column")]


def test_validate_frame_rejects_non_frames_and_duplicate_columns():
    with pytest.raises(InvalidInputError, match="expected a pandas DataFrame for contract"):
        validate_frame([1, 2], OPPORTUNITIES)  # type: ignore[arg-type]
    df = pd.concat([_deals(), _deals()[["amount"]]], axis=1)
    with pytest.raises(InvalidInputError, match=r"duplicate column names \['amount'\]"):
        validate_frame(df, OPPORTUNITIES)


def test_validate_frame_empty_frame():
    out = validate_frame(_deals(0), OPPORTUNITIES)
    assert len(out) == 0
    assert out["forecast_category"].dtype == OPPORTUNITIES.dtypes["forecast_category"]


def test_frame_validation_error_pickles():
    with pytest.raises(FrameValidationError) as info:
        validate_frame(_deals().assign(amount=-1.0), OPPORTUNITIES)
    clone = pickle.loads(pickle.dumps(info.value))
    pd.testing.assert_frame_equal(clone.failures, info.value.failures)


INTS = FrameContract(
    "ints",
    (
        Column("n", "int", non_negative=True),
        Column("m", "int", required=False, nullable=True, bounds=(0, 10)),
        Column("flag", "bool"),
        Column("maybe", "bool", required=False, nullable=True),
    ),
)


def test_validate_frame_int_and_bool_columns():
    df = pd.DataFrame(
        {"n": [1.0, 2.0], "m": [3, None], "flag": [True, False], "maybe": [True, None]},
    )
    out = validate_frame(df, INTS)
    assert out.dtypes.astype(str).tolist() == ["int64", "Int64", "bool", "boolean"]
    assert out["m"].isna().tolist() == [False, True]
    ints = validate_frame(df.assign(n=np.array([4, 5])), INTS)
    assert ints["n"].tolist() == [4, 5]


def test_validate_frame_int_and_bool_failures():
    df = pd.DataFrame(
        {
            "n": [1.5, -2.0, np.inf, None],
            "m": pd.array([11, 0, None, 3], dtype="Int64"),
            "flag": pd.Series([True, "yes", None, False], dtype=object),
            "maybe": [1.0, 0.0, 1.0, 0.0],
        }
    )
    assert _reasons(_failures(df, INTS)) == [
        (0, "n", "wrong_type"),
        (2, "n", "not_finite"),
        (1, "n", "negative"),
        (3, "n", "not_null"),
        (0, "m", "out_of_range"),
        (1, "flag", "wrong_type"),
        (2, "flag", "not_null"),
        (0, "maybe", "wrong_type"),
        (1, "maybe", "wrong_type"),
        (2, "maybe", "wrong_type"),
        (3, "maybe", "wrong_type"),
    ]


def test_validate_frame_int_from_negative_ints():
    df = pd.DataFrame({"n": [-1, 2], "flag": [True, True]})
    assert _reasons(_failures(df, INTS)) == [(0, "n", "negative")]


# --------------------------------------------------------------------------- partition_frame
def test_partition_frame_splits_good_and_bad_rows():
    df = _deals(4)
    df.index = pd.Index([10, 20, 30, 40])
    df.loc[20, "amount"] = -1.0
    df.loc[40, "currency"] = "XYZ"
    valid, failures = partition_frame(df, OPPORTUNITIES)
    assert valid.index.tolist() == [10, 30]
    assert _reasons(failures) == [(20, "amount", "negative"), (40, "currency", "unknown_currency")]
    assert valid["created_on"].dtype == "datetime64[us]"


def test_partition_frame_all_valid():
    valid, failures = partition_frame(_deals(), OPPORTUNITIES)
    assert len(valid) == 3
    assert failures.empty
    assert list(failures.columns) == ["row", "column", "value", "reason"]


def test_partition_frame_missing_column_raises():
    with pytest.raises(FrameValidationError, match="column 'stage' is missing"):
        partition_frame(_deals().drop(columns=["stage"]), OPPORTUNITIES)


def test_partition_frame_casts_int_columns_after_dropping_rows():
    df = pd.DataFrame({"n": [1.0, None, 3.0], "flag": [True, True, False]})
    valid, failures = partition_frame(df, INTS)
    assert valid["n"].dtype == np.int64
    assert valid["n"].tolist() == [1, 3]
    assert _reasons(failures) == [(1, "n", "not_null")]


corruptions = st.lists(
    st.tuples(
        st.integers(0, 9),
        st.sampled_from(
            [
                ("amount", -1.0),
                ("amount", np.nan),
                ("amount", np.inf),
                ("currency", "RMB"),
                ("id", "D0"),
                ("id", None),
                ("probability", 1.5),
                ("created_on", pd.Timestamp("2027-01-01")),
                ("stage", None),
            ]
        ),
    ),
    max_size=6,
)


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(corruptions)
def test_partition_frame_accounts_for_every_row(changes):
    df = _deals(10).assign(close_date=pd.Timestamp("2026-06-01"), probability=0.5)
    for position, (column, value) in changes:
        df.loc[position, column] = value
    before = df.copy(deep=True)
    valid, failures = partition_frame(df, OPPORTUNITIES)
    pd.testing.assert_frame_equal(df, before)
    failed = set(failures["row"])
    assert set(valid.index).isdisjoint(failed)
    assert set(valid.index) | failed == set(df.index)
    if failed:
        with pytest.raises(FrameValidationError):
            validate_frame(df, OPPORTUNITIES)
    else:
        pd.testing.assert_frame_equal(validate_frame(df, OPPORTUNITIES), valid)


def test_empty_failures_shape():
    assert empty_failures().shape == (0, 4)


# --------------------------------------------------------------------------- stages
def test_check_stage_column_names_unknown_values_and_allowed():
    series = pd.Series(["Won", "Demo", None, "Demo", "Pitch"], index=list("abcde"))
    with pytest.raises(UnknownStageValuesError) as info:
        check_stage_column(series, PIPE, column="to_stage")
    assert str(info.value) == (
        "column 'to_stage' names stages not in the pipeline: 'Demo' (2 rows), 'Pitch' (1 row); "
        "known stages: Qualify, Propose, Won, Lost"
    )
    assert _reasons(info.value.failures) == [
        ("b", "to_stage", "not_allowed"),
        ("d", "to_stage", "not_allowed"),
        ("e", "to_stage", "not_allowed"),
    ]
    assert isinstance(info.value, UnknownStageError)
    assert isinstance(info.value, FrameValidationError)
    assert isinstance(info.value, KeyError)


def test_check_stage_column_passes_known_values():
    series = pd.Series(["Won", None, "Qualify"])
    assert check_stage_column(series, PIPE) is series
    assert check_stage_column(pd.Series([], dtype="str"), ["A"]).empty


def test_check_stage_column_rejects_non_series():
    with pytest.raises(InvalidInputError, match="expected a pandas Series of stage names"):
        check_stage_column(["Won"], PIPE)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- to_frame / from_frame
def _deal(i: int = 0, **kw) -> Opportunity:
    fields: dict[str, object] = {
        "id": f"D{i}",
        "owner_id": "R1",
        "amount": "1200.50",
        "currency": "CNY",
        "stage": "Qualify",
        "created_on": date(2026, 1, 5),
    }
    fields.update(kw)
    return Opportunity(**fields)


def test_to_frame_opportunities_example():
    frame = to_frame(
        [_deal(0), _deal(1, amount="0.1", probability=0.3, forecast_category="Commit")]
    )
    assert frame["amount"].tolist() == [1200.5, 0.1]
    assert pd.isna(frame["forecast_category"].iloc[0])
    assert frame["forecast_category"].iloc[1] == "Commit"
    assert frame["probability"].iloc[1] == 0.3
    assert frame["created_on"].iloc[0] == pd.Timestamp("2026-01-05")
    assert list(frame.index) == [0, 1]


def test_to_frame_needs_model_for_empty_input():
    with pytest.raises(InvalidInputError, match="cannot build a frame from no models"):
        to_frame([])
    assert list(to_frame([], model=Opportunity).columns) == list(OPPORTUNITIES.names)


def test_to_frame_rejects_mixed_and_unknown_models():
    with pytest.raises(InvalidInputError, match="to_frame got Team among Opportunity models"):
        to_frame([_deal(), Team(id="t", name="T")])
    with pytest.raises(InvalidInputError, match="no frame contract for 'Stage'"):
        to_frame([Stage(name="A", order=0, probability=0.1)])


def test_to_frame_refuses_inexact_decimals():
    with pytest.raises(InvalidInputError, match=r"Opportunity 'D0' amount 12345678901234567\.89 "):
        to_frame([_deal(amount="12345678901234567.89")])


def test_to_frame_reports_duplicate_ids():
    with pytest.raises(FrameValidationError, match="id duplicate in 2 rows"):
        to_frame([_deal(0), _deal(0)])


def test_from_frame_round_trips_opportunities_with_history():
    history = (
        StageChange(opportunity_id="D0", to_stage="Qualify", changed_at=T0),
        StageChange(
            opportunity_id="D0",
            from_stage="Qualify",
            to_stage="Won",
            changed_at=T0 + timedelta(days=3),
        ),
    )
    deals = [
        _deal(0, stage="Won", close_date=date(2026, 1, 8), history=history),
        _deal(1, account_id="ACME", channel_id="direct", product="Cloud"),
    ]
    frame, changes = to_frame(deals), history_frame(deals)
    assert changes["opportunity_id"].tolist() == ["D0", "D0"]
    assert from_frame(frame, Opportunity, history=changes) == deals
    # Without the history frame the histories are empty, everything else equal.
    assert from_frame(frame, Opportunity)[1] == deals[1]
    # A shuffled history frame is put back in time order.
    shuffled = changes.iloc[::-1]
    assert from_frame(frame, Opportunity, history=shuffled) == deals


def test_from_frame_history_for_unknown_deal():
    change = StageChange(opportunity_id="D9", to_stage="Qualify", changed_at=T0)
    changes = to_frame([change])
    with pytest.raises(
        InvalidInputError, match="history names opportunities not in the frame: 'D9'"
    ):
        from_frame(to_frame([_deal()]), Opportunity, history=changes)
    many = to_frame(
        [StageChange(opportunity_id=f"X{i}", to_stage="Q", changed_at=T0) for i in range(7)]
    )
    with pytest.raises(InvalidInputError, match="'X4' and 2 more"):
        from_frame(to_frame([_deal()]), Opportunity, history=many)


def test_from_frame_history_only_for_opportunities():
    with pytest.raises(InvalidInputError, match="history= applies to Opportunity frames, not Team"):
        from_frame(
            to_frame([Team(id="t", name="T")]), Team, history=to_frame([], model=StageChange)
        )


def test_from_frame_validates_first():
    with pytest.raises(FrameValidationError, match="amount negative"):
        from_frame(_deals().assign(amount=-1.0), Opportunity)


def test_from_frame_names_row_of_model_error():
    df = _deals().assign(stage="Won")
    df.index = pd.Index(["a", "b", "c"])
    history = pd.DataFrame(
        {
            "opportunity_id": ["D1"],
            "from_stage": [None],
            "to_stage": ["Qualify"],
            "changed_at": [T0],
        }
    )
    with pytest.raises(
        InvalidInputError, match=r"opportunities row 'b': .*history ends in 'Qualify'"
    ):
        from_frame(df, Opportunity, history=history)


def test_from_frame_rep_defaults_and_ramp():
    reps = [
        Rep(id="R1", name="Li Na", ramp=(0.25, 0.5), capacity=0.8, hire_date=date(2026, 1, 1)),
        Rep(id="R2", name="Sam Lee", team_id="east", manager_id="R1", territory="East"),
    ]
    frame = to_frame(reps)
    assert frame["ramp"].tolist()[0] == "[0.25, 0.5]"
    assert from_frame(frame, Rep) == reps
    no_capacity = frame.drop(columns=["capacity", "ramp"])
    assert from_frame(no_capacity, Rep)[1].capacity == 1.0


def test_from_frame_bad_ramp_json():
    frame = to_frame([Rep(id="R1", name="Li Na")]).assign(ramp=["[0.5,"])
    with pytest.raises(InvalidInputError, match=r"reps row 0 ramp '\[0.5,' is not valid JSON"):
        from_frame(frame, Rep)
    with pytest.raises(ModelValidationError, match=r"Rep\.ramp"):
        from_frame(frame.assign(ramp=['"abc"']), Rep)


def test_from_frame_targets_flatten_period_owner_scope():
    target = Target(
        id="FY26",
        metric="revenue",
        value="5000000",
        currency="CNY",
        direction="at_least",
        period=Period.year(2026),
        baseline_value="4000000",
        baseline_period=Period.year(2025),
        owner=Owner(kind="team", id="east"),
        scope={"product_line": "Cloud", "region": "华东"},
    )
    frame = to_frame([target, Target(id="draft")])
    row = frame.iloc[0]
    assert row["period_start"] == pd.Timestamp("2026-01-01")
    assert row["period_end"] == pd.Timestamp("2027-01-01")
    assert row["owner_kind"] == "team"
    assert row["scope"] == '{"product_line": "Cloud", "region": "华东"}'
    assert from_frame(frame, Target) == [target, Target(id="draft")]


def test_from_frame_targets_incomplete_pairs():
    frame = to_frame([Target(id="T1", period=Period.year(2026))])
    with pytest.raises(InvalidInputError, match="has only one of period_start and period_end"):
        from_frame(frame.assign(period_end=_obj(None)), Target)
    with pytest.raises(InvalidInputError, match="owner_id 'R1' without owner_kind"):
        from_frame(frame.assign(owner_id="R1"), Target)


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(pipelines().flatmap(lambda p: opportunity_sets(p, max_size=8, currency=None)))
def test_from_frame_inverts_to_frame_for_opportunities(deals):
    assert (
        from_frame(to_frame(deals, model=Opportunity), Opportunity, history=history_frame(deals))
        == deals
    )


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(organizations(max_teams=4, max_reps=6))
def test_from_frame_inverts_to_frame_for_reps_and_teams(org):
    assert from_frame(to_frame(org.reps, model=Rep), Rep) == list(org.reps)
    assert from_frame(to_frame(org.teams, model=Team), Team) == list(org.teams)


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(
    st.lists(channels(), max_size=4, unique_by=lambda c: c.id),
    st.lists(targets() | targets(complete=False), max_size=4, unique_by=lambda t: t.id),
)
def test_from_frame_inverts_to_frame_for_channels_and_targets(chans, goals):
    assert from_frame(to_frame(chans, model=Channel), Channel) == chans
    assert from_frame(to_frame(goals, model=Target), Target) == goals


def test_validate_frame_allowed_text_and_infinite_allowed():
    contract = FrameContract(
        "levels",
        (
            Column("level", "string", allowed=("low", "high")),
            Column("score", "float", finite=False, required=False, nullable=True),
        ),
    )
    df = pd.DataFrame({"level": ["low", "mid", "high"], "score": [np.inf, -np.inf, 1.0]})
    assert _reasons(_failures(df, contract)) == [(1, "level", "not_allowed")]
    out = validate_frame(df.assign(level="low"), contract)
    assert np.isinf(out["score"]).sum() == 2


def test_validate_frame_row_checks_wait_for_missing_columns():
    df = _deals().drop(columns=["created_on"]).assign(close_date=pd.Timestamp("2020-01-01"))
    assert _reasons(_failures(df)) == [(None, "created_on", "missing_column")]


def test_partition_frame_with_repeated_and_multi_index():
    df = pd.DataFrame(
        {"id": ["a", "b", "c"], "name": ["A", "B", "C"], "parent_id": [None, "a", "c"]},
        index=[1, 1, 2],
    )
    valid, failures = partition_frame(df, TEAMS)
    assert valid["id"].tolist() == ["a", "b"]
    assert valid.index.tolist() == [1, 1]
    assert _reasons(failures) == [(2, "parent_id", "same_value")]
    multi = df.set_axis(pd.MultiIndex.from_tuples([("x", 1), ("y", 2), ("z", 3)]))
    assert _reasons(_failures(multi, TEAMS)) == [(("z", 3), "parent_id", "same_value")]


def test_blank_names_fail_the_reps_teams_and_channels_contracts():
    reps = pd.DataFrame({"id": ["R1", "R2"], "name": ["Li Wei", "  "]})
    valid, failures = partition_frame(reps, REPS)
    assert list(valid["id"]) == ["R1"]
    assert failures[["row", "column"]].values.tolist() == [[1, "name"]]
    teams = pd.DataFrame({"id": ["T"], "name": [""]})
    assert len(partition_frame(teams, TEAMS)[1]) == 1


def test_check_stage_column_refuses_one_string_for_the_stage_names():
    from salescore.frames import check_stage_column

    series = pd.Series(["Q", "u"])
    # Read as letters, "Qualify" would allow "Q" and "u" and pass silently.
    with pytest.raises(InvalidInputError, match="stage names 'Qualify' is a single string"):
        check_stage_column(series, "Qualify")
    with pytest.raises(InvalidInputError, match="hold 3, which is not a string name"):
        check_stage_column(series, ["Q", 3])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="is not a collection of names"):
        check_stage_column(series, 7)  # type: ignore[arg-type]
    assert check_stage_column(series, ("Q", "u")) is series


def test_column_allowed_refuses_one_string():
    from salescore.frames import Column

    with pytest.raises(InvalidInputError, match="column 'stage' allowed 'Won' is a single string"):
        Column("stage", "category", allowed="Won")  # type: ignore[arg-type]
    assert Column("stage", "category", allowed=["Won", "Lost"]).allowed == ("Won", "Lost")  # type: ignore[arg-type]
