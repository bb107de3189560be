"""SMART validation of sales targets: Specific, Measurable, Achievable, Relevant, Time-bound.

A manager types a goal into a CRM form; :func:`assess_smart` says whether it
is SMART, why not, and what would make it so. :func:`assess_tree` assesses a
whole target tree (company, teams, reps) at once, with the history work
vectorised. A goal that is not SMART is an assessment result, never an
exception; only contradictory *evidence* (history in another currency, a
baseline period after the target period) raises.

Every finding has a stable code (``S.no_scope``, ``A.growth_above_history``,
...), the criterion it belongs to, a severity, the numbers it was judged on,
a message in English and Simplified Chinese and, where one can be computed, a
suggested target value. The concept page lists every code with its formula.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from string import Formatter
from typing import Final, Literal, Self

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field, model_validator

from salescore._base import FrozenModel
from salescore._failures import Failures
from salescore._numeric import DECIMAL_CONTEXT, check_fraction, exact_decimals, to_decimal
from salescore.calendar import Period
from salescore.error_codes import FailureReason
from salescore.errors import CurrencyMismatchError, FrameValidationError, InvalidInputError
from salescore.frames import from_frame
from salescore.models import (
    Metric,
    Opportunity,
    Organization,
    OwnerKind,
    Pipeline,
    StageKind,
    Target,
)
from salescore.money import Money, check_currency, minor_unit
from salescore.serialization import Result

__all__ = [
    "CODES",
    "CapacityEvidence",
    "Criterion",
    "CriterionResult",
    "Finding",
    "PipelineEvidence",
    "Severity",
    "SmartAssessment",
    "SmartPolicy",
    "Status",
    "TreeAssessment",
    "assess_smart",
    "assess_tree",
]

#: The five letters, in order.
Criterion = Literal["S", "M", "A", "R", "T"]
#: How bad a finding is: ``info`` never changes a status.
Severity = Literal["info", "warn", "fail"]
#: A criterion's (or the overall) result; ``not_assessed`` when no check could run.
Status = Literal["pass", "warn", "fail", "not_assessed"]
Locale = Literal["en", "zh-CN"]

_CRITERIA: Final[tuple[Criterion, ...]] = ("S", "M", "A", "R", "T")
_RANK: Final[dict[str, int]] = {"not_assessed": 0, "pass": 1, "info": 1, "warn": 2, "fail": 3}

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

_DEFAULT_FAMILIES: Final[dict[Metric, str]] = {
    Metric.REVENUE: "sales",
    Metric.UNITS: "sales",
    Metric.DEALS_WON: "sales",
    Metric.AVERAGE_DEAL_SIZE: "sales",
    Metric.CONVERSION_RATE: "funnel",
    Metric.NEW_CUSTOMERS: "customers",
    Metric.CHURN_RATE: "customers",
    Metric.MARKET_SHARE: "market",
    Metric.CUSTOMER_SATISFACTION: "satisfaction",
}


def _default_scopes() -> dict[Metric, tuple[str, ...]]:
    return {Metric.MARKET_SHARE: ("market",)}


class SmartPolicy(FrozenModel):
    """Every threshold SMART validation uses, with documented, overridable defaults.

    Parameters
    ----------
    stretch_percentile : float
        Required growth above this percentile of past period-over-period
        growth warns ``A.growth_above_history`` [fraction], default 0.9.
    sandbag_percentile : float
        Required growth below this percentile warns ``A.growth_below_history``
        (history already delivers more) [fraction], default 0.1.
    growth_z_fail : float
        A required growth whose z-score against past growth reaches this
        fails instead of warning, default 3.
    min_history_growths : int
        Fewer past growth observations than this and the history check is not
        assessed, default 3.
    coverage_fail_ratio : float
        Pipeline coverage below the needed coverage warns; below this share
        of it, fails [fraction], default 0.5.
    capacity_fail_ratio : float
        A target above capacity warns; above this multiple of it, fails,
        default 1.25.
    sum_tolerance : float
        Children may differ from their parent by this share of the parent's
        value without a finding [fraction], default 0.005.
    min_period_days : dict of str to int
        Shortest sensible period per metric kind [days]: money 7, count 7,
        rate 28, level 28.
    max_period_days : int
        Longest sensible period [days], default 731 (two years).
    scope_required : dict of Metric to tuple of str
        Scope keys a metric needs: market share needs a ``market``.
    metric_families : dict of Metric to str
        Metrics in one family relate (revenue and units); different families
        do not (revenue and churn rate).

    Examples
    --------
    >>> SmartPolicy().stretch_percentile
    0.9
    >>> SmartPolicy(sandbag_percentile=0.95)
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: SmartPolicy: sandbag_percentile 0.95 must be below ...
    """

    stretch_percentile: float = 0.9
    sandbag_percentile: float = 0.1
    growth_z_fail: float = Field(default=3.0, gt=0)
    min_history_growths: int = Field(default=3, ge=1)
    coverage_fail_ratio: float = 0.5
    capacity_fail_ratio: float = Field(default=1.25, ge=1)
    sum_tolerance: float = 0.005
    min_period_days: dict[str, int] = Field(
        default_factory=lambda: {"money": 7, "count": 7, "rate": 28, "level": 28}
    )
    max_period_days: int = Field(default=731, ge=1)
    scope_required: dict[Metric, tuple[str, ...]] = Field(default_factory=lambda: _default_scopes())
    metric_families: dict[Metric, str] = Field(default_factory=lambda: dict(_DEFAULT_FAMILIES))

    @model_validator(mode="after")
    def _check(self) -> Self:
        for name in ("stretch_percentile", "sandbag_percentile", "coverage_fail_ratio"):
            check_fraction(getattr(self, name), what=name)
        check_fraction(self.sum_tolerance, what="sum_tolerance")
        if self.sandbag_percentile >= self.stretch_percentile:
            raise InvalidInputError(
                f"sandbag_percentile {self.sandbag_percentile} must be below "
                f"stretch_percentile {self.stretch_percentile}"
            )
        return self


class PipelineEvidence(FrozenModel):
    """The open pipeline behind a target, for the coverage check.

    Parameters
    ----------
    open_pipeline : Decimal
        Open pipeline due in the target period, weighted by each deal's
        probability [target unit: currency for money goals, deals for counts].
    win_rate : float
        Historical win rate, won ÷ (won + lost) [fraction].
    achieved : Decimal
        What is already closed toward the target in its period [target unit],
        default 0.
    currency : str, optional
        Currency of the amounts; must match a money target's currency.

    Examples
    --------
    >>> PipelineEvidence(open_pipeline="900000", win_rate=0.25, currency="CNY").needed_coverage
    4.0
    """

    open_pipeline: Decimal
    win_rate: float
    achieved: Decimal = Decimal(0)
    currency: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        check_fraction(self.win_rate, what="win_rate")
        if self.open_pipeline < 0:
            raise InvalidInputError(f"open_pipeline {self.open_pipeline} is negative; it is >= 0")
        if self.currency is not None:
            check_currency(self.currency)
        return self

    @property
    def needed_coverage(self) -> float:
        """Coverage the win rate needs, 1 ÷ win rate [ratio]; ``inf`` at a zero win rate."""
        return math.inf if self.win_rate == 0 else 1.0 / self.win_rate

    @classmethod
    def from_opportunities(
        cls,
        opportunities: Sequence[Opportunity],
        pipeline: Pipeline,
        period: Period,
        *,
        currency: str,
        win_rate: float | None = None,
        win_rate_period: Period | None = None,
    ) -> PipelineEvidence:
        """Evidence for a money target from deals.

        ``open_pipeline`` is the sum over open deals expected to close in
        ``period`` of amount × probability (the deal's own, else its stage's);
        open deals without an expected close date are left out. ``achieved``
        is the amount won with a close date in ``period``. ``win_rate``, when
        not given, is won ÷ (won + lost) over deals closed in
        ``win_rate_period`` (default: every deal closed before ``period``
        starts).

        Raises
        ------
        CurrencyMismatchError
            A deal is not in ``currency``.
        InvalidInputError
            An unknown stage, or no closed deal to estimate the win rate from.

        Examples
        --------
        >>> from datetime import date
        >>> from salescore.models import Stage
        >>> pipe = Pipeline(stages=(Stage(name="Open", order=0, probability=0.5),
        ...     Stage(name="Won", order=1, probability=1, kind="won"),
        ...     Stage(name="Lost", order=2, probability=0, kind="lost")))
        >>> def deal(i, stage, amount, closed=None, due=None):
        ...     return Opportunity(id=i, owner_id="R1", amount=amount, currency="CNY",
        ...         stage=stage, created_on=date(2025, 1, 2), close_date=closed,
        ...         expected_close_date=due)
        >>> deals = [deal("A", "Won", 100, date(2025, 6, 1)),
        ...          deal("B", "Lost", 50, date(2025, 7, 1)),
        ...          deal("C", "Won", 80, date(2026, 2, 1)),
        ...          deal("D", "Open", 300, due=date(2026, 5, 1))]
        >>> ev = PipelineEvidence.from_opportunities(deals, pipe, Period.year(2026), currency="CNY")
        >>> ev.open_pipeline, ev.achieved, ev.win_rate
        (Decimal('150.0'), Decimal('80'), 0.5)
        """
        check_currency(currency)
        achieved = Decimal(0)
        weighted = Decimal(0)
        won = lost = 0
        window = win_rate_period
        for o in opportunities:
            stage = pipeline.check_stage(o.stage, what=f"opportunity {o.id!r} stage")
            if o.currency != currency:
                raise CurrencyMismatchError(
                    f"opportunity {o.id!r} is in {o.currency}, not {currency}; "
                    "convert it with FxRates first"
                )
            closed = o.close_date
            if stage.kind is StageKind.WON and closed is not None and period.contains(closed):
                achieved = DECIMAL_CONTEXT.add(achieved, o.amount)
            due = o.expected_close_date
            if not stage.is_closed and due is not None and period.contains(due):
                p = o.probability if o.probability is not None else stage.probability
                share = DECIMAL_CONTEXT.multiply(o.amount, to_decimal(p, what="probability"))
                weighted = DECIMAL_CONTEXT.add(weighted, share)
            in_window = closed is not None and (
                window.contains(closed) if window is not None else closed < period.start
            )
            if in_window:
                won += stage.kind is StageKind.WON
                lost += stage.kind is StageKind.LOST
        if win_rate is None:
            if won + lost == 0:
                raise InvalidInputError(
                    "no deal closed in the win-rate window, so the win rate is unknown; "
                    "pass win_rate= or a win_rate_period with closed deals"
                )
            win_rate = won / (won + lost)
        return cls(open_pipeline=weighted, win_rate=win_rate, achieved=achieved, currency=currency)


class CapacityEvidence(FrozenModel):
    """What the owner's reps can deliver, for the capacity check.

    Parameters
    ----------
    fte : float
        Reps' capacity over the target period in full-time equivalents (sum of
        each rep's capacity × share of the period employed × ramp) [reps].
    productivity : Decimal
        Historical output of one full-time rep over a period of the target's
        length [target unit per rep].
    currency : str, optional
        Currency of ``productivity``; must match a money target's currency.

    Examples
    --------
    >>> CapacityEvidence(fte=4.5, productivity="200000", currency="CNY").capacity
    Decimal('900000.0')
    """

    fte: float = Field(ge=0)
    productivity: Decimal = Field(ge=0)
    currency: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not math.isfinite(self.fte):
            raise InvalidInputError(f"fte {self.fte} is not finite")
        if self.currency is not None:
            check_currency(self.currency)
        return self

    @property
    def capacity(self) -> Decimal:
        """``fte × productivity`` [target unit]."""
        return DECIMAL_CONTEXT.multiply(to_decimal(self.fte, what="fte"), self.productivity)


# z-scores and ratios may be infinite; results keep them so through JSON.
_RESULT_CONFIG: Final = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")

#: A value a finding was judged on: a float or int statistic, a name, or an
#: exact decimal amount kept as text (``"1400.10"``) so JSON round-trips it.
Value = float | int | str


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


class Finding(FrozenModel):
    """One reason a target is, or is not, SMART.

    Parameters
    ----------
    code : str
        Stable code, a key of :data:`CODES` (``"S.no_scope"``).
    criterion : {"S", "M", "A", "R", "T"}
        The letter it belongs to.
    severity : {"info", "warn", "fail"}
        ``fail`` makes the criterion fail; ``warn`` makes it warn.
    target_id : str
        The target judged.
    values : dict
        The numbers (and names) it was judged on; fractions are [fraction],
        amounts in the target's unit, as exact decimal text (``"1400.10"``).
    suggested_value : Decimal, optional
        A target value that would clear the finding, where one can be computed.
    """

    code: str
    criterion: Criterion
    severity: Severity
    target_id: str
    values: dict[str, Value] = Field(default_factory=dict)
    suggested_value: Decimal | None = None

    model_config = _RESULT_CONFIG

    def message(self, locale: Locale = "en") -> str:
        """The finding in words, in ``"en"`` or ``"zh-CN"``."""
        return _render(CODES[self.code][_locale_index(locale)], self.values)

    def suggestion(self, locale: Locale = "en") -> str | None:
        """What would clear the finding, or ``None`` when nothing can be computed."""
        if self.suggested_value is None:
            return None
        template = _SUGGESTIONS[self.code][_locale_index(locale)]
        return _render(template, self.values, suggested=self.suggested_value)


class CriterionResult(FrozenModel):
    """The result for one letter: its status, findings and the checks not run.

    ``not_assessed`` names each check skipped for lack of evidence, with why.
    """

    model_config = _RESULT_CONFIG

    criterion: Criterion
    status: Status
    findings: tuple[Finding, ...] = ()
    not_assessed: tuple[str, ...] = ()


class SmartAssessment(FrozenModel):
    """A target's SMART assessment: one result per letter and an overall verdict.

    ``verdict`` is the worst criterion status (``fail`` > ``warn`` > ``pass``);
    a criterion that could not be assessed does not lower it.
    """

    model_config = _RESULT_CONFIG

    target_id: str
    criteria: tuple[CriterionResult, ...]
    verdict: Literal["pass", "warn", "fail"]

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding, in S, M, A, R, T order."""
        return tuple(f for c in self.criteria for f in c.findings)

    @property
    def is_smart(self) -> bool:
        """True when no criterion fails."""
        return self.verdict != "fail"

    def __getitem__(self, criterion: Criterion) -> CriterionResult:
        """The result for one letter."""
        return self.criteria[_CRITERIA.index(criterion)]

    def report(self, locale: Locale = "en") -> str:
        """A plain-text report: verdict, then one line per finding and suggestion."""
        head = {"en": "verdict", "zh-CN": "结论"}[locale]
        lines = [f"{self.target_id}: {head} {self.verdict}"]
        for c in self.criteria:
            lines.append(f"  {c.criterion}: {c.status}")
            for f in c.findings:
                lines.append(f"    [{f.severity}] {f.code}: {f.message(locale)}")
                hint = f.suggestion(locale)
                if hint is not None:
                    lines.append(f"      -> {hint}")
        return "\n".join(lines)


