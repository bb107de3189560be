"""SMART assessment of a whole target tree at once: :func:`assess_tree`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from salescore._numeric import exact_decimals
from salescore.errors import InvalidInputError
from salescore.frames import from_frame
from salescore.models import Organization, Target
from salescore.smart._common import _CRITERIA, Locale
from salescore.smart._criteria import _assess, _ChildGroup
from salescore.smart._history import _check_history_frame, _history_stats, _HistoryStats
from salescore.smart._texts import _locale_index
from salescore.smart.policy import CapacityEvidence, PipelineEvidence, SmartPolicy
from salescore.smart.results import TreeAssessment

__all__ = ["assess_tree"]


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
    >>> from decimal import Decimal
    >>> from salescore.calendar import Period
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
