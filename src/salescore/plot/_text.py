"""Titles and labels in English and Simplified Chinese, and the CJK font they need.

No global state: the font is set on each text artist of the drawn Axes, never
through ``matplotlib.rcParams``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.text import Text

from salescore.errors import InvalidInputError

Lang = Literal["en", "zh-CN"]

#: Font families with Simplified Chinese glyphs that ``lang="zh-CN"`` looks for, in order.
CJK_FAMILIES: Final = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Hiragino Sans GB",
    "AR PL UMing CN",
    "Droid Sans Fallback",
)

INSTALL_HINT: Final = (
    "install a CJK font such as Noto Sans CJK SC (Debian/Ubuntu: apt-get install "
    "fonts-noto-cjk) or WenQuanYi Zen Hei (fonts-wqy-zenhei), then remove matplotlib's font "
    "cache (matplotlib.get_cachedir()) so the font manager sees it"
)

_TEXTS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "funnel_title": "Sales funnel",
        "stage": "Stage",
        "deals": "Deals entered [count]",
        "amount_entered": "Amount entered [{currency}]",
        "won": "Won",
        "conversion": "conv. {value}",
        "drop_off": "drop {value}",
        "simulation_title": "Simulated bookings",
        "bookings_amount": "Bookings [{currency}]",
        "runs": "Runs [count]",
        "band": "P10–P90",
        "booked": "Already won",
        "forecast_title": "Forecast",
        "period": "Period",
        "forecast": "Forecast",
        "interval": "{level} interval",
        "actual": "Actual",
        "pace_title": "Pace to goal",
        "date": "Date",
        "cumulative": "Cumulative [{unit}]",
        "goal": "Goal (expected)",
        "needed": "Needed to reach the target",
        "gap": "gap {value}",
        "target": "Target",
        "payout_title": "Payout curve",
        "payout": "Payout",
        "payout_amount": "Payout [{currency}]",
        "attainment": "Attainment [% of quota]",
        "tier": "{name}: {rate} ({mode})",
        "marginal": "marginal",
        "retroactive": "retroactive",
        "interpolated": "interpolated",
        "accelerator": "{name}: ×{multiplier}",
        "cap": "{name}: period cap",
        "matrix_title": "Plan: owners × periods",
        "planned": "Planned [{unit}]",
        "value": "value",
        "owner": "Owner",
        "attainment_title": "Quota attainment",
        "attainment_fraction": "Attainment [% of quota]",
        "segment": "Segment",
        "all": "all reps",
        "quota": "Quota (100 %)",
        "range": "P10–P90",
        "median": "Median",
        "mean": "Mean",
        "at_or_above": "{at} of {of} at or above quota",
        "categories_title": "Forecast categories",
        "category": "Forecast category",
        "closed": "Closed",
        "commit": "Commit",
        "best_case": "Best case",
        "pipeline": "Pipeline",
        "commit_forecast": "Commit forecast",
        "best_case_forecast": "Best-case forecast",
        "adjusted": "{name}, adjusted",
        "plan_cost_title": "Plan cost",
        "plan_cost": "Total payout [{currency}]",
        "samples": "Samples [count]",
        "expected": "Expected",
        "na": "n/a",
    },
    "zh-CN": {
        "funnel_title": "销售漏斗",
        "stage": "阶段",
        "deals": "进入商机数 [个]",
        "amount_entered": "进入金额 [{currency}]",
        "won": "赢单",
        "conversion": "转化 {value}",
        "drop_off": "流失 {value}",
        "simulation_title": "模拟成交额",
        "bookings_amount": "成交额 [{currency}]",
        "runs": "模拟次数 [次]",
        "band": "P10–P90",
        "booked": "已赢单",
        "forecast_title": "预测",
        "period": "期间",
        "forecast": "预测",
        "interval": "{level} 区间",
        "actual": "实际",
        "pace_title": "目标进度",
        "date": "日期",
        "cumulative": "累计 [{unit}]",
        "goal": "目标（应完成）",
        "needed": "达成目标尚需",
        "gap": "差距 {value}",
        "target": "目标",
        "payout_title": "提成曲线",
        "payout": "提成",
        "payout_amount": "提成 [{currency}]",
        "attainment": "达成率 [% 配额]",
        "tier": "{name}: {rate}（{mode}）",
        "marginal": "分段累进",
        "retroactive": "全额累进",
        "interpolated": "线性插值",
        "accelerator": "{name}: ×{multiplier}",
        "cap": "{name}: 当期封顶",
        "matrix_title": "计划：负责人 × 期间",
        "planned": "计划值 [{unit}]",
        "value": "数值",
        "owner": "负责人",
        "attainment_title": "配额达成率",
        "attainment_fraction": "达成率 [% 配额]",
        "segment": "分组",
        "all": "全部销售",
        "quota": "配额（100 %）",
        "range": "P10–P90",
        "median": "中位数",
        "mean": "均值",
        "at_or_above": "{of} 人中 {at} 人达成配额",
        "categories_title": "预测类别",
        "category": "预测类别",
        "closed": "已成交",
        "commit": "承诺",
        "best_case": "最佳情况",
        "pipeline": "管道",
        "commit_forecast": "承诺预测",
        "best_case_forecast": "最佳情况预测",
        "adjusted": "{name}（调整后）",
        "plan_cost_title": "方案成本",
        "plan_cost": "提成总额 [{currency}]",
        "samples": "样本数 [个]",
        "expected": "期望值",
        "na": "无",
    },
}


def find_cjk_font() -> str | None:
    """The first font family of :data:`CJK_FAMILIES` matplotlib's font manager knows, or None.

    Returns
    -------
    str or None
        The family ``lang="zh-CN"`` draws with; ``None`` when no CJK font is
        installed (the charts then fall back to English with a warning).

    Examples
    --------
    >>> family = find_cjk_font()
    >>> family is None or family in CJK_FAMILIES
    True
    """
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    return None


@dataclass(frozen=True)
class Texts:
    """The texts of one language and the font family they need (None: the default)."""

    lang: Lang
    family: str | None

    def __call__(self, key: str, **values: str) -> str:
        """The text of ``key``, with ``values`` filled in."""
        return _TEXTS[self.lang][key].format(**values)

    def percent(self, fraction: float) -> str:
        """A fraction as a percent with one decimal, or "n/a" when NaN."""
        if math.isnan(fraction):
            return self("na")
        return f"{fraction * 100:.1f} %"

    def apply(self, ax: Axes) -> None:
        """Set the font family on every text artist of ``ax`` (no-op without a family)."""
        if self.family is None:
            return
        for text in ax.findobj(Text):
            text.set_fontfamily([self.family, "DejaVu Sans"])


def texts(lang: str) -> Texts:
    """The :class:`Texts` of ``lang``; Chinese without a CJK font falls back to English.

    Raises
    ------
    InvalidInputError
        ``lang`` is neither ``"en"`` nor ``"zh-CN"``.
    """
    if lang == "en":
        return Texts("en", None)
    if lang == "zh-CN":
        family = find_cjk_font()
        if family is None:
            warnings.warn(
                "lang='zh-CN' needs a font with Chinese glyphs and matplotlib's font manager "
                f"found none of {', '.join(CJK_FAMILIES)}; the labels fall back to English. "
                f"To draw them in Chinese, {INSTALL_HINT}",
                UserWarning,
                stacklevel=3,
            )
            return Texts("en", None)
        return Texts("zh-CN", family)
    raise InvalidInputError(f"lang {lang!r} is not supported; allowed: 'en', 'zh-CN'")


def axes(ax: Axes | None) -> Axes:
    """``ax``, or the Axes of a new pyplot figure (shown by notebooks like any other)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    new: Axes = plt.figure(figsize=(7.0, 4.5), layout="constrained").add_subplot()
    return new


def unit_label(currency: str | None) -> str:
    """The bracketed unit of money: the currency code, or "currency" when unknown."""
    return currency if currency is not None else "currency"
