"""Partner tiers: a partner's tier per period from its revenue and certifications."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Final, Literal, Self

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore._numeric import DECIMAL_CONTEXT, exact_decimals, to_decimal
from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.partners._common import Identifier, NonNegative, Number, _pct
from salescore.serialization import Result

__all__ = [
    "PartnerPeriod",
    "PartnerTier",
    "PartnerTierRule",
    "PartnerTiers",
    "TierChange",
    "partner_tiers",
]


_HUNDREDTH: Final = Decimal("0.01")


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
