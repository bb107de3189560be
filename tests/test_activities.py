import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salescore.activities import ActivityCounts, activity_counts
from salescore.errors import FrameValidationError, InvalidInputError
from salescore.models import Activity, Opportunity

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


# --------------------------------------------------------------------------- partials, teams
WEEK10 = datetime(2026, 3, 2, tzinfo=UTC)


def _activity_frame(acts: list[Activity]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [a.id for a in acts],
            "rep_id": [a.rep_id for a in acts],
            "kind": [a.kind.value for a in acts],
            "occurred_at": pd.to_datetime([a.occurred_at for a in acts], utc=True),
            "account_id": [a.account_id for a in acts],
        }
    )


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["li", "wang", "zhao"]),
            st.sampled_from(["visit", "call", "demo"]),
            st.integers(-2 * 86400, 9 * 86400),
        ),
        max_size=40,
    ),
    st.lists(st.integers(0, 40), max_size=4),
)
def test_activity_kpis_partials_merge(rows, cuts):
    from salescore.activities import activity_kpis
    from salescore.calendar import Period

    week = Period.iso_week(2026, 10)
    acts = [_act(i, r, k, WEEK10 + timedelta(seconds=s)) for i, (r, k, s) in enumerate(rows)]
    edges = [0, *sorted(min(c, len(acts)) for c in cuts), len(acts)]
    chunks = [acts[a:b] for a, b in itertools.pairwise(edges)]
    plan = {"visit": 2, "call": 1}
    whole = activity_kpis(acts, plan, period=week)
    merged = sum((activity_counts(c, period=week) for c in chunks), ActivityCounts())
    assert merged == activity_counts(acts, period=week)
    pd.testing.assert_frame_equal(activity_kpis(merged, plan, period=week), whole)
    frames = [activity_counts(_activity_frame(c), period=week) for c in chunks if c]
    pd.testing.assert_frame_equal(
        activity_kpis(sum(frames, ActivityCounts()), plan, period=week), whole
    )


def test_activity_counts_sum_and_refusals():
    from salescore.calendar import Period

    a = ActivityCounts({("li", "visit"): 1})
    assert sum([a, a]) == ActivityCounts({("li", "visit"): 2})
    assert 0 + a == a
    with pytest.raises(TypeError):
        a + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        1 + a
    with pytest.raises(InvalidInputError, match="not a Period"):
        activity_counts([], period="W10")  # type: ignore[arg-type]
    assert activity_counts([], period=Period.iso_week(2026, 10)) == ActivityCounts()


def _org():
    from salescore.models import Organization, Rep, Team

    return Organization(
        teams=[Team(id="east", name="East"), Team(id="west", name="West")],
        reps=[
            Rep(id="li", name="Li", team_id="east"),
            Rep(id="zhao", name="Zhao", team_id="east"),
            Rep(id="wang", name="Wang", team_id="west"),
            Rep(id="ma", name="Ma"),
        ],
    )


def test_activity_kpis_by_team_hand_checked():
    from salescore.activities import activity_kpis
    from salescore.calendar import Period

    week = Period.iso_week(2026, 10)
    acts = [
        _act(0, "li", "visit", WEEK10),
        _act(1, "zhao", "visit", WEEK10 + timedelta(days=1)),
        _act(2, "zhao", "call", WEEK10 + timedelta(days=2)),
        _act(3, "wang", "visit", WEEK10 + timedelta(days=3)),
        _act(4, "wang", "visit", WEEK10 + timedelta(days=9)),  # next week
    ]
    plan = {"east": {"visit": 4, "call": 1}, "west": {"visit": 2}}
    out = activity_kpis(acts, plan, period=week, by="team", org=_org())
    assert list(out.columns[:2]) == ["team_id", "kind"]
    assert out[["team_id", "kind", "done", "target", "gap"]].values.tolist() == [
        ["east", "call", 1, 1, 0],
        ["east", "visit", 2, 4, 2],
        ["west", "visit", 1, 2, 1],
    ]
    assert out["attainment"].tolist() == [1.0, 0.5, 0.5]
    with pytest.raises(InvalidInputError, match="needs the org"):
        activity_kpis(acts, plan, period=week, by="team")
    with pytest.raises(InvalidInputError, match="by 'region'"):
        activity_kpis(acts, plan, period=week, by="region")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"reps \['qian'\] are not in the organisation"):
        activity_kpis([_act(9, "qian", "visit", WEEK10)], plan, period=week, by="team", org=_org())
    with pytest.raises(InvalidInputError, match=r"reps \['ma'\] have no team_id"):
        activity_kpis([_act(9, "ma", "visit", WEEK10)], plan, period=week, by="team", org=_org())
    with pytest.raises(InvalidInputError, match="is not an Organization"):
        ActivityCounts({("li", "visit"): 1}).by_team("east")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- activity plans
