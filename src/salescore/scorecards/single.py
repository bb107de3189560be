"""Scoring one rep on a card, exactly in fractions: :func:`score`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np

from salescore._numeric import (
    exact_decimals,
    round_fraction,
)
from salescore.errors import InvalidInputError
from salescore.scorecards._common import _ratio, _units_of
from salescore.scorecards._texts import _OUTCOMES, _kpi_texts, _total_texts
from salescore.scorecards.card import Scorecard, ScorecardKpi
from salescore.scorecards.curves import BandCurve, GateCurve, LinearCurve
from salescore.scorecards.results import Outcome, ScoreLine, ScoreResult

__all__ = ["score"]


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
