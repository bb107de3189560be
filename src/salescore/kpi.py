"""Sales KPIs: the measures performance is evaluated with, single and bulk, period aware.

Each KPI has a single form on models or plain numbers and a bulk form on a
DataFrame that computes it for many periods (and segments, ``by=``) at once,
vectorised. Both run on the same kernel. Rates are float fractions; a zero
denominator gives NaN, never an exception, and each function documents what
that NaN means (no closed deal, no customer at the start, no response, ...).

Bulk frames carry each KPI's numerator and denominator beside it: those
counts and sums add across partitions of the input, so the KPI of a union is
recomputed from the summed columns (the mergeable partial).

Deal KPIs (:func:`sales_amount`, :func:`average_deal_size`,
:func:`win_rate`, :func:`conversion_rate`; bulk :func:`deal_kpis`), customer
KPIs (:func:`customer_count`, :func:`new_customers`, :func:`churn_rate`,
:func:`retention_rate`; bulk :func:`customer_kpis`), growth
(:func:`growth_rate`, :func:`growth_rates`), market share
(:func:`market_share`, :func:`market_share_frame`), satisfaction
(:func:`csat`, :func:`nps`; bulk :func:`survey_kpis`) and quota attainment
(:func:`quota_attainment`, :func:`quota_attainment_frame`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import model_validator

from salescore._base import FrozenModel
from salescore._failures import Failures
from salescore._numeric import (
    exact_decimals,
    floats_to_minor_units,
    minor_units_to_decimals,
    to_decimal,
    to_minor_units,
)
from salescore.calendar import Period
from salescore.error_codes import FailureReason
from salescore.errors import CurrencyMismatchError, FrameValidationError, InvalidInputError
from salescore.frames import OPPORTUNITIES, check_stage_column, validate_frame
from salescore.models import Opportunity, Pipeline, StageKind
from salescore.models._fields import Identifier
from salescore.money import Money, check_currency, minor_unit

__all__ = [
    "AttainmentDistribution",
    "CustomerSpan",
    "average_deal_size",
    "churn_rate",
    "combine_customer_kpis",
    "combine_deal_kpis",
    "conversion_rate",
    "csat",
    "customer_count",
    "customer_kpis",
    "deal_kpis",
    "growth_rate",
    "growth_rates",
    "market_share",
    "market_share_frame",
    "new_customers",
    "nps",
    "quota_attainment",
    "quota_attainment_frame",
    "retention_rate",
    "sales_amount",
    "survey_kpis",
    "win_rate",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

# Day numbers: days since 1970-01-01; a missing date is a day no period reaches.
_NEVER: Final = np.iinfo(np.int64).max


def _day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _days(series: pd.Series[Any]) -> IntArray:
    """Day numbers of a datetime column; NaT becomes ``_NEVER``."""
    values = pd.to_datetime(series).to_numpy(dtype="datetime64[D]")
    out = values.astype(np.int64)
    out[np.isnat(values)] = _NEVER
    return out


def _ratio(num: npt.ArrayLike, den: npt.ArrayLike) -> FloatArray:
    """``num / den`` with NaN where ``den`` is 0 (the documented meaning of each KPI)."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d == 0, np.nan, n / np.where(d == 0, 1.0, d))


def _periods(periods: Period | Sequence[Period]) -> list[Period]:
    chosen = [periods] if isinstance(periods, Period) else list(periods)
    if not chosen:
        raise InvalidInputError("periods is empty; give at least one Period")
    for p in chosen:
        if not isinstance(p, Period):
            raise InvalidInputError(f"period {p!r} is not a Period")
    return chosen


def _groups(df: pd.DataFrame, by: Sequence[str]) -> tuple[IntArray, pd.DataFrame]:
    """Integer group codes per row and the distinct keys (one row per code)."""
    missing = [c for c in by if c not in df.columns]
    if missing:
        raise InvalidInputError(f"by= names column(s) {missing} not in the frame")
    if not by:
        return np.zeros(len(df), np.int64), pd.DataFrame(index=[0])
    grouped = df.groupby(list(by), sort=True, dropna=False, observed=True)
    codes: IntArray = np.asarray(grouped.ngroup(), dtype=np.int64)
    keys = grouped.size().index.to_frame(index=False)
    return codes, keys


def _count(codes: IntArray, mask: BoolArray, n: int) -> IntArray:
    return np.bincount(codes[mask], minlength=n).astype(np.int64)


