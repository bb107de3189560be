"""Crediting: 1,000,000 deals split between reps with two-level manager overrides.

Ten thousand reps under 100 managers under 10 directors; a third of the deals
are split between two reps (60/40 or 50/50), the rest credit their owner; the
override pays the manager 100 percent and the director 50 percent of each split
rep's credit. The baseline is the plain-Python loop an analyst would write:
per deal, split the cents by largest remainder, then walk up the manager chain
and round each override in ``Decimal``.

A second row credits 300,000 deals on payment, each invoiced once and paid in
three instalments, against the same loop run per payment on what each rep is
still owed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore.commission.crediting import CreditingRules, ManagerOverride, credit_frame
from salescore.models import Organization, Rep

SEED = 11
N_DEALS = 1_000_000
N_PAID = 300_000
N_REPS = 10_000
SAMPLE = 20_000  # the baseline runs on this many deals and is scaled up
RATES = (Decimal(1), Decimal("0.5"))
RULES = CreditingRules(override=ManagerOverride(rates=[str(r) for r in RATES]), partner=False)


def _org() -> Organization:
    directors = [Rep(id=f"V{i}", name=f"V{i}") for i in range(10)]
    managers = [Rep(id=f"M{i}", name=f"M{i}", manager_id=f"V{i % 10}") for i in range(100)]
    reps = [Rep(id=f"R{i}", name=f"R{i}", manager_id=f"M{i % 100}") for i in range(N_REPS)]
    return Organization(reps=[*directors, *managers, *reps])


def _frames(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    ids = np.char.add("D", np.arange(n).astype(str))
    owner = np.char.add("R", rng.integers(0, N_REPS, n).astype(str))
    deals = pd.DataFrame(
        {
            "deal_id": ids,
            "owner_id": owner,
            "amount": rng.integers(100_00, 5_000_000, n) / 100.0,
            "currency": "CNY",
            "close_date": pd.Timestamp("2026-01-01")
            + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        }
    )
    split = np.flatnonzero(rng.random(n) < 1 / 3)
    first = np.where(rng.random(len(split)) < 0.5, 0.6, 0.5)
    other = np.char.add("R", rng.integers(0, N_REPS, len(split)).astype(str))
    other = np.where(other == owner[split], "R0", other)
    other = np.where(other == owner[split], "R1", other)
    assignments = pd.DataFrame(
        {
            "deal_id": np.concatenate([ids[split], ids[split]]),
            "rep_id": np.concatenate([owner[split], other]),
            "share": np.concatenate([first, 1 - first]),
        }
    )
    return deals, assignments


def _payments(deals: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(SEED + 1)
    cents = np.rint(deals["amount"].to_numpy() * 100).astype(np.int64)
    invoices = pd.DataFrame(
        {
            "invoice_id": np.char.add("I", np.arange(len(deals)).astype(str)),
            "deal_id": deals["deal_id"].to_numpy(),
            "amount": deals["amount"].to_numpy(),
            "currency": "CNY",
            "invoiced_on": deals["close_date"].to_numpy(),
        }
    )
    a = (cents * rng.uniform(0.2, 0.4, len(cents))).astype(np.int64)
    b = (cents * rng.uniform(0.2, 0.4, len(cents))).astype(np.int64)
    parts = np.stack([a, b, cents - a - b], axis=1).reshape(-1)
    payments = pd.DataFrame(
        {
            "payment_id": np.char.add("P", np.arange(len(parts)).astype(str)),
            "invoice_id": np.repeat(invoices["invoice_id"].to_numpy(), 3),
            "amount": parts / 100.0,
            "currency": "CNY",
            "paid_on": np.repeat(invoices["invoiced_on"].to_numpy(), 3)
            + np.tile(np.array([10, 40, 70], dtype="timedelta64[D]"), len(invoices)),
        }
    )
    return invoices, payments


def _split(total: int, weights: list[int]) -> list[int]:
    """Largest remainder of integer ``total`` by integer ``weights`` (ties to the first)."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    rems = [total * w % whole for w in weights]
    for i in sorted(range(len(weights)), key=lambda j: -rems[j])[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _chains(org: Organization) -> dict[str, list[str]]:
    manager = {r.id: r.manager_id for r in org.reps}
    out = {}
    for rep in manager:
        chain: list[str] = []
        node = manager[rep]
        while node is not None and len(chain) < len(RATES):
            chain.append(node)
            node = manager[node]
        out[rep] = chain
    return out


def _baseline(
    deals: pd.DataFrame,
    assignments: pd.DataFrame,
    chains: dict[str, list[str]],
    payments: list[list[int]] | None = None,
) -> list[tuple[Any, ...]]:
    """Plain Python: per deal (and payment), split the cents, then the overrides in Decimal."""
    shares: dict[str, list[tuple[str, int]]] = {}
    for deal, rep, share in zip(
        assignments["deal_id"], assignments["rep_id"], assignments["share"], strict=True
    ):
        shares.setdefault(deal, []).append((rep, round(share * 10)))
    out: list[tuple[Any, ...]] = []
    for i, (deal, owner, amount) in enumerate(
        zip(deals["deal_id"], deals["owner_id"], deals["amount"], strict=True)
    ):
        cents = int(Decimal(repr(amount)) * 100)
        split = shares.get(deal, [(owner, 10)])
        target = _split(cents, [w for _, w in split])
        given = [0] * len(split)
        for paid in payments[i] if payments is not None else [cents]:
            owed = [t - g for t, g in zip(target, given, strict=True)]
            parts = _split(paid, owed) if sum(owed) else [0] * len(owed)
            for j, ((rep, _), part) in enumerate(zip(split, parts, strict=True)):
                before = given[j]
                given[j] += part
                out.append((deal, rep, part))
                for rate, manager in zip(RATES, chains[rep], strict=False):
                    after = (rate * given[j]).quantize(Decimal(1), ROUND_HALF_EVEN)
                    prior = (rate * before).quantize(Decimal(1), ROUND_HALF_EVEN)
                    out.append((deal, manager, int(after - prior)))
    return out


def run() -> list[Row]:
    org = _org()
    chains = _chains(org)
    deals, assignments = _frames(N_DEALS)
    sample = deals.iloc[:SAMPLE]
    sample_assignments = assignments[assignments["deal_id"].isin(sample["deal_id"])]
    paid = deals.iloc[:N_PAID]
    paid_assignments = assignments[assignments["deal_id"].isin(paid["deal_id"])]
    invoices, payments = _payments(paid)
    cents = np.rint(payments["amount"].to_numpy() * 100).astype(np.int64).reshape(-1, 3)
    pay_rules = RULES.model_copy(update={"timing": "payment"})
    return [
        row(
            "credit_frame, splits + 2-level overrides "
            f"(baseline: Python loop on {SAMPLE:,} deals, scaled)",
            f"{N_DEALS:,} deals, {N_REPS:,} reps",
            lambda: credit_frame(deals, RULES, assignments=assignments, org=org),
            lambda: _baseline(sample, sample_assignments, chains),
            repeat=1,
            baseline_scale=N_DEALS / SAMPLE,
        ),
        row(
            "credit_frame on payment, 3 payments per deal "
            f"(baseline: Python loop on {SAMPLE:,} deals, scaled)",
            f"{N_PAID:,} deals, {3 * N_PAID:,} payments",
            lambda: credit_frame(
                paid,
                pay_rules,
                assignments=paid_assignments,
                org=org,
                invoices=invoices,
                payments=payments,
            ),
            lambda: _baseline(
                paid.iloc[:SAMPLE],
                paid_assignments[paid_assignments["deal_id"].isin(sample["deal_id"])],
                chains,
                cents[:SAMPLE].tolist(),
            ),
            repeat=1,
            baseline_scale=N_PAID / SAMPLE,
        ),
    ]
