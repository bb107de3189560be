"""Synthetic stage histories shared by the forecast benchmarks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

#: 2025-01-01 in microseconds since the epoch.
_EPOCH_US = 1_735_689_600_000_000
_DAY_US = 86_400_000_000


@dataclass(frozen=True)
class Walks:
    """``per_deal`` stage moves per deal; arrays are (deals, moves) unless said otherwise."""

    rng: np.random.Generator  # the generator, to draw more from after the walks
    ids: npt.NDArray[np.object_]  # (deals,)
    previous: npt.NDArray[np.object_]  # the stage before each move; None first
    stage: npt.NDArray[np.object_]
    at_us: npt.NDArray[np.int64]  # when each move happens [microseconds since the epoch]
    start_day: npt.NDArray[np.int64]  # (deals,) days after 2025-01-01 of the first move


def stage_walks(
    n_deals: int, per_deal: int, seed: int, open_stages: tuple[str, ...], *, whole_days: bool
) -> Walks:
    """Random walks over three open stages ending open, won or lost.

    Each move goes one or two stages on (mod 3), so a deal always moves; 25
    percent end won and 35 percent lost. A deal starts at a random time in
    2025-2026, on a whole day with ``whole_days``, and moves every 1 hour to
    40 days.
    """
    rng = np.random.default_rng(seed)
    names = np.array([*open_stages, "Won", "Lost"], dtype=object)
    walk = rng.integers(1, 3, size=(n_deals, per_deal))
    walk[:, 0] = 0
    pos = np.cumsum(walk, axis=1) % 3
    outcome = rng.choice([0, 3, 4], size=n_deals, p=[0.4, 0.25, 0.35])
    pos[:, -1] = np.where(outcome > 0, outcome, pos[:, -1])
    stage = names[pos]
    previous = np.empty_like(stage)
    previous[:, 1:] = stage[:, :-1]
    previous[:, 0] = None
    if whole_days:
        start_day = rng.integers(0, 500, n_deals)
        start = start_day * _DAY_US + _EPOCH_US
    else:
        start = rng.integers(0, 500 * 86_400, n_deals) * 1_000_000 + _EPOCH_US
        start_day = (start - _EPOCH_US) // _DAY_US
    gaps = rng.integers(3_600, 40 * 86_400, size=(n_deals, per_deal)) * 1_000_000
    gaps[:, 0] = 0
    at = start[:, None] + np.cumsum(gaps, axis=1)
    ids = pd.Series(np.arange(n_deals)).map("D{:07d}".format).to_numpy(dtype=object)
    return Walks(rng, ids, previous, stage, at, start_day)
