from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salescore.errors import InvalidInputError
from salescore.forecast.probabilities import (
    AttributeCounts,
    NaiveBayesScorer,
    StageWinRates,
    attribute_counts,
    closed_outcomes,
    stage_win_rates,
)
from salescore.frames import history_frame, to_frame
from salescore.funnel import funnel, funnel_counts
from salescore.models import Opportunity, Pipeline, Stage, StageChange
from salescore.testing import opportunity_sets, pipelines


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


def deal(deal_id: str, owner: str, path: list[str], *, currency: str = "USD") -> Opportunity:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    changes = []
    previous: str | None = None
    for i, stage in enumerate(path):
        changes.append(
            StageChange(
                opportunity_id=deal_id,
                from_stage=previous,
                to_stage=stage,
                changed_at=start + timedelta(days=3 * i),
            )
        )
        previous = stage
    closed = path[-1] in ("Won", "Lost")
    return Opportunity(
        id=deal_id,
        owner_id=owner,
        amount=1000,
        currency=currency,
        stage=path[-1],
        created_on=date(2026, 1, 5),
        close_date=date(2026, 3, 1) if closed else None,
        history=tuple(changes),
    )


def hand_deals() -> list[Opportunity]:
    return [
        deal("D1", "R1", ["Qualify", "Proposal", "Negotiation", "Won"]),
        deal("D2", "R1", ["Qualify", "Negotiation", "Lost"]),  # skipped Proposal: passed it
        deal("D3", "R1", ["Qualify", "Lost"]),
        deal("D4", "R2", ["Qualify", "Proposal"]),  # open: left out
        deal("D5", "R2", ["Qualify", "Proposal", "Lost"], currency="EUR"),
        deal("D6", "R2", ["Qualify", "Won"], currency="CNY"),  # skipped everything: won
    ]


# --------------------------------------------------------------------------- stage win rates


def test_stage_win_rates_hand_computed_pooled() -> None:
    # Closed passes reaching each stage: Qualify D1 D2 D3 D5 D6 (won D1 D6);
    # Proposal D1 D2 D5 D6; Negotiation D1 D2 D6.
    rates = stage_win_rates(hand_deals(), three_stage_pipeline(), min_sample=1)
    t = rates.table
    assert t["stage"].tolist() == ["Qualify", "Proposal", "Negotiation"]
    assert t["reached_closed"].tolist() == [5, 4, 3]
    assert t["won"].tolist() == [2, 2, 2]
    assert t["raw_rate"].tolist() == pytest.approx([2 / 5, 2 / 4, 2 / 3])
    assert t["rate"].tolist() == pytest.approx([2 / 5, 2 / 4, 2 / 3])
    assert t["source"].tolist() == ["pooled"] * 3
    assert rates.probabilities() == pytest.approx(
        {"Qualify": 0.4, "Proposal": 0.5, "Negotiation": 2 / 3}
    )
    assert rates.keys == ()
    assert rates.probabilities({}) == rates.probabilities()
    assert rates.for_segments().to_numpy()[0].tolist() == pytest.approx([0.4, 0.5, 2 / 3])


