"""HubSpot, Odoo and ERPNext records (shapes from their API references) into salescore."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.crm._world import (
    OPEN,
    PROBABILITY,
    Deal,
    book,
    hand_models,
    hand_pipeline,
)

from salescore.calendar import Period
from salescore.crm import erpnext, examples, hubspot, odoo
from salescore.errors import InvalidInputError
from salescore.forecast import weighted
from salescore.funnel import funnel

Q1 = Period.quarter(2026, 1)


def same_forecast(imp: Any, models: list[Any], pipe: Any) -> None:
    mine, theirs = imp.weighted(period=Q1), weighted(models, pipe, period=Q1)
    assert (mine.forecast, mine.won, mine.pipeline) == (
        theirs.forecast,
        theirs.won,
        theirs.pipeline,
    )
    pd.testing.assert_frame_equal(mine.by_owner, theirs.by_owner)


def accounted(imp: Any) -> None:
    counts = imp.counts
    assert (counts["rows"] == counts["imported"] + counts["failed"] + counts["merged"]).all()


# --------------------------------------------------------------------------- HubSpot
HS_IDS = {
    "Qualify": "qualifiedtobuy",
    "Propose": "presentationscheduled",
    "Negotiate": "contractsent",
    "won": "closedwon",
    "lost": "closedlost",
}
HS_NAMES = {
    "Qualify": "Qualified to buy",
    "Propose": "Presentation scheduled",
    "Negotiate": "Contract sent",
    "won": "Closed won",
    "lost": "Closed lost",
}
HS_BROKEN = {1: "archived", 4: "deleted_stage", 7: "other_pipeline", 10: "no_owner"}


def hs_pipeline() -> dict[str, Any]:
    stages = []
    for i, key in enumerate(["Qualify", "Propose", "Negotiate", "won", "lost"]):
        closed = key in ("won", "lost")
        p = {"won": 1.0, "lost": 0.0}.get(key, PROBABILITY.get(key, 0.0))
        stages.append(
            {
                "id": HS_IDS[key],
                "label": HS_NAMES[key],
                "displayOrder": i,
                "archived": False,
                "createdAt": "2023-04-01T10:00:00Z",
                "metadata": {"isClosed": str(closed).lower(), "probability": str(p)},
            }
        )
    return {"id": "default", "label": "Sales Pipeline", "displayOrder": 0, "stages": stages}


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def hs_record(d: Deal) -> dict[str, Any]:
    last = d.path[-1][0]
    closes = d.closed_at.date() if d.closed_at else d.expected
    props: dict[str, Any] = {
        "dealname": f"Deal {d.id}",
        "amount": f"{d.amount:.2f}",
        "dealstage": "decisionmakerboughtin" if d.broken == "deleted_stage" else HS_IDS[last],
        "pipeline": "partners" if d.broken == "other_pipeline" else "default",
        "createdate": iso(d.created),
        "closedate": f"{closes.isoformat()}T00:00:00Z",
        "hubspot_owner_id": None if d.broken == "no_owner" else d.owner.removeprefix("U"),
        "hs_is_closed": str(d.outcome is not None).lower(),
        "region": d.region,
        "hs_object_id": d.id,
        "hs_lastmodifieddate": iso(d.path[-1][1]),
    }
    for stage, at in d.path:
        props[f"hs_date_entered_{HS_IDS[stage]}"] = iso(at)
    for (stage, _), (_, left) in pairwise(d.path):
        props[f"hs_date_exited_{HS_IDS[stage]}"] = iso(left)
    if d.broken == "deleted_stage":
        props["hs_date_entered_decisionmakerboughtin"] = iso(d.path[-1][1] + timedelta(hours=1))
    return {
        "id": d.id,
        "properties": props,
        "createdAt": iso(d.created),
        "updatedAt": iso(d.path[-1][1]),
        "archived": d.broken == "archived",
    }


def test_hubspot_load_matches_hand_built_models_funnel_and_forecast():
    deals = book(seed=11, broken=HS_BROKEN)
    imp = hubspot.load([hs_record(d) for d in deals], pipeline_record=hs_pipeline(), currency="USD")
    owners = {u: u.removeprefix("U") for u in ("U1", "U2", "U3")}
    models = hand_models(deals, HS_NAMES, owners=owners)
    pipe = hand_pipeline(HS_NAMES)
    assert imp.models() == models
    errors = imp.errors[imp.errors["input"] == "opportunities"]
    assert dict(zip(errors["row"], errors["reason"], strict=True)) == {
        1: "deleted",
        4: "unknown_stage",
        7: "other_pipeline",
        10: "not_null",
    }
    assert imp.funnel().to_dict() == funnel(models, pipe).to_dict()
    same_forecast(imp, models, pipe)
    accounted(imp)


def test_hubspot_normalised_frame_reads_like_the_records():
    deals = book(seed=11, broken=HS_BROKEN)
    records = [hs_record(d) for d in deals]
    frame = pd.json_normalize(records)
    a = hubspot.load(records, pipeline_record=hs_pipeline(), currency="USD")
    b = hubspot.load(frame, pipeline_record=hs_pipeline(), currency="USD")
    assert a.models() == b.models()
    assert a.errors["reason"].tolist() == b.errors["reason"].tolist()


def test_hubspot_without_history_is_a_snapshot_and_custom_properties_map():
    deals = book(seed=11)
    custom = hubspot.DEAL.with_fields(channel_id="properties.region")
    imp = hubspot.load(
        [hs_record(d) for d in deals],
        pipeline_record=hs_pipeline(),
        currency="USD",
        history=False,
        deal_map=custom,
    )
    assert imp.source == "snapshot"
    assert imp.opportunities["channel_id"].tolist() == [d.region for d in deals]
    # A snapshot funnel with lost deals of unknown stage: rates it cannot know are NaN.
    report = imp.funnel()
    assert np.isnan(report.table["win_rate"].iloc[1])


def test_hubspot_pipeline_without_stages_and_owners():
    with pytest.raises(InvalidInputError, match="no 'stages' list"):
        hubspot.pipeline({"id": "default"})
    org = hubspot.organization(
        [
            {
                "id": "1",
                "firstName": "Fang",
                "lastName": "Wang",
                "email": "f@x.com",
                "teams": [
                    {"id": "t1", "name": "East", "primary": False},
                    {"id": "t2", "name": "West", "primary": True},
                ],
            },
            {"id": "2", "email": "li@x.com", "teams": []},
            {"id": "3", "firstName": "Gone", "archived": True},
        ]
    )
    assert [(r.id, r.name, r.team_id) for r in org.organization.reps] == [
        ("1", "Fang Wang", "t2"),
        ("2", "li@x.com", None),
    ]
    assert sorted(t.id for t in org.organization.teams) == ["t1", "t2"]
    assert org.errors["reason"].tolist() == ["inactive"]


# --------------------------------------------------------------------------- Odoo
ODOO_NAMES = {
    "Qualify": "Qualified",
    "Propose": "Proposition",
    "Negotiate": "Negotiation",
    "won": "Won",
    "lost": "Lost",
}
ODOO_IDS = {"Qualify": 2, "Propose": 3, "Negotiate": 5, "won": 4}
ODOO_BROKEN = {3: "archived", 6: "lead", 12: "no_revenue"}


def odoo_stages() -> list[dict[str, Any]]:
    return [
        {
            "id": ODOO_IDS[k],
            "name": ODOO_NAMES[k],
            "sequence": i + 1,
            "is_won": k == "won",
            "fold": False,
            "team_id": False,
        }
        for i, k in enumerate(["Qualify", "Propose", "Negotiate", "won"])
    ]


def odoo_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def odoo_record(i: int, d: Deal) -> dict[str, Any]:
    real = [s for s, _ in d.path if s != "lost"]
    last = real[-1]
    return {
        "id": 100 + i,
        "name": f"Deal {d.id}",
        "type": "lead" if d.broken == "lead" else "opportunity",
        "user_id": [int(d.owner[1:]), f"User {d.owner}"],
        "team_id": [1, "Sales"],
        "stage_id": [ODOO_IDS[last], ODOO_NAMES[last]],
        "expected_revenue": False if d.broken == "no_revenue" else float(d.amount),
        "probability": 0.0 if d.outcome == "lost" else 100.0 if d.outcome == "won" else 42.0,
        "active": not (d.outcome == "lost" or d.broken == "archived"),
        "company_currency": [2, "USD"],
        "partner_id": False,
        "medium_id": [3, "Email"],
        "create_date": odoo_time(d.created),
        "write_date": odoo_time(d.path[-1][1]),
        "date_deadline": False if d.outcome else d.expected.isoformat(),
        "date_closed": odoo_time(d.closed_at) if d.closed_at else False,
        "x_studio_region": d.region,
    }


def odoo_tracking(i: int, d: Deal) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    real = [(s, at) for s, at in d.path if s != "lost"]
    for (a, _), (b, at) in pairwise(real):
        rows.append(
            {
                "id": len(rows),
                "mail_message_id": [9000 + i * 10 + len(rows), "Stage changed"],
                "res_id": 100 + i,
                "field_id": [77, "Stage"],
                "old_value_char": ODOO_NAMES[a],
                "new_value_char": ODOO_NAMES[b],
                "old_value_integer": ODOO_IDS[a],
                "new_value_integer": ODOO_IDS[b],
                "create_date": odoo_time(at),
            }
        )
    rows.append(
        {
            "id": 99,
            "mail_message_id": [9999, "x"],
            "res_id": 100 + i,
            "field_id": [78, "Expected Revenue"],
            "old_value_integer": 0,
            "new_value_integer": 0,
            "create_date": odoo_time(d.created),
        }
    )
    return rows


def odoo_models(deals: list[Deal], *, history: bool) -> list[Any]:
    ids = {d.id: str(100 + i) for i, d in enumerate(deals)}
    owners = {u: u[1:] for u in ("U1", "U2", "U3")}
    models = hand_models(deals, ODOO_NAMES, ids=ids, owners=owners, history=history)
    probability = {"won": 1.0, "lost": 0.0}
    by_id = {ids[d.id]: d for d in deals}
    return [
        m.model_copy(
            update={
                "probability": probability.get(by_id[m.id].outcome or "", 0.42),
                "channel_id": "Email",
            }
        )
        for m in models
    ]


def test_odoo_load_with_tracking_matches_hand_built_models():
    deals = book(seed=5, broken=ODOO_BROKEN)
    leads = [odoo_record(i, d) for i, d in enumerate(deals)]
    tracking = [t for i, d in enumerate(deals) for t in odoo_tracking(i, d)]
    probabilities = {ODOO_NAMES[k]: PROBABILITY[k] for k in OPEN}
    imp = odoo.load(leads, stages=odoo_stages(), tracking=tracking, probabilities=probabilities)
    models = odoo_models(deals, history=True)
    assert imp.models() == models
    errors = imp.errors[imp.errors["input"] == "opportunities"]
    assert dict(zip(errors["row"], errors["reason"], strict=True)) == {
        3: "deleted",
        6: "not_an_opportunity",
        12: "not_null",
    }
    pipe = hand_pipeline(ODOO_NAMES)
    assert imp.funnel().to_dict() == funnel(models, pipe).to_dict()
    same_forecast(imp, models, pipe)
    accounted(imp)


def test_odoo_snapshot_knows_where_lost_leads_were_lost():
    deals = book(seed=5)
    imp = odoo.load([odoo_record(i, d) for i, d in enumerate(deals)], stages=odoo_stages())
    lost = [d for d in deals if d.outcome == "lost"]
    expected = [ODOO_NAMES[[s for s, _ in d.path if s != "lost"][-1]] for d in lost]
    assert imp.opportunities.loc[imp.opportunities["stage"] == "Lost", "lost_stage"].tolist() == (
        expected
    )
    report = imp.funnel()
    with_history = funnel(odoo_models(deals, history=True), hand_pipeline(ODOO_NAMES))
    # Losses land where the history puts them; the snapshot only misses skipped stages.
    assert report.table["lost"].sum() == with_history.table["lost"].sum() == len(lost)
    # Stage defaults: the mean probability of open leads in each stage.
    assert imp.pipeline is not None
    assert {
        s.name: s.probability for s in imp.pipeline.stages if s.kind.value == "open"
    } == dict.fromkeys(("Qualified", "Proposition", "Negotiation"), 0.42)
    with pytest.raises(InvalidInputError, match="named 'Lost'"):
        odoo.pipeline([{"id": 9, "name": "Lost", "sequence": 1, "is_won": False}])


def test_odoo_tracking_through_messages_and_users():
    deals = book(seed=5, n=6)
    leads = [odoo_record(i, d) for i, d in enumerate(deals)]
    tracking = [t for i, d in enumerate(deals) for t in odoo_tracking(i, d)]
    messages = [
        {"id": t["mail_message_id"][0], "model": "crm.lead", "res_id": t.pop("res_id")}
        for t in tracking
    ]
    probabilities = {ODOO_NAMES[k]: PROBABILITY[k] for k in OPEN}
    imp = odoo.load(
        leads,
        stages=odoo_stages(),
        tracking=tracking,
        messages=messages,
        probabilities=probabilities,
    )
    assert imp.models() == odoo_models(deals, history=True)
    org = odoo.organization(
        [
            {"id": 2, "name": "Mitchell Admin", "sale_team_id": [1, "Sales"], "active": True},
            {"id": 3, "name": "Marc Demo", "sale_team_id": False, "active": True},
        ],
        [{"id": 1, "name": "Sales", "user_id": [2, "Mitchell Admin"]}],
    )
    assert [(r.id, r.team_id) for r in org.organization.reps] == [("2", "1"), ("3", None)]


# --------------------------------------------------------------------------- ERPNext
ERP_NAMES = {
    "Qualify": "Qualification",
    "Propose": "Proposal/Price Quote",
    "Negotiate": "Negotiation/Review",
    "won": "Won",
    "lost": "Lost",
}
ERP_BROKEN = {0: "no_owner", 8: "bad_amount", 15: "unknown_stage"}


def erp_record(d: Deal) -> dict[str, Any]:
    real = [s for s, _ in d.path if s not in ("won", "lost")]
    closed = d.closed_at.strftime("%Y-%m-%d %H:%M:%S.%f") if d.closed_at else None
    return {
        "name": f"CRM-OPP-2026-{d.id[1:]:0>5}",
        "doctype": "Opportunity",
        "opportunity_from": "Customer",
        "party_name": "Acme",
        "opportunity_owner": None if d.broken == "no_owner" else f"{d.owner.lower()}@example.com",
        "status": {"won": "Converted", "lost": "Lost"}.get(d.outcome or "", "Open"),
        "sales_stage": "Perception Analysis"
        if d.broken == "unknown_stage"
        else ERP_NAMES[real[-1]],
        "opportunity_amount": "lots" if d.broken == "bad_amount" else float(d.amount),
        "currency": "USD",
        "probability": PROBABILITY[real[-1]] * 100,
        "transaction_date": d.created.date().isoformat(),
        "expected_closing": d.expected.isoformat(),
        "creation": d.created.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "modified": closed or d.created.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "source": "Campaign",
        "docstatus": 0,
    }


def test_erpnext_load_is_a_snapshot_that_matches_hand_built_models():
    deals = book(seed=3, broken=ERP_BROKEN)
    stages = [ERP_NAMES[k] for k in OPEN]
    probabilities = {ERP_NAMES[k]: PROBABILITY[k] for k in OPEN}
    imp = erpnext.load([erp_record(d) for d in deals], stages=stages, probabilities=probabilities)
    ids = {d.id: f"CRM-OPP-2026-{d.id[1:]:0>5}" for d in deals}
    owners = {u: f"{u.lower()}@example.com" for u in ("U1", "U2", "U3")}
    models = hand_models(deals, ERP_NAMES, ids=ids, owners=owners, history=False)
    real = {ids[d.id]: d for d in deals}
    models = [
        m.model_copy(
            update={
                "probability": PROBABILITY[[s for s, _ in real[m.id].path if s in OPEN][-1]],
                "expected_close_date": real[m.id].expected if m.close_date is None else None,
                "account_id": "Acme",
                "channel_id": "Campaign",
            }
        )
        for m in models
    ]
    assert imp.models() == models
    errors = imp.errors[imp.errors["input"] == "opportunities"]
    assert dict(zip(errors["row"], errors["reason"], strict=True)) == {
        0: "not_null",
        8: "not_a_number",
        15: "unknown_stage",
    }
    pipe = hand_pipeline(ERP_NAMES)
    same_forecast(imp, models, pipe)
    # The snapshot knows where each lost deal was lost: no rate it cannot know.
    report = imp.funnel()
    lost_at = {
        ERP_NAMES[[s for s, _ in d.path if s in OPEN][-1]]
        for d in deals
        if d.outcome == "lost" and not d.broken
    }
    hand_lost_at = {
        m.id: ERP_NAMES[[s for s, _ in real[m.id].path if s in OPEN][-1]]
        for m in models
        if m.stage == "Lost"
    }
    expected = funnel(models, pipe, source="snapshot", lost_at=hand_lost_at)
    assert report.to_dict() == expected.to_dict()
    table = report.table
    assert int(table["lost"].sum()) == sum(1 for d in deals if d.outcome == "lost" and not d.broken)
    assert set(table.index[table["lost"] > 0]) == lost_at
    assert table["win_rate"].notna().all()
    accounted(imp)


def test_erpnext_credits_from_sales_orders():
    orders = [
        {
            "name": "SO-1",
            "docstatus": 1,
            "currency": "USD",
            "transaction_date": "2026-02-03",
            "sales_team": [
                {
                    "sales_person": "Wang Fang",
                    "allocated_percentage": 60,
                    "allocated_amount": 6000.0,
                },
                {"sales_person": "Li Na", "allocated_percentage": 40, "allocated_amount": "n/a"},
            ],
        },
        {"name": "SO-2", "docstatus": 2, "sales_team": [{"sales_person": "Li Na"}]},
        {
            "name": "SO-3",
            "docstatus": 1,
            "currency": "USD",
            "transaction_date": "2026-02-09",
            "sales_team": [],
        },
        {
            "name": "SO-4",
            "docstatus": 1,
            "currency": "USD",
            "transaction_date": "2026-03-01",
            "sales_team": [{"sales_person": "Li Na", "allocated_amount": -5.0}],
        },
    ]
    out = erpnext.credits(orders)
    assert out.credits[["deal_id", "rep_id", "amount"]].values.tolist() == [
        ["SO-1", "Wang Fang", 6000.0]
    ]
    assert sorted(zip(out.errors["row"], out.errors["reason"], strict=True)) == [
        ("SO-1/1", "not_a_number"),
        ("SO-2", "cancelled"),
        ("SO-3", "no_sales_team"),
        ("SO-4/0", "negative"),
    ]
    with pytest.raises(InvalidInputError, match="not a record"):
        erpnext.credits(["SO-1"])  # type: ignore[list-item]


def test_erpnext_targets_spread_by_monthly_distribution_to_the_cent():
    months = (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    )
    # ERPNext's "8.33 a month" distribution adds up to 99.96.
    flat = [{"month": m, "percentage_allocation": 8.33} for m in months]
    people = [
        {
            "name": "East",
            "is_group": 1,
            "targets": [
                {"fiscal_year": "FY26", "target_amount": 1000000.0, "distribution_id": "Flat"}
            ],
        },
        {
            "name": "Wang Fang",
            "is_group": 0,
            "targets": [
                {"fiscal_year": "2026", "target_amount": 100.0},
                {"fiscal_year": "2027-28", "target_amount": 5.0},
                {"fiscal_year": "2026", "target_amount": 5.0, "distribution_id": "Missing"},
                {"fiscal_year": "2026", "target_amount": 0},
            ],
        },
    ]
    out = erpnext.targets(
        people,
        currency="CNY",
        distributions=[{"name": "Flat", "percentages": flat}],
        fiscal_years=[
            {"name": "FY26", "year_start_date": "2026-04-01", "year_end_date": "2027-03-31"}
        ],
    )
    east = [t for t in out.targets if t.id.startswith("East/FY26/")]
    assert len(east) == 12 and east[0].period == Period.month(2026, 4)
    values = [t.value or Decimal(0) for t in east]
    assert sum(values) == Decimal("1000000")
    # Equal percentages: the cents differ by at most one.
    cents = [int(v * 100) for v in values]
    assert max(cents) - min(cents) <= 1
    even = [t.value or Decimal(0) for t in out.targets if t.id.startswith("Wang Fang/2026/")]
    # Even over 12 months of unequal length ("even" is by month, not by day): 8.33 or 8.34.
    assert sum(even) == Decimal("100")
    assert set(even) <= {Decimal("8.33"), Decimal("8.34")}
    assert sorted(out.errors["reason"]) == [
        "no_amount",
        "unknown_distribution",
        "unknown_fiscal_year",
    ]
    assert out.targets[0].owner is not None and out.targets[0].owner.kind.value == "team"


def test_erpnext_organization_tree():
    org = erpnext.organization(
        [
            {"name": "Sales Team", "sales_person_name": "Sales Team", "is_group": 1},
            {
                "name": "North",
                "sales_person_name": "North",
                "is_group": 1,
                "parent_sales_person": "Nowhere",
            },
            {
                "name": "Wang Fang",
                "sales_person_name": "Wang Fang",
                "is_group": 0,
                "parent_sales_person": "Sales Team",
                "enabled": 1,
            },
            {
                "name": "Li Na",
                "sales_person_name": "Li Na",
                "is_group": 0,
                "parent_sales_person": "North",
                "enabled": 1,
            },
        ]
    )
    assert [t.id for t in org.organization.teams] == ["Sales Team"]
    assert [r.id for r in org.organization.reps] == ["Wang Fang"]
    assert sorted(org.errors["reason"]) == ["unknown_parent", "unknown_team"]


# --------------------------------------------------------------------------- examples
def maven_shape(won: int, lost: int, engaging: int, prospecting: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    stages = ["Won"] * won + ["Lost"] * lost + ["Engaging"] * engaging
    stages += ["Prospecting"] * prospecting
    rows = []
    for i, stage in enumerate(stages):
        engaged = date(2016, 10, 20) + timedelta(days=int(rng.integers(0, 300)))
        closed = engaged + timedelta(days=int(rng.integers(1, 120)))
        rows.append(
            {
                "opportunity_id": f"M{i:05d}",
                "sales_agent": ["Moses Frase", "Anna Snelling"][i % 2],
                "product": ["GTXPro", "MG Special", "GTX Basic"][i % 3],
                "account": None if stage == "Prospecting" else "Cancity",
                "deal_stage": stage,
                "engage_date": None if stage == "Prospecting" else engaged.isoformat(),
                "close_date": closed.isoformat() if stage in ("Won", "Lost") else None,
                "close_value": float(rng.integers(50, 30000))
                if stage == "Won"
                else (0.0 if stage == "Lost" else None),
            }
        )
    return pd.DataFrame(rows)


def test_maven_export_counts_and_no_rate_it_cannot_know():
    products = pd.DataFrame(
        {"product": ["GTX Pro", "MG Special", "GTX Basic"], "sales_price": [4821, 55, 550]}
    )
    imp = examples.maven(maven_shape(4238, 2473, 1589, 500), products)
    assert imp.errors.empty
    assert imp.opportunities["stage"].value_counts().to_dict() == {
        "Won": 4238,
        "Lost": 2473,
        "Engaging": 1589,
        "Prospecting": 500,
    }
    table = imp.funnel().table
    assert table["entered"].tolist() == [8800, 8300]
    assert table["lost"].tolist() == [0, 2473]
    assert table["win_rate"].round(3).tolist() == [0.632, 0.632]  # 4238 / (4238 + 2473)
    assert table["win_rate"].notna().all()


def test_olist_leads_and_deals():
    leads = pd.DataFrame(
        {
            "mql_id": ["a", "b", "c", "d"],
            "first_contact_date": ["01-02-2018", "20-10-2017", "31-02-2018", "05-03-2018"],
            "origin": ["social", "paid_search", "social", None],
        }
    )
    closed = pd.DataFrame(
        {
            "mql_id": ["a"],
            "sr_id": ["rep1"],
            "won_date": ["26-02-2018 19:58"],
            "business_segment": ["pet"],
        }
    )
    imp = examples.olist(leads, closed)
    assert imp.opportunities["stage"].tolist() == ["Won", "MQL", "MQL"]
    assert imp.errors[["row", "field", "reason"]].values.tolist() == [
        [2, "first_contact_date", "not_a_date"]
    ]
    report = imp.funnel(by=["channel_id"])
    assert set(report.summary.index) == {"social", "paid_search", "unknown"}


def test_imports_round_trip_through_json():
    from tests.test_round_trip import round_trip

    deals = book(seed=5, n=6)
    probabilities = {ODOO_NAMES[k]: PROBABILITY[k] for k in OPEN}
    round_trip(
        odoo.load(
            [odoo_record(i, d) for i, d in enumerate(deals)],
            stages=odoo_stages(),
            tracking=[t for i, d in enumerate(deals) for t in odoo_tracking(i, d)],
            probabilities=probabilities,
        )
    )
    round_trip(
        erpnext.credits(
            [
                {
                    "name": "SO-1",
                    "docstatus": 1,
                    "currency": "USD",
                    "transaction_date": "2026-02-03",
                    "sales_team": [{"sales_person": "Wang Fang", "allocated_amount": 6000.0}],
                }
            ]
        )
    )
    round_trip(
        erpnext.targets(
            [{"name": "Wang Fang", "targets": [{"fiscal_year": "2026", "target_amount": 1200}]}],
            currency="CNY",
        )
    )
    round_trip(
        erpnext.organization(
            [
                {"name": "Sales", "sales_person_name": "Sales", "is_group": 1},
                {"name": "Li Na", "sales_person_name": "Li Na", "parent_sales_person": "Sales"},
            ]
        )
    )
