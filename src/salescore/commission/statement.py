"""One rep's commission statement: every line explained, reconciled to the cent.

:func:`statement` runs the plan over a rep's credits for one period. Each
line carries the credit, component, tier, the slice of the measure it pays
on, the rate, the multiplier and the amount, with a short reason in English
and Simplified Chinese; SPIFF lines pay flagged credits and a floor line
tops the period up to the plan's minimum. Amounts are computed exactly; the statement total is
rounded once to the currency's minor unit and the lines are rounded so that
they add up to it exactly (each line floored, the leftover cents handed to
the largest remainders).

Clawbacks of the period add ``clawback`` lines; the total is then settled
against the plan's draw and the balances carried in ``prior`` (a
:class:`Carry`), each step an explained :class:`Adjustment`, and the
statement's ``carry`` goes to the next period. The quota may be prorated for
a rep who joins or leaves mid-period or ramps, and a
:class:`~salescore.commission.PlanSchedule` applies plan versions by date.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from salescore._numeric import DECIMAL_CONTEXT, exact_decimals
from salescore.calendar import Period, WorkCalendar
from salescore.commission import _kernel
from salescore.commission._interpret import line_order, multiplier_products, year_moves
from salescore.commission._records import (
    KIND_NAMES,
    Adjustment,
    AdjustmentKind,
    Carry,
    Clawback,
    Credit,
    LineKind,
    Statement,
    StatementLine,
)
from salescore.commission._schedule import Window, run_windows
from salescore.commission._texts import UNMATCHED, adjustment_reasons, line_reasons
from salescore.commission.bonuses import Achievement, statement_bonuses
from salescore.commission.conversion import convert_credits
from salescore.commission.draws import Settlement, settle
from salescore.commission.plan import CommissionPlan
from salescore.commission.quota import prorated_quota
from salescore.commission.versions import PlanSchedule
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.models import Rep
from salescore.money import FxRates, Money, minor_unit

__all__ = [
    "Adjustment",
    "AdjustmentKind",
    "Carry",
    "Credit",
    "LineKind",
    "Statement",
    "StatementLine",
    "statement",
]

_KINDS: tuple[LineKind, ...] = KIND_NAMES


_RATE_PLACES = Decimal("1e-8")


def _rate_at(seg: _kernel.Segments, j: int, position: int, scale: int) -> Decimal:
    """The interpolated tier rate at ``position`` (measure numerator over ``seg.q``), 8 places."""
    lower = scale * seg.lo_k[j]
    share = Fraction(position - lower, scale * seg.w_k[j])
    rate = Fraction(seg.rate[j]) + (Fraction(seg.end_rate[j]) - Fraction(seg.rate[j])) * share
    value = DECIMAL_CONTEXT.divide(Decimal(rate.numerator), Decimal(rate.denominator))
    return value.quantize(_RATE_PLACES, context=DECIMAL_CONTEXT).normalize(DECIMAL_CONTEXT)


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


@exact_decimals
def statement(
    plan: CommissionPlan | PlanSchedule,
    rep: Rep | str,
    credits: Iterable[Credit],
    *,
    period: Period,
    quota: Money | None = None,
    prior: Carry | None = None,
    clawbacks: Iterable[Clawback] = (),
    prorate: bool = False,
    work_calendar: WorkCalendar | None = None,
    rounding: str = ROUND_HALF_EVEN,
    achievements: Mapping[str, Achievement] | None = None,
    pool_shares: Mapping[str, Decimal] | None = None,
    fx: FxRates | None = None,
) -> Statement:
    """Compute one rep's statement for ``period`` under ``plan``.

    Parameters
    ----------
    plan : CommissionPlan or PlanSchedule
        The plan, or plan versions by effective date: then each credit (and
        clawback) is paid by the version in effect on its date (see
        :mod:`salescore.commission.versions`).
    rep : Rep or str
        The rep (or their id); every credit must be theirs.
    credits : iterable of Credit
        The rep's credits in the period, in any order; paid in the order
        (``credited_on``, ``deal_id``).
    period : Period
        Every credit's ``credited_on`` must lie in ``[period.start, period.end)``.
    quota : Money, optional
        The period quota [currency]; required when a component measures attainment.
    prior : Carry, optional
        What the previous period's statement carried (its ``carry``): draw
        advances owed, a negative balance, and year-to-date amounts for year
        caps. Running periods in sequence, each with the previous ``carry``,
        settles them as one run would.
    clawbacks : iterable of Clawback
        Clawbacks of refunds dated in the period (from
        :func:`~salescore.commission.clawback`), each shown as a ``clawback``
        line after the others and added to the total, which may then be
        negative (settled as the plan says: carried as a deficit unless
        ``allow_negative``). One that ``reduces_attainment`` also enters the
        measure at its date as a negative amount.
    prorate : bool
        Apply :func:`~salescore.commission.prorated_quota` to ``quota`` (needs
        a :class:`~salescore.models.Rep` with its hire and leave dates and ramp).
    work_calendar : WorkCalendar, optional
        With ``prorate``, count working days instead of calendar days.
    rounding : str
        Rounding mode for the total (and the prorated quota and the draw
        recovery), default ``ROUND_HALF_EVEN``.
    achievements : mapping of str to Achievement, optional
        The rep's actual and target of each metric a
        :class:`~salescore.commission.TargetBonus` of the plan measures; a
        bonus whose metric is not here has no line.
    pool_shares : mapping of str to Decimal, optional
        The rep's share of each pool bonus whose target the rep met [currency],
        from :func:`~salescore.commission.bonus_pool_shares`.
    fx : FxRates, optional
        Converts credits in another currency into the plan currency at the
        rates in force on each credit date, exactly, rounded once to the
        minor unit with ``rounding``; each conversion is listed in
        ``Statement.conversions``. Without it such a credit is an error.

    Returns
    -------
    Statement

    Raises
    ------
    InvalidInputError
        A credit of another rep, outside the period, or repeated; a missing
        quota (or a prorated quota of 0 under an attainment plan); ``prorate``
        without a Rep; a ``prior`` of a later year; a clawback of another rep,
        outside the period, or not in whole minor units; an achievement of a
        metric no bonus measures; a pool bonus met without its share, or a
        share given to a rep who did not meet it.
    CurrencyMismatchError
        A credit is not in the plan currency and no ``fx`` is given; the quota
        is not in the plan currency.
    MissingRateError
        ``fx`` has no rate for a credit's currency on or before its date.

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
    items, conversions = convert_credits(list(credits), plan.currency, fx, rounding)
    if isinstance(plan, PlanSchedule):
        scheduled = _scheduled(
            plan,
            rep,
            items,
            list(clawbacks),
            period=period,
            quota=quota,
            prior=prior,
            prorate=prorate,
            work_calendar=work_calendar,
            rounding=rounding,
            achievements=achievements,
            pool_shares=pool_shares,
        )
        return scheduled.model_copy(update={"conversions": conversions})
    bonuses = statement_bonuses(plan, achievements or {}, pool_shares or {})
    _check_credits(items, rep_id, period)
    full_quota = quota
    if prorate:
        if not isinstance(rep, Rep):
            raise InvalidInputError(
                f"prorate=True needs the Rep of {rep_id!r} (hire and leave dates, ramp), not an id"
            )
        if quota is not None:
            quota = prorated_quota(
                quota, rep, period, work_calendar=work_calendar, rounding=rounding
            )
    q_minor = _quota_minor(plan, quota)
    mu = minor_unit(plan.currency)
    prior = prior or Carry()
    year = period.start.year
    if prior.year is not None and prior.year > year:
        raise InvalidInputError(
            f"prior carries year {prior.year}, after the period {period} of year {year}; "
            "statements run forwards in time"
        )
    ytd = dict(prior.year_to_date) if prior.year == year else {}
    held = dict(prior.held) if prior.year == year else {}
    claws = _check_clawbacks(list(clawbacks), rep_id, period, plan.currency)
    entries: list[Credit | Clawback] = [*items, *(x for x in claws if x.reduces_attainment)]
    entries.sort(key=_order)
    result, result_applies = _run_kernel(plan, entries, q_minor, ytd, held, bonuses, rounding)
    unit = Decimal(0).scaleb(-mu)
    lines, subtotals = interpret(plan, result, entries, bonuses, q_minor)
    clawed = _period_lines(lines, subtotals, result, entries, claws, result_applies, unit)
    total = DECIMAL_CONTEXT.add(Decimal(int(result.total[0])).scaleb(-mu), clawed)
    settlement = settle(
        Money(total, plan.currency),
        period=period,
        draw=plan.draw,
        prior=prior.balance,
        allow_negative=plan.allow_negative,
        rounding=rounding,
    )
    _update_year(plan, result, ytd, held, unit)
    return Statement(
        rep_id=rep_id,
        period=period,
        currency=plan.currency,
        quota=None if quota is None else quota.amount,
        full_quota=None if full_quota is None else full_quota.amount,
        credited=functools.reduce(
            DECIMAL_CONTEXT.add, (c.amount.amount for c in items), Decimal(0)
        ),
        reduced=functools.reduce(
            DECIMAL_CONTEXT.add,
            (x.refunded for x in claws if x.reduces_attainment),
            unit,
        ),
        lines=tuple(lines),
        subtotals=subtotals,
        total=total,
        settlement=settlement,
        adjustments=adjustments(settlement, plan),
        carry=Carry(
            advances=settlement.balance.advances,
            deficit=settlement.balance.deficit,
            year=year,
            year_to_date=ytd,
            held={k: v for k, v in held.items() if v},
        ),
        conversions=conversions,
    )


