"""Benchmark: id and text columns at the frame boundary, by input dtype.

``validate_frame`` of an ``OPPORTUNITIES`` and an ``ACTIVITIES`` frame whose
id and name columns come as ``int64`` (ids only), object ``str``,
``category`` and ``string[pyarrow]``, against the plain-numpy bound on the
same columns: take or compute integer codes (``.cat.codes`` or
``pd.factorize``), one ``bincount`` of the unique column's codes, the float
and date checks as single numpy passes on ready arrays. The bound checks far
less (no blanks, no allowed sets, no failure table, no canonical output
column) and is the least work any validation of those columns costs.

Both wall-clock and CPU time (``time.process_time``) are reported: the
machine is shared, and CPU time is the steadier of the two.

``SALESCORE_BENCH_IDS`` sets the row counts (comma separated, default
``1000000,4000000``). ``SALESCORE_BENCH_FRAMES_BEFORE`` may name another
``frames.py`` (e.g. the previous release's) to time beside the current one
in the same run: it is loaded as a module of its own and given the same
contracts.

Run with ``PYTHONPATH=src:. .venv/bin/python -m benchmarks.bench_frame_ids``.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Row, peak_mib
from salescore.activities import ACTIVITIES
from salescore.frames import OPPORTUNITIES, FrameContract, validate_frame
from salescore.models import ActivityKind

SEED = 20261204
SIZES = tuple(int(n) for n in os.environ.get("SALESCORE_BENCH_IDS", "1000000,4000000").split(","))
DTYPES = ("int64", "object", "category", "string[pyarrow]")
REPS = 2_000
ACCOUNTS = 200_000

Validate = Callable[[pd.DataFrame, FrameContract], pd.DataFrame]


def _text(values: Any, dtype: str) -> Any:
    """Integer codes as text ids of ``dtype`` (``int64`` keeps the integers)."""
    if dtype == "int64":
        return np.asarray(values, dtype=np.int64)
    labels = pd.Series(np.asarray(values)).map("{:d}".format) if dtype != "category" else None
    if dtype == "object":
        return np.asarray(labels, dtype=object)
    if dtype == "string[pyarrow]":
        return pd.Series(labels, dtype="string[pyarrow]").array
    uniques, codes = np.unique(values, return_inverse=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index([f"{u:d}" for u in uniques]))


def arrays(n: int, seed: int = SEED) -> dict[str, Any]:
    """The integer codes both frames are made of."""
    rng = np.random.default_rng(seed)
    return {
        "id": rng.permutation(n).astype(np.int64),
        "rep": rng.integers(0, REPS, n),
        "account": rng.integers(0, ACCOUNTS, n),
        "kind": rng.integers(0, 7, n),
        "second": rng.integers(0, 56 * 86400, n),
        "amount": np.round(rng.lognormal(10, 1, n), 2),
        "currency": rng.integers(0, 4, n),
        "stage": rng.integers(0, 5, n),
        "day": rng.integers(0, 730, n),
    }


def activities(a: dict[str, Any], dtype: str) -> pd.DataFrame:
    kinds = np.array([k.value for k in ActivityKind])
    return pd.DataFrame(
        {
            "id": _text(a["id"], dtype),
            "rep_id": _text(a["rep"], dtype),
            "kind": pd.Categorical.from_codes(a["kind"], categories=pd.Index(kinds)),
            "occurred_at": pd.DatetimeIndex(
                np.datetime64("2026-02-23T00:00:00", "s") + a["second"].astype("timedelta64[s]"),
                tz="UTC",
            ),
            "account_id": _text(a["account"], dtype),
        }
    )


def opportunities(a: dict[str, Any], dtype: str) -> pd.DataFrame:
    created = np.datetime64("2024-01-01") + a["day"].astype("timedelta64[D]")
    text = "str" if dtype == "int64" else dtype  # currency and stage as the ids, or str
    currencies = np.array(["CNY", "USD", "EUR", "JPY"], dtype=object)[a["currency"]]
    stages = np.array(["Qualify", "Proposal", "Negotiation", "Won", "Lost"], dtype=object)
    return pd.DataFrame(
        {
            "id": _text(a["id"], dtype),
            "owner_id": _text(a["rep"], dtype),
            "amount": a["amount"],
            "currency": pd.Series(currencies, dtype=object if dtype == "object" else text),
            "stage": pd.Series(stages[a["stage"]], dtype=object if dtype == "object" else text),
            "created_on": created.astype("datetime64[us]"),
            "account_id": _text(a["account"], dtype),
        }
    )


def numpy_bound(df: pd.DataFrame, ids: tuple[str, ...]) -> None:
    """Codes of each id column, a bincount of the first (the unique one), numeric checks."""
    for i, name in enumerate(ids):
        s = df[name]
        codes = s.cat.codes.to_numpy() if isinstance(s.dtype, pd.CategoricalDtype) else None
        if codes is None:
            codes, _ = pd.factorize(s.array)
        if i == 0:
            np.bincount(codes[codes >= 0]).max()
    if "amount" in df:
        amount = df["amount"].to_numpy()
        (np.isnan(amount) | (amount < 0)).any()
    for name in ("created_on", "occurred_at"):
        if name in df:
            ticks = df[name].array.asi8
            (ticks == np.iinfo(np.int64).min).any()


def timed(fn: Callable[[], Any], repeat: int = 2) -> tuple[float, float]:
    """Best wall-clock and CPU seconds of ``repeat`` calls."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        gc.collect()
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu


