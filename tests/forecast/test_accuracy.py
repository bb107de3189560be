from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salescore.errors import InvalidInputError
from salescore.forecast.accuracy import (
    Accuracy,
    AccuracyPartial,
    accuracy,
    accuracy_partial,
    backtest,
    interval_coverage,
)
from salescore.forecast.timeseries import (
    HoltWintersFrame,
    holt_winters,
    holt_winters_frame,
    run_rate,
    seasonal_naive,
)

values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def pairs(draw, min_size=1, max_size=30):
    n = draw(st.integers(min_size, max_size))
    actual = draw(st.lists(values, min_size=n, max_size=n))
    forecast = draw(st.lists(values, min_size=n, max_size=n))
    return np.array(actual), np.array(forecast)


# --------------------------------------------------------------------------- accuracy


def test_accuracy_hand_computed():
    # errors f - a: 10, 5, -10, -2 ; actuals 100, 0, 50, 20
    a = [100.0, 0.0, 50.0, 20.0]
    f = [110.0, 5.0, 40.0, 18.0]
    m = accuracy(a, f)
    assert m.n == 4 and m.n_missing == 0 and m.n_zero_actual == 1
    assert m.mae == pytest.approx(27 / 4)  # (10 + 5 + 10 + 2) / 4
    assert m.rmse == pytest.approx(math.sqrt(229 / 4))  # 100 + 25 + 100 + 4 = 229
    assert m.bias == pytest.approx(3 / 4)  # 10 + 5 - 10 - 2 = 3
    assert m.mape == pytest.approx((0.1 + 0.2 + 0.1) / 3)  # the zero actual is excluded
    assert m.wape == pytest.approx(27 / 170)
    assert m.pinball == {}
    assert m.coverage is None and m.interval_level is None


def test_accuracy_pinball_and_coverage_hand_computed():
    a = [10.0, 20.0, 30.0]
    q10 = [8.0, 22.0, 25.0]  # a - q = 2, -2, 5 -> 0.1*2, 0.9*2, 0.1*5 = 0.2, 1.8, 0.5
    q90 = [12.0, 23.0, 29.0]  # a - q = -2, -3, 1 -> 0.1*2, 0.1*3, 0.9*1 = 0.2, 0.3, 0.9
    m = accuracy(a, a, quantiles={0.1: q10, 0.9: q90}, interval=(q10, q90), level=0.8)
    assert m.pinball[0.1] == pytest.approx(2.5 / 3)
    assert m.pinball[0.9] == pytest.approx(1.4 / 3)
    assert m.coverage == pytest.approx(1 / 3)  # only 10 lies in [8, 12]
    assert m.interval_level == 0.8


def test_accuracy_missing_actuals_are_counted():
    m = accuracy(pd.Series([1.0, np.nan, 3.0]), pd.Series([2.0, 9.0, 3.0]))
    assert (m.n, m.n_missing, m.mae) == (2, 1, 0.5)


def test_accuracy_all_zero_actuals_leave_mape_and_wape_undefined():
    m = accuracy([0.0, 0.0], [1.0, -1.0])
    assert m.mape is None and m.wape is None and m.n_zero_actual == 2
    assert m.bias == 0.0 and m.mae == 1.0


@given(pairs())
def test_accuracy_perfect_forecast_scores_zero(data):
    actual, _ = data
    m = accuracy(actual, actual, quantiles={0.5: actual}, interval=(actual, actual), level=0.9)
    assert m.mae == 0 and m.rmse == 0 and m.bias == 0
    assert m.mape in (0.0, None) and m.wape in (0.0, None)
    assert m.pinball == {0.5: 0.0}
    assert m.coverage == 1.0


@given(pairs(), st.floats(0.01, 100))
def test_accuracy_scales_as_documented(data, c):
    actual, forecast = data
    lo, hi = np.minimum(actual, forecast), np.maximum(actual, forecast) + 1
    base = accuracy(actual, forecast, quantiles={0.3: lo}, interval=(lo, hi))
    scaled = accuracy(c * actual, c * forecast, quantiles={0.3: c * lo}, interval=(c * lo, c * hi))
    assert scaled.mae == pytest.approx(c * base.mae, rel=1e-9, abs=1e-6)
    assert scaled.rmse == pytest.approx(c * base.rmse, rel=1e-9, abs=1e-6)
    assert scaled.bias == pytest.approx(c * base.bias, rel=1e-9, abs=1e-6)
    assert scaled.pinball[0.3] == pytest.approx(c * base.pinball[0.3], rel=1e-9, abs=1e-6)
    if base.mape is not None and scaled.mape is not None:
        assert scaled.mape == pytest.approx(base.mape, rel=1e-9)
    if base.wape is not None and scaled.wape is not None:
        assert scaled.wape == pytest.approx(base.wape, rel=1e-9)
    assert scaled.coverage == base.coverage


