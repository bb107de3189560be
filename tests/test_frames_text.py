"""Text and id columns at the frame boundary: every accepted dtype reads as object text does.

The fast paths of ``frames`` (categorical codes, factorised integers, Arrow
``dictionary_encode``, checks on the dictionary, the canonical column built
by a take) must give exactly the validated frame and failure table of the
same values given as a plain object column, and the same again without
pyarrow.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from salescore import _lookup
from salescore.activities import ACTIVITIES
from salescore.errors import FrameValidationError
from salescore.frames import (
    OPPORTUNITIES,
    Column,
    DistinctCheck,
    FrameContract,
    MagnitudeCheck,
    partition_frame,
    validate_frame,
)

pa = pytest.importorskip("pyarrow")  # the Arrow dtypes; the test also runs without its fast path

CONTRACT = FrameContract(
    "texts",
    (
        Column("id", "string", unique=True, nonblank=True),
        Column("owner", "string", nonblank=True),
        Column("currency", "string", is_currency=True),
        Column("kind", "string", required=False, nullable=True, allowed=("a", "b", "7")),
        Column("note", "string", required=False, nullable=True),
        Column("label", "string", required=False, nullable=True, nonblank=True, unique=True),
        Column("grade", "category", required=False, nullable=True, allowed=("a", "b")),
        Column("amount", "float", non_negative=True),
    ),
    (MagnitudeCheck("amount", "currency"), DistinctCheck("owner", "kind")),
)
TEXT = ("id", "owner", "currency", "kind", "note", "label", "grade")

# Few distinct values, so duplicates, blanks and allowed values all turn up.
WORDS = ["a", "b", "7", "USD", "JPY", "KWD", "XXX", "", " ", "\t", "\u3000", "é", " a", "b "]
INTS = [-3, 0, 7, 9, 2**62, -(2**63), 10**12]
MIXED = [1.5, 2.0, True, b"a", (1,)]
ANY = [*WORDS, *INTS, None, math.nan, *MIXED]
# Values that pass, drawn twice as often as any value, so that many rows are valid.
GOOD: dict[str, list[Any]] = {
    "id": ["D1", "D2", "D3", "D4", "D5", 1, 2, 3, 4, 5, 7, "7"],
    "owner": ["a", "b", 7, "7", "é"],
    "currency": ["USD", "JPY", "KWD"],
    "kind": ["a", "b", "7", 7, None],
    "note": ["x", " ", None, 3],
    "label": ["L1", "L2", " ", "", None, 1, 2],
    "grade": ["a", "b", None],
}
# Below 2**53 minor units for 0, 2 and 3 places; above for 3; above for 2 and 3; above all.
AMOUNTS = [1.0, 9.1e12, 9.1e13, 1e17, -1.0]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _words(v: Any) -> bool:
    return isinstance(v, str) or _missing(v)


def _ints(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _arrow(kind: Any) -> Callable[[list[Any]], pd.Series[Any]]:
    return lambda v: pd.Series(
        pd.array(pa.array(v, type=kind, from_pandas=True), dtype=pd.ArrowDtype(kind))
    )


def _category(v: list[Any]) -> pd.Series[Any]:
    return pd.Series(v, dtype="category")


#: Each accepted dtype: how to build the column, and which values it can hold.
DTYPES: dict[str, tuple[Callable[[list[Any]], Any], Callable[[Any], bool]]] = {
    "object": (lambda v: pd.Series(v, dtype=object), lambda v: True),
    "str": (lambda v: pd.Series(v, dtype="str"), _words),
    "string[pyarrow]": (lambda v: pd.Series(v, dtype="string[pyarrow]"), _words),
    "string[python]": (lambda v: pd.Series(v, dtype="string[python]"), _words),
    "large_string[pyarrow]": (_arrow(pa.large_string()), _words),
    "string[pyarrow] (Arrow)": (_arrow(pa.string()), _words),
    "category": (_category, _words),
    "category of ints": (_category, lambda v: _ints(v) or _missing(v)),
    # 7 and "7" are two categories that read as one text: one value, two codes.
    "category of both": (_category, lambda v: _words(v) or _ints(v)),
    "int64": (lambda v: pd.Series(v, dtype=np.int64), _ints),
    "Int64": (lambda v: pd.Series(v, dtype="Int64"), lambda v: _ints(v) or v is None),
    "int64[pyarrow]": (_arrow(pa.int64()), lambda v: _ints(v) or v is None),
}


def _cells(name: str, holds: Callable[[Any], bool]) -> st.SearchStrategy[Any]:
    pool = [v for v in ANY if holds(v)]
    good = [v for v in GOOD[name] if holds(v)] or pool
    return st.one_of(st.sampled_from(good), st.sampled_from(good), st.sampled_from(pool))


@st.composite
def frames_in(draw: st.DrawFn) -> tuple[str, dict[str, list[Any]], list[float]]:
    dtype = draw(st.sampled_from(sorted(DTYPES)))
    n = draw(st.integers(0, 12))
    holds = DTYPES[dtype][1]
    columns = {name: draw(st.lists(_cells(name, holds), min_size=n, max_size=n)) for name in TEXT}
    amounts = draw(st.lists(st.sampled_from(AMOUNTS), min_size=n, max_size=n))
    return dtype, columns, amounts


def _frame(columns: dict[str, list[Any]], amounts: list[float], make: Callable[..., Any]) -> Any:
    n = len(amounts)
    index = pd.Index([10 * i + 3 for i in range(n)])
    data = {name: pd.Series(make(v)).set_axis(index) for name, v in columns.items()}
    return pd.DataFrame({**data, "amount": pd.Series(amounts, index=index, dtype=np.float64)})


def _plain(v: Any) -> Any:
    """A failure value with every kind of missing (None, NaN, NA) as None."""
    return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v


def _table(failures: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [
        (r, c, _plain(v), reason)
        for r, c, v, reason in zip(*(failures[k] for k in failures.columns), strict=True)
    ]


def _check(df: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[Any, ...]], str | None]:
    valid, failures = partition_frame(df, CONTRACT)
    try:
        validate_frame(df, CONTRACT)
    except FrameValidationError as exc:
        message: str | None = str(exc).split(":")[0]
    else:
        message = None
    return valid, _table(failures), message


def _case(dtype: str, **given: list[Any]) -> tuple[str, dict[str, list[Any]], list[float]]:
    n = len(next(iter(given.values())))
    base: dict[str, list[Any]] = {
        "id": [f"D{i}" for i in range(n)],
        "owner": ["a"] * n,
        "currency": ["USD"] * n,
    }
    return dtype, {name: given.get(name, base.get(name, [None] * n)) for name in TEXT}, [1.0] * n


# Cases a random search rarely meets: two categories reading as one text, a blank in a
# nullable column of ids (a null, not a failure), blanks among the allowed values.
EXAMPLES = (
    _case("category of both", id=["7", 7, "D"]),
    _case("object", label=[" ", "L1", "\u3000"], kind=["b", "", "7"]),
    _case("category", label=[" ", "L1", "\u3000"], kind=["b", "", "7"]),
    _case("str", label=[" ", "L1", " "], kind=["a", "", None], owner=["a", "\t", "é"]),
    _case("Int64", id=[7, 7, 2**62], owner=[1, 2, 3], currency=[1, None, 1], kind=[7, 8, 7]),
)


@settings(max_examples=150)
@given(frames_in())
@example(EXAMPLES[0])
@example(EXAMPLES[1])
@example(EXAMPLES[2])
@example(EXAMPLES[3])
@example(EXAMPLES[4])
def test_validate_frame_text_dtypes_read_as_object_text(
    case: tuple[str, dict[str, list[Any]], list[float]],
) -> None:
    dtype, columns, amounts = case
    given_df = _frame(columns, amounts, DTYPES[dtype][0])
    as_objects = _frame(columns, amounts, lambda v: pd.Series(v, dtype=object))
    valid, failures, message = _check(given_df)
    ref_valid, ref_failures, ref_message = _check(as_objects)
    pd.testing.assert_frame_equal(valid, ref_valid)
    assert failures == ref_failures
    assert message == ref_message
    # And the same without pyarrow's fast path (the one switch of the pyarrow routes).
    with mock.patch.object(_lookup, "_ARROW", False):
        slow_valid, slow_failures, slow_message = _check(given_df)
    pd.testing.assert_frame_equal(slow_valid, valid)
    assert slow_failures == failures
    assert slow_message == message


def _expected_text(v: Any, column: Column) -> Any:
    """The canonical text of one given cell, computed without frames: None when missing."""
    if _plain(v) is None:
        return None
    text = str(v)
    return None if column.nonblank and not text.strip() else text


@settings(max_examples=150)
@given(frames_in())
@example(EXAMPLES[0])
@example(EXAMPLES[1])
@example(EXAMPLES[2])
@example(EXAMPLES[3])
@example(EXAMPLES[4])
def test_validate_frame_text_keeps_the_callers_ids(
    case: tuple[str, dict[str, list[Any]], list[float]],
) -> None:
    """Independently of any path: each valid cell reads as ``str`` of the value given."""
    dtype, columns, amounts = case
    df = _frame(columns, amounts, DTYPES[dtype][0])
    valid, failures = partition_frame(df, CONTRACT)
    position = {label: i for i, label in enumerate(df.index)}
    for name in TEXT[:-1]:  # grade is a category, not text
        assert valid[name].dtype == "str"
        for label, text in valid[name].items():
            expected = _expected_text(columns[name][position[label]], CONTRACT[name])
            assert _plain(text) == expected, (name, label)
    # Every valid id is unique, non-blank text; every failing row is left out.
    assert valid["id"].is_unique
    assert all(t.strip() for t in valid["id"])
    assert set(valid.index).isdisjoint(set(failures["row"]))
    assert len(valid) + failures["row"].nunique() == len(df)


def test_validate_frame_arrow_strings_are_accepted() -> None:
    # Before the fast path an ArrowDtype string column was refused as wrong_type.
    df = pd.DataFrame(
        {
            "id": pd.Series(["A1", "A2", "A2", " "], dtype=pd.ArrowDtype(pa.large_string())),
            "owner": pd.Series(["R", None, "R", "R"], dtype=pd.ArrowDtype(pa.string())),
            "currency": pd.Series(["USD", "USD", "RMB", "USD"], dtype="string[pyarrow]"),
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    _, failures = partition_frame(df, CONTRACT)
    assert _table(failures) == [
        (1, "id", "A2", "duplicate"),
        (2, "id", "A2", "duplicate"),
        (3, "id", " ", "not_null"),
        (1, "owner", None, "not_null"),
        (2, "currency", "RMB", "unknown_currency"),
    ]


@pytest.mark.parametrize("dtype", ["int64", "object", "category", "string[pyarrow]"])
def test_validate_frame_ids_of_each_dtype_read_the_same(dtype: str) -> None:
    ids = [7, 12, 7, 300]
    texts = [str(i) for i in ids]
    column: Any = {
        "int64": pd.Series(ids, dtype=np.int64),
        "object": pd.Series(texts, dtype=object),
        "category": pd.Series(texts, dtype="category"),
        "string[pyarrow]": pd.Series(texts, dtype="string[pyarrow]"),
    }[dtype]
    df = pd.DataFrame(
        {
            "id": column,
            "rep_id": column,
            "kind": ["call", "visit", "demo", "call"],
            "occurred_at": pd.to_datetime(["2026-01-05 09:00Z"] * 4),
            "account_id": column,
        }
    )
    valid, failures = partition_frame(df, ACTIVITIES)
    assert valid["rep_id"].tolist() == ["12", "300"]
    assert valid["account_id"].dtype == "str"
    assert failures[["row", "column", "reason"]].values.tolist() == [
        [0, "id", "duplicate"],
        [2, "id", "duplicate"],
    ]
    assert [str(v) for v in failures["value"]] == ["7", "7"]


def test_validate_frame_opportunity_currency_sizes_are_checked_per_code() -> None:
    # The magnitude check reads each row's minor units through the currency codes.
    df = pd.DataFrame(
        {
            "id": ["D1", "D2", "D3"],
            "owner_id": pd.Series(["R1", "R1", "R2"], dtype="category"),
            "amount": [2.0**53 / 1000 + 10, 2.0**53 / 1000 + 10, 5.0],
            "currency": pd.Series(["KWD", "JPY", "KWD"], dtype="string[pyarrow]"),
            "stage": ["Won", "Won", "Won"],
            "created_on": pd.to_datetime(["2026-01-05"] * 3),
        }
    )
    _, failures = partition_frame(df, OPPORTUNITIES)
    assert failures[["row", "column", "reason"]].values.tolist() == [[0, "amount", "too_large"]]
