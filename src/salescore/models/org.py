"""Reps, teams and the organisation tree they form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Self

from pydantic import Field, field_validator, model_validator

from salescore._base import FrozenModel
from salescore._numeric import check_fraction
from salescore.errors import InvalidInputError
from salescore.models._fields import Fraction01, Identifier, Name, OptionalText
from salescore.models.opportunity import check_unique_ids

__all__ = ["Organization", "Rep", "Team", "check_team_tree"]


class Team(FrozenModel):
    """A sales team; ``parent_id`` places it in the team tree (``None`` at the top).

    Examples
    --------
    >>> Team(id="east", name="East", parent_id="sales").parent_id
    'sales'
    """

    id: Identifier
    name: Name
    parent_id: OptionalText = None


class Rep(FrozenModel):
    """A sales representative.

    Parameters
    ----------
    id, name : str
        Identifier and display name (surrounding blanks stripped; not blank).
    team_id, manager_id : str, optional
        The team they belong to and the rep who manages them.
    hire_date : date, optional
        First day employed.
    leave_date : date, optional
        Last day employed (inclusive); on or after ``hire_date``.
    capacity : float
        Share of full time they work [fraction], default 1.
    ramp : tuple of float
        Productivity by month of tenure while ramping [fraction]: ``ramp[0]``
        applies in the first month after hire, ``ramp[1]`` in the second, and 1
        after the schedule ends. Each in [0, 1].
    territory : str, optional
        Free-text territory name.

    Examples
    --------
    >>> from datetime import date
    >>> rep = Rep(id="R9", name="Li Na", hire_date=date(2026, 4, 1), ramp=(0.25, 0.5, 0.75))
    >>> rep.capacity, rep.ramp
    (1.0, (0.25, 0.5, 0.75))
    """

    id: Identifier
    name: Name
    team_id: OptionalText = None
    manager_id: OptionalText = None
    hire_date: date | None = None
    leave_date: date | None = None
    capacity: Fraction01 = 1.0
    ramp: tuple[float, ...] = Field(default=())
    territory: OptionalText = None

    @field_validator("ramp")
    @classmethod
    def _ramp(cls, ramp: tuple[float, ...]) -> tuple[float, ...]:
        return tuple(
            check_fraction(step, what=f"ramp month {i + 1} factor") for i, step in enumerate(ramp)
        )

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.hire_date and self.leave_date and self.leave_date < self.hire_date:
            raise InvalidInputError(
                f"rep {self.id!r} leave_date {self.leave_date} is before hire_date "
                f"{self.hire_date}; it must be on or after it"
            )
        if self.manager_id == self.id:
            raise InvalidInputError(f"rep {self.id!r} is their own manager")
        return self


def check_team_tree(teams: Iterable[Team]) -> dict[str, Team]:
    """Check that teams form a forest: unique ids, known parents, no cycles.

    Returns
    -------
    dict
        Teams by id.

    Examples
    --------
    >>> a = Team(id="a", name="A", parent_id="b")
    >>> b = Team(id="b", name="B", parent_id="a")
    >>> check_team_tree([a, b])
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: teams form a cycle: a -> b -> a; a team tree has none
    """
    team_list = list(teams)
    check_unique_ids(team_list, what="team")
    by_id = {team.id: team for team in team_list}
    for team in team_list:
        if team.parent_id is not None and team.parent_id not in by_id:
            raise InvalidInputError(
                f"team {team.id!r} has parent {team.parent_id!r}, "
                "which is not among the teams given"
            )
    done: set[str] = set()
    for team in team_list:
        path: list[str] = []
        node: str | None = team.id
        while node is not None and node not in done:
            if node in path:
                cycle = [*path[path.index(node) :], node]
                raise InvalidInputError(
                    f"teams form a cycle: {' -> '.join(cycle)}; a team tree has none"
                )
            path.append(node)
            node = by_id[node].parent_id
        done.update(path)
    return by_id


class Organization(FrozenModel):
    """A sales organisation: a team tree and the reps in it.

    Validates that teams form a forest without cycles, that ids are unique,
    and that every rep's team and manager exist.

    Examples
    --------
    >>> org = Organization(
    ...     teams=[Team(id="sales", name="Sales"), Team(id="east", name="East", parent_id="sales")],
    ...     reps=[Rep(id="R1", name="Wang Fang", team_id="east")],
    ... )
    >>> org.ancestors("east"), org.subtree("sales"), [r.id for r in org.reps_in("sales")]
    (('sales',), ('sales', 'east'), ['R1'])
    """

    teams: tuple[Team, ...] = ()
    reps: tuple[Rep, ...] = ()

    @model_validator(mode="after")
    def _tree(self) -> Self:
        teams = check_team_tree(self.teams)
        check_unique_ids(self.reps, what="rep")
        rep_ids = {rep.id for rep in self.reps}
        for rep in self.reps:
            if rep.team_id is not None and rep.team_id not in teams:
                raise InvalidInputError(f"rep {rep.id!r} is in unknown team {rep.team_id!r}")
            if rep.manager_id is not None and rep.manager_id not in rep_ids:
                raise InvalidInputError(
                    f"rep {rep.id!r} has unknown manager {rep.manager_id!r}; "
                    "managers must be among the reps"
                )
        return self

    @property
    def teams_by_id(self) -> Mapping[str, Team]:
        """Teams keyed by id."""
        return {team.id: team for team in self.teams}

    def team(self, team_id: str) -> Team:
        """The team with ``team_id``, or :class:`InvalidInputError`."""
        found = self.teams_by_id.get(team_id)
        if found is None:
            raise InvalidInputError(f"team {team_id!r} is not in the organisation")
        return found

    def rep(self, rep_id: str) -> Rep:
        """The rep with ``rep_id``, or :class:`InvalidInputError`."""
        for rep in self.reps:
            if rep.id == rep_id:
                return rep
        raise InvalidInputError(f"rep {rep_id!r} is not in the organisation")

    def ancestors(self, team_id: str) -> tuple[str, ...]:
        """Ids of the teams above ``team_id``, nearest first."""
        by_id = self.teams_by_id
        out: list[str] = []
        parent = self.team(team_id).parent_id
        while parent is not None:
            out.append(parent)
            parent = by_id[parent].parent_id
        return tuple(out)

    def subtree(self, team_id: str) -> tuple[str, ...]:
        """``team_id`` and every team below it, parents before children."""
        self.team(team_id)
        out = [team_id]
        for current in out:  # grows while iterating: a breadth-first walk
            out.extend(t.id for t in self.teams if t.parent_id == current)
        return tuple(out)

    def reps_in(self, team_id: str, *, recursive: bool = True) -> tuple[Rep, ...]:
        """Reps of ``team_id`` (and of the teams below it when ``recursive``)."""
        teams = set(self.subtree(team_id)) if recursive else {self.team(team_id).id}
        return tuple(rep for rep in self.reps if rep.team_id in teams)