@given(pairs())
def test_accuracy_bias_sign_is_forecast_minus_actual(data):
    actual, _ = data
    assert accuracy(actual, actual + 1.0).bias == pytest.approx(1.0)
    assert accuracy(actual, actual - 1.0).bias == pytest.approx(-1.0)


@given(pairs(min_size=2), st.data())
def test_accuracy_partial_adds_up(data, draw):
    actual, forecast = data
    cut = draw.draw(st.integers(1, len(actual) - 1))
    q = {0.5: forecast}
    whole = accuracy_partial(actual, forecast, quantiles=q, interval=(forecast, forecast + 1))
    left = accuracy_partial(
        actual[:cut],
        forecast[:cut],
        quantiles={0.5: forecast[:cut]},
        interval=(forecast[:cut], forecast[:cut] + 1),
    )
    right = accuracy_partial(
        actual[cut:],
        forecast[cut:],
        quantiles={0.5: forecast[cut:]},
        interval=(forecast[cut:], forecast[cut:] + 1),
    )
    pooled = left + right
    assert (pooled.n, pooled.n_zero_actual, pooled.n_covered) == (
        whole.n,
        whole.n_zero_actual,
        whole.n_covered,
    )
    for field in ("sum_abs_error", "sum_sq_error", "sum_error", "sum_abs_actual", "sum_ape"):
        assert getattr(pooled, field) == pytest.approx(getattr(whole, field), rel=1e-9, abs=1e-3)
    assert pooled.sum_pinball[0.5] == pytest.approx(whole.sum_pinball[0.5], rel=1e-9, abs=1e-3)


def test_accuracy_partial_refuses_mismatched_pools():
    a = accuracy_partial([1.0], [1.0], quantiles={0.1: [1.0]})
    b = accuracy_partial([1.0], [1.0])
    with pytest.raises(InvalidInputError, match=r"cannot pool quantile levels \[0.1\] with \[\]"):
        a + b
    c = accuracy_partial([1.0], [1.0], interval=([0.0], [2.0]), level=0.8)
    d = accuracy_partial([1.0], [1.0], interval=([0.0], [2.0]), level=0.9)
    with pytest.raises(InvalidInputError, match=r"interval at level 0\.8 with one at level 0\.9"):
        c + d
    assert b.__add__(1) is NotImplemented


def test_accuracy_round_trips_json():
    m = accuracy([1.0, 2.0], [1.5, 2.5], quantiles={0.5: [1.0, 2.0]}, interval=([0, 0], [3, 3]))
    assert isinstance(m, Accuracy)
    assert Accuracy.model_validate(m.model_dump(mode="json")) == m
    p = accuracy_partial([1.0], [2.0])
    assert isinstance(p, AccuracyPartial)
    assert AccuracyPartial.model_validate_json(p.model_dump_json()) == p


