from __future__ import annotations

import importlib
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.funnel._helpers import pipeline

from salescore.calendar import Period
from salescore.errors import (
    CurrencyMismatchError,
    FrameValidationError,
    InvalidInputError,
    MissingRateError,
    UnknownStageError,
)
from salescore.forecast.montecarlo import simulate
from salescore.forecast.weighted import (
    WeightedForecast,
    weighted,
    weighted_from_partial,
    weighted_partial,
)
from salescore.frames import to_frame
from salescore.models import Opportunity, Pipeline, StageKind
from salescore.money import FxRates, Money
from salescore.testing import opportunity_sets, periods, pipelines

Q1 = Period.quarter(2026, 1)
# The module, not the function of the same name that salescore.forecast may export.
sums_module = importlib.import_module("salescore.forecast._sums")


def deal(
    i: int,
    stage: str,
    amount: Any,
    *,
    owner: str = "R1",
    channel: str | None = "direct",
    expected: date | None = date(2026, 2, 15),
    closed: date | None = None,
    probability: float | None = None,
    currency: str = "CNY",
) -> Opportunity:
    return Opportunity(
        id=f"D{i}",
        owner_id=owner,
        amount=amount,
        currency=currency,
        stage=stage,
        created_on=date(2026, 1, 5),
        expected_close_date=expected,
        close_date=closed,
        channel_id=channel,
        probability=probability,
    )


def book() -> list[Opportunity]:
    return [
        deal(0, "Qualify", "1000.00", owner="R1", channel="direct"),  # 0.1 -> 100.00
        deal(1, "Proposal", "250.50", owner="R2", channel="partner"),  # 0.4 -> 100.20
        deal(2, "Negotiation", "300", owner="R1", channel=None, probability=0.25),  # 75
        deal(3, "Won", "500", owner="R2", channel="direct", closed=date(2026, 3, 31)),
        deal(4, "Won", "700", owner="R1", closed=date(2026, 4, 1)),  # after Q1
        deal(5, "Lost", "900", owner="R1", closed=date(2026, 2, 1)),
        deal(6, "Proposal", "80", owner="R3", expected=date(2026, 4, 1)),  # after Q1
        deal(7, "Proposal", "60", owner="R3", expected=None),  # undated
    ]


# --------------------------------------------------------------------------- hand cases
def test_weighted_hand_case_totals():
    f = weighted(book(), pipeline(), period=Q1)
    assert isinstance(f, WeightedForecast)
    assert f.currency == "CNY"
    assert f.won == Money("500.00", "CNY")
    assert f.weighted == Money("275.20", "CNY")
    assert f.pipeline == Money("1550.50", "CNY")
    assert f.forecast == Money("775.20", "CNY")
    assert f.exact == Decimal("775.2")
    assert f.undated.tolist() == ["D7"]
    assert f.failures.empty
    assert f.fx_on is None
    assert f.rounding == ROUND_HALF_EVEN


def test_weighted_hand_case_breakdowns():
    f = weighted(book(), pipeline(), period=Q1)
    assert f.by_stage.index.tolist() == ["Qualify", "Proposal", "Negotiation", "Won"]
    assert f.by_stage["weighted_minor"].tolist() == [10000, 10020, 7500, 0]
    assert f.by_stage["won_minor"].tolist() == [0, 0, 0, 50000]
    assert f.by_stage["open_deals"].tolist() == [1, 1, 1, 0]
    assert f.by_stage["won_deals"].tolist() == [0, 0, 0, 1]
    assert f.by_owner.index.tolist() == ["R1", "R2", "R3"]
    assert f.by_owner["forecast_minor"].tolist() == [17500, 60020, 0]
    assert f.by_owner["pipeline_minor"].tolist() == [130000, 25050, 0]
    assert f.by_channel.index.tolist() == ["direct", "partner", None]
    assert f.by_channel["forecast_minor"].tolist() == [60000, 10020, 7500]


def test_weighted_without_period_counts_every_open_deal_and_nothing_won():
    f = weighted(book(), pipeline())
    # 100 + 100.20 + 75 + 0.4 * 80 + 0.4 * 60
    assert f.weighted == Money("331.20", "CNY")
    assert f.won == Money("0.00", "CNY")
    assert f.undated.empty


