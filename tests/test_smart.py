from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, FrameValidationError, InvalidInputError
from salescore.frames import to_frame
from salescore.models import Opportunity, Organization, Owner, Pipeline, Rep, Stage, Target, Team
from salescore.money import Money
from salescore.smart import (
    CODES,
    CapacityEvidence,
    PipelineEvidence,
    SmartAssessment,
    SmartPolicy,
    assess_smart,
    assess_tree,
)
from salescore.testing import targets

YEAR = Period.year(2026)
COMPANY = Owner(kind="company")


def revenue(**changes: Any) -> Target:
    """A complete, SMART yearly revenue goal; ``changes`` override fields."""
    fields: dict[str, Any] = {
        "id": "T",
        "metric": "revenue",
        "value": Decimal(1100),
        "currency": "CNY",
        "direction": "at_least",
        "period": YEAR,
        "owner": COMPANY,
    }
    fields.update(changes)
    return Target(**fields)


def remake(t: Target, changes: dict[str, Any]) -> Target:
    """A validated copy of ``t`` with ``changes`` (``model_copy`` would skip validation)."""
    return Target.model_validate({**t.model_dump(), **changes})


def codes(a: SmartAssessment) -> list[str]:
    return [f.code for f in a.findings]


def finding(a: SmartAssessment, code: str) -> Any:
    (found,) = [f for f in a.findings if f.code == code]
    return found


# Four years of history: growths 10%, 10%, 10% ... varied below.
HISTORY = {
    Period.year(2022): 1000,
    Period.year(2023): 1100,
    Period.year(2024): 1200,
    Period.year(2025): 1400,
}
# growths: 1100/1000-1 = 0.1, 1200/1100-1 = 0.0909.., 1400/1200-1 = 0.1667; baseline 1400.


# -- one example per finding code ---------------------------------------------


def test_assess_smart_complete_goal_passes():
    a = assess_smart(revenue(), as_of=date(2026, 1, 1))
    assert a.verdict == "pass"
    assert a.is_smart
    assert a.findings == ()
    assert a["A"].status == "not_assessed"
    assert a["R"].status == "not_assessed"
    assert "history: no history given" in a["A"].not_assessed


def test_assess_smart_empty_target_lists_every_failure():
    a = assess_smart(Target(id="draft"))
    assert codes(a) == ["S.no_metric", "S.no_owner", "S.no_direction", "M.no_value", "T.no_period"]
    assert a.verdict == "fail"
    assert not a.is_smart
    assert [c.status for c in a.criteria] == [
        "fail",
        "fail",
        "not_assessed",
        "not_assessed",
        "fail",
    ]
    assert a["A"].not_assessed == ("all: the goal has no value",)


def test_assess_smart_vague_text():
    a = assess_smart(Target(id="v", description="increase sales"))
    f = finding(a, "S.vague_text")
    assert f.severity == "fail"
    assert f.message() == (
        "'increase sales' is free text, not a metric; "
        "say what is measured (revenue, deals won, ...)"
    )
    assert "increase sales" in f.message("zh-CN")
    assert "S.no_metric" not in codes(a)


def test_assess_smart_no_owner_and_direction():
    a = assess_smart(revenue(owner=None, direction=None))
    assert codes(a) == ["S.no_owner", "S.no_direction"]


def test_assess_smart_no_scope():
    share = Target(
        id="ms",
        metric="market_share",
        value="0.2",
        unit="fraction",
        direction="at_least",
        period=YEAR,
        owner=COMPANY,
    )
    f = finding(assess_smart(share), "S.no_scope")
    assert f.values == {"metric": "market_share", "missing": "market"}
    assert assess_smart(share.model_copy(update={"scope": {"market": "CN"}})).verdict == "pass"


def test_assess_smart_no_currency():
    assert codes(assess_smart(revenue(currency=None))) == ["M.no_currency"]


def test_assess_smart_currency_not_allowed():
    t = Target(
        id="u",
        metric="units",
        value=5,
        currency="CNY",
        direction="at_least",
        period=YEAR,
        owner=COMPANY,
    )
    f = finding(assess_smart(t), "M.currency_not_allowed")
    assert f.message() == "units is not an amount of money but the goal carries currency CNY"


def test_assess_smart_unit_mismatch():
    t = Target(
        id="c",
        metric="conversion_rate",
        value="0.3",
        unit="percent",
        direction="at_least",
        period=YEAR,
        owner=COMPANY,
    )
    assert codes(assess_smart(t)) == ["M.unit_mismatch"]


