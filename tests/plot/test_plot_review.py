"""Review pictures: bar edges and line points read back from the artists equal the results."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from salescore import datasets
from salescore.calendar import Period
from salescore.plot import _text, forecast_history_chart, pipeline_waterfall
from salescore.review import PipelineChanges, forecast_history, pipeline_changes

PIPE = datasets.pipeline()
YEAR = Period.year(2026)


def render(ax: Axes) -> None:
    buffer = io.BytesIO()
    figure = ax.get_figure(root=True)
    assert isinstance(figure, Figure)
    figure.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


def _changes() -> PipelineChanges:
    deals = datasets.opportunities(PIPE, n=80)
    before = [
        d.model_copy(update={"amount": d.amount + 1000}) if i % 3 == 0 else d
        for i, d in enumerate(deals[10:70])
    ]
    return pipeline_changes(before, deals, PIPE, period=Period.quarter(2026, 2))


def test_pipeline_waterfall_bars_walk_from_opening_to_closing() -> None:
    w = _changes()
    ax = pipeline_waterfall(w, ax=Figure().add_subplot())
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert [b.get_gid() for b in bars] == ["opening", *["change"] * 8, "closing"]
    assert bars[0].get_height() == float(w.opening.amount)
    change = dict(zip(w.buckets.index, w.buckets["change"].astype(float), strict=True))
    moving = ["won", "lost", "removed", "slipped", "new", "pulled_in", "amount_up", "amount_down"]
    level = float(w.opening.amount)
    for bar, name in zip(bars[1:-1], moving, strict=True):
        assert bar.get_y() == pytest.approx(level)
        assert bar.get_height() == pytest.approx(change[name])
        level += bar.get_height()
    assert level == pytest.approx(float(w.closing.amount)) == bars[-1].get_height()
    assert any(change[n] != 0 for n in moving)
    counts = [t.get_text() for t in ax.texts]
    assert counts[0] == str(w.opening_deals) and counts[-1] == str(w.closing_deals)
    assert ax.get_ylabel() == "Pipeline [CNY]"
    assert Decimal(0) != w.buckets["amount"].sum()
    render(ax)


def test_forecast_history_chart_points_are_the_table() -> None:
    deals = datasets.opportunities(PIPE, n=60)
    snaps = {date(2026, 3, 2): deals[:30], date(2026, 3, 9): deals[:45], date(2026, 3, 16): deals}
    h = forecast_history(snaps, PIPE, period=Period.quarter(2026, 2))
    ax = forecast_history_chart(h, ax=Figure().add_subplot())
    by_gid = {line.get_gid(): line for line in ax.lines}
    for name in ("forecast", "commit_forecast", "best_case_forecast", "closed"):
        ys = np.asarray(by_gid[name].get_ydata(), dtype=np.float64).tolist()
        assert ys == [float(v) for v in h.table[name]]
    xs = np.asarray(by_gid["forecast"].get_xdata(), dtype="datetime64[D]")
    assert [str(x) for x in xs] == [d.isoformat() for d in snaps]
    assert ax.get_ylabel() == "Forecast [CNY]"
    render(ax)


def test_review_plots_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_text, "find_cjk_font", lambda: "DejaVu Sans")
    ax = pipeline_waterfall(_changes(), ax=Figure().add_subplot(), lang="zh-CN")
    assert ax.get_ylabel() == "管道 [CNY]"
    assert ax.get_xticklabels()[0].get_text() == "期初"
    monkeypatch.setattr(_text, "find_cjk_font", lambda: None)
    with pytest.warns(UserWarning, match="fall back to English"):
        ax = pipeline_waterfall(_changes(), ax=Figure().add_subplot(), lang="zh-CN")
    assert ax.get_title().startswith("Pipeline changes")
    deals = datasets.opportunities(PIPE, n=20)
    h = forecast_history({date(2026, 1, 5): deals}, PIPE, period=YEAR)
    with pytest.warns(UserWarning, match="fall back to English"):
        ax = forecast_history_chart(h, lang="zh-CN")
    assert ax.get_xlabel() == "Snapshot date"
