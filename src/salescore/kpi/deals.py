"""Deal KPIs: sales amount, average deal size, win and conversion rates, single and bulk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._numeric import (
    exact_decimals,
    floats_to_minor_units,
    minor_units_to_decimals,
    to_minor_units,
)
from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError
from salescore.frames import OPPORTUNITIES, check_stage_column, validate_frame
from salescore.kpi._common import (
    _NEVER,
    BoolArray,
    FloatArray,
    IntArray,
    _combine,
    _count,
    _day,
    _days,
    _groups,
    _long,
    _periods,
    _ratio,
    _sum,
    _zeros,
)
from salescore.models import Opportunity, Pipeline, StageKind
from salescore.money import Money, check_currency, minor_unit

__all__ = [
    "average_deal_size",
    "combine_deal_kpis",
    "conversion_rate",
    "deal_kpis",
    "sales_amount",
    "win_rate",
]


@dataclass(frozen=True)
class _Deals:
    won: BoolArray
    lost: BoolArray
    created: IntArray
    closed: IntArray
    minor: IntArray  # amount in minor units of ``currency``
    currency: str | None


def _kinds(stages: npt.NDArray[Any], pipeline: Pipeline) -> tuple[BoolArray, BoolArray]:
    """Won and lost masks, looked up once per distinct stage name (no per-row Python)."""
    codes, uniques = pd.factorize(stages)
    kind = {s.name: s.kind for s in pipeline}
    won = np.array([kind[u] is StageKind.WON for u in uniques], dtype=bool)
    lost = np.array([kind[u] is StageKind.LOST for u in uniques], dtype=bool)
    return won[codes], lost[codes]


def _deals_from_models(
    opportunities: Sequence[Opportunity], pipeline: Pipeline, currency: str | None
) -> _Deals:
    currencies = {o.currency for o in opportunities}
    if currency is not None:
        check_currency(currency)
        others = sorted(currencies - {currency})
        if others:
            raise CurrencyMismatchError(
                f"opportunities in {', '.join(others)} cannot be summed in {currency}; "
                "convert them with FxRates first"
            )
    for o in opportunities:
        pipeline.check_stage(o.stage, what=f"opportunity {o.id!r} stage")
    won, lost = _kinds(np.array([o.stage for o in opportunities], dtype=object), pipeline)
    mu = minor_unit(currency) if currency is not None else 0
    minor = (
        to_minor_units([o.amount for o in opportunities], mu)
        if currency is not None
        else np.zeros(len(opportunities), np.int64)
    )
    return _Deals(
        won=won,
        lost=lost,
        created=np.array([_day(o.created_on) for o in opportunities], dtype=np.int64),
        closed=np.array(
            [_NEVER if o.close_date is None else _day(o.close_date) for o in opportunities],
            dtype=np.int64,
        ),
        minor=minor,
        currency=currency,
    )


def _deal_table(deals: _Deals, periods: list[Period], codes: IntArray, n: int) -> dict[str, Any]:
    """Counts and sums per (group, period): the kernel of every deal KPI."""
    k = len(periods)
    shape = (n, k)
    won_n, lost_n, created_n, created_won = (np.zeros(shape, np.int64) for _ in range(4))
    won_minor = np.zeros(shape, np.int64)
    for j, p in enumerate(periods):
        s, e = _day(p.start), _day(p.end)
        closed_in = (deals.closed >= s) & (deals.closed < e)
        created_in = (deals.created >= s) & (deals.created < e)
        won_in = closed_in & deals.won
        won_n[:, j] = _count(codes, won_in, n)
        lost_n[:, j] = _count(codes, closed_in & deals.lost, n)
        won_minor[:, j] = _sum(codes, won_in, deals.minor, n)
        created_n[:, j] = _count(codes, created_in, n)
        created_won[:, j] = _count(codes, created_in & deals.won, n)
    return {
        "won": won_n,
        "lost": lost_n,
        "won_minor": won_minor,
        "created": created_n,
        "created_won": created_won,
    }


@exact_decimals
def sales_amount(
    opportunities: Sequence[Opportunity], pipeline: Pipeline, period: Period, *, currency: str
) -> Money:
    """Won revenue: the amounts of deals won with a close date in ``period`` [currency].

    Parameters
    ----------
    opportunities : sequence of Opportunity
        Deals, all in ``currency`` (convert with ``FxRates`` first).
    pipeline : Pipeline
        Says which stages are won.
    period : Period
        Deals whose ``close_date`` lies in ``[start, end)`` count.
    currency : str
        The currency of the result; also the answer's currency when no deal
        was won (zero, not NaN: nothing was sold).

    Returns
    -------
    Money
        Exact sum, in the currency's minor units.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.models import Stage
    >>> pipe = Pipeline(stages=(Stage(name="Open", order=0, probability=0.2),
    ...     Stage(name="Won", order=1, probability=1, kind="won"),
    ...     Stage(name="Lost", order=2, probability=0, kind="lost")))
    >>> def deal(i, stage, amount, closed=None):
    ...     return Opportunity(id=i, owner_id="R1", amount=amount, currency="CNY", stage=stage,
    ...                        created_on=date(2026, 1, 5), close_date=closed)
    >>> deals = [deal("A", "Won", "100.10", date(2026, 2, 1)),
    ...          deal("B", "Won", "50", date(2026, 3, 9)),
    ...          deal("C", "Lost", "70", date(2026, 2, 3)), deal("D", "Open", "10")]
    >>> sales_amount(deals, pipe, Period.quarter(2026, 1), currency="CNY")
    Money(amount=Decimal('150.10'), currency='CNY')
    """
    table = _deal_table(
        _deals_from_models(opportunities, pipeline, currency),
        [period],
        _zeros(len(opportunities)),
        1,
    )
    return Money.from_minor(int(table["won_minor"][0, 0]), currency)


@exact_decimals
def average_deal_size(
    opportunities: Sequence[Opportunity], pipeline: Pipeline, period: Period, *, currency: str
) -> float:
    """Average won deal size: won amount ÷ deals won in ``period`` [currency].

    A statistic, so a float; NaN when no deal was won in the period (there is
    no average of nothing).

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.models import Stage
    >>> pipe = Pipeline(stages=(Stage(name="Open", order=0, probability=0.2),
    ...     Stage(name="Won", order=1, probability=1, kind="won"),
    ...     Stage(name="Lost", order=2, probability=0, kind="lost")))
    >>> deals = [Opportunity(id=i, owner_id="R1", amount=a, currency="CNY", stage="Won",
    ...                      created_on=date(2026, 1, 5), close_date=date(2026, 2, 1))
    ...          for i, a in (("A", 100), ("B", 51))]
    >>> average_deal_size(deals, pipe, Period.month(2026, 2), currency="CNY")
    75.5
    >>> average_deal_size(deals, pipe, Period.month(2026, 3), currency="CNY")
    nan
    """
    table = _deal_table(
        _deals_from_models(opportunities, pipeline, currency),
        [period],
        _zeros(len(opportunities)),
        1,
    )
    scale = 10.0 ** minor_unit(currency)
    return float(_ratio(table["won_minor"][0, 0] / scale, table["won"][0, 0]))


@exact_decimals
def win_rate(opportunities: Sequence[Opportunity], pipeline: Pipeline, period: Period) -> float:
    """Win rate: won ÷ (won + lost) among deals closed in ``period`` [fraction].

    NaN when no deal closed in the period (nothing to win or lose yet).

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.models import Stage
    >>> pipe = Pipeline(stages=(Stage(name="Open", order=0, probability=0.2),
    ...     Stage(name="Won", order=1, probability=1, kind="won"),
    ...     Stage(name="Lost", order=2, probability=0, kind="lost")))
    >>> deals = [Opportunity(id=i, owner_id="R1", amount=1, currency="CNY", stage=s,
    ...                      created_on=date(2026, 1, 5), close_date=date(2026, 2, 1))
    ...          for i, s in (("A", "Won"), ("B", "Lost"), ("C", "Lost"), ("D", "Lost"))]
    >>> win_rate(deals, pipe, Period.month(2026, 2))
    0.25
    """
    table = _deal_table(
        _deals_from_models(opportunities, pipeline, None), [period], _zeros(len(opportunities)), 1
    )
    won, lost = table["won"][0, 0], table["lost"][0, 0]
    return float(_ratio(won, won + lost))


@exact_decimals
def conversion_rate(
    opportunities: Sequence[Opportunity], pipeline: Pipeline, period: Period
) -> float:
    """Conversion rate of the deals created in ``period``: share of them won so far [fraction].

    A cohort measure: young cohorts still have open deals, so compare
    periods of similar age. NaN when no deal was created in the period.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.models import Stage
    >>> pipe = Pipeline(stages=(Stage(name="Open", order=0, probability=0.2),
    ...     Stage(name="Won", order=1, probability=1, kind="won"),
    ...     Stage(name="Lost", order=2, probability=0, kind="lost")))
    >>> deals = [Opportunity(id=i, owner_id="R1", amount=1, currency="CNY", stage=s,
    ...                      created_on=date(2026, 1, 5)) for i, s in (("A", "Won"), ("B", "Open"))]
    >>> conversion_rate(deals, pipe, Period.month(2026, 1))
    0.5
    """
    table = _deal_table(
        _deals_from_models(opportunities, pipeline, None), [period], _zeros(len(opportunities)), 1
    )
    return float(_ratio(table["created_won"][0, 0], table["created"][0, 0]))


@exact_decimals
def deal_kpis(
    df: pd.DataFrame,
    pipeline: Pipeline,
    periods: Period | Sequence[Period],
    *,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Deal KPIs for every period (and segment) of an opportunities frame, vectorised.

    Parameters
    ----------
    df : pandas.DataFrame
        An :data:`~salescore.frames.OPPORTUNITIES` frame in one currency.
        Validated first (a :class:`~salescore.errors.FrameValidationError`
        lists every bad row); not mutated.
    pipeline : Pipeline
        Says which stages are won and lost; unknown stages raise.
    periods : Period or sequence of Period
        Periods to report, in the order given (they may overlap).
    by : sequence of str
        Segment columns (``owner_id``, ``channel_id``, ...); one row per
        segment and period.

    Returns
    -------
    pandas.DataFrame
        One row per (segment, period) with the ``by`` columns, ``period``
        (label), ``period_start``, and:

        - ``won``, ``lost``: deals won / lost with a close date in the period;
        - ``created``, ``created_won``: deals created in the period, and of
          them those won so far;
        - ``sales_amount``: won amount [currency], exact ``Decimal``;
        - ``average_deal_size``: ``sales_amount ÷ won`` [currency], NaN
          when none was won;
        - ``win_rate``: ``won ÷ (won + lost)`` [fraction], NaN when none closed;
        - ``conversion_rate``: ``created_won ÷ created`` [fraction], NaN when
          none was created.

        The counts and ``sales_amount`` add across partitions of ``df``.

    Examples
    --------
    >>> from salescore.models import Stage
    >>> pipe = Pipeline(stages=(Stage(name="Open", order=0, probability=0.2),
    ...     Stage(name="Won", order=1, probability=1, kind="won"),
    ...     Stage(name="Lost", order=2, probability=0, kind="lost")))
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "owner_id": ["R1", "R1", "R2"],
    ...     "amount": [100.0, 60.0, 40.0], "currency": "CNY", "stage": ["Won", "Lost", "Won"],
    ...     "created_on": pd.to_datetime(["2026-01-05", "2026-01-09", "2026-02-02"]),
    ...     "close_date": pd.to_datetime(["2026-02-01", "2026-02-10", "2026-03-01"])})
    >>> out = deal_kpis(df, pipe, [Period.quarter(2026, 1)], by=["owner_id"])
    >>> out[["owner_id", "period", "won", "lost", "sales_amount", "win_rate"]]
      owner_id   period  won  lost sales_amount  win_rate
    0       R1  2026-Q1    1     1       100.00       0.5
    1       R2  2026-Q1    1     0        40.00       1.0
    """
    chosen = _periods(periods)
    frame = validate_frame(df, OPPORTUNITIES)
    check_stage_column(frame["stage"], pipeline)
    currencies = sorted(set(frame["currency"].dropna().unique().tolist()))
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            f"the frame mixes currencies {', '.join(currencies)}; convert them with FxRates "
            "first or pass one currency at a time"
        )
    currency = currencies[0] if currencies else None
    codes, keys = _groups(frame, by)
    won, lost = _kinds(frame["stage"].to_numpy(dtype=object), pipeline)
    mu = minor_unit(currency) if currency is not None else 0
    deals = _Deals(
        won=won,
        lost=lost,
        created=_days(frame["created_on"]),
        closed=_days(frame["close_date"]) if "close_date" in frame else np.full(len(frame), _NEVER),
        minor=floats_to_minor_units(frame["amount"].to_numpy(), mu),
        currency=currency,
    )
    table = _deal_table(deals, chosen, codes, len(keys))
    counts = {name: table[name] for name in _DEAL_COUNTS}
    counts["sales_amount"] = minor_units_to_decimals(table["won_minor"], mu)
    return _long(keys, chosen, {**counts, **_deal_rates(counts, table["won_minor"] / 10.0**mu)})


