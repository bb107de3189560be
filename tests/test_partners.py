import decimal
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import jsonschema
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, InvalidInputError, UnknownStageError
from salescore.models import Channel, Opportunity, Pipeline, Stage
from salescore.partners import (
    BackEndRebate,
    ChannelClaim,
    ChannelConflicts,
    ChannelPerformance,
    MdfClaim,
    MdfFrames,
    MdfProgram,
    MdfStatement,
    PartnerPeriod,
    PartnerSale,
    PartnerTier,
    PartnerTierRule,
    PartnerTiers,
    RebateFrames,
    RebateStatement,
    RebateTier,
    VolumeRebate,
    channel_conflicts,
    channel_performance,
    mdf_frame,
    mdf_statement,
    partner_tiers,
    rebate_frame,
    rebate_statement,
)

Q1 = Period.quarter(2026, 1)
D = Decimal


def _sale(i, amount, partner="P1", on=date(2026, 2, 1)):
    return PartnerSale(deal_id=f"D{i}", partner_id=partner, sold_on=on, amount=amount)


def _volume_rebate(mode, rates=("0.01", "0.02", "0.04")):
    return VolumeRebate(
        name="VR",
        currency="CNY",
        mode=mode,
        tiers=[
            RebateTier(lower=0, upper=50000, rate=rates[0]),
            RebateTier(lower=50000, upper=200000, rate=rates[1]),
            RebateTier(lower=200000, rate=rates[2]),
        ],
    )


def _round_trip(result):
    data = json.loads(json.dumps(result.to_dict()))
    jsonschema.validate(data, type(result).json_schema())
    return type(result).from_dict(data)


# -- volume rebates ------------------------------------------------------------------------


def test_rebate_statement_marginal_hand_checked():
    # 250000 of volume: 50000 x 1% + 150000 x 2% + 50000 x 4% = 500 + 3000 + 2000
    sales = [_sale(1, "100000"), _sale(2, "150000"), _sale(3, "999", partner="P2")]
    st_ = rebate_statement(_volume_rebate("marginal"), "P1", sales, Q1)
    assert st_.volume == D("250000") and st_.sales == 2
    assert [(ln.tier, ln.base, ln.amount) for ln in st_.lines] == [
        (1, D("50000"), D("500.00")),
        (2, D("150000"), D("3000.00")),
        (3, D("50000"), D("2000.00")),
    ]
    assert st_.total == D("5500.00")
    assert st_.payable_on == date(2026, 4, 1)
    assert "销量" in st_.lines[0].reason_zh


def test_rebate_statement_retroactive_hand_checked():
    # 250000 reaches tier 3: all at 4% = 10000; a sale outside the period is not counted
    sales = [_sale(1, "250000"), _sale(2, "5000", on=date(2026, 4, 1))]
    st_ = rebate_statement(_volume_rebate("retroactive"), "P1", sales, Q1)
    assert len(st_.lines) == 1
    assert (st_.lines[0].tier, st_.lines[0].rate, st_.total) == (3, D("0.04"), D("10000.00"))
    assert "tier 3" in st_.lines[0].reason_en


def test_rebate_statement_boundary_belongs_to_upper_tier():
    st_ = rebate_statement(_volume_rebate("retroactive"), "P1", [_sale(1, "50000")], Q1)
    assert st_.lines[0].tier == 2 and st_.total == D("1000.00")
    marginal = rebate_statement(_volume_rebate("marginal"), "P1", [_sale(1, "50000")], Q1)
    assert [ln.tier for ln in marginal.lines] == [1] and marginal.total == D("500.00")


def test_rebate_statement_lines_round_on_running_total():
    # three slices of 0.005 exact; running totals 0.5, 1.0, 1.5 cents round half-even
    # to 0, 1, 2 cents, so the lines are 0.00, 0.01, 0.01 and add up to round(0.015).
    rebate = VolumeRebate(
        name="VR",
        currency="CNY",
        tiers=[
            RebateTier(lower=0, upper="0.5", rate="0.01"),
            RebateTier(lower="0.5", upper="1", rate="0.01"),
            RebateTier(lower="1", rate="0.01"),
        ],
    )
    st_ = rebate_statement(rebate, "P1", [_sale(1, "1.50")], Q1)
    assert [ln.exact_amount for ln in st_.lines] == [D("0.005"), D("0.005"), D("0.005")]
    assert [ln.amount for ln in st_.lines] == [D("0.00"), D("0.01"), D("0.01")]
    assert st_.total == D("0.02")


def test_rebate_statement_zero_volume_has_one_line():
    st_ = rebate_statement(_volume_rebate("marginal"), "P1", [], Q1)
    assert [(ln.tier, ln.amount) for ln in st_.lines] == [(1, D("0.00"))]
    assert st_.total == D("0.00")


def test_rebate_statement_above_closed_top_pays_nothing_retroactive():
    rebate = VolumeRebate(
        name="VR",
        currency="CNY",
        mode="retroactive",
        tiers=[RebateTier(lower=0, upper=100, rate="0.1")],
    )
    st_ = rebate_statement(rebate, "P1", [_sale(1, "150")], Q1)
    assert st_.lines[0].tier == 0 and st_.total == D("0.00")
    assert "top tier" in st_.lines[0].reason_en
    marginal = rebate_statement(
        rebate.model_copy(update={"mode": "marginal"}), "P1", [_sale(1, "150")], Q1
    )
    assert marginal.total == D("10.00")


def test_volume_rebate_rejects_bad_tables():
    with pytest.raises(InvalidInputError, match="must start at 0"):
        VolumeRebate(name="x", currency="CNY", tiers=[RebateTier(lower=1, rate=0)])
    with pytest.raises(InvalidInputError, match="contiguous"):
        VolumeRebate(
            name="x",
            currency="CNY",
            tiers=[RebateTier(lower=0, upper=1, rate=0), RebateTier(lower=2, rate=0)],
        )
    with pytest.raises(InvalidInputError, match="must not fall"):
        _volume_rebate("marginal", rates=("0.02", "0.01", "0.04"))
    with pytest.raises(InvalidInputError, match="not above"):
        RebateTier(lower=5, upper=5, rate=0)
    with pytest.raises(InvalidInputError, match="decimal places"):
        RebateTier(lower=0, rate="0.123456789")
    with pytest.raises(InvalidInputError, match="negative"):
        RebateTier(lower=0, rate="-0.1")


def test_rebate_statement_rejects_bad_input():
    with pytest.raises(InvalidInputError, match="decimal places"):
        rebate_statement(_volume_rebate("marginal"), "P1", [_sale(1, "1.001")], Q1)
    with pytest.raises(InvalidInputError, match="PartnerSale"):
        rebate_statement(_volume_rebate("marginal"), "P1", [{"amount": 1}], Q1)  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="rounding"):
        rebate_statement(_volume_rebate("marginal"), "P1", [], Q1, rounding="ROUND_SIDEWAYS")


