from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import (
    FLAGS,
    JAN,
    carries,
    credit_lists,
    plan,
    plans,
    two_tier,
)
from tests.commission._helpers import reps as rep_models

from salescore.commission import (
    CREDITS,
    Carry,
    Credit,
    Tier,
    TieredComponent,
    statement,
    statements_frame,
)
from salescore.errors import FrameValidationError, InvalidInputError
from salescore.money import Money


def frame(
    rows: list[tuple[str, str, float, str, str]], index: list[int] | None = None
) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["deal_id", "rep_id", "amount", "currency", "credited_on"])
    df["credited_on"] = pd.to_datetime(df["credited_on"])
    if index is not None:
        df.index = index
    return df


def test_statements_frame_marginal_example():
    # R1: 60,000 + 60,000 against 100,000 at 5% then 8%: 3,000 + 2,000 + 1,600 = 6,600.
    # R2: 30,000 against 50,000: 1,500. R3 has a quota and no credits: 0.
    df = frame(
        [
            ("D2", "R1", 60000.0, "CNY", "2026-01-20"),
            ("D1", "R1", 60000.0, "CNY", "2026-01-05"),
            ("D3", "R2", 30000.0, "CNY", "2026-01-07"),
        ],
        index=[10, 11, 12],
    )
    before = df.copy()
    out = statements_frame(
        plan(two_tier()),
        df,
        period=JAN,
        quotas=pd.Series({"R1": 100000.0, "R2": 50000.0, "R3": 1.0}),
    )
    pd.testing.assert_frame_equal(df, before)
    assert out.lines[["rep_id", "deal_id", "row", "tier", "amount_minor"]].to_dict("records") == [
        {"rep_id": "R1", "deal_id": "D1", "row": 11, "tier": 1, "amount_minor": 300000},
        {"rep_id": "R1", "deal_id": "D2", "row": 10, "tier": 1, "amount_minor": 200000},
        {"rep_id": "R1", "deal_id": "D2", "row": 10, "tier": 2, "amount_minor": 160000},
        {"rep_id": "R2", "deal_id": "D3", "row": 12, "tier": 1, "amount_minor": 150000},
    ]
    assert out.lines["base"].tolist() == [60000.0, 40000.0, 20000.0, 30000.0]
    assert out.lines["rate"].tolist() == [0.05, 0.05, 0.08, 0.05]
    assert out.totals["total_minor"].to_dict() == {"R1": 660000, "R2": 150000, "R3": 0}
    assert out.totals.loc["R1", "credited_minor"] == 12_000_000
    assert out.totals.loc["R1", "total"] == Decimal("6600.00")
    assert out.errors.empty


def test_statements_frame_reports_bad_rows():
    df = frame(
        [
            ("D1", "R1", 100.0, "CNY", "2026-01-05"),
            ("D2", "R1", 100.0, "USD", "2026-01-05"),
            ("D3", "R1", 100.0, "CNY", "2026-02-05"),
            ("D4", "R1", 100.001, "CNY", "2026-01-05"),
            ("D5", "R1", 1.0, "CNY", "2026-01-05"),
            ("D5", "R1", 2.0, "CNY", "2026-01-06"),
            ("D6", "R9", 1.0, "CNY", "2026-01-06"),
            ("D7", "R1", -1.0, "CNY", "2026-01-06"),
        ]
    )
    out = statements_frame(plan(two_tier()), df, period=JAN, quotas=pd.Series({"R1": 1000.0}))
    got = sorted(zip(out.errors["row"], out.errors["reason"], strict=True))
    assert got == [
        (1, "currency_mismatch"),
        (2, "outside_period"),
        (3, "not_minor_unit"),
        (4, "duplicate_credit"),
        (5, "duplicate_credit"),
        (6, "missing_quota"),
        (7, "negative"),
    ]
    # Only D1 is used: 100 * 0.05 = 5.00.
    assert out.lines["deal_id"].tolist() == ["D1"]
    assert out.totals["total_minor"].to_dict() == {"R1": 500}


def test_statements_frame_missing_column():
    df = frame([("D1", "R1", 1.0, "CNY", "2026-01-05")]).drop(columns="credited_on")
    with pytest.raises(FrameValidationError, match="credited_on"):
        statements_frame(plan(two_tier()), df, period=JAN, quotas=pd.Series({"R1": 1.0}))