_DEAL_COUNTS: Final = ("won", "lost", "created", "created_won")


def _deal_rates(counts: Mapping[str, Any], sales: npt.ArrayLike) -> dict[str, FloatArray]:
    """The ratio columns of :func:`deal_kpis` from its counts and the won amount [float]."""
    won = np.asarray(counts["won"])
    return {
        "average_deal_size": _ratio(sales, won),
        "win_rate": _ratio(won, won + np.asarray(counts["lost"])),
        "conversion_rate": _ratio(counts["created_won"], counts["created"]),
    }


def combine_deal_kpis(parts: Sequence[pd.DataFrame], *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Merge :func:`deal_kpis` frames of disjoint sets of deals into the frame of all of them.

    The counts and ``sales_amount`` add per (segment, period); the ratios are
    computed again from the sums, so the result equals ``deal_kpis`` on the
    concatenated deals. Every part must come from the same ``pipeline``,
    ``periods`` and ``by``, and all parts from one currency.

    Parameters
    ----------
    parts : sequence of pandas.DataFrame
        Outputs of :func:`deal_kpis`, one per chunk of deals.
    by : sequence of str
        The ``by`` the parts were computed with.

    Returns
    -------
    pandas.DataFrame
        The :func:`deal_kpis` frame of all the deals.

    Raises
    ------
    InvalidInputError
        No parts, or a part without the columns of ``deal_kpis`` and ``by``.

    Examples
    --------
    >>> from salescore.models import Stage
    >>> pipe = Pipeline(stages=(Stage(name="Open", order=0, probability=0.2),
    ...     Stage(name="Won", order=1, probability=1, kind="won"),
    ...     Stage(name="Lost", order=2, probability=0, kind="lost")))
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "owner_id": ["R1", "R1", "R2"],
    ...     "amount": [100.0, 60.0, 40.0], "currency": "CNY", "stage": ["Won", "Lost", "Won"],
    ...     "created_on": pd.to_datetime(["2026-01-05", "2026-01-09", "2026-02-02"]),
    ...     "close_date": pd.to_datetime(["2026-02-01", "2026-02-10", "2026-03-01"])})
    >>> q1 = [Period.quarter(2026, 1)]
    >>> parts = [deal_kpis(df.iloc[:1], pipe, q1), deal_kpis(df.iloc[1:], pipe, q1)]
    >>> combine_deal_kpis(parts)[["won", "lost", "sales_amount", "win_rate"]]
       won  lost sales_amount  win_rate
    0    2     1       140.00  0.666667
    """
    out, counts = _combine(parts, by, (*_DEAL_COUNTS, "sales_amount"))
    sales = np.array([float(amount) for amount in counts["sales_amount"]], dtype=np.float64)
    return out.assign(**_deal_rates(counts, sales))