# -- back-end rebates ----------------------------------------------------------------------


def test_rebate_statement_back_end_hand_checked():
    # threshold 200000 x 1.10 = 220000; volume 300000; 80000 above at 5% = 4000
    be = BackEndRebate(
        name="BE",
        currency="CNY",
        rate="0.05",
        growth_threshold="0.10",
        baselines={"P1": 200000},
        pay_after_days=45,
    )
    st_ = rebate_statement(be, "P1", [_sale(1, "300000")], Q1)
    assert st_.threshold == D("220000.00")
    assert [(ln.kind, ln.base, ln.amount) for ln in st_.lines] == [
        ("back_end", D("80000.00"), D("4000.00"))
    ]
    assert st_.total == D("4000.00")
    assert st_.payable_on == date(2026, 5, 16)
    below = rebate_statement(be, "P1", [_sale(1, "220000")], Q1)
    assert below.total == D("0.00") and "does not exceed" in below.lines[0].reason_en
    assert "未超过" in below.lines[0].reason_zh


def test_rebate_statement_back_end_needs_baseline():
    be = BackEndRebate(name="BE", currency="CNY", rate="0.05", baselines={"P1": 1})
    with pytest.raises(InvalidInputError, match="no baseline for partner 'P9'"):
        rebate_statement(be, "P9", [], Q1)


amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)
rates = st.lists(st.decimals(min_value=0, max_value="0.2", places=4), min_size=3, max_size=3)


def _rebate_from(rates_, mode):
    return _volume_rebate(mode, rates=tuple(sorted(rates_)))


@given(st.lists(amounts, max_size=8), rates, st.sampled_from(["marginal", "retroactive"]))
def test_rebate_statement_reconciles_to_the_cent(values, rates_, mode):
    sales = [_sale(i, v) for i, v in enumerate(values)]
    st_ = rebate_statement(_rebate_from(rates_, mode), "P1", sales, Q1)
    assert sum(ln.amount for ln in st_.lines) == st_.total
    exact = sum((ln.base * ln.rate for ln in st_.lines), D(0))
    assert st_.total == exact.quantize(D("0.01"))  # rounded once, half-even
    assert sum(ln.base for ln in st_.lines) == st_.volume == sum(values, D(0))
    assert all(abs(ln.amount - ln.exact_amount) < D("0.01") for ln in st_.lines)


@given(amounts, rates)
def test_rebate_statement_retroactive_at_least_marginal(volume, rates_):
    sales = [_sale(1, volume)]
    retro = rebate_statement(_rebate_from(rates_, "retroactive"), "P1", sales, Q1)
    marg = rebate_statement(_rebate_from(rates_, "marginal"), "P1", sales, Q1)
    assert retro.total >= marg.total


@given(amounts, amounts, rates, st.sampled_from(["marginal", "retroactive"]))
def test_rebate_statement_monotone_in_volume(a, b, rates_, mode):
    lo, hi = sorted((a, b))
    rebate = _rebate_from(rates_, mode)
    assert (
        rebate_statement(rebate, "P1", [_sale(1, lo)], Q1).total
        <= rebate_statement(rebate, "P1", [_sale(1, hi)], Q1).total
    )


@given(amounts, st.decimals(min_value=0, max_value=10**6, places=2), st.sampled_from(["0", "0.1"]))
def test_rebate_statement_back_end_monotone_in_volume(volume, baseline, growth):
    be = BackEndRebate(
        name="BE", currency="CNY", rate="0.03", growth_threshold=growth, baselines={"P1": baseline}
    )
    low = rebate_statement(be, "P1", [_sale(1, volume)], Q1)
    high = rebate_statement(be, "P1", [_sale(1, volume + 1)], Q1)
    assert low.total <= high.total
    assert sum(ln.amount for ln in low.lines) == low.total


def test_rebate_statement_round_trips_through_json():
    st_ = rebate_statement(_volume_rebate("marginal"), "P1", [_sale(1, "250000.55")], Q1)
    back = _round_trip(st_)
    assert isinstance(back, RebateStatement) and back == st_
    assert RebateStatement.json_schema()["title"] == "RebateStatement"


# -- MDF ---------------------------------------------------------------------------------


MDF = MdfProgram(name="MDF", currency="CNY", accrual_rate="0.03", period_cap=5000)


def _claim(i, amount, on=date(2026, 2, 1), partner="P1", activity=None):
    return MdfClaim(
        claim_id=f"C{i}", partner_id=partner, claimed_on=on, amount=amount, activity=activity
    )


def test_mdf_statement_cap_and_claims_hand_checked():
    # revenue 200000 x 3% = 6000, capped at 5000; opening 250.
    # C1 3000 approved (balance 5250 -> 2250), C2 2500 partly: 2250 approved, 250 refused,
    # C3 100 refused on an empty balance; C9 of another partner, C4 after the period ignored.
    claims = [
        _claim(3, "100", on=date(2026, 3, 30)),
        _claim(1, "3000", activity="trade show"),
        _claim(2, "2500", on=date(2026, 3, 1)),
        _claim(9, "50", partner="P2"),
        _claim(4, "50", on=date(2026, 4, 2)),
    ]
    st_ = mdf_statement(MDF, "P1", [_sale(1, "200000")], claims, Q1, opening="250")
    assert [(ln.kind, ln.amount) for ln in st_.lines] == [
        ("accrual", D("6000.00")),
        ("cap", D("-1000.00")),
    ]
    assert st_.accrued == D("5000.00")
    assert [(c.claim_id, c.status, c.approved, c.refused) for c in st_.claims] == [
        ("C1", "approved", D("3000.00"), D("0.00")),
        ("C2", "partial", D("2250.00"), D("250.00")),
        ("C3", "refused", D("0.00"), D("100.00")),
    ]
    assert (st_.requested, st_.approved, st_.refused, st_.carried) == (
        D("5600.00"),
        D("5250.00"),
        D("350.00"),
        D("0.00"),
    )
    assert "trade show" in st_.claims[0].reason_en and "（trade show）" in st_.claims[0].reason_zh
    assert "超过每期上限" in st_.lines[1].reason_zh
    assert "拒绝" in st_.claims[2].reason_zh


def test_mdf_statement_rounds_the_accrual_once():
    # 333.33 x 3% = 9.9999 -> 10.00
    st_ = mdf_statement(MDF, "P1", [_sale(1, "111.11"), _sale(2, "222.22")], [], Q1)
    assert st_.accrued == D("10.00") and st_.carried == D("10.00") and st_.claims == ()


def test_mdf_statement_rejects_bad_input():
    with pytest.raises(InvalidInputError, match="negative"):
        mdf_statement(MDF, "P1", [], [], Q1, opening=-1)
    with pytest.raises(InvalidInputError, match="decimal places"):
        mdf_statement(MDF, "P1", [], [], Q1, opening="0.001")
    with pytest.raises(InvalidInputError, match="MdfClaim"):
        mdf_statement(MDF, "P1", [], ["C1"], Q1)  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="decimal places"):
        mdf_statement(MDF, "P1", [], [_claim(1, "0.001")], Q1)
    with pytest.raises(InvalidInputError, match="decimal places"):
        MdfProgram(name="m", currency="CNY", accrual_rate="0.1", period_cap="0.001")