def _before() -> Validate | None:
    path = os.environ.get("SALESCORE_BENCH_FRAMES_BEFORE")
    if not path:
        return None
    spec = importlib.util.spec_from_file_location("salescore._frames_before", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    before: Validate = module.validate_frame
    return before


CASES: tuple[tuple[str, FrameContract, Callable[..., pd.DataFrame], tuple[str, ...]], ...] = (
    ("OPPORTUNITIES", OPPORTUNITIES, opportunities, ("id", "owner_id", "account_id")),
    ("ACTIVITIES", ACTIVITIES, activities, ("id", "rep_id", "account_id")),
)


def _record(
    df: pd.DataFrame, contract: FrameContract, ids: tuple[str, ...], before: Validate | None
) -> dict[str, Any]:
    new = validate_frame(df, contract)
    rec: dict[str, Any] = {}
    if before is not None:
        pd.testing.assert_frame_equal(before(df, contract), new)
        rec["before"] = timed(lambda: before(df, contract))
    rec["after"] = timed(lambda: validate_frame(df, contract))
    rec["bound"] = timed(lambda: numpy_bound(df, ids), repeat=3)
    rec["peak_mib"] = peak_mib(lambda: validate_frame(df, contract))
    return rec


def measure() -> list[dict[str, Any]]:
    """One record per contract, size and id dtype: before, after and bound, wall and CPU."""
    before = _before()
    records: list[dict[str, Any]] = []
    for n in SIZES:
        a = arrays(n)
        for name, contract, make, ids in CASES:
            for dtype in DTYPES:
                rec = {"contract": name, "rows": n, "ids": dtype}
                rec.update(_record(make(a, dtype), contract, ids, before))
                records.append(rec)
                print(_line(rec), flush=True)
    return records


def _line(r: dict[str, Any]) -> str:
    b = r.get("before", (float("nan"), float("nan")))
    w, c = r["after"]
    bw, bc = r["bound"]
    return (
        f"| {r['contract']} | {r['rows']:,} | {r['ids']} | {b[0]:.2f} / {b[1]:.2f} "
        f"| {w:.2f} / {c:.2f} | {bw:.2f} / {bc:.2f} | {w / bw:.1f}x | {r['peak_mib']:.0f} |"
    )


HEAD = (
    "| contract | rows | ids given as | before: wall / CPU [s] | after: wall / CPU [s] "
    "| numpy bound: wall / CPU [s] | after / bound (wall) | peak [MiB] |\n"
    "|---|---:|---|---:|---:|---:|---:|---:|"
)


def run() -> list[Row]:
    """Rows for the shared table: salescore against the numpy bound."""
    rows: list[Row] = []
    for r in measure():
        w, _ = r["after"]
        bw, _ = r["bound"]
        rows.append(
            Row(
                benchmark=f"validate_frame {r['contract']}, ids as {r['ids']} (baseline: numpy "
                "bound, codes + bincount)",
                size=f"{r['rows']:,}",
                salescore_s=w,
                baseline_s=bw,
                speedup=bw / w,
                peak_mib=r["peak_mib"],
            )
        )
    return rows


if __name__ == "__main__":
    print(HEAD)
    measure()