def test_weighted_probability_sources():
    deals = [
        deal(0, "Proposal", 100, probability=0.5),  # own override
        deal(1, "Proposal", 100),  # table
        deal(2, "Qualify", 100),  # stage default
    ]
    f = weighted(deals, pipeline(), probabilities={"Proposal": 0.2})
    assert f.weighted == Money("80.00", "CNY")


def test_weighted_rounds_once_with_the_given_mode():
    deals = [deal(0, "Proposal", "333.33", probability=0.5)]  # 166.665
    assert weighted(deals, pipeline()).weighted == Money("166.66", "CNY")
    up = weighted(deals, pipeline(), rounding="ROUND_HALF_UP")
    assert up.weighted == Money("166.67", "CNY")
    assert up.exact == Decimal("166.665")


def test_weighted_breakdown_split_by_largest_remainder():
    # Three deals of 0.01 at p = 0.5: exact 0.015 -> rounds to 0.02; groups get 1, 1, 0.
    deals = [deal(i, "Proposal", "0.01", owner=f"R{i}", probability=0.5) for i in range(3)]
    f = weighted(deals, pipeline())
    assert f.weighted == Money("0.02", "CNY")
    assert f.by_owner["weighted_minor"].tolist() == [1, 1, 0]
    assert int(f.by_stage["weighted_minor"].sum()) == 2


def test_weighted_probabilities_read_to_nine_places():
    deals = [deal(0, "Proposal", "1000000", probability=0.1234567894)]
    f = weighted(deals, pipeline(), rounding="ROUND_DOWN")
    assert f.exact == Decimal("123456.789")


def test_weighted_is_exact_for_large_amounts():
    big = Decimal(2**52).scaleb(-2)  # the largest amounts float64 holds to the cent
    deals = [deal(i, "Proposal", big, probability=0.999999999) for i in range(3)]
    f = weighted(deals, pipeline())
    assert f.exact == 3 * big * Decimal("0.999999999")
    assert f.pipeline.amount == 3 * big


def test_weighted_matches_simulate_analytic_mean():
    deals = book()
    f = weighted(deals, pipeline(), period=Q1)
    sim = simulate(deals, pipeline(), seed=1, n=10, period=Q1)
    assert float(f.exact) == pytest.approx(sim.analytic_mean)


def test_weighted_empty():
    f = weighted([], pipeline(), currency="USD")
    assert f.forecast == Money("0", "USD")
    assert f.by_owner.empty
    assert f.by_stage["forecast_minor"].tolist() == [0, 0, 0, 0]
    with pytest.raises(InvalidInputError, match="pass currency="):
        weighted([], pipeline())


def test_weighted_nothing_counts_uses_the_deals_currency():
    f = weighted([deal(0, "Lost", 10, closed=date(2026, 2, 1))], pipeline(), period=Q1)
    assert f.forecast == Money("0", "CNY")


# --------------------------------------------------------------------------- currencies
def fx() -> FxRates:
    return FxRates.from_mapping(
        "USD", {date(2026, 1, 1): {"CNY": "8", "JPY": "150"}, date(2026, 3, 1): {"CNY": "7"}}
    )


def test_weighted_mixed_currencies_need_fx():
    deals = [deal(0, "Proposal", 800), deal(1, "Proposal", 100, currency="USD")]
    with pytest.raises(CurrencyMismatchError, match="CNY, USD"):
        weighted(deals, pipeline())
    with pytest.raises(CurrencyMismatchError, match="reporting currency is USD"):
        weighted(deals[:1], pipeline(), currency="USD")


def test_weighted_converts_at_the_period_start():
    deals = [
        deal(0, "Proposal", 800, probability=0.5),  # 400 CNY = 50 USD at 8
        deal(1, "Proposal", 100, currency="USD", probability=0.25),  # 25 USD
        deal(2, "Won", 1500, currency="JPY", closed=date(2026, 2, 1)),  # 10 USD
    ]
    f = weighted(deals, pipeline(), period=Q1, fx=fx())
    assert f.currency == "USD"
    assert f.weighted == Money("75.00", "USD")
    assert f.won == Money("10.00", "USD")
    assert f.fx_on == date(2026, 1, 1)
    # At 7 CNY per USD (rates of 1 March): 400 / 7 = 57.142857...
    later = weighted(deals[:2], pipeline(), fx=fx(), fx_on=date(2026, 3, 5))
    assert later.weighted == Money("82.14", "USD")
    assert later.by_stage["weighted_minor"].sum() == 8214
    assert weighted(deals[:1], pipeline(), fx=fx(), currency="CNY").weighted == Money(
        "400.00", "CNY"
    )


