from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salescore.activities import ActivityCounts, activity_counts
from salescore.errors import FrameValidationError, InvalidInputError
from salescore.models import Activity

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)

rows = st.lists(
    st.tuples(st.sampled_from(["r1", "r2", "r3"]), st.sampled_from(["visit", "call", "demo"])),
    max_size=30,
)


def _models(pairs):
    return [
        Activity(id=f"a{i}", rep_id=r, kind=k, occurred_at=T0 + timedelta(hours=i), account_id="C")
        for i, (r, k) in enumerate(pairs)
    ]


def _frame(pairs):
    return pd.DataFrame(
        {
            "id": [f"a{i}" for i in range(len(pairs))],
            "rep_id": [r for r, _ in pairs],
            "kind": [k for _, k in pairs],
            "occurred_at": pd.to_datetime([T0 + timedelta(hours=i) for i in range(len(pairs))]),
            "account_id": ["C"] * len(pairs),
        }
    )


@given(rows, st.integers(0, 30))
def test_activity_counts_partials_merge(pairs, cut):
    cut = min(cut, len(pairs))
    whole = activity_counts(_models(pairs))
    assert activity_counts(_models(pairs[:cut])) + activity_counts(_models(pairs[cut:])) == whole
    assert whole.total == len(pairs)


@given(rows)
def test_activity_counts_models_and_frame_agree(pairs):
    assert activity_counts(_models(pairs)) == activity_counts(_frame(pairs))


def test_activity_counts_hand_checked():
    pairs = [("r1", "visit"), ("r2", "call"), ("r1", "visit"), ("r1", "demo")]
    assert activity_counts(_frame(pairs)) == ActivityCounts(
        {("r1", "demo"): 1, ("r1", "visit"): 2, ("r2", "call"): 1}
    )


def test_activity_counts_bad_kind_reports_failure_table():
    df = _frame([("r1", "visit"), ("r1", "lunch")])
    with pytest.raises(FrameValidationError) as info:
        activity_counts(df)
    assert list(info.value.failures["column"]) == ["kind"]


def test_stale_accounts_hand_checked_models_and_frame():
    from salescore.activities import stale_accounts

    pairs = [("r1", "visit"), ("r1", "call"), ("r2", "demo")]
    models = [
        Activity(id="a0", rep_id="r1", kind="visit", occurred_at=T0, account_id="C1"),
        Activity(
            id="a1", rep_id="r1", kind="call", occurred_at=T0 + timedelta(days=10), account_id="C2"
        ),
        Activity(
            id="a2", rep_id="r2", kind="demo", occurred_at=T0 + timedelta(days=40), account_id="C3"
        ),
    ]
    frame = _frame(pairs)
    frame["account_id"] = ["C1", "C2", "C3"]
    frame["occurred_at"] = pd.to_datetime([m.occurred_at for m in models])
    as_of = T0 + timedelta(days=30, hours=1)
    # C1: 30 days, C2: 20 days, C3 is after as_of (ignored)
    for source in (models, frame):
        out = stale_accounts(source, as_of=as_of, days=20)
        assert list(out["account_id"]) == ["C1", "C2"]
        assert list(out["days_since"]) == [30, 20]
    assert list(stale_accounts(models, as_of=as_of, days=21)["account_id"]) == ["C1"]
    with pytest.raises(ValueError, match="naive"):
        stale_accounts(models, as_of=datetime(2026, 4, 1), days=1)
    with pytest.raises(ValueError, match="days"):
        stale_accounts(models, as_of=as_of, days=-1)


# --------------------------------------------------------------------------- plans and flags
def _act(i: int, rep: str, kind: str, at: datetime, deal: str | None = None) -> Activity:
    return Activity(
        id=f"x{i}", rep_id=rep, kind=kind, occurred_at=at, account_id="C1", opportunity_id=deal
    )


