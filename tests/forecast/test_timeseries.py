from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salescore.errors import InvalidInputError
from salescore.forecast._ets import nelder_mead as _nelder_mead
from salescore.forecast.timeseries import (
    HoltWintersParams,
    TimeSeriesForecast,
    auto_ets,
    auto_ets_frame,
    holt_winters,
    holt_winters_frame,
    run_rate,
    seasonal_naive,
)

amounts = st.floats(1.0, 1e6, allow_nan=False, allow_infinity=False)


def _monthly(values, start="2024-01-01"):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="MS"))


def _reference_hw(y, m, alpha, beta, gamma, phi, trend, seasonal, level0, trend0, season0):
    """Textbook component form in plain Python (Hyndman & Athanasopoulos, FPP §8.3).

    level_t = alpha (y_t - s_{t-m}) + (1 - alpha)(l_{t-1} + phi b_{t-1})  [or y_t / s_{t-m}]
    b_t     = beta (l_t - l_{t-1}) + (1 - beta) phi b_{t-1}
    s_t     = gamma (y_t - l_{t-1} - phi b_{t-1}) + (1 - gamma) s_{t-m}   [or y_t / (...)]
    A missing y_t takes its one-step forecast (so every update is the no-error one).
    """
    lev, b, s = level0, trend0, list(season0)
    fitted, sse = [], 0.0
    for t, obs in enumerate(y):
        j = t % m
        base = lev + phi * b if trend else lev
        yhat = base * s[j] if seasonal == "mul" else base + (s[j] if seasonal else 0.0)
        fitted.append(yhat)
        val = yhat if math.isnan(obs) else obs
        sse += (val - yhat) ** 2
        if seasonal == "mul":
            new_level = alpha * val / s[j] + (1 - alpha) * base
        elif seasonal == "add":
            new_level = alpha * (val - s[j]) + (1 - alpha) * base
        else:
            new_level = alpha * val + (1 - alpha) * base
        if trend:
            b = beta * (new_level - lev) + (1 - beta) * phi * b
        if seasonal == "mul":
            s[j] = gamma * val / base + (1 - gamma) * s[j]
        elif seasonal == "add":
            s[j] = gamma * (val - base) + (1 - gamma) * s[j]
        lev = new_level
    return fitted, sse, lev, b, s


# --------------------------------------------------------------------------- Holt-Winters


def test_holt_winters_hand_derived_holt_trend():
    # y = 10, 14, 12, 18 with alpha = beta = 0.5 fixed (alpha*beta = 0.25).
    # init: b0 = 14 - 10 = 4, l0 = 10 - 4 = 6 (line through the first two points at t = 0)
    # t0: yhat 10, e 0;  t1: yhat 14, e 0
    # t2: yhat 18, e -6 -> l = 18 - 3 = 15, b = 4 - 1.5 = 2.5
    # t3: yhat 17.5, e 0.5 -> l = 17.5 + 0.25 = 17.75, b = 2.5 + 0.125 = 2.625
    # SSE = 36 + 0.25 = 36.25; no free parameter, so sigma2 = 36.25 / 4 = 9.0625
    fc = holt_winters(
        [10.0, 14.0, 12.0, 18.0], 1, 3, seasonal=None, alpha=0.5, beta=0.5, initial="heuristic"
    )
    assert fc.fitted.tolist() == [10.0, 14.0, 18.0, 17.5]
    assert fc.forecast.tolist() == [20.375, 23.0, 25.625]
    assert fc.params is not None
    assert fc.params.sse == 36.25
    assert (fc.params.level, fc.params.slope) == (17.75, 2.625)
    assert fc.sigma2 == 9.0625
    # c_{1,2} = 0.5 + 0.25 * 1 = 0.75; c_{1,3} = 0.5 + 0.25 * 2 = 1; c_{2,3} = 0.75
    expected_var = [9.0625, 9.0625 * 1.5625, 9.0625 * 2.5625]
    np.testing.assert_allclose(fc.std.to_numpy() ** 2, expected_var)
    assert fc.residuals.tolist() == [0.0, 0.0, -6.0, 0.5]


def test_holt_winters_hand_derived_additive_season():
    # y = 10, 20, 12, 22, 11, 21, m = 2, no trend, alpha = gamma = 0.5.
    # init: season means 15 and 17, l0 = 15; deviations pos0 (-5, -3) -> -4, pos1 (5, 7) -> 6;
    # centred: s = (-5, 5).
    # t2: yhat 10, e 2 -> l 16, s0 -4;  t3: yhat 21, e 1 -> l 16.5, s1 5.5
    # t4: yhat 12.5, e -1.5 -> l 15.75, s0 -4.75;  t5: yhat 21.25, e -0.25 -> l 15.625, s1 5.375
    # SSE = 4 + 1 + 2.25 + 0.0625 = 7.3125
    fc = holt_winters(
        [10.0, 20.0, 12.0, 22.0, 11.0, 21.0],
        2,
        3,
        trend=None,
        alpha=0.5,
        gamma=0.5,
        initial="heuristic",
    )
    assert fc.params is not None
    assert fc.params.initial_season == (-5.0, 5.0)
    assert fc.fitted.tolist() == [10.0, 20.0, 10.0, 21.0, 12.5, 21.25]
    assert fc.params.sse == 7.3125
    assert fc.params.season == (-4.75, 5.375)
    assert fc.forecast.tolist() == [10.875, 21.0, 10.875]