def _visits(value: int, period, owner=None, kind: str = "visit", tid: str = "V"):
    from salescore.models import Target

    return Target(
        id=tid,
        metric="units",
        value=value,
        period=period,
        owner=owner,
        scope={"activity_kind": kind},
    )


def test_activity_plan_hand_checked_days_weeks_and_months():
    from salescore.activities import activity_plan
    from salescore.calendar import Period

    q1 = _visits(90, Period.quarter(2026, 1))  # 90 days: one visit a day by days
    assert activity_plan([q1], Period.month(2026, 3), grain="day") == {"visit": 31}
    assert activity_plan([q1], Period.iso_week(2026, 10), grain="day") == {"visit": 7}
    # By month and days: Jan 4000*31/90 = 1377.78, Feb 1244.44, Mar 1377.78; the two
    # largest remainders (Jan, Mar) round up: 1378 + 1244 + 1378 = 4000.
    big = _visits(4000, Period.quarter(2026, 1))
    months = [
        activity_plan([big], Period.month(2026, m), time_weights="days")["visit"] for m in (1, 2, 3)
    ]
    assert months == [1378, 1244, 1378]
    # Even weights over the months: 4000 / 3 = 1333.33 each, the first takes the extra one.
    assert activity_plan([big], Period.month(2026, 1))["visit"] == 1334
    # A period made of several sub-periods sums them: the whole quarter by months.
    assert activity_plan([big], Period.quarter(2026, 1), grain="month") == {"visit": 4000}


@settings(max_examples=25)
@given(st.integers(0, 100_000), st.integers(1, 4))
def test_activity_plan_weeks_add_up_to_the_quarter(value, quarter):
    from salescore.activities import activity_plan
    from salescore.calendar import Period

    q = Period.quarter(2026, quarter)
    target = _visits(value, q)
    weeks = {Period.containing(d, "week") for d in (p.start for p in q.split("day"))}
    total = sum(activity_plan([target], w, grain="week")["visit"] for w in weeks)
    assert total == value


def test_activity_plan_across_owners_and_owned_targets():
    from salescore.activities import activity_kpis, activity_plan
    from salescore.calendar import Period
    from salescore.models import Owner

    q1 = Period.quarter(2026, 1)
    reps = [Owner(kind="rep", id="li"), Owner(kind="rep", id="wang")]
    team = [_visits(4000, q1), _visits(900, q1, kind="call", tid="C")]
    plan = activity_plan(
        team,
        Period.month(2026, 3),
        owners=reps,
        time_weights="days",
        owner_method="weights",
        owner_weights={"li": 3, "wang": 1},
    )
    # Visits: March is 1378 (as above); li has 3/4 of every month: 1033.5, wang 344.5,
    # and each row adds up to the owner's share of the quarter (3000, 1000).
    # Calls: 900 * 31/90 = 310 in March, li 232.5 and wang 77.5.
    assert plan["li"]["visit"] + plan["wang"]["visit"] == 1378
    assert plan["li"]["call"] + plan["wang"]["call"] == 310
    assert {plan["li"]["visit"], plan["li"]["call"]} <= {1033, 1034, 232, 233}
    rows = sum(
        activity_plan(
            team[:1],
            Period.month(2026, m),
            owners=reps,
            time_weights="days",
            owner_method="weights",
            owner_weights={"li": 3, "wang": 1},
        )["li"]["visit"]
        for m in (1, 2, 3)
    )
    assert rows == 3000
    # A period before the cells it holds: a day of March at month grain is refused.
    with pytest.raises(InvalidInputError, match="cuts sub-period 2026-03"):
        activity_plan(team, Period.iso_week(2026, 10), owners=reps, grain="month")
    # Targets owned by reps feed activity_kpis directly.
    owned = [
        _visits(12, Period.month(2026, 3), owner=reps[0]),
        _visits(8, Period.month(2026, 3), owner=reps[1], tid="V2"),
    ]
    assert activity_plan(owned, Period.month(2026, 3)) == {
        "li": {"visit": 12},
        "wang": {"visit": 8},
    }
    acts = [_act(0, "li", "visit", datetime(2026, 3, 9, tzinfo=UTC))]
    out = activity_kpis(acts, owned, period=Period.month(2026, 3))
    assert out[["rep_id", "done", "target"]].values.tolist() == [["li", 1, 12], ["wang", 0, 8]]


