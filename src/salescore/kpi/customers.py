"""Customer KPIs: customer count, new customers, churn and retention, single and bulk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final, Self

import numpy as np
import pandas as pd
from pydantic import model_validator

from salescore._base import FrozenModel
from salescore._numeric import exact_decimals
from salescore.calendar import Period
from salescore.error_codes import FailureReason
from salescore.errors import InvalidInputError
from salescore.kpi._common import (
    _NEVER,
    FloatArray,
    Identifier,
    IntArray,
    _combine,
    _count,
    _day,
    _days,
    _failures,
    _groups,
    _long,
    _periods,
    _ratio,
    _require,
    _zeros,
)

__all__ = [
    "CustomerSpan",
    "churn_rate",
    "combine_customer_kpis",
    "customer_count",
    "customer_kpis",
    "new_customers",
    "retention_rate",
]


_CUSTOMER_COUNTS: Final = ("customers_start", "customers_end", "new_customers", "lost_customers")


def _customer_rates(counts: Mapping[str, Any]) -> dict[str, FloatArray]:
    """The ratio columns of :func:`customer_kpis` from its counts."""
    start, lost = np.asarray(counts["customers_start"]), np.asarray(counts["lost_customers"])
    return {"churn_rate": _ratio(lost, start), "retention_rate": _ratio(start - lost, start)}


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