def test_stage_win_rates_hand_computed_segments() -> None:
    # R1: Qualify 3 closed (1 won), Proposal 2 (1), Negotiation 2 (1).
    # R2: Qualify 2 closed (1 won), Proposal 2 (1), Negotiation 1 (1).
    m = 2.0
    rates = stage_win_rates(
        hand_deals(), three_stage_pipeline(), by="owner_id", smoothing=m, min_sample=2
    )
    t = rates.table.set_index(["owner_id", "stage"]).to_dict("index")
    pooled = {"Qualify": 2 / 5, "Proposal": 2 / 4, "Negotiation": 2 / 3}
    expected = {
        ("R1", "Qualify"): (3, 1),
        ("R1", "Proposal"): (2, 1),
        ("R1", "Negotiation"): (2, 1),
        ("R2", "Qualify"): (2, 1),
        ("R2", "Proposal"): (2, 1),
        ("R2", "Negotiation"): (1, 1),
    }
    for (owner, stage), (closed, won) in expected.items():
        row = t[(owner, stage)]
        assert int(row["reached_closed"]) == closed
        assert int(row["won"]) == won
        assert float(row["raw_rate"]) == pytest.approx(won / closed)
        assert float(row["pooled_rate"]) == pytest.approx(pooled[stage])
        smoothed = (won + m * pooled[stage]) / (closed + m)
        assert float(row["smoothed_rate"]) == pytest.approx(smoothed)
    # (1 + 2 * 0.4) / (3 + 2) = 0.36
    assert float(t[("R1", "Qualify")]["rate"]) == pytest.approx(0.36)
    assert t[("R1", "Qualify")]["source"] == "segment"
    # R2 Negotiation: one closed pass < min_sample 2 -> the pooled 2/3
    assert float(t[("R2", "Negotiation")]["rate"]) == pytest.approx(2 / 3)
    assert t[("R2", "Negotiation")]["source"] == "pooled"
    assert rates.probabilities({"owner_id": "R2"}) == pytest.approx(
        {"Qualify": (1 + 0.8) / 4, "Proposal": (1 + 1.0) / 4, "Negotiation": 2 / 3}
    )
    # an unseen segment gets the pooled rates
    assert rates.probabilities({"owner_id": "R9"}) == pytest.approx(pooled)
    wide = rates.for_segments()
    assert list(wide.index) == ["R1", "R2"]
    assert list(wide.columns) == ["Qualify", "Proposal", "Negotiation"]


def test_stage_win_rates_default_when_sample_small() -> None:
    rates = stage_win_rates(hand_deals(), three_stage_pipeline(), by="owner_id", min_sample=6)
    assert rates.pooled["source"].tolist() == ["default"] * 3
    assert rates.pooled["rate"].tolist() == [0.1, 0.4, 0.7]
    assert set(rates.table["source"]) == {"default"}
    assert rates.probabilities({"owner_id": "R1"}) == {
        "Qualify": 0.1,
        "Proposal": 0.4,
        "Negotiation": 0.7,
    }


def test_stage_win_rates_no_deals() -> None:
    pipeline = three_stage_pipeline()
    rates = stage_win_rates([], pipeline)
    assert rates.table["reached_closed"].tolist() == [0, 0, 0]
    assert rates.table["raw_rate"].isna().all()
    assert rates.probabilities() == {"Qualify": 0.1, "Proposal": 0.4, "Negotiation": 0.7}
    segmented = stage_win_rates([], pipeline, by="owner_id")
    assert len(segmented.table) == 0
    assert segmented.probabilities() == rates.probabilities()


def test_stage_win_rates_missing_segment_values() -> None:
    deals = to_frame(hand_deals())
    deals["region"] = ["N", None, "N", "S", None, "S"]
    rates = stage_win_rates(
        history_frame(hand_deals()), three_stage_pipeline(), opportunities=deals, by="region"
    )
    assert len(rates.table) == 9
    nulls = rates.table.loc[rates.table["region"].isna()]
    # D2 (lost at Negotiation) and D5 (lost at Proposal)
    assert nulls["reached_closed"].tolist() == [2, 2, 1]
    assert rates.probabilities({"region": None}).keys() == {"Qualify", "Proposal", "Negotiation"}


def test_stage_win_rates_frame_path_matches_models_and_funnel() -> None:
    pipeline = three_stage_pipeline()
    deals = hand_deals()
    by_model = stage_win_rates(deals, pipeline, by=["owner_id"], min_sample=1)
    by_frame = stage_win_rates(
        history_frame(deals), pipeline, opportunities=to_frame(deals), by="owner_id", min_sample=1
    )
    pd.testing.assert_frame_equal(by_model.table, by_frame.table)
    # the raw rate is the funnel's win rate (one currency there)
    same_currency = [d.model_copy(update={"currency": "USD"}) for d in deals]
    report = funnel(same_currency, pipeline, by=["owner_id"])
    assert by_model.table["raw_rate"].tolist() == pytest.approx(
        report.table["win_rate"].tolist(), nan_ok=True
    )