def test_weighted_conversion_needs_a_rate_and_a_date():
    deals = [deal(0, "Proposal", 800), deal(1, "Proposal", 100, currency="EUR")]
    with pytest.raises(InvalidInputError, match="needs a rate date"):
        weighted(deals, pipeline(), fx=fx())
    with pytest.raises(MissingRateError):
        weighted(deals, pipeline(), fx=fx(), fx_on=date(2026, 2, 1))
    with pytest.raises(MissingRateError):
        weighted(deals[:1], pipeline(), fx=fx(), fx_on=date(2025, 2, 1))


def test_weighted_breakdowns_add_up_after_conversion():
    deals = [
        deal(i, "Proposal", 1 + i, currency=("CNY", "USD", "JPY")[i % 3], owner=f"R{i % 4}")
        for i in range(12)
    ]
    f = weighted(deals, pipeline(), fx=fx(), fx_on=date(2026, 3, 5))
    for table in (f.by_stage, f.by_owner, f.by_channel):
        assert int(table["weighted_minor"].sum()) == f.weighted.to_minor()
        assert int(table["pipeline_minor"].sum()) == f.pipeline.to_minor()


# --------------------------------------------------------------------------- frames
def test_weighted_frame_reports_bad_rows():
    frame = to_frame(book()[:4], model=Opportunity)
    frame.loc[0, "amount"] = -5.0
    frame.loc[1, "stage"] = "Demo"
    frame.loc[2, "amount"] = 12.345
    f = weighted(frame, pipeline(), period=Q1)
    failures = f.failures.sort_values("row")
    assert failures[["row", "column", "reason"]].values.tolist() == [
        [0, "amount", "negative"],
        [1, "stage", "not_allowed"],
        [2, "amount", "not_minor_unit"],
    ]
    assert f.forecast == Money("500.00", "CNY")


def test_weighted_frame_without_a_required_column_raises():
    frame = to_frame(book(), model=Opportunity).drop(columns=["amount"])
    with pytest.raises(FrameValidationError):
        weighted(frame, pipeline())


def test_weighted_frame_is_not_mutated():
    frame = to_frame(book(), model=Opportunity)
    before = frame.copy()
    weighted(frame, pipeline(), period=Q1)
    pd.testing.assert_frame_equal(frame, before)


def test_weighted_group_sums_are_exact_across_chunks(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sums_module, "_CHUNK", 3)
    values = np.array([2**57 - 1, 2**57 - 3, 5, 7, 2**40, 1, 2], dtype=np.int64)
    group = np.array([0, 0, 1, 0, 1, 1, 0], dtype=np.int64)
    assert sums_module.group_sum(values, group, 2) == [
        2**57 - 1 + 2**57 - 3 + 7 + 2,
        5 + 2**40 + 1,
    ]


# --------------------------------------------------------------------------- errors
def test_weighted_rejects_bad_arguments():
    deals = book()
    with pytest.raises(InvalidInputError, match="rounding"):
        weighted(deals, pipeline(), rounding="ROUND_NEAREST")
    with pytest.raises(InvalidInputError, match="not a Period"):
        weighted(deals, pipeline(), period="2026-Q1")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="not a Pipeline"):
        weighted(deals, "pipeline")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="OPPORTUNITIES DataFrame"):
        weighted(42, pipeline())  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="give Opportunity models"):
        weighted([1, 2], pipeline())  # type: ignore[list-item]
    with pytest.raises(UnknownStageError):
        weighted(deals, pipeline(), probabilities={"Demo": 0.5})
    with pytest.raises(InvalidInputError, match="outside"):
        weighted(deals, pipeline(), probabilities={"Qualify": 1.5})
    with pytest.raises(InvalidInputError, match="mapping"):
        weighted(deals, pipeline(), probabilities=[0.5])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="FxRates"):
        weighted(deals, pipeline(), fx={"CNY": 8})  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="fx_on"):
        weighted(deals, pipeline(), fx_on="2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(UnknownStageError):
        weighted([deal(0, "Demo", 10)], pipeline())


# --------------------------------------------------------------------------- properties
def nine_places(p: float) -> Decimal:
    return Decimal(repr(p)).quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN)


