"""Bulk KPIs on 1,000,000 rows: deal KPIs by rep and quarter, customer churn by region."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore.calendar import Period
from salescore.kpi import customer_kpis, deal_kpis
from salescore.models import Pipeline, Stage

SEED = 5
N = 1_000_000
QUARTERS = [Period.quarter(2026, q) for q in range(1, 5)]
PIPE = Pipeline(
    stages=(
        Stage(name="Qualify", order=0, probability=0.1),
        Stage(name="Proposal", order=1, probability=0.4),
        Stage(name="Won", order=2, probability=1.0, kind="won"),
        Stage(name="Lost", order=3, probability=0.0, kind="lost"),
    )
)


def _deals(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    created = pd.Timestamp("2025-10-01") + pd.to_timedelta(rng.integers(0, 420, n), unit="D")
    stage = rng.choice(["Qualify", "Proposal", "Won", "Lost"], size=n, p=[0.2, 0.2, 0.3, 0.3])
    closed = created + pd.to_timedelta(rng.integers(0, 120, n), unit="D")
    return pd.DataFrame(
        {
            "id": np.char.add("D", np.arange(n).astype(str)),
            "owner_id": np.char.add("R", rng.integers(0, 200, n).astype(str)),
            "amount": rng.integers(1_000, 500_000, n) / 100.0,
            "currency": "CNY",
            "stage": stage,
            "created_on": created,
            "close_date": closed.where(np.isin(stage, ["Won", "Lost"])),
        }
    )


def _deals_baseline(df: pd.DataFrame) -> pd.DataFrame:
    """Per quarter: filter, then groupby().agg(), as an analyst would."""
    parts = []
    for q in QUARTERS:
        s, e = pd.Timestamp(q.start), pd.Timestamp(q.end)
        closed = df[(df["close_date"] >= s) & (df["close_date"] < e)]
        g = closed.groupby("owner_id").agg(
            won=("stage", lambda x: (x == "Won").sum()),
            lost=("stage", lambda x: (x == "Lost").sum()),
        )
        g["sales_amount"] = closed[closed["stage"] == "Won"].groupby("owner_id")["amount"].sum()
        created = df[(df["created_on"] >= s) & (df["created_on"] < e)]
        g["conversion_rate"] = created.groupby("owner_id")["stage"].apply(
            lambda x: (x == "Won").mean()
        )
        g["win_rate"] = g["won"] / (g["won"] + g["lost"])
        g["period"] = str(q)
        parts.append(g)
    return pd.concat(parts)


def _customers(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED + 1)
    since = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1200, n), unit="D")
    churned = rng.random(n) < 0.4
    until = since + pd.to_timedelta(rng.integers(30, 900, n), unit="D")
    return pd.DataFrame(
        {
            "customer_id": np.char.add("C", np.arange(n).astype(str)),
            "since": since,
            "until": until.where(churned),
            "region": rng.choice(["N", "S", "E", "W"], size=n),
        }
    )


def _customers_baseline(df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for q in QUARTERS:
        s, e = pd.Timestamp(q.start), pd.Timestamp(q.end)
        until = df["until"].fillna(pd.Timestamp.max)
        at_start = (df["since"] <= s) & (until > s)
        lost = at_start & (until < e)
        for region, g in df.assign(at_start=at_start, lost=lost).groupby("region"):
            rows.append(
                {
                    "region": region,
                    "period": str(q),
                    "churn_rate": g["lost"].sum() / g["at_start"].sum(),
                }
            )
    return pd.DataFrame(rows)


def run() -> list[Row]:
    deals = _deals(N)
    customers = _customers(N)
    size = f"{N:,} rows x 4 quarters"
    return [
        row(
            "deal_kpis by rep (baseline: filter + groupby.agg/apply)",
            size,
            lambda: deal_kpis(deals, PIPE, QUARTERS, by=["owner_id"]),
            lambda: _deals_baseline(deals),
            repeat=1,
        ),
        row(
            "customer_kpis by region (baseline: masks + groupby loop)",
            size,
            lambda: customer_kpis(customers, QUARTERS, by=["region"]),
            lambda: _customers_baseline(customers),
            repeat=1,
        ),
    ]