def test_activity_kpis_per_rep_plan_and_period_edges():
    from salescore.activities import activity_kpis
    from salescore.calendar import Period

    week = Period.iso_week(2026, 10)  # Monday 2 March to Sunday 8 March
    monday = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    acts = [
        _act(0, "li", "visit", monday),  # first instant of the week: in
        _act(1, "li", "visit", monday + timedelta(days=7) - timedelta(seconds=1)),  # last: in
        _act(2, "li", "visit", monday + timedelta(days=7)),  # next Monday: out
        _act(3, "li", "call", monday - timedelta(seconds=1)),  # the Sunday before: out
        _act(4, "wang", "demo", monday + timedelta(days=3)),  # no target for demos
    ]
    plan = {"li": {"visit": 3, "call": 0}, "wang": {"visit": 2}}
    out = activity_kpis(acts, plan, period=week)
    rows = {(r.rep_id, r.kind): (r.done, r.target, r.gap) for r in out.itertuples()}
    assert rows == {
        ("li", "call"): (0, 0, 0),
        ("li", "visit"): (2, 3, 1),
        ("wang", "demo"): (1, 0, 0),
        ("wang", "visit"): (0, 2, 2),
    }
    attainment = dict(zip(zip(out.rep_id, out.kind, strict=True), out.attainment, strict=True))
    assert attainment[("li", "visit")] == pytest.approx(2 / 3)
    assert np.isnan(attainment[("li", "call")])  # a target of 0 has no attainment
    assert np.isnan(attainment[("wang", "demo")])  # no target at all
    # A per-kind plan for named reps: a rep without activities still gets rows.
    named = activity_kpis(acts, {"visit": 2}, period=week, reps=["li", "zhao"])
    assert named[named.rep_id == "zhao"][["done", "target"]].values.tolist() == [[0, 2]]
    with pytest.raises(InvalidInputError, match="plan kind 'vist' of rep 'li'"):
        activity_kpis(acts, {"vist": 1}, period=week)
    with pytest.raises(InvalidInputError, match="must be a whole number >= 0"):
        activity_kpis(acts, {"visit": 1.5}, period=week)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="not a Period"):
        activity_kpis(acts, {"visit": 1}, period="W10")  # type: ignore[arg-type]


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["li", "wang"]),
            st.sampled_from(["visit", "call"]),
            st.integers(-3 * 86400, 10 * 86400),
        ),
        max_size=30,
    )
)
def test_activity_kpis_done_is_the_count_of_the_period(rows):
    from salescore.activities import activity_kpis
    from salescore.calendar import Period

    week = Period.iso_week(2026, 10)
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    acts = [_act(i, r, k, monday + timedelta(seconds=s)) for i, (r, k, s) in enumerate(rows)]
    inside = [a for a in acts if monday <= a.occurred_at < monday + timedelta(days=7)]
    out = activity_kpis(acts, {"visit": 1}, period=week)
    assert int(out["done"].sum()) == len(inside) == activity_counts(inside).total
    assert (out["gap"] == np.maximum(out["target"] - out["done"], 0)).all()
    frame_in = pd.DataFrame(
        {
            "id": [a.id for a in acts],
            "rep_id": [a.rep_id for a in acts],
            "kind": [a.kind.value for a in acts],
            "occurred_at": pd.to_datetime([a.occurred_at for a in acts], utc=True),
            "account_id": [a.account_id for a in acts],
        }
    )
    frame = activity_kpis(frame_in, {"visit": 1}, period=week)
    pd.testing.assert_frame_equal(frame, out)


