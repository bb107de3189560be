"""The review pack: one call that assembles the weekly or monthly review (例会) of a team.

:func:`review` takes what the caller has (targets, deals, bookings, stage
histories, last week's snapshot, next period's targets) and runs the
calculators a manager would run one by one, never reimplementing them:

=====================  ===========================================================
part of the pack       calculator
=====================  ===========================================================
pace and attainment    :func:`~salescore.goals.pace`, :func:`~salescore.goals.attainment`
funnel                 :func:`~salescore.funnel.funnel_frame`
pipeline needed        :func:`~salescore.funnel.required_pipeline`,
                       :func:`~salescore.funnel.pipeline_coverage`
bottleneck stages      :func:`~salescore.funnel.bottlenecks`
ageing deals           :func:`~salescore.funnel.aging_frame`
activities             :func:`~salescore.activities.activity_counts`,
                       :func:`~salescore.activities.idle_open_deals`
forecast               :func:`~salescore.forecast.weighted`, :func:`~salescore.forecast.simulate`
what changed           :func:`~salescore.review.pipeline_changes`
next period's targets  :func:`~salescore.smart.assess_tree`
=====================  ===========================================================

Every sentence of the pack is a :class:`~salescore.review.texts.Line`: a
stable code, the numbers it states, and text in English and Chinese.

Actions are ordered by the money at stake (``impact``, largest first: a
team's pipeline gap or shortfall, a rep's shortfall, the amount of ageing
deals, the amount of deals left alone since they moved, a bottleneck's
gain, the amount that slipped), with fixing next
period's targets last; at most ``max_actions`` are kept.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from salescore.activities import ACTIVITIES, activity_counts, idle_open_deals
from salescore.calendar import FiscalCalendar, Grain, Period, WorkCalendar
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.forecast import Simulation, WeightedForecast, simulate, weighted
from salescore.frames import (
    OPPORTUNITIES,
    STAGE_CHANGES,
    CheckedFrame,
    from_frame,
    history_frame,
    to_frame,
)
from salescore.funnel import (
    Coverage,
    FunnelReport,
    RequiredPipeline,
    aging_frame,
    bottlenecks,
    funnel_frame,
    pipeline_coverage,
    required_pipeline,
)
from salescore.goals import attainment, pace
from salescore.goals.weights import TimeWeights
from salescore.models import (
    Activity,
    Opportunity,
    Organization,
    OwnerKind,
    Pipeline,
    StageKind,
    Target,
)
from salescore.money import CURRENCIES, Money
from salescore.review.changes import PipelineChanges, pipeline_changes
from salescore.review.texts import Lang, Line, Value, heading, lang_index
from salescore.serialization import Result
from salescore.smart import TreeAssessment, assess_tree

__all__ = ["ReviewPack", "review"]

_MONEY_COLUMNS: Final = ("target", "expected", "actual", "variance", "remaining")
_NO_TEAM: Final = "(no team)"
_SECTIONS: Final = (
    "summary",
    "pace",
    "gap",
    "funnel",
    "aging",
    "activities",
    "forecast",
    "changes",
    "smart",
)


@dataclass(frozen=True, eq=False)
class ReviewPack(Result):
    """A review of one period for one node of the organisation.

    Attributes
    ----------
    period : Period
        The period reviewed.
    as_of : date
        The first day not counted yet (bookings dated before it count).
    node : str or None
        The team or rep reviewed; ``None`` for the whole organisation.
    currency : str
        ISO 4217 code of every amount.
    goal, expected, actual, remaining : Money
        Sums over the reps in scope of their targets, of what the plan
        expected by ``as_of``, of what they booked, and of what is still
        needed (each rep's own remaining, floored at 0) [currency].
    owners : pandas.DataFrame
        One row per rep with a target, indexed by ``owner_id``: ``name``,
        ``team_id``, ``target``, ``expected``, ``actual``, ``variance``
        (actual − expected), ``remaining`` as Decimal [currency] with their
        ``*_minor`` twins, ``attainment`` (actual ÷ target) and ``pace_gap``
        (actual ÷ expected − 1; NaN when nothing was expected yet)
        [fraction], and ``on_pace``; each row is the rep's
        :func:`~salescore.goals.pace` and :func:`~salescore.goals.attainment`.
    teams : pandas.DataFrame
        The same sums per team of the reps (``team_id`` index; reps outside
        the organisation under ``"(no team)"``), with ``pace_gap``,
        ``attainment`` and ``on_pace`` recomputed from the sums, and the
        team's ``open_pipeline`` [currency] from the forecast.
    forecast : WeightedForecast
        :func:`~salescore.forecast.weighted` of the node's deals in the period.
    simulation : Simulation
        :func:`~salescore.forecast.simulate` of the same deals.
    level : float
        The level of the reported interval [fraction].
    funnel : FunnelReport
        :func:`~salescore.funnel.funnel_frame` of the node's deals, by team.
    coverage : Coverage or None
        :func:`~salescore.funnel.pipeline_coverage` of ``remaining`` by the
        open pipeline at the funnel's win rate (None when nothing remains or
        the win rate is unknown or zero).
    required : RequiredPipeline or None
        :func:`~salescore.funnel.required_pipeline` of ``remaining`` (None
        when nothing remains or the funnel's conversions are unknown).
    bottlenecks : pandas.DataFrame or None
        :func:`~salescore.funnel.bottlenecks` against the benchmark.
    aging : pandas.DataFrame or None
        The overdue rows of :func:`~salescore.funnel.aging_frame`, longest in
        stage first, with ``owner_id`` and ``amount`` [currency] joined.
    activity : pandas.DataFrame or None
        With activities: one row per rep in scope (``owner_id`` index), one
        column per activity kind and ``total``, counting what they logged in
        the period before ``as_of``
        (:func:`~salescore.activities.activity_counts`).
    idle : pandas.DataFrame or None
        With activities and stage histories: the node's open deals with no
        activity since their last stage change
        (:func:`~salescore.activities.idle_open_deals` at midnight UTC of
        ``as_of``), longest idle first, ``amount`` as Decimal [currency]
        with ``amount_minor``.
    changes : PipelineChanges or None
        :func:`~salescore.review.pipeline_changes` from the previous snapshot.
    smart : TreeAssessment or None
        :func:`~salescore.smart.assess_tree` of next period's targets.
    lines : tuple of Line
        Every sentence, in section order; actions ordered by impact.
    """

    period: Period
    as_of: date
    node: str | None
    currency: str
    goal: Money
    expected: Money
    actual: Money
    remaining: Money
    owners: pd.DataFrame
    teams: pd.DataFrame
    forecast: WeightedForecast
    simulation: Simulation
    level: float
    funnel: FunnelReport
    coverage: Coverage | None
    required: RequiredPipeline | None
    bottlenecks: pd.DataFrame | None
    aging: pd.DataFrame | None
    changes: PipelineChanges | None
    smart: TreeAssessment | None
    lines: tuple[Line, ...]
    activity: pd.DataFrame | None = None
    idle: pd.DataFrame | None = None

    @property
    def actions(self) -> tuple[Line, ...]:
        """The ordered actions."""
        return tuple(line for line in self.lines if line.section == "actions")

    def section(self, name: str) -> tuple[Line, ...]:
        """The lines of one section."""
        return tuple(line for line in self.lines if line.section == name)

    def frames(self) -> dict[str, pd.DataFrame]:
        """The pack's tables by name (those that were assessed)."""
        out = {
            "owners": self.owners,
            "teams": self.teams,
            "forecast_by_owner": self.forecast.by_owner,
        }
        out["funnel"] = self.funnel.overall
        if self.required is not None:
            out["required_pipeline"] = self.required.table
        if self.bottlenecks is not None:
            out["bottlenecks"] = self.bottlenecks
        if self.aging is not None:
            out["aging"] = self.aging
        if self.activity is not None:
            out["activity"] = self.activity
        if self.idle is not None:
            out["idle"] = self.idle
        if self.changes is not None:
            out["changes"] = self.changes.buckets
        if self.smart is not None:
            out["smart"] = self.smart.findings
        return out

    # ------------------------------------------------------------------ rendering
    def _blocks(
        self, lang: Lang
    ) -> list[tuple[str, list[str], list[list[str]] | None, str | None]]:
        """(heading, sentences, table rows with header first, chart key) per section."""
        blocks: list[tuple[str, list[str], list[list[str]] | None, str | None]] = []
        for name in _SECTIONS:
            texts = [line.text(lang) for line in self.section(name)]
            table: list[list[str]] | None = None
            chart: str | None = None
            if name == "pace" and len(self.owners):
                table = [
                    [
                        heading(k, lang)
                        for k in (
                            "owner",
                            "team",
                            "target",
                            "expected",
                            "actual",
                            "attainment",
                            "pace_gap",
                        )
                    ]
                ]
                for owner, row in self.owners.iterrows():
                    table.append(
                        [
                            str(row["name"] or owner),
                            str(row["team_id"] or ""),
                            f"{row['target']:,}",
                            f"{row['expected']:,}",
                            f"{row['actual']:,}",
                            _pct(row["attainment"]),
                            _pct(row["pace_gap"], signed=True),
                        ]
                    )
            if name == "gap" and self.required is not None:
                table = [[heading(k, lang) for k in ("stage", "deals", "amount", "enter_by")]]
                for stage, row in self.required.table.iterrows():
                    table.append(
                        [
                            str(stage),
                            str(row["deals"]),
                            f"{row['amount']:,}",
                            "" if row["enter_by"] is None else str(row["enter_by"]),
                        ]
                    )
            if name == "funnel":
                chart = "funnel"
            if name == "forecast":
                chart = "simulation"
            if name == "changes" and self.changes is not None:
                chart = "changes"
            if texts or table:
                blocks.append((heading(name, lang), texts, table, chart))
        actions = [line.text(lang) for line in self.actions]
        blocks.append((heading("actions", lang), actions, None, None))
        notes = [line.text(lang) for line in self.section("notes")]
        if notes:
            blocks.append((heading("notes", lang), notes, None, None))
        return blocks

    def _title(self, lang: Lang) -> str:
        node = self.node if self.node is not None else heading("everyone", lang)
        scope = heading("scope", lang, node=node, period=self.period.label, as_of=self.as_of)
        colon = "：" if lang == "zh-CN" else ": "
        return f"{heading('title', lang)}{colon}{scope}"

    def to_markdown(self, lang: Lang = "en") -> str:
        """The pack as plain Markdown a manager can paste (no pictures).

        Parameters
        ----------
        lang : {"en", "zh-CN"}
            Language of every heading and sentence.

        Examples
        --------
        >>> pack = _example_pack()
        >>> print(pack.to_markdown("zh-CN").splitlines()[0])
        # 销售例会：east · 2026-Q2 · 截至 2026-05-15
        """
        lang_index(lang)
        out = [f"# {self._title(lang)}", ""]
        for title, texts, table, _ in self._blocks(lang):
            out += [f"## {title}", ""]
            if title == heading("actions", lang):
                out += [f"{n}. {text}" for n, text in enumerate(texts, 1)]
            else:
                out += [f"- {text}" for text in texts]
            if table:
                out += [
                    "",
                    "| " + " | ".join(table[0]) + " |",
                    "|" + "|".join("---" for _ in table[0]) + "|",
                ]
                out += [
                    "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |"
                    for row in table[1:]
                ]
            out.append("")
        return "\n".join(out)

    def to_html(self, lang: Lang = "en", *, charts: bool = True) -> str:
        """The pack as one self-contained HTML fragment, charts inline as base64 PNGs.

        A pure function: it returns a string and writes no file. Charts (the
        funnel, the simulated bookings and, when there is a previous snapshot,
        the pipeline waterfall) need the ``salescore[plot]`` extra; without
        matplotlib, or with ``charts=False``, the HTML has none.

        Parameters
        ----------
        lang : {"en", "zh-CN"}
            Language of every heading, sentence and chart label.
        charts : bool
            Draw the charts when matplotlib is installed.

        Examples
        --------
        >>> page = _example_pack().to_html(charts=False)
        >>> page.startswith("<article"), "<h2>Actions</h2>" in page
        (True, True)
        """
        lang_index(lang)
        drawn = self._charts(lang) if charts else {}
        out = [
            f'<article class="salescore-review" lang="{lang}">',
            f"<h1>{html.escape(self._title(lang))}</h1>",
        ]
        for title, texts, table, chart in self._blocks(lang):
            out.append(f"<h2>{html.escape(title)}</h2>")
            tag = "ol" if title == heading("actions", lang) else "ul"
            out.append(
                f"<{tag}>" + "".join(f"<li>{html.escape(t)}</li>" for t in texts) + f"</{tag}>"
            )
            if table:
                head = "".join(f"<th>{html.escape(c)}</th>" for c in table[0])
                body = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                    for row in table[1:]
                )
                out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            if chart is not None and chart in drawn:
                alt = html.escape(heading(f"chart_{chart}", lang))
                out.append(f'<img alt="{alt}" src="data:image/png;base64,{drawn[chart]}">')
        out.append("</article>")
        return "\n".join(out)

    def _charts(self, lang: Lang) -> dict[str, str]:
        try:
            from matplotlib.figure import Figure

            from salescore.plot import funnel_chart, simulation_chart
            from salescore.plot.review import pipeline_waterfall
        except ImportError:  # pragma: no cover - exercised only without the plot extra
            return {}
        drawn: dict[str, str] = {}
        jobs: list[tuple[str, Any]] = [
            ("funnel", lambda ax: funnel_chart(self.funnel, ax=ax, lang=lang)),
        ]
        if self.simulation.n:
            jobs.append(
                ("simulation", lambda ax: simulation_chart(self.simulation, ax=ax, lang=lang))
            )
        if self.changes is not None:
            changes = self.changes
            jobs.append(("changes", lambda ax: pipeline_waterfall(changes, ax=ax, lang=lang)))
        for key, draw in jobs:
            figure = Figure(figsize=(7.0, 4.0), layout="constrained")
            draw(figure.add_subplot())
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=80)
            drawn[key] = base64.b64encode(buffer.getvalue()).decode("ascii")
        return drawn


