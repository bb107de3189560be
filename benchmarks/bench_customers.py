"""Customers benchmark: RFM scores and ABC grades of 1,000,000 customers from 20,000,000 lines.

salescore's ``rfm_scores`` and ``abc_grades`` on an ``ORDER_LINES`` frame
(validation, exact minor units and Decimal output included) against two
references on the same data:

- the pandas an analyst would write: ``groupby("customer_id").agg(...)``
  (``max`` date, ``nunique`` orders, ``sum`` amount), then ``rank`` +
  ``qcut`` for RFM, or ``sort_values`` + ``cumsum`` for ABC, in float;
- the plain-numpy lower bound: the same sums and ranks with ``bincount``,
  ``maximum.at`` and ``argsort`` on the integer arrays, no validation, no
  ids, no Decimal.

The lines are generated compactly: integer customer and order ids (each
order belongs to one customer and has one date), float64 amounts, one
categorical currency. ``SALESCORE_BENCH_LINES`` shrinks the run for a
dry run (customers scale with it).
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Row, best_time, peak_mib
from salescore.customers import ORDER_LINES, abc_grades, customer_summary, rfm_scores
from salescore.frames import partition_frame

SEED = 20261203
LINES = int(os.environ.get("SALESCORE_BENCH_LINES", 20_000_000))
CUSTOMERS = max(LINES // 20, 1)
AS_OF = date(2026, 12, 31)
FIRST_DAY = np.datetime64("2024-01-01", "D")


def make_arrays(n_lines: int, n_customers: int, seed: int = SEED) -> dict[str, Any]:
    """Integer arrays: customer codes, order codes (customer × 16 + k), days, amounts."""
    rng = np.random.default_rng(seed)
    customer = rng.integers(0, n_customers, n_lines, dtype=np.int64)
    # Up to 12 orders per customer, lines spread over them; every order has one date.
    order = customer * 16 + rng.integers(0, 12, n_lines, dtype=np.int64)
    day = ((order * 2654435761) % 1096).astype(np.int64)  # within 2024-2026
    cents = rng.integers(100, 200_000, n_lines, dtype=np.int64)
    return {"customer": customer, "order": order, "day": day, "cents": cents}


def make_frame(a: dict[str, Any]) -> pd.DataFrame:
    """The ORDER_LINES frame of the arrays (ids as integers, read as text by the contract)."""
    n = len(a["customer"])
    return pd.DataFrame(
        {
            "order_id": a["order"],
            "customer_id": a["customer"],
            "ordered_on": (FIRST_DAY + a["day"].astype("timedelta64[D]")).astype("datetime64[us]"),
            "amount": a["cents"] / 100.0,
            "currency": pd.Categorical.from_codes(
                np.zeros(n, np.int8), categories=pd.Index(["CNY"])
            ),
        }
    )


def _per_customer_pandas(df: pd.DataFrame) -> pd.DataFrame:
    return df.groupby("customer_id").agg(
        last=("ordered_on", "max"), frequency=("order_id", "nunique"), monetary=("amount", "sum")
    )


def rfm_pandas(df: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """RFM as an analyst writes it: groupby.agg, then rank + qcut per measure."""
    g = _per_customer_pandas(df)
    recency = (pd.Timestamp(AS_OF) - g["last"]).dt.days
    labels = list(range(1, k + 1))
    g["r"] = pd.qcut(recency.rank(method="first", ascending=False), k, labels=labels)
    g["f"] = pd.qcut(g["frequency"].rank(method="first"), k, labels=labels)
    g["m"] = pd.qcut(g["monetary"].rank(method="first"), k, labels=labels)
    return g


def abc_pandas(df: pd.DataFrame, a: float = 0.8, b: float = 0.95) -> pd.DataFrame:
    """ABC as an analyst writes it: groupby.sum, sort, cumulative share, np.where."""
    revenue = df.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    before = (revenue.cumsum() - revenue) / revenue.sum()
    grade = np.where(before < a, "A", np.where(before < b, "B", "C"))
    return pd.DataFrame({"revenue": revenue, "grade": grade})


def _per_customer_numpy(a: dict[str, Any], n: int) -> tuple[Any, Any, Any]:
    last = np.full(n, -1, np.int64)
    np.maximum.at(last, a["customer"], a["day"])
    # Order codes are customer x 16 + k: mark the codes seen, count them per customer.
    orders = (np.bincount(a["order"], minlength=16 * n) > 0).reshape(n, 16).sum(axis=1)
    monetary = np.bincount(a["customer"], weights=a["cents"], minlength=n)
    return last, orders, monetary


def _quantile(values: Any, k: int) -> Any:
    ordered = np.sort(values)
    return 1 + (k * np.searchsorted(ordered, values, side="left")) // len(values)


def rfm_numpy(a: dict[str, Any], n: int, k: int = 5) -> tuple[Any, Any, Any]:
    """The lower bound: per-customer reductions and sort-based quantiles on integer arrays."""
    last, orders, monetary = _per_customer_numpy(a, n)
    return _quantile(last, k), _quantile(orders, k), _quantile(monetary, k)


def abc_numpy(a: dict[str, Any], n: int, lo: float = 0.8, hi: float = 0.95) -> Any:
    """The lower bound: bincount, argsort, cumulative sum, two comparisons."""
    revenue = np.bincount(a["customer"], weights=a["cents"], minlength=n)
    ordered = revenue[np.argsort(-revenue, kind="stable")]
    before = (np.cumsum(ordered) - ordered) / ordered.sum()
    return np.where(before < lo, 0, np.where(before < hi, 1, 2))


def _row(name: str, size: str, ours: float, theirs: float, peak: float) -> Row:
    return Row(
        benchmark=name,
        size=size,
        salescore_s=ours,
        baseline_s=theirs,
        speedup=theirs / ours if theirs == theirs else float("nan"),
        peak_mib=peak,
    )


def run() -> list[Row]:
    """Time each call once (20M lines take tens of seconds; the machine is shared)."""
    arrays = make_arrays(LINES, CUSTOMERS)
    df = make_frame(arrays)
    size = f"{LINES:,} lines / {CUSTOMERS:,} customers"
    summary = customer_summary(df, as_of=AS_OF)
    n = len(summary.customers)
    rows: list[Row] = []

    rfm_s = best_time(lambda: rfm_scores(df, as_of=AS_OF), repeat=1)
    rfm_peak = peak_mib(lambda: rfm_scores(df, as_of=AS_OF))
    rfm_pd = best_time(lambda: rfm_pandas(df), repeat=1)
    rfm_np = best_time(lambda: rfm_numpy(arrays, CUSTOMERS), repeat=1)
    rows.append(
        _row(
            "rfm_scores on lines (baseline: pandas groupby.agg + qcut)",
            size,
            rfm_s,
            rfm_pd,
            rfm_peak,
        )
    )
    rows.append(
        _row(
            "rfm_scores on lines (baseline: numpy bound on int arrays)",
            size,
            rfm_s,
            rfm_np,
            rfm_peak,
        )
    )

    abc_s = best_time(lambda: abc_grades(df), repeat=1)
    abc_peak = peak_mib(lambda: abc_grades(df))
    abc_pd = best_time(lambda: abc_pandas(df), repeat=1)
    abc_np = best_time(lambda: abc_numpy(arrays, CUSTOMERS), repeat=1)
    rows.append(
        _row(
            "abc_grades on lines (baseline: pandas groupby.sum + cumsum)",
            size,
            abc_s,
            abc_pd,
            abc_peak,
        )
    )
    rows.append(
        _row(
            "abc_grades on lines (baseline: numpy bound on int arrays)",
            size,
            abc_s,
            abc_np,
            abc_peak,
        )
    )

    valid = best_time(lambda: partition_frame(df, ORDER_LINES), repeat=1)
    rows.append(
        _row(
            "of which: ORDER_LINES validation (partition_frame, no baseline)",
            size,
            valid,
            float("nan"),
            float("nan"),
        )
    )

    per = pd.DataFrame(
        {
            "last": summary.customers["last_order_on"],
            "frequency": summary.customers["orders"],
            "monetary": summary.customers["revenue_minor"] / 100.0,
        }
    )
    csize = f"{n:,} customers (a CustomerSummary)"

    def qcut_only() -> None:
        recency = (pd.Timestamp(AS_OF) - per["last"]).dt.days
        for s, up in ((recency, False), (per["frequency"], True), (per["monetary"], True)):
            pd.qcut(s.rank(method="first", ascending=up), 5, labels=False)

    def cumsum_only() -> None:
        revenue = per["monetary"].sort_values(ascending=False)
        before = (revenue.cumsum() - revenue) / revenue.sum()
        np.where(before < 0.8, "A", np.where(before < 0.95, "B", "C"))

    rows.append(
        _row(
            "rfm_scores on a summary (baseline: pandas rank + qcut)",
            csize,
            best_time(lambda: rfm_scores(summary), repeat=1),
            best_time(qcut_only, repeat=1),
            peak_mib(lambda: rfm_scores(summary)),
        )
    )
    rows.append(
        _row(
            "abc_grades on a summary (baseline: pandas sort + cumsum)",
            csize,
            best_time(lambda: abc_grades(summary), repeat=1),
            best_time(cumsum_only, repeat=1),
            peak_mib(lambda: abc_grades(summary)),
        )
    )
    return rows
