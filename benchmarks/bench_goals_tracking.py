"""Goal tracking: variance_frame over 1,000,000 actual rows and every rep's targets.

Each rep has overlapping targets: twelve months, four quarters and the year
(17 per rep). A fifth of the rows are deals split 50/50 (share 0.5). The
baseline is the plain pandas an analyst would write: merge the actual rows
onto the targets by owner, filter each pair to the target's period, and
``groupby`` the target to sum the credited amounts (rounded per row in float,
so it can differ from the exact half-even result by a few cents per target).
At full size the merge makes 17 million pairs and peaks near 1.6 GB.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore.goals.tracking import variance_frame

SEED = 11
N_ROWS = 1_000_000
N_REPS = 2_000


def _targets(n_reps: int) -> pd.DataFrame:
    months = pd.date_range("2026-01-01", periods=13, freq="MS")
    quarters = months[::3]
    spans = (
        [(months[i], months[i + 1], 100_000.0) for i in range(12)]
        + [(quarters[i], quarters[i + 1], 300_000.0) for i in range(4)]
        + [(months[0], months[12], 1_200_000.0)]
    )
    reps = np.repeat(np.char.add("R", np.arange(n_reps).astype(str)), len(spans))
    starts = np.tile([s for s, _, _ in spans], n_reps)
    ends = np.tile([e for _, e, _ in spans], n_reps)
    values = np.tile([v for _, _, v in spans], n_reps)
    return pd.DataFrame(
        {
            "id": np.char.add(reps, np.char.add("-", np.arange(len(reps)).astype(str))),
            "metric": "revenue",
            "value": values,
            "currency": "CNY",
            "direction": "at_least",
            "period_start": starts,
            "period_end": ends,
            "owner_kind": "rep",
            "owner_id": reps,
        }
    )


def _actuals(n: int, n_reps: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    return pd.DataFrame(
        {
            "owner_id": np.char.add("R", rng.integers(0, n_reps, n).astype(str)).astype(object),
            "date": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "amount": rng.integers(100, 5_000_000, n) / 100.0,
            "share": np.where(rng.random(n) < 0.2, 0.5, 1.0),
        }
    )


def _baseline(targets: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """Plain pandas: merge on owner, filter to each target's period, group by target."""
    pairs = actuals.merge(
        targets[["id", "owner_id", "period_start", "period_end", "value"]], on="owner_id"
    )
    inside = pairs[(pairs["date"] >= pairs["period_start"]) & (pairs["date"] < pairs["period_end"])]
    credited = (inside["amount"] * inside["share"]).round(2)
    actual = credited.groupby(inside["id"]).sum()
    out = targets.set_index("id")[["value"]].join(actual.rename("actual")).fillna(0.0)
    out["variance"] = out["actual"] - out["value"]
    out["attainment"] = out["actual"] / out["value"]
    return out


def run() -> list[Row]:
    targets = _targets(N_REPS)
    actuals = _actuals(N_ROWS, N_REPS)
    small_targets = _targets(200)
    small_actuals = _actuals(100_000, 200)
    size = f"{N_ROWS:,} rows, {N_REPS:,} reps x 17 targets"
    return [
        row(
            "variance_frame, split credit (baseline: merge + filter + groupby)",
            "100,000 rows, 200 reps x 17 targets",
            lambda: variance_frame(small_targets, small_actuals, share="share"),
            lambda: _baseline(small_targets, small_actuals),
        ),
        row(
            "variance_frame, split credit (baseline: merge + filter + groupby, 17M pairs)",
            size,
            lambda: variance_frame(targets, actuals, share="share"),
            lambda: _baseline(targets, actuals),
        ),
        row(
            "variance_frame by owner_id (roll-up of the year targets; no baseline)",
            size,
            lambda: variance_frame(
                targets[targets["period_end"] - targets["period_start"] > pd.Timedelta(days=300)],
                actuals,
                share="share",
                by="owner_id",
            ),
            None,
        ),
    ]
