"""Forecasting: what will be booked this period, and how sure we are.

Modules: ``markov`` (an absorbing Markov chain of the pipeline learned from
stage histories), ``montecarlo`` (simulated bookings of a period),
``timeseries`` (seasonal naive, run rate, Holt-Winters on bookings),
``accuracy`` (accuracy metrics and rolling-origin backtests) and
``probabilities`` (stage win rates learned from histories, naive-Bayes deal
scoring).
"""

from salescore.forecast.accuracy import (
    Accuracy,
    AccuracyPartial,
    Backtest,
    accuracy,
    accuracy_partial,
    backtest,
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
)
from salescore.forecast.timeseries import (
    HoltWintersFrame,
    HoltWintersParams,
    TimeSeriesForecast,
    holt_winters,
    holt_winters_frame,
    run_rate,
    seasonal_naive,
)

__all__ = [
    "Accuracy",
    "AccuracyPartial",
    "AttributeCounts",
    "Backtest",
    "HoltWintersFrame",
    "HoltWintersParams",
    "MarkovModel",
    "NaiveBayesScorer",
    "Simulation",
    "StageWinRates",
    "TimeSeriesForecast",
    "TransitionCounts",
    "accuracy",
    "accuracy_partial",
    "attribute_counts",
    "backtest",
    "closed_outcomes",
    "holt_winters",
    "holt_winters_frame",
    "run_rate",
    "seasonal_naive",
    "simulate",
    "stage_win_rates",
    "transition_counts",
]
