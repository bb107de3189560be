"""Money, ISO 4217 currencies, exact splitting and exchange rates.

:class:`Money` is a ``Decimal`` amount in one currency. It refuses to mix
currencies, rounds only when asked (to the currency's minor unit, with an
explicit rounding mode), and splits by largest remainder so the parts always
add up to the whole. :class:`FxRates` converts between currencies from a
caller-given table of dated rates; salescore never fetches rates.

Examples
--------
>>> from salescore.money import Money
>>> price = Money("100.00", "CNY")
>>> [str(part) for part in price.allocate([1, 1, 1])]
['33.34 CNY', '33.33 CNY', '33.33 CNY']
>>> sum([Money("0.1", "USD"), Money("0.2", "USD")])
Money(amount=Decimal('0.3'), currency='USD')
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Annotated, Any, Final, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BeforeValidator, Field, field_validator, model_validator

from salescore._base import FrozenModel
from salescore._checks import check_magnitude, money_limit
from salescore._numeric import (
    DECIMAL_CONTEXT,
    check_rounding,
    floats_to_minor_units,
    largest_remainder,
    round_div,
    round_fraction,
    to_decimal,
    to_fraction,
)
from salescore.errors import (
    CurrencyMismatchError,
    InvalidInputError,
    MissingRateError,
    UnknownCurrencyError,
)

__all__ = [
    "CURRENCIES",
    "CurrencyCode",
    "FxRate",
    "FxRates",
    "Money",
    "check_currency",
    "floats_to_minor_units_by_currency",
    "minor_unit",
]

# Active ISO 4217 codes with their minor units (number of decimal places), as
# amended to 2025 (XCG and ZWG included). Precious metals, testing codes and
# codes without a minor unit (XAU, XDR, XXX, ...) are left out: they are not money
# a sales team books.
CURRENCIES: Final[Mapping[str, int]] = {
    **dict.fromkeys(
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD "
        "BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP "
        "ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR "
        "JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU "
        "MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR "
        "RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS "
        "TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW "
        "ZWG".split(),
        2,
    ),
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}


def check_currency(code: object) -> str:
    """Return ``code`` if it is an active ISO 4217 code, else raise.

    Examples
    --------
    >>> check_currency("CNY")
    'CNY'
    >>> check_currency("RMB")
    Traceback (most recent call last):
    ...
    salescore.errors.UnknownCurrencyError: currency 'RMB' is not an active ISO 4217 code ...
    """
    if not isinstance(code, str) or code not in CURRENCIES:
        raise UnknownCurrencyError.of("currency_not_iso", value=code)
    return code


def minor_unit(currency: str) -> int:
    """The number of decimal places of ``currency`` (CNY 2, JPY 0, KWD 3).

    Examples
    --------
    >>> minor_unit("KWD"), minor_unit("JPY")
    (3, 0)
    """
    return CURRENCIES[check_currency(currency)]


def floats_to_minor_units_by_currency(
    amounts: npt.NDArray[np.float64], currencies: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Float amounts in minor units of each row's own currency, and which are not whole.

    The bulk reading of an ``amount`` / ``currency`` column pair: one
    :func:`~salescore._numeric.floats_to_minor_units` per distinct currency.

    Examples
    --------
    >>> minor, off = floats_to_minor_units_by_currency(
    ...     np.array([12.34, 1000.0, 10.5]), ["CNY", "JPY", "JPY"])
    >>> minor.tolist(), off.tolist()
    ([1234, 1000, 10], [False, False, True])
    """
    cur = np.asarray(currencies, dtype=object)
    if len(cur) and bool((cur == cur[0]).all()):  # one currency, the usual case: no factorize
        mu = minor_unit(str(cur[0]))
        whole = floats_to_minor_units(amounts, mu)
        return whole, whole / 10.0**mu != amounts
    codes, uniques = pd.factorize(pd.Series(cur, dtype=object))
    minor = np.zeros(len(amounts), dtype=np.int64)
    off = np.zeros(len(amounts), dtype=bool)
    for ci, code in enumerate(uniques):
        at = codes == ci
        mu = minor_unit(str(code))
        minor[at] = floats_to_minor_units(amounts[at], mu)
        off[at] = minor[at] / 10.0**mu != amounts[at]
    return minor, off


