"""What scoring returns: a line per KPI, a rep's result, a team's frames."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

import pandas as pd

from salescore._base import FrozenModel
from salescore.serialization import Result

__all__ = ["ERROR_COLUMNS", "Outcome", "ScoreLine", "ScoreResult", "ScoresFrames"]


#: How a KPI's points came about: a stable code on every line.
Outcome = Literal["floor", "line", "capped", "band", "below_bands", "passed", "failed"]

#: The columns of :attr:`ScoresFrames.errors`.
ERROR_COLUMNS: Final = ("row", "rep_id", "column", "value", "reason")


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
