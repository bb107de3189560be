"""Forecast pictures: a ``Simulation``, a ``TimeSeriesForecast``'s fan, the categories waterfall."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes

from salescore.errors import InvalidInputError
from salescore.forecast import CategoryForecast, Simulation, TimeSeriesForecast
from salescore.plot._text import Lang, axes, texts, unit_label

__all__ = ["categories_waterfall", "forecast_fan", "simulation_chart"]


def simulation_chart(
    simulation: Simulation,
    *,
    bins: int = 40,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """The distribution of a simulated period's bookings, its P10–P90 band and P50 marked.

    A :class:`~salescore.forecast.Simulation` is the distribution of one
    period's total (it has no time axis), so the picture is a histogram of
    its runs with the band from :meth:`~salescore.forecast.Simulation.quantile`
    ``(0.1)`` to ``(0.9)`` shaded (artist ``gid="band"``), a line at the P50
    (``gid="p50"``) and one at the amount already won (``gid="booked"``).

    Parameters
    ----------
    simulation : Simulation
        From :func:`salescore.forecast.simulate`.
    bins : int
        Histogram bins, at least 1.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's Axes by default.
    lang : {"en", "zh-CN"}
        Language of the title and labels.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidInputError
        ``bins`` is below 1, the simulation has no runs, or ``lang`` is not supported.

    Examples
    --------
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> import numpy as np, pandas as pd
    >>> s = Simulation(np.array([0.0, 10.0, 10.0, 20.0]), "CNY", 0.0, 10.0, 50.0, 2,
    ...                pd.Index([]), 1)
    >>> ax = simulation_chart(s, bins=4, ax=Figure().add_subplot())
    >>> band = next(a for a in ax.patches if a.get_gid() == "band")
    >>> round(band.get_x(), 9), round(band.get_x() + band.get_width(), 9)   # P10, P90
    (3.0, 17.0)
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise InvalidInputError(f"bins {bins!r} must be an integer >= 1")
    if simulation.n == 0:
        raise InvalidInputError("the simulation has no runs to draw; simulate with n >= 1")
    t = texts(lang)
    ax = axes(ax)
    p10, p50, p90 = (simulation.quantile(q) for q in (0.1, 0.5, 0.9))
    ax.hist(simulation.totals, bins=bins, color="tab:blue", alpha=0.8)
    ax.axvspan(p10, p90, color="tab:orange", alpha=0.2, label=t("band"), gid="band")
    ax.axvline(p50, color="tab:orange", linewidth=2, label="P50", gid="p50")
    ax.axvline(
        simulation.booked, color="tab:green", linestyle="--", label=t("booked"), gid="booked"
    )
    ax.set_xlabel(t("bookings_amount", currency=unit_label(simulation.currency)))
    ax.set_ylabel(t("runs"))
    ax.set_title(t("simulation_title"))
    ax.legend()
    t.apply(ax)
    return ax


def _x(index: pd.Index[Any], what: str) -> tuple[npt.NDArray[Any], bool]:
    """Positions to draw ``index`` at, and whether they are dates."""
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp().to_numpy(), True
    if isinstance(index, pd.DatetimeIndex):
        return index.to_numpy(), True
    if pd.api.types.is_numeric_dtype(index.dtype):
        return index.to_numpy(dtype=np.float64), False
    raise InvalidInputError(
        f"{what} index of dtype {index.dtype} cannot be drawn; allowed: periods, dates or numbers"
    )


def _floats(series: pd.Series[Any]) -> npt.NDArray[np.float64]:
    return np.asarray([float(v) for v in series.tolist()], dtype=np.float64)


