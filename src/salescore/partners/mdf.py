"""Market development funds (MDF): accrual with a cap, claims decided against the balance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Final, Self

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore._numeric import (
    check_rounding,
    exact_decimals,
    floats_to_minor_units,
    round_div,
    round_fraction,
)
from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.frames import Column, FrameContract, partition_frame
from salescore.money import CurrencyCode, minor_unit
from salescore.partners._common import (
    _EPOCH,
    Identifier,
    NonNegative,
    _check_places,
    _day_numbers,
    _group_sum,
    _money,
    _non_negative,
    _pct,
)
from salescore.partners._sales import _partner_sales
from salescore.partners.sales import PARTNER_SALES, PartnerSale
from salescore.serialization import Result

__all__ = [
    "MDF_CLAIMS",
    "ClaimDecision",
    "MdfClaim",
    "MdfFrames",
    "MdfLine",
    "MdfProgram",
    "MdfStatement",
    "mdf_frame",
    "mdf_statement",
]


class MdfClaim(FrozenModel):
    """A partner's claim of market development funds for an activity it ran.

    Parameters
    ----------
    claim_id : str
        The claim.
    partner_id : str
        The partner claiming.
    claimed_on : date
        When it was filed; claims are decided in this order (then by id).
    amount : Decimal
        The amount asked for [currency of the programme], >= 0.
    activity : str, optional
        What the funds paid for (a trade show, a campaign), shown on the line.

    Examples
    --------
    >>> from datetime import date
    >>> MdfClaim(claim_id="C1", partner_id="P1", claimed_on=date(2026, 3, 9), amount=300).amount
    Decimal('300')
    """

    claim_id: Identifier
    partner_id: Identifier
    claimed_on: date
    amount: NonNegative
    activity: str | None = None


class MdfProgram(FrozenModel):
    """Market development funds: accrued as a share of revenue, capped, claimed.

    Parameters
    ----------
    name : str
        The programme, shown on every statement line.
    currency : str
        ISO 4217 code of the revenue, the funds and the claims.
    accrual_rate : Decimal
        Funds accrued per unit of revenue [fraction], at most 8 decimal places.
    period_cap : Decimal, optional
        Most that accrues in one period [currency], >= 0.

    Examples
    --------
    >>> MdfProgram(name="MDF", currency="CNY", accrual_rate="0.02", period_cap=5000).period_cap
    Decimal('5000')
    """

    name: str = Field(min_length=1)
    currency: CurrencyCode
    accrual_rate: NonNegative
    period_cap: NonNegative | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_places(self.accrual_rate, f"MDF programme {self.name!r} accrual_rate")
        if self.period_cap is not None:
            _check_places(
                self.period_cap,
                f"MDF programme {self.name!r} period_cap",
                minor_unit(self.currency),
            )
        return self


@dataclass(frozen=True)
class MdfLine(Result):
    """One explained accrual line of an MDF statement.

    Parameters
    ----------
    kind : {"accrual", "cap"}
        The accrual on the period's revenue, or the cut to the period cap.
    base : Decimal
        Revenue accrued on [currency]; 0 on a cap line.
    rate : Decimal
        The accrual rate [fraction]; 0 on a cap line.
    amount : Decimal
        Accrued on the line [currency] (negative on a cap line).
    reason_en, reason_zh : str
        The line explained in English and Simplified Chinese.
    """

    kind: str
    base: Decimal
    rate: Decimal
    amount: Decimal
    reason_en: str
    reason_zh: str


@dataclass(frozen=True)
class ClaimDecision(Result):
    """How one MDF claim was decided against the balance.

    Parameters
    ----------
    claim_id : str
        The claim.
    claimed_on : date
        When it was filed.
    requested : Decimal
        The amount asked for [currency].
    approved : Decimal
        Approved [currency]: the request, or what the balance still held.
    refused : Decimal
        ``requested − approved`` [currency].
    status : {"approved", "partial", "refused"}
        All, part or none of the request approved.
    balance_after : Decimal
        Funds left after the decision [currency].
    reason_en, reason_zh : str
        The decision explained in English and Simplified Chinese.
    """

    claim_id: str
    claimed_on: date
    requested: Decimal
    approved: Decimal
    refused: Decimal
    status: str
    balance_after: Decimal
    reason_en: str
    reason_zh: str


@dataclass(frozen=True)
class MdfStatement(Result):
    """A partner's market development funds for one period, explained.

    ``opening + accrued == approved + carried`` to the minor unit, and
    ``accrued`` is the sum of the accrual lines.

    Parameters
    ----------
    program : str
        The programme's name.
    partner_id : str
        The partner.
    period : Period
        The period.
    currency : str
        ISO 4217 code of every amount.
    revenue : Decimal
        The partner's revenue in the period [currency].
    opening : Decimal
        Balance brought from the previous period [currency].
    lines : tuple of MdfLine
        The accrual and, when it binds, the cap.
    accrued : Decimal
        Funds accrued in the period [currency]: the sum of ``lines``.
    claims : tuple of ClaimDecision
        The period's claims, in the order decided.
    requested, approved, refused : Decimal
        Sums over the claims [currency].
    carried : Decimal
        Balance carried to the next period [currency]: ``opening + accrued − approved``.
    """

    program: str
    partner_id: str
    period: Period
    currency: str
    revenue: Decimal
    opening: Decimal
    lines: tuple[MdfLine, ...]
    accrued: Decimal
    claims: tuple[ClaimDecision, ...]
    requested: Decimal
    approved: Decimal
    refused: Decimal
    carried: Decimal


@exact_decimals
def mdf_statement(
    program: MdfProgram,
    partner_id: str,
    sales: Sequence[PartnerSale],
    claims: Sequence[MdfClaim],
    period: Period,
    *,
    opening: object = 0,
    rounding: str = ROUND_HALF_EVEN,
) -> MdfStatement:
    """A partner's market development funds for ``period``: accrual, cap and claims.

    The period's revenue accrues ``accrual_rate`` of itself (rounded once to
    the minor unit), cut to ``period_cap``. The balance is ``opening`` plus
    the accrual; the period's claims are decided in filing order (then id):
    a claim the balance covers is approved, one above it is approved up to
    the balance and the rest refused, one on an empty balance refused.

    Parameters
    ----------
    program : MdfProgram
        The programme.
    partner_id : str
        The partner; other partners' sales and claims are not counted.
    sales : sequence of PartnerSale
        Sales; those of ``partner_id`` in ``period`` are the revenue [currency].
    claims : sequence of MdfClaim
        Claims; those of ``partner_id`` filed in ``period`` are decided.
    period : Period
        The period.
    opening : Decimal
        Balance brought from the previous period [currency], >= 0 (the
        previous statement's ``carried``).
    rounding : str
        :mod:`decimal` rounding mode of the accrual.

    Returns
    -------
    MdfStatement
        ``opening + accrued == approved + carried``.

    Examples
    --------
    >>> from datetime import date
    >>> mdf = MdfProgram(name="MDF", currency="CNY", accrual_rate="0.02", period_cap=3000)
    >>> sales = [PartnerSale(deal_id="D1", partner_id="P1", sold_on=date(2026, 1, 9),
    ...                      amount="120000")]
    >>> claims = [MdfClaim(claim_id="C1", partner_id="P1", claimed_on=date(2026, 2, 1),
    ...                    amount=1800),
    ...           MdfClaim(claim_id="C2", partner_id="P1", claimed_on=date(2026, 3, 1),
    ...                    amount=1000)]
    >>> st = mdf_statement(mdf, "P1", sales, claims, Period.quarter(2026, 1))
    >>> st.accrued, st.approved, st.refused, st.carried
    (Decimal('2400.00'), Decimal('2400.00'), Decimal('400.00'), Decimal('0.00'))
    >>> accrual, decision = st.lines[0], st.claims[1]
    >>> accrual.reason_en
    'revenue 120000 at 2%: 2400.00 accrued'
    >>> decision.status, decision.reason_en
    ('partial', 'claim C2 of 1000.00 above the balance 600.00: 600.00 approved, 400.00 refused')
    """
    rounding = check_rounding(rounding)
    currency = program.currency
    mu = minor_unit(currency)
    scale = 10**mu
    opening_d = _non_negative(opening)
    _check_places(opening_d, "opening balance", mu)
    _, revenue = _partner_sales(sales, partner_id, period, currency)
    accrual = round_fraction(Fraction(revenue) * Fraction(program.accrual_rate) * scale, rounding)
    rate = _pct(program.accrual_rate)
    lines = [
        MdfLine(
            kind="accrual",
            base=revenue,
            rate=program.accrual_rate,
            amount=_money(accrual, mu),
            reason_en=f"revenue {revenue} at {rate}: {_money(accrual, mu)} accrued",
            reason_zh=f"收入 {revenue} 按 {rate} 计提市场发展基金 {_money(accrual, mu)}",
        )
    ]
    accrued = accrual
    if program.period_cap is not None:
        cap = int(program.period_cap * scale)
        if accrual > cap:
            cut = accrual - cap
            lines.append(
                MdfLine(
                    kind="cap",
                    base=Decimal(0),
                    rate=Decimal(0),
                    amount=_money(-cut, mu),
                    reason_en=(
                        f"accrual {_money(accrual, mu)} above the period cap "
                        f"{_money(cap, mu)}: {_money(cut, mu)} not accrued"
                    ),
                    reason_zh=(
                        f"计提 {_money(accrual, mu)} 超过每期上限 {_money(cap, mu)}，"
                        f"{_money(cut, mu)} 不计提"
                    ),
                )
            )
            accrued = cap
    balance = int(opening_d * scale) + accrued
    mine = []
    for c in claims:
        if not isinstance(c, MdfClaim):
            raise InvalidInputError(f"claim {c!r} is a {type(c).__name__}; give MdfClaim models")
        if c.partner_id == partner_id and period.contains(c.claimed_on):
            _check_places(c.amount, f"claim {c.claim_id!r} amount", mu)
            mine.append(c)
    mine.sort(key=lambda c: (c.claimed_on, c.claim_id))
    decisions = []
    for c in mine:
        asked = int(c.amount * scale)
        granted = min(asked, balance)
        before = balance
        balance -= granted
        what = f"claim {c.claim_id}" + (f" ({c.activity})" if c.activity else "")
        what_zh = f"申请 {c.claim_id}" + (f"（{c.activity}）" if c.activity else "")
        a, g, b = _money(asked, mu), _money(granted, mu), _money(before, mu)
        r = _money(asked - granted, mu)
        if granted == asked:
            status = "approved"
            en = f"{what} of {a} within the balance {b}: approved"
            zh = f"{what_zh} 金额 {a} 未超过余额 {b}，全额批准"
        elif granted > 0:
            status = "partial"
            en = f"{what} of {a} above the balance {b}: {g} approved, {r} refused"
            zh = f"{what_zh} 金额 {a} 超过余额 {b}，批准 {g}，拒绝 {r}"
        else:
            status = "refused"
            en = f"{what} of {a}: the balance is {b}, refused"
            zh = f"{what_zh} 金额 {a}：余额为 {b}，拒绝"
        decisions.append(
            ClaimDecision(
                claim_id=c.claim_id,
                claimed_on=c.claimed_on,
                requested=a,
                approved=g,
                refused=r,
                status=status,
                balance_after=_money(balance, mu),
                reason_en=en,
                reason_zh=zh,
            )
        )
    requested = sum(int(d.requested * scale) for d in decisions)
    approved = sum(int(d.approved * scale) for d in decisions)
    return MdfStatement(
        program=program.name,
        partner_id=partner_id,
        period=period,
        currency=currency,
        revenue=revenue,
        opening=_money(int(opening_d * scale), mu),
        lines=tuple(lines),
        accrued=_money(accrued, mu),
        claims=tuple(decisions),
        requested=_money(requested, mu),
        approved=_money(approved, mu),
        refused=_money(requested - approved, mu),
        carried=_money(balance, mu),
    )


#: MDF claims, one per row (see :class:`MdfClaim`): the bulk input of :func:`mdf_frame`.
MDF_CLAIMS: Final = FrameContract(
    "mdf_claims",
    (
        Column("claim_id", "string", unique=True, nonblank=True, description="the claim"),
        Column("partner_id", "string", nonblank=True, description="the partner claiming"),
        Column("claimed_on", "date", description="when it was filed"),
        Column("amount", "float", non_negative=True, description="amount asked [currency]"),
        Column(
            "activity",
            "string",
            required=False,
            nullable=True,
            description="what the funds paid for",
        ),
    ),
    (),
    "one MDF claim per row, in the programme's currency",
)


@dataclass(frozen=True)
class MdfFrames(Result):
    """The MDF statements of many partners under one programme, as frames.

    Parameters
    ----------
    program : str
        The programme's name.
    period : Period
        The period.
    currency : str
        ISO 4217 code of every amount.
    totals : pandas.DataFrame
        One row per partner with a sale or a claim in the period or an
        opening balance, by ``partner_id``: ``sales`` [count], ``revenue``,
        ``opening``, ``accrual`` (before the cap), ``accrued``, ``requested``,
        ``approved``, ``refused`` and ``carried`` [currency, Decimal], and
        ``accrued_minor``, ``approved_minor`` and ``carried_minor``; the
        numbers of :func:`mdf_statement` for each partner, so
        ``opening + accrued == approved + carried``.
    lines : pandas.DataFrame
        The accrual lines (``partner_id``, ``kind``, ``base``, ``rate``,
        ``amount``, ``amount_minor``, ``reason_en``, ``reason_zh``); per
        partner they add up to ``accrued``.
    claims : pandas.DataFrame
        The claims decided, partner by partner in filing order (then id):
        ``partner_id``, ``claim_id``, ``claimed_on``, ``requested``,
        ``approved``, ``refused``, ``status``, ``balance_after``,
        ``approved_minor``, ``reason_en``, ``reason_zh``, indexed by the
        input row.
    errors : pandas.DataFrame
        Sales and claims rows that could not be used (``table``, ``row``,
        ``column``, ``value``, ``reason``).
    """

    program: str
    period: Period
    currency: str
    totals: pd.DataFrame
    lines: pd.DataFrame
    claims: pd.DataFrame
    errors: pd.DataFrame


def _claim_reasons(
    ids: Sequence[str],
    activity: Sequence[object],
    asked: Sequence[int],
    granted: Sequence[int],
    before: Sequence[int],
    mu: int,
) -> tuple[list[str], list[str], list[str]]:
    """Status and the English and Chinese reason of each decided claim (as mdf_statement)."""
    status, en, zh = [], [], []
    for cid, act, q, g, b0 in zip(ids, activity, asked, granted, before, strict=True):
        what = f"claim {cid}" + (f" ({act})" if act else "")
        what_zh = f"申请 {cid}" + (f"（{act}）" if act else "")
        a, gm, b = _money(q, mu), _money(g, mu), _money(b0, mu)
        r = _money(q - g, mu)
        if g == q:
            status.append("approved")
            en.append(f"{what} of {a} within the balance {b}: approved")
            zh.append(f"{what_zh} 金额 {a} 未超过余额 {b}，全额批准")
        elif g > 0:
            status.append("partial")
            en.append(f"{what} of {a} above the balance {b}: {gm} approved, {r} refused")
            zh.append(f"{what_zh} 金额 {a} 超过余额 {b}，批准 {gm}，拒绝 {r}")
        else:
            status.append("refused")
            en.append(f"{what} of {a}: the balance is {b}, refused")
            zh.append(f"{what_zh} 金额 {a}：余额为 {b}，拒绝")
    return status, en, zh


@exact_decimals
def mdf_frame(
    program: MdfProgram,
    sales: pd.DataFrame,
    claims: pd.DataFrame,
    period: Period,
    *,
    openings: Mapping[str, object] | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> MdfFrames:
    """Every partner's market development funds for ``period``: the bulk :func:`mdf_statement`.

    Revenue is summed per partner exactly in minor units; the accruals are
    rounded once, all partners at a time, and cut to the cap; the claims are
    decided by cumulative sums per partner against each balance (a claim is
    granted ``min(cumulative ask, balance) − min(previous cumulative ask,
    balance)``), which is the filing-order rule of :func:`mdf_statement`.

    Parameters
    ----------
    program : MdfProgram
        The programme.
    sales : pandas.DataFrame
        Sales under :data:`PARTNER_SALES` (not mutated); rows outside
        ``period`` are not counted. Amounts are read to the minor unit.
    claims : pandas.DataFrame
        Claims under :data:`MDF_CLAIMS` (not mutated); those filed outside
        ``period`` are not decided.
    period : Period
        The period.
    openings : mapping of str to Decimal, optional
        Balance brought from the previous period per partner [currency],
        >= 0 (the previous ``carried``); 0 for partners not named.
    rounding : str
        :mod:`decimal` rounding mode of the accrual.

    Returns
    -------
    MdfFrames
        Totals, accrual lines and claim decisions per partner, and the rows
        that could not be used.

    Raises
    ------
    InvalidInputError
        An opening balance that is negative or finer than the minor unit.

    Examples
    --------
    >>> mdf = MdfProgram(name="MDF", currency="CNY", accrual_rate="0.02", period_cap=3000)
    >>> sales = pd.DataFrame({"deal_id": ["D1", "D2", "D3"], "partner_id": ["P1", "P2", "P2"],
    ...                       "sold_on": pd.to_datetime(["2026-01-09", "2026-02-01", "2026-03-01"]),
    ...                       "amount": [120000.0, 200000.0, 10000.0]})
    >>> claims = pd.DataFrame({"claim_id": ["C1", "C2", "C3"], "partner_id": ["P1", "P1", "P2"],
    ...                        "claimed_on": pd.to_datetime(["2026-02-01", "2026-03-01",
    ...                                                      "2026-03-02"]),
    ...                        "amount": [1800.0, 1000.0, 2000.0]})
    >>> out = mdf_frame(mdf, sales, claims, Period.quarter(2026, 1), openings={"P2": 100})
    >>> out.totals[["partner_id", "revenue", "accrued", "approved", "carried"]]
      partner_id    revenue  accrued approved  carried
    0         P1  120000.00  2400.00  2400.00     0.00
    1         P2  210000.00  3000.00  2000.00  1100.00
    >>> out.claims[["claim_id", "status", "approved", "refused"]]
      claim_id    status approved refused
    0       C1  approved  1800.00    0.00
    1       C2   partial   600.00  400.00
    2       C3  approved  2000.00    0.00
    """
    rounding = check_rounding(rounding)
    currency = program.currency
    mu = minor_unit(currency)
    scale = 10**mu
    start, end = (period.start - _EPOCH).days, (period.end - _EPOCH).days
    opening_minor: dict[str, int] = {}
    for pid, value in (openings or {}).items():
        d = _non_negative(value)
        _check_places(d, f"opening balance of partner {pid!r}", mu)
        opening_minor[str(pid)] = int(d * scale)
    valid, sale_failures = partition_frame(sales, PARTNER_SALES)
    sold = _day_numbers(valid["sold_on"])
    inside = (sold >= start) & (sold < end)
    sale_partner = valid["partner_id"].astype(str).to_numpy(dtype=object)[inside]
    sale_minor = floats_to_minor_units(valid["amount"].to_numpy(dtype=np.float64), mu)[inside]
    cvalid, claim_failures = partition_frame(claims, MDF_CLAIMS)
    filed = _day_numbers(cvalid["claimed_on"])
    cin = (filed >= start) & (filed < end)
    cv = cvalid[cin]
    claim_partner = cv["partner_id"].astype(str).to_numpy(dtype=object)
    names = np.array(
        sorted(set(sale_partner.tolist()) | set(claim_partner.tolist()) | set(opening_minor)),
        dtype=object,
    )
    k = len(names)
    sale_codes = np.searchsorted(names, sale_partner).astype(np.int64)
    revenue = np.array(_group_sum(sale_codes, sale_minor, k) if k else [], dtype=object)
    counts = np.bincount(sale_codes, minlength=k).astype(np.int64)
    rate = Fraction(program.accrual_rate)
    accrual = round_div(revenue * rate.numerator, rate.denominator, rounding)
    if program.period_cap is not None:
        cap = int(program.period_cap * scale)
        accrued = np.minimum(accrual, cap)
    else:
        cap, accrued = None, accrual
    opening = np.array([opening_minor.get(n, 0) for n in names], dtype=object)
    balance = opening + accrued
    # Claims: partner by partner in filing order, then id; granted by cumulative sums.
    claim_codes = np.searchsorted(names, claim_partner).astype(np.int64)
    claim_ids = cv["claim_id"].astype(str).to_numpy(dtype=object)
    order = np.lexsort((claim_ids, filed[cin], claim_codes))
    codes_sorted = claim_codes[order]
    asked = floats_to_minor_units(cv["amount"].to_numpy(dtype=np.float64), mu)[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = codes_sorted[1:] != codes_sorted[:-1]
    # Running sums per partner: int64 while the grand total fits, Python ints beyond.
    if int(asked.sum(dtype=np.float64)) < 2**62:
        run = np.cumsum(asked)
        starts = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
        cum = (run - run[starts] + asked[starts]).astype(object)
    else:
        cum = np.asarray(np.frompyfunc(int, 1, 1)(asked), dtype=object)
        for i in range(1, len(cum)):
            if not first[i]:
                cum[i] = cum[i - 1] + cum[i]
    asked = asked.astype(object)
    own = balance[codes_sorted] if len(order) else np.array([], dtype=object)
    upto = np.minimum(cum, own)
    prev_cum = np.where(first, 0, np.roll(cum, 1)) if len(order) else cum
    before_upto = np.minimum(prev_cum, own)
    granted = upto - before_upto
    before = own - before_upto
    after = own - upto
    approved = np.zeros(k, dtype=object)
    requested = np.zeros(k, dtype=object)
    np.add.at(approved, codes_sorted, granted)
    np.add.at(requested, codes_sorted, asked)
    activity = (
        cv["activity"].astype(object).where(cv["activity"].notna(), None).to_numpy(dtype=object)
        if "activity" in cv.columns
        else np.full(len(cv), None, dtype=object)
    )[order]
    status, en, zh = _claim_reasons(
        claim_ids[order].tolist(),
        activity.tolist(),
        asked.tolist(),
        granted.tolist(),
        before.tolist(),
        mu,
    )
    money = np.vectorize(lambda m: _money(int(m), mu), otypes=[object])
    claims_out = pd.DataFrame(
        {
            "partner_id": names[codes_sorted] if len(order) else np.array([], dtype=object),
            "claim_id": claim_ids[order],
            "claimed_on": pd.to_datetime(cv["claimed_on"]).dt.date.to_numpy(dtype=object)[order],
            "requested": money(asked) if len(order) else asked,
            "approved": money(granted) if len(order) else granted,
            "refused": money(asked - granted) if len(order) else asked,
            "status": pd.Series(status, dtype=object).to_numpy(),
            "balance_after": money(after) if len(order) else after,
            "approved_minor": granted.astype(np.int64),
            "reason_en": pd.Series(en, dtype=object).to_numpy(),
            "reason_zh": pd.Series(zh, dtype=object).to_numpy(),
        },
        index=cv.index[order],
    )
    pct = _pct(program.accrual_rate)
    line_rows: list[dict[str, object]] = []
    for j, pid in enumerate(names.tolist()):
        base, acc = _money(revenue[j], mu), _money(accrual[j], mu)
        line_rows.append(
            {
                "partner_id": pid,
                "kind": "accrual",
                "base": base,
                "rate": program.accrual_rate,
                "amount": acc,
                "amount_minor": int(accrual[j]),
                "reason_en": f"revenue {base} at {pct}: {acc} accrued",
                "reason_zh": f"收入 {base} 按 {pct} 计提市场发展基金 {acc}",
            }
        )
        if cap is not None and accrual[j] > cap:
            cut = int(accrual[j]) - cap
            line_rows.append(
                {
                    "partner_id": pid,
                    "kind": "cap",
                    "base": Decimal(0),
                    "rate": Decimal(0),
                    "amount": _money(-cut, mu),
                    "amount_minor": -cut,
                    "reason_en": (
                        f"accrual {acc} above the period cap {_money(cap, mu)}: "
                        f"{_money(cut, mu)} not accrued"
                    ),
                    "reason_zh": (
                        f"计提 {acc} 超过每期上限 {_money(cap, mu)}，{_money(cut, mu)} 不计提"
                    ),
                }
            )
    lines = pd.DataFrame(
        line_rows,
        columns=[
            "partner_id",
            "kind",
            "base",
            "rate",
            "amount",
            "amount_minor",
            "reason_en",
            "reason_zh",
        ],
    )
    lines["amount_minor"] = lines["amount_minor"].astype(np.int64)
    carried = balance - approved
    totals = pd.DataFrame(
        {
            "partner_id": names,
            "sales": counts,
            "revenue": money(revenue) if k else revenue,
            "opening": money(opening) if k else opening,
            "accrual": money(accrual) if k else accrual,
            "accrued": money(accrued) if k else accrued,
            "requested": money(requested) if k else requested,
            "approved": money(approved) if k else approved,
            "refused": money(requested - approved) if k else requested,
            "carried": money(carried) if k else carried,
            "accrued_minor": accrued.astype(np.int64),
            "approved_minor": approved.astype(np.int64),
            "carried_minor": carried.astype(np.int64),
        }
    )
    errors = pd.concat(
        [sale_failures.assign(table="sales"), claim_failures.assign(table="claims")],
        ignore_index=True,
    )
    errors = errors[["table", *(c for c in errors.columns if c != "table")]]
    return MdfFrames(
        program=program.name,
        period=period,
        currency=currency,
        totals=totals,
        lines=lines,
        claims=claims_out,
        errors=errors,
    )