def _pct(value: Any, *, signed: bool = False) -> str:
    number = float(value)
    if math.isnan(number):
        return "–"
    return f"{number:+.1%}" if signed else f"{number:.1%}"


# --------------------------------------------------------------------------- inputs
def _frame(opportunities: Sequence[Opportunity] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(opportunities, pd.DataFrame):
        return opportunities
    if isinstance(opportunities, Sequence):
        return to_frame(list(opportunities), model=Opportunity)
    raise InvalidInputError(
        "opportunities must be an OPPORTUNITIES DataFrame or a sequence of Opportunity models, "
        f"got {type(opportunities).__name__}"
    )


def _scope(
    org: Organization | None, node: str | None, targets: Sequence[Target]
) -> tuple[list[str], dict[str, str | None], dict[str, str | None]]:
    """Rep ids in scope, each rep's team and name."""
    if org is None:
        owners = sorted({t.owner.id for t in targets if t.owner is not None and t.owner.id})
        if node is not None:
            if node not in owners:
                raise InvalidInputError(
                    f"node {node!r} is not a rep with a target; without an organisation the "
                    f"node must be one of {owners}"
                )
            owners = [node]
        return owners, dict.fromkeys(owners), dict.fromkeys(owners)
    teams = {r.id: r.team_id for r in org.reps}
    names: dict[str, str | None] = {r.id: r.name for r in org.reps}
    if node is None:
        reps = [r.id for r in org.reps]
    elif node in org.teams_by_id:
        reps = [r.id for r in org.reps_in(node)]
    elif node in teams:
        reps = [node]
    else:
        raise InvalidInputError(
            f"node {node!r} is neither a team nor a rep of the organisation; teams: "
            f"{sorted(org.teams_by_id)}"
        )
    return reps, {r: teams[r] for r in reps}, {r: names[r] for r in reps}


def _rep_targets(
    targets: Sequence[Target], reps: Sequence[str], period: Period
) -> dict[str, Target]:
    wanted = set(reps)
    out: dict[str, Target] = {}
    for t in targets:
        owner = t.owner
        if owner is None or owner.kind is not OwnerKind.REP or owner.id not in wanted:
            continue
        if t.period != period or t.kind != "money":
            continue
        if owner.id in out:
            raise InvalidInputError(
                f"rep {owner.id!r} has two money targets for {period.label} "
                f"({out[owner.id].id!r} and {t.id!r}); give one per rep and period"
            )
        out[owner.id] = t
    currencies = sorted({str(t.currency) for t in out.values()})
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            f"the reps' targets are in {', '.join(currencies)}; review one currency at a time"
        )
    return out


