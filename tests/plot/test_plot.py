"""salescore.plot: the drawn data, read back from the artists, equal the results' numbers."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from decimal import Decimal
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation

from salescore import datasets
from salescore.calendar import Period
from salescore.commission import (
    AcceleratorBand,
    CommissionPlan,
    Credit,
    PlanCost,
    Tier,
    TieredComponent,
    plan_cost,
    statement,
)
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.forecast import Adjustment as CategoryAdjustment
from salescore.forecast import (
    Simulation,
    forecast_categories,
    holt_winters,
    seasonal_naive,
    simulate,
)
from salescore.frames import to_frame
from salescore.funnel import FunnelReport, funnel, funnel_frame
from salescore.goals import Pace, pace, plan_matrix
from salescore.kpi import quota_attainment, quota_attainment_frame
from salescore.models import Owner, Target
from salescore.money import Money
from salescore.plot import (
    CJK_FAMILIES,
    _text,
    attainment_chart,
    categories_waterfall,
    find_cjk_font,
    forecast_fan,
    funnel_chart,
    pace_chart,
    payout_curve,
    plan_cost_chart,
    plan_matrix_heatmap,
    simulation_chart,
)


def render(ax: Axes) -> None:
    """Draw the whole figure to a PNG in memory, as a notebook or a report would."""
    figure = ax.get_figure()
    assert isinstance(figure, Figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


@pytest.fixture(scope="module")
def report() -> FunnelReport:
    pipeline = datasets.pipeline()
    return funnel(datasets.opportunities(pipeline, n=40), pipeline, by=["owner_id"])


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    pipeline = datasets.pipeline()
    return simulate(datasets.opportunities(pipeline, n=40), pipeline, seed=7, n=2_000)


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_text, "find_cjk_font", lambda: None)


@pytest.fixture
def cjk_font(monkeypatch: pytest.MonkeyPatch) -> str:
    """Pretend a CJK font is installed: DejaVu Sans stands in (its missing glyphs are ignored)."""
    monkeypatch.setattr(_text, "find_cjk_font", lambda: "DejaVu Sans")
    return "DejaVu Sans"


def heights(ax: Axes) -> list[float]:
    return [float(bar.get_height()) for bar in ax.patches if isinstance(bar, Rectangle)]


def legend(ax: Axes) -> list[Any]:
    box = ax.get_legend()
    assert isinstance(box, Legend)
    return list(box.get_texts())


def artist(items: Any, gid: str) -> Any:
    return next(a for a in items if a.get_gid() == gid)


# --------------------------------------------------------------------------- fonts
def test_find_cjk_font_none_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    assert find_cjk_font() is None


def test_find_cjk_font_prefers_the_listed_order(monkeypatch: pytest.MonkeyPatch) -> None:
    fonts = [
        font_manager.FontEntry(fname="/f/wqy.ttc", name="WenQuanYi Zen Hei"),
        font_manager.FontEntry(fname="/f/dejavu.ttf", name="DejaVu Sans"),
        font_manager.FontEntry(fname="/f/noto.ttc", name="Noto Sans CJK SC"),
    ]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", fonts)
    assert find_cjk_font() == "Noto Sans CJK SC"
    assert CJK_FAMILIES.index("Noto Sans CJK SC") < CJK_FAMILIES.index("WenQuanYi Zen Hei")


def test_funnel_chart_chinese_without_font_warns_and_falls_back(
    report: FunnelReport, no_cjk_font: None
) -> None:
    with pytest.warns(UserWarning, match="fonts-noto-cjk") as caught:
        ax = funnel_chart(report, lang="zh-CN")
    assert "fall back to English" in str(caught[0].message)
    assert caught[0].filename == __file__  # points at the caller
    assert ax.get_title() == "Sales funnel"
    assert ax.get_ylabel() == "Deals entered [count]"
    render(ax)


@pytest.mark.filterwarnings("ignore:Glyph.*missing from font:UserWarning")
def test_funnel_chart_chinese_with_font(report: FunnelReport, cjk_font: str) -> None:
    ax = funnel_chart(report, lang="zh-CN")
    assert ax.get_title() == "销售漏斗"
    assert ax.get_xlabel() == "阶段"
    assert ax.get_ylabel() == "进入商机数 [个]"
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "赢单"
    assert ax.texts[0].get_text().startswith("转化 ")
    assert ax.title.get_fontfamily()[0] == cjk_font
    assert all(t.get_fontfamily()[0] == cjk_font for t in ax.texts)
    render(ax)


def test_funnel_chart_unknown_lang(report: FunnelReport) -> None:
    with pytest.raises(InvalidInputError, match=r"lang 'fr' is not supported; allowed: 'en'"):
        funnel_chart(report, lang="fr")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- funnel
def test_funnel_chart_bars_equal_entered_then_won(report: FunnelReport) -> None:
    ax = funnel_chart(report)
    render(ax)
    overall = report.overall
    assert heights(ax) == [*overall["entered"].tolist(), report.won]
    assert heights(ax) == [40.0, 28.0, 24.0, 9.0]  # the seeded deals, counted by hand once
    assert [t.get_text() for t in ax.get_xticklabels()] == [*overall.index, "Won"]
    assert ax.get_title() == "Sales funnel"
    assert ax.get_xlabel() == "Stage"
    assert ax.get_ylabel() == "Deals entered [count]"


def test_funnel_chart_annotates_conversion_and_drop_off(report: FunnelReport) -> None:
    ax = funnel_chart(report)
    overall = report.overall
    expected = [
        f"conv. {100 * c:.1f} %\ndrop {100 * d:.1f} %"
        for c, d in zip(overall["conversion"], overall["drop_off"], strict=True)
    ]
    assert [t.get_text() for t in ax.texts] == expected
    assert expected[0] == "conv. 70.0 %\ndrop 10.0 %"  # 28 of 40 advanced, 4 of 40 lost
    # each note sits between the bars it describes
    assert [t.xy[0] for t in ax.texts if isinstance(t, Annotation)] == [0.5, 1.5, 2.5]


def test_funnel_chart_segment_amounts(report: FunnelReport) -> None:
    given = Figure().add_subplot()
    ax = funnel_chart(report, segment="R1", amounts=True, ax=given)
    assert ax is given
    render(ax)
    table = report.table.xs("R1", level="owner_id")
    assert heights(ax) == [
        *[float(v) for v in table["entered_amount"]],
        float(table["advanced_amount"].iloc[-1]),
    ]
    assert ax.get_ylabel() == "Amount entered [CNY]"
    assert ax.get_title() == "Sales funnel: R1"


def test_funnel_chart_nan_rate_reads_not_available() -> None:
    pipeline = datasets.pipeline()
    frame = to_frame(datasets.opportunities(pipeline, n=40))  # no stage histories
    snapshot = funnel_frame(frame, pipeline, source="snapshot")
    assert np.isnan(snapshot.overall["conversion"]).all()
    ax = funnel_chart(snapshot)
    assert all(t.get_text() == "conv. n/a\ndrop n/a" for t in ax.texts)


def test_funnel_chart_bad_segment(report: FunnelReport) -> None:
    with pytest.raises(InvalidInputError, match=r"segment 'R9' is not in the report; allowed"):
        funnel_chart(report, segment="R9")
    with pytest.raises(InvalidInputError, match=r"has 2 keys; the report is segmented by"):
        funnel_chart(report, segment=("R1", "x"))
    pipeline = datasets.pipeline()
    plain = funnel(datasets.opportunities(pipeline, n=10), pipeline)
    with pytest.raises(InvalidInputError, match="the report has no segments"):
        funnel_chart(plain, segment="R1")


# --------------------------------------------------------------------------- simulation
def test_simulation_chart_band_edges_equal_quantiles(simulation: Simulation) -> None:
    ax = simulation_chart(simulation)
    render(ax)
    band = artist(ax.patches, "band")
    p10, p50, p90 = np.quantile(simulation.totals, [0.1, 0.5, 0.9])
    assert band.get_x() == pytest.approx(p10, rel=1e-12)
    assert band.get_x() + band.get_width() == pytest.approx(p90, rel=1e-12)
    assert artist(ax.lines, "p50").get_xdata()[0] == pytest.approx(p50, rel=1e-12)
    assert artist(ax.lines, "booked").get_xdata()[0] == simulation.booked
    bars = [p for p in ax.patches if p.get_gid() != "band" and isinstance(p, Rectangle)]
    assert sum(float(b.get_height()) for b in bars) == simulation.n  # every run in a bin
    assert ax.get_xlabel() == "Bookings [CNY]"
    assert ax.get_ylabel() == "Runs [count]"


@pytest.mark.filterwarnings("ignore:Glyph.*missing from font:UserWarning")
def test_simulation_chart_chinese(simulation: Simulation, cjk_font: str) -> None:
    ax = simulation_chart(simulation, lang="zh-CN", bins=5)
    assert (ax.get_title(), ax.get_xlabel()) == ("模拟成交额", "成交额 [CNY]")
    assert len([p for p in ax.patches if p.get_gid() != "band"]) == 5
    render(ax)


def test_simulation_chart_refuses_bad_input(simulation: Simulation) -> None:
    with pytest.raises(InvalidInputError, match=r"bins 0 must be an integer >= 1"):
        simulation_chart(simulation, bins=0)
    empty = Simulation(np.array([]), None, 0.0, 0.0, 0.0, 0, pd.Index([]), 1)
    with pytest.raises(InvalidInputError, match="no runs"):
        simulation_chart(empty)


def test_simulation_chart_without_currency() -> None:
    s = Simulation(np.array([0.0, 10.0, 10.0, 20.0]), None, 0.0, 10.0, 50.0, 2, pd.Index([]), 1)
    ax = simulation_chart(s, bins=4)
    assert ax.get_xlabel() == "Bookings [currency]"


# --------------------------------------------------------------------------- forecast fan
def band_at(ax: Axes, x: float) -> tuple[float, float]:
    vertices = artist(ax.collections, "interval").get_paths()[0].vertices
    ys = vertices[np.isclose(vertices[:, 0], x), 1]
    return float(ys.min()), float(ys.max())


def test_forecast_fan_line_and_band_equal_the_forecast() -> None:
    bookings = datasets.bookings()
    fc = holt_winters(bookings, 12, 6)
    ax = forecast_fan(fc, actuals=bookings, currency="CNY")
    render(ax)
    x = mdates.date2num(pd.PeriodIndex(fc.forecast.index).to_timestamp())
    line = artist(ax.lines, "forecast")
    assert mdates.date2num(line.get_xdata()).tolist() == x.tolist()
    assert line.get_ydata().tolist() == fc.forecast.tolist()
    for xi, low, high in zip(x, fc.lower, fc.upper, strict=True):
        assert band_at(ax, xi) == pytest.approx((low, high), rel=1e-12)
    actual = artist(ax.lines, "actual")
    assert actual.get_ydata().tolist() == bookings.tolist()
    assert mdates.date2num(actual.get_xdata()).tolist() == (
        mdates.date2num(pd.PeriodIndex(bookings.index).to_timestamp()).tolist()
    )
    labels = [t.get_text() for t in legend(ax)]
    assert labels == ["80 % interval", "Forecast", "Actual"]
    assert ax.get_ylabel() == "Bookings [CNY]"
    assert ax.get_title() == "Forecast (holt_winters)"


def test_forecast_fan_integer_index_and_decimal_actuals() -> None:
    fc = seasonal_naive([5.0, 7.0, 6.0, 8.0], 2, 2, level=0.9)
    actuals = pd.Series([Decimal("5"), Decimal("7.5")], index=[4, 5])
    ax = forecast_fan(fc, actuals=actuals)
    assert artist(ax.lines, "forecast").get_xdata().tolist() == [4.0, 5.0]
    assert artist(ax.lines, "actual").get_ydata().tolist() == [5.0, 7.5]
    assert band_at(ax, 4.0) == pytest.approx((fc.lower.iloc[0], fc.upper.iloc[0]))
    assert ax.get_ylabel() == "Bookings [currency]"
    assert legend(ax)[0].get_text() == "90 % interval"


@pytest.mark.filterwarnings("ignore:Glyph.*missing from font:UserWarning")
def test_forecast_fan_chinese(cjk_font: str) -> None:
    fc = seasonal_naive([5.0, 7.0, 6.0, 8.0], 2, 2)
    ax = forecast_fan(fc, lang="zh-CN", currency="CNY")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("期间", "成交额 [CNY]")
    assert [t.get_text() for t in legend(ax)] == ["80 % 区间", "预测"]
    render(ax)


def test_forecast_fan_refuses_mixed_indexes() -> None:
    fc = seasonal_naive([5.0, 7.0, 6.0, 8.0], 2, 2)
    dated = pd.Series([1.0], index=pd.to_datetime(["2026-01-01"]))
    with pytest.raises(InvalidInputError, match="actuals are indexed by dates but the forecast"):
        forecast_fan(fc, actuals=dated)
    words = pd.Series([1.0], index=["a"])
    with pytest.raises(InvalidInputError, match=r"actuals index of dtype \S+ cannot be drawn"):
        forecast_fan(fc, actuals=words)
    monthly = seasonal_naive(datasets.bookings(), 12, 2)
    with pytest.raises(InvalidInputError, match="by numbers but the forecast by dates"):
        forecast_fan(monthly, actuals=pd.Series([1.0, 2.0]))


# --------------------------------------------------------------------------- pace
@pytest.fixture(scope="module")
def quarter() -> tuple[Target, pd.Series, Pace]:
    q1 = Target(
        id="Q1",
        metric="revenue",
        value="1200000",
        currency="CNY",
        direction="at_least",
        period=Period.quarter(2026, 1),
    )
    booked = pd.Series(
        [300000.0, 150000.0, 99.0], index=pd.to_datetime(["2026-01-20", "2026-02-10", "2026-03-02"])
    )
    return q1, booked, pace(q1, booked, date(2026, 2, 15), weights=[0.3, 0.3, 0.4])


def test_pace_chart_curves_equal_the_plan_and_the_actuals(
    quarter: tuple[Target, pd.Series, Pace],
) -> None:
    q1, booked, p = quarter
    ax = pace_chart(p, q1, booked, weights=[0.3, 0.3, 0.4])
    render(ax)
    days = ["2026-01-01", "2026-02-01", "2026-02-15", "2026-03-01", "2026-04-01"]
    goal = artist(ax.lines, "goal")
    assert (
        mdates.date2num(goal.get_xdata()).tolist() == mdates.date2num(pd.to_datetime(days)).tolist()
    )
    # 30 % of 1.2 M by February, plus 14/28 of February's 30 %, 40 % in March
    assert goal.get_ydata().tolist() == [0.0, 360000.0, 540000.0, 720000.0, 1200000.0]
    # the March booking is after as_of and is not drawn
    assert artist(ax.lines, "actual").get_ydata().tolist() == [0.0, 300000.0, 450000.0]
    (segment,) = artist(ax.collections, "gap").get_segments()
    assert segment[:, 1].tolist() == [450000.0, 540000.0]
    assert segment[0, 0] == mdates.date2num(pd.Timestamp("2026-02-15"))
    needed = artist(ax.lines, "needed")
    assert needed.get_ydata().tolist() == pytest.approx([450000.0, 654545.45, 1200000.0])
    assert list(artist(ax.lines, "target").get_ydata()) == [1200000.0, 1200000.0]
    assert [t.get_text() for t in ax.texts] == ["gap -90,000.00 CNY"]
    assert ax.get_ylabel() == "Cumulative [CNY]"
    assert ax.get_title() == "Pace to goal: Q1"


def test_pace_chart_count_target_at_period_end() -> None:
    deals = Target(
        id="D", metric="deals_won", value="4", direction="at_least", period=Period.month(2026, 1)
    )
    won = pd.Series(
        [1, 1, 1, 1, 1], index=pd.to_datetime(["2026-01-0" + str(i) for i in range(2, 7)])
    )
    p = pace(deals, won, date(2026, 2, 1), grain="week")
    ax = pace_chart(p, deals, won, grain="week")
    assert ax.get_ylabel() == "Cumulative [count]"
    assert not [line for line in ax.lines if line.get_gid() == "needed"]  # nothing left
    assert artist(ax.lines, "actual").get_ydata()[-1] == 5.0
    assert artist(ax.lines, "goal").get_ydata()[-1] == 4.0
    assert [t.get_text() for t in ax.texts] == ["gap +1"]


@pytest.mark.filterwarnings("ignore:Glyph.*missing from font:UserWarning")
def test_pace_chart_chinese(quarter: tuple[Target, pd.Series, Pace], cjk_font: str) -> None:
    q1, booked, p = quarter
    ax = pace_chart(p, q1, booked, weights=[0.3, 0.3, 0.4], lang="zh-CN")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (
        "目标进度: Q1",
        "日期",
        "累计 [CNY]",
    )
    assert ax.texts[0].get_text() == "差距 -90,000.00 CNY"
    render(ax)


def test_pace_chart_refuses_a_pace_of_other_inputs(
    quarter: tuple[Target, pd.Series, Pace],
) -> None:
    q1, booked, p = quarter
    with pytest.raises(InvalidInputError, match="is not the pace of these actuals"):
        pace_chart(p, q1, booked)  # even weights: another plan
    other = q1.model_copy(update={"id": "Q2"})
    with pytest.raises(InvalidInputError, match="the pace is of target 'Q1', not of target 'Q2'"):
        pace_chart(p, other, booked, weights=[0.3, 0.3, 0.4])


# --------------------------------------------------------------------------- commission
def statement_total(plan: CommissionPlan, quota: Money, attainment: Decimal) -> float:
    """The payout of one credit of ``attainment × quota``, through ``statement``."""
    credited = Money((attainment * quota.amount).quantize(Decimal("0.01")), quota.currency)
    credits = [Credit(deal_id="D", rep_id="R", amount=credited, credited_on=date(2026, 1, 5))]
    if attainment == 0:
        credits = []
    result = statement(plan, "R", credits, period=Period.month(2026, 1), quota=quota)
    return float(result.total)


def test_payout_curve_equals_statement_totals() -> None:
    plan = datasets.commission_plan()
    quota = Money(300000, "CNY")
    ax = payout_curve(plan, quota=quota, points=41)
    render(ax)
    line = artist(ax.lines, "payout")
    xs = line.get_xdata().tolist()
    assert xs[0] == 0.0
    assert xs[-1] == 200.0
    assert len(xs) == 41
    for i in (0, 10, 20, 25, 30, 34, 35, 40):  # 0, 50, 100, 125, 150, 170, 175, 200 %
        attainment = Decimal(i) * Decimal("0.05")
        assert line.get_ydata()[i] == statement_total(plan, quota, attainment)
    # by hand: 4 % of 300,000 to quota; 7 % above; x1.5 above 150 %; capped at 30,000
    assert line.get_ydata()[20] == 12000.0
    assert line.get_ydata()[30] == 12000.0 + 150000 * 0.07
    assert line.get_ydata()[40] == 30000.0
    (tier,) = [a for a in ax.lines if a.get_gid() == "tier"]  # one tier starts above 0
    assert np.asarray(tier.get_xdata()).tolist() == [100.0, 100.0]
    band = artist(ax.patches, "accelerator")
    assert (band.get_x(), band.get_x() + band.get_width()) == (150.0, 200.0)
    assert list(artist(ax.lines, "cap").get_ydata()) == [30000.0, 30000.0]
    assert [t.get_text() for t in ax.texts] == ["base: 7 % (marginal)"]
    assert [t.get_text() for t in legend(ax)] == ["Payout", "base: ×1.5", "base: period cap"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Attainment [% of quota]", "Payout [CNY]")
    assert ax.get_title() == "Payout curve: AE-2026"


def test_payout_curve_amount_basis_retroactive_closed_band() -> None:
    plan = CommissionPlan(
        id="R",
        currency="CNY",
        components=[
            TieredComponent(
                name="t",
                mode="retroactive",
                tiers=[Tier(lower=0, upper=50000, rate="0.02"), Tier(lower=50000, rate="0.05")],
                accelerators=[AcceleratorBand(lower=60000, upper=80000, multiplier="1.2")],
            )
        ],
    )
    quota = Money(100000, "CNY")
    ax = payout_curve(plan, quota=quota, max_attainment=1.0, points=11)
    line = artist(ax.lines, "payout")
    for i in range(11):
        assert line.get_ydata()[i] == statement_total(plan, quota, Decimal(i) / 10)
    assert line.get_ydata()[4] == 800.0  # 40,000 at 2 %
    assert line.get_ydata()[6] == 60000 * 0.05 * 1.2  # retroactive: the band reached pays all
    assert list(artist(ax.lines, "tier").get_xdata()) == [50.0, 50.0]  # 50,000 of 100,000
    band = artist(ax.patches, "accelerator")
    assert (band.get_x(), band.get_x() + band.get_width()) == (60.0, 80.0)
    assert [t.get_text() for t in ax.texts] == ["t: 5 % (retroactive)"]
    assert not [a for a in ax.lines if a.get_gid() == "cap"]


@pytest.mark.filterwarnings("ignore:Glyph.*missing from font:UserWarning")
def test_payout_curve_chinese(cjk_font: str) -> None:
    ax = payout_curve(datasets.commission_plan(), quota=Money(100000, "CNY"), lang="zh-CN")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (
        "提成曲线: AE-2026",
        "达成率 [% 配额]",
        "提成 [CNY]",
    )
    assert [t.get_text() for t in ax.texts] == ["base: 7 %（分段累进）"]
    render(ax)


def test_payout_curve_refuses_bad_input() -> None:
    plan = datasets.commission_plan()
    quota = Money(100000, "CNY")
    with pytest.raises(InvalidInputError, match=r"max_attainment 0 must be a finite number > 0"):
        payout_curve(plan, quota=quota, max_attainment=0)
    with pytest.raises(InvalidInputError, match=r"max_attainment nan"):
        payout_curve(plan, quota=quota, max_attainment=float("nan"))
    with pytest.raises(InvalidInputError, match=r"points 1 must be an integer >= 2"):
        payout_curve(plan, quota=quota, points=1)
    with pytest.raises(CurrencyMismatchError, match="quota currency USD is not the plan currency"):
        payout_curve(plan, quota=Money(100000, "USD"))


def test_plan_cost_chart_lines_equal_the_result() -> None:
    plan = datasets.commission_plan()
    rng = np.random.default_rng(3)
    cost = plan_cost(plan, rng.uniform(0.2, 1.8, size=(300, 3)), quota=Money(100000, "CNY"))
    ax = plan_cost_chart(cost, bins=12)
    render(ax)
    assert artist(ax.lines, "expected").get_xdata()[0] == float(cost.expected)
    assert artist(ax.lines, "p50").get_xdata()[0] == float(cost.p50)
    assert artist(ax.lines, "p90").get_xdata()[0] == float(cost.p90)
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 12
    assert sum(float(b.get_height()) for b in bars) == 300
    assert bars[0].get_x() == pytest.approx(cost.cost.min() / 100)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Total payout [CNY]", "Samples [count]")


def test_plan_cost_chart_refuses_bad_input(no_cjk_font: None) -> None:
    empty = PlanCost("CNY", np.zeros((0, 1), dtype=np.int64), np.zeros((0, 1), dtype=np.int64))
    with pytest.raises(InvalidInputError, match="no samples"):
        plan_cost_chart(empty)
    with pytest.raises(InvalidInputError, match="bins 0 must be an integer >= 1"):
        plan_cost_chart(empty, bins=0)
    one = PlanCost("JPY", np.array([[100]]), np.array([[7]]))
    with pytest.warns(UserWarning, match="fall back to English"):
        ax = plan_cost_chart(one, bins=1, lang="zh-CN")
    assert ax.get_xlabel() == "Total payout [JPY]"
    assert artist(ax.lines, "expected").get_xdata()[0] == 7.0


# --------------------------------------------------------------------------- plan matrix
@pytest.fixture(scope="module")
def matrix() -> pd.DataFrame:
    year = Target(
        id="Y", metric="revenue", value="1200000", currency="CNY", period=Period.year(2026)
    )
    reps = list(datasets.organization().reps)
    return plan_matrix(year, reps, "quarter", owner_method="capacity")


def test_plan_matrix_heatmap_cells_equal_the_matrix(matrix: pd.DataFrame) -> None:
    ax = plan_matrix_heatmap(matrix, unit="CNY")
    render(ax)
    drawn = np.asarray(ax.images[0].get_array())
    expected = [[float(v) for v in row] for row in matrix.to_numpy()]
    assert drawn.tolist() == expected
    assert drawn[2, 0] == 0.0  # R3 is hired in April: nothing planned in Q1
    assert [t.get_text() for t in ax.get_xticklabels()] == list(matrix.columns)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["R1", "R2", "R3"]
    cells = [t.get_text() for t in ax.texts]
    assert cells[0] == f"{float(matrix.to_numpy()[0, 0]):,.2f}"
    assert cells[8] == "0.00"
    assert len(cells) == matrix.size
    figure = ax.get_figure()
    assert figure is not None
    colorbar = figure.axes[1]
    assert colorbar.get_ylabel() == "Planned [CNY]"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Period", "Owner")


@pytest.mark.filterwarnings("ignore:Glyph.*missing from font:UserWarning")
def test_plan_matrix_heatmap_counts_chinese(cjk_font: str) -> None:
    deals = Target(id="N", metric="deals_won", value="10", period=Period.quarter(2026, 1))
    m = plan_matrix(deals, [Owner(kind="rep", id=i) for i in ("A", "B")], "month")
    ax = plan_matrix_heatmap(m, lang="zh-CN", annotate=True)
    assert all("." not in t.get_text() for t in ax.texts)  # whole numbers
    assert sum(int(t.get_text()) for t in ax.texts) == 10
    assert ax.get_title() == "计划：负责人 × 期间"
    figure = ax.get_figure()
    assert figure is not None
    assert figure.axes[1].get_ylabel() == "计划值 [数值]"
    assert figure.axes[1].yaxis.label.get_fontfamily()[0] == cjk_font
    render(ax)
    plain = plan_matrix_heatmap(m, annotate=False, ax=Figure().add_subplot())
    assert not plain.texts


def test_plan_matrix_heatmap_refuses_other_frames(matrix: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="pass form='wide'"):
        plan_matrix_heatmap(matrix.reset_index())
    with pytest.raises(InvalidInputError, match="is empty"):
        plan_matrix_heatmap(matrix.iloc[:0])
    bad = matrix.astype(object)
    bad.iloc[0, 0] = "x"
    with pytest.raises(InvalidInputError, match="not a finite number"):
        plan_matrix_heatmap(bad)


# --------------------------------------------------------------------------- attainment
def test_attainment_chart_one_team() -> None:
    d = quota_attainment({"R1": 120, "R2": 80, "R3": 100}, {"R1": 100, "R2": 100, "R3": 100})
    ax = attainment_chart(d)
    render(ax)
    (segment,) = artist(ax.collections, "range").get_segments()
    # attainments 0.8, 1.0, 1.2: P10 = 0.84, P90 = 1.16 (linear interpolation)
    assert segment[:, 0].tolist() == pytest.approx([84.0, 116.0])
    assert artist(ax.lines, "median").get_xdata().tolist() == [100.0]
    assert artist(ax.lines, "mean").get_xdata().tolist() == pytest.approx([100.0])
    assert list(artist(ax.lines, "quota").get_xdata()) == [100.0, 100.0]
    assert [t.get_text() for t in ax.texts] == ["2 of 3 at or above quota (66.7 %)"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["all reps"]
    assert ax.get_xlabel() == "Attainment [% of quota]"


def test_attainment_chart_segments_of_the_frame() -> None:
    df = pd.DataFrame(
        {
            "team": ["E", "E", "E", "W", "W", "X"],
            "rep_id": ["R1", "R2", "R4", "R3", "R5", "R6"],
            "achieved": [110.0, 90.0, 130.0, 50.0, 70.0, 5.0],
            "quota": [100.0, 100.0, 100.0, 100.0, 100.0, 0.0],
        }
    )
    frame = quota_attainment_frame(df, by=["team"])
    ax = attainment_chart(frame)
    render(ax)
    segments = artist(ax.collections, "range").get_segments()
    # E: 0.9, 1.1, 1.3 → P10 0.94, P90 1.26; W: 0.5, 0.7 → 0.52, 0.68; X has no quota
    flat = [x for s in segments for x in s[:, 0].tolist()]
    assert flat == pytest.approx([94.0, 126.0, 52.0, 68.0])
    assert artist(ax.lines, "median").get_xdata().tolist() == pytest.approx([110.0, 60.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["E", "W", "X"]
    assert [t.get_text() for t in ax.texts] == [
        "2 of 3 at or above quota (66.7 %)",
        "0 of 2 at or above quota (0.0 %)",
        "0 of 0 at or above quota",  # no quota: no share, no range
    ]
    whole = quota_attainment_frame(df)
    assert [t.get_text() for t in attainment_chart(whole).get_yticklabels()] == ["all reps"]


@pytest.mark.filterwarnings("ignore:Glyph.*missing from font:UserWarning")
def test_attainment_chart_chinese(cjk_font: str) -> None:
    d = quota_attainment({"R1": 120, "R2": 80}, {"R1": 100, "R2": 100})
    ax = attainment_chart(d, lang="zh-CN")
    assert ax.get_title() == "配额达成率"
    assert [t.get_text() for t in ax.texts] == ["2 人中 1 人达成配额 (50.0 %)"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["全部销售"]
    render(ax)


def test_attainment_chart_refuses_other_frames() -> None:
    with pytest.raises(InvalidInputError, match=r"lacks columns \['reps'"):
        attainment_chart(pd.DataFrame({"x": [1]}))
    frame = quota_attainment_frame(
        pd.DataFrame({"rep_id": ["R1"], "achieved": [1.0], "quota": [1.0]})
    )
    with pytest.raises(InvalidInputError, match="no rows"):
        attainment_chart(frame.iloc[:0])


# --------------------------------------------------------------------------- categories
def test_categories_waterfall_steps_add_up_to_the_roll_ups() -> None:
    pipeline = datasets.pipeline()
    f = forecast_categories(datasets.opportunities(pipeline, n=40), pipeline)
    ax = categories_waterfall(f)
    render(ax)
    steps = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_gid() == "step"]
    amounts = [float(f.totals[c]) for c in ("closed", "commit", "best_case", "pipeline")]
    assert [float(b.get_height()) for b in steps] == amounts
    assert [float(b.get_y()) for b in steps] == [0.0, *np.cumsum(amounts)[:-1].tolist()]
    top_of_commit = float(steps[1].get_y() + steps[1].get_height())
    assert top_of_commit == float(f.totals["commit_forecast"])
    assert list(artist(ax.lines, "commit_forecast").get_ydata()) == [top_of_commit] * 2
    top_of_best = float(steps[2].get_y() + steps[2].get_height())
    assert list(artist(ax.lines, "best_case_forecast").get_ydata()) == [top_of_best] * 2
    assert not [a for a in ax.lines if str(a.get_gid()).endswith("_adjusted")]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["Closed", "Commit", "Best case", "Pipeline"]
    assert ax.get_ylabel() == "Bookings [CNY]"
    assert ax.get_title() == "Forecast categories"


def test_categories_waterfall_node_with_adjustment() -> None:
    pipeline = datasets.pipeline()
    deals = datasets.opportunities(pipeline, n=40)
    call = CategoryAdjustment(node="R1", measure="commit_forecast", amount=Money(2000000, "CNY"))
    f = forecast_categories(deals, pipeline, adjustments=[call])
    ax = categories_waterfall(f, node="R1")
    render(ax)
    steps = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert float(steps[0].get_height()) == float(f.money("R1", "closed").amount)
    assert list(artist(ax.lines, "commit_forecast_adjusted").get_ydata()) == [2000000.0] * 2
    assert ax.get_title() == "Forecast categories: R1"
    assert "Commit forecast, adjusted" in [t.get_text() for t in legend(ax)]
    with pytest.raises(InvalidInputError, match=r"node 'R9' is not in the forecast tree"):
        categories_waterfall(f, node="R9")


@pytest.mark.filterwarnings("ignore:Glyph.*missing from font:UserWarning")
def test_categories_waterfall_chinese(cjk_font: str) -> None:
    pipeline = datasets.pipeline()
    f = forecast_categories(datasets.opportunities(pipeline, n=20), pipeline)
    ax = categories_waterfall(f, lang="zh-CN")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["已成交", "承诺", "最佳情况", "管道"]
    assert ax.get_ylabel() == "成交额 [CNY]"
    render(ax)


# --------------------------------------------------------------------------- layering
def test_plot_core_never_imports_matplotlib() -> None:
    code = (
        "import sys, salescore, salescore.funnel, salescore.forecast, salescore.goals, "
        "salescore.commission, salescore.kpi, salescore.datasets; "
        "print('matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
