"""One rep's commission statement: every line explained, reconciled to the cent.

:func:`statement` runs the plan over a rep's credits for one period. Each
line carries the credit, component, tier, the slice of the measure it pays
on, the rate, the multiplier and the amount, with a short reason in English
and Simplified Chinese; SPIFF lines pay flagged credits and a floor line
tops the period up to the plan's minimum. Amounts are computed exactly; the statement total is
rounded once to the currency's minor unit and the lines are rounded so that
they add up to it exactly (each line floored, the leftover cents handed to
the largest remainders).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Literal, Self

import numpy as np
from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore._numeric import DECIMAL_CONTEXT
from salescore.calendar import Period
from salescore.commission import _kernel
from salescore.commission.plan import CommissionPlan
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.models import Rep
from salescore.money import Money, minor_unit

__all__ = ["Credit", "LineKind", "Statement", "StatementLine", "statement"]

#: ``tier``: a slice of the measure paid at a tier's rate; ``deal_cap`` and
#: ``period_cap``: the (negative) amount a cap removes; ``gate``: the amount
#: reversed because the period's measure stayed below the component's gate;
#: ``spiff``: a SPIFF's fixed bonus for a flagged credit; ``floor``: the top-up
#: to the plan's minimum payout (a line of the period, not of a deal).
LineKind = Literal["tier", "deal_cap", "period_cap", "gate", "spiff", "floor"]
_KINDS: tuple[LineKind, ...] = ("tier", "deal_cap", "period_cap", "gate", "spiff", "floor")


class Credit(FrozenModel):
    """Credit for one deal given to one rep.

    Parameters
    ----------
    deal_id : str
        The deal credited; unique on one rep's statement.
    rep_id : str
        The rep credited.
    amount : Money
        The credited amount [currency], >= 0, at most the currency's minor unit.
    credited_on : date
        When the credit is earned (booking, invoice or payment date).
    flags : frozenset of str
        Deal attributes and named events the credit carries (``"new_logo"``,
        ``"multi_year"``); a :class:`~salescore.commission.Spiff` pays for its flag.

    Examples
    --------
    >>> from datetime import date
    >>> Credit(deal_id="D1", rep_id="R1", amount=Money("1200.00", "CNY"),
    ...        credited_on=date(2026, 1, 5)).amount
    Money(amount=Decimal('1200.00'), currency='CNY')
    """

    deal_id: str = Field(min_length=1)
    rep_id: str = Field(min_length=1)
    amount: Money
    credited_on: date
    flags: frozenset[str] = frozenset()

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.amount.amount < 0:
            raise InvalidInputError(
                f"credit {self.deal_id!r} amount {self.amount} is negative; credits must be >= 0"
            )
        if self.amount.quantize().amount != self.amount.amount:
            raise InvalidInputError(
                f"credit {self.deal_id!r} amount {self.amount} has more decimal places than "
                f"{self.amount.currency} allows ({self.amount.minor_unit})"
            )
        return self


class StatementLine(FrozenModel):
    """One explained line of a statement.

    Parameters
    ----------
    deal_id : str or None
        The credit; ``None`` on the floor line, which belongs to the period.
    component : str
        The plan component (rate table, SPIFF or floor) paying it.
    credited_on : date or None
        The credit's date; ``None`` on the floor line.
    kind : {"tier", "deal_cap", "period_cap", "gate", "spiff", "floor"}
        What the line is (see :data:`LineKind`).
    tier : int
        Tier number, 1-based; 0 on other lines and above a closed top tier.
    base : Decimal
        The slice of the credit paid on this line [currency]; 0 on other lines.
    rate : Decimal
        The tier's rate [fraction]; 0 on other lines. On an interpolated line,
        the rate where the slice starts (shown to 8 decimal places).
    end_rate : Decimal or None
        On an interpolated line, the rate where the slice ends (8 decimal
        places); ``None`` on every other line.
    multiplier : Decimal
        Accelerator multiplier [ratio]; 1 outside every band and on cap lines.
    exact_amount : Decimal
        ``base * rate * multiplier`` (or the cap's cut) before rounding [currency].
    amount : Decimal
        The amount paid, rounded to the minor unit [currency].
    reason_en, reason_zh : str
        The line explained in English and Simplified Chinese.
    """

    deal_id: str | None
    credited_on: date | None
    component: str
    kind: LineKind
    tier: int
    base: Decimal
    rate: Decimal
    end_rate: Decimal | None = None
    multiplier: Decimal
    exact_amount: Decimal
    amount: Decimal
    reason_en: str
    reason_zh: str


class Statement(FrozenModel):
    """A rep's commission statement for one period.

    Parameters
    ----------
    rep_id : str
        The rep.
    period : Period
        The period [start, end).
    currency : str
        ISO 4217 code of every amount.
    quota : Decimal or None
        The period quota [currency], if given.
    credited : Decimal
        Sum of the credits [currency].
    lines : tuple of StatementLine
        In credit order (date, then deal id), then component (rate tables,
        then SPIFFs), tier lines before caps; the floor line last.
    subtotals : dict of str to Decimal
        Paid per component [currency]; the sum of its lines.
    total : Decimal
        Total payable [currency]: the exact total rounded once; equals the
        sum of the line amounts.
    """

    rep_id: str
    period: Period
    currency: str
    quota: Decimal | None
    credited: Decimal
    lines: tuple[StatementLine, ...]
    subtotals: dict[str, Decimal]
    total: Decimal

    @property
    def attainment(self) -> Decimal | None:
        """Credited over quota [fraction of quota]; ``None`` without a positive quota."""
        if self.quota is None or self.quota == 0:
            return None
        return DECIMAL_CONTEXT.divide(self.credited, self.quota)


def _pct(value: Decimal) -> str:
    return f"{DECIMAL_CONTEXT.multiply(value, Decimal(100)).normalize():f}%"


def reasons(
    kind: LineKind,
    base: Decimal,
    rate: Decimal,
    multiplier: Decimal,
    tier: int,
    currency: str,
    end_rate: Decimal | None = None,
    label: str = "",
) -> tuple[str, str]:
    """English and Chinese reasons for one line (``base``: the amount on SPIFF and floor lines)."""
    if kind == "spiff":
        return (
            f"SPIFF of {base:,} {currency} for {label!r}",
            f"'{label}' 专项奖励 {base:,} {currency}",
        )
    if kind == "floor":
        return (
            f"topped up to the {base:,} {currency} minimum payout",
            f"补足至保底佣金 {base:,} {currency}",
        )
    if kind == "deal_cap":
        return "capped at the per-deal cap", "超过单笔上限，按上限封顶"
    if kind == "gate":
        return "below the gate: nothing paid this period", "未达到门槛，本期不发放"
    if kind == "period_cap":
        return "capped at the period cap", "超过本期上限，按上限封顶"
    accel_en = f" x {multiplier.normalize():f} accelerator" if multiplier != 1 else ""
    accel_zh = f" × 加速系数 {multiplier.normalize():f}" if multiplier != 1 else ""
    label_en = f"tier {tier}" if tier else "above the top tier"
    label_zh = f"第{tier}档" if tier else "超出最高档"
    if end_rate is not None:
        return (
            f"{base:,} {currency} in {label_en} at {_pct(rate)} rising linearly to "
            f"{_pct(end_rate)}{accel_en}",
            f"{base:,} {currency} 属于{label_zh}，费率由 {_pct(rate)} 线性变为 {_pct(end_rate)}"
            f"{accel_zh}",
        )
    return (
        f"{base:,} {currency} in {label_en} at {_pct(rate)}{accel_en}",
        f"{base:,} {currency} 属于{label_zh}，费率 {_pct(rate)}{accel_zh}",
    )


_RATE_PLACES = Decimal("1e-8")


def _rate_at(seg: _kernel.Segments, j: int, position: int, scale: int) -> Decimal:
    """The interpolated tier rate at ``position`` (measure numerator over ``seg.q``), 8 places."""
    lower = scale * seg.lo_k[j]
    share = Fraction(position - lower, scale * seg.w_k[j])
    rate = Fraction(seg.rate[j]) + (Fraction(seg.end_rate[j]) - Fraction(seg.rate[j])) * share
    value = DECIMAL_CONTEXT.divide(Decimal(rate.numerator), Decimal(rate.denominator))
    return value.quantize(_RATE_PLACES, context=DECIMAL_CONTEXT).normalize()


def _quota_minor(plan: CommissionPlan, quota: Money | None) -> int:
    if quota is None:
        if plan.needs_quota:
            raise InvalidInputError(
                f"plan {plan.id!r} measures attainment of quota; a quota is required"
            )
        return 0
    if quota.currency != plan.currency:
        raise CurrencyMismatchError(
            f"quota {quota} is not in the plan currency {plan.currency}; convert it first"
        )
    if quota.amount <= 0 and plan.needs_quota:
        raise InvalidInputError(f"quota {quota} must be > 0 for an attainment plan")
    if quota.quantize().amount != quota.amount:
        raise InvalidInputError(
            f"quota {quota} has more decimal places than {quota.currency} allows"
        )
    return quota.to_minor()


def statement(
    plan: CommissionPlan,
    rep: Rep | str,
    credits: Iterable[Credit],
    *,
    period: Period,
    quota: Money | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> Statement:
    """Compute one rep's statement for ``period`` under ``plan``.

    Parameters
    ----------
    plan : CommissionPlan
        The plan.
    rep : Rep or str
        The rep (or their id); every credit must be theirs.
    credits : iterable of Credit
        The rep's credits in the period, in any order; paid in the order
        (``credited_on``, ``deal_id``).
    period : Period
        Every credit's ``credited_on`` must lie in ``[period.start, period.end)``.
    quota : Money, optional
        The period quota [currency]; required when a component measures attainment.
    rounding : str
        Rounding mode for the total, default ``ROUND_HALF_EVEN``.

    Returns
    -------
    Statement

    Raises
    ------
    InvalidInputError
        A credit of another rep, outside the period, or repeated; a missing quota.
    CurrencyMismatchError
        A credit or the quota is not in the plan currency.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.commission import CommissionPlan, Tier, TieredComponent
    >>> plan = CommissionPlan(id="P", currency="CNY", components=[TieredComponent(
    ...     name="base", basis="attainment",
    ...     tiers=[Tier(lower=0, upper=1, rate="0.05"), Tier(lower=1, rate="0.08")])])
    >>> credits = [Credit(deal_id=d, rep_id="R1", amount=Money(a, "CNY"),
    ...                   credited_on=date(2026, 1, day))
    ...            for d, a, day in [("D1", "60000", 5), ("D2", "60000", 20)]]
    >>> s = statement(plan, "R1", credits, period=Period.month(2026, 1),
    ...               quota=Money("100000", "CNY"))
    >>> for line in s.lines:
    ...     print(line.deal_id, line.amount, line.reason_en)
    D1 3000.00 60,000.00 CNY in tier 1 at 5%
    D2 2000.00 40,000.00 CNY in tier 1 at 5%
    D2 1600.00 20,000.00 CNY in tier 2 at 8%
    >>> s.total
    Decimal('6600.00')
    """
    rep_id = rep.id if isinstance(rep, Rep) else rep
    items = list(credits)
    seen: set[str] = set()
    for c in items:
        if c.rep_id != rep_id:
            raise InvalidInputError(
                f"credit {c.deal_id!r} belongs to rep {c.rep_id!r}, not {rep_id!r}"
            )
        if c.amount.currency != plan.currency:
            raise CurrencyMismatchError(
                f"credit {c.deal_id!r} is in {c.amount.currency}, not the plan currency "
                f"{plan.currency}; convert it with FxRates first"
            )
        if not period.start <= c.credited_on < period.end:
            raise InvalidInputError(
                f"credit {c.deal_id!r} credited on {c.credited_on} is outside the period "
                f"[{period.start}, {period.end})"
            )
        if c.deal_id in seen:
            raise InvalidInputError(f"deal {c.deal_id!r} is credited twice on one statement")
        seen.add(c.deal_id)
    q_minor = _quota_minor(plan, quota)
    items.sort(key=lambda c: (c.credited_on, c.deal_id))
    amounts = np.empty(len(items), dtype=object)
    amounts[:] = [c.amount.to_minor() for c in items]
    quotas = np.empty(1, dtype=object)
    quotas[:] = [q_minor]
    flags = np.asarray(
        [[x.flag in c.flags for x in plan.spiffs] for c in items], dtype=bool
    ).reshape(len(items), len(plan.spiffs))
    result = _kernel.run(
        plan,
        np.zeros(len(items), dtype=np.int64),
        amounts,
        quotas,
        1,
        rounding=rounding,
        exact=True,
        flags=flags,
    )
    mu = minor_unit(plan.currency)
    unit = Decimal(0).scaleb(-mu)
    lines = []
    names = [c.name for c in plan.components] + [x.name for x in plan.spiffs]
    names += [] if plan.floor is None else [plan.floor.name]
    subtotals = dict.fromkeys(names, unit)
    den = Decimal(int(result.den[0]))
    n_comp = len(plan.components)
    for i in range(len(result.credit)):
        ci = int(result.component[i])
        kind = _KINDS[int(result.kind[i])]
        amount = Decimal(int(result.amount[i])).scaleb(-mu)
        exact_amount = DECIMAL_CONTEXT.divide(Decimal(int(result.exact[i])), den).scaleb(-mu)
        credit = items[int(result.credit[i])] if int(result.credit[i]) >= 0 else None
        if ci >= n_comp:
            if kind == "spiff":
                spiff = plan.spiffs[ci - n_comp]
                name, shown, label = spiff.name, spiff.amount, spiff.flag
            else:
                assert plan.floor is not None
                name, shown, label = plan.floor.name, plan.floor.amount, ""
            en, zh = reasons(
                kind,
                DECIMAL_CONTEXT.add(shown, unit),
                Decimal(0),
                Decimal(1),
                0,
                plan.currency,
                label=label,
            )
            line = StatementLine(
                deal_id=None if credit is None else credit.deal_id,
                credited_on=None if credit is None else credit.credited_on,
                component=name,
                kind=kind,
                tier=0,
                base=unit,
                rate=Decimal(0),
                multiplier=Decimal(1),
                exact_amount=exact_amount,
                amount=amount,
                reason_en=en,
                reason_zh=zh,
            )
        else:
            assert credit is not None
            seg = result.segs[ci]
            j = int(result.segment[i])
            tier, rate, mult = (
                (seg.tier[j], seg.rate[j], seg.multiplier[j]) if j >= 0 else (0, Decimal(0), 1)
            )
            end_rate = None
            if j >= 0 and seg.w_k[j]:
                scale = q_minor if seg.component.basis == "attainment" else 1
                rate, end_rate = (
                    _rate_at(seg, j, int(result.start[i]) + d * int(result.base[i]), scale)
                    for d in (0, 1)
                )
            base = DECIMAL_CONTEXT.divide(Decimal(int(result.base[i])), Decimal(seg.q)).scaleb(-mu)
            en, zh = reasons(
                kind, base, Decimal(rate), Decimal(mult), tier, plan.currency, end_rate
            )
            name = seg.component.name
            line = StatementLine(
                deal_id=credit.deal_id,
                credited_on=credit.credited_on,
                component=name,
                kind=kind,
                tier=tier,
                base=base,
                rate=Decimal(rate),
                end_rate=end_rate,
                multiplier=Decimal(mult),
                exact_amount=exact_amount,
                amount=amount,
                reason_en=en,
                reason_zh=zh,
            )
        lines.append(line)
        subtotals[name] = DECIMAL_CONTEXT.add(subtotals[name], amount)
    return Statement(
        rep_id=rep_id,
        period=period,
        currency=plan.currency,
        quota=None if quota is None else quota.amount,
        credited=functools.reduce(
            DECIMAL_CONTEXT.add, (c.amount.amount for c in items), Decimal(0)
        ),
        lines=tuple(lines),
        subtotals=subtotals,
        total=Decimal(int(result.total[0])).scaleb(-mu),
    )
