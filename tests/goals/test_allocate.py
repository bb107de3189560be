from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.goals._helpers import val

from salescore.calendar import Period, WorkCalendar
from salescore.errors import InvalidInputError
from salescore.goals import allocate, owner_weights
from salescore.models import Channel, Owner, OwnerKind, Rep, Target, Team
from salescore.testing import reps as rep_strategy

YEAR = Period.year(2026)


def team_target(value: str = "1000000", **kw: object) -> Target:
    fields: dict[str, object] = {
        "id": "EAST",
        "metric": "revenue",
        "value": value,
        "currency": "CNY",
        "period": YEAR,
        "owner": Owner(kind="team", id="east"),
    }
    fields.update(kw)
    return Target.model_validate(fields)


def test_even_allocation_to_reps_teams_and_channels():
    parts = allocate(
        team_target("100"), [Rep(id="R1", name="a"), Rep(id="R2", name="b"), Rep(id="R3", name="c")]
    )
    assert [val(p) for p in parts] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert [p.owner for p in parts] == [Owner(kind="rep", id=f"R{i}") for i in (1, 2, 3)]
    assert parts[0].id == "EAST/R1" and parts[0].parent_id == "EAST"
    teams = allocate(team_target("10"), [Team(id="t1", name="x"), Team(id="t2", name="y")])
    assert teams[1].owner == Owner(kind=OwnerKind.TEAM, id="t2")
    chans = allocate(
        team_target("10"), [Channel(id="web", name="Web", kind="direct", segment="B2B")]
    )
    assert chans[0].owner == Owner(kind=OwnerKind.CHANNEL, id="web")
    assert val(chans[0]) == Decimal("10.00")


def test_explicit_weights_are_relative():
    owners = [Owner(kind="rep", id="R1"), Owner(kind="rep", id="R2")]
    parts = allocate(team_target("90"), owners, method="weights", weights={"R1": 2, "R2": 1})
    assert [val(p) for p in parts] == [Decimal("60.00"), Decimal("30.00")]
    zero = allocate(team_target("90"), owners, method="weights", weights={"R1": 0, "R2": "0.5"})
    assert [val(p) for p in zero] == [Decimal("0.00"), Decimal("90.00")]


def test_history_shares_ignore_other_owners_and_give_newcomers_zero():
    history = pd.DataFrame(
        {"owner_id": ["R1", "R1", "R2", "R9"], "amount": [100.0, 200.0, 100.0, 5000.0]}
    )
    owners = [Owner(kind="rep", id=i) for i in ("R1", "R2", "R3")]
    parts = allocate(team_target("1000"), owners, method="history", history=history)
    assert [val(p) for p in parts] == [Decimal("750.00"), Decimal("250.00"), Decimal("0.00")]
    series = pd.Series({"R1": 1.0, "R2": 3.0})
    parts = allocate(team_target("1000"), owners, method="history", history=series)
    assert [val(p) for p in parts] == [Decimal("250.00"), Decimal("750.00"), Decimal("0.00")]


def test_capacity_counts_employment_capacity_and_ramp_by_hand():
    # Q1 2026 (90 days). R1 full year, half time: 0.5 * 90 = 45.
    # R2 hired 1 February with ramp (0.5,): February 28 days * 0.5 + March 31 = 45.
    # R3 leaves 15 January (inclusive): 15 days.
    # R4 hired 1 April: nothing in Q1.
    reps = [
        Rep(id="R1", name="a", capacity=0.5),
        Rep(id="R2", name="b", hire_date=date(2026, 2, 1), ramp=(0.5,)),
        Rep(id="R3", name="c", leave_date=date(2026, 1, 15)),
        Rep(id="R4", name="d", hire_date=date(2026, 4, 1)),
    ]
    q1 = Period.quarter(2026, 1)
    assert owner_weights(reps, "capacity", period=q1) == [45, 45, 15, 0]
    parts = allocate(team_target("1050", period=q1), reps, method="capacity")
    assert [val(p) for p in parts] == [
        Decimal("450.00"),
        Decimal("450.00"),
        Decimal("150.00"),
        Decimal("0.00"),
    ]


