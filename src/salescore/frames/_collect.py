"""The failure collection of one validation run: findings, the failure table, the message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._failures import empty_table
from salescore.error_codes import FailureReason
from salescore.frames._common import BoolArray, _plain
from salescore.frames.contracts import Column, FrameContract


@dataclass
class _Finding:
    column: str
    reason: str
    positions: npt.NDArray[np.intp]
    rule: str


class _FirstFailureError(Exception):
    """Internal: stop at the first failing check (``lazy=False``)."""


@dataclass
class _Run:
    df: pd.DataFrame
    contract: FrameContract
    lazy: bool
    findings: list[_Finding] = field(default_factory=list)
    #: Per checked text column: its row codes and distinct canonical strings.
    codes: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[Any]]] = field(default_factory=dict)

    def add(
        self,
        column: str,
        reason: FailureReason,
        mask: BoolArray | None,
        rule: str,
        *,
        frame: bool = False,
    ) -> None:
        if frame:
            positions = np.array([-1], dtype=np.intp)
        else:
            assert mask is not None
            if not mask.any():
                return
            positions = np.flatnonzero(mask)
        self.findings.append(_Finding(column, FailureReason(reason).value, positions, rule))
        if not self.lazy:
            raise _FirstFailureError

    def fail(self, column: Column, reason: FailureReason, mask: BoolArray) -> None:
        """Record the rows of ``mask`` as failing ``column`` for ``reason``, with its rule."""
        self.add(column.name, reason, mask, column.rule(reason))


def _failure_table(run: _Run) -> pd.DataFrame:
    if not run.findings:
        return empty_table()
    parts = []
    index = run.df.index
    for f in run.findings:
        if f.positions[0] < 0:
            rows: npt.NDArray[Any] = np.array([None], dtype=object)
            values: npt.NDArray[Any] = np.array([None], dtype=object)
        else:
            # A row-level finding always concerns a column present in the input.
            rows = np.asarray(index.take(f.positions), dtype=object)
            values = np.asarray(run.df[f.column].iloc[f.positions].astype(object), dtype=object)
        n = len(rows)
        parts.append(
            pd.DataFrame(
                {
                    "row": rows,
                    "column": np.full(n, f.column, dtype=object),
                    "value": values,
                    "reason": np.full(n, f.reason, dtype=object),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _message(run: _Run, failures: pd.DataFrame) -> str:
    rows = failures["row"]
    n_rows = rows[rows.notna()].nunique()
    pieces = []
    for f in run.findings:
        if f.positions[0] < 0:
            pieces.append(f"column {f.column!r} is missing ({f.rule})")
            continue
        first = int(f.positions[0])
        label = run.df.index[first]
        value = _plain(run.df[f.column].iloc[first])
        count = len(f.positions)
        pieces.append(
            f"{f.column} {f.reason} in {count} row{'s' if count != 1 else ''} "
            f"(e.g. row {label!r}: {value!r}; {f.rule})"
        )
    total = len(failures)
    return (
        f"{run.contract.name} frame failed validation with {total} "
        f"failure{'s' if total != 1 else ''} in {n_rows} row{'s' if n_rows != 1 else ''}: "
        + "; ".join(pieces)
    )
