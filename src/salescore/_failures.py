"""The one failure collector behind every errors table of the bulk calls.

This module is private. A :class:`Failures` collects, for one input frame,
the cells that cannot be used: each :meth:`~Failures.add` takes a row mask,
the column, a :class:`~salescore.error_codes.FailureReason` (or its code) and
any extra columns of the table. :meth:`~Failures.table` gives the failure
table (``row``, ``column``, ``value``, ``reason`` and the extras, the
``reason`` column holding the plain code), :attr:`~Failures.bad` the rows
with any failure, :meth:`~Failures.summary` one English sentence naming each
reason with its first row and value, and :meth:`~Failures.raise_if_any` the
:class:`~salescore.errors.FrameValidationError` carrying the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore.error_codes import FailureReason
from salescore.errors import FrameValidationError

__all__ = ["FAILURE_COLUMNS", "Failures", "empty_table", "summarize"]

#: Columns of every failure table.
FAILURE_COLUMNS: Final = ("row", "column", "value", "reason")


def empty_table(columns: Sequence[str] = FAILURE_COLUMNS) -> pd.DataFrame:
    """An empty failure table of object columns.

    Examples
    --------
    >>> list(empty_table().columns)
    ['row', 'column', 'value', 'reason']
    """
    return pd.DataFrame({name: pd.Series([], dtype=object) for name in columns})


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def summarize(failures: pd.DataFrame) -> str:
    """One phrase per (column, reason): count, first row and its value.

    Examples
    --------
    >>> t = pd.DataFrame({"row": [3, 5], "column": ["quota"] * 2, "value": [-5.0, -1.0],
    ...                   "reason": ["negative"] * 2})
    >>> summarize(t)
    'quota negative in 2 rows (e.g. row 3: -5.0)'
    """
    pieces = []
    for (column, reason), group in failures.groupby(["column", "reason"], sort=False):
        n = len(group)
        first = group.iloc[0]
        extra = "".join(
            f", {name} {_plain(first[name])!r}"
            for name in failures.columns
            if name not in FAILURE_COLUMNS and name != "input" and pd.notna(first[name])
        )
        row = first["row"]
        where = (
            "the frame"
            if row is None or (isinstance(row, float) and np.isnan(row))
            else f"row {_plain(row)!r}: {_plain(first['value'])!r}"
        )
        pieces.append(f"{column} {reason} in {n} row{'s' if n != 1 else ''} (e.g. {where}{extra})")
    return "; ".join(pieces)


class Failures:
    """Collect the failing cells of one frame into a failure table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The input whose index labels and values the table reports.
    columns : sequence of str
        The table's columns; :data:`FAILURE_COLUMNS` plus any extras.

    Examples
    --------
    >>> df = pd.DataFrame({"quota": [100.0, -5.0]}, index=[7, 8])
    >>> f = Failures(df)
    >>> f.add("quota", FailureReason.NEGATIVE, df["quota"].to_numpy() < 0)
    >>> f.table().to_dict("records"), f.bad.tolist()
    ([{'row': 8, 'column': 'quota', 'value': -5.0, 'reason': 'negative'}], [False, True])
    """

    def __init__(self, frame: pd.DataFrame, columns: Sequence[str] = FAILURE_COLUMNS) -> None:
        self.frame = frame
        self.columns = tuple(columns)
        self.parts: list[pd.DataFrame] = []
        self.positions: list[npt.NDArray[np.intp]] = []
        self.bad: npt.NDArray[np.bool_] = np.zeros(len(frame), dtype=np.bool_)

    def add(
        self,
        column: str,
        reason: FailureReason | str,
        mask: npt.ArrayLike,
        *,
        values: pd.Series[Any] | npt.NDArray[Any] | None = None,
        **extra: Any,
    ) -> None:
        """Record the rows of ``mask`` as failing ``column`` for ``reason``.

        ``values`` defaults to the frame's ``column``; ``extra`` fills the
        table's other columns (a scalar, or one value per row of the frame).
        """
        code = FailureReason(reason).value
        m = np.asarray(mask, dtype=np.bool_)
        if not m.any():
            return
        self.bad |= m
        if values is None:
            values = self.frame[column]
        given = np.asarray(pd.Series(values).astype(object).to_numpy(), dtype=object)
        data: dict[str, Any] = {
            "row": np.asarray(self.frame.index[m], dtype=object),
            "column": column,
            "value": given[m],
            "reason": code,
        }
        for name, value in extra.items():
            arr = np.asarray(value, dtype=object)
            data[name] = arr[m] if arr.ndim and len(arr) == len(m) else value
        part = pd.DataFrame(data)
        self.parts.append(part.reindex(columns=list(self.columns)).astype(object))
        self.positions.append(np.flatnonzero(m))

    def add_frame(self, column: str, reason: FailureReason | str, **extra: Any) -> None:
        """Record a frame-level failure (``row`` and ``value`` None), such as a missing column.

        ``extra`` fills the table's other columns with one value each.
        """
        row = dict.fromkeys(self.columns)
        row.update(extra)
        row.update(column=column, reason=FailureReason(reason).value)
        self.parts.append(pd.DataFrame([row], columns=list(self.columns)).astype(object))
        self.positions.append(np.full(1, -1, dtype=np.intp))

    def __len__(self) -> int:
        return sum(len(p) for p in self.parts)

    def table(self, *, by_row: bool = False) -> pd.DataFrame:
        """The failure table, in the order the failures were added.

        ``by_row=True`` orders it by input row instead (frame-level failures
        first; a row's failures in the order they were added).
        """
        if not self.parts:
            return empty_table(self.columns)
        table = pd.concat(self.parts, ignore_index=True)
        if by_row:
            order = np.argsort(np.concatenate(self.positions), kind="stable")
            table = table.take(order).reset_index(drop=True)
        return table

    def summary(self) -> str:
        """One phrase per failing column and reason, naming the first row and value."""
        return summarize(self.table())

    def raise_if_any(self, what: str, *, rule: str = "") -> None:
        """Raise the ``frame_failures`` error carrying the table when anything failed.

        ``what`` names the frame; ``rule``, when given, says what was allowed.
        """
        if not self.parts:
            return
        table = self.table()
        rows = table["row"]
        raise FrameValidationError.of(
            "frame_failures",
            table,
            contract=what,
            count=len(table),
            rows=rows[rows.notna()].nunique(),
            summary=self.summary() + (f"; {rule}" if rule else ""),
        )