def test_stage_win_rates_from_summed_counts() -> None:
    pipeline = three_stage_pipeline()
    deals = [d.model_copy(update={"currency": "USD"}) for d in hand_deals()]
    parts = funnel_counts(deals[:3], pipeline, by=["owner_id"]) + funnel_counts(
        deals[3:], pipeline, by=["owner_id"]
    )
    from_counts = stage_win_rates(parts, pipeline, min_sample=1, smoothing=3)
    direct = stage_win_rates(deals, pipeline, by="owner_id", min_sample=1, smoothing=3)
    pd.testing.assert_frame_equal(from_counts.table, direct.table)
    assert stage_win_rates(parts, pipeline, by="owner_id").keys == ("owner_id",)


def test_stage_win_rates_reopen_new_pass() -> None:
    pipeline = three_stage_pipeline()
    reopened = deal("D1", "R1", ["Qualify", "Lost", "Qualify", "Proposal", "Won"])
    one = stage_win_rates([reopened], pipeline, min_sample=1)
    two = stage_win_rates([reopened], pipeline, min_sample=1, reopen="new_pass")
    assert one.table["reached_closed"].tolist() == [1, 1, 1]
    assert two.table["reached_closed"].tolist() == [2, 1, 1]
    assert two.table["won"].tolist() == [1, 1, 1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"smoothing": -1.0}, "smoothing"),
        ({"smoothing": float("inf")}, "smoothing"),
        ({"smoothing": "2"}, "smoothing"),
        ({"smoothing": True}, "smoothing"),
        ({"min_sample": -1}, "min_sample"),
        ({"min_sample": 2.5}, "min_sample"),
        ({"by": "region"}, "region"),
        ({"by": "stage"}, "must be distinct"),
        ({"by": ["owner_id", "owner_id"]}, "must be distinct"),
    ],
)
def test_stage_win_rates_rejects_bad_options(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        stage_win_rates(hand_deals(), three_stage_pipeline(), **kwargs)  # type: ignore[arg-type]


def test_stage_win_rates_rejects_bad_inputs() -> None:
    pipeline = three_stage_pipeline()
    deals = hand_deals()
    frame, changes = to_frame(deals), history_frame(deals)
    with pytest.raises(InvalidInputError, match="opportunities="):
        stage_win_rates(changes, pipeline)
    with pytest.raises(InvalidInputError, match="carry their own history"):
        stage_win_rates(deals, pipeline, opportunities=frame)
    with pytest.raises(InvalidInputError, match="got a str"):
        stage_win_rates(["D1"], pipeline)  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="must be a DataFrame"):
        stage_win_rates(changes, pipeline, opportunities=[1])  # type: ignore[arg-type]
    counts = funnel_counts([d.model_copy(update={"currency": "USD"}) for d in deals], pipeline)
    with pytest.raises(InvalidInputError, match="not used with FunnelCounts"):
        stage_win_rates(counts, pipeline, opportunities=frame)
    with pytest.raises(InvalidInputError, match="differs from the counts' keys"):
        stage_win_rates(counts, pipeline, by="owner_id")
    other = Pipeline(
        stages=(
            Stage(name="Open", order=0, probability=0.5),
            Stage(name="Won", order=1, probability=1.0, kind="won"),
            Stage(name="Lost", order=2, probability=0.0, kind="lost"),
        )
    )
    with pytest.raises(InvalidInputError, match="not the pipeline's open stages"):
        stage_win_rates(counts, other)
    rates = stage_win_rates(deals, pipeline, by="owner_id")
    with pytest.raises(InvalidInputError, match="every key"):
        rates.probabilities({"channel_id": "x"})
    assert isinstance(rates, StageWinRates)


