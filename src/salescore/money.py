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
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any, Final, Self

import numpy as np
import numpy.typing as npt
from pydantic import BeforeValidator, Field, field_validator, model_validator

from salescore._base import FrozenModel
from salescore._numeric import (
    DECIMAL_CONTEXT,
    check_rounding,
    largest_remainder,
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
        raise UnknownCurrencyError(
            f"currency {code!r} is not an active ISO 4217 code "
            "(three upper-case letters such as 'CNY', 'USD', 'EUR')"
        )
    return code


def minor_unit(currency: str) -> int:
    """The number of decimal places of ``currency`` (CNY 2, JPY 0, KWD 3).

    Examples
    --------
    >>> minor_unit("KWD"), minor_unit("JPY")
    (3, 0)
    """
    return CURRENCIES[check_currency(currency)]


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
        return cls(Decimal(int(units)).scaleb(-minor_unit(currency)), currency)

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
        return int(self.quantize(rounding).amount.scaleb(self.minor_unit))

    def quantize(self, rounding: str = ROUND_HALF_EVEN) -> Money:
        """Round to the currency's minor unit with an explicit rounding mode.

        Parameters
        ----------
        rounding : str
            A :mod:`decimal` rounding mode name, default ``ROUND_HALF_EVEN``.

        Examples
        --------
        >>> Money("2.675", "USD").quantize()
        Money(amount=Decimal('2.68'), currency='USD')
        >>> Money("2.665", "USD").quantize("ROUND_HALF_UP")
        Money(amount=Decimal('2.67'), currency='USD')
        """
        check_rounding(rounding)
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
            raise InvalidInputError(
                f"cannot {op} Money and {type(other).__name__} {other!r}; both must be Money"
            )
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"cannot combine {self.currency} and {other.currency} amounts "
                f"({self} and {other}); convert one with FxRates first"
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
            raise InvalidInputError("cannot multiply Money by Money; multiply by a number")
        return Money(
            DECIMAL_CONTEXT.multiply(self.amount, to_decimal(factor, what="factor")),
            self.currency,
        )

    __rmul__ = __mul__

    def __truediv__(self, divisor: object) -> Money:
        if isinstance(divisor, Money):
            raise InvalidInputError("cannot divide Money by Money; use ratio() for a fraction")
        value = to_decimal(divisor, what="divisor")
        if value == 0:
            raise InvalidInputError(f"cannot divide {self} by zero")
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
            raise InvalidInputError(f"cannot take the ratio of {self} to zero")
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
        raise InvalidInputError(f"no {what}s given; at least one is required")
    fractions = [to_fraction(w, what=f"{what} {i}") for i, w in enumerate(weights)]
    negative = [(i, w) for i, w in enumerate(weights) if fractions[i] < 0]
    if negative:
        i, w = negative[0]
        raise InvalidInputError(f"{what} {i} is {w!r}; {what}s must be >= 0")
    if sum(fractions) == 0:
        raise InvalidInputError(f"all {len(fractions)} {what}s are zero; at least one must be > 0")
    return fractions


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
            raise InvalidInputError(f"rate {rate} must be > 0")
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
                raise InvalidInputError(f"two {fx.currency} rates given for {fx.on}; give one")
            seen.add(key)
            if fx.currency == self.base and fx.rate != 1:
                raise InvalidInputError(
                    f"the base currency {self.base} has rate {fx.rate} on {fx.on}; it must be 1"
                )
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

    def _series(self, currency: str) -> tuple[list[date], list[Decimal]]:
        points = sorted((fx.on, fx.rate) for fx in self.rates if fx.currency == currency)
        return [p[0] for p in points], [p[1] for p in points]

    def rate(self, currency: str, on: date) -> Decimal:
        """Units of ``currency`` per one unit of the base, as of ``on``."""
        check_currency(currency)
        if currency == self.base:
            return Decimal(1)
        dates, values = self._series(currency)
        i = bisect.bisect_right(dates, on)
        if i == 0:
            first = f"; its first rate is on {dates[0]}" if dates else ""
            raise MissingRateError(
                f"no {currency} rate against {self.base} on or before {on}{first}"
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
            raise InvalidInputError(
                f"{cur.shape[0]} currencies but {days.shape[0]} dates; give one date per row"
            )
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
                raise MissingRateError(
                    f"no {currency} rate against {self.base} on or before {first_missing}"
                )
            out[mask] = np.asarray([float(v) for v in values])[idx]
        return out
