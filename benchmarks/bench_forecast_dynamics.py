"""Forecast dynamics benchmark: Markov fit and Monte Carlo simulation.

* ``MarkovModel.fit`` on 10,000,000 stage changes of 2,000,000 deals (frame
  validation included) against the plain Python an analyst would write: a
  loop over each deal's changes that looks at the deal once a week and
  counts transitions in a dict. The baseline runs on a sample of deals and is
  scaled linearly (it is linear in the number of changes).
* ``simulate`` with 10,000 runs over 100,000 open deals in one quarter, with
  and without close-date slip, against a plain Python loop over runs and
  deals with ``random.random()``, run for a sample of runs and scaled.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from benchmarks._walks import stage_walks
from salescore.calendar import Period
from salescore.forecast.markov import MarkovModel
from salescore.forecast.montecarlo import simulate
from salescore.models import Pipeline, Stage

SEED = 20260106
OPEN = ("Qualify", "Proposal", "Negotiation")
WEEK_US = 7 * 86_400_000_000


def bench_pipeline() -> Pipeline:
    """Three open stages, Won and Lost."""
    return Pipeline(
        stages=(
            Stage(name="Qualify", order=0, probability=0.1),
            Stage(name="Proposal", order=1, probability=0.35),
            Stage(name="Negotiation", order=2, probability=0.7),
            Stage(name="Won", order=3, probability=1.0, kind="won"),
            Stage(name="Lost", order=4, probability=0.0, kind="lost"),
        )
    )


def make_changes(n_deals: int, per_deal: int = 5, seed: int = SEED) -> pd.DataFrame:
    """A STAGE_CHANGES frame sorted by time: ``per_deal`` moves per deal, some won or lost."""
    w = stage_walks(n_deals, per_deal, seed, OPEN, whole_days=False)
    order = np.argsort(w.at_us.ravel(), kind="stable")  # an audit log: sorted by time
    return pd.DataFrame(
        {
            "opportunity_id": np.repeat(w.ids, per_deal)[order],
            "from_stage": w.previous.ravel()[order],
            "to_stage": w.stage.ravel()[order],
            "changed_at": pd.to_datetime(w.at_us.ravel()[order], unit="us", utc=True),
        }
    )


def loop_counts(changes: pd.DataFrame, closed: set[str], as_of_us: int) -> Counter[tuple[str, str]]:
    """Plain Python: per deal, look once a week and count transitions."""
    by_deal: dict[str, list[tuple[int, str]]] = {}
    times = changes["changed_at"].array.asi8
    for deal, at, stage in zip(changes["opportunity_id"], times, changes["to_stage"], strict=True):
        by_deal.setdefault(deal, []).append((int(at), stage))
    counts: Counter[tuple[str, str]] = Counter()
    for moves in by_deal.values():
        moves.sort()
        t0 = moves[0][0]
        previous, look, i = None, t0, 0
        while look <= as_of_us:
            while i + 1 < len(moves) and moves[i + 1][0] <= look:
                i += 1
            current = moves[i][1]
            if previous is not None:
                counts[(previous, current)] += 1
            if current in closed:
                break
            previous, look = current, look + WEEK_US
    return counts


def make_deals(n_deals: int, seed: int = SEED) -> pd.DataFrame:
    """An OPPORTUNITIES frame of open deals expected to close around 2026-Q2."""
    rng = np.random.default_rng(seed)
    created = np.datetime64("2026-01-01") + rng.integers(0, 60, n_deals).astype("timedelta64[D]")
    expected = np.datetime64("2026-03-01") + rng.integers(0, 150, n_deals).astype("timedelta64[D]")
    return pd.DataFrame(
        {
            "id": pd.Series(np.arange(n_deals)).map("O{:07d}".format).to_numpy(dtype=object),
            "owner_id": "R1",
            "amount": rng.integers(10, 5000, n_deals) * 100.0,
            "currency": "CNY",
            "stage": np.array(OPEN, dtype=object)[rng.integers(0, 3, n_deals)],
            "created_on": created.astype("datetime64[us]"),
            "expected_close_date": expected.astype("datetime64[us]"),
        }
    )


def loop_simulation(amounts: list[float], probs: list[float], runs: int) -> list[float]:
    """Plain Python: for each run, draw each deal."""
    rng = random.Random(SEED)
    return [
        sum(a for a, p in zip(amounts, probs, strict=True) if rng.random() < p) for _ in range(runs)
    ]


def run() -> list[Row]:
    """Benchmark rows at the issue's sizes."""
    pipeline = bench_pipeline()
    changes = make_changes(2_000_000)
    as_of = changes["changed_at"].max()
    sampled = pd.Series(np.arange(20_000)).map("D{:07d}".format)
    sample = changes[changes["opportunity_id"].isin(sampled)]
    closed = {"Won", "Lost"}
    rows = [
        row(
            "MarkovModel.fit weekly (validation incl.; baseline: 1% of deals x100)",
            f"{len(changes):,} changes",
            lambda: MarkovModel.fit(changes, pipeline, step="week", as_of=as_of),
            lambda: loop_counts(sample, closed, int(as_of.value // 1000)),
            repeat=1,
            baseline_scale=len(changes) / len(sample),
        )
    ]
    deals = make_deals(100_000)
    quarter = Period.quarter(2026, 2)
    table = dict(zip(OPEN, (0.1, 0.35, 0.7), strict=True))
    expected = deals["expected_close_date"]
    inside = deals[(expected >= "2026-04-01") & (expected < "2026-07-01")]
    amounts = inside["amount"].tolist()
    probs = [table[s] for s in inside["stage"]]
    runs = 20
    spreads: tuple[tuple[float | None, str], ...] = ((None, "no slip"), (14.0, "14-day slip"))
    for spread, label in spreads:

        def ours(spread: float | None = spread) -> object:
            return simulate(
                deals, pipeline, seed=1, n=10_000, period=quarter, close_date_spread=spread
            )

        rows.append(
            row(
                f"simulate 2026-Q2, {label} (baseline: plain loop, no slip, "
                f"{runs} runs x{10_000 // runs})",
                "10,000 runs x 100,000 deals",
                ours,
                lambda: loop_simulation(amounts, probs, runs),
                repeat=1,
                baseline_scale=10_000 / runs,
            )
        )
    return rows
