"""``funnel_chart``: stage bars of a :class:`~salescore.funnel.FunnelReport`."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from salescore.errors import InvalidInputError
from salescore.funnel import FunnelReport
from salescore.plot._text import Lang, axes, texts, unit_label

__all__ = ["funnel_chart"]


def _stage_table(report: FunnelReport, segment: Hashable | None) -> pd.DataFrame:
    if segment is None:
        return report.overall
    keys = [name for name in report.table.index.names if name != "stage"]
    if not keys:
        raise InvalidInputError(
            f"segment {segment!r} was given but the report has no segments; pass segment=None"
        )
    key = segment if isinstance(segment, tuple) else (segment,)
    if len(key) != len(keys):
        raise InvalidInputError(
            f"segment {segment!r} has {len(key)} keys; the report is segmented by {keys}"
        )
    segments = [tuple(row[:-1]) for row in report.table.index]  # "stage" comes last
    mask = np.asarray([row == key for row in segments], dtype=bool)
    if not mask.any():
        known = list(dict.fromkeys(row[0] if len(row) == 1 else row for row in segments))
        raise InvalidInputError(f"segment {segment!r} is not in the report; allowed: {known}")
    sub = report.table.loc[mask].reset_index(level=keys, drop=True)
    return sub


def funnel_chart(
    report: FunnelReport,
    *,
    segment: Hashable | None = None,
    amounts: bool = False,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """Bars of the passes that entered each open stage, and the won ones after them.

    Between two bars (and between the last stage and *Won*) the stage's
    ``conversion`` (advanced ÷ entered) and ``drop_off`` (lost ÷ entered)
    are written, as the report computed them; a rate the report could not
    know (NaN) reads "n/a".

    Parameters
    ----------
    report : FunnelReport
        The funnel, from :func:`salescore.funnel.funnel`.
    segment : hashable or tuple, optional
        One segment of a report computed with ``by=`` (its key, or a tuple of
        keys); the overall funnel by default.
    amounts : bool
        Bars of ``entered_amount`` [currency] instead of ``entered`` [count].
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's Axes by default.
    lang : {"en", "zh-CN"}
        Language of the title and labels.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on: one bar per open stage plus *Won*, in order.

    Raises
    ------
    InvalidInputError
        ``segment`` is not in the report, or ``lang`` is not supported.

    Examples
    --------
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore import datasets
    >>> from salescore.funnel import funnel
    >>> pipeline = datasets.pipeline()
    >>> report = funnel(datasets.opportunities(pipeline, n=40), pipeline)
    >>> ax = funnel_chart(report, ax=Figure().add_subplot())
    >>> [float(bar.get_height()) for bar in ax.patches]
    [40.0, 28.0, 24.0, 9.0]
    """
    t = texts(lang)
    table = _stage_table(report, segment)
    stages = [str(s) for s in table.index]
    column = "entered_amount" if amounts else "entered"
    last_advanced = "advanced_amount" if amounts else "advanced"
    values: list[Any] = [*table[column].tolist(), table[last_advanced].iloc[-1]]
    heights = np.asarray([float(v) for v in values], dtype=np.float64)
    labels = [*stages, t("won")]
    ax = axes(ax)
    x = np.arange(len(labels), dtype=np.float64)
    colors = ["tab:blue"] * len(stages) + ["tab:green"]
    ax.bar(x, heights, color=colors, width=0.6)
    ax.set_xticks(x, labels)
    top = float(heights.max()) if len(heights) and heights.max() > 0 else 1.0
    for i in range(len(stages)):
        conversion = float(table["conversion"].iloc[i])
        drop = float(table["drop_off"].iloc[i])
        ax.annotate(
            f"{t('conversion', value=t.percent(conversion))}\n"
            f"{t('drop_off', value=t.percent(drop))}",
            xy=(i + 0.5, max(heights[i], heights[i + 1]) + 0.04 * top),
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.set_ylim(0.0, top * 1.25)
    ax.set_xlabel(t("stage"))
    ax.set_ylabel(
        t("amount_entered", currency=unit_label(report.currency)) if amounts else t("deals")
    )
    title = t("funnel_title")
    ax.set_title(title if segment is None else f"{title}: {segment}")
    t.apply(ax)
    return ax
