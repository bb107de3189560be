"""Results as JSON: ``to_dict`` of a team's statements, 10,000 reps."""

from __future__ import annotations

import json

import pandas as pd

from benchmarks._harness import Row, row
from benchmarks.bench_commission import PLAN, YEAR, _credits
from salescore.commission import statements_frame

N_REPS = 10_000
N_CREDITS = 200_000


def _pandas_baseline(frames: list[pd.DataFrame]) -> list[object]:
    """What an analyst writes: every cell through str, then records; no types kept."""
    return [f.astype(str).to_dict("records") for f in frames]


def _numpy_bound(frames: list[pd.DataFrame]) -> list[list[dict[str, object]]]:
    """The least work JSON-ready records need: each column to a Python list once, zipped."""
    out = []
    for f in frames:
        columns = [f[c].to_numpy().tolist() for c in f.columns]
        names = list(f.columns)
        out.append([dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)])
    return out


def run() -> list[Row]:
    df, quotas = _credits(N_REPS, N_CREDITS)
    result = statements_frame(PLAN, df, period=YEAR, quotas=quotas)
    frames = [result.lines, result.totals, result.carry, result.errors, result.conversions]
    rows = sum(len(f) for f in frames)
    json.dumps(result.to_dict())  # the result really is JSON
    size = f"{N_REPS:,} reps, {N_CREDITS:,} credits, {rows:,} rows in its frames"
    return [
        row(
            "StatementsFrames.to_dict (baseline: astype(str).to_dict('records'))",
            size,
            result.to_dict,
            lambda: _pandas_baseline(frames),
        ),
        row(
            "StatementsFrames.to_dict (baseline: numpy bound, columns tolist + zip)",
            size,
            result.to_dict,
            lambda: _numpy_bound(frames),
        ),
    ]
