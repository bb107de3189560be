"""``funnel`` and ``FunnelReport``: stage-by-stage conversion finished from ``FunnelCounts``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._numeric import check_rounding, exact_decimals, minor_units_to_decimals
from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.frames import CheckedFrame
from salescore.funnel.counts import (
    Cohort,
    FunnelCounts,
    PeriodBasis,
    Reopen,
    Source,
    funnel_counts,
    funnel_counts_frame,
)
from salescore.models import Opportunity, Pipeline
from salescore.money import Money
from salescore.serialization import Result

__all__ = ["FunnelReport", "funnel", "funnel_frame", "hours_quantile", "report_from_counts"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_SECONDS_PER_DAY: Final = 86_400.0

#: Columns of :attr:`FunnelReport.table` after the segment keys and ``stage``.
TABLE_COLUMNS: Final = (
    "entered",
    "entered_amount",
    "advanced",
    "advanced_amount",
    "lost",
    "lost_amount",
    "open",
    "open_amount",
    "conversion",
    "cumulative_conversion",
    "drop_off",
    "win_rate",
    "days_median",
    "days_mean",
    "days_p90",
    "regressions",
)

_INFERENCE: Final = {
    "history": (
        "history: a deal reached a stage when its furthest stage entered is that stage or "
        "later (skipped stages count as passed; regressions add no entry)"
    ),
    "snapshot": (
        "snapshot: open deals reached their current stage, won deals every open stage, lost "
        "deals the stage recorded at loss when known, else only the first stage; no durations "
        "or regressions"
    ),
}


def _note(counts: FunnelCounts) -> str:
    note = _INFERENCE[counts.inference]
    assumed = int(counts.by_group["lost_stage_assumed"].sum()) if len(counts.by_group) else 0
    if counts.inference == "snapshot" and assumed and len(counts.stages) > 1:
        note += (
            f"; {assumed} lost deals have no recorded stage at loss, so win rates after the "
            "first stage and all conversions and drop-offs of their segments are unknown "
            "(NaN): pass lost_at / lost_stage_column or the stage histories to know them"
        )
    return note


def hours_quantile(hours: npt.ArrayLike, counts: npt.ArrayLike, q: float) -> float:
    """Quantile ``q`` of a value-count histogram, interpolated like ``numpy.quantile``.

    Equals ``numpy.quantile(numpy.repeat(hours, counts), q)`` without
    expanding the histogram; ``nan`` when it is empty.

    Parameters
    ----------
    hours : array_like of int
        Distinct values, ascending.
    counts : array_like of int
        How often each occurs (positive).
    q : float
        The quantile [fraction].

    Examples
    --------
    >>> hours_quantile([24, 48, 96], [1, 2, 1], 0.5)
    48.0
    >>> hours_quantile([], [], 0.9)
    nan
    """
    values = np.asarray(hours, dtype=np.float64)
    cum = np.cumsum(np.asarray(counts, dtype=np.int64))
    if not len(cum):
        return float("nan")
    position = (int(cum[-1]) - 1) * q
    lo = int(np.floor(position))
    hi = min(lo + 1, int(cum[-1]) - 1)
    v_lo = values[np.searchsorted(cum, lo, side="right")]
    v_hi = values[np.searchsorted(cum, hi, side="right")]
    return float(v_lo + (position - lo) * (v_hi - v_lo))


@dataclass(frozen=True, eq=False)
class FunnelReport(Result):
    """A finished funnel: one row per segment and open stage, plus overall measures.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by the segment keys and ``stage`` (just ``stage`` without
        segments), columns: ``entered`` (passes that reached the stage)
        [count], ``advanced`` (reached a later stage or won) [count],
        ``lost`` (lost with this as their furthest stage) [count], ``open``
        (still open with this as their furthest stage) [count]; each with an
        ``_amount`` twin [currency, Decimal]; ``entered = advanced + lost +
        open``. ``conversion`` = advanced ÷ entered, ``cumulative_conversion``
        = advanced ÷ entered at the first stage, ``drop_off`` = lost ÷
        entered, ``win_rate`` = won ÷ (won + lost) among passes that reached
        the stage [fraction; NaN when the denominator is 0]; ``days_median``,
        ``days_mean``, ``days_p90``: completed stays in the stage (history
        only, percentiles to the hour) [days]; ``regressions`` (moves back
        out of the stage, history only) [count]. **Snapshot with lost deals
        whose stage at loss is unknown** (``lost_stage_assumed > 0`` in the
        segment): those deals are counted at the first stage, so the counts
        after it are lower bounds and every rate that depends on where they
        were lost is NaN rather than a number the data cannot support:
        ``win_rate`` after the first stage, and ``conversion``,
        ``cumulative_conversion`` and ``drop_off`` at every stage. The
        first stage's ``win_rate`` (won ÷ closed) is known and kept;
        ``inference_note`` says so. (With one open stage every lost deal
        was lost there, and every rate is known.)
    summary : pandas.DataFrame
        One row per segment (index ``segment = "all"`` without segments):
        ``deals`` (passes), ``won``, ``lost``, ``open`` [count], the three
        amounts [currency, Decimal], ``win_rate`` = won ÷ (won + lost)
        [fraction], ``average_won_deal`` [currency, Decimal, rounded to the
        minor unit], ``cycle_days`` (mean created-to-close of won deals)
        [days], ``lost_stage_known`` and ``lost_stage_assumed`` [count].
    overall : pandas.DataFrame
        The ``table`` of every segment together, indexed by ``stage``.
    win_rate : float
        Overall won ÷ (won + lost) [fraction].
    average_won_deal : Money or None
        Overall won amount ÷ won deals, rounded to the minor unit.
    cycle_days : float
        Overall mean sales-cycle length of won deals [days].
    deals, won, lost, open : int
        Overall numbers of passes the report was computed on [count].
    inference : str
        ``"history"`` or ``"snapshot"``.
    inference_note : str
        What that inference assumed, in words.
    counts : FunnelCounts
        The partial the report was finished from.

    Examples
    --------
    >>> from salescore import datasets
    >>> pipeline = datasets.pipeline()
    >>> report = funnel(datasets.opportunities(pipeline), pipeline, by=["owner_id"])
    >>> report.summary[["deals", "won", "lost", "win_rate"]].round(3)
              deals  won  lost  win_rate
    owner_id
    R1           14    4     7     0.364
    R2           15    3     6     0.333
    R3           11    2     1     0.667
    >>> report.overall["entered"].tolist(), report.deals
    ([40, 28, 24], 40)
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    overall: pd.DataFrame
    win_rate: float
    average_won_deal: Money | None
    cycle_days: float
    deals: int
    won: int
    lost: int
    open: int
    inference: str
    inference_note: str
    counts: FunnelCounts

    @property
    def currency(self) -> str | None:
        """Currency of every amount (``None`` when no deal was counted)."""
        return self.counts.currency


