"""The segmented largest remainder and the exact products of ``salescore._numeric``."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from salescore._numeric import exact_product, largest_remainder, largest_remainder_segments

segments = st.lists(
    st.tuples(
        st.one_of(st.integers(0, 10**6), st.integers(0, 10**18)),
        st.lists(st.one_of(st.integers(0, 7), st.integers(0, 10**15)), min_size=1, max_size=6),
    ),
    min_size=1,
    max_size=8,
)


@given(segments)
def test_largest_remainder_segments_equals_the_exact_kernel(segs):
    # Zero-weight segments must carry a zero total, as the callers guarantee.
    segs = [(total if any(w) else 0, w) for total, w in segs]
    totals = np.array([t for t, _ in segs], dtype=np.int64)
    weights = np.array([x for _, w in segs for x in w], dtype=np.int64)
    sizes = [len(w) for _, w in segs]
    starts = np.cumsum([0, *sizes[:-1]]).astype(np.int64)
    parts = largest_remainder_segments(totals, weights, starts).tolist()
    at = 0
    for total, w in segs:
        got = parts[at : at + len(w)]
        at += len(w)
        if any(w):
            assert got == largest_remainder(total, [Fraction(x) for x in w])
        else:
            assert got == [0] * len(w)
        assert sum(got) == total


def test_largest_remainder_segments_ties_go_to_the_earlier_part_and_empty_is_empty():
    parts = largest_remainder_segments(
        np.array([1, 2], dtype=np.int64),
        np.array([1, 1, 0, 1, 1, 1], dtype=np.int64),
        np.array([0, 3], dtype=np.int64),
    )
    assert parts.tolist() == [1, 0, 0, 1, 1, 0]
    empty = np.zeros(0, dtype=np.int64)
    assert largest_remainder_segments(empty, empty, empty).tolist() == []


@given(st.lists(st.tuples(st.integers(-(2**62), 2**62), st.integers(-(2**62), 2**62)), max_size=10))
def test_exact_product_equals_python_integers(pairs):
    a = np.array([x for x, _ in pairs], dtype=np.int64)
    b = np.array([y for _, y in pairs], dtype=np.int64)
    product = exact_product(a, b)
    assert [int(v) for v in product] == [x * y for x, y in pairs]
    if product.dtype == np.int64:
        assert all(abs(x * y) < 2**62 for x, y in pairs)
