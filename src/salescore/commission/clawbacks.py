"""Clawbacks: a refund or cancellation reverses the commission paid on the deal.

:func:`clawback` reads the original statement, finds what the deal earned and
reverses the refunded share of it, at the original rates, if the refund falls
within the plan's window. The result is a negative amount for the period of
the refund; pass the period's total plus its clawbacks to
:func:`~salescore.commission.settle`, which carries a negative result forward
instead of paying it.

:func:`refund_clawbacks` is its vectorised twin: every refund of a refunds
frame (:data:`REFUNDS`) against the lines of a
:func:`~salescore.commission.statements_frame` result, equal to
:func:`clawback` row by row, to the cent.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._failures import Failures
from salescore._numeric import (
    DECIMAL_CONTEXT,
    check_rounding,
    exact_decimals,
    floats_to_minor_units,
    round_div,
)
from salescore.commission._frames import REFUNDS, ClawbackFrames, StatementsFrames
from salescore.commission._records import Clawback, ClawbackRate, Refund, Statement, StatementLine
from salescore.commission._texts import (
    ATTAINMENT_REDUCED,
    clawback_at_current,
    clawback_at_original,
    clawback_late,
    pct,
)
from salescore.error_codes import FailureReason
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.frames import empty_failures, partition_frame
from salescore.money import FxRates, minor_unit

__all__ = [
    "REFUNDS",
    "Clawback",
    "ClawbackFrames",
    "ClawbackRate",
    "Refund",
    "clawback",
    "clawbacks_frame",
    "refund_clawbacks",
]


@exact_decimals
def clawback(
    original: Statement,
    refund: Refund,
    *,
    window_days: int,
    rate: ClawbackRate = "original",
    current: Statement | None = None,
    reduce_attainment: bool = False,
    rounding: str = ROUND_HALF_EVEN,
    fx: FxRates | None = None,
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
        Rounding mode of the amount (and of a converted refund), default
        ``ROUND_HALF_EVEN``.
    fx : FxRates, optional
        Converts a refund in another currency (a deal credited in USD on a CNY
        statement) at the rates in force on the deal's credit date, the rates
        its credit was converted at, rounded once: a full refund reverses
        exactly the converted credit.

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
        The refund is not in the statement's currency and no ``fx`` is given.
    MissingRateError
        ``fx`` has no rate to convert the refund on the credit date.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.calendar import Period
    >>> from salescore.commission import CommissionPlan, Credit, Tier, TieredComponent, statement
    >>> from salescore.money import Money
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
    given = refund.amount
    if given.currency != original.currency:
        if fx is None:
            raise CurrencyMismatchError(
                f"refund of deal {refund.deal_id!r} is in {given.currency}, not the statement "
                f"currency {original.currency}; pass fx= (an FxRates table) to convert it"
            )
        assert lines[0].credited_on is not None  # deal lines carry their credit date
        given = fx.convert_rounded(
            given, original.currency, on=lines[0].credited_on, rounding=rounding
        )
    credited = credited_of(lines)
    if credited is None:
        raise InvalidInputError(
            f"deal {refund.deal_id!r} has only SPIFF lines on the statement of rep "
            f"{original.rep_id!r} for {original.period}; its credited amount is unknown"
        )
    paid = functools.reduce(DECIMAL_CONTEXT.add, (x.amount for x in lines), Decimal(0))
    unit = Decimal(1).scaleb(-minor_unit(original.currency))
    refunded = given.amount.quantize(unit, context=DECIMAL_CONTEXT)
    if refund.amount.quantize().amount != refund.amount.amount:
        raise InvalidInputError(
            f"refund {refund.amount} of deal {refund.deal_id!r} has more decimal places than "
            f"{refund.amount.currency} allows"
        )
    if refunded <= 0 or refunded > credited:
        shown = f"{refund.amount}" + (f" ({given})" if given is not refund.amount else "")
        raise InvalidInputError(
            f"refund {shown} of deal {refund.deal_id!r} is outside (0, {credited}]; "
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
            reason_en=clawback_late(window_days)[0],
            reason_zh=clawback_late(window_days)[1],
        )
    mul, div = DECIMAL_CONTEXT.multiply, DECIMAL_CONTEXT.divide
    if current_rate is None:
        share = div(mul(paid, refunded), credited)
    else:
        share = div(mul(refunded, Decimal(current_rate.numerator)), current_rate.denominator)
    reversed_ = share.quantize(unit, rounding=rounding, context=DECIMAL_CONTEXT)
    if reversed_ <= 0:
        # Lines rounded to a net negative pay (a cap's cent above a tier's): a
        # clawback only takes back, it never pays.
        reversed_ = Decimal(0).quantize(unit)
    amount = DECIMAL_CONTEXT.minus(reversed_)
    if current_rate is None:
        en, zh = clawback_at_original(
            f"{refunded:,}", f"{credited:,}", f"{reversed_:,}", f"{paid:,}", cur
        )
    else:
        en, zh = clawback_at_current(
            f"{refunded:,}", f"{reversed_:,}", pct(_shown(current_rate)), cur
        )
    if reduce_attainment:
        en += ATTAINMENT_REDUCED[0]
        zh += ATTAINMENT_REDUCED[1]
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
    return value.quantize(_PLACES, context=DECIMAL_CONTEXT).normalize(DECIMAL_CONTEXT)


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


@exact_decimals
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


_TABLE_KINDS: Final = ("tier", "multiplier", "deal_cap", "period_cap", "year_cap", "gate")
_LINE_COLUMNS: Final = ("rep_id", "deal_id", "credited_on", "component", "kind", "base")
_LIMIT: Final = 2.0**62
#: Above this many minor units a credit summed from float line bases may be off by one.
_CREDIT_LIMIT: Final = 2.0**46
_MAX_PLACES: Final = 12
_RATE_SCALE: Final = 10**8  # the current rate is shown to 8 decimal places


@exact_decimals
def refund_clawbacks(
    lines: pd.DataFrame,
    refunds: pd.DataFrame,
    *,
    currency: str,
    window_days: int,
    rate: ClawbackRate = "original",
    current: StatementsFrames | None = None,
    reduce_attainment: bool = False,
    rounding: str = ROUND_HALF_EVEN,
    fx: FxRates | None = None,
) -> ClawbackFrames:
    """Clawbacks of every refund in a frame, vectorised: :func:`clawback` row by row.

    For each refund the rep's lines of the deal (``clawback`` lines left
    out) give the credit (the bases of its first rate table's ``tier`` or
    ``unmatched`` lines), what was paid (all its line amounts) and the credit
    date; the reversal is ``-paid * refunded / credited`` at the original
    rate, ``-refunded * rate`` at the current one, rounded once, and 0 when
    the refund comes more than ``window_days`` after the credit. The
    arithmetic runs on whole columns in integer minor units (Python integers
    only when a bound shows int64 could overflow); only the reason texts are
    built per row.

    Parameters
    ----------
    lines : pandas.DataFrame
        ``StatementsFrames.lines`` of the period(s) that paid the deals
        (several periods' lines may be concatenated; give each period once):
        columns ``rep_id``, ``deal_id``, ``credited_on``, ``component``,
        ``kind``, ``base`` and ``amount_minor``, in the order
        :func:`~salescore.commission.statements_frame` gives them.
    refunds : pandas.DataFrame
        Columns of :data:`REFUNDS`; not mutated. Each row is computed on its
        own, as :func:`clawback` would (two partial refunds of one deal each
        reverse their share), except the checks across rows named in
        :class:`ClawbackFrames`. A rep's deal credited in several periods of
        ``lines`` is rejected (``ambiguous_deal``): pass the lines of the
        period whose credit is refunded.
    currency : str
        The plan's (statements') currency.
    window_days : int
        Refunds more than this many days after the credit date are not
        clawed back [days], >= 0.
    rate : {"original", "current"}
        See :func:`clawback`.
    current : StatementsFrames, optional
        With ``rate="current"``: the ``statements_frame`` result of the
        refunds' period, computed without these clawbacks. Each rep's rate is
        its rate-table lines over its ``credited_minor`` (the deal's own
        effective rate when that is 0). The refund dates are not checked
        against its period (a ``StatementsFrames`` does not name it):
        ``statements_frame(..., clawbacks=...)`` of that period refuses
        refunds outside it.
    reduce_attainment : bool
        Mark the clawbacks inside the window to lower the measure of the
        refund's period (see :func:`clawback`).
    rounding : str
        Rounding mode of each amount (and converted refund), default
        ``ROUND_HALF_EVEN``.
    fx : FxRates, optional
        Converts refunds in another currency at the rates in force on each
        deal's credit date, as :func:`clawback` does; a refund without such
        a rate goes to ``errors`` (``missing_rate``). Without it they are
        ``currency_mismatch`` errors.

    Returns
    -------
    ClawbackFrames

    Raises
    ------
    InvalidInputError
        ``window_days`` is negative; ``rate`` is not ``original`` or
        ``current``; ``rate="current"`` without ``current``; ``rounding`` is
        not a decimal rounding mode; ``lines`` lacks a column.
    FrameValidationError
        ``refunds`` lacks a required column.

    Examples
    --------
    >>> from salescore.calendar import Period
    >>> from salescore.commission import CommissionPlan, Tier, TieredComponent, statements_frame
    >>> plan = CommissionPlan(id="P", currency="CNY", components=[
    ...     TieredComponent(name="base", tiers=[Tier(lower=0, rate="0.05")])])
    >>> credits = pd.DataFrame({"deal_id": ["D1", "D2"], "rep_id": ["R1", "R2"],
    ...     "amount": [30000.0, 8000.0], "currency": "CNY",
    ...     "credited_on": pd.to_datetime(["2026-01-10", "2026-01-20"])})
    >>> jan = statements_frame(plan, credits, period=Period.month(2026, 1))
    >>> refunds = pd.DataFrame({"deal_id": ["D1", "D9"], "rep_id": ["R1", "R2"],
    ...     "amount": [10000.0, 5.0], "currency": "CNY",
    ...     "refunded_on": pd.to_datetime(["2026-02-20", "2026-02-21"])})
    >>> out = refund_clawbacks(jan.lines, refunds, currency="CNY", window_days=90)
    >>> out.clawbacks[["row", "deal_id", "amount_minor"]].to_dict("records")
    [{'row': 0, 'deal_id': 'D1', 'amount_minor': -50000}]
    >>> out.clawbacks.loc[0, "reason_en"]
    'refund of 10,000.00 of 30,000.00 CNY reverses 500.00 of 1,500.00 paid'
    >>> out.errors[["row", "reason"]].to_dict("records")
    [{'row': 1, 'reason': 'unknown_deal'}]
    """
    check_rounding(rounding)
    if window_days < 0:
        raise InvalidInputError(f"window_days {window_days} is negative; it must be >= 0")
    if rate not in ("original", "current"):
        raise InvalidInputError(f"rate {rate!r} is not one of 'original', 'current'")
    if rate == "current" and current is None:
        raise InvalidInputError(
            "clawbacks at the current rate need the statements of the refunds' period "
            "(current=statements_frame(...))"
        )
    mu = minor_unit(currency)
    missing = [c for c in (*_LINE_COLUMNS, "amount_minor") if c not in lines.columns]
    if missing:
        raise InvalidInputError(
            f"lines lack columns {missing}; pass StatementsFrames.lines of statements_frame"
        )
    valid, failures = partition_frame(refunds, REFUNDS)
    n = len(valid)
    r_rep = valid["rep_id"].astype(object).to_numpy()
    r_deal = valid["deal_id"].astype(object).to_numpy()
    # Only the lines of refunded deals matter (floor and release lines have no deal).
    wanted = lines["deal_id"].isin(pd.unique(r_deal)).to_numpy(dtype=bool)
    sub = lines[wanted]
    sub = sub[(sub["kind"] != "clawback").to_numpy(dtype=bool)]
    n_l = len(sub)
    rep_code = pd.factorize(np.concatenate([sub["rep_id"].astype(object).to_numpy(), r_rep]))[0]
    deal_code, deal_names = pd.factorize(
        np.concatenate([sub["deal_id"].astype(object).to_numpy(), r_deal])
    )
    pair_code, pairs = pd.factorize(
        rep_code.astype(np.int64) * (len(deal_names) + 1) + deal_code.astype(np.int64)
    )
    deals = _deals(sub, pair_code[:n_l].astype(np.int64), len(pairs), mu)
    g = pair_code[n_l:].astype(np.int64)
    credited = deals.credited[g]
    r_amount = valid["amount"].to_numpy(dtype=np.float64)
    r_minor, off, huge = _refund_minor(r_amount, mu)
    r_cur = valid["currency"].astype(object).to_numpy()
    foreign = np.asarray(r_cur != currency, dtype=bool)
    no_rate = np.zeros(n, dtype=bool)
    if fx is not None and foreign.any():
        # In the refund's own minor units first, then converted at the credit date.
        for code in pd.unique(r_cur[foreign]).tolist():
            mine = np.flatnonzero(r_cur == code)
            r_minor[mine], off[mine], huge[mine] = _refund_minor(
                r_amount[mine], minor_unit(str(code))
            )
        convert = np.flatnonzero(foreign & ~huge & deals.known[g])
        converted, no_rate[convert] = fx.convert_minor(
            r_minor[convert],
            r_cur[convert].astype(str),
            deals.day[g[convert]].astype("datetime64[D]"),
            currency,
            rounding=rounding,
        )
        r_minor[convert] = converted
    r_day = valid["refunded_on"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    checks: list[tuple[str, FailureReason, npt.NDArray[np.bool_]]] = [
        ("deal_id", FailureReason.UNKNOWN_DEAL, ~deals.known[g]),
        ("deal_id", FailureReason.AMBIGUOUS_DEAL, deals.ambiguous[g]),
        ("currency", FailureReason.CURRENCY_MISMATCH, foreign & (fx is None)),
        ("currency", FailureReason.MISSING_RATE, no_rate),
        ("deal_id", FailureReason.SPIFF_ONLY, ~deals.has_credit[g]),
        ("deal_id", FailureReason.CREDIT_TOO_LARGE, deals.too_large[g]),
        ("amount", FailureReason.NOT_MINOR_UNIT, off),
        ("amount", FailureReason.NOT_POSITIVE, r_minor <= 0),
        ("amount", FailureReason.REFUND_EXCEEDS_CREDIT, huge | (r_minor > credited)),
        ("refunded_on", FailureReason.BEFORE_CREDIT, r_day < deals.day[g]),
    ]
    cur_pos = np.zeros(n, dtype=np.int64)
    if current is not None and rate == "current":
        cur_pos = current.totals.index.get_indexer(pd.Index(r_rep)).astype(np.int64)
        checks.append(("rep_id", FailureReason.MISSING_CURRENT, cur_pos < 0))
    code = np.full(n, -1, dtype=np.int64)
    for i, (_, _, mask) in enumerate(checks):
        code[(code < 0) & np.asarray(mask, dtype=bool)] = i
    # Across rows: exact repeats, then refunds of one deal adding up to more than its credit.
    ok = code < 0
    keys = pd.DataFrame({"g": g[ok], "day": r_day[ok], "minor": r_minor[ok]})
    dup = np.zeros(n, dtype=bool)
    dup[np.flatnonzero(ok)] = keys.duplicated(keep=False).to_numpy(dtype=bool)
    checks.append(("deal_id", FailureReason.DUPLICATE_REFUND, dup))
    code[ok & dup] = len(checks) - 1
    ok = code < 0
    total = _group_sum(r_minor[ok], g[ok], len(pairs))
    over = np.zeros(n, dtype=bool)
    over[ok] = np.asarray(total[g[ok]] > credited[ok], dtype=bool)
    checks.append(("amount", FailureReason.REFUNDS_EXCEED_CREDIT, over))
    code[ok & over] = len(checks) - 1
    errors = _errors(valid, failures, code, checks)
    take = np.flatnonzero(code < 0)
    claws = _amounts(
        deals,
        g[take],
        r_minor[take],
        r_day[take],
        cur_pos[take],
        current if rate == "current" else None,
        window_days=window_days,
        rounding=rounding,
    )
    inside = claws["inside"]
    reduces = inside & reduce_attainment
    texts = _reasons(
        claws,
        r_minor[take],
        currency=currency,
        mu=mu,
        window_days=window_days,
        reduces=reduces,
        at_current=rate == "current",
    )
    scale = 10**mu
    out = pd.DataFrame(
        {
            "deal_id": pd.Series(r_deal[take], dtype=object),
            "rep_id": pd.Series(r_rep[take], dtype=object),
            "refunded_on": r_day[take].astype("datetime64[D]").astype("datetime64[s]"),
            "refunded": r_minor[take] / float(scale),
            "amount": _to_float(claws["amount"], scale),
            "current_rate": _to_float(claws["shown"], _RATE_SCALE)
            if rate == "current"
            else np.zeros(len(take)),
            "reduces_attainment": reduces,
            "product": pd.Series(_texts(valid["product"])[take], dtype=object),
            "category": pd.Series(_texts(valid["category"])[take], dtype=object),
            "row": pd.Series(valid.index.to_numpy(dtype=object)[take], dtype=object),
            "credited_minor": credited[take],
            "paid_minor": _int_or_object(deals.paid[g[take]]),
            "refunded_minor": r_minor[take],
            "amount_minor": _int_or_object(claws["amount"]),
            "reason_en": pd.Series(texts[0], dtype=object),
            "reason_zh": pd.Series(texts[1], dtype=object),
        }
    )
    return ClawbackFrames(clawbacks=out, errors=errors)


@dataclass(frozen=True)
class _Deals:
    """Per (rep, deal) pair of the lines: what :func:`clawback` reads from a statement."""

    known: npt.NDArray[np.bool_]  # the pair has lines
    ambiguous: npt.NDArray[np.bool_]  # credited on more than one date
    has_credit: npt.NDArray[np.bool_]  # a tier or unmatched line gives its credit
    too_large: npt.NDArray[np.bool_]
    credited: npt.NDArray[np.int64]  # [minor units]
    places: npt.NDArray[np.int64]  # decimal places of the credit beyond the minor unit
    paid: npt.NDArray[Any]  # all line amounts [minor units]
    table_paid: npt.NDArray[Any]  # rate-table line amounts [minor units]
    day: npt.NDArray[np.int64]  # the credit date [days since 1970]


def _deals(sub: pd.DataFrame, group: npt.NDArray[np.int64], n_groups: int, mu: int) -> _Deals:
    n_l = len(sub)
    kind = sub["kind"].astype(object).to_numpy()
    amount = sub["amount_minor"].to_numpy()
    known = np.bincount(group, minlength=n_groups) > 0
    credit_line = np.isin(kind, ["tier", "unmatched"])
    pos = np.arange(n_l, dtype=np.int64)
    first = np.full(n_groups, n_l, dtype=np.int64)
    np.minimum.at(first, group[credit_line], pos[credit_line])
    has_credit = first < n_l
    comp = pd.factorize(sub["component"].astype(object).to_numpy())[0].astype(np.int64)
    comp = np.append(comp, -1)  # position n_l: no credit line
    in_credit = credit_line & (comp[:n_l] == comp[first][group])
    base = sub["base"].to_numpy(dtype=np.float64)[in_credit] * 10.0**mu
    summed = np.bincount(group[in_credit], weights=base, minlength=n_groups)
    too_large = np.abs(summed) >= _CREDIT_LIMIT
    credited = np.rint(np.where(too_large, 0.0, summed)).astype(np.int64)
    places = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(places, group[in_credit], _extra_places(base))
    day = sub["credited_on"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    low = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    high = np.full(n_groups, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(low, group, day)
    np.maximum.at(high, group, day)
    table = np.isin(kind, _TABLE_KINDS)
    return _Deals(
        known=known,
        ambiguous=known & (low != high),
        has_credit=has_credit,
        too_large=too_large,
        credited=credited,
        places=places,
        paid=_group_sum(amount, group, n_groups),
        table_paid=_group_sum(amount[table], group[table], n_groups),
        day=low,
    )


def _group_sum(values: npt.NDArray[Any], group: npt.NDArray[np.int64], n: int) -> npt.NDArray[Any]:
    """Sum of integer ``values`` per group, exactly (Python integers when int64 could overflow)."""
    exact = values.dtype == object or (
        float(np.abs(values.astype(np.float64)).sum()) >= _LIMIT if len(values) else False
    )
    if exact:
        out = np.empty(n, dtype=object)
        out[:] = [0] * n
        np.add.at(out, group, values.astype(object))
        return out
    summed = np.zeros(n, dtype=np.int64)
    np.add.at(summed, group, values.astype(np.int64))
    return summed


def _extra_places(minor: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Decimal places of each amount beyond the minor unit (0 for whole minor units).

    A line base is a slice of a credit at a quota's fraction, a decimal with
    a few places past the minor unit, held as a float: the first scaling by
    a power of ten that lands on an integer (within float error) gives them.
    """
    out = np.full(len(minor), _MAX_PLACES, dtype=np.int64)
    left = np.ones(len(minor), dtype=bool)
    for e in range(_MAX_PLACES):
        scaled = minor * 10.0**e
        whole = left & (np.abs(scaled - np.rint(scaled)) <= 1e-14 * np.maximum(np.abs(scaled), 1))
        out[whole] = e
        left &= ~whole
    return out


