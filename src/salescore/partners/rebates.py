"""Volume and back-end rebates: the programmes, their statements and the bulk frame."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Literal, Self

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore._failures import Failures
from salescore._numeric import check_rounding, exact_decimals, floats_to_minor_units, round_fraction
from salescore.calendar import Period
from salescore.error_codes import FailureReason
from salescore.errors import InvalidInputError
from salescore.frames import partition_frame
from salescore.money import CurrencyCode, minor_unit
from salescore.partners._common import (
    _EPOCH,
    NonNegative,
    _check_places,
    _day_numbers,
    _group_sum,
    _money,
    _pct,
)
from salescore.partners._sales import _partner_sales
from salescore.partners.sales import PARTNER_SALES, PartnerSale
from salescore.serialization import Result

__all__ = [
    "BackEndRebate",
    "RebateFrames",
    "RebateLine",
    "RebateMode",
    "RebateStatement",
    "RebateTier",
    "VolumeRebate",
    "rebate_frame",
    "rebate_statement",
]


#: How a volume rebate reads its tiers: ``marginal`` pays each slice of the
#: volume at its own tier's rate; ``retroactive`` pays the whole volume at the
#: rate of the tier it reaches.
RebateMode = Literal["marginal", "retroactive"]


def _cumulative_round(exact: Sequence[Fraction], mu: int, rounding: str) -> list[int]:
    """Minor units per part, rounding the running total once per step.

    The parts sum to the rounded exact total, and each part is within one
    minor unit of its exact value.
    """
    scale = 10**mu
    out, running, done = [], Fraction(0), 0
    for value in exact:
        running += value
        upto = round_fraction(running * scale, rounding)
        out.append(upto - done)
        done = upto
    return out


class RebateTier(FrozenModel):
    """One row of a volume rebate table: ``[lower, upper)`` of volume and its rate.

    Parameters
    ----------
    lower : Decimal
        Volume where the tier starts [currency].
    upper : Decimal or None
        Volume where it ends [currency]; ``None`` for the open top tier.
    rate : Decimal
        Rebate per unit of volume in the tier [fraction], at most 8 decimal
        places (``0.02`` pays 2 percent).

    Examples
    --------
    >>> RebateTier(lower=0, upper=100000, rate="0.01").rate
    Decimal('0.01')
    """

    lower: NonNegative
    upper: NonNegative | None = None
    rate: NonNegative

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.upper is not None and self.upper <= self.lower:
            raise InvalidInputError(
                f"rebate tier upper {self.upper} is not above its lower {self.lower}; "
                "a tier must have upper > lower"
            )
        _check_places(self.rate, "rebate tier rate")
        return self


class VolumeRebate(FrozenModel):
    """A volume rebate: a rate on the partner's volume of the period, by tiers.

    Parameters
    ----------
    name : str
        The programme, shown on every statement line.
    currency : str
        ISO 4217 code of the volumes and the rebate.
    tiers : tuple of RebateTier
        Contiguous tiers from 0 (the first starts at 0, each starts where the
        previous ends, only the last may be open), with rates that do not
        fall from one tier to the next: a rebate must never pay a partner
        more for selling less.
    mode : {"marginal", "retroactive"}
        See :data:`RebateMode`. A volume on a boundary belongs to the tier
        that starts there.

    Examples
    --------
    >>> r = VolumeRebate(name="VR", currency="CNY", mode="retroactive",
    ...                  tiers=[RebateTier(lower=0, upper=100000, rate=0),
    ...                         RebateTier(lower=100000, rate="0.03")])
    >>> r.tier_at(Decimal(100000))
    2
    """

    name: str = Field(min_length=1)
    currency: CurrencyCode
    tiers: tuple[RebateTier, ...] = Field(min_length=1)
    mode: RebateMode = "marginal"

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.tiers[0].lower != 0:
            raise InvalidInputError(
                f"rebate {self.name!r} tier 1 starts at {self.tiers[0].lower}; "
                "the first tier must start at 0"
            )
        for i in range(1, len(self.tiers)):
            prev, tier = self.tiers[i - 1], self.tiers[i]
            if prev.upper is None or tier.lower != prev.upper:
                raise InvalidInputError(
                    f"rebate {self.name!r} tier {i + 1} starts at {tier.lower} but tier {i} "
                    f"ends at {prev.upper}; tiers must be contiguous (no gap or overlap)"
                )
            if tier.rate < prev.rate:
                raise InvalidInputError(
                    f"rebate {self.name!r} tier {i + 1} rate {tier.rate} is below tier {i} "
                    f"rate {prev.rate}; rates must not fall as volume grows"
                )
        return self

    def tier_at(self, volume: Decimal) -> int:
        """The tier (1-based) that ``volume`` [currency] reaches; 0 above a closed top."""
        for i, tier in enumerate(self.tiers, start=1):
            if tier.lower <= volume and (tier.upper is None or volume < tier.upper):
                return i
        return 0


class BackEndRebate(FrozenModel):
    """A back-end rebate: paid after the period on the volume above a growth threshold.

    The threshold is the partner's baseline (its volume of a reference
    period, agreed when the programme starts) grown by ``growth_threshold``:
    the rebate is ``rate × max(0, volume − baseline × (1 + growth_threshold))``,
    payable ``pay_after_days`` after the period ends.

    Parameters
    ----------
    name : str
        The programme, shown on every statement line.
    currency : str
        ISO 4217 code of the volumes and the rebate.
    rate : Decimal
        Rebate per unit of volume above the threshold [fraction], at most 8
        decimal places.
    growth_threshold : Decimal
        Growth over the baseline before the rebate starts [fraction], >= 0
        (``0.1`` = 10 percent above the baseline), at most 8 decimal places.
    baselines : dict of str to Decimal
        Baseline volume per partner id [currency], >= 0.
    pay_after_days : int
        Days after the period's end when the rebate is payable [days], >= 0.

    Examples
    --------
    >>> BackEndRebate(name="BE", currency="CNY", rate="0.05", growth_threshold="0.1",
    ...               baselines={"P1": 200000}).baselines["P1"]
    Decimal('200000')
    """

    name: str = Field(min_length=1)
    currency: CurrencyCode
    rate: NonNegative
    growth_threshold: NonNegative = Decimal(0)
    baselines: dict[str, NonNegative] = Field(default_factory=dict)
    pay_after_days: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_places(self.rate, f"back-end rebate {self.name!r} rate")
        _check_places(self.growth_threshold, f"back-end rebate {self.name!r} growth_threshold")
        return self


@dataclass(frozen=True)
class RebateLine(Result):
    """One explained line of a rebate statement.

    Parameters
    ----------
    kind : {"tier", "back_end"}
        A volume rebate's tier slice, or the back-end rebate.
    tier : int
        Tier number, 1-based; 0 on a back-end line and above a closed top tier.
    base : Decimal
        The volume paid on this line [currency].
    rate : Decimal
        Its rate [fraction].
    exact_amount : Decimal
        ``base × rate`` before rounding [currency].
    amount : Decimal
        Paid on the line [currency], rounded so the lines add up to the total.
    reason_en, reason_zh : str
        The line explained in English and Simplified Chinese.
    """

    kind: str
    tier: int
    base: Decimal
    rate: Decimal
    exact_amount: Decimal
    amount: Decimal
    reason_en: str
    reason_zh: str


@dataclass(frozen=True)
class RebateStatement(Result):
    """A partner's rebate for one period under one programme, explained.

    Parameters
    ----------
    program : str
        The programme's name.
    partner_id : str
        The partner.
    period : Period
        The period measured.
    currency : str
        ISO 4217 code of every amount.
    sales : int
        Sales of the partner in the period [count].
    volume : Decimal
        Their total amount [currency].
    threshold : Decimal or None
        Back-end rebates: the volume above which the rebate pays [currency].
    lines : tuple of RebateLine
        The explained lines.
    total : Decimal
        The rebate [currency]: the exact total rounded once; equals the sum
        of the line amounts.
    payable_on : date
        When the rebate is payable: the period's end for a volume rebate,
        ``pay_after_days`` later for a back-end rebate.
    """

    program: str
    partner_id: str
    period: Period
    currency: str
    sales: int
    volume: Decimal
    threshold: Decimal | None
    lines: tuple[RebateLine, ...]
    total: Decimal
    payable_on: date


_Part = tuple[str, int, Decimal, Decimal, str, str]


def _rebate_parts(
    program: VolumeRebate | BackEndRebate, partner_id: str, volume: Decimal, period: Period
) -> tuple[list[_Part], Decimal | None, date]:
    """The kernel of both rebate paths: the explained slices of one partner's volume."""
    parts: list[_Part] = []
    threshold: Decimal | None = None
    payable_on = period.end
    if isinstance(program, VolumeRebate):
        if program.mode == "marginal":
            for i, tier in enumerate(program.tiers, start=1):
                if volume <= tier.lower and not (i == 1 and volume == 0):
                    break
                top = volume if tier.upper is None else min(volume, tier.upper)
                base = top - tier.lower
                en = f"volume {tier.lower} to {top} at {_pct(tier.rate)}"
                zh = f"销量 {tier.lower} 至 {top} 部分按 {_pct(tier.rate)} 返利"
                parts.append(("tier", i, base, tier.rate, en, zh))
        else:
            i = program.tier_at(volume)
            rate = program.tiers[i - 1].rate if i else Decimal(0)
            if i:
                tier = program.tiers[i - 1]
                upper = "" if tier.upper is None else f" to {tier.upper}"
                en = (
                    f"volume {volume} reaches tier {i} (from {tier.lower}{upper}): "
                    f"all at {_pct(rate)}"
                )
                zh = f"销量 {volume} 达到第 {i} 档（{tier.lower} 起），全部按 {_pct(rate)} 返利"
            else:
                en = f"volume {volume} is above the top tier's {program.tiers[-1].upper}: no rate"
                zh = f"销量 {volume} 超出最高档上限 {program.tiers[-1].upper}，无返利率"
            parts.append(("tier", i, volume, rate, en, zh))
    else:
        if partner_id not in program.baselines:
            raise InvalidInputError(
                f"back-end rebate {program.name!r} has no baseline for partner {partner_id!r}; "
                f"baselines are given for {sorted(program.baselines)}"
            )
        baseline = program.baselines[partner_id]
        threshold = baseline * (1 + program.growth_threshold)
        above = max(Decimal(0), volume - threshold)
        payable_on = period.end + timedelta(days=program.pay_after_days)
        growth = _pct(program.growth_threshold)
        if above > 0:
            en = (
                f"volume {volume} is {above} above the threshold {threshold} "
                f"(baseline {baseline} + {growth}): {above} at {_pct(program.rate)}"
            )
            zh = (
                f"销量 {volume} 超过门槛 {threshold}（基准 {baseline} 增长 {growth}）"
                f" {above}，按 {_pct(program.rate)} 返利"
            )
        else:
            en = (
                f"volume {volume} does not exceed the threshold {threshold} "
                f"(baseline {baseline} + {growth}): no back-end rebate"
            )
            zh = f"销量 {volume} 未超过门槛 {threshold}（基准 {baseline} 增长 {growth}），无后返"
        parts.append(("back_end", 0, above, program.rate, en, zh))
    return parts, threshold, payable_on


