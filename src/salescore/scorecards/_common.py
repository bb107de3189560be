"""What the scorecard modules share: the integer bound, exact units and ratios, decimal text."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from salescore._numeric import (
    DECIMAL_CONTEXT,
    round_fraction,
    to_decimal,
)

IntArray = npt.NDArray[Any]  # int64, or object (Python ints) when int64 could overflow


# int64 products stay below this; above it the kernel works in Python ints.
_LIMIT: Final = 2**62


def _ratio(value: Decimal) -> Fraction:
    return Fraction(value)


def _one(units: int, places: int, strip: bool) -> str:
    """One integer in units of ``10**-places`` as decimal text."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**places)
    if places == 0:
        return f"{sign}{whole}"
    digits = f"{frac:0{places}d}"
    if strip:
        digits = digits.rstrip("0")
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def _show(value: Fraction | Decimal) -> str:
    """A constant as plain decimal text, trailing zeros dropped (to 6 places)."""
    return _one(round_fraction(Fraction(value) * 10**6), 6, strip=True)


def _fixed(units: IntArray, places: int, *, strip: bool) -> npt.NDArray[np.object_]:
    """Integers in units of ``10**-places`` as decimal text, each distinct value formatted once.

    With ``strip``, trailing zeros of the fraction (and a bare point) are dropped.
    """
    arr = np.asarray(units).reshape(-1)
    if arr.size == 0:
        return np.empty(0, dtype=object)
    uniques, inverse = np.unique(arr, return_inverse=True)
    texts = np.array([_one(int(u), places, strip) for u in uniques.tolist()], dtype=object)
    return texts[inverse.reshape(-1)]


def _units_of(value: object, places: int, what: str) -> int:
    """``value`` in units of ``10**-places``, half to even (floats via shortest repr)."""
    d = to_decimal(value, what=what)
    scaled = DECIMAL_CONTEXT.scaleb(d, places)
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_EVEN, context=DECIMAL_CONTEXT))