def test_statements_frame_quota_repeats():
    q = pd.Series([1.0, 2.0], index=["R1", "R1"])
    with pytest.raises(InvalidInputError, match=r"quotas repeat for reps \['R1'\]"):
        statements_frame(plan(two_tier()), frame([]), period=JAN, quotas=q)


def test_statements_frame_quota_sub_minor():
    with pytest.raises(InvalidInputError, match=r"quotas of reps \['R1'\] have more decimal"):
        statements_frame(plan(two_tier()), frame([]), period=JAN, quotas=pd.Series({"R1": 1.001}))


def test_statements_frame_quota_decimal_sub_minor():
    q = pd.Series({"R1": Decimal("1.001")}, dtype=object)
    with pytest.raises(InvalidInputError, match=r"quotas of reps \['R1'\] have more decimal"):
        statements_frame(plan(two_tier()), frame([]), period=JAN, quotas=q)


def test_statements_frame_quota_not_positive():
    with pytest.raises(InvalidInputError, match=r"quotas of reps \['R1'\] are not > 0"):
        statements_frame(plan(two_tier()), frame([]), period=JAN, quotas=pd.Series({"R1": 0.0}))


def test_statements_frame_decimal_quotas_and_amount_plan():
    # Decimal quotas are read exactly; an amount plan needs none: 10% of 12.34 = 1.234 -> 1.23.
    comp = TieredComponent(name="c", tiers=[Tier(lower=0, rate="0.1")])
    df = frame([("D1", "R1", 12.34, "CNY", "2026-01-05")])
    q = pd.Series({"R1": Decimal("500.25")}, dtype=object)
    out = statements_frame(plan(comp), df, period=JAN, quotas=q)
    cols = ["credited_minor", "quota_minor", "total_minor", "total"]
    assert out.totals[cols].to_dict("index") == {
        "R1": {
            "credited_minor": 1234,
            "quota_minor": 50025,
            "total_minor": 123,
            "total": Decimal("1.23"),
        }
    }
    assert statements_frame(plan(comp), df, period=JAN).totals["total_minor"].tolist() == [123]


def test_statements_frame_huge_amounts_fall_back_to_exact_integers():
    # 9e13 CNY * 100 cents * rate scale would overflow int64: Python ints give the exact answer.
    # 90,000,000,000,000.00 * 0.12345678 = 11,111,110,200,000.00.
    comp = TieredComponent(name="c", tiers=[Tier(lower=0, rate="0.12345678")], deal_cap=None)
    df = frame([("D1", "R1", 9e13, "CNY", "2026-01-05")])
    out = statements_frame(plan(comp), df, period=JAN)
    assert out.totals["total_minor"].tolist() == [1_111_111_020_000_000]


def test_statements_frame_caps_and_accelerators_example():
    # 5% to quota, 8% above, x1.5 above 120%; deal cap 5,000; period cap 9,000. Quota 100,000.
    # D1 100,000: 5,000 (tier 1). D2 50,000: 20,000 * 0.08 = 1,600; 30,000 * 0.12 = 3,600
    # -> 5,200 capped to 5,000 (-200); cumulative 10,000 above 9,000 -> -1,000. Total 9,000.
    from salescore.commission import AcceleratorBand

    comp = two_tier(
        accelerators=[AcceleratorBand(lower="1.2", multiplier="1.5")],
        deal_cap=5000,
        period_cap=9000,
    )
    df = frame(
        [("D1", "R1", 100000.0, "CNY", "2026-01-05"), ("D2", "R1", 50000.0, "CNY", "2026-01-06")]
    )
    out = statements_frame(plan(comp), df, period=JAN, quotas=pd.Series({"R1": 100000.0}))
    assert out.lines[["kind", "amount_minor"]].to_dict("records") == [
        {"kind": "tier", "amount_minor": 500000},
        {"kind": "tier", "amount_minor": 160000},
        {"kind": "tier", "amount_minor": 360000},
        {"kind": "deal_cap", "amount_minor": -20000},
        {"kind": "period_cap", "amount_minor": -100000},
    ]
    assert out.lines["multiplier"].tolist() == [1.0, 1.0, 1.5, 1.0, 1.0]
    assert out.totals["total_minor"].tolist() == [900000]


def test_credits_contract_names():
    assert CREDITS.names == ("deal_id", "rep_id", "amount", "currency", "credited_on")


