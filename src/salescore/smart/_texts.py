"""Every English and Simplified Chinese text of the SMART findings, and how they are filled."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from string import Formatter
from typing import Final

from salescore.errors import InvalidInputError
from salescore.smart._common import Value

__all__ = ["CODES"]


#: Every finding code with its English and Simplified Chinese message templates.
#: Templates are filled from :attr:`Finding.values`.
CODES: Final[Mapping[str, tuple[str, str]]] = {
    "S.no_metric": (
        "the goal names no metric; choose one from the catalogue or name a custom metric",
        "目标没有指定指标；请从指标目录中选择，或命名一个自定义指标",
    ),
    "S.vague_text": (
        "'{text}' is free text, not a metric; say what is measured (revenue, deals won, ...)",
        "“{text}”只是描述，不是指标；请说明衡量什么（收入、成交数……）",
    ),
    "S.no_owner": (
        "the goal has no owner; name the company, team, rep, channel or territory",
        "目标没有负责人；请指定公司、团队、销售代表、渠道或区域",
    ),
    "S.no_scope": (
        "{metric} needs a scope naming the {missing}",
        "{metric} 需要在范围中指定 {missing}",
    ),
    "S.no_direction": (
        "the goal has no direction; say increase, decrease, at least or at most",
        "目标没有方向；请说明增加、减少、至少或至多",
    ),
    "M.no_value": (
        "the goal has no numeric value",
        "目标没有数值",
    ),
    "M.no_currency": (
        "{metric} is an amount of money but the goal has no currency",
        "{metric} 是金额，但目标没有币种",
    ),
    "M.currency_not_allowed": (
        "{metric} is not an amount of money but the goal carries currency {currency}",
        "{metric} 不是金额，但目标带有币种 {currency}",
    ),
    "M.unit_mismatch": (
        "unit '{unit}' does not fit {metric}; rates and shares are fractions in [0, 1]",
        "单位“{unit}”不适合 {metric}；比率和份额应为 [0, 1] 之间的小数",
    ),
    "M.not_whole_number": (
        "{metric} counts whole things but the goal value is {value}",
        "{metric} 是计数，但目标值为 {value}，不是整数",
    ),
    "M.negative_value": (
        "the goal value {value} is negative; {metric} cannot be below 0",
        "目标值 {value} 为负数；{metric} 不能小于 0",
    ),
    "M.no_baseline": (
        "a goal to {direction} needs a baseline to measure the change against",
        "“{direction}”类目标需要一个基线来衡量变化",
    ),
    "A.rate_out_of_bounds": (
        "{metric} of {value} is outside [0, 1]; a rate or share cannot be reached there",
        "{metric} 为 {value}，超出 [0, 1]；比率或份额不可能达到",
    ),
    "A.growth_above_history": (
        "the goal needs {required_growth:.1%} growth over the baseline {baseline:,}, more than "
        "{percentile:.0%} of the last {n} period-over-period growths (z = {z:.2f})",
        "目标需要在基线 {baseline:,} 上增长 {required_growth:.1%}，超过过去 {n} 期环比增长中的 "
        "{percentile:.0%}（z = {z:.2f}）",
    ),
    "A.growth_below_history": (
        "the goal needs only {required_growth:.1%} growth over the baseline {baseline:,}, less "
        "than {share_above:.0%} of the last {n} period-over-period growths: history already "
        "delivers more (sandbagging)",
        "目标只需在基线 {baseline:,} 上增长 {required_growth:.1%}，低于过去 {n} 期环比增长中的 "
        "{share_above:.0%}：历史表现已经更好（目标偏保守）",
    ),
    "A.pipeline_short": (
        "open pipeline {open_pipeline:,} covers the remaining {remaining:,} {coverage:.2f} times; "
        "a win rate of {win_rate:.1%} needs {needed:.2f} times",
        "未结商机 {open_pipeline:,} 对剩余目标 {remaining:,} 的覆盖率为 {coverage:.2f} 倍；"
        "赢单率 {win_rate:.1%} 需要 {needed:.2f} 倍",
    ),
    "A.already_achieved": (
        "{achieved:,} is already achieved, at or above the goal {value:,}",
        "已完成 {achieved:,}，达到或超过目标 {value:,}",
    ),
    "A.above_capacity": (
        "the goal {value:,} is {ratio:.2f} times what {fte:.2f} full-time reps delivered at "
        "{productivity:,} each ({capacity:,})",
        "目标 {value:,} 是 {fte:.2f} 名全职销售按每人 {productivity:,} 的历史产出（{capacity:,}）"
        "的 {ratio:.2f} 倍",
    ),
    "R.different_metric": (
        "the goal measures {metric} but its parent {parent_id} measures {parent_metric}, "
        "a related metric that does not add up to it",
        "目标衡量 {metric}，而上级目标 {parent_id} 衡量 {parent_metric}：相关但不能直接汇总",
    ),
    "R.unrelated_metric": (
        "the goal measures {metric} but its parent {parent_id} measures {parent_metric}, "
        "an unrelated metric",
        "目标衡量 {metric}，而上级目标 {parent_id} 衡量无关的指标 {parent_metric}",
    ),
    "R.period_outside_parent": (
        "the goal's period {period} is not inside its parent's period {parent_period}",
        "目标期间 {period} 不在上级目标期间 {parent_period} 之内",
    ),
    "R.scope_outside_parent": (
        "the goal's scope {key}={value} is outside its parent's scope {key}={parent_value}",
        "目标范围 {key}={value} 超出上级目标范围 {key}={parent_value}",
    ),
    "R.currency_differs": (
        "the goal is in {currency} but its parent {parent_id} is in {parent_currency}",
        "目标币种为 {currency}，而上级目标 {parent_id} 的币种为 {parent_currency}",
    ),
    "R.children_short": (
        "this goal and its siblings add up to {children_sum:,}, "
        "short of the parent's {parent_value:,}",
        "本目标与同级目标合计 {children_sum:,}，低于上级目标 {parent_value:,}",
    ),
    "R.children_over": (
        "this goal and its siblings add up to {children_sum:,}, "
        "above the parent's {parent_value:,}",
        "本目标与同级目标合计 {children_sum:,}，高于上级目标 {parent_value:,}",
    ),
    "R.owner_unknown": (
        "the owner {owner_kind} {owner_id} is not in the organisation",
        "负责人 {owner_kind} {owner_id} 不在组织中",
    ),
    "R.owner_outside_parent": (
        "the owner {owner_kind} {owner_id} is not in the parent's team {parent_team}",
        "负责人 {owner_kind} {owner_id} 不属于上级目标的团队 {parent_team}",
    ),
    "T.no_period": (
        "the goal has no period; say when it starts and ends",
        "目标没有期间；请说明起止日期",
    ),
    "T.period_over": (
        "the period {period} ended on {end} (exclusive), before {as_of}",
        "期间 {period} 已于 {end}（不含）结束，早于 {as_of}",
    ),
    "T.period_too_short": (
        "a {days}-day period is short for {metric}; at least {min_days} days are usual",
        "对 {metric} 来说 {days} 天的期间太短；通常至少 {min_days} 天",
    ),
    "T.period_too_long": (
        "a {days}-day period is long for a goal; at most {max_days} days keeps it actionable",
        "{days} 天的期间对目标来说太长；不超过 {max_days} 天才便于执行",
    ),
}


#: Suggestion templates (English, Simplified Chinese), filled from values and ``suggested``.
_SUGGESTIONS: Final[Mapping[str, tuple[str, str]]] = {
    "A.growth_above_history": (
        "a target of {bound} {suggested:,} keeps required growth within the "
        "{stretch_rank} percentile of the last {n} periods",
        "目标{bound_zh} {suggested:,} 可使所需增长不超过过去 {n} 期的第 {stretch_n} 百分位",
    ),
    "A.growth_below_history": (
        "a target of {bound} {suggested:,} asks at least the growth of the "
        "{sandbag_rank} percentile of the last {n} periods",
        "目标{bound_zh} {suggested:,} 可使所需增长不低于过去 {n} 期的第 {sandbag_n} 百分位",
    ),
    "A.pipeline_short": (
        "a target of at most {suggested:,} is covered by the open pipeline at this win rate",
        "目标不超过 {suggested:,} 时，现有商机按此赢单率可以覆盖",
    ),
    "A.above_capacity": (
        "a target of at most {suggested:,} fits the team's capacity",
        "目标不超过 {suggested:,} 时与团队产能相符",
    ),
    "R.children_short": (
        "a target of {suggested:,} makes the children add up to the parent",
        "目标设为 {suggested:,} 可使下级目标之和等于上级目标",
    ),
    "R.children_over": (
        "a target of {suggested:,} makes the children add up to the parent",
        "目标设为 {suggested:,} 可使下级目标之和等于上级目标",
    ),
    "A.rate_out_of_bounds": (
        "a target of {suggested} is the nearest reachable value",
        "目标设为 {suggested} 是最接近的可达值",
    ),
}


_DIRECTION_ZH: Final[dict[str, str]] = {
    "at most": "至多",
    "at least": "至少",
}


def _render(template: str, values: Mapping[str, Value], **extra: object) -> str:
    """Fill ``template``; amounts stored as text are formatted as Decimals (``{x:,}``)."""
    filled: dict[str, object] = {}
    for _, field, spec, _ in Formatter().parse(template):
        if field is None or field in filled:
            continue
        value = extra[field] if field in extra else values[field]
        if spec and isinstance(value, str):
            value = Decimal(value)
        filled[field] = value
    return template.format(**filled)


def _locale_index(locale: str) -> int:
    if locale == "en":
        return 0
    if locale == "zh-CN":
        return 1
    raise InvalidInputError(f"locale {locale!r} is not supported; allowed: 'en', 'zh-CN'")
