"""KPI pictures: the quota attainment distribution of a team."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from salescore.errors import InvalidInputError
from salescore.kpi import AttainmentDistribution
from salescore.plot._text import Lang, axes, texts

__all__ = ["attainment_chart"]

_FIELDS = tuple(AttainmentDistribution.model_fields)


def _rows(result: AttainmentDistribution | pd.DataFrame, everyone: str) -> pd.DataFrame:
    if isinstance(result, AttainmentDistribution):
        return pd.DataFrame([result.model_dump()], index=pd.Index([everyone]))
    missing = [f for f in _FIELDS if f not in result.columns]
    if missing:
        raise InvalidInputError(
            f"the attainment frame lacks columns {missing}; pass quota_attainment_frame's result"
        )
    keys = [c for c in result.columns if c not in _FIELDS]
    labels = [
        " / ".join(str(v) for v in row) if keys else everyone
        for row in result[keys].itertuples(index=False)
    ]
    return result.loc[:, list(_FIELDS)].set_axis(pd.Index(labels), axis=0)


def attainment_chart(
    result: AttainmentDistribution | pd.DataFrame,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """The spread of quota attainment across reps, one row per team or segment.

    Each row draws the P10–P90 range of attainment as a horizontal segment
    (``gid="range"``), the median (``gid="median"``) and the mean
    (``gid="mean"``) as markers, and writes how many reps with a quota are
    at or above it; a vertical line marks 100 % (``gid="quota"``). A
    segment without any rep with a quota (NaN statistics) is labelled
    without a range.

    Parameters
    ----------
    result : AttainmentDistribution or pandas.DataFrame
        From :func:`salescore.kpi.quota_attainment` (one row), or
        :func:`salescore.kpi.quota_attainment_frame` (one row per segment,
        labelled by its ``by`` columns).
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
        A frame without the distribution columns, an empty frame, or an
        unsupported ``lang``.

    Examples
    --------
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore.kpi import quota_attainment
    >>> d = quota_attainment({"R1": 120, "R2": 80, "R3": 100}, {"R1": 100, "R2": 100, "R3": 100})
    >>> ax = attainment_chart(d, ax=Figure().add_subplot())
    >>> next(a for a in ax.lines if a.get_gid() == "median").get_xdata().tolist()
    [100.0]
    """
    t = texts(lang)
    rows = _rows(result, t("all"))
    if rows.empty:
        raise InvalidInputError("the attainment frame has no rows; there is nothing to draw")
    ax = axes(ax)
    y = np.arange(len(rows), dtype=np.float64)
    p10 = rows["p10"].to_numpy(dtype=np.float64) * 100
    p90 = rows["p90"].to_numpy(dtype=np.float64) * 100
    known = ~np.isnan(p10)
    ax.hlines(
        y[known],
        p10[known],
        p90[known],
        color="tab:blue",
        linewidth=6,
        alpha=0.5,
        label=t("range"),
        gid="range",
    )
    ax.plot(
        rows["median"].to_numpy(dtype=np.float64)[known] * 100,
        y[known],
        "o",
        markersize=10,
        color="tab:blue",
        label=t("median"),
        gid="median",
    )
    ax.plot(
        rows["mean"].to_numpy(dtype=np.float64)[known] * 100,
        y[known],
        "D",
        markersize=5,
        color="tab:orange",
        label=t("mean"),
        gid="mean",
    )
    ax.axvline(100.0, color="tab:green", linestyle=":", label=t("quota"), gid="quota")
    for yi, at, of, share in zip(
        y, rows["at_or_above"], rows["with_quota"], rows["share_at_or_above"], strict=True
    ):
        note = t("at_or_above", at=str(int(at)), of=str(int(of)))
        if not math.isnan(float(share)):
            note += f" ({t.percent(float(share))})"
        ax.annotate(
            note,
            xy=(0.0, yi),
            xycoords=("axes fraction", "data"),
            xytext=(4, 8),
            textcoords="offset points",
            fontsize="small",
        )
    ax.set_yticks(y, [str(label) for label in rows.index])
    ax.set_ylim(-0.6, len(rows) - 0.2)
    ax.set_xlabel(t("attainment_fraction"))
    ax.set_ylabel(t("segment"))
    ax.set_title(t("attainment_title"))
    ax.legend(loc="best")
    t.apply(ax)
    return ax
