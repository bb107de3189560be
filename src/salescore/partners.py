"""Channels and partners (渠道管理): partner programmes, tiers, channel performance, conflicts.

Partner programmes are plan data, in the style of the commission engine:
frozen models that round-trip through JSON, so a CRM can store and edit them.

- :class:`VolumeRebate` pays a rate on the partner's volume of the period,
  by tiers read ``marginal`` (each slice at its tier's rate) or
  ``retroactive`` (the whole volume at the rate of the tier reached);
- :class:`BackEndRebate` pays, after the period, a rate on the volume above
  a growth threshold over the partner's baseline;
- :class:`MdfProgram` accrues market development funds (MDF) as a share of
  revenue with a cap per period; claims are approved against the balance.

:func:`rebate_statement` and :func:`mdf_statement` explain every line in
English and Simplified Chinese; money is ``Decimal`` in major units, rounded
once, and the lines add up to the totals to the minor unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Annotated, Any, Final, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import AwareDatetime, BeforeValidator, Field, model_validator

from salescore._base import FrozenModel
from salescore._failures import Failures
from salescore._numeric import (
    DECIMAL_CONTEXT,
    check_rounding,
    exact_decimals,
    floats_to_minor_units,
    largest_remainder,
    round_div,
    round_fraction,
    to_decimal,
    to_fraction,
    to_minor_units,
)
from salescore.calendar import Period
from salescore.error_codes import FailureReason
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.frames import (
    OPPORTUNITIES,
    Column,
    FrameContract,
    empty_failures,
    partition_frame,
)
from salescore.models import Channel, Opportunity, Pipeline, StageKind
from salescore.models._fields import Identifier, Number, OptionalText
from salescore.money import CurrencyCode, minor_unit
from salescore.serialization import Result

__all__ = [
    "CHANNEL_CLAIMS",
    "BackEndRebate",
    "ChannelClaim",
    "ChannelConflicts",
    "ChannelPerformance",
    "ClaimDecision",
    "MDF_CLAIMS",
    "MdfClaim",
    "MdfFrames",
    "MdfLine",
    "MdfProgram",
    "MdfStatement",
    "PartnerPeriod",
    "PartnerSale",
    "PartnerTier",
    "PartnerTierRule",
    "PartnerTiers",
    "PARTNER_SALES",
    "RebateFrames",
    "RebateLine",
    "RebateMode",
    "RebateStatement",
    "RebateTier",
    "TierChange",
    "VolumeRebate",
    "ConflictRule",
    "channel_conflicts",
    "channel_performance",
    "mdf_frame",
    "mdf_statement",
    "partner_tiers",
    "rebate_frame",
    "rebate_statement",
]

#: How a volume rebate reads its tiers: ``marginal`` pays each slice of the
#: volume at its own tier's rate; ``retroactive`` pays the whole volume at the
#: rate of the tier it reaches.
RebateMode = Literal["marginal", "retroactive"]
_MAX_PLACES: Final = 8
_HUNDREDTH: Final = Decimal("0.01")


def _non_negative(value: object) -> Decimal:
    result = to_decimal(value, what="value")
    if result < 0:
        raise InvalidInputError(f"value {value!r} is negative; it must be >= 0")
    return result


NonNegative = Annotated[Decimal, BeforeValidator(_non_negative)]


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite by construction
    return max(0, -exponent)


def _check_places(value: Decimal, what: str, places: int = _MAX_PLACES) -> None:
    if _places(value) > places:
        raise InvalidInputError(f"{what} {value} has more than {places} decimal places")


def _pct(value: Decimal) -> str:
    text = f"{value * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _money(minor: int, mu: int) -> Decimal:
    return Decimal(minor).scaleb(-mu)


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


# --------------------------------------------------------------------------- inputs
class PartnerSale(FrozenModel):
    """One sale booked through a partner: what rebates and MDF are measured on.

    Parameters
    ----------
    deal_id : str
        The deal or order.
    partner_id : str
        The partner (channel) that sold it.
    sold_on : date
        The booking date; the sale counts in the period that contains it.
    amount : Decimal
        Net revenue of the sale [currency of the programme], >= 0.

    Examples
    --------
    >>> from datetime import date
    >>> PartnerSale(deal_id="D1", partner_id="P1", sold_on=date(2026, 2, 3), amount="1200").amount
    Decimal('1200')
    """

    deal_id: Identifier
    partner_id: Identifier
    sold_on: date
    amount: NonNegative


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


# --------------------------------------------------------------------------- programmes
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


# --------------------------------------------------------------------------- results
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


# --------------------------------------------------------------------------- statements
def _partner_sales(
    sales: Sequence[PartnerSale], partner_id: str, period: Period, currency: str
) -> tuple[int, Decimal]:
    mu = minor_unit(currency)
    count, volume = 0, Decimal(0)
    for s in sales:
        if not isinstance(s, PartnerSale):
            raise InvalidInputError(f"sale {s!r} is a {type(s).__name__}; give PartnerSale models")
        if s.partner_id != partner_id or not period.contains(s.sold_on):
            continue
        _check_places(s.amount, f"sale {s.deal_id!r} amount", mu)
        count += 1
        volume += s.amount
    return count, volume


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


#: Partner sales, one per row (see :class:`PartnerSale`): the bulk input of
#: :func:`rebate_frame`.
PARTNER_SALES: Final = FrameContract(
    "partner_sales",
    (
        Column("deal_id", "string", nonblank=True, description="the deal or order"),
        Column("partner_id", "string", nonblank=True, description="the partner that sold it"),
        Column("sold_on", "date", description="the booking date"),
        Column("amount", "float", non_negative=True, description="net revenue [currency]"),
    ),
    (),
    "one sale per row, in the programme's currency",
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


# --------------------------------------------------------------------------- partner tiers
#: How a partner's tier moved in a period: ``new`` (its first period),
#: ``promoted``, ``kept`` (it meets its tier), ``held`` (below its tier, but
#: not yet for ``demote_after`` periods in a row) or ``demoted``.
TierChange = Literal["new", "promoted", "kept", "held", "demoted"]


class PartnerTier(FrozenModel):
    """One partner tier (Gold, Silver, ...) and what a period must show to meet it.

    Parameters
    ----------
    name : str
        The tier's name.
    min_revenue : Decimal
        Least revenue in the period [currency], >= 0.
    min_deals : int
        Least deals won in the period [count], >= 0.
    min_growth : Decimal, optional
        Least revenue growth over the partner's previous period [fraction]
        (``0.1`` = 10 percent); a period whose growth is unknown does not meet it.
    certifications : tuple of str
        Certifications the partner must hold, all of them.

    Examples
    --------
    >>> PartnerTier(name="Gold", min_revenue=1000000, certifications=["cloud"]).certifications
    ('cloud',)
    """

    name: str = Field(min_length=1)
    min_revenue: NonNegative = Decimal(0)
    min_deals: int = Field(default=0, ge=0)
    min_growth: Number | None = None
    certifications: tuple[str, ...] = ()


class PartnerTierRule(FrozenModel):
    """Partner tiers by performance, with hysteresis.

    Each period a partner *qualifies* for the highest tier whose every
    threshold the period meets. It is *promoted* as soon as it qualifies
    for a tier above its own; it is *demoted* only after ``demote_after``
    consecutive periods below its tier, and then to the best tier it
    qualified for during those periods. One bad quarter never demotes
    (unless ``demote_after`` is 1).

    Parameters
    ----------
    tiers : tuple of PartnerTier
        Lowest first; names unique. Each tier asks at least what the one
        below asks (revenue, deals, growth, certifications), so meeting a
        tier means meeting every tier below it.
    entry : str
        The level below every tier (a partner that meets none), default
        ``"registered"``.
    demote_after : int
        Consecutive periods below its tier before a partner is demoted, >= 1.

    Examples
    --------
    >>> rule = PartnerTierRule(tiers=[PartnerTier(name="Silver", min_revenue=100000),
    ...                               PartnerTier(name="Gold", min_revenue=500000)])
    >>> rule.names
    ('registered', 'Silver', 'Gold')
    """

    tiers: tuple[PartnerTier, ...] = Field(min_length=1)
    entry: str = Field(default="registered", min_length=1)
    demote_after: int = Field(default=2, ge=1)

    @model_validator(mode="after")
    def _check(self) -> Self:
        names = self.names
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InvalidInputError(
                f"partner tier names {twice} appear more than once (entry {self.entry!r} "
                "included); names must be unique"
            )
        for lower, upper in zip(self.tiers, self.tiers[1:], strict=False):
            weaker = []
            if upper.min_revenue < lower.min_revenue:
                weaker.append(f"min_revenue {upper.min_revenue} < {lower.min_revenue}")
            if upper.min_deals < lower.min_deals:
                weaker.append(f"min_deals {upper.min_deals} < {lower.min_deals}")
            if lower.min_growth is not None and (
                upper.min_growth is None or upper.min_growth < lower.min_growth
            ):
                weaker.append(f"min_growth {upper.min_growth} < {lower.min_growth}")
            missing = sorted(set(lower.certifications) - set(upper.certifications))
            if missing:
                weaker.append(f"certifications lack {missing}")
            if weaker:
                raise InvalidInputError(
                    f"partner tier {upper.name!r} asks less than {lower.name!r} below it "
                    f"({'; '.join(weaker)}); each tier must ask at least what the one below asks"
                )
        return self

    @property
    def names(self) -> tuple[str, ...]:
        """The levels from the bottom: ``entry``, then the tiers."""
        return (self.entry, *(t.name for t in self.tiers))


class PartnerPeriod(FrozenModel):
    """What a partner showed in one period: the input of :func:`partner_tiers`.

    Parameters
    ----------
    partner_id : str
        The partner.
    period : Period
        The period.
    revenue : Decimal
        Revenue in the period [currency], >= 0.
    deals : int
        Deals won in the period [count], >= 0.
    growth : Decimal, optional
        Revenue growth over the previous period [fraction]. When ``None``,
        it is computed from the partner's record of the period just before
        (ending where this one starts) when that revenue is above 0; else unknown.
    certifications : tuple of str
        Certifications the partner holds in the period.

    Examples
    --------
    >>> PartnerPeriod(partner_id="P1", period=Period.quarter(2026, 1), revenue=120000,
    ...               deals=4).growth is None
    True
    """

    partner_id: Identifier
    period: Period
    revenue: NonNegative
    deals: int = Field(default=0, ge=0)
    growth: Number | None = None
    certifications: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartnerTiers(Result):
    """Each partner's tier per period, and why.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per partner and period, by partner then period: ``partner_id``,
        ``period`` (label), ``period_start``, ``period_end`` (exclusive),
        ``revenue`` [currency, Decimal], ``deals`` [count], ``growth``
        [fraction, NaN when unknown], ``qualified`` (the tier the period
        meets), ``tier`` (the tier held after the period), ``change`` (see
        :data:`TierChange`), ``periods_below`` (consecutive periods below
        the tier held, counting this one; 0 when it meets it) and
        ``reason_en``, ``reason_zh``.
    """

    table: pd.DataFrame

    def tier_of(self, partner_id: str, period: Period) -> str:
        """The tier ``partner_id`` holds after ``period``."""
        t = self.table
        hit = t[(t["partner_id"] == partner_id) & (t["period_start"] == period.start)]
        hit = hit[hit["period_end"] == period.end]
        if hit.empty:
            raise InvalidInputError(
                f"partner {partner_id!r} has no tier in period {period}; it was not in the history"
            )
        return str(hit["tier"].iloc[0])


def _shortfalls(
    tier: PartnerTier, rec: PartnerPeriod, growth: Fraction | None
) -> list[tuple[str, str]]:
    out = []
    if rec.revenue < tier.min_revenue:
        out.append(
            (
                f"revenue {rec.revenue} < {tier.min_revenue}",
                f"收入 {rec.revenue} 低于 {tier.min_revenue}",
            )
        )
    if rec.deals < tier.min_deals:
        out.append(
            (
                f"{rec.deals} deals < {tier.min_deals}",
                f"成交 {rec.deals} 单少于 {tier.min_deals} 单",
            )
        )
    if tier.min_growth is not None:
        need = _pct(tier.min_growth)
        if growth is None:
            out.append((f"growth unknown (needs {need})", f"增长率未知（要求 {need}）"))
        elif growth < Fraction(tier.min_growth):
            pct = DECIMAL_CONTEXT.divide(
                Decimal(growth.numerator * 100), Decimal(growth.denominator)
            )
            g = f"{pct.quantize(_HUNDREDTH, rounding=ROUND_HALF_EVEN, context=DECIMAL_CONTEXT)}%"
            out.append((f"growth {g} < {need}", f"增长 {g} 低于 {need}"))
    missing = sorted(set(tier.certifications) - set(rec.certifications))
    if missing:
        out.append(
            (f"missing certifications {', '.join(missing)}", f"缺少认证 {'、'.join(missing)}")
        )
    return out


def _joined(parts: list[tuple[str, str]]) -> tuple[str, str]:
    return "; ".join(p[0] for p in parts), "；".join(p[1] for p in parts)


def _history(history: Sequence[PartnerPeriod] | pd.DataFrame) -> list[PartnerPeriod]:
    if not isinstance(history, pd.DataFrame):
        for h in history:
            if not isinstance(h, PartnerPeriod):
                raise InvalidInputError(
                    f"history item {h!r} is a {type(h).__name__}; give PartnerPeriod models "
                    "or a frame"
                )
        return list(history)
    need = ["partner_id", "period_start", "period_end", "revenue"]
    lacking = [c for c in need if c not in history.columns]
    if lacking:
        raise InvalidInputError(
            f"history frame lacks columns {lacking}; it needs {need} "
            "(and optionally deals, growth, certifications)"
        )
    out = []
    for label, row in zip(history.index, history.to_dict("records"), strict=True):
        certs = row.get("certifications")
        if certs is None or (isinstance(certs, float) and certs != certs):
            certs = ()
        elif isinstance(certs, str):
            certs = tuple(c.strip() for c in certs.split(",") if c.strip())
        growth = row.get("growth")
        if growth is not None and isinstance(growth, float) and growth != growth:
            growth = None
        try:
            out.append(
                PartnerPeriod(
                    partner_id=row["partner_id"],
                    period=Period(
                        start=pd.Timestamp(row["period_start"]).date(),
                        end=pd.Timestamp(row["period_end"]).date(),
                    ),
                    revenue=row["revenue"],
                    deals=int(row.get("deals", 0)),
                    growth=None if growth is None else to_decimal(growth, what="growth"),
                    certifications=tuple(certs),
                )
            )
        except InvalidInputError as exc:
            raise type(exc)(f"history row {label!r}: {exc}") from exc
    return out


@exact_decimals
def partner_tiers(
    rule: PartnerTierRule, history: Sequence[PartnerPeriod] | pd.DataFrame
) -> PartnerTiers:
    """Each partner's tier per period under ``rule``, with hysteresis, explained.

    Parameters
    ----------
    rule : PartnerTierRule
        The tiers and ``demote_after``.
    history : sequence of PartnerPeriod or pandas.DataFrame
        One record per partner and period, in any order; a frame has the
        columns ``partner_id``, ``period_start``, ``period_end`` (exclusive),
        ``revenue`` and optionally ``deals``, ``growth`` and
        ``certifications`` (a list or a comma-separated string). A partner's
        periods must not overlap; they are read in date order, and the
        periods a partner has no record for are not counted.

    Returns
    -------
    PartnerTiers
        Per partner and period the tier and the reason, in English and Chinese.

    Examples
    --------
    >>> rule = PartnerTierRule(tiers=[PartnerTier(name="Silver", min_revenue=100000),
    ...                               PartnerTier(name="Gold", min_revenue=500000)])
    >>> hist = [PartnerPeriod(partner_id="P1", period=Period.quarter(2026, q), revenue=r)
    ...         for q, r in [(1, 600000), (2, 300000), (3, 200000), (4, 700000)]]
    >>> tiers = partner_tiers(rule, hist)
    >>> out = tiers.table
    >>> out[["period", "qualified", "tier", "change"]]
        period qualified    tier    change
    0  2026-Q1      Gold    Gold       new
    1  2026-Q2    Silver    Gold      held
    2  2026-Q3    Silver  Silver   demoted
    3  2026-Q4      Gold    Gold  promoted
    >>> out.loc[1, "reason_en"]
    'stays Gold although below it (revenue 300000 < 500000): 1 of 2 periods below before demotion'
    """
    records = sorted(_history(history), key=lambda r: (r.partner_id, r.period.start, r.period.end))
    names = rule.names
    rows: list[dict[str, object]] = []
    previous: PartnerPeriod | None = None
    level = below = best = 0
    for rec in records:
        first = previous is None or previous.partner_id != rec.partner_id
        if not first and previous is not None and rec.period.start < previous.period.end:
            raise InvalidInputError(
                f"partner {rec.partner_id!r} periods {previous.period} and {rec.period} "
                "overlap; give one record per period"
            )
        growth: Fraction | None = None
        if rec.growth is not None:
            growth = Fraction(rec.growth)
        elif (
            not first
            and previous is not None
            and previous.period.end == rec.period.start
            and previous.revenue > 0
        ):
            growth = Fraction(rec.revenue) / Fraction(previous.revenue) - 1
        short = [_shortfalls(t, rec, growth) for t in rule.tiers]
        qualified = 0
        for i, s in enumerate(short, start=1):
            if not s:
                qualified = i
        q_name = names[qualified]
        meets_en = f"meets {q_name}" if qualified else f"meets no tier ({_joined(short[0])[0]})"
        meets_zh = f"达到 {q_name}" if qualified else f"未达任何等级（{_joined(short[0])[1]}）"
        if first:
            level, below, change = qualified, 0, "new"
            en, zh = f"first period: {meets_en}", f"首期：{meets_zh}"
        elif qualified > level:
            en = f"promoted from {names[level]} to {q_name}: {meets_en}"
            zh = f"由 {names[level]} 晋升为 {q_name}：{meets_zh}"
            level, below, change = qualified, 0, "promoted"
        elif qualified == level:
            below, change = 0, "kept"
            en, zh = f"stays {q_name}: {meets_en}", f"保持 {q_name}：{meets_zh}"
        else:
            below += 1
            best = qualified if below == 1 else max(best, qualified)
            why_en, why_zh = _joined(short[level - 1])
            current = names[level]
            if below >= rule.demote_after:
                en = (
                    f"demoted from {current} to {names[best]} after {below} consecutive "
                    f"periods below {current} ({why_en})"
                )
                zh = f"连续 {below} 期未达 {current}（{why_zh}），由 {current} 降为 {names[best]}"
                level, below, change = best, 0, "demoted"
            else:
                change = "held"
                en = (
                    f"stays {current} although below it ({why_en}): {below} of "
                    f"{rule.demote_after} periods below before demotion"
                )
                zh = (
                    f"本期未达 {current}（{why_zh}），仍保持 {current}："
                    f"连续 {below} 期，满 {rule.demote_after} 期才降级"
                )
        rows.append(
            {
                "partner_id": rec.partner_id,
                "period": rec.period.label,
                "period_start": rec.period.start,
                "period_end": rec.period.end,
                "revenue": rec.revenue,
                "deals": rec.deals,
                "growth": float("nan") if growth is None else float(growth),
                "qualified": q_name,
                "tier": names[level],
                "change": change,
                "periods_below": below,
                "reason_en": en,
                "reason_zh": zh,
            }
        )
        previous = rec
    columns = [
        "partner_id",
        "period",
        "period_start",
        "period_end",
        "revenue",
        "deals",
        "growth",
        "qualified",
        "tier",
        "change",
        "periods_below",
        "reason_en",
        "reason_zh",
    ]
    table = pd.DataFrame(rows, columns=columns)
    table["deals"] = table["deals"].astype(np.int64)
    table["periods_below"] = table["periods_below"].astype(np.int64)
    table["growth"] = table["growth"].astype(np.float64)
    return PartnerTiers(table=table)


# --------------------------------------------------------------------------- channels
_NEVER: Final = np.iinfo(np.int64).max
_EPOCH: Final = date(1970, 1, 1)

_PERFORMANCE_COLUMNS: Final = (
    "channel_id",
    "won",
    "lost",
    "revenue",
    "revenue_minor",
    "share",
    "previous_revenue",
    "previous_revenue_minor",
    "growth",
    "win_rate",
    "average_cycle_days",
    "partner_commission_rate",
    "partner_margin",
    "partner_margin_minor",
)


@dataclass(frozen=True)
class ChannelPerformance(Result):
    """Revenue, share, growth, win rate, cycle time and partner margin by channel.

    Parameters
    ----------
    period : Period
        The period measured: deals count by their ``close_date`` in it.
    previous : Period or None
        The period growth is measured against, if given.
    currency : str or None
        ISO 4217 code of every amount (``None`` when there were no deals).
    table : pandas.DataFrame
        One row per channel, sorted by ``channel_id`` (deals without a
        channel last, with ``channel_id`` ``None``; channels given in
        ``channels`` without deals too): ``won``, ``lost`` (deals won and
        lost with a close date in the period [count]); ``revenue`` (won
        amount [currency], ``Decimal``) and ``revenue_minor``; ``share``
        (of all channels' revenue [fraction], NaN when there is none);
        ``previous_revenue`` / ``previous_revenue_minor`` (in ``previous``;
        ``None`` / ``<NA>`` without it); ``growth`` (``revenue ÷
        previous_revenue − 1`` [fraction], NaN without a previous revenue);
        ``win_rate`` (``won ÷ (won + lost)`` [fraction], NaN when none
        closed); ``average_cycle_days`` (mean days from ``created_on`` to
        ``close_date`` of the won deals [days], NaN when none); and
        ``partner_commission_rate`` [fraction], ``partner_margin`` (revenue ×
        rate, rounded once [currency]) and ``partner_margin_minor``, from the
        :class:`~salescore.models.Channel` given (NaN / ``None`` / ``<NA>``
        when the channel has no rate or is not given).
    revenue : Decimal
        All channels' revenue [currency].
    errors : pandas.DataFrame
        Rows that could not be used (``row``, ``column``, ``value``,
        ``reason``): failures of the frame contract, unknown stages
        (``unknown_stage``) and won deals without a close date
        (``missing_close_date``). Never dropped silently.
    """

    period: Period
    previous: Period | None
    currency: str | None
    table: pd.DataFrame
    revenue: Decimal
    errors: pd.DataFrame


def _day_numbers(values: pd.Series[Any]) -> npt.NDArray[np.int64]:
    days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    out = days.astype(np.int64)
    out[np.isnat(days)] = _NEVER
    return out


def _group_sum(codes: npt.NDArray[np.int64], values: npt.NDArray[np.int64], n: int) -> list[int]:
    """Exact integer sums per code (pandas sums int64 without going through float)."""
    if not len(codes):
        return [0] * n
    sums = pd.Series(values).groupby(codes).sum()
    out = [0] * n
    for code, total in zip(sums.index.tolist(), sums.tolist(), strict=True):
        out[code] = int(total)
    return out


@exact_decimals
def channel_performance(
    opportunities: Sequence[Opportunity] | pd.DataFrame,
    pipeline: Pipeline,
    *,
    period: Period,
    previous: Period | None = None,
    channels: Sequence[Channel] | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> ChannelPerformance:
    """Channel performance in ``period``: revenue, share, growth, win rate, cycle, margin.

    Parameters
    ----------
    opportunities : sequence of Opportunity or pandas.DataFrame
        Deals in one currency, as models or an
        :data:`~salescore.frames.OPPORTUNITIES` frame (not mutated). A frame
        row that fails the contract, names a stage the pipeline does not
        have, or is won without a close date goes to ``errors``; a model
        with an unknown stage raises.
    pipeline : Pipeline
        Says which stages are won and lost.
    period : Period
        The period: deals count by their ``close_date`` in it.
    previous : Period, optional
        The period growth is measured against (the quarter before, the same
        quarter a year ago).
    channels : sequence of Channel, optional
        Channels with their ``partner_commission_rate``; each gets a row,
        with or without deals.
    rounding : str
        :mod:`decimal` rounding mode of the partner margin.

    Returns
    -------
    ChannelPerformance
        One row per channel; the counts and ``revenue_minor`` add across
        partitions of the deals.

    Raises
    ------
    CurrencyMismatchError
        The deals are in more than one currency.

    Examples
    --------
    >>> from salescore.models import Channel, Stage
    >>> pipe = Pipeline(stages=(Stage(name="Open", order=0, probability=0.2),
    ...     Stage(name="Won", order=1, probability=1, kind="won"),
    ...     Stage(name="Lost", order=2, probability=0, kind="lost")))
    >>> df = pd.DataFrame({"id": ["A", "B", "C", "D"], "owner_id": "R1",
    ...     "amount": [100.0, 60.0, 300.0, 50.0], "currency": "CNY",
    ...     "stage": ["Won", "Lost", "Won", "Won"], "channel_id": ["web", "web", "tmall", "web"],
    ...     "created_on": pd.to_datetime(["2026-01-05", "2026-01-09", "2026-02-02", "2025-11-02"]),
    ...     "close_date": pd.to_datetime(["2026-02-04", "2026-02-10", "2026-03-01", "2025-12-01"])})
    >>> tmall = Channel(id="tmall", name="Tmall", kind="marketplace", segment="B2C",
    ...                 partner_commission_rate=0.05)
    >>> out = channel_performance(df, pipe, period=Period.quarter(2026, 1),
    ...                           previous=Period.quarter(2025, 4), channels=[tmall])
    >>> print(out.table[["channel_id", "won", "revenue", "share", "growth", "win_rate",
    ...     "average_cycle_days", "partner_margin"]].to_string(index=False))
    channel_id  won revenue  share  growth  win_rate  average_cycle_days partner_margin
         tmall    1  300.00   0.75     NaN       1.0                27.0          15.00
           web    1  100.00   0.25     1.0       0.5                30.0           None
    """
    rounding = check_rounding(rounding)
    if not isinstance(period, Period) or (
        previous is not None and not isinstance(previous, Period)
    ):
        raise InvalidInputError(
            f"period {period!r} and previous {previous!r} must be Period values"
        )
    if isinstance(opportunities, pd.DataFrame):
        valid, failures = partition_frame(opportunities, OPPORTUNITIES)
        problems = Failures(valid)
        stage = valid["stage"].to_numpy(dtype=object)
        known = set(pipeline.names)
        stage_codes, stage_values = pd.factorize(stage)
        unknown = np.array([v not in known for v in stage_values], dtype=bool)[stage_codes]
        problems.add("stage", FailureReason.UNKNOWN_STAGE, unknown, values=stage)
        kept = np.flatnonzero(~unknown)
        valid = valid[~unknown]
        stage = stage[~unknown]
        currencies = sorted(set(valid["currency"].dropna().astype(str).tolist()))
        channel = (
            valid["channel_id"].astype(object).where(valid["channel_id"].notna(), None)
            if "channel_id" in valid
            else pd.Series([None] * len(valid), index=valid.index, dtype=object)
        ).to_numpy(dtype=object)
        amounts_float: npt.NDArray[np.float64] | None = valid["amount"].to_numpy(dtype=np.float64)
        created = _day_numbers(valid["created_on"])
        closed = (
            _day_numbers(valid["close_date"])
            if "close_date" in valid
            else np.full(len(valid), _NEVER, np.int64)
        )
        decimals: list[Decimal] | None = None
    else:
        failures = empty_failures()
        opps = list(opportunities)
        problems = Failures(pd.DataFrame(index=pd.RangeIndex(len(opps))))
        kept = np.arange(len(opps))
        for o in opps:
            pipeline.check_stage(o.stage, what=f"opportunity {o.id!r} stage")
        stage = np.array([o.stage for o in opps], dtype=object)
        currencies = sorted({o.currency for o in opps})
        channel = np.array([o.channel_id for o in opps], dtype=object)
        created = np.array([(o.created_on - _EPOCH).days for o in opps], dtype=np.int64)
        closed = np.array(
            [_NEVER if o.close_date is None else (o.close_date - _EPOCH).days for o in opps],
            dtype=np.int64,
        )
        decimals = [o.amount for o in opps]
        amounts_float = None
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            f"the deals mix currencies {', '.join(currencies)}; convert them with FxRates "
            "first or pass one currency at a time"
        )
    currency = currencies[0] if currencies else None
    mu = minor_unit(currency) if currency is not None else 2
    kind = {s.name: s.kind for s in pipeline}
    stage_codes, stage_names = pd.factorize(stage)
    won = np.array([kind[s] is StageKind.WON for s in stage_names], dtype=bool)[stage_codes]
    lost = np.array([kind[s] is StageKind.LOST for s in stage_names], dtype=bool)[stage_codes]
    undated = np.zeros(len(problems.frame), dtype=bool)
    undated[kept[won & (closed == _NEVER)]] = True
    nothing = np.full(len(undated), None, dtype=object)
    problems.add("close_date", FailureReason.MISSING_CLOSE_DATE, undated, values=nothing)
    minor = (
        floats_to_minor_units(amounts_float, mu)
        if amounts_float is not None
        else to_minor_units(decimals or [], mu)
    )

    # Channel codes: sorted ids, the given channels included, missing ids last.
    rates = {c.id: c.partner_commission_rate for c in channels or ()}
    channel_codes, channel_values = pd.factorize(channel, use_na_sentinel=True)
    present = {str(c) for c in channel_values}
    named = sorted(present | set(rates))
    position = {c: i for i, c in enumerate(named)}
    ids: list[str | None] = [*named, None] if (channel_codes < 0).any() else list(named)
    n = len(ids)
    lookup = np.array([position[str(c)] for c in channel_values] + [n - 1], dtype=np.int64)
    codes = lookup[channel_codes]  # code -1 (no channel) takes the last entry

    def measured(p: Period) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        s, e = (p.start - _EPOCH).days, (p.end - _EPOCH).days
        inside = (closed >= s) & (closed < e)
        return inside & won, inside & lost

    won_in, lost_in = measured(period)
    won_n = np.bincount(codes[won_in], minlength=n).astype(np.int64)
    lost_n = np.bincount(codes[lost_in], minlength=n).astype(np.int64)
    revenue = _group_sum(codes[won_in], minor[won_in], n)
    cycle = np.bincount(codes[won_in], weights=(closed - created)[won_in], minlength=n)
    total = sum(revenue)
    previous_minor: list[int | None] = [None] * n
    if previous is not None:
        prev_won, _ = measured(previous)
        previous_minor = list(_group_sum(codes[prev_won], minor[prev_won], n))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.asarray(revenue, dtype=np.float64) / total if total else np.full(n, np.nan)
        win_rate = np.where(won_n + lost_n > 0, won_n / np.maximum(won_n + lost_n, 1), np.nan)
        cycle_days = np.where(won_n > 0, cycle / np.maximum(won_n, 1), np.nan)
    growth = [
        float("nan") if p is None or p == 0 else float(Fraction(r, p) - 1)
        for r, p in zip(revenue, previous_minor, strict=True)
    ]
    rate_list = [rates.get(c) if c is not None else None for c in ids]
    margin: list[int | None] = [
        None if r is None else round_fraction(Fraction(rev) * to_fraction(r), rounding)
        for rev, r in zip(revenue, rate_list, strict=True)
    ]
    table = pd.DataFrame(
        {
            "channel_id": pd.Series(ids, dtype=object),
            "won": won_n,
            "lost": lost_n,
            "revenue": pd.Series([_money(v, mu) for v in revenue], dtype=object),
            "revenue_minor": np.asarray(revenue, dtype=np.int64),
            "share": share,
            "previous_revenue": pd.Series(
                [None if v is None else _money(v, mu) for v in previous_minor], dtype=object
            ),
            "previous_revenue_minor": pd.array(previous_minor, dtype="Int64"),
            "growth": np.asarray(growth, dtype=np.float64),
            "win_rate": np.asarray(win_rate, dtype=np.float64),
            "average_cycle_days": np.asarray(cycle_days, dtype=np.float64),
            "partner_commission_rate": np.array(
                [np.nan if r is None else r for r in rate_list], dtype=np.float64
            ),
            "partner_margin": pd.Series(
                [None if v is None else _money(v, mu) for v in margin], dtype=object
            ),
            "partner_margin_minor": pd.array(margin, dtype="Int64"),
        },
        columns=list(_PERFORMANCE_COLUMNS),
    )
    errors = (
        pd.concat([failures, problems.table()], ignore_index=True) if len(problems) else failures
    )
    return ChannelPerformance(
        period=period,
        previous=previous,
        currency=currency,
        table=table,
        revenue=_money(total, mu),
        errors=errors,
    )


# --------------------------------------------------------------------------- conflicts
#: How a channel conflict is decided: ``first_registration`` (the earliest
#: claim wins), ``deal_registration_wins`` (a partner channel's registered
#: deal beats a direct rep's or another channel's unregistered claim; among
#: registrations, and when there is none, the earliest wins) or ``split``
#: (equal shares for every claimant).
ConflictRule = Literal["first_registration", "deal_registration_wins", "split"]
_RULES: Final = ("first_registration", "deal_registration_wins", "split")


class ChannelClaim(FrozenModel):
    """A claim on an account or deal by a channel (partner) or a direct rep.

    Parameters
    ----------
    claim_id : str
        The claim.
    item_id : str
        The account or deal claimed.
    channel_id : str, optional
        The claiming channel; give exactly one of ``channel_id`` and ``rep_id``
        (a blank one counts as not given).
    rep_id : str, optional
        The claiming direct rep.
    registered_at : datetime
        When the claim was registered, timezone-aware.
    deal_registration : bool
        The channel holds an approved deal registration for the item (only
        with ``channel_id``).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> ChannelClaim(claim_id="K1", item_id="ACME", channel_id="P1", deal_registration=True,
    ...              registered_at=datetime(2026, 3, 2, tzinfo=timezone.utc)).claimant
    ('channel', 'P1')
    """

    claim_id: Identifier
    item_id: Identifier
    channel_id: OptionalText = None
    rep_id: OptionalText = None
    registered_at: AwareDatetime
    deal_registration: bool = False

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.channel_id is None) == (self.rep_id is None):
            raise InvalidInputError(
                f"claim {self.claim_id!r} has channel_id {self.channel_id!r} and rep_id "
                f"{self.rep_id!r}; give exactly one of the two"
            )
        if self.deal_registration and self.channel_id is None:
            raise InvalidInputError(
                f"claim {self.claim_id!r} of rep {self.rep_id!r} has deal_registration; "
                "only a channel registers deals"
            )
        return self

    @property
    def claimant(self) -> tuple[str, str]:
        """``("channel", channel_id)`` or ``("direct", rep_id)``."""
        if self.channel_id is not None:
            return ("channel", self.channel_id)
        assert self.rep_id is not None  # one of the two, by the validator
        return ("direct", self.rep_id)


#: Claims on accounts or deals, one per row (see :class:`ChannelClaim`).
CHANNEL_CLAIMS: Final = FrameContract(
    "channel_claims",
    (
        Column("claim_id", "string", unique=True, nonblank=True, description="the claim"),
        Column("item_id", "string", nonblank=True, description="the account or deal claimed"),
        Column(
            "channel_id", "string", required=False, nullable=True, description="claiming channel"
        ),
        Column("rep_id", "string", required=False, nullable=True, description="claiming rep"),
        Column("registered_at", "datetime", description="when, timezone-aware (UTC)"),
        Column(
            "deal_registration",
            "bool",
            required=False,
            nullable=True,
            description="the channel holds a deal registration (null = False)",
        ),
    ),
    (),
    "one claim per row; exactly one of channel_id and rep_id",
)


@dataclass(frozen=True)
class ChannelConflicts(Result):
    """Conflicting claims and how the rule decided them.

    Parameters
    ----------
    rule : str
        The :data:`ConflictRule` applied.
    window_days : int
        Claims on one item within this many days of the first claim of a
        run form one claim group [days]; a later claim starts a new group.
    conflicts : pandas.DataFrame
        One row per group with more than one claimant, at least one a
        channel (distinct channels, or a channel and a direct rep), by
        ``item_id`` then ``opened_at``:
        ``conflict_id``, ``item_id``, ``opened_at`` (the first claim),
        ``claimants`` [count], ``winner_kind`` and ``winner_id`` (``None``
        under ``split``), ``amount`` [currency, Decimal, ``None`` without
        amounts] and ``amount_minor``, ``reason_en``, ``reason_zh``.
    claimants : pandas.DataFrame
        One row per claimant of each conflict, in registration order:
        ``conflict_id``, ``item_id``, ``claimant_kind`` (``channel`` or
        ``direct``), ``claimant_id``, ``claim_id`` (its first claim in the
        group), ``registered_at``, ``deal_registration``, ``claims`` (its
        claims in the group [count]), ``winner`` (bool), ``share``
        [fraction], ``amount`` [currency, Decimal or ``None``] and
        ``amount_minor``. Per conflict the shares sum to 1 and the amounts
        to the item's amount, to the minor unit.
    errors : pandas.DataFrame
        Claims that could not be used (``row``, ``column``, ``value``, ``reason``).
    """

    rule: str
    window_days: int
    conflicts: pd.DataFrame
    claimants: pd.DataFrame
    errors: pd.DataFrame


def _claims_frame(
    claims: Sequence[ChannelClaim] | pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if isinstance(claims, pd.DataFrame):
        valid, failures = partition_frame(claims, CHANNEL_CLAIMS)
        channel = (
            valid["channel_id"].astype(object).where(valid["channel_id"].notna(), None)
            if "channel_id" in valid
            else pd.Series(None, index=valid.index, dtype=object)
        )
        rep = (
            valid["rep_id"].astype(object).where(valid["rep_id"].notna(), None)
            if "rep_id" in valid
            else pd.Series(None, index=valid.index, dtype=object)
        )
        registered = (
            valid["deal_registration"].fillna(False).astype(bool)
            if "deal_registration" in valid
            else pd.Series(False, index=valid.index, dtype=bool)
        )
        both = channel.notna().to_numpy() == rep.notna().to_numpy()
        rep_registered = registered.to_numpy() & channel.isna().to_numpy()
        problems = Failures(valid)
        nothing = np.full(len(valid), None, dtype=object)
        problems.add("channel_id", FailureReason.ONE_CLAIMANT_REQUIRED, both, values=nothing)
        problems.add(
            "deal_registration",
            FailureReason.REGISTRATION_NEEDS_CHANNEL,
            rep_registered & ~both,
            values=np.full(len(valid), True, dtype=object),
        )
        keep = ~(both | rep_registered)
        frame = pd.DataFrame(
            {
                "claim_id": valid["claim_id"].astype(str).to_numpy(dtype=object)[keep],
                "item_id": valid["item_id"].astype(str).to_numpy(dtype=object)[keep],
                "kind": np.where(channel.notna().to_numpy(), "channel", "direct")[keep],
                "who": channel.where(channel.notna(), rep).to_numpy(dtype=object)[keep],
                "at": pd.DatetimeIndex(valid["registered_at"]).tz_convert("UTC")[keep],
                "registered": registered.to_numpy(dtype=bool)[keep],
            }
        )
        if len(problems):
            failures = pd.concat([failures, problems.table()], ignore_index=True)
        return frame, failures
    for c in claims:
        if not isinstance(c, ChannelClaim):
            raise InvalidInputError(
                f"claim {c!r} is a {type(c).__name__}; give ChannelClaim models or a frame"
            )
    ids = [c.claim_id for c in claims]
    twice = sorted({i for i in ids if ids.count(i) > 1}) if len(set(ids)) < len(ids) else []
    if twice:
        raise InvalidInputError(f"claim ids {twice} appear more than once; ids must be unique")
    frame = pd.DataFrame(
        {
            "claim_id": pd.Series(ids, dtype=object),
            "item_id": pd.Series([c.item_id for c in claims], dtype=object),
            "kind": pd.Series([c.claimant[0] for c in claims], dtype=object),
            "who": pd.Series([c.claimant[1] for c in claims], dtype=object),
            "at": pd.DatetimeIndex([c.registered_at for c in claims], tz="UTC"),
            "registered": np.array([c.deal_registration for c in claims], dtype=bool),
        }
    )
    return frame, empty_failures()


def _label(kind: str, who: str) -> tuple[str, str]:
    return (
        (f"channel {who}", f"渠道 {who}")
        if kind == "channel"
        else (f"direct rep {who}", f"直销 {who}")
    )


@exact_decimals
def channel_conflicts(
    claims: Sequence[ChannelClaim] | pd.DataFrame,
    *,
    window_days: int,
    rule: ConflictRule,
    amounts: Mapping[str, object] | None = None,
    currency: str | None = None,
) -> ChannelConflicts:
    """Accounts or deals claimed by more than one channel, or a channel and a rep; decided.

    Claims on one item are grouped in registration order: a group opens with
    a claim and takes every later claim registered within ``window_days`` of
    it; a claim after that opens the next group. A group with more than one
    claimant (repeated claims of one claimant count once, at the first), at
    least one of them a channel, is a conflict (two direct reps alone are a
    territory question, not a channel conflict), decided under ``rule``:

    - ``first_registration``: the earliest claim wins (ties by claim id);
    - ``deal_registration_wins``: a channel holding a deal registration wins
      over direct reps and unregistered channels (the earliest registration
      among several); with no registration, the earliest claim wins;
    - ``split``: every claimant gets an equal share; the item's amount is
      split to the minor unit by largest remainder (earlier claimants first
      on ties), so the parts add up to the whole.

    Parameters
    ----------
    claims : sequence of ChannelClaim or pandas.DataFrame
        Models, or a frame under :data:`CHANNEL_CLAIMS`; a row failing the
        contract, or naming neither or both of ``channel_id`` and
        ``rep_id``, goes to ``errors``.
    window_days : int
        The window [days], >= 0.
    rule : {"first_registration", "deal_registration_wins", "split"}
        See :data:`ConflictRule`.
    amounts : mapping of str to Decimal, optional
        The amount of each item [currency], to share between the claimants
        (the winner takes all under the first two rules).
    currency : str, optional
        ISO 4217 code of ``amounts``; required with them.

    Returns
    -------
    ChannelConflicts
        The conflicts with the decision and reason, and the claimants.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = lambda d: datetime(2026, 3, d, 9, tzinfo=timezone.utc)
    >>> claims = [ChannelClaim(claim_id="K1", item_id="ACME", rep_id="R7", registered_at=t(2)),
    ...           ChannelClaim(claim_id="K2", item_id="ACME", channel_id="P1",
    ...                        registered_at=t(5), deal_registration=True),
    ...           ChannelClaim(claim_id="K3", item_id="INITECH", channel_id="P1",
    ...                        registered_at=t(5))]
    >>> out = channel_conflicts(claims, window_days=30, rule="deal_registration_wins")
    >>> out.conflicts[["item_id", "claimants", "winner_kind", "winner_id"]]
      item_id  claimants winner_kind winner_id
    0    ACME          2     channel        P1
    >>> out.conflicts.loc[0, "reason_en"]
    'channel P1 holds a deal registration (2026-03-05 09:00 UTC): it beats direct rep R7'
    >>> split = channel_conflicts(claims, window_days=30, rule="split",
    ...                           amounts={"ACME": "100.01"}, currency="CNY")
    >>> split.claimants[["claimant_id", "share", "amount"]]
      claimant_id  share amount
    0          R7    0.5  50.01
    1          P1    0.5  50.00
    """
    if rule not in _RULES:
        raise InvalidInputError(f"rule {rule!r} is not one of {', '.join(_RULES)}")
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 0:
        raise InvalidInputError(f"window_days {window_days!r} must be a whole number >= 0")
    mu = 0
    if amounts is not None:
        if currency is None:
            raise InvalidInputError("amounts are given without a currency; pass currency=")
        mu = minor_unit(currency)
    frame, errors = _claims_frame(claims)
    frame = frame.sort_values(["item_id", "at", "claim_id"], kind="stable").reset_index(drop=True)
    # Group claims: a new group at a new item, or past the window of the group's opening claim.
    item = frame["item_id"].to_numpy(dtype=object)
    at_ns = frame["at"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    window = window_days * 86_400 * 10**9
    group = np.zeros(len(frame), np.int64)
    g, opened = -1, 0
    for i in range(len(frame)):
        if i == 0 or item[i] != item[i - 1] or at_ns[i] - opened > window:
            g += 1
            opened = at_ns[i]
        group[i] = g
    frame["group"] = group
    firsts = frame.groupby(["group", "kind", "who"], sort=False).agg(
        claim_id=("claim_id", "first"),
        at=("at", "first"),
        registered=("registered", "any"),
        claims=("claim_id", "size"),
        item_id=("item_id", "first"),
        order=("at", "idxmin"),
    )
    firsts = firsts.reset_index().sort_values(["group", "order"], kind="stable")
    sizes = firsts.groupby("group")["who"].transform("size").to_numpy()
    channels_in = (firsts["kind"] == "channel").groupby(firsts["group"]).transform("sum").to_numpy()
    # Two direct reps on one account is a territory question, not a channel conflict.
    contested = firsts[(sizes > 1) & (channels_in > 0)]
    conflict_rows: list[dict[str, object]] = []
    claimant_rows: list[dict[str, object]] = []
    for conflict_id, (_, part) in enumerate(contested.groupby("group", sort=True)):
        rows = part.to_dict("records")
        names = [_label(str(r["kind"]), str(r["who"])) for r in rows]
        n = len(rows)
        item_id = str(rows[0]["item_id"])
        total_minor: int | None = None
        if amounts is not None and item_id in amounts:
            value = to_decimal(amounts[item_id], what=f"amount of {item_id!r}")
            _check_places(value, f"amount of {item_id!r}", mu)
            total_minor = int(value.scaleb(mu))
        when = [pd.Timestamp(r["at"]).strftime("%Y-%m-%d %H:%M UTC") for r in rows]
        if rule == "split":
            winner: int | None = None
            shares = [Fraction(1, n)] * n
            parts = (
                largest_remainder(total_minor, [Fraction(1)] * n)
                if total_minor is not None
                else None
            )
            en = f"split equally between {n} claimants: " + ", ".join(x[0] for x in names)
            zh = f"{n} 方平分：" + "、".join(x[1] for x in names)
        else:
            registered = [
                i for i, r in enumerate(rows) if r["kind"] == "channel" and r["registered"]
            ]
            if rule == "deal_registration_wins" and registered:
                winner = registered[0]
                beaten = [names[i] for i in range(n) if i != winner]
                en = (
                    f"{names[winner][0]} holds a deal registration ({when[winner]}): it beats "
                    + ", ".join(x[0] for x in beaten)
                )
                zh = f"{names[winner][1]} 已报备商机（{when[winner]}），优先于" + "、".join(
                    x[1] for x in beaten
                )
            else:
                winner = 0
                beaten = names[1:]
                tie = n > 1 and rows[1]["at"] == rows[0]["at"]
                lead = (
                    "no claimant holds a deal registration; "
                    if rule == "deal_registration_wins"
                    else ""
                )
                lead_zh = "无人报备商机；" if rule == "deal_registration_wins" else ""
                en = (
                    f"{lead}{names[0][0]} registered first ({when[0]}"
                    + (", tie broken by claim id" if tie else "")
                    + "), before "
                    + ", ".join(x[0] for x in beaten)
                )
                zh = (
                    f"{lead_zh}{names[0][1]} 最先登记（{when[0]}"
                    + ("，同时登记按申请编号" if tie else "")
                    + "），先于"
                    + "、".join(x[1] for x in beaten)
                )
            shares = [Fraction(int(i == winner)) for i in range(n)]
            parts = (
                [total_minor if i == winner else 0 for i in range(n)]
                if total_minor is not None
                else None
            )
        conflict_rows.append(
            {
                "conflict_id": conflict_id,
                "item_id": item_id,
                "opened_at": rows[0]["at"],
                "claimants": n,
                "winner_kind": None if winner is None else rows[winner]["kind"],
                "winner_id": None if winner is None else rows[winner]["who"],
                "amount": None if total_minor is None else _money(total_minor, mu),
                "amount_minor": total_minor,
                "reason_en": en,
                "reason_zh": zh,
            }
        )
        for i, r in enumerate(rows):
            claimant_rows.append(
                {
                    "conflict_id": conflict_id,
                    "item_id": item_id,
                    "claimant_kind": r["kind"],
                    "claimant_id": r["who"],
                    "claim_id": r["claim_id"],
                    "registered_at": r["at"],
                    "deal_registration": bool(r["registered"]),
                    "claims": int(r["claims"]),
                    "winner": winner is None or i == winner,
                    "share": float(shares[i]),
                    "amount": None if parts is None else _money(parts[i], mu),
                    "amount_minor": None if parts is None else parts[i],
                }
            )
    conflict_columns = [
        "conflict_id",
        "item_id",
        "opened_at",
        "claimants",
        "winner_kind",
        "winner_id",
        "amount",
        "amount_minor",
        "reason_en",
        "reason_zh",
    ]
    claimant_columns = [
        "conflict_id",
        "item_id",
        "claimant_kind",
        "claimant_id",
        "claim_id",
        "registered_at",
        "deal_registration",
        "claims",
        "winner",
        "share",
        "amount",
        "amount_minor",
    ]
    conflicts = pd.DataFrame(conflict_rows, columns=conflict_columns)
    claimants = pd.DataFrame(claimant_rows, columns=claimant_columns)
    for table in (conflicts, claimants):
        table["amount"] = table["amount"].astype(object)
        table["amount_minor"] = pd.array(table["amount_minor"].tolist(), dtype="Int64")
        for col in ("conflict_id", "claimants", "claims"):
            if col in table:
                table[col] = table[col].astype(np.int64)
    conflicts["opened_at"] = pd.DatetimeIndex(conflicts["opened_at"], tz="UTC")
    claimants["registered_at"] = pd.DatetimeIndex(claimants["registered_at"], tz="UTC")
    claimants["winner"] = claimants["winner"].astype(bool)
    claimants["deal_registration"] = claimants["deal_registration"].astype(bool)
    claimants["share"] = claimants["share"].astype(np.float64)
    return ChannelConflicts(
        rule=rule, window_days=window_days, conflicts=conflicts, claimants=claimants, errors=errors
    )
