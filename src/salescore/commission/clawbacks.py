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
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from salescore._base import FrozenModel
from salescore._numeric import DECIMAL_CONTEXT, check_rounding
from salescore.commission.statement import Statement, StatementLine
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.money import Money, minor_unit

__all__ = ["Clawback", "ClawbackRate", "Refund", "clawback", "clawbacks_frame"]


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
    product, category : str, optional
        The deal's product and category: a refund that reduces attainment
        lowers the measure of the tables that would pay such a credit.
    """

    deal_id: str = Field(min_length=1)
    amount: Money
    refunded_on: date
    product: str | None = Field(default=None, min_length=1)
    category: str | None = Field(default=None, min_length=1)


#: The rate a clawback reverses at: ``original`` (what the deal was paid,
#: pro rata) or ``current`` (the refund re-rated at the effective rate of the
#: refund's period).
ClawbackRate = Literal["original", "current"]


class Clawback(FrozenModel):
    """The commission reversed for one refund [currency].

    Pass it to :func:`~salescore.commission.statement` (``clawbacks=``) of the
    refund's period: it becomes a ``clawback`` line there.

    Parameters
    ----------
    deal_id : str
        The deal.
    rep_id : str
        The rep whose statement paid it.
    refunded_on : date
        The refund's date; the clawback belongs to the period holding it.
    credited : Decimal
        The deal's credit on the original statement.
    paid : Decimal
        Commission its lines paid on the original statement (after caps).
    refunded : Decimal
        The refund.
    rate : {"original", "current"}
        See :data:`ClawbackRate`.
    current_rate : Decimal or None
        With ``rate="current"``: the refund period's rate-table pay over its
        credited amount [fraction], rounded to 8 places for display.
    reduces_attainment : bool
        Whether the refund also lowers the measure (attainment) of its period.
    product, category : str, optional
        From the refund.
    amount : Decimal
        The reversal, rounded once to the minor unit, <= 0: ``-paid *
        refunded / credited`` at the original rate, ``-refunded * current
        rate`` at the current one; 0 outside the window.
    reason_en, reason_zh : str
        The clawback explained in English and Simplified Chinese.
    """

    deal_id: str
    rep_id: str
    refunded_on: date
    credited: Decimal
    paid: Decimal
    refunded: Decimal
    rate: ClawbackRate = "original"
    current_rate: Decimal | None = None
    reduces_attainment: bool = False
    product: str | None = None
    category: str | None = None
    amount: Decimal
    reason_en: str
    reason_zh: str


def clawback(
    original: Statement,
    refund: Refund,
    *,
    window_days: int,
    rate: ClawbackRate = "original",
    current: Statement | None = None,
    reduce_attainment: bool = False,
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
    rate : {"original", "current"}
        ``original`` (default) reverses the refunded share of what the deal
        was paid. ``current`` re-rates the refund at the effective rate of
        ``current``: its rate-table lines over its credited amount (the
        original deal's effective rate when ``current`` credits nothing).
    current : Statement, optional
        With ``rate="current"``: the rep's statement of the refund's period,
        computed without this clawback.
    reduce_attainment : bool
        Also lower the measure of the refund's period by the refund (when the
        clawback is passed to that period's statement), so later credits in
        the period are placed in lower tiers. Outside the window nothing is
        reduced.
    rounding : str
        Rounding mode of the amount, default ``ROUND_HALF_EVEN``.

    Returns
    -------
    Clawback

    Raises
    ------
    InvalidInputError
        The deal is not on the statement; the refund is not > 0, exceeds the
        credit or predates it; ``window_days`` is negative; ``rate="current"``
        without a ``current`` statement of the same rep holding the refund date.
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
    lines = [
        line
        for line in original.lines
        if line.deal_id == refund.deal_id and line.kind != "clawback"
    ]
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
    credited = credited_of(lines)
    if credited is None:
        raise InvalidInputError(
            f"deal {refund.deal_id!r} has only SPIFF lines on the statement of rep "
            f"{original.rep_id!r} for {original.period}; its credited amount is unknown"
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
    common = {
        "deal_id": refund.deal_id,
        "rep_id": original.rep_id,
        "refunded_on": refund.refunded_on,
        "credited": credited,
        "paid": paid,
        "refunded": refunded,
        "rate": rate,
        "product": refund.product,
        "category": refund.category,
    }
    current_rate = _current_rate(original, refund, rate, current)
    if refund.refunded_on > credited_on + timedelta(days=window_days):
        return Clawback(
            **common,
            current_rate=None if current_rate is None else _shown(current_rate),
            amount=Decimal(0).quantize(unit),
            reason_en=f"refund after the {window_days}-day window: nothing clawed back",
            reason_zh=f"退款超过{window_days}天追回期限，不追回佣金",
        )
    mul, div = DECIMAL_CONTEXT.multiply, DECIMAL_CONTEXT.divide
    if current_rate is None:
        share = div(mul(paid, refunded), credited)
    else:
        share = div(mul(refunded, Decimal(current_rate.numerator)), current_rate.denominator)
    reversed_ = share.quantize(unit, rounding=rounding, context=DECIMAL_CONTEXT)
    amount = DECIMAL_CONTEXT.minus(reversed_)
    if current_rate is None:
        en = f"refund of {refunded:,} of {credited:,} {cur} reverses {reversed_:,} of {paid:,} paid"
        zh = f"退款 {refunded:,} / {credited:,} {cur}，追回佣金 {reversed_:,} / {paid:,}"
    else:
        pct = _pct(_shown(current_rate))
        en = f"refund of {refunded:,} {cur} reverses {reversed_:,} at the current rate {pct}"
        zh = f"退款 {refunded:,} {cur}，按当期费率 {pct} 追回佣金 {reversed_:,}"
    if reduce_attainment:
        en += "; attainment reduced"
        zh += "；业绩同时扣减"
    return Clawback(
        **common,
        current_rate=None if current_rate is None else _shown(current_rate),
        reduces_attainment=reduce_attainment,
        amount=amount,
        reason_en=en,
        reason_zh=zh,
    )


_PLACES = Decimal("1e-8")


def _shown(rate: Fraction) -> Decimal:
    value = DECIMAL_CONTEXT.divide(Decimal(rate.numerator), Decimal(rate.denominator))
    return value.quantize(_PLACES, context=DECIMAL_CONTEXT).normalize()


def _pct(value: Decimal) -> str:
    return f"{DECIMAL_CONTEXT.multiply(value, Decimal(100)).normalize():f}%"


def _current_rate(
    original: Statement, refund: Refund, rate: ClawbackRate, current: Statement | None
) -> Fraction | None:
    """The exact current rate, or ``None`` for the original rate."""
    if rate == "original":
        return None
    if current is None:
        raise InvalidInputError(
            f"clawback of deal {refund.deal_id!r} at the current rate needs the statement of "
            "the refund's period (current=...)"
        )
    if current.rep_id != original.rep_id or not (
        current.period.start <= refund.refunded_on < current.period.end
    ):
        raise InvalidInputError(
            f"current statement of rep {current.rep_id!r} for {current.period} does not hold "
            f"the refund of deal {refund.deal_id!r} on {refund.refunded_on} of rep "
            f"{original.rep_id!r}"
        )
    tables = _table_pay(current.lines)
    if current.credited > 0:
        return Fraction(tables) / Fraction(current.credited)
    lines = [x for x in original.lines if x.deal_id == refund.deal_id and x.kind != "clawback"]
    credited = credited_of(lines) or Decimal(0)
    paid = _table_pay(lines)
    return Fraction(paid) / Fraction(credited) if credited else Fraction(0)


def credited_of(lines: list[StatementLine]) -> Decimal | None:
    """A deal's credit from its lines: the bases of its first table's tier lines [currency].

    Every table paying a credit covers all of it with tier lines, and a credit
    no table pays has an ``unmatched`` line; ``None`` when neither is there.
    """
    first = next((x.component for x in lines if x.kind in ("tier", "unmatched")), None)
    if first is None:
        return None
    return functools.reduce(
        DECIMAL_CONTEXT.add,
        (x.base for x in lines if x.component == first and x.kind in ("tier", "unmatched")),
        Decimal(0),
    )


def _table_pay(lines: Iterable[StatementLine]) -> Decimal:
    """What the rate tables paid on ``lines`` (tier, multiplier, cap and gate lines) [currency]."""
    kinds = ("tier", "multiplier", "deal_cap", "period_cap", "year_cap", "gate")
    return sum((x.amount for x in lines if x.kind in kinds), Decimal(0))


def clawbacks_frame(clawbacks: Iterable[Clawback]) -> pd.DataFrame:
    """Clawbacks as a frame for :func:`~salescore.commission.statements_frame` (``CLAWBACKS``).

    Examples
    --------
    >>> from datetime import date
    >>> cb = Clawback(deal_id="D1", rep_id="R1", refunded_on=date(2026, 2, 3), credited=100,
    ...               paid=5, refunded=40, amount="-2.00", reason_en="", reason_zh="")
    >>> clawbacks_frame([cb])[["deal_id", "refunded", "amount", "reduces_attainment"]]
      deal_id  refunded  amount  reduces_attainment
    0      D1      40.0    -2.0               False
    """
    items = list(clawbacks)
    return pd.DataFrame(
        {
            "deal_id": pd.Series([x.deal_id for x in items], dtype=object),
            "rep_id": pd.Series([x.rep_id for x in items], dtype=object),
            "refunded_on": pd.to_datetime([x.refunded_on for x in items]),
            "refunded": np.asarray([float(x.refunded) for x in items], dtype=np.float64),
            "amount": np.asarray([float(x.amount) for x in items], dtype=np.float64),
            "current_rate": np.asarray(
                [float(x.current_rate or 0) for x in items], dtype=np.float64
            ),
            "reduces_attainment": np.asarray([x.reduces_attainment for x in items], dtype=bool),
            "product": pd.Series([x.product for x in items], dtype=object),
            "category": pd.Series([x.category for x in items], dtype=object),
        }
    )
