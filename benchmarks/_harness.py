"""Small timing helpers shared by the benchmark modules (never used by tests for timing)."""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any, TypedDict


class Row(TypedDict):
    """One line of a benchmark table."""

    benchmark: str
    size: str
    salescore_s: float
    baseline_s: float
    speedup: float
    peak_mib: float


def best_time(fn: Callable[[], Any], *, repeat: int = 3) -> float:
    """Best wall-clock time of ``repeat`` calls [seconds]."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_mib(fn: Callable[[], Any]) -> float:
    """Peak memory traced by ``tracemalloc`` during one call [MiB]."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def row(
    benchmark: str,
    size: str,
    fn: Callable[[], Any],
    baseline: Callable[[], Any] | None,
    *,
    repeat: int = 3,
    baseline_scale: float = 1.0,
) -> Row:
    """Time ``fn`` against ``baseline`` (scaled by ``baseline_scale`` when run on a sample)."""
    ours = best_time(fn, repeat=repeat)
    theirs = best_time(baseline, repeat=1) * baseline_scale if baseline else float("nan")
    return Row(
        benchmark=benchmark,
        size=size,
        salescore_s=ours,
        baseline_s=theirs,
        speedup=theirs / ours if baseline else float("nan"),
        peak_mib=peak_mib(fn),
    )


def format_table(rows: list[Row]) -> str:
    """Render rows as a Markdown table."""
    head = "| benchmark | size | salescore [s] | baseline [s] | speed-up | peak [MiB] |"
    lines = [head, "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['benchmark']} | {r['size']} | {r['salescore_s']:.3f} | {r['baseline_s']:.3f} "
            f"| {r['speedup']:.1f}x | {r['peak_mib']:.0f} |"
        )
    return "\n".join(lines)
