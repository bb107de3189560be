"""The shared kernel of the KPIs: day numbers, periods, groups, counts, sums, ratios."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._failures import Failures
from salescore._numeric import to_decimal
from salescore.calendar import Period
from salescore.error_codes import FailureReason
from salescore.errors import FrameValidationError, InvalidInputError
from salescore.models._fields import Identifier
from salescore.money import Money

__all__ = ["BoolArray", "FloatArray", "Identifier", "IntArray"]


IntArray = npt.NDArray[np.int64]


BoolArray = npt.NDArray[np.bool_]


FloatArray = npt.NDArray[np.float64]


# Day numbers: days since 1970-01-01; a missing date is a day no period reaches.
_NEVER: Final = np.iinfo(np.int64).max


def _day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _days(series: pd.Series[Any]) -> IntArray:
    """Day numbers of a datetime column; NaT becomes ``_NEVER``."""
    values = pd.to_datetime(series).to_numpy(dtype="datetime64[D]")
    out = values.astype(np.int64)
    out[np.isnat(values)] = _NEVER
    return out


def _ratio(num: npt.ArrayLike, den: npt.ArrayLike) -> FloatArray:
    """``num / den`` with NaN where ``den`` is 0 (the documented meaning of each KPI)."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d == 0, np.nan, n / np.where(d == 0, 1.0, d))


def _periods(periods: Period | Sequence[Period]) -> list[Period]:
    chosen = [periods] if isinstance(periods, Period) else list(periods)
    if not chosen:
        raise InvalidInputError("periods is empty; give at least one Period")
    for p in chosen:
        if not isinstance(p, Period):
            raise InvalidInputError(f"period {p!r} is not a Period")
    return chosen


def _groups(df: pd.DataFrame, by: Sequence[str]) -> tuple[IntArray, pd.DataFrame]:
    """Integer group codes per row and the distinct keys (one row per code)."""
    missing = [c for c in by if c not in df.columns]
    if missing:
        raise InvalidInputError(f"by= names column(s) {missing} not in the frame")
    if not by:
        return np.zeros(len(df), np.int64), pd.DataFrame(index=[0])
    grouped = df.groupby(list(by), sort=True, dropna=False, observed=True)
    codes: IntArray = np.asarray(grouped.ngroup(), dtype=np.int64)
    keys = grouped.size().index.to_frame(index=False)
    return codes, keys


def _count(codes: IntArray, mask: BoolArray, n: int) -> IntArray:
    return np.bincount(codes[mask], minlength=n).astype(np.int64)


def _sum(codes: IntArray, mask: BoolArray, values: IntArray, n: int) -> IntArray:
    # Exact integer sums (bincount would go through float64).
    out = np.zeros(n, np.int64)
    np.add.at(out, codes[mask], values[mask])
    return out


def _long(
    keys: pd.DataFrame, periods: list[Period], columns: dict[str, npt.NDArray[Any]]
) -> pd.DataFrame:
    """A long frame, one row per (group, period), from (groups, periods) arrays."""
    n, k = len(keys), len(periods)
    frame = keys.loc[np.repeat(np.arange(n), k)].reset_index(drop=True)
    frame["period"] = [str(p) for p in periods] * n
    frame["period_start"] = pd.to_datetime([p.start for p in periods] * n)
    for name, values in columns.items():
        frame[name] = np.asarray(values).reshape(n * k)
    return frame


def _zeros(n: int) -> IntArray:
    return np.zeros(n, np.int64)


def _combine(
    parts: Sequence[pd.DataFrame], by: Sequence[str], summed: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Add the count columns of KPI frames of the same periods, per (segment, period).

    A segment's rows hold its periods in the order given, so a row's place
    within its segment (``cumcount``) names its period even when two
    periods share a label.
    """
    if not parts:
        raise InvalidInputError("parts is empty; give at least one KPI frame to combine")
    keys = list(by)
    needed = [*keys, "period", "period_start", *summed]
    for i, part in enumerate(parts):
        if not isinstance(part, pd.DataFrame):
            raise InvalidInputError(f"parts[{i}] is {type(part).__name__}, not a KPI DataFrame")
        absent = [c for c in needed if c not in part.columns]
        if absent:
            raise InvalidInputError(
                f"parts[{i}] has no column {', '.join(map(repr, absent))}; "
                f"combine frames of the same KPI function and by={keys}"
            )
    # An empty part (a chunk with no deals of any segment) adds nothing, and its
    # empty columns would widen the dtypes of the others.
    used = [part for part in parts if len(part)] or list(parts[:1])
    stacked = pd.concat(
        [
            part[needed].assign(
                _place=part.groupby(keys, sort=False, dropna=False).cumcount().to_numpy()
                if keys
                else np.arange(len(part))
            )
            for part in used
        ],
        ignore_index=True,
    )
    grouped = stacked.groupby([*keys, "_place"], sort=True, dropna=False, observed=True)
    first = grouped[["period", "period_start"]].first()
    sums = grouped[list(summed)].sum()
    out = pd.concat([first, sums], axis=1).reset_index().drop(columns="_place")
    counts = {name: out[name].to_numpy() for name in summed}
    return out, counts


def _failures(
    frame: pd.DataFrame,
    parts: list[tuple[Any, str, pd.Series[Any], str]],
    what: str,
    *,
    rule: str = "",
) -> None:
    """Raise the failure table of (mask, column, values, reason) parts, if any failed."""
    failures = Failures(frame)
    for mask, column, values, reason in parts:
        failures.add(column, reason, mask, values=values)
    failures.raise_if_any(what, rule=rule)


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        failures = Failures(df)
        for column in missing:
            failures.add_frame(column, FailureReason.MISSING_COLUMN)
        raise FrameValidationError(
            f"{what} frame lacks column(s) {missing}; required: {list(columns)}", failures.table()
        )


def _number(value: object, what: str) -> float:
    if isinstance(value, Money):
        return float(value.amount)
    return float(to_decimal(value, what=what))
