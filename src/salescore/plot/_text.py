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
from matplotlib.figure import Figure
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
        "cohort_title": "Conversion by cohort",
        "cohort": "Cohort",
        "measure_conversion": "Conversion [% of entered]",
        "measure_cumulative_conversion": "Cumulative conversion [% of first stage]",
        "measure_win_rate": "Win rate [% of closed]",
        "measure_drop_off": "Drop-off [% of entered]",
        "all_cohorts": "All cohorts",
        "panel": "{stage} ({n} entered)",
        "durations_title": "Time in stage",
        "durations_stage": "Stage (box P25–P75, whiskers P10–P90)",
        "days": "Days in stage [days]",
        "visits": "n={n}",
        "scorecard_title": "Scorecard {card}: {rep}",
        "weighted_points": "Weighted points [points]",
        "kpi": "KPI",
        "full_points": "At full attainment",
        "earned": "Earned",
        "gate_failed": "Gate failed",
        "score_total": "total {total}, grade {grade}",
        "ranking_title": "Team ranking",
        "total_points": "Total [points]",
        "rep_rank": "Rep (rank)",
        "grade_line": "{grade} ≥ {points}",
        "channel_title": "Channel performance",
        "channel": "Channel",
        "revenue": "Revenue [{currency}]",
        "no_channel": "(no channel)",
        "channel_note": "share {share}\nwin {win}\ngrowth {growth}",
        "tiers_title": "Partner tiers",
        "partner": "Partner",
        "tier_level": "Tier held",
        "rebate_title": "Rebate {program}: {partner}, {period}",
        "rebate_amount": "Rebate [{currency}]",
        "rebate_tier": "Tier {tier} at {rate}",
        "rebate_above": "Above top tier at {rate}",
        "back_end": "Back-end at {rate}",
        "rebate_total": "Total",
        "rebate_line": "{base} × {rate}",
        "rebate_line_label": "Rebate line",
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
        "cohort_title": "各批次转化率",
        "cohort": "批次",
        "measure_conversion": "转化率 [% 进入数]",
        "measure_cumulative_conversion": "累计转化率 [% 首阶段]",
        "measure_win_rate": "赢单率 [% 已结束]",
        "measure_drop_off": "流失率 [% 进入数]",
        "all_cohorts": "全部批次",
        "panel": "{stage}（进入 {n}）",
        "durations_title": "阶段停留时长",
        "durations_stage": "阶段（箱体 P25–P75，须线 P10–P90）",
        "days": "停留天数 [天]",
        "visits": "n={n}",
        "scorecard_title": "绩效考核 {card}：{rep}",
        "weighted_points": "加权得分 [分]",
        "kpi": "考核指标",
        "full_points": "满额达成",
        "earned": "得分",
        "gate_failed": "门槛未通过",
        "score_total": "总分 {total}，等级 {grade}",
        "ranking_title": "团队排名",
        "total_points": "总分 [分]",
        "rep_rank": "销售（名次）",
        "grade_line": "{grade} ≥ {points}",
        "channel_title": "渠道业绩",
        "channel": "渠道",
        "revenue": "收入 [{currency}]",
        "no_channel": "（无渠道）",
        "channel_note": "占比 {share}\n赢单率 {win}\n增长 {growth}",
        "tiers_title": "合作伙伴等级",
        "partner": "合作伙伴",
        "tier_level": "所处等级",
        "rebate_title": "返利 {program}：{partner}，{period}",
        "rebate_amount": "返利 [{currency}]",
        "rebate_tier": "第 {tier} 档 {rate}",
        "rebate_above": "超出最高档 {rate}",
        "back_end": "后返 {rate}",
        "rebate_total": "合计",
        "rebate_line": "{base} × {rate}",
        "rebate_line_label": "返利明细",
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

    def apply(self, ax: Axes | Figure) -> None:
        """Set the font family on every text artist of an Axes or a figure (no-op without one)."""
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
