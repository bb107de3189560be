"""The weekly review on the Maven CRM export (the real-data part of ``docs/concepts/review.md``).

Run from anywhere: ``.venv/bin/python benchmarks/real_data_review.py``. The
data directory is ``../shared/data`` next to the repository root, or
``$SALESCORE_DATA``; when it is absent the script says so and exits.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from salescore.calendar import Period
from salescore.crm.examples import MAVEN_PIPELINE, maven
from salescore.models import Organization, Owner, Rep, Target, Team
from salescore.review import review

REPO = Path(__file__).resolve().parents[1]
Q3, Q4 = Period.quarter(2017, 3), Period.quarter(2017, 4)


def data_dir() -> Path:
    """``$SALESCORE_DATA`` when set, else ``../shared/data`` relative to the repository root."""
    return Path(os.environ.get("SALESCORE_DATA", REPO.parent / "shared" / "data"))


def main() -> None:
    data = data_dir() / "maven_crm"
    if not data.exists():
        print(f"no data in {data}; see docs/concepts/review.md")
        return
    imported = maven(pd.read_csv(data / "sales_pipeline.csv"), pd.read_csv(data / "products.csv"))
    deals = imported.opportunities
    # The export has no expected close dates: an open deal is expected to close
    # the median won cycle (created to close, in days) after it was created.
    won = deals[deals["stage"] == "Won"]
    cycle = int((won["close_date"] - won["created_on"]).dt.days.median())
    open_ = deals["close_date"].isna()
    deals.loc[open_, "expected_close_date"] = deals.loc[open_, "created_on"] + pd.Timedelta(
        days=cycle
    )
    # The team tree: regional offices, their managers' teams, the agents.
    staff = pd.read_csv(data / "sales_teams.csv")
    offices = sorted(staff["regional_office"].unique())
    managers = staff.drop_duplicates("manager")
    org = Organization(
        teams=(
            Team(id="sales", name="Sales"),
            *(Team(id=o, name=o, parent_id="sales") for o in offices),
            *(
                Team(id=m, name=m, parent_id=o)
                for m, o in zip(managers["manager"], managers["regional_office"], strict=True)
            ),
        ),
        reps=tuple(
            Rep(id=a, name=a, team_id=m)
            for a, m in zip(staff["sales_agent"], staff["manager"], strict=True)
        ),
    )
    # Q4 targets: each agent's Q3 bookings plus 10 %, in whole dollars.
    closed = pd.to_datetime(won["close_date"])
    in_q3 = won[(closed >= pd.Timestamp(Q3.start)) & (closed < pd.Timestamp(Q3.end))]
    q3 = in_q3.groupby("owner_id")["amount"].sum()
    targets = [
        Target(
            id=f"{agent}-Q4",
            metric="revenue",
            value=Decimal(round(float(value) * 1.1)),
            currency="USD",
            direction="at_least",
            period=Q4,
            owner=Owner(kind="rep", id=agent),
        )
        for agent, value in q3.items()
    ]
    print(f"{len(deals)} deals, open deals expected {cycle} days after creation")
    pack = review(
        deals,
        MAVEN_PIPELINE,
        period=Q4,
        as_of=date(2017, 12, 1),
        targets=targets,
        organization=org,
        node="West",
        lost_stage_column="lost_stage",
        runs=2000,
        seed=1,
    )
    print(pack.to_markdown())
    print("\n".join(f"{n}. {a.text('zh-CN')}" for n, a in enumerate(pack.actions, 1)))


if __name__ == "__main__":
    main()
