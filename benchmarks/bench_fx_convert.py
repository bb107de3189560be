"""Exact FX conversion to the minor unit: ``FxRates.convert_minor`` on 1,000,000 rows.

Five currencies (USD base, CNY, EUR, JPY, KWD) with 250 dated rates each;
rows carry random amounts in their own currency's minor units and dates over
the year. The baseline is a plain Python loop of ``FxRates.convert_rounded``
(exact, rounded once), run on a sample and scaled to the full size.

Run with ``.venv/bin/python -m benchmarks fx_convert``.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from decimal import Context, Decimal
from functools import partial

import numpy as np
import numpy.typing as npt

from benchmarks._harness import Row, row
from salescore.money import FxRates, Money, minor_unit

SEED = 11
N = 1_000_000
BASELINE_SAMPLE = 20_000
CODES = ["USD", "CNY", "EUR", "JPY", "KWD"]
MID = {"CNY": 7.1, "EUR": 0.92, "JPY": 150.0, "KWD": 0.307}
START = date(2026, 1, 1)


def fx_table(seed: int = SEED) -> FxRates:
    """250 business-day rates per non-base currency, a random walk around a mid rate."""
    rng = np.random.default_rng(seed)
    days = [
        START + timedelta(days=d) for d in range(366) if (START + timedelta(days=d)).weekday() < 5
    ]
    days = days[:250]
    table: dict[date, dict[str, Decimal]] = {d: {} for d in days}
    for code, mid in MID.items():
        walk = mid * np.exp(np.cumsum(rng.normal(0.0, 0.004, len(days))))
        places = 6 if mid < 1 else 4
        for d, value in zip(days, walk.tolist(), strict=True):
            table[d][code] = Decimal(f"{value:.{places}f}")
    return FxRates.from_mapping("USD", table)


def rows(
    n: int, seed: int = SEED
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.str_], npt.NDArray[np.datetime64]]:
    """``n`` rows: minor units, currency codes and dates (some before the first rate)."""
    rng = np.random.default_rng(seed + 1)
    minor = rng.integers(-(10**6), 10**9, n)
    codes = rng.choice(np.asarray(CODES), n)
    days = np.datetime64(START) + rng.integers(-3, 365, n).astype("timedelta64[D]")
    return minor, codes, days


def baseline(
    fx: FxRates,
    minor: npt.NDArray[np.int64],
    codes: npt.NDArray[np.str_],
    days: npt.NDArray[np.datetime64],
    to: str,
) -> list[int | None]:
    """Per-row Python: build Money, convert exactly, rounded once; None when a rate is missing."""
    out: list[int | None] = []
    for units, code, day in zip(minor.tolist(), codes.tolist(), days.tolist(), strict=True):
        try:
            converted = fx.convert_rounded(Money.from_minor(units, code), to, on=day)
        except LookupError:
            out.append(None)
            continue
        out.append(converted.to_minor())
    return out


def lean_baseline(
    fx: FxRates,
    minor: npt.NDArray[np.int64],
    codes: npt.NDArray[np.str_],
    days: npt.NDArray[np.datetime64],
    to: str,
) -> list[int | None]:
    """Per-row Python with the table indexed once: bisect, Decimal at 60 digits, quantize."""
    ctx = Context(prec=60)
    series: dict[str, tuple[list[date], list[Decimal]]] = {"USD": ([date.min], [Decimal(1)])}
    for fx_rate in sorted(fx.rates, key=lambda r: (r.currency, r.on)):
        dates, values = series.setdefault(fx_rate.currency, ([], []))
        dates.append(fx_rate.on)
        values.append(fx_rate.rate)
    to_dates, to_values = series[to]
    places = minor_unit(to)
    exponent = Decimal(1).scaleb(-places)
    out: list[int | None] = []
    for units, code, day in zip(minor.tolist(), codes.tolist(), days.tolist(), strict=True):
        if code == to:
            out.append(units)
            continue
        dates, values = series[code]
        i, j = bisect_right(dates, day), bisect_right(to_dates, day)
        if i == 0 or j == 0:
            out.append(None)
            continue
        amount = Decimal(units).scaleb(-minor_unit(code))
        value = ctx.multiply(ctx.divide(amount, values[i - 1]), to_values[j - 1])
        out.append(int(value.quantize(exponent, context=ctx).scaleb(places)))
    return out


def run() -> list[Row]:
    """One row per target currency: the base (USD) and a cross rate (CNY)."""
    fx = fx_table()
    minor, codes, days = rows(N)
    sample = slice(0, BASELINE_SAMPLE)
    # The two paths agree on the sample, to the minor unit.
    for to in ("USD", "CNY"):
        units, missing = fx.convert_minor(minor[sample], codes[sample], days[sample], to)
        expected = baseline(fx, minor[sample], codes[sample], days[sample], to)
        assert [None if m else int(u) for u, m in zip(units, missing, strict=True)] == expected
        assert lean_baseline(fx, minor[sample], codes[sample], days[sample], to) == expected
    note = f"(baseline: convert_rounded loop on {BASELINE_SAMPLE:,} rows, scaled)"
    size = f"{N:,} rows, 5 currencies x 250 rates"
    return [
        row(
            f"FxRates.convert_minor to {to} {note}",
            size,
            partial(fx.convert_minor, minor, codes, days, to),
            partial(baseline, fx, minor[sample], codes[sample], days[sample], to),
            baseline_scale=N / BASELINE_SAMPLE,
        )
        for to in ("USD", "CNY")
    ] + [
        row(
            "FxRates.convert_minor to CNY (baseline: pre-indexed bisect + Decimal loop on "
            f"{BASELINE_SAMPLE:,} rows, scaled)",
            size,
            partial(fx.convert_minor, minor, codes, days, "CNY"),
            partial(lean_baseline, fx, minor[sample], codes[sample], days[sample], "CNY"),
            baseline_scale=N / BASELINE_SAMPLE,
        )
    ]
