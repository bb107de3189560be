"""Clawbacks: a refund or cancellation reverses the commission paid on the deal.

:func:`clawback` reads the original statement, finds what the deal earned and
reverses the refunded share of it, at the original rates, if the refund falls
within the plan's window. The result is a negative amount for the period of
the refund; pass the period's total plus its clawbacks to
:func:`~salescore.commission.settle`, which carries a negative result forward
instead of paying it.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from pydantic import Field

from salescore._base import FrozenModel
from salescore._numeric import DECIMAL_CONTEXT, check_rounding
from salescore.commission.statement import Statement
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.money import Money, minor_unit

__all__ = ["Clawback", "Refund", "clawback"]


class Refund(FrozenModel):
    """A refund or cancellation of (part of) a credited deal.

    Parameters
    ----------
    deal_id : str
        The deal refunded.
    amount : Money
        The amount refunded [currency], > 0; the whole credit for a cancellation.
    refunded_on : date
        When the refund happened.
    """

    deal_id: str = Field(min_length=1)
    amount: Money
    refunded_on: date


class Clawback(FrozenModel):
    """The commission reversed for one refund [currency].

    Parameters
    ----------
    deal_id : str
        The deal.
    credited : Decimal
        The deal's credit on the original statement.
    paid : Decimal
        Commission its lines paid on the original statement (after caps).
    refunded : Decimal
        The refund.
    amount : Decimal
        ``-paid * refunded / credited`` rounded once to the minor unit; 0
        outside the window.
    reason_en, reason_zh : str
        The clawback explained in English and Simplified Chinese.
    """

    deal_id: str
    credited: Decimal
    paid: Decimal
    refunded: Decimal
    amount: Decimal
    reason_en: str
    reason_zh: str


def clawback(
    original: Statement,
    refund: Refund,
    *,
    window_days: int,
    rounding: str = ROUND_HALF_EVEN,
) -> Clawback:
    """Reverse the commission a refunded deal earned on ``original``, pro rata.

    Parameters
    ----------
    original : Statement
        The statement that paid the deal.
    refund : Refund
        The refund; at most the deal's credit, not before it.
    window_days : int
        Refunds more than this many days after the credit date are not
        clawed back [days], >= 0.
    rounding : str
        Rounding mode of the amount, default ``ROUND_HALF_EVEN``.

    Returns
    -------
    Clawback

    Raises
    ------
    InvalidInputError
        The deal is not on the statement; the refund is not > 0, exceeds the
        credit or predates it; ``window_days`` is negative.
    CurrencyMismatchError
        The refund is not in the statement's currency.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.calendar import Period
    >>> from salescore.commission import CommissionPlan, Credit, Tier, TieredComponent, statement
    >>> plan = CommissionPlan(id="P", currency="CNY", components=[
    ...     TieredComponent(name="base", tiers=[Tier(lower=0, rate="0.05")])])
    >>> jan = statement(plan, "R1", [Credit(deal_id="D1", rep_id="R1",
    ...     amount=Money("30000", "CNY"), credited_on=date(2026, 1, 10))],
    ...     period=Period.month(2026, 1))
    >>> cb = clawback(jan, Refund(deal_id="D1", amount=Money("10000", "CNY"),
    ...               refunded_on=date(2026, 2, 20)), window_days=90)
    >>> cb.amount, cb.reason_en
    (Decimal('-500.00'), 'refund of 10,000.00 of 30,000.00 CNY reverses 500.00 of 1,500.00 paid')
    """
    check_rounding(rounding)
    if window_days < 0:
        raise InvalidInputError(f"window_days {window_days} is negative; it must be >= 0")
    lines = [line for line in original.lines if line.deal_id == refund.deal_id]
    if not lines:
        raise InvalidInputError(
            f"clawback of unknown deal {refund.deal_id!r}: it is not on the statement of rep "
            f"{original.rep_id!r} for {original.period}"
        )
    if refund.amount.currency != original.currency:
        raise CurrencyMismatchError(
            f"refund of deal {refund.deal_id!r} is in {refund.amount.currency}, not the "
            f"statement currency {original.currency}"
        )
    first = lines[0].component
    credited = functools.reduce(
        DECIMAL_CONTEXT.add,
        (x.base for x in lines if x.component == first and x.kind == "tier"),
        Decimal(0),
    )
    paid = functools.reduce(DECIMAL_CONTEXT.add, (x.amount for x in lines), Decimal(0))
    unit = Decimal(1).scaleb(-minor_unit(original.currency))
    refunded = refund.amount.amount.quantize(unit, context=DECIMAL_CONTEXT)
    if refunded != refund.amount.amount:
        raise InvalidInputError(
            f"refund {refund.amount} of deal {refund.deal_id!r} has more decimal places than "
            f"{original.currency} allows"
        )
    if refunded <= 0 or refunded > credited:
        raise InvalidInputError(
            f"refund {refund.amount} of deal {refund.deal_id!r} is outside (0, {credited}]; "
            "a refund must be positive and at most the credit"
        )
    credited_on = lines[0].credited_on
    assert credited_on is not None  # only the floor line has no date, and it has no deal
    if refund.refunded_on < credited_on:
        raise InvalidInputError(
            f"refund of deal {refund.deal_id!r} on {refund.refunded_on} is before its credit "
            f"on {credited_on}"
        )
    cur = original.currency
    if refund.refunded_on > credited_on + timedelta(days=window_days):
        return Clawback(
            deal_id=refund.deal_id,
            credited=credited,
            paid=paid,
            refunded=refunded,
            amount=Decimal(0).quantize(unit),
            reason_en=f"refund after the {window_days}-day window: nothing clawed back",
            reason_zh=f"退款超过{window_days}天追回期限，不追回佣金",
        )
    share = DECIMAL_CONTEXT.divide(DECIMAL_CONTEXT.multiply(paid, refunded), credited)
    reversed_ = share.quantize(unit, rounding=rounding, context=DECIMAL_CONTEXT)
    amount = DECIMAL_CONTEXT.minus(reversed_)
    return Clawback(
        deal_id=refund.deal_id,
        credited=credited,
        paid=paid,
        refunded=refunded,
        amount=amount,
        reason_en=(
            f"refund of {refunded:,} of {credited:,} {cur} reverses {reversed_:,} of {paid:,} paid"
        ),
        reason_zh=f"退款 {refunded:,} / {credited:,} {cur}，追回佣金 {reversed_:,} / {paid:,}",
    )
