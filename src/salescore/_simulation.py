"""The result record of a Monte Carlo simulation of bookings: data only.

:class:`Simulation` is what :func:`salescore.forecast.simulate` returns and
what :func:`salescore.commission.plan_cost` reads, so it sits below both
calculators (neither imports the other); it is documented and imported as
``salescore.forecast.Simulation``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._numeric import check_fraction
from salescore.errors import InvalidInputError
from salescore.serialization import Result

__all__ = ["FloatArray", "Simulation"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Simulation(Result):
    r"""The simulated distribution of a period's bookings.

    Attributes
    ----------
    totals : numpy.ndarray
        Bookings of each run [currency], already-won amounts included.
    currency : str or None
        ISO 4217 code of every amount; ``None`` when there were no deals.
    booked : float
        Already won in the period, the same in every run [currency].
    analytic_mean : float
        :math:`b + \sum_j \pi_j a_j` [currency], the exact mean.
    analytic_variance : float
        :math:`\sum_j \pi_j (1 - \pi_j) a_j^2` [currency²], the exact variance.
    deals : int
        Open deals simulated [count].
    undated : pandas.Index
        Open deals left out because a ``period`` was given and they have no
        ``expected_close_date`` (ids, or frame index labels).
    seed : int
        The seed the runs were drawn with.

    Examples
    --------
    >>> import numpy as np
    >>> s = Simulation(np.array([0.0, 10.0, 10.0, 20.0]), "CNY", 0.0, 10.0, 50.0, 2,
    ...                pd.Index([]), 1)
    >>> s.mean, s.quantile(0.5), s.interval(0.5)
    (10.0, 10.0, (7.5, 12.5))
    """

    totals: FloatArray
    currency: str | None
    booked: float
    analytic_mean: float
    analytic_variance: float
    deals: int
    undated: pd.Index[Any]
    seed: int

    def __post_init__(self) -> None:
        totals = np.asarray(self.totals, dtype=np.float64)
        totals.setflags(write=False)
        object.__setattr__(self, "totals", totals)

    @property
    def n(self) -> int:
        """Number of runs."""
        return len(self.totals)

    @property
    def mean(self) -> float:
        """Mean bookings over the runs [currency]."""
        return float(self.totals.mean())

    @property
    def std(self) -> float:
        """Standard deviation of bookings over the runs (ddof = 1) [currency]."""
        return float(self.totals.std(ddof=1)) if self.n > 1 else 0.0

    @property
    def standard_error(self) -> float:
        """Standard error of :attr:`mean`, ``std / sqrt(n)`` [currency]."""
        return self.std / math.sqrt(self.n)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of bookings (linear interpolation) [currency].

        Parameters
        ----------
        q : float
            Level [fraction].
        """
        level = check_fraction(q, what="quantile level")
        return float(np.quantile(self.totals, level))

    @property
    def quantiles(self) -> pd.Series[float]:
        """P10, P50 and P90 of bookings [currency]."""
        return pd.Series(
            [self.quantile(0.1), self.quantile(0.5), self.quantile(0.9)],
            index=pd.Index(["P10", "P50", "P90"]),
            name="bookings",
        )

    def interval(self, level: float = 0.8) -> tuple[float, float]:
        """Equal-tailed interval holding ``level`` of the runs [currency].

        Parameters
        ----------
        level : float
            Coverage, strictly between 0 and 1 [fraction]; 0.8 gives (P10, P90).
        """
        cover = check_fraction(level, what="interval level")
        if not 0.0 < cover < 1.0:
            raise InvalidInputError(f"interval level {level!r} must be strictly between 0 and 1")
        return self.quantile((1 - cover) / 2), self.quantile((1 + cover) / 2)
