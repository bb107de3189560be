"""The results of an assessment: findings, per-criterion results, one goal's and a tree's."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import pandas as pd
from pydantic import Field

from salescore._base import FrozenModel
from salescore.serialization import Result
from salescore.smart._common import (
    _CRITERIA,
    _RESULT_CONFIG,
    Criterion,
    Locale,
    Severity,
    Status,
    Value,
)
from salescore.smart._texts import _SUGGESTIONS, CODES, _locale_index, _render

__all__ = ["CriterionResult", "Finding", "SmartAssessment", "TreeAssessment"]


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