def _run_kernel(
    plan: CommissionPlan,
    entries: list[Credit | Clawback],
    q_minor: int,
    ytd: dict[str, Decimal],
    held: dict[str, Decimal],
    bonuses: list[tuple[int, bool, str, str]],
    rounding: str,
) -> tuple[_kernel.KernelResult, npt.NDArray[np.bool_]]:
    """One statement as kernel arrays (models → arrays → kernel): its result and applies matrix."""
    mu = minor_unit(plan.currency)
    held_minor = np.empty((1, len(plan.components)), dtype=object)
    held_minor[0, :] = [
        int(held.get(c.name, Decimal(0)).scaleb(minor_unit(plan.currency)))
        if c.gate_deferred
        else 0
        for c in plan.components
    ]
    year_paid = np.empty((1, len(plan.components)), dtype=object)
    year_paid[0, :] = [
        int(ytd.get(c.name, Decimal(0)).scaleb(minor_unit(plan.currency))) for c in plan.components
    ]
    amounts = np.empty(len(entries), dtype=object)
    amounts[:] = [_minor(c, mu) for c in entries]
    quotas = np.empty(1, dtype=object)
    quotas[:] = [q_minor]
    flags = np.asarray(
        [[isinstance(c, Credit) and x.flag in c.flags for x in plan.spiffs] for c in entries],
        dtype=bool,
    ).reshape(len(entries), len(plan.spiffs))
    attr_flags = _attr_flags(plan, entries)
    attrs = np.empty((2, len(entries)), dtype=object)
    attrs[0, :] = [c.product for c in entries]
    attrs[1, :] = [c.category for c in entries]
    result_applies = _kernel.applies_matrix(plan, attrs[0], attrs[1])
    result = _kernel.run(
        plan,
        np.zeros(len(entries), dtype=np.int64),
        amounts,
        quotas,
        1,
        rounding=rounding,
        exact=True,
        flags=flags,
        year_paid=year_paid,
        applies=result_applies,
        units=np.asarray([c.units if isinstance(c, Credit) else 0 for c in entries], np.int64),
        attr_flags=attr_flags,
        held=held_minor,
        bonus=np.asarray([[b[0] for b in bonuses]], dtype=object).reshape(1, len(bonuses)),
        bonus_shown=np.asarray([[b[1] for b in bonuses]], dtype=bool).reshape(1, len(bonuses)),
    )
    return result, result_applies