def _rebate_lines(
    parts: list[_Part], mu: int, rounding: str
) -> tuple[tuple[RebateLine, ...], list[int]]:
    """The lines of the slices, rounded on their running total, and their minor units."""
    exact = [Fraction(base) * Fraction(rate) for _, _, base, rate, _, _ in parts]
    minors = _cumulative_round(exact, mu, rounding)
    lines = tuple(
        RebateLine(
            kind=kind,
            tier=tier_no,
            base=base,
            rate=rate,
            exact_amount=base * rate,
            amount=_money(m, mu),
            reason_en=f"{en}: {_money(m, mu)}",
            reason_zh=f"{zh}：{_money(m, mu)}",
        )
        for (kind, tier_no, base, rate, en, zh), m in zip(parts, minors, strict=True)
    )
    return lines, minors


@exact_decimals
def rebate_statement(
    program: VolumeRebate | BackEndRebate,
    partner_id: str,
    sales: Sequence[PartnerSale],
    period: Period,
    *,
    rounding: str = ROUND_HALF_EVEN,
) -> RebateStatement:
    """A partner's rebate for ``period`` under a volume or back-end rebate, explained.

    Parameters
    ----------
    program : VolumeRebate or BackEndRebate
        The programme.
    partner_id : str
        The partner; sales of other partners are not counted.
    sales : sequence of PartnerSale
        Sales; those of ``partner_id`` with ``sold_on`` in ``period`` make
        the volume [currency], with at most the currency's decimal places.
    period : Period
        The period measured.
    rounding : str
        :mod:`decimal` rounding mode of the total, applied once (the lines
        are rounded on their running total, so they add up to it).

    Returns
    -------
    RebateStatement
        The volume, the explained lines and the total.

    Raises
    ------
    InvalidInputError
        A back-end rebate has no baseline for ``partner_id``; a sale amount
        has more decimal places than the currency.

    Examples
    --------
    >>> from datetime import date
    >>> vr = VolumeRebate(name="VR", currency="CNY", mode="marginal",
    ...                   tiers=[RebateTier(lower=0, upper=100000, rate="0.01"),
    ...                          RebateTier(lower=100000, rate="0.03")])
    >>> sales = [PartnerSale(deal_id="D1", partner_id="P1", sold_on=date(2026, 1, 9),
    ...                      amount="80000"),
    ...          PartnerSale(deal_id="D2", partner_id="P1", sold_on=date(2026, 2, 9),
    ...                      amount="70000.50")]
    >>> st = rebate_statement(vr, "P1", sales, Period.quarter(2026, 1))
    >>> for line in st.lines:
    ...     print(line.tier, line.base, line.amount, line.reason_en)
    1 100000 1000.00 volume 0 to 100000 at 1%: 1000.00
    2 50000.50 1500.02 volume 100000 to 150000.50 at 3%: 1500.02
    >>> st.total
    Decimal('2500.02')
    """
    rounding = check_rounding(rounding)
    currency = program.currency
    mu = minor_unit(currency)
    count, volume = _partner_sales(sales, partner_id, period, currency)
    parts, threshold, payable_on = _rebate_parts(program, partner_id, volume, period)
    lines, minors = _rebate_lines(parts, mu, rounding)
    return RebateStatement(
        program=program.name,
        partner_id=partner_id,
        period=period,
        currency=currency,
        sales=count,
        volume=volume,
        threshold=threshold,
        lines=lines,
        total=_money(sum(minors), mu),
        payable_on=payable_on,
    )


