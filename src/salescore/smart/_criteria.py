"""The per-target checks, one per criterion (S, M, A, R, T), collected into an assessment."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Literal

from salescore._numeric import DECIMAL_CONTEXT, to_decimal
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.models import Metric, Organization, OwnerKind, Target
from salescore.money import minor_unit
from salescore.smart._common import _CRITERIA, _RANK, Criterion, Severity, Status, Value
from salescore.smart._history import _HistoryStats
from salescore.smart.policy import CapacityEvidence, PipelineEvidence, SmartPolicy
from salescore.smart.results import CriterionResult, Finding, SmartAssessment


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
