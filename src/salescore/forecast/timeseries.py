"""Time-series forecasts of bookings: seasonal naive, run rate and Holt-Winters.

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

Prediction intervals are Gaussian: ``forecast ± z · std`` with
``z = Φ⁻¹((1 + level) / 2)``; :meth:`TimeSeriesForecast.interval` gives any
other level.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._base import FrozenModel
from salescore.errors import InvalidInputError
from salescore.serialization import Result

__all__ = [
    "HoltWintersFrame",
    "HoltWintersParams",
    "TimeSeriesForecast",
    "holt_winters",
    "holt_winters_frame",
    "run_rate",
    "seasonal_naive",
]

FloatArray = npt.NDArray[np.float64]
Gaps = Literal["missing", "zero"]
SeriesLike = pd.Series | Sequence[float] | npt.ArrayLike

_ALPHA_BOUNDS = (1e-4, 1.0 - 1e-4)
_PHI_BOUNDS = (0.8, 0.98)
# Grid start of the optimiser: coarse values a practitioner would try first.
_GRID = {
    "alpha": (0.05, 0.2, 0.4, 0.6, 0.8, 0.95),
    "beta": (0.02, 0.1, 0.3),
    "gamma": (0.02, 0.1, 0.3),
    "phi": (0.85, 0.95),
}
_PARAM_NAMES = ("alpha", "beta", "gamma", "phi")


# --------------------------------------------------------------------------- results


class HoltWintersParams(FrozenModel):
    """Fitted parameters and states of a Holt-Winters model.

    Attributes
    ----------
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
    n_obs : int
        Observed (non-gap) periods the fit used.

    Examples
    --------
    >>> fc = holt_winters([10.0, 14.0, 12.0, 18.0], 1, 1, seasonal=None, alpha=0.5, beta=0.5)
    >>> fc.params.alpha, fc.params.gamma, fc.params.level, fc.params.slope
    (0.5, None, 17.75, 2.625)
    """

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
    n_obs: int


@dataclass(frozen=True)
class TimeSeriesForecast(Result):
    """A point forecast with Gaussian prediction intervals.

    Attributes
    ----------
    method : str
        ``"seasonal_naive"``, ``"run_rate"`` or ``"holt_winters"``.
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
        Fitted parameters (Holt-Winters only).

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

    def interval(self, level: float) -> tuple[pd.Series, pd.Series]:
        """Central prediction interval at another ``level`` [fraction].

        Examples
        --------
        >>> fc = run_rate([10.0, 12.0, 11.0, 13.0], 2, window=2)
        >>> low, high = fc.interval(0.5)
        >>> bool((low < fc.forecast).all() and (fc.forecast < high).all())
        True
        """
        z = _z(level)
        return self.forecast - z * self.std, self.forecast + z * self.std


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
        One row per fitted series: ``alpha``, ``beta``, ``gamma``, ``phi``
        [fraction] (``NaN`` where the component is absent), ``sse``
        [bookings²], ``sigma2`` [bookings²], ``n_obs``.
    failures : pandas.DataFrame
        One row per series that could not be fitted: ``series``, ``reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> res = holt_winters_frame(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, None, None]}),
    ...                          1, 1, seasonal=None)
    >>> res.forecast.round(6).to_dict("list"), res.failures["reason"].tolist()
    ({'a': [4.0], 'b': [nan]}, ['needs at least 2 observations'])
    """

    forecast: pd.DataFrame
    std: pd.DataFrame
    lower: pd.DataFrame
    upper: pd.DataFrame
    level: float
    params: pd.DataFrame
    failures: pd.DataFrame


# --------------------------------------------------------------------------- grid


@dataclass(frozen=True)
class _Grid:
    y: FloatArray  # (n,) or (n, k); NaN = not observed
    index: pd.Index  # PeriodIndex or RangeIndex-like integer index

    def future(self, horizon: int) -> pd.Index:
        last = self.index[-1]
        if isinstance(self.index, pd.PeriodIndex):
            return pd.period_range(last + 1, periods=horizon, freq=self.index.freq)
        return pd.RangeIndex(int(last) + 1, int(last) + 1 + horizon)


def _infer_freq(index: pd.DatetimeIndex) -> str:
    if bool(index.is_month_start.all()) or bool(index.is_month_end.all()):
        return "M"
    day_numbers = index.to_numpy().astype("datetime64[D]").astype(np.int64)
    days: npt.NDArray[np.int64] = np.diff(day_numbers)
    first = index.min()
    if len(index) > 1 and bool(np.all(days % 7 == 0)):
        # A week starting on the first date's weekday ends the day before it.
        end = (first - pd.Timedelta(days=1)).day_name()[:3].upper()
        return f"W-{end}"
    raise InvalidInputError(
        f"cannot infer a monthly or weekly frequency from dates starting {first.date()}; "
        "pass freq, e.g. 'M' or 'W-SUN'"
    )


def _period_index(index: pd.Index, freq: str | None) -> pd.Index:
    if isinstance(index, pd.PeriodIndex):
        return index if freq is None else index.asfreq(freq)
    if isinstance(index, pd.DatetimeIndex):
        if index.hasnans:
            raise InvalidInputError("the series index has missing dates (NaT)")
        if index.tz is not None:  # periods are wall-clock; keep the local calendar date
            index = index.tz_localize(None)
        alias = freq or _infer_freq(index)
        try:
            return index.to_period(alias)
        except (ValueError, TypeError) as exc:
            raise InvalidInputError(f"freq {alias!r} is not a pandas period alias") from exc
    if pd.api.types.is_integer_dtype(index.dtype):
        return index
    raise InvalidInputError(
        f"series index of dtype {index.dtype} is not dates, periods or integer positions"
    )


def _regularise(data: pd.Series | pd.DataFrame, freq: str | None, gaps: str) -> _Grid:
    if gaps not in ("missing", "zero"):
        raise InvalidInputError(f"gaps {gaps!r} is not one of 'missing', 'zero'")
    if len(data) == 0:
        raise InvalidInputError("the series is empty")
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    try:
        values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError("series values must be numbers") from exc
    if np.isinf(values).any():
        raise InvalidInputError("series values must be finite (got inf)")
    index = _period_index(frame.index, freq)
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise InvalidInputError(f"period {dup} occurs more than once in the series")
    order = np.argsort(index.to_numpy() if not isinstance(index, pd.PeriodIndex) else index.asi8)
    index, values = index[order], values[order]
    if isinstance(index, pd.PeriodIndex):
        full: pd.Index = pd.period_range(index[0], index[-1], freq=index.freq)
        pos = index.asi8 - index[0].ordinal  # ordinals count periods of the frequency
    else:
        start = int(index[0])
        full = pd.Index(np.arange(start, int(index[-1]) + 1), dtype=np.int64)
        pos = index.to_numpy().astype(np.int64) - start
    grid = np.full((len(full), values.shape[1]), np.nan)
    grid[pos] = values
    if gaps == "zero":
        grid = np.nan_to_num(grid, nan=0.0)
    out = grid[:, 0] if isinstance(data, pd.Series) else grid
    return _Grid(y=out, index=full)


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
    grid: _Grid,
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
    grid = _regularise(_as_series(series), freq, gaps)
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
    grid = _regularise(_as_series(series), freq, gaps)
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


@dataclass(frozen=True)
class _Spec:
    m: int
    trend: bool
    seasonal: str | None
    damped: bool

    def free(self) -> tuple[str, ...]:
        names = ["alpha"]
        if self.trend:
            names.append("beta")
        if self.seasonal:
            names.append("gamma")
        if self.damped:
            names.append("phi")
        return tuple(names)


def _hw_filter(
    y: FloatArray,
    theta: FloatArray,
    level0: FloatArray,
    trend0: FloatArray,
    season0: FloatArray,
    spec: _Spec,
    *,
    keep: bool = False,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray | None]:
    """Run the error-correction recursion on rows of ``y`` (rows × periods).

    ``theta`` holds alpha, beta, gamma, phi per row. Returns the SSE (``inf``
    where the recursion broke down), final level, trend, season buffer and,
    with ``keep``, the one-step fitted values.
    """
    alpha, beta, gamma, phi = theta[:, 0], theta[:, 1], theta[:, 2], theta[:, 3]
    ab = alpha * beta
    n, m = y.shape[1], spec.m
    level, trend, season = level0.copy(), trend0.copy(), season0.copy()
    sse = np.zeros(y.shape[0])
    fitted = np.empty_like(y) if keep else None
    mul = spec.seasonal == "mul"
    with np.errstate(all="ignore"):  # a diverging candidate is scored inf, not warned
        for t in range(n):
            j = t % m
            base = level + phi * trend if spec.trend else level
            s = season[:, j]
            yhat = base * s if mul else base + s
            err = y[:, t] - yhat
            err = np.where(np.isnan(err), 0.0, err)  # a gap: state follows the forecast
            sse += err * err
            if fitted is not None:
                fitted[:, t] = yhat
            scaled = err / s if mul else err
            level = base + alpha * scaled
            if spec.trend:
                trend = phi * trend + ab * scaled
            if spec.seasonal:
                season[:, j] = s + gamma * (err / base if mul else err)
        sse = np.where(np.isfinite(sse), sse, np.inf)
    return sse, level, trend, season, fitted


def _hw_init(
    y: FloatArray, spec: _Spec
) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.str_]]:
    """Heuristic initial states per row; ``reason`` is ``""`` where usable."""
    rows, n = y.shape
    m = spec.m
    reason = np.full(rows, "", dtype=object)
    obs = ~np.isnan(y)
    n_obs = obs.sum(axis=1)
    level0 = np.zeros(rows)
    trend0 = np.zeros(rows)
    season0 = np.zeros((rows, m)) if spec.seasonal != "mul" else np.ones((rows, m))
    if spec.seasonal == "mul":
        reason[(np.where(obs, y, 1.0) <= 0).any(axis=1)] = (
            "multiplicative seasonality needs bookings > 0"
        )
    if spec.seasonal:
        if n < 2 * m:
            reason[reason == ""] = f"needs at least two seasons ({2 * m} periods), got {n}"
            return level0, trend0, season0, reason.astype(str)
        first, second = y[:, :m], y[:, m : 2 * m]
        c1n, c2n = (~np.isnan(first)).sum(axis=1), (~np.isnan(second)).sum(axis=1)
        bad = (c1n == 0) | (c2n == 0)
        reason[bad & (reason == "")] = "needs an observation in each of the first two seasons"
        c1 = np.nansum(first, axis=1) / np.maximum(c1n, 1)
        c2 = np.nansum(second, axis=1) / np.maximum(c2n, 1)
        if spec.trend:
            trend0 = (c2 - c1) / m
        # The first season's mean sits at time (m + 1) / 2 on the trend line.
        level0 = c1 - trend0 * (m + 1) / 2
        line = level0[:, None] + trend0[:, None] * np.arange(1, 2 * m + 1)[None, :]
        two = y[:, : 2 * m]
        with np.errstate(all="ignore"):
            dev = two / line if spec.seasonal == "mul" else two - line
        dev = dev.reshape(rows, 2, m)
        dcount = (~np.isnan(dev)).sum(axis=1)
        neutral = 1.0 if spec.seasonal == "mul" else 0.0
        with np.errstate(all="ignore"):
            season0 = np.where(dcount > 0, np.nansum(dev, axis=1) / np.maximum(dcount, 1), neutral)
            if spec.seasonal == "mul":
                season0 = season0 / season0.mean(axis=1, keepdims=True)
            else:
                season0 = season0 - season0.mean(axis=1, keepdims=True)
        broken = ~np.isfinite(season0).all(axis=1) | (
            (season0 <= 0).any(axis=1) if spec.seasonal == "mul" else False
        )
        reason[broken & (reason == "")] = "cannot initialise the seasonal states"
        season0 = np.where(np.isfinite(season0), season0, neutral)
    else:
        need = 2 if spec.trend else 1
        short = n_obs < need
        reason[short & (reason == "")] = f"needs at least {need} observations"
        # First and second observed positions per row (argmax of cumulative counts).
        csum = np.cumsum(obs, axis=1)
        t1 = np.argmax(csum >= 1, axis=1)
        t2 = np.argmax(csum >= 2, axis=1)
        ridx = np.arange(rows)
        y1 = np.where(short, 0.0, y[ridx, t1])
        if spec.trend:
            y2 = np.where(short, 0.0, y[ridx, t2])
            trend0 = np.where(short, 0.0, (y2 - y1) / np.maximum(t2 - t1, 1))
        # The line through the first two observations, evaluated before period 0.
        level0 = y1 - trend0 * (t1 + 1)
    p = len(spec.free())
    few = n_obs <= p
    reason[few & (reason == "")] = f"needs more than {p} observations to estimate the error"
    return level0, trend0, season0, reason.astype(str)


def _to_theta(x: FloatArray, free: tuple[str, ...], fixed: dict[str, float]) -> FloatArray:
    """Map unconstrained ``x`` (rows × free) to alpha, beta, gamma, phi (rows × 4)."""
    theta = np.empty((x.shape[0], 4))
    defaults = {"alpha": 0.5, "beta": 0.0, "gamma": 0.0, "phi": 1.0}
    col = 0
    for k, name in enumerate(_PARAM_NAMES):
        if name in free:
            lo, hi = _PHI_BOUNDS if name == "phi" else _ALPHA_BOUNDS
            # Clipped: beyond ±50 the logistic is flat to double precision anyway.
            theta[:, k] = lo + (hi - lo) / (1.0 + np.exp(-np.clip(x[:, col], -50.0, 50.0)))
            col += 1
        else:
            theta[:, k] = fixed.get(name, defaults[name])
    return theta


def _logit(theta: FloatArray, name: str) -> FloatArray:
    lo, hi = _PHI_BOUNDS if name == "phi" else _ALPHA_BOUNDS
    u = (np.clip(theta, lo, hi) - lo) / (hi - lo)
    u = np.clip(u, 1e-9, 1 - 1e-9)
    return np.asarray(np.log(u / (1 - u)), dtype=np.float64)


def _nelder_mead(
    f: Callable[[FloatArray, npt.NDArray[np.intp]], FloatArray],
    x0: FloatArray,
    *,
    step: float = 0.5,
    xatol: float = 1e-4,
    fatol: float = 1e-9,
    max_iter: int = 400,
) -> FloatArray:
    """Minimise ``f`` independently for every row, all rows in lock-step.

    ``f(points, rows)`` scores points (p × k) belonging to problem ``rows``.
    Standard coefficients (reflect 1, expand 2, contract ½, shrink ½); a row
    stops when its simplex is within ``xatol`` in every coordinate and its
    values within ``fatol`` relative to the best.
    """
    rows, k = x0.shape
    simplex = np.repeat(x0[:, None, :], k + 1, axis=1)
    simplex[:, 1:, :] += step * np.eye(k)[None, :, :]
    all_rows = np.arange(rows)
    fs = f(simplex.reshape(-1, k), np.repeat(all_rows, k + 1)).reshape(rows, k + 1)
    active = all_rows.copy()
    for _ in range(max_iter):
        s, fv = simplex[active], fs[active]
        order = np.argsort(fv, axis=1, kind="stable")
        s = np.take_along_axis(s, order[:, :, None], axis=1)
        fv = np.take_along_axis(fv, order, axis=1)
        spread_x = np.max(np.abs(s[:, 1:] - s[:, :1]), axis=(1, 2))
        spread_f = np.max(np.abs(fv[:, 1:] - fv[:, :1]), axis=1)
        done = (spread_x <= xatol) & (spread_f <= fatol * (1.0 + np.abs(fv[:, 0])))
        simplex[active], fs[active] = s, fv
        active, s, fv = active[~done], s[~done], fv[~done]
        if len(active) == 0:
            break
        a = len(active)
        centroid = s[:, :-1].mean(axis=1)
        direction = centroid - s[:, -1]
        trial = np.stack(
            [
                centroid + direction,
                centroid + 2 * direction,
                centroid + 0.5 * direction,
                centroid - 0.5 * direction,
            ],
            axis=1,
        )
        ft = f(trial.reshape(-1, k), np.repeat(active, 4)).reshape(a, 4)
        fr, fe, foc, fic = ft[:, 0], ft[:, 1], ft[:, 2], ft[:, 3]
        best, second, worst = fv[:, 0], fv[:, -2], fv[:, -1]
        choice = np.full(a, -1)  # index into trial, or -1 to shrink
        expand = fr < best
        choice[expand] = np.where(fe[expand] < fr[expand], 1, 0)
        reflect = ~expand & (fr < second)
        choice[reflect] = 0
        outside = ~expand & ~reflect & (fr < worst)
        choice[outside & (foc <= fr)] = 2
        inside = ~expand & ~reflect & ~outside
        choice[inside & (fic < worst)] = 3
        take = choice >= 0
        ti = np.nonzero(take)[0]
        s[ti, -1] = trial[ti, choice[ti]]
        fv[ti, -1] = ft[ti, choice[ti]]
        si = np.nonzero(~take)[0]
        if len(si):
            shrunk = s[si, :1] + 0.5 * (s[si, 1:] - s[si, :1])
            s[si, 1:] = shrunk
            fv[si, 1:] = f(shrunk.reshape(-1, k), np.repeat(active[si], k)).reshape(len(si), k)
        simplex[active], fs[active] = s, fv
    best_idx = np.argmin(fs, axis=1)
    return np.asarray(simplex[all_rows, best_idx], dtype=np.float64)


def _hw_fit(y: FloatArray, spec: _Spec, fixed: dict[str, float], horizon: int) -> dict[str, Any]:
    """Fit every usable row of ``y`` and forecast ``horizon`` steps."""
    level0, trend0, season0, reason = _hw_init(y, spec)
    good = np.nonzero(reason == "")[0]
    yg, l0, b0, s0 = y[good], level0[good], trend0[good], season0[good]
    free = tuple(p for p in spec.free() if p not in fixed)

    def score(points: FloatArray, rows: npt.NDArray[np.intp]) -> FloatArray:
        theta = _to_theta(points, free, fixed)
        return _hw_filter(yg[rows], theta, l0[rows], b0[rows], s0[rows], spec)[0]

    g = len(good)
    if free and g:
        grid = (
            np.array(np.meshgrid(*[_GRID[p] for p in free], indexing="ij")).reshape(len(free), -1).T
        )
        candidates = np.column_stack([_logit(grid[:, i], p) for i, p in enumerate(free)])
        c = len(candidates)
        rows = np.repeat(np.arange(g), c)
        scores = score(np.tile(candidates, (g, 1)), rows).reshape(g, c)
        x0 = candidates[np.argmin(scores, axis=1)]
        x = _nelder_mead(score, x0)
    else:
        x = np.zeros((g, len(free)))
    theta = _to_theta(x, free, fixed)
    sse, lev, trd, sea, fitted = _hw_filter(yg, theta, l0, b0, s0, spec, keep=True)
    n_obs = (~np.isnan(yg)).sum(axis=1)
    p = len(free)
    sigma2 = sse / (n_obs - p)
    point, std = _hw_predict(theta, lev, trd, sea, spec, horizon, y.shape[1], sigma2)
    return {
        "good": good,
        "reason": reason,
        "theta": theta,
        "sse": sse,
        "sigma2": sigma2,
        "n_obs": n_obs,
        "level0": l0,
        "trend0": b0,
        "season0": s0,
        "level": lev,
        "trend": trd,
        "season": sea,
        "fitted": fitted,
        "point": point,
        "std": std,
    }


def _hw_predict(
    theta: FloatArray,
    level: FloatArray,
    trend: FloatArray,
    season: FloatArray,
    spec: _Spec,
    horizon: int,
    n: int,
    sigma2: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Point forecasts and linearised error standard deviations (rows × horizon)."""
    alpha, beta, gamma, phi = (theta[:, i : i + 1] for i in range(4))
    m = spec.m
    steps = np.arange(1, horizon + 1)
    if spec.trend:
        # phi_h = phi + phi^2 + ... + phi^h (h when undamped).
        cum = np.cumsum(phi ** steps[None, :], axis=1)
    else:
        cum = np.zeros((theta.shape[0], horizon))
    base = level[:, None] + cum * trend[:, None]  # level part used for step h
    pos = (n + steps - 1) % m
    s_h = season[:, pos]
    mul = spec.seasonal == "mul"
    point = base * s_h if mul else base + s_h
    # c[j, h]: first-order effect of the step-j innovation on the step-h value.
    j = steps[:, None]
    h = steps[None, :]
    later = (h > j)[None, :, :]
    lag = np.clip(h - j, 0, None)
    if spec.trend:
        cum0 = np.concatenate([np.zeros((theta.shape[0], 1)), cum], axis=1)
        phi_lag = cum0[:, lag]  # rows × j × h
    else:
        phi_lag = np.zeros((theta.shape[0], horizon, horizon))
    same = ((lag % m == 0) & (lag > 0))[None, :, :] if spec.seasonal else False
    b = beta[:, :, None] if spec.trend else 0.0
    a3, g3 = alpha[:, :, None], gamma[:, :, None]
    if mul:
        inv_s = (1.0 / s_h)[:, :, None]  # the seasonal factor at step j scales its shock
        base_j = base[:, :, None]
        c = (a3 * inv_s + a3 * b * inv_s * phi_lag) * s_h[:, None, :]
        c = c + np.where(same, g3 / base_j * base[:, None, :], 0.0)
    else:
        c = a3 + a3 * b * phi_lag + np.where(same, g3, 0.0)
    c = np.where(later, c, 0.0)
    var = sigma2[:, None] * (1.0 + np.sum(c**2, axis=1))
    return point, np.sqrt(var)


