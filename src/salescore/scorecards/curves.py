"""Scoring curves: how a KPI's attainment becomes points (linear, bands, a gate)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore.errors import InvalidInputError
from salescore.models._fields import Number
from salescore.scorecards._common import _ratio, _show

__all__ = ["Band", "BandCurve", "Curve", "GateCurve", "LinearCurve"]


class LinearCurve(FrozenModel):
    """Points linear in attainment, with a floor below a threshold and an optional cap.

    Below ``threshold`` the KPI earns ``floor`` points. From the threshold
    the points rise on a straight line from ``start`` (at the threshold) to
    ``full`` (at attainment 1) and go on at the same slope above 1, up to
    ``cap``. For example "0 below 60 %, linear to 100 at 100 %, capped at
    120" is ``LinearCurve(threshold="0.6", start=0, cap=120)`` on a 100-point
    card (60 % gives 0, 80 % gives 50, 100 % gives 100, 130 % gives 120);
    without ``start`` the line runs through the origin (80 % gives 80).

    Parameters
    ----------
    threshold : Decimal
        Attainment where the line starts [fraction], in [0, 1).
    floor : Decimal
        Points below the threshold [points], >= 0.
    start : Decimal, optional
        Points at the threshold [points]; default ``threshold × full``.
    full : Decimal, optional
        Points at attainment 1 [points]; default the card's ``scale``.
    cap : Decimal, optional
        The most points the KPI earns [points]; default no cap.

    Examples
    --------
    >>> LinearCurve(threshold="0.6", start=0, cap=120).bounds(Decimal(100))
    (Decimal('0'), Decimal('120'))
    """

    kind: Literal["linear"] = "linear"
    threshold: Number = Decimal(0)
    floor: Number = Decimal(0)
    start: Number | None = None
    full: Number | None = None
    cap: Number | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not 0 <= self.threshold < 1:
            raise InvalidInputError(f"threshold {self.threshold} is outside [0, 1)")
        if self.floor < 0:
            raise InvalidInputError(f"floor {self.floor} points is negative; points are >= 0")
        return self

    def resolved(self, scale: Decimal) -> tuple[Fraction, Fraction, Fraction]:
        """``(start, full, slope)`` on a card of ``scale`` points [points, points, points]."""
        full = _ratio(scale if self.full is None else self.full)
        th = _ratio(self.threshold)
        start = th * full if self.start is None else _ratio(self.start)
        return start, full, (full - start) / (1 - th)

    def check_on(self, scale: Decimal, name: str) -> None:
        """Raise unless the curve is non-decreasing with points >= 0 on a ``scale`` card."""
        start, full, _ = self.resolved(scale)
        if not _ratio(self.floor) <= start <= full:
            raise InvalidInputError(
                f"KPI {name!r} linear curve needs floor <= start <= full; got floor "
                f"{self.floor}, start {_show(start)}, full {_show(full)}"
            )
        if self.cap is not None and _ratio(self.cap) < start:
            raise InvalidInputError(
                f"KPI {name!r} cap {self.cap} is below the start of the line, {_show(start)}"
            )

    def bounds(self, scale: Decimal) -> tuple[Decimal, Decimal | None]:
        """The fewest and most points [points] (``None``: no cap)."""
        return self.floor, self.cap


class Band(FrozenModel):
    """One step of a :class:`BandCurve`: from attainment ``lower`` up, ``points``.

    Parameters
    ----------
    lower : Decimal
        Attainment where the band starts [fraction], >= 0.
    points : Decimal
        Points in the band [points], >= 0.
    """

    lower: Number
    points: Number

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.lower < 0 or self.points < 0:
            raise InvalidInputError(
                f"band from {self.lower} with {self.points} points: both must be >= 0"
            )
        return self


class BandCurve(FrozenModel):
    """A step table: the points of the highest band whose ``lower`` the attainment reaches.

    Parameters
    ----------
    bands : tuple of Band
        At least one, ``lower`` strictly increasing. Points need not rise
        (a curve that falls is allowed, but only a non-decreasing one makes
        the total monotone in the value).
    floor : Decimal
        Points below the first band [points], >= 0.

    Examples
    --------
    >>> c = BandCurve(bands=[Band(lower="0.8", points=60), Band(lower="1", points=100)])
    >>> c.bounds(Decimal(100))
    (Decimal('0'), Decimal('100'))
    """

    kind: Literal["bands"] = "bands"
    bands: tuple[Band, ...] = Field(min_length=1)
    floor: Number = Decimal(0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        lowers = [b.lower for b in self.bands]
        if any(b >= a for b, a in itertools.pairwise(lowers)):
            raise InvalidInputError(
                f"band lowers {[str(x) for x in lowers]} must be strictly increasing"
            )
        if self.floor < 0:
            raise InvalidInputError(f"floor {self.floor} points is negative; points are >= 0")
        return self

    def bounds(self, scale: Decimal) -> tuple[Decimal, Decimal | None]:
        """The fewest and most points [points]."""
        points = [self.floor, *(b.points for b in self.bands)]
        return min(points), max(points)


class GateCurve(FrozenModel):
    """A pass/fail gate: attainment >= ``pass_at`` passes.

    Parameters
    ----------
    pass_at : Decimal
        Attainment needed to pass [fraction], >= 0; default 1 (the target).
    points : Decimal, optional
        Points when passed [points], >= 0; default the card's ``scale``. A
        failed gate earns 0 points.
    on_fail : {"zero_total", "cap_grade"}
        What a failed gate does to the rep: zero the total (default) or cap
        the grade at ``cap_grade``.
    cap_grade : str, optional
        The best grade a rep who fails the gate can get; required with
        ``on_fail="cap_grade"``, refused otherwise. Must be a grade of the card.

    Examples
    --------
    >>> GateCurve(on_fail="cap_grade", cap_grade="C").bounds(Decimal(100))
    (Decimal('0'), Decimal('100'))
    """

    kind: Literal["gate"] = "gate"
    pass_at: Number = Decimal(1)
    points: Number | None = None
    on_fail: Literal["zero_total", "cap_grade"] = "zero_total"
    cap_grade: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.pass_at < 0:
            raise InvalidInputError(f"pass_at {self.pass_at} is negative; attainment is >= 0")
        if self.points is not None and self.points < 0:
            raise InvalidInputError(f"gate points {self.points} is negative; points are >= 0")
        if (self.on_fail == "cap_grade") != (self.cap_grade is not None):
            raise InvalidInputError(
                f"on_fail {self.on_fail!r} with cap_grade {self.cap_grade!r}: a cap_grade is "
                "needed with on_fail='cap_grade' and only then"
            )
        return self

    def passed_points(self, scale: Decimal) -> Decimal:
        """Points when passed [points]."""
        return scale if self.points is None else self.points

    def bounds(self, scale: Decimal) -> tuple[Decimal, Decimal | None]:
        """The fewest and most points [points]."""
        return Decimal(0), self.passed_points(scale)


Curve = Annotated[LinearCurve | BandCurve | GateCurve, Field(discriminator="kind")]