def _sum(codes: IntArray, mask: BoolArray, values: IntArray, n: int) -> IntArray:
    # Exact integer sums (bincount would go through float64).
    out = np.zeros(n, np.int64)
    np.add.at(out, codes[mask], values[mask])
    return out


def _long(
    keys: pd.DataFrame, periods: list[Period], columns: dict[str, npt.NDArray[Any]]
) -> pd.DataFrame:
    """A long frame, one row per (group, period), from (groups, periods) arrays."""
    n, k = len(keys), len(periods)
    frame = keys.loc[np.repeat(np.arange(n), k)].reset_index(drop=True)
    frame["period"] = [str(p) for p in periods] * n
    frame["period_start"] = pd.to_datetime([p.start for p in periods] * n)
    for name, values in columns.items():
        frame[name] = np.asarray(values).reshape(n * k)
    return frame


# -- deals ------------------------------------------------------------------------


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


def _zeros(n: int) -> IntArray:
    return np.zeros(n, np.int64)


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
_CUSTOMER_COUNTS: Final = ("customers_start", "customers_end", "new_customers", "lost_customers")


def _deal_rates(counts: Mapping[str, Any], sales: npt.ArrayLike) -> dict[str, FloatArray]:
    """The ratio columns of :func:`deal_kpis` from its counts and the won amount [float]."""
    won = np.asarray(counts["won"])
    return {
        "average_deal_size": _ratio(sales, won),
        "win_rate": _ratio(won, won + np.asarray(counts["lost"])),
        "conversion_rate": _ratio(counts["created_won"], counts["created"]),
    }


def _customer_rates(counts: Mapping[str, Any]) -> dict[str, FloatArray]:
    """The ratio columns of :func:`customer_kpis` from its counts."""
    start, lost = np.asarray(counts["customers_start"]), np.asarray(counts["lost_customers"])
    return {"churn_rate": _ratio(lost, start), "retention_rate": _ratio(start - lost, start)}