def _to_frame(credits: list[Credit]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "deal_id": [c.deal_id for c in credits],
            "rep_id": [c.rep_id for c in credits],
            "amount": [float(c.amount.amount) for c in credits],
            "currency": [c.amount.currency for c in credits],
            "credited_on": pd.to_datetime([c.credited_on for c in credits]),
            "product": pd.Series([c.product for c in credits], dtype=object),
            "category": pd.Series([c.category for c in credits], dtype=object),
            "units": [float(c.units) for c in credits],
        }
        | {flag: [flag in c.flags for c in credits] for flag in FLAGS}
    )


def carry_frame(carried: dict[str, Carry], names: list[str]) -> pd.DataFrame:
    """The bulk ``prior`` frame of single-path carries."""
    return pd.DataFrame(
        {
            "advances_minor": [int(c.advances.scaleb(2)) for c in carried.values()],
            "deficit_minor": [int(c.deficit.scaleb(2)) for c in carried.values()],
            "year": [c.year or 0 for c in carried.values()],
        }
        | {
            f"ytd_minor:{n}": [int(c.year_to_date.get(n, 0) * 100) for c in carried.values()]
            for n in names
        }
        | {
            f"held_minor:{n}": [int(c.held.get(n, 0) * 100) for c in carried.values()]
            for n in names
        },
        index=list(carried),
    )


def assert_agree(p, out, rep_id, s):
    """The bulk result of ``rep_id`` equals statement ``s`` to the cent, carry included."""
    got = out.lines[out.lines["rep_id"] == rep_id]
    assert [line.amount for line in s.lines] == [
        Decimal(int(x)).scaleb(-2) for x in got["amount_minor"]
    ]
    # The Decimal column is the statement's own amount, with its places, not a float.
    assert got["amount"].tolist() == [line.amount for line in s.lines]
    assert [str(x) for x in got["amount"]] == [str(line.amount) for line in s.lines]
    assert [line.deal_id for line in s.lines] == [None if pd.isna(x) else x for x in got["deal_id"]]
    assert [line.component for line in s.lines] == got["component"].tolist()
    assert [line.kind for line in s.lines] == got["kind"].tolist()
    assert [line.credited_on for line in s.lines] == [
        None if pd.isna(x) else x.date() for x in got["credited_on"]
    ]
    assert [line.tier for line in s.lines] == got["tier"].tolist()
    for line, mult in zip(s.lines, got["multiplier"], strict=True):
        assert abs(float(line.multiplier) - mult) < 1e-9 * max(1.0, mult)
    for line, rate, end_rate in zip(s.lines, got["rate"], got["end_rate"], strict=True):
        assert abs(float(line.rate) - rate) < 1e-8
        if line.end_rate is None:
            assert np.isnan(end_rate)
        else:
            assert abs(float(line.end_rate) - end_rate) < 1e-8
    row = out.totals.loc[rep_id]
    assert s.total == Decimal(int(row["total_minor"])).scaleb(-2)
    assert str(row["total"]) == str(s.total)
    assert (s.quota or 0) == Decimal(int(row["quota_minor"])).scaleb(-2)
    for key in (
        "deficit_recovered",
        "deficit_added",
        "advance",
        "recovered",
        "forgiven",
        "payable",
    ):
        assert getattr(s.settlement, key) == Decimal(int(row[f"{key}_minor"])).scaleb(-2), key
    carry = out.carry.loc[rep_id]
    assert s.carry.advances == Decimal(int(carry["advances_minor"])).scaleb(-2)
    assert s.carry.deficit == Decimal(int(carry["deficit_minor"])).scaleb(-2)
    assert s.carry.year == carry["year"]
    for c in p.components:
        assert s.carry.year_to_date[c.name] == Decimal(int(carry[f"ytd_minor:{c.name}"])).scaleb(-2)
        held = Decimal(int(carry.get(f"held_minor:{c.name}", 0))).scaleb(-2)
        assert s.carry.held.get(c.name, Decimal(0)) == held
        assert c.gate_deferred or c.name not in s.carry.held


