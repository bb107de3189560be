"""Holt-Winters on 1,000 monthly series and accuracy on 1,000,000 points."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore.forecast.accuracy import accuracy
from salescore.forecast.timeseries import holt_winters, holt_winters_frame

SEED = 6
N_SERIES = 1_000
N_MONTHS = 60
N_POINTS = 1_000_000


def _series(n_series: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    t = np.arange(N_MONTHS)[:, None]
    level = rng.uniform(50_000, 500_000, n_series)[None, :]
    growth = rng.normal(0.01, 0.005, n_series)[None, :]
    phase = rng.uniform(0, 2 * np.pi, n_series)[None, :]
    season = 1 + 0.2 * np.sin(2 * np.pi * t / 12 + phase)
    noise = rng.normal(1, 0.05, (N_MONTHS, n_series))
    values = level * (1 + growth * t) * season * noise
    index = pd.period_range("2021-01", periods=N_MONTHS, freq="M")
    return pd.DataFrame(values, index=index, columns=[f"s{i}" for i in range(n_series)])


def _plain_hw_sse(y: list[float], m: int, a: float, b: float, g: float) -> float:
    """Additive Holt-Winters SSE, component form, one series, plain Python."""
    c1, c2 = sum(y[:m]) / m, sum(y[m : 2 * m]) / m
    trend = (c2 - c1) / m
    lev = c1 - trend * (m + 1) / 2
    season = [(y[i] + y[i + m]) / 2 - lev - trend * (i + 1 + m / 2) for i in range(m)]
    mean = sum(season) / m
    season = [s - mean for s in season]
    sse = 0.0
    for t, obs in enumerate(y):
        j = t % m
        base = lev + trend
        err = obs - base - season[j]
        sse += err * err
        new = base + a * err
        trend = trend + a * b * err
        season[j] += g * err
        lev = new
    return sse


def _plain_grid_fit(frame: pd.DataFrame) -> list[tuple[float, float, float]]:
    """What an analyst without scipy writes: a grid search per series, in plain Python."""
    # 20 x 10 x 10 = 2,000 candidates: about the resolution Nelder-Mead reaches.
    alphas = [0.025 + 0.05 * i for i in range(20)]
    others = [0.01 + 0.1 * i for i in range(10)]
    grid = list(itertools.product(alphas, others, others))
    best = []
    for col in frame.columns:
        y = frame[col].tolist()
        best.append(min(grid, key=lambda p: _plain_hw_sse(y, 12, *p)))
    return best


def _plain_accuracy(actual: list[float], forecast: list[float]) -> dict[str, float]:
    n = len(actual)
    abs_sum = sq_sum = err_sum = act_sum = ape_sum = 0.0
    n_ape = 0
    for a, f in zip(actual, forecast, strict=True):
        e = f - a
        abs_sum += abs(e)
        sq_sum += e * e
        err_sum += e
        act_sum += abs(a)
        if a != 0:
            ape_sum += abs(e) / abs(a)
            n_ape += 1
    return {
        "mae": abs_sum / n,
        "rmse": math.sqrt(sq_sum / n),
        "bias": err_sum / n,
        "wape": abs_sum / act_sum,
        "mape": ape_sum / n_ape,
    }


def run() -> list[Row]:
    """Benchmark rows for the time-series forecasts and accuracy."""
    frame = _series(N_SERIES)
    sample = frame.iloc[:, :50]
    small = frame.iloc[:, :10]
    rows = [
        row(
            "holt_winters_frame (add, add) vs loop of holt_winters calls (50 series x20)",
            f"{N_SERIES:,} series x {N_MONTHS} months",
            lambda: holt_winters_frame(frame, 12, 12),
            lambda: [holt_winters(sample[c], 12, 12) for c in sample.columns],
            repeat=1,
            baseline_scale=N_SERIES / 50,
        ),
        row(
            "holt_winters_frame vs plain-Python 2,000-point grid search (10 series x100)",
            f"{N_SERIES:,} series x {N_MONTHS} months",
            lambda: holt_winters_frame(frame, 12, 12),
            lambda: _plain_grid_fit(small),
            repeat=1,
            baseline_scale=N_SERIES / 10,
        ),
    ]
    rng = np.random.default_rng(SEED)
    actual = rng.gamma(2.0, 50_000.0, N_POINTS)
    actual[rng.random(N_POINTS) < 0.05] = 0.0
    forecast = actual * rng.normal(1.0, 0.2, N_POINTS)
    lower, upper = forecast * 0.8, forecast * 1.2
    part = 100_000
    a_list, f_list = actual[:part].tolist(), forecast[:part].tolist()
    rows.append(
        row(
            "accuracy (with quantiles + interval) vs plain-Python loop (100k x10)",
            f"{N_POINTS:,} points",
            lambda: accuracy(
                actual,
                forecast,
                quantiles={0.1: lower, 0.9: upper},
                interval=(lower, upper),
                level=0.8,
            ),
            lambda: _plain_accuracy(a_list, f_list),
            baseline_scale=N_POINTS / part,
        )
    )
    return rows