@pytest.mark.parametrize(
    ("trend", "seasonal", "damped"),
    [
        ("add", "add", False),
        ("add", "mul", False),
        ("add", "add", True),
        ("add", "mul", True),
        (None, "add", False),
        (None, "mul", False),
        ("add", None, False),
        ("add", None, True),
        (None, None, False),
    ],
)
def test_holt_winters_matches_component_form_recursion(trend, seasonal, damped):
    rng = np.random.default_rng(7)
    t = np.arange(36)
    y = 200 + 3 * t + 40 * np.sin(2 * np.pi * t / 4) + rng.normal(0, 8, 36)
    y[[9, 22]] = np.nan  # gaps are carried on the forecast
    fc = holt_winters(y, 4, 5, trend=trend, seasonal=seasonal, damped=damped)
    p = fc.params
    assert isinstance(p, HoltWintersParams)
    m = 4 if seasonal else 1
    fitted, sse, lev, _, _ = _reference_hw(
        y,
        m,
        p.alpha,
        p.beta or 0.0,
        p.gamma or 0.0,
        p.phi if p.phi is not None else 1.0,
        trend,
        seasonal,
        p.initial_level,
        p.initial_trend,
        p.initial_season or (0.0,),
    )
    np.testing.assert_allclose(fc.fitted.to_numpy(), fitted, rtol=1e-10)
    assert p.sse == pytest.approx(sse, rel=1e-10)
    assert p.level == pytest.approx(lev, rel=1e-10)
    assert p.n_obs == 34
    # The fit is a minimum: nudging any free parameter inside its bounds does not lower the SSE.
    names = ["alpha"] + (["beta"] if trend else []) + (["gamma"] if seasonal else [])
    names += ["phi"] if damped else []
    base = {"alpha": p.alpha, "beta": p.beta or 0.0, "gamma": p.gamma or 0.0}
    base["phi"] = p.phi if p.phi is not None else 1.0
    for name in names:
        for delta in (-0.01, 0.01):
            trial = dict(base)
            lo, hi = (0.8, 0.98) if name == "phi" else (0.0, 1.0)
            trial[name] = min(max(trial[name] + delta, lo), hi)
            other = _reference_hw(
                y,
                m,
                trial["alpha"],
                trial["beta"],
                trial["gamma"],
                trial["phi"],
                trend,
                seasonal,
                p.initial_level,
                p.initial_trend,
                p.initial_season or (0.0,),
            )[1]
            assert other >= sse * (1 - 1e-6)


def test_holt_winters_additive_variance_matches_closed_form():
    # ETS(A,A,A), class 1:
    # var_h = sigma2 (1 + sum_{j<h} (alpha + alpha*beta*j + gamma [j % m == 0])^2)
    rng = np.random.default_rng(3)
    y = 50 + np.arange(40) + 10 * np.tile([1.0, -1.0, 2.0, -2.0], 10) + rng.normal(0, 2, 40)
    fc = holt_winters(y, 4, 9, uncertainty=False)
    p = fc.params
    assert p is not None and p.beta is not None and p.gamma is not None
    var = []
    for h in range(1, 10):
        c = [p.alpha + p.alpha * p.beta * j + p.gamma * (j % 4 == 0) for j in range(1, h)]
        var.append(fc.sigma2 * (1 + sum(x * x for x in c)))
    np.testing.assert_allclose(fc.std.to_numpy() ** 2, var, rtol=1e-12)
    # sigma2 = SSE / (n_obs - 3 parameters - 5 initial states: level, trend, 3 of 4 seasonal)
    assert fc.sigma2 == pytest.approx(p.sse / 32)
    heuristic = holt_winters(y, 4, 9, initial="heuristic")
    assert heuristic.params is not None
    assert heuristic.sigma2 == pytest.approx(heuristic.params.sse / 37)


def test_holt_winters_multiplicative_perfect_series_is_exact():
    factors = np.array([0.8, 1.2, 1.0, 1.0])
    y = np.tile(factors, 5) * 100.0
    fc = holt_winters(y, 4, 4, trend=None, seasonal="mul")
    np.testing.assert_allclose(fc.forecast.to_numpy(), factors * 100.0)
    assert fc.params is not None
    assert fc.params.sse == pytest.approx(0.0, abs=1e-18)


