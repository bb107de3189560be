"""Root-cause validation shared by every layer: finite, non-negative, magnitude, choice.

This module is private. Each check raises a coded, bilingual
:class:`~salescore.errors.InvalidInputError` (see
:mod:`salescore.error_codes`) naming the value and what was allowed, so the
same class of bad input reads the same everywhere. The bulk form of the
magnitude check, :func:`beyond_magnitude`, returns a row mask for the caller
to report in its errors table instead of refusing the frame.

The documented magnitudes:

- :data:`MAX_UNITS` (``10**18``) [minor units, or whole counts]: what the
  int64 kernels hold exactly with room for their sums (bulk frames, matrices,
  splits).
- :data:`MAX_DECIMAL_DIGITS` (60): the significant digits of
  :data:`~salescore._numeric.DECIMAL_CONTEXT`; a ``Money`` rounded to its
  minor unit must fit in them, so its magnitude must stay below
  ``10**(60 - minor_unit)`` [currency].
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt

from salescore.errors import InvalidInputError, SalescoreError

__all__ = [
    "MAX_DECIMAL_DIGITS",
    "MAX_UNITS",
    "allowed_text",
    "beyond_magnitude",
    "check_choice",
    "check_finite",
    "check_magnitude",
    "check_non_negative",
    "money_limit",
]

T = TypeVar("T")

#: The largest magnitude the int64 kernels hold exactly with room for their sums [units].
MAX_UNITS: Final = 10**18

#: Significant digits of salescore's decimal context.
MAX_DECIMAL_DIGITS: Final = 60


def money_limit(minor_unit: int) -> Decimal:
    """The magnitude a ``Money`` of ``minor_unit`` places must stay below [currency].

    Examples
    --------
    >>> money_limit(2)
    Decimal('1E+58')
    """
    return Decimal(1).scaleb(MAX_DECIMAL_DIGITS - minor_unit)


def allowed_text(allowed: Iterable[object]) -> str:
    """The allowed values as ``'a', 'b', 'c'`` (reprs, in the order given).

    Examples
    --------
    >>> allowed_text(["wide", "long"])
    "'wide', 'long'"
    """
    return ", ".join(repr(getattr(a, "value", a)) for a in allowed)


def check_choice(
    value: T,
    allowed: Iterable[object],
    *,
    name: str,
    error: type[SalescoreError] = InvalidInputError,
) -> T:
    """Return ``value`` if it is one of ``allowed``, else raise naming both.

    Parameters
    ----------
    value : object
        The argument given.
    allowed : iterable
        The values allowed, in the order the message lists them.
    name : str
        The argument's name, for the message.
    error : type of SalescoreError
        The class raised (code ``not_allowed``); default ``InvalidInputError``.

    Examples
    --------
    >>> check_choice("tall", ("wide", "long"), name="form")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: form 'tall' is not one of 'wide', 'long'
    """
    choices = list(allowed)
    try:
        ok = value in choices
    except TypeError:  # an unhashable or incomparable value is not a choice
        ok = False
    if not ok:
        raise error.of("not_allowed", name=name, value=value, allowed=allowed_text(choices))
    return value


def check_finite(value: Any, *, name: str) -> Any:
    """Return ``value`` if it is a finite number, else raise naming it.

    Examples
    --------
    >>> check_finite(float("nan"), name="amount")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: amount nan is not finite; numbers must be finite
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | np.number):
        raise InvalidInputError.of("not_a_number", name=name, value=value)
    finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
    if not finite:
        raise InvalidInputError.of("not_finite", name=name, value=value)
    return value


def check_non_negative(value: Any, *, name: str) -> Any:
    """Return ``value`` if it is a finite number ``>= 0``, else raise naming it.

    Examples
    --------
    >>> check_non_negative(-2, name="quota")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: quota -2 is negative; it must be >= 0
    """
    check_finite(value, name=name)
    if value < 0:
        raise InvalidInputError.of("negative", name=name, value=value)
    return value


def check_magnitude(value: Any, limit: int | Decimal, *, name: str, inclusive: bool = True) -> Any:
    """Return ``value`` if its magnitude is at most ``limit``, else raise naming both.

    With ``inclusive=False`` the magnitude must stay strictly below ``limit``.

    Examples
    --------
    >>> check_magnitude(Decimal("1e70"), money_limit(2), name="amount")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: amount 1E+70 is above the largest magnitude \
allowed, 1E+58
    """
    if inclusive and abs(value) > limit:
        raise InvalidInputError.of("too_large", name=name, value=value, limit=limit)
    if not inclusive and abs(value) >= limit:
        raise InvalidInputError.of("not_below_limit", name=name, value=value, limit=limit)
    return value


def beyond_magnitude(values: npt.ArrayLike, limit: int | float) -> npt.NDArray[np.bool_]:
    """Row mask of finite numbers whose magnitude is above ``limit`` (bulk paths).

    Non-numbers and non-finite values are False: other checks report them.

    Examples
    --------
    >>> beyond_magnitude([1.0, 1e30, float("inf")], 1e18).tolist()
    [False, True, False]
    >>> beyond_magnitude([Decimal("1e40"), None, 3], 10**18).tolist()
    [True, False, False]
    """
    arr = np.asarray(values)
    if arr.dtype.kind in "fiu":
        with np.errstate(invalid="ignore"):
            as_float = arr.astype(np.float64)
            return np.isfinite(as_float) & (np.abs(as_float) > float(limit))
    out = np.zeros(arr.shape, dtype=np.bool_)
    for i, v in enumerate(arr.ravel().tolist()):
        if isinstance(v, bool) or not isinstance(v, int | float | Decimal):
            continue
        if isinstance(v, Decimal):
            out.flat[i] = v.is_finite() and abs(v) > limit
        else:
            out.flat[i] = math.isfinite(v) and abs(v) > limit
    return out