@given(
    st.lists(amounts, max_size=5),
    st.lists(st.decimals(min_value=0, max_value=10**5, places=2), max_size=6),
    st.decimals(min_value=0, max_value=10**4, places=2),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=10**5, places=2)),
)
def test_mdf_statement_reconciles_to_the_cent(revenue, asks, opening, cap):
    program = MdfProgram(name="MDF", currency="CNY", accrual_rate="0.0275", period_cap=cap)
    sales = [_sale(i, v) for i, v in enumerate(revenue)]
    claims = [_claim(i, v, on=date(2026, 1, 1 + i)) for i, v in enumerate(asks)]
    st_ = mdf_statement(program, "P1", sales, claims, Q1, opening=opening)
    assert sum(ln.amount for ln in st_.lines) == st_.accrued
    assert st_.opening + st_.accrued == st_.approved + st_.carried
    assert st_.carried >= 0
    assert all(c.requested == c.approved + c.refused for c in st_.claims)
    assert sum(c.approved for c in st_.claims) == st_.approved
    if cap is not None:
        assert st_.accrued <= cap
    assert st_.requested == sum(asks, D(0))


def test_mdf_statement_round_trips_through_json():
    claims = [_claim(1, "3000"), _claim(2, "9000")]
    st_ = mdf_statement(MDF, "P1", [_sale(1, "200000")], claims, Q1)
    back = _round_trip(st_)
    assert isinstance(back, MdfStatement) and back == st_


# -- partner tiers -------------------------------------------------------------------------

RULE = PartnerTierRule(
    tiers=[
        PartnerTier(name="Silver", min_revenue=100000, min_deals=3),
        PartnerTier(
            name="Gold",
            min_revenue=500000,
            min_deals=10,
            min_growth="0.05",
            certifications=["cloud"],
        ),
    ]
)


def _rec(q, revenue, deals=20, certs=("cloud",), partner="P1", year=2026, growth=None):
    return PartnerPeriod(
        partner_id=partner,
        period=Period.quarter(year, q),
        revenue=revenue,
        deals=deals,
        certifications=certs,
        growth=growth,
    )


def test_partner_tiers_hand_checked():
    hist = [
        _rec(1, 600000, growth="0.2"),  # Gold (growth given)
        _rec(2, 610000, certs=()),  # growth 1.67 % < 5 % and no cloud: below Gold, held
        _rec(3, 700000),  # growth 14.75 % (700000 / 610000): meets Gold again, kept
        _rec(4, 200000),  # Silver only: held
        _rec(1, 90000, year=2027),  # below Silver: second period below Gold: demoted
    ]
    out = partner_tiers(RULE, hist).table
    assert out["qualified"].tolist() == ["Gold", "Silver", "Gold", "Silver", "registered"]
    assert out["tier"].tolist() == ["Gold", "Gold", "Gold", "Gold", "Silver"]
    assert out["change"].tolist() == ["new", "held", "kept", "held", "demoted"]
    assert out["periods_below"].tolist() == [0, 1, 0, 1, 0]
    assert out.loc[2, "growth"] == pytest.approx(700000 / 610000 - 1)
    assert "growth 1.67% < 5%" in str(
        out.loc[1, "reason_en"]
    ) and "missing certifications cloud" in str(out.loc[1, "reason_en"])
    assert str(out.loc[4, "reason_en"]).startswith(
        "demoted from Gold to Silver after 2 consecutive"
    )
    assert "降为 Silver" in str(out.loc[4, "reason_zh"])


def test_partner_tiers_promotes_at_once_and_reads_partners_apart():
    hist = [
        _rec(2, 50000, partner="P2"),
        _rec(1, 150000, partner="P2"),
        _rec(1, 10, partner="P1"),
    ]
    out = partner_tiers(RULE, hist).table
    assert out[["partner_id", "period", "tier", "change"]].values.tolist() == [
        ["P1", "2026-Q1", "registered", "new"],
        ["P2", "2026-Q1", "Silver", "new"],
        ["P2", "2026-Q2", "Silver", "held"],
    ]
    assert "meets no tier (revenue 10 < 100000)" in str(out.loc[0, "reason_en"])
    promoted = partner_tiers(RULE, [_rec(1, 150000), _rec(2, 900000)]).table
    assert promoted["change"].tolist() == ["new", "promoted"]
    assert str(promoted.loc[1, "reason_zh"]).startswith("由 Silver 晋升为 Gold")


def test_partner_tiers_explains_too_few_deals():
    out = partner_tiers(RULE, [_rec(1, 600000, deals=2, growth=1)]).table
    assert out.loc[0, "qualified"] == "registered"
    assert "2 deals < 3" in str(out.loc[0, "reason_en"])
    assert "成交 2 单少于 3 单" in str(out.loc[0, "reason_zh"])


def test_partner_tiers_demotes_to_the_best_tier_of_the_run():
    rule = RULE.model_copy(update={"demote_after": 3})
    hist = [_rec(1, 900000, growth=1), _rec(2, 50000), _rec(3, 200000), _rec(4, 60000)]
    out = partner_tiers(rule, hist).table
    assert out["tier"].tolist() == ["Gold", "Gold", "Gold", "Silver"]
    assert out["periods_below"].tolist() == [0, 1, 2, 0]


def test_partner_tiers_growth_unknown_after_a_gap():
    out = partner_tiers(RULE, [_rec(1, 600000, growth=1), _rec(3, 600000)]).table
    assert out["growth"].isna().tolist() == [False, True] and "growth unknown" in str(
        out.loc[1, "reason_en"]
    )


def test_partner_tiers_reads_a_frame():
    df = pd.DataFrame(
        {
            "partner_id": ["P1", "P1"],
            "period_start": pd.to_datetime(["2026-01-01", "2026-04-01"]),
            "period_end": pd.to_datetime(["2026-04-01", "2026-07-01"]),
            "revenue": [600000.0, 650000.5],
            "deals": [12, 12],
            "growth": [0.1, np.nan],
            "certifications": ["cloud, data", ["data"]],
        }
    )
    out = partner_tiers(RULE, df)
    assert out.table["tier"].tolist() == ["Gold", "Gold"]
    assert out.table["change"].tolist() == ["new", "held"]  # no cloud in Q2
    assert out.table.loc[1, "revenue"] == D("650000.5")
    assert out.tier_of("P1", Period.quarter(2026, 2)) == "Gold"
    with pytest.raises(InvalidInputError, match="no tier in period 2026-Q3"):
        out.tier_of("P1", Period.quarter(2026, 3))
    bare = partner_tiers(RULE, df.drop(columns=["deals", "growth", "certifications"]))
    assert bare.table["qualified"].tolist() == ["registered", "registered"]  # 0 deals
    with pytest.raises(InvalidInputError, match="lacks columns"):
        partner_tiers(RULE, df.drop(columns="revenue"))
    with pytest.raises(InvalidInputError, match="history row 1"):
        partner_tiers(RULE, df.assign(revenue=[1.0, -1.0]))


