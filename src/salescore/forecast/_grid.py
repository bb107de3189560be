"""A series on its full grid of periods: shared by the time-series forecasts and their accuracy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore.errors import InvalidInputError

__all__ = ["Grid", "regularise"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Grid:
    """A series on its full grid of periods: ``y`` (NaN where not observed) and ``index``."""

    y: FloatArray  # (n,) or (n, k); NaN = not observed
    index: pd.Index  # PeriodIndex or RangeIndex-like integer index

    def future(self, horizon: int) -> pd.Index:
        """The ``horizon`` periods after the last."""
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


def _not_numbers(frame: pd.DataFrame) -> InvalidInputError:
    """The error naming the first value of ``frame`` that is not a number, and its position."""
    for j, column in enumerate(frame.columns):
        numbers = pd.to_numeric(frame.iloc[:, j], errors="coerce")
        bad = np.flatnonzero(numbers.isna().to_numpy() & frame.iloc[:, j].notna().to_numpy())
        if len(bad):
            i = int(bad[0])
            label = "series" if frame.shape[1] == 1 else f"series {column!r}"
            where = f"{label} at position {i} (index {frame.index[i]!r})"
            return InvalidInputError.of("series_not_number", name=where, value=frame.iloc[i, j])
    return InvalidInputError.of(  # pragma: no cover - numpy refused a column pandas reads
        "series_not_number", name="series of dtype", value=str(frame.dtypes.iloc[0])
    )


def regularise(data: pd.Series | pd.DataFrame, freq: str | None, gaps: str) -> Grid:
    """``data`` on a full grid of periods of ``freq``, gaps ``"missing"`` (NaN) or ``"zero"``."""
    if gaps not in ("missing", "zero"):
        raise InvalidInputError(f"gaps {gaps!r} is not one of 'missing', 'zero'")
    if len(data) == 0:
        raise InvalidInputError("the series is empty")
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    try:
        values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        raise _not_numbers(frame) from exc
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
    return Grid(y=out, index=full)