def test_idle_open_deals_flags_deals_left_alone_since_they_moved():
    from salescore.activities import idle_open_deals
    from salescore.models import Opportunity, Pipeline, Stage, StageChange

    pipe = Pipeline(
        stages=(
            Stage(name="Q", order=0, probability=0.2),
            Stage(name="P", order=1, probability=0.5),
            Stage(name="Won", order=2, probability=1.0, kind="won"),
            Stage(name="Lost", order=3, probability=0.0, kind="lost"),
        )
    )
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)

    def deal(i: str, stage: str, moves: list[tuple[str, int]]) -> Opportunity:
        history, previous = [], None
        for to, day in moves:
            history.append(
                StageChange(
                    opportunity_id=i,
                    from_stage=previous,
                    to_stage=to,
                    changed_at=t0 + timedelta(days=day),
                )
            )
            previous = to
        return Opportunity(
            id=i,
            owner_id="li",
            amount=100,
            currency="CNY",
            stage=stage,
            created_on=t0.date(),
            history=tuple(history),
            close_date=(t0 + timedelta(days=4)).date() if stage == "Won" else None,
        )

    deals = [
        deal("A", "P", [("Q", 0), ("P", 5)]),  # worked on day 6: fine
        deal("B", "P", [("Q", 0), ("P", 5)]),  # worked on day 3, before it moved: idle
        deal("C", "Q", [("Q", 0)]),  # never worked on: idle
        deal("D", "Won", [("Q", 0), ("Won", 4)]),  # closed: not asked about
        deal("E", "Q", []),  # no history: changed when created (day 0, midnight)
        deal("F", "P", [("Q", 0), ("P", 5)]),  # worked after as_of only: idle
    ]
    acts = [
        _act(0, "li", "call", t0 + timedelta(days=6), "A"),
        _act(1, "li", "call", t0 + timedelta(days=3), "B"),
        _act(2, "li", "visit", t0 + timedelta(days=1), "E"),
        _act(3, "li", "visit", t0 + timedelta(days=30), "F"),
        _act(4, "li", "visit", t0 + timedelta(days=6)),  # no deal: not counted for any
    ]
    as_of = t0 + timedelta(days=10)
    idle = idle_open_deals(deals, pipe, acts, as_of=as_of)
    assert idle["opportunity_id"].tolist() == ["C", "B", "F"]
    assert idle["days_since_change"].tolist() == [10, 5, 5]
    assert idle["last_activity_at"].isna().tolist() == [True, False, True]
    with pytest.raises(InvalidInputError, match="is naive"):
        idle_open_deals(deals, pipe, acts, as_of=datetime(2026, 3, 12))


def test_activity_outcomes_by_kind_hand_checked():
    from salescore.activities import activity_outcomes
    from salescore.models import Opportunity, Pipeline, Stage, StageChange

    pipe = Pipeline(
        stages=(
            Stage(name="Q", order=0, probability=0.2),
            Stage(name="P", order=1, probability=0.5),
            Stage(name="Won", order=2, probability=1.0, kind="won"),
            Stage(name="Lost", order=3, probability=0.0, kind="lost"),
        )
    )
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)

    def deal(i: str, path: list[tuple[str, int]], closed: bool) -> Opportunity:
        history, previous = [], None
        for to, day in path:
            history.append(
                StageChange(
                    opportunity_id=i,
                    from_stage=previous,
                    to_stage=to,
                    changed_at=t0 + timedelta(days=day),
                )
            )
            previous = to
        return Opportunity(
            id=i,
            owner_id="li",
            amount=100,
            currency="CNY",
            stage=path[-1][0],
            created_on=t0.date(),
            close_date=(t0 + timedelta(days=path[-1][1])).date() if closed else None,
            history=tuple(history),
        )

    deals = [
        deal("A", [("Q", 0), ("P", 4), ("Won", 10)], True),  # 2 advances, a win
        deal("B", [("Q", 0), ("P", 3), ("Q", 5), ("Lost", 8)], True),  # 1 advance
        deal("C", [("Q", 0)], False),  # none
    ]
    acts = [
        _act(0, "li", "visit", t0 + timedelta(days=1), "A"),  # next change day 4: 3 days
        _act(1, "li", "call", t0 + timedelta(days=4), "A"),  # at a change: the next, day 10
        _act(2, "li", "visit", t0 + timedelta(days=2), "B"),  # next day 3: 1 day
        _act(3, "li", "visit", t0 + timedelta(days=1), "C"),  # C never moves again
        _act(4, "li", "call", t0 + timedelta(days=1), "Z"),  # not one of the deals
        _act(5, "li", "call", t0 + timedelta(days=1)),  # on no deal
    ]
    out = activity_outcomes(acts, deals, pipe).set_index("kind")
    assert out["activities"].to_dict() == {"call": 1, "visit": 3}
    assert set(out["advances"]) == {3} and set(out["wins"]) == {1}
    assert out.loc["visit", "per_advance"] == pytest.approx(1.0)
    assert out.loc["visit", "per_win"] == pytest.approx(3.0)
    assert out["followed"].to_dict() == {"call": 1, "visit": 2}
    assert out.loc["visit", "median_lag_days"] == pytest.approx(2.0)  # median of 3 and 1
    assert out.loc["call", "median_lag_days"] == pytest.approx(6.0)
    empty = activity_outcomes(acts[4:], deals, pipe)
    assert empty.empty and "median_lag_days" in empty.columns
