"""``funnel_chart``: stage bars of a :class:`~salescore.funnel.FunnelReport`."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from typing import Any, Final

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from salescore.errors import InvalidInputError
from salescore.funnel import FunnelCounts, FunnelReport, report_from_counts
from salescore.funnel.report import hours_quantile
from salescore.plot._text import Lang, axes, texts, unit_label

__all__ = ["cohort_conversion_chart", "funnel_chart", "stage_duration_chart"]


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


#: Quantiles of a box: whisker, box, box, whisker.
_BOX: Final = (0.1, 0.25, 0.75, 0.9)

_MEASURES: Final = ("conversion", "cumulative_conversion", "win_rate", "drop_off")


def _segment_counts(
    report: FunnelReport, segment: Hashable | None, *, keep: tuple[str, ...] = ()
) -> FunnelCounts:
    """The report's counts of one ``segment`` of the keys not in ``keep``; ``keep`` stay keys."""
    counts = report.counts
    keys = [k for k in counts.keys if k not in keep]
    if segment is None:
        if keys:
            raise InvalidInputError(
                f"the report is segmented by {keys}; pass segment= with one value per key"
            )
        return counts
    if not keys:
        raise InvalidInputError(
            f"segment {segment!r} was given but the report has no segments; pass segment=None"
        )
    key = segment if isinstance(segment, tuple) else (segment,)
    if len(key) != len(keys):
        raise InvalidInputError(
            f"segment {segment!r} has {len(key)} keys; the report is segmented by {keys}"
        )
    rows = list(dict.fromkeys(tuple(r) for r in counts.by_group[keys].itertuples(index=False)))
    if key not in rows:
        allowed = [row[0] if len(row) == 1 else row for row in rows]
        raise InvalidInputError(f"segment {segment!r} is not in the report; allowed: {allowed}")
    wanted = dict(zip(keys, key, strict=True))
    if not keep:
        return counts.select(wanted)

    def only(frame: pd.DataFrame) -> pd.DataFrame:
        mask = np.logical_and.reduce([(frame[k] == v).to_numpy() for k, v in wanted.items()])
        return frame.loc[mask].drop(columns=keys).reset_index(drop=True)

    # every key is either selected or kept: the rows stay distinct, nothing to sum
    return replace(
        counts,
        keys=keep,
        by_stage=only(counts.by_stage),
        by_group=only(counts.by_group),
        durations=only(counts.durations),
    )