def test_assess_smart_not_whole_number():
    t = Target(
        id="d", metric="deals_won", value="12.5", direction="at_least", period=YEAR, owner=COMPANY
    )
    f = finding(assess_smart(t), "M.not_whole_number")
    assert f.values["value"] == "12.5"  # exact amounts are kept as decimal text


def test_assess_smart_negative_value():
    assert codes(assess_smart(revenue(value=-5))) == ["M.negative_value"]


def test_assess_smart_no_baseline_warns():
    a = assess_smart(revenue(direction="increase"))
    assert codes(a) == ["M.no_baseline"]
    assert a["M"].status == "warn"
    assert a.verdict == "warn"
    assert a.is_smart
    assert codes(assess_smart(revenue(direction="increase", baseline_value=1000))) == []


def test_assess_smart_rate_out_of_bounds():
    t = Target(
        id="ms",
        metric="market_share",
        value="1.2",
        unit="fraction",
        direction="at_least",
        period=YEAR,
        owner=COMPANY,
        scope={"market": "CN"},
    )
    f = finding(assess_smart(t), "A.rate_out_of_bounds")
    assert f.suggested_value == Decimal(1)
    assert f.suggestion() == "a target of 1 is the nearest reachable value"
    churn = Target(
        id="ch", metric="churn_rate", value="-0.1", direction="at_most", period=YEAR, owner=COMPANY
    )
    assert finding(assess_smart(churn), "A.rate_out_of_bounds").suggested_value == Decimal(0)


def test_assess_smart_growth_above_history_fails_beyond_z():
    # Required growth 2000/1400 - 1 = 0.4286; past growths 0.1, 0.0909, 0.1667 all below:
    # percentile 3/3 = 1 > 0.9; mean 0.1192, sd 0.04137, z = (0.4286-0.1192)/0.04137 = 7.48 >= 3.
    a = assess_smart(revenue(value=2000), history=HISTORY)
    f = finding(a, "A.growth_above_history")
    assert f.severity == "fail"
    assert f.values["percentile"] == 1.0
    assert f.values["z"] == pytest.approx(7.479, abs=0.001)
    assert f.values["baseline"] == "1400.0"
    # 90th percentile of growths, linear: sorted .0909,.1,.1667; position 1.8 ->
    # 0.1 + 0.8 * 0.0667 = 0.15333; 1400 * 1.15333 = 1614.67 (floor to the cent).
    assert f.suggested_value == Decimal("1614.66")
    assert f.suggestion() == (
        "a target of at most 1,614.66 keeps required growth within the 90th percentile of the "
        "last 3 periods"
    )
    assert "第 90 百分位" in str(f.suggestion("zh-CN"))


def test_assess_smart_growth_above_history_warns_within_z():
    # 1640/1400 - 1 = 0.1714, above all three growths; z = (0.1714-0.1192)/0.0414 = 1.26 < 3.
    f = finding(assess_smart(revenue(value=1640), history=HISTORY), "A.growth_above_history")
    assert f.severity == "warn"


def test_assess_smart_growth_below_history_sandbagging():
    # 1450/1400 - 1 = 0.0357, below every past growth: percentile 0 < 0.1.
    a = assess_smart(revenue(value=1450), history=HISTORY)
    f = finding(a, "A.growth_below_history")
    assert f.severity == "warn"
    # 10th percentile: position 0.2 -> 0.0909 + 0.2 * 0.0091 = 0.09273; 1400 * 1.09273 = 1529.82
    assert f.suggested_value == Decimal("1529.82")
    assert "sandbagging" in f.message()
    assert "at least 1,529.82" in str(f.suggestion())


def test_assess_smart_growth_for_lower_is_better_goal():
    churn = Target(
        id="ch", metric="churn_rate", value="0.05", direction="at_most", period=YEAR, owner=COMPANY
    )
    past = {
        Period.year(2023): 0.10,
        Period.year(2024): 0.09,
        Period.year(2025): 0.085,
        Period.year(2022): 0.11,
    }
    # Required change 0.05/0.085 - 1 = -41%; past changes -9.1%, -10%, -5.6%: far beyond.
    f = finding(assess_smart(churn, history=past), "A.growth_above_history")
    assert f.values["bound"] == "at least"
    assert f.suggested_value is not None
    assert f.suggested_value > Decimal("0.05")


