"""Commission statements: 10,000 reps and 1,000,000 credits, one rep's year, and plan cost.

The plan is tiered (5 percent to quota, 8 percent above), with an accelerator
(x1.5 above 120 percent of quota), a per-deal cap and a per-period cap. The
baseline is the plain-Python loop an analyst would write: per rep, sort the
deals, walk the tiers in ``Decimal``, apply the caps, round each line.

Five more rows: the same 1,000,000 credits with 30 percent of them booked in
USD and EUR and converted with an ``FxRates`` table of daily rates, against the
Decimal loop after converting each foreign credit with ``convert_rounded``;
the same 1,000,000 credits under the tiered plan with two
target bonuses (a fixed new-customer bonus and a pool shared by actual) on
10,000 reps' achievements, against the Decimal loop plus a Python bonus loop;
the same 1,000,000 credits under an interpolated table with a
SPIFF and a floor (the exact Python-integer path), against a Decimal loop that
integrates the rate per deal; under product/category rules, a per-unit table,
a year cap with a prior year-to-date and a recoverable draw with prior
advances, against a Decimal loop that picks each deal's rate; and
``plan_cost`` over 10,000 sampled periods of 100 reps, against the Decimal
loop run on every sampled period.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from benchmarks._harness import Row, row
from salescore.calendar import Period
from salescore.commission import (
    AcceleratorBand,
    CommissionPlan,
    Credit,
    Draw,
    Floor,
    Spiff,
    TargetBonus,
    Tier,
    TieredComponent,
    plan_cost,
    statement,
    statements_frame,
)
from salescore.money import FxRates, Money

SEED = 7
N_REPS = 10_000
N_CREDITS = 1_000_000
SAMPLE_REPS = 100  # the baseline runs on this many reps and is scaled up
YEAR = Period.year(2026)
PLAN = CommissionPlan(
    id="bench",
    currency="CNY",
    components=[
        TieredComponent(
            name="base",
            basis="attainment",
            tiers=[Tier(lower=0, upper=1, rate="0.05"), Tier(lower=1, rate="0.08")],
            accelerators=[AcceleratorBand(lower="1.2", multiplier="1.5")],
            deal_cap=Decimal(20_000),
            period_cap=Decimal(400_000),
        )
    ],
)


INTERPOLATED = CommissionPlan(
    id="bench-interpolated",
    currency="CNY",
    components=[
        TieredComponent(
            name="ramp",
            basis="attainment",
            mode="interpolated",
            tiers=[
                Tier(lower=0, upper=1, rate="0.03", end_rate="0.06"),
                Tier(lower=1, upper=2, rate="0.06", end_rate="0.1"),
                Tier(lower=2, rate="0.1"),
            ],
        )
    ],
    spiffs=[Spiff(name="new logo", flag="new_logo", amount=Decimal(800))],
    floor=Floor(amount=Decimal(20_000)),
)
RULES = CommissionPlan(
    id="bench-rules",
    currency="CNY",
    components=[
        TieredComponent(
            name="default", tiers=[Tier(lower=0, rate="0.05")], rule="base", year_cap=60_000
        ),
        TieredComponent(name="hw", tiers=[Tier(lower=0, rate="0.03")], rule="base", category="hw"),
        TieredComponent(name="x1", tiers=[Tier(lower=0, rate="0.08")], rule="base", product="X1"),
        TieredComponent(name="units", tiers=[Tier(lower=0, rate=15)], rate_kind="per_unit"),
    ],
    draw=Draw(kind="recoverable", currency="CNY", amount=Decimal(300_000), start=date(2026, 1, 1)),
)
BONUS_PLAN = PLAN.model_copy(
    update={
        "bonuses": (
            TargetBonus(name="logos", metric="new_customers", amount=Decimal(5_000)),
            TargetBonus(
                name="pool",
                metric="new_customers",
                pool=Decimal(1_000_000),
                threshold=Decimal("1.2"),
                share="actual",
            ),
        )
    }
)
N_SAMPLES = 10_000
COST_REPS = 100
SAMPLE_PERIODS = 100  # the plan-cost baseline runs on this many samples and is scaled up


def _credits(n_reps: int, n: int) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(SEED)
    rep = rng.integers(0, n_reps, n)
    df = pd.DataFrame(
        {
            "deal_id": np.char.add("D", np.arange(n).astype(str)),
            "rep_id": np.char.add("R", rep.astype(str)),
            "amount": rng.integers(100_00, 5_000_000, n) / 100.0,
            "currency": "CNY",
            "credited_on": pd.Timestamp("2026-01-01")
            + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        }
    )
    quotas = pd.Series(
        rng.integers(100, 400, n_reps) * 10_000.0,
        index=np.char.add("R", np.arange(n_reps).astype(str)),
    )
    return df, quotas


def _baseline(df: pd.DataFrame, quotas: pd.Series) -> dict[str, Decimal]:
    """Plain Python: per rep, walk the sorted deals through tiers, band and caps in Decimal."""
    comp = PLAN.components[0]
    by_rep: dict[str, list[tuple[Any, str, Decimal]]] = defaultdict(list)
    for deal, rep, amount, when in zip(
        df["deal_id"], df["rep_id"], df["amount"], df["credited_on"], strict=True
    ):
        by_rep[rep].append((when, deal, Decimal(repr(amount))))
    cent = Decimal("0.01")
    totals = {}
    for rep, deals in by_rep.items():
        quota = Decimal(repr(float(quotas[rep])))
        points = [Decimal(0), quota, quota * Decimal("1.2")]
        rates = [Decimal("0.05"), Decimal("0.08"), Decimal("0.12")]
        running, paid = Decimal(0), Decimal(0)
        for _, _, amount in sorted(deals):
            pay = Decimal(0)
            for i, start in enumerate(points):
                end = points[i + 1] if i + 1 < len(points) else running + amount
                low, high = max(running, start), min(running + amount, end)
                if high > low:
                    pay += ((high - low) * rates[i]).quantize(cent, ROUND_HALF_EVEN)
            pay = min(pay, comp.deal_cap or pay)
            pay = min(pay, (comp.period_cap or pay) - paid)
            paid += pay
            running += amount
        totals[rep] = paid
    return totals


def _rates() -> FxRates:
    """CNY per USD and EUR, a rate for every day of 2026."""
    rng = np.random.default_rng(SEED + 7)
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    return FxRates.from_mapping(
        "CNY",
        {
            day: {
                "USD": f"{0.14 + 0.005 * rng.random():.6f}",
                "EUR": f"{0.13 + 0.005 * rng.random():.6f}",
            }
            for day in days
        },
    )


def _foreign(df: pd.DataFrame) -> pd.DataFrame:
    """A third of the credits booked in USD or EUR, amounts scaled to about the same value."""
    rng = np.random.default_rng(SEED + 9)
    code = rng.choice(np.array(["CNY", "USD", "EUR"]), len(df), p=[0.7, 0.15, 0.15])
    scale = np.select([code == "USD", code == "EUR"], [0.14, 0.13], 1.0)
    return df.assign(currency=code, amount=np.round(df["amount"].to_numpy() * scale, 2))


def _baseline_fx(df: pd.DataFrame, fx: FxRates, quotas: pd.Series) -> dict[str, Decimal]:
    """Each foreign credit converted exactly and rounded once, then the Decimal loop."""
    converted = [
        float(fx.convert_rounded(Money(repr(a), c), "CNY", on=d.date()).amount) if c != "CNY" else a
        for a, c, d in zip(df["amount"], df["currency"], df["credited_on"], strict=True)
    ]
    return _baseline(df.assign(amount=converted, currency="CNY"), quotas)


def _achievements(reps: pd.Index) -> pd.DataFrame:
    rng = np.random.default_rng(SEED + 5)
    return pd.DataFrame(
        {
            "rep_id": reps.to_numpy(),
            "metric": "new_customers",
            "actual": rng.integers(0, 20, len(reps)).astype(np.float64),
            "target": 10.0,
        }
    )


def _baseline_bonuses(df: pd.DataFrame, achieved: pd.DataFrame, quotas: pd.Series) -> Decimal:
    """The Decimal loop, plus each rep's bonuses: fixed when met, the pool by actual."""
    paid = _baseline(df, quotas)
    fixed, pool = BONUS_PLAN.bonuses
    assert pool.pool is not None
    met = {}
    for rep, actual, target in zip(
        achieved["rep_id"], achieved["actual"], achieved["target"], strict=True
    ):
        a, t = Decimal(repr(actual)), Decimal(repr(target))
        if a >= t * fixed.threshold:
            paid[rep] = paid.get(rep, Decimal(0)) + (fixed.amount or Decimal(0))
        if a >= t * pool.threshold:
            met[rep] = a
    weight = sum(met.values(), Decimal(0))
    cent = Decimal("0.01")
    for rep, a in met.items():
        paid[rep] = paid.get(rep, Decimal(0)) + (pool.pool * a / weight).quantize(cent)
    return sum(paid.values(), Decimal(0))


