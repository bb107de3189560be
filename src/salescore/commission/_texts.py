"""Every English and Simplified Chinese text of the commission wing, in one place.

Statement lines, settlement adjustments, clawbacks, conversions and target
bonuses explain themselves in both languages; the functions here turn the
numbers (as :class:`~decimal.Decimal` or as text already formatted) into
the two texts, so that the single and the bulk paths say the same words.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from salescore._numeric import DECIMAL_CONTEXT

#: The reason of an ``unmatched`` line.
UNMATCHED: Final = (
    "no rate table applies to this credit's product or category",
    "没有适用于该产品或品类的费率表",
)
#: Appended to a clawback's reasons when the refund also lowers attainment.
ATTAINMENT_REDUCED: Final = ("; attainment reduced", "；业绩同时扣减")


def pct(value: Decimal) -> str:
    """``value`` [fraction] as a percentage, trailing zeros dropped: ``0.05`` is ``5%``."""
    return f"{DECIMAL_CONTEXT.multiply(value, Decimal(100)).normalize(DECIMAL_CONTEXT):f}%"


def line_reasons(
    kind: str,
    base: Decimal,
    rate: Decimal,
    multiplier: Decimal,
    tier: int,
    currency: str,
    end_rate: Decimal | None = None,
    label: str = "",
    per: str = "fraction",
    units: int = 1,
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
    if kind == "release":
        return (
            f"gate reached: {base:,} {currency} held back earlier this year released",
            f"已达到门槛：发放本年此前暂缓的 {base:,} {currency}",
        )
    if kind == "multiplier":
        return (
            f"x {multiplier.normalize(DECIMAL_CONTEXT):f} for deal attributes {label}",
            f"按交易属性 {label} 乘以系数 {multiplier.normalize(DECIMAL_CONTEXT):f}",
        )
    if kind == "deal_cap":
        return "capped at the per-deal cap", "超过单笔上限，按上限封顶"
    if kind == "gate" and label == "deferred":
        return (
            "below the gate: held back, paid when a period of this year reaches the gate",
            "未达到门槛，暂缓发放，本年内某期达到门槛时发放",
        )
    if kind == "gate":
        return "below the gate: nothing paid this period", "未达到门槛，本期不发放"
    if kind == "period_cap":
        return "capped at the period cap", "超过本期上限，按上限封顶"
    if kind == "year_cap":
        return "capped at the per-year cap", "超过年度上限，按上限封顶"
    accel_en = (
        f" x {multiplier.normalize(DECIMAL_CONTEXT):f} accelerator" if multiplier != 1 else ""
    )
    accel_zh = f" × 加速系数 {multiplier.normalize(DECIMAL_CONTEXT):f}" if multiplier != 1 else ""
    label_en = f"in tier {tier}" if tier else "above the top tier"
    label_zh = f"第{tier}档" if tier else "超出最高档"
    if per != "fraction":
        what_en = f"{units:,} unit{'s' if units != 1 else ''}" if per == "per_unit" else "1 deal"
        what_zh = f"{units:,} 件" if per == "per_unit" else "1 笔"
        word_en, word_zh = ("unit", "每件") if per == "per_unit" else ("deal", "每笔")
        return (
            f"{what_en} ({base:,} {currency}) {label_en} at {rate:,} {currency} per "
            f"{word_en}{accel_en}",
            f"{what_zh}（{base:,} {currency}）属于{label_zh}，{word_zh} {rate:,} {currency}"
            f"{accel_zh}",
        )
    if end_rate is not None:
        return (
            f"{base:,} {currency} {label_en} at {pct(rate)} rising linearly to "
            f"{pct(end_rate)}{accel_en}",
            f"{base:,} {currency} 属于{label_zh}，费率由 {pct(rate)} 线性变为 {pct(end_rate)}"
            f"{accel_zh}",
        )
    return (
        f"{base:,} {currency} {label_en} at {pct(rate)}{accel_en}",
        f"{base:,} {currency} 属于{label_zh}，费率 {pct(rate)}{accel_zh}",
    )


def adjustment_reasons(
    kind: str, amount: Decimal, currency: str, draw: Decimal = Decimal(0), recoverable: bool = False
) -> tuple[str, str]:
    """English and Chinese reasons of one settlement step of ``amount`` [currency, > 0].

    ``draw`` and ``recoverable`` describe the plan's draw, read by ``advance``.
    """
    x, cur = amount, currency
    if kind == "deficit_recovered":
        return (
            f"offsets {x:,} {cur} of negative balance carried forward",
            f"抵扣结转的负余额 {x:,} {cur}",
        )
    if kind == "deficit_added":
        return (
            f"negative balance of {x:,} {cur} carried forward, not paid",
            f"负余额 {x:,} {cur} 结转下期，不作负数发放",
        )
    if kind == "advance" and recoverable:
        return (
            f"recoverable draw advance of {x:,} {cur} up to the {draw:,} {cur} draw",
            f"可收回预支 {x:,} {cur}，补足至预支额 {draw:,} {cur}",
        )
    if kind == "advance":
        return (
            f"guaranteed draw top-up of {x:,} {cur} up to {draw:,} {cur}",
            f"保底补足 {x:,} {cur}，至 {draw:,} {cur}",
        )
    return f"repays {x:,} {cur} of earlier draw advances", f"偿还此前预支 {x:,} {cur}"


def clawback_late(window_days: int) -> tuple[str, str]:
    """The reasons of a refund after the clawback window."""
    return (
        f"refund after the {window_days}-day window: nothing clawed back",
        f"退款超过{window_days}天追回期限，不追回佣金",
    )


def clawback_at_original(
    refunded: str, credited: str, reversed_: str, paid: str, currency: str
) -> tuple[str, str]:
    """The reasons of a clawback at the original rate (amounts already formatted)."""
    return (
        f"refund of {refunded} of {credited} {currency} reverses {reversed_} of {paid} paid",
        f"退款 {refunded} / {credited} {currency}，追回佣金 {reversed_} / {paid}",
    )


def clawback_at_current(refunded: str, reversed_: str, rate: str, currency: str) -> tuple[str, str]:
    """The reasons of a clawback at the current rate ``rate`` (a formatted percentage)."""
    return (
        f"refund of {refunded} {currency} reverses {reversed_} at the current rate {rate}",
        f"退款 {refunded} {currency}，按当期费率 {rate} 追回佣金 {reversed_}",
    )


def conversion_reasons(
    was: str, rate: Decimal, currency: str, original: str, on: object, now: str
) -> tuple[str, str]:
    """The reasons of a credit of ``was`` converted at ``rate`` on ``on`` into ``now``."""
    return (
        f"{was} at {rate:f} {currency} per {original} on {on} is {now}",
        f"{was} 按 {on} 汇率 {rate:f} 折合 {now}",
    )


def bonus_reasons(
    metric: str, actual: str, target: str, attained: str, need: str, value: str | None, pool: bool
) -> tuple[str, str]:
    """The reasons of a target bonus line; ``value`` is ``None`` when the target is not met."""
    head_en = f"{metric} {actual} of target {target} ({attained})"
    head_zh = f"{metric} 完成 {actual} / 目标 {target}（{attained}）"
    if value is None:
        return (
            f"{head_en} is below the {need} threshold: no bonus",
            f"{head_zh}，未达 {need} 门槛：无奖金",
        )
    if not pool:
        return (
            f"{head_en} meets the {need} threshold: bonus of {value}",
            f"{head_zh}，达到 {need} 门槛：奖金 {value}",
        )
    return (
        f"{head_en} meets the {need} threshold: a share of the {value} pool",
        f"{head_zh}，达到 {need} 门槛：分享奖金池 {value}",
    )
