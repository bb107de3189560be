"""Seeded sample data: an organisation, a pipeline with stage histories, bookings and credits.

Pure generators for examples, notebooks and tests: no files, no network, no
clock. The same ``seed`` always gives the same data. Each returns models;
:func:`salescore.frames.to_frame` gives the frame form of any of them.

Examples
--------
>>> deals = opportunities(n=40)
>>> len(deals), deals[0].id, len(deals[0].history) > 0
(40, 'D000', True)
>>> opportunities(n=40) == deals                      # same seed, same deals
True
>>> [r.id for r in organization().reps]
['R1', 'R2', 'R3']
>>> bookings().index[:2].astype(str).tolist()
['2023-01', '2023-02']
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from salescore.calendar import Period
from salescore.commission import (
    AcceleratorBand,
    CommissionPlan,
    Credit,
    Tier,
    TieredComponent,
    split_credit,
)
from salescore.models import (
    Activity,
    Opportunity,
    Organization,
    Owner,
    Pipeline,
    Rep,
    Stage,
    StageChange,
    Target,
    Team,
)
from salescore.money import Money

__all__ = [
    "activities",
    "bookings",
    "commission_plan",
    "credits",
    "opportunities",
    "organization",
    "pipeline",
    "rep_targets",
]

#: The default seeds, one per generator, so changing one data set leaves the others alone.
PIPELINE_SEED = 20260101
BOOKINGS_SEED = 20260106
CREDITS_SEED = 20260107
ACTIVITIES_SEED = 20260108


def pipeline() -> Pipeline:
    """A five-stage B2B pipeline: Qualify → Proposal → Negotiation → Won / Lost.

    Examples
    --------
    >>> [s.name for s in pipeline().open_stages]
    ['Qualify', 'Proposal', 'Negotiation']
    """
    return Pipeline(
        stages=(
            Stage(name="Qualify", order=0, probability=0.1),
            Stage(name="Proposal", order=1, probability=0.35),
            Stage(name="Negotiation", order=2, probability=0.7, forecast_category="Commit"),
            Stage(name="Won", order=3, probability=1.0, kind="won"),
            Stage(name="Lost", order=4, probability=0.0, kind="lost"),
        )
    )


def organization() -> Organization:
    """A sales team of two regions: East (R1, R2) and West (R3, hired in April 2026).

    Examples
    --------
    >>> org = organization()
    >>> [(r.id, r.team_id) for r in org.reps]
    [('R1', 'east'), ('R2', 'east'), ('R3', 'west')]
    """
    return Organization(
        teams=(
            Team(id="sales", name="Sales"),
            Team(id="east", name="East", parent_id="sales"),
            Team(id="west", name="West", parent_id="sales"),
        ),
        reps=(
            Rep(id="R1", name="Wang Fang", team_id="east"),
            Rep(id="R2", name="Li Na", team_id="east", capacity=0.8),
            Rep(
                id="R3",
                name="Zhang Wei",
                team_id="west",
                hire_date=date(2026, 4, 1),
                ramp=(0.25, 0.5, 0.75),
            ),
        ),
    )


def opportunities(
    pipeline_: Pipeline | None = None, *, n: int = 40, seed: int = PIPELINE_SEED
) -> list[Opportunity]:
    """``n`` CNY deals of 2026 with consistent stage histories.

    About half are still open, a quarter won and a quarter lost; each walked
    the open stages in order, 3 to 20 days a stage, owned by R1, R2 or R3.

    Parameters
    ----------
    pipeline_ : Pipeline, optional
        The pipeline whose open stages the deals walk; :func:`pipeline` by default.
    n : int
        Number of deals.
    seed : int
        Seed of the generator.

    Returns
    -------
    list of Opportunity
    """
    stages = pipeline_ if pipeline_ is not None else pipeline()
    rng = np.random.default_rng(seed)
    open_names = [s.name for s in stages.open_stages]
    won = stages.won_stages[0].name
    lost = stages.lost_stages[0].name
    deals = []
    for i in range(n):
        created = date(2026, 1, 5) + timedelta(days=int(rng.integers(0, 120)))
        reached = int(rng.integers(1, len(open_names) + 1))
        outcome = str(rng.choice(["open", "won", "lost"], p=[0.5, 0.25, 0.25]))
        closing = {"open": [], "won": [won], "lost": [lost]}[outcome]
        path = open_names[:reached] + closing
        at = datetime(created.year, created.month, created.day, 9, tzinfo=UTC)
        history, previous = [], None
        for name in path:
            history.append(
                StageChange(
                    opportunity_id=f"D{i:03d}", from_stage=previous, to_stage=name, changed_at=at
                )
            )
            previous, at = name, at + timedelta(days=int(rng.integers(3, 20)))
        deals.append(
            Opportunity(
                id=f"D{i:03d}",
                owner_id=f"R{int(rng.integers(1, 4))}",
                amount=int(rng.integers(20, 400)) * 1000,
                currency="CNY",
                stage=path[-1],
                created_on=created,
                expected_close_date=created + timedelta(days=int(rng.integers(30, 150))),
                close_date=history[-1].changed_at.date() if outcome != "open" else None,
                channel_id=str(rng.choice(["direct", "partner", "online"])),
                history=tuple(history),
            )
        )
    return deals


def activities(
    opportunities_: list[Opportunity] | None = None, *, seed: int = ACTIVITIES_SEED
) -> list[Activity]:
    """The reps' calls, visits and demos on the sample deals, with some left alone.

    Each deal gets 0 to 4 activities by its owner, one to 40 days after one
    of its stage changes (so some deals are worked on after they last moved
    and some are not), and every rep logs a few calls with no deal.

    Parameters
    ----------
    opportunities_ : list of Opportunity, optional
        The deals worked on; :func:`opportunities` by default.
    seed : int
        Seed of the generator.

    Returns
    -------
    list of Activity
        Ids ``A0000``, ``A0001``, ... in time order.

    Examples
    --------
    >>> acts = activities()
    >>> len(acts), acts[0].id, sorted({a.kind.value for a in acts})
    (96, 'A0000', ['call', 'demo', 'follow_up_visit', 'visit'])
    >>> activities() == acts
    True
    """
    deals = opportunities_ if opportunities_ is not None else opportunities()
    rng = np.random.default_rng(seed)
    kinds = ("call", "visit", "follow_up_visit", "demo")
    drawn: list[tuple[datetime, str, str, str | None]] = []
    for deal in deals:
        moves = [c.changed_at for c in deal.history] or [
            datetime(deal.created_on.year, deal.created_on.month, deal.created_on.day, tzinfo=UTC)
        ]
        for _ in range(int(rng.integers(0, 5))):
            after = moves[int(rng.integers(0, len(moves)))]
            at = after + timedelta(days=int(rng.integers(1, 41)), hours=int(rng.integers(0, 9)))
            drawn.append((at, deal.owner_id, str(rng.choice(kinds)), deal.id))
    for rep in sorted({d.owner_id for d in deals}):
        for _ in range(3):
            at = datetime(2026, 1, 5, 10, tzinfo=UTC) + timedelta(days=int(rng.integers(0, 180)))
            drawn.append((at, rep, "call", None))
    drawn.sort(key=lambda item: (item[0], item[1], item[3] or ""))
    return [
        Activity(
            id=f"A{i:04d}",
            rep_id=rep,
            kind=kind,
            occurred_at=at,
            account_id=f"C-{deal or rep}",
            opportunity_id=deal,
        )
        for i, (at, rep, kind, deal) in enumerate(drawn)
    ]


def bookings(seed: int = BOOKINGS_SEED) -> pd.Series:
    """36 months of bookings [CNY] from January 2023, growing, peaking at quarter ends.

    One month (2024-08) is missing, as in a CRM export that lost it; the
    index is a monthly ``PeriodIndex``.

    Examples
    --------
    >>> b = bookings()
    >>> len(b), b.index.freqstr, pd.Period("2024-08", "M") in b.index
    (35, 'M', False)
    """
    rng = np.random.default_rng(seed)
    months = pd.period_range("2023-01", periods=36, freq="M")
    t = np.arange(36)
    quarter_end = np.where(months.month % 3 == 0, 1.35, 0.85)
    values = (400_000 + 6_000 * t) * quarter_end * rng.normal(1.0, 0.04, 36)
    series = pd.Series(values.round(-2), index=months, name="bookings")
    return series.drop(pd.Period("2024-08", "M"))


def commission_plan() -> CommissionPlan:
    """4 % to quota, 7 % above, x1.5 above 150 % attainment, at most 30,000 CNY a month.

    Examples
    --------
    >>> plan = commission_plan()
    >>> plan.id, [str(t.rate) for t in plan.components[0].tiers]
    ('AE-2026', ['0.04', '0.07'])
    """
    return CommissionPlan(
        id="AE-2026",
        currency="CNY",
        components=[
            TieredComponent(
                name="base",
                basis="attainment",
                tiers=[Tier(lower=0, upper=1, rate="0.04"), Tier(lower=1, rate="0.07")],
                accelerators=[AcceleratorBand(lower="1.5", multiplier="1.5")],
                period_cap=Decimal(30000),
            )
        ],
    )


#: Quarterly revenue targets of the three reps [CNY]: R1 and R2 sell in East, R3 in West.
REP_TARGETS = {"R1": Decimal(4_000_000), "R2": Decimal(3_500_000), "R3": Decimal(900_000)}


def rep_targets(period: Period | None = None) -> list[Target]:
    """One revenue target per rep of :func:`organization` for ``period`` (default Q2 2026).

    The values are :data:`REP_TARGETS`: ambitious for R1 and R2 against the
    seeded deals, modest for R3, so a review of team East has something to say.

    Examples
    --------
    >>> [(t.id, str(t.value)) for t in rep_targets()]
    [('R1-2026-Q2', '4000000'), ('R2-2026-Q2', '3500000'), ('R3-2026-Q2', '900000')]
    """
    chosen = period if period is not None else Period.quarter(2026, 2)
    return [
        Target(
            id=f"{rep}-{chosen}",
            metric="revenue",
            value=value,
            currency="CNY",
            direction="at_least",
            period=chosen,
            owner=Owner(kind="rep", id=rep),
        )
        for rep, value in REP_TARGETS.items()
    ]


def credits(seed: int = CREDITS_SEED) -> list[Credit]:
    """Rep R1's credits for January to March 2026, and R1's 60 % of a deal shared with R2.

    Examples
    --------
    >>> c = credits()
    >>> len(c), c[-1].deal_id, str(c[-1].amount.amount)
    (16, 'D-shared', '74074.07')
    """
    rng = np.random.default_rng(seed)
    result: list[Credit] = []
    for month, count in ((1, 3), (2, 5), (3, 7)):
        for i in range(count):
            result.append(
                Credit(
                    deal_id=f"D{month}{i}",
                    rep_id="R1",
                    amount=Money.from_minor(int(rng.integers(20_000_00, 90_000_00)), "CNY"),
                    credited_on=date(2026, month, 1) + timedelta(days=int(rng.integers(0, 28))),
                )
            )
    shared = split_credit(
        "D-shared", Money("123456.78", "CNY"), date(2026, 3, 30), {"R1": "0.6", "R2": "0.4"}
    )
    return [*result, shared[0]]
