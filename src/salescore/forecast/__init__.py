"""Forecasting: what will be booked this period, and how sure we are.

Modules: ``timeseries`` (seasonal naive, run rate, Holt-Winters on bookings)
and ``accuracy`` (accuracy metrics and rolling-origin backtests).
"""

from salescore.forecast.accuracy import (
    Accuracy,
    AccuracyPartial,
    Backtest,
    accuracy,
    accuracy_partial,
    backtest,
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
    "Backtest",
    "HoltWintersFrame",
    "HoltWintersParams",
    "TimeSeriesForecast",
    "accuracy",
    "accuracy_partial",
    "backtest",
    "holt_winters",
    "holt_winters_frame",
    "run_rate",
    "seasonal_naive",
]