@settings(max_examples=20)
@given(
    st.floats(-50, 50),
    st.floats(1, 1000),
    st.integers(3, 12),
    st.sampled_from(["estimated", "heuristic"]),
)
def test_holt_winters_linear_series_is_continued(slope, intercept, n, initial):
    if initial == "estimated" and n < 5:  # 2 parameters + 2 states need 5 observations
        return
    y = intercept + slope * np.arange(n)
    fc = holt_winters(y, 1, 3, seasonal=None, initial=initial)
    expected = intercept + slope * np.arange(n, n + 3)
    np.testing.assert_allclose(fc.forecast.to_numpy(), expected, rtol=1e-9, atol=1e-7)


@settings(max_examples=15)
@given(st.lists(amounts, min_size=8, max_size=16), st.sampled_from([None, "add", "mul"]))
def test_holt_winters_intervals_contain_forecast_and_widen(values, seasonal):
    try:
        fc = holt_winters(values, 2, 6, seasonal=seasonal)
    except InvalidInputError as exc:  # a wild series can drive the initial trend line below 0
        message = str(exc)
        assert seasonal == "mul"
        assert "cannot initialise the seasonal states" in message
        return
    assert (fc.lower <= fc.upper).all()
    if seasonal != "mul":  # Gaussian class 1: symmetric about the forecast
        assert (fc.lower <= fc.forecast).all()
        assert (fc.forecast <= fc.upper).all()
        # The innovations part never narrows (the estimation part need not grow with h).
        inno = holt_winters(values, 2, 6, seasonal=seasonal, uncertainty=False).std.to_numpy()
        assert (np.diff(inno) >= -1e-9 * inno[1:]).all()
        assert (fc.std.to_numpy() >= inno * (1 - 1e-12)).all()
    else:  # simulated: the bounds are quantiles of the simulated paths
        assert fc.quantiles is not None
        np.testing.assert_allclose(fc.interval(0.8)[0], fc.lower, rtol=1e-9, atol=1e-6)


def test_holt_winters_monthly_gaps_missing_and_zero():
    rng = np.random.default_rng(11)
    y = 100 + 10 * np.tile(np.arange(12) % 3, 3) + rng.normal(0, 1, 36)
    s = _monthly(y).drop(pd.Timestamp("2024-05-01"))
    fc = holt_winters(s, 12, 3)
    assert fc.params is not None and fc.params.n_obs == 35
    assert list(fc.forecast.index.astype(str)) == ["2027-01", "2027-02", "2027-03"]
    assert math.isnan(fc.residuals.iloc[4])
    zero = holt_winters(s, 12, 3, gaps="zero")
    assert zero.params is not None and zero.params.n_obs == 36
    assert zero.fitted.index.equals(fc.fitted.index)


def test_holt_winters_weekly_series_infers_weeks():
    idx = pd.date_range("2025-01-06", periods=30, freq="7D")  # Mondays
    s = pd.Series(np.linspace(10, 40, 30), index=idx).drop(idx[[4, 17]])
    fc = holt_winters(s, 4, 2, seasonal=None)
    assert str(fc.forecast.index.dtype) == "period[W-SUN]"
    assert str(fc.forecast.index[0].start_time.date()) == "2025-08-04"
    np.testing.assert_allclose(fc.forecast.to_numpy(), [40 + 30 / 29, 40 + 60 / 29])


def test_holt_winters_frame_agrees_with_single_calls():
    rng = np.random.default_rng(5)
    t = np.arange(30)
    data = 80 + t[:, None] + 15 * np.sin(t / 2)[:, None] + rng.normal(0, 4, (30, 3))
    data[12, 1] = np.nan
    frame = pd.DataFrame(
        data, columns=["a", "b", "c"], index=pd.period_range("2023-01", periods=30, freq="M")
    )
    frame["short"] = np.nan
    frame.loc[frame.index[:3], "short"] = 5.0
    res = holt_winters_frame(frame, 6, 4, damped=True)
    for col in ["a", "b", "c"]:
        one = holt_winters(frame[col], 6, 4, damped=True)
        assert one.params is not None
        np.testing.assert_allclose(res.forecast[col].to_numpy(), one.forecast.to_numpy(), rtol=1e-9)
        np.testing.assert_allclose(res.std[col].to_numpy(), one.std.to_numpy(), rtol=1e-9)
        assert res.params.loc[col, "alpha"] == pytest.approx(one.params.alpha, rel=1e-9)
        assert res.params.loc[col, "phi"] == pytest.approx(one.params.phi, rel=1e-9)
    assert res.failures.to_dict("list") == {
        "series": ["short"],
        "reason": ["needs an observation in each of the first two seasons"],
    }
    assert res.forecast["short"].isna().all()
    assert (res.lower["a"] < res.upper["a"]).all()
    assert res.level == 0.8