PIPELINE_AND_DEALS = pipelines(max_open=3).flatmap(
    lambda p: st.tuples(st.just(p), opportunity_sets(p, max_size=10))
)


@settings(max_examples=40)  # funnel counting per example: keep the suite fast
@given(PIPELINE_AND_DEALS, st.floats(0.0, 50.0), st.integers(0, 4))
def test_stage_win_rates_rates_are_fractions(
    data: tuple[Pipeline, list[Opportunity]], m: float, floor: int
) -> None:
    pipeline, deals = data
    rates = stage_win_rates(deals, pipeline, by="owner_id", smoothing=m, min_sample=floor)
    for frame in (rates.table, rates.pooled):
        for column in ("raw_rate", "pooled_rate", "smoothed_rate", "rate"):
            values = frame[column].dropna().to_numpy()
            assert ((values >= 0) & (values <= 1)).all()
        assert not frame["rate"].isna().any()
        assert (frame["won"] <= frame["reached_closed"]).all()
        # reached_closed never grows down the funnel (stages are in pipeline order)
        n_stages = len(pipeline.open_stages)
        closed = frame["reached_closed"].to_numpy().reshape(-1, n_stages)
        assert (np.diff(closed, axis=1) <= 0).all()
    uses_segment = rates.table["reached_closed"] >= max(floor, 1)
    assert ((rates.table["source"] == "segment") == uses_segment).all()


@settings(max_examples=40)  # funnel counting per example: keep the suite fast
@given(PIPELINE_AND_DEALS, st.floats(0.0, 50.0))
def test_stage_win_rates_smoothed_between_raw_and_pooled(
    data: tuple[Pipeline, list[Opportunity]], m: float
) -> None:
    pipeline, deals = data
    t = stage_win_rates(deals, pipeline, by="owner_id", smoothing=m).table
    t = t.loc[t["reached_closed"] > 0]
    lo = np.minimum(t["raw_rate"], t["pooled_rate"]) - 1e-12
    hi = np.maximum(t["raw_rate"], t["pooled_rate"]) + 1e-12
    assert ((t["smoothed_rate"] >= lo) & (t["smoothed_rate"] <= hi)).all()


@settings(max_examples=40)  # funnel counting per example: keep the suite fast
@given(PIPELINE_AND_DEALS)
def test_stage_win_rates_smoothing_limits(data: tuple[Pipeline, list[Opportunity]]) -> None:
    pipeline, deals = data
    raw = stage_win_rates(deals, pipeline, by="owner_id", smoothing=0).table
    closed = raw["reached_closed"] > 0
    assert raw.loc[closed, "smoothed_rate"].tolist() == raw.loc[closed, "raw_rate"].tolist()
    huge = stage_win_rates(deals, pipeline, by="owner_id", smoothing=1e15).table
    assert huge["smoothed_rate"].tolist() == pytest.approx(
        huge["pooled_rate"].tolist(), abs=1e-9, nan_ok=True
    )


@settings(max_examples=40)  # funnel counting per example: keep the suite fast
@given(PIPELINE_AND_DEALS, st.integers(0, 10))
def test_stage_win_rates_paths_agree_and_merge(
    data: tuple[Pipeline, list[Opportunity]], cut: int
) -> None:
    pipeline, deals = data
    by_model = stage_win_rates(deals, pipeline, by="owner_id", smoothing=4, min_sample=2)
    by_frame = stage_win_rates(
        history_frame(deals),
        pipeline,
        opportunities=to_frame(deals, model=Opportunity),
        by="owner_id",
        smoothing=4,
        min_sample=2,
    )
    pd.testing.assert_frame_equal(by_model.table, by_frame.table)
    parts = funnel_counts(deals[:cut], pipeline, by=["owner_id"]) + funnel_counts(
        deals[cut:], pipeline, by=["owner_id"]
    )
    merged = stage_win_rates(parts, pipeline, smoothing=4, min_sample=2)
    # (an empty table's key column may be typed differently by the funnel's merge)
    pd.testing.assert_frame_equal(
        merged.table, by_model.table, check_dtype=not by_model.table.empty
    )


