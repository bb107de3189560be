"""Time-series forecasts of bookings: seasonal naive, run rate, Holt-Winters and AutoETS.

A bookings series is a sequence of amounts per period (month or week). It may
be given as a :class:`pandas.Series` indexed by dates (``DatetimeIndex``), by
periods (``PeriodIndex``) or by integer positions, or as a list or array (read
as consecutive periods ``0, 1, 2, ...``).

Gaps
----
Every method first lays the series on a *regular grid*: every period from the
first to the last, in order. A period absent from the index, or present with
``NaN``, is a gap. ``gaps="missing"`` (the default) treats a gap as *not
observed*: it contributes no error to any fit, and exponential smoothing
carries its state through it on the one-step forecast (the innovation is
zero). ``gaps="zero"`` treats a gap as *zero bookings*, which is right for a
series built by ``groupby`` where a month with no deal has no row.

Frequency
---------
A ``DatetimeIndex`` is turned into periods with ``freq`` (a pandas period
alias such as ``"M"`` or ``"W-SUN"``). Without ``freq`` it is inferred: dates
that are all month starts or all month ends are monthly; dates that are all a
whole number of weeks apart are weekly, with weeks starting on the first
date's weekday. Anything else raises
:class:`~salescore.errors.InvalidInputError` asking for ``freq``. Forecasts of
dated series are indexed by the following periods (a ``PeriodIndex``);
forecasts of positional series by the following integer positions.

Prediction intervals are Gaussian, ``forecast ± z · std`` with
``z = Φ⁻¹((1 + level) / 2)``, except for exponential smoothing with a
multiplicative season, whose intervals are quantiles of seeded simulated
paths; :meth:`TimeSeriesForecast.interval` gives any other level.

Exponential smoothing (:func:`holt_winters`, :func:`auto_ets`) fits the
initial states with the smoothing parameters by default
(``initial="estimated"``); :func:`auto_ets` chooses the ETS form per series
by AICc.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._base import FrozenModel
from salescore.errors import InvalidInputError
from salescore.forecast._ets import (
    PHI_BOUNDS,
    QUANTILE_GRID,
    Spec,
    candidate_specs,
    fit,
)
from salescore.forecast._grid import Grid, regularise
from salescore.serialization import Result

__all__ = [
    "HoltWintersFrame",
    "HoltWintersParams",
    "TimeSeriesForecast",
    "auto_ets",
    "auto_ets_frame",
    "holt_winters",
    "holt_winters_frame",
    "run_rate",
    "seasonal_naive",
]

FloatArray = npt.NDArray[np.float64]
Gaps = Literal["missing", "zero"]
SeriesLike = pd.Series | Sequence[float] | npt.ArrayLike

Initial = Literal["estimated", "heuristic"]
ErrorType = Literal["add", "mul"]


# --------------------------------------------------------------------------- results


class HoltWintersParams(FrozenModel):
    """Fitted parameters and states of a Holt-Winters model.

    Attributes
    ----------
    form : str
        The ETS label: error, trend, season, e.g. ``"ETS(A,Ad,M)"``.
    error : str
        ``"add"`` or ``"mul"``: what the fit minimised and how intervals are formed.
    initial : str
        ``"estimated"`` (initial states fitted) or ``"heuristic"``.
    alpha : float
        Level smoothing [fraction].
    beta : float or None
        Trend smoothing [fraction] (``None`` without a trend).
    gamma : float or None
        Seasonal smoothing [fraction] (``None`` without seasonality).
    phi : float or None
        Damping [fraction] (``None`` unless ``damped``).
    trend, seasonal : str or None
        The model's components (``"add"``, ``"mul"`` or ``None``).
    season_length : int
        Periods per season [periods].
    initial_level, initial_trend : float
        States before the first period [bookings], [bookings per period].
    initial_season : tuple of float
        Seasonal states before the first period, for grid positions
        ``0 .. m-1`` [bookings] (additive) or [factor] (multiplicative).
    level, slope : float
        States after the last period [bookings], [bookings per period].
    season : tuple of float
        Seasonal states for the next ``m`` periods, in forecast order.
    sse : float
        In-sample sum of squared one-step errors [bookings²].
    aicc : float or None
        Corrected Akaike information criterion of the fit (``None`` when the
        series is too short for it).
    n_obs : int
        Observed (non-gap) periods the fit used.

    Examples
    --------
    >>> fc = holt_winters([10.0, 14.0, 12.0, 18.0], 1, 1, seasonal=None, alpha=0.5, beta=0.5,
    ...                   initial="heuristic")
    >>> fc.params.alpha, fc.params.gamma, fc.params.level, fc.params.slope
    (0.5, None, 17.75, 2.625)
    """

    form: str
    error: Literal["add", "mul"]
    initial: Literal["estimated", "heuristic"]
    alpha: float
    beta: float | None
    gamma: float | None
    phi: float | None
    trend: Literal["add"] | None
    seasonal: Literal["add", "mul"] | None
    season_length: int
    initial_level: float
    initial_trend: float
    initial_season: tuple[float, ...]
    level: float
    slope: float
    season: tuple[float, ...]
    sse: float
    aicc: float | None
    n_obs: int


@dataclass(frozen=True)
class TimeSeriesForecast(Result):
    """A point forecast with prediction intervals.

    Attributes
    ----------
    method : str
        ``"seasonal_naive"``, ``"run_rate"``, ``"holt_winters"`` or ``"auto_ets"``.
    forecast : pandas.Series
        Point forecast per future period [bookings].
    std : pandas.Series
        Standard deviation of the forecast error per future period [bookings].
    lower, upper : pandas.Series
        Bounds of the central prediction interval at ``level`` [bookings].
    level : float
        Nominal coverage of ``lower``/``upper`` [fraction].
    fitted : pandas.Series
        In-sample one-step forecasts on the regular grid [bookings]
        (``NaN`` where the method has none).
    residuals : pandas.Series
        ``actual - fitted`` on the regular grid [bookings] (``NaN`` at gaps).
    sigma2 : float
        Variance of the one-step error [bookings²].
    params : HoltWintersParams or None
        Fitted parameters (Holt-Winters and AutoETS only).
    quantiles : pandas.DataFrame or None
        For simulated intervals (multiplicative season): quantiles of the
        simulated paths per future period (rows) at probabilities
        ``"0.005"``, ``"0.010"``, ... ``"0.995"`` (columns) [bookings].
    selection : pandas.DataFrame or None
        For :func:`auto_ets`: every candidate ``form`` with its ``aicc`` and
        the ``reason`` it could not be fitted (empty when it could).

    Examples
    --------
    >>> fc = seasonal_naive([5.0, 7.0, 6.0, 8.0], 2, 2, level=0.9)
    >>> fc.method, fc.forecast.tolist(), fc.level
    ('seasonal_naive', [6.0, 8.0], 0.9)
    """

    method: str
    forecast: pd.Series
    std: pd.Series
    lower: pd.Series
    upper: pd.Series
    level: float
    fitted: pd.Series
    residuals: pd.Series
    sigma2: float
    params: HoltWintersParams | None = None
    quantiles: pd.DataFrame | None = None
    selection: pd.DataFrame | None = None

    def interval(self, level: float) -> tuple[pd.Series, pd.Series]:
        """Central prediction interval at another ``level`` [fraction].

        Gaussian ``forecast ± z · std``, or, for simulated intervals, the
        simulated quantiles (linearly interpolated between the stored
        probabilities, so ``level`` must be at most 0.99).

        Examples
        --------
        >>> fc = run_rate([10.0, 12.0, 11.0, 13.0], 2, window=2)
        >>> low, high = fc.interval(0.5)
        >>> bool((low < fc.forecast).all() and (fc.forecast < high).all())
        True
        """
        z = _z(level)
        if self.quantiles is None:
            return self.forecast - z * self.std, self.forecast + z * self.std
        probs = np.array([float(c) for c in self.quantiles.columns])
        lo_p, hi_p = (1.0 - level) / 2.0, (1.0 + level) / 2.0
        if lo_p < probs[0] - 1e-12:
            raise InvalidInputError(
                f"level {level!r} is beyond the simulated quantiles (at most {1 - 2 * probs[0]:g})"
            )
        values = self.quantiles.to_numpy(dtype=np.float64)
        low = [float(np.interp(lo_p, probs, row)) for row in values]
        high = [float(np.interp(hi_p, probs, row)) for row in values]
        idx = self.forecast.index
        return pd.Series(low, index=idx, name="lower"), pd.Series(high, index=idx, name="upper")


@dataclass(frozen=True)
class HoltWintersFrame(Result):
    """Holt-Winters fitted to every column of a wide frame.

    Attributes
    ----------
    forecast, std, lower, upper : pandas.DataFrame
        Future periods × series [bookings]; columns of failed series are ``NaN``.
    level : float
        Nominal coverage of ``lower``/``upper`` [fraction].
    params : pandas.DataFrame
        One row per fitted series: ``form`` (the ETS label), ``alpha``,
        ``beta``, ``gamma``, ``phi`` [fraction] (``NaN`` where the component
        is absent), ``sse`` [bookings²], ``sigma2`` [bookings², or squared
        relative error for a multiplicative error], ``aicc``, ``n_obs``.
    failures : pandas.DataFrame
        One row per series that could not be fitted: ``series``, ``reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [4.0, None, None, None, None]})
    >>> res = holt_winters_frame(df, 1, 1, seasonal=None)
    >>> res.forecast.round(6).to_dict("list"), res.failures["reason"].tolist()
    ({'a': [6.0], 'b': [nan]}, ['needs at least 2 observations'])
    """

    forecast: pd.DataFrame
    std: pd.DataFrame
    lower: pd.DataFrame
    upper: pd.DataFrame
    level: float
    params: pd.DataFrame
    failures: pd.DataFrame


# --------------------------------------------------------------------------- grid


def _check_positive(grid: Grid, spec: Any) -> None:
    """Refuse a value <= 0 under a multiplicative season or error, naming it and its position."""
    if spec.seasonal != "mul" and spec.error != "mul":
        return
    bad = np.flatnonzero(~np.isnan(grid.y) & (np.nan_to_num(grid.y, nan=1.0) <= 0))
    if len(bad):
        i = int(bad[0])
        raise InvalidInputError.of(
            "not_positive_multiplicative",
            name="series",
            value=float(grid.y[i]),
            position=f"{i} (index {grid.index[i]})",
            form=(
                "multiplicative seasonality" if spec.seasonal == "mul" else "a multiplicative error"
            ),
        )


def _as_series(series: Any) -> pd.Series:
    if isinstance(series, pd.Series):
        return series
    if isinstance(series, pd.DataFrame):
        raise InvalidInputError("expected one series, got a DataFrame; use holt_winters_frame")
    arr = np.asarray(series)
    if arr.ndim != 1:
        raise InvalidInputError(f"expected a one-dimensional series, got shape {arr.shape}")
    return pd.Series(arr)


def _check_int(value: object, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InvalidInputError(f"{what} {value!r} must be an integer >= {minimum}")
    return int(value)


def _z(level: float) -> float:
    if isinstance(level, bool) or not isinstance(level, float | int) or not 0 < level < 1:
        raise InvalidInputError(f"level {level!r} is outside (0, 1)")
    return NormalDist().inv_cdf((1 + float(level)) / 2)


def _forecast(
    method: str,
    grid: Grid,
    point: FloatArray,
    std: FloatArray,
    fitted: FloatArray,
    level: float,
    sigma2: float,
    params: HoltWintersParams | None = None,
) -> TimeSeriesForecast:
    z = _z(level)
    future = grid.future(len(point))
    resid = grid.y - fitted  # NaN wherever either side is missing
    return TimeSeriesForecast(
        method=method,
        forecast=pd.Series(point, index=future, name="forecast"),
        std=pd.Series(std, index=future, name="std"),
        lower=pd.Series(point - z * std, index=future, name="lower"),
        upper=pd.Series(point + z * std, index=future, name="upper"),
        level=float(level),
        fitted=pd.Series(fitted, index=grid.index, name="fitted"),
        residuals=pd.Series(resid, index=grid.index, name="residuals"),
        sigma2=float(sigma2),
        params=params,
    )


# --------------------------------------------------------------------------- simple methods


def seasonal_naive(
    series: SeriesLike,
    season_length: int,
    horizon: int,
    *,
    level: float = 0.8,
    freq: str | None = None,
    gaps: Gaps = "missing",
) -> TimeSeriesForecast:
    """Forecast each period by the same period one season earlier.

    The forecast for future period ``h`` is the last observed value at the
    same position in the season. Intervals follow the seasonal random walk:
    if that value lies ``L`` seasons before the target, the error variance is
    ``L · σ²``, with ``σ²`` the mean squared in-sample error
    ``y_t - y_{t-m}`` over pairs where both are observed. Without gaps
    ``L = ⌊(h - 1) / m⌋ + 1``.

    Parameters
    ----------
    series : pandas.Series or array-like
        Bookings per period [bookings]; see the module notes on index and gaps.
    season_length : int
        Periods per season ``m`` (12 for months in a year, 52 for weeks) [periods].
    horizon : int
        Number of future periods to forecast [periods].
    level : float, default 0.8
        Nominal coverage of the interval [fraction].
    freq : str, optional
        Pandas period alias for a ``DatetimeIndex`` (inferred when omitted).
    gaps : {"missing", "zero"}, default "missing"
        How absent or ``NaN`` periods are read.

    Returns
    -------
    TimeSeriesForecast

    Raises
    ------
    InvalidInputError
        If a season position has never been observed, or arguments are invalid.

    Examples
    --------
    >>> fc = seasonal_naive([10.0, 20.0, 30.0, 12.0, 22.0, 32.0], 3, 4)
    >>> fc.forecast.tolist()
    [12.0, 22.0, 32.0, 12.0]
    >>> fc.sigma2  # errors 2, 2, 2 one season apart
    4.0
    >>> fc.std.round(3).tolist()  # 2·√1, 2·√1, 2·√1, 2·√2
    [2.0, 2.0, 2.0, 2.828]
    """
    m = _check_int(season_length, "season_length", 1)
    h = _check_int(horizon, "horizon", 1)
    _z(level)
    grid = regularise(_as_series(series), freq, gaps)
    y = grid.y
    n = len(y)
    fitted = np.full(n, np.nan)
    if n > m:
        fitted[m:] = y[:-m]
    resid = y - fitted
    ok = ~np.isnan(resid)
    if not ok.any():
        raise InvalidInputError(
            f"seasonal_naive needs two observations one season ({m} periods) apart"
        )
    sigma2 = float(np.mean(resid[ok] ** 2))
    point = np.empty(h)
    seasons_back = np.empty(h)
    for step in range(1, h + 1):  # horizon is small: one lookup per future period
        target = n - 1 + step
        candidates = np.arange(target - m, -1, -m)
        candidates = candidates[candidates < n]
        seen = candidates[~np.isnan(y[candidates])]
        if len(seen) == 0:
            raise InvalidInputError(f"season position {target % m} has no observation to repeat")
        point[step - 1] = y[seen[0]]
        seasons_back[step - 1] = (target - seen[0]) // m
    std = np.sqrt(sigma2 * seasons_back)
    return _forecast("seasonal_naive", grid, point, std, fitted, level, sigma2)


def run_rate(
    series: SeriesLike,
    horizon: int,
    *,
    window: int = 3,
    level: float = 0.8,
    freq: str | None = None,
    gaps: Gaps = "missing",
) -> TimeSeriesForecast:
    """Project the recent pace: the mean of the last ``window`` periods, flat.

    The run rate is the mean of the observed values among the last
    ``window`` periods of the grid; every future period is forecast at it, so
    ``horizon`` periods sum to ``horizon × run rate`` (the annualised run
    rate for 12 months). In-sample, period ``t`` is fitted by the mean of
    the observed values among the ``window`` periods before it; ``σ²`` is the
    mean squared one-step error and every horizon gets ``std = σ`` (the
    method assumes the pace is stable, so errors do not accumulate).

    Parameters
    ----------
    series : pandas.Series or array-like
        Bookings per period [bookings].
    horizon : int
        Number of future periods [periods].
    window : int, default 3
        Periods averaged [periods].
    level : float, default 0.8
        Nominal coverage of the interval [fraction].
    freq : str, optional
        Pandas period alias for a ``DatetimeIndex``.
    gaps : {"missing", "zero"}, default "missing"
        How absent or ``NaN`` periods are read.

    Returns
    -------
    TimeSeriesForecast

    Raises
    ------
    InvalidInputError
        If the last ``window`` periods hold no observation, no in-sample
        error can be formed, or arguments are invalid.

    Examples
    --------
    >>> fc = run_rate([8.0, 10.0, 12.0, 14.0], 3, window=2)
    >>> fc.forecast.tolist()  # (12 + 14) / 2
    [13.0, 13.0, 13.0]
    >>> fc.fitted.tolist()  # 12 vs 9, 14 vs 11: errors 3 and 3
    [nan, nan, 9.0, 11.0]
    >>> fc.sigma2
    9.0
    """
    h = _check_int(horizon, "horizon", 1)
    w = _check_int(window, "window", 1)
    _z(level)
    grid = regularise(_as_series(series), freq, gaps)
    y = grid.y
    n = len(y)
    observed = ~np.isnan(y)
    csum = np.concatenate([[0.0], np.cumsum(np.where(observed, y, 0.0))])
    ccount = np.concatenate([[0], np.cumsum(observed)])
    # Mean of the w periods before t, for t = w .. n (t = n is the forecast).
    ends = np.arange(w, n + 1)
    sums = csum[ends] - csum[ends - w]
    counts = ccount[ends] - ccount[ends - w]
    with np.errstate(invalid="ignore", divide="ignore"):  # empty windows are NaN by design
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    if n < w or np.isnan(means[-1]):
        raise InvalidInputError(f"run_rate needs an observation among the last {w} periods")
    fitted = np.full(n, np.nan)
    fitted[w:] = means[:-1]
    resid = y - fitted
    ok = ~np.isnan(resid)
    if not ok.any():
        raise InvalidInputError(
            f"run_rate needs more than {w} periods to estimate its error (got {n})"
        )
    sigma2 = float(np.mean(resid[ok] ** 2))
    point = np.full(h, means[-1])
    return _forecast("run_rate", grid, point, np.full(h, math.sqrt(sigma2)), fitted, level, sigma2)


# --------------------------------------------------------------------------- Holt-Winters


# --------------------------------------------------------------------------- Holt-Winters


def _spec(
    season_length: int,
    horizon: int,
    error: str,
    trend: str | None,
    seasonal: str | None,
    damped: bool,
    fixed: dict[str, float | None],
) -> tuple[Spec, dict[str, float]]:
    m = _check_int(season_length, "season_length", 1)
    _check_int(horizon, "horizon", 1)
    if error not in ("add", "mul"):
        raise InvalidInputError(f"error {error!r} is not one of 'add', 'mul'")
    if trend not in ("add", None):
        raise InvalidInputError(f"trend {trend!r} is not one of 'add', None")
    if seasonal not in ("add", "mul", None):
        raise InvalidInputError(f"seasonal {seasonal!r} is not one of 'add', 'mul', None")
    if damped and trend is None:
        raise InvalidInputError("damped=True needs trend='add'")
    if seasonal and m < 2:
        raise InvalidInputError(f"season_length {m} must be >= 2 for a seasonal model")
    spec = Spec(
        m=m if seasonal else 1,
        trend=trend == "add",
        seasonal=seasonal,
        damped=damped,
        error=error,
    )
    given: dict[str, float] = {}
    for name, value in fixed.items():
        if value is None:
            continue
        if name not in spec.free():
            raise InvalidInputError(f"{name} is given but the model has no such parameter")
        lo, hi = PHI_BOUNDS if name == "phi" else (0.0, 1.0)
        if isinstance(value, bool) or not isinstance(value, float | int) or not lo <= value <= hi:
            raise InvalidInputError(f"{name} {value!r} is outside [{lo}, {hi}]")
        given[name] = float(value)
    return spec, given


def _options(
    initial: str, seed: object, n_sims: object, uncertainty: object
) -> tuple[bool, int, int]:
    if not isinstance(uncertainty, bool):
        raise InvalidInputError(f"uncertainty {uncertainty!r} is not True or False")
    if initial not in ("estimated", "heuristic"):
        raise InvalidInputError(f"initial {initial!r} is not one of 'estimated', 'heuristic'")
    s = _check_int(seed, "seed", 0)
    sims = _check_int(n_sims, "n_sims", 2)
    return initial == "estimated", s, sims


def _run(
    y: FloatArray,
    spec: Spec,
    fixed: dict[str, float],
    horizon: int,
    estimated: bool,
    level: float,
    seed: int,
    n_sims: int,
    uncertainty: bool,
) -> dict[str, Any]:
    return fit(
        y,
        spec,
        fixed,
        horizon,
        estimated=estimated,
        level=level,
        seed=seed,
        n_sims=n_sims,
        uncertainty=uncertainty,
    )


def _single(
    grid: Grid,
    fit_: dict[str, Any],
    spec: Spec,
    level: float,
    initial: str,
    method: str,
    selection: pd.DataFrame | None = None,
) -> TimeSeriesForecast:
    params = _params(fit_, 0, spec, len(grid.y), initial)
    future = grid.future(fit_["point"].shape[1])
    quantiles = None
    if fit_["quantiles"] is not None:
        quantiles = pd.DataFrame(
            fit_["quantiles"][0],
            index=future,
            columns=[f"{p:.3f}" for p in QUANTILE_GRID],
        )
    fc = _forecast(
        method,
        grid,
        fit_["point"][0],
        fit_["std"][0],
        fit_["fitted"][0],
        level,
        float(fit_["sigma2"][0]),
        params,
    )
    return dataclasses.replace(
        fc,
        lower=pd.Series(fit_["lower"][0], index=future, name="lower"),
        upper=pd.Series(fit_["upper"][0], index=future, name="upper"),
        quantiles=quantiles,
        selection=selection,
    )


def holt_winters(
    series: SeriesLike,
    season_length: int,
    horizon: int,
    *,
    trend: Literal["add"] | None = "add",
    seasonal: Literal["add", "mul"] | None = "add",
    damped: bool = False,
    error: ErrorType = "add",
    initial: Initial = "estimated",
    level: float = 0.8,
    alpha: float | None = None,
    beta: float | None = None,
    gamma: float | None = None,
    phi: float | None = None,
    freq: str | None = None,
    gaps: Gaps = "missing",
    seed: int = 0,
    n_sims: int = 5000,
    uncertainty: bool = True,
) -> TimeSeriesForecast:
    r"""Holt-Winters (ETS) exponential smoothing with fitted initial states.

    In error-correction form, with one-step error
    :math:`e_t = y_t - \hat y_{t|t-1}` and :math:`\beta` the trend share of
    the level update:

    * additive season: :math:`\hat y = \ell_{t-1} + \phi b_{t-1} + s_{t-m}`,
      :math:`\ell_t = \ell_{t-1} + \phi b_{t-1} + \alpha e_t`,
      :math:`b_t = \phi b_{t-1} + \alpha\beta e_t`,
      :math:`s_t = s_{t-m} + \gamma e_t`;
    * multiplicative season: :math:`\hat y = (\ell_{t-1} + \phi b_{t-1}) s_{t-m}`
      and the errors entering level and trend are divided by :math:`s_{t-m}`,
      the one entering the season by :math:`\ell_{t-1} + \phi b_{t-1}`.

    ``phi`` is 1 unless ``damped``; without a trend :math:`b \equiv 0`. The
    recursion is the same for both ``error`` types; the error type decides
    what is minimised and how the intervals are formed.

    Estimation. With ``error="add"`` the fit minimises the in-sample sum of
    squared one-step errors (SSE) over observed periods; with ``"mul"`` the
    Gaussian likelihood of the relative errors
    :math:`\varepsilon_t = e_t / \hat y_{t|t-1}`, i.e.
    :math:`n \log \sum \varepsilon_t^2 + 2 \sum \log \hat y_{t|t-1}`. First the
    smoothing parameters are fitted with the heuristic initial states (a
    coarse grid, then Nelder-Mead on logit-transformed parameters, so every
    trial stays inside the bounds alpha, beta, gamma in [1e-4, 1 - 1e-4], phi
    in [0.8, 0.98]). The heuristic states come from the first two seasons
    (level and trend from the season means, season from the detrended
    values), or from the first two observations without a season. With
    ``initial="estimated"`` (the default) parameters and initial states
    (level, trend and ``m - 1`` seasonal states; the last keeps the season
    summing to 0, or averaging 1) are then refined together by
    Levenberg-Marquardt, kept only where they lower the criterion, so the
    estimated fit is never worse than the heuristic one.
    ``initial="heuristic"`` stops after the first stage. Gaps: see the module
    notes (a gap has error 0 and is left out of the fit).

    Intervals: ``σ² = SSE / (n_obs - p)`` (``Σε² / (n_obs - p)`` for a
    multiplicative error), ``p`` counting the fitted parameters and estimated
    states. Additive error without a multiplicative season (Hyndman et al.'s
    class 1): ``σ_h² = σ² (1 + Σ_{j<h} c_j²)``, with
    ``c_j = α + αβφ_j + γ[m | j]``, exact. Multiplicative error without a
    season (class 2): the exact ``v_h = (1 + σ²) θ_h - μ_h²``,
    ``θ_h = μ_h² + σ² Σ_{j<h} c_j² θ_{h-j}``. Both are Gaussian. With a
    multiplicative season, ``n_sims`` future paths are simulated from
    Gaussian innovations drawn with ``numpy.random.default_rng(seed)``;
    ``lower``/``upper`` are their quantiles, ``std`` their standard deviation
    and :meth:`TimeSeriesForecast.interval` reads other levels from
    ``quantiles``.

    Parameters
    ----------
    series : pandas.Series or array-like
        Bookings per period [bookings].
    season_length : int
        Periods per season ``m`` [periods]; ignored without ``seasonal``.
    horizon : int
        Number of future periods [periods].
    trend : {"add", None}, default "add"
        Additive trend or none.
    seasonal : {"add", "mul", None}, default "add"
        Additive, multiplicative or no seasonality; ``"mul"`` needs bookings > 0.
    damped : bool, default False
        Damp the trend by ``phi`` per period.
    error : {"add", "mul"}, default "add"
        Additive or multiplicative (relative) errors; ``"mul"`` needs bookings > 0.
    initial : {"estimated", "heuristic"}, default "estimated"
        Fit the initial states, or take them from the first two seasons.
    level : float, default 0.8
        Nominal coverage of the interval [fraction].
    alpha, beta, gamma, phi : float, optional
        Fix a parameter instead of fitting it.
    freq : str, optional
        Pandas period alias for a ``DatetimeIndex``.
    gaps : {"missing", "zero"}, default "missing"
        How absent or ``NaN`` periods are read.
    seed : int, default 0
        Seed of the simulated intervals (multiplicative season only).
    n_sims : int, default 5000
        Simulated paths (multiplicative season only).
    uncertainty : bool, default True
        Widen the intervals by the estimation error of the parameters and
        initial states (the delta method, see the notes); ``False`` gives the
        innovations-only intervals of Hyndman et al.

    Returns
    -------
    TimeSeriesForecast
        With ``params`` holding the fitted parameters and states.

    Raises
    ------
    InvalidInputError
        If the series is too short (it needs more observations than fitted
        parameters and states) or not positive for ``"mul"``, or an argument
        is outside what is allowed.

    Examples
    --------
    >>> fc = holt_winters([10.0, 12.0, 14.0, 16.0, 18.0], 1, 2, seasonal=None)
    >>> fc.forecast.tolist()  # a straight line is fitted without error
    [20.0, 22.0]
    >>> fc.params.sse, fc.params.form
    (0.0, 'ETS(A,A,N)')
    """
    spec, fixed = _spec(
        season_length,
        horizon,
        error,
        trend,
        seasonal,
        damped,
        {"alpha": alpha, "beta": beta, "gamma": gamma, "phi": phi},
    )
    _z(level)
    estimated, s, sims = _options(initial, seed, n_sims, uncertainty)
    grid = regularise(_as_series(series), freq, gaps)
    _check_positive(grid, spec)
    fit_ = _run(grid.y[None, :], spec, fixed, horizon, estimated, level, s, sims, uncertainty)
    if len(fit_["good"]) == 0:
        raise InvalidInputError(f"holt_winters: {fit_['reason'][0]}")
    return _single(grid, fit_, spec, level, initial, "holt_winters")


def _positive(y: FloatArray) -> bool:
    seen = y[~np.isnan(y)]
    return bool(len(seen)) and bool((seen > 0).all())


def _select(
    y: FloatArray,
    m: int,
    horizon: int,
    estimated: bool,
    level: float,
    seed: int,
    n_sims: int,
    uncertainty: bool,
) -> tuple[list[Spec], list[dict[str, Any]], npt.NDArray[np.intp], FloatArray]:
    """Fit every candidate form to every row; the chosen form per row by AICc."""
    positive = bool(np.any([_positive(row) for row in y]))
    specs = candidate_specs(m, y.shape[1], positive)
    fits = [_run(y, sp, {}, horizon, estimated, level, seed, n_sims, uncertainty) for sp in specs]
    aicc = np.stack([f["aicc"] for f in fits])  # candidates x rows
    choice = np.argmin(aicc, axis=0)  # the first (simplest) form on ties
    best = aicc[choice, np.arange(y.shape[0])]
    return specs, fits, choice, best


def auto_ets(
    series: SeriesLike,
    season_length: int,
    horizon: int,
    *,
    initial: Initial = "estimated",
    level: float = 0.8,
    freq: str | None = None,
    gaps: Gaps = "missing",
    seed: int = 0,
    n_sims: int = 5000,
    uncertainty: bool = True,
) -> TimeSeriesForecast:
    r"""Choose the ETS form by AICc, as ``AutoETS`` does, and forecast with it.

    Every form of the ETS family is fitted with :func:`holt_winters`: error
    additive or multiplicative, trend none, additive or additive damped,
    season none, additive or multiplicative — except an additive error with a
    multiplicative season (left out as in R's ``ets`` and statsforecast,
    whose variance can be infinite). Multiplicative forms need bookings > 0
    and seasonal forms two seasons. The form with the smallest

    .. math:: \mathrm{AICc} = -2\log L + 2k + \frac{2k(k+1)}{n - k - 1}

    wins, where ``log L`` is the Gaussian log-likelihood of the one-step
    errors (additive) or relative errors (multiplicative, including the
    ``-Σ log ŷ`` Jacobian term), ``n`` the observed periods and ``k`` the
    smoothing parameters plus the estimated initial states plus one (the
    variance). A form with ``n <= k + 1`` is not eligible; ties go to the
    simpler form.

    Parameters
    ----------
    series, season_length, horizon, initial, level, freq, gaps, seed, n_sims, uncertainty
        As in :func:`holt_winters`.

    Returns
    -------
    TimeSeriesForecast
        ``method="auto_ets"``; ``params.form`` names the chosen form and
        ``selection`` lists every candidate's ``form``, ``aicc`` and
        ``reason`` (why it could not be fitted, else empty).

    Raises
    ------
    InvalidInputError
        If no form can be fitted, or an argument is invalid.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> y = 100 + 5 * np.tile([0.0, 8.0, -4.0, -4.0], 6) + rng.normal(0, 1, 24)
    >>> fc = auto_ets(y, 4, 4)
    >>> fc.params.form
    'ETS(A,N,A)'
    >>> fc.selection.sort_values("aicc")["form"].iloc[0]
    'ETS(A,N,A)'
    """
    m = _check_int(season_length, "season_length", 1)
    _check_int(horizon, "horizon", 1)
    _z(level)
    estimated, s, sims = _options(initial, seed, n_sims, uncertainty)
    grid = regularise(_as_series(series), freq, gaps)
    specs, fits, choice, best = _select(
        grid.y[None, :], m, horizon, estimated, level, s, sims, uncertainty
    )
    selection = pd.DataFrame(
        {
            "form": [sp.form for sp in specs],
            "aicc": [float(f["aicc"][0]) if np.isfinite(f["aicc"][0]) else np.nan for f in fits],
            "reason": [
                str(f["reason"][0])
                or ("" if np.isfinite(f["aicc"][0]) else "too few observations for AICc")
                for f in fits
            ],
        }
    )
    if not np.isfinite(best[0]):
        why = fits[0]["reason"][0] or "too few observations for AICc"
        raise InvalidInputError(f"auto_ets: no form can be fitted: {why}")
    c = int(choice[0])
    return _single(grid, fits[c], specs[c], level, initial, "auto_ets", selection)


def _params(fit_: dict[str, Any], i: int, spec: Spec, n: int, initial: str) -> HoltWintersParams:
    theta = fit_["theta"][i]
    m = spec.m
    season = fit_["season"][i]
    # Buffer slot (n + h - 1) % m serves future step h.
    ordered = tuple(float(season[(n + h) % m]) for h in range(m)) if spec.seasonal else ()
    aicc = float(fit_["aicc"][i])
    return HoltWintersParams(
        form=spec.form,
        error=spec.error,
        initial=initial,
        alpha=float(theta[0]),
        beta=float(theta[1]) if spec.trend else None,
        gamma=float(theta[2]) if spec.seasonal else None,
        phi=float(theta[3]) if spec.damped else None,
        trend="add" if spec.trend else None,
        seasonal=spec.seasonal,
        season_length=m,
        initial_level=float(fit_["level0"][i]),
        initial_trend=float(fit_["trend0"][i]),
        initial_season=tuple(float(v) for v in fit_["season0"][i]) if spec.seasonal else (),
        level=float(fit_["level"][i]),
        slope=float(fit_["trend"][i]),
        season=ordered,
        sse=float(fit_["sse"][i]),
        aicc=aicc if math.isfinite(aicc) else None,
        n_obs=int(fit_["n_obs"][i]),
    )


def _frame_result(
    frame: pd.DataFrame,
    grid: Grid,
    specs: list[Spec],
    fits: list[dict[str, Any]],
    choice: npt.NDArray[np.intp],
    horizon: int,
    level: float,
    best: FloatArray | None = None,
) -> HoltWintersFrame:
    cols = frame.columns
    rows = len(cols)
    ridx = np.arange(rows)
    reasons = fits[0]["reason"].astype(object)
    ok = np.stack([f["reason"] == "" for f in fits])[choice, ridx]
    ok &= np.isfinite(np.stack([f["sse"] for f in fits])[choice, ridx])
    if best is not None:  # selection: a series needs a finite AICc for some form
        no_aicc = ok & ~np.isfinite(best)
        reasons[no_aicc] = "too few observations for AICc"
        ok &= np.isfinite(best)
    future = grid.future(horizon)

    def pick(key: str) -> FloatArray:
        return np.asarray(np.stack([f[key] for f in fits])[choice, ridx], dtype=np.float64)

    def wide(values: FloatArray) -> pd.DataFrame:
        out = np.where(ok[:, None], values, np.nan)
        return pd.DataFrame(out.T, index=future, columns=cols)

    theta = pick("theta")
    has = {
        "beta": np.array([sp.trend for sp in specs])[choice],
        "gamma": np.array([sp.seasonal is not None for sp in specs])[choice],
        "phi": np.array([sp.damped for sp in specs])[choice],
    }
    aicc = pick("aicc")
    good = np.nonzero(ok)[0]
    params = pd.DataFrame(
        {
            "form": [specs[c].form for c in choice[good]],
            "alpha": theta[good, 0],
            "beta": np.where(has["beta"], theta[:, 1], np.nan)[good],
            "gamma": np.where(has["gamma"], theta[:, 2], np.nan)[good],
            "phi": np.where(has["phi"], theta[:, 3], np.nan)[good],
            "sse": pick("sse")[good],
            "sigma2": pick("sigma2")[good],
            "aicc": np.where(np.isfinite(aicc), aicc, np.nan)[good],
            "n_obs": pick("n_obs")[good].astype(np.int64),
        },
        index=cols[good],
    )
    bad = np.nonzero(~ok)[0]
    failures = pd.DataFrame(
        {"series": cols[bad].to_list(), "reason": reasons[bad].tolist()},
        columns=["series", "reason"],
    )
    return HoltWintersFrame(
        forecast=wide(pick("point")),
        std=wide(pick("std")),
        lower=wide(pick("lower")),
        upper=wide(pick("upper")),
        level=float(level),
        params=params,
        failures=failures,
    )


def holt_winters_frame(
    frame: pd.DataFrame,
    season_length: int,
    horizon: int,
    *,
    trend: Literal["add"] | None = "add",
    seasonal: Literal["add", "mul"] | None = "add",
    damped: bool = False,
    error: ErrorType = "add",
    initial: Initial = "estimated",
    level: float = 0.8,
    freq: str | None = None,
    gaps: Gaps = "missing",
    seed: int = 0,
    n_sims: int = 5000,
    uncertainty: bool = True,
) -> HoltWintersFrame:
    """Fit :func:`holt_winters` to every column of a wide frame at once.

    Rows are periods (one shared index, read as in :func:`holt_winters`),
    columns are series. All series are fitted together: the recursion runs
    over time with numpy arrays across series and candidate parameters, and
    the Nelder-Mead simplices and Levenberg-Marquardt steps of all series
    advance in lock-step, so each series gets the same parameters as a
    single call (simulated intervals use the same draws for every series). A
    series that cannot be fitted is listed in ``failures`` with the reason
    and has ``NaN`` forecasts; no series is dropped silently.

    Parameters
    ----------
    frame : pandas.DataFrame
        Bookings per period (rows) and series (columns) [bookings].
    season_length, horizon, trend, seasonal, damped, error, initial, level, freq, gaps
        As in :func:`holt_winters`.
    seed, n_sims, uncertainty
        As in :func:`holt_winters`.

    Returns
    -------
    HoltWintersFrame

    Raises
    ------
    InvalidInputError
        If ``frame`` is not a DataFrame or an argument is invalid.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [5.0, 5.0, 5.0, 5.0, 5.0]})
    >>> res = holt_winters_frame(df, 1, 2, seasonal=None)
    >>> res.forecast.round(6).to_dict("list")
    {'a': [6.0, 7.0], 'b': [5.0, 5.0]}
    >>> len(res.failures)
    0
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError(f"expected a DataFrame, got {type(frame).__name__}")
    spec, _ = _spec(season_length, horizon, error, trend, seasonal, damped, {})
    _z(level)
    estimated, s, sims = _options(initial, seed, n_sims, uncertainty)
    grid = regularise(frame, freq, gaps)
    fit_ = _run(grid.y.T.copy(), spec, {}, horizon, estimated, level, s, sims, uncertainty)
    choice = np.zeros(len(frame.columns), dtype=np.intp)
    return _frame_result(frame, grid, [spec], [fit_], choice, horizon, level)


