"""Activities benchmark: ``activity_kpis`` of a week on 10,000,000 activities.

salescore's ``activity_kpis`` on an ``ACTIVITIES`` frame (lazy validation of
the contract included) against two references on the same data:

- the pandas an analyst would write: mask the week, ``groupby(["rep_id",
  "kind"]).size()``, join the plan and divide, no validation;
- the plain-numpy lower bound: the week's mask and one ``bincount`` over
  rep × kind codes on ready integer arrays, no ids, no validation.

Beside them, the mergeable path: ``activity_counts(chunk, period=week)`` of
ten chunks of a tenth each, added up, then ``activity_kpis`` of the sum (the
way a Dask or Spark job runs it per partition).

The activities are 2,000 reps, 200,000 accounts and 7 kinds over eight weeks;
ids are integers (read as text by the contract), reps and accounts
categorical text. ``SALESCORE_BENCH_ACTIVITIES`` shrinks the run for a dry
run.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Row, best_time, peak_mib
from salescore.activities import ACTIVITIES, ActivityCounts, activity_counts, activity_kpis
from salescore.calendar import Period
from salescore.frames import validate_frame
from salescore.models import ActivityKind

SEED = 20261203
N = int(os.environ.get("SALESCORE_BENCH_ACTIVITIES", 10_000_000))
REPS = 2_000
ACCOUNTS = 200_000
CHUNKS = 10
WEEK = Period.iso_week(2026, 12)
FIRST = np.datetime64("2026-02-23T00:00:00", "s")  # Monday of ISO week 9
KINDS = [k.value for k in ActivityKind]
PLAN = {"visit": 10, "follow_up_visit": 6, "call": 40, "meeting": 4, "demo": 2, "proposal": 1}


def make_arrays(n: int, seed: int = SEED) -> dict[str, Any]:
    """Integer arrays: rep, kind and account codes and seconds since ``FIRST``."""
    rng = np.random.default_rng(seed)
    return {
        "rep": rng.integers(0, REPS, n, dtype=np.int64),
        "kind": rng.integers(0, len(KINDS), n, dtype=np.int64),
        "account": rng.integers(0, ACCOUNTS, n, dtype=np.int64),
        "second": rng.integers(0, 8 * 7 * 86400, n, dtype=np.int64),
    }


def make_frame(a: dict[str, Any]) -> pd.DataFrame:
    """The ACTIVITIES frame of the arrays."""
    n = len(a["rep"])
    reps = pd.Index([f"R{i:04d}" for i in range(REPS)])
    accounts = pd.Index([f"C{i:06d}" for i in range(ACCOUNTS)])
    return pd.DataFrame(
        {
            "id": np.arange(n, dtype=np.int64),
            "rep_id": pd.Categorical.from_codes(a["rep"], categories=reps),
            "kind": pd.Categorical.from_codes(a["kind"], categories=pd.Index(KINDS)),
            "occurred_at": pd.DatetimeIndex(FIRST + a["second"].astype("timedelta64[s]"), tz="UTC"),
            "account_id": pd.Categorical.from_codes(a["account"], categories=accounts),
        }
    )


def pandas_kpis(df: pd.DataFrame) -> pd.DataFrame:
    """As an analyst would: mask the week, groupby size, join the plan, divide."""
    start = pd.Timestamp(WEEK.start, tz="UTC")
    end = pd.Timestamp(WEEK.end, tz="UTC")
    week = df[(df["occurred_at"] >= start) & (df["occurred_at"] < end)]
    done = (
        week.groupby([week["rep_id"].astype(str), week["kind"].astype(str)])
        .size()
        .rename("done")
        .reset_index()
    )
    plan = pd.DataFrame({"kind": list(PLAN), "target": list(PLAN.values())})
    reps = pd.DataFrame({"rep_id": done["rep_id"].unique()})
    grid = reps.merge(plan, how="cross")
    out = grid.merge(done, on=["rep_id", "kind"], how="outer")
    out["done"] = out["done"].fillna(0).astype(int)
    out["target"] = out["target"].fillna(0).astype(int)
    out["attainment"] = out["done"] / out["target"].where(out["target"] > 0)
    out["gap"] = (out["target"] - out["done"]).clip(lower=0)
    return out.sort_values(["rep_id", "kind"])


def numpy_kpis(a: dict[str, Any]) -> np.ndarray:
    """The bound: the week's mask and one bincount over rep × kind codes."""
    lo = (np.datetime64(WEEK.start, "s") - FIRST).astype(np.int64)
    hi = (np.datetime64(WEEK.end, "s") - FIRST).astype(np.int64)
    inside = (a["second"] >= lo) & (a["second"] < hi)
    flat = a["rep"][inside] * len(KINDS) + a["kind"][inside]
    done = np.bincount(flat, minlength=REPS * len(KINDS)).reshape(REPS, len(KINDS))
    target = np.array([PLAN.get(k, 0) for k in KINDS])
    return np.maximum(target - done, 0)


def _check(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """The baselines count the same: the same done per rep and kind."""
    a = dict(zip(zip(ours["rep_id"], ours["kind"], strict=True), ours["done"], strict=True))
    b = dict(zip(zip(theirs["rep_id"], theirs["kind"], strict=True), theirs["done"], strict=True))
    assert a == b


def run() -> list[Row]:
    arrays = make_arrays(N)
    df = make_frame(arrays)
    size = f"{N:,} activities, {REPS:,} reps, one week of eight"
    bounds = np.linspace(0, N, CHUNKS + 1).astype(int)
    chunks = [df.iloc[bounds[i] : bounds[i + 1]] for i in range(CHUNKS)]

    def ours() -> pd.DataFrame:
        return activity_kpis(df, PLAN, period=WEEK)

    def merged() -> pd.DataFrame:
        total = sum((activity_counts(c, period=WEEK) for c in chunks), ActivityCounts())
        return activity_kpis(total, PLAN, period=WEEK)

    result = ours()
    _check(result, pandas_kpis(df))
    pd.testing.assert_frame_equal(merged(), result)
    t_ours = best_time(ours, repeat=1)
    t_merged = best_time(merged, repeat=1)
    t_pandas = best_time(lambda: pandas_kpis(df), repeat=1)
    t_numpy = best_time(lambda: numpy_kpis(arrays), repeat=3)
    t_valid = best_time(lambda: validate_frame(df, ACTIVITIES), repeat=1)
    peak = peak_mib(ours)
    peak_merged = peak_mib(merged)

    def line(name: str, t: float, base: float, mib: float) -> Row:
        return Row(
            benchmark=name,
            size=size,
            salescore_s=t,
            baseline_s=base,
            speedup=base / t,
            peak_mib=mib,
        )

    return [
        line(
            "activity_kpis on a frame (validation incl.; baseline: pandas mask + groupby.size)",
            t_ours,
            t_pandas,
            peak,
        ),
        line(
            "activity_kpis on a frame (baseline: numpy bound, bincount on ready int arrays)",
            t_ours,
            t_numpy,
            peak,
        ),
        Row(
            benchmark="of which: ACTIVITIES validation (validate_frame, no baseline)",
            size=size,
            salescore_s=t_valid,
            baseline_s=float("nan"),
            speedup=float("nan"),
            peak_mib=float("nan"),
        ),
        line(
            f"activity_counts of {CHUNKS} chunks, summed, then activity_kpis "
            "(baseline: pandas mask + groupby.size)",
            t_merged,
            t_pandas,
            peak_merged,
        ),
    ]
