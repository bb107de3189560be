"""Forecasting: what will be booked this period, and how sure we are.

Modules: ``markov`` (an absorbing Markov chain of the pipeline learned from
stage histories), ``montecarlo`` (simulated bookings of a period),
``timeseries`` (seasonal naive, run rate, Holt-Winters on bookings) and
``accuracy`` (accuracy metrics and rolling-origin backtests).
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
    "Backtest",
    "HoltWintersFrame",
    "HoltWintersParams",
    "MarkovModel",
    "Simulation",
    "TimeSeriesForecast",
    "TransitionCounts",
    "accuracy",
    "accuracy_partial",
    "backtest",
    "holt_winters",
    "holt_winters_frame",
    "run_rate",
    "seasonal_naive",
    "simulate",
    "transition_counts",
]
