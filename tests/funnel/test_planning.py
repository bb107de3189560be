"""Reverse funnel, pipeline coverage and sales velocity: hand-checked numbers and bad input."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from tests.funnel._helpers import deal, pipeline

from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.funnel import funnel, pipeline_coverage, required_pipeline, sales_velocity
from salescore.money import Money

P = pipeline()
CNY = "CNY"


def test_required_pipeline_exact_rates() -> None:
    # 300 / 100 = 3 won deals; 3 / 0.3 is exactly 10 (a float product would give 11).
    plan = required_pipeline(Money(300, CNY), {"Qualify": 0.3}, avg_deal_size=Money(100, CNY))
    assert plan.deals_to_win == 3
    assert plan.table["deals"].tolist() == [10]
    assert plan.table["amount"].tolist() == [Decimal("1000.00")]
    assert plan.table["win_probability"].tolist() == [0.3]
    assert plan.table["enter_by"].tolist() == [None]
    assert plan.table["late"].isna().all()
    assert plan.target == Money(300, CNY)
    assert plan.average_deal == Money(100, CNY)


def test_required_pipeline_from_report() -> None:
    deals = [
        deal("D1", ["Qualify", "Proposal", "Negotiation", "Won"], amount=1000, hours=[24, 48, 72]),
        deal("D2", ["Qualify", "Proposal", "Lost"], amount=500),
    ]
    report = funnel(deals, P)
    # conversions 1, 1/2, 1; average won deal 1000.00; stays 1, 2 (48 h and 24 h: 1.5), 3 days
    plan = required_pipeline(
        Money(2500, CNY), report, period=Period.month(2026, 3), as_of=date(2026, 3, 26)
    )
    assert plan.deals_to_win == 3  # ceil(2500 / 1000)
    assert plan.table["deals"].tolist() == [6, 6, 3]
    assert plan.table["amount"].tolist() == [
        Decimal("5000.00"),
        Decimal("5000.00"),
        Decimal("2500.00"),
    ]
    # days to win: 1 + 1.5 + 3 = 5.5, 4.5, 3 -> enter by 31 March minus 6, 5, 3 days
    assert plan.table["days_to_win"].tolist() == [5.5, 4.5, 3.0]
    assert plan.table["enter_by"].tolist() == [
        date(2026, 3, 25),
        date(2026, 3, 26),
        date(2026, 3, 28),
    ]
    assert plan.table["late"].tolist() == [True, False, False]
    # Overrides: own deal size and stays.
    custom = required_pipeline(
        Money(2500, CNY),
        report,
        avg_deal_size=Money(2500, CNY),
        stage_days={"Negotiation": 10},
        period=Period.month(2026, 3),
    )
    assert custom.deals_to_win == 1
    assert custom.table["enter_by"].tolist() == [None, None, date(2026, 3, 21)]
    assert pd.isna(custom.table["late"]).all()


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((100, {"A": 0.5}), {}, InvalidInputError, "target_amount must be Money"),
        ((Money(0, CNY), {"A": 0.5}), {}, InvalidInputError, "must be positive"),
        ((Money(1, CNY), {}), {}, InvalidInputError, "rates are empty"),
        ((Money(1, CNY), {"A": 1.5}), {}, InvalidInputError, "'A' conversion 1.5 is outside"),
        ((Money(1, CNY), {"A": 0.0}), {}, InvalidInputError, "conversion is 0"),
        ((Money(1, CNY), [0.5]), {}, InvalidInputError, "got list"),
        ((Money(1, CNY), {"A": 0.5}), {}, InvalidInputError, "avg_deal_size is required"),
        (
            (Money(1, CNY), {"A": 0.5}),
            {"avg_deal_size": Money(1, "USD")},
            CurrencyMismatchError,
            "average deal in USD",
        ),
        (
            (Money(1, CNY), {"A": 0.5}),
            {"avg_deal_size": Money(0, CNY)},
            InvalidInputError,
            "must be positive",
        ),
        (
            (Money(1, CNY), {"A": 0.5}),
            {"avg_deal_size": Money(1, CNY), "stage_days": {"B": 3}},
            InvalidInputError,
            "stage_days names stage 'B'",
        ),
        (
            (Money(1, CNY), {"A": 0.5}),
            {"avg_deal_size": Money(1, CNY), "rounding": "UP"},
            InvalidInputError,
            "rounding 'UP'",
        ),
    ],
)
def test_required_pipeline_bad_input(
    args: tuple[object, ...], kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        required_pipeline(*args, **kwargs)  # type: ignore[arg-type]


def test_required_pipeline_report_without_conversion() -> None:
    with pytest.raises(InvalidInputError, match="stage 'Qualify' has no conversion"):
        required_pipeline(Money(1, CNY), funnel([], P))


def test_required_pipeline_report_without_won_deal() -> None:
    report = funnel([deal("D1", ["Qualify", "Proposal", "Negotiation"])], P)
    with pytest.raises(InvalidInputError, match="conversion is 0"):
        required_pipeline(Money(1, CNY), report)


def test_pipeline_coverage_short() -> None:
    # coverage 2.4, needed 1 / 0.25 = 4, gap 1,000,000 x 4 - 2,400,000 = 1,600,000
    c = pipeline_coverage(Money(2_400_000, CNY), Money(1_000_000, CNY), 0.25)
    assert (c.coverage, c.needed, c.sufficient) == (2.4, 4.0, False)
    assert c.gap == Money("1600000.00", CNY)


def test_pipeline_coverage_edges() -> None:
    met = pipeline_coverage(Money(500, CNY), Money(0, CNY), 0.5)
    assert (met.coverage, met.sufficient, met.gap) == (math.inf, True, Money("-500.00", CNY))
    hopeless = pipeline_coverage(Money(500, CNY), Money(100, CNY), 0.0)
    assert (hopeless.needed, hopeless.gap, hopeless.sufficient) == (math.inf, None, False)
    thirds = pipeline_coverage(Money(0, CNY), Money(100, CNY), 0.3)
    assert thirds.gap == Money("333.33", CNY)  # 100 / 0.3 = 333.333...


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((500, Money(1, CNY), 0.5), InvalidInputError, "open_pipeline must be Money"),
        ((Money(1, CNY), 5, 0.5), InvalidInputError, "remaining_target must be Money"),
        ((Money(1, CNY), Money(1, "USD"), 0.5), CurrencyMismatchError, "target in USD"),
        ((Money(-1, CNY), Money(1, CNY), 0.5), InvalidInputError, "is negative"),
        ((Money(1, CNY), Money(1, CNY), 2.0), InvalidInputError, "win_rate 2.0 is outside"),
    ],
)
def test_pipeline_coverage_bad_input(
    args: tuple[object, ...], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        pipeline_coverage(*args)  # type: ignore[arg-type]


def test_sales_velocity_hand_checked() -> None:
    # 120 x 0.25 x 40,000 / 60 = 20,000 per day
    assert sales_velocity(120, 0.25, Money(40_000, CNY), 60) == Money("20000.00", CNY)
    # 1 x 0.5 x 1 / 3 = 0.1666... -> 0.17 (half even), 0.16 (down)
    assert sales_velocity(1, 0.5, Money(1, CNY), 3) == Money("0.17", CNY)
    assert sales_velocity(1, 0.5, Money(1, CNY), 3, rounding="ROUND_DOWN") == Money("0.16", CNY)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((True, 0.5, Money(1, CNY), 3), "not a whole number"),
        ((-1, 0.5, Money(1, CNY), 3), "open_deals -1 is negative"),
        ((1, 1.5, Money(1, CNY), 3), "win_rate 1.5 is outside"),
        ((1, 0.5, 1, 3), "average_deal must be Money"),
        ((1, 0.5, Money(1, CNY), 0), "cycle_days 0 must be positive"),
    ],
)
def test_sales_velocity_bad_input(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        sales_velocity(*args)  # type: ignore[arg-type]