def reference(
    deals: list[Opportunity], pipe: Pipeline, period: Period | None
) -> tuple[Decimal, Decimal, Decimal]:
    """Plain Decimal loop: (won, weighted, pipeline) before rounding."""
    won = weighted_sum = open_sum = Decimal(0)
    for d in deals:
        stage = pipe[d.stage]
        if stage.kind is StageKind.WON and period is not None:
            if d.close_date is not None and period.contains(d.close_date):
                won += d.amount
        elif stage.kind is StageKind.OPEN:
            if period is not None and (
                d.expected_close_date is None or not period.contains(d.expected_close_date)
            ):
                continue
            p = d.probability if d.probability is not None else stage.probability
            weighted_sum += d.amount * nine_places(p)
            open_sum += d.amount
    return won, weighted_sum, open_sum


@st.composite
def cases(draw: st.DrawFn) -> tuple[Pipeline, list[Opportunity], Period | None]:
    pipe = draw(pipelines())
    deals = draw(opportunity_sets(pipe, max_size=25, with_history=False))
    period = draw(st.none() | periods(2022, 2027, max_days=500))
    return pipe, deals, period


@settings(max_examples=60)  # pandas work per example: keep the suite fast
@given(cases())
def test_weighted_matches_a_plain_decimal_loop_and_lies_between_won_and_won_plus_open(
    case: tuple[Pipeline, list[Opportunity], Any],
):
    pipe, deals, period = case
    f = weighted(deals, pipe, period=period, currency="USD")
    won, weighted_sum, open_sum = reference(deals, pipe, period)
    assert f.exact == won + weighted_sum
    assert f.won == Money(won, "USD").quantize()
    assert f.weighted == Money(weighted_sum, "USD").quantize()
    assert f.pipeline == Money(open_sum, "USD").quantize()
    assert f.won <= f.forecast <= f.won + f.pipeline
    for table in (f.by_stage, f.by_owner, f.by_channel):
        assert int(table["forecast_minor"].sum()) == f.forecast.to_minor()
        assert int(table["won_minor"].sum()) == f.won.to_minor()
        assert int(table["pipeline_minor"].sum()) == f.pipeline.to_minor()
        assert (table["forecast_minor"] == table["won_minor"] + table["weighted_minor"]).all()
        assert (table["weighted_minor"] >= 0).all()
        assert int(table["open_deals"].sum()) == int(f.by_stage["open_deals"].sum())
        # The Decimal column in major units is the minor one, read at USD's 2 places.
        for money in ("pipeline", "weighted", "won", "forecast"):
            assert all(isinstance(v, Decimal) for v in table[money])
            assert [v.scaleb(2) for v in table[money]] == table[f"{money}_minor"].tolist()
        assert sum(table["forecast"], Decimal(0)) == f.forecast.amount


@settings(max_examples=40)  # pandas work per example: keep the suite fast
@given(cases())
def test_weighted_list_and_frame_agree(case: tuple[Pipeline, list[Opportunity], Any]):
    pipe, deals, period = case
    from_models = weighted(deals, pipe, period=period, currency="USD")
    from_frame = weighted(to_frame(deals, model=Opportunity), pipe, period=period, currency="USD")
    for name in ("forecast", "won", "weighted", "pipeline", "exact", "currency"):
        assert getattr(from_models, name) == getattr(from_frame, name)
    for name in ("by_stage", "by_owner", "by_channel"):
        pd.testing.assert_frame_equal(getattr(from_models, name), getattr(from_frame, name))
    ids = [deals[i].id for i in from_frame.undated]
    assert ids == from_models.undated.tolist()


FX_ALL = FxRates.from_mapping(
    "USD",
    {
        date(2000, 1, 1): {
            "CNY": "7.1",
            "EUR": "0.92",
            "JPY": "151.3",
            "KWD": "0.307",
            "GBP": "0.79",
        }
    },
)


