"""Credits in another currency, converted into the plan's currency exactly.

A rep paid in CNY may be credited for a deal booked in USD. Given an
:class:`~salescore.money.FxRates` table, :func:`~salescore.commission.statement`
and :func:`~salescore.commission.statements_frame` convert such a credit at
the rates in force on its credit date: the exact product (a fraction) is
rounded once to the plan currency's minor unit, so both paths agree to the
cent. Each conversion is recorded (:class:`Conversion`) and explained; the
statement lines then pay the converted amount. Without a table a credit in
another currency is an error, never a silent mix of currencies.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt

from salescore._numeric import DECIMAL_CONTEXT
from salescore.commission._records import Conversion, Credit
from salescore.commission._texts import conversion_reasons
from salescore.error_codes import FailureReason
from salescore.errors import CurrencyMismatchError
from salescore.money import FxRates, floats_to_minor_units_by_currency

__all__ = ["Conversion", "convert_credits"]

_SHOWN: Final = Decimal("1e-10")


def convert_credits(
    credits: Sequence[Credit], currency: str, fx: FxRates | None, rounding: str
) -> tuple[list[Credit], tuple[Conversion, ...]]:
    """Credits in ``currency``: others converted with ``fx`` on their credit dates.

    Raises
    ------
    CurrencyMismatchError
        A credit is in another currency and ``fx`` is ``None``.
    MissingRateError
        ``fx`` has no rate for a credit's currency (or ``currency``) on or
        before its date.
    """
    out: list[Credit] = []
    done: list[Conversion] = []
    for c in credits:
        if c.amount.currency == currency:
            out.append(c)
            continue
        if fx is None:
            raise CurrencyMismatchError(
                f"credit {c.deal_id!r} is in {c.amount.currency}, not the plan currency "
                f"{currency}; pass fx= (an FxRates table) to convert it"
            )
        converted = fx.convert_rounded(c.amount, currency, on=c.credited_on, rounding=rounding)
        factor = fx.factor(c.amount.currency, currency, on=c.credited_on)
        shown = DECIMAL_CONTEXT.divide(Decimal(factor.numerator), Decimal(factor.denominator))
        rate = shown.quantize(_SHOWN, context=DECIMAL_CONTEXT).normalize(DECIMAL_CONTEXT)
        was = f"{c.amount.amount:,} {c.amount.currency}"
        now = f"{converted.amount:,} {currency}"
        en, zh = conversion_reasons(was, rate, currency, c.amount.currency, c.credited_on, now)
        done.append(
            Conversion(
                deal_id=c.deal_id,
                credited_on=c.credited_on,
                original=c.amount,
                rate=rate,
                amount=converted.amount,
                reason_en=en,
                reason_zh=zh,
            )
        )
        out.append(c.model_copy(update={"amount": converted}))
    return out, tuple(done)


def convert_minor_frame(
    amount: npt.NDArray[np.float64],
    currency: npt.NDArray[np.object_],
    days: npt.NDArray[np.datetime64],
    to: str,
    fx: FxRates | None,
    rounding: str,
) -> tuple[npt.NDArray[np.int64], dict[str, npt.NDArray[np.bool_]], npt.NDArray[np.float64]]:
    """Credits of a frame in minor units of ``to``, converting foreign rows with ``fx``.

    Returns the minor units (``to``'s), masks of rows to reject by reason
    (``currency_mismatch`` without ``fx``, ``missing_rate``, ``not_minor_unit``
    in the row's own currency) and each row's display rate (1 in ``to``).
    """
    rate = np.ones(len(amount), dtype=np.float64)
    foreign = np.asarray(currency != to, dtype=bool)
    # Without a table a foreign row is a currency mismatch, and only that: not read.
    read = np.flatnonzero(~foreign) if fx is None else np.arange(len(amount))
    minor = np.zeros(len(amount), dtype=np.int64)
    not_minor = np.zeros(len(amount), dtype=bool)
    minor[read], not_minor[read] = floats_to_minor_units_by_currency(amount[read], currency[read])
    reasons: dict[str, npt.NDArray[np.bool_]] = {
        FailureReason.NOT_MINOR_UNIT: not_minor,
        FailureReason.CURRENCY_MISMATCH: foreign
        if fx is None
        else np.zeros(len(amount), dtype=bool),
        FailureReason.MISSING_RATE: np.zeros(len(amount), dtype=bool),
    }
    if fx is None or not foreign.any():
        return minor, reasons, rate
    where = np.flatnonzero(foreign)
    codes = currency[where]
    converted, missing = fx.convert_minor(
        minor[where], codes.astype(str), days[where], to, rounding=rounding
    )
    minor[where] = converted
    reasons[FailureReason.MISSING_RATE][where] = missing
    ok = where[~missing]
    if len(ok):
        rate[ok] = fx.factors(currency[ok], days[ok], to)
    return minor, reasons, rate
