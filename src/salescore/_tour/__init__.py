"""The guided tour's sections, one module per domain area, in the order they are shown.

Part of the shell layer with ``salescore.__main__``: the only code that writes
text for people to read. Each section takes the stream to write to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from salescore._tour import (
    commission,
    embedding,
    forecast_dynamics,
    forecast_pipeline,
    forecast_timeseries,
    foundation,
    funnel,
    goals,
    process,
    review,
    scorecards,
    smart,
)

SECTIONS: tuple[Callable[[TextIO], None], ...] = (
    foundation.section,
    goals.section,
    smart.section,
    funnel.section,
    forecast_pipeline.section,
    forecast_dynamics.section,
    forecast_timeseries.section,
    commission.section,
    process.section,
    scorecards.section,
    embedding.section,
    review.section,
)

__all__ = ["SECTIONS"]