def _bookings(
    bookings: pd.DataFrame | None, deals: pd.DataFrame, pipeline: Pipeline
) -> pd.DataFrame:
    if bookings is not None:
        missing = [c for c in ("owner_id", "date", "amount") if c not in bookings.columns]
        if missing:
            raise InvalidInputError(
                f"bookings lacks the columns {missing}; give owner_id, date and amount"
            )
        return bookings
    won = {s.name for s in pipeline if s.kind is StageKind.WON}
    rows = deals[deals["stage"].isin(won) & deals["close_date"].notna()]
    return pd.DataFrame(
        {
            "owner_id": rows["owner_id"].to_numpy(dtype=object),
            "date": pd.to_datetime(rows["close_date"]).to_numpy(),
            "amount": rows["amount"].to_numpy(dtype=np.float64),
        }
    )


def _money(value: Money | Decimal) -> Money:
    assert isinstance(value, Money)
    return value


def _amount(money: Money) -> str:
    return str(money.amount)


# --------------------------------------------------------------------------- review
def review(
    opportunities: Sequence[Opportunity] | pd.DataFrame,
    pipeline: Pipeline,
    *,
    period: Period,
    as_of: date,
    targets: Sequence[Target] | pd.DataFrame,
    organization: Organization | None = None,
    node: str | None = None,
    bookings: pd.DataFrame | None = None,
    stage_changes: pd.DataFrame | None = None,
    lost_stage_column: str | None = None,
    previous: Sequence[Opportunity] | pd.DataFrame | None = None,
    next_targets: Sequence[Target] | pd.DataFrame | None = None,
    benchmark: FunnelReport | dict[str, float] | None = None,
    activities: Sequence[Activity] | pd.DataFrame | None = None,
    grain: Grain = "month",
    weights: TimeWeights = "even",
    calendar: FiscalCalendar | None = None,
    work_calendar: WorkCalendar | None = None,
    level: float = 0.8,
    runs: int = 2000,
    seed: int = 0,
    percentile: float = 0.9,
    max_actions: int = 7,
    rounding: str = ROUND_HALF_EVEN,
) -> ReviewPack:
    """Assemble the review of ``period`` for one node of the organisation.

    Parameters
    ----------
    opportunities : pandas.DataFrame or sequence of Opportunity
        The deals as they stand now (:data:`~salescore.frames.OPPORTUNITIES`
        frame or models; models carry their stage histories).
    pipeline : Pipeline
        Stages, probabilities and categories.
    period : Period
        The period reviewed.
    as_of : date
        The first day not counted yet, within the period.
    targets : sequence of Target or pandas.DataFrame
        Targets; the reps' money targets of exactly ``period`` are used (one
        per rep), the rest ignored. A frame follows the TARGETS contract.
    organization : Organization, optional
        The team tree; without it the node must be a rep with a target.
    node : str, optional
        A team (with every team below it) or a rep; the whole organisation
        by default.
    bookings : pandas.DataFrame, optional
        Booked amounts: ``owner_id``, ``date``, ``amount`` [currency]. By
        default the won deals of ``opportunities`` on their ``close_date``.
    stage_changes : pandas.DataFrame, optional
        The STAGE_CHANGES frame; with models it is read from their
        histories. Needed for ageing deals and stage durations.
    lost_stage_column : str, optional
        Without histories, the column of ``opportunities`` naming the stage
        each lost deal was lost at (see
        :func:`~salescore.funnel.funnel_counts_frame`); the funnel's
        conversions are then known.
    previous : pandas.DataFrame or sequence of Opportunity, optional
        Last review's snapshot of the deals, for what changed.
    next_targets : sequence of Target or pandas.DataFrame, optional
        Next period's targets, assessed for SMART.
    benchmark : FunnelReport or mapping of stage to conversion, optional
        What the node's funnel is compared with; by default the whole
        organisation's funnel when ``node`` narrows it.
    activities : sequence of Activity or pandas.DataFrame, optional
        The reps' activities (:data:`~salescore.activities.ACTIVITIES`
        frame or models): counted per rep, and, with stage histories, read
        for the open deals left alone since they last moved.
    grain, weights, calendar, work_calendar
        The goal curve of :func:`~salescore.goals.pace`.
    level : float
        Level of the forecast interval [fraction].
    runs, seed : int
        Monte Carlo runs and seed of :func:`~salescore.forecast.simulate`.
    percentile : float
        Of past stays, above which a deal is ageing [fraction].
    max_actions : int
        How many actions to keep.
    rounding : str
        Rounding mode of the forecast totals.

    Returns
    -------
    ReviewPack

    Raises
    ------
    InvalidInputError
        ``as_of`` outside the period, an unknown node, two targets for a
        rep, bookings without the needed columns.
    CurrencyMismatchError
        Targets in several currencies, or deals in another one.

    Examples
    --------
    >>> pack = _example_pack()
    >>> str(pack.goal), str(pack.actual), pack.teams.index.tolist()
    ('7500000.00 CNY', '3317000.00 CNY', ['east'])
    >>> [line.code for line in pack.actions][:2]
    ['action.aging', 'action.team_pipeline']
    >>> print(pack.actions[1].text("zh-CN"))
    团队 east 落后进度 9%；按其 59% 的赢率，需在 2026-05-27 前在 Qualify 阶段增加 ... 的管道
    """
    if not isinstance(period, Period):
        raise InvalidInputError(f"period {period!r} is not a Period")
    if not isinstance(as_of, date) or not period.start <= as_of <= period.end:
        raise InvalidInputError(
            f"as_of {as_of!r} is outside the period [{period.start}, {period.end}]"
        )
    if isinstance(max_actions, bool) or not isinstance(max_actions, int) or max_actions < 0:
        raise InvalidInputError(f"max_actions {max_actions!r} must be a whole number >= 0")
    models = list(targets) if not isinstance(targets, pd.DataFrame) else from_frame(targets, Target)
    # Each frame is checked once here; the calculators below take the checked
    # frames (and subsets of them) without checking them again.
    deals = CheckedFrame.of(_frame(opportunities), OPPORTUNITIES)
    if stage_changes is None and not isinstance(opportunities, pd.DataFrame):
        items = list(opportunities)
        if any(o.history for o in items):
            stage_changes = history_frame(items)
    histories = None if stage_changes is None else CheckedFrame.of(stage_changes, STAGE_CHANGES)
    acts = (
        CheckedFrame.of(activities, ACTIVITIES)
        if isinstance(activities, pd.DataFrame)
        else activities
    )
    reps, team_of, name_of = _scope(organization, node, models)
    by_rep = _rep_targets(models, reps, period)
    draft = _Draft()

    narrowed = (organization is not None and node is not None) or organization is None
    node_deals, node_changes = _of_node(deals, histories, reps, narrowed)

    # -- forecast first: it fixes the currency of the deals
    forecast = weighted(node_deals, pipeline, period=period, rounding=rounding)
    currency = str(next(iter(by_rep.values())).currency) if by_rep else forecast.currency
    if forecast.currency != currency and len(node_deals):
        raise CurrencyMismatchError(
            f"the deals forecast in {forecast.currency} but the targets are in {currency}"
        )
    places = CURRENCIES[currency]
    simulation = simulate(node_deals, pipeline, seed=seed, n=runs, period=period)

    # -- pace and attainment by rep and team
    booked = _bookings(bookings, deals.frame, pipeline)
    curve = _GoalCurve(as_of, grain, weights, calendar, work_calendar)
    owners = _owner_table(by_rep, booked, curve, name_of, team_of, places)
    teams = _team_table(owners, forecast, places)
    total = {c: int(owners[f"{c}_minor"].sum()) if len(owners) else 0 for c in _MONEY_COLUMNS}
    goal, expected, actual, remaining = (
        Money.from_minor(total[c], currency) for c in ("target", "expected", "actual", "remaining")
    )

    # -- the funnel of the node, by team
    frame = node_deals.assign(
        team_id=node_deals.frame["owner_id"].map(team_of).fillna(_NO_TEAM).to_numpy(dtype=object)
    )
    source: Literal["snapshot"] | None = (
        None if node_changes is not None or lost_stage_column is not None else "snapshot"
    )
    report = funnel_frame(
        frame,
        pipeline,
        stage_changes=node_changes,
        source=source,
        by=["team_id"],
        lost_stage_column=lost_stage_column,
    )

    if by_rep:
        _summary_lines(draft, goal, expected, actual, owners, as_of)
    else:
        draft.lines.append(Line(code="notes.no_targets", section="notes"))
    _pace_lines(draft, teams, owners, currency)
    coverage, required = (
        _gap_lines(draft, goal, actual, remaining, forecast, report, as_of, period)
        if by_rep
        else (None, None)
    )
    _team_actions(draft, teams, report, _entry(required, pipeline), currency)

    # -- bottlenecks, against the whole organisation when the node narrows it
    compare = benchmark
    if compare is None and organization is not None and node is not None:
        compare = funnel_frame(
            deals.assign(team_id=_NO_TEAM),
            pipeline,
            stage_changes=histories,
            source=source,
            lost_stage_column=lost_stage_column,
        )
    table = _bottleneck_lines(draft, report, compare)

    aging: pd.DataFrame | None = None
    if node_changes is None or report.inference != "history":
        draft.lines.append(Line(code="notes.no_history", section="notes"))
    else:
        aged = aging_frame(
            node_deals, node_changes, report, pipeline, as_of=as_of, percentile=percentile
        )
        aging = _aging_lines(draft, aged, node_deals.frame, percentile, currency)

    activity: pd.DataFrame | None = None
    idle: pd.DataFrame | None = None
    if acts is None:
        draft.lines.append(Line(code="notes.no_activities", section="notes"))
    else:
        activity = _activity_table(acts, reps, narrowed, period, as_of)
        _activity_summary(draft, activity)
        if node_changes is None:
            draft.lines.append(Line(code="notes.no_idle", section="notes"))
        else:
            idle = _idle_deals(node_deals, node_changes, pipeline, acts, as_of, places)
            _idle_lines(draft, idle, currency)

    _forecast_lines(draft, forecast, goal, simulation, level, seed)

    changes: PipelineChanges | None = None
    if previous is None:
        draft.lines.append(Line(code="notes.no_previous", section="notes"))
    else:
        before = _frame(previous)
        before = before[before["owner_id"].isin(reps).to_numpy()] if narrowed else before
        changes = pipeline_changes(before, node_deals, pipeline, period=period, currency=currency)
        _change_lines(draft, changes)

    smart: TreeAssessment | None = None
    if next_targets is None:
        draft.lines.append(Line(code="notes.no_next_targets", section="notes"))
    else:
        smart = _smart_lines(draft, next_targets, organization, as_of)

    kept = _ranked(draft.actions, max_actions)
    if not kept and by_rep and bool(owners["on_pace"].all()):
        kept = [Line(code="action.none", section="actions")]
    notes = [line for line in draft.lines if line.section == "notes"]
    body = [line for line in draft.lines if line.section != "notes"]
    return ReviewPack(
        period=period,
        as_of=as_of,
        node=node,
        currency=currency,
        goal=goal,
        expected=expected,
        actual=actual,
        remaining=remaining,
        owners=owners,
        teams=teams,
        forecast=forecast,
        simulation=simulation,
        level=level,
        funnel=report,
        coverage=coverage,
        required=required,
        bottlenecks=table,
        aging=aging,
        changes=changes,
        smart=smart,
        lines=(*body, *kept, *notes),
        activity=activity,
        idle=idle,
    )


