"""Performance scorecards (绩效考核): weighted KPIs, scoring curves, a total, a grade and a rank.

A manager evaluates a rep on several KPIs at once. A :class:`Scorecard` is
that evaluation as data: each :class:`ScorecardKpi` has a weight, a target,
a direction (higher or lower is better) and a scoring curve that turns the
attainment into points; the weighted points add up to the rep's total, and
the total's grade comes from thresholds on the card.

Attainment [fraction] is ``value ÷ target`` when higher is better and
``target ÷ value`` when lower is better (a cost, a cycle time, a discount
rate). A lower-is-better value of 0 beats any target: its attainment is
infinite (``None`` on a line, NaN in a table) and it earns the curve's top
points (the cap of a linear curve, the top band, a passed gate); under a
linear curve without a cap it cannot be scored (an error, reason
``zero_value``). Targets are > 0.

The curves (:class:`LinearCurve`, :class:`BandCurve`, :class:`GateCurve`)
are data too, so a card round-trips through JSON and can be stored beside
the period it scored.

Exactness and rounding. A KPI value is read to ``places`` decimal places of
its KPI (half to even; floats through their shortest repr). From there every
step is exact: the single path (:func:`score`) computes in
:class:`~fractions.Fraction`, the bulk path (:func:`scores_frame`) in
integers (int64, or Python ints when a product could leave int64), and they
agree exactly. Rounding happens at two documented places, with the card's
``rounding`` (default ``ROUND_HALF_EVEN``) to ``points_places`` decimals
(default 0.01 points): a KPI's points, then its weighted points
(``weight × points`` as shown). The total is the exact sum of the weighted
points shown, so a reader can add the lines up.

Gates. A :class:`GateCurve` KPI is pass/fail. When it fails it either
zeroes the total (``on_fail="zero_total"``, the default: the lines keep
their points, ``subtotal`` keeps their sum, ``total`` is 0) or caps the
grade (``on_fail="cap_grade"``: the total stands, the grade is at best
``cap_grade``). A gate may carry a weight (its points count when passed) or
weight 0 (a pure gate).

Ranking. :func:`scores_frame` ranks a team by total with a dense rank: the
highest total is rank 1, equal totals share a rank and the next lower total
takes the next integer (totals 90, 90, 80 rank 1, 1, 2). Ties are listed in
the order of the input rows.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from itertools import repeat
from typing import Annotated, Any, Final, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field, field_validator, model_validator

from salescore._base import FrozenModel
from salescore._failures import Failures
from salescore._numeric import (
    DECIMAL_CONTEXT,
    check_rounding,
    exact_decimals,
    floats_to_minor_units,
    round_div,
    round_fraction,
    to_decimal,
)
from salescore.error_codes import FailureReason
from salescore.errors import InvalidInputError
from salescore.models._fields import Identifier, Number
from salescore.serialization import Result

__all__ = [
    "DEFAULT_GRADES",
    "ERROR_COLUMNS",
    "Band",
    "BandCurve",
    "GateCurve",
    "Grade",
    "LinearCurve",
    "Outcome",
    "ScoreLine",
    "ScoreResult",
    "Scorecard",
    "ScorecardKpi",
    "ScoresFrames",
    "kpi_values",
    "score",
    "scores_frame",
]

IntArray = npt.NDArray[Any]  # int64, or object (Python ints) when int64 could overflow

#: How a KPI's points came about: a stable code on every line.
Outcome = Literal["floor", "line", "capped", "band", "below_bands", "passed", "failed"]

#: The columns of :attr:`ScoresFrames.errors`.
ERROR_COLUMNS: Final = ("row", "rep_id", "column", "value", "reason")

# int64 products stay below this; above it the kernel works in Python ints.
_LIMIT: Final = 2**62


def _ratio(value: Decimal) -> Fraction:
    return Fraction(value)


# --------------------------------------------------------------------------- curves
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


# --------------------------------------------------------------------------- the card
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


# --------------------------------------------------------------------------- results
class ScoreLine(FrozenModel):
    """One KPI of one rep's score, explained.

    Parameters
    ----------
    kpi : str
        The KPI's name.
    direction : {"higher", "lower"}
        Its direction.
    value : Decimal
        The value scored, read to the KPI's ``places`` [the KPI's unit].
    target : Decimal
        The target it was measured against [the KPI's unit].
    attainment : float or None
        ``value ÷ target`` (higher is better) or ``target ÷ value`` (lower)
        [fraction]; ``None`` when a lower-is-better value is 0 (infinite).
    outcome : str
        One of :data:`Outcome`: ``floor`` (below a linear threshold),
        ``line``, ``capped``, ``band``, ``below_bands``, ``passed``, ``failed``.
    points : Decimal
        Points earned, rounded to the card's ``points_places`` [points].
    weight : Decimal
        The KPI's weight [fraction].
    weighted_points : Decimal
        ``weight × points``, rounded the same way [points].
    reason_en, reason_zh : str
        The line explained in English and Simplified Chinese.
    """

    kpi: str
    direction: Literal["higher", "lower"]
    value: Decimal
    target: Decimal
    attainment: float | None
    outcome: Outcome
    points: Decimal
    weight: Decimal
    weighted_points: Decimal
    reason_en: str
    reason_zh: str


class ScoreResult(FrozenModel):
    """One rep's scorecard: a line per KPI, the total, the grade and the gates.

    Parameters
    ----------
    card_id : str
        The scorecard's id.
    rep_id : str
        The rep scored.
    lines : tuple of ScoreLine
        One per KPI, in the card's order.
    subtotal : Decimal
        The sum of the lines' ``weighted_points`` [points], exact.
    total : Decimal
        ``subtotal``, or 0 when a ``zero_total`` gate failed [points].
    grade : str
        The grade of ``total``, capped by any failed ``cap_grade`` gate.
    gates_passed : bool
        Whether every gate KPI passed (True on a card without gates).
    failed_gates : tuple of str
        The gate KPIs failed, in the card's order.
    reason_en, reason_zh : str
        The total and grade explained.
    """

    card_id: str
    rep_id: str
    lines: tuple[ScoreLine, ...]
    subtotal: Decimal
    total: Decimal
    grade: str
    gates_passed: bool
    failed_gates: tuple[str, ...]
    reason_en: str
    reason_zh: str


@dataclass(frozen=True)
class ScoresFrames(Result):
    """Result of :func:`scores_frame`.

    Attributes
    ----------
    lines : pandas.DataFrame
        One row per scored rep and KPI (reps in input order, KPIs in card
        order): ``row`` (the input's index label), ``rep_id``, ``kpi``,
        ``value``, ``target`` (``Decimal``), ``attainment`` (float [fraction],
        NaN when infinite), ``outcome``, ``points``, ``weight``,
        ``weighted_points`` (``Decimal`` [points]), ``reason_en`` and
        ``reason_zh``: the fields of :class:`ScoreLine`.
    totals : pandas.DataFrame
        One row per scored rep, indexed by the input's labels: ``rep_id``,
        ``subtotal``, ``total`` (``Decimal`` [points]), ``total_units``
        (``total`` in units of ``10**-points_places`` points, int),
        ``grade``, ``rank`` (dense, 1 = best), ``gates_passed`` (bool),
        ``failed_gates`` (names joined by ``", "``, empty when none),
        ``reason_en`` and ``reason_zh``.
    errors : pandas.DataFrame
        The rows that could not be scored, one row per problem (a row may
        have several): :data:`ERROR_COLUMNS` ``row``, ``rep_id``, ``column``,
        ``value`` (as given, as text), ``reason``: ``blank_rep``,
        ``duplicate_rep`` (every row of a rep given twice), ``unknown_rep``
        (not among ``reps``), ``missing_value`` (missing or NaN),
        ``not_number``, ``not_finite``, ``negative``, ``too_large`` (beyond
        exact reading at the KPI's places), ``zero_value`` (a
        lower-is-better 0 under a linear curve without cap), ``bad_target``
        (a per-rep target missing, not a number or not > 0 at the KPI's places).
        Rows in = rows in ``totals`` + distinct rows in ``errors``.
    """

    lines: pd.DataFrame
    totals: pd.DataFrame
    errors: pd.DataFrame


# --------------------------------------------------------------------------- text
def _one(units: int, places: int, strip: bool) -> str:
    """One integer in units of ``10**-places`` as decimal text."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**places)
    if places == 0:
        return f"{sign}{whole}"
    digits = f"{frac:0{places}d}"
    if strip:
        digits = digits.rstrip("0")
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def _show(value: Fraction | Decimal) -> str:
    """A constant as plain decimal text, trailing zeros dropped (to 6 places)."""
    return _one(round_fraction(Fraction(value) * 10**6), 6, strip=True)


def _fixed(units: IntArray, places: int, *, strip: bool) -> npt.NDArray[np.object_]:
    """Integers in units of ``10**-places`` as decimal text, each distinct value formatted once.

    With ``strip``, trailing zeros of the fraction (and a bare point) are dropped.
    """
    arr = np.asarray(units).reshape(-1)
    if arr.size == 0:
        return np.empty(0, dtype=object)
    uniques, inverse = np.unique(arr, return_inverse=True)
    texts = np.array([_one(int(u), places, strip) for u in uniques.tolist()], dtype=object)
    return texts[inverse.reshape(-1)]


_OUTCOME_EN: Final = {
    "floor": "below the {th} % threshold: {pts} points",
    "line": "{pts} points on the line",
    "capped": "capped at {pts} points",
    "band": "in the band from {band} %: {pts} points",
    "below_bands": "below the lowest band ({band} %): {pts} points",
    "passed": "passes the {gate} % gate: {pts} points",
    "failed": "fails the {gate} % gate: {pts} points",
}
_OUTCOME_ZH: Final = {
    "floor": "低于 {th}% 门槛，得 {pts} 分",
    "line": "按线性计 {pts} 分",
    "capped": "封顶 {pts} 分",
    "band": "落在 {band}% 档，得 {pts} 分",
    "below_bands": "低于最低档 {band}%，得 {pts} 分",
    "passed": "达到 {gate}% 门槛，得 {pts} 分",
    "failed": "未达 {gate}% 门槛，得 {pts} 分",
}
_FAIL_EN: Final = {"zero_total": ", total zeroed", "cap_grade": ", grade at best {cap}"}
_FAIL_ZH: Final = {"zero_total": "，总分清零", "cap_grade": "，等级最高为 {cap}"}
_LINE_EN: Final = "{en} {value} of {target} target: {att}, {outcome}; weight {w} % gives {wpts}"
_LINE_ZH: Final = "{zh} {value}，目标 {target}：{att}，{outcome}；权重 {w}% 得 {wpts} 分"


def _render(template: str, fields: Mapping[str, Any], n: int) -> list[str]:
    """Fill ``template``'s ``{name}`` fields for ``n`` rows.

    A field is a str (the same on every row, baked into the pattern) or an
    object array of str, one per row; each row is one ``%`` format.
    """
    pattern: list[str] = []
    columns: list[list[Any]] = []
    rest = template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        pattern.append(head.replace("%", "%%"))
        value = fields[name]
        if isinstance(value, str):
            pattern.append(value.replace("%", "%%"))
        else:
            pattern.append("%s")
            columns.append(np.asarray(value, dtype=object).tolist())
    pattern.append(rest.replace("%", "%%"))
    fmt = "".join(pattern)
    if not columns:
        return [fmt % ()] * n
    return [fmt % row for row in zip(*columns, strict=True)]


def _kpi_texts(
    card: Scorecard,
    kpi: ScorecardKpi,
    outcome: npt.NDArray[np.int64],
    band: npt.NDArray[np.int64],
    value: IntArray,
    target: IntArray,
    permille: IntArray,
    infinite: npt.NDArray[np.bool_],
    points: IntArray,
    weighted: IntArray,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """The reasons of one KPI's lines, in English and Chinese, over many reps."""
    n = len(outcome)
    pl = card.points_places
    fields: dict[str, Any] = {
        "value": _fixed(value, kpi.places, strip=True),
        "target": _fixed(target, kpi.places, strip=True),
        "pts": _fixed(points, pl, strip=False),
        "wpts": _fixed(weighted, pl, strip=False),
        "w": _show(kpi.weight * 100),
        "en": kpi.english,
        "zh": kpi.chinese,
    }
    curve = kpi.curve
    if isinstance(curve, LinearCurve):
        fields["th"] = _show(curve.threshold * 100)
    if isinstance(curve, BandCurve):
        lowers = np.array([_show(b.lower * 100) for b in curve.bands], dtype=object)
        fields["band"] = lowers[np.clip(band, 0, len(lowers) - 1)]
    if isinstance(curve, GateCurve):
        fields["gate"] = _show(curve.pass_at * 100)
        fields["cap"] = curve.cap_grade or ""
    pct = _fixed(np.where(infinite, 0, permille), 1, strip=False)
    en = np.empty(n, dtype=object)
    zh = np.empty(n, dtype=object)
    lower = kpi.direction == "lower"
    for code, name in enumerate(_OUTCOMES):
        chosen = outcome == code
        if not chosen.any():
            continue
        m = int(chosen.sum())
        tail_en, tail_zh = _OUTCOME_EN[name], _OUTCOME_ZH[name]
        if name == "failed":
            assert isinstance(curve, GateCurve)
            tail_en += _FAIL_EN[curve.on_fail]
            tail_zh += _FAIL_ZH[curve.on_fail]
        for infinite_rows in (False, True):
            rows = chosen & (infinite == infinite_rows)
            if not rows.any():
                continue
            sub = {k: (v[rows] if isinstance(v, np.ndarray) else v) for k, v in fields.items()}
            m = int(rows.sum())
            if infinite_rows:
                att_en = "no attainment to measure (a value of 0 beats any target)"
                att_zh = "实际为 0，优于任何目标"
            else:
                att_en = "attainment {pct} %" + (" (target ÷ value)" if lower else "")
                att_zh = "达成率 {pct}%" + ("（目标÷实际）" if lower else "")
            sub["pct"] = pct[rows]
            line_en = _LINE_EN.replace("{att}", att_en).replace("{outcome}", tail_en)
            line_zh = _LINE_ZH.replace("{att}", att_zh).replace("{outcome}", tail_zh)
            en[rows] = _render(line_en, sub, m)
            zh[rows] = _render(line_zh, sub, m)
    return en, zh


_OUTCOMES: Final[tuple[Outcome, ...]] = (
    "floor",
    "line",
    "capped",
    "band",
    "below_bands",
    "passed",
    "failed",
)


def _total_texts(
    card: Scorecard,
    subtotal: IntArray,
    total: IntArray,
    grade: npt.NDArray[np.int64],
    failed: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """The reasons of the totals: the sum, any failed gates, the total and its grade."""
    m = len(grade)
    pl = card.points_places
    fields: dict[str, Any] = {
        "grade": np.array([g.name for g in card.grades], dtype=object)[grade],
        "sub": _fixed(subtotal, pl, strip=False),
        "tot": _fixed(total, pl, strip=False),
    }
    gates_en = np.full(m, "", dtype=object)
    gates_zh = np.full(m, "", dtype=object)
    gates = [k for k in card.kpis if isinstance(k.curve, GateCurve)]
    for i, k in enumerate(gates):
        assert isinstance(k.curve, GateCurve)
        hit = failed[:, i]
        if not hit.any():
            continue
        if k.curve.on_fail == "zero_total":
            en, zh = (
                f"; gate {k.english!r} failed, so the total is 0",
                f"；未通过 {k.chinese} 门槛，总分为 0",
            )
        else:
            cap = k.curve.cap_grade
            en = f"; gate {k.english!r} failed, grade at best {cap}"
            zh = f"；未通过 {k.chinese} 门槛，等级最高为 {cap}"
        gates_en[hit] = gates_en[hit] + en
        gates_zh[hit] = gates_zh[hit] + zh
    fields["gates_en"], fields["gates_zh"] = gates_en, gates_zh
    texts_en = _render(
        "weighted points add up to {sub}{gates_en}; total {tot} points, grade {grade}", fields, m
    )
    texts_zh = _render("加权得分合计 {sub}{gates_zh}；总分 {tot} 分，等级 {grade}", fields, m)
    return np.array(texts_en, dtype=object), np.array(texts_zh, dtype=object)


# --------------------------------------------------------------------------- single path
def _units_of(value: object, places: int, what: str) -> int:
    """``value`` in units of ``10**-places``, half to even (floats via shortest repr)."""
    d = to_decimal(value, what=what)
    scaled = DECIMAL_CONTEXT.scaleb(d, places)
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_EVEN, context=DECIMAL_CONTEXT))


def _exact_points(
    card: Scorecard, kpi: ScorecardKpi, attainment: Fraction | None
) -> tuple[Fraction, Outcome, int]:
    """Exact points, the outcome and the band index (-1 when none) of one attainment."""
    curve = kpi.curve
    if isinstance(curve, LinearCurve):
        start, _, slope = curve.resolved(card.scale)
        th = _ratio(curve.threshold)
        cap = None if curve.cap is None else _ratio(curve.cap)
        if attainment is None:
            if cap is None:
                raise InvalidInputError(
                    f"KPI {kpi.name!r} value 0 (lower is better) has infinite attainment and "
                    "its linear curve has no cap; give the curve a cap or a positive value"
                )
            return cap, "capped", -1
        if attainment < th:
            return _ratio(curve.floor), "floor", -1
        line = start + (attainment - th) * slope
        if cap is not None and line > cap:
            return cap, "capped", -1
        return line, "line", -1
    if isinstance(curve, BandCurve):
        reached = [
            i
            for i, b in enumerate(curve.bands)
            if attainment is None or attainment >= _ratio(b.lower)
        ]
        if not reached:
            return _ratio(curve.floor), "below_bands", 0
        i = reached[-1]
        return _ratio(curve.bands[i].points), "band", i
    if attainment is None or attainment >= _ratio(curve.pass_at):
        return _ratio(curve.passed_points(card.scale)), "passed", -1
    return Fraction(0), "failed", -1


def _grade_index(card: Scorecard, total_units: int, caps: Sequence[int]) -> int:
    quantum = Fraction(1, 10**card.points_places)
    total = total_units * quantum
    grade = next(i for i, g in enumerate(card.grades) if total >= _ratio(g.min_points))
    return max([grade, *caps])


@exact_decimals
def score(
    card: Scorecard,
    values: Mapping[str, object],
    *,
    rep_id: str,
    targets: Mapping[str, object] | None = None,
) -> ScoreResult:
    """Score one rep on a scorecard.

    Parameters
    ----------
    card : Scorecard
        The scorecard.
    values : mapping of str to number
        One value per KPI of the card, by name [the KPI's unit], finite and
        >= 0 (Decimal, int, float through its shortest repr, or numeric text).
    rep_id : str
        The rep scored.
    targets : mapping of str to number, optional
        Targets of this rep that replace the card's (a per-rep quota), by
        KPI name; each > 0 at the KPI's places.

    Returns
    -------
    ScoreResult
        A line per KPI with its reasons, the subtotal, total, grade and gates.

    Raises
    ------
    InvalidInputError
        A KPI value is missing, not a number, not finite or negative; a name
        is not on the card; a per-rep target is not > 0; a lower-is-better 0
        meets a linear curve without cap.

    Examples
    --------
    Revenue 1.2 M against 1.0 M is 120 % attainment, capped at 110 points;
    with weight 40 % that gives 44 weighted points:

    >>> card = Scorecard(id="AE", kpis=[
    ...     ScorecardKpi(name="revenue", label_zh="销售额", weight="0.4", target=1_000_000,
    ...                  curve=LinearCurve(threshold="0.6", cap=110)),
    ...     ScorecardKpi(name="visits", label_zh="拜访", weight="0.6", target=40)])
    >>> result = score(card, {"revenue": 1_200_000, "visits": 36}, rep_id="li")
    >>> print(result.lines[0].reason_en)
    revenue 1200000 of 1000000 target: attainment 120.0 %, capped at 110.00 points; \
weight 40 % gives 44.00
    >>> print(result.lines[1].reason_zh)
    拜访 36，目标 40：达成率 90.0%，按线性计 90.00 分；权重 60% 得 54.00 分
    >>> result.total, result.grade
    (Decimal('98.00'), 'A')
    """
    if not isinstance(rep_id, str) or not rep_id.strip():
        raise InvalidInputError(f"rep_id {rep_id!r} must be a non-empty string")
    names = [k.name for k in card.kpis]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise InvalidInputError(f"values name KPIs not on card {card.id!r}: {unknown}")
    missing = [n for n in names if n not in values]
    if missing:
        raise InvalidInputError(f"values lack the KPIs {missing} of card {card.id!r}")
    given_targets = dict(targets or {})
    unknown = sorted(set(given_targets) - set(names))
    if unknown:
        raise InvalidInputError(f"targets name KPIs not on card {card.id!r}: {unknown}")
    pl = card.points_places
    quantum = Fraction(1, 10**pl)
    lines: list[ScoreLine] = []
    subtotal = 0
    failed: list[bool] = []
    caps: list[int] = []
    failed_names: list[str] = []
    zero = False
    grade_names = [g.name for g in card.grades]
    for kpi in card.kpis:
        v = _units_of(values[kpi.name], kpi.places, f"KPI {kpi.name!r} value")
        if v < 0:
            raise InvalidInputError(
                f"KPI {kpi.name!r} value {values[kpi.name]!r} is negative; values are >= 0"
            )
        if kpi.name in given_targets:
            t = _units_of(given_targets[kpi.name], kpi.places, f"KPI {kpi.name!r} target")
            if t <= 0:
                raise InvalidInputError(
                    f"KPI {kpi.name!r} target {given_targets[kpi.name]!r} must be > 0 at "
                    f"{kpi.places} decimal places"
                )
        else:
            t = _units_of(kpi.target, kpi.places, "target")
        num, den = (v, t) if kpi.direction == "higher" else (t, v)
        attainment = None if den == 0 else Fraction(num, den)
        exact, outcome, band = _exact_points(card, kpi, attainment)
        points = round_fraction(exact / quantum, card.rounding)
        weighted = round_fraction(points * _ratio(kpi.weight), card.rounding)
        subtotal += weighted
        if isinstance(kpi.curve, GateCurve):
            hit = outcome == "failed"
            failed.append(hit)
            if hit:
                failed_names.append(kpi.name)
                if kpi.curve.on_fail == "zero_total":
                    zero = True
                else:
                    caps.append(grade_names.index(str(kpi.curve.cap_grade)))
        permille = 0 if attainment is None else round_fraction(attainment * 1000)
        en, zh = _kpi_texts(
            card,
            kpi,
            np.array([_OUTCOMES.index(outcome)]),
            np.array([band]),
            np.array([v], dtype=object),
            np.array([t], dtype=object),
            np.array([permille], dtype=object),
            np.array([attainment is None]),
            np.array([points], dtype=object),
            np.array([weighted], dtype=object),
        )
        lines.append(
            ScoreLine(
                kpi=kpi.name,
                direction=kpi.direction,
                value=Decimal(v).scaleb(-kpi.places),
                target=Decimal(t).scaleb(-kpi.places),
                attainment=None if den == 0 else float(num) / float(den),
                outcome=outcome,
                points=Decimal(points).scaleb(-pl),
                weight=kpi.weight,
                weighted_points=Decimal(weighted).scaleb(-pl),
                reason_en=str(en[0]),
                reason_zh=str(zh[0]),
            )
        )
    total = 0 if zero else subtotal
    grade = _grade_index(card, total, caps)
    en, zh = _total_texts(
        card,
        np.array([subtotal], dtype=object),
        np.array([total], dtype=object),
        np.array([grade]),
        np.array([failed], dtype=bool).reshape(1, len(failed)),
    )
    return ScoreResult(
        card_id=card.id,
        rep_id=rep_id,
        lines=tuple(lines),
        subtotal=Decimal(subtotal).scaleb(-pl),
        total=Decimal(total).scaleb(-pl),
        grade=card.grades[grade].name,
        gates_passed=not failed_names,
        failed_gates=tuple(failed_names),
        reason_en=str(en[0]),
        reason_zh=str(zh[0]),
    )


# --------------------------------------------------------------------------- bulk path
def _decimals(units: IntArray, places: int) -> npt.NDArray[np.object_]:
    """Integers in units of ``10**-places`` as ``Decimal`` (the single path's values, exactly).

    Each distinct value is made once (points of bands, gates and caps repeat).
    """
    arr = np.asarray(units).reshape(-1)
    if arr.size == 0:
        return np.empty(0, dtype=object)
    uniques, inverse = np.unique(arr, return_inverse=True)
    made = np.empty(len(uniques), dtype=object)
    made[:] = list(
        map(DECIMAL_CONTEXT.scaleb, map(Decimal, map(int, uniques.tolist())), repeat(-places))
    )
    return made[inverse.reshape(-1)]


def _widen(limit_needed: int, *arrays: IntArray) -> list[IntArray]:
    """The arrays as int64 when every product stays below 2**62, else as Python ints."""
    if limit_needed < _LIMIT:
        return [np.asarray(a).astype(np.int64) for a in arrays]
    return [np.asarray(a).astype(object) for a in arrays]


def _magnitude(arr: IntArray) -> int:
    return int(max(np.asarray(arr).max(initial=0), -np.asarray(arr).min(initial=0)))


def _read(series: pd.Series[Any], places: int) -> tuple[IntArray, npt.NDArray[np.object_]]:
    """A column in units of ``10**-places`` (0 where unusable) and the reason per row (or None).

    Float and integer columns are read vectorised (floats through their
    shortest repr, as :func:`~salescore._numeric.floats_to_minor_units`);
    other columns (``Decimal``, text) value by value, exactly.
    """
    n = len(series)
    reason = np.full(n, None, dtype=object)
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        reason[:] = FailureReason.NOT_NUMBER
        return np.zeros(n, np.int64), reason
    if pd.api.types.is_float_dtype(dtype) or (
        pd.api.types.is_integer_dtype(dtype) and series.hasnans
    ):
        arr = series.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = np.isfinite(arr)
        with np.errstate(invalid="ignore"):
            big = finite & (np.abs(arr) * 10.0**places >= 2.0**53)
            negative = finite & ~big & (arr < 0)
        reason[np.isnan(arr)] = FailureReason.MISSING_VALUE
        reason[~finite & ~np.isnan(arr)] = FailureReason.NOT_FINITE
        reason[big] = FailureReason.TOO_LARGE
        reason[negative] = FailureReason.NEGATIVE
        good = finite & ~big
        units = floats_to_minor_units(np.where(good, arr, 0.0), places)
        return np.where(reason == None, units, 0), reason  # noqa: E711 (elementwise)
    if pd.api.types.is_integer_dtype(dtype):
        ints = series.to_numpy(dtype=np.int64)
        reason[ints < 0] = FailureReason.NEGATIVE
        scale = 10**places
        too_big = np.abs(ints) > (_LIMIT // scale)
        reason[too_big] = FailureReason.TOO_LARGE
        return np.where(reason == None, ints * scale, 0).astype(np.int64), reason  # noqa: E711
    values = series.to_numpy(dtype=object)
    units_list: list[int] = []
    for i, v in enumerate(values.tolist()):
        units_list.append(0)
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
            reason[i] = FailureReason.MISSING_VALUE
            continue
        try:
            d = to_decimal(v)
        except InvalidInputError:
            finite_text = isinstance(v, Decimal | float | str) and _nonfinite(v)
            reason[i] = FailureReason.NOT_FINITE if finite_text else FailureReason.NOT_NUMBER
            continue
        if d < 0:
            reason[i] = FailureReason.NEGATIVE
            continue
        units_list[-1] = _units_of(d, places, "value")
    units_obj = np.array(units_list, dtype=object)
    return units_obj if _magnitude(units_obj) >= _LIMIT else units_obj.astype(np.int64), reason


def _nonfinite(value: object) -> bool:
    try:
        return not Decimal(str(value).strip()).is_finite()
    except ArithmeticError:
        return False


@dataclass(frozen=True)
class _Scored:
    """One KPI's points over the reps: the bulk kernel's output."""

    points: IntArray  # units of 10**-points_places
    outcome: npt.NDArray[np.int64]  # index into _OUTCOMES
    band: npt.NDArray[np.int64]  # band index (0 below the bands), -1 off a band curve
    permille: IntArray  # attainment in tenths of a percent, 0 when infinite
    infinite: npt.NDArray[np.bool_]
    attainment: npt.NDArray[np.float64]


def _at_least(num: IntArray, den: IntArray, c: Fraction) -> npt.NDArray[np.bool_]:
    """``num / den >= c`` exactly (``den > 0``)."""
    return np.asarray(num * c.denominator >= c.numerator * den, dtype=bool)


def _kernel(card: Scorecard, kpi: ScorecardKpi, value: IntArray, target: IntArray) -> _Scored:
    """Points of one KPI for many reps, in integers (exactly the single path's Fractions)."""
    quantum = Fraction(1, 10**card.points_places)
    num, den = (value, target) if kpi.direction == "higher" else (target, value)
    infinite = np.asarray(den == 0, dtype=bool)
    den = np.where(infinite, 1, den)
    curve = kpi.curve
    n = len(num)
    outcome = np.zeros(n, np.int64)
    band = np.full(n, -1, np.int64)
    constants: list[Fraction] = [Fraction(1000)]
    if isinstance(curve, LinearCurve):
        start, _, slope = curve.resolved(card.scale)
        th = _ratio(curve.threshold)
        alpha, beta = slope / quantum, (start - th * slope) / quantum
        k1 = alpha.numerator * beta.denominator
        k2 = beta.numerator * alpha.denominator
        k3 = alpha.denominator * beta.denominator
        cap = None if curve.cap is None else _ratio(curve.cap) / quantum
        constants += [th] + ([] if cap is None else [cap])
        widest = max(abs(k1) * _magnitude(num) + abs(k2) * _magnitude(den), k3 * _magnitude(den))
        factor = max([2, *(max(abs(c.numerator), c.denominator) for c in constants)])
        num, den = _widen(widest * factor + _magnitude(num) * factor, num, den)
        line_num = k1 * num + k2 * den
        line_den = k3 * den
        below = ~infinite & ~_at_least(num, den, th)
        points = round_div(line_num, line_den, card.rounding)
        outcome[:] = _OUTCOMES.index("line")
        if cap is not None:
            over = infinite | (line_num * cap.denominator > cap.numerator * line_den)
            points = np.where(over, round_fraction(cap, card.rounding), points)
            outcome[over] = _OUTCOMES.index("capped")
        points = np.where(
            below, round_fraction(_ratio(curve.floor) / quantum, card.rounding), points
        )
        outcome[below] = _OUTCOMES.index("floor")
    elif isinstance(curve, BandCurve):
        lowers = [_ratio(b.lower) for b in curve.bands]
        factor = max([2, *(max(c.numerator, c.denominator) for c in [*constants, *lowers])])
        num, den = _widen(max(_magnitude(num), _magnitude(den)) * factor, num, den)
        reached = np.zeros(n, np.int64)
        for low in lowers:
            reached += infinite | _at_least(num, den, low)
        table = np.array(
            [round_fraction(_ratio(curve.floor) / quantum, card.rounding)]
            + [round_fraction(_ratio(b.points) / quantum, card.rounding) for b in curve.bands],
            dtype=object,
        )
        points = table[reached]
        outcome[:] = np.where(reached == 0, _OUTCOMES.index("below_bands"), _OUTCOMES.index("band"))
        band = np.maximum(reached - 1, 0)
    else:
        pass_at = _ratio(curve.pass_at)
        factor = max(2, 1000, pass_at.numerator, pass_at.denominator)
        num, den = _widen(max(_magnitude(num), _magnitude(den)) * factor, num, den)
        passed = infinite | _at_least(num, den, pass_at)
        full = round_fraction(_ratio(curve.passed_points(card.scale)) / quantum, card.rounding)
        points = np.where(passed, full, 0)
        outcome[:] = np.where(passed, _OUTCOMES.index("passed"), _OUTCOMES.index("failed"))
    num, den = _widen(max(_magnitude(num), _magnitude(den)) * 2000, num, den)
    permille = np.where(infinite, 0, round_div(num * 1000, den, ROUND_HALF_EVEN))
    with np.errstate(invalid="ignore", divide="ignore"):
        attainment = np.where(
            infinite, np.nan, num.astype(np.float64) / den.astype(np.float64)
        ).astype(np.float64)
    points_arr = np.asarray(points)
    points_arr = points_arr if _magnitude(points_arr) >= _LIMIT else points_arr.astype(np.int64)
    return _Scored(points_arr, outcome, band, permille, infinite, attainment)


def _errors(failures: Failures) -> pd.DataFrame:
    """The errors table in input row order, each value as given written as text (None if blank).

    Built from object arrays, so that columns of text infer the string dtype.
    """
    table = failures.table(by_row=True)
    cells = {name: table[name].to_numpy(dtype=object) for name in ERROR_COLUMNS}
    cells["value"] = np.array([None if _blank(v) else str(v) for v in cells["value"]], dtype=object)
    return pd.DataFrame(cells)


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


@exact_decimals
def scores_frame(
    card: Scorecard,
    frame: pd.DataFrame,
    *,
    rep_column: str = "rep_id",
    reps: Sequence[str] | None = None,
    explain: bool = True,
) -> ScoresFrames:
    """Score a team: one row per rep in, lines, totals with grade and rank, and errors out.

    Vectorised over reps (a loop over the card's KPIs only); the points agree
    exactly with :func:`score` on every rep.

    Parameters
    ----------
    card : Scorecard
        The scorecard.
    frame : pandas.DataFrame
        One row per rep: ``rep_column`` and one column per KPI name holding
        the value [the KPI's unit]; optionally ``<kpi>_target`` columns with
        per-rep targets that replace the card's. Float and integer columns
        are read vectorised; ``Decimal`` or text columns value by value. Not
        mutated; the index labels come back in ``row``.
    rep_column : str
        The column of rep ids.
    reps : sequence of str, optional
        The known reps; a row of any other rep goes to ``errors``
        (``unknown_rep``). Default: every rep is known.
    explain : bool
        Write ``reason_en`` and ``reason_zh`` on lines and totals (default).
        ``False`` leaves those columns out, for batch jobs that only need
        the numbers (the text is most of the time on large teams).

    Returns
    -------
    ScoresFrames
        ``lines``, ``totals`` and ``errors`` (see :class:`ScoresFrames`);
        every input row is either in ``totals`` or in ``errors``.

    Raises
    ------
    InvalidInputError
        ``frame`` lacks ``rep_column`` or a KPI column.

    Examples
    --------
    >>> card = Scorecard(id="AE", kpis=[
    ...     ScorecardKpi(name="revenue", weight="0.5", target=100,
    ...                  curve=LinearCurve(threshold="0.6", cap=120)),
    ...     ScorecardKpi(name="visits", weight="0.5", target=40,
    ...                  curve=BandCurve(bands=[Band(lower="0.5", points=50),
    ...                                         Band(lower="1", points=100)]))])
    >>> team = pd.DataFrame({"rep_id": ["li", "wang", "zhao", "qian"],
    ...                      "revenue": [130.0, 90.0, float("nan"), 55.0],
    ...                      "visits": [40, 30, 12, 41]})
    >>> out = scores_frame(card, team)
    >>> out.totals[["rep_id", "total", "grade", "rank"]]
      rep_id   total grade  rank
    0     li  110.00     A     1
    1   wang   70.00     C     2
    3   qian   50.00     D     3
    >>> out.errors[["row", "column", "reason"]]
       row   column         reason
    0    2  revenue  missing_value
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError(f"frame {type(frame).__name__} is not a pandas DataFrame")
    if rep_column not in frame.columns:
        raise InvalidInputError(f"frame lacks the rep column {rep_column!r}")
    absent = [k.name for k in card.kpis if k.name not in frame.columns]
    if absent:
        raise InvalidInputError(
            f"frame lacks the KPI column(s) {absent} of card {card.id!r}; "
            f"columns given: {[str(c) for c in frame.columns]}"
        )
    n = len(frame)
    rep_given = frame[rep_column].to_numpy(dtype=object)
    missing_rep = frame[rep_column].isna().to_numpy()
    as_text = frame[rep_column].where(~missing_rep, "").astype(str)
    blank = missing_rep | (as_text.str.strip() == "").to_numpy()
    rep = as_text.to_numpy(dtype=object, copy=True)
    rep[blank] = None
    failures = Failures(frame, ERROR_COLUMNS)
    failures.add(rep_column, FailureReason.BLANK_REP, blank, values=rep_given, rep_id=rep)
    keyed = pd.Series(rep)
    duplicate = ~blank & keyed.duplicated(keep=False).to_numpy()
    failures.add(rep_column, FailureReason.DUPLICATE_REP, duplicate, values=rep_given, rep_id=rep)
    if reps is not None:
        known = {str(r) for r in reps}
        unknown = ~blank & ~keyed.isin(known).to_numpy()
        failures.add(rep_column, FailureReason.UNKNOWN_REP, unknown, values=rep_given, rep_id=rep)
    values: list[IntArray] = []
    targets: list[IntArray] = []
    for kpi in card.kpis:
        column = frame[kpi.name]
        units, reason = _read(column, kpi.places)
        given = column.to_numpy(dtype=object)
        if (
            kpi.direction == "lower"
            and isinstance(kpi.curve, LinearCurve)
            and kpi.curve.cap is None
        ):
            reason = np.where((reason == None) & (units == 0), FailureReason.ZERO_VALUE, reason)  # noqa: E711
        for code in sorted({r for r in reason.tolist() if r is not None}):
            failures.add(kpi.name, code, reason == code, values=given, rep_id=rep)
        values.append(units)
        name = f"{kpi.name}_target"
        if name in frame.columns:
            t_units, t_reason = _read(frame[name], kpi.places)
            bad = (t_reason != None) | (t_units <= 0)  # noqa: E711
            failures.add(
                name,
                FailureReason.BAD_TARGET,
                bad,
                values=frame[name].to_numpy(dtype=object),
                rep_id=rep,
            )
            t_units = np.where(bad, 1, t_units)
        else:
            t_units = np.full(n, _units_of(kpi.target, kpi.places, "target"), dtype=np.int64)
        targets.append(t_units)
    failed_rows = failures.bad
    good = np.flatnonzero(~failed_rows)
    m, k = len(good), len(card.kpis)
    pl = card.points_places
    grade_names = [g.name for g in card.grades]
    scored = [
        _kernel(card, kpi, np.asarray(v)[good], np.asarray(t)[good])
        for kpi, v, t in zip(card.kpis, values, targets, strict=True)
    ]
    weighted: list[IntArray] = []
    texts: list[tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]] = []
    gate_failed: list[npt.NDArray[np.bool_]] = []
    zero = np.zeros(m, dtype=bool)
    cap_index = np.zeros(m, dtype=np.int64)
    for kpi, s, v, t in zip(card.kpis, scored, values, targets, strict=True):
        w = _ratio(kpi.weight)
        (pts,) = _widen(_magnitude(s.points) * max(w.numerator, 2 * w.denominator), s.points)
        wp = round_div(pts * w.numerator, w.denominator, card.rounding)
        weighted.append(wp)
        if explain:
            texts.append(
                _kpi_texts(
                    card,
                    kpi,
                    s.outcome,
                    s.band,
                    np.asarray(v)[good],
                    np.asarray(t)[good],
                    s.permille,
                    s.infinite,
                    s.points,
                    wp,
                )
            )
        if isinstance(kpi.curve, GateCurve):
            hit = s.outcome == _OUTCOMES.index("failed")
            gate_failed.append(hit)
            if kpi.curve.on_fail == "zero_total":
                zero |= hit
            else:
                cap = grade_names.index(str(kpi.curve.cap_grade))
                cap_index = np.where(hit, np.maximum(cap_index, cap), cap_index)
    wide = any(np.asarray(w).dtype == object for w in weighted)
    subtotal: IntArray = np.zeros(m, dtype=object if wide else np.int64)
    for wp in weighted:
        subtotal = subtotal + wp
    total = np.where(zero, 0, subtotal)
    total = total if wide else total.astype(np.int64)
    # A grade index is the number of grade thresholds above the total.
    grade = np.zeros(m, dtype=np.int64)
    for g in card.grades:
        threshold = _ratio(g.min_points) * 10**pl
        grade += np.asarray(
            total < -(-threshold.numerator // threshold.denominator), dtype=np.int64
        )
    grade = np.maximum(grade, cap_index)
    failed_matrix = np.column_stack(gate_failed) if gate_failed else np.zeros((m, 0), dtype=bool)
    gate_names = [kpi.name for kpi in card.kpis if isinstance(kpi.curve, GateCurve)]
    failed_text = np.full(m, "", dtype=object)
    for i, name in enumerate(gate_names):
        hit = failed_matrix[:, i]
        failed_text = np.where(hit & (failed_text != ""), failed_text + ", " + name, failed_text)
        failed_text = np.where(hit & (failed_text == ""), name, failed_text)
    if m:
        _, inverse = np.unique(
            -np.asarray(total).astype(object if wide else np.int64), return_inverse=True
        )
        rank = inverse.astype(np.int64).reshape(m) + 1
    else:
        rank = np.zeros(0, dtype=np.int64)
    index = frame.index[good]
    totals = pd.DataFrame(
        {
            "rep_id": rep[good],
            "subtotal": _decimals(subtotal, pl),
            "total": _decimals(total, pl),
            "total_units": np.asarray(total) if wide else np.asarray(total, dtype=np.int64),
            "grade": np.array(grade_names, dtype=object)[grade],
            "rank": rank,
            "gates_passed": ~failed_matrix.any(axis=1),
            "failed_gates": failed_text,
        },
        index=index,
    )
    if explain:
        totals["reason_en"], totals["reason_zh"] = _total_texts(
            card, subtotal, total, grade, failed_matrix
        )

    def stack(columns: list[Any]) -> npt.NDArray[Any]:
        """Per-KPI arrays (k of length m) as one column, reps first, KPIs in card order."""
        return np.column_stack([np.asarray(c, dtype=object) for c in columns]).reshape(m * k)

    lines = pd.DataFrame(
        {
            "row": np.repeat(index.to_numpy(dtype=object), k),
            "rep_id": np.repeat(rep[good], k),
            "kpi": np.tile(np.array([kpi.name for kpi in card.kpis], dtype=object), m),
            "value": stack(
                [
                    _decimals(np.asarray(v)[good], kpi.places)
                    for kpi, v in zip(card.kpis, values, strict=True)
                ]
            ),
            "target": stack(
                [
                    _decimals(np.asarray(t)[good], kpi.places)
                    for kpi, t in zip(card.kpis, targets, strict=True)
                ]
            ),
            "attainment": np.column_stack([s.attainment for s in scored]).reshape(m * k)
            if m
            else np.zeros(0),
            "outcome": stack([np.array(_OUTCOMES, dtype=object)[s.outcome] for s in scored]),
            "points": stack([_decimals(s.points, pl) for s in scored]),
            "weight": np.tile(np.array([kpi.weight for kpi in card.kpis], dtype=object), m),
            "weighted_points": stack([_decimals(wp, pl) for wp in weighted]),
        }
    )
    if explain:
        lines["reason_en"] = stack([t[0] for t in texts])
        lines["reason_zh"] = stack([t[1] for t in texts])
    return ScoresFrames(lines=lines, totals=totals, errors=_errors(failures))


@exact_decimals
def kpi_values(
    sources: Mapping[str, pd.Series[Any]], *, rep_column: str = "rep_id"
) -> pd.DataFrame:
    """Join KPI values from several calculators into :func:`scores_frame`'s input.

    Each source is a Series indexed by rep id (for example a column of
    :func:`~salescore.kpi.deal_kpis` by ``owner_id`` for one period, set as
    index, or a rep's activity count). The reps are the union of the
    indexes, sorted; a rep missing from a source gets a missing value there,
    which :func:`scores_frame` reports as ``missing_value`` (never dropped).

    Parameters
    ----------
    sources : mapping of str to pandas.Series
        KPI name to values by rep id; each index unique.
    rep_column : str
        Name of the rep id column made.

    Returns
    -------
    pandas.DataFrame
        ``rep_column`` and one column per source, in the order given.

    Examples
    --------
    >>> revenue = pd.Series({"li": 120.0, "wang": 80.0})
    >>> visits = pd.Series({"li": 30, "zhao": 12})
    >>> kpi_values({"revenue": revenue, "visits": visits})
      rep_id  revenue  visits
    0     li    120.0    30.0
    1   wang     80.0     NaN
    2   zhao      NaN    12.0
    """
    for name, series in sources.items():
        if not isinstance(series, pd.Series):
            raise InvalidInputError(f"source {name!r} is a {type(series).__name__}, not a Series")
        if not series.index.is_unique:
            dup = sorted({str(x) for x in series.index[series.index.duplicated()]})
            raise InvalidInputError(f"source {name!r} repeats rep ids {dup}; one value per rep")
    reps = sorted({str(r) for s in sources.values() for r in s.index})
    out = pd.DataFrame({rep_column: pd.Series(reps, dtype=object)})
    for name, series in sources.items():
        keyed = series.set_axis([str(r) for r in series.index])
        out[name] = keyed.reindex(reps).to_numpy()
    return out
