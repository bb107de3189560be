"""The id join of the bulk paths: positions of values among unique keys, on every route."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore import _lookup
from salescore._lookup import align, positions

pa = pytest.importorskip("pyarrow")  # the dask extra has it; the core does not

texts = st.text(alphabet="ab1 é", max_size=3)

DTYPES: dict[str, Any] = {
    "object": object,
    "str": "str",
    "string[python]": pd.StringDtype("python"),
    "string[pyarrow]": pd.StringDtype("pyarrow"),
    "arrow large_string": pd.ArrowDtype(pa.large_string()),
    "arrow string": pd.ArrowDtype(pa.string()),
    "category": "category",
}


def _expected(keys: list[str], values: list[str | None]) -> list[int]:
    """Independently of pandas: a dict from key to position."""
    where = {k: i for i, k in enumerate(keys)}
    return [-1 if v is None else where.get(v, -1) for v in values]


@given(
    st.lists(texts, unique=True, max_size=12),
    st.lists(st.none() | texts, max_size=20),
    st.sampled_from(sorted(DTYPES)),
    st.sampled_from(sorted(DTYPES)),
    st.booleans(),
)
def test_positions_agree_with_a_dict_on_every_dtype_and_route(
    keys, values, key_dtype, value_dtype, arrow
):
    with _arrow_route(arrow):
        found = positions(
            pd.Series(keys, dtype=DTYPES[key_dtype]), pd.Series(values, dtype=DTYPES[value_dtype])
        )
    assert found.dtype == np.int64
    assert found.tolist() == _expected(keys, values)


@contextmanager
def _arrow_route(on: bool) -> Iterator[None]:
    """The pyarrow route on or off (off: the factorize route every machine has)."""
    before, _lookup._ARROW = _lookup._ARROW, on
    try:
        yield
    finally:
        _lookup._ARROW = before


def test_positions_of_numbers_and_of_text_that_looks_like_them_stay_apart():
    assert positions(
        np.array([1, 2], dtype=object), np.array(["1", 2, None], dtype=object)
    ).tolist() == [
        -1,
        1,
        -1,
    ]


def test_positions_never_match_a_null_even_among_the_keys():
    for on in (True, False):
        with _arrow_route(on):
            keys = pd.Series(["a", None, "b"], dtype="str")
            assert positions(keys, pd.Series([None, "b", "a"], dtype="str")).tolist() == [-1, 2, 0]


def test_positions_of_nothing():
    assert positions(pd.Series([], dtype="str"), pd.Series(["a"], dtype="str")).tolist() == [-1]
    assert positions(pd.Series(["a"], dtype="str"), pd.Series([], dtype="str")).tolist() == []


@given(
    st.lists(texts, unique=True, max_size=12),
    st.lists(texts, unique=True, max_size=12),
    st.sampled_from(sorted(DTYPES)),
    st.sampled_from(sorted(DTYPES)),
    st.booleans(),
)
def test_align_is_positions_both_ways(left, right, left_dtype, right_dtype, arrow):
    with _arrow_route(arrow):
        in_right, in_left = align(
            pd.Series(left, dtype=DTYPES[left_dtype]), pd.Series(right, dtype=DTYPES[right_dtype])
        )
    assert in_right.tolist() == _expected(right, left)
    assert in_left.tolist() == _expected(left, right)
