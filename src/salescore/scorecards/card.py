"""The card: weighted KPIs with targets and curves, grades on the total."""

from __future__ import annotations

import functools
import itertools
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final, Literal, Self

from pydantic import Field, field_validator, model_validator

from salescore._base import FrozenModel
from salescore._numeric import (
    DECIMAL_CONTEXT,
    check_rounding,
)
from salescore.errors import InvalidInputError
from salescore.models._fields import Identifier, Number
from salescore.scorecards.curves import Curve, GateCurve, LinearCurve

__all__ = ["DEFAULT_GRADES", "Grade", "Scorecard", "ScorecardKpi"]


class ScorecardKpi(FrozenModel):
    """One KPI of a scorecard.

    Parameters
    ----------
    name : str
        The KPI's id, also its column in :func:`scores_frame`'s input
        (``revenue``, ``win_rate``); not ``rep_id``, not ending in ``_target``.
    label_en, label_zh : str, optional
        How the reasons name it in English and Chinese; default ``name``.
    weight : Decimal
        Share of the total [fraction], in [0, 1]; the card's weights sum to
        exactly 1.
    target : Decimal
        The value that is 100 % attainment [the KPI's unit], > 0, with at most
        ``places`` decimals. :func:`score` and :func:`scores_frame` may give
        a target per rep instead.
    direction : {"higher", "lower"}
        Whether a higher value is better (revenue) or a lower one (cycle time).
    curve : LinearCurve, BandCurve or GateCurve
        Attainment to points; default ``LinearCurve()`` (points proportional
        to attainment, no cap).
    places : int
        Decimal places values and targets are read to, half to even [count],
        0 to 9; default 4.
    """

    name: Identifier
    label_en: str | None = None
    label_zh: str | None = None
    weight: Number
    target: Number
    direction: Literal["higher", "lower"] = "higher"
    curve: Curve = Field(default_factory=LinearCurve)
    places: int = Field(default=4, ge=0, le=9)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.name == "rep_id" or self.name.endswith("_target"):
            raise InvalidInputError(
                f"KPI name {self.name!r} is reserved; not 'rep_id' nor ending in '_target'"
            )
        if not 0 <= self.weight <= 1:
            raise InvalidInputError(f"KPI {self.name!r} weight {self.weight} is outside [0, 1]")
        if self.target <= 0:
            raise InvalidInputError(f"KPI {self.name!r} target {self.target} must be > 0")
        quantum = Decimal(1).scaleb(-self.places, context=DECIMAL_CONTEXT)
        if self.target != self.target.quantize(quantum, context=DECIMAL_CONTEXT):
            raise InvalidInputError(
                f"KPI {self.name!r} target {self.target} has more than {self.places} decimal "
                "places; raise places or round the target"
            )
        return self

    @property
    def english(self) -> str:
        """The KPI's name in English reasons."""
        return self.label_en or self.name

    @property
    def chinese(self) -> str:
        """The KPI's name in Chinese reasons."""
        return self.label_zh or self.name


class Grade(FrozenModel):
    """A grade and the least total that earns it.

    Parameters
    ----------
    name : str
        ``"A"``, ``"优秀"``, ...
    min_points : Decimal
        The least total [points] with this grade, >= 0.
    """

    name: Identifier
    min_points: Number


#: A ≥ 90, B ≥ 75, C ≥ 60, D below, on the default 100-point scale.
DEFAULT_GRADES: Final = (
    Grade(name="A", min_points=Decimal(90)),
    Grade(name="B", min_points=Decimal(75)),
    Grade(name="C", min_points=Decimal(60)),
    Grade(name="D", min_points=Decimal(0)),
)


class Scorecard(FrozenModel):
    """A weighted performance scorecard: KPIs, grades and the points rules.

    Parameters
    ----------
    id : str
        The card's id.
    kpis : tuple of ScorecardKpi
        At least one, names unique, weights summing to exactly 1.
    grades : tuple of Grade
        Best first, ``min_points`` strictly decreasing, the last at 0 (every
        total has a grade); default :data:`DEFAULT_GRADES` (made for a
        100-point scale).
    scale : Decimal
        Points at full attainment [points], > 0; default 100. Linear curves
        reach it at attainment 1 and gates pay it unless they say otherwise.
    points_places : int
        Decimal places of points [count], 0 to 6; default 2.
    rounding : str
        A :mod:`decimal` rounding mode for points; default ``ROUND_HALF_EVEN``.

    Examples
    --------
    >>> card = Scorecard(id="AE-2026", kpis=[
    ...     ScorecardKpi(name="revenue", weight="0.6", target=1_000_000),
    ...     ScorecardKpi(name="visits", weight="0.4", target=40)])
    >>> card.kpi("visits").target
    Decimal('40')
    >>> Scorecard(id="bad", kpis=[ScorecardKpi(name="revenue", weight="0.7", target=1)])
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: Scorecard: weights sum to 0.7, not 1; ...
    """

    id: Identifier
    kpis: tuple[ScorecardKpi, ...] = Field(min_length=1)
    grades: tuple[Grade, ...] = DEFAULT_GRADES
    scale: Number = Decimal(100)
    points_places: int = Field(default=2, ge=0, le=6)
    rounding: str = ROUND_HALF_EVEN

    @field_validator("rounding")
    @classmethod
    def _rounding(cls, value: str) -> str:
        return check_rounding(value)

    @model_validator(mode="after")
    def _check(self) -> Self:
        names = [k.name for k in self.kpis]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise InvalidInputError(f"KPI names {repeated} repeat; each KPI once")
        total = functools.reduce(DECIMAL_CONTEXT.add, (k.weight for k in self.kpis), Decimal(0))
        if total != 1:
            shown = ", ".join(f"{k.name} {k.weight}" for k in self.kpis)
            raise InvalidInputError(f"weights sum to {total}, not 1; the weights given: {shown}")
        if self.scale <= 0:
            raise InvalidInputError(f"scale {self.scale} must be > 0 points")
        mins = [g.min_points for g in self.grades]
        grade_names = [g.name for g in self.grades]
        if (
            not mins
            or any(b >= a for a, b in itertools.pairwise(mins))
            or mins[-1] != 0
            or len(set(grade_names)) != len(grade_names)
        ):
            raise InvalidInputError(
                f"grades {[f'{g.name} >= {g.min_points}' for g in self.grades]} must be best "
                "first with distinct names, min_points strictly decreasing and the last at 0"
            )
        for k in self.kpis:
            if isinstance(k.curve, LinearCurve):
                k.curve.check_on(self.scale, k.name)
            gate = k.curve
            if isinstance(gate, GateCurve) and gate.cap_grade not in (None, *grade_names):
                raise InvalidInputError(
                    f"KPI {k.name!r} cap_grade {gate.cap_grade!r} is not a grade of the "
                    f"card; allowed: {grade_names}"
                )
        return self

    def kpi(self, name: str) -> ScorecardKpi:
        """The KPI called ``name``."""
        for k in self.kpis:
            if k.name == name:
                return k
        raise InvalidInputError(
            f"KPI {name!r} is not on card {self.id!r}; allowed: {[k.name for k in self.kpis]}"
        )
