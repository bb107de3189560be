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


# -- exact rounding: every decimal mode, on ints and on arrays -----------------------------
ROUNDINGS = (
    "ROUND_DOWN",
    "ROUND_UP",
    "ROUND_CEILING",
    "ROUND_FLOOR",
    "ROUND_05UP",
    "ROUND_HALF_UP",
    "ROUND_HALF_DOWN",
    "ROUND_HALF_EVEN",
)


def decimal_round(num: int, den: int, rounding: str) -> int:
    """The independent answer: decimal's own rounding of the exact quotient."""
    from decimal import localcontext

    with localcontext() as ctx:
        ctx.prec = 80
        return int((Decimal(num) / Decimal(den)).quantize(Decimal(1), rounding=rounding))


@given(
    st.integers(-(10**12), 10**12),
    st.integers(1, 10**6),
    st.sampled_from(ROUNDINGS),
)
def test_round_div_equals_decimal_rounding_on_ints(num, den, rounding):
    from salescore._numeric import round_div, round_fraction

    assert round_div(num, den, rounding) == decimal_round(num, den, rounding)
    assert round_fraction(Fraction(num, den), rounding) == decimal_round(num, den, rounding)


@given(
    st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=20),
    st.integers(1, 1000),
    st.sampled_from(ROUNDINGS),
)
def test_round_div_on_arrays_equals_int_path_for_int64_and_object(nums, den, rounding):
    from salescore._numeric import round_div

    expected = [decimal_round(n, den, rounding) for n in nums]
    as_int64 = round_div(np.array(nums, dtype=np.int64), den, rounding)
    assert as_int64.dtype == np.int64
    assert as_int64.tolist() == expected
    as_object = round_div(np.array(nums, dtype=object), den, rounding)
    assert as_object.dtype == object
    assert as_object.tolist() == expected
    dens = np.array([den + i for i in range(len(nums))], dtype=np.int64)
    per_element = round_div(np.array(nums, dtype=np.int64), dens, rounding)
    assert per_element.tolist() == [
        decimal_round(n, int(d), rounding) for n, d in zip(nums, dens, strict=True)
    ]


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [
        # -25/10, -15/10, -5/10, 5/10, 15/10, 25/10, 7/10, 3/10, 0
        ("ROUND_DOWN", [-2, -1, 0, 0, 1, 2, 0, 0, 0]),
        ("ROUND_UP", [-3, -2, -1, 1, 2, 3, 1, 1, 0]),
        ("ROUND_CEILING", [-2, -1, 0, 1, 2, 3, 1, 1, 0]),
        ("ROUND_FLOOR", [-3, -2, -1, 0, 1, 2, 0, 0, 0]),
        ("ROUND_05UP", [-2, -1, -1, 1, 1, 2, 1, 1, 0]),  # away only from a kept 0 or 5
        ("ROUND_HALF_UP", [-3, -2, -1, 1, 2, 3, 1, 0, 0]),
        ("ROUND_HALF_DOWN", [-2, -1, 0, 0, 1, 2, 1, 0, 0]),
        ("ROUND_HALF_EVEN", [-2, -2, 0, 0, 2, 2, 1, 0, 0]),
    ],
)
def test_round_div_hand_checked_ties_and_signs(rounding, expected):
    from salescore._numeric import round_div

    nums = [-25, -15, -5, 5, 15, 25, 7, 3, 0]
    assert [round_div(n, 10, rounding) for n in nums] == expected
    assert round_div(np.array(nums), 10, rounding).tolist() == expected


def test_round_div_refuses_bad_modes_and_denominators():
    from salescore._numeric import round_div

    with pytest.raises(InvalidInputError, match="denominator 0 must be > 0"):
        round_div(1, 0, "ROUND_HALF_EVEN")
    with pytest.raises(InvalidInputError, match="denominator -3 must be > 0"):
        round_div(1, -3, "ROUND_HALF_EVEN")
    with pytest.raises(InvalidInputError, match="ROUND_NEAREST"):
        round_div(1, 2, "ROUND_NEAREST")