#: A validated ISO 4217 currency code, usable as a pydantic field type.
CurrencyCode = Annotated[str, BeforeValidator(check_currency)]


def _amount(value: object) -> Decimal:
    return to_decimal(value, what="amount")


class Money(FrozenModel):
    """An exact amount of one currency.

    Parameters
    ----------
    amount : Decimal, int, str or float
        The amount [currency]. Floats are read through their shortest repr;
        NaN and infinities are rejected. Not rounded on construction.
    currency : str
        An active ISO 4217 code.

    Notes
    -----
    Arithmetic (``+``, ``-``, unary ``-``, ``*`` and ``/`` by a number) keeps
    full precision; call :meth:`quantize` once, at the output. Adding or
    comparing amounts of different currencies raises
    :class:`~salescore.errors.CurrencyMismatchError`. ``sum()`` works because
    ``0 + money`` is ``money``.

    Examples
    --------
    >>> Money(0.1, "USD") + Money("0.2", "USD")
    Money(amount=Decimal('0.3'), currency='USD')
    >>> (Money("10", "JPY") / 3).quantize()
    Money(amount=Decimal('3'), currency='JPY')
    >>> Money("1", "USD") + Money("1", "EUR")
    Traceback (most recent call last):
    ...
    salescore.errors.CurrencyMismatchError: cannot combine USD and EUR amounts ...
    """

    amount: Annotated[Decimal, BeforeValidator(_amount)]
    currency: CurrencyCode

    def __init__(self, amount: object = None, currency: str | None = None, **data: Any) -> None:
        # Positional construction (Money("12.50", "CNY")) reads better than keywords.
        if amount is not None:
            data["amount"] = amount
        if currency is not None:
            data["currency"] = currency
        super().__init__(**data)

    # -- construction helpers -------------------------------------------------
    @classmethod
    def zero(cls, currency: str) -> Self:
        """Zero in ``currency``."""
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Self:
        """Build from an integer count of minor units (cents).

        Examples
        --------
        >>> Money.from_minor(1234, "USD")
        Money(amount=Decimal('12.34'), currency='USD')
        """
        # The plan-wide context, not the ambient one: no digit is lost at any size.
        return cls(
            Decimal(int(units)).scaleb(-minor_unit(currency), context=DECIMAL_CONTEXT), currency
        )

    # -- inspection -----------------------------------------------------------
    @property
    def minor_unit(self) -> int:
        """Decimal places of this currency."""
        return CURRENCIES[self.currency]

    def to_minor(self, rounding: str = ROUND_HALF_EVEN) -> int:
        """The amount in integer minor units, rounded with ``rounding``.

        Examples
        --------
        >>> Money("12.345", "USD").to_minor()
        1234
        """
        return int(self.quantize(rounding).amount.scaleb(self.minor_unit, context=DECIMAL_CONTEXT))

    def quantize(self, rounding: str = ROUND_HALF_EVEN) -> Money:
        """Round to the currency's minor unit with an explicit rounding mode.

        Parameters
        ----------
        rounding : str
            A :mod:`decimal` rounding mode name, default ``ROUND_HALF_EVEN``.

        Raises
        ------
        InvalidInputError
            An unknown rounding mode, or an amount whose magnitude is not below
            ``10**(60 - minor_unit)`` (code ``not_below_limit``): the rounded amount
            must fit in the 60 significant digits salescore computes in.

        Examples
        --------
        >>> Money("2.675", "USD").quantize()
        Money(amount=Decimal('2.68'), currency='USD')
        >>> Money("2.665", "USD").quantize("ROUND_HALF_UP")
        Money(amount=Decimal('2.67'), currency='USD')
        """
        check_rounding(rounding)
        check_magnitude(
            self.amount,
            money_limit(self.minor_unit),
            name=f"{self.currency} amount",
            inclusive=False,
        )
        exponent = Decimal(1).scaleb(-self.minor_unit)
        return Money(
            self.amount.quantize(exponent, rounding=rounding, context=DECIMAL_CONTEXT),
            self.currency,
        )

    def is_zero(self) -> bool:
        """True when the amount is zero."""
        return self.amount == 0

    # -- arithmetic -----------------------------------------------------------
    def _same_currency(self, other: object, op: str) -> Money:
        if not isinstance(other, Money):
            raise InvalidInputError.of(
                "money_operand", operation=op, kind=type(other).__name__, value=other
            )
        if other.currency != self.currency:
            raise CurrencyMismatchError.of(
                "currencies_differ", left=self.currency, right=other.currency, a=self, b=other
            )
        return other

    def __add__(self, other: object) -> Money:
        other_money = self._same_currency(other, "add")
        return Money(DECIMAL_CONTEXT.add(self.amount, other_money.amount), self.currency)

    def __radd__(self, other: object) -> Money:
        # sum() starts from the int 0.
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return self.__add__(other)

    def __sub__(self, other: object) -> Money:
        other_money = self._same_currency(other, "subtract")
        return Money(DECIMAL_CONTEXT.subtract(self.amount, other_money.amount), self.currency)

    def __neg__(self) -> Money:
        return Money(DECIMAL_CONTEXT.minus(self.amount), self.currency)

    def __abs__(self) -> Money:
        return Money(DECIMAL_CONTEXT.abs(self.amount), self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, Money):
            raise InvalidInputError.of("money_times_money")
        return Money(
            DECIMAL_CONTEXT.multiply(self.amount, to_decimal(factor, what="factor")),
            self.currency,
        )

    __rmul__ = __mul__

    def __truediv__(self, divisor: object) -> Money:
        if isinstance(divisor, Money):
            raise InvalidInputError.of("money_by_money")
        value = to_decimal(divisor, what="divisor")
        if value == 0:
            raise InvalidInputError.of("divide_by_zero", value=self)
        return Money(DECIMAL_CONTEXT.divide(self.amount, value), self.currency)

    def ratio(self, other: Money) -> Decimal:
        """``self / other`` as a Decimal, both in one currency.

        Examples
        --------
        >>> Money("50", "USD").ratio(Money("200", "USD"))
        Decimal('0.25')
        """
        other_money = self._same_currency(other, "divide")
        if other_money.amount == 0:
            raise InvalidInputError.of("ratio_to_zero", value=self)
        return DECIMAL_CONTEXT.divide(self.amount, other_money.amount)

    # -- comparison (same currency only) --------------------------------------
    def __lt__(self, other: object) -> bool:
        return self.amount < self._same_currency(other, "compare").amount

    def __le__(self, other: object) -> bool:
        return self.amount <= self._same_currency(other, "compare").amount

    def __gt__(self, other: object) -> bool:
        return self.amount > self._same_currency(other, "compare").amount

    def __ge__(self, other: object) -> bool:
        return self.amount >= self._same_currency(other, "compare").amount

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    # -- splitting ------------------------------------------------------------
    def allocate(self, weights: Sequence[object], rounding: str = ROUND_HALF_EVEN) -> list[Money]:
        """Split into parts proportional to ``weights`` that sum exactly to the whole.

        The amount is first rounded to the minor unit with ``rounding``; the
        parts are then whole minor units found by largest remainder: each part
        gets the floor of its exact share, and the units left over go to the
        largest remainders, earlier parts first on ties. Negative amounts are
        split symmetrically.

        Parameters
        ----------
        weights : sequence of number
            Non-negative, finite, not all zero. Floats are read through their
            shortest repr.
        rounding : str
            How the whole is rounded to the minor unit first.

        Returns
        -------
        list of Money
            One part per weight; ``sum(parts) == self.quantize(rounding)``.
            A zero weight always gets zero.

        Raises
        ------
        InvalidInputError
            No weights, a negative or non-finite weight, or all weights zero.

        Examples
        --------
        >>> [str(p) for p in Money("10", "USD").allocate([0.5, 0.3, 0.2])]
        ['5.00 USD', '3.00 USD', '2.00 USD']
        >>> [str(p) for p in Money("-0.05", "EUR").allocate([1, 1])]
        ['-0.03 EUR', '-0.02 EUR']
        """
        fractions = check_weights(weights)
        units = largest_remainder(self.to_minor(rounding), fractions)
        return [Money.from_minor(u, self.currency) for u in units]


