"""Exact number handling shared by every layer: Decimal parsing, minor units, largest remainder.

This module is private. It turns user-given numbers into ``Decimal`` without
binary-expansion surprises, checks fractions, and holds the largest-remainder
kernels that every exact split in salescore runs on.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction
from itertools import repeat
from typing import Any, Final, ParamSpec, TypeVar, overload

import numpy as np
import numpy.typing as npt

from salescore.errors import InvalidInputError

P = ParamSpec("P")
R = TypeVar("R")

__all__ = [
    "DECIMAL_CONTEXT",
    "MAX_UNITS",
    "ROUNDING_MODES",
    "check_fraction",
    "check_rounding",
    "check_units",
    "exact_decimals",
    "exact_product",
    "floats_to_minor_units",
    "from_minor_units",
    "minor_units_to_decimals",
    "largest_remainder",
    "largest_remainder_rows",
    "largest_remainder_segments",
    "round_div",
    "round_fraction",
    "to_decimal",
    "to_fraction",
    "to_minor_units",
]

#: The one decimal context salescore computes in. Callers' ambient contexts are
#: never consulted, so a notebook that sets ``getcontext().prec = 6`` changes nothing.
DECIMAL_CONTEXT: Final = Context(
    prec=60, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)

ROUNDING_MODES: Final = frozenset(
    {
        "ROUND_CEILING",
        "ROUND_DOWN",
        "ROUND_FLOOR",
        "ROUND_HALF_DOWN",
        "ROUND_HALF_EVEN",
        "ROUND_HALF_UP",
        "ROUND_UP",
        "ROUND_05UP",
    }
)

Number = Decimal | int | float | str | Fraction


#: The largest magnitude [minor units, or whole counts] that the int64 kernels hold
#: exactly with room for their sums: 10**18, ten quadrillion yuan at two places.
MAX_UNITS: Final = 10**18


def check_units(values: object, *, what: str, limit: int = MAX_UNITS) -> list[int]:
    """Read whole numbers of units, refusing fractions and magnitudes above ``limit``.

    Parameters
    ----------
    values : array_like of int
        Integers, or floats and Decimals with whole values [units].
    what : str
        What the values are, for the error message.
    limit : int
        The largest magnitude allowed [units].

    Returns
    -------
    list of int

    Raises
    ------
    InvalidInputError
        A value is not a whole number, or its magnitude is above ``limit``.

    Examples
    --------
    >>> check_units([3, 4.0], what="row totals")
    [3, 4]
    >>> check_units([10**19], what="row totals")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: row totals value 10000000000000000000 is above the \
largest magnitude allowed, 1000000000000000000 units
    """
    items = np.asarray(values, dtype=object).ravel().tolist()
    result = []
    for item in items:
        if (
            isinstance(item, bool)
            or not isinstance(item, int | float | Decimal | np.number)
            or (isinstance(item, float | np.floating) and not math.isfinite(item))
            or (isinstance(item, Decimal) and not item.is_finite())
        ):
            raise InvalidInputError.of("not_whole", name=f"{what} value", value=item, unit="units")
        whole = int(item)
        if whole != item:
            raise InvalidInputError.of("not_whole", name=f"{what} value", value=item, unit="units")
        if abs(whole) > limit:
            raise InvalidInputError.of(
                "too_large", name=f"{what} value", value=whole, limit=f"{limit} units"
            )
        result.append(whole)
    return result


def check_rounding(rounding: str) -> str:
    """Return ``rounding`` if it names a :mod:`decimal` rounding mode, else raise."""
    if not isinstance(rounding, str) or rounding not in ROUNDING_MODES:
        raise InvalidInputError.of(
            "not_rounding_mode",
            name="rounding",
            value=rounding,
            allowed=", ".join(sorted(ROUNDING_MODES)),
        )
    return rounding


def exact_decimals(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` under :data:`DECIMAL_CONTEXT`, whatever the caller's decimal context is.

    Every public calculator is wrapped: a notebook that lowered
    ``decimal.getcontext().prec`` (or trapped ``Inexact``) must not change a
    statement, a plan or a forecast. The caller's context is restored on return.

    Examples
    --------
    >>> import decimal
    >>> @exact_decimals
    ... def third() -> Decimal:
    ...     return Decimal(1) / Decimal(3)
    >>> with decimal.localcontext() as ctx:
    ...     ctx.prec = 3
    ...     len(str(third())) > 40
    True
    """

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with localcontext(DECIMAL_CONTEXT):
            return func(*args, **kwargs)

    return run