@dataclass(frozen=True)
class TreeAssessment(Result):
    """The assessment of a whole target tree.

    Attributes
    ----------
    findings : pandas.DataFrame
        One row per finding: ``target_id``, ``criterion``, ``code``,
        ``severity``, ``message`` (in the requested locale),
        ``suggested_value`` (float, NaN when none) [target unit].
    summary : pandas.DataFrame
        One row per target, indexed by ``target_id`` in input order: status of
        ``S``, ``M``, ``A``, ``R``, ``T`` and the ``verdict``.
    assessments : tuple of SmartAssessment
        The full assessments, in input order.
    """

    findings: pd.DataFrame
    summary: pd.DataFrame
    assessments: tuple[SmartAssessment, ...]


def _locale_index(locale: str) -> int:
    if locale == "en":
        return 0
    if locale == "zh-CN":
        return 1
    raise InvalidInputError(f"locale {locale!r} is not supported; allowed: 'en', 'zh-CN'")


# -- history: the vectorised kernel ------------------------------------------

_HISTORY_COLUMNS: Final = ("target_id", "start", "end", "value")


@dataclass(frozen=True)
class _HistoryStats:
    """Per-target growth statistics, all in the target's own direction."""

    n: int
    baseline: float
    required: float
    percentile: float
    z: float
    upper: float  # growth at the stretch percentile (real direction)
    lower: float  # growth at the sandbag percentile (real direction)


