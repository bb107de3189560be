"""ETS side by side with statsmodels and statsforecast: Superstore and 1,000 seeded series.

``python -m benchmarks ets``. statsmodels (``pip install -e .[bench]``) and
statsforecast are optional: a baseline that does not import is skipped, as is
the Superstore part when ``../shared/data`` (or ``$SALESCORE_DATA``) is absent.
Besides the timing rows the module prints an accuracy table: in-sample SSE,
out-of-sample MASE and WAPE, 80 % interval coverage, fit time, and the
selection recovery of AutoETS-style fits on series of known form.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Row
from salescore.forecast.accuracy import interval_coverage
from salescore.forecast.timeseries import (
    auto_ets,
    auto_ets_frame,
    holt_winters,
    holt_winters_frame,
)

SEED = 17
N_SERIES = int(os.environ.get("BENCH_ETS_SERIES", "1000"))
N_FIT, N_TEST, M = 60, 12, 12
#: Generating forms of the seeded series: (error, trend, season), cycled.
FORMS = (
    ("A", "N", "N"),
    ("A", "A", "N"),
    ("A", "N", "A"),
    ("A", "A", "A"),
    ("M", "A", "M"),
)
REPO = Path(__file__).resolve().parents[1]


def _data_dir() -> Path:
    return Path(os.environ.get("SALESCORE_DATA", REPO.parent / "shared" / "data"))


def _superstore() -> pd.Series | None:
    path = _data_dir() / "superstore" / "Sample_Superstore.csv"
    if not path.exists():
        return None
    df = pd.read_csv(path, encoding="utf-8-sig")
    dates = pd.to_datetime(df["Order Date"], format="%m/%d/%Y")
    return df.groupby(dates.dt.to_period("M"))["Sales"].sum()


def _simulate(n_series: int) -> tuple[pd.DataFrame, list[str]]:
    """Series of known ETS form (the textbook recursion with Gaussian innovations)."""
    rng = np.random.default_rng(SEED)
    n = N_FIT + N_TEST
    out = np.empty((n, n_series))
    labels = []
    for i in range(n_series):  # generation only; every fit below is vectorised
        err, trd, sea = FORMS[i % len(FORMS)]
        labels.append(f"ETS({err},{trd},{sea})")
        alpha = rng.uniform(0.1, 0.4)
        beta = rng.uniform(0.002, 0.02) if trd == "A" else 0.0
        gamma = rng.uniform(0.05, 0.2) if sea != "N" else 0.0
        level = rng.uniform(800, 1200)
        slope = rng.uniform(2, 8) if trd == "A" else 0.0
        shape = np.sin(2 * np.pi * (np.arange(M) + rng.uniform(0, M)) / M)
        if sea == "A":
            season = 0.15 * level * shape
        elif sea == "M":
            season = 1 + 0.15 * shape
        else:
            season = np.zeros(M)
        sigma = 0.04 if err == "M" else 0.04 * level
        for t in range(n):
            j = t % M
            base = level + slope
            yhat = base * season[j] if sea == "M" else base + season[j]
            e = yhat * rng.normal(0, sigma) if err == "M" else rng.normal(0, sigma)
            out[t, i] = yhat + e
            k = season[j] if sea == "M" else 1.0
            level = base + alpha * e / k
            slope = slope + beta * e / k
            if sea == "M":
                season[j] += gamma * e / base
            elif sea == "A":
                season[j] += gamma * e
    index = pd.period_range("2019-01", periods=n, freq="M")
    return pd.DataFrame(out, index=index, columns=[f"s{i}" for i in range(n_series)]), labels


def _mase(train: np.ndarray, actual: np.ndarray, forecast: np.ndarray) -> float:
    scale = float(np.mean(np.abs(train[M:] - train[:-M])))
    return float(np.mean(np.abs(actual - forecast)) / scale)


def _wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.sum(np.abs(actual - forecast)) / np.sum(np.abs(actual)))


def _statsmodels() -> Any:
    try:
        from statsmodels.tsa.holtwinters import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            ExponentialSmoothing,
        )
    except ImportError:  # pragma: no cover - optional baseline
        return None
    return ExponentialSmoothing


def _statsforecast() -> Any:
    try:
        from statsforecast.models import (  # type: ignore[import-not-found,unused-ignore]
            AutoETS,
        )
    except ImportError:  # pragma: no cover - optional baseline
        return None
    return AutoETS


def _sm_fit(es: Any, y: np.ndarray, trend: str | None, seasonal: str | None) -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = es(
            y,
            trend=trend,
            seasonal=seasonal,
            seasonal_periods=M if seasonal else None,
            initialization_method="estimated",
        ).fit()
        return model.sse, model.forecast(N_TEST)


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _superstore_rows(es: Any, autoets: Any, numbers: dict[str, float]) -> list[str]:
    series = _superstore()
    if series is None:
        print(f"skipped Superstore: {_data_dir()} not found", file=sys.stderr)
        return []
    years = pd.PeriodIndex(series.index).year
    train = series[years <= 2018]
    test = series[years == 2019].to_numpy()
    ytr = train.to_numpy()
    lines = []
    for trend, seasonal in (("add", "add"), (None, "add"), ("add", "mul")):
        fc, secs = _timed(partial(holt_winters, train, M, N_TEST, trend=trend, seasonal=seasonal))  # type: ignore[arg-type]
        point = fc.forecast.to_numpy()
        cov = float(np.mean((test >= fc.lower.to_numpy()) & (test <= fc.upper.to_numpy())))
        name = f"trend={trend}, season={seasonal}"
        lines.append(
            _line(
                [
                    f"Superstore {name}",
                    "salescore holt_winters",
                    f"{fc.params.sse:.7e}",
                    f"{_mase(ytr, test, point):.3f}",
                    f"{_wape(test, point):.4f}",
                    f"{cov:.0%}",
                    f"{secs:.2f}",
                ]
            )
        )
        if es is not None:
            (sse, f), secs = _timed(partial(_sm_fit, es, ytr, trend, seasonal))
            numbers[f"superstore_{trend}_{seasonal}_sse_ratio"] = fc.params.sse / sse
            numbers[f"superstore_{trend}_{seasonal}_wape_diff"] = _wape(test, point) - _wape(
                test, np.asarray(f)
            )
            lines.append(
                _line(
                    [
                        f"Superstore {name}",
                        "statsmodels ExponentialSmoothing",
                        f"{sse:.7e}",
                        f"{_mase(ytr, test, np.asarray(f)):.3f}",
                        f"{_wape(test, np.asarray(f)):.4f}",
                        "–",
                        f"{secs:.2f}",
                    ]
                )
            )
    fc, secs = _timed(lambda: auto_ets(train, M, N_TEST))
    point = fc.forecast.to_numpy()
    cov = float(np.mean((test >= fc.lower.to_numpy()) & (test <= fc.upper.to_numpy())))
    assert fc.params is not None
    lines.append(
        _line(
            [
                f"Superstore auto ({fc.params.form})",
                "salescore auto_ets",
                f"{fc.params.sse:.6e}",
                f"{_mase(ytr, test, point):.3f}",
                f"{_wape(test, point):.4f}",
                f"{cov:.0%}",
                f"{secs:.2f}",
            ]
        )
    )
    if autoets is not None:
        (model, out), secs = _timed(lambda: _sf_fit(autoets, ytr, 1))
        f = out["mean"][0]
        cov = float(np.mean((test >= out["lo-80"][0]) & (test <= out["hi-80"][0])))
        sse = float(np.sum(np.asarray(model[0].model_["actual_residuals"]) ** 2))
        lines.append(
            _line(
                [
                    f"Superstore auto ({model[0].model_['method']})",
                    "statsforecast AutoETS",
                    f"{sse:.6e}",
                    f"{_mase(ytr, test, f):.3f}",
                    f"{_wape(test, f):.4f}",
                    f"{cov:.0%}",
                    f"{secs:.2f}",
                ]
            )
        )
    # Rolling origins on the whole series: 7 origins (train 36 .. 42 months), 6 months ahead.
    for trend, seasonal in (("add", "add"), (None, "add"), ("add", "mul")):
        for unc in (True, False):
            cov_ = interval_coverage(
                series,
                partial(_hw_one, trend=trend, seasonal=seasonal, uncertainty=unc),
                folds=7,
                horizon=6,
            )
            tag = f"superstore_coverage_rolling_{trend}_{seasonal}"
            numbers[tag + ("" if unc else "_innovations_only")] = cov_.coverage
    return lines


def _hw_one(train: pd.Series, h: int, **kw: Any) -> Any:
    return holt_winters(train, M, h, **kw)


def _sf_fit(autoets: Any, y: np.ndarray, n: int) -> tuple[list[Any], dict[str, list[Any]]]:
    ys = y.reshape(-1, n) if y.ndim == 1 else y
    models: list[Any] = []
    out: dict[str, list[Any]] = {"mean": [], "lo-80": [], "hi-80": []}
    for i in range(ys.shape[1]):
        model = autoets(season_length=M).fit(ys[:, i])
        pred = model.predict(N_TEST, level=[80])
        models.append(model)
        for key in out:
            out[key].append(np.asarray(pred[key]))
    return models, out


def _seeded_rows(es: Any, autoets: Any) -> tuple[list[str], list[Row], dict[str, float]]:
    frame, labels = _simulate(N_SERIES)
    train, test = frame.iloc[:N_FIT], frame.iloc[N_FIT:].to_numpy()
    ytr = train.to_numpy()
    trends = [None if lab[6] == "N" else "add" for lab in labels]
    seasons = [{"N": None, "A": "add", "M": "mul"}[lab[-2]] for lab in labels]
    lines: list[str] = []
    rows: list[Row] = []
    numbers: dict[str, float] = {}

    # salescore at the generating trend/season (additive error: the SSE criterion statsmodels uses)
    ours_point = np.full((N_TEST, N_SERIES), np.nan)
    ours_sse = np.full(N_SERIES, np.nan)
    inside = np.full((N_TEST, N_SERIES), np.nan)
    ours_secs = 0.0
    for key in sorted({(t, s) for t, s in zip(trends, seasons, strict=True)}, key=str):
        cols = [i for i in range(N_SERIES) if (trends[i], seasons[i]) == key]
        part = train[[train.columns[i] for i in cols]]
        res, secs = _timed(
            partial(holt_winters_frame, part, M, N_TEST, trend=key[0], seasonal=key[1])  # type: ignore[arg-type]
        )
        ours_secs += secs
        ours_point[:, cols] = res.forecast.to_numpy()
        ours_sse[cols] = res.params["sse"].reindex(train.columns[cols]).to_numpy()
        low, high = res.lower.to_numpy(), res.upper.to_numpy()
        inside[:, cols] = (test[:, cols] >= low) & (test[:, cols] <= high)
    mase = np.array([_mase(ytr[:, i], test[:, i], ours_point[:, i]) for i in range(N_SERIES)])
    wape = np.array([_wape(test[:, i], ours_point[:, i]) for i in range(N_SERIES)])
    size = f"{N_SERIES:,} series x {N_FIT} months"
    lines.append(
        _line(
            [
                "seeded, generating trend/season",
                "salescore holt_winters_frame",
                f"{np.median(ours_sse):.4e} (median)",
                f"{np.mean(mase):.3f}",
                f"{np.mean(wape):.4f}",
                f"{np.nanmean(inside):.1%}",
                f"{ours_secs:.1f}",
            ]
        )
    )
    numbers["coverage_fixed_form"] = float(np.nanmean(inside))
    if es is not None:
        sm_point = np.empty((N_TEST, N_SERIES))
        sm_sse = np.empty(N_SERIES)
        start = time.perf_counter()
        for i in range(N_SERIES):
            sm_sse[i], f = _sm_fit(es, ytr[:, i], trends[i], seasons[i])
            sm_point[:, i] = np.asarray(f)
        sm_secs = time.perf_counter() - start
        sm_mase = np.array([_mase(ytr[:, i], test[:, i], sm_point[:, i]) for i in range(N_SERIES)])
        sm_wape = np.array([_wape(test[:, i], sm_point[:, i]) for i in range(N_SERIES)])
        lines.append(
            _line(
                [
                    "seeded, generating trend/season",
                    "statsmodels ExponentialSmoothing",
                    f"{np.median(sm_sse):.4e} (median)",
                    f"{np.mean(sm_mase):.3f}",
                    f"{np.mean(sm_wape):.4f}",
                    "–",
                    f"{sm_secs:.1f}",
                ]
            )
        )
        numbers["share_mase_le_statsmodels"] = float(np.mean(mase <= sm_mase + 1e-12))
        # Two fits of one optimum differ by the optimisers' tolerances (~1e-4 relative).
        numbers["share_mase_within_0.1pct_statsmodels"] = float(np.mean(mase <= 1.001 * sm_mase))
        numbers["share_mase_within_1pct_statsmodels"] = float(np.mean(mase <= 1.01 * sm_mase))
        numbers["share_mase_within_5pct_statsmodels"] = float(np.mean(mase <= 1.05 * sm_mase))
        numbers["share_wape_le_statsmodels"] = float(np.mean(wape <= sm_wape + 1e-12))
        numbers["share_sse_le_statsmodels"] = float(np.mean(ours_sse <= sm_sse * (1 + 1e-9)))
        rows.append(
            Row(
                benchmark="holt_winters_frame (estimated states) vs statsmodels loop",
                size=size,
                salescore_s=ours_secs,
                baseline_s=sm_secs,
                speedup=sm_secs / ours_secs,
                peak_mib=float("nan"),
            )
        )

    auto, auto_secs = _timed(lambda: auto_ets_frame(train, M, N_TEST))
    point = auto.forecast.to_numpy()
    forms = auto.params["form"].reindex(train.columns).to_numpy()
    inside_auto = (test >= auto.lower.to_numpy()) & (test <= auto.upper.to_numpy())
    a_mase = np.array([_mase(ytr[:, i], test[:, i], point[:, i]) for i in range(N_SERIES)])
    a_wape = np.array([_wape(test[:, i], point[:, i]) for i in range(N_SERIES)])
    exact = float(np.mean(forms == np.array(labels)))
    parts = float(np.mean([f[6:] == lab[6:] for f, lab in zip(forms, labels, strict=True)]))
    numbers.update(recovery_form=exact, recovery_components=parts)
    numbers["coverage_auto"] = float(np.mean(inside_auto))
    lines.append(
        _line(
            [
                f"seeded, AutoETS (form recovered {exact:.0%}, trend+season {parts:.0%})",
                "salescore auto_ets_frame",
                f"{np.median(auto.params['sse']):.4e} (median)",
                f"{np.mean(a_mase):.3f}",
                f"{np.mean(a_wape):.4f}",
                f"{np.mean(inside_auto):.1%}",
                f"{auto_secs:.1f}",
            ]
        )
    )
    if autoets is not None:
        (models, out), sf_secs = _timed(lambda: _sf_fit(autoets, ytr, N_SERIES))
        sf_point = np.column_stack(out["mean"])
        lo, hi = np.column_stack(out["lo-80"]), np.column_stack(out["hi-80"])
        sf_forms = [md.model_["method"] for md in models]
        sf_exact = float(np.mean([f == lab for f, lab in zip(sf_forms, labels, strict=True)]))
        sf_parts = float(
            np.mean([f[6:] == lab[6:] for f, lab in zip(sf_forms, labels, strict=True)])
        )
        sf_mase = np.array([_mase(ytr[:, i], test[:, i], sf_point[:, i]) for i in range(N_SERIES)])
        sf_wape = np.array([_wape(test[:, i], sf_point[:, i]) for i in range(N_SERIES)])
        sf_sse = [float(np.sum(np.asarray(md.model_["actual_residuals"]) ** 2)) for md in models]
        lines.append(
            _line(
                [
                    f"seeded, AutoETS (form recovered {sf_exact:.0%}, trend+season {sf_parts:.0%})",
                    "statsforecast AutoETS",
                    f"{np.median(sf_sse):.4e} (median)",
                    f"{np.mean(sf_mase):.3f}",
                    f"{np.mean(sf_wape):.4f}",
                    f"{np.mean((test >= lo) & (test <= hi)):.1%}",
                    f"{sf_secs:.1f}",
                ]
            )
        )
        numbers["share_auto_mase_le_statsforecast"] = float(np.mean(a_mase <= sf_mase + 1e-12))
        numbers["share_auto_mase_within_1pct_statsforecast"] = float(
            np.mean(a_mase <= 1.01 * sf_mase)
        )
        rows.append(
            Row(
                benchmark="auto_ets_frame vs statsforecast AutoETS loop",
                size=size,
                salescore_s=auto_secs,
                baseline_s=sf_secs,
                speedup=sf_secs / auto_secs,
                peak_mib=float("nan"),
            )
        )

    # Rolling origins (train 48, 54, 60 months, 12 ahead), measured by interval_coverage.
    for key in sorted({(t, s) for t, s in zip(trends, seasons, strict=True)}, key=str):
        names = [frame.columns[i] for i in range(N_SERIES) if (trends[i], seasons[i]) == key]
        for unc in (True, False):
            cov = interval_coverage(
                frame[names],
                partial(_hw_model, trend=key[0], seasonal=key[1], uncertainty=unc),
                folds=3,
                horizon=N_TEST,
                step=6,
            )
            tag = f"coverage_rolling_{key[0]}_{key[1]}" + ("" if unc else "_innovations_only")
            numbers[tag] = cov.coverage
            numbers[tag + "_h1"] = float(cov.by_step["coverage"].iloc[0])
            numbers[tag + "_h12"] = float(cov.by_step["coverage"].iloc[-1])
    sub = frame.iloc[:, : min(N_SERIES, 200)]
    cov = interval_coverage(
        sub, lambda f, h: auto_ets_frame(f, M, h), folds=3, horizon=N_TEST, step=6
    )
    numbers["coverage_auto_rolling_200_series"] = cov.coverage
    numbers.update(_montecarlo_coverage())
    return lines, rows, numbers


def _hw_model(train: pd.DataFrame, h: int, **kw: Any) -> Any:
    return holt_winters_frame(train, M, h, **kw)


def _montecarlo_coverage() -> dict[str, float]:
    """P10-P90 of forecast.montecarlo.simulate against outcomes drawn from the same odds."""
    from salescore import datasets
    from salescore.forecast.montecarlo import simulate

    pipeline = datasets.pipeline()
    rng = np.random.default_rng(SEED)
    hits, total = 0, 0
    for rep in range(100):
        opps = datasets.opportunities(pipeline, n=60, seed=rep)
        is_open = np.array([pipeline[o.stage].kind == "open" for o in opps])
        if not is_open.any():
            continue
        probs = rng.uniform(0.05, 0.9, len(opps))
        sim = simulate(opps, pipeline, seed=rep, probabilities=probs, n=20_000)
        low, high = sim.interval(0.8)
        amounts = np.array([float(o.amount) for o in opps])
        draws = rng.uniform(size=(50, len(opps))) < probs[None, :]
        outcome = sim.booked + (draws * (amounts * is_open)[None, :]).sum(axis=1)
        hits += int(np.sum((outcome >= low) & (outcome <= high)))
        total += len(outcome)
    return {"coverage_montecarlo_p10_p90": hits / total if total else float("nan")}


def run() -> list[Row]:
    """Print the accuracy table and return the timing rows."""
    es, autoets = _statsmodels(), _statsforecast()
    if es is None:
        print("skipped statsmodels: not installed (pip install -e .[bench])", file=sys.stderr)
    if autoets is None:
        print("skipped statsforecast: not installed", file=sys.stderr)
    head = [
        "| case | method | in-sample SSE | MASE | WAPE | 80% coverage | time [s] |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    numbers: dict[str, float] = {}
    lines = _superstore_rows(es, autoets, numbers)
    seeded, rows, seeded_numbers = _seeded_rows(es, autoets)
    numbers.update(seeded_numbers)
    print("\n".join(head + lines + seeded))
    print("\n".join(f"{k}: {v:.4f}" for k, v in numbers.items()))
    return rows
