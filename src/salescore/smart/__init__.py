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

from salescore.smart._common import Criterion, Severity, Status
from salescore.smart._texts import CODES
from salescore.smart.goal import assess_smart
from salescore.smart.policy import CapacityEvidence, PipelineEvidence, SmartPolicy
from salescore.smart.results import CriterionResult, Finding, SmartAssessment, TreeAssessment
from salescore.smart.tree import assess_tree

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