def _baseline_interpolated(df: pd.DataFrame, quotas: pd.Series) -> dict[str, Decimal]:
    """Plain Python: per rep, integrate the linear rate over each deal's slice in Decimal."""
    comp = INTERPOLATED.components[0]
    by_rep: dict[str, list[tuple[Any, str, Decimal, bool]]] = defaultdict(list)
    for deal, rep, amount, when, flag in zip(
        df["deal_id"], df["rep_id"], df["amount"], df["credited_on"], df["new_logo"], strict=True
    ):
        by_rep[rep].append((when, deal, Decimal(repr(amount)), bool(flag)))
    cent = Decimal("0.01")
    totals = {}
    for rep, deals in by_rep.items():
        quota = Decimal(repr(float(quotas[rep])))
        running, paid = Decimal(0), Decimal(0)
        for _, _, amount, flag in sorted(deals):
            for tier in comp.tiers:
                lo = tier.lower * quota
                hi = running + amount if tier.upper is None else tier.upper * quota
                s, e = max(running, lo), min(running + amount, hi)
                if e <= s:
                    continue
                slope = Decimal(0)
                if tier.end_rate is not None and tier.upper is not None:
                    slope = (tier.end_rate - tier.rate) / (hi - lo)
                paid += tier.rate * (e - s) + slope * ((e - lo) ** 2 - (s - lo) ** 2) / 2
            paid += Decimal(800) if flag else 0
            running += amount
        totals[rep] = max(paid, Decimal(20_000)).quantize(cent, ROUND_HALF_EVEN)
    return totals


