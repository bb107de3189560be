"""Pictures of salescore results, on matplotlib (the optional ``salescore[plot]`` extra).

Every function takes a salescore result, draws on ``ax=`` (or a new figure's
Axes), returns the Axes, labels the axes with their units and currency, and
writes its title and labels in English (``lang="en"``) or Simplified Chinese
(``lang="zh-CN"``). Chinese needs a CJK font known to matplotlib's font
manager; without one the labels fall back to English with a ``UserWarning``
naming what to install. Nothing here sets a backend or changes
``matplotlib.rcParams``.

* :func:`funnel_chart` — stage bars of a ``FunnelReport`` with conversion and drop-off.
* :func:`simulation_chart` — the distribution of a Monte Carlo ``Simulation``, P10/P50/P90 marked.
* :func:`forecast_fan` — a ``TimeSeriesForecast`` with its interval band, actuals overlaid.
* :func:`categories_waterfall` — closed → commit → best case → pipeline of a ``CategoryForecast``.
* :func:`pace_chart` — cumulative actual against the goal curve of a ``Pace``, the gap marked.
* :func:`payout_curve` — a plan's payout against attainment, tiers and accelerators marked.
* :func:`plan_matrix_heatmap` — owners × periods of a ``plan_matrix``.
* :func:`attainment_chart` — the quota attainment spread of ``kpi.quota_attainment``.
* :func:`plan_cost_chart` — the distribution of a ``PlanCost``, expected, P50 and P90 marked.
* :func:`pipeline_waterfall` — opening → buckets → closing pipeline of ``PipelineChanges``.
* :func:`forecast_history_chart` — a ``ForecastHistory``'s calls, snapshot by snapshot.
"""

from __future__ import annotations

try:
    import matplotlib  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("salescore.plot needs matplotlib: pip install 'salescore[plot]'") from exc

from salescore.plot._text import CJK_FAMILIES, find_cjk_font
from salescore.plot.commission import payout_curve, plan_cost_chart
from salescore.plot.forecast import categories_waterfall, forecast_fan, simulation_chart
from salescore.plot.funnel import funnel_chart
from salescore.plot.goals import pace_chart, plan_matrix_heatmap
from salescore.plot.kpi import attainment_chart
from salescore.plot.review import forecast_history_chart, pipeline_waterfall

__all__ = [
    "CJK_FAMILIES",
    "attainment_chart",
    "categories_waterfall",
    "find_cjk_font",
    "forecast_fan",
    "forecast_history_chart",
    "funnel_chart",
    "pace_chart",
    "payout_curve",
    "pipeline_waterfall",
    "plan_cost_chart",
    "plan_matrix_heatmap",
    "simulation_chart",
]