# --------------------------------------------------------------------------- sections
def _of_node(
    deals: CheckedFrame, stage_changes: CheckedFrame | None, reps: Sequence[str], narrowed: bool
) -> tuple[CheckedFrame, CheckedFrame | None]:
    """The deals of the node's reps and their stage changes (all of them for the whole org)."""
    if not narrowed:
        return deals, stage_changes
    node_deals = deals.rows(deals.frame["owner_id"].isin(reps).to_numpy(dtype=bool))
    if stage_changes is None:
        return node_deals, None
    ids = node_deals.frame["id"]
    return node_deals, stage_changes.rows(
        stage_changes.frame["opportunity_id"].isin(ids).to_numpy(dtype=bool)
    )


@dataclass
class _Draft:
    """The lines of the pack as its sections write them, and the actions they propose."""

    lines: list[Line] = field(default_factory=list)
    actions: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class _GoalCurve:
    """How :func:`~salescore.goals.pace` spreads a target over the period."""

    as_of: date
    grain: Grain
    weights: TimeWeights
    calendar: FiscalCalendar | None
    work_calendar: WorkCalendar | None


def _owner_table(
    by_rep: dict[str, Target],
    booked: pd.DataFrame,
    curve: _GoalCurve,
    name_of: dict[str, str | None],
    team_of: dict[str, str | None],
    places: int,
) -> pd.DataFrame:
    """Each rep's target, expected and actual to date, variance, remaining and attainment."""
    per_owner = {str(k): g for k, g in booked.groupby("owner_id", sort=False)}
    records: list[dict[str, Any]] = []
    for rep in sorted(by_rep):
        target = by_rep[rep]
        rows = per_owner.get(rep)
        series = (
            pd.Series(
                rows["amount"].to_numpy(dtype=np.float64),
                index=pd.DatetimeIndex(pd.to_datetime(rows["date"])),
            )
            if rows is not None
            else pd.Series([], dtype=np.float64, index=pd.DatetimeIndex([]))
        )
        p = pace(
            target,
            series,
            curve.as_of,
            grain=curve.grain,
            weights=curve.weights,
            calendar=curve.calendar,
            work_calendar=curve.work_calendar,
        )
        a = attainment(target, p.actual_to_date)
        record: dict[str, Any] = {
            "owner_id": rep,
            "name": name_of.get(rep),
            "team_id": team_of.get(rep),
        }
        for column, value in (
            ("target", p.target),
            ("expected", p.expected_to_date),
            ("actual", p.actual_to_date),
            ("variance", p.variance_to_date),
            ("remaining", p.remaining),
        ):
            record[f"{column}_minor"] = _money(value).to_minor()
        record["attainment"] = math.nan if a.attainment is None else float(a.attainment)
        record["on_pace"] = p.on_pace
        records.append(record)
    return _table(records, "owner_id", places)