def test_partner_tiers_rejects_bad_input():
    with pytest.raises(InvalidInputError, match="overlap"):
        partner_tiers(
            RULE, [_rec(1, 1), PartnerPeriod(partner_id="P1", period=Period.year(2026), revenue=1)]
        )
    with pytest.raises(InvalidInputError, match="PartnerPeriod"):
        partner_tiers(RULE, [{"partner_id": "P1"}])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="more than once"):
        PartnerTierRule(tiers=[PartnerTier(name="registered")])
    with pytest.raises(InvalidInputError, match="asks less"):
        PartnerTierRule(
            tiers=[
                PartnerTier(
                    name="A", min_revenue=5, min_deals=2, min_growth="0.1", certifications=["x"]
                ),
                PartnerTier(name="B", min_revenue=1, min_deals=1),
            ]
        )


def test_partner_tiers_empty_history():
    out = partner_tiers(RULE, [])
    assert out.table.empty and "reason_zh" in out.table.columns


def test_partner_tiers_round_trip_through_json():
    out = partner_tiers(RULE, [_rec(1, 600000, growth=1), _rec(2, 100)])
    back = _round_trip(out)
    assert isinstance(back, PartnerTiers)
    pd.testing.assert_frame_equal(back.table, out.table, check_dtype=False)
    assert back.table.loc[0, "revenue"] == D("600000")


levels = st.lists(st.sampled_from([10, 150000, 900000]), min_size=1, max_size=12)


@given(levels, st.integers(2, 4))
def test_partner_tiers_never_demote_on_a_single_period_below(revenues, demote_after):
    rule = RULE.model_copy(update={"demote_after": demote_after})
    hist = [
        PartnerPeriod(
            partner_id="P1",
            period=Period.month(2026, 1 + i),
            revenue=r,
            deals=20,
            growth=1,
            certifications=("cloud",),
        )
        for i, r in enumerate(revenues)
    ]
    out = partner_tiers(rule, hist).table
    rank = {n: i for i, n in enumerate(rule.names)}
    held = [rank[t] for t in out["tier"]]
    met = [rank[t] for t in out["qualified"]]
    for i in range(1, len(held)):
        if held[i] < held[i - 1]:  # a demotion: the last demote_after periods were all below
            assert i + 1 >= demote_after
            assert all(m < held[i - 1] for m in met[i - demote_after + 1 : i + 1])
        assert held[i] >= met[i]  # never held below what the period meets


# -- channel performance -------------------------------------------------------------------

PIPE = Pipeline(
    stages=(
        Stage(name="Open", order=0, probability=0.2),
        Stage(name="Won", order=1, probability=1, kind="won"),
        Stage(name="Lost", order=2, probability=0, kind="lost"),
    )
)
WEB = Channel(id="web", name="Web", kind="online_store", segment="B2C")
RESELLER = Channel(
    id="resell", name="Reseller", kind="reseller", segment="B2B", partner_commission_rate=0.125
)
IDLE = Channel(id="idle", name="Idle", kind="partner", segment="B2B", partner_commission_rate=0.1)


def _opp(i, channel, stage, amount, created, closed, currency="CNY"):
    return Opportunity(
        id=f"O{i}",
        owner_id="R1",
        amount=amount,
        currency=currency,
        stage=stage,
        created_on=created,
        close_date=closed,
        channel_id=channel,
    )


def _frame_of(opps):
    return pd.DataFrame(
        {
            "id": [o.id for o in opps],
            "owner_id": [o.owner_id for o in opps],
            "amount": [float(o.amount) for o in opps],
            "currency": [o.currency for o in opps],
            "stage": [o.stage for o in opps],
            "created_on": pd.to_datetime([o.created_on for o in opps]),
            "close_date": pd.to_datetime([o.close_date for o in opps]),
            "channel_id": [o.channel_id for o in opps],
        }
    )


OPPS = [
    _opp(1, "resell", "Won", "1000.01", date(2026, 1, 1), date(2026, 1, 11)),  # 10 days
    _opp(2, "resell", "Won", "2999.99", date(2026, 1, 1), date(2026, 3, 2)),  # 60 days
    _opp(3, "resell", "Lost", "500", date(2026, 1, 1), date(2026, 2, 1)),
    _opp(4, "web", "Won", "1000", date(2026, 2, 1), date(2026, 2, 6)),  # 5 days
    _opp(5, "web", "Lost", "10", date(2026, 2, 1), date(2026, 2, 6)),
    _opp(6, "web", "Lost", "10", date(2026, 2, 1), date(2026, 2, 7)),
    _opp(7, None, "Won", "0.50", date(2026, 2, 1), date(2026, 2, 2)),  # 1 day
    _opp(8, "web", "Won", "800", date(2025, 10, 1), date(2025, 11, 1)),  # previous quarter
    _opp(9, "resell", "Open", "900", date(2026, 1, 1), None),
    _opp(10, "resell", "Won", "70", date(2026, 1, 1), date(2026, 4, 1)),  # next quarter
]


def test_channel_performance_hand_checked():
    out = channel_performance(
        OPPS, PIPE, period=Q1, previous=Period.quarter(2025, 4), channels=[WEB, RESELLER, IDLE]
    )
    t = out.table
    assert t["channel_id"].tolist() == ["idle", "resell", "web", None]
    assert t["won"].tolist() == [0, 2, 1, 1]
    assert t["lost"].tolist() == [0, 1, 2, 0]
    assert t["revenue"].tolist() == [D("0.00"), D("4000.00"), D("1000.00"), D("0.50")]
    assert t["revenue_minor"].tolist() == [0, 400000, 100000, 50]
    assert out.revenue == D("5000.50")
    assert t["share"].tolist() == pytest.approx([0, 400000 / 500050, 100000 / 500050, 50 / 500050])
    assert t["previous_revenue"].tolist() == [D("0.00"), D("0.00"), D("800.00"), D("0.00")]
    assert t["growth"].isna().tolist() == [True, True, False, True]
    assert t.loc[2, "growth"] == pytest.approx(0.25)
    assert t["win_rate"].tolist()[1:] == pytest.approx([2 / 3, 1 / 3, 1.0])
    assert np.isnan(t["win_rate"].tolist()[0])
    assert t["average_cycle_days"].tolist()[1:] == [35.0, 5.0, 1.0]
    # 4000.00 x 12.5 % = 500.00; idle has a rate but no revenue; web has no rate
    assert t["partner_margin"].tolist() == [D("0.00"), D("500.00"), None, None]
    assert t["partner_margin_minor"].tolist()[:2] == [0, 50000]
    assert t["partner_margin_minor"].isna().tolist() == [False, False, True, True]
    assert out.errors.empty and out.currency == "CNY"