# --------------------------------------------------------------------------- naive Bayes


def closed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "channel": ["web", "web", "web", "partner", "partner"],
            "size": ["S", "L", "S", "L", "L"],
            "won": [True, False, False, True, True],
        }
    )


def test_attribute_counts_hand_computed() -> None:
    counts = attribute_counts(closed_frame(), ["channel", "size"])
    assert (counts.won, counts.lost) == (3, 2)
    assert counts.table.to_numpy().tolist() == [
        ["channel", "web", 1, 2],
        ["channel", "partner", 2, 0],
        ["size", "S", 1, 1],
        ["size", "L", 2, 1],
    ]
    assert counts.table["won"].dtype == np.int64


def test_naive_bayes_score_hand_computed() -> None:
    scorer = NaiveBayesScorer.fit(closed_frame(), ["channel", "size"], alpha=1.0)
    deals = pd.DataFrame(
        {"channel": ["web", "partner", "email", None], "size": ["S", "L", "L", "S"]},
        index=[10, 11, 12, 13],
    )
    got = scorer.score(deals)
    assert got.index.tolist() == [10, 11, 12, 13]
    assert got.name == "win_probability"

    # p(v | c) = (n + 1) / (N_c + 1 * K), K = 2 for both attributes; P(won) = 3/5.
    def p(n: int, big_n: int) -> Fraction:
        return Fraction(n + 1, big_n + 2)

    won_web_s = Fraction(3, 5) * p(1, 3) * p(1, 3)
    lost_web_s = Fraction(2, 5) * p(2, 2) * p(1, 2)
    won_partner_l = Fraction(3, 5) * p(2, 3) * p(2, 3)
    lost_partner_l = Fraction(2, 5) * p(0, 2) * p(1, 2)
    won_l = Fraction(3, 5) * p(2, 3)  # unseen channel: no evidence
    lost_l = Fraction(2, 5) * p(1, 2)
    won_s = Fraction(3, 5) * p(1, 3)  # missing channel never seen either
    lost_s = Fraction(2, 5) * p(1, 2)
    expected = [
        won_web_s / (won_web_s + lost_web_s),
        won_partner_l / (won_partner_l + lost_partner_l),
        won_l / (won_l + lost_l),
        won_s / (won_s + lost_s),
    ]
    assert got.tolist() == pytest.approx([float(e) for e in expected], rel=1e-12)
    assert float(expected[0]) == pytest.approx(0.096 / 0.246)
    assert scorer.prior == 0.6
    web = scorer.likelihoods.set_index(["attribute", "value"]).to_dict("index")[("channel", "web")]
    assert web["p_won"] == pytest.approx(0.4)
    assert web["p_lost"] == pytest.approx(0.75)
    assert web["log_odds"] == pytest.approx(math.log(0.4 / 0.75))


def test_naive_bayes_missing_value_is_a_value() -> None:
    closed = pd.DataFrame({"phone": ["yes", None, np.nan, "yes"], "won": [1, 0, 0, 1]})
    scorer = NaiveBayesScorer.fit(closed, "phone", alpha=0.0)
    deals = pd.DataFrame({"phone": pd.Series([None, "yes", pd.NA], dtype=object)})
    assert scorer.score(deals).tolist() == [0.0, 1.0, 0.0]


