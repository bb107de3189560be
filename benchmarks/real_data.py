"""The funnel and KPIs on two public data sets (the code of ``docs/examples/real-data.md``).

Run from anywhere: ``.venv/bin/python benchmarks/real_data.py``. The data
directory is ``../shared/data`` next to the repository root, or the
directory named by the ``SALESCORE_DATA`` environment variable; when it is
absent the script says so and exits without error (CI has no data).

* Maven Analytics "CRM + Sales Opportunities" (``maven_crm/``): a CRM
  snapshot of 8,800 deals -> win rate by sales agent, and the funnel.
* Olist "Marketing Funnel" (``olist_funnel/``): 8,000 marketing-qualified
  leads and the 842 that became deals -> lead-to-deal conversion by origin.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from salescore.calendar import Period
from salescore.frames import OPPORTUNITIES, partition_frame
from salescore.funnel import funnel_frame
from salescore.kpi import deal_kpis
from salescore.models import Pipeline, Stage

REPO = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """``$SALESCORE_DATA`` when set, else ``../shared/data`` relative to the repository root."""
    return Path(os.environ.get("SALESCORE_DATA", REPO.parent / "shared" / "data"))


def crm_example(data: Path) -> None:
    """Maven CRM: the funnel, and win rate by sales agent."""
    crm = pd.read_csv(data / "maven_crm" / "sales_pipeline.csv")
    products = pd.read_csv(data / "maven_crm" / "products.csv")
    teams = pd.read_csv(data / "maven_crm" / "sales_teams.csv")
    print(crm["deal_stage"].value_counts().to_string())

    # The export's stages in order: Prospecting -> Engaging -> Won or Lost.
    # (The probabilities are not used by the funnel or the KPIs.)
    pipeline = Pipeline(
        stages=(
            Stage(name="Prospecting", order=0, probability=0.1),
            Stage(name="Engaging", order=1, probability=0.5),
            Stage(name="Won", order=2, probability=1.0, kind="won"),
            Stage(name="Lost", order=3, probability=0.0, kind="lost"),
        )
    )
    # Amounts: close_value is what a won deal closed at; lost deals carry 0 and
    # open deals nothing, so those are valued at their product's list price.
    # The pipeline spells "GTX Pro" as "GTXPro".
    list_price = products.set_index("product")["sales_price"].astype(float)
    price = crm["product"].replace({"GTXPro": "GTX Pro"}).map(list_price)
    won = crm["deal_stage"].eq("Won")
    # Dates: the export has no created date. A deal is taken as created on its
    # engage date; Prospecting deals (not engaged yet) on the export's last
    # date, 2017-12-31, as they are still open then.
    created = pd.to_datetime(crm["engage_date"].fillna("2017-12-31"))
    # Stage at loss: every lost deal has an engage date, so it was lost while
    # Engaging (without this the snapshot inference assumes the first stage).
    lost_at = crm["engage_date"].notna() & crm["deal_stage"].eq("Lost")
    deals = pd.DataFrame(
        {
            "id": crm["opportunity_id"],
            "owner_id": crm["sales_agent"],
            "amount": crm["close_value"].where(won, price),
            "currency": "USD",
            "stage": crm["deal_stage"],
            "created_on": created,
            "close_date": pd.to_datetime(crm["close_date"]),
            "lost_at": pd.Series("Engaging", index=crm.index).where(lost_at),
        }
    )

    # A snapshot (current stage only): funnel_frame without stage_changes.
    report = funnel_frame(deals, pipeline, lost_stage_column="lost_at")
    print(report.inference)
    columns = ["entered", "advanced", "lost", "open", "conversion", "win_rate"]
    print(report.table[columns].round(3).to_string())
    print(report.table[["entered_amount", "advanced_amount", "lost_amount"]].to_string())
    print(round(report.win_rate, 3), report.average_won_deal, round(report.cycle_days, 1))

    # Win rate by sales agent: the funnel's per-segment summary ...
    by_agent = funnel_frame(deals, pipeline, by=["owner_id"], lost_stage_column="lost_at")
    agents = by_agent.summary[["won", "lost", "open", "win_rate", "average_won_deal"]]
    # ... and the KPI: won / (won + lost) among deals closed in 2017 (all closed deals).
    kpi = deal_kpis(deals, pipeline, Period.year(2017), by=["owner_id"]).set_index("owner_id")
    print((kpi["win_rate"] - agents["win_rate"]).abs().max())  # aligned on the agent
    agents = agents.join(teams.set_index("sales_agent")["regional_office"])
    ranked = agents.sort_values("win_rate", ascending=False).round({"win_rate": 3})
    print(ranked.head(5).to_string())
    print(ranked.tail(5).to_string())
    print(ranked["win_rate"].describe()[["min", "50%", "max"]].round(3).to_string())


def marketing_example(data: Path) -> None:
    """Olist marketing funnel: lead-to-deal conversion by origin."""
    folder = data / "olist_funnel"
    leads = pd.read_csv(folder / "olist_marketing_qualified_leads_dataset.csv")
    closed = pd.read_csv(folder / "olist_closed_deals_dataset.csv")
    print(len(leads), len(closed), bool(closed["mql_id"].isin(leads["mql_id"]).all()))

    # Two stages: a marketing-qualified lead (MQL) becomes a deal (won). The data
    # records no losses: a lead that did not close is still an open MQL.
    marketing = Pipeline(
        stages=(
            Stage(name="MQL", order=0, probability=0.1),
            Stage(name="Deal", order=1, probability=1.0, kind="won"),
            Stage(name="Lost", order=2, probability=0.0, kind="lost"),
        )
    )
    # Dates are DD-MM-YYYY (won_date with a time); a deal closes on its won day.
    won_on = pd.to_datetime(closed["won_date"], format="%d-%m-%Y %H:%M").dt.normalize()
    won_on.index = pd.Index(closed["mql_id"])
    is_won = leads["mql_id"].isin(closed["mql_id"])
    mqls = pd.DataFrame(
        {
            "id": leads["mql_id"],
            "owner_id": "marketing",  # the leads have no owner yet
            "amount": 0.0,  # counting leads, not money
            "currency": "BRL",
            "stage": is_won.map({True: "Deal", False: "MQL"}),
            "created_on": pd.to_datetime(leads["first_contact_date"], format="%d-%m-%Y"),
            "close_date": leads["mql_id"].map(won_on),
            # 60 leads have no origin; the data's own "unknown" is kept apart from them.
            "origin": leads["origin"].fillna("(missing)"),
        }
    )
    # The contract checks created_on <= close_date: one lead was won before its
    # first contact. It is reported, not dropped: it still counts as a deal, with
    # its close date cleared (its cycle length is unknown).
    failures = partition_frame(mqls, OPPORTUNITIES)[1]
    print(failures.to_string(index=False))
    bad = failures["row"].unique()
    print(mqls.loc[bad, ["created_on", "close_date", "origin"]].to_string())
    mqls.loc[bad, "close_date"] = pd.NaT

    by_origin = funnel_frame(mqls, marketing, by=["origin"], source="snapshot")
    table = by_origin.table.droplevel("stage")  # one open stage: MQL
    conversion = table[["entered", "advanced", "conversion"]].rename(
        columns={"entered": "leads", "advanced": "deals"}
    )
    print(conversion.sort_values("conversion", ascending=False).round(3).to_string())
    print(round(float(by_origin.overall["conversion"].iloc[0]), 4), round(by_origin.cycle_days, 1))

    # The same conversion as a KPI, per quarter of first contact. The youngest
    # cohort has had less time to close, and the file's first won date is
    # 2017-12-05, so the 2017 cohorts may reflect when closing was recorded.
    print(won_on.min().date(), won_on.max().date())
    quarters = [Period.quarter(2017, 2), Period.quarter(2017, 3), Period.quarter(2017, 4)]
    quarters += [Period.quarter(2018, 1), Period.quarter(2018, 2)]
    cohorts = deal_kpis(mqls, marketing, quarters)
    print(cohorts[["period", "created", "created_won", "conversion_rate"]].round(3).to_string())


def crm_maps_example(data: Path) -> None:
    """The same two exports through the documented maps of ``salescore.crm.examples``."""
    from salescore.crm import examples

    folder = data / "maven_crm"
    maven = examples.maven(
        pd.read_csv(folder / "sales_pipeline.csv"), pd.read_csv(folder / "products.csv")
    )
    print(maven.opportunities["stage"].value_counts().to_string())
    print(len(maven.errors), maven.source)
    table = maven.funnel().table
    print(table[["entered", "advanced", "lost", "open", "win_rate"]].round(3).to_string())

    folder = data / "olist_funnel"
    olist = examples.olist(
        pd.read_csv(folder / "olist_marketing_qualified_leads_dataset.csv"),
        pd.read_csv(folder / "olist_closed_deals_dataset.csv"),
    )
    print(olist.counts.loc["opportunities"].to_string())
    print(olist.errors[["row", "column", "value", "reason"]].to_string(index=False))
    by_channel = olist.funnel(by=["channel_id"]).table.droplevel("stage")
    top = by_channel[["entered", "advanced", "conversion"]].sort_values(
        "conversion", ascending=False
    )
    print(top.head(5).round(3).to_string())


def main() -> int:
    """Run both examples, or explain why they were skipped."""
    data = data_dir()
    if not (data / "maven_crm").is_dir() or not (data / "olist_funnel").is_dir():
        print(f"skipped: data directory {data} not found (set SALESCORE_DATA to its path)")
        return 0
    crm_example(data)
    marketing_example(data)
    crm_maps_example(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