def _spec(
    season_length: int,
    horizon: int,
    trend: str | None,
    seasonal: str | None,
    damped: bool,
    fixed: dict[str, float | None],
) -> tuple[_Spec, dict[str, float]]:
    m = _check_int(season_length, "season_length", 1)
    _check_int(horizon, "horizon", 1)
    if trend not in ("add", None):
        raise InvalidInputError(f"trend {trend!r} is not one of 'add', None")
    if seasonal not in ("add", "mul", None):
        raise InvalidInputError(f"seasonal {seasonal!r} is not one of 'add', 'mul', None")
    if damped and trend is None:
        raise InvalidInputError("damped=True needs trend='add'")
    if seasonal and m < 2:
        raise InvalidInputError(f"season_length {m} must be >= 2 for a seasonal model")
    spec = _Spec(m=m if seasonal else 1, trend=trend == "add", seasonal=seasonal, damped=damped)
    given: dict[str, float] = {}
    for name, value in fixed.items():
        if value is None:
            continue
        if name not in spec.free():
            raise InvalidInputError(f"{name} is given but the model has no such parameter")
        lo, hi = _PHI_BOUNDS if name == "phi" else (0.0, 1.0)
        if isinstance(value, bool) or not isinstance(value, float | int) or not lo <= value <= hi:
            raise InvalidInputError(f"{name} {value!r} is outside [{lo}, {hi}]")
        given[name] = float(value)
    return spec, given