def test_assess_smart_history_not_assessed_reasons():
    short = {Period.year(2024): 1000, Period.year(2025): 1100}
    a = assess_smart(revenue(), history=short)
    assert a["A"].not_assessed[0].startswith("history: 1 period-over-period growth(s)")
    zero = assess_smart(revenue(baseline_value=0), history=HISTORY)
    assert "history: the baseline is not positive" in zero["A"].not_assessed[0]
    empty = assess_smart(revenue(), history={})
    assert empty["A"].not_assessed[0] == "history: no history given"
    no_value = assess_smart(revenue(value=None), history=HISTORY)
    assert no_value["A"].not_assessed == ("all: the goal has no value",)


def test_assess_smart_history_gaps_are_not_growths():
    gappy = {Period.year(2019): 500, **HISTORY}  # 2019 -> 2022 is not consecutive
    a = assess_smart(revenue(value=2000), history=gappy)
    assert finding(a, "A.growth_above_history").values["n"] == 3


def test_assess_smart_history_money_values():
    past = {p: Money(v, "CNY") for p, v in HISTORY.items()}
    assert finding(assess_smart(revenue(value=2000), history=past), "A.growth_above_history")


def test_assess_smart_pipeline_short():
    # remaining 1100 - 100 = 1000; coverage 1500/1000 = 1.5; needed 1/0.25 = 4 -> 1.5 < 0.5*4: fail
    ev = PipelineEvidence(open_pipeline=1500, win_rate=0.25, achieved=100, currency="CNY")
    f = finding(assess_smart(revenue(), pipeline=ev), "A.pipeline_short")
    assert f.severity == "fail"
    assert f.values["coverage"] == 1.5
    assert f.values["needed"] == 4.0
    # reachable: 100 + 1500 * 0.25 = 475
    assert f.suggested_value == Decimal("475.00")
    warn = PipelineEvidence(open_pipeline=3000, win_rate=0.25)  # coverage 2.73 >= 2
    assert finding(assess_smart(revenue(), pipeline=warn), "A.pipeline_short").severity == "warn"
    enough = PipelineEvidence(open_pipeline=4400, win_rate=0.25)
    a = assess_smart(revenue(), pipeline=enough)
    assert a["A"].status == "pass"


def test_assess_smart_pipeline_zero_win_rate():
    ev = PipelineEvidence(open_pipeline=10**6, win_rate=0.0)
    assert ev.needed_coverage == float("inf")
    assert finding(assess_smart(revenue(), pipeline=ev), "A.pipeline_short").severity == "fail"


def test_assess_smart_already_achieved():
    ev = PipelineEvidence(open_pipeline=0, win_rate=0.3, achieved=1200)
    a = assess_smart(revenue(), pipeline=ev)
    assert finding(a, "A.already_achieved").severity == "info"
    assert a["A"].status == "pass"


def test_assess_smart_above_capacity():
    # capacity 2.5 * 400 = 1000; 1100/1000 = 1.1 <= 1.25 -> warn; 1500/1000 = 1.5 -> fail
    ev = CapacityEvidence(fte=2.5, productivity=400, currency="CNY")
    f = finding(assess_smart(revenue(), capacity=ev), "A.above_capacity")
    assert (f.severity, f.values["ratio"], f.suggested_value) == ("warn", 1.1, Decimal("1000.00"))
    assert (
        finding(assess_smart(revenue(value=1500), capacity=ev), "A.above_capacity").severity
        == "fail"
    )
    zero = CapacityEvidence(fte=0, productivity=400)
    assert finding(assess_smart(revenue(), capacity=zero), "A.above_capacity").values[
        "ratio"
    ] == float("inf")
    assert codes(assess_smart(revenue(value=900), capacity=ev)) == []


def test_assess_smart_pipeline_and_capacity_skip_non_additive():
    rate = Target(
        id="c",
        metric="conversion_rate",
        value="0.3",
        direction="at_least",
        period=YEAR,
        owner=COMPANY,
    )
    a = assess_smart(
        rate,
        pipeline=PipelineEvidence(open_pipeline=1, win_rate=0.5),
        capacity=CapacityEvidence(fte=1, productivity=1),
    )
    assert a["A"].not_assessed == (
        "history: no history given",
        "pipeline: only for additive goals that grow",
        "capacity: only for additive goals that grow",
    )


PARENT = revenue(
    id="P", value=Decimal(1000), scope={"region": "East"}, owner=Owner(kind="team", id="east")
)


def child(**changes: Any) -> Target:
    fields: dict[str, Any] = {
        "id": "C",
        "parent_id": "P",
        "value": Decimal(600),
        "owner": Owner(kind="rep", id="R1"),
        "scope": {"region": "East"},
    }
    fields.update(changes)
    return revenue(**fields)


