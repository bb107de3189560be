"""Tour section: bookings as a time series, three forecasts and a backtest."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

import pandas as pd

from salescore import datasets
from salescore._tour._common import heading
from salescore.forecast.accuracy import backtest
from salescore.forecast.timeseries import (
    TimeSeriesForecast,
    holt_winters,
    run_rate,
    seasonal_naive,
)

SEED = 20260106
TITLE = "Bookings as a time series"


def tour_bookings(seed: int = SEED) -> pd.Series:
    """36 months of bookings [CNY], growing, peaking at quarter ends, with one month missing."""
    return datasets.bookings(seed)


def _money(x: float) -> str:
    return f"{x / 1000:,.0f}k"


def section(out: TextIO) -> None:
    """Write the time-series forecasting section of the tour to ``out``."""
    heading(out, TITLE)
    bookings = tour_bookings()
    out.write(
        f"{len(bookings)} months of bookings from {bookings.index[0]} to {bookings.index[-1]} "
        "(2024-08 is missing and is treated as not observed).\n"
    )
    models: dict[str, Callable[[pd.Series, int], TimeSeriesForecast]] = {
        "run rate (3 months)": lambda s, h: run_rate(s, h, window=3),
        "seasonal naive": lambda s, h: seasonal_naive(s, 12, h),
        "Holt-Winters (mul)": lambda s, h: holt_winters(s, 12, h, seasonal="mul"),
    }
    out.write("Q1 2026 forecast [CNY], 80% interval of the quarter's months:\n")
    for name, model in models.items():
        fc = model(bookings, 3)
        months = ", ".join(
            f"{_money(p)} [{_money(lo)}, {_money(hi)}]"
            for p, lo, hi in zip(fc.forecast, fc.lower, fc.upper, strict=True)
        )
        out.write(f"  {name:<20} total {_money(fc.forecast.sum())}: {months}\n")
    hw = holt_winters(bookings, 12, 3, seasonal="mul")
    assert hw.params is not None  # holt_winters always reports its parameters
    p = hw.params
    out.write(
        f"Holt-Winters fitted by least squares: alpha {p.alpha:.3f}, beta {p.beta:.3f}, "
        f"gamma {p.gamma:.3f}; March factor {p.season[2]:.2f}\n"
    )
    out.write("Backtest, 6 origins x 3 months (pooled over 18 forecasts):\n")
    for name, model in models.items():
        bt = backtest(bookings, model, folds=6, horizon=3)
        m = bt.pooled
        coverage = m.coverage if m.coverage is not None else float("nan")
        out.write(
            f"  {name:<20} MAE {_money(m.mae)}, WAPE {m.wape or 0:.1%}, "
            f"bias {_money(m.bias)}, 80% interval covered {coverage:.0%}\n"
        )
