from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.calendar import Period
from salescore.errors import FrameValidationError, InvalidInputError, UnknownStageError
from salescore.forecast.markov import (
    STEPS,
    MarkovModel,
    TransitionCounts,
    step_length,
    transition_counts,
)
from salescore.frames import history_frame, to_frame
from salescore.models import Opportunity, Pipeline, Stage, StageChange
from salescore.testing import opportunity_sets, pipelines

WEEK = timedelta(weeks=1)


def three_stage_pipeline() -> Pipeline:
    return Pipeline(
        stages=(
            Stage(name="Qualify", order=0, probability=0.1),
            Stage(name="Proposal", order=1, probability=0.4),
            Stage(name="Negotiation", order=2, probability=0.7),
            Stage(name="Won", order=3, probability=1.0, kind="won"),
            Stage(name="Lost", order=4, probability=0.0, kind="lost"),
        )
    )


def one_stage_pipeline() -> Pipeline:
    return Pipeline(
        stages=(
            Stage(name="Open", order=0, probability=0.5),
            Stage(name="Won", order=1, probability=1.0, kind="won"),
            Stage(name="Lost", order=2, probability=0.0, kind="lost"),
        )
    )


def hand_chain() -> MarkovModel:
    # Rows (per 8 counted looks):
    #   Qualify:     stay 4, -> Proposal 2,                        -> Lost 2
    #   Proposal:    -> Qualify 1, stay 1, -> Negotiation 4,       -> Lost 2
    #   Negotiation: -> Proposal 1, stay 4,            -> Won 2,   -> Lost 1
    counts = np.array(
        [
            [4, 2, 0, 0, 2],
            [1, 1, 4, 0, 2],
            [0, 1, 4, 2, 1],
            [0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0],
        ]
    )
    pipeline = three_stage_pipeline()
    return MarkovModel.from_counts(TransitionCounts(pipeline.names, WEEK, counts, 8), pipeline)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 1, 1, hour, tzinfo=UTC) + timedelta(days=day - 1)


def change(deal: str, to: str, day: int, frm: str | None = None) -> StageChange:
    return StageChange(opportunity_id=deal, from_stage=frm, to_stage=to, changed_at=at(day))


# --------------------------------------------------------------------------- hand-computed
def test_markov_model_hand_three_stage_chain_absorption():
    m = hand_chain()
    assert list(m.transition.loc["Qualify"]) == [0.5, 0.25, 0.0, 0.0, 0.25]
    # Eventual win w: wQ = wQ/2 + wP/4 -> wQ = wP/2;  wN = wN/2 + 1/4 + wP/8 -> wN = 1/2 + wP/4;
    # 7/8 wP = wQ/8 + wN/2 = wP/16 + 1/4 + wP/8 -> 11/16 wP = 1/4 -> wP = 4/11,
    # wQ = 2/11, wN = 1/2 + 1/11 = 13/22.
    win = m.win_probability
    assert win["Qualify"] == pytest.approx(2 / 11)
    assert win["Proposal"] == pytest.approx(4 / 11)
    assert win["Negotiation"] == pytest.approx(13 / 22)
    assert (win["Won"], win["Lost"]) == (1.0, 0.0)
    assert m.absorption.loc["Proposal", "Lost"] == pytest.approx(7 / 11)
    # Steps t: tQ = 2 + tP/2; tN = 2 + tP/4; 7/8 tP = 1 + tQ/8 + tN/2 = 9/4 + 3/16 tP
    # -> tP = 36/11, tQ = 40/11, tN = 31/11.
    steps = m.expected_steps
    assert steps["Proposal"] == pytest.approx(36 / 11)
    assert steps["Qualify"] == pytest.approx(40 / 11)
    assert steps["Negotiation"] == pytest.approx(31 / 11)
    assert steps["Won"] == 0.0
    assert m.step == WEEK
    assert m.expected_days["Proposal"] == pytest.approx(36 / 11 * 7)


def test_win_within_hand_horizons():
    m = hand_chain()
    # h=1: only Negotiation wins at once (1/4). h=2 from Negotiation: 1/4 + stay 1/2 * 1/4
    # = 3/8; from Proposal: -> Negotiation 1/2 then win 1/4 = 1/8; Qualify needs 3 steps.
    assert m.win_within(0).tolist() == [0.0, 0.0, 0.0, 1.0, 0.0]
    assert m.win_within(1).tolist() == pytest.approx([0.0, 0.0, 0.25, 1.0, 0.0])
    assert m.win_within(2).tolist() == pytest.approx([0.0, 0.125, 0.375, 1.0, 0.0])
    assert m.win_within(2000).tolist() == pytest.approx(m.win_probability.tolist())