def test_assess_smart_relevant_passes():
    sibling = child(id="C2", value=Decimal(400))
    a = assess_smart(child(), parent=PARENT, siblings=[sibling, child()])
    assert a["R"].status == "pass"
    assert a.findings == ()


def test_assess_smart_different_and_unrelated_metric():
    units = child(metric="units", currency=None, value=5)
    assert finding(assess_smart(units, parent=PARENT), "R.different_metric").severity == "warn"
    churn = child(metric="churn_rate", currency=None, value="0.1", direction="at_most")
    f = finding(assess_smart(churn, parent=PARENT), "R.unrelated_metric")
    assert f.message() == (
        "the goal measures churn_rate but its parent P measures revenue, an unrelated metric"
    )


def test_assess_smart_period_outside_parent():
    a = assess_smart(child(period=Period.quarter(2027, 1)), parent=PARENT)
    assert finding(a, "R.period_outside_parent").values == {
        "period": "2027-Q1",
        "parent_period": "2026",
    }


def test_assess_smart_scope_outside_parent():
    a = assess_smart(child(scope={"region": "West"}), parent=PARENT)
    assert finding(a, "R.scope_outside_parent").message() == (
        "the goal's scope region=West is outside its parent's scope region=East"
    )


def test_assess_smart_currency_differs():
    a = assess_smart(child(currency="USD"), parent=PARENT)
    assert codes(a) == ["R.currency_differs"]


def test_assess_smart_children_short_and_over():
    # 600 + 300 = 900 < 1000: short by 100; fix 1000 - 300 = 700
    a = assess_smart(child(), parent=PARENT, siblings=[child(id="C2", value=300)])
    f = finding(a, "R.children_short")
    assert (f.severity, f.suggested_value) == ("fail", Decimal(700))
    assert f.suggestion() == "a target of 700 makes the children add up to the parent"
    # 600 + 500 = 1100 > 1000 * 1.005
    over = assess_smart(child(), parent=PARENT, siblings=[child(id="C2", value=500)])
    assert finding(over, "R.children_over").severity == "warn"
    # within tolerance: 600 + 404 = 1004 <= 1005
    ok = assess_smart(child(), parent=PARENT, siblings=[child(id="C2", value=404)])
    assert ok.findings == ()


def test_assess_smart_sum_not_assessed():
    a = assess_smart(child(), parent=PARENT, siblings=[child(id="C2", value=None)])
    assert "sum: a sibling has no value or another metric" in a["R"].not_assessed
    rate_parent = remake(PARENT, {"metric": "conversion_rate", "currency": None})
    b = assess_smart(
        child(metric="conversion_rate", currency=None, value="0.2"), parent=rate_parent
    )
    assert "sum: children add up only for additive goals with values" in b["R"].not_assessed


ORG = Organization(
    teams=(
        Team(id="sales", name="Sales"),
        Team(id="east", name="East", parent_id="sales"),
        Team(id="west", name="West", parent_id="sales"),
    ),
    reps=(Rep(id="R1", name="Wang", team_id="east"), Rep(id="R2", name="Li", team_id="west")),
)


def test_assess_smart_owner_unknown_and_outside_parent():
    a = assess_smart(child(owner=Owner(kind="rep", id="R9")), organization=ORG)
    assert finding(a, "R.owner_unknown").message() == "the owner rep R9 is not in the organisation"
    b = assess_smart(child(owner=Owner(kind="rep", id="R2")), parent=PARENT, organization=ORG)
    assert finding(b, "R.owner_outside_parent").values["parent_team"] == "east"
    c = assess_smart(child(), parent=PARENT, siblings=[child(id="C2", value=400)], organization=ORG)
    assert c.findings == ()
    team = assess_smart(child(owner=Owner(kind="team", id="nowhere")), organization=ORG)
    assert codes(team) == ["R.owner_unknown"]
    company = assess_smart(revenue(), organization=ORG)
    assert company["R"].not_assessed[-1] == "owner: only team and rep owners are in an organisation"
    cparent = assess_smart(
        child(),
        parent=remake(PARENT, {"owner": COMPANY}),
        organization=ORG,
        siblings=[child(id="C2", value=400)],
    )
    assert cparent.findings == ()


def test_assess_smart_period_over():
    a = assess_smart(revenue(), as_of=date(2027, 1, 1))
    f = finding(a, "T.period_over")
    assert f.message() == "the period 2026 ended on 2027-01-01 (exclusive), before 2027-01-01"
    assert f.message("zh-CN").startswith("期间 2026 已于")