def _attr_flags(plan: CommissionPlan, entries: list[Credit | Clawback]) -> npt.NDArray[np.bool_]:
    """Whether each entry carries each of ``plan.multiplier_flags`` (a refund carries none)."""
    return np.asarray(
        [[isinstance(c, Credit) and f in c.flags for f in plan.multiplier_flags] for c in entries],
        dtype=bool,
    ).reshape(len(entries), len(plan.multiplier_flags))


def _check_credits(items: list[Credit], rep_id: str, period: Period) -> None:
    """Every credit is the rep's, inside the period, and of a deal not credited before."""
    seen: set[str] = set()
    for c in items:
        if c.rep_id != rep_id:
            raise InvalidInputError(
                f"credit {c.deal_id!r} belongs to rep {c.rep_id!r}, not {rep_id!r}"
            )
        if not period.start <= c.credited_on < period.end:
            raise InvalidInputError(
                f"credit {c.deal_id!r} credited on {c.credited_on} is outside the period "
                f"[{period.start}, {period.end})"
            )
        if c.deal_id in seen:
            raise InvalidInputError(f"deal {c.deal_id!r} is credited twice on one statement")
        seen.add(c.deal_id)


def interpret(
    plan: CommissionPlan,
    result: _kernel.KernelResult,
    entries: list[Credit | Clawback],
    bonuses: list[tuple[int, bool, str, str]],
    q_minor: int,
) -> tuple[list[StatementLine], dict[str, Decimal]]:
    """The kernel's lines of one statement as :class:`StatementLine` models, and subtotals.

    ``entries`` are the kernel's credits in its order (refunds that reduce
    attainment among them); ``bonuses`` what :func:`statement_bonuses` gives.
    """
    mu = minor_unit(plan.currency)
    unit = Decimal(0).scaleb(-mu)
    lines = []
    names = [c.name for c in plan.components] + [x.name for x in plan.spiffs]
    names += [x.name for x in plan.bonuses]
    names += [] if plan.floor is None else [plan.floor.name]
    subtotals = dict.fromkeys(names, unit)
    den = Decimal(int(result.den[0]))
    n_comp = len(plan.components)
    products = multiplier_products(plan, result, _attr_flags(plan, entries))
    for i in range(len(result.credit)):
        ci = int(result.component[i])
        kind = _KINDS[int(result.kind[i])]
        amount = Decimal(int(result.amount[i])).scaleb(-mu)
        exact_amount = DECIMAL_CONTEXT.divide(Decimal(int(result.exact[i])), den).scaleb(-mu)
        entry = entries[int(result.credit[i])] if int(result.credit[i]) >= 0 else None
        assert entry is None or isinstance(entry, Credit)  # a refund has no kernel line
        credit = entry
        if kind == "release" or ci >= n_comp:
            # Flat lines: a release of held pay, a SPIFF or the floor top-up.
            if kind == "release":
                name, shown, label = plan.components[ci].name, amount, ""
            elif kind == "bonus":
                bi = ci - n_comp - len(plan.spiffs)
                name, shown, label = plan.bonuses[bi].name, amount, ""
            elif kind == "spiff":
                spiff = plan.spiffs[ci - n_comp]
                name, label = spiff.name, spiff.flag
                shown = DECIMAL_CONTEXT.add(spiff.amount, unit)
            else:
                assert plan.floor is not None
                name, shown, label = (
                    plan.floor.name,
                    DECIMAL_CONTEXT.add(plan.floor.amount, unit),
                    "",
                )
            if kind == "bonus":
                en, zh = bonuses[bi][2], bonuses[bi][3]
            else:
                en, zh = line_reasons(
                    kind, shown, Decimal(0), Decimal(1), 0, plan.currency, label=label
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
            label = "deferred" if kind == "gate" and seg.component.gate_deferred else ""
            if kind == "multiplier":
                carried = [m for m in plan.multipliers_of(ci) if m.flag in credit.flags]
                mult = products[i]
                label = ", ".join(repr(m.flag) for m in carried)
            if j >= 0 and seg.w_k[j]:
                scale = q_minor if seg.component.basis == "attainment" else 1
                rate, end_rate = (
                    _rate_at(seg, j, int(result.start[i]) + d * int(result.base[i]), scale)
                    for d in (0, 1)
                )
            base = DECIMAL_CONTEXT.divide(Decimal(int(result.base[i])), Decimal(seg.q)).scaleb(-mu)
            en, zh = line_reasons(
                kind,
                base,
                Decimal(rate),
                Decimal(mult),
                tier,
                plan.currency,
                end_rate,
                label=label,
                per=seg.component.rate_kind if kind == "tier" else "fraction",
                units=credit.units,
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
        subtotals[line.component] = DECIMAL_CONTEXT.add(subtotals[line.component], amount)
    return lines, subtotals


def _period_lines(
    lines: list[StatementLine],
    subtotals: dict[str, Decimal],
    result: _kernel.KernelResult,
    entries: list[Credit | Clawback],
    claws: list[Clawback],
    result_applies: npt.NDArray[np.bool_],
    unit: Decimal,
) -> Decimal:
    """Place ``unmatched`` and ``clawback`` lines as :func:`line_order` says; the sum clawed."""
    matched = np.asarray(result_applies.any(axis=1), dtype=bool)
    extra: list[StatementLine] = []
    for pos, entry in enumerate(entries):
        if isinstance(entry, Credit) and not matched[pos]:
            extra.append(
                StatementLine(
                    deal_id=entry.deal_id,
                    credited_on=entry.credited_on,
                    component="unmatched",
                    kind="unmatched",
                    tier=0,
                    base=entry.amount.amount,
                    rate=Decimal(0),
                    multiplier=Decimal(1),
                    exact_amount=unit,
                    amount=unit,
                    reason_en=UNMATCHED[0],
                    reason_zh=UNMATCHED[1],
                )
            )
    n_unmatched = len(extra)
    clawed = unit
    for x in claws:
        extra.append(
            StatementLine(
                deal_id=x.deal_id,
                credited_on=x.refunded_on,
                component="clawback",
                kind="clawback",
                tier=0,
                base=x.refunded,
                rate=Decimal(0) if x.current_rate is None else x.current_rate,
                multiplier=Decimal(1),
                exact_amount=x.amount,
                amount=x.amount,
                reason_en=x.reason_en,
                reason_zh=x.reason_zh,
            )
        )
        clawed = DECIMAL_CONTEXT.add(clawed, x.amount)
    if claws:
        subtotals["clawback"] = clawed
    placed = [*lines, *extra]
    lines[:] = [placed[i] for i in line_order(result, np.zeros(n_unmatched), np.zeros(len(claws)))]
    return clawed


def _update_year(
    plan: CommissionPlan,
    result: _kernel.KernelResult,
    ytd: dict[str, Decimal],
    held: dict[str, Decimal],
    unit: Decimal,
) -> None:
    """Year-to-date pay and deferred-gate holdings after this statement, in place."""
    mu = minor_unit(plan.currency)
    paid, moved = year_moves(result, np.asarray(result.amount), 1, len(plan.components))
    for ci, comp in enumerate(plan.components):
        ytd[comp.name] = DECIMAL_CONTEXT.add(
            ytd.get(comp.name, unit), Decimal(int(paid[0, ci])).scaleb(-mu)
        )
        if comp.gate_deferred:
            held[comp.name] = DECIMAL_CONTEXT.subtract(
                held.get(comp.name, unit), Decimal(int(moved[0, ci])).scaleb(-mu)
            )
        else:
            held.pop(comp.name, None)


def _scheduled(
    schedule: PlanSchedule,
    rep: Rep | str,
    items: list[Credit],
    claws: list[Clawback],
    *,
    period: Period,
    quota: Money | None,
    prior: Carry | None,
    prorate: bool,
    work_calendar: WorkCalendar | None,
    rounding: str,
    achievements: Mapping[str, Achievement] | None,
    pool_shares: Mapping[str, Decimal] | None,
) -> Statement:
    """:func:`statement` under plan versions: one statement per window, settled once.

    Target bonuses measure the whole period: the last window's version pays them.
    """
    if quota is not None:
        if quota.currency != schedule.currency:
            raise CurrencyMismatchError(
                f"quota {quota} is not in the plan currency {schedule.currency}; convert it first"
            )
        if quota.quantize().amount != quota.amount:
            raise InvalidInputError(
                f"quota {quota} has more decimal places than {quota.currency} allows"
            )

    def run(w: Window[Carry]) -> Statement:
        return statement(
            w.plan,
            rep,
            [c for c, k in zip(items, w.credits, strict=True) if k],
            period=w.period,
            quota=None if quota is None else Money.from_minor(int(w.quotas[0]), quota.currency),
            prior=w.prior,
            clawbacks=[x for x, k in zip(claws, w.clawbacks, strict=True) if k],
            prorate=prorate,
            work_calendar=work_calendar,
            rounding=rounding,
            achievements=achievements if w.last else None,
            pool_shares=pool_shares if w.last else None,
        )

    carry = prior or Carry()
    parts_out, _, settling = run_windows(
        schedule,
        period,
        quotas=[] if quota is None else [quota.to_minor()],
        credit_days=np.asarray([c.credited_on for c in items], dtype="datetime64[D]"),
        claw_days=np.asarray([x.refunded_on for x in claws], dtype="datetime64[D]"),
        prior=Carry(year=carry.year, year_to_date=carry.year_to_date, held=carry.held),
        run=run,
        carry_of=lambda s: Carry(
            year=s.carry.year, year_to_date=s.carry.year_to_date, held=s.carry.held
        ),
    )
    add = DECIMAL_CONTEXT.add
    zero = Decimal(0).scaleb(-minor_unit(schedule.currency))
    subtotals: dict[str, Decimal] = {}
    for s in parts_out:
        for name, value in s.subtotals.items():
            subtotals[name] = add(subtotals.get(name, zero), value)
    total = functools.reduce(add, (s.total for s in parts_out), zero)
    settlement = settle(
        Money(total, schedule.currency),
        period=period,
        draw=settling.draw,
        prior=carry.balance,
        allow_negative=settling.allow_negative,
        rounding=rounding,
    )
    applied = [s.quota for s in parts_out if s.quota is not None]
    last = parts_out[-1].carry
    return Statement(
        rep_id=parts_out[0].rep_id,
        period=period,
        currency=schedule.currency,
        quota=None if quota is None else functools.reduce(add, applied, zero),
        full_quota=None if quota is None else quota.amount,
        credited=functools.reduce(add, (s.credited for s in parts_out), zero),
        reduced=functools.reduce(add, (s.reduced for s in parts_out), zero),
        lines=tuple(line for s in parts_out for line in s.lines),
        subtotals=subtotals,
        total=total,
        settlement=settlement,
        adjustments=adjustments(settlement, settling),
        carry=Carry(
            advances=settlement.balance.advances,
            deficit=settlement.balance.deficit,
            year=last.year,
            year_to_date=last.year_to_date,
            held=last.held,
        ),
    )


def _order(entry: Credit | Clawback) -> tuple[date, str, int]:
    """Statement order: date, deal id, credits before refunds."""
    if isinstance(entry, Credit):
        return (entry.credited_on, entry.deal_id, 0)
    return (entry.refunded_on, entry.deal_id, 1)


def _minor(entry: Credit | Clawback, mu: int) -> int:
    """A credit's amount, or minus a refund's [minor units]."""
    if isinstance(entry, Credit):
        return entry.amount.to_minor()
    return -int(entry.refunded.scaleb(mu))


def _check_clawbacks(
    claws: list[Clawback], rep_id: str, period: Period, currency: str
) -> list[Clawback]:
    mu = minor_unit(currency)
    for x in claws:
        if x.rep_id != rep_id:
            raise InvalidInputError(
                f"clawback of deal {x.deal_id!r} belongs to rep {x.rep_id!r}, not {rep_id!r}"
            )
        if not period.start <= x.refunded_on < period.end:
            raise InvalidInputError(
                f"clawback of deal {x.deal_id!r} refunded on {x.refunded_on} is outside the "
                f"period [{period.start}, {period.end})"
            )
        for what, value in (("amount", x.amount), ("refund", x.refunded)):
            if value.scaleb(mu) != value.scaleb(mu).to_integral_value():
                raise InvalidInputError(
                    f"clawback of deal {x.deal_id!r} {what} {value} has more decimal places "
                    f"than {currency} allows ({mu})"
                )
    return sorted(claws, key=_order)


def adjustments(settlement: Settlement, plan: CommissionPlan) -> tuple[Adjustment, ...]:
    """The non-zero steps of ``settlement`` from earned to payable, with EN and ZH reasons."""
    minus = DECIMAL_CONTEXT.minus
    steps: tuple[tuple[AdjustmentKind, Decimal, Decimal], ...] = (
        ("deficit_recovered", settlement.deficit_recovered, minus(settlement.deficit_recovered)),
        ("deficit_added", settlement.deficit_added, settlement.deficit_added),
        ("advance", settlement.advance, settlement.advance),
        ("recovered", settlement.recovered, minus(settlement.recovered)),
    )
    out = []
    for kind, x, signed in steps:
        if not x:
            continue
        if kind == "advance":
            assert plan.draw is not None  # an advance needs an active draw
        draw = plan.draw
        en, zh = adjustment_reasons(
            kind,
            x,
            plan.currency,
            Decimal(0) if draw is None else draw.amount,
            draw is not None and draw.kind == "recoverable",
        )
        out.append(Adjustment(kind=kind, amount=signed, reason_en=en, reason_zh=zh))
    return tuple(out)
