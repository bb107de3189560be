r"""Learned win probabilities: stage win rates from history and a naive-Bayes deal scorer.

**Stage win rates.** For each open stage :math:`k`, the share of *closed*
passes through the funnel that were won among those that reached :math:`k`:

.. math:: r_k = \frac{w_k}{c_k}, \qquad c_k = w_k + \ell_{\ge k}

where :math:`w_k` is the number of won passes (a won pass reached every open
stage) and :math:`\ell_{\ge k}` the number of lost passes whose furthest open
stage is :math:`k` or later. "Reached" is the funnel's definition
(:mod:`salescore.funnel.counts`): a skipped stage counts as passed, and open
deals are left out. The counting *is* the funnel's, via
:func:`~salescore.funnel.funnel_counts_frame`, so the raw rate equals the
funnel report's ``win_rate`` column.

Per segment :math:`s` (``by=``), the rate is shrunk towards the pooled rate
:math:`p_k` of the stage with ``smoothing`` pseudo-deals :math:`m` (the
additive, empirical-Bayes form of a beta prior centred on :math:`p_k`):

.. math:: \tilde r_{sk} = \frac{w_{sk} + m\,p_k}{c_{sk} + m}

which lies between the raw rate :math:`w_{sk}/c_{sk}` and :math:`p_k`;
:math:`m = 0` gives the raw rate and :math:`m \to \infty` the pooled rate.
A segment-stage with fewer than ``min_sample`` closed passes uses the pooled
rate instead (flagged ``source="pooled"``), and a stage whose pooled sample
is that small uses the pipeline's default stage probability
(``source="default"``).

**Naive-Bayes scorer** (after Odoo's predictive lead scoring). From closed
deals with attribute columns and a won/lost outcome, count per attribute
:math:`a` and value :math:`v` the won and lost deals :math:`n_{won}(a, v)`,
:math:`n_{lost}(a, v)`. With :math:`N_{won}`, :math:`N_{lost}` the class
sizes, :math:`K_a` the number of distinct values of :math:`a` seen (a missing
value is a value of its own) and additive (Laplace) smoothing
:math:`\alpha \ge 0`:

.. math::

    p(v \mid c) = \frac{n_c(a, v) + \alpha}{N_c + \alpha K_a}, \qquad
    P(c) = \frac{N_c}{N_{won} + N_{lost}}

    P(won \mid x) = \frac{P(won) \prod_a p(x_a \mid won)}
        {P(won) \prod_a p(x_a \mid won) + P(lost) \prod_a p(x_a \mid lost)}

computed in log space. A value never seen in training (for that attribute)
carries no evidence: its attribute is left out of both products. With
:math:`\alpha = 0` a value seen only in one class rules the other out; a deal
ruled out of both classes scores NaN. The counts (:class:`AttributeCounts`)
add across partitions, so a scorer can be fitted per partition and pooled.

The package holds one concept per module: :mod:`~salescore.forecast.probabilities.win_rates`
(stage win rates) and :mod:`~salescore.forecast.probabilities.naive_bayes` (the scorer and its
mergeable counts).
"""

from salescore.forecast.probabilities.naive_bayes import COUNT_COLUMNS as COUNT_COLUMNS
from salescore.forecast.probabilities.naive_bayes import (
    AttributeCounts,
    NaiveBayesScorer,
    attribute_counts,
    closed_outcomes,
)
from salescore.forecast.probabilities.win_rates import RATE_COLUMNS as RATE_COLUMNS
from salescore.forecast.probabilities.win_rates import Reopen as Reopen
from salescore.forecast.probabilities.win_rates import Source as Source
from salescore.forecast.probabilities.win_rates import (
    StageWinRates,
    stage_win_rates,
    win_rate_counts,
)

__all__ = [
    "AttributeCounts",
    "NaiveBayesScorer",
    "StageWinRates",
    "attribute_counts",
    "closed_outcomes",
    "stage_win_rates",
    "win_rate_counts",
]