def test_channel_performance_models_and_frame_agree():
    kwargs = {"period": Q1, "previous": Period.quarter(2025, 4), "channels": [RESELLER]}
    a = channel_performance(OPPS, PIPE, **kwargs)  # type: ignore[arg-type]
    b = channel_performance(_frame_of(OPPS), PIPE, **kwargs)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.revenue == b.revenue


def test_channel_performance_reports_bad_rows():
    df = _frame_of(OPPS[:4])
    df["stage"] = ["Won", "Won", "Mystery", "Won"]
    df.loc[1, "close_date"] = pd.NaT
    df.loc[3, "amount"] = -5.0
    out = channel_performance(df, PIPE, period=Q1)
    reasons = sorted(zip(out.errors["row"], out.errors["reason"], strict=True))
    assert reasons == [(1, "missing_close_date"), (2, "unknown_stage"), (3, "negative")]
    assert out.table["channel_id"].tolist() == ["resell"]
    assert out.table["won"].tolist() == [1]  # only O1: O2 has no close date
    assert df.loc[3, "amount"] == -5.0  # input not mutated


def test_channel_performance_rejects_bad_input():
    mixed = [*OPPS[:2], _opp(99, "web", "Won", "1", date(2026, 1, 1), date(2026, 1, 2), "USD")]
    with pytest.raises(CurrencyMismatchError, match="CNY, USD"):
        channel_performance(mixed, PIPE, period=Q1)
    with pytest.raises(InvalidInputError, match="must be Period"):
        channel_performance(OPPS, PIPE, period="2026-Q1")  # type: ignore[arg-type]
    with pytest.raises(UnknownStageError):
        channel_performance([_opp(1, "x", "Nope", "1", date(2026, 1, 1), None)], PIPE, period=Q1)


def test_channel_performance_without_deals():
    out = channel_performance([], PIPE, period=Q1, channels=[IDLE])
    assert out.currency is None and out.revenue == D("0.00")
    assert out.table["channel_id"].tolist() == ["idle"]
    assert np.isnan(out.table["share"].tolist()[0])
    frame = channel_performance(_frame_of(OPPS).iloc[:0], PIPE, period=Q1)
    assert frame.table.empty
    no_channel = channel_performance(
        _frame_of(OPPS[:1]).drop(columns="channel_id"), PIPE, period=Q1
    )
    assert no_channel.table["channel_id"].tolist() == [None]


def test_channel_performance_round_trips_through_json():
    out = channel_performance(
        OPPS, PIPE, period=Q1, previous=Period.quarter(2025, 4), channels=[RESELLER]
    )
    back = _round_trip(out)
    assert isinstance(back, ChannelPerformance)
    pd.testing.assert_frame_equal(back.table, out.table, check_dtype=False)
    assert back.period == Q1 and back.revenue == out.revenue


deals = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", None]),
        st.sampled_from(["Won", "Lost", "Open"]),
        st.decimals(min_value=0, max_value=10**6, places=2),
        st.integers(0, 200),
        st.integers(0, 60),
    ),
    max_size=25,
)


def _opps_from(rows):
    return [
        _opp(
            i,
            ch,
            stage,
            amount,
            date(2025, 12, 1) + pd.Timedelta(days=start).to_pytimedelta(),
            None
            if stage == "Open"
            else date(2025, 12, 1) + pd.Timedelta(days=start + length).to_pytimedelta(),
        )
        for i, (ch, stage, amount, start, length) in enumerate(rows)
    ]


@given(deals, st.integers(0, 25))
def test_channel_performance_partials_add_up(rows, cut):
    opps = _opps_from(rows)
    whole = channel_performance(opps, PIPE, period=Q1, channels=[WEB]).table.set_index("channel_id")
    parts = [
        channel_performance(p, PIPE, period=Q1, channels=[WEB]).table.set_index("channel_id")
        for p in (opps[:cut], opps[cut:])
    ]
    for col in ("won", "lost", "revenue_minor"):
        added = parts[0][col].add(parts[1][col], fill_value=0)
        assert added.reindex(whole.index).astype(int).tolist() == whole[col].tolist()
    assert whole["revenue"].sum() == sum(
        (o.amount for o in opps if o.stage == "Won" and o.close_date and Q1.contains(o.close_date)),
        D(0),
    )
    shares = whole["share"].dropna()
    if len(shares):
        assert shares.sum() == pytest.approx(1.0)


@given(deals)
def test_channel_performance_models_and_frame_agree_on_any_deals(rows):
    opps = _opps_from(rows)
    a = channel_performance(opps, PIPE, period=Q1, channels=[RESELLER])
    b = channel_performance(_frame_of(opps), PIPE, period=Q1, channels=[RESELLER])
    pd.testing.assert_frame_equal(a.table, b.table)


# -- channel conflicts ---------------------------------------------------------------------


def _t(day, hour=9):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def _k(i, item, day, channel=None, rep=None, reg=False, hour=9):
    return ChannelClaim(
        claim_id=f"K{i:02d}",
        item_id=item,
        channel_id=channel,
        rep_id=rep,
        registered_at=_t(day, hour),
        deal_registration=reg,
    )


CLAIMS = [
    _k(1, "ACME", 2, rep="R7"),
    _k(2, "ACME", 5, channel="P1", reg=True),
    _k(3, "ACME", 6, channel="P2"),
    _k(4, "ACME", 7, channel="P1"),  # a repeat of P1: counted once
    _k(5, "GLOBEX", 1, channel="P1"),
    _k(6, "GLOBEX", 1, channel="P1"),  # one claimant only: no conflict
    _k(7, "INITECH", 1, channel="P3"),
    _k(8, "INITECH", 20, rep="R2"),  # 19 days later: outside a 10-day window
    _k(9, "HOOLI", 3, channel="P2", hour=8),
    _k(10, "HOOLI", 3, channel="P1", hour=8),  # same moment as K09: tie by claim id
]


def test_channel_conflicts_first_registration_hand_checked():
    out = channel_conflicts(CLAIMS, window_days=10, rule="first_registration")
    c = out.conflicts
    assert c[["item_id", "claimants", "winner_kind", "winner_id"]].values.tolist() == [
        ["ACME", 3, "direct", "R7"],
        ["HOOLI", 2, "channel", "P2"],
    ]
    assert str(c.loc[1, "reason_en"]) == (
        "channel P2 registered first (2026-03-03 08:00 UTC, tie broken by claim id), "
        "before channel P1"
    )
    acme = out.claimants[out.claimants["item_id"] == "ACME"]
    assert acme["claimant_id"].tolist() == ["R7", "P1", "P2"]
    assert acme["claims"].tolist() == [1, 2, 1]
    assert acme["winner"].tolist() == [True, False, False]
    assert acme["share"].tolist() == [1.0, 0.0, 0.0]
    assert "最先登记" in str(c.loc[0, "reason_zh"])