def test_naive_bayes_alpha_zero_contradiction_is_nan() -> None:
    closed = pd.DataFrame({"a": ["x", "y"], "b": ["u", "v"], "won": [True, False]})
    scorer = NaiveBayesScorer.fit(closed, ["a", "b"], alpha=0.0)
    got = scorer.score(pd.DataFrame({"a": ["x", "x"], "b": ["v", "u"]}))
    assert math.isnan(got.iloc[0])  # x only won, v only lost
    assert got.iloc[1] == 1.0


def test_naive_bayes_one_class_only() -> None:
    closed = pd.DataFrame({"a": ["x", "y"], "won": [False, False]})
    scorer = NaiveBayesScorer.fit(closed, "a")
    assert scorer.prior == 0.0
    assert scorer.score(pd.DataFrame({"a": ["x", "z"]})).tolist() == [0.0, 0.0]
    winners = NaiveBayesScorer.fit(closed.assign(won=True), "a")
    assert winners.score(pd.DataFrame({"a": ["x"]})).tolist() == [1.0]


def test_naive_bayes_outcome_kinds() -> None:
    base = pd.DataFrame({"a": ["x", "y", "x"]})
    flags = [True, False, True]
    expected = attribute_counts(base.assign(won=flags), "a")
    assert attribute_counts(base.assign(won=[1, 0, 1]), "a") == expected
    assert attribute_counts(base.assign(won=[1.0, 0.0, 1.0]), "a") == expected
    assert attribute_counts(base.assign(won=pd.Series(flags, dtype=object)), "a") == expected
    assert attribute_counts(base.assign(won=pd.array(flags, dtype="boolean")), "a") == expected
    assert attribute_counts(base.assign(closed_won=flags), "a", outcome="closed_won") == expected


@pytest.mark.parametrize(
    ("frame", "attributes", "match"),
    [
        (pd.DataFrame({"a": ["x"], "won": [True]}), [], "at least one"),
        (pd.DataFrame({"a": ["x"], "won": [True]}), ["a", "a"], "distinct"),
        (pd.DataFrame({"a": ["x"], "won": [True]}), ["b"], "'b'"),
        (pd.DataFrame({"a": ["x"]}), ["a"], "outcome column 'won'"),
        (pd.DataFrame({"a": ["x", "y"], "won": [True, None]}), ["a"], "1 missing"),
        (pd.DataFrame({"a": ["x", "y"], "won": [1, 2]}), ["a"], "outcome 2 at row 1"),
        (pd.DataFrame({"a": ["x", "y"], "won": [True, "yes"]}), ["a"], "'yes'"),
    ],
)
def test_attribute_counts_rejects(frame: pd.DataFrame, attributes: list[str], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        attribute_counts(frame, attributes)


def test_naive_bayes_rejects() -> None:
    counts = attribute_counts(closed_frame(), "channel")
    with pytest.raises(InvalidInputError, match="must be a DataFrame"):
        attribute_counts([1, 2], "a")  # type: ignore[arg-type]
    for bad in (-1.0, float("nan"), "1", True):
        with pytest.raises(InvalidInputError, match="alpha"):
            NaiveBayesScorer.from_counts(counts, alpha=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="AttributeCounts"):
        NaiveBayesScorer.from_counts("counts")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="no closed deal"):
        NaiveBayesScorer.fit(closed_frame().iloc[:0], "channel")
    scorer = NaiveBayesScorer.from_counts(counts)
    with pytest.raises(InvalidInputError, match="'channel' is not in the deals"):
        scorer.score(pd.DataFrame({"size": ["S"]}))
    with pytest.raises(InvalidInputError, match="attributes"):
        _ = counts + attribute_counts(closed_frame(), "size")
    assert counts.__add__(1) is NotImplemented
    assert counts.__radd__(1) is NotImplemented
    assert (counts == 1) is False
    assert counts != attribute_counts(closed_frame().iloc[:3], "channel")