def test_transition_counts_hand_history():
    # Deal A: Qualify day 1, Proposal day 11, Won day 21. Looks weekly at days 1, 8, 15, 22:
    #   Qualify, Qualify, Proposal, Won -> Q->Q, Q->P, P->Won.
    # Deal B: Qualify day 1, Proposal day 3, Negotiation day 5 (both inside week 1), Lost day
    #   20: looks Qualify, Negotiation, Negotiation, Lost -> Q->N (a skip), N->N, N->Lost.
    # Deal C: Qualify day 1, still open at as_of day 23 (9:00): looks 1, 8, 15, 22 -> Q->Q
    #   three times.
    changes = [
        change("A", "Qualify", 1),
        change("A", "Proposal", 11, "Qualify"),
        change("A", "Won", 21, "Proposal"),
        change("B", "Qualify", 1),
        change("B", "Proposal", 3, "Qualify"),
        change("B", "Negotiation", 5, "Proposal"),
        change("B", "Lost", 20, "Negotiation"),
        change("C", "Qualify", 1),
    ]
    counts = transition_counts(changes, three_stage_pipeline(), step="week", as_of=at(23))
    expected = np.zeros((5, 5), int)
    expected[0, 0] = 1 + 3  # A, C
    expected[0, 1] = 1  # A
    expected[1, 3] = 1  # A wins
    expected[0, 2] = 1  # B skips Proposal
    expected[2, 2] = 1  # B
    expected[2, 4] = 1  # B loses
    assert counts.counts.tolist() == expected.tolist()
    assert counts.deals == 3
    assert counts.step == WEEK


def test_transition_counts_regression_and_reopen():
    # Weekly looks at days 1, 8, 15, 22: Proposal, Qualify (regressed day 4), Won (day 10)...
    # the reopening on day 12 is after absorption in Won and is not followed.
    changes = [
        change("A", "Proposal", 1),
        change("A", "Qualify", 4, "Proposal"),
        change("A", "Won", 10, "Qualify"),
        change("A", "Negotiation", 12, "Won"),
    ]
    counts = transition_counts(changes, three_stage_pipeline(), step="week").frame()
    assert counts.loc["Proposal", "Qualify"] == 1
    assert counts.loc["Qualify", "Won"] == 1
    assert int(counts.to_numpy().sum()) == 2


def test_transition_counts_as_of_hides_later_changes():
    # As of day 9 the win on day 10 is not known: looks 1, 8 -> Open stays once.
    changes = [change("A", "Open", 1), change("A", "Won", 10, "Open")]
    counts = transition_counts(changes, one_stage_pipeline(), step="week", as_of=date(2026, 1, 9))
    assert counts.counts[0].tolist() == [1, 0, 0]
    none = transition_counts(changes, one_stage_pipeline(), as_of=date(2025, 1, 1))
    assert none.deals == 0
    assert int(none.counts.sum()) == 0


def test_transition_counts_daily_and_custom_steps():
    changes = [change("A", "Open", 1), change("A", "Won", 4, "Open")]
    # Daily looks at days 1..4: stay, stay, win.
    assert transition_counts(changes, one_stage_pipeline(), step="day").counts[0].tolist() == [
        2,
        1,
        0,
    ]
    # A 3-day step: looks day 1, 4 -> Open -> Won directly.
    three = transition_counts(changes, one_stage_pipeline(), step=timedelta(days=3))
    assert three.counts[0].tolist() == [0, 1, 0]
    assert three.step == timedelta(days=3)


def test_transition_counts_order_of_rows_does_not_matter():
    pipeline = three_stage_pipeline()
    changes = [
        change("A", "Qualify", 1),
        change("B", "Qualify", 2),
        change("A", "Proposal", 9, "Qualify"),
        change("B", "Lost", 30, "Qualify"),
        change("A", "Won", 40, "Proposal"),
    ]
    by_time = transition_counts(changes, pipeline)
    by_deal = transition_counts(sorted(changes, key=lambda c: c.opportunity_id), pipeline)
    shuffled = transition_counts([changes[i] for i in (4, 1, 2, 0, 3)], pipeline)
    assert by_time == by_deal == shuffled