def test_channel_conflicts_window_joins_or_parts_claims():
    wide = channel_conflicts(CLAIMS, window_days=19, rule="first_registration")
    assert wide.conflicts["item_id"].tolist() == ["ACME", "HOOLI", "INITECH"]
    zero = channel_conflicts(CLAIMS, window_days=0, rule="first_registration")
    assert zero.conflicts["item_id"].tolist() == ["HOOLI"]


def test_channel_conflicts_deal_registration_wins_hand_checked():
    out = channel_conflicts(CLAIMS, window_days=10, rule="deal_registration_wins")
    c = out.conflicts.set_index("item_id")
    assert c.loc["ACME", "winner_id"] == "P1"
    assert str(c.loc["ACME", "reason_en"]) == (
        "channel P1 holds a deal registration (2026-03-05 09:00 UTC): it beats "
        "direct rep R7, channel P2"
    )
    assert "已报备商机" in str(c.loc["ACME", "reason_zh"])
    # HOOLI: nobody registered, so the earliest claim wins
    assert c.loc["HOOLI", "winner_id"] == "P2"
    assert str(c.loc["HOOLI", "reason_en"]).startswith("no claimant holds a deal registration;")
    assert str(c.loc["HOOLI", "reason_zh"]).startswith("无人报备商机；")


def test_channel_conflicts_split_hand_checked():
    out = channel_conflicts(
        CLAIMS,
        window_days=10,
        rule="split",
        amounts={"ACME": "100.00", "HOOLI": D("0.01")},
        currency="CNY",
    )
    acme = out.claimants[out.claimants["item_id"] == "ACME"]
    assert acme["amount"].tolist() == [D("33.34"), D("33.33"), D("33.33")]
    assert acme["share"].tolist() == pytest.approx([1 / 3] * 3)
    assert acme["winner"].all()
    hooli = out.claimants[out.claimants["item_id"] == "HOOLI"]
    assert hooli["amount_minor"].tolist() == [1, 0]
    assert out.conflicts["winner_id"].isna().all()
    assert out.conflicts["amount"].tolist() == [D("100.00"), D("0.01")]
    assert str(out.conflicts.loc[0, "reason_zh"]).startswith("3 方平分")
    winner_takes_all = channel_conflicts(
        CLAIMS, window_days=10, rule="first_registration", amounts={"ACME": 70}, currency="JPY"
    )
    assert winner_takes_all.claimants["amount"].tolist()[:3] == [D(70), D(0), D(0)]
    assert winner_takes_all.claimants["amount"].tolist()[3:] == [None, None]  # no HOOLI amount


def test_channel_conflicts_reads_a_frame_and_reports_bad_rows():
    df = pd.DataFrame(
        {
            "claim_id": ["K1", "K2", "K3", "K4", "K5"],
            "item_id": ["ACME", "ACME", "ACME", "ACME", "ACME"],
            "channel_id": ["P1", None, "P2", "P3", None],
            "rep_id": [None, "R1", "R9", None, "R4"],
            "registered_at": pd.to_datetime(
                ["2026-03-02", "2026-03-01", "2026-03-03", "2026-03-04", "2026-03-05"], utc=True
            ),
            "deal_registration": [True, None, False, False, True],
        },
        index=[10, 11, 12, 13, 14],
    )
    out = channel_conflicts(df, window_days=30, rule="deal_registration_wins")
    assert sorted(zip(out.errors["row"], out.errors["reason"], strict=True)) == [
        (12, "one_claimant_required"),
        (14, "registration_needs_channel"),
    ]
    assert out.conflicts["winner_id"].tolist() == ["P1"]
    assert out.claimants["claimant_id"].tolist() == ["R1", "P1", "P3"]
    models = [
        _k(1, "ACME", 2, channel="P1", reg=True),
        _k(2, "ACME", 1, rep="R1"),
        _k(4, "ACME", 4, channel="P3"),
    ]
    same = channel_conflicts(models, window_days=30, rule="deal_registration_wins")
    assert same.conflicts["winner_id"].tolist() == ["P1"]
    bare = channel_conflicts(
        df.drop(columns=["deal_registration", "rep_id"]).iloc[[0, 2]],
        window_days=30,
        rule="deal_registration_wins",
    )
    assert bare.conflicts["winner_id"].tolist() == ["P1"]  # no registrations: first wins
    lone = channel_conflicts(
        df.drop(columns="channel_id").iloc[[1, 2]], window_days=30, rule="split"
    )
    assert lone.conflicts.empty  # two direct reps: not a channel conflict


def test_channel_conflicts_rejects_bad_input():
    with pytest.raises(InvalidInputError, match="rule 'loudest'"):
        channel_conflicts(CLAIMS, window_days=1, rule="loudest")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="window_days -1"):
        channel_conflicts(CLAIMS, window_days=-1, rule="split")
    with pytest.raises(InvalidInputError, match="without a currency"):
        channel_conflicts(CLAIMS, window_days=1, rule="split", amounts={"ACME": 1})
    with pytest.raises(InvalidInputError, match="decimal places"):
        channel_conflicts(
            CLAIMS, window_days=10, rule="split", amounts={"ACME": "0.001"}, currency="CNY"
        )
    with pytest.raises(InvalidInputError, match="more than once"):
        channel_conflicts([CLAIMS[0], CLAIMS[0]], window_days=1, rule="split")
    with pytest.raises(InvalidInputError, match="ChannelClaim"):
        channel_conflicts(["K1"], window_days=1, rule="split")  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="exactly one"):
        ChannelClaim(claim_id="K", item_id="A", registered_at=_t(1))
    with pytest.raises(InvalidInputError, match="exactly one"):
        ChannelClaim(claim_id="K", item_id="A", channel_id=" ", registered_at=_t(1))
    with pytest.raises(InvalidInputError, match="not finite"):
        PartnerTier(name="x", min_growth=float("nan"))
    with pytest.raises(InvalidInputError, match="only a channel"):
        ChannelClaim(
            claim_id="K", item_id="A", rep_id="R", registered_at=_t(1), deal_registration=True
        )
    assert ChannelClaim(claim_id="K", item_id="A", rep_id="R", registered_at=_t(1)).claimant == (
        "direct",
        "R",
    )


def test_channel_conflicts_without_conflicts():
    out = channel_conflicts(CLAIMS[4:6], window_days=10, rule="split")
    assert out.conflicts.empty and out.claimants.empty
    assert channel_conflicts([], window_days=10, rule="split").conflicts.empty


def test_channel_conflicts_round_trips_through_json():
    out = channel_conflicts(
        CLAIMS, window_days=10, rule="split", amounts={"ACME": 10}, currency="CNY"
    )
    back = _round_trip(out)
    assert isinstance(back, ChannelConflicts)
    pd.testing.assert_frame_equal(back.claimants, out.claimants, check_dtype=False)
    pd.testing.assert_frame_equal(back.conflicts, out.conflicts, check_dtype=False)