def test_accuracy_rejects_bad_input():
    with pytest.raises(InvalidInputError, match="forecast has 1 values, actual has 2"):
        accuracy([1.0, 2.0], [1.0])
    with pytest.raises(InvalidInputError, match=r"forecast\[1\] is nan; forecasts must be finite"):
        accuracy([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(InvalidInputError, match="actual holds inf"):
        accuracy([1.0, np.inf], [1.0, 2.0])
    with pytest.raises(InvalidInputError, match="actual must be numbers"):
        accuracy(["a"], [1.0])
    with pytest.raises(InvalidInputError, match="actual must be one-dimensional"):
        accuracy(pd.DataFrame({"a": [1.0]}), [1.0])
    with pytest.raises(
        InvalidInputError, match=r"forecast must be one-dimensional, got shape \(1, 1\)"
    ):
        accuracy([1.0], [[1.0]])
    with pytest.raises(InvalidInputError, match="different indexes"):
        accuracy(pd.Series([1.0], index=[0]), pd.Series([1.0], index=[5]))
    with pytest.raises(InvalidInputError, match=r"quantile level 1.5 is outside \(0, 1\)"):
        accuracy([1.0], [1.0], quantiles={1.5: [1.0]})
    with pytest.raises(InvalidInputError, match=r"interval lower\[0\] 3.0 exceeds upper 2.0"):
        accuracy([1.0], [1.0], interval=([3.0], [2.0]))
    with pytest.raises(InvalidInputError, match="level is given without an interval"):
        accuracy([1.0], [1.0], level=0.8)
    with pytest.raises(InvalidInputError, match=r"level 80 is outside \(0, 1\)"):
        accuracy([1.0], [1.0], interval=([0.0], [2.0]), level=80)
    with pytest.raises(InvalidInputError, match="no pair with an observed actual"):
        accuracy([np.nan], [1.0])


# --------------------------------------------------------------------------- backtest


def test_backtest_hand_computed_run_rate():
    # series 10, 12, 11, 13, 12, 14; window 2, horizon 2, folds 2, step 1
    # fold 0 trains on 3 periods: rate (12 + 11) / 2 = 11.5, tests 13, 12 -> errors -1.5, -0.5
    # fold 1 trains on 4 periods: rate (11 + 13) / 2 = 12, tests 12, 14 -> errors 0, -2
    series = pd.Series(
        [10.0, 12.0, 11.0, 13.0, 12.0, 14.0], index=pd.period_range("2025-01", periods=6, freq="M")
    )
    bt = backtest(series, lambda s, h: run_rate(s, h, window=2), folds=2, horizon=2)
    assert bt.folds["n_train"].tolist() == [3, 4]
    assert bt.folds["origin"].astype(str).tolist() == ["2025-04", "2025-05"]
    assert bt.folds["mae"].tolist() == pytest.approx([1.0, 1.0])
    assert bt.folds["bias"].tolist() == pytest.approx([-1.0, -1.0])
    assert bt.pooled.mae == pytest.approx(1.0)  # (1.5 + 0.5 + 0 + 2) / 4
    assert bt.pooled.n == 4
    assert bt.forecasts["step"].tolist() == [1, 2, 1, 2]
    assert set(bt.pooled.pinball) == {0.1, 0.5, 0.9}
    assert bt.pooled.interval_level == 0.8


def test_backtest_holt_winters_monthly_with_gaps():
    rng = np.random.default_rng(21)
    t = np.arange(48)
    y = 100 + t + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 48)
    s = pd.Series(y, index=pd.date_range("2022-01-01", periods=48, freq="MS"))
    s = s.drop(s.index[[7, 45]])  # period 45 lands in the test windows of folds 1 and 2
    bt = backtest(s, lambda tr, h: holt_winters(tr, 12, h), folds=3, horizon=3, step=2)
    # first cut = 48 - 3 - (3 - 1) * 2 = 41; tests 41-43, 43-45, 45-47
    assert bt.folds["n_train"].tolist() == [41, 43, 45]
    assert bt.folds["n"].tolist() == [3, 2, 2]
    assert bt.pooled.n == 7 and bt.pooled.n_missing == 2
    assert bt.pooled.mae < 10
    assert len(bt.forecasts) == 9


def test_backtest_fold_without_observations():
    series = [1.0, 2.0, 3.0, 4.0, np.nan, 6.0]
    bt = backtest(series, lambda s, h: run_rate(s, h, window=2), folds=2, horizon=1)
    assert bt.folds["n"].tolist() == [0, 1]
    assert math.isnan(bt.folds["mae"].iloc[0])
    assert bt.pooled.n == 1


def test_backtest_rejects_bad_input():
    series = [1.0, 2.0, 3.0, 4.0]
    model = lambda s, h: run_rate(s, h, window=1)  # noqa: E731
    with pytest.raises(InvalidInputError, match="4 periods cannot hold 3 folds of horizon 2"):
        backtest(series, model, folds=3, horizon=2)
    with pytest.raises(InvalidInputError, match="folds 0 must be an integer >= 1"):
        backtest(series, model, folds=0, horizon=1)
    with pytest.raises(InvalidInputError, match="model returned int"):
        backtest(series, lambda s, h: 1, folds=1, horizon=1)  # type: ignore[arg-type,return-value]
    with pytest.raises(InvalidInputError, match="fold 0: the model forecast"):
        backtest(series, lambda s, h: run_rate(s, h + 1, window=1), folds=1, horizon=1)


@settings(max_examples=20)
@given(st.lists(st.floats(1, 1000), min_size=8, max_size=20), st.integers(1, 3))
def test_backtest_pooled_equals_accuracy_of_all_forecasts(values, horizon):
    bt = backtest(values, lambda s, h: seasonal_naive(s, 2, h), folds=3, horizon=horizon)
    f = bt.forecasts
    direct = accuracy(f["actual"], f["forecast"], interval=(f["lower"], f["upper"]), level=0.8)
    assert bt.pooled.mae == pytest.approx(direct.mae)
    assert bt.pooled.coverage == pytest.approx(direct.coverage)


# --------------------------------------------------------------------------- interval coverage


def test_interval_coverage_counts_inside_below_above():
    # Naive forecasts of a flat 0 have a zero-width interval at 0. Fold 0 trains on [0, 0, 0]
    # and meets 0 (inside), 10 (above); fold 1 trains on [0, 0, 0, 0] and meets 10, -10.
    cov = interval_coverage(
        [0.0, 0.0, 0.0, 0.0, 10.0, -10.0],
        lambda s, h: seasonal_naive(s, 1, h),
        folds=2,
        horizon=2,
    )
    assert (cov.level, cov.n, cov.coverage) == (0.8, 4, 0.25)
    assert cov.stderr == pytest.approx(math.sqrt(0.25 * 0.75 / 4))
    assert cov.by_step["coverage"].tolist() == [0.5, 0.0]
    assert cov.by_step["below"].tolist() == [0.0, 0.5]
    assert cov.by_step["above"].tolist() == [0.5, 0.5]
    assert cov.by_step["n"].tolist() == [2, 2]


def test_interval_coverage_skips_missing_actuals():
    cov = interval_coverage(
        [0.0, 0.0, 0.0, np.nan], lambda s, h: seasonal_naive(s, 1, h), folds=1, horizon=1
    )
    assert cov.n == 0 and math.isnan(cov.coverage) and math.isnan(cov.stderr)


def _flat_frame_model(frame: pd.DataFrame, h: int, level: float) -> HoltWintersFrame:
    return holt_winters_frame(frame, 1, h, seasonal=None, level=level)


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 10_000))
def test_interval_coverage_monotone_in_level(seed):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(100 + np.cumsum(rng.normal(0, 3, (30, 8)), axis=0))
    covs = []
    for level in (0.5, 0.8, 0.95):
        cov = interval_coverage(
            frame,
            functools.partial(_flat_frame_model, level=level),
            folds=2,
            horizon=3,
        )
        assert 0.0 <= cov.coverage <= 1.0
        parts = cov.by_step[["coverage", "below", "above"]].sum(axis=1)
        np.testing.assert_allclose(parts, 1.0)
        assert cov.level == level
        covs.append(cov.coverage)
    assert covs[0] <= covs[1] <= covs[2]


