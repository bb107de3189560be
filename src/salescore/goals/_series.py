"""Reading a series of past or to-date actuals: dates from its index, amounts from its values."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore.errors import InvalidInputError

__all__ = ["series_days", "series_values"]


def series_days(actuals: pd.Series[Any]) -> pd.DatetimeIndex:
    """The dates of ``actuals`` (a date, datetime or Period index), naive and day-precise.

    Aware timestamps keep their wall-clock date: goals are about calendar days
    where the amount was booked.
    """
    index = actuals.index
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp(how="start")
    try:
        days = pd.DatetimeIndex(pd.to_datetime(index))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"actuals must be indexed by dates or pandas Periods; index {index[:3].tolist()!r} "
            f"is not ({exc})"
        ) from exc
    if days.hasnans:
        i = int(np.flatnonzero(days.isna())[0])
        raise InvalidInputError(
            f"actuals index holds a missing date (NaT) at position {i}; every amount needs a date"
        )
    days = days.tz_localize(None) if days.tz is not None else days
    return days.normalize()


def series_values(actuals: pd.Series[Any], *, hint: str = "") -> npt.NDArray[np.float64]:
    """The amounts of ``actuals`` as floats, finite and >= 0; errors name the first bad one."""
    values = pd.to_numeric(actuals, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(
            f"actual {actuals.iloc[i]!r} dated {actuals.index[i]} is not a finite number >= 0{hint}"
        )
    return values