def _ratio(num: npt.ArrayLike, den: npt.ArrayLike) -> FloatArray:
    """``num / den`` with NaN where ``den`` is 0 (an undefined rate, not an error)."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(d > 0, n / np.where(d > 0, d, 1.0), np.nan)
    return out


def _stage_tables(counts: FunnelCounts, groups: pd.DataFrame) -> pd.DataFrame:
    """The per-stage table of every group in ``groups`` (rows of ``counts.by_group``)."""
    keys = list(counts.keys)
    m = len(counts.stages)
    g = len(groups)
    by_stage = counts.by_stage
    grid = groups.loc[np.repeat(np.arange(g), m), keys].reset_index(drop=True)
    grid = grid.assign(stage=np.tile(np.asarray(counts.stages, dtype=object), g))
    merged = grid.merge(by_stage, on=[*keys, "stage"], how="left", sort=False)
    merged = merged.fillna(dict.fromkeys(by_stage.columns.drop([*keys, "stage"]), 0))

    def cells(name: str) -> IntArray:
        return merged[name].to_numpy(dtype=np.int64).reshape(g, m)

    won = groups["won"].to_numpy(dtype=np.int64)
    won_amount = groups["won_amount"].to_numpy(dtype=np.int64)
    lost, open_, lost_amt, open_amt = (
        cells("lost"),
        cells("open"),
        cells("lost_amount"),
        cells("open_amount"),
    )

    def from_bottom(a: IntArray) -> IntArray:
        out: IntArray = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]
        return out

    entered = won[:, None] + from_bottom(lost + open_)
    entered_amt = won_amount[:, None] + from_bottom(lost_amt + open_amt)
    advanced = np.concatenate([entered[:, 1:], won[:, None]], axis=1)
    advanced_amt = np.concatenate([entered_amt[:, 1:], won_amount[:, None]], axis=1)
    lost_below = from_bottom(lost)
    history = counts.inference == "history"
    # Snapshot deals lost at an unknown stage sit at the first stage: the rates
    # that depend on where they were lost cannot be known (NaN, never a guess).
    unknown = np.zeros(g, dtype=bool)
    if not history and m > 1:  # with one open stage, every lost deal was lost there
        unknown = groups["lost_stage_assumed"].to_numpy(dtype=np.int64) > 0
    win_rate = _ratio(np.broadcast_to(won[:, None], (g, m)), won[:, None] + lost_below)
    win_rate[unknown, 1:] = np.nan
    conversion = _ratio(advanced, entered)
    cumulative = _ratio(advanced, entered[:, :1])
    drop_off = _ratio(lost, entered)
    for rates in (conversion, cumulative, drop_off):
        rates[unknown] = np.nan
    visits = cells("visits")
    seconds = cells("visit_seconds")
    median = np.full((g, m), np.nan)
    p90 = np.full((g, m), np.nan)
    if history and len(counts.durations):
        position = groups[keys].assign(_g=np.arange(g)) if keys else None
        durations = counts.durations
        if position is not None:
            durations = durations.merge(position, on=keys, how="inner", sort=False)
        else:
            durations = durations.assign(_g=0)
        stage_index = {name: i for i, name in enumerate(counts.stages)}
        for (gi, stage), part in durations.groupby(["_g", "stage"], sort=False):
            i, j = int(str(gi)), stage_index[str(stage)]
            hours = part["hours"].to_numpy()
            number = part["count"].to_numpy()
            median[i, j] = hours_quantile(hours, number, 0.5) / 24.0
            p90[i, j] = hours_quantile(hours, number, 0.9) / 24.0
    places = counts.minor_unit
    columns: dict[str, Any] = {
        "entered": entered.ravel(),
        "entered_amount": minor_units_to_decimals(entered_amt, places).ravel(),
        "advanced": advanced.ravel(),
        "advanced_amount": minor_units_to_decimals(advanced_amt, places).ravel(),
        "lost": lost.ravel(),
        "lost_amount": minor_units_to_decimals(lost_amt, places).ravel(),
        "open": open_.ravel(),
        "open_amount": minor_units_to_decimals(open_amt, places).ravel(),
        "conversion": conversion.ravel(),
        "cumulative_conversion": cumulative.ravel(),
        "drop_off": drop_off.ravel(),
        "win_rate": win_rate.ravel(),
        "days_median": median.ravel(),
        "days_mean": (_ratio(seconds, visits) / _SECONDS_PER_DAY).ravel(),
        "days_p90": p90.ravel(),
        "regressions": cells("regressions").ravel().astype(np.float64)
        if history
        else np.full(g * m, np.nan),
    }
    table = grid.assign(**columns)
    return table.set_index([*keys, "stage"]) if keys else table.set_index("stage")


def _summary(counts: FunnelCounts, groups: pd.DataFrame, rounding: str) -> pd.DataFrame:
    keys = list(counts.keys)
    by_stage = counts.by_stage
    if keys:
        sums = by_stage.groupby(keys, sort=False, dropna=False)[
            ["lost", "open", "lost_amount", "open_amount"]
        ].sum()
        per_group = groups[keys].merge(sums.reset_index(), on=keys, how="left", sort=False)
    else:
        per_group = pd.DataFrame(
            {c: [int(by_stage[c].sum())] for c in ("lost", "open", "lost_amount", "open_amount")}
        )
    won = groups["won"].to_numpy(dtype=np.int64)
    lost = per_group["lost"].to_numpy(dtype=np.int64)
    open_ = per_group["open"].to_numpy(dtype=np.int64)
    won_amount = groups["won_amount"].to_numpy(dtype=np.int64)
    places = counts.minor_unit
    average: list[object] = []
    for units, n in zip(won_amount.tolist(), won.tolist(), strict=True):
        if n and counts.currency:
            average.append((Money.from_minor(units, counts.currency) / n).quantize(rounding).amount)
        else:
            average.append(None)
    columns: dict[str, npt.ArrayLike] = {
        "deals": won + lost + open_,
        "won": won,
        "lost": lost,
        "open": open_,
        "won_amount": minor_units_to_decimals(won_amount, places),
        "lost_amount": minor_units_to_decimals(
            per_group["lost_amount"].to_numpy(dtype=np.int64), places
        ),
        "open_amount": minor_units_to_decimals(
            per_group["open_amount"].to_numpy(dtype=np.int64), places
        ),
        "win_rate": _ratio(won, won + lost),
        "average_won_deal": np.array(average, dtype=object),
        "cycle_days": _ratio(groups["cycle_days"], groups["cycle_count"]),
        "lost_stage_known": groups["lost_stage_known"].to_numpy(dtype=np.int64),
        "lost_stage_assumed": groups["lost_stage_assumed"].to_numpy(dtype=np.int64),
    }
    frame = pd.DataFrame(columns)
    if keys:
        return frame.set_index(
            pd.MultiIndex.from_frame(groups[keys])
            if len(keys) > 1
            else pd.Index(groups[keys[0]], name=keys[0])
        )
    return frame.set_index(pd.Index(["all"], name="segment"))


def _groups(counts: FunnelCounts) -> pd.DataFrame:
    if counts.keys:
        return counts.by_group.reset_index(drop=True)
    if len(counts.by_group):
        return counts.by_group.reset_index(drop=True)
    # No deal counted: one all-zero group so the report still lists every stage.
    return pd.DataFrame({c: [0] for c in counts.by_group.columns})


def report_from_counts(counts: FunnelCounts, *, rounding: str = ROUND_HALF_EVEN) -> FunnelReport:
    """Finish a :class:`FunnelReport` from (possibly summed) :class:`FunnelCounts`.

    Parameters
    ----------
    counts : FunnelCounts
        From :func:`~salescore.funnel.funnel_counts` or
        :func:`~salescore.funnel.funnel_counts_frame`, possibly a sum of
        partials.
    rounding : str
        Decimal rounding mode for the average won deal.

    Examples
    --------
    >>> from salescore import datasets
    >>> from salescore.funnel import funnel_counts
    >>> pipeline = datasets.pipeline()
    >>> deals = datasets.opportunities(pipeline)
    >>> parts = [funnel_counts(deals[i::3], pipeline) for i in range(3)]
    >>> report_from_counts(sum(parts)).won == funnel(deals, pipeline).won
    True
    """
    if not isinstance(counts, FunnelCounts):
        raise InvalidInputError(f"counts must be FunnelCounts, got {type(counts).__name__}")
    check_rounding(rounding)
    groups = _groups(counts)
    table = _stage_tables(counts, groups)
    summary = _summary(counts, groups, rounding)
    if counts.keys:
        total = counts.total()
        total_groups = _groups(total)
        overall = _stage_tables(total, total_groups)
        whole = _summary(total, total_groups, rounding)
    else:
        overall, whole = table, summary
    row = whole.iloc[0]
    average = row["average_won_deal"]
    return FunnelReport(
        table=table,
        summary=summary,
        overall=overall,
        win_rate=float(row["win_rate"]),
        average_won_deal=None
        if average is None or counts.currency is None
        else Money(average, counts.currency),
        cycle_days=float(row["cycle_days"]),
        deals=int(row["deals"]),
        won=int(row["won"]),
        lost=int(row["lost"]),
        open=int(row["open"]),
        inference=counts.inference,
        inference_note=_note(counts),
        counts=counts,
    )


@exact_decimals
def funnel(
    opportunities: Sequence[Opportunity],
    pipeline: Pipeline,
    *,
    source: Source | None = None,
    by: Iterable[str] = (),
    cohort: Cohort | None = None,
    period: Period | None = None,
    period_basis: PeriodBasis = "created",
    reopen: Reopen = "continue",
    lost_at: Mapping[str, str] | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> FunnelReport:
    """The sales funnel of a list of opportunities (single-object path).

    Counts with :func:`~salescore.funnel.funnel_counts` (see it for every
    option and for how skips, regressions, reopens and snapshots are
    treated) and finishes the report with :func:`report_from_counts`.

    Parameters
    ----------
    opportunities : sequence of Opportunity
        The deals, with their histories for ``source="history"``. Without
        any history and without ``source``, a
        :class:`~salescore.errors.MissingHistoryError` says what to pass.
    pipeline : Pipeline
        Their pipeline.
    source, by, cohort, period, period_basis, reopen, lost_at
        See :func:`~salescore.funnel.funnel_counts`.
    rounding : str
        Decimal rounding mode for the average won deal.

    Returns
    -------
    FunnelReport

    Examples
    --------
    >>> from salescore import datasets
    >>> pipeline = datasets.pipeline()
    >>> report = funnel(datasets.opportunities(pipeline), pipeline)
    >>> report.table[["entered", "advanced", "lost", "open", "conversion"]].round(3)
                 entered  advanced  lost  open  conversion
    stage
    Qualify           40        28     4     8       0.700
    Proposal          28        24     1     3       0.857
    Negotiation       24         9     9     6       0.375
    >>> round(report.win_rate, 3), report.average_won_deal
    (0.391, Money(amount=Decimal('260111.11'), currency='CNY'))
    """
    counts = funnel_counts(
        opportunities,
        pipeline,
        source=source,
        by=by,
        cohort=cohort,
        period=period,
        period_basis=period_basis,
        reopen=reopen,
        lost_at=lost_at,
    )
    return report_from_counts(counts, rounding=rounding)


@exact_decimals
def funnel_frame(
    opportunities: pd.DataFrame | CheckedFrame,
    pipeline: Pipeline,
    *,
    stage_changes: pd.DataFrame | CheckedFrame | None = None,
    source: Source | None = None,
    by: Iterable[str] = (),
    cohort: Cohort | None = None,
    period: Period | None = None,
    period_basis: PeriodBasis = "created",
    reopen: Reopen = "continue",
    lost_stage_column: str | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> FunnelReport:
    """The sales funnel of an opportunities frame (bulk path, vectorised).

    Counts with :func:`~salescore.funnel.funnel_counts_frame` (history when
    ``stage_changes`` is given; the snapshot inference only when asked for
    with ``source="snapshot"`` or ``lost_stage_column``) and finishes
    the report with :func:`report_from_counts`; agrees with :func:`funnel`
    on the same data.

    Parameters
    ----------
    opportunities : pandas.DataFrame or CheckedFrame
        One deal per row (the ``OPPORTUNITIES`` contract); not mutated. A
        :class:`~salescore.frames.CheckedFrame` is not checked again.
    pipeline : Pipeline
        Their pipeline.
    stage_changes, source, by, cohort, period, period_basis, reopen, lost_stage_column
        See :func:`~salescore.funnel.funnel_counts_frame`.
    rounding : str
        Decimal rounding mode for the average won deal.

    Returns
    -------
    FunnelReport

    Examples
    --------
    >>> from salescore import datasets
    >>> from salescore.frames import to_frame
    >>> pipeline = datasets.pipeline()
    >>> deals = to_frame(datasets.opportunities(pipeline))
    >>> report = funnel_frame(deals, pipeline, source="snapshot")
    >>> report.inference, report.table["entered"].tolist()
    ('snapshot', [40, 18, 15])
    >>> report.table["win_rate"].round(3).tolist()   # lost deals' stages unknown
    [0.391, nan, nan]
    """
    counts = funnel_counts_frame(
        opportunities,
        pipeline,
        stage_changes=stage_changes,
        source=source,
        by=by,
        cohort=cohort,
        period=period,
        period_basis=period_basis,
        reopen=reopen,
        lost_stage_column=lost_stage_column,
    )
    return report_from_counts(counts, rounding=rounding)