@st.composite
def mixed_cases(draw: st.DrawFn) -> tuple[Pipeline, list[Opportunity], Period | None, str]:
    pipe = draw(pipelines(max_open=3))
    deals = draw(opportunity_sets(pipe, max_size=15, with_history=False, currency=None))
    period = draw(st.none() | periods(2022, 2027, max_days=500))
    return pipe, deals, period, draw(st.sampled_from(["USD", "CNY", "JPY", "KWD"]))


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(mixed_cases())
def test_weighted_converts_every_currency_exactly_on_both_paths(
    case: tuple[Pipeline, list[Opportunity], Any, str],
):
    pipe, deals, period, reporting = case
    on = date(2026, 1, 1)
    f = weighted(deals, pipe, period=period, fx=FX_ALL, fx_on=on, currency=reporting)
    g = weighted(
        to_frame(deals, model=Opportunity),
        pipe,
        period=period,
        fx=FX_ALL,
        fx_on=on,
        currency=reporting,
    )
    assert (f.forecast, f.won, f.weighted, f.pipeline, f.exact) == (
        g.forecast,
        g.won,
        g.weighted,
        g.pipeline,
        g.exact,
    )
    pd.testing.assert_frame_equal(f.by_owner, g.by_owner)
    # Against a plain Decimal loop converting every deal on its own.
    won = weighted_sum = Decimal(0)
    for d in deals:
        factor = FX_ALL.rate(reporting, on) / FX_ALL.rate(d.currency, on)
        one, w, _ = reference([d], pipe, period)
        won += one * factor
        weighted_sum += w * factor
    # The loop runs in the ambient 28-digit context: agree to 20 significant digits.
    expected = won + weighted_sum
    assert abs(f.exact - expected) <= Decimal("1e-20") * max(Decimal(1), abs(expected))
    assert f.won <= f.forecast <= f.won + f.pipeline
    for table in (f.by_stage, f.by_owner, f.by_channel):
        assert int(table["forecast_minor"].sum()) == f.forecast.to_minor()


@settings(max_examples=60)  # pandas work per example: keep the suite fast
@given(cases(), st.lists(st.integers(0, 40), max_size=4), st.booleans())
def test_weighted_partials_add_up_to_the_whole_forecast(
    case: tuple[Pipeline, list[Opportunity], Any], cuts: list[int], as_frame: bool
):
    pipe, deals, period = case
    whole = weighted(deals, pipe, period=period, currency="USD", fx=None)
    bounds = sorted({0, len(deals), *(c for c in cuts if c <= len(deals))})
    bounds = bounds if len(bounds) > 1 else [0, 0]  # no deals: one empty part
    parts = []
    for a, b in pairwise(bounds):
        chunk = deals[a:b]
        data = to_frame(chunk, model=Opportunity) if as_frame else chunk
        parts.append(weighted_partial(data, pipe, period=period))
    merged = weighted_from_partial(sum(parts[1:], parts[0]), currency="USD")
    for name in ("forecast", "won", "weighted", "pipeline", "exact", "currency", "fx_on"):
        assert getattr(merged, name) == getattr(whole, name), name
    for name in ("by_stage", "by_owner", "by_channel"):
        pd.testing.assert_frame_equal(getattr(merged, name), getattr(whole, name))
    # Undated deals are all there, in the order the parts were added.
    if not as_frame:
        assert sorted(merged.undated.tolist()) == sorted(whole.undated.tolist())


def test_weighted_partials_refuse_other_periods_and_non_partials():
    deals = book()
    a = weighted_partial(deals, pipeline(), period=Q1)
    b = weighted_partial(deals, pipeline(), period=Period.quarter(2026, 2))
    with pytest.raises(InvalidInputError, match="do not add up"):
        a + b
    with pytest.raises(InvalidInputError, match="not a WeightedPartial"):
        weighted_from_partial("x")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="not a Period"):
        weighted_partial(deals, pipeline(), period="Q1")  # type: ignore[arg-type]
    assert sum([a]) is a
    assert a.__add__(1) is NotImplemented


def test_weighted_partials_convert_currencies_once_at_the_end():
    deals = [
        deal(i, "Proposal", 1 + i, currency=("CNY", "USD", "JPY")[i % 3], owner=f"R{i % 4}")
        for i in range(12)
    ]
    on = date(2026, 3, 5)
    whole = weighted(deals, pipeline(), fx=fx(), fx_on=on)
    parts = [weighted_partial(deals[i::3], pipeline()) for i in range(3)]
    total = parts[0] + parts[1] + parts[2]
    merged = weighted_from_partial(total, fx=fx(), fx_on=on)
    assert (merged.forecast, merged.exact, merged.fx_on) == (
        whole.forecast,
        whole.exact,
        whole.fx_on,
    )
    pd.testing.assert_frame_equal(merged.by_owner, whole.by_owner)
    with pytest.raises(CurrencyMismatchError):
        weighted_from_partial(total)