def test_activity_plan_refuses_bad_targets():
    from salescore.activities import activity_plan
    from salescore.calendar import Period
    from salescore.models import Owner, Target

    q1, march = Period.quarter(2026, 1), Period.month(2026, 3)
    li = Owner(kind="rep", id="li")
    with pytest.raises(InvalidInputError, match="not a Period"):
        activity_plan([], "2026-03")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="give Target"):
        activity_plan(["V"], march)  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="activity_kind 'lunch'"):
        activity_plan([_visits(1, q1, kind="lunch")], march)
    with pytest.raises(InvalidInputError, match="activity_kind None"):
        activity_plan([Target(id="V", metric="units", value=1, period=q1)], march)
    money = Target(
        id="M",
        metric="revenue",
        value=1,
        currency="CNY",
        period=q1,
        scope={"activity_kind": "visit"},
    )
    with pytest.raises(InvalidInputError, match="is a money target"):
        activity_plan([money], march)
    with pytest.raises(InvalidInputError, match="does not overlap"):
        activity_plan([_visits(1, Period.quarter(2026, 2))], march)
    with pytest.raises(InvalidInputError, match="cuts sub-period 2026-03"):
        activity_plan([_visits(1, q1)], Period.iso_week(2026, 10), grain="month")
    with pytest.raises(InvalidInputError, match="two targets for kind 'visit'"):
        activity_plan([_visits(1, q1), _visits(2, q1, tid="W")], march)
    with pytest.raises(InvalidInputError, match="two targets for 'li' and kind 'visit'"):
        activity_plan([_visits(1, q1, owner=li), _visits(2, q1, owner=li, tid="W")], march)
    with pytest.raises(InvalidInputError, match="mix owned ones"):
        activity_plan([_visits(1, q1, owner=li), _visits(2, q1, kind="call", tid="W")], march)
    # A period of the target's span holding no sub-period of it: every owner gets 0.
    assert activity_plan(
        [_visits(5, q1)], Period.quarter(2026, 1), owners=[li], grain="quarter"
    ) == {"li": {"visit": 5}}


# --------------------------------------------------------------------------- outcomes by group
def _outcome_deals():
    from salescore.models import Opportunity, Pipeline, Stage, StageChange

    pipe = Pipeline(
        stages=(
            Stage(name="Q", order=0, probability=0.2),
            Stage(name="P", order=1, probability=0.5),
            Stage(name="Won", order=2, probability=1.0, kind="won"),
            Stage(name="Lost", order=3, probability=0.0, kind="lost"),
        )
    )
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)  # Monday of ISO week 10

    def deal(i, owner, path, closed):
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
            owner_id=owner,
            amount=100,
            currency="CNY",
            stage=path[-1][0],
            created_on=t0.date(),
            close_date=(t0 + timedelta(days=path[-1][1])).date() if closed else None,
            history=tuple(history),
        )

    deals = [
        deal("A", "li", [("Q", 0), ("P", 4), ("Won", 10)], True),  # 2 advances (W10, W11), won W11
        deal("B", "wang", [("Q", 0), ("P", 3), ("Q", 5), ("Lost", 8)], True),  # 1 advance, W10
        deal("C", "li", [("Q", 0)], False),
    ]
    acts = [
        _act(0, "li", "visit", t0 + timedelta(days=1), "A"),  # next change day 4: 3 days
        _act(1, "li", "call", t0 + timedelta(days=4), "A"),  # the next after day 4: day 10, 6
        _act(2, "wang", "visit", t0 + timedelta(days=2), "B"),  # day 3: 1 day
        _act(3, "li", "visit", t0 + timedelta(days=1), "C"),  # never followed
    ]
    return pipe, deals, acts


