r"""Forecast accuracy metrics and rolling-origin backtests.

For actuals :math:`a_i` and forecasts :math:`f_i` over the :math:`n` pairs
whose actual is observed (a ``NaN`` actual is left out and counted in
``n_missing``), with error :math:`e_i = f_i - a_i`:

* MAE :math:`= \frac1n \sum |e_i|`, RMSE :math:`= \sqrt{\frac1n \sum e_i^2}`
  [units of the data];
* MAPE :math:`= \frac1{n'} \sum_{a_i \ne 0} |e_i| / |a_i|` [fraction], over the
  :math:`n'` pairs with a non-zero actual; zero actuals are excluded and
  counted in ``n_zero_actual``, never silently scored as zero;
* WAPE :math:`= \sum |e_i| / \sum |a_i|` [fraction];
* bias :math:`= \frac1n \sum (f_i - a_i)` [units]: positive means the
  forecast was too high;
* pinball loss of a quantile forecast :math:`q_i` at level :math:`\tau`:
  :math:`\frac1n \sum \max(\tau (a_i - q_i), (\tau - 1)(a_i - q_i))` [units];
* coverage of an interval :math:`[l_i, u_i]`: the share of actuals inside it
  [fraction], to compare with its stated level.

Scaling both actuals and forecasts by :math:`c > 0` scales MAE, RMSE, bias
and pinball loss by :math:`c` and leaves MAPE, WAPE and coverage unchanged.
A perfect forecast scores zero on every error metric.

Every metric is built from sums held in an :class:`AccuracyPartial`, which
adds: ``accuracy_partial(a) + accuracy_partial(b)`` equals the partial of the
union, so metrics can be computed per partition and pooled.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._base import FrozenModel
from salescore.errors import InvalidInputError
from salescore.forecast._grid import regularise
from salescore.forecast.timeseries import HoltWintersFrame, TimeSeriesForecast
from salescore.serialization import Result

__all__ = [
    "Accuracy",
    "AccuracyPartial",
    "Backtest",
    "IntervalCoverage",
    "accuracy",
    "accuracy_partial",
    "backtest",
    "interval_coverage",
]

FloatArray = npt.NDArray[np.float64]


class Accuracy(FrozenModel):
    """Accuracy metrics of a forecast (see the module notes for formulas).

    Attributes
    ----------
    n : int
        Pairs scored (observed actuals).
    n_missing : int
        Pairs left out because the actual was ``NaN``.
    n_zero_actual : int
        Pairs excluded from MAPE because the actual was zero.
    mae, rmse : float
        Mean absolute and root mean squared error [units].
    mape : float or None
        Mean absolute percentage error [fraction]; ``None`` if every actual is zero.
    wape : float or None
        Weighted absolute percentage error [fraction]; ``None`` if every actual is zero.
    bias : float
        Mean of forecast − actual [units].
    pinball : dict of float to float
        Mean pinball loss per quantile level [units].
    coverage : float or None
        Share of actuals inside the interval [fraction]; ``None`` without one.
    interval_level : float or None
        The interval's stated coverage [fraction].

    Examples
    --------
    >>> m = accuracy([10.0, 20.0], [11.0, 19.0], quantiles={0.9: [12.0, 22.0]})
    >>> m.mae, m.bias, m.pinball  # pinball: (0.9 - 1) * (10 - 12) = (0.9 - 1) * (20 - 22) = 0.2
    (1.0, 0.0, {0.9: 0.19999999999999996})
    """

    n: int
    n_missing: int
    n_zero_actual: int
    mae: float
    rmse: float
    mape: float | None
    wape: float | None
    bias: float
    pinball: dict[float, float]
    coverage: float | None
    interval_level: float | None


class AccuracyPartial(FrozenModel):
    """Mergeable sums behind :class:`Accuracy`; ``+`` pools two partials.

    Attributes
    ----------
    n, n_missing, n_zero_actual : int
        Counts as in :class:`Accuracy`.
    sum_abs_error, sum_sq_error, sum_error : float
        Sums of ``|e|`` [units], ``e²`` [units²] and ``e`` [units].
    sum_abs_actual : float
        Sum of ``|a|`` [units].
    sum_ape : float
        Sum of ``|e| / |a|`` over non-zero actuals [fraction].
    sum_pinball : dict of float to float
        Sum of the pinball loss per quantile level [units].
    n_covered : int
        Actuals inside the interval.
    interval_level : float or None
        Stated coverage of the interval [fraction], ``None`` without one.
    has_interval : bool
        Whether an interval was scored.

    Examples
    --------
    >>> a = accuracy_partial([10.0, 20.0], [12.0, 18.0])
    >>> b = accuracy_partial([0.0], [1.0])
    >>> (a + b).metrics().mae  # (2 + 2 + 1) / 3
    1.6666666666666667
    """

    n: int
    n_missing: int
    n_zero_actual: int
    sum_abs_error: float
    sum_sq_error: float
    sum_error: float
    sum_abs_actual: float
    sum_ape: float
    sum_pinball: dict[float, float]
    n_covered: int
    interval_level: float | None
    has_interval: bool

    def __add__(self, other: object) -> AccuracyPartial:
        if not isinstance(other, AccuracyPartial):
            return NotImplemented
        if set(self.sum_pinball) != set(other.sum_pinball):
            raise InvalidInputError(
                f"cannot pool quantile levels {sorted(self.sum_pinball)} "
                f"with {sorted(other.sum_pinball)}"
            )
        if (self.has_interval, self.interval_level) != (other.has_interval, other.interval_level):
            raise InvalidInputError(
                f"cannot pool an interval at level {self.interval_level} "
                f"with one at level {other.interval_level}"
            )
        return AccuracyPartial(
            n=self.n + other.n,
            n_missing=self.n_missing + other.n_missing,
            n_zero_actual=self.n_zero_actual + other.n_zero_actual,
            sum_abs_error=self.sum_abs_error + other.sum_abs_error,
            sum_sq_error=self.sum_sq_error + other.sum_sq_error,
            sum_error=self.sum_error + other.sum_error,
            sum_abs_actual=self.sum_abs_actual + other.sum_abs_actual,
            sum_ape=self.sum_ape + other.sum_ape,
            sum_pinball={q: v + other.sum_pinball[q] for q, v in self.sum_pinball.items()},
            n_covered=self.n_covered + other.n_covered,
            interval_level=self.interval_level,
            has_interval=self.has_interval,
        )

    def metrics(self) -> Accuracy:
        """The metrics these sums give.

        Raises
        ------
        InvalidInputError
            If no pair had an observed actual.

        Examples
        --------
        >>> accuracy_partial([4.0, 0.0], [5.0, 1.0]).metrics().mape  # |1|/4; the 0 is excluded
        0.25
        """
        if self.n == 0:
            raise InvalidInputError("no pair with an observed actual to score")
        n_ape = self.n - self.n_zero_actual
        return Accuracy(
            n=self.n,
            n_missing=self.n_missing,
            n_zero_actual=self.n_zero_actual,
            mae=self.sum_abs_error / self.n,
            rmse=math.sqrt(self.sum_sq_error / self.n),
            mape=self.sum_ape / n_ape if n_ape else None,
            wape=self.sum_abs_error / self.sum_abs_actual if self.sum_abs_actual > 0 else None,
            bias=self.sum_error / self.n,
            pinball={q: v / self.n for q, v in self.sum_pinball.items()},
            coverage=self.n_covered / self.n if self.has_interval else None,
            interval_level=self.interval_level,
        )


def _array(values: Any, what: str, n: int | None = None) -> FloatArray:
    if isinstance(values, pd.DataFrame):
        raise InvalidInputError(f"{what} must be one-dimensional, got a DataFrame")
    try:
        arr = np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values, float)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} must be numbers") from exc
    if arr.ndim != 1:
        raise InvalidInputError(f"{what} must be one-dimensional, got shape {arr.shape}")
    if n is not None and len(arr) != n:
        raise InvalidInputError(f"{what} has {len(arr)} values, actual has {n}")
    return arr


def _check_index(actual: Any, other: Any, what: str) -> None:
    if (
        isinstance(actual, pd.Series)
        and isinstance(other, pd.Series)
        and not actual.index.equals(other.index)
    ):
        raise InvalidInputError(f"{what} and actual are Series with different indexes")


def _finite(arr: FloatArray, what: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.argmax(bad))
        raise InvalidInputError(f"{what}[{i}] is {arr[i]}; forecasts must be finite")


def _fraction_level(level: object, what: str) -> float:
    if isinstance(level, bool) or not isinstance(level, float | int) or not 0 < level < 1:
        raise InvalidInputError(f"{what} {level!r} is outside (0, 1)")
    return float(level)


def accuracy_partial(
    actual: Any,
    forecast: Any,
    *,
    quantiles: Mapping[float, Any] | None = None,
    interval: tuple[Any, Any] | None = None,
    level: float | None = None,
) -> AccuracyPartial:
    """Sums behind :func:`accuracy`, to pool across partitions with ``+``.

    Takes the same arguments as :func:`accuracy`.

    Returns
    -------
    AccuracyPartial

    Examples
    --------
    >>> accuracy_partial([1.0, float("nan")], [2.0, 3.0]).n_missing
    1
    """
    a = _array(actual, "actual")
    f = _array(forecast, "forecast", len(a))
    _check_index(actual, forecast, "forecast")
    _finite(f, "forecast")
    if np.isinf(a).any():
        raise InvalidInputError("actual holds inf; actuals must be finite or NaN (missing)")
    seen = ~np.isnan(a)
    a_seen, f_seen = a[seen], f[seen]
    err = f_seen - a_seen
    abs_err = np.abs(err)
    abs_a = np.abs(a_seen)
    nonzero = abs_a > 0
    with np.errstate(over="ignore"):  # a near-zero actual gives an (honestly) infinite APE
        sum_ape = float(np.sum(abs_err[nonzero] / abs_a[nonzero]))
    sum_pinball: dict[float, float] = {}
    for tau, q_values in (quantiles or {}).items():
        tau_f = _fraction_level(tau, "quantile level")
        q = _array(q_values, f"quantile {tau}", len(a))
        _check_index(actual, q_values, f"quantile {tau}")
        _finite(q, f"quantile {tau}")
        diff = a_seen - q[seen]
        sum_pinball[tau_f] = float(np.sum(np.maximum(tau_f * diff, (tau_f - 1.0) * diff)))
    n_covered = 0
    stated: float | None = None
    if interval is not None:
        low = _array(interval[0], "interval lower", len(a))
        high = _array(interval[1], "interval upper", len(a))
        _finite(low, "interval lower")
        _finite(high, "interval upper")
        if (low > high).any():
            i = int(np.argmax(low > high))
            raise InvalidInputError(f"interval lower[{i}] {low[i]} exceeds upper {high[i]}")
        n_covered = int(np.sum((low[seen] <= a_seen) & (a_seen <= high[seen])))
        if level is not None:
            stated = _fraction_level(level, "level")
    elif level is not None:
        raise InvalidInputError("level is given without an interval")
    return AccuracyPartial(
        n=int(seen.sum()),
        n_missing=int((~seen).sum()),
        n_zero_actual=int((~nonzero).sum()),
        sum_abs_error=float(abs_err.sum()),
        sum_sq_error=float(np.dot(err, err)),
        sum_error=float(err.sum()),
        sum_abs_actual=float(abs_a.sum()),
        sum_ape=sum_ape,
        sum_pinball=sum_pinball,
        n_covered=n_covered,
        interval_level=stated,
        has_interval=interval is not None,
    )


def accuracy(
    actual: Any,
    forecast: Any,
    *,
    quantiles: Mapping[float, Any] | None = None,
    interval: tuple[Any, Any] | None = None,
    level: float | None = None,
) -> Accuracy:
    """Score a forecast against what happened.

    Parameters
    ----------
    actual : array-like or pandas.Series
        Observed values [units]; ``NaN`` marks a missing actual (left out,
        counted in ``n_missing``).
    forecast : array-like or pandas.Series
        Point forecasts, same length [units]; must be finite.
    quantiles : mapping of float to array-like, optional
        Quantile forecasts by level τ in (0, 1), for the pinball loss [units].
    interval : (array-like, array-like), optional
        Lower and upper bounds of an interval forecast, for coverage [units].
    level : float, optional
        The interval's stated coverage [fraction], reported beside coverage.

    Returns
    -------
    Accuracy

    Raises
    ------
    InvalidInputError
        On length or index mismatches, non-finite forecasts, levels outside
        (0, 1), a lower bound above its upper bound, or no observed actual.

    Examples
    --------
    >>> m = accuracy([100.0, 0.0, 50.0], [110.0, 5.0, 40.0])
    >>> m.mae, m.bias  # (10 + 5 + 10) / 3, (10 + 5 - 10) / 3
    (8.333333333333334, 1.6666666666666667)
    >>> m.mape, m.n_zero_actual  # (10/100 + 10/50) / 2; the zero actual is excluded
    (0.15000000000000002, 1)
    >>> m.wape  # 25 / 150
    0.16666666666666666
    >>> accuracy([10.0, 20.0], [12.0, 18.0], interval=([9.0, 19.0], [11.0, 21.0]),
    ...          level=0.8).coverage
    1.0
    """
    return accuracy_partial(
        actual, forecast, quantiles=quantiles, interval=interval, level=level
    ).metrics()


@dataclass(frozen=True)
class Backtest(Result):
    """A rolling-origin evaluation.

    Attributes
    ----------
    folds : pandas.DataFrame
        One row per fold: ``fold``, ``origin`` (first test period),
        ``n_train`` [periods], then the :class:`Accuracy` fields ``n``,
        ``mae``, ``rmse``, ``mape``, ``wape``, ``bias`` [units or fraction],
        ``pinball`` (mean over the quantile levels scored) and ``coverage``.
    pooled : Accuracy
        Metrics over every fold's test points together (the sum of the fold
        partials).
    forecasts : pandas.DataFrame
        One row per fold and test period: ``fold``, ``period``, ``step``,
        ``actual``, ``forecast``, ``lower``, ``upper``.

    Examples
    --------
    >>> from salescore.forecast.timeseries import seasonal_naive
    >>> bt = backtest([1.0, 2.0, 1.0, 2.0, 1.0, 3.0], lambda s, h: seasonal_naive(s, 2, h),
    ...               folds=1, horizon=2)
    >>> bt.folds["mae"].tolist(), bt.pooled.bias  # forecasts 1, 2 against 1, 3
    ([0.5], -0.5)
    """

    folds: pd.DataFrame
    pooled: Accuracy
    forecasts: pd.DataFrame


def backtest(
    series: Any,
    model: Callable[[pd.Series, int], TimeSeriesForecast],
    *,
    folds: int,
    horizon: int,
    step: int = 1,
    freq: str | None = None,
    gaps: str = "missing",
) -> Backtest:
    """Evaluate a forecasting method by rolling the forecast origin.

    The series is laid on its regular grid (see
    :mod:`salescore.forecast.timeseries`) of ``N`` periods. Fold ``i`` (0 is
    the oldest) trains on the first ``N - horizon - (folds - 1 - i) · step``
    periods and forecasts the next ``horizon``, so the last fold ends at the
    last period. Each fold is scored with :func:`accuracy`, including the
    pinball loss at the interval's quantiles ``(1 ∓ level) / 2`` and at 0.5
    (the point forecast) and the coverage of the model's interval; the pooled
    metrics add the fold partials.

    Parameters
    ----------
    series : pandas.Series or array-like
        Bookings per period [bookings].
    model : callable
        ``model(train, horizon)`` returning a :class:`TimeSeriesForecast`,
        e.g. ``lambda s, h: holt_winters(s, 12, h)``; ``train`` is a Series
        on the regular grid with ``NaN`` at gaps.
    folds : int
        Number of origins (≥ 1).
    horizon : int
        Periods forecast from each origin (≥ 1) [periods].
    step : int, default 1
        Periods between consecutive origins [periods].
    freq, gaps
        As in :func:`~salescore.forecast.timeseries.holt_winters`.

    Returns
    -------
    Backtest

    Raises
    ------
    InvalidInputError
        If the series is too short for the folds, an argument is invalid or
        the model's forecast does not cover the test periods.

    Examples
    --------
    >>> from salescore.forecast.timeseries import run_rate
    >>> bt = backtest([10.0, 12.0, 11.0, 13.0, 12.0, 14.0],
    ...               lambda s, h: run_rate(s, h, window=2), folds=2, horizon=1)
    >>> bt.forecasts[["fold", "actual", "forecast"]].to_numpy().tolist()
    [[0.0, 12.0, 12.0], [1.0, 14.0, 12.5]]
    >>> bt.pooled.mae  # (0 + 1.5) / 2
    0.75
    """
    for name, value, low in (("folds", folds, 1), ("horizon", horizon, 1), ("step", step, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise InvalidInputError(f"{name} {value!r} must be an integer >= {low}")
    source = series if isinstance(series, pd.Series) else pd.Series(np.asarray(series, float))
    grid = regularise(source, freq, gaps)
    full = pd.Series(grid.y, index=grid.index)
    n = len(full)
    first_cut = n - horizon - (folds - 1) * step
    if first_cut < 1:
        raise InvalidInputError(
            f"{n} periods cannot hold {folds} folds of horizon {horizon} with step {step}"
        )
    rows: list[dict[str, Any]] = []
    frames: list[pd.DataFrame] = []
    pooled: AccuracyPartial | None = None
    for fold in range(folds):  # one model fit per fold: the folds are few
        cut = first_cut + fold * step
        train, test = full.iloc[:cut], full.iloc[cut : cut + horizon]
        fc = model(train, horizon)
        if not isinstance(fc, TimeSeriesForecast):
            raise InvalidInputError(
                f"model returned {type(fc).__name__}, expected a TimeSeriesForecast"
            )
        if not fc.forecast.index.equals(test.index):
            raise InvalidInputError(
                f"fold {fold}: the model forecast {list(fc.forecast.index)}, "
                f"the test periods are {list(test.index)}"
            )
        # Rounded so that level 0.8 scores the quantiles 0.1 and 0.9 exactly as named.
        lo_q, hi_q = round((1 - fc.level) / 2, 12), round((1 + fc.level) / 2, 12)
        part = accuracy_partial(
            test,
            fc.forecast,
            quantiles={lo_q: fc.lower, 0.5: fc.forecast, hi_q: fc.upper},
            interval=(fc.lower, fc.upper),
            level=fc.level,
        )
        pooled = part if pooled is None else pooled + part
        rows.append({"fold": fold, "origin": test.index[0], "n_train": cut, "part": part})
        frames.append(
            pd.DataFrame(
                {
                    "fold": fold,
                    "period": test.index,
                    "step": np.arange(1, horizon + 1),
                    "actual": test.to_numpy(),
                    "forecast": fc.forecast.to_numpy(),
                    "lower": fc.lower.to_numpy(),
                    "upper": fc.upper.to_numpy(),
                }
            )
        )
    assert pooled is not None  # folds >= 1
    table = pd.DataFrame([_fold_row(r) for r in rows], columns=list(_FOLD_COLUMNS))
    return Backtest(
        folds=table,
        pooled=pooled.metrics(),
        forecasts=pd.concat(frames, ignore_index=True),
    )


_FOLD_COLUMNS = (
    "fold",
    "origin",
    "n_train",
    "n",
    "mae",
    "rmse",
    "mape",
    "wape",
    "bias",
    "pinball",
    "coverage",
)


def _fold_row(row: dict[str, Any]) -> dict[str, Any]:
    part: AccuracyPartial = row["part"]
    base = {"fold": row["fold"], "origin": row["origin"], "n_train": row["n_train"]}
    nan = float("nan")
    if part.n == 0:  # every test actual of this fold is a gap: nothing to score
        return {**base, "n": 0, **dict.fromkeys(_FOLD_COLUMNS[4:], nan)}
    m = part.metrics()
    return {
        **base,
        "n": m.n,
        "mae": m.mae,
        "rmse": m.rmse,
        "mape": nan if m.mape is None else m.mape,
        "wape": nan if m.wape is None else m.wape,
        "bias": m.bias,
        "pinball": float(np.mean(list(m.pinball.values()))),
        "coverage": nan if m.coverage is None else m.coverage,
    }


@dataclass(frozen=True)
class IntervalCoverage(Result):
    """Empirical coverage of a model's intervals over rolling origins.

    Attributes
    ----------
    level : float
        The intervals' stated coverage [fraction].
    n : int
        Held-back points scored (observed actuals with a finite interval).
    coverage : float
        Share of them inside their interval [fraction].
    stderr : float
        Binomial standard error ``sqrt(c (1 - c) / n)`` of ``coverage``
        [fraction]; points of one series are correlated, so read it as a floor.
    by_step : pandas.DataFrame
        Per forecast step: ``step``, ``n``, ``coverage``, ``below``, ``above``
        (shares of points under the lower and over the upper bound).

    Examples
    --------
    >>> from salescore.forecast.timeseries import seasonal_naive
    >>> cov = interval_coverage([1.0, 2.0, 1.0, 2.0, 1.0, 2.0],
    ...                         lambda s, h: seasonal_naive(s, 2, h), folds=2, horizon=2)
    >>> cov.n, cov.coverage
    (4, 1.0)
    """

    level: float
    n: int
    coverage: float
    stderr: float
    by_step: pd.DataFrame


def interval_coverage(
    series: Any,
    model: Callable[[Any, int], TimeSeriesForecast | HoltWintersFrame],
    *,
    folds: int,
    horizon: int,
    step: int = 1,
    freq: str | None = None,
    gaps: str = "missing",
) -> IntervalCoverage:
    """Measure how often held-back actuals fall inside a model's intervals.

    Rolls the forecast origin as :func:`backtest` does (fold ``i`` trains on
    the first ``N - horizon - (folds - 1 - i) · step`` periods) and counts,
    per forecast step, the actuals inside ``[lower, upper]``, under ``lower``
    and over ``upper``. ``series`` is one series or a wide frame (periods ×
    series); for a frame, ``model(train, horizon)`` may return a
    :class:`~salescore.forecast.timeseries.HoltWintersFrame` (all series at
    once, e.g. ``lambda f, h: holt_winters_frame(f, 12, h)``) or a
    :class:`TimeSeriesForecast` per column. A model's coverage is honest
    when it is within a few points of ``level``.

    Parameters
    ----------
    series : pandas.Series, pandas.DataFrame or array-like
        Bookings per period [bookings], one column per series for a frame.
    model : callable
        ``model(train, horizon)``; ``train`` is a Series (or, for a frame,
        the training frame) on the regular grid with ``NaN`` at gaps.
    folds, horizon, step, freq, gaps
        As in :func:`backtest`.

    Returns
    -------
    IntervalCoverage

    Raises
    ------
    InvalidInputError
        As :func:`backtest`, or if the model's intervals differ in level
        between folds.

    Examples
    --------
    >>> from salescore.forecast.timeseries import holt_winters_frame
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame(100 + rng.normal(0, 5, (40, 30)))
    >>> cov = interval_coverage(frame, lambda f, h: holt_winters_frame(f, 1, h, trend=None,
    ...                         seasonal=None), folds=3, horizon=4)
    >>> cov.level, cov.n, 0.6 < cov.coverage < 0.95
    (0.8, 360, True)
    """
    for name, value, least in (("folds", folds, 1), ("horizon", horizon, 1), ("step", step, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise InvalidInputError(f"{name} {value!r} must be an integer >= {least}")
    if isinstance(series, pd.DataFrame):
        grid = regularise(series, freq, gaps)
        full = pd.DataFrame(
            np.asarray(grid.y, dtype=np.float64).reshape(len(grid.index), -1),
            index=grid.index,
            columns=series.columns,
        )
    else:
        source = series if isinstance(series, pd.Series) else pd.Series(np.asarray(series, float))
        grid = regularise(source, freq, gaps)
        full = pd.DataFrame({"series": grid.y}, index=grid.index)
    n = len(full)
    first_cut = n - horizon - (folds - 1) * step
    if first_cut < 1:
        raise InvalidInputError(
            f"{n} periods cannot hold {folds} folds of horizon {horizon} with step {step}"
        )
    inside = np.zeros(horizon)
    below = np.zeros(horizon)
    above = np.zeros(horizon)
    count = np.zeros(horizon)
    level: float | None = None
    for fold in range(folds):  # one fit per fold (a frame model fits every series at once)
        cut = first_cut + fold * step
        train, test = full.iloc[:cut], full.iloc[cut : cut + horizon]
        low, high, fold_level = _fold_bounds(train, test, model, horizon, series)
        if level is not None and not math.isclose(level, fold_level):
            raise InvalidInputError(f"fold {fold}: level {fold_level} differs from {level}")
        level = fold_level
        actual = test.to_numpy()
        seen = ~np.isnan(actual) & np.isfinite(low) & np.isfinite(high)
        count += seen.sum(axis=1)
        below += (seen & (actual < low)).sum(axis=1)
        above += (seen & (actual > high)).sum(axis=1)
        inside += (seen & (actual >= low) & (actual <= high)).sum(axis=1)
    assert level is not None  # folds >= 1
    total = int(count.sum())
    cov = float(inside.sum() / total) if total else float("nan")
    with np.errstate(all="ignore"):
        by_step = pd.DataFrame(
            {
                "step": np.arange(1, horizon + 1),
                "n": count.astype(np.int64),
                "coverage": inside / count,
                "below": below / count,
                "above": above / count,
            }
        )
    stderr = math.sqrt(cov * (1 - cov) / total) if total else float("nan")
    return IntervalCoverage(level=level, n=total, coverage=cov, stderr=stderr, by_step=by_step)


def _fold_bounds(
    train: pd.DataFrame,
    test: pd.DataFrame,
    model: Callable[[Any, int], TimeSeriesForecast | HoltWintersFrame],
    horizon: int,
    series: Any,
) -> tuple[FloatArray, FloatArray, float]:
    """Lower and upper bounds (test periods x series) of one fold, and their level."""
    if isinstance(series, pd.DataFrame):
        out = model(train, horizon)
        if isinstance(out, HoltWintersFrame):
            _check_periods(out.lower.index, test.index)
            cols = list(test.columns)
            low = out.lower.reindex(columns=cols).to_numpy(dtype=np.float64)
            high = out.upper.reindex(columns=cols).to_numpy(dtype=np.float64)
            return low, high, out.level
        raise InvalidInputError(
            f"model returned {type(out).__name__}; for a frame it must return a HoltWintersFrame"
        )
    fc = model(train.iloc[:, 0], horizon)
    if not isinstance(fc, TimeSeriesForecast):
        raise InvalidInputError(
            f"model returned {type(fc).__name__}, expected a TimeSeriesForecast"
        )
    _check_periods(fc.lower.index, test.index)
    low = fc.lower.to_numpy(dtype=np.float64)[:, None]
    high = fc.upper.to_numpy(dtype=np.float64)[:, None]
    return low, high, fc.level


def _check_periods(got: pd.Index, want: pd.Index) -> None:
    if not got.equals(want):
        raise InvalidInputError(
            f"the model forecast {list(got)}, the test periods are {list(want)}"
        )
