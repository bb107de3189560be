"""SMART validation of a 10,000-target tree with five years of history each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore.calendar import Period
from salescore.models import Owner, Target
from salescore.smart import assess_tree

SEED = 4
N_TARGETS = 10_000
YEARS = 5


def _data(n: int) -> tuple[list[Target], pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    company = Target(
        id="CO",
        metric="revenue",
        value=Decimal(n) * 1_000_000,
        currency="CNY",
        direction="at_least",
        period=Period.year(2026),
        owner=Owner(kind="company"),
    )
    targets = [company]
    values = rng.integers(500_000, 1_500_000, size=n)
    for i in range(n):
        targets.append(
            Target(
                id=f"R{i}",
                metric="revenue",
                value=Decimal(int(values[i])),
                currency="CNY",
                direction="at_least",
                period=Period.year(2026),
                owner=Owner(kind="rep", id=f"R{i}"),
                parent_id="CO",
            )
        )
    ids = np.repeat([f"R{i}" for i in range(n)], YEARS)
    years = np.tile(np.arange(2026 - YEARS, 2026), n)
    growth = rng.normal(0.08, 0.05, size=(n, YEARS)).cumsum(axis=1)
    history = pd.DataFrame(
        {
            "target_id": ids,
            "start": [date(int(y), 1, 1) for y in years],
            "end": [date(int(y) + 1, 1, 1) for y in years],
            "value": (800_000 * np.exp(growth)).ravel().round(2),
            "currency": "CNY",
        }
    )
    return targets, history


def _baseline(targets: list[Target], history: pd.DataFrame) -> pd.DataFrame:
    """What an analyst would write: a groupby-apply over each target's history."""
    goals = {t.id: t for t in targets}

    def judge(tid: str, g: pd.DataFrame) -> pd.Series:
        g = g.sort_values("start")
        growth = g["value"].pct_change().dropna()
        target = goals[tid]
        required = float(target.value or 0) / g["value"].iloc[-1] - 1
        pct = (growth < required).mean()
        z = (required - growth.mean()) / growth.std()
        return pd.Series(
            {
                "percentile": pct,
                "z": z,
                "over": pct > 0.9,
                "limit": g["value"].iloc[-1] * (1 + growth.quantile(0.9)),
                "complete": all(
                    x is not None
                    for x in (target.metric, target.value, target.owner, target.period)
                ),
            }
        )

    return pd.DataFrame([judge(str(tid), g) for tid, g in history.groupby("target_id")])


def run() -> list[Row]:
    targets, history = _data(N_TARGETS)
    size = f"{N_TARGETS:,} targets x {YEARS} yrs"
    sample_n = 1_000
    sample_t, sample_h = (
        targets[: sample_n + 1],
        history[history["target_id"].isin({t.id for t in targets[: sample_n + 1]})],
    )
    return [
        row(
            "assess_tree (baseline: groupby-apply on 1,000, scaled x10)",
            size,
            lambda: assess_tree(targets, history=history, as_of=date(2026, 1, 15)),
            lambda: _baseline(sample_t, sample_h),
            repeat=1,
            baseline_scale=N_TARGETS / sample_n,
        )
    ]