@given(
    p=plans(),
    reps=st.lists(credit_lists(max_size=6), min_size=1, max_size=3),
    quota_cents=st.lists(st.integers(1, 20_000_000), min_size=3, max_size=3),
    rounding=st.sampled_from(["ROUND_HALF_EVEN", "ROUND_HALF_UP", "ROUND_DOWN"]),
    data=st.data(),
)
def test_statements_frame_agrees_with_statement(p, reps, quota_cents, rounding, data):
    credits = [
        c.model_copy(update={"rep_id": f"R{i}", "deal_id": f"{c.deal_id}"})
        for i, cs in enumerate(reps)
        for c in cs
    ]
    quotas = {f"R{i}": Money.from_minor(quota_cents[i], "CNY") for i in range(len(reps))}
    q_series = pd.Series({k: float(v.amount) for k, v in quotas.items()}, dtype=np.float64)
    people = {k: data.draw(rep_models(k)) for k in quotas}
    prorate = data.draw(st.booleans())
    carried = {k: data.draw(carries()) for k in quotas if data.draw(st.booleans())}
    names = [c.name for c in p.components]
    out = statements_frame(
        p,
        _to_frame(credits),
        period=JAN,
        quotas=q_series,
        reps=list(people.values()),
        prior=carry_frame(carried, names) if carried else None,
        prorate=prorate,
        rounding=rounding,
    )
    for rep_id, quota in quotas.items():
        mine = [c for c in credits if c.rep_id == rep_id]
        try:
            s = statement(
                p,
                people[rep_id],
                mine,
                period=JAN,
                quota=quota,
                prior=carried.get(rep_id),
                prorate=prorate,
                rounding=rounding,
            )
        except InvalidInputError:
            # A rep not employed in January under an attainment plan: no statement,
            # every credit of theirs reported.
            assert prorate
            assert p.needs_quota
            assert rep_id not in out.totals.index
            bad = out.errors[
                (out.errors["reason"] == "zero_quota") & (out.errors["value"] == rep_id)
            ]
            assert len(bad) == len(mine)
            continue
        assert_agree(p, out, rep_id, s)
    assert set(out.errors["reason"]) <= {"zero_quota"}


@given(credits=credit_lists(max_size=10), data=st.data())
def test_statements_frame_keeps_every_row(credits, data):
    moved = data.draw(st.lists(st.booleans(), min_size=len(credits), max_size=len(credits)))
    df = _to_frame(credits)
    df.loc[np.asarray(moved, dtype=bool), "credited_on"] = pd.Timestamp(JAN.end + timedelta(days=1))
    out = statements_frame(plan(two_tier()), df, period=JAN, quotas=pd.Series({"R1": 1000.0}))
    assert set(out.lines["row"]) | set(out.errors["row"]) == set(df.index)
    assert not set(out.lines["row"]) & set(out.errors["row"])


def test_credits_from_frame_gives_the_models_statement_pays_like_the_frame():
    from salescore.commission import credits_from_frame, statement
    from salescore.errors import FrameValidationError

    df = frame(
        [
            ("D2", "R1", 60000.1, "CNY", "2026-01-20"),
            ("D1", "R1", 60000.0, "CNY", "2026-01-05"),
            ("D3", "R2", 30000.0, "CNY", "2026-01-07"),
        ],
        index=[10, 11, 12],
    )
    df["new_logo"] = [True, False, False]
    before = df.copy()
    models = credits_from_frame(df, flags=["new_logo"])
    pd.testing.assert_frame_equal(df, before)
    assert [(c.deal_id, c.rep_id, str(c.amount.amount)) for c in models] == [
        ("D2", "R1", "60000.1"),
        ("D1", "R1", "60000.0"),
        ("D3", "R2", "30000.0"),
    ]
    assert [c.flags for c in models] == [frozenset({"new_logo"}), frozenset(), frozenset()]
    assert models[0].units == 1 and models[0].product is None
    p = plan(two_tier())
    quotas = pd.Series({"R1": 100000.0, "R2": 50000.0})
    bulk = statements_frame(p, df.drop(columns="new_logo"), period=JAN, quotas=quotas).totals
    r1 = [c for c in models if c.rep_id == "R1"]
    one = statement(p, "R1", r1, period=JAN, quota=Money("100000", "CNY"))
    assert bulk.loc["R1", "total"] == one.total == Decimal("6600.01")
    bad = df.assign(amount=[1.0, -2.0, float("nan")])
    with pytest.raises(FrameValidationError) as caught:
        credits_from_frame(bad)
    assert sorted(caught.value.failures["row"].tolist()) == [11, 12]
