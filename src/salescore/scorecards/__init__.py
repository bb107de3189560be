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

The package holds one concept per module: :mod:`~salescore.scorecards.curves` (the
scoring curves), :mod:`~salescore.scorecards.card` (the KPIs, grades and the card),
:mod:`~salescore.scorecards.results` (lines, results and the bulk frames),
:mod:`~salescore.scorecards.single` (:func:`score` on one rep, in fractions) and
:mod:`~salescore.scorecards.bulk` (:func:`scores_frame` on a team, in integers, and
:func:`kpi_values`); the English and Chinese texts are private (``_texts``).
"""

from salescore.scorecards.bulk import kpi_values, scores_frame
from salescore.scorecards.card import DEFAULT_GRADES, Grade, Scorecard, ScorecardKpi
from salescore.scorecards.curves import Band, BandCurve, GateCurve, LinearCurve
from salescore.scorecards.curves import Curve as Curve
from salescore.scorecards.results import (
    ERROR_COLUMNS,
    Outcome,
    ScoreLine,
    ScoreResult,
    ScoresFrames,
)
from salescore.scorecards.single import score

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
