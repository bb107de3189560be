# mypy: disable-error-code="arg-type,call-arg,misc"
# (the catalogue passes wrong types and missing fields on purpose; lambdas bound in
# loops defeat inference)
"""A catalogue of bad inputs thrown at the public API.

Every case must raise a :class:`~salescore.errors.SalescoreError` whose
message names the offending value; every bulk case must keep every row,
either in the result or in its errors table (rows in = rows out + errors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from salescore import customers as cu
from salescore import forecast as fc
from salescore import funnel as fu
from salescore import goals as go
from salescore import kpi, smart
from salescore import scorecards as sc
from salescore.calendar import Period
from salescore.errors import SalescoreError
from salescore.frames import OPPORTUNITIES, partition_frame, validate_frame
from salescore.models import Opportunity, Owner, Pipeline, Rep, Stage, Target, check_unique_ids
from salescore.money import Money, check_currency, minor_unit

NAN = float("nan")
INF = float("inf")
YEAR = Period.year(2026)
PIPE = Pipeline(
    stages=[
        Stage(name="Qualify", order=0, probability=0.2),
        Stage(name="Propose", order=1, probability=0.5),
        Stage(name="Won", order=2, probability=1.0, kind="won"),
        Stage(name="Lost", order=3, probability=0.0, kind="lost"),
    ]
)
SERIES = pd.Series(
    [10.0, 12, 14, 11, 13, 15, 12, 14, 16, 13, 15, 17],
    index=pd.period_range("2025-01", periods=12, freq="M"),
)


def _target(**update: Any) -> Target:
    base = Target(
        id="T",
        metric="revenue",
        value=1200,
        currency="CNY",
        direction="at_least",
        period=YEAR,
        owner=Owner(kind="company"),
    )
    return base.model_copy(update=update) if update else base


def _deal(i: int = 1, **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": f"D{i}",
        "owner_id": "R1",
        "amount": 100.0,
        "currency": "CNY",
        "stage": "Qualify",
        "created_on": date(2026, 1, 5),
    }
    data.update(kw)
    return data


def _deals_frame(*bad: dict[str, Any]) -> pd.DataFrame:
    rows = [_deal(1), _deal(2, stage="Propose"), *bad]
    frame = pd.DataFrame(rows)
    frame["created_on"] = pd.to_datetime(frame["created_on"])
    return frame


REPS = [Rep(id="R1", name="Li"), Rep(id="R2", name="Wang")]
CARD = sc.Scorecard(
    id="AE",
    kpis=[
        sc.ScorecardKpi(
            name="revenue", weight="1", target=100, curve=sc.LinearCurve(threshold="0.6", cap=120)
        )
    ],
)


@dataclass(frozen=True)
class Case:
    """A call that must raise a SalescoreError naming ``names`` (each a substring)."""

    id: str
    call: Callable[[], object]
    names: tuple[str, ...]


def case(id: str, call: Callable[[], object], *names: object) -> Case:
    return Case(id, call, tuple(str(n) for n in names))


CASES: list[Case] = []

# ----- money and currencies
for code in ("RMB", "cny1", "", "XYZ", "usd "):
    CASES.append(
        case(f"money-currency-{code or 'blank'}", lambda c=code: Money("1", c), repr(code))
    )
    CASES.append(
        case(f"check_currency-{code or 'blank'}", lambda c=code: check_currency(c), repr(code))
    )
for value, name in ((NAN, "nan"), (INF, "inf"), (-INF, "-inf"), ("abc", "'abc'"), ("1,5", "'1,5'")):
    CASES.append(case(f"money-amount-{name}", lambda v=value: Money(v, "CNY"), name.strip("'")))
for exp in (58, 70, 100, 300):
    CASES.append(
        case(f"money-quantize-1e{exp}", lambda e=exp: Money(f"1e{e}", "CNY").quantize(), "1E+")
    )
    CASES.append(
        case(
            f"money-allocate-1e{exp}", lambda e=exp: Money(f"1e{e}", "CNY").allocate([1, 1]), "1E+"
        )
    )
    CASES.append(
        case(f"money-to_minor-1e{exp}", lambda e=exp: Money(f"1e{e}", "CNY").to_minor(), "1E+")
    )
CASES += [
    case("money-quantize-rounding", lambda: Money("1", "CNY").quantize("nearest"), "'nearest'"),
    case("money-allocate-negative-weight", lambda: Money("1", "CNY").allocate([1, -2]), "-2"),
    case("money-allocate-nan-weight", lambda: Money("1", "CNY").allocate([1, NAN]), "nan"),
    case("money-allocate-zero-weights", lambda: Money("1", "CNY").allocate([0, 0]), "zero"),
    case("money-allocate-no-weights", lambda: Money("1", "CNY").allocate([]), "weight"),
    case("money-add-mixed", lambda: Money("1", "CNY") + Money("1", "USD"), "CNY", "USD"),
    case("money-compare-mixed", lambda: Money("1", "CNY") < Money("1", "EUR"), "CNY", "EUR"),
    case("money-add-number", lambda: Money("1", "CNY") + 5, "5"),
    case("money-divide-zero", lambda: Money("1", "CNY") / 0, "zero"),
    case("money-ratio-zero", lambda: Money("1", "CNY").ratio(Money("0", "CNY")), "zero"),
    case("money-times-nan", lambda: Money("1", "CNY") * NAN, "nan"),
    case("minor_unit-unknown", lambda: minor_unit("ABC"), "'ABC'"),
]

# ----- models
CASES += [
    case("stage-kind-unknown", lambda: Stage(name="X", kind="maybe"), "'maybe'", "'won'"),
    case("stage-probability-above-1", lambda: Stage(name="X", probability=1.2), "1.2"),
    case("stage-probability-negative", lambda: Stage(name="X", probability=-0.1), "-0.1"),
    case("stage-probability-nan", lambda: Stage(name="X", probability=NAN), "nan"),
    case("stage-blank-name", lambda: Stage(name="  "), "'  '"),
    case("stage-won-not-1", lambda: Stage(name="W", kind="won", probability=0.5), "0.5"),
    case("stage-lost-not-0", lambda: Stage(name="L", kind="lost", probability=0.5), "0.5"),
    case("pipeline-unknown-stage", lambda: PIPE.check_stage("Demo"), "'Demo'"),
    case(
        "pipeline-duplicate-stage",
        lambda: Pipeline(stages=[Stage(name="A", order=0), Stage(name="A", order=1)]),
        "'A'",
    ),
    case("opportunity-negative", lambda: Opportunity(**_deal(amount=-5)), "-5"),
    case("opportunity-nan", lambda: Opportunity(**_deal(amount=NAN)), "nan"),
    case("opportunity-inf", lambda: Opportunity(**_deal(amount=INF)), "inf"),
    case("opportunity-currency", lambda: Opportunity(**_deal(currency="RMB")), "'RMB'"),
    case(
        "opportunity-close-before-created",
        lambda: Opportunity(**_deal(stage="Won", close_date=date(2025, 1, 1))),
        "2025-01-01",
    ),
    case("opportunity-blank-id", lambda: Opportunity(**_deal(id="")), "''"),
    case(
        "target-currency",
        lambda: _target(currency="RMB").model_validate(
            {**_target().model_dump(), "currency": "RMB"}
        ),
        "'RMB'",
    ),
    case(
        "check_unique_ids-duplicate",
        lambda: check_unique_ids([Rep(id="R1", name="a"), Rep(id="R1", name="b")], what="rep"),
        "'R1'",
    ),
    case("rep-blank-id", lambda: Rep(id=" ", name="x"), "' '"),
]

# ----- goals
CASES += [
    case(
        "plan_matrix-form", lambda: go.plan_matrix(_target(), REPS, "month", form="tall"), "'tall'"
    ),
    case(
        "plan_matrix-1e30",
        lambda: go.plan_matrix(_target(value=Decimal("1e30")), REPS, "month"),
        "100000000000000000000000000000000",
        "1000000000000000000 units",
    ),
    case(
        "plan_matrix-1e100",
        lambda: go.plan_matrix(_target(value=Decimal("1e100")), REPS, "month"),
        "1000000000000000000 units",
    ),
    case("plan_matrix-grain", lambda: go.plan_matrix(_target(), REPS, "fortnight"), "'fortnight'"),
    case("plan_matrix-no-owners", lambda: go.plan_matrix(_target(), [], "month"), "owner"),
    case("allocate-method", lambda: go.allocate(_target(), REPS, method="random"), "'random'"),
    case(
        "allocate-negative-weight",
        lambda: go.allocate(_target(), REPS, method="weights", weights={"R1": -1, "R2": 1}),
        "-1",
    ),
    case(
        "allocate-unknown-owner-weight",
        lambda: go.allocate(_target(), REPS, method="weights", weights={"R9": 1, "R1": 1, "R2": 1}),
        "'R9'",
    ),
    case("decompose-grain", lambda: go.decompose(_target(), "decade"), "'decade'"),
    case("time_weights-grain", lambda: go.time_weights(YEAR, "hour"), "'hour'"),
    case("controlled_round-disagree", lambda: go.controlled_round([5, 5], [3, 3]), "10", "6"),
    case("controlled_round-mixed-sign", lambda: go.controlled_round([5, -5], [0, 0]), "-5", "5"),
    case("controlled_round-fraction", lambda: go.controlled_round([1.5, 1.5], [3]), "1.5"),
    case("controlled_round-nan", lambda: go.controlled_round([NAN], [1]), "nan"),
    case("controlled_round-huge", lambda: go.controlled_round([10**19], [10**19]), str(10**19)),
    case("controlled_round-string", lambda: go.controlled_round(["a"], [1]), "'a'"),
    case("attainment-nan", lambda: go.attainment(_target(), NAN), "nan"),
    case("attainment-currency", lambda: go.attainment(_target(), Money("1", "USD")), "USD"),
    case("child_periods-grain", lambda: go.child_periods(YEAR, "minute"), "'minute'"),
]

# ----- SMART
_A = _target(id="A", parent_id="B")
_B = _target(id="B", parent_id="A")
CASES += [
    case("assess_tree-cycle", lambda: smart.assess_tree([_A, _B]), "'A'", "'B'"),
    case(
        "assess_tree-self-cycle", lambda: smart.assess_tree([_target(id="S", parent_id="S")]), "'S'"
    ),
    case("assess_tree-duplicate", lambda: smart.assess_tree([_target(), _target()]), "'T'"),
    case(
        "assess_smart-as_of",
        lambda: smart.assess_smart(_target(), as_of="2026-01-01"),
        "'2026-01-01'",
    ),
    case("assess_tree-locale", lambda: smart.assess_tree([_target()], locale="de"), "'de'"),
]

# ----- funnel
CASES += [
    case(
        "pipeline_coverage-win-rate",
        lambda: fu.pipeline_coverage(Money("1", "CNY"), Money("1", "CNY"), 1.5),
        "1.5",
    ),
    case(
        "pipeline_coverage-nan",
        lambda: fu.pipeline_coverage(Money("1", "CNY"), Money("1", "CNY"), NAN),
        "nan",
    ),
    case(
        "pipeline_coverage-currency",
        lambda: fu.pipeline_coverage(Money("1", "CNY"), Money("1", "USD"), 0.5),
        "USD",
    ),
    case(
        "sales_velocity-negative-deals",
        lambda: fu.sales_velocity(-3, 0.5, Money("1", "CNY"), 30),
        "-3",
    ),
    case("sales_velocity-zero-cycle", lambda: fu.sales_velocity(3, 0.5, Money("1", "CNY"), 0), "0"),
    case(
        "sales_velocity-win-rate", lambda: fu.sales_velocity(3, 2.0, Money("1", "CNY"), 30), "2.0"
    ),
    case(
        "sales_velocity-inf-cycle", lambda: fu.sales_velocity(3, 0.5, Money("1", "CNY"), INF), "inf"
    ),
    case(
        "funnel-unknown-stage",
        lambda: fu.funnel([Opportunity(**_deal(stage="Demo"))], PIPE, source="snapshot"),
        "'Demo'",
    ),
    case(
        "funnel-source",
        lambda: fu.funnel([Opportunity(**_deal())], PIPE, source="guess"),
        "'guess'",
    ),
    case(
        "funnel_frame-unknown-stage",
        lambda: fu.funnel_frame(_deals_frame(_deal(3, stage="Demo")), PIPE, source="snapshot"),
        "'Demo'",
    ),
]

# ----- forecast: time series
_BAD_SERIES: list[tuple[str, Any, str]] = [
    ("strings", ["a", "b", "c", "d", "e", "f"], "'a'"),
    ("inf", [1.0, 2.0, INF, 4.0, 5.0, 6.0], "inf"),
    ("empty", [], "empty"),
    ("2d", [[1.0, 2.0], [3.0, 4.0]], "(2, 2)"),
]
for sid, series, token in _BAD_SERIES:
    CASES.append(case(f"holt_winters-{sid}", lambda s=series: fc.holt_winters(s, 2, 2), token))
    CASES.append(case(f"seasonal_naive-{sid}", lambda s=series: fc.seasonal_naive(s, 2, 2), token))
    CASES.append(case(f"run_rate-{sid}", lambda s=series: fc.run_rate(s, 2), token))
    CASES.append(case(f"auto_ets-{sid}", lambda s=series: fc.auto_ets(s, 2, 2), token))
CASES += [
    case(
        "holt_winters-mul-zero",
        lambda: fc.holt_winters(
            SERIES.where(SERIES.index != SERIES.index[3], 0.0), 4, 2, seasonal="mul"
        ),
        "0.0",
        "position 3",
    ),
    case(
        "holt_winters-mul-negative",
        lambda: fc.holt_winters(
            SERIES.where(SERIES.index != SERIES.index[5], -2.0), 4, 2, seasonal="mul"
        ),
        "-2.0",
        "position 5",
    ),
    case(
        "holt_winters-mul-error-negative",
        lambda: fc.holt_winters(
            SERIES.where(SERIES.index != SERIES.index[0], -1.0), 4, 2, seasonal=None, error="mul"
        ),
        "-1.0",
        "position 0",
    ),
    case("holt_winters-season-1", lambda: fc.holt_winters(SERIES, 1, 2), "1"),
    case("holt_winters-horizon-0", lambda: fc.holt_winters(SERIES, 4, 0), "0"),
    case("holt_winters-level", lambda: fc.holt_winters(SERIES, 4, 2, level=1.5), "1.5"),
    case("holt_winters-alpha", lambda: fc.holt_winters(SERIES, 4, 2, alpha=2.0), "2.0"),
    case("holt_winters-gaps", lambda: fc.holt_winters(SERIES, 4, 2, gaps="fill"), "'fill'"),
    case("holt_winters-frame", lambda: fc.holt_winters(SERIES.to_frame(), 4, 2), "DataFrame"),
    case("seasonal_naive-level", lambda: fc.seasonal_naive(SERIES, 4, 2, level=0), "0"),
    case("run_rate-window", lambda: fc.run_rate(SERIES, 2, window=0), "0"),
    case("accuracy-length", lambda: fc.accuracy([1.0, 2.0, 3.0], [1.0, 2.0]), "3"),
    case(
        "accuracy-level",
        lambda: fc.accuracy([1.0], [1.0], interval=([0.0], [2.0]), level=1.5),
        "1.5",
    ),
    case("accuracy-inf", lambda: fc.accuracy([1.0, 2.0], [INF, 2.0]), "inf"),
]

# ----- forecast: weighted and probabilities
CASES += [
    case(
        "weighted-probability-above-1",
        lambda: fc.weighted([Opportunity(**_deal())], PIPE, probabilities={"Qualify": 1.5}),
        "1.5",
    ),
    case(
        "weighted-probability-unknown-stage",
        lambda: fc.weighted([Opportunity(**_deal())], PIPE, probabilities={"Demo": 0.5}),
        "'Demo'",
    ),
    case(
        "weighted-rounding",
        lambda: fc.weighted([Opportunity(**_deal())], PIPE, rounding="up"),
        "'up'",
    ),
    case(
        "weighted-period",
        lambda: fc.weighted([Opportunity(**_deal())], PIPE, period="2026"),
        "'2026'",
    ),
    case(
        "weighted-unknown-stage",
        lambda: fc.weighted([Opportunity(**_deal(stage="Demo"))], PIPE),
        "'Demo'",
    ),
    case(
        "weighted-mixed-currency",
        lambda: fc.weighted(
            [Opportunity(**_deal()), Opportunity(**_deal(2, currency="USD"))], PIPE
        ),
        "USD",
    ),
    case("simulate-n-0", lambda: fc.simulate([Opportunity(**_deal())], PIPE, seed=1, n=0), "0"),
    case(
        "stage_win_rates-smoothing",
        lambda: fc.stage_win_rates([Opportunity(**_deal())], PIPE, smoothing=-1.0),
        "-1.0",
    ),
]

# ----- KPIs
for name, fn in (("csat", kpi.csat), ("nps", kpi.nps)):
    for value, token in ((NAN, "nan"), (11, "11"), (-1, "-1"), ("x", "'x'"), (2.5, "2.5")):
        CASES.append(case(f"{name}-{token.strip(chr(39))}", lambda f=fn, v=value: f([5, v]), token))
CASES += [
    case("growth_rate-nan", lambda: kpi.growth_rate(NAN, 1), "nan"),
    case("growth_rate-string", lambda: kpi.growth_rate("x", 1), "'x'"),
    case("growth_rate-inf", lambda: kpi.growth_rate(1, INF), "inf"),
    case("market_share-negative", lambda: kpi.market_share(-1, 10), "-1"),
    case("market_share-nan", lambda: kpi.market_share(NAN, 10), "nan"),
    case("market_share-above-market", lambda: kpi.market_share(20, 10), "20"),
    case(
        "quota_attainment-negative",
        lambda: kpi.quota_attainment({"R1": 5}, {"R1": -5}),
        "'R1'",
        "-5",
    ),
    case(
        "quota_attainment-negative-money",
        lambda: kpi.quota_attainment({"R1": Money("5", "CNY")}, {"R1": Money("-5", "CNY")}),
        "'R1'",
        "-5",
    ),
    case("quota_attainment-nan", lambda: kpi.quota_attainment({"R1": NAN}, {"R1": 5}), "nan"),
    case("quota_attainment-keys", lambda: kpi.quota_attainment({"R1": 5}, {"R2": 5}), "'R1'"),
    case(
        "quota_attainment-currencies",
        lambda: kpi.quota_attainment({"R1": Money("5", "CNY")}, {"R1": Money("5", "USD")}),
        "USD",
    ),
    case(
        "quota_attainment_frame-negative",
        lambda: kpi.quota_attainment_frame(
            pd.DataFrame({"rep_id": ["R1", "R2"], "achieved": [1.0, 2.0], "quota": [1.0, -7.0]})
        ),
        "-7.0",
    ),
    case(
        "quota_attainment_frame-inf",
        lambda: kpi.quota_attainment_frame(
            pd.DataFrame({"rep_id": ["R1"], "achieved": [INF], "quota": [1.0]})
        ),
        "inf",
    ),
    case(
        "quota_attainment_frame-missing-column",
        lambda: kpi.quota_attainment_frame(pd.DataFrame({"rep_id": ["R1"], "achieved": [1.0]})),
        "quota",
    ),
    case("growth_rates-lag", lambda: kpi.growth_rates(SERIES, lag="weekly"), "'weekly'"),
    case(
        "sales_amount-currency",
        lambda: kpi.sales_amount([Opportunity(**_deal())], PIPE, YEAR, currency="RMB"),
        "'RMB'",
    ),
]

# ----- customers
CASES += [
    case("abc_grades-a-above-b", lambda: cu.abc_grades(_lines(), a=0.99, b=0.9), "0.99"),
    case("abc_grades-nan", lambda: cu.abc_grades(_lines(), a=NAN), "nan"),
    case("rfm_scores-k", lambda: cu.rfm_scores(_lines(), k=1), "1"),
    case("rfm_scores-method", lambda: cu.rfm_scores(_lines(), method="kmeans"), "'kmeans'"),
    case("concentration-top-0", lambda: cu.concentration(_lines(), top=(0,)), "0"),
    case(
        "repeat_purchase_rate-cohort",
        lambda: cu.repeat_purchase_rate(_lines(), cohort="week"),
        "'week'",
    ),
    case(
        "customer_spans-churn-negative",
        lambda: cu.customer_spans(_lines(), as_of=date(2026, 6, 1), churn_after_days=-1),
        "-1",
    ),
]


def _lines(*bad: dict[str, Any]) -> pd.DataFrame:
    rows = [
        {
            "order_id": "O1",
            "customer_id": "C1",
            "ordered_on": date(2026, 1, 3),
            "amount": 100.0,
            "currency": "CNY",
        },
        {
            "order_id": "O2",
            "customer_id": "C2",
            "ordered_on": date(2026, 2, 3),
            "amount": 50.0,
            "currency": "CNY",
        },
        *bad,
    ]
    frame = pd.DataFrame(rows)
    frame["ordered_on"] = pd.to_datetime(frame["ordered_on"])
    return frame


# ----- frames
CASES += [
    case(
        "validate_frame-negative",
        lambda: validate_frame(_deals_frame(_deal(3, amount=-5.0)), OPPORTUNITIES),
        "-5.0",
    ),
    case(
        "validate_frame-currency",
        lambda: validate_frame(_deals_frame(_deal(3, currency="RMB")), OPPORTUNITIES),
        "'RMB'",
    ),
    case(
        "validate_frame-inf",
        lambda: validate_frame(_deals_frame(_deal(3, amount=INF)), OPPORTUNITIES),
        "inf",
    ),
    case(
        "validate_frame-duplicate-id",
        lambda: validate_frame(_deals_frame(_deal(1)), OPPORTUNITIES),
        "'D1'",
    ),
    case(
        "validate_frame-1e30",
        lambda: validate_frame(_deals_frame(_deal(3, amount=1e30)), OPPORTUNITIES),
        "1e+30",
    ),
    case("validate_frame-not-frame", lambda: validate_frame([1, 2], OPPORTUNITIES), "list"),
    case(
        "validate_frame-missing-column",
        lambda: validate_frame(_deals_frame().drop(columns="amount"), OPPORTUNITIES),
        "'amount'",
    ),
    case(
        "validate_frame-string-amount",
        lambda: validate_frame(_deals_frame(_deal(3, amount="lots")), OPPORTUNITIES),
        "'lots'",
    ),
]

# ----- scorecards
CASES += [
    case("score-nan", lambda: sc.score(CARD, {"revenue": NAN}, rep_id="R1"), "nan"),
    case("score-negative", lambda: sc.score(CARD, {"revenue": -3}, rep_id="R1"), "-3"),
    case("score-string", lambda: sc.score(CARD, {"revenue": "high"}, rep_id="R1"), "'high'"),
    case(
        "score-unknown-kpi",
        lambda: sc.score(CARD, {"revenue": 1, "calls": 3}, rep_id="R1"),
        "'calls'",
    ),
    case(
        "scorecard-weights",
        lambda: sc.Scorecard(
            id="bad", kpis=[sc.ScorecardKpi(name="revenue", weight="0.7", target=1)]
        ),
        "0.7",
    ),
    case("scores_frame-not-frame", lambda: sc.scores_frame(CARD, [1]), "list"),
    case(
        "scores_frame-rep-column",
        lambda: sc.scores_frame(CARD, pd.DataFrame({"revenue": [1.0]})),
        "'rep_id'",
    ),
]

# ----- serialization
CASES += [
    case(
        "frame_from_dict-not-mapping",
        lambda: __import__("salescore.serialization", fromlist=["x"]).frame_from_dict([1]),
        "[1]",
    ),
]


# commission ---------------------------------------------------------------------------
def _commission() -> Any:
    from salescore import commission, datasets

    return commission, datasets.commission_plan()


def _refund(amount: str) -> Any:
    commission, _ = _commission()
    return commission.Refund(
        deal_id="D1", amount=Money(amount, "CNY"), refunded_on=date(2026, 2, 1)
    )


def _credit(amount: str) -> Any:
    commission, _ = _commission()
    return commission.Credit(
        deal_id="D1", rep_id="R1", amount=Money(amount, "CNY"), credited_on=date(2026, 1, 9)
    )


def _plan_cost(samples: list[float]) -> Any:
    commission, plan = _commission()
    return commission.plan_cost(plan, samples, quota=Money("1000", "CNY"))


CASES += [
    case("refund-negative", lambda: _refund("-5"), "-5", "positive"),
    case("credit-negative", lambda: _credit("-1"), "-1", ">= 0"),
    case("credit-sub-cent", lambda: _credit("1.001"), "1.001", "CNY"),
    case("plan_cost-nan-sample", lambda: _plan_cost([0.5, NAN]), "nan", "sample 1"),
    case("plan_cost-negative-sample", lambda: _plan_cost([-0.25]), "-0.25", ">= 0"),
]


@pytest.mark.parametrize("bad", CASES, ids=[c.id for c in CASES])
def test_bad_input_raises_a_salescore_error_naming_the_value(bad: Case) -> None:
    with pytest.raises(SalescoreError) as info:
        bad.call()
    message = str(info.value)
    for name in bad.names:
        assert name in message, f"{bad.id}: {name!r} not in {message!r}"
    assert info.value.message("zh-CN")


def test_catalogue_has_at_least_150_cases_with_unique_ids() -> None:
    ids = [c.id for c in CASES] + [b.id for b in BULK]
    assert len(ids) >= 150
    assert len(set(ids)) == len(ids)


# ----- bulk paths: rows in = rows out + errors
@dataclass(frozen=True)
class Bulk:
    """A bulk call returning (rows out, errors table) for ``rows_in`` input rows."""

    id: str
    call: Callable[[], tuple[int, pd.DataFrame]]
    rows_in: int
    reason: str


def _partition(frame: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    valid, failures = partition_frame(frame, OPPORTUNITIES)
    return len(valid), failures


def _weighted(frame: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    out = fc.weighted(frame, PIPE)
    return int(out.by_stage["open_deals"].sum()), out.failures


def _summary(frame: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    out = cu.customer_summary(frame)
    return out.lines_used, out.errors


def _scores(frame: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    out = sc.scores_frame(CARD, frame)
    return len(out.totals), out.errors


_SCORE_FRAME = pd.DataFrame({"rep_id": ["R1", "R2", "R3"], "revenue": [90.0, 110.0, 1e30]})

BULK: list[Bulk] = [
    Bulk("partition-1e30", lambda: _partition(_deals_frame(_deal(3, amount=1e30))), 3, "too_large"),
    Bulk(
        "partition-1e100", lambda: _partition(_deals_frame(_deal(3, amount=1e100))), 3, "too_large"
    ),
    Bulk("partition-nan", lambda: _partition(_deals_frame(_deal(3, amount=NAN))), 3, "not_null"),
    Bulk(
        "partition-negative", lambda: _partition(_deals_frame(_deal(3, amount=-1.0))), 3, "negative"
    ),
    Bulk(
        "partition-currency",
        lambda: _partition(_deals_frame(_deal(3, currency="XX"))),
        3,
        "unknown_currency",
    ),
    Bulk(
        "partition-naive-order",
        lambda: _partition(
            _deals_frame(_deal(3, stage="Won", close_date=pd.Timestamp("2025-01-01")))
        ),
        3,
        "order",
    ),
    Bulk(
        "weighted_frame-1e30",
        lambda: _weighted(_deals_frame(_deal(3, amount=1e30))),
        3,
        "too_large",
    ),
    Bulk(
        "weighted_frame-unknown-stage",
        lambda: _weighted(_deals_frame(_deal(3, stage="Demo"))),
        3,
        "not_allowed",
    ),
    Bulk(
        "weighted_frame-negative",
        lambda: _weighted(_deals_frame(_deal(3, amount=-4.0))),
        3,
        "negative",
    ),
    Bulk(
        "customer_summary-1e30",
        lambda: _summary(
            _lines(
                {
                    "order_id": "O3",
                    "customer_id": "C3",
                    "ordered_on": pd.Timestamp("2026-03-01"),
                    "amount": 1e30,
                    "currency": "CNY",
                }
            )
        ),
        3,
        "too_large",
    ),
    Bulk(
        "customer_summary-negative",
        lambda: _summary(
            _lines(
                {
                    "order_id": "O3",
                    "customer_id": "C3",
                    "ordered_on": pd.Timestamp("2026-03-01"),
                    "amount": -1.0,
                    "currency": "CNY",
                }
            )
        ),
        3,
        "negative",
    ),
    Bulk("scores_frame-1e30", lambda: _scores(_SCORE_FRAME), 3, "too_large"),
    Bulk(
        "scores_frame-nan",
        lambda: _scores(_SCORE_FRAME.assign(revenue=[90.0, NAN, 1.0])),
        3,
        "missing_value",
    ),
]


@pytest.mark.parametrize("bulk", BULK, ids=[b.id for b in BULK])
def test_bulk_bad_row_is_reported_not_dropped(bulk: Bulk) -> None:
    rows_out, errors = bulk.call()
    assert bulk.reason in set(errors["reason"])
    assert rows_out + errors["row"].nunique() == bulk.rows_in


def test_bulk_failure_reasons_are_failure_reason_codes() -> None:
    from salescore.error_codes import FailureReason

    for bulk in BULK:
        _, errors = bulk.call()
        for reason in errors["reason"]:
            FailureReason(reason)
    assert np.all(
        [isinstance(r, str) for r in _partition(_deals_frame(_deal(3, amount=1e30)))[1]["reason"]]
    )


def test_naive_and_aware_datetimes_are_refused_in_a_date_column() -> None:
    frame = _deals_frame()
    frame["created_on"] = [datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 6, 12, tzinfo=UTC)]
    valid, failures = partition_frame(frame, OPPORTUNITIES)
    assert len(valid) + failures["row"].nunique() == 2
    assert set(failures["reason"]) == {"aware_date"}
