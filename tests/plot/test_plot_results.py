"""Funnel cohorts and durations, scorecard and channel charts: drawn data equal the results'."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from salescore import datasets
from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.frames import to_frame
from salescore.funnel import FunnelReport, funnel, funnel_frame
from salescore.models import Opportunity, Pipeline, Stage, StageChange
from salescore.partners import (
    BackEndRebate,
    ChannelPerformance,
    PartnerPeriod,
    PartnerSale,
    PartnerTier,
    PartnerTierRule,
    PartnerTiers,
    RebateTier,
    VolumeRebate,
    channel_performance,
    partner_tiers,
    rebate_statement,
)
from salescore.plot import (
    _text,
    channel_chart,
    cohort_conversion_chart,
    partner_tiers_chart,
    rebate_chart,
    scorecard_chart,
    scorecard_ranking,
    stage_duration_chart,
)
from salescore.scorecards import (
    GateCurve,
    LinearCurve,
    Scorecard,
    ScorecardKpi,
    ScoresFrames,
    score,
    scores_frame,
)

CJK_GLYPHS = pytest.mark.filterwarnings("ignore:Glyph.*missing from font:UserWarning")


def render(figure: Figure | Axes) -> None:
    """Draw the whole figure to a PNG in memory, as a notebook or a report would."""
    fig = figure if isinstance(figure, Figure) else figure.get_figure()
    assert isinstance(fig, Figure)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


def legend_texts(ax: Axes) -> list[str]:
    box = ax.get_legend()
    assert box is not None
    return [t.get_text() for t in box.get_texts()]


def gid(items: Any, name: str) -> list[Any]:
    return [a for a in items if a.get_gid() == name]


@pytest.fixture
def cjk_font(monkeypatch: pytest.MonkeyPatch) -> str:
    """Pretend a CJK font is installed: DejaVu Sans stands in (its missing glyphs are ignored)."""
    monkeypatch.setattr(_text, "find_cjk_font", lambda: "DejaVu Sans")
    return "DejaVu Sans"


def test_texts_every_key_in_both_languages() -> None:
    english, chinese = _text._TEXTS["en"], _text._TEXTS["zh-CN"]
    assert set(english) == set(chinese)
    for key, text in english.items():  # the same placeholders in both
        assert sorted(_placeholders(text)) == sorted(_placeholders(chinese[key])), key


def _placeholders(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


# --------------------------------------------------------------------------- cohorts
@pytest.fixture(scope="module")
def deals() -> list[Opportunity]:
    return datasets.opportunities(datasets.pipeline(), n=120)


@pytest.fixture(scope="module")
def cohorts(deals: list[Opportunity]) -> FunnelReport:
    return funnel(deals, datasets.pipeline(), cohort="month")


def test_cohort_conversion_chart_points_equal_the_cohort_rates(cohorts: FunnelReport) -> None:
    fig = cohort_conversion_chart(cohorts)
    render(fig)
    stages = ["Qualify", "Proposal", "Negotiation"]
    assert len(fig.axes) == 3
    for ax, stage in zip(fig.axes, stages, strict=True):
        rows = cohorts.table.xs(stage, level="stage")
        (line,) = gid(ax.lines, "cohorts")
        assert line.get_ydata().tolist() == (rows["conversion"] * 100).tolist()
        assert [t.get_text() for t in ax.get_xticklabels()] == rows.index.tolist()
        (overall,) = gid(ax.lines, "overall")
        assert overall.get_ydata()[0] == cohorts.overall["conversion"][stage] * 100
        entered = int(cohorts.overall["entered"][stage])
        assert ax.get_title() == f"{stage} ({entered} entered)"
    qualify = gid(fig.axes[0].lines, "cohorts")[0].get_ydata()
    # January's cohort: 31 deals entered Qualify and 24 of them moved on
    assert cohorts.table.loc[("2026-01", "Qualify"), "entered"] == 31
    assert qualify[0] == pytest.approx(100 * 24 / 31)
    assert fig.axes[0].get_ylabel() == "Conversion [% of entered]"
    assert fig.axes[0].get_xlabel() == "Cohort"
    assert fig.get_suptitle() == "Conversion by cohort"
    assert fig.axes[0].get_ylim()[0] == 0.0


def test_cohort_conversion_chart_segment_against_its_own_overall(
    deals: list[Opportunity],
) -> None:
    pipeline = datasets.pipeline()
    report = funnel(deals, pipeline, by=["owner_id"], cohort="quarter")
    given = Figure()
    fig = cohort_conversion_chart(report, measure="win_rate", segment="R1", ncols=2, figure=given)
    assert fig is given
    render(fig)
    r1 = funnel([d for d in deals if d.owner_id == "R1"], pipeline)  # computed on its own
    mine = report.table.xs("R1", level="owner_id")
    for ax, stage in zip(fig.axes, r1.overall.index, strict=True):
        (line,) = gid(ax.lines, "cohorts")
        expected = mine.xs(stage, level="stage")["win_rate"] * 100
        assert line.get_ydata().tolist() == expected.tolist()
        assert [t.get_text() for t in ax.get_xticklabels()] == ["2026-Q1", "2026-Q2"]
        assert gid(ax.lines, "overall")[0].get_ydata()[0] == pytest.approx(
            r1.overall.loc[stage, "win_rate"] * 100, rel=1e-12
        )
    assert fig.axes[0].get_ylabel() == "Win rate [% of closed]"
    assert fig.axes[1].get_ylabel() == ""  # one label per row of panels
    assert fig.axes[2].get_ylabel() == "Win rate [% of closed]"
    assert fig.get_suptitle() == "Conversion by cohort: R1"


@CJK_GLYPHS
def test_cohort_conversion_chart_chinese(cohorts: FunnelReport, cjk_font: str) -> None:
    fig = cohort_conversion_chart(cohorts, measure="cumulative_conversion", lang="zh-CN")
    assert fig.get_suptitle() == "各批次转化率"
    ax = fig.axes[0]
    assert ax.get_ylabel() == "累计转化率 [% 首阶段]"
    assert ax.get_xlabel() == "批次"
    assert ax.get_title() == "Qualify（进入 120）"
    assert legend_texts(ax) == ["批次", "全部批次"]
    suptitle = next(t for t in fig.texts if t.get_text() == "各批次转化率")
    assert suptitle.get_fontfamily()[0] == cjk_font
    assert ax.title.get_fontfamily()[0] == cjk_font
    render(fig)


def test_cohort_conversion_chart_refuses(cohorts: FunnelReport, deals: list[Opportunity]) -> None:
    pipeline = datasets.pipeline()
    plain = funnel(deals, pipeline)
    with pytest.raises(InvalidInputError, match="the report has no cohorts"):
        cohort_conversion_chart(plain)
    with pytest.raises(InvalidInputError, match=r"measure 'open' is not allowed; allowed: \["):
        cohort_conversion_chart(cohorts, measure="open")
    with pytest.raises(InvalidInputError, match="ncols 0 must be an integer >= 1"):
        cohort_conversion_chart(cohorts, ncols=0)
    with pytest.raises(InvalidInputError, match="the report has no segments"):
        cohort_conversion_chart(cohorts, segment="R1")
    by_owner = funnel(deals, pipeline, by=["owner_id"], cohort="month")
    with pytest.raises(InvalidInputError, match=r"segmented by \['owner_id'\]; pass segment="):
        cohort_conversion_chart(by_owner)
    with pytest.raises(InvalidInputError, match=r"segment 'R9' is not in the report; allowed"):
        cohort_conversion_chart(by_owner, segment="R9")
    with pytest.raises(InvalidInputError, match="has 2 keys; the report is segmented by"):
        cohort_conversion_chart(by_owner, segment=("R1", "x"))


# --------------------------------------------------------------------------- durations
def _stays(counts_durations: pd.DataFrame, stage: str) -> np.ndarray:
    part = counts_durations[counts_durations["stage"] == stage]
    return np.repeat(part["hours"].to_numpy(), part["count"].to_numpy()) / 24.0


def test_stage_duration_chart_boxes_equal_the_stays(deals: list[Opportunity]) -> None:
    report = funnel(deals, datasets.pipeline())
    ax = stage_duration_chart(report)
    render(ax)
    medians = [float(line.get_ydata()[0]) for line in gid(ax.lines, "median")]
    assert medians == report.overall["days_median"].tolist()
    means = [float(line.get_ydata()[0]) for line in gid(ax.lines, "mean")]
    assert means == report.overall["days_mean"].tolist()
    whiskers = gid(ax.lines, "whisker")  # low, high for each box
    boxes = gid(ax.patches, "box")
    for i, stage in enumerate(report.overall.index):
        stays = _stays(report.counts.durations, stage)  # every stay, expanded
        p10, p25, p75, p90 = np.quantile(stays, [0.1, 0.25, 0.75, 0.9])
        assert whiskers[2 * i].get_ydata()[1] == pytest.approx(p10, rel=1e-12)
        assert whiskers[2 * i + 1].get_ydata()[1] == pytest.approx(p90, rel=1e-12)
        ys = boxes[i].get_path().vertices[:, 1]
        assert (ys.min(), ys.max()) == pytest.approx((p25, p75), rel=1e-12)
        assert np.median(stays) == medians[i]
    visits = report.counts.by_stage["visits"].tolist()
    assert [t.get_text() for t in ax.texts] == [f"n={v}" for v in visits]
    assert ax.get_ylabel() == "Days in stage [days]"
    assert ax.get_xlabel() == "Stage (box P25–P75, whiskers P10–P90)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Qualify", "Proposal", "Negotiation"]
    assert ax.get_title() == "Time in stage"


def test_stage_duration_chart_segment(deals: list[Opportunity]) -> None:
    report = funnel(deals, datasets.pipeline(), by=["owner_id"])
    ax = stage_duration_chart(report, segment="R2", ax=Figure().add_subplot())
    medians = [float(line.get_ydata()[0]) for line in gid(ax.lines, "median")]
    assert medians == report.table.xs("R2", level="owner_id")["days_median"].tolist()
    assert ax.get_title() == "Time in stage: R2"
    with pytest.raises(InvalidInputError, match="pass segment= with one value per key"):
        stage_duration_chart(report)


def test_stage_duration_chart_stage_without_stays() -> None:
    pipeline = datasets.pipeline()
    at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    history = (
        StageChange(opportunity_id="A", from_stage=None, to_stage="Qualify", changed_at=at),
        StageChange(
            opportunity_id="A",
            from_stage="Qualify",
            to_stage="Proposal",
            changed_at=at + timedelta(days=3),
        ),
    )
    deal = Opportunity(
        id="A",
        owner_id="R1",
        amount=1000,
        currency="CNY",
        stage="Proposal",
        created_on=date(2026, 1, 5),
        expected_close_date=date(2026, 3, 1),
        history=history,
    )
    ax = stage_duration_chart(funnel([deal], pipeline))
    assert [float(line.get_ydata()[0]) for line in gid(ax.lines, "median")] == [3.0]
    assert len(gid(ax.patches, "box")) == 1  # Proposal and Negotiation: no completed stay
    assert [t.get_text() for t in ax.texts] == ["n=1"]
    render(ax)
    just_in = deal.model_copy(update={"stage": "Qualify", "history": history[:1]})
    empty = stage_duration_chart(funnel([just_in], pipeline))
    assert not gid(empty.patches, "box")  # no completed stay anywhere: labelled, empty
    assert empty.get_ylabel() == "Days in stage [days]"
    render(empty)


def test_stage_duration_chart_refuses_a_snapshot() -> None:
    pipeline = datasets.pipeline()
    frame = to_frame(datasets.opportunities(pipeline, n=20))
    snapshot = funnel_frame(frame, pipeline, source="snapshot")
    with pytest.raises(InvalidInputError, match="'snapshot', which has no stage durations"):
        stage_duration_chart(snapshot)


@CJK_GLYPHS
def test_stage_duration_chart_chinese(deals: list[Opportunity], cjk_font: str) -> None:
    ax = stage_duration_chart(funnel(deals, datasets.pipeline()), lang="zh-CN")
    assert (ax.get_title(), ax.get_ylabel()) == ("阶段停留时长", "停留天数 [天]")
    assert ax.get_xlabel() == "阶段（箱体 P25–P75，须线 P10–P90）"
    assert ax.title.get_fontfamily()[0] == cjk_font
    render(ax)


# --------------------------------------------------------------------------- scorecards
@pytest.fixture(scope="module")
def card() -> Scorecard:
    return Scorecard(
        id="AE",
        kpis=[
            ScorecardKpi(
                name="revenue",
                label_en="Revenue",
                label_zh="销售额",
                weight="0.5",
                target=1_000_000,
                curve=LinearCurve(threshold="0.6", cap=120),
            ),
            ScorecardKpi(name="visits", label_zh="拜访", weight="0.3", target=40),
            ScorecardKpi(
                name="training",
                label_zh="培训",
                weight="0.2",
                target=1,
                curve=GateCurve(on_fail="cap_grade", cap_grade="C"),
            ),
        ],
    )


def test_scorecard_chart_bars_equal_the_weighted_points(card: Scorecard) -> None:
    result = score(card, {"revenue": 1_300_000, "visits": 30, "training": 1}, rep_id="li")
    ax = scorecard_chart(result, card=card)
    render(ax)
    earned = [float(b.get_width()) for b in gid(ax.patches, "earned")]
    assert earned == [float(line.weighted_points) for line in result.lines]
    # 130 % capped at 120 points × 0.5; 30 of 40 visits = 75 points × 0.3; gate 100 × 0.2
    assert earned == [60.0, 22.5, 20.0]
    assert sum(earned) == float(result.total) == 102.5
    full = [float(b.get_width()) for b in gid(ax.patches, "full")]
    assert full == [50.0, 30.0, 20.0]  # weight × the card's 100-point scale
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Revenue", "visits", "training"]
    assert [t.get_text() for t in ax.texts] == ["60.00", "22.50", "20.00"]
    assert ax.get_xlabel() == "Weighted points [points]"
    assert ax.get_title() == "Scorecard AE: li — total 102.50, grade A"
    assert ax.yaxis_inverted()  # the card's first KPI on top


def test_scorecard_chart_failed_gate_and_no_card(card: Scorecard) -> None:
    result = score(card, {"revenue": 900_000, "visits": 40, "training": 0}, rep_id="wang")
    ax = scorecard_chart(result, ax=Figure().add_subplot())
    bars = gid(ax.patches, "earned")
    assert [float(b.get_width()) for b in bars] == [45.0, 30.0, 0.0]
    assert bars[2].get_facecolor() != bars[0].get_facecolor()  # the failed gate in red
    assert ax.texts[2].get_text() == "0.00 (Gate failed)"
    assert not gid(ax.patches, "full")  # without the card, no full-attainment outline
    assert [t.get_text() for t in ax.get_yticklabels()] == ["revenue", "visits", "training"]
    assert ax.get_title() == "Scorecard AE: wang — total 75.00, grade C"


@CJK_GLYPHS
def test_scorecard_chart_chinese(card: Scorecard, cjk_font: str) -> None:
    result = score(card, {"revenue": 1_000_000, "visits": 40, "training": 0}, rep_id="li")
    ax = scorecard_chart(result, card=card, lang="zh-CN")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["销售额", "拜访", "培训"]
    assert ax.get_title() == "绩效考核 AE：li — 总分 80.00，等级 C"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("加权得分 [分]", "考核指标")
    assert ax.texts[2].get_text() == "0.00 (门槛未通过)"
    render(ax)


def test_scorecard_chart_refuses_another_card(card: Scorecard) -> None:
    other = Scorecard(id="SDR", kpis=[ScorecardKpi(name="visits", weight=1, target=40)])
    result = score(other, {"visits": 10}, rep_id="li")
    with pytest.raises(InvalidInputError, match="the result is of card 'SDR', not of card 'AE'"):
        scorecard_chart(result, card=card)


@pytest.fixture(scope="module")
def team(card: Scorecard) -> ScoresFrames:
    frame = pd.DataFrame(
        {
            "rep_id": ["li", "wang", "zhao", "qian", "sun"],
            "revenue": [900_000.0, 1_300_000.0, 500_000.0, 900_000.0, float("nan")],
            "visits": [40, 30, 20, 40, 10],
            "training": [1, 1, 1, 1, 1],
        }
    )
    return scores_frame(card, frame)


def test_scorecard_ranking_bars_follow_the_ranks(card: Scorecard, team: ScoresFrames) -> None:
    ax = scorecard_ranking(team, card=card)
    render(ax)
    widths = [float(b.get_width()) for b in gid(ax.patches, "total")]
    ranked = team.totals.sort_values("rank", kind="stable")
    assert widths == [float(v) for v in ranked["total"]]
    # wang 60 + 22.5 + 20; li and qian tie at 45 + 30 + 20; zhao's 50 % is below the threshold
    assert widths == [102.5, 95.0, 95.0, 35.0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["wang (#1)", "li (#2)", "qian (#2)", "zhao (#3)"]  # ties in input order
    assert [t.get_text() for t in ax.texts] == ["102.50 A", "95.00 A", "95.00 A", "35.00 D"]
    lines = {g: gid(ax.lines, f"grade:{g}")[0].get_xdata()[0] for g in ("A", "B", "C")}
    assert lines == {"A": 90.0, "B": 75.0, "C": 60.0}
    assert not gid(ax.lines, "grade:D")  # the lowest grade starts at 0: no line
    bars = gid(ax.patches, "total")
    assert bars[0].get_facecolor() == bars[1].get_facecolor() != bars[3].get_facecolor()
    assert ax.get_xlabel() == "Total [points]"
    assert ax.get_title() == "Team ranking"


def test_scorecard_ranking_top_without_card(team: ScoresFrames) -> None:
    ax = scorecard_ranking(team, top=2, ax=Figure().add_subplot())
    assert [float(b.get_width()) for b in gid(ax.patches, "total")] == [102.5, 95.0]
    assert ax.get_legend() is None
    assert not [line for line in ax.lines if str(line.get_gid()).startswith("grade:")]


@CJK_GLYPHS
def test_scorecard_ranking_chinese(card: Scorecard, team: ScoresFrames, cjk_font: str) -> None:
    ax = scorecard_ranking(team, card=card, lang="zh-CN")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (
        "团队排名",
        "总分 [分]",
        "销售（名次）",
    )
    assert legend_texts(ax) == ["A ≥ 90", "B ≥ 75", "C ≥ 60"]
    render(ax)


def test_scorecard_ranking_refuses(card: Scorecard, team: ScoresFrames) -> None:
    with pytest.raises(InvalidInputError, match="top 0 must be an integer >= 1"):
        scorecard_ranking(team, top=0)
    empty = ScoresFrames(team.lines.iloc[:0], team.totals.iloc[:0], team.errors)
    with pytest.raises(InvalidInputError, match="no rep was scored"):
        scorecard_ranking(empty)
    other = Scorecard(
        id="AE",
        kpis=[ScorecardKpi(name="revenue", weight=1, target=1_000_000)],
        grades=[{"name": "good", "min_points": 50}, {"name": "poor", "min_points": 0}],
    )
    with pytest.raises(InvalidInputError, match=r"grades \['A', 'D'\] are not on card 'AE'"):
        scorecard_ranking(team, card=other)


# --------------------------------------------------------------------------- channels
@pytest.fixture(scope="module")
def channels() -> ChannelPerformance:
    pipeline = datasets.pipeline()
    frame = to_frame(datasets.opportunities(pipeline, n=120))
    frame.loc[frame.index[:5], "channel_id"] = None
    return channel_performance(
        frame, pipeline, period=Period.quarter(2026, 2), previous=Period.quarter(2026, 1)
    )


def test_channel_chart_bars_equal_the_revenue(channels: ChannelPerformance) -> None:
    ax = channel_chart(channels)
    render(ax)
    table = channels.table
    revenue = [float(b.get_height()) for b in gid(ax.patches, "revenue")]
    assert revenue == [float(v) for v in table["revenue"]]
    assert sum(table["revenue"]) == channels.revenue
    previous = [float(b.get_height()) for b in gid(ax.patches, "previous")]
    assert previous == [float(v) for v in table["previous_revenue"]]
    names = [t.get_text() for t in ax.get_xticklabels()]
    assert names == [*table["channel_id"].iloc[:-1], "(no channel)"]
    for note, (share, win, growth) in zip(
        ax.texts, table[["share", "win_rate", "growth"]].itertuples(index=False), strict=True
    ):
        shown = "n/a" if np.isnan(growth) else f"{growth * 100:+.1f} %"
        assert (
            note.get_text() == f"share {share * 100:.1f} %\nwin {win * 100:.1f} %\ngrowth {shown}"
        )
    assert ax.get_ylabel() == "Revenue [CNY]"
    assert ax.get_title() == "Channel performance: 2026-Q2"
    assert legend_texts(ax) == ["2026-Q2", "2026-Q1"]


def test_channel_chart_without_previous_and_empty() -> None:
    pipeline = Pipeline(
        stages=(
            Stage(name="Open", order=0, probability=0.2),
            Stage(name="Won", order=1, probability=1, kind="won"),
            Stage(name="Lost", order=2, probability=0, kind="lost"),
        )
    )
    frame = pd.DataFrame(
        {
            "id": ["A", "B"],
            "owner_id": "R1",
            "amount": [100.0, 60.0],
            "currency": "CNY",
            "stage": ["Won", "Lost"],
            "channel_id": ["web", "tmall"],
            "created_on": pd.to_datetime(["2026-01-05", "2026-01-09"]),
            "close_date": pd.to_datetime(["2026-02-04", "2026-02-10"]),
        }
    )
    out = channel_performance(frame, pipeline, period=Period.quarter(2026, 1))
    ax = channel_chart(out, ax=Figure().add_subplot())
    assert [float(b.get_height()) for b in gid(ax.patches, "revenue")] == [0.0, 100.0]
    assert not gid(ax.patches, "previous")
    assert ax.texts[0].get_text() == "share 0.0 %\nwin 0.0 %\ngrowth n/a"
    none = channel_performance(frame.iloc[:0], pipeline, period=Period.quarter(2026, 1))
    with pytest.raises(InvalidInputError, match="has no channel"):
        channel_chart(none)


@CJK_GLYPHS
def test_channel_chart_chinese(channels: ChannelPerformance, cjk_font: str) -> None:
    ax = channel_chart(channels, lang="zh-CN")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("渠道", "收入 [CNY]")
    assert ax.get_title() == "渠道业绩: 2026-Q2"
    assert ax.get_xticklabels()[-1].get_text() == "（无渠道）"
    assert ax.texts[0].get_text().startswith("占比 ")
    render(ax)


@pytest.fixture(scope="module")
def rule() -> PartnerTierRule:
    return PartnerTierRule(
        tiers=[
            PartnerTier(name="Silver", min_revenue=100000),
            PartnerTier(name="Gold", min_revenue=500000),
        ]
    )


@pytest.fixture(scope="module")
def tiers(rule: PartnerTierRule) -> PartnerTiers:
    revenue = {"P1": [600000, 300000, 200000, 700000], "P2": [50000, 150000, 0, 80000]}
    history = [
        PartnerPeriod(partner_id=p, period=Period.quarter(2026, q + 1), revenue=r)
        for p, values in revenue.items()
        for q, r in enumerate(values)
        if not (p == "P2" and q == 2)  # P2 sent nothing for Q3
    ]
    return partner_tiers(rule, history)


def test_partner_tiers_chart_cells_equal_the_tiers(
    tiers: PartnerTiers, rule: PartnerTierRule
) -> None:
    ax = partner_tiers_chart(tiers, rule)
    render(ax)
    grid = np.asarray(ax.images[0].get_array(), dtype=np.float64)
    levels = list(rule.names)
    for record in tiers.table.itertuples(index=False):
        i = ["P1", "P2"].index(str(record.partner_id))
        j = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"].index(str(record.period))
        assert grid[i, j] == levels.index(str(record.tier))
    assert grid[0].tolist() == [2.0, 2.0, 1.0, 2.0]  # Gold, held, demoted, promoted
    assert np.isnan(grid[1, 2])  # no record for P2 in Q3
    assert [t.get_text() for t in ax.texts] == [
        "Gold •",
        "Gold",
        "Silver ▼",
        "Gold ▲",
        "registered •",
        "Silver ▲",
        "Silver",
    ]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["P1", "P2"]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "Period",
        "Partner",
        "Partner tiers",
    )


@CJK_GLYPHS
def test_partner_tiers_chart_chinese(
    tiers: PartnerTiers, rule: PartnerTierRule, cjk_font: str
) -> None:
    ax = partner_tiers_chart(tiers, rule, lang="zh-CN")
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "期间",
        "合作伙伴",
        "合作伙伴等级",
    )
    render(ax)


def test_partner_tiers_chart_refuses(tiers: PartnerTiers) -> None:
    other = PartnerTierRule(tiers=[PartnerTier(name="Bronze")])
    with pytest.raises(InvalidInputError, match=r"tiers \['Gold', 'Silver'\] are not levels"):
        partner_tiers_chart(tiers, other)
    with pytest.raises(InvalidInputError, match="the partner tiers are empty"):
        partner_tiers_chart(PartnerTiers(tiers.table.iloc[:0]), other)


def _sales(amounts: list[str]) -> list[PartnerSale]:
    return [
        PartnerSale(deal_id=f"D{i}", partner_id="P1", sold_on=date(2026, 1, 9), amount=a)
        for i, a in enumerate(amounts)
    ]


def floating(ax: Axes) -> list[tuple[float, float]]:
    return [
        (float(b.get_y()), float(b.get_height()))
        for b in ax.patches
        if isinstance(b, Rectangle) and b.get_gid() in ("line", "total")
    ]


def test_rebate_chart_lines_stack_up_to_the_total() -> None:
    program = VolumeRebate(
        name="VR",
        currency="CNY",
        tiers=[
            RebateTier(lower=0, upper=100000, rate="0.01"),
            RebateTier(lower=100000, upper=200000, rate="0.02"),
            RebateTier(lower=200000, upper=300000, rate="0.03"),
        ],
    )
    statement = rebate_statement(
        program, "P1", _sales(["250000", "80000.33"]), Period.quarter(2026, 1)
    )
    ax = rebate_chart(statement)
    render(ax)
    amounts = [float(line.amount) for line in statement.lines]
    bars = floating(ax)
    assert [h for _, h in bars] == [*amounts, float(statement.total)]
    assert [b for b, _ in bars[:-1]] == pytest.approx(np.cumsum([0.0, *amounts[:-1]]).tolist())
    assert bars[-1][0] == 0.0
    # 1 % of 100 000, 2 % of 100 000, 3 % of 100 000; nothing above the closed top
    assert [h for _, h in bars] == [1000.0, 2000.0, 3000.0, 6000.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Tier 1 at 1 %",
        "Tier 2 at 2 %",
        "Tier 3 at 3 %",
        "Total",
    ]
    assert ax.texts[0].get_text() == "100,000 × 1 %"
    assert ax.texts[-1].get_text() == f"{statement.total:,} CNY"
    assert ax.get_ylabel() == "Rebate [CNY]"
    assert ax.get_title() == "Rebate VR: P1, 2026-Q1"


def test_rebate_chart_above_a_closed_top_tier() -> None:
    program = VolumeRebate(
        name="VR",
        currency="CNY",
        mode="retroactive",
        tiers=[RebateTier(lower=0, upper=100000, rate="0.01")],
    )
    statement = rebate_statement(program, "P1", _sales(["150000"]), Period.quarter(2026, 1))
    ax = rebate_chart(statement)
    assert floating(ax) == [(0.0, 0.0), (0.0, 0.0)]
    assert ax.get_xticklabels()[0].get_text() == "Above top tier at 0 %"


def test_rebate_chart_back_end() -> None:
    program = BackEndRebate(
        name="BE", currency="CNY", rate="0.05", growth_threshold="0.1", baselines={"P1": 200000}
    )
    statement = rebate_statement(program, "P1", _sales(["300000"]), Period.quarter(2026, 1))
    ax = rebate_chart(statement, ax=Figure().add_subplot())
    assert floating(ax) == [(0.0, 4000.0), (0.0, 4000.0)]  # 5 % of 300 000 − 220 000
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Back-end at 5 %", "Total"]


@CJK_GLYPHS
def test_rebate_chart_chinese(cjk_font: str) -> None:
    program = VolumeRebate(
        name="VR", currency="CNY", tiers=[RebateTier(lower=0, rate="0.02")], mode="retroactive"
    )
    statement = rebate_statement(program, "P1", _sales(["1000"]), Period.quarter(2026, 1))
    ax = rebate_chart(statement, lang="zh-CN")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["第 1 档 2 %", "合计"]
    assert ax.get_title() == "返利 VR：P1，2026-Q1"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("返利明细", "返利 [CNY]")
    assert floating(ax) == [(0.0, 20.0), (0.0, 20.0)]
    render(ax)


def test_rebate_chart_amounts_are_exact_decimals() -> None:
    program = VolumeRebate(name="VR", currency="CNY", tiers=[RebateTier(lower=0, rate="0.0333")])
    statement = rebate_statement(program, "P1", _sales(["1000.01"]), Period.quarter(2026, 1))
    assert statement.total == Decimal("33.30")
    assert floating(rebate_chart(statement))[-1] == (0.0, 33.3)
