"""Review pictures: the pipeline waterfall of ``PipelineChanges`` and a ``ForecastHistory``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
from matplotlib.axes import Axes

from salescore.plot._text import Lang, axes, texts, unit_label
from salescore.review.changes import BUCKETS, ForecastHistory, PipelineChanges

__all__ = ["forecast_history_chart", "pipeline_waterfall"]

_LABELS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "waterfall_title": "Pipeline changes",
        "history_title": "Forecast, week by week",
        "amount": "Pipeline [{currency}]",
        "forecast_amount": "Forecast [{currency}]",
        "snapshot": "Snapshot date",
        "opening": "Opening",
        "closing": "Closing",
        "won": "Won",
        "lost": "Lost",
        "removed": "Removed",
        "slipped": "Slipped",
        "new": "New",
        "pulled_in": "Pulled in",
        "amount_up": "Amount up",
        "amount_down": "Amount down",
        "stage_forward": "Stage fwd",
        "stage_back": "Stage back",
        "unchanged": "Unchanged",
        "forecast": "Weighted forecast",
        "commit_forecast": "Commit forecast",
        "best_case_forecast": "Best-case forecast",
        "closed": "Closed",
    },
    "zh-CN": {
        "waterfall_title": "管道变化",
        "history_title": "逐周预测",
        "amount": "管道 [{currency}]",
        "forecast_amount": "预测 [{currency}]",
        "snapshot": "快照日期",
        "opening": "期初",
        "closing": "期末",
        "won": "赢单",
        "lost": "输单",
        "removed": "删除",
        "slipped": "移出本期",
        "new": "新增",
        "pulled_in": "拉入本期",
        "amount_up": "金额上调",
        "amount_down": "金额下调",
        "stage_forward": "阶段前进",
        "stage_back": "阶段后退",
        "unchanged": "未变",
        "forecast": "加权预测",
        "commit_forecast": "承诺预测",
        "best_case_forecast": "最佳情况预测",
        "closed": "已成交",
    },
}
_MOVING: Final = tuple(b for b in BUCKETS if b not in ("stage_forward", "stage_back", "unchanged"))


def pipeline_waterfall(
    changes: PipelineChanges, *, ax: Axes | None = None, lang: Lang = "en"
) -> Axes:
    """The opening pipeline, each bucket's change, and the closing pipeline, as a waterfall.

    One bar from 0 to the opening pipeline (``gid="opening"``), one floating
    bar per bucket that moves money (``gid="change"``, in :data:`BUCKETS`
    order without the stage moves and unchanged deals, whose change is 0),
    each starting where the previous ended, and a bar from 0 to the closing
    pipeline (``gid="closing"``): the last change ends exactly at its top.
    Each bar is annotated with its deal count.

    Parameters
    ----------
    changes : PipelineChanges
        From :func:`salescore.review.pipeline_changes`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's Axes by default.
    lang : {"en", "zh-CN"}
        Language of the title and labels.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from salescore import datasets
    >>> from salescore.calendar import Period
    >>> from salescore.review import pipeline_changes
    >>> p = datasets.pipeline()
    >>> deals = datasets.opportunities(p, n=60)
    >>> w = pipeline_changes(deals[:40], deals, p, period=Period.year(2026))
    >>> ax = pipeline_waterfall(w, ax=Figure().add_subplot())
    >>> [float(b.get_height()) for b in ax.patches]    # opening, 8 buckets, closing
    [2982000.0, 0.0, 0.0, 0.0, 0.0, 2376000.0, 0.0, 0.0, 0.0, 5358000.0]
    """
    t = texts(lang)
    words = _LABELS[t.lang]
    ax = axes(ax)
    change_of = dict(zip(changes.buckets.index, changes.buckets["change"].tolist(), strict=True))
    deals_of = dict(zip(changes.buckets.index, changes.buckets["deals"].tolist(), strict=True))
    opening = float(changes.opening.amount)
    level = opening
    x = 0
    labels = [words["opening"]]
    ax.bar(x, opening, color="tab:gray", width=0.6, gid="opening")
    _count(ax, x, opening, changes.opening_deals)
    for name in _MOVING:
        change = float(change_of[name])
        x += 1
        color = "tab:green" if change >= 0 else "tab:red"
        ax.bar(x, change, bottom=level, color=color, width=0.6, gid="change")
        _count(ax, x, max(level, level + change), int(deals_of[name]))
        level += change
        labels.append(words[name])
    x += 1
    closing = float(changes.closing.amount)
    ax.bar(x, closing, color="tab:blue", width=0.6, gid="closing")
    _count(ax, x, closing, changes.closing_deals)
    labels.append(words["closing"])
    ax.set_xticks(np.arange(len(labels)), labels, rotation=45, ha="right")
    ax.set_ylabel(words["amount"].format(currency=unit_label(changes.currency)))
    ax.set_title(f"{words['waterfall_title']} ({changes.period.label})")
    t.apply(ax)
    return ax


def _count(ax: Axes, x: float, top: float, deals: int) -> None:
    ax.annotate(
        str(deals),
        xy=(x, top),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        fontsize="small",
    )


def forecast_history_chart(
    history: ForecastHistory, *, ax: Axes | None = None, lang: Lang = "en"
) -> Axes:
    """How a period's calls moved: weighted, commit and best-case forecast by snapshot.

    Lines (``gid`` = ``"forecast"``, ``"commit_forecast"``,
    ``"best_case_forecast"``, ``"closed"``) through the snapshot dates of
    :attr:`~salescore.review.ForecastHistory.table`, one point per snapshot.

    Parameters
    ----------
    history : ForecastHistory
        From :func:`salescore.review.forecast_history`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's Axes by default.
    lang : {"en", "zh-CN"}
        Language of the title and labels.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from datetime import date
    >>> from matplotlib.figure import Figure
    >>> from salescore import datasets
    >>> from salescore.calendar import Period
    >>> from salescore.review import forecast_history
    >>> p = datasets.pipeline()
    >>> deals = datasets.opportunities(p, n=40)
    >>> h = forecast_history({date(2026, 3, 2): deals[:20], date(2026, 3, 9): deals},
    ...                      p, period=Period.quarter(2026, 2))
    >>> ax = forecast_history_chart(h, ax=Figure().add_subplot())
    >>> [float(y) for y in ax.lines[0].get_ydata()]
    [595800.0, 1305800.0]
    """
    t = texts(lang)
    words = _LABELS[t.lang]
    ax = axes(ax)
    table = history.table
    when = np.asarray(table.index.to_numpy(), dtype="datetime64[D]")
    styles = {"forecast": "-", "commit_forecast": "--", "best_case_forecast": ":", "closed": "-."}
    for name, style in styles.items():
        values = [float(v) for v in table[name].tolist()]
        ax.plot(when, values, style, marker="o", label=words[name], gid=name)
    ax.set_xlabel(words["snapshot"])
    ax.set_ylabel(words["forecast_amount"].format(currency=unit_label(history.currency)))
    ax.set_title(f"{words['history_title']} ({history.period.label})")
    ax.legend()
    t.apply(ax)
    return ax
