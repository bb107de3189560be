"""Draws and carried balances: guaranteed minimums, recoverable advances, negative carry-forward.

:func:`settle` turns one period's earned commission (a statement total,
possibly reduced by clawbacks) into the amount payable, given a
:class:`Draw` and the balances carried from the previous period. Balances go
out again in the result, so running periods one after another with ``prior``
equals :func:`settle_periods` over all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal, Self

from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore._numeric import DECIMAL_CONTEXT, check_rounding, exact_decimals
from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.money import CurrencyCode, Money, minor_unit

__all__ = ["Balance", "Draw", "DrawKind", "Settlement", "settle", "settle_periods"]

#: ``recoverable``: an advance the rep repays from later earnings;
#: ``non_recoverable``: a guaranteed minimum, topped up and never repaid.
DrawKind = Literal["recoverable", "non_recoverable"]


def _whole(value: Decimal, currency: str, what: str) -> None:
    unit = Decimal(1).scaleb(-minor_unit(currency))
    if value.quantize(unit, context=DECIMAL_CONTEXT) != value:
        raise InvalidInputError(
            f"{what} {value} has more decimal places than {currency} allows "
            f"({minor_unit(currency)})"
        )


class Draw(FrozenModel):
    """A draw against commission.

    Parameters
    ----------
    kind : {"recoverable", "non_recoverable"}
        See :data:`DrawKind`.
    currency : str
        ISO 4217 code of ``amount`` and ``limit``.
    amount : Decimal
        The guaranteed payout per period [currency], >= 0.
    start : date
        The draw applies to periods starting on or after this date.
    end : date, optional
        ... and starting before this date.
    recovery : Decimal
        Share of earnings above the draw used to repay advances [fraction], in [0, 1].
    limit : Decimal, optional
        Most advances outstanding [currency]; advances beyond it are forgiven.

    Examples
    --------
    >>> from datetime import date
    >>> Draw(kind="recoverable", currency="CNY", amount="5000", start=date(2026, 1, 1)).recovery
    Decimal('1')
    """

    kind: DrawKind
    currency: CurrencyCode
    amount: Decimal = Field(ge=0)
    start: date
    end: date | None = None
    recovery: Decimal = Field(default=Decimal(1), ge=0, le=1)
    limit: Decimal | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _whole(self.amount, self.currency, "draw amount")
        if self.limit is not None:
            _whole(self.limit, self.currency, "draw limit")
        if self.end is not None and self.end <= self.start:
            raise InvalidInputError(f"draw end {self.end} is not after its start {self.start}")
        return self

    def active(self, period: Period) -> bool:
        """Whether the draw applies to ``period``."""
        return self.start <= period.start and (self.end is None or period.start < self.end)


class Balance(FrozenModel):
    """Balances carried from one period to the next [currency], both >= 0.

    Parameters
    ----------
    advances : Decimal
        Recoverable draw advances not yet repaid.
    deficit : Decimal
        Negative earnings (e.g. clawbacks larger than the period's commission)
        not yet offset by later earnings.
    """

    advances: Decimal = Field(default=Decimal(0), ge=0)
    deficit: Decimal = Field(default=Decimal(0), ge=0)


class Settlement(FrozenModel):
    """One period settled [currency].

    ``payable = earned - deficit_recovered + deficit_added + advance - recovered``.

    Parameters
    ----------
    period : Period
        The period.
    earned : Decimal
        Commission earned in the period (may be negative after clawbacks).
    deficit_recovered : Decimal
        Earlier negative balance offset from this period's earnings.
    deficit_added : Decimal
        Negative earnings carried forward instead of paid.
    advance : Decimal
        Draw top-up paid (repayable when the draw is recoverable).
    recovered : Decimal
        Earlier advances repaid from earnings above the draw.
    forgiven : Decimal
        Advances above the draw's limit, written off.
    payable : Decimal
        Paid to the rep this period.
    balance : Balance
        Carried to the next period.
    """

    period: Period
    earned: Decimal
    deficit_recovered: Decimal
    deficit_added: Decimal
    advance: Decimal
    recovered: Decimal
    forgiven: Decimal
    payable: Decimal
    balance: Balance


@exact_decimals
def settle(
    earned: Money,
    *,
    period: Period,
    draw: Draw | None = None,
    prior: Balance | None = None,
    allow_negative: bool = False,
    rounding: str = ROUND_HALF_EVEN,
) -> Settlement:
    """Settle one period: offset deficits, top up or recover the draw, carry balances.

    Steps, in order: (1) positive earnings first offset the carried deficit;
    (2) negative earnings are carried as deficit (payable 0) unless
    ``allow_negative``, when they are paid as they are and nothing else
    happens; (3) with an active draw of amount $g$, earnings $e < g$ are
    topped up to $g$ (the top-up added to advances when recoverable), and
    earnings above $g$ repay advances at ``recovery`` × $(e - g)$, rounded
    once with ``rounding`` and never above what is outstanding (with no active
    draw, $g = 0$); (4) advances above ``limit`` are forgiven.

    Parameters
    ----------
    earned : Money
        Commission earned in the period [currency], e.g. ``Statement.total``
        plus clawbacks; whole minor units.
    period : Period
        The period settled.
    draw : Draw, optional
        The rep's draw, in the currency of ``earned``.
    prior : Balance, optional
        Balances carried from the previous period; none by default.
    allow_negative : bool
        Pay negative earnings as a negative payout instead of carrying them.
    rounding : str
        Rounding mode of the recovery, default ``ROUND_HALF_EVEN``.

    Returns
    -------
    Settlement

    Raises
    ------
    CurrencyMismatchError
        ``earned`` is not in the draw's currency.
    InvalidInputError
        ``earned`` has more decimal places than its currency allows.

    Examples
    --------
    >>> from datetime import date
    >>> draw = Draw(kind="recoverable", currency="CNY", amount="5000", start=date(2026, 1, 1),
    ...             recovery="0.5")
    >>> jan = settle(Money("3000.00", "CNY"), period=Period.month(2026, 1), draw=draw)
    >>> jan.payable, jan.balance.advances
    (Decimal('5000.00'), Decimal('2000.00'))
    >>> feb = settle(Money("9000.00", "CNY"), period=Period.month(2026, 2), draw=draw,
    ...              prior=jan.balance)
    >>> feb.recovered, feb.payable, feb.balance.advances
    (Decimal('2000.00'), Decimal('7000.00'), Decimal('0.00'))
    """
    check_rounding(rounding)
    currency = earned.currency
    if draw is not None and draw.currency != currency:
        raise CurrencyMismatchError(
            f"earned {earned} is not in the draw currency {draw.currency}; convert it first"
        )
    _whole(earned.amount, currency, "earned")
    zero = Decimal(0).scaleb(-minor_unit(currency))
    add, sub = DECIMAL_CONTEXT.add, DECIMAL_CONTEXT.subtract
    prior = prior or Balance()
    e = add(earned.amount, zero)
    deficit, advances = add(prior.deficit, zero), add(prior.advances, zero)
    deficit_recovered = min(deficit, max(e, zero))
    e = sub(e, deficit_recovered)
    deficit = sub(deficit, deficit_recovered)
    deficit_added = advance = recovered = forgiven = zero
    if e < 0 and allow_negative:
        payable = e
    else:
        if e < 0:
            deficit_added, e = DECIMAL_CONTEXT.minus(e), zero
            deficit = add(deficit, deficit_added)
        g = add(draw.amount, zero) if draw is not None and draw.active(period) else zero
        if e < g:
            advance = sub(g, e)
            payable = g
            if draw is not None and draw.kind == "recoverable":
                advances = add(advances, advance)
        else:
            share = draw.recovery if draw is not None else Decimal(1)
            due = DECIMAL_CONTEXT.multiply(share, sub(e, g)).quantize(zero, rounding=rounding)
            recovered = min(advances, due)
            advances = sub(advances, recovered)
            payable = sub(e, recovered)
        if draw is not None and draw.limit is not None and advances > draw.limit:
            forgiven = sub(advances, draw.limit)
            advances = add(draw.limit, zero)
    return Settlement(
        period=period,
        earned=earned.amount,
        deficit_recovered=deficit_recovered,
        deficit_added=deficit_added,
        advance=advance,
        recovered=recovered,
        forgiven=forgiven,
        payable=payable,
        balance=Balance(advances=advances, deficit=deficit),
    )


@exact_decimals
def settle_periods(
    earnings: Sequence[tuple[Period, Money]],
    *,
    draw: Draw | None = None,
    prior: Balance | None = None,
    allow_negative: bool = False,
    rounding: str = ROUND_HALF_EVEN,
) -> tuple[Settlement, ...]:
    """Settle consecutive periods in order, carrying balances from each to the next.

    Parameters
    ----------
    earnings : sequence of (Period, Money)
        Periods in increasing order with the commission earned in each.
    draw, prior, allow_negative, rounding
        As in :func:`settle`.

    Returns
    -------
    tuple of Settlement

    Raises
    ------
    InvalidInputError
        Periods overlap or are out of order.

    Examples
    --------
    >>> from datetime import date
    >>> draw = Draw(kind="non_recoverable", currency="CNY", amount="5000", start=date(2026, 1, 1))
    >>> months = [(Period.month(2026, m), Money(e, "CNY")) for m, e in [(1, "3000"), (2, "8000")]]
    >>> [str(s.payable) for s in settle_periods(months, draw=draw)]
    ['5000.00', '8000.00']
    """
    out: list[Settlement] = []
    for i, (period, earned) in enumerate(earnings):
        if i and period.start < earnings[i - 1][0].end:
            raise InvalidInputError(
                f"period {period} starts before the previous period {earnings[i - 1][0]} ends; "
                "periods must be in order and not overlap"
            )
        result = settle(
            earned,
            period=period,
            draw=draw,
            prior=out[-1].balance if out else prior,
            allow_negative=allow_negative,
            rounding=rounding,
        )
        out.append(result)
    return tuple(out)