def test_markov_model_fit_from_opportunities_and_frames_agree():
    pipeline = one_stage_pipeline()
    deal = Opportunity(
        id="A",
        owner_id="R1",
        amount=100,
        currency="USD",
        stage="Won",
        created_on=date(2026, 1, 1),
        close_date=date(2026, 1, 16),
        history=(change("A", "Open", 1), change("A", "Won", 16, "Open")),
    )
    from_models = MarkovModel.fit([deal], pipeline)
    from_frame = MarkovModel.fit(history_frame([deal]), pipeline)
    from_changes = MarkovModel.fit(list(deal.history), pipeline)
    # Looks days 1, 8, 15, 22: Open, Open, Open, Won -> 2 stays, 1 win: P(Open->Won) = 1/3.
    assert from_models.transition.loc["Open", "Won"] == pytest.approx(1 / 3)
    assert from_models.counts == from_frame.counts == from_changes.counts
    assert from_models.win_probability["Open"] == pytest.approx(1.0)
    assert from_models.expected_steps["Open"] == pytest.approx(3.0)


def test_markov_model_stage_that_never_closes():
    # Open was only ever seen staying: it cannot reach Won or Lost.
    pipeline = one_stage_pipeline()
    counts = TransitionCounts(pipeline.names, WEEK, np.array([[5, 0, 0], [0] * 3, [0] * 3]), 1)
    m = MarkovModel.from_counts(counts, pipeline)
    assert m.win_probability["Open"] == 0.0
    assert m.expected_steps["Open"] == float("inf")
    assert m.win_within(10)["Open"] == 0.0


def test_markov_model_smoothing_fills_unobserved_stage():
    # Proposal never observed; smoothing 1 gives it a uniform row over 5 stages.
    pipeline = three_stage_pipeline()
    raw = np.zeros((5, 5), int)
    raw[0] = [3, 0, 0, 1, 0]
    raw[2] = [0, 0, 1, 1, 1]
    m = MarkovModel.from_counts(
        TransitionCounts(pipeline.names, WEEK, raw, 3), pipeline, smoothing=1
    )
    assert list(m.transition.loc["Proposal"]) == [0.2] * 5
    # Qualify row: (3+1, 1, 1, 1+1, 1) / 9.
    assert list(m.transition.loc["Qualify"]) == pytest.approx([4 / 9, 1 / 9, 1 / 9, 2 / 9, 1 / 9])
    assert m.smoothing == 1.0


def test_period_odds_hand_chain():
    m = hand_chain()
    deals = [
        Opportunity(
            id=f"D{i}",
            owner_id="R1",
            amount=100,
            currency="USD",
            stage=stage,
            created_on=date(2025, 12, 1),
            close_date=closed,
        )
        for i, (stage, closed) in enumerate(
            [
                ("Negotiation", None),
                ("Proposal", None),
                ("Won", date(2026, 1, 20)),
                ("Won", date(2025, 12, 20)),
                ("Lost", date(2026, 1, 3)),
            ]
        )
    ]
    # As of 2026-01-05, period [2026-01-05, 2026-01-19): 14 days = 2 weekly steps.
    period = Period(start=date(2026, 1, 5), end=date(2026, 1, 19))
    odds = m.period_odds(deals, as_of=date(2026, 1, 5), period=period)
    assert odds.index.tolist() == ["D0", "D1", "D2", "D3", "D4"]
    assert odds["steps_to_end"].tolist() == [2, 2, 0, 0, 0]
    assert odds["probability"].tolist() == pytest.approx([0.375, 0.125, 0.0, 0.0, 0.0])
    # The next fortnight: F(4) - F(2) for the same deals; D2 won inside it.
    later = Period(start=date(2026, 1, 19), end=date(2026, 2, 2))
    next_odds = m.period_odds(deals, as_of=date(2026, 1, 5), period=later)
    f4 = m.win_within(4)
    assert next_odds["probability"].iloc[0] == pytest.approx(f4["Negotiation"] - 0.375)
    assert next_odds["probability"].iloc[2] == 1.0
    # The frame entry point agrees and keeps the frame's index.
    frame = to_frame(deals).set_axis([10, 11, 12, 13, 14])
    by_frame = m.period_odds(frame, as_of=date(2026, 1, 5), period=period)
    assert by_frame.index.tolist() == [10, 11, 12, 13, 14]
    assert by_frame["probability"].tolist() == odds["probability"].tolist()
    # A period already over gives open deals nothing; D3 was won in it.
    past = Period(start=date(2025, 12, 1), end=date(2026, 1, 1))
    in_past = m.period_odds(deals, as_of=date(2026, 1, 5), period=past)["probability"]
    assert in_past.tolist() == [0.0, 0.0, 0.0, 1.0, 0.0]