def _team_table(owners: pd.DataFrame, forecast: WeightedForecast, places: int) -> pd.DataFrame:
    """The reps' rows summed by team, with each team's open pipeline."""
    team_rows: list[dict[str, Any]] = []
    if len(owners):
        keys = owners["team_id"].fillna(_NO_TEAM)
        sums = owners[[f"{c}_minor" for c in _MONEY_COLUMNS]].groupby(keys.to_numpy()).sum()
        open_by_owner = forecast.by_owner["pipeline_minor"]
        for team, row in sums.iterrows():
            members = owners.index[keys.to_numpy() == team]
            record: dict[str, Any] = {"team_id": team, **{str(k): int(v) for k, v in row.items()}}
            record["open_pipeline_minor"] = int(open_by_owner.reindex(members).fillna(0).sum())
            record["on_pace"] = record["actual_minor"] >= record["expected_minor"]
            record["attainment"] = (
                record["actual_minor"] / record["target_minor"]
                if record["target_minor"]
                else math.nan
            )
            team_rows.append(record)
    return _table(team_rows, "team_id", places, extra=("open_pipeline",))


def _summary_lines(
    draft: _Draft, goal: Money, expected: Money, actual: Money, owners: pd.DataFrame, as_of: date
) -> None:
    share = float(actual.amount / goal.amount) if goal.amount else math.nan
    draft.lines.append(
        Line(
            code="summary.goal",
            section="summary",
            values={
                "goal": _amount(goal),
                "currency": goal.currency,
                "actual": _amount(actual),
                "as_of": as_of.isoformat(),
                "attainment": share,
                "expected": _amount(expected),
            },
        )
    )
    draft.lines.append(
        Line(
            code="summary.on_pace",
            section="summary",
            values={"on_pace": int(owners["on_pace"].sum()), "owners": len(owners)},
        )
    )