def _combine(
    parts: Sequence[pd.DataFrame], by: Sequence[str], summed: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Add the count columns of KPI frames of the same periods, per (segment, period).

    A segment's rows hold its periods in the order given, so a row's place
    within its segment (``cumcount``) names its period even when two
    periods share a label.
    """
    if not parts:
        raise InvalidInputError("parts is empty; give at least one KPI frame to combine")
    keys = list(by)
    needed = [*keys, "period", "period_start", *summed]
    for i, part in enumerate(parts):
        if not isinstance(part, pd.DataFrame):
            raise InvalidInputError(f"parts[{i}] is {type(part).__name__}, not a KPI DataFrame")
        absent = [c for c in needed if c not in part.columns]
        if absent:
            raise InvalidInputError(
                f"parts[{i}] has no column {', '.join(map(repr, absent))}; "
                f"combine frames of the same KPI function and by={keys}"
            )
    # An empty part (a chunk with no deals of any segment) adds nothing, and its
    # empty columns would widen the dtypes of the others.
    used = [part for part in parts if len(part)] or list(parts[:1])
    stacked = pd.concat(
        [
            part[needed].assign(
                _place=part.groupby(keys, sort=False, dropna=False).cumcount().to_numpy()
                if keys
                else np.arange(len(part))
            )
            for part in used
        ],
        ignore_index=True,
    )
    grouped = stacked.groupby([*keys, "_place"], sort=True, dropna=False, observed=True)
    first = grouped[["period", "period_start"]].first()
    sums = grouped[list(summed)].sum()
    out = pd.concat([first, sums], axis=1).reset_index().drop(columns="_place")
    counts = {name: out[name].to_numpy() for name in summed}
    return out, counts


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


# -- customers ------------------------------------------------------------------------


class CustomerSpan(FrozenModel):
    """A stretch of time during which an account is a customer.

    Parameters
    ----------
    customer_id : str
        The account.
    since : date
        First day as a customer.
    until : date, optional
        First day no longer a customer (churned); ``None`` while still one.
        A customer who returns has a second span and counts as new again.

    Examples
    --------
    >>> from datetime import date
    >>> CustomerSpan(customer_id="C1", since=date(2025, 3, 1)).until is None
    True
    """

    customer_id: Identifier
    since: date
    until: date | None = None

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.until is not None and self.until <= self.since:
            raise InvalidInputError(
                f"customer {self.customer_id!r} until {self.until} must be after since "
                f"{self.since} (spans are half-open)"
            )
        return self


def _customer_table(
    since: IntArray, until: IntArray, periods: list[Period], codes: IntArray, n: int
) -> dict[str, IntArray]:
    """Customers at start and end, new and lost per (group, period): the customer kernel."""
    k = len(periods)
    out = {name: np.zeros((n, k), np.int64) for name in ("start", "end", "new", "lost")}
    for j, p in enumerate(periods):
        s, e = _day(p.start), _day(p.end)
        at_start = (since <= s) & (until > s)  # a customer on the first day
        out["start"][:, j] = _count(codes, at_start, n)
        out["end"][:, j] = _count(codes, (since < e) & (until >= e), n)  # on the last day
        out["new"][:, j] = _count(codes, (since >= s) & (since < e), n)
        # Lost: a customer on the first day who is no longer one by the last day.
        out["lost"][:, j] = _count(codes, at_start & (until < e), n)
    return out


def _span_arrays(customers: Sequence[CustomerSpan]) -> tuple[IntArray, IntArray]:
    since = np.array([_day(c.since) for c in customers], dtype=np.int64)
    until = np.array(
        [_NEVER if c.until is None else _day(c.until) for c in customers], dtype=np.int64
    )
    return since, until


def customer_count(customers: Sequence[CustomerSpan], on: date) -> int:
    """Number of customers on the day ``on`` [customers].

    Examples
    --------
    >>> from datetime import date
    >>> spans = [CustomerSpan(customer_id="A", since=date(2025, 1, 1)),
    ...          CustomerSpan(customer_id="B", since=date(2025, 6, 1), until=date(2026, 2, 1))]
    >>> customer_count(spans, date(2026, 1, 31)), customer_count(spans, date(2026, 2, 1))
    (2, 1)
    """
    since, until = _span_arrays(customers)
    table = _customer_table(since, until, [Period.day(on)], _zeros(len(customers)), 1)
    return int(table["start"][0, 0])


def new_customers(customers: Sequence[CustomerSpan], period: Period) -> int:
    """Number of customer spans starting in ``period`` [customers].

    Examples
    --------
    >>> from datetime import date
    >>> spans = [CustomerSpan(customer_id="A", since=date(2026, 1, 9)),
    ...          CustomerSpan(customer_id="B", since=date(2025, 6, 1))]
    >>> new_customers(spans, Period.quarter(2026, 1))
    1
    """
    since, until = _span_arrays(customers)
    return int(_customer_table(since, until, [period], _zeros(len(customers)), 1)["new"][0, 0])


@exact_decimals
def churn_rate(customers: Sequence[CustomerSpan], period: Period) -> float:
    """Churn rate: customers lost in ``period`` ÷ customers at its start [fraction].

    Only customers present on the first day count, in the numerator and the
    denominator, so the rate stays in [0, 1]; a customer won and lost inside
    the period is not churn of the starting base. NaN when there was no
    customer at the start (no base to lose from).

    Examples
    --------
    >>> from datetime import date
    >>> spans = [CustomerSpan(customer_id=c, since=date(2025, 1, 1), until=u) for c, u in
    ...          [("A", None), ("B", date(2026, 2, 1)), ("C", None), ("D", None)]]
    >>> churn_rate(spans, Period.quarter(2026, 1)), retention_rate(spans, Period.quarter(2026, 1))
    (0.25, 0.75)
    >>> churn_rate(spans, Period.year(2024))
    nan
    """
    since, until = _span_arrays(customers)
    t = _customer_table(since, until, [period], _zeros(len(customers)), 1)
    return float(_ratio(t["lost"][0, 0], t["start"][0, 0]))


@exact_decimals
def retention_rate(customers: Sequence[CustomerSpan], period: Period) -> float:
    """Retention: share of the customers at the start of ``period`` still customers at its end.

    Equals ``1 - churn_rate`` [fraction]; NaN when there was no customer at
    the start. (The other common formula, (end − new) ÷ start, also subtracts
    new customers lost within the period; it is not used.)

    Examples
    --------
    >>> from datetime import date
    >>> spans = [CustomerSpan(customer_id="A", since=date(2025, 1, 1), until=date(2026, 3, 1))]
    >>> retention_rate(spans, Period.year(2026))
    0.0
    """
    since, until = _span_arrays(customers)
    t = _customer_table(since, until, [period], _zeros(len(customers)), 1)
    return float(_ratio(t["start"][0, 0] - t["lost"][0, 0], t["start"][0, 0]))


def _failures(
    frame: pd.DataFrame,
    parts: list[tuple[Any, str, pd.Series[Any], str]],
    what: str,
    *,
    rule: str = "",
) -> None:
    """Raise the failure table of (mask, column, values, reason) parts, if any failed."""
    failures = Failures(frame)
    for mask, column, values, reason in parts:
        failures.add(column, reason, mask, values=values)
    failures.raise_if_any(what, rule=rule)


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        failures = Failures(df)
        for column in missing:
            failures.add_frame(column, FailureReason.MISSING_COLUMN)
        raise FrameValidationError(
            f"{what} frame lacks column(s) {missing}; required: {list(columns)}", failures.table()
        )


@exact_decimals
def customer_kpis(
    df: pd.DataFrame, periods: Period | Sequence[Period], *, by: Sequence[str] = ()
) -> pd.DataFrame:
    """Customer KPIs for every period (and segment) of a customer-span frame, vectorised.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per :class:`CustomerSpan`: ``customer_id``, ``since``
        (date) and ``until`` (date or missing). Not mutated; bad rows raise
        a :class:`~salescore.errors.FrameValidationError` listing all.
    periods : Period or sequence of Period
        Periods to report.
    by : sequence of str
        Segment columns (``region``, ``plan``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per (segment, period): ``customers_start`` (on the first
        day), ``customers_end`` (on the last day), ``new_customers``,
        ``lost_customers`` (of those at the start), ``churn_rate`` and
        ``retention_rate`` [fraction], NaN when ``customers_start`` is 0.

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": ["A", "B", "C"],
    ...     "since": pd.to_datetime(["2025-01-01", "2025-05-01", "2026-02-01"]),
    ...     "until": pd.to_datetime([None, "2026-03-01", None])})
    >>> out = customer_kpis(df, [Period.quarter(2026, 1), Period.quarter(2026, 2)])
    >>> out[["period", "customers_start", "customers_end", "new_customers", "churn_rate"]]
        period  customers_start  customers_end  new_customers  churn_rate
    0  2026-Q1                2              2              1         0.5
    1  2026-Q2                2              2              0         0.0
    """
    chosen = _periods(periods)
    _require(df, ("customer_id", "since"), "customer")
    since_t = pd.to_datetime(df["since"], errors="coerce")
    until_raw = df["until"] if "until" in df.columns else pd.Series(pd.NaT, index=df.index)
    until_t = pd.to_datetime(until_raw, errors="coerce")
    _failures(
        df,
        [
            (df["customer_id"].isna(), "customer_id", df["customer_id"], FailureReason.NOT_NULL),
            (since_t.isna(), "since", df["since"], FailureReason.NOT_NULL_DATE),
            (until_t.isna() & until_raw.notna(), "until", until_raw, FailureReason.WRONG_TYPE),
            (
                until_t.notna() & (until_t <= since_t),
                "until",
                until_raw,
                FailureReason.NOT_AFTER_SINCE,
            ),
        ],
        "customer",
    )
    codes, keys = _groups(df, by)
    t = _customer_table(_days(since_t), _days(until_t), chosen, codes, len(keys))
    counts = dict(zip(_CUSTOMER_COUNTS, (t["start"], t["end"], t["new"], t["lost"]), strict=True))
    return _long(keys, chosen, {**counts, **_customer_rates(counts)})


def combine_customer_kpis(parts: Sequence[pd.DataFrame], *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Merge :func:`customer_kpis` frames of disjoint sets of customers.

    The four counts add per (segment, period) and the rates are computed
    again, so the result equals ``customer_kpis`` on all the spans. Every
    part must come from the same ``periods`` and ``by``.

    Parameters
    ----------
    parts : sequence of pandas.DataFrame
        Outputs of :func:`customer_kpis`, one per chunk of customer spans.
    by : sequence of str
        The ``by`` the parts were computed with.

    Returns
    -------
    pandas.DataFrame
        The :func:`customer_kpis` frame of all the spans.

    Raises
    ------
    InvalidInputError
        No parts, or a part without the columns of ``customer_kpis`` and ``by``.

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": ["A", "B", "C"],
    ...     "since": pd.to_datetime(["2025-01-01", "2025-05-01", "2026-02-01"]),
    ...     "until": pd.to_datetime([None, "2026-03-01", None])})
    >>> q1 = [Period.quarter(2026, 1)]
    >>> parts = [customer_kpis(df.iloc[:2], q1), customer_kpis(df.iloc[2:], q1)]
    >>> combine_customer_kpis(parts)[["customers_start", "new_customers", "churn_rate"]]
       customers_start  new_customers  churn_rate
    0                2              1         0.5
    """
    out, counts = _combine(parts, by, _CUSTOMER_COUNTS)
    return out.assign(**_customer_rates(counts))