def test_attribute_counts_sum_of_parts() -> None:
    frame = closed_frame()
    parts = [attribute_counts(frame.iloc[i : i + 2], ["channel", "size"]) for i in (0, 2, 4)]
    total = sum(parts)
    assert isinstance(total, AttributeCounts)
    assert total == attribute_counts(frame, ["channel", "size"])
    assert total.table["attribute"].tolist() == ["channel", "channel", "size", "size"]


CLOSED_ROWS = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", None]), st.sampled_from([1, 2, 3]), st.booleans()),
    min_size=1,
    max_size=25,
)


def as_frame(rows: list[tuple[str | None, int, bool]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": pd.Series([r[0] for r in rows], dtype=object),
            "y": [r[1] for r in rows],
            "won": [r[2] for r in rows],
        }
    )


def reference_score(
    rows: list[tuple[str | None, int, bool]], deal: tuple[str | None, int], alpha: Fraction
) -> Fraction | None:
    """Per-row, exact naive Bayes straight from the formula (no pandas)."""
    n_won = sum(1 for r in rows if r[2])
    n_lost = len(rows) - n_won
    won = Fraction(n_won, len(rows))
    lost = Fraction(n_lost, len(rows))
    for a in range(2):
        values = {r[a] for r in rows}
        if deal[a] not in values:
            continue
        k = len(values)
        nw = sum(1 for r in rows if r[a] == deal[a] and r[2])
        nl = sum(1 for r in rows if r[a] == deal[a] and not r[2])
        won *= (nw + alpha) / (n_won + alpha * k) if n_won + alpha * k else 0
        lost *= (nl + alpha) / (n_lost + alpha * k) if n_lost + alpha * k else 0
    if won + lost == 0:
        return None
    return won / (won + lost)


DEALS = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d", None]), st.sampled_from([1, 2, 3, 4])),
    min_size=1,
    max_size=6,
)


@settings(max_examples=80)  # pandas work per example: keep the suite fast
@given(CLOSED_ROWS, DEALS, st.sampled_from([Fraction(1, 10), Fraction(1), Fraction(5, 2)]))
def test_naive_bayes_score_matches_reference(
    rows: list[tuple[str | None, int, bool]],
    deals: list[tuple[str | None, int]],
    alpha: Fraction,
) -> None:
    scorer = NaiveBayesScorer.fit(as_frame(rows), ["x", "y"], alpha=float(alpha))
    frame = pd.DataFrame(
        {"x": pd.Series([d[0] for d in deals], dtype=object), "y": [d[1] for d in deals]}
    )
    got = scorer.score(frame).to_numpy()
    assert ((got >= 0) & (got <= 1)).all()
    for value, d in zip(got.tolist(), deals, strict=True):
        expected = reference_score(rows, d, alpha)
        assert expected is not None
        assert value == pytest.approx(float(expected), rel=1e-9, abs=1e-12)


@settings(max_examples=80)  # pandas work per example: keep the suite fast
@given(CLOSED_ROWS, st.data(), st.sampled_from([0.0, 0.5, 1.0, 3.0]))
def test_naive_bayes_adding_won_example_never_lowers_score(
    rows: list[tuple[str | None, int, bool]], data: st.DataObject, alpha: float
) -> None:
    # A won example whose values were all seen; the deal with those values.
    x = data.draw(st.sampled_from([r[0] for r in rows]))
    y = data.draw(st.sampled_from([r[1] for r in rows]))
    deal = pd.DataFrame({"x": pd.Series([x], dtype=object), "y": [y]})
    before = NaiveBayesScorer.fit(as_frame(rows), ["x", "y"], alpha=alpha).score(deal).iloc[0]
    after_rows = [*rows, (x, y, True)]
    after = NaiveBayesScorer.fit(as_frame(after_rows), ["x", "y"], alpha=alpha).score(deal).iloc[0]
    if math.isnan(before):
        return
    assert after >= before - 1e-12


