"""Tour section: the embedding edge — results as JSON, a snapshot export, CRM records in."""

from __future__ import annotations

import json
from typing import TextIO

import pandas as pd

from salescore import datasets
from salescore._tour._common import heading
from salescore.crm import salesforce
from salescore.errors import MissingHistoryError
from salescore.funnel import FunnelReport, funnel

TITLE = "Results as JSON, a snapshot export, and CRM records in"

#: Salesforce ``OpportunityStage`` records of the sample pipeline, as the REST API gives them.
STAGES = [
    {
        "MasterLabel": "Qualify",
        "SortOrder": 1,
        "DefaultProbability": 10,
        "IsClosed": False,
        "IsWon": False,
    },
    {
        "MasterLabel": "Proposal",
        "SortOrder": 2,
        "DefaultProbability": 40,
        "IsClosed": False,
        "IsWon": False,
    },
    {
        "MasterLabel": "Negotiation",
        "SortOrder": 3,
        "DefaultProbability": 70,
        "IsClosed": False,
        "IsWon": False,
    },
    {
        "MasterLabel": "Won",
        "SortOrder": 4,
        "DefaultProbability": 100,
        "IsClosed": True,
        "IsWon": True,
    },
    {
        "MasterLabel": "Lost",
        "SortOrder": 5,
        "DefaultProbability": 0,
        "IsClosed": True,
        "IsWon": False,
    },
]


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
    records = [
        {
            "Id": d.id,
            "OwnerId": d.owner_id,
            "Amount": float(d.amount),
            "StageName": d.stage,
            "CurrencyIsoCode": d.currency,
            "IsClosed": d.close_date is not None,
            "CreatedDate": f"{d.created_on.isoformat()}T09:00:00.000+0000",
            "CloseDate": (d.close_date or d.expected_close_date or d.created_on).isoformat(),
        }
        for d in deals[:20]
    ]
    records[3]["Amount"] = None  # a record as CRMs have them: a deal without an amount
    records[7]["StageName"] = "Perception Analysis"  # and one in a stage since deleted
    imported = salesforce.load(records, stages=STAGES)
    out.write(
        f"\n{len(records)} Salesforce Opportunity records through salescore.crm: "
        f"{len(imported.opportunities)} imported as a {imported.source}, "
        f"{len(imported.errors)} named in the errors table:\n"
    )
    for e in imported.errors.to_dict("records"):
        value = "missing" if pd.isna(e["value"]) else repr(e["value"])
        out.write(f"  row {e['row']}: {e['field']} {value} ({e['reason']})\n")
