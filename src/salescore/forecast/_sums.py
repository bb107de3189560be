"""Exact integer sums per group and their conversion into a reporting currency.

Shared by the weighted and category forecasts: sums of minor units are exact
Python integers (two float64 limbs through ``numpy.bincount``), converted with
Decimal factors and rounded once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt

from salescore._numeric import (
    DECIMAL_CONTEXT,
)
from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.forecast._deals import Deals
from salescore.money import CURRENCIES, FxRates, check_currency

__all__ = [
    "Converter",
    "converter",
    "converter_for",
    "group_sum",
    "plain",
    "product_sum",
    "round_minor",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_LIMB: Final = 29  # bits per limb: a limb sum over 2**23 rows stays below 2**53
_CHUNK: Final = 2**23


def group_sum(values: IntArray, group: IntArray, k: int) -> list[int]:
    """Exact sums of non-negative int64 ``values`` (< 2**58) per group, as Python ints.

    Each value is split into two 29-bit limbs; limb sums over chunks of 2**23
    rows stay below 2**53, so ``numpy.bincount`` adds them exactly in float64.

    Examples
    --------
    >>> group_sum(np.array([2**57, 2**57, 5]), np.array([0, 0, 1]), 2)
    [288230376151711744, 5]
    """
    totals = [0] * k
    mask = (1 << _LIMB) - 1
    for begin in range(0, len(values), _CHUNK):
        v = values[begin : begin + _CHUNK]
        g = group[begin : begin + _CHUNK]
        lo = np.bincount(g, weights=(v & mask).astype(np.float64), minlength=k)
        hi = np.bincount(g, weights=(v >> _LIMB).astype(np.float64), minlength=k)
        for i, (a, b) in enumerate(zip(lo.tolist(), hi.tolist(), strict=True)):
            if a or b:
                totals[i] += (int(b) << _LIMB) + int(a)
    return totals


def product_sum(minor: IntArray, scaled_p: IntArray, group: IntArray, k: int) -> list[int]:
    """Exact ``sum(minor * scaled_p)`` per group (``minor < 2**53``, ``scaled_p <= 10**9``).

    ``minor`` is split at bit 26 so both partial products stay below 2**58.

    Examples
    --------
    >>> product_sum(np.array([2**52, 3]), np.array([10**9, 5]), np.array([0, 0]), 1)
    [4503599627370496000000015]
    """
    low_bits = 26
    lo = group_sum((minor & ((1 << low_bits) - 1)) * scaled_p, group, k)
    hi = group_sum((minor >> low_bits) * scaled_p, group, k)
    return [(h << low_bits) + low for h, low in zip(hi, lo, strict=True)]


@dataclass(frozen=True)
class Converter:
    """Exact conversion of per-currency integer sums into the reporting currency."""

    currency: str
    factors: tuple[Decimal, ...]  # per source currency: reporting units per source unit
    places: tuple[int, ...]  # minor unit of each source currency
    on: date | None

    def value(self, per_currency: Sequence[int], extra_places: int = 0) -> Decimal:
        """Sum of integers (one per source currency, in 10**-(minor + extra) units) [currency]."""
        total = Decimal(0)
        for units, factor, mu in zip(per_currency, self.factors, self.places, strict=True):
            if units:
                amount = Decimal(units).scaleb(-(mu + extra_places), context=DECIMAL_CONTEXT)
                total = DECIMAL_CONTEXT.add(total, DECIMAL_CONTEXT.multiply(amount, factor))
        return total


def converter(
    deals: Deals,
    counted: BoolArray,
    *,
    currency: str | None,
    fx: FxRates | None,
    fx_on: date | None,
    period: Period | None,
) -> Converter:
    """Choose the reporting currency and the conversion factor of every source currency."""
    used = sorted({deals.currencies[c] for c in np.unique(deals.currency[counted]).tolist()})
    return converter_for(
        list(deals.currencies), used, currency=currency, fx=fx, fx_on=fx_on, period=period
    )


def converter_for(
    currencies: Sequence[str],
    used: Sequence[str],
    *,
    currency: str | None,
    fx: FxRates | None,
    fx_on: date | None,
    period: Period | None,
) -> Converter:
    """The converter of source ``currencies`` (in code order) when ``used`` ones count."""
    if fx is not None and not isinstance(fx, FxRates):
        raise InvalidInputError(f"fx {fx!r} is not an FxRates table")
    if fx_on is not None and not isinstance(fx_on, date):
        raise InvalidInputError(f"fx_on {fx_on!r} is not a date")
    if currency is not None:
        reporting = check_currency(currency)
    elif fx is not None:
        reporting = fx.base
    elif len(used) == 1:
        reporting = used[0]
    elif not used:
        present = sorted(set(currencies))
        if len(present) != 1:
            raise InvalidInputError(
                "no deal counts towards the forecast and the deals give no single currency; "
                "pass currency="
            )
        reporting = present[0]
    else:
        raise CurrencyMismatchError(
            f"the deals that count are in {', '.join(used)}; pass fx= (an FxRates table) "
            "to convert them into one reporting currency"
        )
    foreign = [c for c in used if c != reporting]
    if foreign and fx is None:
        raise CurrencyMismatchError(
            f"the deals that count are in {', '.join(used)} but the reporting currency is "
            f"{reporting}; pass fx= (an FxRates table) to convert them"
        )
    on = fx_on if fx_on is not None else (period.start if period is not None else None)
    if foreign and on is None:
        raise InvalidInputError(
            f"converting {', '.join(foreign)} into {reporting} needs a rate date; "
            "pass fx_on= or a period (whose start is used)"
        )
    factors = []
    for code in currencies:
        if code == reporting or code not in foreign:
            factors.append(Decimal(1))
            continue
        assert fx is not None  # checked above
        assert on is not None
        factors.append(DECIMAL_CONTEXT.divide(fx.rate(reporting, on), fx.rate(code, on)))
    return Converter(
        currency=reporting,
        factors=tuple(factors),
        places=tuple(CURRENCIES[c] for c in currencies),
        on=on if foreign else None,
    )


def plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros, and without an exponent for whole numbers.

    Examples
    --------
    >>> plain(Decimal("916.66500000")), plain(Decimal("1200.000"))
    (Decimal('916.665'), Decimal('1200'))
    """
    reduced = value.normalize(context=DECIMAL_CONTEXT)
    exponent = reduced.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        return reduced.quantize(Decimal(1), context=DECIMAL_CONTEXT)
    return reduced


def round_minor(value: Decimal, currency: str, rounding: str) -> int:
    """``value`` [currency] rounded to an integer count of minor units with ``rounding``.

    Examples
    --------
    >>> round_minor(Decimal("2.675"), "USD", "ROUND_HALF_EVEN")
    268
    """
    scaled = value.scaleb(CURRENCIES[currency], context=DECIMAL_CONTEXT)
    return int(scaled.quantize(Decimal(1), rounding=rounding, context=DECIMAL_CONTEXT))
