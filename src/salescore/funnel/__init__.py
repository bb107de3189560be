"""Funnel conversion, stage velocity, pipeline planning and diagnosis.

Counting (:mod:`~salescore.funnel.counts`) produces the mergeable
:class:`FunnelCounts`; :mod:`~salescore.funnel.report` finishes them into a
:class:`FunnelReport`; :mod:`~salescore.funnel.planning` (reverse funnel,
coverage, velocity) and :mod:`~salescore.funnel.diagnosis` (bottlenecks,
aging) work from reports.

Examples
--------
>>> from salescore import datasets
>>> from salescore.funnel import funnel, required_pipeline
>>> from salescore.money import Money
>>> pipeline = datasets.pipeline()
>>> report = funnel(datasets.opportunities(pipeline), pipeline)
>>> required_pipeline(Money("5000000", "CNY"), report).table["deals"].tolist()
[89, 63, 54]
"""

from salescore.funnel.counts import FunnelCounts, funnel_counts, funnel_counts_frame
from salescore.funnel.diagnosis import aging, aging_frame, bottlenecks
from salescore.funnel.planning import (
    Coverage,
    RequiredPipeline,
    pipeline_coverage,
    required_pipeline,
    sales_velocity,
)
from salescore.funnel.report import FunnelReport, funnel, funnel_frame, report_from_counts

__all__ = [
    "Coverage",
    "FunnelCounts",
    "FunnelReport",
    "RequiredPipeline",
    "aging",
    "aging_frame",
    "bottlenecks",
    "funnel",
    "funnel_counts",
    "funnel_counts_frame",
    "funnel_frame",
    "pipeline_coverage",
    "report_from_counts",
    "required_pipeline",
    "sales_velocity",
]