def _refund_minor(
    amount: npt.NDArray[np.float64], mu: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Refunds in minor units; which are not whole minor units; which are too large for int64.

    A float at or above ``2**53`` minor units is spaced at least two minor
    units from its neighbours, so its shortest repr has no more decimal
    places than the currency: it is whole, and beyond any credit.
    """
    huge = np.abs(amount * 10.0**mu) >= 2.0**53
    minor = np.ones(len(amount), dtype=np.int64)
    if (~huge).any():
        minor[~huge] = floats_to_minor_units(amount[~huge], mu)
    off = (minor / 10.0**mu != amount) & ~huge
    return minor, off, huge


def _mul(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``a * b`` exactly: int64 when a bound shows it fits, else Python integers."""
    if not len(a):
        return np.zeros(0, dtype=np.int64)
    bound = float(np.abs(a.astype(np.float64)).max()) * float(np.abs(b.astype(np.float64)).max())
    if bound < _LIMIT and a.dtype != object and b.dtype != object:
        product: npt.NDArray[Any] = np.asarray(a, dtype=np.int64) * np.asarray(b, dtype=np.int64)
    else:
        product = a.astype(object) * b.astype(object)
    return product


def _amounts(
    deals: _Deals,
    g: npt.NDArray[np.int64],
    refunded: npt.NDArray[np.int64],
    day: npt.NDArray[np.int64],
    cur_pos: npt.NDArray[np.int64],
    current: StatementsFrames | None,
    *,
    window_days: int,
    rounding: str,
) -> dict[str, Any]:
    """The reversals of valid refunds: amount, rounded share, its sign and the shown rate."""
    paid = deals.paid[g]
    credited = deals.credited[g]
    if current is None:
        num, den = _mul(paid, refunded), credited
        shown = np.zeros(len(g), dtype=np.int64)
    else:
        totals = current.totals
        cl = current.lines
        table = np.isin(cl["kind"].astype(object).to_numpy(), _TABLE_KINDS)
        rep_of = totals.index.get_indexer(pd.Index(cl["rep_id"].astype(object).to_numpy()[table]))
        amounts = cl["amount_minor"].to_numpy()[table]
        tables = _group_sum(amounts[rep_of >= 0], rep_of[rep_of >= 0].astype(np.int64), len(totals))
        cur_credited = totals["credited_minor"].to_numpy(dtype=np.int64)[cur_pos]
        use = cur_credited > 0
        rate_num = np.where(use, tables[cur_pos], deals.table_paid[g])
        rate_den = np.where(use, cur_credited, credited)
        if rate_num.dtype == object:
            rate_den = rate_den.astype(object)
        # The deal's own rate over a credit of 0 is 0 (the refund then exceeds it anyway).
        rate_num = np.where(rate_den > 0, rate_num, 0 * rate_num)
        rate_den = np.where(rate_den > 0, rate_den, 1 + 0 * rate_den)
        num, den = _mul(refunded, rate_num), rate_den
        shown = round_div(
            _mul(rate_num, np.full(len(g), _RATE_SCALE, dtype=np.int64)),
            rate_den.astype(object) if rate_num.dtype == object else rate_den,
            "ROUND_HALF_EVEN",
        )
        if len(g) and num.dtype != object:
            shown = _int_or_object(shown)
    reversed_ = (
        round_div(num, den.astype(object) if num.dtype == object else den, rounding)
        if len(g)
        else np.zeros(0, dtype=np.int64)
    )
    window = min(window_days, 10**7)
    inside = day <= deals.day[g] + window
    # Nothing to take back outside the window, or from a deal whose lines rounded
    # to a net negative pay: a clawback never pays.
    reversed_ = np.where(inside & (reversed_ > 0), reversed_, 0 * reversed_)
    return {
        "amount": -reversed_,
        "reversed": reversed_,
        "shown": shown,
        "inside": np.asarray(inside, dtype=bool),
        "credited": credited,
        "places": deals.places[g],
        "paid": paid,
    }


def _int_or_object(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Integers as int64 when they all fit, else as Python integers."""
    if values.dtype != object:
        return np.asarray(values, dtype=np.int64)
    limit = 2**63
    if all(-limit <= int(v) < limit for v in values):
        return np.asarray(values.tolist(), dtype=np.int64)
    return values


def _to_float(values: npt.NDArray[Any], scale: int) -> npt.NDArray[np.float64]:
    """Exact integers over ``scale`` as the nearest floats."""
    if values.dtype == object:
        return np.asarray([int(v) / scale for v in values], dtype=np.float64)
    return np.asarray(values, dtype=np.int64) / float(scale)


def _num(value: int, places: int, *, minus: bool = False) -> str:
    """``value`` over ``10**places`` as ``format(Decimal, ",")`` shows it."""
    sign = "-" if value < 0 or minus else ""
    whole, frac = divmod(abs(value), 10**places)
    return f"{sign}{whole:,}.{frac:0{places}d}" if places else f"{sign}{whole:,}"


def _nums(values: list[int], places: int) -> list[str]:
    """:func:`_num` of many values (a comprehension: the hot path of the reason texts)."""
    scale = 10**places
    if not places:
        return [f"{v:,}" for v in values]
    return [f"{v // scale:,}.{v % scale:0{places}d}" if v >= 0 else _num(v, places) for v in values]


def _reasons(
    claws: dict[str, Any],
    refunded: npt.NDArray[np.int64],
    *,
    currency: str,
    mu: int,
    window_days: int,
    reduces: npt.NDArray[np.bool_],
    at_current: bool,
) -> tuple[list[str], list[str]]:
    """The English and Chinese texts of :func:`clawback`, one per row (only text is per row)."""
    n = len(refunded)
    late_en, late_zh = clawback_late(window_days)
    en, zh = [late_en] * n, [late_zh] * n
    at = np.flatnonzero(claws["inside"])
    cur = currency
    rs = _nums(refunded[at].tolist(), mu)
    xs = _nums(claws["reversed"][at].tolist(), mu)
    if at_current:
        pcts: dict[int, str] = {}
        for k in claws["shown"][at].tolist():
            if k not in pcts:
                pct = Decimal(k).scaleb(-6, context=DECIMAL_CONTEXT).normalize(DECIMAL_CONTEXT)
                pcts[k] = f"{pct:f}%"
        ks = [pcts[k] for k in claws["shown"][at].tolist()]
        texts = [clawback_at_current(r, x, k, cur) for r, x, k in zip(rs, xs, ks, strict=True)]
    else:
        extra = claws["places"][at].tolist()
        cs = _nums(claws["credited"][at].tolist(), mu)
        for j in np.flatnonzero(claws["places"][at]).tolist():
            e = extra[j]
            cs[j] = _num(int(claws["credited"][at[j]]) * 10**e, mu + e)
        ps = _nums(claws["paid"][at].tolist(), mu)
        texts = [
            clawback_at_original(r, c, x, p, cur) for r, c, x, p in zip(rs, cs, xs, ps, strict=True)
        ]
    more_en, more_zh = ATTAINMENT_REDUCED
    for j, (i, red) in enumerate(zip(at.tolist(), reduces[at].tolist(), strict=True)):
        text_en, text_zh = texts[j]
        en[i] = text_en + more_en if red else text_en
        zh[i] = text_zh + more_zh if red else text_zh
    return en, zh


def _texts(values: pd.Series) -> npt.NDArray[Any]:
    """A string column as an object array with ``None`` for missing values."""
    out = values.astype(object).to_numpy(copy=True)
    out[pd.isna(out)] = None
    return out


def _errors(
    valid: pd.DataFrame,
    failures: pd.DataFrame,
    code: npt.NDArray[np.int64],
    checks: list[tuple[str, FailureReason, npt.NDArray[np.bool_]]],
) -> pd.DataFrame:
    """Contract failures, then each rejected valid row once, with its first reason."""
    rejects = Failures(valid)
    for i, (column, reason, _) in enumerate(checks):
        rejects.add(column, reason, code == i)
    if not len(rejects):
        return failures.reset_index(drop=True) if len(failures) else empty_failures()
    rejected = rejects.table(by_row=True)
    if not len(failures):
        return rejected
    return pd.concat([failures, rejected], ignore_index=True)
