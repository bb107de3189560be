"""Benchmark: validating an opportunity frame against the ``OPPORTUNITIES`` contract.

The baseline is the loop an analyst would write without salescore: walk the
rows with ``itertuples`` and test each rule in plain Python. It runs on a
sample of rows and is scaled to the full size.

Run with ``.venv/bin/python -m benchmarks frames``.
"""

from __future__ import annotations

import math
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore.frames import OPPORTUNITIES, partition_frame, validate_frame
from salescore.money import CURRENCIES

SEED = 20260101
SIZES = (10_000, 1_000_000)
BASELINE_SAMPLE = 50_000


def opportunity_frame(n: int, seed: int = SEED, *, dates_as_text: bool = False) -> pd.DataFrame:
    """A valid ``n``-row opportunity frame, as a CRM export read with typed columns."""
    rng = np.random.default_rng(seed)
    created = np.datetime64("2024-01-01") + rng.integers(0, 730, n).astype("timedelta64[D]")
    expected = created + rng.integers(0, 365, n).astype("timedelta64[D]")
    closed = rng.random(n) < 0.4
    close = np.where(
        closed, created + rng.integers(0, 200, n).astype("timedelta64[D]"), np.datetime64("NaT")
    )
    stages = np.array(["Qualify", "Proposal", "Negotiation", "Won", "Lost"], dtype=object)
    frame = pd.DataFrame(
        {
            "id": [f"D{i:07d}" for i in range(n)],
            "owner_id": rng.choice(np.array([f"R{i:03d}" for i in range(200)], dtype=object), n),
            "amount": np.round(rng.lognormal(10, 1, n), 2),
            "currency": rng.choice(np.array(["CNY", "USD", "EUR", "JPY"], dtype=object), n),
            "stage": rng.choice(stages, n),
            "created_on": created.astype("datetime64[us]"),
            "expected_close_date": expected.astype("datetime64[us]"),
            "close_date": close.astype("datetime64[us]"),
            "account_id": rng.choice(np.array([f"A{i:05d}" for i in range(5000)], dtype=object), n),
            "channel_id": rng.choice(np.array(["direct", "partner", "online"], dtype=object), n),
            "product": rng.choice(np.array(["Cloud", "Support", "Hardware"], dtype=object), n),
            "probability": np.where(rng.random(n) < 0.2, rng.random(n), np.nan),
            "forecast_category": pd.Series(
                rng.choice(np.array(["Pipeline", "Best Case", "Commit", None], dtype=object), n),
                dtype="str",
            ),
        }
    )
    if dates_as_text:
        for name in ("created_on", "expected_close_date", "close_date"):
            frame[name] = frame[name].dt.strftime("%Y-%m-%d")
    return frame


_ALLOWED_CATEGORIES = {"Pipeline", "Best Case", "Commit", "Closed", "Omitted"}


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def per_row_baseline(df: pd.DataFrame) -> list[tuple[Any, str, str]]:
    """The plain-Python loop: every rule of the contract, one row at a time."""
    failures: list[tuple[Any, str, str]] = []
    seen: set[str] = set()
    rec: Any
    for rec in df.itertuples():
        r = rec  # rows are plain namedtuples of Python and pandas scalars
        label = r.Index
        if _is_missing(r.id) or not str(r.id).strip():
            failures.append((label, "id", "not_null"))
        elif r.id in seen:
            failures.append((label, "id", "duplicate"))
        else:
            seen.add(r.id)
        if _is_missing(r.owner_id) or not str(r.owner_id).strip():
            failures.append((label, "owner_id", "not_null"))
        amount = r.amount
        if _is_missing(amount):
            failures.append((label, "amount", "not_null"))
        elif not math.isfinite(amount):
            failures.append((label, "amount", "not_finite"))
        elif amount < 0:
            failures.append((label, "amount", "negative"))
        if r.currency not in CURRENCIES:
            failures.append((label, "currency", "unknown_currency"))
        if _is_missing(r.stage):
            failures.append((label, "stage", "not_null"))
        created = pd.Timestamp(r.created_on) if not _is_missing(r.created_on) else None
        if created is None:
            failures.append((label, "created_on", "not_null"))
        for name in ("expected_close_date", "close_date"):
            value = getattr(r, name)
            if not _is_missing(value):
                if not isinstance(pd.Timestamp(value).date(), date):  # pragma: no cover
                    failures.append((label, name, "wrong_type"))
                elif created is not None and pd.Timestamp(value) < created:
                    failures.append((label, name, "order"))
        p = r.probability
        if not _is_missing(p) and not 0.0 <= p <= 1.0:
            failures.append((label, "probability", "out_of_range"))
        fc = r.forecast_category
        if not _is_missing(fc) and fc not in _ALLOWED_CATEGORIES:
            failures.append((label, "forecast_category", "not_allowed"))
    return failures


def run() -> list[Row]:
    """Rows for ``validate_frame`` and ``partition_frame`` at each size."""
    rows: list[Row] = []
    for n in SIZES:
        df = opportunity_frame(n)
        sample = df.iloc[: min(n, BASELINE_SAMPLE)]
        scale = n / len(sample)
        note = "" if scale == 1 else f" (baseline on {len(sample):,} rows, scaled)"
        rows.append(
            row(
                f"validate_frame opportunities vs per-row loop{note}",
                f"{n:,}",
                partial(validate_frame, df, OPPORTUNITIES),
                partial(per_row_baseline, sample),
                baseline_scale=scale,
            )
        )
    n = SIZES[-1]
    text_dates = opportunity_frame(n, dates_as_text=True)
    sample = text_dates.iloc[:BASELINE_SAMPLE]
    rows.append(
        row(
            "validate_frame, dates as ISO text (parsed) vs per-row loop "
            f"(baseline on {len(sample):,} rows, scaled)",
            f"{n:,}",
            lambda: validate_frame(text_dates, OPPORTUNITIES),
            lambda: per_row_baseline(sample),
            baseline_scale=n / len(sample),
        )
    )
    broken = opportunity_frame(n)
    rng = np.random.default_rng(SEED + 1)
    bad = rng.choice(n, n // 100, replace=False)
    broken.loc[broken.index[bad], "amount"] = -1.0
    rows.append(
        row(
            f"partition_frame, 1% bad rows vs per-row loop (baseline on {BASELINE_SAMPLE:,} "
            "rows, scaled)",
            f"{n:,}",
            lambda: partition_frame(broken, OPPORTUNITIES),
            lambda: per_row_baseline(broken.iloc[:BASELINE_SAMPLE]),
            baseline_scale=n / BASELINE_SAMPLE,
        )
    )
    return rows