def test_holt_winters_frame_rejects_series():
    with pytest.raises(InvalidInputError, match="expected a DataFrame, got Series"):
        holt_winters_frame(pd.Series([1.0, 2.0]), 1, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"trend": "mul"}, "trend 'mul' is not one of"),
        ({"seasonal": "x"}, "seasonal 'x' is not one of"),
        ({"trend": None, "damped": True}, "damped=True needs trend='add'"),
        ({"seasonal": None, "gamma": 0.3}, "gamma is given but the model has no such parameter"),
        ({"alpha": 1.5}, r"alpha 1.5 is outside \[0.0, 1.0\]"),
        ({"damped": True, "phi": 0.5}, r"phi 0.5 is outside \[0.8, 0.98\]"),
        ({"level": 1.0}, r"level 1.0 is outside \(0, 1\)"),
        ({"gaps": "drop"}, "gaps 'drop' is not one of 'missing', 'zero'"),
    ],
)
def test_holt_winters_rejects_bad_arguments(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        holt_winters(np.arange(1.0, 25.0), 4, 2, **kwargs)


def test_holt_winters_rejects_bad_series():
    with pytest.raises(
        InvalidInputError, match=r"needs at least two seasons \(24 periods\), got 20"
    ):
        holt_winters(np.arange(1.0, 21.0), 12, 2)
    with pytest.raises(InvalidInputError, match="multiplicative seasonality needs bookings > 0"):
        holt_winters(np.r_[0.0, np.arange(1.0, 12.0)], 4, 2, seasonal="mul")
    with pytest.raises(InvalidInputError, match="needs at least 2 observations"):
        holt_winters([5.0, np.nan], 1, 2, seasonal=None)
    with pytest.raises(InvalidInputError, match="needs more than 2 observations"):
        holt_winters([5.0, 6.0], 1, 2, seasonal=None, initial="heuristic")
    with pytest.raises(InvalidInputError, match="needs more than 4 observations"):
        holt_winters([5.0, 6.0, 7.0, 8.0], 1, 2, seasonal=None)
    with pytest.raises(InvalidInputError, match="season_length 1 must be >= 2"):
        holt_winters(np.arange(1.0, 25.0), 1, 2)
    with pytest.raises(InvalidInputError, match="horizon 0 must be an integer >= 1"):
        holt_winters(np.arange(1.0, 25.0), 4, 0)
    with pytest.raises(InvalidInputError, match="cannot initialise the seasonal states"):
        # A falling trend line crosses zero inside the first two seasons.
        holt_winters([10.0, 10.0, 0.1, 0.1, 0.1, 0.1], 3, 1, seasonal="mul")


# --------------------------------------------------------------------------- grid and gaps


def test_series_index_errors():
    odd = pd.Series(
        [1.0, 2.0, 3.0], index=pd.to_datetime(["2024-01-03", "2024-01-05", "2024-01-20"])
    )
    with pytest.raises(InvalidInputError, match="cannot infer a monthly or weekly frequency"):
        run_rate(odd, 1)
    with pytest.raises(InvalidInputError, match="freq 'nope' is not a pandas period alias"):
        run_rate(odd, 1, freq="nope")
    dup = pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-03", "2024-01-20"]))
    with pytest.raises(InvalidInputError, match="period 2024-01 occurs more than once"):
        run_rate(dup, 1, freq="M")
    with pytest.raises(InvalidInputError, match="is not dates, periods or integer positions"):
        run_rate(pd.Series([1.0, 2.0], index=["a", "b"]), 1)
    with pytest.raises(InvalidInputError, match="missing dates"):
        run_rate(pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-01-01", None])), 1)
    with pytest.raises(InvalidInputError, match="the series is empty"):
        run_rate([], 1)
    with pytest.raises(InvalidInputError, match="must be finite"):
        run_rate([1.0, math.inf], 1)
    with pytest.raises(InvalidInputError, match="must be numbers"):
        run_rate(pd.Series(["x", "y"]), 1)
    with pytest.raises(InvalidInputError, match="one-dimensional"):
        run_rate(np.ones((2, 2)), 1)
    with pytest.raises(InvalidInputError, match="use holt_winters_frame"):
        run_rate(pd.DataFrame({"a": [1.0]}), 1)


def test_series_month_ends_unsorted_and_periods():
    s = pd.Series([3.0, 1.0, 2.0], index=pd.to_datetime(["2024-03-31", "2024-01-31", "2024-02-29"]))
    fc = run_rate(s, 1, window=2)
    assert fc.fitted.index.astype(str).tolist() == ["2024-01", "2024-02", "2024-03"]
    assert fc.forecast.tolist() == [2.5]
    periods = pd.Series([1.0, 2.0], index=pd.PeriodIndex(["2024-01", "2024-02"], freq="M"))
    assert run_rate(periods, 1, window=1, freq="M").forecast.index[0] == pd.Period("2024-03", "M")
    positions = pd.Series([1.0, 3.0], index=[10, 12])  # position 11 is a gap
    fc = run_rate(positions, 2, window=1, gaps="zero")
    assert fc.forecast.index.tolist() == [13, 14]
    assert fc.fitted.index.tolist() == [10, 11, 12]
    assert fc.fitted.iloc[1:].tolist() == [1.0, 0.0]  # position 11 is zero bookings


# --------------------------------------------------------------------------- simple methods


@given(st.lists(amounts, min_size=4, max_size=30), st.integers(1, 4), st.integers(1, 9))
def test_seasonal_naive_repeats_the_last_season(values, m, horizon):
    if len(values) <= m:
        return
    fc = seasonal_naive(values, m, horizon)
    n = len(values)
    for h in range(1, horizon + 1):
        back = (h - 1) // m + 1
        assert fc.forecast.iloc[h - 1] == values[n - 1 + h - back * m]
        assert fc.std.iloc[h - 1] == pytest.approx(math.sqrt(fc.sigma2 * back))


def test_seasonal_naive_skips_a_missing_season():
    # Position 1 of the last season is missing: repeat the one before (2 seasons back, var 2σ²).
    fc = seasonal_naive([1.0, 2.0, 1.5, np.nan], 2, 2)
    # pairs one season apart: (1 -> 1.5) only, error 0.5, sigma2 = 0.25
    assert fc.forecast.tolist() == [1.5, 2.0]
    assert fc.sigma2 == 0.25
    assert fc.std.tolist() == [0.5, math.sqrt(0.5)]


def test_seasonal_naive_errors():
    with pytest.raises(InvalidInputError, match="two observations one season"):
        seasonal_naive([1.0, 2.0], 3, 1)
    with pytest.raises(InvalidInputError, match="season position 1 has no observation"):
        seasonal_naive([1.0, np.nan, 2.0, np.nan], 2, 2)
    with pytest.raises(InvalidInputError, match="season_length True must be an integer"):
        seasonal_naive([1.0, 2.0], True, 1)


@given(st.lists(amounts, min_size=3, max_size=30), st.integers(1, 5))
def test_run_rate_is_the_window_mean(values, window):
    if len(values) <= window:
        return
    fc = run_rate(values, 4, window=window)
    assert fc.forecast.iloc[0] == pytest.approx(np.mean(values[-window:]))
    assert fc.forecast.nunique() == 1
    assert (fc.std == math.sqrt(fc.sigma2)).all()


def test_run_rate_gaps_and_errors():
    fc = run_rate([4.0, np.nan, 8.0, np.nan], 1, window=2)
    assert fc.forecast.tolist() == [8.0]  # the last two periods hold one observation
    assert run_rate([4.0, np.nan, 8.0, np.nan], 1, window=2, gaps="zero").forecast.tolist() == [4.0]
    with pytest.raises(InvalidInputError, match="needs an observation among the last 2 periods"):
        run_rate([4.0, np.nan, np.nan], 1, window=2)
    with pytest.raises(InvalidInputError, match="needs more than 3 periods"):
        run_rate([4.0, 5.0, 6.0], 1)
    with pytest.raises(InvalidInputError, match="window 0 must be an integer >= 1"):
        run_rate([4.0, 5.0, 6.0], 1, window=0)


def test_forecast_interval_at_another_level():
    fc = run_rate([10.0, 14.0, 10.0, 14.0], 1, window=1)
    assert isinstance(fc, TimeSeriesForecast)
    # sigma = 4; z(0.5) = 0.674489...
    low, high = fc.interval(0.5)
    assert low.iloc[0] == pytest.approx(14 - 4 * 0.6744897501960817)
    assert high.iloc[0] == pytest.approx(14 + 4 * 0.6744897501960817)
    with pytest.raises(InvalidInputError, match=r"level 0 is outside \(0, 1\)"):
        fc.interval(0)


# --------------------------------------------------------------------------- optimiser


def _bowls(points, rows):
    # Row r is the quadratic bowl (x0 - r)^2 + 2 (x1 + r)^2, minimum at (r, -r).
    r = rows.astype(float)
    return (points[:, 0] - r) ** 2 + 2 * (points[:, 1] + r) ** 2


def test_nelder_mead_minimises_every_row_independently():
    x = _nelder_mead(_bowls, np.zeros((3, 2)), xatol=1e-8, fatol=1e-14, max_iter=2000)
    np.testing.assert_allclose(x, [[0.0, 0.0], [1.0, -1.0], [2.0, -2.0]], atol=1e-6)


def test_nelder_mead_stops_at_max_iter_with_the_best_vertex():
    x0 = np.array([[5.0, 5.0]])
    x = _nelder_mead(_bowls, x0, max_iter=1)
    start = _bowls(np.array([[5.0, 5.0], [5.5, 5.0], [5.0, 5.5]]), np.zeros(3, dtype=np.intp))
    assert _bowls(x, np.zeros(1, dtype=np.intp))[0] <= start.min()


def test_series_with_time_zone_keeps_local_months():
    idx = pd.date_range("2024-01-01", periods=4, freq="MS", tz="Asia/Shanghai")
    fc = run_rate(pd.Series([1.0, 2.0, 3.0, 4.0], index=idx), 1, window=2)
    assert fc.forecast.index[0] == pd.Period("2024-05", "M")


@settings(max_examples=10)
@given(
    st.lists(st.lists(amounts, min_size=8, max_size=8), min_size=1, max_size=3),
    st.sampled_from([(None, None), ("add", None), ("add", "add"), (None, "mul")]),
)
def test_holt_winters_frame_agrees_with_holt_winters(columns, model):
    trend, seasonal = model
    frame = pd.DataFrame({f"c{i}": col for i, col in enumerate(columns)})
    res = holt_winters_frame(frame, 2, 3, trend=trend, seasonal=seasonal)
    for name in frame.columns:
        try:
            one = holt_winters(frame[name], 2, 3, trend=trend, seasonal=seasonal)
        except InvalidInputError as exc:
            message = str(exc)
            reasons = res.failures.set_index("series")["reason"]
            assert reasons[name] in message
            continue
        np.testing.assert_allclose(res.forecast[name], one.forecast, rtol=1e-9)
        np.testing.assert_allclose(res.upper[name], one.upper, rtol=1e-9)


# --------------------------------------------------------------------------- ETS estimation


def test_holt_winters_estimated_level_hand_derived():
    # ETS(A,N,N), alpha = 0.5 fixed, y = 4, 8: e1 = 4 - l0, l1 = 2 + l0 / 2, e2 = 6 - l0 / 2.
    # d/dl0 [(4 - l0)² + (6 - l0/2)²] = 0  ->  2.5 l0 = 14  ->  l0 = 5.6;
    # e1 = -1.6, e2 = 3.2, SSE = 2.56 + 10.24 = 12.8; l2 = 4.8 + 1.6 = 6.4.
    fc = holt_winters([4.0, 8.0], 1, 1, trend=None, seasonal=None, alpha=0.5)
    assert fc.params is not None
    assert fc.params.initial == "estimated"
    assert fc.params.initial_level == pytest.approx(5.6, rel=1e-6)
    assert fc.params.sse == pytest.approx(12.8, rel=1e-9)
    assert fc.forecast.iloc[0] == pytest.approx(6.4, rel=1e-6)
    heuristic = holt_winters(
        [4.0, 8.0], 1, 1, trend=None, seasonal=None, alpha=0.5, initial="heuristic"
    )
    assert heuristic.params is not None and heuristic.params.sse == 16.0  # l0 = 4: e = 0, 4


def test_holt_winters_aicc_hand_derived():
    # 4 observations, SSE 36.25, nothing estimated: k = 1 (the variance);
    # AICc = n (log(2π SSE / n) + 1) + 2k + 2k(k + 1) / (n - k - 1).
    fc = holt_winters(
        [10.0, 14.0, 12.0, 18.0], 1, 1, seasonal=None, alpha=0.5, beta=0.5, initial="heuristic"
    )
    assert fc.params is not None
    expected = 4 * (math.log(2 * math.pi * 36.25 / 4) + 1) + 2 + 2 * 1 * 2 / 2
    assert fc.params.aicc == pytest.approx(expected, rel=1e-12)


@settings(max_examples=12, deadline=None)
@given(
    st.lists(st.floats(1.0, 1000.0), min_size=10, max_size=14),
    st.sampled_from([(None, None), ("add", None), (None, "add"), ("add", "add"), (None, "mul")]),
)
def test_holt_winters_estimated_is_never_worse_than_heuristic(values, model):
    trend, seasonal = model
    kwargs = {"trend": trend, "seasonal": seasonal}
    try:
        heuristic = holt_winters(values, 2, 2, initial="heuristic", **kwargs)
        estimated = holt_winters(values, 2, 2, **kwargs)
    except InvalidInputError as exc:  # the heuristic mul start can fail on a wild series
        message = str(exc)
        assert "cannot initialise the seasonal states" in message
        return
    assert heuristic.params is not None and estimated.params is not None
    assert estimated.params.sse <= heuristic.params.sse * (1 + 1e-12)


def test_holt_winters_multiplicative_error_class2_variance():
    # ETS(M,N,N): mu_h = l_n, c_j = alpha; theta_1 = mu², theta_h = mu² + s2 alpha² Σ theta_{h-j};
    # v_h = (1 + s2) theta_h - mu² (Hyndman et al. 2008, class 2), computed here in plain Python.
    rng = np.random.default_rng(4)
    y = 100 * np.exp(np.cumsum(rng.normal(0, 0.05, 30)))
    fc = holt_winters(y, 1, 4, trend=None, seasonal=None, error="mul", uncertainty=False)
    p = fc.params
    assert p is not None and p.error == "mul" and p.form == "ETS(M,N,N)"
    mu, s2 = p.level, fc.sigma2
    theta = [mu * mu]
    for h in range(2, 5):
        theta.append(mu * mu + s2 * p.alpha**2 * sum(theta[h - 1 - j] for j in range(1, h)))
    var = [(1 + s2) * t - mu * mu for t in theta]
    np.testing.assert_allclose(fc.std.to_numpy() ** 2, var, rtol=1e-10)
    np.testing.assert_allclose(fc.forecast.to_numpy(), [mu] * 4)
    # sigma2 is the mean squared relative error with 2 degrees of freedom used (alpha, l0).
    rel = (fc.residuals / fc.fitted).to_numpy()
    assert fc.sigma2 == pytest.approx(np.sum(rel**2) / 28, rel=1e-10)


def test_holt_winters_simulated_intervals_are_seeded():
    rng = np.random.default_rng(8)
    y = np.tile([80.0, 120.0, 100.0, 100.0], 6) * (1 + rng.normal(0, 0.05, 24))
    a, b, c = (
        holt_winters(y, 4, 6, trend=None, seasonal="mul", seed=k, n_sims=4000, uncertainty=False)
        for k in (1, 1, 2)
    )
    assert a.lower.equals(b.lower) and a.upper.equals(b.upper)
    assert not a.lower.equals(c.lower)
    # One step ahead the path is exactly N(forecast, sigma2): 4000 draws get its std within 5 %.
    assert a.std.iloc[0] == pytest.approx(math.sqrt(a.sigma2), rel=0.05)
    low, high = a.interval(0.8)
    np.testing.assert_allclose(low, a.lower, rtol=1e-12)
    np.testing.assert_allclose(high, a.upper, rtol=1e-12)
    low90, high90 = a.interval(0.9)
    assert (low90 <= low).all() and (high <= high90).all()
    with pytest.raises(InvalidInputError, match="beyond the simulated quantiles"):
        a.interval(0.995)


def test_holt_winters_rejects_bad_ets_options():
    y = np.arange(1.0, 25.0)
    with pytest.raises(InvalidInputError, match="initial 'x' is not one of"):
        holt_winters(y, 4, 2, initial="x")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="error 'x' is not one of 'add', 'mul'"):
        holt_winters(y, 4, 2, error="x")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="seed -1 must be an integer >= 0"):
        holt_winters(y, 4, 2, seed=-1)
    with pytest.raises(InvalidInputError, match="n_sims 1 must be an integer >= 2"):
        holt_winters(y, 4, 2, n_sims=1)
    with pytest.raises(InvalidInputError, match="a multiplicative error needs bookings > 0"):
        holt_winters(y - 1.0, 4, 2, error="mul")