# -- growth and market share --------------------------------------------------------


def _number(value: object, what: str) -> float:
    if isinstance(value, Money):
        return float(value.amount)
    return float(to_decimal(value, what=what))


@exact_decimals
def growth_rate(current: object, previous: object) -> float:
    """Growth from ``previous`` to ``current``: ``(current − previous) ÷ |previous|`` [fraction].

    NaN when ``previous`` is 0: growth from nothing has no rate. ``Money``
    values must share a currency.

    Examples
    --------
    >>> growth_rate(1100, 1000), growth_rate(Money("90", "CNY"), Money("100", "CNY"))
    (0.1, -0.1)
    >>> growth_rate(5, 0)
    nan
    """
    if (
        isinstance(current, Money)
        and isinstance(previous, Money)
        and current.currency != previous.currency
    ):
        raise CurrencyMismatchError(
            f"cannot compare {current.currency} with {previous.currency}; convert first"
        )
    c, p = _number(current, "current"), _number(previous, "previous")
    return float(_ratio(c - p, abs(p)))


_LAGS: Final[dict[str, int]] = {"M": 12, "Q": 4, "Y": 1}


@exact_decimals
def growth_rates(values: pd.Series[Any], *, lag: Literal["pop", "yoy"] = "pop") -> pd.DataFrame:
    """Period-over-period or year-over-year growth of a series indexed by periods.

    Parameters
    ----------
    values : pandas.Series
        Values indexed by a ``pandas.PeriodIndex`` (monthly, quarterly,
        yearly, weekly or daily for ``pop``; monthly, quarterly or yearly for
        ``yoy``), unique. Not mutated; missing periods are allowed.
    lag : {"pop", "yoy"}
        Compare with the previous period, or with the same period a year
        earlier.

    Returns
    -------
    pandas.DataFrame
        Same index: ``value``, ``previous`` (NaN when that period is not in
        the series) and ``growth`` [fraction], NaN when ``previous`` is
        missing or 0.

    Examples
    --------
    >>> s = pd.Series([100.0, 110.0, 99.0],
    ...               index=pd.period_range("2026-01", periods=3, freq="M"))
    >>> growth_rates(s)
             value  previous  growth
    2026-01  100.0       NaN     NaN
    2026-02  110.0     100.0     0.1
    2026-03   99.0     110.0    -0.1
    """
    if not isinstance(values.index, pd.PeriodIndex):
        raise InvalidInputError(
            f"values must be indexed by a pandas PeriodIndex, not {type(values.index).__name__}"
        )
    if not values.index.is_unique:
        raise InvalidInputError("values has repeated periods; give one value per period")
    index = values.index
    if lag == "pop":
        steps = 1
    elif lag == "yoy":
        code = index.freqstr[0]
        if code not in _LAGS:
            raise InvalidInputError(
                f"year-over-year needs monthly, quarterly or yearly periods, not {index.freqstr!r}"
            )
        steps = _LAGS[code]
    else:
        raise InvalidInputError(f"lag {lag!r} is not allowed; use 'pop' or 'yoy'")
    current = pd.to_numeric(values, errors="raise").astype(np.float64)
    previous = current.reindex(index - steps).to_numpy()
    return pd.DataFrame(
        {
            "value": current.to_numpy(),
            "previous": previous,
            "growth": _ratio(current.to_numpy() - previous, np.abs(previous)),
        },
        index=index,
    )


