"""Every sentence of a review pack: a stable code with English and Simplified Chinese text.

A :class:`Line` is a code and the numbers it was judged on; its text is
rendered from :data:`CODES` in either language, so a CRM can store the
codes and values and render them in the reader's language later. Amounts
are kept as exact decimal text (``"1400.10"``) and formatted as Decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from string import Formatter
from typing import Final, Literal

from pydantic import ConfigDict, Field

from salescore._base import FrozenModel
from salescore.errors import InvalidInputError

__all__ = ["CODES", "HEADINGS", "Lang", "Line", "Section", "heading"]

Lang = Literal["en", "zh-CN"]
#: Where a line belongs in the pack.
Section = Literal[
    "summary",
    "pace",
    "gap",
    "funnel",
    "aging",
    "activities",
    "forecast",
    "changes",
    "smart",
    "actions",
    "notes",
]

_BUCKET_NAMES: Final = {
    "won": ("won", "赢单"),
    "lost": ("lost", "输单"),
    "removed": ("removed from the CRM", "已从 CRM 删除"),
    "slipped": ("slipped out of the period", "移出本期"),
    "new": ("new", "新增"),
    "pulled_in": ("pulled into the period", "拉入本期"),
    "amount_up": ("amount up", "金额上调"),
    "amount_down": ("amount down", "金额下调"),
    "stage_forward": ("moved a stage forward", "阶段前进"),
    "stage_back": ("moved a stage back", "阶段后退"),
    "unchanged": ("unchanged", "未变"),
}

#: Every line code with its English and Simplified Chinese template, filled from
#: :attr:`Line.values` (amounts as decimal text, fractions as floats).
CODES: Final[Mapping[str, tuple[str, str]]] = {
    "summary.goal": (
        "goal {goal:,} {currency}: {actual:,} booked by {as_of} ({attainment:.1%} of the goal), "
        "{expected:,} expected by now",
        "目标 {goal:,} {currency}：截至 {as_of} 已成交 {actual:,}（完成目标的 {attainment:.1%}），"
        "按计划此时应完成 {expected:,}",
    ),
    "summary.on_pace": (
        "{on_pace} of {owners} reps are on pace",
        "{owners} 名销售中 {on_pace} 名达到进度",
    ),
    "pace.team_behind": (
        "team {team} is {behind:.1%} behind pace: {actual:,} booked against {expected:,} expected",
        "团队 {team} 落后进度 {behind:.1%}：已成交 {actual:,}，应完成 {expected:,}",
    ),
    "pace.team_ahead": (
        "team {team} is {ahead:.1%} ahead of pace: {actual:,} booked against {expected:,} expected",
        "团队 {team} 领先进度 {ahead:.1%}：已成交 {actual:,}，应完成 {expected:,}",
    ),
    "pace.rep_behind": (
        "{rep} is {behind:.1%} behind pace: {actual:,} booked against {expected:,} expected",
        "{rep} 落后进度 {behind:.1%}：已成交 {actual:,}，应完成 {expected:,}",
    ),
    "gap.remaining": (
        "{remaining:,} {currency} is still to book; at the {win_rate:.1%} win rate that needs "
        "{needed:,} of open pipeline and {open:,} is open (coverage {coverage:.2f}x of "
        "{ratio:.2f}x needed)",
        "尚需成交 {remaining:,} {currency}；按 {win_rate:.1%} 的赢率需要 {needed:,} 的在途管道，"
        "现有 {open:,}（覆盖率 {coverage:.2f} 倍，需要 {ratio:.2f} 倍）",
    ),
    "gap.met": (
        "the goal is met: {actual:,} booked against {goal:,}",
        "目标已达成：已成交 {actual:,}，目标 {goal:,}",
    ),
    "gap.stage": (
        "to close the gap from the start, {deals} deals worth {amount:,} must enter {stage} "
        "by {enter_by}",
        "若从头补足差距，需在 {enter_by} 前有 {deals} 个、金额 {amount:,} 的商机进入 {stage}",
    ),
    "gap.stage_undated": (
        "to close the gap from the start, {deals} deals worth {amount:,} must enter {stage} "
        "(no stage durations to say by when)",
        "若从头补足差距，需有 {deals} 个、金额 {amount:,} 的商机进入 {stage}（缺少阶段停留时长，"
        "无法给出最晚日期）",
    ),
    "gap.stage_late": (
        "deals entering {stage} now ({deals} deals, {amount:,}) are already too late to close "
        "by {period_end}: the last day was {enter_by}",
        "现在进入 {stage} 的商机（{deals} 个，{amount:,}）已来不及在 {period_end} 前成交："
        "最晚应在 {enter_by} 进入",
    ),
    "funnel.bottleneck": (
        "{stage}: conversion {actual:.1%} against {benchmark:.1%}; matching it would add "
        "{gain:,} won",
        "{stage}：转化率 {actual:.1%}，基准 {benchmark:.1%}；达到基准可多赢单 {gain:,}",
    ),
    "aging.summary": (
        "{deals} open deals worth {amount:,} have sat in their stage longer than the "
        "{percentile:.0%} percentile of past stays",
        "{deals} 个在途商机（金额 {amount:,}）在当前阶段停留超过历史停留时长的 {percentile:.0%} "
        "分位",
    ),
    "aging.deal": (
        "{deal} ({owner}) in {stage} for {days:.0f} days (threshold {threshold:.0f}), {amount:,}",
        "{deal}（{owner}）在 {stage} 已停留 {days:.0f} 天（阈值 {threshold:.0f} 天），"
        "金额 {amount:,}",
    ),
    "aging.none": (
        "no open deal has sat in its stage longer than the {percentile:.0%} percentile of past "
        "stays",
        "没有在途商机在当前阶段停留超过历史停留时长的 {percentile:.0%} 分位",
    ),
    "activities.summary": (
        "{activities} activities logged by {reps} reps this period so far; {silent} logged none",
        "本期至今 {reps} 名销售共记录 {activities} 次活动；{silent} 名没有记录",
    ),
    "activities.idle": (
        "{deals} open deals worth {amount:,} have had no activity since their last stage change",
        "{deals} 个在途商机（金额 {amount:,}）自上次阶段变化以来没有任何跟进活动",
    ),
    "activities.idle_deal": (
        "{deal} ({owner}) in {stage}: no activity in the {days} days since it moved, {amount:,}",
        "{deal}（{owner}）在 {stage}：阶段变化后 {days} 天没有跟进，金额 {amount:,}",
    ),
    "activities.none_idle": (
        "every open deal has been worked on since its last stage change",
        "每个在途商机自上次阶段变化以来都有跟进",
    ),
    "forecast.weighted": (
        "weighted forecast {forecast:,} {currency}: {won:,} won plus {weighted:,} weighted of "
        "{pipeline:,} open pipeline ({share:.1%} of the goal)",
        "加权预测 {forecast:,} {currency}：已赢单 {won:,}，加上 {pipeline:,} 在途管道的加权值 "
        "{weighted:,}（目标的 {share:.1%}）",
    ),
    "forecast.interval": (
        "{level:.0%} interval of the simulated bookings: {low:,.0f} to {high:,.0f}, median "
        "{median:,.0f} ({runs} runs, seed {seed})",
        "模拟成交额的 {level:.0%} 区间：{low:,.0f} 至 {high:,.0f}，中位数 {median:,.0f}"
        "（{runs} 次模拟，种子 {seed}）",
    ),
    "changes.summary": (
        "the period's pipeline went from {opening:,} ({opening_deals} deals) to {closing:,} "
        "({closing_deals} deals) since the last snapshot",
        "自上次快照以来，本期管道从 {opening:,}（{opening_deals} 个商机）变为 {closing:,}"
        "（{closing_deals} 个商机）",
    ),
    **{
        f"changes.{bucket}": (
            f"{en}: {{deals}} deals, {{change:+,}}",
            f"{zh}：{{deals}} 个商机，{{change:+,}}",
        )
        for bucket, (en, zh) in _BUCKET_NAMES.items()
    },
    "smart.summary": (
        "{fail} of {targets} targets for next period fail SMART and {warn} warn",
        "下期 {targets} 个目标中 {fail} 个未通过 SMART 检查，{warn} 个有警告",
    ),
    "smart.finding": (
        "{target_id}: {message_en}",
        "{target_id}：{message_zh}",
    ),
    "action.team_pipeline": (
        "team {team} is {behind:.0%} behind pace; at its {win_rate:.0%} win rate it needs "
        "{gap:,} more pipeline in {stage} by {enter_by}",
        "团队 {team} 落后进度 {behind:.0%}；按其 {win_rate:.0%} 的赢率，需在 {enter_by} 前"
        "在 {stage} 阶段增加 {gap:,} 的管道",
    ),
    "action.team_behind": (
        "team {team} is {behind:.0%} behind pace, {shortfall:,} short of the plan to date; "
        "its pipeline already covers the rest, so push the open deals to close",
        "团队 {team} 落后进度 {behind:.0%}，比计划少 {shortfall:,}；现有管道已足够覆盖剩余目标，"
        "请推动在途商机成交",
    ),
    "action.rep_behind": (
        "review {rep}'s pipeline: {shortfall:,} short of the {expected:,} expected by now",
        "检查 {rep} 的管道：比此时应完成的 {expected:,} 少 {shortfall:,}",
    ),
    "action.aging": (
        "review the {deals} ageing deals worth {amount:,}, longest first: {ids}",
        "逐一检查 {deals} 个停滞商机（金额 {amount:,}），从停留最久的开始：{ids}",
    ),
    "action.idle": (
        "follow up the {deals} open deals worth {amount:,} left alone since they moved, "
        "longest first: {ids}",
        "跟进 {deals} 个阶段变化后无人跟进的在途商机（金额 {amount:,}），从最久的开始：{ids}",
    ),
    "action.bottleneck": (
        "coach the {stage} stage: raising conversion from {actual:.0%} to {benchmark:.0%} "
        "adds {gain:,} won",
        "辅导 {stage} 阶段：将转化率从 {actual:.0%} 提升到 {benchmark:.0%} 可多赢单 {gain:,}",
    ),
    "action.slipped": (
        "ask about the {deals} deals worth {amount:,} that slipped out of the period",
        "追问移出本期的 {deals} 个商机（金额 {amount:,}）",
    ),
    "action.fix_targets": (
        "fix next period's targets before they go out: {fail} fail SMART ({ids})",
        "下发前修正下期目标：{fail} 个未通过 SMART 检查（{ids}）",
    ),
    "action.none": (
        "no action needed: every team is on pace",
        "无需行动：所有团队都达到进度",
    ),
    "notes.no_targets": (
        "no revenue target of the period for the reps in scope; pace and gap not assessed",
        "范围内的销售没有本期收入目标；未评估进度和差距",
    ),
    "notes.no_history": (
        "no stage histories given; ageing deals not assessed",
        "未提供阶段历史；未评估停滞商机",
    ),
    "notes.no_activities": (
        "no activities given; activities and idle deals not assessed",
        "未提供活动记录；未评估活动和无人跟进的商机",
    ),
    "notes.no_idle": (
        "no stage histories given; deals left alone since they moved not assessed",
        "未提供阶段历史；未评估阶段变化后无人跟进的商机",
    ),
    "notes.no_benchmark": (
        "no benchmark funnel; bottlenecks not assessed (give benchmark=, or review a team "
        "against the whole organisation)",
        "没有基准漏斗；未评估瓶颈阶段（请提供 benchmark=，或以整个组织为基准评估某个团队）",
    ),
    "notes.no_funnel": (
        "the funnel's conversions are unknown ({reason}); pipeline needed by stage not assessed",
        "漏斗转化率未知（{reason}）；未评估各阶段所需管道",
    ),
    "notes.no_previous": (
        "no previous snapshot; what changed not assessed",
        "未提供上次快照；未评估变化",
    ),
    "notes.no_next_targets": (
        "no targets for next period; SMART not assessed",
        "未提供下期目标；未评估 SMART",
    ),
}

#: Headings and table labels of the rendered pack, by key: (English, Chinese).
HEADINGS: Final[Mapping[str, tuple[str, str]]] = {
    "title": ("Sales review", "销售例会"),
    "scope": ("{node} · {period} · as of {as_of}", "{node} · {period} · 截至 {as_of}"),
    "everyone": ("whole organisation", "全组织"),
    "summary": ("Where we stand", "目标进展"),
    "pace": ("Pace by team and rep", "团队与个人进度"),
    "gap": ("Gap to goal", "目标差距"),
    "funnel": ("Funnel bottlenecks", "漏斗瓶颈"),
    "aging": ("Ageing deals", "停滞商机"),
    "activities": ("Activities", "过程活动"),
    "forecast": ("Forecast", "预测"),
    "changes": ("What changed", "管道变化"),
    "smart": ("Next period's targets", "下期目标"),
    "actions": ("Actions", "行动"),
    "notes": ("Not assessed", "未评估"),
    "owner": ("Rep", "销售"),
    "team": ("Team", "团队"),
    "target": ("Target", "目标"),
    "expected": ("Expected", "应完成"),
    "actual": ("Booked", "已成交"),
    "attainment": ("Attainment", "完成率"),
    "pace_gap": ("vs pace", "相对进度"),
    "stage": ("Stage", "阶段"),
    "deals": ("Deals", "商机数"),
    "amount": ("Amount", "金额"),
    "enter_by": ("Enter by", "最晚进入"),
    "chart_funnel": ("Funnel", "漏斗"),
    "chart_simulation": ("Simulated bookings", "模拟成交额"),
    "chart_changes": ("Pipeline waterfall", "管道瀑布图"),
}

_INDEX: Final = {"en": 0, "zh-CN": 1}

#: A value a line was judged on: a statistic, a count, or text (names, dates, exact amounts).
Value = float | int | str


def lang_index(lang: str) -> int:
    """0 for English, 1 for Simplified Chinese."""
    if lang not in _INDEX:
        raise InvalidInputError(f"lang {lang!r} is not supported; allowed: 'en', 'zh-CN'")
    return _INDEX[lang]


def heading(key: str, lang: str, **values: object) -> str:
    """A heading or label in ``lang``."""
    return HEADINGS[key][lang_index(lang)].format(**values)


def _render(template: str, values: Mapping[str, Value]) -> str:
    filled: dict[str, object] = {}
    for _, field, spec, _ in Formatter().parse(template):
        if field is None or field in filled:
            continue
        value: object = values[field]
        if spec and isinstance(value, str) and spec[-1:] not in ("s",):
            value = Decimal(value)
        filled[field] = value
    return template.format(**filled)


class Line(FrozenModel):
    """One sentence of a review pack.

    Parameters
    ----------
    code : str
        Stable code, a key of :data:`CODES` (``"pace.team_behind"``).
    section : str
        Where it belongs: ``summary``, ``pace``, ``gap``, ``funnel``,
        ``aging``, ``forecast``, ``changes``, ``smart``, ``actions`` or ``notes``.
    values : dict
        The numbers and names it states: fractions [fraction], amounts as
        exact decimal text [currency], counts, ids and ISO dates.
    impact : Decimal, optional
        For actions, the money at stake used to order them [currency].

    Examples
    --------
    >>> line = Line(code="action.slipped", section="actions",
    ...             values={"deals": 3, "amount": "250000.00"})
    >>> line.text("en")
    'ask about the 3 deals worth 250,000.00 that slipped out of the period'
    >>> line.text("zh-CN")
    '追问移出本期的 3 个商机（金额 250,000.00）'
    """

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")

    code: str
    section: Section
    values: dict[str, Value] = Field(default_factory=dict)
    impact: Decimal | None = None

    def text(self, lang: Lang = "en") -> str:
        """The sentence in ``"en"`` or ``"zh-CN"``."""
        if self.code not in CODES:
            raise InvalidInputError(f"line code {self.code!r} is not among the review codes")
        return _render(CODES[self.code][lang_index(lang)], self.values)