def check_weights(weights: Sequence[object], *, what: str = "weight") -> list[Any]:
    """Validate allocation weights and return them as exact fractions."""
    if len(weights) == 0:
        raise InvalidInputError.of("no_weights", name=what)
    fractions = [to_fraction(w, what=f"{what} {i}") for i, w in enumerate(weights)]
    negative = [(i, w) for i, w in enumerate(weights) if fractions[i] < 0]
    if negative:
        i, w = negative[0]
        raise InvalidInputError.of("negative_weight", name=what, position=i, value=w)
    if sum(fractions) == 0:
        raise InvalidInputError.of("zero_weights", name=what, count=len(fractions))
    return fractions


_INT64_SAFE: Final = 2**62
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


def _minor_array(minor: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Read integer minor units as int64, refusing floats and booleans."""
    arr = np.asarray(minor)
    if arr.size == 0:
        return np.zeros(arr.shape, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise InvalidInputError.of("minor_dtype", value=str(arr.dtype))
    if arr.dtype.kind == "u" and int(arr.max()) > _INT64_MAX:
        raise InvalidInputError.of("minor_overflow", value=int(arr.max()))
    return arr.astype(np.int64, copy=False)


def _factorize_codes(codes: npt.NDArray[np.str_]) -> tuple[list[str], npt.NDArray[np.int64]]:
    """Distinct codes (sorted) and each row's position among them."""
    if codes.dtype.itemsize == 12:  # <U3: three letters map to one of 26**3 slots, no sort
        letters = np.ascontiguousarray(codes).view(np.uint32).reshape(-1, 3).astype(np.int64)
        letters -= ord("A")
        if letters.min() >= 0 and letters.max() < 26:
            key = (letters[:, 0] * 26 + letters[:, 1]) * 26 + letters[:, 2]
            slots = np.flatnonzero(np.bincount(key, minlength=26**3))
            lookup = np.zeros(26**3, dtype=np.int64)
            lookup[slots] = np.arange(len(slots))
            names = [
                "".join(chr(ord("A") + d) for d in (s // 676, s // 26 % 26, s % 26))
                for s in slots.tolist()
            ]
            return names, lookup[key]
    uniq, inverse = np.unique(codes, return_inverse=True)
    return [str(u) for u in uniq.tolist()], inverse.astype(np.int64).reshape(-1)


def _scale_rows(
    units: npt.NDArray[np.int64],
    group: npt.NDArray[np.intp],
    factors: list[Fraction],
    rows: npt.NDArray[np.intp],
    rounding: str,
    code: str,
    to: str,
) -> npt.NDArray[np.int64]:
    """``round(units * factors[group])`` exactly: int64 where safe, Python ints elsewhere."""
    nums = [f.numerator for f in factors]
    dens = [f.denominator for f in factors]
    safe = np.zeros(len(units), dtype=bool)
    result = np.zeros(len(units), dtype=np.int64)
    if max(nums) < _INT64_SAFE and max(dens) < _INT64_SAFE:
        num = np.asarray(nums, dtype=np.int64)[group]
        den = np.asarray(dens, dtype=np.int64)[group]
        # A float bound with a factor-two margin: |units * num| < 2**62 < 2**63.
        safe = np.abs(units.astype(np.float64)) * num.astype(np.float64) < float(_INT64_SAFE)
        result[safe] = round_div(units[safe] * num[safe], den[safe], rounding)
    rest = np.flatnonzero(~safe)
    if len(rest):
        big = round_div(
            units[rest].astype(object) * np.asarray(nums, dtype=object)[group[rest]],
            np.asarray(dens, dtype=object)[group[rest]],
            rounding,
        )
        outside = np.flatnonzero(((big < _INT64_MIN) | (big > _INT64_MAX)).astype(bool))
        if len(outside):
            i = int(outside[0])
            raise InvalidInputError.of(
                "converted_overflow",
                row=int(rows[rest[i]]),
                value=int(units[rest[i]]),
                source=code,
                converted=big[i],
                target=to,
            )
        result[rest] = big.astype(np.int64)
    return result


class FxRate(FrozenModel):
    """One dated exchange rate: ``rate`` units of ``currency`` buy one unit of the base.

    It applies from ``on`` until the next rate of the same currency.
    """

    currency: CurrencyCode
    on: date
    rate: Annotated[Decimal, BeforeValidator(lambda v: to_decimal(v, what="rate"))]

    @field_validator("rate")
    @classmethod
    def _positive(cls, rate: Decimal) -> Decimal:
        if rate <= 0:
            raise InvalidInputError.of("not_positive", name="rate", value=rate)
        return rate


class FxRates(FrozenModel):
    """A caller-given table of dated exchange rates against one base currency.

    Each rate applies from its date until the next rate of the same currency
    (as-of lookup). Conversion between two non-base currencies goes through
    the base (cross rate). Results keep full precision: quantize at the output.

    Parameters
    ----------
    base : str
        The base currency; its rate is 1 on every date.
    rates : sequence of FxRate
        ``rate`` units of ``currency`` per one unit of ``base``. At most one
        rate per currency and date.

    Examples
    --------
    >>> from datetime import date
    >>> fx = FxRates.from_mapping("USD", {date(2026, 1, 1): {"CNY": "7.10", "EUR": "0.92"}})
    >>> fx.convert(Money("71", "CNY"), "USD", on=date(2026, 3, 1)).quantize()
    Money(amount=Decimal('10.00'), currency='USD')
    >>> fx.convert(Money("71", "CNY"), "EUR", on=date(2026, 3, 1)).quantize()
    Money(amount=Decimal('9.20'), currency='EUR')
    """

    base: CurrencyCode
    rates: tuple[FxRate, ...] = Field(default=())

    @model_validator(mode="after")
    def _check_table(self) -> Self:
        seen: set[tuple[str, date]] = set()
        for fx in self.rates:
            key = (fx.currency, fx.on)
            if key in seen:
                raise InvalidInputError.of("rate_twice", currency=fx.currency, on=fx.on)
            seen.add(key)
            if fx.currency == self.base and fx.rate != 1:
                raise InvalidInputError.of("base_rate", base=self.base, value=fx.rate, on=fx.on)
        return self

    @classmethod
    def from_mapping(cls, base: str, table: Mapping[date, Mapping[str, object]]) -> FxRates:
        """Build from ``{date: {currency: rate}}``."""
        rates = [
            FxRate(currency=currency, on=on, rate=rate)
            for on, row in table.items()
            for currency, rate in row.items()
        ]
        return cls(base=base, rates=tuple(rates))

    @functools.cached_property
    def _by_currency(self) -> dict[str, tuple[list[date], list[Decimal]]]:
        """Each currency's dates and rates, sorted by date: built once per table."""
        points: dict[str, list[tuple[date, Decimal]]] = {}
        for fx in self.rates:
            points.setdefault(fx.currency, []).append((fx.on, fx.rate))
        return {
            code: ([p[0] for p in sorted(pts)], [p[1] for p in sorted(pts)])
            for code, pts in points.items()
        }

    def _series(self, currency: str) -> tuple[list[date], list[Decimal]]:
        return self._by_currency.get(currency, ([], []))

    def rate(self, currency: str, on: date) -> Decimal:
        """Units of ``currency`` per one unit of the base, as of ``on``."""
        check_currency(currency)
        if currency == self.base:
            return Decimal(1)
        dates, values = self._series(currency)
        i = bisect.bisect_right(dates, on)
        if i == 0:
            first = f"; its first rate is on {dates[0]}" if dates else ""
            raise MissingRateError.of(
                "rate_missing", source=currency, target=self.base, on=on, first=first
            )
        return values[i - 1]

    def convert(self, money: Money, to: str, *, on: date) -> Money:
        """Convert ``money`` into currency ``to`` at the rates in force on ``on``.

        Raises
        ------
        MissingRateError
            A rate needed is not in the table on or before ``on``.
        """
        check_currency(to)
        if money.currency == to:
            return money
        in_base = DECIMAL_CONTEXT.divide(money.amount, self.rate(money.currency, on))
        return Money(DECIMAL_CONTEXT.multiply(in_base, self.rate(to, on)), to)

    def factor(self, source: str, to: str, *, on: date) -> Fraction:
        """The exact conversion factor: units of ``to`` per unit of ``source`` as of ``on``.

        ``rate(to) / rate(source)`` as a :class:`~fractions.Fraction`; exactly 1
        for the same currency (no rate is looked up).

        Raises
        ------
        UnknownCurrencyError
            A code is not an active ISO 4217 code.
        MissingRateError
            A rate needed is not in the table on or before ``on``.

        Examples
        --------
        >>> from datetime import date
        >>> fx = FxRates.from_mapping("USD", {date(2026, 1, 1): {"CNY": "7.10", "EUR": "0.92"}})
        >>> fx.factor("CNY", "EUR", on=date(2026, 3, 1))
        Fraction(46, 355)
        """
        check_currency(source)
        check_currency(to)
        if source == to:
            return Fraction(1)
        return Fraction(self.rate(to, on)) / Fraction(self.rate(source, on))

    def convert_rounded(
        self, money: Money, to: str, *, on: date, rounding: str = ROUND_HALF_EVEN
    ) -> Money:
        """Convert ``money`` into ``to`` exactly, rounding once to ``to``'s minor unit.

        ``money.amount * factor(money.currency, to, on=on)`` is computed as an
        exact fraction and rounded a single time with ``rounding``, so the
        result never depends on an intermediate precision and agrees to the
        minor unit with the bulk :meth:`convert_minor`.

        Parameters
        ----------
        money : Money
            The amount to convert [source currency]; not rounded first.
        to : str
            The target currency.
        on : date
            Rates in force on this date are used (as-of lookup).
        rounding : str
            A :mod:`decimal` rounding mode name, default ``ROUND_HALF_EVEN``.

        Returns
        -------
        Money
            In ``to``, with exactly ``minor_unit(to)`` decimal places.

        Raises
        ------
        MissingRateError
            A rate needed is not in the table on or before ``on``.

        Examples
        --------
        >>> from datetime import date
        >>> fx = FxRates.from_mapping("USD", {date(2026, 1, 1): {"CNY": "7.10"}})
        >>> fx.convert_rounded(Money("1.00", "CNY"), "USD", on=date(2026, 3, 1))
        Money(amount=Decimal('0.14'), currency='USD')
        >>> fx.convert_rounded(Money("1.00", "CNY"), "USD", on=date(2026, 3, 1),
        ...                    rounding="ROUND_CEILING")
        Money(amount=Decimal('0.15'), currency='USD')
        """
        check_rounding(rounding)
        places = minor_unit(to)
        exact = Fraction(money.amount) * self.factor(money.currency, to, on=on) * 10**places
        units = round_fraction(exact, rounding)
        # Built from text: exact at any size, whatever the ambient decimal context.
        return Money(Decimal(f"{units}E-{places}"), to)

    def convert_minor(
        self,
        minor: npt.ArrayLike,
        currencies: npt.ArrayLike,
        on: Sequence[date] | npt.ArrayLike,
        to: str,
        *,
        rounding: str = ROUND_HALF_EVEN,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Vectorised exact conversion of integer minor units into ``to``'s minor units.

        The bulk twin of :meth:`convert_rounded`: row ``i`` is
        ``Money.from_minor(minor[i], currencies[i])`` converted on ``on[i]``
        and rounded once with ``rounding``; every row equals the single call to
        the minor unit. Rows are grouped by currency and by the rates in force
        (one ``searchsorted`` per currency), one exact fraction is formed per
        group, and the rows are converted in integer arithmetic: int64 where a
        bound shows no overflow, Python integers elsewhere. No float is used.

        Parameters
        ----------
        minor : array_like of int, shape (n,)
            Amounts in integer minor units of each row's currency [minor units].
        currencies : array_like of str, shape (n,)
            Each row's ISO 4217 code.
        on : array_like of datetime64 or date, shape (n,)
            Each row's date for the as-of lookup.
        to : str
            The target currency.
        rounding : str
            A :mod:`decimal` rounding mode name, default ``ROUND_HALF_EVEN``.

        Returns
        -------
        converted : numpy.ndarray of int64, shape (n,)
            The amounts in minor units of ``to`` [minor units]; 0 on missing rows.
        missing : numpy.ndarray of bool, shape (n,)
            Rows with no rate of their currency, or of ``to``, on or before
            their date (or no date, NaT). Nothing is raised for them, so bulk
            callers can report them. A row already in ``to`` needs no rate and
            is never missing.

        Raises
        ------
        InvalidInputError
            Lengths differ, amounts are not integers, a code is not an active
            ISO 4217 code, or a converted amount does not fit in int64.

        Examples
        --------
        >>> from datetime import date
        >>> fx = FxRates.from_mapping("USD", {date(2026, 1, 1): {"CNY": "7.10", "JPY": "150"}})
        >>> units, missing = fx.convert_minor(
        ...     [100, 10_000, 15_000, 100],
        ...     ["CNY", "USD", "JPY", "CNY"],
        ...     ["2026-03-01", "2026-03-01", "2026-03-01", "2025-12-31"],
        ...     "USD",
        ... )
        >>> units.tolist(), missing.tolist()
        ([14, 10000, 10000, 0], [False, False, False, True])
        """
        check_currency(to)
        check_rounding(rounding)
        units = _minor_array(minor)
        days = np.asarray(on).astype("datetime64[D]")
        codes = np.asarray(currencies)
        if codes.dtype.kind != "U":
            codes = codes.astype(str)
        if not (units.ndim == codes.ndim == days.ndim == 1):
            raise InvalidInputError.of(
                "convert_dimensions", minor=units.ndim, currencies=codes.ndim, days=days.ndim
            )
        n = units.shape[0]
        if codes.shape[0] != n or days.shape[0] != n:
            raise InvalidInputError.of(
                "convert_lengths", amounts=n, currencies=codes.shape[0], days=days.shape[0]
            )
        out = np.zeros(n, dtype=np.int64)
        missing = np.zeros(n, dtype=bool)
        if n == 0:
            return out, missing
        names, inverse = _factorize_codes(codes)
        for code in names:
            check_currency(code)
        to_places = CURRENCIES[to]
        to_index, to_rates = self._as_of(to, days)
        undated = np.isnat(days)
        # Few distinct codes: a stable sort of small ints is a radix sort.
        order = np.argsort(inverse.astype(np.int16), kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(names) + 1))
        for k, code in enumerate(names):
            rows = order[bounds[k] : bounds[k + 1]]
            if code == to:
                out[rows] = units[rows]
                continue
            src_index, src_rates = self._as_of(code, days[rows])
            tgt_index = to_index[rows]
            bad = (src_index < 0) | (tgt_index < 0) | undated[rows]
            missing[rows] = bad
            good = ~bad
            rows, src_index, tgt_index = rows[good], src_index[good], tgt_index[good]
            if not len(rows):
                continue
            # One exact factor per (source rate, target rate) pair in use.
            pairs, group = np.unique(src_index * len(to_rates) + tgt_index, return_inverse=True)
            scale = Fraction(10**to_places, 10 ** CURRENCIES[code])
            factors = [
                to_rates[j] / src_rates[i] * scale
                for i, j in (divmod(p, len(to_rates)) for p in pairs.tolist())
            ]
            out[rows] = _scale_rows(units[rows], group, factors, rows, rounding, code, to)
        return out, missing

    def _as_of(
        self, currency: str, days: npt.NDArray[np.datetime64]
    ) -> tuple[npt.NDArray[np.int64], list[Fraction]]:
        """Index of the rate in force on each day (-1 if none) and the exact rates."""
        if currency == self.base:
            return np.zeros(days.shape, dtype=np.int64), [Fraction(1)]
        dates, values = self._series(currency)
        if not dates:
            return np.full(days.shape, -1, dtype=np.int64), []
        grid = np.asarray(dates, dtype="datetime64[D]").view(np.int64)
        day = days.view(np.int64)  # NaT is the smallest int64: it maps to "no rate"
        first, last = int(grid[0]), int(grid[-1])
        if last - first <= 4 * len(day) + 1024:
            # A dense table over the rate dates: one gather instead of a binary search per row.
            table = np.searchsorted(grid, np.arange(first - 1, last + 1), side="right") - 1
            index = table[np.clip(day, first - 1, last) - (first - 1)].astype(np.int64)
        else:
            index = np.searchsorted(grid, day, side="right").astype(np.int64) - 1
        return index, [Fraction(v) for v in values]

    def factors(
        self, currencies: Iterable[str], on: Sequence[date] | npt.ArrayLike, to: str
    ) -> npt.NDArray[np.float64]:
        """Vectorised conversion factors (float64) from each row's currency into ``to``.

        ``amount * factor`` converts a row; used by bulk paths that work in
        float. Rows are looked up per currency with one ``searchsorted`` each.

        Examples
        --------
        >>> from datetime import date
        >>> fx = FxRates.from_mapping("USD", {date(2026, 1, 1): {"CNY": "8"}})
        >>> fx.factors(["CNY", "USD"], [date(2026, 2, 1)] * 2, "USD").tolist()
        [0.125, 1.0]
        """
        check_currency(to)
        cur = np.asarray(list(currencies), dtype=object)
        days = np.asarray(on).astype("datetime64[D]")
        if cur.shape != days.shape:
            raise InvalidInputError.of("rate_lengths", currencies=cur.shape[0], days=days.shape[0])
        to_rate = self._rates_for(np.full(cur.shape, to, dtype=object), days)
        return to_rate / self._rates_for(cur, days)

    def _rates_for(
        self, cur: npt.NDArray[np.object_], days: npt.NDArray[np.datetime64]
    ) -> npt.NDArray[np.float64]:
        out = np.empty(cur.shape, dtype=np.float64)
        for currency in np.unique(cur).tolist():
            mask = cur == currency
            if currency == self.base:
                out[mask] = 1.0
                continue
            check_currency(currency)
            dates, values = self._series(currency)
            grid = np.asarray(dates, dtype="datetime64[D]")
            idx = np.searchsorted(grid, days[mask], side="right") - 1
            if (idx < 0).any():
                first_missing = days[mask][idx < 0].min()
                raise MissingRateError.of(
                    "rate_missing", source=currency, target=self.base, on=first_missing, first=""
                )
            out[mask] = np.asarray([float(v) for v in values])[idx]
        return out