@settings(max_examples=80)  # pandas work per example: keep the suite fast
@given(CLOSED_ROWS, st.sampled_from([0.5, 1.0, 2.0]))
def test_naive_bayes_single_attribute_is_smoothed_won_rate(
    rows: list[tuple[str | None, int, bool]], alpha: float
) -> None:
    frame = as_frame(rows)
    values = sorted({r[1] for r in rows})
    deals = pd.DataFrame({"y": values})
    # alpha = 0: exactly the empirical won rate of the value
    exact = NaiveBayesScorer.fit(frame, "y", alpha=0.0).score(deals).tolist()
    for v, got in zip(values, exact, strict=True):
        won = sum(1 for r in rows if r[1] == v and r[2])
        seen = sum(1 for r in rows if r[1] == v)
        assert got == pytest.approx(won / seen)
    # alpha > 0: the won rate with the class-proportional Laplace pseudo-counts
    smoothed = NaiveBayesScorer.fit(frame, "y", alpha=alpha).score(deals).tolist()
    n_won = sum(1 for r in rows if r[2])
    n_lost = len(rows) - n_won
    k = len(values)
    a = Fraction(alpha)
    for v, got in zip(values, smoothed, strict=True):
        won = sum(1 for r in rows if r[1] == v and r[2])
        lost = sum(1 for r in rows if r[1] == v and not r[2])
        w = n_won * (won + a) / (n_won + a * k)
        lo = n_lost * (lost + a) / (n_lost + a * k)
        assert got == pytest.approx(float(w / (w + lo)))


@settings(max_examples=80)  # pandas work per example: keep the suite fast
@given(CLOSED_ROWS, st.integers(0, 25))
def test_attribute_counts_parts_add_up(rows: list[tuple[str | None, int, bool]], cut: int) -> None:
    frame = as_frame(rows)
    whole = attribute_counts(frame, ["x", "y"])
    parts = attribute_counts(frame.iloc[:cut], ["x", "y"]) + attribute_counts(
        frame.iloc[cut:], ["x", "y"]
    )
    assert parts == whole
    a = NaiveBayesScorer.from_counts(parts).score(frame).to_numpy()
    b = NaiveBayesScorer.from_counts(whole).score(frame).to_numpy()
    assert a.tolist() == pytest.approx(b.tolist())


def test_closed_outcomes_models_and_frame_agree() -> None:
    pipeline = three_stage_pipeline()
    deals = hand_deals()
    by_model = closed_outcomes(deals, pipeline)
    frame = to_frame(deals).set_index(pd.Index([f"r{i}" for i in range(6)]))
    by_frame = closed_outcomes(frame, pipeline)
    assert by_model["id"].tolist() == ["D1", "D2", "D3", "D5", "D6"]
    assert by_model["won"].tolist() == [True, False, False, False, True]
    assert by_frame.index.tolist() == ["r0", "r1", "r2", "r4", "r5"]
    assert by_frame["won"].tolist() == by_model["won"].tolist()
    assert "won" not in frame.columns
    a = NaiveBayesScorer.fit(by_model, ["owner_id", "currency"]).score(frame)
    b = NaiveBayesScorer.fit(by_frame, ["owner_id", "currency"]).score(frame)
    assert a.tolist() == b.tolist()
    assert closed_outcomes(deals, pipeline, outcome="closed_won")["closed_won"].sum() == 2


def test_closed_outcomes_rejects() -> None:
    pipeline = three_stage_pipeline()
    frame = to_frame(hand_deals())
    with pytest.raises(InvalidInputError, match="no 'stage' column"):
        closed_outcomes(frame.drop(columns="stage"), pipeline)
    with pytest.raises(InvalidInputError, match="already in"):
        closed_outcomes(frame, pipeline, outcome="owner_id")
    with pytest.raises(InvalidInputError, match="'Closed Won' is not in the pipeline"):
        closed_outcomes(frame.assign(stage="Closed Won"), pipeline)
