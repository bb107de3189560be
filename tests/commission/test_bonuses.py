"""Target bonuses: fixed amounts and pools for goals other than revenue."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import JAN, credit, credit_lists, plan, plans, two_tier
from tests.commission.test_bulk import _to_frame, assert_agree

from salescore.calendar import Period
from salescore.commission import (
    Achievement,
    CommissionPlan,
    Floor,
    PlanSchedule,
    PlanVersion,
    TargetBonus,
    Tier,
    TieredComponent,
    bonus_pool_shares,
    statement,
    statements_frame,
)
from salescore.errors import FrameValidationError, InvalidInputError
from salescore.money import Money

LOGOS = TargetBonus(name="logos", metric="new_customers", amount="2000.00")
POOL = TargetBonus(name="pool", metric="new_customers", pool="10000.00")


def flat(*bonuses: TargetBonus, **kw: object) -> CommissionPlan:
    """5 percent of revenue, plus ``bonuses``."""
    return CommissionPlan.model_validate(
        {
            "id": "P",
            "currency": "CNY",
            "components": [TieredComponent(name="base", tiers=[Tier(lower=0, rate="0.05")])],
            "bonuses": bonuses,
            **kw,
        }
    )


def ach(actual: object, target: object = 10) -> Achievement:
    return Achievement(actual=actual, target=target)


def frame(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["rep_id", "metric", "actual", "target"])


def test_fixed_bonus_paid_when_met_and_explained_when_not():
    p = flat(LOGOS)
    met = statement(
        p, "R1", [credit("D1", "30000")], period=JAN, achievements={"new_customers": ach(12)}
    )
    assert [(x.kind, x.component, x.amount) for x in met.lines] == [
        ("tier", "base", Decimal("1500.00")),
        ("bonus", "logos", Decimal("2000.00")),
    ]
    assert met.total == Decimal("3500.00")
    assert met.subtotals["logos"] == Decimal("2000.00")
    line = met.lines[1]
    assert line.deal_id is None and line.credited_on is None
    assert line.reason_en == (
        "new_customers 12 of target 10 (120%) meets the 100% threshold: bonus of 2,000.00 CNY"
    )
    assert "达到 100% 门槛" in line.reason_zh
    missed = statement(
        p, "R1", [credit("D1", "30000")], period=JAN, achievements={"new_customers": ach("9.5")}
    )
    assert missed.lines[1].amount == 0
    assert missed.total == Decimal("1500.00")
    assert missed.lines[1].reason_en == (
        "new_customers 9.5 of target 10 (95%) is below the 100% threshold: no bonus"
    )
    # No achievement of the metric: no bonus line at all.
    none = statement(p, "R1", [credit("D1", "30000")], period=JAN)
    assert [x.kind for x in none.lines] == ["tier"]


def test_threshold_is_compared_exactly():
    p = flat(LOGOS.model_copy(update={"threshold": Decimal("1.2")}))
    paid = [
        statement(p, "R1", [], period=JAN, achievements={"new_customers": ach(a)}).total
        for a in ("11.999999", "12", "12.000001")
    ]
    assert paid == [Decimal("0.00"), Decimal("2000.00"), Decimal("2000.00")]


def test_pool_shared_evenly_and_by_actual_to_the_cent():
    results = {
        "R1": {"new_customers": ach(12)},
        "R2": {"new_customers": ach(10)},
        "R3": {"new_customers": ach(9)},
        "R4": {"new_customers": ach(15, 12)},
    }
    even = bonus_pool_shares(flat(POOL), results)
    assert even == {
        "R1": {"pool": Decimal("3333.34")},
        "R2": {"pool": Decimal("3333.33")},
        "R4": {"pool": Decimal("3333.33")},
    }
    # 12 : 10 : 15 of 1,000,000 cents: 324,324.32 / 270,270.27 / 405,405.41; the
    # leftover cent goes to the largest remainder (R4).
    by_actual = bonus_pool_shares(flat(POOL.model_copy(update={"share": "actual"})), results)
    assert by_actual == {
        "R1": {"pool": Decimal("3243.24")},
        "R2": {"pool": Decimal("2702.70")},
        "R4": {"pool": Decimal("4054.06")},
    }
    assert bonus_pool_shares(flat(POOL), {"R3": {"new_customers": ach(9)}}) == {}


def test_pool_share_on_the_statement_and_floor_counts_bonuses():
    p = flat(POOL, floor=Floor(amount="4000"))
    s = statement(
        p,
        "R1",
        [credit("D1", "10000")],
        period=JAN,
        achievements={"new_customers": ach(12)},
        pool_shares={"pool": Decimal("3333.34")},
    )
    assert [(x.kind, x.amount) for x in s.lines] == [
        ("tier", Decimal("500.00")),
        ("bonus", Decimal("3333.34")),
        ("floor", Decimal("166.66")),
    ]
    assert s.total == Decimal("4000.00")
    assert s.lines[1].reason_en.endswith("a share of the 10,000.00 CNY pool")


@pytest.mark.parametrize(
    ("achievements", "shares", "match"),
    [
        ({"meetings": ach(3)}, {}, "no target bonus"),
        ({"new_customers": ach(12)}, {}, "give its share"),
        ({"new_customers": ach(9)}, {"pool": "10"}, "did not meet"),
        ({}, {"pool": "10"}, "no achievement"),
        ({"new_customers": ach(12)}, {"pool": "10000.01"}, "must lie in"),
        ({"new_customers": ach(12)}, {"pool": "0.001"}, "whole minor units"),
        ({"new_customers": ach(12)}, {"logos": "1"}, "not pool bonuses"),
    ],
)
def test_statement_rejects_inconsistent_bonus_inputs(achievements, shares, match):
    with pytest.raises(InvalidInputError, match=match):
        statement(
            flat(LOGOS, POOL.model_copy(update={"name": "pool"})),
            "R1",
            [],
            period=JAN,
            achievements=achievements,
            pool_shares=shares,
        )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"amount": 1, "pool": 1}, "exactly one"),
        ({}, "exactly one"),
        ({"amount": 1, "share": "actual"}, "only for a pool"),
        ({"amount": 1, "threshold": 0}, "must be > 0"),
        ({"amount": 1, "threshold": "0.0000001"}, "decimal places"),
        ({"amount": -1}, "negative"),
    ],
)
def test_target_bonus_rejects_bad_definitions(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        TargetBonus(name="b", metric="m", **kwargs)


def test_plan_checks_bonus_names_and_places():
    with pytest.raises(InvalidInputError, match="repeat"):
        flat(LOGOS.model_copy(update={"name": "base"}))
    with pytest.raises(InvalidInputError, match=r"pool 0\.001 has more decimal places"):
        flat(TargetBonus(name="b", metric="m", pool="0.001"))
    assert CommissionPlan.model_validate_json(flat(LOGOS, POOL).model_dump_json()) == flat(
        LOGOS, POOL
    )


@pytest.mark.parametrize(
    ("value", "match"),
    [(-1, "negative"), ("0.0000001", "decimal places"), ("nan", "not finite")],
)
def test_achievement_rejects_bad_values(value, match):
    with pytest.raises(InvalidInputError, match=match):
        Achievement(actual=value, target=10)
    with pytest.raises(InvalidInputError, match="target of 0"):
        Achievement(actual=1, target=0)


def test_bonus_paid_by_the_version_on_the_last_day():
    first = flat(LOGOS)
    second = flat(LOGOS.model_copy(update={"amount": Decimal("3000.00")}))
    schedule = PlanSchedule(
        versions=[
            PlanVersion(effective_from=date(2025, 1, 1), plan=first),
            PlanVersion(effective_from=date(2026, 1, 16), plan=second),
        ]
    )
    s = statement(
        schedule,
        "R1",
        [credit("D1", "1000", day=3), credit("D2", "1000", day=20)],
        period=JAN,
        achievements={"new_customers": ach(10)},
    )
    assert [(x.kind, x.amount) for x in s.lines] == [
        ("tier", Decimal("50.00")),
        ("tier", Decimal("50.00")),
        ("bonus", Decimal("3000.00")),
    ]
    df = _to_frame([credit("D1", "1000", day=3), credit("D2", "1000", day=20)])
    out = statements_frame(
        schedule, df, period=JAN, achievements=frame([("R1", "new_customers", 10.0, 10.0)])
    )
    assert out.lines["amount_minor"].tolist() == [5000, 5000, 300000]
    assert out.totals.loc["R1", "total_minor"] == 310000


def test_statements_frame_pays_bonuses_to_reps_without_credits():
    p = flat(LOGOS, POOL)
    out = statements_frame(
        p,
        _to_frame([credit("D1", "30000")]),
        period=JAN,
        achievements=frame(
            [
                ("R1", "new_customers", 12.0, 10.0),
                ("R2", "new_customers", 10.0, 10.0),
                ("R3", "new_customers", 9.0, 10.0),
            ]
        ),
    )
    assert out.totals["total_minor"].to_dict() == {
        "R1": 150000 + 200000 + 500000,
        "R2": 200000 + 500000,
        "R3": 0,
    }
    bonus = out.lines[out.lines["kind"] == "bonus"]
    assert bonus[["rep_id", "component", "amount_minor"]].values.tolist() == [
        ["R1", "logos", 200000],
        ["R1", "pool", 500000],
        ["R2", "logos", 200000],
        ["R2", "pool", 500000],
        ["R3", "logos", 0],
        ["R3", "pool", 0],
    ]
    assert bonus["deal_id"].isna().all() and bonus["credited_on"].isna().all()


@pytest.mark.parametrize(
    ("rows", "error", "match"),
    [
        ([("R1", "meetings", 1.0, 1.0)], InvalidInputError, "no target bonus"),
        ([("R1", "new_customers", 1.0, 0.0)], InvalidInputError, "or of 0"),
        ([("R1", "new_customers", 1e-7, 1.0)], InvalidInputError, "decimal places"),
        ([("R1", "new_customers", -1.0, 1.0)], InvalidInputError, "break the contract"),
        ([("R1", "new_customers", float("nan"), 1.0)], InvalidInputError, "break the contract"),
        (
            [("R1", "new_customers", 1.0, 1.0), ("R1", "new_customers", 2.0, 1.0)],
            InvalidInputError,
            "repeat",
        ),
    ],
)
def test_statements_frame_rejects_bad_achievements(rows, error, match):
    with pytest.raises(error, match=match):
        statements_frame(flat(LOGOS), _to_frame([]), period=JAN, achievements=frame(rows))


def test_statements_frame_needs_quota_for_achievers_under_attainment_plans():
    p = plan(two_tier()).model_copy(update={"bonuses": (LOGOS,)})
    with pytest.raises(InvalidInputError, match="achievements of reps"):
        statements_frame(
            p,
            _to_frame([]),
            period=JAN,
            quotas=pd.Series({"R1": 1000.0}),
            achievements=frame([("R2", "new_customers", 1.0, 1.0)]),
        )
    with pytest.raises(FrameValidationError):
        statements_frame(
            p, _to_frame([]), period=JAN, achievements=pd.DataFrame({"rep_id": ["R1"]})
        )


@st.composite
def bonuses(draw: st.DrawFn) -> tuple[TargetBonus, ...]:
    """Up to three bonuses on two metrics, fixed or pooled, thresholds in [0.5, 1.5]."""
    out = []
    for i in range(draw(st.integers(0, 3))):
        pooled = draw(st.booleans())
        value = Decimal(draw(st.integers(0, 2_000_000))) / 100
        out.append(
            TargetBonus(
                name=f"b{i}",
                metric=draw(st.sampled_from(["new_customers", "meetings"])),
                threshold=Decimal(draw(st.integers(500_000, 1_500_000))) / 1_000_000,
                amount=None if pooled else value,
                pool=value if pooled else None,
                share=draw(st.sampled_from(["even", "actual"])) if pooled else "even",
            )
        )
    return tuple(out)


metric_values = st.integers(0, 40_000_000).map(lambda m: Decimal(m) / 1_000_000)


@given(
    p=plans(),
    extra=bonuses(),
    reps=st.lists(credit_lists(max_size=4), min_size=1, max_size=4),
    data=st.data(),
)
def test_statements_frame_agrees_with_statement_on_bonuses(p, extra, reps, data):
    p = CommissionPlan.model_validate({**p.model_dump(), "bonuses": extra})
    ids = [f"R{i}" for i in range(len(reps))]
    credits = [
        c.model_copy(update={"rep_id": r}) for r, cs in zip(ids, reps, strict=True) for c in cs
    ]
    metrics = sorted({b.metric for b in p.bonuses})
    results = {
        r: {
            m: Achievement(
                actual=data.draw(metric_values), target=data.draw(metric_values.filter(bool))
            )
            for m in metrics
            if data.draw(st.booleans())
        }
        for r in ids
    }
    quotas = {r: Money("50000", "CNY") for r in ids}
    rows = [
        (r, m, float(a.actual), float(a.target))
        for r, per in results.items()
        for m, a in per.items()
    ]
    out = statements_frame(
        p,
        _to_frame(credits),
        period=JAN,
        quotas=pd.Series(dict.fromkeys(ids, 50000.0)),
        achievements=frame(rows),
    )
    shares = bonus_pool_shares(p, results)
    for r in ids:
        s = statement(
            p,
            r,
            [c for c in credits if c.rep_id == r],
            period=JAN,
            quota=quotas[r],
            achievements=results[r],
            pool_shares=shares.get(r),
        )
        assert_agree(p, out, r, s)
    # Each pool is paid in full when anyone met it, else not at all.
    for b in p.bonuses:
        if b.pool is None:
            continue
        paid = out.lines.loc[out.lines["component"] == b.name, "amount_minor"].sum()
        winners = [r for r in ids if b.metric in results[r] and b.name in shares.get(r, {})]
        assert paid == (int(b.pool * 100) if winners else 0)


@given(
    weights=st.lists(st.integers(1, 10**9), min_size=1, max_size=8),
    pool_cents=st.integers(0, 10**12),
    even=st.booleans(),
)
def test_pool_shares_are_exact_and_within_a_cent_of_the_ideal(weights, pool_cents, even):
    b = TargetBonus(
        name="pool",
        metric="m",
        pool=Decimal(pool_cents) / 100,
        share="even" if even else "actual",
        threshold=Decimal("0.000001"),
    )
    results = {f"R{i:02d}": {"m": Achievement(actual=w, target=1)} for i, w in enumerate(weights)}
    shares = bonus_pool_shares(flat(b), results)
    got = [shares[r]["pool"] * 100 for r in sorted(results)]
    assert sum(got) == pool_cents
    total_w = len(weights) if even else sum(weights)
    for w, share in zip(weights, got, strict=True):
        ideal = Fraction(pool_cents) * (1 if even else w) / total_w
        assert abs(Fraction(share) - ideal) < 1
    if not even:  # more actual, no smaller share
        pairs = sorted(zip(weights, got, strict=True))
        assert all(a[1] <= b[1] for a, b in itertools.pairwise(pairs) if a[0] < b[0])


def test_rep_with_only_an_achievement_gets_a_statement():
    # A bonus line belongs to the period, not to a credit: no credit is needed.
    p = flat(LOGOS)
    feb = Period.month(2026, 2)
    out = statements_frame(
        p, _to_frame([]), period=feb, achievements=frame([("R9", "new_customers", 3.0, 2.0)])
    )
    assert out.totals.loc["R9", "total_minor"] == 200000
    assert np.isnan(out.lines["rate"]).sum() == 0