def holt_winters(
    series: SeriesLike,
    season_length: int,
    horizon: int,
    *,
    trend: Literal["add"] | None = "add",
    seasonal: Literal["add", "mul"] | None = "add",
    damped: bool = False,
    level: float = 0.8,
    alpha: float | None = None,
    beta: float | None = None,
    gamma: float | None = None,
    phi: float | None = None,
    freq: str | None = None,
    gaps: Gaps = "missing",
) -> TimeSeriesForecast:
    r"""Holt-Winters exponential smoothing fitted by least squares.

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
    free parameters minimise the in-sample sum of squared one-step errors over
    observed periods, with numpy alone: a coarse grid picks the start, then
    Nelder-Mead runs on logit-transformed parameters so every trial stays
    inside its bounds (alpha, beta, gamma in [1e-4, 1 - 1e-4], phi in
    [0.8, 0.98]). Initial states are not optimised: they come from the first
    two seasons (level and trend from the season means, season from the
    detrended values), or from the first two observations without a season.
    Gaps: see the module notes (a gap has error 0 and is left out of the fit).

    Intervals: ``σ² = SSE / (n_obs - p)`` with ``p`` free parameters, and the
    ``h``-step variance ``σ² (1 + Σ_{j<h} c_{j,h}²)`` where ``c_{j,h}`` is
    the effect on period ``h`` of a unit error at step ``j``. It is exact for
    additive models (Hyndman et al. class 1) and a first-order approximation
    for multiplicative seasonality.

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
    level : float, default 0.8
        Nominal coverage of the interval [fraction].
    alpha, beta, gamma, phi : float, optional
        Fix a parameter instead of fitting it.
    freq : str, optional
        Pandas period alias for a ``DatetimeIndex``.
    gaps : {"missing", "zero"}, default "missing"
        How absent or ``NaN`` periods are read.

    Returns
    -------
    TimeSeriesForecast
        With ``params`` holding the fitted parameters and states.

    Raises
    ------
    InvalidInputError
        If the series is too short or not positive for ``"mul"``, or an
        argument is outside what is allowed.

    Examples
    --------
    >>> fc = holt_winters([10.0, 12.0, 14.0, 16.0, 18.0], 1, 2, seasonal=None)
    >>> fc.forecast.tolist()  # a straight line is fitted without error
    [20.0, 22.0]
    >>> fc.params.sse
    0.0
    """
    spec, fixed = _spec(
        season_length,
        horizon,
        trend,
        seasonal,
        damped,
        {"alpha": alpha, "beta": beta, "gamma": gamma, "phi": phi},
    )
    _z(level)
    grid = _regularise(_as_series(series), freq, gaps)
    fit = _hw_fit(grid.y[None, :], spec, fixed, horizon)
    if len(fit["good"]) == 0:
        raise InvalidInputError(f"holt_winters: {fit['reason'][0]}")
    params = _params(fit, 0, spec, len(grid.y))
    return _forecast(
        "holt_winters",
        grid,
        fit["point"][0],
        fit["std"][0],
        fit["fitted"][0],
        level,
        float(fit["sigma2"][0]),
        params,
    )


