"""Forecasting: what will be booked this period, and how sure we are.

Modules: ``weighted`` (amount × win probability, broken down by stage, owner
and channel), ``categories`` (Salesforce-style forecast categories rolled up
the team tree with manager adjustments), ``markov`` (an absorbing Markov chain
of the pipeline learned from stage histories), ``montecarlo`` (simulated
bookings of a period), ``timeseries`` (seasonal naive, run rate, Holt-Winters
and AutoETS on bookings), ``accuracy`` (accuracy metrics and rolling-origin backtests) and
``probabilities`` (stage win rates learned from histories, naive-Bayes deal
scoring).
"""

from salescore.forecast.accuracy import (
    Accuracy,
    AccuracyPartial,
    Backtest,
    IntervalCoverage,
    accuracy,
    accuracy_partial,
    backtest,
    interval_coverage,
)
from salescore.forecast.categories import (
    Adjustment,
    CategoryForecast,
    CategoryPartial,
    categories_from_partial,
    category_partial,
    forecast_categories,
    rollup,
)
from salescore.forecast.markov import MarkovModel, TransitionCounts, transition_counts
from salescore.forecast.montecarlo import Simulation, simulate
from salescore.forecast.probabilities import (
    AttributeCounts,
    NaiveBayesScorer,
    StageWinRates,
    attribute_counts,
    closed_outcomes,
    stage_win_rates,
    win_rate_counts,
)
from salescore.forecast.timeseries import (
    HoltWintersFrame,
    HoltWintersParams,
    TimeSeriesForecast,
    auto_ets,
    auto_ets_frame,
    holt_winters,
    holt_winters_frame,
    run_rate,
    seasonal_naive,
)
from salescore.forecast.weighted import (
    WeightedForecast,
    WeightedPartial,
    weighted,
    weighted_from_partial,
    weighted_partial,
)

__all__ = [
    "Accuracy",
    "AccuracyPartial",
    "Adjustment",
    "AttributeCounts",
    "Backtest",
    "CategoryForecast",
    "CategoryPartial",
    "HoltWintersFrame",
    "HoltWintersParams",
    "IntervalCoverage",
    "MarkovModel",
    "NaiveBayesScorer",
    "Simulation",
    "StageWinRates",
    "TimeSeriesForecast",
    "TransitionCounts",
    "WeightedForecast",
    "WeightedPartial",
    "accuracy",
    "accuracy_partial",
    "attribute_counts",
    "auto_ets",
    "auto_ets_frame",
    "backtest",
    "categories_from_partial",
    "category_partial",
    "closed_outcomes",
    "forecast_categories",
    "holt_winters",
    "holt_winters_frame",
    "interval_coverage",
    "rollup",
    "run_rate",
    "seasonal_naive",
    "simulate",
    "stage_win_rates",
    "transition_counts",
    "weighted",
    "weighted_from_partial",
    "weighted_partial",
    "win_rate_counts",
]
