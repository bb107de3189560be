"""Scorecard pictures: one rep's weighted points per KPI, and a team's ranking with grades."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from matplotlib.axes import Axes

from salescore.errors import InvalidInputError
from salescore.plot._text import Lang, axes, texts
from salescore.scorecards import Scorecard, ScoreResult, ScoresFrames

__all__ = ["scorecard_chart", "scorecard_ranking"]

#: Colours of the grades, best first; a card with more grades repeats the last.
_GRADE_COLOURS = ("tab:green", "tab:blue", "tab:orange", "tab:red", "tab:gray")


def _label(card: Scorecard | None, name: str, lang: str) -> str:
    if card is None:
        return name
    kpi = card.kpi(name)
    return kpi.chinese if lang == "zh-CN" else kpi.english


def _check_card(card: Scorecard | None, card_id: str) -> None:
    if card is not None and card.id != card_id:
        raise InvalidInputError(f"the result is of card {card_id!r}, not of card {card.id!r}")


def scorecard_chart(
    result: ScoreResult,
    *,
    card: Scorecard | None = None,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """One rep's scorecard: the weighted points each KPI earned, against its weight.

    One horizontal bar per KPI, in the card's order, of its
    ``weighted_points`` (``gid="earned"``; a failed gate in red), drawn over
    an outlined bar of what the KPI pays at full attainment, ``weight ×
    scale`` (``gid="full"``; needs ``card``), with the points written at the
    bar's end. The title gives the total and the grade.

    Parameters
    ----------
    result : ScoreResult
        From :func:`salescore.scorecards.score`.
    card : Scorecard, optional
        The card scored: names the KPIs by their labels in ``lang`` and
        draws the full-attainment outlines.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's Axes by default.
    lang : {"en", "zh-CN"}
        Language of the title and labels.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidInputError
        ``card`` is not the card of ``result``, or ``lang`` is not supported.

    Examples
    --------
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore.scorecards import LinearCurve, ScorecardKpi, score
    >>> card = Scorecard(id="AE", kpis=[
    ...     ScorecardKpi(name="revenue", weight="0.4", target=1_000_000,
    ...                  curve=LinearCurve(threshold="0.6", cap=110)),
    ...     ScorecardKpi(name="visits", weight="0.6", target=40)])
    >>> result = score(card, {"revenue": 1_200_000, "visits": 36}, rep_id="li")
    >>> ax = scorecard_chart(result, card=card, ax=Figure().add_subplot())
    >>> [float(bar.get_width()) for bar in ax.patches if bar.get_gid() == "earned"]
    [44.0, 54.0]
    >>> ax.get_title()
    'Scorecard AE: li — total 98.00, grade A'
    """
    _check_card(card, result.card_id)
    t = texts(lang)
    ax = axes(ax)
    lines = list(result.lines)
    y = np.arange(len(lines), dtype=np.float64)
    if card is not None:
        full = [float(line.weight * card.scale) for line in lines]
        ax.barh(
            y,
            full,
            height=0.6,
            fill=False,
            edgecolor="tab:gray",
            linestyle="--",
            label=t("full_points"),
            gid="full",
            zorder=3,  # the outline stays visible over the earned bar
        )
    earned = [float(line.weighted_points) for line in lines]
    failed = set(result.failed_gates)
    colours = ["tab:red" if line.kpi in failed else "tab:blue" for line in lines]
    bars = ax.barh(y, earned, height=0.6, color=colours, label=t("earned"), gid="earned")
    for bar in bars:
        bar.set_gid("earned")
    for yi, line in zip(y, lines, strict=True):
        note = str(line.weighted_points)
        if line.kpi in failed:
            note += f" ({t('gate_failed')})"
        ax.annotate(
            note,
            xy=(float(line.weighted_points), yi),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    ax.set_yticks(y, [_label(card, line.kpi, t.lang) for line in lines])
    ax.invert_yaxis()  # the card's first KPI on top
    ax.set_xlim(left=0.0)
    ax.margins(x=0.15)
    ax.set_xlabel(t("weighted_points"))
    ax.set_ylabel(t("kpi"))
    total = t("score_total", total=str(result.total), grade=result.grade)
    ax.set_title(f"{t('scorecard_title', card=result.card_id, rep=result.rep_id)} — {total}")
    ax.legend(loc="lower right", fontsize="small")
    t.apply(ax)
    return ax


def scorecard_ranking(
    result: ScoresFrames,
    *,
    card: Scorecard | None = None,
    top: int | None = None,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """A team ranked by total points, each bar coloured by its grade.

    One horizontal bar per scored rep of :attr:`ScoresFrames.totals
    <salescore.scorecards.ScoresFrames>` ``total`` [points], best rank on
    top (ties in input order), labelled ``rep (#rank)`` and with the grade
    at the bar's end; with ``card`` a dotted vertical line marks the least
    total of every grade above the lowest (``gid="grade:<name>"``).

    Parameters
    ----------
    result : ScoresFrames
        From :func:`salescore.scorecards.scores_frame`.
    card : Scorecard, optional
        The card scored: colours follow its grade order and its grade
        thresholds are drawn. Without it the grades are coloured in order of
        first appearance.
    top : int, optional
        Draw only the best ``top`` reps (>= 1); every rep by default.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's Axes by default.
    lang : {"en", "zh-CN"}
        Language of the title and labels.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidInputError
        No rep was scored, ``top`` < 1, a grade is not on ``card``, or
        ``lang`` is not supported.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore.scorecards import ScorecardKpi, scores_frame
    >>> card = Scorecard(id="AE", kpis=[ScorecardKpi(name="revenue", weight=1, target=100)])
    >>> team = pd.DataFrame({"rep_id": ["li", "wang", "zhao"], "revenue": [80.0, 95.0, 50.0]})
    >>> ax = scorecard_ranking(scores_frame(card, team), card=card, ax=Figure().add_subplot())
    >>> [float(bar.get_width()) for bar in ax.patches if bar.get_gid() == "total"]
    [95.0, 80.0, 50.0]
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['wang (#1)', 'li (#2)', 'zhao (#3)']
    """
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise InvalidInputError(f"top {top!r} must be an integer >= 1 or None")
    totals = result.totals
    if totals.empty:
        raise InvalidInputError("no rep was scored; there is nothing to rank")
    t = texts(lang)
    ranked = totals.sort_values("rank", kind="stable")
    if top is not None:
        ranked = ranked.iloc[:top]
    if card is not None:
        order = [g.name for g in card.grades]
        unknown = sorted(set(ranked["grade"]) - set(order))
        if unknown:
            raise InvalidInputError(
                f"grades {unknown} are not on card {card.id!r}; allowed: {order}"
            )
    else:
        order = list(dict.fromkeys(str(g) for g in ranked["grade"]))
    colour = {name: _GRADE_COLOURS[min(i, len(_GRADE_COLOURS) - 1)] for i, name in enumerate(order)}
    ax = axes(ax)
    y = np.arange(len(ranked), dtype=np.float64)
    values = [float(v) for v in ranked["total"]]
    bars = ax.barh(y, values, height=0.6, color=[colour[str(g)] for g in ranked["grade"]])
    for bar in bars:
        bar.set_gid("total")
    for yi, total, grade in zip(y, ranked["total"], ranked["grade"], strict=True):
        ax.annotate(
            f"{total} {grade}",
            xy=(float(total), yi),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    if card is not None:
        for grade in card.grades[:-1]:
            ax.axvline(
                float(grade.min_points),
                color=colour[grade.name],
                linestyle=":",
                label=t("grade_line", grade=grade.name, points=_points(grade.min_points)),
                gid=f"grade:{grade.name}",
            )
        ax.legend(loc="lower right", fontsize="small")
    labels = [
        f"{rep} (#{int(rank)})" for rep, rank in zip(ranked["rep_id"], ranked["rank"], strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(left=0.0)
    ax.margins(x=0.12)
    ax.set_xlabel(t("total_points"))
    ax.set_ylabel(t("rep_rank"))
    ax.set_title(t("ranking_title"))
    t.apply(ax)
    return ax


def _points(value: Decimal) -> str:
    return f"{value.normalize():f}"
