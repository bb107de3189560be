from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore._numeric import (
    floats_to_minor_units,
    largest_remainder,
    largest_remainder_rows,
    to_decimal,
    to_minor_units,
)
from salescore.errors import InvalidInputError

finite_amounts = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)


@given(st.lists(finite_amounts, min_size=1, max_size=30), st.sampled_from([0, 2, 3]))
def test_floats_to_minor_units_agrees_with_decimal_path(amounts, minor_unit):
    exact = to_minor_units([to_decimal(x) for x in amounts], minor_unit)
    assert floats_to_minor_units(amounts, minor_unit).tolist() == exact.tolist()


@pytest.mark.parametrize(
    ("amount", "places", "minor"),
    [(77309411.48549986, 3, 77309411485), (2.675, 2, 268), (2.665, 2, 266), (-0.005, 2, 0)],
)
def test_floats_to_minor_units_near_ties(amount, places, minor):
    # 77309411.48549986 x 1000 is 77309411485.49986: a few ulps from a tie, not one.
    assert floats_to_minor_units([amount], places).tolist() == [minor]


@given(
    st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=30),
    st.sampled_from([0, 2, 3]),
)
def test_floats_to_minor_units_exact_on_half_ties(units, minor_unit):
    # x.5 minor units written as decimal strings, then read as floats.
    amounts = [float(Decimal(2 * u + 1) / 2 / Decimal(10) ** minor_unit) for u in units]
    exact = to_minor_units([to_decimal(x) for x in amounts], minor_unit)
    assert floats_to_minor_units(amounts, minor_unit).tolist() == exact.tolist()


def test_floats_to_minor_units_examples():
    # 2.675 -> 267.5 cents -> even neighbour 268; 2.665 -> 266.5 -> 266.
    assert floats_to_minor_units([2.675, 2.665, 0.125], 2).tolist() == [268, 266, 12]
    assert floats_to_minor_units([1234.5, 1235.5], 0).tolist() == [1234, 1236]


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        ([1.0, float("nan")], "amount nan at position 1 is not finite"),
        ([float("-inf")], "amount -inf at position 0 is not finite"),
        ([1e15], "too large to hold exactly"),
    ],
)
def test_floats_to_minor_units_bad_input(amounts, message):
    with pytest.raises(InvalidInputError, match=message):
        floats_to_minor_units(amounts, 2)


@given(
    st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=20),
    st.lists(st.integers(0, 1000), min_size=1, max_size=8).filter(any),
)
def test_largest_remainder_rows_equals_exact_kernel(totals, weights):
    rows = largest_remainder_rows(totals, weights)
    fractions = [Fraction(w) for w in weights]
    expected = [largest_remainder(t, fractions) for t in totals]
    assert rows.tolist() == expected
    assert rows.sum(axis=1).tolist() == totals
    assert rows.dtype == np.int64


def test_largest_remainder_rows_exact_tie_goes_to_earlier_part():
    # 1546017 * 423 / 2904 and 1546017 * 999 / 2904 have the same remainder
    # (an exact tie): the earlier part (423) takes the leftover unit, as in the
    # exact kernel, although float64 remainders would rank them the other way.
    weights = [117, 141, 224, 423, 999, 1000]
    rows = largest_remainder_rows([1546017], weights)
    assert rows.tolist() == [largest_remainder(1546017, [Fraction(w) for w in weights])]
    assert rows[0, 3] == 225195


@given(
    st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=20),
    st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=8).filter(
        lambda ws: sum(ws) > 1e-6
    ),
)
def test_largest_remainder_rows_float_weights_sum_and_stay_close(totals, weights):
    rows = largest_remainder_rows(totals, weights)
    assert rows.sum(axis=1).tolist() == totals
    shares = np.asarray(totals, dtype=float)[:, None] * np.asarray(weights) / sum(weights)
    assert np.all(np.abs(rows - shares) <= 1 + 1e-6 * np.abs(shares))


def test_check_units_reads_whole_numbers_and_refuses_the_rest():
    from salescore._numeric import MAX_UNITS, check_units

    assert check_units([1, 2.0, Decimal("3"), np.int32(4)], what="w") == [1, 2, 3, 4]
    assert check_units([-MAX_UNITS, MAX_UNITS], what="w") == [-(10**18), 10**18]
    for bad in (True, 1.5, float("inf"), Decimal("0.1"), "7", None):
        with pytest.raises(InvalidInputError, match=r"w value .* is not a whole number"):
            check_units([bad], what="w")
    with pytest.raises(InvalidInputError, match=f"above the largest magnitude allowed, {10**18}"):
        check_units([MAX_UNITS + 1], what="w")