# --------------------------------------------------------------------------- AutoETS


def _seasonal_series(n=24, seed=3):
    rng = np.random.default_rng(seed)
    return 200 + np.tile([30.0, -10.0, 0.0, -20.0], n // 4) + rng.normal(0, 2, n)


def test_auto_ets_picks_the_seasonal_form_and_lists_candidates():
    fc = auto_ets(_seasonal_series(), 4, 4)
    assert fc.method == "auto_ets"
    assert fc.params is not None and fc.selection is not None
    assert fc.params.form[6:] == "N,A)"  # no trend, additive season (either error)
    # 15 forms: 3 trends x (A: none, add season; M: none, add, mul season).
    assert len(fc.selection) == 15
    best = fc.selection.iloc[int(np.nanargmin(fc.selection["aicc"].to_numpy()))]
    assert best["form"] == fc.params.form
    assert best["aicc"] == pytest.approx(fc.params.aicc)
    round_trip = TimeSeriesForecast.from_dict(json.loads(json.dumps(fc.to_dict())))
    assert round_trip.selection is not None
    assert round_trip.selection["form"].tolist() == fc.selection["form"].tolist()


def test_auto_ets_skips_forms_the_data_cannot_have():
    y = _seasonal_series() - 220.0  # negative bookings: no multiplicative form
    fc = auto_ets(y, 4, 2)
    assert fc.selection is not None
    assert fc.selection["form"].str.startswith("ETS(A,").all()
    assert len(fc.selection) == 6
    short = auto_ets(y[:6], 4, 2)  # two seasons needed for a season: non-seasonal forms only
    assert short.selection is not None and len(short.selection) == 3
    # 6 observations cannot carry AICc's k + 1 = 6 for a trend (2 parameters, 2 states, variance).
    assert short.selection["reason"].tolist()[1] == "too few observations for AICc"
    assert short.params is not None and short.params.seasonal is None
    with pytest.raises(InvalidInputError, match="auto_ets: no form can be fitted"):
        auto_ets([1.0, 2.0], 4, 2)


def test_auto_ets_frame_agrees_with_auto_ets():
    frame = pd.DataFrame({"a": _seasonal_series(seed=1)})
    frame["c"] = np.nan
    frame["d"] = np.nan
    frame.loc[:3, "d"] = [1.0, 2.0, 3.0, 4.0]  # A,N,N fits 4 points, but AICc needs n > k + 1 = 3
    res = auto_ets_frame(frame, 4, 3, n_sims=300)
    for col in ["a"]:
        one = auto_ets(frame[col], 4, 3, n_sims=300)
        assert one.params is not None
        assert res.params.loc[col, "form"] == one.params.form
        np.testing.assert_allclose(res.forecast[col], one.forecast, rtol=1e-9)
        np.testing.assert_allclose(res.upper[col], one.upper, rtol=1e-9)
    assert res.failures.to_dict("list") == {
        "series": ["c", "d"],
        "reason": ["needs at least 1 observations", "too few observations for AICc"],
    }
    with pytest.raises(InvalidInputError, match="expected a DataFrame"):
        auto_ets_frame(frame["a"], 4, 3)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- estimation


def test_holt_winters_estimation_spread_hand_derived():
    # ETS(A,N,N), alpha fixed, l0 estimated: l_t = (1 - a) l_{t-1} + a y_t, yhat_t = l_{t-1},
    # so d e_t / d l0 = -(1 - a)^(t-1) and d l_n / d l0 = (1 - a)^n. Gauss-Newton:
    # var(l0) = s2 / sum_t (1 - a)^(2(t-1)); the forecast adds (1 - a)^(2n) var(l0) at every h.
    rng = np.random.default_rng(11)
    y = 100 + rng.normal(0, 3, 12)
    a, n = 0.3, 12
    fc = holt_winters(y, 1, 3, trend=None, seasonal=None, alpha=a)
    base = holt_winters(y, 1, 3, trend=None, seasonal=None, alpha=a, uncertainty=False)
    s2 = fc.sigma2
    extra = s2 * (1 - a) ** (2 * n) / sum((1 - a) ** (2 * (t - 1)) for t in range(1, n + 1))
    expected = [s2 * (1 + (h - 1) * a * a) + extra for h in (1, 2, 3)]
    np.testing.assert_allclose(fc.std.to_numpy() ** 2, expected, rtol=1e-5)
    np.testing.assert_allclose(base.std.to_numpy() ** 2, [e - extra for e in expected], rtol=1e-9)
    assert fc.forecast.equals(base.forecast)


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([(None, "add"), ("add", None), ("add", "mul")]))
def test_holt_winters_uncertainty_widens_the_interval(seed, form):
    rng = np.random.default_rng(seed)
    t = np.arange(36)
    y = 200 + 2 * t + 20 * np.sin(2 * np.pi * t / 6) + rng.normal(0, 5, 36)
    trend, seasonal = form
    wide = holt_winters(y, 6, 6, trend=trend, seasonal=seasonal, seed=3, n_sims=400)
    narrow = holt_winters(
        y, 6, 6, trend=trend, seasonal=seasonal, seed=3, n_sims=400, uncertainty=False
    )
    assert wide.forecast.equals(narrow.forecast)
    if seasonal == "mul":  # simulated: the same paths shifted by an independent term
        assert (wide.std.to_numpy() >= 0.9 * narrow.std.to_numpy()).all()
    else:
        assert (wide.std.to_numpy() >= narrow.std.to_numpy() * (1 - 1e-12)).all()
        assert (wide.upper.to_numpy() >= narrow.upper.to_numpy() - 1e-9).all()