@dataclass(frozen=True)
class RebateFrames(Result):
    """The rebates of every partner of a sales frame under one programme.

    Parameters
    ----------
    program : str
        The programme's name.
    period : Period
        The period measured.
    currency : str
        ISO 4217 code of every amount.
    totals : pandas.DataFrame
        One row per partner with sales in the period, by ``partner_id``:
        ``sales`` [count], ``volume`` [currency, Decimal], ``threshold``
        (back-end rebates; ``None`` otherwise), ``total`` [currency,
        Decimal], ``total_minor`` and ``payable_on``; the same numbers as
        :func:`rebate_statement` for each partner.
    lines : pandas.DataFrame
        The statements' lines, with ``partner_id`` first and
        ``amount_minor`` beside ``amount``; per partner they add up to ``total``.
    errors : pandas.DataFrame
        Rows that could not be used (``row``, ``column``, ``value``,
        ``reason``): contract failures, and sales of partners without a
        back-end baseline (``no_baseline``).
    """

    program: str
    period: Period
    currency: str
    totals: pd.DataFrame
    lines: pd.DataFrame
    errors: pd.DataFrame


@exact_decimals
def rebate_frame(
    program: VolumeRebate | BackEndRebate,
    sales: pd.DataFrame,
    period: Period,
    *,
    rounding: str = ROUND_HALF_EVEN,
) -> RebateFrames:
    """Every partner's rebate for ``period`` from a frame of sales (the bulk twin).

    Volumes are summed per partner exactly, in minor units, then each runs
    through the same kernel as :func:`rebate_statement`.

    Parameters
    ----------
    program : VolumeRebate or BackEndRebate
        The programme.
    sales : pandas.DataFrame
        Sales under :data:`PARTNER_SALES` (not mutated); rows with
        ``sold_on`` outside ``period`` are not counted.
    period : Period
        The period measured.
    rounding : str
        :mod:`decimal` rounding mode, as in :func:`rebate_statement`.

    Returns
    -------
    RebateFrames
        Totals and lines per partner, and the rows that could not be used.

    Examples
    --------
    >>> vr = VolumeRebate(name="VR", currency="CNY", mode="retroactive",
    ...                   tiers=[RebateTier(lower=0, upper=100000, rate="0.01"),
    ...                          RebateTier(lower=100000, rate="0.03")])
    >>> df = pd.DataFrame({"deal_id": ["D1", "D2", "D3", "D4"],
    ...                    "partner_id": ["P1", "P1", "P2", "P2"],
    ...                    "sold_on": pd.to_datetime(["2026-01-09", "2026-02-09",
    ...                                               "2026-03-01", "2026-04-01"]),
    ...                    "amount": [80000.0, 70000.5, 5000.0, 9.0]})
    >>> frames = rebate_frame(vr, df, Period.quarter(2026, 1))
    >>> frames.totals[["partner_id", "sales", "volume", "total"]]
      partner_id  sales     volume    total
    0         P1      2  150000.50  4500.02
    1         P2      1    5000.00    50.00
    """
    rounding = check_rounding(rounding)
    currency = program.currency
    mu = minor_unit(currency)
    valid, failures = partition_frame(sales, PARTNER_SALES)
    problems = Failures(valid)
    sold = _day_numbers(valid["sold_on"])
    start, end = (period.start - _EPOCH).days, (period.end - _EPOCH).days
    inside = (sold >= start) & (sold < end)
    partner = valid["partner_id"].astype(str).to_numpy(dtype=object)
    if isinstance(program, BackEndRebate):
        unknown = np.array([p not in program.baselines for p in partner], dtype=bool)
        problems.add("partner_id", FailureReason.NO_BASELINE, unknown & inside, values=partner)
        inside &= ~unknown
    minor = floats_to_minor_units(valid["amount"].to_numpy(dtype=np.float64), mu)
    codes, names = pd.factorize(partner[inside], sort=True)
    k = len(names)
    volumes = _group_sum(codes.astype(np.int64), minor[inside], k)
    counts = np.bincount(codes, minlength=k).astype(np.int64)
    total_rows: list[dict[str, object]] = []
    line_rows: list[dict[str, object]] = []
    for j, pid in enumerate(str(n) for n in names):
        volume = _money(volumes[j], mu)
        parts, threshold, payable_on = _rebate_parts(program, pid, volume, period)
        lines, minors = _rebate_lines(parts, mu, rounding)
        total_rows.append(
            {
                "partner_id": pid,
                "sales": int(counts[j]),
                "volume": volume,
                "threshold": threshold,
                "total": _money(sum(minors), mu),
                "total_minor": sum(minors),
                "payable_on": payable_on,
            }
        )
        for line, m in zip(lines, minors, strict=True):
            line_rows.append(
                {
                    "partner_id": pid,
                    "kind": line.kind,
                    "tier": line.tier,
                    "base": line.base,
                    "rate": line.rate,
                    "exact_amount": line.exact_amount,
                    "amount": line.amount,
                    "amount_minor": m,
                    "reason_en": line.reason_en,
                    "reason_zh": line.reason_zh,
                }
            )
    totals = pd.DataFrame(
        total_rows,
        columns=[
            "partner_id",
            "sales",
            "volume",
            "threshold",
            "total",
            "total_minor",
            "payable_on",
        ],
    )
    lines_frame = pd.DataFrame(
        line_rows,
        columns=[
            "partner_id",
            "kind",
            "tier",
            "base",
            "rate",
            "exact_amount",
            "amount",
            "amount_minor",
            "reason_en",
            "reason_zh",
        ],
    )
    for table, ints in (
        (totals, ("sales", "total_minor")),
        (lines_frame, ("tier", "amount_minor")),
    ):
        for col in ints:
            table[col] = table[col].astype(np.int64)
    totals["threshold"] = totals["threshold"].astype(object)
    errors = (
        pd.concat([failures, problems.table()], ignore_index=True) if len(problems) else failures
    )
    return RebateFrames(
        program=program.name,
        period=period,
        currency=currency,
        totals=totals,
        lines=lines_frame,
        errors=errors,
    )
