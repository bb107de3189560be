"""Tour section: what a CRM back end stores — results as JSON, and a snapshot export."""

from __future__ import annotations

import json
from typing import TextIO

from salescore import datasets
from salescore._tour._common import heading
from salescore.errors import MissingHistoryError
from salescore.funnel import FunnelReport, funnel

TITLE = "Results as JSON, and a snapshot export"


def section(out: TextIO) -> None:
    """Write the embedding section of the tour to ``out``."""
    heading(out, TITLE)
    pipeline = datasets.pipeline()
    deals = datasets.opportunities(n=200)
    report = funnel(deals, pipeline)
    text = json.dumps(report.to_dict())
    again = FunnelReport.from_dict(json.loads(text))
    first = report.to_dict()["table"]["records"][0]
    out.write(
        f"A funnel report of {report.deals} deals is {len(text):,} characters of JSON; "
        f"reloaded, it equals the original: {again.to_dict() == report.to_dict()}.\n"
        f"Its first table record: {json.dumps(first)[:110]}...\n"
    )
    export = [d.model_copy(update={"history": ()}) for d in deals]
    try:
        funnel(export, pipeline)
    except MissingHistoryError as exc:
        out.write(f"The same deals as a snapshot export (current stage only): {exc}\n")
    snapshot = funnel(export, pipeline, source="snapshot")
    rates = snapshot.table["win_rate"].round(3).tolist()
    out.write(
        f"With source='snapshot': {snapshot.won} won, {snapshot.lost} lost; win rates by stage "
        f"{rates} (NaN where the export cannot tell where lost deals were lost).\n"
    )