def test_holt_winters_uncertainty_must_be_bool():
    with pytest.raises(InvalidInputError, match="uncertainty 1 is not True or False"):
        holt_winters([1.0, 2.0, 3.0, 4.0], 1, 1, seasonal=None, uncertainty=1)  # type: ignore[arg-type]


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000))
def test_fit_multi_start_never_worse_than_single_start(seed):
    from salescore.forecast._ets import Spec, fit

    rng = np.random.default_rng(seed)
    t = np.arange(48)
    level = rng.uniform(50, 150)
    y = level + rng.uniform(-1, 3) * t + 15 * np.sin(2 * np.pi * t / 12 + seed)
    y = (y + rng.normal(0, 6, (3, 48))).astype(np.float64)
    spec = Spec(12, True, "add", bool(seed % 2))
    kw = {"estimated": True, "level": 0.8, "seed": 0, "n_sims": 10, "uncertainty": False}
    one = fit(y, spec, {}, 3, n_starts=1, **kw)  # type: ignore[arg-type]
    three = fit(y, spec, {}, 3, n_starts=3, **kw)  # type: ignore[arg-type]
    assert (three["criterion"] <= one["criterion"]).all()


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000))
def test_holt_winters_gamma_in_the_usual_region(seed):
    rng = np.random.default_rng(seed)
    y = np.tile([10.0, 30.0, 20.0, 40.0], 8) + rng.normal(0, 4, 32) + np.arange(32)
    p = holt_winters(y, 4, 2).params
    assert p is not None and p.gamma is not None
    assert 0.0 <= p.gamma <= 1.0 - p.alpha + 1e-12
