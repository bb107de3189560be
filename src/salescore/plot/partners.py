"""Channel pictures: channel performance, partner tiers over periods, a rebate statement."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap

from salescore.errors import InvalidInputError
from salescore.partners import ChannelPerformance, PartnerTierRule, PartnerTiers, RebateStatement
from salescore.plot._text import Lang, Texts, axes, texts, unit_label

__all__ = ["channel_chart", "partner_tiers_chart", "rebate_chart"]

#: Marks of a tier change written in a partner-tier cell.
_CHANGE_MARKS = {"promoted": "▲", "demoted": "▼", "new": "•"}


def _signed_percent(t: Texts, fraction: float) -> str:
    if math.isnan(fraction):
        return t("na")
    return f"{fraction * 100:+.1f} %"


def channel_chart(
    performance: ChannelPerformance,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """Revenue by channel in the period, the previous period beside it, share and win rate noted.

    One bar per row of :attr:`ChannelPerformance.table
    <salescore.partners.ChannelPerformance>` in its order, of ``revenue``
    [currency] (``gid="revenue"``); when the result was measured against a
    ``previous`` period, an outlined bar of ``previous_revenue`` beside it
    (``gid="previous"``). Above each bar: the channel's share of revenue,
    its win rate and its growth ("n/a" when unknown).

    Parameters
    ----------
    performance : ChannelPerformance
        From :func:`salescore.partners.channel_performance`.
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
        The result has no channel, or ``lang`` is not supported.

    Examples
    --------
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore.calendar import Period
    >>> from salescore.models import Pipeline, Stage
    >>> from salescore.partners import channel_performance
    >>> pipe = Pipeline(stages=(Stage(name="Open", order=0, probability=0.2),
    ...     Stage(name="Won", order=1, probability=1, kind="won"),
    ...     Stage(name="Lost", order=2, probability=0, kind="lost")))
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "owner_id": "R1",
    ...     "amount": [100.0, 60.0, 300.0], "currency": "CNY", "stage": ["Won", "Lost", "Won"],
    ...     "channel_id": ["web", "web", "tmall"],
    ...     "created_on": pd.to_datetime(["2026-01-05", "2026-01-09", "2026-02-02"]),
    ...     "close_date": pd.to_datetime(["2026-02-04", "2026-02-10", "2026-03-01"])})
    >>> out = channel_performance(df, pipe, period=Period.quarter(2026, 1))
    >>> ax = channel_chart(out, ax=Figure().add_subplot())
    >>> [float(bar.get_height()) for bar in ax.patches if bar.get_gid() == "revenue"]
    [300.0, 100.0]
    >>> ax.texts[1].get_text().splitlines()
    ['share 25.0 %', 'win 50.0 %', 'growth n/a']
    """
    table = performance.table
    if table.empty:
        raise InvalidInputError("the channel performance has no channel; there is nothing to draw")
    t = texts(lang)
    ax = axes(ax)
    x = np.arange(len(table), dtype=np.float64)
    revenue = np.asarray([float(v) for v in table["revenue"]], dtype=np.float64)
    width = 0.4 if performance.previous is not None else 0.6
    offset = width / 2 if performance.previous is not None else 0.0
    ax.bar(
        x + offset,
        revenue,
        width=width,
        color="tab:blue",
        label=performance.period.label,
        gid="revenue",
    )
    tops = revenue.copy()
    if performance.previous is not None:
        previous = np.asarray(
            [0.0 if v is None else float(v) for v in table["previous_revenue"]], dtype=np.float64
        )
        ax.bar(
            x - offset,
            previous,
            width=width,
            fill=False,
            edgecolor="tab:gray",
            label=performance.previous.label,
            gid="previous",
        )
        tops = np.maximum(tops, previous)
    top = float(tops.max()) if tops.max() > 0 else 1.0
    for xi, height, share, win, growth in zip(
        x, tops, table["share"], table["win_rate"], table["growth"], strict=True
    ):
        ax.annotate(
            t(
                "channel_note",
                share=t.percent(float(share)),
                win=t.percent(float(win)),
                growth=_signed_percent(t, float(growth)),
            ),
            xy=(xi, float(height) + 0.02 * top),
            ha="center",
            va="bottom",
            fontsize="small",
        )
    names = [t("no_channel") if c is None else str(c) for c in table["channel_id"]]
    ax.set_xticks(x, names)
    ax.set_ylim(0.0, top * 1.35)
    ax.set_xlabel(t("channel"))
    ax.set_ylabel(t("revenue", currency=unit_label(performance.currency)))
    ax.set_title(f"{t('channel_title')}: {performance.period.label}")
    ax.legend(loc="upper right", fontsize="small")
    t.apply(ax)
    return ax


def partner_tiers_chart(
    tiers: PartnerTiers,
    rule: PartnerTierRule,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """Partners × periods coloured by the tier each partner held after the period.

    Each cell's colour is the level of the ``tier`` held (0 is the rule's
    ``entry`` level, then its tiers from the lowest; read it back from
    ``ax.images[0].get_array()``, NaN where a partner has no record for the
    period); the cell says the tier and marks a promotion ▲, a demotion ▼
    or a new partner •. A colour bar names the levels.

    Parameters
    ----------
    tiers : PartnerTiers
        From :func:`salescore.partners.partner_tiers`.
    rule : PartnerTierRule
        The rule it was computed under: the order of the levels.
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
        The result is empty, names a tier the rule does not have, or
        ``lang`` is not supported.

    Examples
    --------
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore.calendar import Period
    >>> from salescore.partners import PartnerPeriod, PartnerTier, partner_tiers
    >>> rule = PartnerTierRule(tiers=[PartnerTier(name="Silver", min_revenue=100000),
    ...                               PartnerTier(name="Gold", min_revenue=500000)])
    >>> hist = [PartnerPeriod(partner_id="P1", period=Period.quarter(2026, q), revenue=r)
    ...         for q, r in [(1, 600000), (2, 300000), (3, 200000), (4, 700000)]]
    >>> ax = partner_tiers_chart(partner_tiers(rule, hist), rule, ax=Figure().add_subplot())
    >>> ax.images[0].get_array()[0].tolist()
    [2.0, 2.0, 1.0, 2.0]
    >>> [text.get_text() for text in ax.texts]
    ['Gold •', 'Gold', 'Silver ▼', 'Gold ▲']
    """
    table = tiers.table
    if table.empty:
        raise InvalidInputError("the partner tiers are empty; there is nothing to draw")
    levels = list(rule.names)
    unknown = sorted(set(table["tier"]) - set(levels))
    if unknown:
        raise InvalidInputError(
            f"tiers {unknown} are not levels of the rule; allowed: {levels}: pass the rule "
            "the tiers were computed under"
        )
    t = texts(lang)
    periods = (
        table[["period_start", "period_end", "period"]]
        .drop_duplicates()
        .sort_values(["period_start", "period_end"], kind="stable")
    )
    columns = {
        (start, end): j
        for j, (start, end) in enumerate(
            zip(periods["period_start"], periods["period_end"], strict=True)
        )
    }
    partners = list(dict.fromkeys(str(p) for p in table["partner_id"]))
    rows = {p: i for i, p in enumerate(partners)}
    grid = np.full((len(partners), len(columns)), np.nan)
    ax = axes(ax)
    for record in table.itertuples(index=False):
        i = rows[str(record.partner_id)]
        j = columns[(record.period_start, record.period_end)]
        grid[i, j] = levels.index(str(record.tier))
        mark = _CHANGE_MARKS.get(str(record.change))
        ax.text(
            j,
            i,
            f"{record.tier} {mark}" if mark else str(record.tier),
            ha="center",
            va="center",
            fontsize="small",
        )
    blues = colormaps["Blues"](np.linspace(0.3, 0.85, len(levels) - 1))
    colours = ListedColormap([(0.85, 0.85, 0.85, 1.0), *[tuple(c) for c in blues]])
    norm = BoundaryNorm(np.arange(len(levels) + 1) - 0.5, len(levels))
    image = ax.imshow(grid, aspect="auto", cmap=colours, norm=norm)
    ax.set_xticks(np.arange(len(columns), dtype=np.float64), [str(p) for p in periods["period"]])
    ax.set_yticks(np.arange(len(partners), dtype=np.float64), partners)
    figure = ax.get_figure()
    assert figure is not None
    bar = figure.colorbar(image, ax=ax, ticks=np.arange(len(levels)))
    bar.ax.set_yticklabels(levels)
    bar.set_label(t("tier_level"))
    ax.set_xlabel(t("period"))
    ax.set_ylabel(t("partner"))
    ax.set_title(t("tiers_title"))
    t.apply(ax)
    t.apply(bar.ax)
    return ax


def _rate(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


def rebate_chart(
    statement: RebateStatement,
    *,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """A rebate statement as a waterfall: each line's amount stacked up to the total.

    One floating bar per line of the statement, in order (``gid="line"``):
    it starts where the lines before it ended and is as tall as its
    ``amount`` [currency], labelled with its tier and rate and written
    ``base × rate``; the last bar is the ``total`` from 0 (``gid="total"``).
    The lines add up to the total to the minor unit, so the last floating
    bar ends exactly at the total's top.

    Parameters
    ----------
    statement : RebateStatement
        From :func:`salescore.partners.rebate_statement`.
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
        ``lang`` is not supported.

    Examples
    --------
    >>> from datetime import date
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore.calendar import Period
    >>> from salescore.partners import PartnerSale, RebateTier, VolumeRebate, rebate_statement
    >>> vr = VolumeRebate(name="VR", currency="CNY", mode="marginal",
    ...                   tiers=[RebateTier(lower=0, upper=100000, rate="0.01"),
    ...                          RebateTier(lower=100000, rate="0.03")])
    >>> sales = [PartnerSale(deal_id="D1", partner_id="P1", sold_on=date(2026, 1, 9),
    ...                      amount="150000.50")]
    >>> st = rebate_statement(vr, "P1", sales, Period.quarter(2026, 1))
    >>> ax = rebate_chart(st, ax=Figure().add_subplot())
    >>> [(float(b.get_y()), float(b.get_height())) for b in ax.patches]
    [(0.0, 1000.0), (1000.0, 1500.02), (0.0, 2500.02)]
    """
    t = texts(lang)
    ax = axes(ax)
    labels: list[str] = []
    bottom = Decimal(0)
    for i, line in enumerate(statement.lines):
        ax.bar(
            float(i),
            float(line.amount),
            bottom=float(bottom),
            width=0.6,
            color="tab:blue",
            gid="line",
        )
        ax.annotate(
            t("rebate_line", base=f"{line.base:,}", rate=_rate(line.rate)),
            xy=(float(i), float(bottom + line.amount)),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize="small",
        )
        bottom += line.amount
        if line.kind == "back_end":
            labels.append(t("back_end", rate=_rate(line.rate)))
        elif line.tier == 0:
            labels.append(t("rebate_above", rate=_rate(line.rate)))
        else:
            labels.append(t("rebate_tier", tier=str(line.tier), rate=_rate(line.rate)))
    n = len(statement.lines)
    ax.bar(float(n), float(statement.total), width=0.6, color="tab:green", gid="total")
    ax.annotate(
        f"{statement.total:,} {statement.currency}",
        xy=(float(n), float(statement.total)),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        fontsize="small",
    )
    labels.append(t("rebate_total"))
    ax.set_xticks(np.arange(n + 1, dtype=np.float64), labels)
    ax.margins(y=0.15)
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel(t("rebate_line_label"))
    ax.set_ylabel(t("rebate_amount", currency=statement.currency))
    ax.set_title(
        t(
            "rebate_title",
            program=statement.program,
            partner=statement.partner_id,
            period=statement.period.label,
        )
    )
    t.apply(ax)
    return ax