@exact_decimals
def market_share(sales: object, market_size: object) -> float:
    """Market share: sales ÷ market size, both in one currency or unit [fraction].

    NaN when the market size is 0 (no market to share). Sales above the
    market size, or negative values, are contradictory and raise.

    Examples
    --------
    >>> market_share(Money("250", "CNY"), Money("1000", "CNY"))
    0.25
    >>> market_share(0, 0)
    nan
    """
    if (
        isinstance(sales, Money)
        and isinstance(market_size, Money)
        and sales.currency != market_size.currency
    ):
        raise CurrencyMismatchError(
            f"sales in {sales.currency} and market size in {market_size.currency}; convert first"
        )
    s, m = _number(sales, "sales"), _number(market_size, "market_size")
    share = market_share_frame(pd.Series([s]), pd.Series([m]))
    return float(share.iloc[0])


@exact_decimals
def market_share_frame(sales: pd.Series[Any], market_size: pd.Series[Any]) -> pd.Series[float]:
    """Vectorised market share of aligned series: ``sales ÷ market_size`` [fraction].

    The two series are aligned on their index (a label in one only gives
    NaN). NaN where the market size is 0.

    Raises
    ------
    InvalidInputError
        A negative value, or sales above the market size, naming the label.

    Examples
    --------
    >>> market_share_frame(pd.Series({"East": 30.0, "West": 0.0}),
    ...                    pd.Series({"East": 120.0, "West": 0.0}))
    East    0.25
    West     NaN
    Name: market_share, dtype: float64
    """
    s, m = sales.astype(np.float64).align(market_size.astype(np.float64))
    for name, series in (("sales", s), ("market_size", m)):
        bad = series < 0
        if bad.any():
            label = series.index[bad.to_numpy()][0]
            raise InvalidInputError(f"{name} {series[label]} at {label!r} is negative; it is >= 0")
    over = s > m
    if over.any():
        label = s.index[over.to_numpy()][0]
        raise InvalidInputError(
            f"sales {s[label]} at {label!r} exceed the market size {m[label]}; a share is <= 1"
        )
    return pd.Series(_ratio(s.to_numpy(), m.to_numpy()), index=s.index, name="market_share")