def _away(q: Any, r: Any, den: Any, negative: Any, rounding: str) -> Any:
    """Whether to step the magnitude ``q`` (of ``|num| // den``, remainder ``r``) away from zero.

    Written with operators only, so it serves Python ints and numpy arrays alike.
    """
    inexact = r > 0
    if rounding == "ROUND_DOWN":
        return r < 0  # never: False, or an all-False array of the right shape
    if rounding == "ROUND_UP":
        return inexact
    if rounding == "ROUND_CEILING":
        return inexact & (negative == False)  # noqa: E712 (elementwise on arrays)
    if rounding == "ROUND_FLOOR":
        return inexact & negative
    if rounding == "ROUND_05UP":
        # Away from zero only when the digit kept by truncation is 0 or 5.
        return inexact & (q % 5 == 0)
    twice = 2 * r
    if rounding == "ROUND_HALF_UP":
        return twice >= den
    if rounding == "ROUND_HALF_DOWN":
        return twice > den
    return (twice > den) | ((twice == den) & (q % 2 == 1))  # ROUND_HALF_EVEN


@overload
def round_div(num: int, den: int, rounding: str) -> int: ...
@overload
def round_div(
    num: npt.NDArray[Any], den: int | npt.NDArray[Any], rounding: str
) -> npt.NDArray[Any]: ...
def round_div(num: Any, den: Any, rounding: str) -> Any:
    """Round ``num / den`` to an integer with a :mod:`decimal` rounding mode, exactly.

    Every mode of :mod:`decimal` is supported, with its exact meaning
    (``ROUND_05UP`` included). The division is done on integers only, so no
    precision is lost at any size.

    Parameters
    ----------
    num : int or numpy.ndarray of int
        Numerators; an array may be int64 or object (Python ints). Any sign.
    den : int or numpy.ndarray of int
        Positive denominators: one for all, or one per element of ``num``.
    rounding : str
        A :mod:`decimal` rounding mode name.

    Returns
    -------
    int or numpy.ndarray
        A Python int for int arguments; else an array of ``num``'s dtype. An
        int64 array must keep ``2 * den`` and ``|num|`` within int64.

    Examples
    --------
    >>> round_div(5, 2, "ROUND_HALF_EVEN"), round_div(-5, 2, "ROUND_HALF_UP")
    (2, -3)
    >>> round_div(np.array([7, -7, 15]), 10, "ROUND_05UP").tolist()
    [1, -1, 1]
    """
    check_rounding(rounding)
    if isinstance(num, np.ndarray) or isinstance(den, np.ndarray):
        num_arr = np.asarray(num)
        negative = num_arr < 0
        magnitude_in = np.abs(num_arr)
        q, r = magnitude_in // den, magnitude_in % den
        step = np.asarray(_away(q, r, den, negative, rounding), dtype=bool)
        magnitude = q + (step.astype(object) if q.dtype == object else step.astype(q.dtype))
        result: npt.NDArray[Any] = np.where(negative, -magnitude, magnitude)
        return result.astype(q.dtype, copy=False)
    n, d = int(num), int(den)
    if d <= 0:
        raise InvalidInputError.of("not_positive", name="denominator", value=d)
    q, r = divmod(abs(n), d)
    magnitude = q + int(bool(_away(q, r, d, n < 0, rounding)))
    return -magnitude if n < 0 else magnitude


#: Below this bound an int64 product and twice its remainder stay inside int64.
_SAFE_PRODUCT: Final = 2**62