# --------------------------------------------------------------------------- properties
@given(st.data())
def test_markov_model_rows_are_distributions(data: st.DataObject):
    pipeline = data.draw(pipelines(max_open=4))
    deals = data.draw(opportunity_sets(pipeline, max_size=12))
    step = data.draw(st.sampled_from([STEPS["day"], STEPS["week"], STEPS["month"]]))
    m = MarkovModel.fit(deals, pipeline, step=step, smoothing=0.5)
    matrix = m.transition.to_numpy()
    assert (matrix >= 0).all()
    assert np.allclose(matrix.sum(axis=1), 1.0)
    assert np.allclose(m.absorption.to_numpy().sum(axis=1), 1.0)
    assert ((m.win_probability >= -1e-12) & (m.win_probability <= 1 + 1e-12)).all()
    assert (m.expected_steps >= 0).all()


@given(st.data())
def test_win_within_rises_to_win_probability(data: st.DataObject):
    pipeline = data.draw(pipelines(max_open=4))
    deals = data.draw(opportunity_sets(pipeline, max_size=10))
    m = MarkovModel.fit(deals, pipeline, smoothing=1.0)
    h = data.draw(st.integers(0, 20))
    now, later = m.win_within(h), m.win_within(h + 1)
    assert (later >= now - 1e-12).all()
    assert (later <= m.win_probability + 1e-9).all()


@given(st.data())
def test_transition_counts_partials_add_up(data: st.DataObject):
    pipeline = data.draw(pipelines(max_open=4))
    deals = data.draw(opportunity_sets(pipeline, max_size=12))
    cut = data.draw(st.integers(0, len(deals)))
    as_of = datetime(2027, 6, 1, tzinfo=UTC)
    whole = transition_counts(deals, pipeline, step="week", as_of=as_of)
    parts = transition_counts(deals[:cut], pipeline, as_of=as_of) + transition_counts(
        deals[cut:], pipeline, as_of=as_of
    )
    assert whole == parts


@given(st.data())
def test_transition_counts_models_and_frame_agree(data: st.DataObject):
    pipeline = data.draw(pipelines(max_open=4))
    deals = data.draw(opportunity_sets(pipeline, max_size=10))
    frame = history_frame(deals)
    shuffled = frame.sample(frac=1.0, random_state=data.draw(st.integers(0, 1000)))
    assert transition_counts(deals, pipeline) == transition_counts(shuffled, pipeline)


# --------------------------------------------------------------------------- bad input
def test_step_length_rejects_bad_steps():
    with pytest.raises(InvalidInputError, match="step 'fortnight' is not one of day, week"):
        step_length("fortnight")
    with pytest.raises(InvalidInputError, match="must be a positive timedelta"):
        step_length(timedelta(0))
    assert step_length(timedelta(hours=12)) == timedelta(hours=12)


def test_transition_counts_rejects_bad_input():
    pipeline = one_stage_pipeline()
    changes = [change("A", "Open", 1)]
    with pytest.raises(InvalidInputError, match="naive datetime"):
        transition_counts(changes, pipeline, as_of=datetime(2026, 1, 1))
    with pytest.raises(InvalidInputError, match="as_of '2026' is not a date"):
        transition_counts(changes, pipeline, as_of="2026")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="got int"):
        transition_counts(5, pipeline)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="holds StageChange, int"):
        transition_counts([changes[0], 3], pipeline)  # type: ignore[arg-type]
    with pytest.raises(UnknownStageError, match="'Demo'"):
        transition_counts([change("A", "Demo", 1)], pipeline)
    bad = history_frame([]).astype(object)
    bad.loc[0] = ["A", None, "Open", "2026-01-01 09:00"]
    with pytest.raises(FrameValidationError, match="naive_datetime"):
        transition_counts(bad, pipeline)


def test_transition_counts_of_nothing():
    counts = transition_counts([], one_stage_pipeline())
    assert counts.deals == 0
    assert int(counts.counts.sum()) == 0