# -- satisfaction ----------------------------------------------------------------------


def _scores(scores: Sequence[object] | npt.ArrayLike, lo: int, hi: int, what: str) -> IntArray:
    arr = np.asarray(scores, dtype=object).ravel()
    out = np.empty(len(arr), np.int64)
    for i, v in enumerate(arr.tolist()):
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float | np.number)
            or not math.isfinite(v)
            or v != int(v)
            or not lo <= v <= hi
        ):
            raise InvalidInputError(
                f"{what} score {v!r} at position {i} is not a whole number in [{lo}, {hi}]"
            )
        out[i] = int(v)
    return out


def _check_scale(scale: int, top_box: int) -> None:
    if scale < 2:
        raise InvalidInputError(f"scale {scale} is too small; a CSAT scale has at least 2 points")
    if not 1 <= top_box < scale:
        raise InvalidInputError(
            f"top_box {top_box} must be in [1, {scale - 1}] for a {scale}-point scale"
        )


def csat(scores: Sequence[object] | npt.ArrayLike, *, scale: int = 5, top_box: int = 2) -> float:
    """Customer satisfaction: share of answers in the top ``top_box`` points of a 1-``scale`` scale.

    With the default 5-point scale, 4 and 5 count as satisfied [fraction].
    NaN when there is no answer.

    Examples
    --------
    >>> csat([5, 4, 3, 5, 1])
    0.6
    >>> csat([])
    nan
    """
    _check_scale(scale, top_box)
    arr = _scores(scores, 1, scale, "CSAT")
    return float(_ratio(int((arr > scale - top_box).sum()), len(arr)))


def nps(scores: Sequence[object] | npt.ArrayLike) -> float:
    """Net Promoter Score from 0-10 answers: (promoters − detractors) ÷ answers.

    Promoters answer 9 or 10, detractors 0 to 6. A fraction in [-1, 1]
    (multiply by 100 for the usual "NPS points"); NaN when there is no
    answer.

    Examples
    --------
    >>> nps([10, 9, 8, 7, 6, 0])
    0.0
    >>> nps([10, 10, 9, 3])
    0.5
    """
    arr = _scores(scores, 0, 10, "NPS")
    return float(_ratio(int((arr >= 9).sum()) - int((arr <= 6).sum()), len(arr)))


