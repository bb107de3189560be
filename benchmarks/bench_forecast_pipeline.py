"""Pipeline forecast benchmark: weighted forecast and forecast-category roll-ups.

* ``weighted`` on an OPPORTUNITIES frame of 1,000,000 open deals (5,000
  owners, 4 channels, 10% with their own probability) plus 50,000 won deals,
  frame validation included, against (a) the plain pandas an analyst would
  write (float64 ``amount * probability``, three ``groupby().sum()``, no
  validation, no exactness) and (b) a per-row Python loop in Decimal, run on a
  sample and scaled.
* ``weighted`` against (c) the numpy lower bound on the same frame: stage
  codes, date masks, probabilities by code, integer minor units, one dot
  product and a ``bincount`` per breakdown (no validation, no exactness
  beyond the cent), both with frame validation and on a ``CheckedFrame``
  checked beforehand (the validate-once path).
* ``forecast_categories`` on the same deals rolled up a tree of 111 teams
  (one root, 10 regions, 100 teams of 50 reps), against a pandas pivot by
  owner and category followed by a Python walk up the tree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore.calendar import Period
from salescore.forecast.categories import forecast_categories
from salescore.forecast.weighted import weighted
from salescore.frames import OPPORTUNITIES, CheckedFrame
from salescore.models import Organization, Pipeline, Rep, Stage, Team

SEED = 20260107
OPEN = ("Qualify", "Proposal", "Negotiation", "Commit")
CATEGORY = {
    "Qualify": "Pipeline",
    "Proposal": "Pipeline",
    "Negotiation": "Best Case",
    "Commit": "Commit",
    "Won": "Closed",
}
PROBABILITY = {"Qualify": 0.1, "Proposal": 0.35, "Negotiation": 0.6, "Commit": 0.85}
OWNERS = 5_000
CHANNELS = ("direct", "partner", "online", None)


def bench_pipeline() -> Pipeline:
    """Four open stages with their categories, Won and Lost."""
    stages = [
        Stage(name=name, order=i, probability=PROBABILITY[name], forecast_category=CATEGORY[name])
        for i, name in enumerate(OPEN)
    ]
    stages.append(Stage(name="Won", order=4, probability=1.0, kind="won"))
    stages.append(Stage(name="Lost", order=5, probability=0.0, kind="lost"))
    return Pipeline(stages=tuple(stages))


def bench_org() -> Organization:
    """One root, 10 regions, 100 teams, 50 reps per team."""
    teams = [Team(id="sales", name="Sales")]
    teams += [Team(id=f"G{g}", name=f"Region {g}", parent_id="sales") for g in range(10)]
    teams += [Team(id=f"T{t:03d}", name=f"Team {t}", parent_id=f"G{t // 10}") for t in range(100)]
    reps = [Rep(id=f"R{r:04d}", name=f"Rep {r}", team_id=f"T{r // 50:03d}") for r in range(OWNERS)]
    return Organization(teams=tuple(teams), reps=tuple(reps))


def make_deals(n_open: int, n_won: int, seed: int = SEED) -> pd.DataFrame:
    """An OPPORTUNITIES frame: ``n_open`` open deals around 2026-Q2 and ``n_won`` won ones."""
    rng = np.random.default_rng(seed)
    n = n_open + n_won
    stage = np.array(OPEN, dtype=object)[rng.integers(0, len(OPEN), n)]
    stage[n_open:] = "Won"
    created = np.datetime64("2026-01-01") + rng.integers(0, 60, n).astype("timedelta64[D]")
    expected = np.datetime64("2026-03-01") + rng.integers(0, 150, n).astype("timedelta64[D]")
    closed = pd.Series(pd.NaT, index=range(n), dtype="datetime64[us]")
    closed.iloc[n_open:] = (
        np.datetime64("2026-03-01") + rng.integers(0, 90, n_won).astype("timedelta64[D]")
    ).astype("datetime64[us]")
    own = rng.random(n) < 0.1
    owners = np.array([f"R{r:04d}" for r in range(OWNERS)], dtype=object)
    return pd.DataFrame(
        {
            "id": pd.Series(np.arange(n)).map("O{:07d}".format).to_numpy(dtype=object),
            "owner_id": owners[rng.integers(0, OWNERS, n)],
            "amount": rng.integers(1_000, 10_000_000, n) / 100.0,
            "currency": "CNY",
            "stage": stage,
            "created_on": created.astype("datetime64[us]"),
            "expected_close_date": expected.astype("datetime64[us]"),
            "close_date": closed.to_numpy(),
            "channel_id": np.array(CHANNELS, dtype=object)[rng.integers(0, len(CHANNELS), n)],
            "probability": np.where(own, rng.integers(0, 101, n) / 100.0, np.nan),
        }
    )


def pandas_weighted(df: pd.DataFrame, start: str, end: str) -> dict[str, pd.Series]:
    """Plain pandas in float64: filter, weight, three group-bys."""
    expected, closed = df["expected_close_date"], df["close_date"]
    is_open = df["stage"].isin(OPEN)
    open_in = df[is_open & (expected >= start) & (expected < end)]
    won_in = df[(df["stage"] == "Won") & (closed >= start) & (closed < end)]
    p = open_in["probability"].fillna(open_in["stage"].map(PROBABILITY))
    value = pd.concat([open_in["amount"] * p, won_in["amount"]])
    keys = pd.concat([open_in, won_in])
    return {
        key: value.groupby(keys[key].fillna("(none)")).sum()
        for key in ("stage", "owner_id", "channel_id")
    }


def loop_weighted(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, Decimal]:
    """Plain Python in Decimal: one pass over the rows, totals by owner."""
    out: dict[str, Decimal] = {}
    columns = ("owner_id", "amount", "stage", "expected_close_date", "close_date", "probability")
    for owner, amount, stage, expected, closed, p in zip(
        *(df[c].tolist() for c in columns), strict=True
    ):
        if stage == "Won":
            value = Decimal(repr(amount)) if start <= closed < end else Decimal(0)
        elif stage in PROBABILITY and start <= expected < end:
            prob = PROBABILITY[stage] if p != p else p  # NaN: the stage default
            value = Decimal(repr(amount)) * Decimal(repr(prob))
        else:
            continue
        out[owner] = out.get(owner, Decimal(0)) + value
    return out


def numpy_bound(df: pd.DataFrame, start: np.datetime64, end: np.datetime64) -> dict[str, Any]:
    """The least work the weighted result needs, on the frame's own columns.

    Stage, owner and channel codes (one factorize each), the period masks,
    each deal's probability (its own, else its stage's), the amounts in
    integer minor units and their weighted sum, then one ``bincount`` per
    breakdown.
    """
    stage, names = pd.factorize(df["stage"].to_numpy())
    by_name = np.array([PROBABILITY.get(str(n), 1.0) for n in names])
    won = np.array([str(n) == "Won" for n in names])[stage]
    is_open = np.array([str(n) in OPEN for n in names])[stage]
    expected = df["expected_close_date"].to_numpy()
    closed = df["close_date"].to_numpy()
    open_in = is_open & (expected >= start) & (expected < end)
    won_in = won & (closed >= start) & (closed < end)
    own = df["probability"].to_numpy()
    p = np.where(np.isnan(own), by_name[stage], own)
    minor = np.rint(df["amount"].to_numpy() * 100.0)
    value = np.where(open_in, minor * p, 0.0) + np.where(won_in, minor, 0.0)
    owner, _ = pd.factorize(df["owner_id"].to_numpy())
    channel, _ = pd.factorize(df["channel_id"].to_numpy(), use_na_sentinel=False)
    return {
        "weighted": float(value[open_in].sum()),
        "won": float(minor[won_in].sum()),
        "pipeline": float(minor[open_in].sum()),
        "by_stage": np.bincount(stage, value, len(names)),
        "by_owner": np.bincount(owner, value),
        "by_channel": np.bincount(channel, value),
    }


def pandas_categories(df: pd.DataFrame, org: Organization) -> dict[str, pd.Series]:
    """Pivot by owner and category, then walk up the team tree in Python."""
    category = df["stage"].map(CATEGORY).fillna("Omitted")
    pivot = df.pivot_table(
        index="owner_id", columns=category, values="amount", aggfunc="sum", fill_value=0.0
    )
    team_of = {r.id: r.team_id for r in org.reps}
    parent = {t.id: t.parent_id for t in org.teams}
    totals: dict[str, pd.Series] = {}
    for owner, amounts in pivot.iterrows():
        node: str | None = team_of.get(str(owner))
        while node is not None:
            totals[node] = totals[node] + amounts if node in totals else amounts.copy()
            node = parent[node]
    return totals


def run() -> list[Row]:
    """Benchmark rows at the issue's sizes."""
    pipeline = bench_pipeline()
    deals = make_deals(1_000_000, 50_000)
    quarter = Period.quarter(2026, 2)
    start, end = pd.Timestamp(quarter.start), pd.Timestamp(quarter.end)
    sample = deals.sample(50_000, random_state=1)
    org = bench_org()
    checked = CheckedFrame.of(deals, OPPORTUNITIES)
    lo, hi = np.datetime64(quarter.start, "us"), np.datetime64(quarter.end, "us")
    bound = numpy_bound(deals, lo, hi)
    result = weighted(checked, pipeline, period=quarter)
    # The bound computes the same numbers (to the cent of float rounding).
    assert abs(bound["weighted"] / 100 - float(result.weighted.amount)) < 1.0
    assert bound["won"] / 100 == float(result.won.amount)
    return [
        row(
            "weighted, frame validation incl. (baseline: numpy bound on the same frame)",
            "1,000,000 open + 50,000 won deals",
            lambda: weighted(deals, pipeline, period=quarter),
            lambda: numpy_bound(deals, lo, hi),
        ),
        row(
            "weighted on a CheckedFrame (baseline: numpy bound on the same frame)",
            "1,000,000 open + 50,000 won deals",
            lambda: weighted(checked, pipeline, period=quarter),
            lambda: numpy_bound(deals, lo, hi),
        ),
        row(
            "weighted, frame validation incl. (baseline: plain pandas float64 groupby)",
            "1,000,000 open + 50,000 won deals",
            lambda: weighted(deals, pipeline, period=quarter),
            lambda: pandas_weighted(deals, "2026-04-01", "2026-07-01"),
        ),
        row(
            "weighted (baseline: per-row Decimal loop on 50,000 rows, scaled)",
            "1,000,000 open + 50,000 won deals",
            lambda: weighted(deals, pipeline, period=quarter),
            lambda: loop_weighted(sample, start, end),
            baseline_scale=len(deals) / len(sample),
        ),
        row(
            "forecast_categories up a 111-team tree (baseline: pandas pivot + tree walk)",
            "1,050,000 deals x 5,000 reps",
            lambda: forecast_categories(deals, pipeline, period=quarter, org=org),
            lambda: pandas_categories(deals, org),
        ),
    ]
