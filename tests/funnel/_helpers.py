"""Small builders for hand-checked funnel histories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from salescore.models import Opportunity, Pipeline, Stage, StageChange

START = date(2026, 1, 5)


def pipeline() -> Pipeline:
    """Qualify -> Proposal -> Negotiation, then Won or Lost."""
    return Pipeline(
        stages=(
            Stage(name="Qualify", order=0, probability=0.1),
            Stage(name="Proposal", order=1, probability=0.4),
            Stage(name="Negotiation", order=2, probability=0.7),
            Stage(name="Won", order=3, probability=1.0, kind="won"),
            Stage(name="Lost", order=4, probability=0.0, kind="lost"),
        )
    )


def deal(
    id: str,
    path: Sequence[str],
    *,
    amount: int | str = 100,
    hours: Sequence[int] | None = None,
    created: date = START,
    owner: str = "R1",
    currency: str = "CNY",
    with_history: bool = True,
) -> Opportunity:
    """A deal walking ``path``; ``hours[i]`` is the stay before move ``i + 1`` (default 24 h)."""
    gaps = list(hours) if hours is not None else [24] * (len(path) - 1)
    at = datetime(created.year, created.month, created.day, 9, tzinfo=UTC)
    history = []
    previous: str | None = None
    for i, name in enumerate(path):
        history.append(
            StageChange(opportunity_id=id, from_stage=previous, to_stage=name, changed_at=at)
        )
        previous = name
        if i < len(gaps):
            at += timedelta(hours=gaps[i])
    closed = path[-1] in ("Won", "Lost")
    return Opportunity(
        id=id,
        owner_id=owner,
        amount=amount,
        currency=currency,
        stage=path[-1],
        created_on=created,
        close_date=history[-1].changed_at.date() if closed else None,
        history=tuple(history) if with_history else (),
    )


OPEN = ("Qualify", "Proposal", "Negotiation")


@st.composite
def linear_deals(draw: st.DrawFn, max_size: int = 12) -> list[Opportunity]:
    """Deals whose histories only move forward one stage at a time, then maybe close."""
    n = draw(st.integers(0, max_size))
    deals = []
    for i in range(n):
        reached = draw(st.integers(1, len(OPEN)))
        outcome = draw(st.sampled_from(["open", "Won", "Lost"]))
        path = list(OPEN[:reached])
        if outcome == "Won":
            path = [*OPEN, "Won"]
        elif outcome == "Lost":
            path.append("Lost")
        created = START + timedelta(days=draw(st.integers(0, 200)))
        hours = [draw(st.integers(1, 24 * 30)) for _ in path[1:]]
        deals.append(
            deal(
                f"D{i:03d}",
                path,
                amount=draw(st.integers(0, 10**6)),
                hours=hours,
                created=created,
                owner=draw(st.sampled_from(["R1", "R2"])),
            )
        )
    return deals