def survey_kpis(
    df: pd.DataFrame,
    periods: Period | Sequence[Period],
    *,
    kind: Literal["csat", "nps"],
    by: Sequence[str] = (),
    scale: int = 5,
    top_box: int = 2,
) -> pd.DataFrame:
    """CSAT or NPS for every period (and segment) of a survey-answer frame, vectorised.

    Parameters
    ----------
    df : pandas.DataFrame
        One answer per row: ``answered_on`` (date) and ``score`` (whole
        number: 1-``scale`` for CSAT, 0-10 for NPS). Not mutated; bad rows
        raise a :class:`~salescore.errors.FrameValidationError` listing all.
    periods : Period or sequence of Period
        Periods to report; an answer counts in the period containing its date.
    kind : {"csat", "nps"}
        Which measure.
    by : sequence of str
        Segment columns.
    scale, top_box : int
        The CSAT scale and how many top points count as satisfied.

    Returns
    -------
    pandas.DataFrame
        One row per (segment, period): ``responses`` and, for CSAT,
        ``satisfied`` and ``csat`` [fraction]; for NPS, ``promoters``,
        ``passives``, ``detractors`` and ``nps`` [fraction in [-1, 1]]. The
        measure is NaN when there is no response.

    Examples
    --------
    >>> df = pd.DataFrame({"answered_on": pd.to_datetime(["2026-01-03", "2026-01-20",
    ...     "2026-02-07"]), "score": [10, 5, 9]})
    >>> survey_kpis(df, [Period.month(2026, 1), Period.month(2026, 2)], kind="nps")[
    ...     ["period", "responses", "promoters", "detractors", "nps"]]
        period  responses  promoters  detractors  nps
    0  2026-01          2          1           1  0.0
    1  2026-02          1          1           0  1.0
    """
    chosen = _periods(periods)
    if kind not in ("csat", "nps"):
        raise InvalidInputError(f"kind {kind!r} is not allowed; use 'csat' or 'nps'")
    if kind == "csat":
        _check_scale(scale, top_box)
    lo, hi = (1, scale) if kind == "csat" else (0, 10)
    _require(df, ("answered_on", "score"), "survey")
    when = pd.to_datetime(df["answered_on"], errors="coerce")
    score = pd.to_numeric(df["score"], errors="coerce")
    bad_score = score.isna() | (score != np.floor(score)) | (score < lo) | (score > hi)
    _failures(
        df,
        [
            (when.isna(), "answered_on", df["answered_on"], FailureReason.NOT_NULL_DATE),
            (bad_score, "score", df["score"], FailureReason.OUT_OF_RANGE),
        ],
        "survey",
        rule=f"scores must be whole numbers in [{lo}, {hi}] and dates present",
    )
    codes, keys = _groups(df, by)
    n = len(keys)
    day = _days(when)
    values = score.to_numpy(dtype=np.float64)
    names = ("satisfied",) if kind == "csat" else ("promoters", "passives", "detractors")
    counts = {name: np.zeros((n, len(chosen)), np.int64) for name in ("responses", *names)}
    for j, p in enumerate(chosen):
        inside = (day >= _day(p.start)) & (day < _day(p.end))
        counts["responses"][:, j] = _count(codes, inside, n)
        if kind == "csat":
            counts["satisfied"][:, j] = _count(codes, inside & (values > scale - top_box), n)
        else:
            counts["promoters"][:, j] = _count(codes, inside & (values >= 9), n)
            counts["passives"][:, j] = _count(codes, inside & (values >= 7) & (values <= 8), n)
            counts["detractors"][:, j] = _count(codes, inside & (values <= 6), n)
    columns: dict[str, npt.NDArray[Any]] = dict(counts)
    if kind == "csat":
        columns["csat"] = _ratio(counts["satisfied"], counts["responses"])
    else:
        columns["nps"] = _ratio(counts["promoters"] - counts["detractors"], counts["responses"])
    return _long(keys, chosen, columns)


# -- quota attainment ----------------------------------------------------------------


class AttainmentDistribution(FrozenModel):
    """How attainment (achieved ÷ quota) is spread across reps.

    Parameters
    ----------
    reps : int
        Reps given.
    with_quota : int
        Reps with a positive quota; the others have no attainment.
    at_or_above : int
        Reps with attainment >= 1.
    share_at_or_above : float
        ``at_or_above ÷ with_quota`` [fraction]; NaN when no rep has a quota.
    mean, p10, median, p90 : float
        Attainment statistics over reps with a quota [fraction of quota,
        may exceed 1]; NaN when no rep has a quota. Quantiles interpolate
        linearly.
    """

    reps: int
    with_quota: int
    at_or_above: int
    share_at_or_above: float
    mean: float
    p10: float
    median: float
    p90: float


def _attainment_stats(ratio: FloatArray) -> dict[str, float]:
    valid = ratio[~np.isnan(ratio)]
    if len(valid) == 0:
        return dict.fromkeys(("share_at_or_above", "mean", "p10", "median", "p90"), math.nan)
    q = np.quantile(valid, [0.1, 0.5, 0.9])
    return {
        "share_at_or_above": float((valid >= 1).sum() / len(valid)),
        "mean": float(valid.mean()),
        "p10": float(q[0]),
        "median": float(q[1]),
        "p90": float(q[2]),
    }