def test_interval_coverage_errors():
    naive = lambda s, h: seasonal_naive(s, 1, h)  # noqa: E731
    with pytest.raises(InvalidInputError, match="folds 0 must be an integer >= 1"):
        interval_coverage([1.0, 2.0, 3.0], naive, folds=0, horizon=1)
    with pytest.raises(InvalidInputError, match="3 periods cannot hold 3 folds"):
        interval_coverage([1.0, 2.0, 3.0], naive, folds=3, horizon=1)
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(InvalidInputError, match="for a frame it must return a HoltWintersFrame"):
        interval_coverage(frame, lambda f, h: seasonal_naive(f["a"], 1, h), folds=1, horizon=1)
    with pytest.raises(InvalidInputError, match="expected a TimeSeriesForecast"):
        interval_coverage([1.0, 2.0, 3.0], lambda s, h: 1.0, folds=1, horizon=1)  # type: ignore[arg-type,return-value]
    with pytest.raises(InvalidInputError, match="the test periods are"):
        interval_coverage([1.0, 2.0, 3.0, 4.0], lambda s, h: naive(s, h + 1), folds=1, horizon=1)
    with pytest.raises(InvalidInputError, match="the test periods are"):
        interval_coverage(
            frame, lambda f, h: holt_winters_frame(f, 1, h + 1, seasonal=None), folds=1, horizon=1
        )
    levels = iter([0.8, 0.9])
    with pytest.raises(InvalidInputError, match=r"fold 1: level 0\.9 differs from 0\.8"):
        interval_coverage(
            [1.0, 2.0, 4.0, 3.0, 5.0, 6.0],
            lambda s, h: holt_winters(s, 1, h, trend=None, seasonal=None, level=next(levels)),
            folds=2,
            horizon=1,
        )