def _baseline_rules(df: pd.DataFrame, prior: pd.DataFrame) -> dict[str, Decimal]:
    """Plain Python: per rep, pick each deal's rate by product, category or default in
    Decimal, add 15 per unit, cap the default table by the year left after the prior
    year-to-date, then settle against a recoverable draw of 300,000 with prior advances."""
    rates = {"X1": Decimal("0.08"), "hw": Decimal("0.03")}
    by_rep: dict[str, list[tuple[Any, str, Decimal, str, str, int]]] = defaultdict(list)
    for deal, rep, amount, when, product, category, units in zip(
        df["deal_id"],
        df["rep_id"],
        df["amount"],
        df["credited_on"],
        df["product"],
        df["category"],
        df["units"],
        strict=True,
    ):
        by_rep[rep].append((when, deal, Decimal(repr(amount)), product, category, int(units)))
    cent = Decimal("0.01")
    draw, cap = Decimal(300_000), Decimal(60_000)
    ytd = prior["ytd_minor:default"].to_dict()
    owed = prior["advances_minor"].to_dict()
    payable = {}
    for rep, deals in by_rep.items():
        room = max(cap - Decimal(int(ytd[rep])) / 100, Decimal(0))
        earned = Decimal(0)
        for _, _, amount, product, category, units in sorted(deals):
            if product in rates:
                earned += amount * rates[product]
            elif category in rates:
                earned += amount * rates[category]
            else:
                pay = min(amount * Decimal("0.05"), room)
                room -= pay
                earned += pay
            earned += 15 * units
        earned = earned.quantize(cent, ROUND_HALF_EVEN)
        advances = Decimal(int(owed[rep])) / 100
        if earned < draw:
            payable[rep] = draw
        else:
            payable[rep] = earned - min(advances, earned - draw)
    return payable


def _attainments() -> npt.NDArray[np.float64]:
    rng = np.random.default_rng(SEED + 2)
    out: npt.NDArray[np.float64] = rng.lognormal(0.0, 0.35, (N_SAMPLES, COST_REPS))
    return out


def _baseline_cost(att: npt.NDArray[np.float64], quota: float) -> list[Decimal]:
    """Plain Python: one credit per sampled period, paid by the Decimal loop, summed per sample."""
    n, reps = att.shape
    groups = [f"S{i}-R{j}" for i in range(n) for j in range(reps)]
    df = pd.DataFrame(
        {
            "deal_id": "D",
            "rep_id": groups,
            "amount": np.rint(att.reshape(-1) * quota * 100) / 100,
            "credited_on": pd.Timestamp("2026-01-01"),
        }
    )
    paid = _baseline(df, pd.Series(quota, index=groups))
    return [sum((paid[f"S{i}-R{j}"] for j in range(reps)), Decimal(0)) for i in range(n)]


def _year_of_deals(n: int) -> tuple[list[Credit], Money]:
    rng = np.random.default_rng(SEED + 1)
    credits = [
        Credit(
            deal_id=f"D{i}",
            rep_id="R1",
            amount=Money.from_minor(int(c), "CNY"),
            credited_on=date(2026, 1, 1) + timedelta(days=int(d)),
        )
        for i, (c, d) in enumerate(
            zip(rng.integers(100_00, 5_000_000, n), rng.integers(0, 365, n), strict=True)
        )
    ]
    return credits, Money(2_000_000, "CNY")