def _history_frame_from(target: Target, history: object) -> pd.DataFrame:
    """Read a single target's history (mapping or pairs of Period and value) into a frame."""
    pairs = list(history.items()) if isinstance(history, Mapping) else list(history)  # type: ignore[call-overload]
    rows: list[dict[str, object]] = []
    for item in pairs:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Period)):
            raise InvalidInputError(
                f"history item {item!r} is not a (Period, value) pair; history is a mapping or "
                "sequence of Period to value"
            )
        period, value = item
        currency = value.currency if isinstance(value, Money) else None
        amount = value.amount if isinstance(value, Money) else to_decimal(value, what="history")
        rows.append(
            {
                "target_id": target.id,
                "start": period.start,
                "end": period.end,
                "value": float(amount),
                "currency": currency,
            }
        )
    return pd.DataFrame(rows, columns=[*_HISTORY_COLUMNS, "currency"])


def _check_history_frame(history: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    """Validate a bulk history frame (all failures at once) and return a clean copy."""
    missing = [c for c in _HISTORY_COLUMNS if c not in history.columns]
    if missing:
        raise InvalidInputError(
            f"history frame lacks column(s) {missing}; required: {list(_HISTORY_COLUMNS)}"
        )
    out = pd.DataFrame(
        {
            "target_id": history["target_id"].astype(str),
            "start": pd.to_datetime(history["start"]),
            "end": pd.to_datetime(history["end"]),
            "value": pd.to_numeric(history["value"], errors="coerce").astype(np.float64),
            "currency": history["currency"] if "currency" in history.columns else None,
        },
        index=history.index,
    )
    problems = [
        (out["value"].isna() | ~np.isfinite(out["value"]), "value", FailureReason.NOT_FINITE),
        (out["end"] <= out["start"], "end", FailureReason.END_NOT_AFTER_START),
        (~out["target_id"].isin(ids), "target_id", FailureReason.UNKNOWN_TARGET),
        (
            out.duplicated(["target_id", "start"], keep=False),
            "start",
            FailureReason.DUPLICATE_PERIOD,
        ),
    ]
    failures = Failures(history)
    for mask, column, reason in problems:
        failures.add(column, reason, np.asarray(mask, dtype=bool))
    if len(failures):
        table = failures.table()
        raise FrameValidationError(
            f"history frame has {len(table)} failure(s): "
            f"{', '.join(sorted(set(table['reason'])))}; {failures.summary()}",
            table,
        )
    return out


def _history_stats(
    history: pd.DataFrame, targets: Sequence[Target], policy: SmartPolicy
) -> dict[str, _HistoryStats | str]:
    """Growth statistics per target from a validated history frame, vectorised.

    Returns, per target id with history, either its statistics or why the
    history check could not run. Raises on contradictory evidence.
    """
    usable = [(t, t.value, t.period) for t in targets]
    usable = [(t, v, p) for t, v, p in usable if v is not None and p is not None]
    info = pd.DataFrame(
        {
            "target_id": [t.id for t, _, _ in usable],
            "required_value": [float(v) for _, v, _ in usable if v is not None],
            "baseline_value": [
                np.nan if t.baseline_value is None else float(t.baseline_value)
                for t, _, _ in usable
            ],
            "sign": [
                -1.0 if t.direction is not None and not t.direction.higher_is_better else 1.0
                for t, _, _ in usable
            ],
            "period_start": pd.to_datetime(
                pd.Series([p.start for _, _, p in usable if p is not None], dtype=object)
            ),
            "days": [p.days for _, _, p in usable if p is not None],
            "currency": [t.currency for t, _, _ in usable],
        }
    )
    h = history.merge(info, on="target_id", how="inner", validate="many_to_one")
    if h.empty:
        return {}
    # Contradictions: history after the target starts, in another currency, of another length.
    late = h["end"] > h["period_start"]
    if late.any():
        row = h[late].iloc[0]
        raise InvalidInputError(
            f"history period {row['start'].date()}..{row['end'].date()} of target "
            f"{row['target_id']!r} ends after the target period starts on "
            f"{row['period_start'].date()}; history must precede the target"
        )
    clash = h["currency_x"].notna() & h["currency_y"].notna() & (h["currency_x"] != h["currency_y"])
    if clash.any():
        row = h[clash].iloc[0]
        raise CurrencyMismatchError(
            f"history of target {row['target_id']!r} is in {row['currency_x']} but the "
            f"target is in {row['currency_y']}; convert it with FxRates first"
        )
    hdays = (h["end"] - h["start"]).dt.days
    ratio = hdays / h["days"]
    off = (ratio < 0.9) | (ratio > 1.1)
    if off.any():
        row = h[off].iloc[0]
        raise InvalidInputError(
            f"history period of {int(hdays[off].iloc[0])} days for target "
            f"{row['target_id']!r} does not match its {int(row['days'])}-day target period; "
            "give history at the target's grain"
        )
    h = h.sort_values(["target_id", "start"], kind="stable")
    grouped = h.groupby("target_id", sort=False)
    prev_value = grouped["value"].shift(1)
    prev_end = grouped["end"].shift(1)
    # Growth between consecutive periods only; a gap or a non-positive base has none.
    ok = (prev_end == h["start"]) & (prev_value > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = h["value"] / prev_value - 1.0
    h = h.assign(signed=np.where(ok, growth, np.nan) * h["sign"])
    last = grouped["value"].last()
    baseline = h.groupby("target_id", sort=False)["baseline_value"].first().fillna(last)
    first_rows = h.groupby("target_id", sort=False)[["required_value", "sign"]].first()
    with np.errstate(divide="ignore", invalid="ignore"):
        required = (first_rows["required_value"] / baseline - 1.0).where(baseline > 0)
    g = h.dropna(subset=["signed"])
    gg = g.groupby("target_id", sort=False)["signed"]
    n = gg.size().reindex(baseline.index, fill_value=0)
    mean = gg.mean().reindex(baseline.index)
    std = gg.std(ddof=1).reindex(baseline.index)
    upper = gg.quantile(policy.stretch_percentile).reindex(baseline.index)
    lower = gg.quantile(policy.sandbag_percentile).reindex(baseline.index)
    signed_required = required * first_rows["sign"]
    req_rows = g["target_id"].map(signed_required)
    below = (g["signed"] < req_rows).astype(np.float64) + 0.5 * (g["signed"] == req_rows)
    percentile = below.groupby(g["target_id"], sort=False).sum().reindex(baseline.index) / n
    diff = signed_required - mean
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(std > 0, diff / std, np.sign(diff) * np.inf)
    z = np.where(diff == 0, 0.0, z)
    out: dict[str, _HistoryStats | str] = {}
    sign = first_rows["sign"].to_numpy()
    # Back from the signed space: for lower-is-better goals the stretch bound
    # is the low end of real growth.
    columns = zip(
        baseline.index.tolist(),
        baseline.to_numpy().tolist(),
        n.to_numpy().tolist(),
        required.to_numpy().tolist(),
        percentile.to_numpy().tolist(),
        z.tolist(),
        (upper.to_numpy() * sign).tolist(),
        (lower.to_numpy() * sign).tolist(),
        strict=True,
    )
    for tid, base, count, req, pct, zz, hi, lo in columns:
        if not base > 0:
            out[tid] = "history: the baseline is not positive, so growth is undefined"
        elif count < policy.min_history_growths:
            out[tid] = (
                f"history: {count} period-over-period growth(s), "
                f"fewer than the {policy.min_history_growths} needed"
            )
        else:
            out[tid] = _HistoryStats(
                n=int(count),
                baseline=float(base),
                required=float(req),
                percentile=float(pct),
                z=float(zz),
                upper=float(hi),
                lower=float(lo),
            )
    return out


# -- the per-target checks -----------------------------------------------------


def _fmt(value: Decimal | float) -> Decimal:
    """A Decimal for messages: exact for Decimals, shortest repr for floats."""
    return value if isinstance(value, Decimal) else to_decimal(value)


def _ordinal(fraction: float) -> str:
    """``0.9`` -> ``"90th"``, ``0.01`` -> ``"1st"``, ``0.22`` -> ``"22nd"``."""
    n = round(fraction * 100)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _round_suggestion(target: Target, value: float | Decimal, *, up: bool) -> Decimal:
    """Round a suggested value to the target's unit, toward the safe side."""
    number = to_decimal(value, what="suggestion")
    rounding = ROUND_CEILING if up else ROUND_FLOOR
    if target.kind == "count":
        places = 0
    elif target.currency is not None:
        places = minor_unit(target.currency)
    else:
        places = 4
    quantum = Decimal(1).scaleb(-places)
    return number.quantize(quantum, rounding=rounding, context=DECIMAL_CONTEXT)


class _Collector:
    """Findings and skipped checks gathered while assessing one target."""

    def __init__(self, target_id: str) -> None:
        self.target_id = target_id
        self.findings: dict[Criterion, list[Finding]] = {c: [] for c in _CRITERIA}
        self.skipped: dict[Criterion, list[str]] = {c: [] for c in _CRITERIA}
        self.ran: dict[Criterion, int] = dict.fromkeys(_CRITERIA, 0)

    def add(
        self,
        code: str,
        severity: Severity,
        suggested: Decimal | None = None,
        **values: Value | Decimal,
    ) -> None:
        criterion: Criterion = code[0]  # type: ignore[assignment]
        plain = {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}
        # model_construct: every field is built here with the right type, and
        # validation would dominate assess_tree's run time on large trees.
        self.findings[criterion].append(
            Finding.model_construct(
                code=code,
                criterion=criterion,
                severity=severity,
                target_id=self.target_id,
                values=plain,
                suggested_value=suggested,
            )
        )

    def result(self) -> SmartAssessment:
        results = []
        for c in _CRITERIA:
            worst = max((_RANK[f.severity] for f in self.findings[c]), default=0)
            if worst >= _RANK["fail"]:
                status: Status = "fail"
            elif worst == _RANK["warn"]:
                status = "warn"
            elif self.ran[c] or worst:
                status = "pass"
            else:
                status = "not_assessed"
            results.append(
                CriterionResult.model_construct(
                    criterion=c,
                    status=status,
                    findings=tuple(self.findings[c]),
                    not_assessed=tuple(self.skipped[c]),
                )
            )
        verdict_rank = max(_RANK[r.status] for r in results)
        verdict: Literal["pass", "warn", "fail"] = (
            "fail" if verdict_rank == 3 else "warn" if verdict_rank == 2 else "pass"
        )
        return SmartAssessment.model_construct(
            target_id=self.target_id, criteria=tuple(results), verdict=verdict
        )


def _specific(t: Target, out: _Collector, policy: SmartPolicy) -> None:
    out.ran["S"] += 1
    if t.metric is None:
        text = t.name or t.description
        if text is not None:
            out.add("S.vague_text", "fail", text=text)
        else:
            out.add("S.no_metric", "fail")
    if t.owner is None:
        out.add("S.no_owner", "fail")
    if t.metric is not None:
        missing = [k for k in policy.scope_required.get(t.metric, ()) if k not in t.scope]
        if missing:
            out.add("S.no_scope", "fail", metric=t.metric.value, missing=", ".join(missing))
    if t.direction is None:
        out.add("S.no_direction", "fail")


def _measurable(t: Target, out: _Collector) -> None:
    out.ran["M"] += 1
    if t.value is None:
        out.add("M.no_value", "fail")
    kind, name = t.kind, t.metric_name
    if kind is None or name is None:
        out.skipped["M"].append("unit: no metric to judge the unit against")
    else:
        money_like = kind == "money" or t.metric is Metric.AVERAGE_DEAL_SIZE
        if money_like and t.currency is None:
            out.add("M.no_currency", "fail", metric=name)
        if not money_like and t.currency is not None:
            out.add("M.currency_not_allowed", "fail", metric=name, currency=t.currency)
        if kind == "rate" and t.unit not in (None, "fraction"):
            out.add("M.unit_mismatch", "fail", unit=str(t.unit), metric=name)
        if t.value is not None:
            if kind == "count" and t.value != t.value.to_integral_value():
                out.add("M.not_whole_number", "fail", metric=name, value=t.value)
            if kind != "rate" and t.value < 0:
                out.add("M.negative_value", "fail", metric=name, value=t.value)
    relative = t.direction is not None and t.direction.value in ("increase", "decrease")
    if relative and t.baseline_value is None:
        assert t.direction is not None
        out.add("M.no_baseline", "warn", direction=t.direction.value)


def _achievable(
    t: Target,
    out: _Collector,
    policy: SmartPolicy,
    stats: _HistoryStats | str | None,
    pipeline: PipelineEvidence | None,
    capacity: CapacityEvidence | None,
) -> None:
    if t.value is None:
        out.skipped["A"].append("all: the goal has no value")
        return
    value = t.value
    name = t.metric_name or "the metric"
    if t.kind == "rate":
        out.ran["A"] += 1
        if not Decimal(0) <= value <= Decimal(1):
            nearest = min(max(value, Decimal(0)), Decimal(1))
            out.add("A.rate_out_of_bounds", "fail", nearest, metric=name, value=value)
    higher = t.direction is None or t.direction.higher_is_better
    # history
    if stats is None:
        out.skipped["A"].append("history: no history given")
    elif isinstance(stats, str):
        out.skipped["A"].append(stats)
    else:
        out.ran["A"] += 1
        _history_findings(t, out, policy, stats, higher)
    additive = t.kind in ("money", "count") and higher
    # pipeline
    if pipeline is None:
        out.skipped["A"].append("pipeline: no pipeline given")
    elif not additive:
        out.skipped["A"].append("pipeline: only for additive goals that grow")
    else:
        _same_currency(t, pipeline.currency, "pipeline")
        out.ran["A"] += 1
        remaining = DECIMAL_CONTEXT.subtract(value, pipeline.achieved)
        if remaining <= 0:
            out.add("A.already_achieved", "info", achieved=pipeline.achieved, value=value)
        else:
            coverage = float(pipeline.open_pipeline) / float(remaining)
            needed = pipeline.needed_coverage
            if coverage < needed:
                severity: Severity = (
                    "fail" if coverage < policy.coverage_fail_ratio * needed else "warn"
                )
                reachable = DECIMAL_CONTEXT.add(
                    pipeline.achieved,
                    DECIMAL_CONTEXT.multiply(pipeline.open_pipeline, to_decimal(pipeline.win_rate)),
                )
                out.add(
                    "A.pipeline_short",
                    severity,
                    _round_suggestion(t, reachable, up=False),
                    open_pipeline=pipeline.open_pipeline,
                    remaining=remaining,
                    coverage=coverage,
                    win_rate=pipeline.win_rate,
                    needed=needed,
                )
    # capacity
    if capacity is None:
        out.skipped["A"].append("capacity: no capacity given")
    elif not additive:
        out.skipped["A"].append("capacity: only for additive goals that grow")
    else:
        _same_currency(t, capacity.currency, "capacity")
        out.ran["A"] += 1
        cap = capacity.capacity
        if value > cap:
            ratio = math.inf if cap == 0 else float(value) / float(cap)
            severity = "fail" if ratio > policy.capacity_fail_ratio else "warn"
            out.add(
                "A.above_capacity",
                severity,
                _round_suggestion(t, cap, up=False),
                value=value,
                ratio=ratio,
                fte=capacity.fte,
                productivity=capacity.productivity,
                capacity=cap,
            )


def _history_findings(
    t: Target, out: _Collector, policy: SmartPolicy, s: _HistoryStats, higher: bool
) -> None:
    common: dict[str, Value | Decimal] = {
        "required_growth": s.required,
        "baseline": t.baseline_value if t.baseline_value is not None else _fmt(s.baseline),
        "percentile": s.percentile,
        "share_above": 1.0 - s.percentile,
        "z": s.z,
        "n": s.n,
        "stretch_rank": _ordinal(policy.stretch_percentile),
        "stretch_n": round(policy.stretch_percentile * 100),
        "sandbag_rank": _ordinal(policy.sandbag_percentile),
        "sandbag_n": round(policy.sandbag_percentile * 100),
    }
    if s.percentile > policy.stretch_percentile:
        severity: Severity = "fail" if s.z >= policy.growth_z_fail else "warn"
        limit = s.baseline * (1.0 + s.upper)
        bound, bound_zh = ("at most", "至多") if higher else ("at least", "至少")
        out.add(
            "A.growth_above_history",
            severity,
            _round_suggestion(t, limit, up=not higher),
            bound=bound,
            bound_zh=bound_zh,
            **common,
        )
    elif s.percentile < policy.sandbag_percentile:
        floor = s.baseline * (1.0 + s.lower)
        bound, bound_zh = ("at least", "至少") if higher else ("at most", "至多")
        out.add(
            "A.growth_below_history",
            "warn",
            _round_suggestion(t, floor, up=higher),
            bound=bound,
            bound_zh=bound_zh,
            **common,
        )


def _same_currency(t: Target, currency: str | None, what: str) -> None:
    if t.kind == "money" and None not in (currency, t.currency) and currency != t.currency:
        raise CurrencyMismatchError(
            f"{what} evidence is in {currency} but target {t.id!r} is in {t.currency}; "
            "convert it with FxRates first"
        )


def _family(metric: Metric | None, t: Target, policy: SmartPolicy) -> str | None:
    if metric is None:
        return None
    if metric is Metric.CUSTOM:
        return f"custom:{t.custom_metric}"
    return policy.metric_families.get(metric, metric.value)


def _team_of(owner_kind: OwnerKind, owner_id: str | None, org: Organization) -> str | None:
    if owner_kind is OwnerKind.TEAM:
        return owner_id
    if owner_kind is OwnerKind.REP:
        return next((r.team_id for r in org.reps if r.id == owner_id), None)
    return None


def _relevant(
    t: Target,
    out: _Collector,
    policy: SmartPolicy,
    parent: Target | None,
    group: _ChildGroup | None,
    organization: Organization | None,
) -> None:
    if parent is None:
        out.skipped["R"].append("parent: no parent given")
    else:
        if t.parent_id is not None and t.parent_id != parent.id:
            raise InvalidInputError(
                f"target {t.id!r} names parent {t.parent_id!r} but parent {parent.id!r} was given"
            )
        out.ran["R"] += 1
        _relevant_parent(t, out, policy, parent, group or _ChildGroup([t]))
    if organization is None:
        out.skipped["R"].append("owner: no organisation given")
    elif t.owner is None or t.owner.kind not in (OwnerKind.TEAM, OwnerKind.REP):
        out.skipped["R"].append("owner: only team and rep owners are in an organisation")
    else:
        out.ran["R"] += 1
        known = (
            {team.id for team in organization.teams}
            if t.owner.kind is OwnerKind.TEAM
            else {rep.id for rep in organization.reps}
        )
        kind, oid = t.owner.kind.value, str(t.owner.id)
        if t.owner.id not in known:
            out.add("R.owner_unknown", "fail", owner_kind=kind, owner_id=oid)
        elif parent is not None and parent.owner is not None:
            parent_team = _team_of(parent.owner.kind, parent.owner.id, organization)
            own_team = _team_of(t.owner.kind, t.owner.id, organization)
            if parent_team is not None and parent_team in {tm.id for tm in organization.teams}:
                inside = own_team is not None and own_team in organization.subtree(parent_team)
                if not inside:
                    out.add(
                        "R.owner_outside_parent",
                        "warn",
                        owner_kind=kind,
                        owner_id=oid,
                        parent_team=parent_team,
                    )


class _ChildGroup:
    """Totals over all children of one parent (the target and its siblings)."""

    def __init__(self, children: Sequence[Target]) -> None:
        self.children = children
        self.n = len(children)
        self.none = sum(1 for c in children if c.value is None)
        self.metrics = Counter(c.metric_name for c in children)
        self.currencies = Counter(c.currency for c in children)
        total = Decimal(0)
        for c in children:
            if c.value is not None:
                total = DECIMAL_CONTEXT.add(total, c.value)
        self.total = total


def _relevant_parent(
    t: Target,
    out: _Collector,
    policy: SmartPolicy,
    parent: Target,
    group: _ChildGroup,
) -> None:
    mine, theirs = _family(t.metric, t, policy), _family(parent.metric, parent, policy)
    same_metric = t.metric_name == parent.metric_name
    if mine is not None and theirs is not None and not same_metric:
        code = "R.different_metric" if mine == theirs else "R.unrelated_metric"
        out.add(
            code,
            "warn" if mine == theirs else "fail",
            metric=str(t.metric_name),
            parent_id=parent.id,
            parent_metric=str(parent.metric_name),
        )
    if (
        t.period is not None
        and parent.period is not None
        and not (parent.period.start <= t.period.start and t.period.end <= parent.period.end)
    ):
        out.add(
            "R.period_outside_parent",
            "fail",
            period=str(t.period),
            parent_period=str(parent.period),
        )
    for key, parent_value in parent.scope.items():
        if key in t.scope and t.scope[key] != parent_value:
            out.add(
                "R.scope_outside_parent",
                "fail",
                key=key,
                value=t.scope[key],
                parent_value=parent_value,
            )
    money = t.kind == "money"
    if money and parent.kind == "money" and t.currency != parent.currency:
        out.add(
            "R.currency_differs",
            "fail",
            currency=str(t.currency),
            parent_id=parent.id,
            parent_currency=str(parent.currency),
        )
        return
    additive = t.kind in ("money", "count") and same_metric
    if not additive or t.value is None or parent.value is None:
        out.skipped["R"].append("sum: children add up only for additive goals with values")
        return
    # The group holds the target and its siblings; counts make each check O(1) per child.
    if group.none or group.metrics[t.metric_name] != group.n:
        out.skipped["R"].append("sum: a sibling has no value or another metric")
        return
    if money and group.currencies[t.currency] != group.n:
        odd = next(c for c in group.children if c.currency != t.currency)
        raise CurrencyMismatchError(
            f"sibling {odd.id!r} is in {odd.currency} but target {t.id!r} is in {t.currency}; "
            "children of one parent share its currency"
        )
    others_sum = DECIMAL_CONTEXT.subtract(group.total, t.value)
    total = group.total
    gap = DECIMAL_CONTEXT.subtract(total, parent.value)
    tolerance = DECIMAL_CONTEXT.multiply(
        abs(parent.value), to_decimal(policy.sum_tolerance, what="sum_tolerance")
    )
    if abs(gap) > tolerance:
        fix = DECIMAL_CONTEXT.subtract(parent.value, others_sum)
        out.add(
            "R.children_short" if gap < 0 else "R.children_over",
            "fail" if gap < 0 else "warn",
            fix,
            children_sum=total,
            parent_value=parent.value,
        )


def _time_bound(t: Target, out: _Collector, policy: SmartPolicy, as_of: date | None) -> None:
    out.ran["T"] += 1
    if t.period is None:
        out.add("T.no_period", "fail")
        return
    period = t.period
    if as_of is None:
        out.skipped["T"].append("over: no as_of date given")
    elif not isinstance(as_of, date):
        raise InvalidInputError.of("wrong_type", name="as_of", value=as_of, expected="a date")
    elif as_of >= period.end:
        out.add(
            "T.period_over",
            "fail",
            period=str(period),
            end=period.end.isoformat(),
            as_of=as_of.isoformat(),
        )
    if t.kind is None:
        out.skipped["T"].append("length: no metric to judge the length against")
        return
    min_days = policy.min_period_days.get(t.kind, 1)
    name = str(t.metric_name)
    if period.days < min_days:
        out.add("T.period_too_short", "warn", days=period.days, metric=name, min_days=min_days)
    elif period.days > policy.max_period_days:
        out.add("T.period_too_long", "warn", days=period.days, max_days=policy.max_period_days)


def _check_evidence(t: Target) -> None:
    if (
        t.baseline_period is not None
        and t.period is not None
        and t.baseline_period.end > t.period.start
    ):
        raise InvalidInputError(
            f"target {t.id!r} baseline period {t.baseline_period} ends after its period "
            f"{t.period} starts; the baseline must precede the target"
        )


def _assess(
    t: Target,
    policy: SmartPolicy,
    stats: _HistoryStats | str | None,
    pipeline: PipelineEvidence | None,
    capacity: CapacityEvidence | None,
    parent: Target | None,
    group: _ChildGroup | None,
    organization: Organization | None,
    as_of: date | None,
) -> SmartAssessment:
    _check_evidence(t)
    out = _Collector(t.id)
    _specific(t, out, policy)
    _measurable(t, out)
    _achievable(t, out, policy, stats, pipeline, capacity)
    _relevant(t, out, policy, parent, group, organization)
    _time_bound(t, out, policy, as_of)
    return out.result()


@exact_decimals
def assess_smart(
    target: Target,
    *,
    history: Mapping[Period, object] | Iterable[tuple[Period, object]] | None = None,
    pipeline: PipelineEvidence | None = None,
    capacity: CapacityEvidence | None = None,
    parent: Target | None = None,
    siblings: Sequence[Target] = (),
    organization: Organization | None = None,
    as_of: date | None = None,
    policy: SmartPolicy | None = None,
) -> SmartAssessment:
    """Assess whether ``target`` is SMART, why not, and what would make it so.

    Each achievability check runs only when its evidence is given; otherwise
    it is listed in the criterion's ``not_assessed``. A target missing every
    field gets an assessment with all its failures, not an exception.

    Parameters
    ----------
    target : Target
        The goal, possibly incomplete.
    history : mapping of Period to value, or pairs, optional
        Past values of the metric for the same owner and scope, one per period
        of the target's length [target unit; ``Money`` must be in the target's
        currency]. Growth between consecutive periods forms the distribution
        the required growth is compared with.
    pipeline : PipelineEvidence, optional
        Open pipeline and win rate, for the coverage check.
    capacity : CapacityEvidence, optional
        Reps' full-time equivalents and productivity, for the capacity check.
    parent : Target, optional
        The target this one rolls up to.
    siblings : sequence of Target
        The parent's other children (the target itself is ignored if present).
    organization : Organization, optional
        Where team and rep owners must exist.
    as_of : date, optional
        Today, for "not already over".
    policy : SmartPolicy, optional
        Thresholds; defaults to ``SmartPolicy()``.

    Returns
    -------
    SmartAssessment

    Raises
    ------
    CurrencyMismatchError
        Evidence in another currency than the target.
    InvalidInputError
        Contradictory evidence: a baseline or history period that does not
        precede the target period, history at another grain, a parent other
        than the one the target names.

    Examples
    --------
    >>> from salescore.models import Owner
    >>> vague = Target(id="G1", name="increase sales")
    >>> a = assess_smart(vague)
    >>> a.verdict, [f.code for f in a.findings]
    ('fail', ['S.vague_text', 'S.no_owner', 'S.no_direction', 'M.no_value', 'T.no_period'])
    >>> print(a.findings[0].message("zh-CN"))
    “increase sales”只是描述，不是指标；请说明衡量什么（收入、成交数……）
    >>> goal = Target(id="G2", metric="revenue", value="1300000", currency="CNY",
    ...               direction="at_least", baseline_value="1000000",
    ...               period=Period.year(2026), owner=Owner(kind="company"))
    >>> past = {Period.year(y): v for y, v in
    ...         [(2022, 700000), (2023, 800000), (2024, 900000), (2025, 1000000)]}
    >>> a = assess_smart(goal, history=past)
    >>> a["A"].status, a.findings[0].code
    ('fail', 'A.growth_above_history')
    >>> print(a.findings[0].suggestion())
    a target of at most 1,139,285.71 keeps required growth within the 90th percentile of the
    last 3 periods
    """
    policy = policy or SmartPolicy()
    stats: _HistoryStats | str | None = None
    if history is not None:
        frame = _check_history_frame(_history_frame_from(target, history), {target.id})
        if frame.empty:
            stats = "history: no history given"
        else:
            stats = _history_stats(frame, [target], policy).get(
                target.id, "history: the goal has no value or period"
            )
    group = _ChildGroup([target, *(s for s in siblings if s.id != target.id)])
    return _assess(target, policy, stats, pipeline, capacity, parent, group, organization, as_of)


def _check_no_cycle(by_id: Mapping[str, Target]) -> None:
    """Refuse targets whose ``parent_id`` links lead back to themselves, naming the cycle."""
    done: set[str] = set()
    for start in by_id:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node in by_id and node not in done:
            if node in on_path:
                cycle = [*path[path.index(node) :], node]
                raise InvalidInputError.of("tree_cycle", value=" -> ".join(map(repr, cycle)))
            path.append(node)
            on_path.add(node)
            node = by_id[node].parent_id
        done.update(path)


@exact_decimals
def assess_tree(
    targets: Sequence[Target] | pd.DataFrame,
    *,
    history: pd.DataFrame | None = None,
    pipeline: Mapping[str, PipelineEvidence] | None = None,
    capacity: Mapping[str, CapacityEvidence] | None = None,
    organization: Organization | None = None,
    as_of: date | None = None,
    policy: SmartPolicy | None = None,
    locale: Locale = "en",
) -> TreeAssessment:
    """Assess a whole target tree (company → team → rep) at once.

    Each target's parent is the target its ``parent_id`` names among
    ``targets``; its siblings are the other targets with that parent. The
    history statistics of every target are computed in one vectorised pass;
    each target's findings equal :func:`assess_smart` on the same evidence.

    Parameters
    ----------
    targets : sequence of Target or pandas.DataFrame
        The tree; ids must be unique. A frame must follow the
        :data:`~salescore.frames.TARGETS` contract and is read with
        :func:`~salescore.frames.from_frame`.
    history : pandas.DataFrame, optional
        Columns ``target_id``, ``start``, ``end`` (exclusive), ``value``
        [target unit] and optionally ``currency``; one row per target and
        past period. Not mutated. Bad rows raise a
        :class:`~salescore.errors.FrameValidationError` listing all of them.
    pipeline, capacity : mapping of target id to evidence, optional
        Evidence for the targets that have it.
    organization : Organization, optional
        Where team and rep owners must exist.
    as_of : date, optional
        Today, for "not already over".
    policy : SmartPolicy, optional
        Thresholds; defaults to ``SmartPolicy()``.
    locale : {"en", "zh-CN"}
        Language of the ``message`` column.

    Returns
    -------
    TreeAssessment

    Examples
    --------
    >>> from salescore.models import Owner
    >>> year = Period.year(2026)
    >>> company = Target(id="CO", metric="revenue", value=1000, currency="CNY",
    ...                  direction="at_least", period=year, owner=Owner(kind="company"))
    >>> east = company.model_copy(update={"id": "E", "value": Decimal(500), "parent_id": "CO"})
    >>> west = company.model_copy(update={"id": "W", "value": Decimal(400), "parent_id": "CO"})
    >>> result = assess_tree([company, east, west])
    >>> result.summary["verdict"].to_list()
    ['pass', 'fail', 'fail']
    >>> result.findings[["target_id", "code", "suggested_value"]]
      target_id              code  suggested_value
    0         E  R.children_short            600.0
    1         W  R.children_short            500.0
    """
    policy = policy or SmartPolicy()
    _locale_index(locale)
    by_id: dict[str, Target] = {}
    children: dict[str, list[Target]] = {}
    models = from_frame(targets, Target) if isinstance(targets, pd.DataFrame) else targets
    for t in models:
        if t.id in by_id:
            raise InvalidInputError(f"target id {t.id!r} appears twice; ids must be unique")
        by_id[t.id] = t
        if t.parent_id is not None:
            children.setdefault(t.parent_id, []).append(t)
    _check_no_cycle(by_id)
    stats: dict[str, _HistoryStats | str] = {}
    if history is not None:
        clean = _check_history_frame(history, set(by_id))
        stats = _history_stats(clean, list(by_id.values()), policy)
    pipeline = pipeline or {}
    capacity = capacity or {}
    groups: dict[str, _ChildGroup] = {}
    in_history = set() if history is None else set(history["target_id"].astype(str))
    assessments = []
    for t in by_id.values():
        parent: Target | None = None
        group: _ChildGroup | None = None
        if t.parent_id is not None:
            parent = by_id.get(t.parent_id)
            if parent is not None:
                group = groups.get(t.parent_id)
                if group is None:
                    group = groups[t.parent_id] = _ChildGroup(children[t.parent_id])
        stat: _HistoryStats | str | None = stats.get(t.id)
        if stat is None and t.id in in_history:
            stat = "history: the goal has no value or period"
        assessments.append(
            _assess(
                t,
                policy,
                stat,
                pipeline.get(t.id),
                capacity.get(t.id),
                parent,
                group,
                organization,
                as_of,
            )
        )
    rows = [
        {
            "target_id": f.target_id,
            "criterion": f.criterion,
            "code": f.code,
            "severity": f.severity,
            "message": f.message(locale),
            "suggested_value": np.nan if f.suggested_value is None else float(f.suggested_value),
        }
        for a in assessments
        for f in a.findings
    ]
    columns = ["target_id", "criterion", "code", "severity", "message", "suggested_value"]
    findings = pd.DataFrame(rows, columns=columns)
    table: dict[str, list[str]] = {c: [a[c].status for a in assessments] for c in _CRITERIA}
    table["verdict"] = [a.verdict for a in assessments]
    summary = pd.DataFrame(
        table,
        index=pd.Index([a.target_id for a in assessments], name="target_id"),
    )
    return TreeAssessment(findings=findings, summary=summary, assessments=tuple(assessments))
