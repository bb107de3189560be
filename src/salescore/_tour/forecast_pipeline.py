"""Tour section: the quarter's weighted forecast and forecast categories up the team tree."""

from __future__ import annotations

from typing import TextIO

from salescore import datasets
from salescore._tour._common import heading
from salescore._tour.foundation import tour_opportunities, tour_pipeline
from salescore.calendar import Period
from salescore.forecast.categories import Adjustment, forecast_categories
from salescore.forecast.weighted import weighted
from salescore.models import Organization
from salescore.money import Money

TITLE = "Pipeline forecasts: weighted and by forecast category"
QUARTER = Period.quarter(2026, 2)
CATEGORIES = {"Proposal": "Best Case"}  # Negotiation is Commit in the tour pipeline


def _org() -> Organization:
    return datasets.organization()


def section(out: TextIO) -> None:
    """Write the weighted and category forecast section of the tour to ``out``."""
    heading(out, TITLE)
    pipeline = tour_pipeline()
    deals = tour_opportunities(pipeline, n=200)
    f = weighted(deals, pipeline, period=QUARTER)
    out.write(
        f"Weighted forecast for {QUARTER}: {f.forecast} = {f.won} already won + {f.weighted} "
        f"expected from {int(f.by_stage['open_deals'].sum())} open deals "
        f"(unweighted open pipeline {f.pipeline}; exact {f.exact}; "
        "each total rounded once, half-even).\n"
    )
    table = f.by_stage[["open_deals", "won", "weighted", "forecast"]].astype(object)
    for column in ("won", "weighted", "forecast"):  # Decimal CNY, with thousands separators
        table[column] = [f"{amount:,}" for amount in f.by_stage[column]]
    out.write(table.to_string() + "\n")
    plain = forecast_categories(deals, pipeline, period=QUARTER, org=_org(), categories=CATEGORIES)
    east = int(plain.tree.at["east", "commit_forecast_minor"])  # type: ignore[arg-type]
    cut = Money.from_minor(east - east // 5, "CNY")
    c = forecast_categories(
        deals,
        pipeline,
        period=QUARTER,
        org=_org(),
        categories=CATEGORIES,
        adjustments=[Adjustment(node="east", measure="commit_forecast", amount=cut, by="manager")],
    )
    columns = ["commit_forecast", "commit_forecast_adjusted", "best_case_forecast", "open_pipeline"]
    out.write(
        "Forecast categories (Negotiation = Commit, Proposal = Best Case) rolled up the team "
        "tree (CNY); the East manager cuts East's "
        f"Commit forecast by a fifth to {cut}, the gross numbers beneath stay:\n"
    )
    tree = c.tree[columns].map(lambda amount: f"{amount:,}")
    out.write(tree.to_string() + "\n")
