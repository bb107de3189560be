"""Clawbacks in bulk: 100,000 refunds against the lines of 10,000 reps' 1,000,000 credits.

The year's statements come from ``statements_frame`` under the benchmark plan of
``bench_commission`` (tiers on attainment, an accelerator, per-deal and
per-period caps). A tenth of the credited deals are refunded, in part or in
whole, up to 120 days after the credit; the window is 90 days. The baseline is
the loop a user of the single path would write: per refund row, build a
``Refund`` and call ``clawback`` on the rep's ``Statement`` (the statements are
built beforehand and not timed), run on the refunds of 100 reps and scaled.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from benchmarks.bench_commission import N_CREDITS, N_REPS, PLAN, SEED, YEAR, _credits
from salescore.commission import Credit, Refund, Statement, clawback, statement, statements_frame
from salescore.commission.clawbacks import Clawback, refund_clawbacks
from salescore.money import Money

N_REFUNDS = 100_000
SAMPLE_REPS = 300  # the baseline runs on the refunds of this many reps and is scaled up
WINDOW = 90


def _refunds(credits: pd.DataFrame, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED + 5)
    pick = rng.choice(len(credits), n, replace=False)
    chosen = credits.iloc[pick]
    cents = np.rint(chosen["amount"].to_numpy() * 100).astype(np.int64)
    whole = rng.random(n) < 0.3
    part = np.maximum(1, (cents * rng.random(n)).astype(np.int64))
    return pd.DataFrame(
        {
            "deal_id": chosen["deal_id"].to_numpy(),
            "rep_id": chosen["rep_id"].to_numpy(),
            "amount": np.where(whole, cents, part) / 100.0,
            "currency": "CNY",
            "refunded_on": chosen["credited_on"].to_numpy()
            + pd.to_timedelta(rng.integers(0, 120, n), unit="D").to_numpy(),
        }
    )


def _statements(credits: pd.DataFrame, quotas: pd.Series, reps: list[str]) -> dict[str, Statement]:
    """The single-path statements of ``reps`` (setup of the baseline, not timed)."""
    out = {}
    for rep in reps:
        mine = credits[credits["rep_id"] == rep]
        items = [
            Credit(
                deal_id=d,
                rep_id=rep,
                amount=Money(a, "CNY"),
                credited_on=on.date(),
            )
            for d, a, on in zip(mine["deal_id"], mine["amount"], mine["credited_on"], strict=True)
        ]
        quota = Money(Decimal(repr(float(quotas[rep]))), "CNY")
        out[rep] = statement(PLAN, rep, items, period=YEAR, quota=quota)
    return out


def _baseline(refunds: pd.DataFrame, statements: dict[str, Statement]) -> list[Clawback]:
    """Plain Python: one ``clawback`` call per refund row on the rep's statement."""
    out = []
    for deal, rep, amount, on in zip(
        refunds["deal_id"],
        refunds["rep_id"],
        refunds["amount"],
        refunds["refunded_on"],
        strict=True,
    ):
        when: date = on.date()
        refund = Refund(deal_id=deal, amount=Money(amount, "CNY"), refunded_on=when)
        out.append(clawback(statements[rep], refund, window_days=WINDOW))
    return out


def run() -> list[Row]:
    credits, quotas = _credits(N_REPS, N_CREDITS)
    lines = statements_frame(PLAN, credits, period=YEAR, quotas=quotas).lines
    refunds = _refunds(credits, N_REFUNDS)
    reps = list(quotas.index[:SAMPLE_REPS])
    sample = refunds[refunds["rep_id"].isin(reps)]
    statements = _statements(credits[credits["rep_id"].isin(reps)], quotas, reps)
    return [
        row(
            "refund_clawbacks (baseline: clawback per refund on Statement objects, "
            f"{len(sample):,} refunds of {SAMPLE_REPS} reps, scaled)",
            f"{N_REPS:,} reps, {N_CREDITS:,} credits, {N_REFUNDS:,} refunds",
            lambda: refund_clawbacks(lines, refunds, currency="CNY", window_days=WINDOW),
            lambda: _baseline(sample, statements),
            baseline_scale=N_REFUNDS / len(sample),
        )
    ]