def forecast_fan(
    forecast: TimeSeriesForecast,
    *,
    actuals: pd.Series[Any] | None = None,
    currency: str | None = None,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """The point forecast, its ``lower``–``upper`` interval band, and actuals overlaid.

    Draws :attr:`~salescore.forecast.TimeSeriesForecast.forecast` as a line
    (``gid="forecast"``), the band between ``lower`` and ``upper`` at the
    forecast's ``level`` (``gid="interval"``) and, when given, the actuals
    as a line (``gid="actual"``): history before the forecast, or the
    held-back periods to compare with it.

    Parameters
    ----------
    forecast : TimeSeriesForecast
        From :func:`~salescore.forecast.holt_winters`,
        :func:`~salescore.forecast.seasonal_naive` or
        :func:`~salescore.forecast.run_rate`.
    actuals : pandas.Series, optional
        Observed values [bookings] indexed like the series the forecast was
        fitted on (periods, dates or integers); Decimal values are drawn as floats.
    currency : str, optional
        The series' unit for the value axis label (an ISO 4217 code); the
        forecast itself does not carry one.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's Axes by default.
    lang : {"en", "zh-CN"}
        Language of the title and labels.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidInputError
        An index cannot be drawn, ``actuals`` are dated while the forecast is
        not (or the reverse), or ``lang`` is not supported.

    Examples
    --------
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore.forecast import seasonal_naive
    >>> fc = seasonal_naive([5.0, 7.0, 6.0, 8.0], 2, 2, level=0.9)
    >>> ax = forecast_fan(fc, actuals=pd.Series([5.0, 7.0, 6.0, 8.0]), ax=Figure().add_subplot())
    >>> line = next(a for a in ax.lines if a.get_gid() == "forecast")
    >>> line.get_ydata().tolist()
    [6.0, 8.0]
    """
    t = texts(lang)
    ax = axes(ax)
    x, dated = _x(forecast.forecast.index, "forecast")
    level = f"{forecast.level * 100:.0f} %"
    ax.fill_between(
        x,
        _floats(forecast.lower),
        _floats(forecast.upper),
        color="tab:blue",
        alpha=0.2,
        label=t("interval", level=level),
        gid="interval",
    )
    ax.plot(
        x,
        _floats(forecast.forecast),
        color="tab:blue",
        marker="o",
        label=t("forecast"),
        gid="forecast",
    )
    if actuals is not None:
        xa, actuals_dated = _x(actuals.index, "actuals")
        if actuals_dated != dated:
            raise InvalidInputError(
                "actuals are indexed by "
                + ("dates" if actuals_dated else "numbers")
                + " but the forecast by "
                + ("dates" if dated else "numbers")
                + "; index them alike"
            )
        ax.plot(xa, _floats(actuals), color="black", marker=".", label=t("actual"), gid="actual")
    ax.set_xlabel(t("period"))
    ax.set_ylabel(t("bookings_amount", currency=unit_label(currency)))
    ax.set_title(f"{t('forecast_title')} ({forecast.method})")
    ax.legend()
    t.apply(ax)
    return ax


_STEPS = ("closed", "commit", "best_case", "pipeline")
_ROLLUPS = ("commit_forecast", "best_case_forecast")


def categories_waterfall(
    forecast: CategoryForecast,
    *,
    node: str | None = None,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """Closed → commit → best case → pipeline, as a waterfall, roll-ups marked.

    Four floating bars (``gid="step"``): *Closed* from 0, then *Commit*,
    *Best case* and *Pipeline*, each starting where the previous one ended,
    so the top of *Commit* is the commit forecast (closed + commit) and the
    top of *Best case* the best-case forecast. Those roll-ups, as the
    forecast computed them, are horizontal lines (``gid="commit_forecast"``,
    ``gid="best_case_forecast"``); where a manager's adjustment changed one,
    the adjusted value is a dashed line too (``gid="<roll-up>_adjusted"``).

    Parameters
    ----------
    forecast : CategoryForecast
        From :func:`salescore.forecast.forecast_categories`.
    node : str, optional
        A team or rep of :attr:`~salescore.forecast.CategoryForecast.tree`;
        the whole organisation (``totals``) by default.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's Axes by default.
    lang : {"en", "zh-CN"}
        Language of the title and labels.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidInputError
        ``node`` is not in the tree, or ``lang`` is not supported.

    Examples
    --------
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore import datasets
    >>> from salescore.forecast import forecast_categories
    >>> p = datasets.pipeline()
    >>> f = forecast_categories(datasets.opportunities(p, n=40), p)
    >>> ax = categories_waterfall(f, ax=Figure().add_subplot())
    >>> [(float(b.get_y()), float(b.get_height())) for b in ax.patches]
    [(0.0, 2341000.0), (2341000.0, 715000.0), (3056000.0, 0.0), (3056000.0, 2267000.0)]
    """
    row: pd.Series[Any]
    if node is None:
        row = forecast.totals
    elif node in forecast.tree.index:
        row = forecast.tree.iloc[list(forecast.tree.index).index(node)]
    else:
        raise InvalidInputError(
            f"node {node!r} is not in the forecast tree; allowed: {list(forecast.tree.index)}"
        )
    t = texts(lang)
    ax = axes(ax)
    amounts = np.asarray([float(row[name]) for name in _STEPS], dtype=np.float64)
    bottoms = np.concatenate([[0.0], np.cumsum(amounts)[:-1]])
    x = np.arange(len(_STEPS), dtype=np.float64)
    colors = ["tab:green", "tab:blue", "tab:cyan", "tab:gray"]
    for xi, bottom, height, color in zip(x, bottoms, amounts, colors, strict=True):
        ax.bar(xi, height, bottom=bottom, color=color, width=0.6, gid="step")
        ax.annotate(
            f"{height:,.0f}",
            xy=(xi, bottom + height),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize="small",
        )
    for name, style in zip(_ROLLUPS, ("tab:blue", "tab:cyan"), strict=True):
        value = float(row[name])
        ax.axhline(value, color=style, linestyle=":", label=t(name), gid=name)
        adjusted = float(row[f"{name}_adjusted"])
        if adjusted != value:
            ax.axhline(
                adjusted,
                color=style,
                linestyle="--",
                label=t("adjusted", name=t(name)),
                gid=f"{name}_adjusted",
            )
    ax.set_xticks(x, [t(name) for name in _STEPS])
    ax.set_xlabel(t("category"))
    ax.set_ylabel(t("bookings_amount", currency=unit_label(forecast.currency)))
    title = t("categories_title")
    ax.set_title(title if node is None else f"{title}: {node}")
    ax.legend(loc="upper left")
    t.apply(ax)
    return ax
