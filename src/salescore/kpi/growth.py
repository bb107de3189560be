"""Growth and market share: period-over-period growth, single and bulk, and shares of a market."""

from __future__ import annotations

from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from salescore._numeric import exact_decimals
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.kpi._common import _number, _ratio
from salescore.money import Money

__all__ = ["growth_rate", "growth_rates", "market_share", "market_share_frame"]


@exact_decimals
def growth_rate(current: object, previous: object) -> float:
    """Growth from ``previous`` to ``current``: ``(current − previous) ÷ |previous|`` [fraction].

    NaN when ``previous`` is 0: growth from nothing has no rate. ``Money``
    values must share a currency.

    Examples
    --------
    >>> growth_rate(1100, 1000), growth_rate(Money("90", "CNY"), Money("100", "CNY"))
    (0.1, -0.1)
    >>> growth_rate(5, 0)
    nan
    """
    if (
        isinstance(current, Money)
        and isinstance(previous, Money)
        and current.currency != previous.currency
    ):
        raise CurrencyMismatchError(
            f"cannot compare {current.currency} with {previous.currency}; convert first"
        )
    c, p = _number(current, "current"), _number(previous, "previous")
    return float(_ratio(c - p, abs(p)))


_LAGS: Final[dict[str, int]] = {"M": 12, "Q": 4, "Y": 1}


@exact_decimals
def growth_rates(values: pd.Series[Any], *, lag: Literal["pop", "yoy"] = "pop") -> pd.DataFrame:
    """Period-over-period or year-over-year growth of a series indexed by periods.

    Parameters
    ----------
    values : pandas.Series
        Values indexed by a ``pandas.PeriodIndex`` (monthly, quarterly,
        yearly, weekly or daily for ``pop``; monthly, quarterly or yearly for
        ``yoy``), unique. Not mutated; missing periods are allowed.
    lag : {"pop", "yoy"}
        Compare with the previous period, or with the same period a year
        earlier.

    Returns
    -------
    pandas.DataFrame
        Same index: ``value``, ``previous`` (NaN when that period is not in
        the series) and ``growth`` [fraction], NaN when ``previous`` is
        missing or 0.

    Examples
    --------
    >>> s = pd.Series([100.0, 110.0, 99.0],
    ...               index=pd.period_range("2026-01", periods=3, freq="M"))
    >>> growth_rates(s)
             value  previous  growth
    2026-01  100.0       NaN     NaN
    2026-02  110.0     100.0     0.1
    2026-03   99.0     110.0    -0.1
    """
    if not isinstance(values.index, pd.PeriodIndex):
        raise InvalidInputError(
            f"values must be indexed by a pandas PeriodIndex, not {type(values.index).__name__}"
        )
    if not values.index.is_unique:
        raise InvalidInputError("values has repeated periods; give one value per period")
    index = values.index
    if lag == "pop":
        steps = 1
    elif lag == "yoy":
        code = index.freqstr[0]
        if code not in _LAGS:
            raise InvalidInputError(
                f"year-over-year needs monthly, quarterly or yearly periods, not {index.freqstr!r}"
            )
        steps = _LAGS[code]
    else:
        raise InvalidInputError(f"lag {lag!r} is not allowed; use 'pop' or 'yoy'")
    current = pd.to_numeric(values, errors="raise").astype(np.float64)
    previous = current.reindex(index - steps).to_numpy()
    return pd.DataFrame(
        {
            "value": current.to_numpy(),
            "previous": previous,
            "growth": _ratio(current.to_numpy() - previous, np.abs(previous)),
        },
        index=index,
    )


@exact_decimals
def market_share(sales: object, market_size: object) -> float:
    """Market share: sales ÷ market size, both in one currency or unit [fraction].

    NaN when the market size is 0 (no market to share). Sales above the
    market size, or negative values, are contradictory and raise.

    Examples
    --------
    >>> market_share(Money("250", "CNY"), Money("1000", "CNY"))
    0.25
    >>> market_share(0, 0)
    nan
    """
    if (
        isinstance(sales, Money)
        and isinstance(market_size, Money)
        and sales.currency != market_size.currency
    ):
        raise CurrencyMismatchError(
            f"sales in {sales.currency} and market size in {market_size.currency}; convert first"
        )
    s, m = _number(sales, "sales"), _number(market_size, "market_size")
    share = market_share_frame(pd.Series([s]), pd.Series([m]))
    return float(share.iloc[0])


@exact_decimals
def market_share_frame(sales: pd.Series[Any], market_size: pd.Series[Any]) -> pd.Series[float]:
    """Vectorised market share of aligned series: ``sales ÷ market_size`` [fraction].

    The two series are aligned on their index (a label in one only gives
    NaN). NaN where the market size is 0.

    Raises
    ------
    InvalidInputError
        A negative value, or sales above the market size, naming the label.

    Examples
    --------
    >>> market_share_frame(pd.Series({"East": 30.0, "West": 0.0}),
    ...                    pd.Series({"East": 120.0, "West": 0.0}))
    East    0.25
    West     NaN
    Name: market_share, dtype: float64
    """
    s, m = sales.astype(np.float64).align(market_size.astype(np.float64))
    for name, series in (("sales", s), ("market_size", m)):
        bad = series < 0
        if bad.any():
            label = series.index[bad.to_numpy()][0]
            raise InvalidInputError(f"{name} {series[label]} at {label!r} is negative; it is >= 0")
    over = s > m
    if over.any():
        label = s.index[over.to_numpy()][0]
        raise InvalidInputError(
            f"sales {s[label]} at {label!r} exceed the market size {m[label]}; a share is <= 1"
        )
    return pd.Series(_ratio(s.to_numpy(), m.to_numpy()), index=s.index, name="market_share")
