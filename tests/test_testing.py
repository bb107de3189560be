from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.frames import (
    OPPORTUNITIES,
    STAGE_CHANGES,
    check_stage_column,
    to_frame,
    validate_frame,
)
from salescore.models import (
    Channel,
    Metric,
    Opportunity,
    Organization,
    Pipeline,
    Rep,
    StageKind,
    Target,
    check_opportunities,
)
from salescore.money import CURRENCIES, Money
from salescore.testing import (
    COMMON_CURRENCIES,
    amounts,
    channels,
    currencies,
    dates,
    money,
    opportunities,
    opportunity_frames,
    opportunity_sets,
    organizations,
    periods,
    pipelines,
    reps,
    stage_change_frames,
    targets,
    weights,
)


def _with_pipeline(inner):
    """Draw a pipeline, then something built on it; yields (pipeline, thing)."""
    return pipelines().flatmap(lambda p: inner(p).map(lambda x: (p, x)))


@given(currencies())
def test_currencies_are_common_codes(code):
    assert code in COMMON_CURRENCIES
    assert code in CURRENCIES


@given(currencies(all_codes=True))
def test_currencies_all_codes_are_active(code):
    assert code in CURRENCIES


@given(st.sampled_from(COMMON_CURRENCIES).flatmap(lambda c: st.tuples(st.just(c), amounts(c))))
def test_amounts_are_whole_minor_units(pair):
    code, amount = pair
    assert isinstance(amount, Decimal)
    assert amount >= 0
    assert amount == amount.quantize(Decimal(1).scaleb(-CURRENCIES[code]))


@given(money())
def test_money_is_valid(value):
    assert isinstance(value, Money)
    assert value.quantize() == value


@given(money("JPY", min_value=-5, max_value=5))
def test_money_respects_currency_and_bounds(value):
    assert value.currency == "JPY"
    assert -5 <= value.amount <= 5


@given(weights())
def test_weights_are_non_negative_with_a_positive(ws):
    assert all(w >= 0 for w in ws)
    assert sum(ws) > 0


@given(dates(2020, 2021))
def test_dates_within_years(day):
    assert date(2020, 1, 1) <= day <= date(2021, 12, 31)


@given(periods(max_days=40))
def test_periods_are_half_open_and_short(period):
    assert isinstance(period, Period)
    assert 1 <= period.days <= 40


@given(pipelines())
def test_pipelines_are_valid(pipeline):
    assert isinstance(pipeline, Pipeline)
    assert pipeline.won_stages
    assert pipeline.lost_stages
    probs = [s.probability for s in pipeline.open_stages]
    assert probs == sorted(probs)


@given(_with_pipeline(lambda p: opportunities(p)))
def test_opportunities_are_consistent_with_pipeline(pair):
    pipeline, opp = pair
    assert isinstance(opp, Opportunity)
    check_opportunities([opp], pipeline)
    assert opp.history[-1].to_stage == opp.stage
    assert opp.history[0].from_stage is None


@given(_with_pipeline(lambda p: opportunity_sets(p, max_size=6, with_history=False)))
def test_opportunity_sets_without_history(pair):
    pipeline, opps = pair
    check_opportunities(opps, pipeline)
    assert all(o.history == () for o in opps)
    assert all(o.currency == "USD" for o in opps)


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(_with_pipeline(lambda p: opportunity_sets(p, min_size=1, max_size=8, currency=None)))
def test_opportunity_sets_have_unique_ids_and_known_stages(pair):
    pipeline, opps = pair
    check_opportunities(opps, pipeline)
    assert len({o.id for o in opps}) == len(opps)
    for opp in opps:
        if pipeline[opp.stage].kind is StageKind.OPEN:
            assert opp.close_date is None
        else:
            assert opp.close_date is not None


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(_with_pipeline(lambda p: opportunity_frames(p, max_size=8)))
def test_opportunity_frames_pass_their_contract(pair):
    pipeline, frame = pair
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(OPPORTUNITIES.names)
    pd.testing.assert_frame_equal(validate_frame(frame, OPPORTUNITIES), frame)
    check_stage_column(frame["stage"], pipeline)


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(_with_pipeline(lambda p: stage_change_frames(p, max_size=6)))
def test_stage_change_frames_pass_their_contract(pair):
    pipeline, frame = pair
    pd.testing.assert_frame_equal(validate_frame(frame, STAGE_CHANGES), frame)
    check_stage_column(frame["to_stage"], pipeline, column="to_stage")
    check_stage_column(frame["from_stage"], pipeline, column="from_stage")


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(reps(team_ids=["T1", "T2"]))
def test_reps_are_valid(rep):
    assert isinstance(rep, Rep)
    assert rep.team_id in ("T1", "T2")
    if rep.leave_date is not None:
        assert rep.hire_date is not None
        assert rep.leave_date >= rep.hire_date
    to_frame([rep])


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(organizations())
def test_organizations_form_a_tree_with_placed_reps(org):
    assert isinstance(org, Organization)
    team_ids = {t.id for t in org.teams}
    assert all(r.team_id in team_ids for r in org.reps)
    assert org.subtree("T0")[0] == "T0"
    assert set(org.subtree("T0")) == team_ids


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(channels())
def test_channels_are_valid(channel):
    assert isinstance(channel, Channel)
    to_frame([channel])


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(targets())
def test_complete_targets_have_every_smart_field(target):
    assert isinstance(target, Target)
    for name in ("metric", "value", "direction", "period", "owner", "name"):
        assert getattr(target, name) is not None, name
    if target.kind == "rate":
        assert target.value is not None
        assert 0 < target.value < 1
    if target.kind in ("money", "level"):
        assert target.currency in CURRENCIES
    to_frame([target])


@given(targets(complete=False))
def test_draft_targets_are_valid(target):
    assert target.value is None
    assert target.period is None


@given(targets(metric=Metric.MARKET_SHARE))
def test_targets_metric_choice(target):
    assert target.metric is Metric.MARKET_SHARE
    assert target.scope == {"market": "China"}


@given(st.data())
def test_targets_take_the_metric_by_value(data):
    from salescore.testing import targets

    goal = data.draw(targets(metric="revenue"))
    assert goal.metric == "revenue" and goal.currency is not None
    with pytest.raises(InvalidInputError, match="metric 'revenu' is not one of revenue"):
        data.draw(targets(metric="revenu"))
