"""Diagnosis from a funnel: ranked bottlenecks and aging open deals."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._lookup import positions
from salescore._numeric import check_fraction, check_rounding, to_decimal
from salescore.errors import InvalidInputError
from salescore.frames import OPPORTUNITIES, STAGE_CHANGES, CheckedFrame, validate_frame
from salescore.funnel._kernel import stage_codes, stage_lookup
from salescore.funnel.counts import FunnelCounts, check_options
from salescore.funnel.report import FunnelReport, hours_quantile
from salescore.models import Opportunity, Pipeline, check_opportunities
from salescore.money import Money

__all__ = ["aging", "aging_frame", "bottlenecks"]

Metric = Literal["conversion", "duration"]

_US_PER_DAY: Final = 86_400 * 1_000_000
#: Below every microsecond timestamp: "no stage change seen yet".
_NO_CHANGE: Final = np.iinfo(np.int64).min
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _benchmark_values(
    benchmark: FunnelReport | Mapping[str, float], column: str, stages: Sequence[str]
) -> dict[str, float]:
    if isinstance(benchmark, FunnelReport):
        overall = benchmark.overall
        values = {str(s): float(v) for s, v in overall[column].items()}
    elif isinstance(benchmark, Mapping):
        values = {str(s): float(v) for s, v in benchmark.items()}
    else:
        raise InvalidInputError(
            "benchmark must be a FunnelReport or a mapping of stage to value, "
            f"got {type(benchmark).__name__}"
        )
    unknown = [s for s in values if s not in stages]
    if unknown:
        raise InvalidInputError(
            f"benchmark names stage {unknown[0]!r}, which is not among {', '.join(stages)}"
        )
    return values


def bottlenecks(
    report: FunnelReport,
    benchmark: FunnelReport | Mapping[str, float],
    *,
    metric: Metric = "conversion",
    rounding: str = ROUND_HALF_EVEN,
) -> pd.DataFrame:
    r"""Won revenue gained at each stage if it matched a benchmark, ranked.

    For ``metric="conversion"`` the gain at stage :math:`k` is the extra
    amount that would advance from it at the benchmark rate, carried through
    the later stages at the report's own rates:
    :math:`\text{entered amount}_k \, (b_k - c_k) \prod_{j > k} c_j`.
    For ``metric="duration"`` it is the extra won revenue in the same time
    if the stage's mean stay :math:`d_k` were :math:`b_k`, the cycle
    :math:`L = \sum_j d_j` becoming :math:`L - d_k + b_k`:
    :math:`\text{won amount} \, (L / (L - d_k + b_k) - 1)`. A negative
    gain means the stage already beats the benchmark.

    Parameters
    ----------
    report : FunnelReport
        The funnel to diagnose (its ``overall`` table).
    benchmark : FunnelReport or mapping of str to float
        Another report (another segment, the team) or values per stage:
        conversion rates [fraction] or mean stays [days]. Stages left out
        are not ranked.
    metric : {"conversion", "duration"}
        What to compare.
    rounding : str
        Rounding of ``gain`` to the minor unit.

    Returns
    -------
    pandas.DataFrame
        One row per benchmarked stage, best gain first: ``stage``,
        ``actual`` and ``benchmark`` (rates [fraction] or stays [days]),
        ``gain`` [currency, Decimal], ``rank`` (1 = biggest gain).

    Raises
    ------
    InvalidInputError
        Unknown metric or stage, a rate outside [0, 1], a negative stay, a
        report without durations for ``metric="duration"``, or a report
        with no deal.

    Examples
    --------
    >>> from salescore import datasets
    >>> from salescore.funnel import funnel
    >>> pipeline = datasets.pipeline()
    >>> report = funnel(datasets.opportunities(pipeline), pipeline)
    >>> bottlenecks(report, {"Qualify": 0.8, "Proposal": 0.9, "Negotiation": 0.5})
             stage    actual  benchmark       gain  rank
    0  Negotiation  0.375000        0.5  626000.00     1
    1      Qualify  0.700000        0.8  282278.57     2
    2     Proposal  0.857143        0.9   93358.93     3
    """
    check_rounding(rounding)
    if not isinstance(report, FunnelReport):
        raise InvalidInputError(f"report must be a FunnelReport, got {type(report).__name__}")
    if metric not in ("conversion", "duration"):
        raise InvalidInputError(
            f"metric {metric!r} is not allowed; choose 'conversion' or 'duration'"
        )
    if report.currency is None:
        raise InvalidInputError("the report counted no deal; there is nothing to diagnose")
    overall = report.overall
    stages = [str(s) for s in overall.index]
    column = "conversion" if metric == "conversion" else "days_mean"
    targets = _benchmark_values(benchmark, column, stages)
    actual = dict(zip(stages, overall[column].astype(float).tolist(), strict=True))
    currency = report.currency
    gains: list[Decimal] = []
    if metric == "conversion":
        for stage, value in targets.items():
            check_fraction(value, what=f"benchmark conversion of stage {stage!r}")
        rates = overall["conversion"].fillna(0.0).astype(float).to_numpy()
        entered_amount = overall["entered_amount"].tolist()
        for stage, value in targets.items():
            k = stages.index(stage)
            downstream = float(np.prod(rates[k + 1 :]))
            factor = to_decimal((value - float(rates[k])) * downstream)
            gains.append(Money(entered_amount[k], currency).__mul__(factor).amount)
    else:
        if report.inference != "history":
            raise InvalidInputError(
                "a snapshot report has no stage durations; diagnose durations on a history report"
            )
        days = overall["days_mean"].astype(float).to_numpy()
        if np.isnan(days).any():
            missing = stages[int(np.flatnonzero(np.isnan(days))[0])]
            raise InvalidInputError(
                f"stage {missing!r} has no completed stay in the report; its duration is unknown"
            )
        cycle = float(days.sum())
        won_amount = Money(report.summary["won_amount"].sum(), currency)
        for stage, value in targets.items():
            if not math.isfinite(value) or value < 0:
                raise InvalidInputError(
                    f"benchmark stay of stage {stage!r} is {value!r}; it must be >= 0 days"
                )
            k = stages.index(stage)
            shorter = cycle - float(days[k]) + value
            speedup = cycle / shorter - 1.0 if shorter > 0 else math.inf
            if not math.isfinite(speedup):
                raise InvalidInputError(
                    f"benchmark stay {value!r} of stage {stage!r} makes the whole cycle 0 days"
                )
            gains.append((won_amount * to_decimal(speedup)).amount)
    table = pd.DataFrame(
        {
            "stage": list(targets),
            "actual": [actual[s] for s in targets],
            "benchmark": list(targets.values()),
            "gain": [Money(g, currency).quantize(rounding).amount for g in gains],
        }
    )
    order = sorted(range(len(gains)), key=lambda i: (-gains[i], stages.index(table["stage"][i])))
    table = table.iloc[order].reset_index(drop=True)
    return table.assign(rank=np.arange(1, len(table) + 1, dtype=np.int64))


def _as_of_micros(as_of: date | datetime) -> int:
    if isinstance(as_of, datetime):
        if as_of.tzinfo is None:
            raise InvalidInputError(
                f"as_of {as_of.isoformat()} is naive; give a timezone-aware datetime or a date"
            )
        moment = as_of
    elif isinstance(as_of, date):
        moment = datetime.combine(as_of, time(0), tzinfo=UTC)
    else:
        raise InvalidInputError(f"as_of must be a date or datetime, got {type(as_of).__name__}")
    return (moment - _EPOCH) // pd.Timedelta(microseconds=1).to_pytimedelta()


def _thresholds(reference: FunnelReport | FunnelCounts, percentile: float) -> dict[str, float]:
    counts = reference.counts if isinstance(reference, FunnelReport) else reference
    if not isinstance(counts, FunnelCounts):
        raise InvalidInputError(
            f"reference must be a FunnelReport or FunnelCounts, got {type(reference).__name__}"
        )
    if counts.inference != "history":
        raise InvalidInputError(
            "a snapshot reference has no stage durations; build it from stage histories"
        )
    q = check_fraction(percentile, what="percentile")
    durations = counts.total().durations
    out = {}
    for stage in counts.stages:
        part = durations[durations["stage"] == stage]
        out[stage] = hours_quantile(part["hours"].to_numpy(), part["count"].to_numpy(), q) / 24.0
    return out


def _aging_table(
    index: pd.Index,
    ids: npt.NDArray[np.object_],
    stages: npt.NDArray[np.object_],
    entered_us: npt.NDArray[np.int64],
    as_of_us: int,
    thresholds: Mapping[str, float],
) -> pd.DataFrame:
    days = (as_of_us - entered_us) / _US_PER_DAY
    limit = pd.Series(stages, dtype=object).map(thresholds).to_numpy(dtype=np.float64)
    overdue = pd.array(np.where(np.isnan(limit), False, days > limit), dtype="boolean")
    overdue[np.isnan(limit)] = pd.NA
    entered = pd.to_datetime(entered_us, unit="us", utc=True)
    return pd.DataFrame(
        {
            "id": ids,
            "stage": stages,
            "entered_stage_at": entered,
            "days_in_stage": days,
            "threshold_days": limit,
            "overdue": overdue,
        },
        index=index,
    )


def aging(
    opportunities: Sequence[Opportunity],
    reference: FunnelReport | FunnelCounts,
    pipeline: Pipeline,
    *,
    as_of: date | datetime,
    percentile: float = 0.9,
) -> pd.DataFrame:
    """Open deals that have sat in their stage longer than a percentile of past stays.

    A deal entered its current stage at its last stage change (or, without
    history, at midnight UTC of ``created_on``); its days in stage are
    ``as_of`` minus that. The threshold of each stage is the ``percentile``
    of the completed stays in ``reference`` (every segment together).

    Parameters
    ----------
    opportunities : sequence of Opportunity
        The deals; closed ones are left out (aging concerns open deals).
    reference : FunnelReport or FunnelCounts
        History-based funnel whose stays set the thresholds.
    pipeline : Pipeline
        The deals' pipeline.
    as_of : date or datetime
        Now; a date means its midnight UTC, a datetime must be aware.
    percentile : float
        Which percentile of past stays is "too long" [fraction].

    Returns
    -------
    pandas.DataFrame
        One row per open deal, indexed by position: ``id``, ``stage``,
        ``entered_stage_at`` (UTC), ``days_in_stage`` [days],
        ``threshold_days`` [days], ``overdue`` (``<NA>`` when the stage has
        no completed stays to compare with).

    Examples
    --------
    >>> from datetime import date
    >>> from salescore import datasets
    >>> from salescore.funnel import funnel
    >>> pipeline = datasets.pipeline()
    >>> deals = datasets.opportunities(pipeline)
    >>> table = aging(deals, funnel(deals, pipeline), pipeline, as_of=date(2026, 5, 1))
    >>> len(table), int(table["overdue"].sum())
    (17, 14)
    """
    thresholds = _thresholds(reference, percentile)
    check_options(
        pipeline,
        source="history",
        reopen="continue",
        cohort=None,
        period=None,
        period_basis="created",
        by=(),
    )
    now = _as_of_micros(as_of)
    deals = [
        o
        for o in check_opportunities(list(opportunities), pipeline)
        if not pipeline[o.stage].is_closed
    ]
    entered = np.array(
        [_as_of_micros(o.history[-1].changed_at if o.history else o.created_on) for o in deals],
        dtype=np.int64,
    )
    return _aging_table(
        pd.RangeIndex(len(deals)),
        np.array([o.id for o in deals], dtype=object),
        np.array([o.stage for o in deals], dtype=object),
        entered,
        now,
        thresholds,
    )


def aging_frame(
    opportunities: pd.DataFrame | CheckedFrame,
    stage_changes: pd.DataFrame | CheckedFrame,
    reference: FunnelReport | FunnelCounts,
    pipeline: Pipeline,
    *,
    as_of: date | datetime,
    percentile: float = 0.9,
) -> pd.DataFrame:
    """Bulk twin of :func:`aging`: open deals of a frame, vectorised, index kept.

    Parameters
    ----------
    opportunities : pandas.DataFrame or CheckedFrame
        The ``OPPORTUNITIES`` contract; not mutated. A
        :class:`~salescore.frames.CheckedFrame` is not checked again.
    stage_changes : pandas.DataFrame or CheckedFrame
        The ``STAGE_CHANGES`` contract.
    reference, pipeline, as_of, percentile
        As in :func:`aging`.

    Returns
    -------
    pandas.DataFrame
        As :func:`aging`, indexed by the open deals' index labels.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore import datasets
    >>> from salescore.frames import history_frame, to_frame
    >>> from salescore.funnel import funnel
    >>> pipeline = datasets.pipeline()
    >>> deals = datasets.opportunities(pipeline)
    >>> table = aging_frame(to_frame(deals), history_frame(deals), funnel(deals, pipeline),
    ...                     pipeline, as_of=date(2026, 5, 1))
    >>> table.equals(aging(deals, funnel(deals, pipeline), pipeline, as_of=date(2026, 5, 1))
    ...              .set_axis(table.index))
    True
    """
    thresholds = _thresholds(reference, percentile)
    check_options(
        pipeline,
        source="history",
        reopen="continue",
        cohort=None,
        period=None,
        period_basis="created",
        by=(),
    )
    now = _as_of_micros(as_of)
    if not isinstance(opportunities, pd.DataFrame | CheckedFrame):
        raise InvalidInputError(
            f"opportunities must be a DataFrame, got {type(opportunities).__name__}"
        )
    opps = validate_frame(opportunities, OPPORTUNITIES)
    history = validate_frame(stage_changes, STAGE_CHANGES)
    _, kind_of = stage_lookup(pipeline)
    code = stage_codes(opps["stage"], pipeline, what="stage")
    stage_codes(history["to_stage"], pipeline, what="to_stage")
    is_open = kind_of[code] == 0
    open_opps = opps.loc[is_open]
    created = open_opps["created_on"].to_numpy(dtype="datetime64[us]").astype(np.int64)
    at = history["changed_at"].dt.tz_convert("UTC").dt.tz_localize(None)
    moment = at.to_numpy(dtype="datetime64[us]").astype(np.int64)
    # The latest change of each open deal (a deal without one entered its stage when created).
    deal = positions(open_opps["id"], history["opportunity_id"])
    mine = deal >= 0
    entered = np.full(len(open_opps), _NO_CHANGE, dtype=np.int64)
    np.maximum.at(entered, deal[mine], moment[mine])
    entered = np.where(entered == _NO_CHANGE, created, entered)
    return _aging_table(
        open_opps.index,
        open_opps["id"].to_numpy(dtype=object),
        open_opps["stage"].to_numpy(dtype=object),
        entered,
        now,
        thresholds,
    )