def test_assess_smart_period_too_short_and_long():
    day = assess_smart(revenue(period=Period.day(date(2026, 3, 2))))
    assert finding(day, "T.period_too_short").values == {
        "days": 1,
        "metric": "revenue",
        "min_days": 7,
    }
    long = assess_smart(revenue(period=Period(start=date(2026, 1, 1), end=date(2029, 1, 1))))
    assert finding(long, "T.period_too_long").values == {"days": 1096, "max_days": 731}
    no_metric = assess_smart(Target(id="x", period=YEAR))
    assert no_metric["T"].not_assessed[-1] == "length: no metric to judge the length against"


def test_assess_smart_custom_metric():
    t = Target(
        id="cu",
        metric="custom",
        custom_metric="demos",
        value=40,
        unit="demos",
        direction="at_least",
        period=YEAR,
        owner=COMPANY,
    )
    assert assess_smart(t).verdict == "pass"
    parent = remake(t, {"id": "p", "custom_metric": "calls"})
    f = finding(assess_smart(remake(t, {"parent_id": "p"}), parent=parent), "R.unrelated_metric")
    assert f.values["parent_metric"] == "calls"


def test_codes_every_code_is_exercised_by_a_test():
    with open(__file__, encoding="utf-8") as handle:
        text = handle.read()
    missing = [code for code in CODES if f'"{code}"' not in text]
    assert missing == []


# -- bad input and contradictory evidence -----------------------------------------


def test_assess_smart_history_other_currency():
    past = {p: Money(v, "USD") for p, v in HISTORY.items()}
    with pytest.raises(
        CurrencyMismatchError, match="history of target 'T' is in USD but the target is in CNY"
    ):
        assess_smart(revenue(), history=past)


def test_assess_smart_baseline_period_after_target():
    t = revenue(baseline_value=1000, baseline_period=Period.year(2027))
    with pytest.raises(InvalidInputError, match="baseline period 2027 ends after its period 2026"):
        assess_smart(t)


def test_assess_smart_history_after_target_start():
    with pytest.raises(
        InvalidInputError, match="ends after the target period starts on 2026-01-01"
    ):
        assess_smart(revenue(), history={Period.year(2026): 5, **HISTORY})


def test_assess_smart_history_wrong_grain():
    monthly = {Period.month(2025, m): 100 for m in range(1, 13)}
    with pytest.raises(InvalidInputError, match="does not match its 365-day target period"):
        assess_smart(revenue(), history=monthly)


def test_assess_smart_history_bad_item():
    with pytest.raises(InvalidInputError, match="is not a \\(Period, value\\) pair"):
        assess_smart(revenue(), history=[(2025, 100)])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="history 'x' is not a number"):
        assess_smart(revenue(), history=[(YEAR, "x")])


def test_assess_smart_evidence_currency_mismatch():
    with pytest.raises(CurrencyMismatchError, match="pipeline evidence is in USD"):
        assess_smart(
            revenue(), pipeline=PipelineEvidence(open_pipeline=1, win_rate=0.5, currency="USD")
        )
    with pytest.raises(CurrencyMismatchError, match="capacity evidence is in EUR"):
        assess_smart(revenue(), capacity=CapacityEvidence(fte=1, productivity=1, currency="EUR"))
    with pytest.raises(CurrencyMismatchError, match="sibling 'C2' is in USD"):
        assess_smart(child(), parent=PARENT, siblings=[child(id="C2", currency="USD")])


def test_assess_smart_wrong_parent():
    with pytest.raises(InvalidInputError, match="names parent 'P' but parent 'Q' was given"):
        assess_smart(child(), parent=remake(PARENT, {"id": "Q"}))


def test_evidence_rejects_bad_values():
    with pytest.raises(InvalidInputError, match=r"win_rate 1\.5 is outside"):
        PipelineEvidence(open_pipeline=1, win_rate=1.5)
    with pytest.raises(InvalidInputError, match="open_pipeline -1 is negative"):
        PipelineEvidence(open_pipeline=-1, win_rate=0.5)
    with pytest.raises(InvalidInputError, match="RMB"):
        PipelineEvidence(open_pipeline=1, win_rate=0.5, currency="RMB")
    with pytest.raises(InvalidInputError, match="fte inf is not finite"):
        CapacityEvidence(fte=float("inf"), productivity=1)
    with pytest.raises(InvalidInputError, match="RMB"):
        CapacityEvidence(fte=1, productivity=1, currency="RMB")