def test_capacity_with_working_days_and_month_end_hire():
    cal = WorkCalendar()
    # Hired Saturday 31 January with ramp (0,): the ramp month runs to 28 February
    # (clamped to the month's end) and pays nothing; 28 February is a Saturday, so
    # only March's 22 working days count.
    rep = Rep(id="R1", name="a", hire_date=date(2026, 1, 31), ramp=(0.0,))
    w = owner_weights([rep], "capacity", period=Period.quarter(2026, 1), work_calendar=cal)
    assert w == [Fraction(22)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "weights"}, "needs weights"),
        ({"method": "weights", "weights": {"R1": 1}}, r"missing \['R2'\]"),
        ({"method": "weights", "weights": {"R1": -1, "R2": 2}}, "negative"),
        ({"method": "weights", "weights": {"R1": 0, "R2": 0}}, "weight 0"),
        ({"method": "history"}, "needs history"),
        ({"method": "history", "history": pd.Series({"R9": 1.0})}, "weight 0"),
        ({"method": "history", "history": pd.Series({"R1": -1.0})}, "finite number >= 0"),
        ({"method": "history", "history": pd.Series({"R1": float("nan")})}, "finite"),
        ({"method": "history", "history": pd.DataFrame({"owner": ["R1"]})}, "lacks columns"),
        (
            {"method": "history", "history": pd.DataFrame({"owner_id": [None], "amount": [1.0]})},
            "has no owner_id",
        ),
        ({"method": "capacity"}, "needs Rep owners"),
        ({"method": "shares"}, "not one of"),
    ],
)
def test_owner_weight_errors(kwargs, message):
    owners = [Owner(kind="rep", id="R1"), Owner(kind="rep", id="R2")]
    with pytest.raises(InvalidInputError, match=message):
        allocate(team_target(), owners, **kwargs)


def test_owner_list_errors():
    with pytest.raises(InvalidInputError, match="no owners"):
        allocate(team_target(), [])
    with pytest.raises(InvalidInputError, match=r"\['R1'\] appear more than once"):
        allocate(team_target(), [Owner(kind="rep", id="R1"), Rep(id="R1", name="x")])
    with pytest.raises(InvalidInputError, match="company cannot be an owner"):
        allocate(team_target(), [Owner(kind="company")])
    with pytest.raises(InvalidInputError, match="is a str"):
        allocate(team_target(), ["R1"])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="needs the period"):
        owner_weights([Rep(id="R1", name="a")], "capacity")


def test_rates_are_not_split_and_counts_are_whole():
    owners = [Owner(kind="rep", id=i) for i in ("R1", "R2", "R3")]
    rate = Target(id="C", metric="conversion_rate", value="0.2", period=YEAR)
    assert [val(p) for p in allocate(rate, owners)] == [Decimal("0.2")] * 3
    count = Target(id="N", metric="new_customers", value=10, period=YEAR)
    assert [val(p) for p in allocate(count, owners)] == [4, 3, 3]


owner_ids = st.lists(
    st.text("ABCDEFGH", min_size=1, max_size=3), min_size=1, max_size=8, unique=True
)


@given(owner_ids, st.data(), st.integers(-(10**9), 10**9))
def test_allocation_sums_exactly_is_proportional_and_ignores_owner_order(ids, data, units):
    weights = data.draw(st.lists(st.integers(0, 50), min_size=len(ids), max_size=len(ids)))
    if not any(weights):
        weights[0] = 1
    target = team_target(str(Decimal(units).scaleb(-2)))
    owners = [Owner(kind="rep", id=i) for i in ids]
    mapping = dict(zip(ids, weights, strict=True))
    parts = allocate(target, owners, method="weights", weights=mapping)
    assert sum(val(p) for p in parts) == target.value
    total = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        exact = Fraction(target.value) * w / total
        assert abs(Fraction(val(part)) - exact) < Fraction(1, 100)
        if units >= 0:
            assert val(part) >= 0
    shuffled = data.draw(st.permutations(range(len(ids))))
    again = allocate(target, [owners[k] for k in shuffled], method="weights", weights=mapping)
    assert {str(p.owner): val(p) for p in again} == {str(p.owner): val(p) for p in parts}


@given(owner_ids, st.data(), st.integers(0, 10**7))
def test_more_weight_never_means_less_allocation(ids, data, units):
    weights = data.draw(st.lists(st.integers(0, 50), min_size=len(ids), max_size=len(ids)))
    weights[0] += 1
    i = data.draw(st.integers(0, len(ids) - 1))
    more = list(weights)
    more[i] += data.draw(st.integers(1, 30))
    owners = [Owner(kind="rep", id=x) for x in ids]
    target = team_target(str(Decimal(units).scaleb(-2)))
    low = allocate(target, owners, method="weights", weights=dict(zip(ids, weights, strict=True)))
    high = allocate(target, owners, method="weights", weights=dict(zip(ids, more, strict=True)))
    assert val(high[i]) >= val(low[i])


@given(st.lists(rep_strategy(), min_size=1, max_size=6, unique_by=lambda r: r.id))
def test_capacity_weights_are_bounded_by_the_days_of_the_period(reps):
    # A full-time anchor keeps the weights from being all zero.
    anchor = Rep(id="~anchor", name="full time")
    weights = owner_weights([*reps, anchor], "capacity", period=YEAR)
    assert weights[-1] == YEAR.days
    for rep, w in zip(reps, weights[:-1], strict=True):
        capacity = Fraction(str(rep.capacity))
        assert 0 <= w <= capacity * YEAR.days
        if rep.hire_date is None and rep.leave_date is None:
            assert w == capacity * YEAR.days
        if (rep.hire_date and rep.hire_date >= YEAR.end) or (
            rep.leave_date and rep.leave_date < YEAR.start
        ):
            assert w == 0