def _pace_lines(draft: _Draft, teams: pd.DataFrame, owners: pd.DataFrame, currency: str) -> None:
    """Each team ahead or behind; the reps behind, most short first; the three to act on."""
    for team, row in teams.iterrows():
        gap = _gap(row)
        values: dict[str, Value] = {
            "team": str(team),
            "actual": str(row["actual"]),
            "expected": str(row["expected"]),
        }
        if not math.isnan(gap) and gap < 0:
            draft.lines.append(
                Line(code="pace.team_behind", section="pace", values={**values, "behind": -gap})
            )
        elif not math.isnan(gap):
            draft.lines.append(
                Line(code="pace.team_ahead", section="pace", values={**values, "ahead": gap})
            )
    if not len(owners):
        return
    behind_reps = owners[owners["pace_gap"].to_numpy(dtype=np.float64) < 0]
    if not len(behind_reps):
        return
    shortfall = behind_reps["expected_minor"] - behind_reps["actual_minor"]
    order = shortfall.sort_values(ascending=False, kind="stable").index
    for rep in order:
        row = owners.loc[rep]
        draft.lines.append(
            Line(
                code="pace.rep_behind",
                section="pace",
                values={
                    "rep": str(row["name"] or rep),
                    "behind": -float(row["pace_gap"]),
                    "actual": str(row["actual"]),
                    "expected": str(row["expected"]),
                },
            )
        )
    for rep in order[:3]:
        row = owners.loc[rep]
        miss = Money.from_minor(int(row["expected_minor"] - row["actual_minor"]), currency)
        draft.actions.append(
            Line(
                code="action.rep_behind",
                section="actions",
                values={
                    "rep": str(row["name"] or rep),
                    "shortfall": _amount(miss),
                    "expected": str(row["expected"]),
                },
                impact=miss.amount,
            )
        )


def _gap_lines(
    draft: _Draft,
    goal: Money,
    actual: Money,
    remaining: Money,
    forecast: WeightedForecast,
    report: FunnelReport,
    as_of: date,
    period: Period,
) -> tuple[Coverage | None, RequiredPipeline | None]:
    """The goal met, or what is left: coverage of the open pipeline and what each stage needs."""
    if remaining.amount <= 0:
        draft.lines.append(
            Line(
                code="gap.met",
                section="gap",
                values={"actual": _amount(actual), "goal": _amount(goal)},
            )
        )
        return None, None
    coverage: Coverage | None = None
    required: RequiredPipeline | None = None
    win_rate = report.win_rate
    open_money = Money(forecast.pipeline.amount, remaining.currency)
    if not math.isnan(win_rate) and win_rate > 0:
        coverage = pipeline_coverage(open_money, remaining, win_rate)
        assert coverage.gap is not None  # the win rate is positive
        needed = coverage.gap + open_money
        draft.lines.append(
            Line(
                code="gap.remaining",
                section="gap",
                values={
                    "remaining": _amount(remaining),
                    "currency": remaining.currency,
                    "win_rate": win_rate,
                    "needed": _amount(needed),
                    "open": _amount(open_money),
                    "coverage": coverage.coverage,
                    "ratio": coverage.needed,
                },
            )
        )
    try:
        required = required_pipeline(remaining, report, as_of=as_of, period=period)
    except InvalidInputError as exc:
        draft.lines.append(
            Line(code="notes.no_funnel", section="notes", values={"reason": str(exc)})
        )
    if required is not None:
        for stage, row in required.table.iterrows():
            late = bool(row["late"]) if not pd.isna(row["late"]) else False
            values = {
                "stage": str(stage),
                "deals": int(row["deals"]),
                "amount": str(row["amount"]),
                "enter_by": "" if row["enter_by"] is None else str(row["enter_by"]),
                "period_end": period.last_day.isoformat(),
            }
            code = (
                "gap.stage_undated"
                if row["enter_by"] is None
                else "gap.stage_late"
                if late
                else "gap.stage"
            )
            draft.lines.append(Line(code=code, section="gap", values=values))
    return coverage, required


def _team_actions(
    draft: _Draft,
    teams: pd.DataFrame,
    report: FunnelReport,
    entry: tuple[str, str | None],
    currency: str,
) -> None:
    """For each team behind: the pipeline to add by when (its own win rate), or its shortfall."""
    enter_stage, enter_by = entry
    for team, row in teams.iterrows():
        gap = _gap(row)
        if math.isnan(gap) or gap >= 0:
            continue
        team_remaining = Money.from_minor(int(row["remaining_minor"]), currency)
        team_open = Money.from_minor(int(row["open_pipeline_minor"]), currency)
        rate = _team_win_rate(report, str(team))
        short = Money.from_minor(int(row["expected_minor"] - row["actual_minor"]), currency)
        team_gap = None
        if rate is not None and rate > 0 and team_remaining.amount > 0:
            team_gap = pipeline_coverage(team_open, team_remaining, rate).gap
        if team_gap is not None and team_gap.amount > 0 and enter_by is not None:
            draft.actions.append(
                Line(
                    code="action.team_pipeline",
                    section="actions",
                    values={
                        "team": str(team),
                        "behind": -gap,
                        "win_rate": float(rate or 0.0),
                        "gap": _amount(team_gap),
                        "stage": enter_stage,
                        "enter_by": enter_by,
                    },
                    impact=team_gap.amount,
                )
            )
        else:
            draft.actions.append(
                Line(
                    code="action.team_behind",
                    section="actions",
                    values={"team": str(team), "behind": -gap, "shortfall": _amount(short)},
                    impact=short.amount,
                )
            )


def _bottleneck_lines(
    draft: _Draft, report: FunnelReport, compare: FunnelReport | dict[str, float] | None
) -> pd.DataFrame | None:
    """The stages converting below the benchmark and what closing each gap would add."""
    if compare is None:
        draft.lines.append(Line(code="notes.no_benchmark", section="notes"))
        return None
    if report.currency is None:
        return None
    try:
        table = bottlenecks(report, _known(compare))
    except InvalidInputError as exc:
        draft.lines.append(
            Line(code="notes.no_funnel", section="notes", values={"reason": str(exc)})
        )
        return None
    gaining = table[table["gain"] > 0]
    for index, (_, row) in enumerate(gaining.iterrows()):
        values: dict[str, Value] = {
            "stage": str(row["stage"]),
            "actual": float(row["actual"]),
            "benchmark": float(row["benchmark"]),
            "gain": str(row["gain"]),
        }
        draft.lines.append(Line(code="funnel.bottleneck", section="funnel", values=values))
        if index == 0:
            draft.actions.append(
                Line(
                    code="action.bottleneck",
                    section="actions",
                    values=dict(values),
                    impact=Decimal(row["gain"]),
                )
            )
    return table