claim_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C"]),
        st.sampled_from([("channel", "P1"), ("channel", "P2"), ("direct", "R1"), ("direct", "R2")]),
        st.integers(1, 28),
        st.booleans(),
    ),
    max_size=20,
)


@given(
    claim_rows,
    st.integers(0, 30),
    st.sampled_from(["first_registration", "deal_registration_wins", "split"]),
    st.decimals(min_value=0, max_value=10**6, places=2),
)
def test_channel_conflicts_assign_each_item_once(rows, window, rule, amount):
    claims = [
        ChannelClaim(
            claim_id=f"K{i}",
            item_id=item,
            channel_id=who if kind == "channel" else None,
            rep_id=who if kind == "direct" else None,
            registered_at=_t(day),
            deal_registration=reg and kind == "channel",
        )
        for i, (item, (kind, who), day, reg) in enumerate(rows)
    ]
    out = channel_conflicts(
        claims, window_days=window, rule=rule, amounts=dict.fromkeys("ABC", amount), currency="CNY"
    )
    for cid, part in out.claimants.groupby("conflict_id"):
        assert len(part) >= 2 and part["claimant_id"].is_unique
        assert (part["claimant_kind"] == "channel").any()
        assert part["share"].sum() == pytest.approx(1.0)
        assert sum(part["amount"]) == amount
        if rule == "split":
            assert part["winner"].all()
            assert part["amount_minor"].max() - part["amount_minor"].min() <= 1
        else:
            assert part["winner"].sum() == 1
            winner = part[part["winner"]].iloc[0]
            row = out.conflicts[out.conflicts["conflict_id"] == cid].iloc[0]
            assert (winner["claimant_kind"], winner["claimant_id"]) == (
                row["winner_kind"],
                row["winner_id"],
            )
            if rule == "deal_registration_wins" and part["deal_registration"].any():
                assert winner["deal_registration"]
            if rule == "first_registration":
                assert winner["registered_at"] == part["registered_at"].min()
    # two claimants (one a channel) on an item at the same moment are always in one conflict
    seen = {
        (r.item_id, r.claimant_kind, r.claimant_id, r.registered_at)
        for r in out.claimants.itertuples()
    }
    for c1 in claims:
        for c2 in claims:
            if (
                c1.item_id == c2.item_id
                and c1.registered_at == c2.registered_at
                and c1.claimant != c2.claimant
                and "channel" in (c1.claimant[0], c2.claimant[0])
            ):
                firsts = [
                    c
                    for c in claims
                    if c.item_id == c1.item_id
                    and c.claimant == c1.claimant
                    and c.registered_at <= c1.registered_at
                ]
                if firsts == [c1]:  # c1 is its claimant's first claim on the item
                    assert (c1.item_id, *c1.claimant, pd.Timestamp(c1.registered_at)) in seen
    assert out.conflicts["conflict_id"].is_unique
    assert out.claimants["claims"].sum() <= len(claims)


def test_rebate_statement_ignores_the_callers_decimal_context():
    sales = [_sale(1, "123456789.99"), _sale(2, "98765432.11")]
    be = BackEndRebate(
        name="BE", currency="CNY", rate="0.0375", growth_threshold="0.125", baselines={"P1": 1}
    )
    expected = [
        rebate_statement(_volume_rebate("marginal"), "P1", sales, Q1),
        rebate_statement(be, "P1", sales, Q1),
        mdf_statement(MDF, "P1", sales, [_claim(1, "4999.99")], Q1),
    ]
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.traps[decimal.Inexact] = True
        again = [
            rebate_statement(_volume_rebate("marginal"), "P1", sales, Q1),
            rebate_statement(be, "P1", sales, Q1),
            mdf_statement(MDF, "P1", sales, [_claim(1, "4999.99")], Q1),
        ]
    assert again == expected
    # 500 + 3000 + (222222222.10 - 200000) x 4 % = 3500 + 8880888.884
    assert rebate_statement(_volume_rebate("marginal"), "P1", sales, Q1).total == D("8884388.88")


# -- rebates in bulk -----------------------------------------------------------------------


def _sales_frame(sales):
    return pd.DataFrame(
        {
            "deal_id": [s.deal_id for s in sales],
            "partner_id": [s.partner_id for s in sales],
            "sold_on": pd.to_datetime([s.sold_on for s in sales]),
            "amount": [float(s.amount) for s in sales],
        }
    )


bulk_sales = st.lists(
    st.tuples(
        st.sampled_from(["P1", "P2", "P3"]),
        st.decimals(min_value=0, max_value=10**6, places=2),
        st.integers(0, 120),
    ),
    max_size=20,
)


@given(bulk_sales, rates, st.sampled_from(["marginal", "retroactive", "back_end"]))
def test_rebate_frame_agrees_with_rebate_statement(rows, rates_, mode):
    sales = [
        _sale(i, amount, partner=p, on=date(2026, 1, 1) + pd.Timedelta(days=d).to_pytimedelta())
        for i, (p, amount, d) in enumerate(rows)
    ]
    program: VolumeRebate | BackEndRebate = (
        BackEndRebate(
            name="BE",
            currency="CNY",
            rate=rates_[0],
            growth_threshold="0.05",
            baselines={"P1": 1000, "P2": 0, "P3": "250000.50"},
        )
        if mode == "back_end"
        else _rebate_from(rates_, mode)
    )
    frames = rebate_frame(program, _sales_frame(sales), Q1)
    in_q1 = {s.partner_id for s in sales if Q1.contains(s.sold_on)}
    assert frames.totals["partner_id"].tolist() == sorted(in_q1)
    for r in frames.totals.itertuples():
        one = rebate_statement(program, str(r.partner_id), sales, Q1)
        got: tuple[object, ...] = (r.sales, r.volume, r.total, r.threshold)
        assert got == (one.sales, one.volume, one.total, one.threshold)
        mine = frames.lines[frames.lines["partner_id"] == r.partner_id]
        assert mine["amount"].tolist() == [ln.amount for ln in one.lines]
        assert sum(mine["amount"]) == r.total
        assert mine["amount_minor"].sum() == r.total_minor
    assert frames.errors.empty


def test_rebate_frame_reports_bad_rows_and_missing_baselines():
    df = _sales_frame([_sale(1, "100"), _sale(2, "50", partner="P9"), _sale(3, "10")])
    df.loc[2, "amount"] = -10.0
    be = BackEndRebate(name="BE", currency="CNY", rate="0.1", baselines={"P1": 0})
    frames = rebate_frame(be, df, Q1)
    assert sorted(zip(frames.errors["row"], frames.errors["reason"], strict=True)) == [
        (1, "no_baseline"),
        (2, "negative"),
    ]
    assert frames.totals[["partner_id", "volume", "total"]].values.tolist() == [
        ["P1", D("100.00"), D("10.00")]
    ]
    empty = rebate_frame(_volume_rebate("marginal"), df.iloc[:0], Q1)
    assert empty.totals.empty and empty.lines.empty


