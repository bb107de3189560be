"""Learned probabilities benchmark: stage win rates and the naive-Bayes scorer.

* ``stage_win_rates`` per owner on 1,000,000 deals with 5,000,000 stage
  changes (frame validation included) against plain pandas: sort the
  changes, take each deal's furthest open stage and outcome with a groupby,
  and count closed and won passes per owner and stage.
* ``NaiveBayesScorer.fit`` on 1,000,000 closed deals with 10 attributes
  against plain pandas (one ``groupby(attribute)["won"].agg(["sum", "count"])``
  per attribute, then the Laplace likelihoods), and ``score`` of 1,000,000
  open deals against plain pandas (``Series.map`` of each attribute's log
  likelihoods, summed, then the normalisation).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from benchmarks._harness import Row, row
from benchmarks._walks import stage_walks
from salescore.forecast.probabilities import NaiveBayesScorer, stage_win_rates
from salescore.models import Pipeline, Stage

SEED = 20260107
OPEN = ("Qualify", "Proposal", "Negotiation")
N_ATTRIBUTES = 10


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


def make_history(
    n_deals: int, per_deal: int = 5, seed: int = SEED
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An OPPORTUNITIES frame and its STAGE_CHANGES frame: ``per_deal`` moves per deal."""
    w = stage_walks(n_deals, per_deal, seed, OPEN, whole_days=True)
    rng, ids, stage, start_day = w.rng, w.ids, w.stage, w.start_day
    changes = pd.DataFrame(
        {
            "opportunity_id": np.repeat(ids, per_deal),
            "from_stage": w.previous.ravel(),
            "to_stage": stage.ravel(),
            "changed_at": pd.to_datetime(w.at_us.ravel(), unit="us", utc=True),
        }
    )
    created = (np.datetime64("2025-01-01") + start_day.astype("timedelta64[D]")).astype(
        "datetime64[us]"
    )
    deals = pd.DataFrame(
        {
            "id": ids,
            "owner_id": np.array([f"R{i}" for i in range(50)], dtype=object)[
                rng.integers(0, 50, n_deals)
            ],
            "amount": 1000.0,
            "currency": "CNY",
            "stage": stage[:, -1],
            "created_on": created,
        }
    )
    return deals, changes


def pandas_win_rates(deals: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """Plain pandas: furthest open stage and outcome per deal, then counts per owner and stage."""
    rank = {name: i for i, name in enumerate(OPEN)}
    c = changes.sort_values(["opportunity_id", "changed_at"], kind="stable")
    c = c.assign(pos=c["to_stage"].map(rank))
    per_deal = c.groupby("opportunity_id").agg(furthest=("pos", "max"), last=("to_stage", "last"))
    per_deal = per_deal.join(deals.set_index("id")["owner_id"])
    per_deal = per_deal[per_deal["last"].isin(["Won", "Lost"])]
    rows = []
    for k, name in enumerate(OPEN):
        reached = (per_deal["last"] == "Won") | (per_deal["furthest"] >= k)
        part = per_deal[reached].groupby("owner_id")["last"]
        counted = part.agg(reached_closed="size", won=lambda s: int((s == "Won").sum()))
        rows.append(counted.assign(stage=name))
    table: pd.DataFrame = pd.concat(rows).reset_index()
    table["raw_rate"] = table["won"] / table["reached_closed"]
    return table


def make_attributes(n: int, seed: int = SEED) -> pd.DataFrame:
    """``N_ATTRIBUTES`` categorical attribute columns (5 to 50 values each) and ``won``."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    logit = np.full(n, -0.5)
    for a in range(N_ATTRIBUTES):
        k = 5 + 5 * a
        codes = rng.integers(0, k, n)
        effect = rng.normal(0, 0.5, k)
        logit += effect[codes]
        columns[f"a{a}"] = np.array([f"v{a}_{j}" for j in range(k)], dtype=object)[codes]
    columns["won"] = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(columns)


def pandas_fit(closed: pd.DataFrame, alpha: float = 1.0) -> dict[str, pd.DataFrame]:
    """Plain pandas: per attribute, won and total per value, then the Laplace likelihoods."""
    n_won = int(closed["won"].sum())
    n_lost = len(closed) - n_won
    out = {}
    for a in (f"a{i}" for i in range(N_ATTRIBUTES)):
        g = closed.groupby(a)["won"].agg(["sum", "count"])
        k = len(g)
        out[a] = pd.DataFrame(
            {
                "log_won": np.log((g["sum"] + alpha) / (n_won + alpha * k)),
                "log_lost": np.log((g["count"] - g["sum"] + alpha) / (n_lost + alpha * k)),
            }
        )
    return out


def pandas_score(
    model: dict[str, pd.DataFrame], prior: float, deals: pd.DataFrame
) -> npt.NDArray[np.float64]:
    """Plain pandas: map each attribute's log likelihoods, sum, normalise."""
    lw = np.full(len(deals), np.log(prior))
    ll = np.full(len(deals), np.log(1 - prior))
    for a, table in model.items():
        lw += deals[a].map(table["log_won"]).fillna(0.0).to_numpy(dtype=np.float64)
        ll += deals[a].map(table["log_lost"]).fillna(0.0).to_numpy(dtype=np.float64)
    out: npt.NDArray[np.float64] = 1 / (1 + np.exp(ll - lw))
    return out


def run() -> list[Row]:
    """Benchmark rows at the issue's sizes."""
    pipeline = bench_pipeline()
    deals, changes = make_history(1_000_000)
    rows = [
        row(
            "stage_win_rates by owner (validation incl.; baseline: plain pandas)",
            f"{len(deals):,} deals, {len(changes):,} changes",
            lambda: stage_win_rates(changes, pipeline, opportunities=deals, by="owner_id"),
            lambda: pandas_win_rates(deals, changes),
            repeat=1,
        )
    ]
    closed = make_attributes(1_000_000)
    attributes = [f"a{i}" for i in range(N_ATTRIBUTES)]
    rows.append(
        row(
            "NaiveBayesScorer.fit (baseline: plain pandas groupby per attribute)",
            f"{len(closed):,} closed deals x {N_ATTRIBUTES} attributes",
            lambda: NaiveBayesScorer.fit(closed, attributes),
            lambda: pandas_fit(closed),
            repeat=3,
        )
    )
    scorer = NaiveBayesScorer.fit(closed, attributes)
    open_deals = make_attributes(1_000_000, seed=SEED + 1).drop(columns="won")
    model = pandas_fit(closed)
    rows.append(
        row(
            "NaiveBayesScorer.score (baseline: plain pandas map per attribute)",
            f"{len(open_deals):,} open deals x {N_ATTRIBUTES} attributes",
            lambda: scorer.score(open_deals),
            lambda: pandas_score(model, scorer.prior, open_deals),
            repeat=3,
        )
    )
    return rows
