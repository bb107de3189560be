"""Funnel benchmark: 10,000,000 stage changes over 2,000,000 opportunities.

salescore's ``funnel_frame`` (validation included) against the plain pandas
an analyst would write: ``groupby("opportunity_id").apply`` a function that
walks one deal's history, then count per stage. The baseline runs on a
sample of deals and is scaled up linearly (it is linear in the deal count).
"""

from __future__ import annotations

import importlib
import itertools
import os
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore.funnel import funnel_frame
from salescore.models import Pipeline, Stage

SEED = 20260105
OPEN = ("Qualify", "Discovery", "Proposal", "Negotiation", "Legal")


def bench_pipeline() -> Pipeline:
    """Five open stages, Won and Lost."""
    stages = [Stage(name=n, order=i, probability=0.1 + 0.15 * i) for i, n in enumerate(OPEN)]
    stages.append(Stage(name="Won", order=5, probability=1.0, kind="won"))
    stages.append(Stage(name="Lost", order=6, probability=0.0, kind="lost"))
    return Pipeline(stages=tuple(stages))


def make_data(n_deals: int, n_changes: int, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Opportunities and stage changes with skips, regressions, wins and losses."""
    rng = np.random.default_rng(seed)
    names = np.array([*OPEN, "Won", "Lost"], dtype=object)
    m = len(OPEN)
    # Changes per deal: 1 + multinomial spread of the rest, summing exactly to n_changes.
    per_deal = 1 + rng.multinomial(n_changes - n_deals, np.full(n_deals, 1.0 / n_deals))
    deal = np.repeat(np.arange(n_deals), per_deal)
    first = np.r_[0, np.cumsum(per_deal)[:-1]]
    last = np.cumsum(per_deal) - 1
    # Moves forward one stage (mostly), skip one, or step back one; never stay.
    step = rng.choice([1, 2, m - 1], size=n_changes, p=[0.8, 0.1, 0.1])
    step[first] = 0
    walk = np.cumsum(step)
    walk -= np.repeat(walk[first], per_deal)
    pos = walk % m
    outcome = rng.choice([0, 1, 2], size=n_deals, p=[0.3, 0.3, 0.4])  # open, won, lost
    stage = names[pos]
    stage[last[outcome == 1]] = "Won"
    stage[last[outcome == 2]] = "Lost"
    prev = np.empty(n_changes, dtype=object)
    prev[1:] = stage[:-1]
    prev[first] = None
    created = np.datetime64("2024-01-01") + rng.integers(0, 700, n_deals).astype("timedelta64[D]")
    hours = rng.integers(1, 24 * 40, n_changes)
    hours[first] = 9
    at = np.repeat(created.astype("datetime64[h]"), per_deal) + np.cumsum(hours).astype(
        "timedelta64[h]"
    )
    at -= np.repeat(np.cumsum(hours)[first] - 9, per_deal).astype("timedelta64[h]")
    ids = pd.Series(np.arange(n_deals)).map("D{:07d}".format)
    closed = outcome > 0
    close_date = np.where(
        closed, at[last].astype("datetime64[D]") + np.timedelta64(0, "D"), np.datetime64("NaT")
    )
    opportunities = pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "owner_id": rng.choice(np.array([f"R{i:03d}" for i in range(200)]), n_deals),
            "amount": rng.integers(10, 5000, n_deals) * 100.0,
            "currency": "CNY",
            "stage": stage[last],
            "created_on": created.astype("datetime64[us]"),
            "close_date": close_date.astype("datetime64[us]"),
        }
    )
    changes = pd.DataFrame(
        {
            "opportunity_id": ids.to_numpy()[deal],
            "from_stage": prev,
            "to_stage": stage,
            "changed_at": pd.DatetimeIndex(at.astype("datetime64[us]")).tz_localize("UTC"),
        }
    )
    return opportunities, changes


def baseline_funnel(opportunities: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """The pandas an analyst would write: walk each deal's history in a groupby-apply."""
    rank = {name: i for i, name in enumerate(OPEN)}

    def one_deal(history: pd.DataFrame) -> pd.Series:
        history = history.sort_values("changed_at")
        stages = history["to_stage"].tolist()
        reached = max((rank[s] for s in stages if s in rank), default=0)
        final = stages[-1]
        if final == "Won":
            reached = len(OPEN)
        regressions = sum(
            1
            for a, b in itertools.pairwise(stages)
            if a in rank and b in rank and rank[b] < rank[a]
        )
        return pd.Series({"reached": reached, "final": final, "regressions": regressions})

    per_deal = changes.groupby("opportunity_id").apply(one_deal)
    per_deal = per_deal.join(opportunities.set_index("id")["amount"])
    rows = []
    for k, name in enumerate(OPEN):
        entered = per_deal[per_deal["reached"] >= k]
        rows.append(
            {
                "stage": name,
                "entered": len(entered),
                "entered_amount": entered["amount"].sum(),
                "advanced": int((entered["reached"] > k).sum()),
                "lost": int(((entered["reached"] == k) & (entered["final"] == "Lost")).sum()),
            }
        )
    table = pd.DataFrame(rows)
    table["conversion"] = table["advanced"] / table["entered"]
    return table


def numpy_bound(
    deal: np.ndarray,
    stage: np.ndarray,
    moment: np.ndarray,
    current: np.ndarray,
    amount_minor: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The least numpy work of the funnel on integer codes given.

    Changes in history order (one lexsort on deal and time, which regressions
    and time in stage need), the furthest open stage each deal reached, then
    deals and exact minor-unit amounts entering each stage and the regressions
    (a ``bincount`` each). ``stage`` holds open-stage positions, -1 for Won and
    Lost; ``current`` the deal's stage the same way.
    """
    m = len(OPEN)
    order = np.lexsort((moment, deal))
    deal, stage = deal[order], stage[order]
    reached = np.full(len(current), -1, dtype=np.int64)
    np.maximum.at(reached, deal, stage)
    # Every deal enters the first open stage, even one lost before its first move.
    reached = np.maximum(np.maximum(reached, current), 0)
    won = current == -2
    reached[won] = m
    per_stage = np.bincount(reached + 1, minlength=m + 2)[1:]
    entered = per_stage[::-1].cumsum()[::-1][:m]
    amount = np.bincount(reached + 1, weights=amount_minor, minlength=m + 2)[1:]
    same_deal = deal[1:] == deal[:-1]
    back = same_deal & (stage[1:] >= 0) & (stage[:-1] >= 0) & (stage[1:] < stage[:-1])
    regressions = np.bincount(stage[:-1][back], minlength=m)
    return entered, amount[::-1].cumsum()[::-1][:m], regressions


def bound_arrays(opportunities: pd.DataFrame, changes: pd.DataFrame) -> dict[str, np.ndarray]:
    """The integer codes the bound runs on: text ids and stages encoded once, in Arrow.

    ``pyarrow.compute.index_in`` finds each change's deal in one C++ hash table
    of the deal ids (the fastest encoding at hand for pandas' Arrow-backed text).
    """
    pa: Any = importlib.import_module("pyarrow")  # the dask extra has it (untyped)
    pc: Any = importlib.import_module("pyarrow.compute")

    def arrow(column: pd.Series) -> Any:
        return pa.array(column.astype("string[pyarrow]").array).cast(pa.large_string())

    codes = {name: i for i, name in enumerate(OPEN)} | {"Won": -2, "Lost": -1}
    names = pa.array(list(codes), type=pa.large_string())
    stage_code = np.array(list(codes.values()), dtype=np.int64)

    def positions(values: pd.Series, keys: Any) -> np.ndarray:
        found = pc.index_in(arrow(values), value_set=keys)
        return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)

    return {
        "deal": positions(changes["opportunity_id"], arrow(opportunities["id"])),
        "stage": stage_code[positions(changes["to_stage"], names)],
        "moment": changes["changed_at"].to_numpy(dtype="datetime64[us]").view(np.int64),
        "current": stage_code[positions(opportunities["stage"], names)],
        "amount_minor": np.round(opportunities["amount"].to_numpy() * 100),
    }


def _as_categories(
    opportunities: pd.DataFrame, changes: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same frames with every text column as a ``category`` (ids sharing categories)."""
    deal_ids = opportunities["id"].astype("category")
    opps = opportunities.assign(
        id=deal_ids,
        owner_id=opportunities["owner_id"].astype("category"),
        stage=opportunities["stage"].astype("category"),
    )
    history = changes.assign(
        opportunity_id=pd.Categorical(
            changes["opportunity_id"], categories=deal_ids.cat.categories
        ),
        from_stage=changes["from_stage"].astype("category"),
        to_stage=changes["to_stage"].astype("category"),
    )
    return opps, history


def run() -> list[Row]:
    """Time funnel_frame at full size against a sampled, scaled groupby-apply baseline."""
    n_deals = int(os.environ.get("BENCH_FUNNEL_DEALS", 2_000_000))
    n_changes = 5 * n_deals
    sample = max(1, n_deals // 100)
    pipeline = bench_pipeline()
    opportunities, changes = make_data(n_deals, n_changes)
    small_opps, small_changes = make_data(sample, 5 * sample, seed=SEED + 1)
    arrays = bound_arrays(opportunities, changes)
    categorical = _as_categories(opportunities, changes)
    size = f"{n_changes:,} changes / {n_deals:,} deals"
    bounds = [
        row(
            "funnel_frame history vs numpy bound on integer codes",
            size,
            lambda: funnel_frame(opportunities, pipeline, stage_changes=changes),
            lambda: numpy_bound(**arrays),
            repeat=1,
        ),
        row(
            "funnel_frame history, category ids, vs numpy bound on integer codes",
            size,
            lambda: funnel_frame(categorical[0], pipeline, stage_changes=categorical[1]),
            lambda: numpy_bound(**arrays),
            repeat=1,
        ),
        row(
            "funnel_frame history vs numpy bound that encodes the text ids (pyarrow)",
            size,
            lambda: funnel_frame(opportunities, pipeline, stage_changes=changes),
            lambda: numpy_bound(**bound_arrays(opportunities, changes)),
            repeat=1,
        ),
    ]
    if os.environ.get("BENCH_FUNNEL_BOUND_ONLY"):
        return bounds
    return [
        *bounds,
        row(
            f"funnel_frame history (baseline: groupby-apply on {sample:,} deals"
            f" x{n_deals // sample})",
            f"{n_changes:,} changes / {n_deals:,} deals",
            lambda: funnel_frame(opportunities, pipeline, stage_changes=changes),
            lambda: baseline_funnel(small_opps, small_changes),
            repeat=1,
            baseline_scale=n_deals / sample,
        ),
        row(
            "funnel_frame snapshot (no baseline)",
            f"{n_deals:,} deals",
            lambda: funnel_frame(opportunities, pipeline, source="snapshot"),
            None,
            repeat=1,
        ),
    ]