def cohort_conversion_chart(
    report: FunnelReport,
    *,
    measure: str = "conversion",
    segment: Hashable | None = None,
    ncols: int = 3,
    figure: Figure | None = None,
    lang: Lang = "en",
) -> Figure:
    """Small multiples: one panel per open stage, a stage's rate cohort by cohort.

    The report must be computed with cohorts (``funnel(..., cohort="month")``
    or ``"quarter"``): deals grouped by when they were created. Each panel
    draws ``measure`` of its stage for every cohort in order as a line with
    markers (``gid="cohorts"``; a rate the report could not know, NaN, is a
    gap) and the same rate over all cohorts as a dashed line
    (``gid="overall"``), so a cohort that converts worse than the rest
    stands out. The panel title gives how many passes entered the stage.

    Parameters
    ----------
    report : FunnelReport
        From :func:`salescore.funnel.funnel` with ``cohort=``.
    measure : {"conversion", "cumulative_conversion", "win_rate", "drop_off"}
        The column of :attr:`~salescore.funnel.FunnelReport.table` drawn
        [fraction, drawn as a percent].
    segment : hashable or tuple, optional
        When the report was also computed with ``by=``: the segment to draw
        (its key, or a tuple of keys). Required then.
    ncols : int
        Panels per row, >= 1.
    figure : matplotlib.figure.Figure, optional
        An empty figure to draw in; a new pyplot figure by default.
    lang : {"en", "zh-CN"}
        Language of the titles and labels.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; ``figure.axes`` holds one Axes per open stage, in
        pipeline order (small multiples are a figure, not one Axes).

    Raises
    ------
    InvalidInputError
        The report has no cohorts; ``measure`` or ``ncols`` is not allowed;
        ``segment`` is missing, not needed or not in the report; ``lang`` is
        not supported.

    Examples
    --------
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore import datasets
    >>> from salescore.funnel import funnel
    >>> pipeline = datasets.pipeline()
    >>> report = funnel(datasets.opportunities(pipeline, n=120), pipeline, cohort="month")
    >>> fig = cohort_conversion_chart(report, figure=Figure())
    >>> qualify = fig.axes[0]
    >>> line = next(a for a in qualify.lines if a.get_gid() == "cohorts")
    >>> line.get_ydata().round(1).tolist()
    [77.4, 60.0, 80.0, 76.9, 66.7]
    """
    if measure not in _MEASURES:
        raise InvalidInputError(f"measure {measure!r} is not allowed; allowed: {list(_MEASURES)}")
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise InvalidInputError(f"ncols {ncols!r} must be an integer >= 1")
    if "cohort" not in report.counts.keys:
        raise InvalidInputError(
            "the report has no cohorts; compute it with funnel(..., cohort='month' or 'quarter')"
        )
    t = texts(lang)
    counts = _segment_counts(report, segment, keep=("cohort",))
    by_cohort = report_from_counts(counts).table
    overall = report_from_counts(counts.total()).overall
    overall_rates = overall[measure].to_numpy(dtype=np.float64)
    entered = overall["entered"].to_numpy(dtype=np.int64)
    cohorts = [str(c) for c in by_cohort.index.get_level_values("cohort").unique()]
    stages = list(counts.stages)
    if figure is None:
        import matplotlib.pyplot as plt

        figure = plt.figure(figsize=(4.0 * min(ncols, len(stages)), 3.2), layout="constrained")
    nrows = -(-len(stages) // ncols)
    x = np.arange(len(cohorts), dtype=np.float64)
    first: Axes | None = None
    for i, stage in enumerate(stages):
        ax = figure.add_subplot(nrows, ncols, i + 1, sharey=first)
        first = first or ax
        rows = by_cohort.xs(stage, level="stage").reindex(cohorts)
        values = rows[measure].to_numpy(dtype=np.float64) * 100
        ax.plot(x, values, "o-", color="tab:blue", label=t("cohort"), gid="cohorts")
        ax.axhline(
            float(overall_rates[i]) * 100,
            color="tab:gray",
            linestyle="--",
            label=t("all_cohorts"),
            gid="overall",
        )
        ax.set_xticks(x, cohorts, rotation=45 if len(cohorts) > 4 else 0)
        ax.set_title(t("panel", stage=stage, n=str(int(entered[i]))))
        ax.set_xlabel(t("cohort"))
        if i % ncols == 0:
            ax.set_ylabel(t(f"measure_{measure}"))
        if i == 0:
            ax.legend(loc="best", fontsize="small")
    assert first is not None
    first.set_ylim(bottom=0.0)
    title = t("cohort_title")
    figure.suptitle(title if segment is None else f"{title}: {segment}")
    t.apply(figure)
    return figure


def stage_duration_chart(
    report: FunnelReport,
    *,
    segment: Hashable | None = None,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """The distribution of completed stays per open stage, as box plots in days.

    Read from the report's duration histogram
    (:attr:`FunnelCounts.durations <salescore.funnel.FunnelCounts>`,
    stays rounded to the hour): each stage's box spans the P25–P75 of its
    stays, the whiskers P10–P90, the line in the box is the report's
    ``days_median`` and the diamond its ``days_mean`` (``gid="mean"``),
    quantiles interpolated like ``numpy.quantile``. Under each box, how many
    stays it counts. A stage without completed stays has no box.

    Parameters
    ----------
    report : FunnelReport
        From :func:`salescore.funnel.funnel` on stage histories
        (``inference == "history"``).
    segment : hashable or tuple, optional
        One segment of a report computed with ``by=`` or ``cohort=`` (its
        key, or a tuple of keys); required when the report has segments.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's Axes by default.
    lang : {"en", "zh-CN"}
        Language of the title and labels.

    Returns
    -------
    matplotlib.axes.Axes
        One box per open stage with stays, in pipeline order.

    Raises
    ------
    InvalidInputError
        The report was computed from snapshots (no durations), ``segment``
        is missing or not in the report, or ``lang`` is not supported.

    Examples
    --------
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore import datasets
    >>> from salescore.funnel import funnel
    >>> pipeline = datasets.pipeline()
    >>> report = funnel(datasets.opportunities(pipeline, n=40), pipeline)
    >>> ax = stage_duration_chart(report, ax=Figure().add_subplot())
    >>> [float(line.get_ydata()[0]) for line in ax.lines if line.get_gid() == "median"]
    [12.5, 9.0, 13.5]
    >>> report.overall["days_median"].tolist()
    [12.5, 9.0, 13.5]
    """
    if report.inference != "history":
        raise InvalidInputError(
            f"the report was inferred from {report.inference!r}, which has no stage durations; "
            "compute it from stage histories (source='history')"
        )
    t = texts(lang)
    counts = _segment_counts(report, segment)
    finished = report_from_counts(counts).overall
    medians = finished["days_median"].to_numpy(dtype=np.float64)
    means = finished["days_mean"].to_numpy(dtype=np.float64)
    durations = counts.durations
    ax = axes(ax)
    stats: list[dict[str, Any]] = []
    positions: list[float] = []
    for i, stage in enumerate(counts.stages):
        part = durations[durations["stage"] == stage]
        if part.empty:
            continue
        hours = part["hours"].to_numpy(dtype=np.int64)
        number = part["count"].to_numpy(dtype=np.int64)
        q10, q25, q75, q90 = (hours_quantile(hours, number, q) / 24.0 for q in _BOX)
        stats.append(
            {
                "label": stage,
                "whislo": q10,
                "q1": q25,
                "med": float(medians[i]),
                "q3": q75,
                "whishi": q90,
                "mean": float(means[i]),
                "fliers": [],
            }
        )
        positions.append(float(i))
        ax.annotate(
            t("visits", n=str(int(number.sum()))),
            xy=(float(i), 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize="small",
        )
    if stats:  # a report without any completed stay draws the labelled, empty Axes
        drawn = ax.bxp(
            stats,
            positions=positions,
            showmeans=True,
            widths=0.5,
            patch_artist=True,
            meanprops={
                "marker": "D",
                "markerfacecolor": "tab:orange",
                "markeredgecolor": "tab:orange",
            },
        )
        for box in drawn["boxes"]:
            box.set_facecolor("tab:blue")
            box.set_alpha(0.4)
            box.set_gid("box")
        for line in drawn["medians"]:
            line.set_gid("median")
            line.set_color("black")
        for line in drawn["means"]:
            line.set_gid("mean")
        for line in drawn["whiskers"]:
            line.set_gid("whisker")
    stages = list(counts.stages)
    ax.set_xticks(np.arange(len(stages), dtype=np.float64), stages)
    ax.set_xlim(-0.6, len(stages) - 0.4)
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel(t("durations_stage"))
    ax.set_ylabel(t("days"))
    title = t("durations_title")
    ax.set_title(title if segment is None else f"{title}: {segment}")
    t.apply(ax)
    return ax
