"""Idle deals benchmark: ``idle_open_deals`` on 1,000,000 deals and 5,000,000 activities.

The deals and their stage changes are the review benchmark's (1,000 reps,
1M deals, about 2.5M stage changes, string ids); the activities are 5M calls,
visits and meetings over the same months, 60 % of them on a deal. salescore's
``idle_open_deals`` on the frames (validation of the three contracts
included) against two references on the same data:

- the pandas an analyst would write: filter the open deals, ``groupby().max()``
  of the stage changes and of the activities up to the cut-off, join both on
  the deal id, fall back to ``created_on``, compare, sort; no validation;
- the plain-numpy lower bound: the same on integer deal codes already
  aligned (``np.maximum.at`` twice, one comparison, one sort), no ids, no
  validation.

The benchmark checks first that all three find the same idle deals.
``SALESCORE_BENCH_IDLE`` scales the deals (and the rest with them) for a dry run.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import bench_review
from benchmarks._harness import Row, best_time, peak_mib
from salescore import datasets
from salescore.activities import idle_open_deals

SEED = 20261204
N = int(os.environ.get("SALESCORE_BENCH_IDLE", 1_000_000))
ACTIVITIES_PER_DEAL = 5
AS_OF = datetime(2026, 5, 15, 18, tzinfo=UTC)
KINDS = np.array(["call", "visit", "meeting", "follow_up_visit"], dtype=object)


def make_activities(deals: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """``ACTIVITIES_PER_DEAL`` activities per deal on average, 60 % of them on a deal."""
    rng = np.random.default_rng(seed)
    n = ACTIVITIES_PER_DEAL * len(deals)
    on = rng.integers(0, len(deals), n)
    deal = deals["id"].to_numpy(dtype=object)[on]
    deal[rng.random(n) >= 0.6] = None
    start = np.datetime64("2026-01-01T00:00:00", "s")
    seconds = rng.integers(0, 160 * 86_400, n).astype("timedelta64[s]")
    return pd.DataFrame(
        {
            "id": np.arange(n, dtype=np.int64),
            "rep_id": deals["owner_id"].to_numpy(dtype=object)[on],
            "kind": pd.Categorical(KINDS[rng.integers(0, len(KINDS), n)]),
            "occurred_at": pd.DatetimeIndex(start + seconds, tz="UTC"),
            "account_id": pd.Categorical(np.char.add("C", (on // 4).astype(str))),
            "opportunity_id": deal,
        }
    )


def pandas_idle(
    deals: pd.DataFrame, changes: pd.DataFrame, activities: pd.DataFrame, open_names: list[str]
) -> pd.DataFrame:
    """As an analyst would: two group maxima, two joins, a fallback and a comparison."""
    cutoff = pd.Timestamp(AS_OF)
    live = deals[deals["stage"].isin(open_names)].set_index("id")
    moved = changes[changes["changed_at"] <= cutoff].groupby("opportunity_id")["changed_at"].max()
    done = activities[activities["occurred_at"] <= cutoff]
    worked = done.groupby("opportunity_id")["occurred_at"].max()
    out = live.join(moved.rename("last_change_at")).join(worked.rename("last_activity_at"))
    created = pd.to_datetime(out["created_on"]).dt.tz_localize("UTC")
    out["last_change_at"] = out["last_change_at"].fillna(created)
    idle = out[out["last_activity_at"].isna() | (out["last_activity_at"] < out["last_change_at"])]
    return idle.sort_values(["last_change_at"]).reset_index()


def numpy_arrays(
    deals: pd.DataFrame, changes: pd.DataFrame, activities: pd.DataFrame, open_names: list[str]
) -> dict[str, Any]:
    """Integer deal codes and µs times, aligned once (the bound's input, not timed)."""
    ids = pd.Index(deals["id"].to_numpy(dtype=object))

    def us(values: Any) -> np.ndarray:
        return np.asarray(pd.DatetimeIndex(values).as_unit("us").asi8)

    return {
        "open": deals["stage"].isin(open_names).to_numpy(),
        "created": us(pd.to_datetime(deals["created_on"]).dt.tz_localize("UTC")),
        "change_deal": ids.get_indexer(changes["opportunity_id"].to_numpy(dtype=object)),
        "change_at": us(changes["changed_at"]),
        "activity_deal": ids.get_indexer(activities["opportunity_id"].to_numpy(dtype=object)),
        "activity_at": us(activities["occurred_at"]),
        "limit": int(pd.Timestamp(AS_OF).as_unit("us").value // 1000),
    }


def numpy_idle(a: dict[str, Any]) -> np.ndarray:
    """The bound: the positions of the idle open deals, longest idle first."""
    n = len(a["open"])
    missing = np.iinfo(np.int64).min
    last_change = np.full(n, missing)
    past = (a["change_at"] <= a["limit"]) & (a["change_deal"] >= 0)
    np.maximum.at(last_change, a["change_deal"][past], a["change_at"][past])
    last_change = np.where(last_change == missing, a["created"], last_change)
    last_activity = np.full(n, missing)
    done = (a["activity_at"] <= a["limit"]) & (a["activity_deal"] >= 0)
    np.maximum.at(last_activity, a["activity_deal"][done], a["activity_at"][done])
    idle = np.flatnonzero(a["open"] & ((last_activity == missing) | (last_activity < last_change)))
    return idle[np.argsort(last_change[idle], kind="stable")]


def run() -> list[Row]:
    bench_review.N = N
    deals, changes, _ = bench_review.data()
    activities = make_activities(deals)
    pipeline = datasets.pipeline()
    open_names = [s.name for s in pipeline.open_stages]
    arrays = numpy_arrays(deals, changes, activities, open_names)
    size = f"{len(deals):,} deals, {len(changes):,} stage changes, {len(activities):,} activities"

    def ours() -> pd.DataFrame:
        return idle_open_deals(deals, pipeline, activities, as_of=AS_OF, stage_changes=changes)

    result = ours()
    theirs = pandas_idle(deals, changes, activities, open_names)
    bound = numpy_idle(arrays)
    assert set(result["opportunity_id"]) == set(theirs["id"])
    assert set(result["opportunity_id"]) == set(deals["id"].to_numpy(dtype=object)[bound])
    t_ours = best_time(ours, repeat=1)
    t_pandas = best_time(lambda: pandas_idle(deals, changes, activities, open_names), repeat=1)
    t_numpy = best_time(lambda: numpy_idle(arrays), repeat=3)
    peak = peak_mib(ours)
    return [
        Row(
            benchmark=f"idle_open_deals on frames, validation incl. (baseline: {name})",
            size=size,
            salescore_s=t_ours,
            baseline_s=base,
            speedup=base / t_ours,
            peak_mib=peak,
        )
        for name, base in (
            ("pandas groupby.max + join", t_pandas),
            ("numpy bound, maximum.at on aligned int codes", t_numpy),
        )
    ]