def auto_ets_frame(
    frame: pd.DataFrame,
    season_length: int,
    horizon: int,
    *,
    initial: Initial = "estimated",
    level: float = 0.8,
    freq: str | None = None,
    gaps: Gaps = "missing",
    seed: int = 0,
    n_sims: int = 5000,
    uncertainty: bool = True,
) -> HoltWintersFrame:
    """Choose the ETS form per column by AICc (:func:`auto_ets`) for a wide frame at once.

    Each candidate form is fitted to all series together, as in
    :func:`holt_winters_frame`; each series then keeps its own best form
    (``params["form"]``). A series that no form fits is listed in
    ``failures`` with the reason the simplest form gave.

    Parameters
    ----------
    frame : pandas.DataFrame
        Bookings per period (rows) and series (columns) [bookings].
    season_length, horizon, initial, level, freq, gaps, seed, n_sims, uncertainty
        As in :func:`holt_winters`.

    Returns
    -------
    HoltWintersFrame
        With ``params`` holding the chosen ``form`` and its ``aicc`` per series.

    Raises
    ------
    InvalidInputError
        If ``frame`` is not a DataFrame or an argument is invalid.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> t = np.arange(30)
    >>> df = pd.DataFrame({"flat": 50 + rng.normal(0, 1, 30),
    ...                    "up": 10 + 3 * t + rng.normal(0, 1, 30)})
    >>> auto_ets_frame(df, 1, 3).params["form"].to_dict()  # noise this small: errors A ≈ M
    {'flat': 'ETS(M,N,N)', 'up': 'ETS(M,A,N)'}
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError(f"expected a DataFrame, got {type(frame).__name__}")
    m = _check_int(season_length, "season_length", 1)
    _check_int(horizon, "horizon", 1)
    _z(level)
    estimated, s, sims = _options(initial, seed, n_sims, uncertainty)
    grid = regularise(frame, freq, gaps)
    specs, fits, choice, best = _select(
        grid.y.T.copy(), m, horizon, estimated, level, s, sims, uncertainty
    )
    return _frame_result(frame, grid, specs, fits, choice, horizon, level, best)
