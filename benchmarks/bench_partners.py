"""channel_performance on 1,000,000 deals and 20 channels, against pandas and a numpy bound."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore.calendar import Period
from salescore.models import Channel, Pipeline, Stage
from salescore.partners import channel_performance

SEED = 11
N = 1_000_000
Q = Period.quarter(2026, 1)
PREVIOUS = Period.quarter(2025, 4)
PIPE = Pipeline(
    stages=(
        Stage(name="Qualify", order=0, probability=0.1),
        Stage(name="Proposal", order=1, probability=0.4),
        Stage(name="Won", order=2, probability=1.0, kind="won"),
        Stage(name="Lost", order=3, probability=0.0, kind="lost"),
    )
)
CHANNELS = [
    Channel(
        id=f"C{i:02d}",
        name=f"Channel {i}",
        kind="reseller",
        segment="B2B",
        partner_commission_rate=round(0.02 + 0.005 * i, 3),
    )
    for i in range(20)
]


def _deals(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    created = pd.Timestamp("2025-09-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
    stage = rng.choice(["Qualify", "Proposal", "Won", "Lost"], size=n, p=[0.2, 0.2, 0.3, 0.3])
    closed = created + pd.to_timedelta(rng.integers(0, 90, n), unit="D")
    return pd.DataFrame(
        {
            "id": np.char.add("D", np.arange(n).astype(str)),
            "owner_id": np.char.add("R", rng.integers(0, 200, n).astype(str)),
            "amount": rng.integers(1_000, 500_000, n) / 100.0,
            "currency": "CNY",
            "stage": stage,
            "created_on": created,
            "close_date": closed.where(np.isin(stage, ["Won", "Lost"])),
            "channel_id": np.char.add("C", rng.integers(0, 20, n).astype(str).astype("U2")),
        }
    )


def _pandas(df: pd.DataFrame) -> pd.DataFrame:
    """As an analyst would: masks, groupby().agg(), float money, no validation."""
    rates = pd.Series({c.id: c.partner_commission_rate for c in CHANNELS})

    def won_in(p: Period) -> pd.DataFrame:
        s, e = pd.Timestamp(p.start), pd.Timestamp(p.end)
        return df[(df["close_date"] >= s) & (df["close_date"] < e)]

    now = won_in(Q)
    won = now[now["stage"] == "Won"]
    g = won.assign(cycle=(won["close_date"] - won["created_on"]).dt.days).groupby("channel_id")
    out = g.agg(won=("id", "size"), revenue=("amount", "sum"), cycle=("cycle", "mean"))
    out["lost"] = now[now["stage"] == "Lost"].groupby("channel_id").size()
    out["share"] = out["revenue"] / out["revenue"].sum()
    before = won_in(PREVIOUS)
    previous = before[before["stage"] == "Won"].groupby("channel_id")["amount"].sum()
    out["growth"] = out["revenue"] / previous - 1
    out["win_rate"] = out["won"] / (out["won"] + out["lost"])
    out["partner_margin"] = (out["revenue"] * rates).round(2)
    return out


def _numpy(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """The bound: factorised codes and bincounts over ready arrays, float money."""
    codes, _ = pd.factorize(df["channel_id"].to_numpy())
    closed = df["close_date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    created = df["created_on"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    stage = df["stage"].to_numpy()
    won, lost = stage == "Won", stage == "Lost"
    amount = df["amount"].to_numpy()
    s, e = (
        np.datetime64(Q.start, "D").astype(np.int64),
        np.datetime64(Q.end, "D").astype(np.int64),
    )
    inside = (closed >= s) & (closed < e)
    w, lo = inside & won, inside & lost
    k = int(codes.max()) + 1
    revenue = np.bincount(codes[w], weights=amount[w], minlength=k)
    n_won = np.bincount(codes[w], minlength=k)
    return {
        "won": n_won,
        "lost": np.bincount(codes[lo], minlength=k),
        "revenue": revenue,
        "cycle": np.bincount(codes[w], weights=(closed - created)[w], minlength=k) / n_won,
    }


def run() -> list[Row]:
    deals = _deals(N)
    size = f"{N:,} deals, 20 channels"

    def ours() -> object:
        return channel_performance(deals, PIPE, period=Q, previous=PREVIOUS, channels=CHANNELS)

    return [
        row(
            "channel_performance (validation incl.; baseline: pandas masks + groupby.agg)",
            size,
            ours,
            lambda: _pandas(deals),
            repeat=1,
        ),
        row(
            "channel_performance (baseline: numpy bound, bincount on ready arrays)",
            size,
            ours,
            lambda: _numpy(deals),
            repeat=1,
        ),
    ]