def exact_product(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """``a * b`` elementwise, exact: int64 while it fits, else an object array of Python ints.

    Feed it to :func:`round_div` or ``//`` and ``%``: both take either dtype.

    Examples
    --------
    >>> exact_product(np.array([3]), np.array([4])).dtype
    dtype('int64')
    >>> big = exact_product(np.array([2**40]), np.array([2**40]))
    >>> big.dtype, int(big[0]) == 2**80
    (dtype('O'), True)
    """
    if not len(a):
        return np.zeros(0, dtype=np.int64)
    if int(np.abs(a).max()) * int(np.abs(b).max()) < _SAFE_PRODUCT:
        product: npt.NDArray[Any] = a * b
        return product
    big: npt.NDArray[Any] = a.astype(object) * b.astype(object)
    return big


def round_fraction(value: Fraction, rounding: str = ROUND_HALF_EVEN) -> int:
    """Round an exact fraction to an integer with a :mod:`decimal` rounding mode.

    Examples
    --------
    >>> round_fraction(Fraction(5, 2)), round_fraction(Fraction(5, 2), "ROUND_HALF_UP")
    (2, 3)
    >>> round_fraction(Fraction(-1, 3), "ROUND_FLOOR")
    -1
    """
    return round_div(value.numerator, value.denominator, rounding)


def to_decimal(value: object, *, what: str = "value") -> Decimal:
    """Read ``value`` as a finite ``Decimal``.

    Floats are read through their shortest repr (``0.1`` becomes
    ``Decimal("0.1")``), never through their binary expansion. NaN, infinities,
    booleans and anything non-numeric are rejected with an
    :class:`~salescore.errors.InvalidInputError` that names ``what``.

    Examples
    --------
    >>> to_decimal(0.1)
    Decimal('0.1')
    >>> to_decimal("12.50", what="amount")
    Decimal('12.50')
    """
    if isinstance(value, bool):
        raise InvalidInputError.of("is_boolean", name=what, value=value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float | np.floating):
        if not math.isfinite(float(value)):
            raise InvalidInputError.of("not_finite_number", name=what, value=value)
        result = Decimal(repr(float(value)))
    elif isinstance(value, np.integer):
        result = Decimal(int(value))
    elif isinstance(value, Fraction):
        result = DECIMAL_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidInputError.of("not_a_number", name=what, value=value) from None
    else:
        raise InvalidInputError.of(
            "not_a_number_type", name=what, value=value, kind=type(value).__name__
        )
    if not result.is_finite():
        raise InvalidInputError.of("not_finite_number", name=what, value=value)
    return result


def to_fraction(value: object, *, what: str = "value") -> Fraction:
    """Read ``value`` as an exact :class:`~fractions.Fraction` (floats via shortest repr)."""
    if isinstance(value, Fraction):
        return value
    return Fraction(to_decimal(value, what=what))


def check_fraction(value: object, *, what: str = "fraction") -> float:
    """Return ``value`` as a float in [0, 1], or raise naming it.

    Examples
    --------
    >>> check_fraction(0.25, what="probability")
    0.25
    >>> check_fraction(1.2, what="stage 'Won' probability")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: stage 'Won' probability 1.2 is outside [0, 1]
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | np.number):
        raise InvalidInputError.of("not_fraction", name=what, value=value)
    result = float(value)
    if not math.isfinite(result):
        raise InvalidInputError.of("fraction_not_finite", name=what, value=value)
    if not 0.0 <= result <= 1.0:
        raise InvalidInputError.of("fraction_outside", name=what, value=value)
    return result


def to_minor_units(
    amounts: Sequence[Decimal], minor_unit: int, rounding: str = ROUND_HALF_EVEN
) -> npt.NDArray[np.int64]:
    """Convert Decimal amounts to integer minor units (cents), rounding explicitly.

    Examples
    --------
    >>> to_minor_units([Decimal("1.005"), Decimal("2")], 2).tolist()
    [100, 200]
    """
    check_rounding(rounding)
    scale = Decimal(10) ** minor_unit
    out = np.empty(len(amounts), dtype=np.int64)
    for i, amount in enumerate(amounts):
        scaled = DECIMAL_CONTEXT.multiply(amount, scale)
        out[i] = int(scaled.quantize(Decimal(1), rounding=rounding, context=DECIMAL_CONTEXT))
    return out


def floats_to_minor_units(
    amounts: npt.ArrayLike, minor_unit: int, *, what: str = "amount"
) -> npt.NDArray[np.int64]:
    """Vectorised float-to-minor-units conversion, rounding half to even in decimal.

    The bulk twin of ``to_minor_units([to_decimal(x) for x in amounts])``: a
    float is read as its shortest decimal ``repr`` (so ``2.675`` is two
    point six seven five, not the binary 2.67499999...), then rounded half to
    even. Values whose scaled magnitude reaches 2**53 cannot be represented
    exactly and are refused.

    Parameters
    ----------
    amounts : array_like of float
        Amounts in major units [currency]; must be finite.
    minor_unit : int
        Decimal places of the currency (2 for CNY, 0 for JPY).
    what : str
        Name used in error messages.

    Returns
    -------
    numpy.ndarray of int64
        The amounts in minor units.

    Examples
    --------
    >>> floats_to_minor_units([2.675, 2.665, -0.005, 1.0], 2).tolist()
    [268, 266, 0, 100]
    """
    arr = np.asarray(amounts, dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInputError.of(
            "amount_not_finite", name=what, value=float(arr.flat[i]), position=i
        )
    scaled = arr * 10.0**minor_unit
    too_big = np.abs(scaled) >= 2.0**53
    if too_big.any():
        i = int(np.flatnonzero(too_big)[0])
        raise InvalidInputError.of(
            "too_large_float",
            name=f"{what} at position {i}",
            value=float(arr.flat[i]),
            places=minor_unit,
            limit=f"{2.0**53 / 10.0**minor_unit:.6g}",
        )
    floor = np.floor(scaled)
    frac = scaled - floor
    # A float whose shortest repr ends in 5 at the next decimal place lands
    # within a few ulps of .5 once scaled: that is an exact decimal tie.
    tie = np.abs(frac - 0.5) <= 8 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(scaled))
    rounded = np.where(frac > 0.5, floor + 1.0, floor).astype(np.int64)
    # Near a tie the float product cannot tell a decimal tie from a value a few
    # ulps off it (77309411.48549986 at 3 places is not one): decide those few
    # exactly from the shortest repr.
    near = np.flatnonzero(tie.reshape(-1))
    if len(near):
        flat = rounded.reshape(-1)
        exact = to_minor_units([to_decimal(float(x)) for x in arr.reshape(-1)[near]], minor_unit)
        flat[near] = exact
        rounded = flat.reshape(rounded.shape)
    return rounded


def from_minor_units(units: npt.ArrayLike, minor_unit: int) -> list[Decimal]:
    """Convert integer minor units back to Decimal amounts with ``minor_unit`` places.

    Examples
    --------
    >>> from_minor_units([100, -5], 2)
    [Decimal('1.00'), Decimal('-0.05')]
    """
    arr = np.asarray(units, dtype=np.int64)
    # map() over the context's bound method keeps the loop in C: about 0.3 us a value.
    return list(
        map(DECIMAL_CONTEXT.scaleb, map(Decimal, arr.ravel().tolist()), repeat(-minor_unit))
    )


def minor_units_to_decimals(units: npt.ArrayLike, minor_unit: int) -> npt.NDArray[np.object_]:
    """:func:`from_minor_units` as an object array of the shape of ``units``.

    This is how every result table turns its exact ``*_minor`` column into
    the ``Decimal`` column in major units beside it.

    Examples
    --------
    >>> minor_units_to_decimals([[100, 250]], 2).tolist()
    [[Decimal('1.00'), Decimal('2.50')]]
    """
    arr = np.asarray(units, dtype=np.int64)
    out = np.empty(arr.size, dtype=object)
    out[:] = from_minor_units(arr, minor_unit)
    return out.reshape(arr.shape)


def largest_remainder(total: int, weights: Sequence[Fraction]) -> list[int]:
    """Split the integer ``total`` in proportion to ``weights``, summing exactly.

    Each part is the floor of its exact share; the units left over go, one
    each, to the parts with the largest fractional remainders, earlier parts
    first on ties. A negative total is split as its absolute value and
    negated, so the split is symmetric.

    Parameters
    ----------
    total : int
        The whole to split [minor units].
    weights : sequence of Fraction
        Non-negative weights, not all zero (checked by the caller).

    Returns
    -------
    list of int
        Parts that sum to ``total``; each within one unit of its exact share.

    Examples
    --------
    >>> largest_remainder(100, [Fraction(1), Fraction(1), Fraction(1)])
    [34, 33, 33]
    """
    if total < 0:
        return [-part for part in largest_remainder(-total, weights)]
    # Over a common denominator the weights are integers, and every exact share
    # total * w / W has the same denominator W: integer floors and remainders,
    # no Fraction arithmetic per part.
    common = math.lcm(*(Fraction(w).denominator for w in weights))
    whole = [w.numerator * (common // w.denominator) for w in map(Fraction, weights)]
    weight_sum = sum(whole)
    parts, remainders = [], []
    for w in whole:
        part, remainder = divmod(total * w, weight_sum)
        parts.append(part)
        remainders.append(remainder)
    leftover = total - sum(parts)
    # Stable sort on the remainder, descending: ties keep their original order.
    order = sorted(range(len(whole)), key=lambda i: -remainders[i])
    for i in order[:leftover]:
        parts[i] += 1
    return parts


def largest_remainder_rows(totals: npt.ArrayLike, weights: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Vectorised largest remainder: split each ``totals[i]`` by the row ``weights[i]``.

    The bulk twin of :func:`largest_remainder`. Whole-number weights are split
    in exact integer arithmetic (while ``|total| * weight < 2**62``) and give
    the exact kernel's result. Other weights are split in float64 with
    remainders compared to 12 decimal places, so near-ties go to the earlier
    part; every row still sums exactly to its total.

    Parameters
    ----------
    totals : array_like of int, shape (n,)
        The integer wholes [minor units]; may be negative.
    weights : array_like of float, shape (n, k) or (k,)
        Non-negative weights with a positive sum in every row (a 1-D array is
        used for every row).

    Returns
    -------
    numpy.ndarray of int64, shape (n, k)

    Examples
    --------
    >>> largest_remainder_rows([100, -100], [1, 1, 1]).tolist()
    [[34, 33, 33], [-34, -33, -33]]
    """
    total_arr = np.asarray(totals, dtype=np.int64)
    weight_arr = np.asarray(weights, dtype=np.float64)
    if weight_arr.ndim == 1:
        weight_arr = np.broadcast_to(weight_arr, (total_arr.shape[0], weight_arr.shape[0]))
    sign = np.where(total_arr < 0, -1, 1).astype(np.int64)
    magnitude = np.abs(total_arr)
    biggest = float(magnitude.max(initial=0)) * float(weight_arr.max(initial=0))
    if np.array_equal(weight_arr, np.floor(weight_arr)) and biggest < 2.0**62:
        # Whole-number weights (counts, days, minor units): exact integer
        # shares and remainders, so ties are real ties as in the exact kernel.
        whole = weight_arr.astype(np.int64)
        product = magnitude[:, None] * whole
        row_sum = whole.sum(axis=1, keepdims=True)
        parts = product // row_sum
        remainder = (product % row_sum).astype(np.float64) / row_sum
    else:
        shares = magnitude[:, None].astype(np.float64) * (
            weight_arr / weight_arr.sum(axis=1)[:, None]
        )
        parts = np.floor(shares).astype(np.int64)
        # Remainders equal to 12 places are ties: float noise must not decide them.
        remainder = np.round(shares - parts, 12)
    leftover = magnitude - parts.sum(axis=1)
    # Float error can leave a floor one unit too high; take it back from the
    # smallest remainders before handing out the leftovers.
    while (leftover < 0).any():
        rows = np.flatnonzero(leftover < 0)
        cols = np.argmin(np.where(parts[rows] > 0, remainder[rows], np.inf), axis=1)
        parts[rows, cols] -= 1
        remainder[rows, cols] += 1.0
        leftover[rows] += 1
    k = parts.shape[1]
    # Rank columns by remainder, descending; a stable sort keeps earlier columns first on ties.
    order = np.argsort(-remainder, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(k)[None, :].repeat(len(parts), axis=0), axis=1)
    # Leftovers never exceed k in exact arithmetic; whole rounds guard against float drift.
    parts += (leftover // k)[:, None] + (rank < (leftover % k)[:, None]).astype(np.int64)
    result: npt.NDArray[np.int64] = parts * sign[:, None]
    return result


def largest_remainder_segments(
    totals: npt.NDArray[np.int64], weights: npt.NDArray[np.int64], starts: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Vectorised exact largest remainder over ragged segments of integer weights.

    Segment ``s`` is ``weights[starts[s]:starts[s + 1]]`` (the last runs to
    the end); ``totals[s]`` is split over it as :func:`largest_remainder`
    splits it, ties to the earlier part, in exact integer arithmetic at any
    size. A segment of zero weights gets zeros (its total must then be 0).

    Parameters
    ----------
    totals : numpy.ndarray of int64, shape (m,)
        The wholes [minor units], >= 0.
    weights : numpy.ndarray of int64, shape (n,)
        Non-negative integer weights, segments contiguous.
    starts : numpy.ndarray of int64, shape (m,)
        Where each segment starts; increasing, every segment non-empty.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
        Parts; those of each segment sum to its total.

    Examples
    --------
    >>> largest_remainder_segments(np.array([100, 5]), np.array([1, 1, 1, 2, 3]),
    ...                            np.array([0, 3])).tolist()
    [34, 33, 33, 2, 3]
    """
    n = len(weights)
    if not n:
        return np.zeros(0, dtype=np.int64)
    segment = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, n)))
    weight_sum = np.add.reduceat(weights, starts)
    den = np.where(weight_sum > 0, weight_sum, 1)[segment]
    product = exact_product(totals[segment], weights)
    floor = (product // den).astype(np.int64)
    remainder = (product % den).astype(np.int64)
    leftover = totals - np.add.reduceat(floor, starts)
    order = np.lexsort((np.arange(n), -remainder, segment))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - starts[segment[order]]
    parts = floor + (rank < leftover[segment]).astype(np.int64)
    result: npt.NDArray[np.int64] = np.where(weight_sum[segment] > 0, parts, 0)
    return result