def test_smart_policy_rejects_bad_thresholds():
    with pytest.raises(InvalidInputError, match=r"stretch_percentile 1\.5 is outside"):
        SmartPolicy(stretch_percentile=1.5)
    with pytest.raises(InvalidInputError, match="must be below stretch_percentile"):
        SmartPolicy(sandbag_percentile=0.9)


def test_finding_message_unknown_locale():
    f = finding(assess_smart(Target(id="d")), "S.no_metric")
    with pytest.raises(
        InvalidInputError, match="locale 'fr' is not supported; allowed: 'en', 'zh-CN'"
    ):
        f.message("fr")
    assert f.suggestion() is None


def test_assess_smart_count_suggestion_is_whole():
    deals = Target(
        id="d", metric="deals_won", value=40, direction="at_least", period=YEAR, owner=COMPANY
    )
    # reachable: 0 + 30 * 0.45 = 13.5 deals -> at most 13
    f = finding(
        assess_smart(deals, pipeline=PipelineEvidence(open_pipeline=30, win_rate=0.45)),
        "A.pipeline_short",
    )
    assert f.suggested_value == Decimal(13)


def test_assess_smart_parent_without_metric():
    a = assess_smart(child(), parent=remake(PARENT, {"metric": None, "currency": None}))
    assert "R.unrelated_metric" not in codes(a)


def test_assessment_round_trips_through_json():
    cap = CapacityEvidence(fte=0, productivity=1)  # ratio = inf survives JSON
    a = assess_smart(revenue(value=2000), history=HISTORY, capacity=cap)
    again = SmartAssessment.model_validate_json(a.model_dump_json())
    assert again == a
    assert SmartAssessment.model_validate(a.model_dump(mode="json")) == a
    assert [f.message("zh-CN") for f in again.findings] == [f.message("zh-CN") for f in a.findings]
    assert again.findings[0].suggestion() == a.findings[0].suggestion()


def test_assessment_report_both_locales():
    assert "[fail] S.no_metric" in assess_smart(Target(id="d")).report()
    a = assess_smart(revenue(value=2000), history=HISTORY)
    assert "A: fail" in a.report()
    assert "-> a target of at most 1,614.66" in a.report()
    assert "结论 fail" in a.report("zh-CN")


def test_smart_policy_overrides_change_the_outcome():
    lenient = SmartPolicy(growth_z_fail=10)
    f = finding(
        assess_smart(revenue(value=2000), history=HISTORY, policy=lenient), "A.growth_above_history"
    )
    assert f.severity == "warn"
    short_ok = SmartPolicy(min_period_days={"money": 1})
    assert (
        assess_smart(revenue(period=Period.day(date(2026, 3, 2))), policy=short_ok).findings == ()
    )


# -- assess_tree -------------------------------------------------------------------


def _tree() -> list[Target]:
    return [
        PARENT,
        child(),
        child(id="C2", value=Decimal(300), owner=Owner(kind="rep", id="R2")),
        Target(id="draft", name="increase sales"),
    ]


def test_assess_tree_findings_and_summary():
    result = assess_tree(_tree(), organization=ORG, as_of=date(2026, 2, 1))
    assert result.summary.index.to_list() == ["P", "C", "C2", "draft"]
    assert result.summary.loc["C", "R"] == "fail"
    assert result.summary.loc["P", "verdict"] == "pass"
    c2 = result.findings[result.findings["target_id"] == "C2"]
    assert c2["code"].to_list() == ["R.children_short", "R.owner_outside_parent"]
    # 300 + 600 = 900; fix for C2 is 1000 - 600 = 400
    assert c2["suggested_value"].iloc[0] == 400.0
    assert list(result.findings.columns) == [
        "target_id",
        "criterion",
        "code",
        "severity",
        "message",
        "suggested_value",
    ]
    zh = assess_tree(_tree(), locale="zh-CN")
    assert zh.findings["message"].str.contains("低于上级目标").any()


def test_assess_tree_accepts_a_targets_frame():
    frame = to_frame(_tree())
    a = assess_tree(frame)
    b = assess_tree(_tree())
    # Frame values are floats (1000.0), so only the messages' number formatting differs.
    cols = ["target_id", "criterion", "code", "severity", "suggested_value"]
    pd.testing.assert_frame_equal(a.findings[cols], b.findings[cols])


