"""Goals: decompose a target over time, allocate it across owners, track it.

* :mod:`.weights` — time weights (even, days, business days, seasonality,
  explicit) and :func:`seasonality` learned from history.
* :mod:`.decompose` — :func:`decompose`: a target over quarters, months, weeks, days.
* :mod:`.allocate` — :func:`allocate`: a target across reps, teams or channels.
* :mod:`.matrix` — :func:`plan_matrix`: owners × periods, exact on both margins.
* :mod:`.tracking` — :func:`attainment`, :func:`pace`, :func:`variance_frame`
  (and :func:`combine_variance` to merge it over chunks): progress against targets.
"""

from salescore.goals.allocate import AllocationMethod, OwnerLike, allocate, owner_weights
from salescore.goals.decompose import decompose
from salescore.goals.matrix import controlled_round, plan_matrix
from salescore.goals.tracking import (
    Attainment,
    Pace,
    PaceStep,
    VarianceFrames,
    attainment,
    combine_variance,
    pace,
    variance_frame,
)
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
    "Attainment",
    "OwnerLike",
    "Pace",
    "PaceStep",
    "SeasonalGrain",
    "Seasonality",
    "TimeWeights",
    "VarianceFrames",
    "allocate",
    "attainment",
    "child_periods",
    "combine_variance",
    "controlled_round",
    "decompose",
    "owner_weights",
    "pace",
    "plan_matrix",
    "seasonality",
    "time_weights",
    "variance_frame",
]
