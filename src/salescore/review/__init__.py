"""The review meeting (例会): what changed, where we stand, and what to do, in one pack.

* :mod:`.changes` — :func:`pipeline_changes` (the waterfall between two pipeline
  snapshots) and :func:`forecast_history` (a period's calls, week by week).
"""

from salescore.review.changes import (
    BUCKETS,
    ForecastHistory,
    PipelineChanges,
    forecast_history,
    pipeline_changes,
)

__all__ = [
    "BUCKETS",
    "ForecastHistory",
    "PipelineChanges",
    "forecast_history",
    "pipeline_changes",
]