def test_assess_tree_history_frame():
    rows = [
        {"target_id": tid, "start": p.start, "end": p.end, "value": v * scale, "currency": "CNY"}
        for tid, scale in (("P", 1), ("C", 0.5))
        for p, v in HISTORY.items()
    ]
    history = pd.DataFrame(rows, index=range(10, 18))
    before = history.copy()
    result = assess_tree(_tree(), history=history)
    pd.testing.assert_frame_equal(history, before)
    # P: 1000 / 1400 - 1 = -28.6%, far below history (sandbagging). C: 600/700 - 1 also.
    p = result.findings[result.findings["target_id"] == "P"]
    assert p["code"].to_list() == ["A.growth_below_history"]
    assert result.assessments[1] == assess_smart(
        _tree()[1],
        history={k: v * 0.5 for k, v in HISTORY.items()},
        parent=PARENT,
        siblings=_tree()[1:3],
    )
    # draft has history rows but nothing to compare them with
    with_draft = pd.concat(
        [
            history,
            pd.DataFrame(
                [
                    {
                        "target_id": "draft",
                        "start": date(2025, 1, 1),
                        "end": date(2026, 1, 1),
                        "value": 1.0,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    draft = assess_tree(_tree(), history=with_draft).assessments[3]
    assert draft["A"].not_assessed == ("all: the goal has no value",)


def test_assess_tree_bad_history_rows_are_all_reported():
    history = pd.DataFrame(
        {
            "target_id": ["P", "P", "nobody", "P"],
            "start": [date(2024, 1, 1), date(2025, 1, 1), date(2024, 1, 1), date(2025, 1, 1)],
            "end": [date(2025, 1, 1), date(2024, 1, 1), date(2025, 1, 1), date(2026, 1, 1)],
            "value": [1.0, float("nan"), 2.0, 3.0],
        }
    )
    with pytest.raises(FrameValidationError, match="history frame has 5 failure") as info:
        assess_tree(_tree(), history=history)
    failures = info.value.failures
    assert set(zip(failures["row"], failures["reason"], strict=True)) == {
        (1, "not_finite"),
        (1, "end_not_after_start"),
        (2, "unknown_target"),
        (1, "duplicate_period"),
        (3, "duplicate_period"),
    }
    with pytest.raises(InvalidInputError, match=r"lacks column\(s\) \['value'\]"):
        assess_tree(_tree(), history=history.drop(columns="value"))


def test_assess_tree_rejects_duplicate_ids_and_bad_locale():
    with pytest.raises(InvalidInputError, match="target id 'P' appears twice"):
        assess_tree([PARENT, PARENT])
    with pytest.raises(InvalidInputError, match="locale 'de' is not supported"):
        assess_tree([PARENT], locale="de")  # type: ignore[arg-type]


def test_assess_tree_evidence_by_target_id():
    ev = PipelineEvidence(open_pipeline=100, win_rate=0.5)
    cap = CapacityEvidence(fte=1, productivity=10)
    result = assess_tree([PARENT], pipeline={"P": ev}, capacity={"P": cap})
    assert result.findings["code"].to_list() == ["A.pipeline_short", "A.above_capacity"]


# -- properties ---------------------------------------------------------------------


@given(targets(complete=True))
def test_assess_smart_complete_goal_never_fails_s_m_t(target):
    a = assess_smart(target, as_of=target.period.start if target.period else None)
    for letter in ("S", "M", "T"):
        assert a[letter].status != "fail", a.report()


@given(targets(complete=False))
def test_assess_smart_incomplete_goal_is_assessed_not_raised(target):
    a = assess_smart(target)
    assert a.verdict == "fail"
    assert all(f.code in CODES for f in a.findings)


@given(st.integers(1, 3000), st.sampled_from(["at_least", "at_most", "increase"]))
def test_assess_smart_is_deterministic(value, direction):
    goal = revenue(value=value, direction=direction)
    assert assess_smart(goal, history=HISTORY) == assess_smart(goal, history=HISTORY)


_ORDER = {"not_assessed": 0, "pass": 0, "warn": 1, "fail": 2}

# Distinct growths at least 1 point apart, so rounding history to the cent never ties them.
growths = st.lists(st.integers(-30, 60), min_size=3, max_size=6, unique=True).map(
    lambda xs: [x / 100 for x in xs]
)


@given(growths, st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.booleans())
def test_assess_smart_further_from_history_never_more_achievable(past, d, step, up):
    values = [1000.0]
    for x in past:
        values.append(values[-1] * (1 + x))
    history = {Period.year(2025 - len(values) + 1 + i): round(v, 2) for i, v in enumerate(values)}
    baseline = Decimal(str(round(values[-1], 2)))
    median = sorted(past)[len(past) // 2]
    sign = 1 if up else -1
    near, far = median + sign * d, median + sign * (d + step)

    def goal(tid: str, growth: float) -> Target:
        value = (baseline * Decimal(str(round(1 + growth, 6)))).quantize(Decimal("0.01"))
        return revenue(id=tid, value=max(value, Decimal(0)), baseline_value=baseline)

    # One vectorised history pass for both goals.
    frame = pd.DataFrame(
        [
            {"target_id": tid, "start": p.start, "end": p.end, "value": v}
            for tid in ("near", "far")
            for p, v in history.items()
        ]
    )
    summary = assess_tree([goal("near", near), goal("far", far)], history=frame).summary
    assert _ORDER[str(summary.loc["far", "A"])] >= _ORDER[str(summary.loc["near", "A"])]


@given(st.lists(targets(complete=True), min_size=1, max_size=6, unique_by=lambda t: t.id))
def test_assess_tree_agrees_with_assess_smart(tree):
    result = assess_tree(tree, as_of=date(2026, 1, 1))
    for t, a in zip(tree, result.assessments, strict=True):
        assert a == assess_smart(t, as_of=date(2026, 1, 1))
        assert SmartAssessment.model_validate_json(a.model_dump_json()) == a
    assert len(result.findings) == sum(len(a.findings) for a in result.assessments)


def test_assess_tree_orphan_is_not_assessed_on_parent():
    result = assess_tree([child(id="orphan", parent_id="gone")])
    assert result.assessments[0]["R"].not_assessed[0] == "parent: no parent given"
    assert result.findings.empty


def _opp(
    i: str,
    stage: str,
    amount: Any,
    *,
    closed: date | None = None,
    due: date | None = None,
    currency: str = "CNY",
    probability: float | None = None,
) -> Opportunity:
    return Opportunity(
        id=i,
        owner_id="R1",
        amount=amount,
        currency=currency,
        stage=stage,
        created_on=date(2024, 6, 1),
        close_date=closed,
        expected_close_date=due,
        probability=probability,
    )


def test_pipeline_evidence_from_opportunities():
    pipe = Pipeline(
        stages=(
            Stage(name="Open", order=0, probability=0.5),
            Stage(name="Won", order=1, probability=1, kind="won"),
            Stage(name="Lost", order=2, probability=0, kind="lost"),
        )
    )
    deals = [
        _opp("A", "Won", 100, closed=date(2025, 6, 1)),
        _opp("B", "Lost", 50, closed=date(2025, 7, 1)),
        _opp("B2", "Lost", 50, closed=date(2024, 7, 1)),
        _opp("C", "Won", 80, closed=date(2026, 2, 1)),
        _opp("D", "Open", 300, due=date(2026, 5, 1)),
        _opp("E", "Open", 100, due=date(2026, 6, 1), probability=0.1),
        _opp("F", "Open", 999, due=date(2027, 1, 1)),  # due after the period
        _opp("G", "Open", 999),  # no expected close date
    ]
    ev = PipelineEvidence.from_opportunities(deals, pipe, YEAR, currency="CNY")
    # open: 300 * 0.5 + 100 * 0.1 = 160; achieved: C 80; win rate before 2026: 1 won / 3 closed
    assert (ev.open_pipeline, ev.achieved) == (Decimal("160.0"), Decimal(80))
    assert ev.win_rate == pytest.approx(1 / 3)
    windowed = PipelineEvidence.from_opportunities(
        deals, pipe, YEAR, currency="CNY", win_rate_period=Period.year(2025)
    )
    assert windowed.win_rate == 0.5
    given_rate = PipelineEvidence.from_opportunities(
        deals, pipe, YEAR, currency="CNY", win_rate=0.2
    )
    assert given_rate.win_rate == 0.2
    with pytest.raises(InvalidInputError, match="no deal closed in the win-rate window"):
        PipelineEvidence.from_opportunities(deals[3:], pipe, YEAR, currency="CNY")
    with pytest.raises(CurrencyMismatchError, match="opportunity 'U' is in USD, not CNY"):
        PipelineEvidence.from_opportunities(
            [_opp("U", "Open", 1, currency="USD")], pipe, YEAR, currency="CNY", win_rate=0.5
        )
    with pytest.raises(InvalidInputError, match="Nowhere"):
        PipelineEvidence.from_opportunities([_opp("N", "Nowhere", 1)], pipe, YEAR, currency="CNY")
