"""SMART assessment of one goal: :func:`assess_smart`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from salescore._numeric import exact_decimals
from salescore.calendar import Period
from salescore.models import Organization, Target
from salescore.smart._criteria import _assess, _ChildGroup
from salescore.smart._history import (
    _check_history_frame,
    _history_frame_from,
    _history_stats,
    _HistoryStats,
)
from salescore.smart.policy import CapacityEvidence, PipelineEvidence, SmartPolicy
from salescore.smart.results import SmartAssessment

__all__ = ["assess_smart"]


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