def run() -> list[Row]:
    df, quotas = _credits(N_REPS, N_CREDITS)
    year, quota = _year_of_deals(500)
    year_df = pd.DataFrame(
        {
            "deal_id": [c.deal_id for c in year],
            "rep_id": "R1",
            "amount": [float(c.amount.amount) for c in year],
            "currency": "CNY",
            "credited_on": pd.to_datetime([c.credited_on for c in year]),
        }
    )
    df["new_logo"] = np.arange(len(df)) % 7 == 0
    rng = np.random.default_rng(SEED + 3)
    rules_df = df.assign(
        product=np.where(rng.random(len(df)) < 0.2, "X1", "X2"),
        category=np.where(rng.random(len(df)) < 0.5, "hw", "sw"),
        units=rng.integers(1, 10, len(df)).astype(np.float64),
    )
    prior = pd.DataFrame(
        {
            "advances_minor": rng.integers(0, 10_000_000, N_REPS),
            "deficit_minor": 0,
            "year": 2026,
            "ytd_minor:default": rng.integers(0, 3_000_000, N_REPS),
        },
        index=quotas.index,
    )
    rules_sample = rules_df[rules_df["rep_id"].isin(quotas.index[:SAMPLE_REPS])]
    sample = df[df["rep_id"].isin(quotas.index[:SAMPLE_REPS])]
    achieved = _achievements(quotas.index)
    fx = _rates()
    foreign = _foreign(df)
    foreign_sample = foreign[foreign["rep_id"].isin(quotas.index[:SAMPLE_REPS])]
    att = _attainments()
    cost_quota = 300_000.0
    return [
        row(
            f"statements_frame (baseline: Python Decimal loop on {SAMPLE_REPS} reps, scaled)",
            f"{N_REPS:,} reps, {N_CREDITS:,} credits",
            lambda: statements_frame(PLAN, df, period=YEAR, quotas=quotas),
            lambda: _baseline(sample, quotas),
            repeat=1,
            baseline_scale=N_REPS / SAMPLE_REPS,
        ),
        row(
            "statements_frame, 30% of credits in USD/EUR converted with fx "
            f"(baseline: convert_rounded + Python Decimal loop on {SAMPLE_REPS} reps, scaled)",
            f"{N_REPS:,} reps, {N_CREDITS:,} credits, 365 days of rates",
            lambda: statements_frame(PLAN, foreign, period=YEAR, quotas=quotas, fx=fx),
            lambda: _baseline_fx(foreign_sample, fx, quotas),
            repeat=1,
            baseline_scale=N_REPS / SAMPLE_REPS,
        ),
        row(
            "statements_frame with a fixed and a pooled target bonus "
            f"(baseline: Python Decimal loop on {SAMPLE_REPS} reps, scaled)",
            f"{N_REPS:,} reps, {N_CREDITS:,} credits, {N_REPS:,} achievements",
            lambda: statements_frame(
                BONUS_PLAN, df, period=YEAR, quotas=quotas, achievements=achieved
            ),
            lambda: _baseline_bonuses(sample, achieved.iloc[:SAMPLE_REPS], quotas),
            repeat=1,
            baseline_scale=N_REPS / SAMPLE_REPS,
        ),
        row(
            "statement, one rep's year (baseline: Python Decimal loop)",
            "1 rep, 500 credits",
            lambda: statement(PLAN, "R1", year, period=YEAR, quota=quota),
            lambda: _baseline(year_df, pd.Series({"R1": 2_000_000.0})),
        ),
        row(
            "statements_frame, interpolated + SPIFF + floor "
            f"(baseline: Python Decimal loop on {SAMPLE_REPS} reps, scaled)",
            f"{N_REPS:,} reps, {N_CREDITS:,} credits",
            lambda: statements_frame(INTERPOLATED, df, period=YEAR, quotas=quotas),
            lambda: _baseline_interpolated(sample, quotas),
            repeat=1,
            baseline_scale=N_REPS / SAMPLE_REPS,
        ),
        row(
            "statements_frame, product/category rules + per unit + year cap + draw + prior "
            f"(baseline: Python Decimal loop on {SAMPLE_REPS} reps, scaled)",
            f"{N_REPS:,} reps, {N_CREDITS:,} credits",
            lambda: statements_frame(RULES, rules_df, period=YEAR, prior=prior),
            lambda: _baseline_rules(rules_sample, prior),
            repeat=1,
            baseline_scale=N_REPS / SAMPLE_REPS,
        ),
        row(
            f"plan_cost (baseline: Python Decimal loop on {SAMPLE_PERIODS} samples, scaled)",
            f"{N_SAMPLES:,} samples x {COST_REPS} reps",
            lambda: plan_cost(PLAN, att, quota=Money(Decimal(int(cost_quota)), "CNY")),
            lambda: _baseline_cost(att[:SAMPLE_PERIODS], cost_quota),
            repeat=1,
            baseline_scale=N_SAMPLES / SAMPLE_PERIODS,
        ),
    ]
