r"""Monte Carlo simulation of a period's bookings from the open pipeline.

Each open deal :math:`j` with amount :math:`a_j` and win probability
:math:`p_j` is won or not, independently, in every run. With a ``period``,
only deals whose close date falls in it count; with a
``close_date_spread`` :math:`\sigma` [days] the close date is the expected
one plus a normal slip :math:`\varepsilon_j \sim N(0, \sigma^2)`, so a deal
may slip out of (or into) the period. A run's total is

.. math:: X = b + \sum_j a_j \, W_j \, I_j,\qquad W_j \sim \text{Bernoulli}(p_j),

with :math:`b` what is already won in the period and :math:`I_j` whether the
close date lands in it. Win and slip are independent, so :math:`W_j I_j` is
Bernoulli with :math:`\pi_j = p_j q_j`,
:math:`q_j = \Phi((e - d_j)/\sigma) - \Phi((s - d_j)/\sigma)` for a period
:math:`[s, e)` and expected close day :math:`d_j`, and

.. math:: E[X] = b + \sum_j \pi_j a_j, \qquad
          \operatorname{Var}[X] = \sum_j \pi_j (1 - \pi_j) a_j^2 .

Because :math:`W_j I_j` is exactly Bernoulli(:math:`\pi_j`), each run draws
one uniform :math:`U_{rj}` per deal and counts the deal when
:math:`U_{rj} < \pi_j`: the same distribution of totals as drawing the win
and the slip apart, at half the cost. The simulation is vectorised over deals
and chunked over runs, so memory stays near ``chunk_mib`` whatever ``n``;
the uniforms come from ``numpy.random.default_rng(seed)`` consumed in order,
so results do not depend on the chunk size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._numeric import check_fraction, exact_decimals
from salescore._simulation import Simulation
from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.forecast._deals import opportunities_frame, stage_codes
from salescore.frames import CheckedFrame
from salescore.models import Opportunity, Pipeline, StageKind

__all__ = ["Simulation", "simulate"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_DAY = np.timedelta64(1, "D")


def _probabilities(
    probabilities: Mapping[str, float] | npt.ArrayLike | None,
    pipeline: Pipeline,
    stage: npt.NDArray[np.int64],
    override: FloatArray,
) -> FloatArray:
    """Win probability per deal: a per-deal array as given, else override, table, default."""
    if probabilities is not None and not isinstance(probabilities, Mapping):
        given = np.asarray(probabilities, dtype=np.float64)
        if given.shape != stage.shape:
            raise InvalidInputError(
                f"probabilities has shape {given.shape}; one per deal ({len(stage)}) is needed"
            )
        bad = ~((given >= 0) & (given <= 1))
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise InvalidInputError(
                f"deal probability {float(given[first])!r} at position {first} is outside [0, 1]"
            )
        return given
    table = np.array([s.probability for s in pipeline.stages], dtype=np.float64)
    for name, value in (probabilities or {}).items():
        where = pipeline.check_stage(name, what="probabilities stage")
        table[pipeline.stages.index(where)] = check_fraction(
            value, what=f"stage {name!r} probability"
        )
    by_stage = table[stage]
    return np.where(np.isnan(override), by_stage, override)


def _normal_cdf(x: FloatArray) -> FloatArray:
    """Standard normal CDF, exact via ``math.erfc`` on the distinct values."""
    values, inverse = np.unique(x, return_inverse=True)
    cdf = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in values.tolist()])
    return cdf[inverse].reshape(x.shape)


def _spread_days(spread: float | timedelta | None) -> float:
    if spread is None:
        return 0.0
    if isinstance(spread, timedelta):
        days = spread / timedelta(days=1)
    elif isinstance(spread, int | float) and not isinstance(spread, bool):
        days = float(spread)
    else:
        raise InvalidInputError(
            f"close_date_spread {spread!r} must be a number of days or a timedelta"
        )
    if not math.isfinite(days) or days < 0:
        raise InvalidInputError(f"close_date_spread {spread!r} must be finite and >= 0 days")
    return days


def _runs(amount: FloatArray, pi: FloatArray, n: int, seed: int, chunk_mib: float) -> FloatArray:
    """Sum of ``amount[j]`` over the deals won in each run, deal ``j`` won with ``pi[j]``.

    Runs are drawn in chunks of about ``chunk_mib`` MiB of working memory; the
    uniforms come from one stream consumed in order, so the runs do not depend
    on the chunk size.
    """
    rng = np.random.default_rng(seed)
    totals = np.zeros(n)
    deals = len(pi)
    if deals == 0:
        return totals
    rows = max(1, min(n, int(chunk_mib * 2**20 // (deals * 9))))  # uniforms + mask, bytes
    draws = np.empty((rows, deals))
    mask = np.empty((rows, deals), dtype=bool)
    for begin in range(0, n, rows):
        size = min(rows, n - begin)
        u, won = draws[:size], mask[:size]
        rng.random(out=u)
        np.less(u, pi, out=won)
        np.multiply(won, amount, out=u)
        totals[begin : begin + size] = u.sum(axis=1)
    return totals


@exact_decimals
def simulate(
    opportunities: Sequence[Opportunity] | pd.DataFrame | CheckedFrame,
    pipeline: Pipeline,
    *,
    seed: int,
    probabilities: Mapping[str, float] | npt.ArrayLike | None = None,
    n: int = 10_000,
    period: Period | None = None,
    close_date_spread: float | timedelta | None = None,
    chunk_mib: float = 8.0,
) -> Simulation:
    """Simulate the bookings of the open pipeline, ``n`` times.

    Parameters
    ----------
    opportunities : sequence of Opportunity or DataFrame
        Deals, as models or an :data:`~salescore.frames.OPPORTUNITIES` frame
        (validated first). Open deals are simulated; won deals closed in the
        ``period`` are added to every run; lost deals count nothing.
    pipeline : Pipeline
        Stages: which are open, won or lost, and their default probabilities.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same runs.
    probabilities : mapping or array-like, optional
        Either a table ``{stage: probability}`` (a deal's own ``probability``
        override comes first, then the table, then the stage default), or one
        probability per deal in input order [fraction] (e.g. Markov
        :meth:`~salescore.forecast.markov.MarkovModel.period_odds`), used as
        given for open deals.
    n : int
        Number of runs, >= 1.
    period : Period, optional
        Count only deals closing in it: open deals by ``expected_close_date``
        (those without one are left out and listed in ``undated``), won deals
        by ``close_date``. Without a period every open deal counts and
        nothing is already booked.
    close_date_spread : float or timedelta, optional
        Standard deviation of the normal slip of each expected close date
        [days]; needs a ``period``.
    chunk_mib : float
        Working memory per chunk of runs [MiB].

    Returns
    -------
    Simulation

    Raises
    ------
    CurrencyMismatchError
        The deals that count are in more than one currency.
    InvalidInputError
        Bad ``n``, ``seed``, ``probabilities``, ``close_date_spread`` without
        a period, or a bad ``chunk_mib``.
    UnknownStageError
        A stage is not in the pipeline.
    FrameValidationError
        The frame breaks the OPPORTUNITIES contract.

    Examples
    --------
    >>> from salescore import datasets
    >>> pipeline = datasets.pipeline()
    >>> sim = simulate(datasets.opportunities(pipeline), pipeline, seed=7, n=20_000)
    >>> abs(sim.mean - sim.analytic_mean) < 4 * sim.standard_error
    True
    >>> lo, hi = sim.interval(0.8)
    >>> bool(lo <= sim.quantile(0.5) <= hi)
    True
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InvalidInputError(f"n {n!r} must be a whole number of runs >= 1")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InvalidInputError(f"seed {seed!r} must be a whole number >= 0")
    if (
        isinstance(chunk_mib, bool)
        or not isinstance(chunk_mib, int | float)
        or not math.isfinite(chunk_mib)
        or chunk_mib <= 0
    ):
        raise InvalidInputError(f"chunk_mib {chunk_mib!r} must be a positive number of MiB")
    if period is not None and not isinstance(period, Period):
        raise InvalidInputError(f"period {period!r} is not a Period")
    sigma = _spread_days(close_date_spread)
    if close_date_spread is not None and period is None:
        raise InvalidInputError("close_date_spread needs a period to slip out of")
    frame = opportunities_frame(opportunities, pipeline)
    stage = stage_codes(frame["stage"], pipeline, "stage")
    kinds = np.array([s.kind for s in pipeline.stages], dtype=object)
    kind = kinds[stage]
    override = frame["probability"].to_numpy(dtype=np.float64, na_value=np.nan)
    p_all = _probabilities(probabilities, pipeline, stage, override)
    amount_all = frame["amount"].to_numpy(dtype=np.float64)
    is_open = kind == StageKind.OPEN
    counted = is_open.copy()
    booked_mask = np.zeros(len(frame), dtype=bool)
    undated = pd.Index([], dtype=object)
    day = np.zeros(len(frame))
    window: tuple[float, float] | None = None
    if period is not None:
        start = np.datetime64(period.start, "D")
        window = (0.0, float((np.datetime64(period.end, "D") - start) / _DAY))
        expected = frame["expected_close_date"].to_numpy(dtype="datetime64[D]")
        dated = ~np.isnat(expected)
        undated = frame.index[is_open & ~dated]
        counted &= dated
        day = np.where(dated, (expected - start) / _DAY, 0.0).astype(np.float64)
        closed_on = frame["close_date"].to_numpy(dtype="datetime64[D]")
        won_day = (closed_on - start) / _DAY
        with np.errstate(invalid="ignore"):  # NaT compares False: not closed, not booked
            booked_mask = (kind == StageKind.WON) & (won_day >= 0) & (won_day < window[1])
        if sigma == 0:
            counted &= (day >= 0) & (day < window[1])
    currencies = pd.unique(frame["currency"].to_numpy(dtype=object)[counted | booked_mask])
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            f"deals are in {', '.join(sorted(str(c) for c in currencies))}; "
            "simulate one currency at a time (convert with FxRates first)"
        )
    currency = str(currencies[0]) if len(currencies) else None
    amount, p, day = amount_all[counted], p_all[counted], day[counted]
    if window is not None and sigma > 0:
        with np.errstate(over="ignore"):  # a tiny spread gives +-inf: Phi is then 0 or 1
            upper, lower = (window[1] - day) / sigma, (window[0] - day) / sigma
        lands = _normal_cdf(upper) - _normal_cdf(lower)
    else:
        lands = np.ones(len(p))
    pi = p * lands
    booked = float(amount_all[booked_mask].sum())
    # pi = 1 always wins and pi = 0 never does: no draw needed for either.
    sure = float(amount[pi >= 1].sum())
    drawn = (pi > 0) & (pi < 1)
    totals = _runs(amount[drawn], pi[drawn], int(n), int(seed), float(chunk_mib))
    return Simulation(
        totals=totals + (booked + sure),
        currency=currency,
        booked=booked,
        analytic_mean=booked + float((pi * amount).sum()),
        analytic_variance=float((pi * (1 - pi) * amount**2).sum()),
        deals=len(p),
        undated=undated,
        seed=int(seed),
    )