def test_transition_counts_type_rejects_bad_values():
    names = ("Open", "Won", "Lost")
    with pytest.raises(InvalidInputError, match=r"shape \(2, 2\) do not match 3 stages"):
        TransitionCounts(names, WEEK, np.zeros((2, 2), int), 0)
    with pytest.raises(InvalidInputError, match="must be >= 0"):
        TransitionCounts(names, WEEK, -np.eye(3, dtype=int), 0)
    a = TransitionCounts(names, WEEK, np.eye(3, dtype=int), 1)
    with pytest.raises(InvalidInputError, match="cannot add transition counts"):
        a + TransitionCounts(names, timedelta(days=1), np.eye(3, dtype=int), 1)
    assert a.__add__(3) is NotImplemented  # type: ignore[operator]
    assert a != 3
    assert a == TransitionCounts(names, WEEK, np.eye(3, dtype=int), 1)
    with pytest.raises(ValueError, match="read-only"):
        a.counts[0, 0] = 5


def test_markov_model_rejects_bad_counts_and_smoothing():
    pipeline = three_stage_pipeline()
    raw = np.zeros((5, 5), int)
    raw[0, 3] = 1
    counts = TransitionCounts(pipeline.names, WEEK, raw, 1)
    with pytest.raises(InvalidInputError, match="'Proposal', 'Negotiation' have no observed"):
        MarkovModel.from_counts(counts, pipeline)
    with pytest.raises(InvalidInputError, match="smoothing -1 must be a finite number >= 0"):
        MarkovModel.from_counts(counts, pipeline, smoothing=-1)
    with pytest.raises(InvalidInputError, match="smoothing True"):
        MarkovModel.from_counts(counts, pipeline, smoothing=True)
    with pytest.raises(InvalidInputError, match="the pipeline has"):
        MarkovModel.from_counts(counts, one_stage_pipeline())


def test_markov_model_rejects_bad_horizon_and_odds_input():
    m = hand_chain()
    with pytest.raises(InvalidInputError, match="horizon -1 must be a whole number"):
        m.win_within(-1)
    with pytest.raises(InvalidInputError, match=r"horizon 1\.5"):
        m.win_within(1.5)  # type: ignore[arg-type]
    q1 = Period.quarter(2026, 1)
    with pytest.raises(InvalidInputError, match="is not a Period"):
        m.period_odds([], as_of=date(2026, 1, 1), period="2026-Q1")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="is not a date"):
        m.period_odds([], as_of=datetime(2026, 1, 1, tzinfo=UTC), period=q1)
    with pytest.raises(InvalidInputError, match="got int"):
        m.period_odds(5, as_of=date(2026, 1, 1), period=q1)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="holds str; give Opportunity"):
        m.period_odds(["D1"], as_of=date(2026, 1, 1), period=q1)  # type: ignore[list-item]
    frame = pd.DataFrame(
        {
            "id": ["D1"],
            "owner_id": ["R1"],
            "amount": [1.0],
            "currency": ["USD"],
            "stage": ["Demo"],
            "created_on": pd.to_datetime(["2026-01-01"]),
        }
    )
    with pytest.raises(UnknownStageError, match="'Demo'"):
        m.period_odds(frame, as_of=date(2026, 1, 1), period=q1)


def test_markov_model_closes_only_through_later_stages():
    # Qualify: stay 1/2, -> Proposal 1/2; Proposal -> Negotiation always; Negotiation:
    # stay, Won, Lost 1/3 each. wN = 1/2 and every earlier stage inherits it.
    # tN = 1 / (1 - 1/3) = 1.5; tP = 1 + tN = 2.5; tQ = 1 + tQ/2 + tP/2 -> tQ = 2 + tP = 4.5.
    pipeline = three_stage_pipeline()
    raw = np.zeros((5, 5), int)
    raw[0, :2] = [1, 1]
    raw[1, 2] = 1
    raw[2, 2:] = [1, 1, 1]
    m = MarkovModel.from_counts(TransitionCounts(pipeline.names, WEEK, raw, 2), pipeline)
    assert m.win_probability.tolist()[:3] == pytest.approx([0.5, 0.5, 0.5])
    assert m.expected_steps.tolist()[:3] == pytest.approx([4.5, 2.5, 1.5])


def test_transition_counts_refuse_one_string_for_the_stages():
    from datetime import timedelta

    from salescore.forecast import TransitionCounts

    with pytest.raises(InvalidInputError, match="stages 'Won' is a single string"):
        TransitionCounts("Won", timedelta(weeks=1), np.zeros((3, 3)), 0)  # type: ignore[arg-type]