def test_activity_outcomes_by_rep_team_and_period_hand_checked():
    from salescore.activities import activity_outcomes

    pipe, deals, acts = _outcome_deals()
    by_rep = activity_outcomes(acts, deals, pipe, by="rep_id").set_index("rep_id")
    # li: 3 activities; li's deals A and C moved forward twice and won once.
    counts = ["activities", "advances", "wins", "followed"]
    assert list(by_rep[counts].loc["li"]) == [3, 2, 1, 2]
    assert by_rep.loc["li", "per_advance"] == pytest.approx(1.5)
    assert by_rep.loc["li", "per_win"] == pytest.approx(3.0)
    assert by_rep.loc["li", "median_lag_days"] == pytest.approx(4.5)  # 3 and 6
    assert by_rep.loc["li", "mean_lag_days"] == pytest.approx(4.5)
    assert list(by_rep[counts].loc["wang"]) == [1, 1, 0, 1]
    assert np.isnan(by_rep["per_win"]["wang"])
    assert by_rep.loc["wang", "median_lag_days"] == pytest.approx(1.0)
    by_team = activity_outcomes(acts, deals, pipe, by="team_id", org=_org())
    assert by_team[["team_id", "activities", "advances", "wins"]].values.tolist() == [
        ["east", 3, 2, 1],
        ["west", 1, 1, 0],
    ]
    # By week: every activity is in W10, with the advances of W10 (A on day 4, B on day 3);
    # A's last advance and its win are in W11, a week without activities: no row.
    weekly = activity_outcomes(acts, deals, pipe, by=["kind", "period"], grain="week")
    assert list(weekly.columns[:2]) == ["period", "kind"]  # the fixed key order
    assert weekly[["period", "kind", "activities", "advances", "wins"]].values.tolist() == [
        ["2026-W10", "call", 1, 2, 0],
        ["2026-W10", "visit", 3, 2, 0],
    ]
    assert np.isnan(weekly["per_win"]).all()
    monthly = activity_outcomes(acts, deals, pipe, by="period")
    assert monthly[["period", "activities", "advances", "wins"]].values.tolist() == [
        ["2026-03", 4, 3, 1]
    ]
    # The sum over reps is the whole, whatever the grouping.
    by_rep_kind = activity_outcomes(acts, deals, pipe, by=["rep_id", "kind"])
    whole = activity_outcomes(acts, deals, pipe)
    assert by_rep_kind["activities"].sum() == whole["activities"].sum() == 4
    assert by_rep_kind["followed"].sum() == whole["followed"].sum() == 3


def test_activity_outcomes_refuses_bad_keys_and_handles_no_wins():
    from salescore.activities import activity_outcomes

    pipe, deals, acts = _outcome_deals()
    for by in ("region", [], ["kind", "kind"]):
        with pytest.raises(InvalidInputError, match="must name distinct keys"):
            activity_outcomes(acts, deals, pipe, by=by)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="needs the org"):
        activity_outcomes(acts, deals, pipe, by="team_id")
    open_only = [d for d in deals if d.id == "C"]
    out = activity_outcomes(acts, open_only, pipe, by="period", grain="week")
    assert out[["period", "activities", "advances", "wins", "followed"]].values.tolist() == [
        ["2026-W10", 1, 0, 0, 0]
    ]
    assert np.isnan(out["per_advance"]).all() and np.isnan(out["median_lag_days"]).all()
    empty = activity_outcomes([], deals, pipe, by=["rep_id", "kind"])
    assert empty.empty and list(empty.columns[:2]) == ["rep_id", "kind"]


def test_activity_outcomes_models_and_frame_agree():
    from salescore.activities import activity_outcomes, idle_open_deals

    pipe, deals, acts = _outcome_deals()
    frame = _activity_frame(acts)
    frame["opportunity_id"] = [a.opportunity_id for a in acts]
    for by in ("kind", ["rep_id", "period"]):
        pd.testing.assert_frame_equal(
            activity_outcomes(frame, deals, pipe, by=by),  # type: ignore[arg-type]
            activity_outcomes(acts, deals, pipe, by=by),  # type: ignore[arg-type]
        )
    # Without the optional opportunity_id column no activity is on a deal.
    assert activity_outcomes(_activity_frame(acts), deals, pipe).empty
    as_of = datetime(2026, 3, 20, tzinfo=UTC)
    pd.testing.assert_frame_equal(
        idle_open_deals(deals, pipe, frame, as_of=as_of),
        idle_open_deals(deals, pipe, acts, as_of=as_of),
    )


