from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given

from salescore.errors import InvalidInputError
from salescore.models import Channel, Organization, Rep, Team, check_team_tree
from salescore.testing import organizations


def test_organization_tree_queries():
    org = Organization(
        teams=(
            Team(id="sales", name="Sales"),
            Team(id="east", name="East", parent_id="sales"),
            Team(id="sh", name="Shanghai", parent_id="east"),
            Team(id="west", name="West", parent_id="sales"),
        ),
        reps=(
            Rep(id="M", name="Manager", team_id="east"),
            Rep(id="R1", name="Rep 1", team_id="sh", manager_id="M"),
            Rep(id="R2", name="Rep 2", team_id="west"),
        ),
    )
    assert org.ancestors("sh") == ("east", "sales")
    assert org.ancestors("sales") == ()
    assert org.subtree("sales") == ("sales", "east", "west", "sh")
    assert [r.id for r in org.reps_in("east")] == ["M", "R1"]
    assert [r.id for r in org.reps_in("east", recursive=False)] == ["M"]
    assert org.rep("R2").team_id == "west"
    with pytest.raises(InvalidInputError, match="team 'north' is not in the organisation"):
        org.team("north")
    with pytest.raises(InvalidInputError, match="rep 'R9' is not"):
        org.rep("R9")


def test_team_cycle_rejected():
    with pytest.raises(InvalidInputError, match="teams form a cycle: a -> b -> c -> a"):
        check_team_tree(
            [
                Team(id="a", name="A", parent_id="b"),
                Team(id="b", name="B", parent_id="c"),
                Team(id="c", name="C", parent_id="a"),
            ]
        )
    with pytest.raises(InvalidInputError, match="teams form a cycle: a -> a"):
        check_team_tree([Team(id="a", name="A", parent_id="a")])


def test_team_tree_bad_input():
    with pytest.raises(InvalidInputError, match="parent 'zz', which is not among"):
        check_team_tree([Team(id="a", name="A", parent_id="zz")])
    with pytest.raises(InvalidInputError, match="team id 'a' appears 2 times"):
        check_team_tree([Team(id="a", name="A"), Team(id="a", name="B")])
    with pytest.raises(InvalidInputError, match="unknown team 'x'"):
        Organization(teams=(Team(id="a", name="A"),), reps=(Rep(id="R", name="R", team_id="x"),))
    with pytest.raises(InvalidInputError, match="unknown manager 'B'"):
        Organization(reps=(Rep(id="R", name="R", manager_id="B"),))
    with pytest.raises(InvalidInputError, match="rep id 'R' appears 2 times"):
        Organization(reps=(Rep(id="R", name="R"), Rep(id="R", name="S")))


def test_rep_bad_input():
    with pytest.raises(InvalidInputError, match="leave_date 2025-01-01 is before hire_date"):
        Rep(id="R", name="R", hire_date=date(2026, 1, 1), leave_date=date(2025, 1, 1))
    with pytest.raises(InvalidInputError, match=r"ramp month 2 factor 1\.5 is outside"):
        Rep(id="R", name="R", ramp=(0.5, 1.5))
    with pytest.raises(InvalidInputError, match=r"capacity|outside"):
        Rep(id="R", name="R", capacity=2)
    with pytest.raises(InvalidInputError, match="own manager"):
        Rep(id="R", name="R", manager_id="R")


@given(organizations())
def test_organization_round_trip_and_tree(org):
    dumped = org.model_dump(mode="json")
    assert Organization.model_validate(dumped) == org
    for team in org.teams:
        chain = org.ancestors(team.id)
        assert team.id not in chain
        assert all(team.id in org.subtree(a) for a in chain)
    assert set(org.subtree("T0")) == {t.id for t in org.teams}


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_blank_names_are_rejected(name):
    with pytest.raises(InvalidInputError, match="is blank; a non-blank name is required"):
        Rep(id="R", name=name)
    with pytest.raises(InvalidInputError, match=r"Team\.name: name"):
        Team(id="T", name=name)
    with pytest.raises(InvalidInputError, match=r"Channel\.name: name"):
        Channel(id="c", name=name, kind="direct", segment="B2B")


def test_names_are_stripped():
    assert Rep(id="R", name="  Li Wei ").name == "Li Wei"
    with pytest.raises(InvalidInputError, match="must be a string"):
        Rep(id="R", name=7)