def _aging_lines(
    draft: _Draft,
    aged: pd.DataFrame,
    node_deals: pd.DataFrame,
    percentile: float,
    currency: str,
) -> pd.DataFrame:
    """The overdue deals, longest in stage first, with owner and exact amount."""
    places = CURRENCIES[currency]
    overdue = aged[aged["overdue"].fillna(False).to_numpy(dtype=bool)]
    joined = overdue.join(node_deals[["owner_id", "amount"]])
    joined = _exact_amounts(joined, places)
    minor = joined["amount_minor"].to_numpy(dtype=np.int64)
    aging = joined.sort_values(["days_in_stage", "id"], ascending=[False, True], kind="stable")
    if not len(aging):
        draft.lines.append(
            Line(code="aging.none", section="aging", values={"percentile": percentile})
        )
        return aging
    amount = Money.from_minor(int(minor.sum()), currency)
    draft.lines.append(
        Line(
            code="aging.summary",
            section="aging",
            values={"deals": len(aging), "amount": _amount(amount), "percentile": percentile},
        )
    )
    for _, row in aging.head(5).iterrows():
        draft.lines.append(
            Line(
                code="aging.deal",
                section="aging",
                values={
                    "deal": str(row["id"]),
                    "owner": str(row["owner_id"]),
                    "stage": str(row["stage"]),
                    "days": float(row["days_in_stage"]),
                    "threshold": float(row["threshold_days"]),
                    "amount": str(row["amount"]),
                },
            )
        )
    draft.actions.append(_chase("action.aging", aging["id"], amount))
    return aging


def _activity_summary(draft: _Draft, activity: pd.DataFrame) -> None:
    draft.lines.append(
        Line(
            code="activities.summary",
            section="activities",
            values={
                "activities": int(activity["total"].sum()),
                "reps": len(activity),
                "silent": int((activity["total"] == 0).sum()),
            },
        )
    )


def _forecast_lines(
    draft: _Draft,
    forecast: WeightedForecast,
    goal: Money,
    simulation: Simulation,
    level: float,
    seed: int,
) -> None:
    """The weighted forecast against the goal, and the simulated interval."""
    share = float(forecast.forecast.amount / goal.amount) if goal.amount else math.nan
    draft.lines.append(
        Line(
            code="forecast.weighted",
            section="forecast",
            values={
                "forecast": _amount(forecast.forecast),
                "currency": forecast.currency,
                "won": _amount(forecast.won),
                "weighted": _amount(forecast.weighted),
                "pipeline": _amount(forecast.pipeline),
                "share": share,
            },
        )
    )
    if simulation.n:
        low, high = simulation.interval(level)
        draft.lines.append(
            Line(
                code="forecast.interval",
                section="forecast",
                values={
                    "level": level,
                    "low": low,
                    "high": high,
                    "median": simulation.quantile(0.5),
                    "runs": simulation.n,
                    "seed": seed,
                },
            )
        )


def _change_lines(draft: _Draft, changes: PipelineChanges) -> None:
    """The pipeline waterfall since the last review, and the slipped deals to chase."""
    draft.lines.append(
        Line(
            code="changes.summary",
            section="changes",
            values={
                "opening": _amount(changes.opening),
                "closing": _amount(changes.closing),
                "opening_deals": changes.opening_deals,
                "closing_deals": changes.closing_deals,
            },
        )
    )
    for bucket, row in changes.buckets.iterrows():
        if row["deals"]:
            draft.lines.append(
                Line(
                    code=f"changes.{bucket}",
                    section="changes",
                    values={"deals": int(row["deals"]), "change": str(row["change"])},
                )
            )
    slipped = changes.buckets.loc["slipped"]
    if slipped["deals"]:
        draft.actions.append(
            Line(
                code="action.slipped",
                section="actions",
                values={"deals": int(slipped["deals"]), "amount": str(slipped["amount"])},
                impact=Decimal(str(slipped["amount"])),
            )
        )


def _smart_lines(
    draft: _Draft,
    next_targets: Sequence[Target] | pd.DataFrame,
    organization: Organization | None,
    as_of: date,
) -> TreeAssessment:
    """Next period's targets assessed for SMART, findings in both languages."""
    smart = assess_tree(next_targets, organization=organization, as_of=as_of)
    summary = smart.summary
    fail = summary.index[summary["verdict"].to_numpy() == "fail"].tolist()
    warn = int((summary["verdict"] == "warn").sum())
    draft.lines.append(
        Line(
            code="smart.summary",
            section="smart",
            values={"fail": len(fail), "targets": len(summary), "warn": warn},
        )
    )
    zh = assess_tree(next_targets, organization=organization, as_of=as_of, locale="zh-CN")
    for (_, en_row), (_, zh_row) in zip(
        smart.findings.iterrows(), zh.findings.iterrows(), strict=True
    ):
        if en_row["severity"] != "info":
            draft.lines.append(
                Line(
                    code="smart.finding",
                    section="smart",
                    values={
                        "target_id": str(en_row["target_id"]),
                        "message_en": str(en_row["message"]),
                        "message_zh": str(zh_row["message"]),
                    },
                )
            )
    if fail:
        draft.actions.append(
            Line(
                code="action.fix_targets",
                section="actions",
                values={"fail": len(fail), "ids": ", ".join(str(i) for i in fail[:5])},
            )
        )
    return smart


def _ranked(actions: list[Line], most: int) -> list[Line]:
    """The ``most`` actions of largest impact (those without one last), ties in order written."""
    ordered = sorted(
        enumerate(actions),
        key=lambda pair: (pair[1].impact is None, -(pair[1].impact or Decimal(0)), pair[0]),
    )
    return [action for _, action in ordered][:most]