@exact_decimals
def quota_attainment(
    achieved: Mapping[str, object], quota: Mapping[str, object]
) -> AttainmentDistribution:
    """Distribution of quota attainment across reps, and the share at or above quota.

    Parameters
    ----------
    achieved, quota : mapping of rep id to number or Money
        What each rep achieved and their quota in one period, same keys, one
        unit (``Money`` values must share a currency). Quotas must be >= 0;
        a zero quota gives no attainment (counted in ``reps``, not in
        ``with_quota``).

    Examples
    --------
    >>> d = quota_attainment({"R1": 120, "R2": 80, "R3": 100, "R4": 5},
    ...                      {"R1": 100, "R2": 100, "R3": 100, "R4": 0})
    >>> d.with_quota, d.at_or_above, round(d.share_at_or_above, 4), d.median
    (3, 2, 0.6667, 1.0)
    """
    if set(achieved) != set(quota):
        extra = sorted(set(achieved) ^ set(quota))
        raise InvalidInputError(
            f"achieved and quota name different reps: {extra}; give both for every rep"
        )
    currencies = {v.currency for v in (*achieved.values(), *quota.values()) if isinstance(v, Money)}
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            f"attainment mixes currencies {', '.join(sorted(currencies))}; convert first"
        )
    reps = sorted(achieved)
    for r in reps:
        given = quota[r]
        value = given.amount if isinstance(given, Money) else given
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool) and value < 0:
            raise InvalidInputError.of("negative_quota", rep=r, value=value)
    frame = pd.DataFrame(
        {
            "rep_id": reps,
            "achieved": [_number(achieved[r], f"achieved of {r!r}") for r in reps],
            "quota": [_number(quota[r], f"quota of {r!r}") for r in reps],
        }
    )
    row = quota_attainment_frame(frame).iloc[0]
    return AttainmentDistribution(
        reps=int(row["reps"]),
        with_quota=int(row["with_quota"]),
        at_or_above=int(row["at_or_above"]),
        share_at_or_above=float(row["share_at_or_above"]),
        mean=float(row["mean"]),
        p10=float(row["p10"]),
        median=float(row["median"]),
        p90=float(row["p90"]),
    )


@exact_decimals
def quota_attainment_frame(df: pd.DataFrame, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Quota attainment distribution per segment (team, period, ...), vectorised.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per rep and period: ``rep_id``, ``achieved`` and ``quota``
        (finite, quota >= 0), plus any ``by`` columns (put a period column in
        ``by`` to report several periods). Not mutated; bad rows raise a
        :class:`~salescore.errors.FrameValidationError` listing all.
    by : sequence of str
        Segment columns.

    Returns
    -------
    pandas.DataFrame
        One row per segment: the ``by`` columns and the
        :class:`AttainmentDistribution` fields.

    Examples
    --------
    >>> df = pd.DataFrame({"team": ["E", "E", "W"], "rep_id": ["R1", "R2", "R3"],
    ...                    "achieved": [110.0, 90.0, 0.0], "quota": [100.0, 100.0, 0.0]})
    >>> quota_attainment_frame(df, by=["team"])[["team", "with_quota", "share_at_or_above"]]
      team  with_quota  share_at_or_above
    0    E           2                0.5
    1    W           0                NaN
    """
    _require(df, ("rep_id", "achieved", "quota"), "attainment")
    achieved = pd.to_numeric(df["achieved"], errors="coerce").astype(np.float64)
    quota = pd.to_numeric(df["quota"], errors="coerce").astype(np.float64)
    _failures(
        df,
        [
            (~np.isfinite(achieved), "achieved", df["achieved"], FailureReason.NOT_FINITE),
            (~np.isfinite(quota), "quota", df["quota"], FailureReason.NOT_FINITE),
            (quota < 0, "quota", df["quota"], FailureReason.NEGATIVE),
        ],
        "attainment",
    )
    codes, keys = _groups(df, by)
    n = len(keys)
    ratio = _ratio(achieved.to_numpy(), quota.to_numpy())
    has = ~np.isnan(ratio)
    out = keys.copy()
    out["reps"] = np.bincount(codes, minlength=n)
    out["with_quota"] = _count(codes, has, n)
    out["at_or_above"] = _count(codes, has & (np.nan_to_num(ratio, nan=-1.0) >= 1), n)
    # Quantiles per group: sort by group once, then take each group's slice.
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n + 1))
    stats = [_attainment_stats(ratio[order[bounds[g] : bounds[g + 1]]]) for g in range(n)]
    for name in ("share_at_or_above", "mean", "p10", "median", "p90"):
        out[name] = [s[name] for s in stats]
    return out
