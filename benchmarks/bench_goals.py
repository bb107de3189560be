"""The plan matrix of a large organisation: 10,000 reps x the weeks of a year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore.calendar import Period
from salescore.goals import allocate, decompose, plan_matrix
from salescore.goals.allocate import working_time_units
from salescore.models import Rep, Target
from salescore.money import Money

SEED = 11
N_REPS = 10_000


def _reps(n: int) -> list[Rep]:
    rng = np.random.default_rng(SEED)
    hires = rng.integers(0, 900, size=n)
    capacity = rng.choice([0.5, 0.8, 1.0], size=n)
    return [
        Rep(
            id=f"R{i:05d}",
            name=f"Rep {i}",
            hire_date=date(2024, 1, 1) + pd.Timedelta(days=int(hires[i])).to_pytimedelta(),
            capacity=float(capacity[i]),
            ramp=(0.25, 0.5, 0.75),
        )
        for i in range(n)
    ]


def _target(n: int) -> Target:
    return Target(
        id="FY26",
        metric="revenue",
        value=Decimal(n) * 500_000,
        currency="CNY",
        period=Period.year(2026),
    )


def _baseline(target: Target, reps: list[Rep]) -> pd.DataFrame:
    """What an analyst would write: allocate, then split each rep's share over weeks.

    Rows add up; columns do not (each rep's rounding drifts on its own), and
    a rep hired in July still gets January weeks.
    """
    weeks = decompose(target, "week")
    shares = [w.value for w in weeks]
    rows = {}
    for part in allocate(target, reps, method="capacity"):
        assert part.value is not None
        assert part.owner is not None
        money = Money(amount=part.value, currency="CNY")
        rows[part.owner.id] = [m.amount for m in money.allocate(shares)]
    return pd.DataFrame.from_dict(rows, orient="index")


def _numpy_bound(seed: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The least work a capacity matrix needs: one proportional pass and a floor.

    Rows are scaled to their totals; columns are not met and nothing is exact.
    """
    shares = seed * (rows / seed.sum(axis=1))[:, None]
    floors: np.ndarray = np.floor(shares).astype(np.int64)
    return floors


def run() -> list[Row]:
    reps = _reps(N_REPS)
    target = _target(N_REPS)
    sample = 1_000
    sample_reps, sample_target = reps[:sample], _target(sample)
    size = f"{N_REPS:,} reps x 53 weeks"
    weeks = Period.year(2026).split("week")
    seed = working_time_units(reps, weeks).astype(np.float64)
    huge = _target(N_REPS).model_copy(update={"value": Decimal(10**15)})
    huge_rows = np.array(
        [int(Decimal(str(t.value)).scaleb(2)) for t in allocate(huge, reps, method="capacity")]
    )
    return [
        row(
            "plan_matrix even owners (baseline: allocate + per-rep Money.allocate, scaled x10)",
            size,
            lambda: plan_matrix(target, reps, "week"),
            lambda: _baseline(sample_target, sample_reps),
            baseline_scale=N_REPS / sample,
        ),
        row(
            "plan_matrix by capacity with ramps, minor units (same baseline)",
            size,
            lambda: plan_matrix(target, reps, "week", owner_method="capacity", minor_units=True),
            lambda: _baseline(sample_target, sample_reps),
            baseline_scale=N_REPS / sample,
        ),
        row(
            "plan_matrix by capacity with ramps, Decimal cells (same baseline)",
            size,
            lambda: plan_matrix(target, reps, "week", owner_method="capacity"),
            lambda: _baseline(sample_target, sample_reps),
            baseline_scale=N_REPS / sample,
        ),
        row(
            "plan_matrix by capacity, 10^17 minor units, both margins exact (baseline: numpy "
            "bound, one proportional pass + floor)",
            size,
            lambda: plan_matrix(huge, reps, "week", owner_method="capacity", minor_units=True),
            lambda: _numpy_bound(seed, huge_rows),
        ),
    ]
