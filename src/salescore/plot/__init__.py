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
* :func:`cohort_conversion_chart` — small multiples of a stage's conversion cohort by cohort
  (a ``Figure``).
* :func:`stage_duration_chart` — box plots of the days spent in each stage of a ``FunnelReport``.
* :func:`scorecard_chart` — one rep's weighted points per KPI of a ``ScoreResult``.
* :func:`scorecard_ranking` — a team's ``ScoresFrames`` ranked by total, coloured by grade.
* :func:`channel_chart` — revenue, share and win rate by channel of a ``ChannelPerformance``.
* :func:`partner_tiers_chart` — partners × periods coloured by the tier held (``PartnerTiers``).
* :func:`rebate_chart` — a ``RebateStatement``'s lines stacked up to its total.
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
from salescore.plot.funnel import cohort_conversion_chart, funnel_chart, stage_duration_chart
from salescore.plot.goals import pace_chart, plan_matrix_heatmap
from salescore.plot.kpi import attainment_chart
from salescore.plot.partners import channel_chart, partner_tiers_chart, rebate_chart
from salescore.plot.review import forecast_history_chart, pipeline_waterfall
from salescore.plot.scorecards import scorecard_chart, scorecard_ranking

__all__ = [
    "CJK_FAMILIES",
    "attainment_chart",
    "categories_waterfall",
    "channel_chart",
    "cohort_conversion_chart",
    "find_cjk_font",
    "forecast_fan",
    "forecast_history_chart",
    "funnel_chart",
    "pace_chart",
    "partner_tiers_chart",
    "payout_curve",
    "pipeline_waterfall",
    "plan_cost_chart",
    "plan_matrix_heatmap",
    "rebate_chart",
    "scorecard_chart",
    "scorecard_ranking",
    "simulation_chart",
    "stage_duration_chart",
]