def _idle_reference(deals, pipe, acts, as_of):
    """Idle open deals computed deal by deal in plain Python (an independent reference)."""
    open_names = {s.name for s in pipe.open_stages}
    out = []
    for d in deals:
        if d.stage not in open_names:
            continue
        moves = [c.changed_at for c in d.history if c.changed_at <= as_of]
        last_change = (
            max(moves) if moves else datetime.combine(d.created_on, datetime.min.time(), UTC)
        )
        worked = [
            a.occurred_at for a in acts if a.opportunity_id == d.id and a.occurred_at <= as_of
        ]
        if not worked or max(worked) < last_change:
            out.append((last_change, d.id, (as_of - last_change).days))
    return [(i, days) for _, i, days in sorted(out)]


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(0, 30),
    picks=st.lists(st.tuples(st.integers(0, 29), st.integers(-400, 400)), max_size=40),
    hours=st.integers(0, 24 * 400),
)
def test_idle_open_deals_models_frame_and_reference_agree(seed, n, picks, hours):
    from salescore import datasets
    from salescore.activities import idle_open_deals
    from salescore.frames import history_frame, to_frame

    pipe = datasets.pipeline()
    deals = datasets.opportunities(n=n, seed=seed) if n else []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    acts = [
        Activity(
            id=f"a{k}",
            rep_id="R1",
            kind="call",
            occurred_at=start + timedelta(hours=abs(h) * 24 + k),
            account_id="C1",
            opportunity_id=deals[i % len(deals)].id if deals and h >= 0 else None,
        )
        for k, (i, h) in enumerate(picks)
    ]
    as_of = start + timedelta(hours=hours)
    idle = idle_open_deals(deals, pipe, acts, as_of=as_of)
    expected = _idle_reference(deals, pipe, acts, as_of)
    assert list(zip(idle["opportunity_id"], idle["days_since_change"], strict=True)) == expected
    frame_deals = to_frame(deals) if deals else to_frame(deals, model=Opportunity)
    same = idle_open_deals(
        frame_deals, pipe, _frame_of(acts), as_of=as_of, stage_changes=history_frame(deals)
    )
    pd.testing.assert_frame_equal(same, idle)


def _frame_of(acts):
    return pd.DataFrame(
        {
            "id": [a.id for a in acts],
            "rep_id": [a.rep_id for a in acts],
            "kind": [a.kind.value for a in acts],
            "occurred_at": pd.to_datetime([a.occurred_at for a in acts], utc=True),
            "account_id": [a.account_id for a in acts],
            "opportunity_id": pd.Series([a.opportunity_id for a in acts], dtype=object),
        }
    )


def test_idle_open_deals_refuses_what_it_cannot_read():
    from salescore import datasets
    from salescore.activities import idle_open_deals
    from salescore.errors import UnknownStageError
    from salescore.frames import history_frame, to_frame

    pipe = datasets.pipeline()
    deals = datasets.opportunities(n=6)
    as_of = datetime(2026, 12, 31, tzinfo=UTC)
    with pytest.raises(InvalidInputError, match="needs stage_changes="):
        idle_open_deals(to_frame(deals), pipe, [], as_of=as_of)
    with pytest.raises(InvalidInputError, match="models carry their histories"):
        idle_open_deals(deals, pipe, [], as_of=as_of, stage_changes=history_frame(deals))
    with pytest.raises(InvalidInputError, match="'2026-12-31' is not a datetime"):
        idle_open_deals(deals, pipe, [], as_of="2026-12-31")  # type: ignore[arg-type]
    bad = to_frame(deals).assign(stage="Demo")
    with pytest.raises(UnknownStageError, match="'Demo'"):
        idle_open_deals(bad, pipe, [], as_of=as_of, stage_changes=history_frame(deals))
    twice = pd.concat([to_frame(deals), to_frame(deals).head(1)], ignore_index=True)
    with pytest.raises(FrameValidationError, match="id"):
        idle_open_deals(twice, pipe, [], as_of=as_of, stage_changes=history_frame(deals))
