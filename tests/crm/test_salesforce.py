"""Salesforce records (REST shapes from the object reference) into salescore."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

import pandas as pd
import pytest
from tests.crm._world import Deal, book, hand_models, hand_pipeline, stage_probability

from salescore.calendar import Period
from salescore.crm import salesforce
from salescore.errors import InvalidInputError
from salescore.forecast import weighted
from salescore.funnel import funnel

NAMES = {
    "Qualify": "Qualification",
    "Propose": "Proposal/Price Quote",
    "Negotiate": "Negotiation/Review",
    "won": "Closed Won",
    "lost": "Closed Lost",
}
BROKEN = {2: "no_amount", 5: "deleted", 9: "retired_stage", 13: "bad_date"}


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def stages() -> list[dict[str, Any]]:
    rows = []
    for i, key in enumerate(["Qualify", "Propose", "Negotiate", "won", "lost"]):
        rows.append(
            {
                "attributes": {"type": "OpportunityStage"},
                "Id": f"01J{i}",
                "ApiName": NAMES[key],
                "MasterLabel": NAMES[key],
                "SortOrder": (i + 1) * 10,
                "DefaultProbability": stage_probability(key) * 100,
                "IsActive": True,
                "IsClosed": key in ("won", "lost"),
                "IsWon": key == "won",
                "ForecastCategoryName": {"won": "Closed", "lost": "Omitted"}.get(key, "Pipeline"),
            }
        )
    return rows


def record(d: Deal) -> dict[str, Any]:
    last = d.path[-1][0]
    stage = NAMES[last] if d.broken != "retired_stage" else "Perception Analysis"
    closes = d.closed_at.date() if d.closed_at else d.expected
    return {
        "attributes": {
            "type": "Opportunity",
            "url": f"/services/data/v60.0/sobjects/Opportunity/{d.id}",
        },
        "Id": d.id,
        "Name": f"Deal {d.id}",
        "AccountId": None,
        "OwnerId": d.owner,
        "Amount": None if d.broken == "no_amount" else float(d.amount),
        "StageName": stage,
        "CloseDate": "2026-13-45" if d.broken == "bad_date" else closes.isoformat(),
        "CreatedDate": stamp(d.created),
        "IsClosed": d.outcome is not None,
        "IsWon": d.outcome == "won",
        "IsDeleted": d.broken == "deleted",
        "Probability": stage_probability(last) * 100,
        "ForecastCategoryName": "Pipeline" if d.outcome is None else "Closed",
        "Region__c": d.region,
    }


def history(d: Deal) -> list[dict[str, Any]]:
    rows = []
    for stage, at in d.path:
        rows.append(
            {
                "OpportunityId": d.id,
                "StageName": NAMES[stage],
                "CreatedDate": stamp(at),
                "Amount": float(d.amount),
                "IsDeleted": False,
            }
        )
        # An amount change in the same stage: a history row that is not a stage change.
        rows.append({**rows[-1], "CreatedDate": stamp(at.replace(minute=45)), "Amount": 1.0})
    return rows


def hand(deals: list[Deal]):
    models = hand_models(deals, NAMES, probability=True)
    for i, m in enumerate(models):
        # ForecastCategoryName as the record gives it.
        models[i] = m.model_copy(
            update={"forecast_category": "Pipeline" if m.close_date is None else "Closed"}
        )
    return models


def test_load_maps_realistic_records_to_the_hand_built_models():
    deals = book(broken=BROKEN)
    records = [record(d) for d in deals]
    rows = [h for d in deals for h in history(d)]
    imp = salesforce.load(records, stages=stages(), history=rows, currency="USD")
    expected = hand(deals)
    assert imp.models() == [m.model_copy(update={"history": m.history}) for m in expected]
    # Every row accounted for: 4 deals named in the errors, each once, with the reason.
    errors = imp.errors[imp.errors["input"] == "opportunities"]
    assert dict(zip(errors["row"], errors["reason"], strict=True)) == {
        2: "not_null",
        5: "deleted",
        9: "unknown_stage",
        13: "not_a_date",
    }
    assert errors.set_index("row").loc[9, "value"] == "Perception Analysis"
    assert errors.set_index("row").loc[13, "field"] == "CloseDate"
    counts = imp.counts
    assert (counts["rows"] == counts["imported"] + counts["failed"] + counts["merged"]).all()
    assert counts.loc["opportunities", "imported"] == len(deals) - len(BROKEN)
    # The broken deals' history rows are not lost either: they are named.
    assert counts.loc["history", "merged"] == len(rows) // 2


def test_load_gives_the_same_funnel_and_forecast_as_hand_built_models():
    deals = book(broken=BROKEN)
    imp = salesforce.load(
        [record(d) for d in deals],
        stages=stages(),
        history=[h for d in deals for h in history(d)],
        currency="USD",
    )
    pipe = hand_pipeline(NAMES)
    models = hand(deals)
    assert imp.pipeline is not None
    assert [(s.name, s.kind, s.probability) for s in imp.pipeline.stages] == [
        (s.name, s.kind, s.probability) for s in pipe.stages
    ]
    assert imp.funnel().to_dict() == funnel(models, pipe).to_dict()
    q1 = Period.quarter(2026, 1)
    mine, theirs = imp.weighted(period=q1), weighted(models, pipe, period=q1)
    assert (mine.forecast, mine.won, mine.pipeline) == (
        theirs.forecast,
        theirs.won,
        theirs.pipeline,
    )
    pd.testing.assert_frame_equal(mine.by_owner, theirs.by_owner)


def test_load_reads_an_export_frame_like_the_rest_records():
    deals = book(broken=BROKEN)
    records = [record(d) for d in deals]
    rows = [h for d in deals for h in history(d)]
    from_rest = salesforce.load(records, stages=stages(), history=rows, currency="USD")
    export = pd.DataFrame(records).drop(columns=["attributes"])
    from_export = salesforce.load(
        export, stages=pd.DataFrame(stages()), history=pd.DataFrame(rows), currency="USD"
    )
    assert from_export.models() == from_rest.models()
    assert from_export.errors["reason"].tolist() == from_rest.errors["reason"].tolist()


def test_load_with_a_custom_field_as_the_channel():
    deals = book()
    custom = salesforce.OPPORTUNITY.with_fields(channel_id="Region__c")
    imp = salesforce.load([record(d) for d in deals], currency="USD", opportunity_map=custom)
    assert imp.opportunities["channel_id"].tolist() == [d.region for d in deals]
    assert imp.source == "snapshot" and imp.pipeline is None
    with pytest.raises(InvalidInputError, match="no pipeline"):
        imp.funnel()


def test_load_from_field_history():
    deals = book(n=12)
    field_rows: list[dict[str, Any]] = []
    for d in deals:
        field_rows.append(
            {
                "OpportunityId": d.id,
                "Field": "created",
                "OldValue": None,
                "NewValue": None,
                "CreatedDate": stamp(d.created),
            }
        )
        for (a, _), (b, at) in pairwise(d.path):
            field_rows.append(
                {
                    "OpportunityId": d.id,
                    "Field": "StageName",
                    "OldValue": NAMES[a],
                    "NewValue": NAMES[b],
                    "CreatedDate": stamp(at),
                }
            )
        field_rows.append(
            {
                "OpportunityId": d.id,
                "Field": "Amount",
                "OldValue": 1,
                "NewValue": 2,
                "CreatedDate": stamp(d.created),
            }
        )
    imp = salesforce.load(
        [record(d) for d in deals], stages=stages(), field_history=field_rows, currency="USD"
    )
    assert imp.models() == hand(deals)
    counts = imp.counts
    assert (counts["rows"] == counts["imported"] + counts["failed"] + counts["merged"]).all()
    with pytest.raises(InvalidInputError, match="not both"):
        salesforce.load([], history=[], field_history=[])


def test_pipeline_refuses_a_stage_record_that_does_not_map():
    broken = stages()
    broken[1]["DefaultProbability"] = "high"
    with pytest.raises(InvalidInputError, match=r"DefaultProbability.*'high'.*not_a_number"):
        salesforce.pipeline(broken)


def test_load_names_a_missing_export_column():
    frame = pd.DataFrame([record(d) for d in book(n=3)]).drop(columns=["StageName"])
    with pytest.raises(InvalidInputError, match=r"no column 'StageName'.*'stage'"):
        salesforce.load(frame)


def test_organization_from_users_and_roles():
    org = salesforce.organization(
        [
            {
                "Id": "U1",
                "Name": "Wang Fang",
                "UserRoleId": "R-East",
                "ManagerId": "U3",
                "IsActive": True,
            },
            {"Id": "U2", "Name": "Li Na", "UserRoleId": "R-Gone", "IsActive": True},
            {"Id": "U3", "Name": "Zhao Lei", "UserRoleId": "R-Top", "IsActive": True},
            {"Id": "U4", "Name": "Old Hand", "UserRoleId": "R-East", "IsActive": False},
        ],
        [
            {"Id": "R-Top", "Name": "Sales", "ParentRoleId": None},
            {"Id": "R-East", "Name": "East", "ParentRoleId": "R-Top"},
        ],
    )
    assert [(r.id, r.team_id, r.manager_id) for r in org.organization.reps] == [
        ("U1", "R-East", "U3"),
        ("U3", "R-Top", None),
    ]
    assert sorted(org.errors["reason"]) == ["inactive", "unknown_team"]
