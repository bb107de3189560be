"""The review meeting (例会): what changed, where we stand, and what to do, in one pack.

* :mod:`.changes` — :func:`pipeline_changes` (the waterfall between two pipeline
  snapshots) and :func:`forecast_history` (a period's calls, week by week).
* :mod:`.pack` — :func:`review` and its :class:`ReviewPack`: pace, gap, funnel,
  ageing deals, forecast, SMART and ordered actions, as data, Markdown or HTML.
* :mod:`.texts` — every sentence's code with English and Chinese text.
"""

from salescore.review.changes import (
    BUCKETS,
    ForecastHistory,
    PipelineChanges,
    forecast_history,
    pipeline_changes,
)
from salescore.review.pack import ReviewPack, review
from salescore.review.texts import CODES, Line

__all__ = [
    "BUCKETS",
    "CODES",
    "ForecastHistory",
    "Line",
    "PipelineChanges",
    "ReviewPack",
    "forecast_history",
    "pipeline_changes",
    "review",
]