def _params(fit: dict[str, Any], i: int, spec: _Spec, n: int) -> HoltWintersParams:
    theta = fit["theta"][i]
    m = spec.m
    season = fit["season"][i]
    # Buffer slot (n + h - 1) % m serves future step h.
    ordered = tuple(float(season[(n + h) % m]) for h in range(m)) if spec.seasonal else ()
    return HoltWintersParams(
        alpha=float(theta[0]),
        beta=float(theta[1]) if spec.trend else None,
        gamma=float(theta[2]) if spec.seasonal else None,
        phi=float(theta[3]) if spec.damped else None,
        trend="add" if spec.trend else None,
        seasonal=spec.seasonal,
        season_length=m,
        initial_level=float(fit["level0"][i]),
        initial_trend=float(fit["trend0"][i]),
        initial_season=tuple(float(v) for v in fit["season0"][i]) if spec.seasonal else (),
        level=float(fit["level"][i]),
        slope=float(fit["trend"][i]),
        season=ordered,
        sse=float(fit["sse"][i]),
        n_obs=int(fit["n_obs"][i]),
    )


def holt_winters_frame(
    frame: pd.DataFrame,
    season_length: int,
    horizon: int,
    *,
    trend: Literal["add"] | None = "add",
    seasonal: Literal["add", "mul"] | None = "add",
    damped: bool = False,
    level: float = 0.8,
    freq: str | None = None,
    gaps: Gaps = "missing",
) -> HoltWintersFrame:
    """Fit :func:`holt_winters` to every column of a wide frame at once.

    Rows are periods (one shared index, read as in :func:`holt_winters`),
    columns are series. All series are fitted together: the recursion runs
    over time with numpy arrays across series and candidate parameters, and
    the Nelder-Mead simplices of all series advance in lock-step, so each
    series gets the same parameters as a single call. A series that cannot
    be fitted is listed in ``failures`` with the reason and has ``NaN``
    forecasts; no series is dropped silently.

    Parameters
    ----------
    frame : pandas.DataFrame
        Bookings per period (rows) and series (columns) [bookings].
    season_length, horizon, trend, seasonal, damped, level, freq, gaps
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
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [5.0, 5.0, 5.0, 5.0]})
    >>> res = holt_winters_frame(df, 1, 2, seasonal=None)
    >>> res.forecast.round(6).to_dict("list")
    {'a': [5.0, 6.0], 'b': [5.0, 5.0]}
    >>> len(res.failures)
    0
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError(f"expected a DataFrame, got {type(frame).__name__}")
    spec, _ = _spec(season_length, horizon, trend, seasonal, damped, {})
    _z(level)
    grid = _regularise(frame, freq, gaps)
    fit = _hw_fit(grid.y.T.copy(), spec, {}, horizon)
    future = grid.future(horizon)
    cols = frame.columns
    good = fit["good"]

    def wide(values: FloatArray) -> pd.DataFrame:
        out = np.full((horizon, len(cols)), np.nan)
        out[:, good] = values.T
        return pd.DataFrame(out, index=future, columns=cols)

    z = _z(level)
    theta = fit["theta"]
    params = pd.DataFrame(
        {
            "alpha": theta[:, 0],
            "beta": theta[:, 1] if spec.trend else np.nan,
            "gamma": theta[:, 2] if spec.seasonal else np.nan,
            "phi": theta[:, 3] if spec.damped else np.nan,
            "sse": fit["sse"],
            "sigma2": fit["sigma2"],
            "n_obs": fit["n_obs"],
        },
        index=cols[good],
    )
    bad = np.nonzero(fit["reason"] != "")[0]
    failures = pd.DataFrame(
        {"series": cols[bad].to_list(), "reason": fit["reason"][bad].tolist()},
        columns=["series", "reason"],
    )
    return HoltWintersFrame(
        forecast=wide(fit["point"]),
        std=wide(fit["std"]),
        lower=wide(fit["point"] - z * fit["std"]),
        upper=wide(fit["point"] + z * fit["std"]),
        level=float(level),
        params=params,
        failures=failures,
    )
