"""One seeded book of deals, written out as each CRM's records and as hand-built models.

Every deal has a path through three open stages and maybe a close, an
owner, an amount and dates. The same deals become Salesforce, HubSpot, Odoo
and ERPNext records (with the field names and value shapes of each API) and,
independently, the Opportunity models an analyst would build by hand. Some
deals are broken on purpose: a missing amount, a deleted record, a stage
deleted from the pipeline; each test knows which and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np

from salescore.models import Opportunity, Pipeline, Stage, StageChange

OPEN = ("Qualify", "Propose", "Negotiate")
PROBABILITY = {"Qualify": 0.2, "Propose": 0.5, "Negotiate": 0.8}


@dataclass
class Deal:
    id: str
    owner: str
    cents: int
    currency: str
    path: list[tuple[str, datetime]]  # stages entered, in order; abstract names
    outcome: str | None  # "won", "lost" or None (open)
    expected: date
    broken: str | None = None  # why the CRM record cannot map, if it cannot
    region: str = "East"  # a custom field
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def created(self) -> datetime:
        return self.path[0][1]

    @property
    def closed_at(self) -> datetime | None:
        return self.path[-1][1] if self.outcome else None

    @property
    def amount(self) -> Decimal:
        return Decimal(self.cents).scaleb(-2)


def book(seed: int = 7, n: int = 24, broken: dict[int, str] | None = None) -> list[Deal]:
    """``n`` deals; ``broken`` marks positions with what goes wrong in their record."""
    rng = np.random.default_rng(seed)
    out: list[Deal] = []
    for i in range(n):
        start = datetime(2026, 1, 5, 9, 30, tzinfo=UTC) + timedelta(days=int(rng.integers(0, 60)))
        depth = int(rng.integers(1, 4))
        outcome = [None, "won", "lost"][i % 3]
        path = []
        at = start
        for stage in OPEN[:depth]:
            path.append((stage, at))
            at = at + timedelta(days=int(rng.integers(1, 15)), hours=int(rng.integers(0, 8)))
        if outcome:
            path.append((outcome, at))
        out.append(
            Deal(
                id=f"D{i:03d}",
                owner=["U1", "U2", "U3"][i % 3],
                cents=int(rng.integers(1_000_00, 90_000_00)),
                currency="USD",
                path=path,
                outcome=outcome,
                expected=(start + timedelta(days=int(rng.integers(30, 90)))).date(),
                region=["East", "West"][i % 2],
            )
        )
    for i, why in (broken or {}).items():
        out[i].broken = why
    return out


def stage_probability(stage: str) -> float:
    return {"won": 1.0, "lost": 0.0}.get(stage, PROBABILITY.get(stage, 0.0))


def hand_pipeline(names: dict[str, str]) -> Pipeline:
    """The pipeline with each system's stage names (``names``: abstract -> system's)."""
    stages = [Stage(name=names[s], order=i, probability=PROBABILITY[s]) for i, s in enumerate(OPEN)]
    stages.append(Stage(name=names["won"], order=3, probability=1.0, kind="won"))
    stages.append(Stage(name=names["lost"], order=4, probability=0.0, kind="lost"))
    return Pipeline(stages=tuple(stages))


def hand_models(
    deals: list[Deal],
    names: dict[str, str],
    *,
    history: bool = True,
    ids: dict[str, str] | None = None,
    owners: dict[str, str] | None = None,
    probability: bool = False,
) -> list[Opportunity]:
    """The models of the deals that map, built by hand from the book."""
    out = []
    for d in deals:
        if d.broken:
            continue
        deal_id = (ids or {}).get(d.id, d.id)
        changes = []
        previous = None
        for stage, at in d.path:
            changes.append(
                StageChange(
                    opportunity_id=deal_id,
                    from_stage=previous,
                    to_stage=names[stage],
                    changed_at=at,
                )
            )
            previous = names[stage]
        out.append(
            Opportunity(
                id=deal_id,
                owner_id=(owners or {}).get(d.owner, d.owner),
                amount=d.amount,
                currency=d.currency,
                stage=names[d.path[-1][0]],
                created_on=d.created.date(),
                expected_close_date=None if d.outcome else d.expected,
                close_date=d.closed_at.date() if d.closed_at else None,
                history=tuple(changes) if history else (),
                probability=stage_probability(d.path[-1][0]) if probability else None,
            )
        )
    return out