def test_rebate_frame_round_trips_through_json():
    frames = rebate_frame(_volume_rebate("marginal"), _sales_frame([_sale(1, "250000.55")]), Q1)
    back = _round_trip(frames)
    assert isinstance(back, RebateFrames)
    pd.testing.assert_frame_equal(back.totals, frames.totals, check_dtype=False)
    pd.testing.assert_frame_equal(back.lines, frames.lines, check_dtype=False)


# -- MDF in bulk ---------------------------------------------------------------------------


def _claims_frame(claims):
    return pd.DataFrame(
        {
            "claim_id": [c.claim_id for c in claims],
            "partner_id": [c.partner_id for c in claims],
            "claimed_on": pd.to_datetime([c.claimed_on for c in claims]),
            "amount": [float(c.amount) for c in claims],
            "activity": [c.activity for c in claims],
        }
    )


def _day(d):
    return date(2026, 1, 1) + pd.Timedelta(days=d).to_pytimedelta()


@given(
    bulk_sales,
    st.lists(
        st.tuples(
            st.sampled_from(["P1", "P2", "P4"]),
            st.decimals(min_value=0, max_value=10**5, places=2),
            st.integers(0, 100),
            st.one_of(st.none(), st.just("trade show")),
        ),
        max_size=12,
    ),
    st.dictionaries(
        st.sampled_from(["P1", "P3", "P5"]), st.decimals(min_value=0, max_value=10**4, places=2)
    ),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=10**4, places=2)),
    st.sampled_from(["0.0275", "0.03", "0.00333333"]),
    st.sampled_from(["ROUND_HALF_EVEN", "ROUND_UP", "ROUND_DOWN", "ROUND_HALF_UP"]),
)
def test_mdf_frame_agrees_with_mdf_statement(rows, asks, openings, cap, rate, rounding):
    program = MdfProgram(name="MDF", currency="CNY", accrual_rate=rate, period_cap=cap)
    sales = [_sale(i, amount, partner=p, on=_day(d)) for i, (p, amount, d) in enumerate(rows)]
    claims = [
        _claim(i, amount, partner=p, on=_day(d), activity=a)
        for i, (p, amount, d, a) in enumerate(asks)
    ]
    out = mdf_frame(
        program,
        _sales_frame(sales),
        _claims_frame(claims),
        Q1,
        openings=openings,
        rounding=rounding,
    )
    expected = (
        {s.partner_id for s in sales if Q1.contains(s.sold_on)}
        | {c.partner_id for c in claims if Q1.contains(c.claimed_on)}
        | set(openings)
    )
    assert out.totals["partner_id"].tolist() == sorted(expected)
    for r in out.totals.itertuples():
        pid = str(r.partner_id)
        one = mdf_statement(
            program, pid, sales, claims, Q1, opening=openings.get(pid, 0), rounding=rounding
        )
        got: tuple[object, ...] = (
            r.revenue,
            r.opening,
            r.accrued,
            r.requested,
            r.approved,
            r.refused,
            r.carried,
        )
        assert got == (
            one.revenue,
            one.opening,
            one.accrued,
            one.requested,
            one.approved,
            one.refused,
            one.carried,
        )
        assert one.opening + one.accrued == one.approved + one.carried
        lines = out.lines[out.lines["partner_id"] == pid]
        assert lines["amount"].tolist() == [ln.amount for ln in one.lines]
        assert lines["kind"].tolist() == [ln.kind for ln in one.lines]
        assert sum(lines["amount"]) == r.accrued
        mine = out.claims[out.claims["partner_id"] == pid]
        assert mine["claim_id"].tolist() == [c.claim_id for c in one.claims]
        assert mine["status"].tolist() == [c.status for c in one.claims]
        assert mine["approved"].tolist() == [c.approved for c in one.claims]
        assert mine["balance_after"].tolist() == [c.balance_after for c in one.claims]
        assert mine["reason_en"].tolist() == [c.reason_en for c in one.claims]
        assert mine["reason_zh"].tolist() == [c.reason_zh for c in one.claims]
    t = out.totals
    assert (t["opening"] + t["accrued"] == t["approved"] + t["carried"]).all()
    assert t["carried_minor"].tolist() == [int(c * 100) for c in t["carried"]]
    assert out.errors.empty


def test_mdf_frame_reports_bad_rows_keeps_the_index_and_refuses_bad_openings():
    sales = _sales_frame([_sale(1, "200000"), _sale(2, "50", partner="P2"), _sale(3, "10")])
    sales.loc[2, "amount"] = -10.0
    claims = _claims_frame([_claim(1, "3000"), _claim(2, "100", partner="P2"), _claim(3, "5")])
    claims.index = [10, 11, 12]
    claims.loc[12, "claim_id"] = "C1"  # a duplicate id
    claims = claims.drop(columns="activity")  # the optional column may be absent
    before = sales.copy()
    out = mdf_frame(MDF, sales, claims, Q1)
    pd.testing.assert_frame_equal(sales, before)  # not mutated
    assert sorted(set(zip(out.errors["table"], out.errors["row"], strict=True))) == [
        ("claims", 10),
        ("claims", 12),
        ("sales", 2),
    ]
    assert out.totals[["partner_id", "accrued", "approved", "carried"]].values.tolist() == [
        ["P1", D("5000.00"), D("0.00"), D("5000.00")],
        ["P2", D("1.50"), D("1.50"), D("0.00")],
    ]
    assert out.claims.index.tolist() == [11]
    assert out.claims["status"].tolist() == ["partial"]
    assert out.claims["reason_en"].tolist() == [
        "claim C2 of 100.00 above the balance 1.50: 1.50 approved, 98.50 refused"
    ]
    with pytest.raises(InvalidInputError, match="negative"):
        mdf_frame(MDF, sales, claims, Q1, openings={"P1": -1})
    with pytest.raises(InvalidInputError, match="decimal places"):
        mdf_frame(MDF, sales, claims, Q1, openings={"P1": "0.001"})
    empty = mdf_frame(MDF, sales.iloc[:0], claims.iloc[:0], Q1)
    assert empty.totals.empty and empty.lines.empty and empty.claims.empty
    assert list(empty.claims.columns)[:2] == ["partner_id", "claim_id"]
    no_cap = MdfProgram(name="MDF", currency="JPY", accrual_rate="0.03")
    jpy = mdf_frame(no_cap, _sales_frame([_sale(1, "1000001")]), claims.iloc[:0], Q1)
    assert jpy.totals["accrued"].tolist() == [D("30000")]  # 30000.03 rounds to the yen


def test_mdf_frame_round_trips_through_json():
    out = mdf_frame(MDF, _sales_frame([_sale(1, "200000")]), _claims_frame([_claim(1, "3000")]), Q1)
    back = _round_trip(out)
    assert isinstance(back, MdfFrames)
    pd.testing.assert_frame_equal(back.totals, out.totals, check_dtype=False)