def _activity_table(
    activities: Sequence[Activity] | CheckedFrame,
    reps: Sequence[str],
    narrowed: bool,
    period: Period,
    as_of: date,
) -> pd.DataFrame:
    """Activities per rep (rows) and kind (columns) in ``[period.start, as_of)``, with ``total``.

    Every rep in scope has a row, zeros when it logged nothing; reviewing the
    whole organisation, reps outside it who logged something keep theirs.
    """
    counts = (
        activity_counts(activities, period=Period(start=period.start, end=as_of))
        if as_of > period.start
        else activity_counts([])
    ).counts
    logged = {rep for rep, _ in counts}
    owners = sorted(set(reps) if narrowed else set(reps) | logged)
    kinds = sorted({kind for _, kind in counts})
    cells = np.zeros((len(owners), len(kinds)), dtype=np.int64)
    row = pd.Index(owners).get_indexer(pd.Index([rep for rep, _ in counts], dtype=object))
    column = pd.Index(kinds).get_indexer(pd.Index([kind for _, kind in counts], dtype=object))
    inside = row >= 0
    logged_counts = np.fromiter(counts.values(), np.int64, len(counts))
    cells[row[inside], column[inside]] = logged_counts[inside]
    index = pd.Index(owners, name="owner_id", dtype=object)
    table = pd.DataFrame(cells, index=index, columns=pd.Index(kinds, dtype=object))
    table["total"] = cells.sum(axis=1)
    return table


def _idle_deals(
    deals: CheckedFrame,
    changes: CheckedFrame,
    pipeline: Pipeline,
    activities: Sequence[Activity] | CheckedFrame,
    as_of: date,
    places: int,
) -> pd.DataFrame:
    """:func:`idle_open_deals` of the node at midnight UTC of ``as_of``, amounts exact."""
    idle = idle_open_deals(
        deals,
        pipeline,
        activities,
        as_of=datetime.combine(as_of, time(), UTC),
        stage_changes=changes,
    )
    return _exact_amounts(idle, places)


def _exact_amounts(deals: pd.DataFrame, places: int) -> pd.DataFrame:
    """``amount`` as exact Decimals of the currency's places, and ``amount_minor`` beside it."""
    minor = np.rint(deals["amount"].to_numpy(dtype=np.float64) * 10**places).astype(np.int64)
    return deals.assign(amount=_decimals(minor, places), amount_minor=minor)


def _idle_lines(draft: _Draft, idle: pd.DataFrame, currency: str) -> None:
    """The summary and the five longest idle deals, or the line that none is idle."""
    if not len(idle):
        draft.lines.append(Line(code="activities.none_idle", section="activities"))
        return
    amount = Money.from_minor(int(idle["amount_minor"].sum()), currency)
    draft.lines.append(
        Line(
            code="activities.idle",
            section="activities",
            values={"deals": len(idle), "amount": _amount(amount)},
        )
    )
    for _, row in idle.head(5).iterrows():
        draft.lines.append(
            Line(
                code="activities.idle_deal",
                section="activities",
                values={
                    "deal": str(row["opportunity_id"]),
                    "owner": str(row["owner_id"]),
                    "stage": str(row["stage"]),
                    "days": int(row["days_since_change"]),
                    "amount": str(row["amount"]),
                },
            )
        )
    draft.actions.append(_chase("action.idle", idle["opportunity_id"], amount))


def _chase(code: str, ids: pd.Series[Any], amount: Money) -> Line:
    """The action to chase these deals (worth ``amount``), naming the first three."""
    return Line(
        code=code,
        section="actions",
        values={
            "deals": len(ids),
            "amount": _amount(amount),
            "ids": ", ".join(str(i) for i in ids.head(3)),
        },
        impact=amount.amount,
    )


def _decimals(minor: Any, places: int) -> Any:
    from salescore._numeric import minor_units_to_decimals

    return minor_units_to_decimals(np.asarray(minor, dtype=np.int64), places)


def _table(
    records: list[dict[str, Any]], index: str, places: int, extra: tuple[str, ...] = ()
) -> pd.DataFrame:
    money = (*_MONEY_COLUMNS, *extra)
    labels = [r[index] for r in records]
    frame = pd.DataFrame(index=pd.Index(labels, name=index, dtype=object))
    for key in ("name", "team_id"):
        if records and key in records[0] and key != index:
            frame[key] = pd.Series([r[key] for r in records], index=frame.index, dtype=object)
    for column in money:
        minor = np.asarray([r[f"{column}_minor"] for r in records], dtype=np.int64)
        frame[column] = _decimals(minor, places)
    attained = np.asarray([r["attainment"] for r in records], dtype=np.float64)
    expected = np.asarray([r["expected_minor"] for r in records], dtype=np.float64)
    actual = np.asarray([r["actual_minor"] for r in records], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["attainment"] = attained
        frame["pace_gap"] = np.where(expected > 0, actual / expected - 1.0, np.nan)
    frame["on_pace"] = np.asarray([bool(r["on_pace"]) for r in records], dtype=bool)
    for column in money:
        frame[f"{column}_minor"] = np.asarray(
            [r[f"{column}_minor"] for r in records], dtype=np.int64
        )
    return frame


def _gap(row: pd.Series[Any]) -> float:
    return float(row["pace_gap"])


def _team_win_rate(report: FunnelReport, team: str) -> float | None:
    summary = report.summary
    if team not in summary.index:
        return None
    rate = float(summary["win_rate"].to_numpy(dtype=np.float64)[summary.index.get_loc(team)])
    return None if math.isnan(rate) else rate


def _entry(required: RequiredPipeline | None, pipeline: Pipeline) -> tuple[str, str | None]:
    """The first stage a deal can still enter in time, and by when."""
    first = pipeline.open_stages[0].name
    if required is None:
        return first, None
    for stage, row in required.table.iterrows():
        late = row["late"]
        if row["enter_by"] is not None and not (not pd.isna(late) and bool(late)):
            return str(stage), str(row["enter_by"])
    return first, None


def _known(benchmark: FunnelReport | dict[str, float]) -> FunnelReport | dict[str, float]:
    """A benchmark report's stages whose conversion is known (NaN ones cannot be compared)."""
    if isinstance(benchmark, FunnelReport):
        conv = benchmark.overall["conversion"].astype(float)
        return {str(s): float(v) for s, v in conv.items() if not math.isnan(v)}
    return benchmark


def _example_pack() -> ReviewPack:
    """The pack of the docstring examples: team East in Q2 2026 on the seeded data."""
    from salescore import datasets

    pipeline = datasets.pipeline()
    deals = datasets.opportunities(pipeline, n=120)
    q2 = Period.quarter(2026, 2)
    targets = datasets.rep_targets(q2)
    return review(
        deals,
        pipeline,
        period=q2,
        as_of=date(2026, 5, 15),
        targets=targets,
        organization=datasets.organization(),
        node="east",
        runs=500,
        seed=7,
    )
