"""Goals: decompose a target over time, allocate it across owners, track it.

* :mod:`.weights` — time weights (even, days, business days, seasonality,
  explicit) and :func:`seasonality` learned from history.
* :mod:`.decompose` — :func:`decompose`: a target over quarters, months, weeks, days.
* :mod:`.allocate` — :func:`allocate`: a target across reps, teams or channels.
* :mod:`.matrix` — :func:`plan_matrix`: owners × periods, exact on both margins.
"""

from salescore.goals.allocate import AllocationMethod, OwnerLike, allocate, owner_weights
from salescore.goals.decompose import decompose
from salescore.goals.matrix import controlled_round, plan_matrix
from salescore.goals.weights import (
    SeasonalGrain,
    Seasonality,
    TimeWeights,
    child_periods,
    seasonality,
    time_weights,
)

__all__ = [
    "AllocationMethod",
    "OwnerLike",
    "SeasonalGrain",
    "Seasonality",
    "TimeWeights",
    "allocate",
    "child_periods",
    "controlled_round",
    "decompose",
    "owner_weights",
    "plan_matrix",
    "seasonality",
    "time_weights",
]
