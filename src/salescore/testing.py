"""Hypothesis strategies that produce valid salescore models and frames.

For users' own property-based test suites (install the ``testing`` extra:
``pip install salescore[testing]``); salescore's tests use them too. Every
strategy produces values that pass the models' validation, and the
``*_sets`` strategies produce consistent collections: opportunities whose
stages and histories use the given pipeline, reps placed in a team tree.

Examples
--------
>>> from hypothesis import given, settings
>>> from salescore.testing import pipelines, opportunity_sets
>>> @settings(max_examples=5)
... @given(data=pipelines().flatmap(lambda p: opportunity_sets(p).map(lambda os: (p, os))))
... def test_stages_known(data):
...     pipeline, opps = data
...     assert all(o.stage in pipeline for o in opps)
>>> test_stages_known()
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "salescore.testing needs hypothesis: pip install 'salescore[testing]'"
    ) from exc

import pandas as pd

from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.models import (
    Channel,
    ChannelKind,
    Direction,
    Metric,
    Opportunity,
    Organization,
    Owner,
    OwnerKind,
    Pipeline,
    Rep,
    Segment,
    Stage,
    StageChange,
    StageKind,
    Target,
    Team,
)
from salescore.money import CURRENCIES, Money

__all__ = [
    "COMMON_CURRENCIES",
    "amounts",
    "channels",
    "currencies",
    "dates",
    "money",
    "opportunities",
    "opportunity_frames",
    "opportunity_sets",
    "order_line_frames",
    "order_lines",
    "organizations",
    "periods",
    "pipelines",
    "reps",
    "stage_change_frames",
    "targets",
    "weights",
]

#: A handful of currencies with every minor unit (0, 2, 3) represented.
COMMON_CURRENCIES: tuple[str, ...] = ("CNY", "USD", "EUR", "JPY", "KWD", "GBP")

_OPEN_STAGE_NAMES = ("Prospect", "Qualify", "Discovery", "Demo", "Proposal", "Negotiation", "Legal")


def currencies(*, all_codes: bool = False) -> st.SearchStrategy[str]:
    """ISO 4217 codes: :data:`COMMON_CURRENCIES`, or every active code with ``all_codes``."""
    return st.sampled_from(sorted(CURRENCIES) if all_codes else COMMON_CURRENCIES)


def amounts(
    currency: str = "USD", *, min_value: int = 0, max_value: int = 10**9
) -> st.SearchStrategy[Decimal]:
    """Decimal amounts in whole minor units of ``currency`` between the bounds [currency]."""
    places = CURRENCIES[currency]
    scale = 10**places
    return st.integers(min_value * scale, max_value * scale).map(
        lambda units: Decimal(units).scaleb(-places)
    )


def money(
    currency: str | None = None, *, min_value: int = 0, max_value: int = 10**9
) -> st.SearchStrategy[Money]:
    """:class:`~salescore.money.Money` in ``currency`` (or a common one)."""
    codes = st.just(currency) if currency else currencies()
    return codes.flatmap(
        lambda code: amounts(code, min_value=min_value, max_value=max_value).map(
            lambda amount: Money(amount, code)
        )
    )


def weights(
    min_size: int = 1, max_size: int = 12, *, max_value: int = 1000
) -> st.SearchStrategy[list[int]]:
    """Lists of non-negative integer weights with at least one positive."""
    return st.lists(st.integers(0, max_value), min_size=min_size, max_size=max_size).filter(
        lambda ws: sum(ws) > 0
    )


def dates(min_year: int = 2018, max_year: int = 2030) -> st.SearchStrategy[date]:
    """Dates between 1 January ``min_year`` and 31 December ``max_year``."""
    return st.dates(date(min_year, 1, 1), date(max_year, 12, 31))


def periods(
    min_year: int = 2018, max_year: int = 2030, *, max_days: int = 800
) -> st.SearchStrategy[Period]:
    """Half-open periods of 1 to ``max_days`` days."""
    return st.builds(
        lambda start, length: Period(start=start, end=start + timedelta(days=length)),
        dates(min_year, max_year),
        st.integers(1, max_days),
    )


@st.composite
def pipelines(
    draw: st.DrawFn, *, min_open: int = 1, max_open: int = 6, max_lost: int = 2
) -> Pipeline:
    """Pipelines of open stages with rising probabilities, one won and 1+ lost stages."""
    n_open = draw(st.integers(min_open, max_open))
    names = list(_OPEN_STAGE_NAMES[:n_open]) + [
        f"Stage {i}" for i in range(len(_OPEN_STAGE_NAMES), n_open)
    ]
    probabilities = sorted(draw(st.lists(st.floats(0.0, 1.0), min_size=n_open, max_size=n_open)))
    stages = [
        Stage(name=name, order=i, probability=p)
        for i, (name, p) in enumerate(zip(names, probabilities, strict=True))
    ]
    stages.append(Stage(name="Won", order=n_open, probability=1.0, kind=StageKind.WON))
    n_lost = draw(st.integers(1, max_lost))
    stages.extend(
        Stage(
            name="Lost" if i == 0 else f"Lost {i + 1}",
            order=n_open + 1 + i,
            probability=0.0,
            kind=StageKind.LOST,
        )
        for i in range(n_lost)
    )
    return Pipeline(stages=tuple(stages))


@st.composite
def _history(
    draw: st.DrawFn, pipeline: Pipeline, opportunity_id: str, created_on: date, final_stage: str
) -> tuple[tuple[StageChange, ...], datetime]:
    # A forward walk through open stages (with occasional skips and regressions),
    # ending in ``final_stage``; timestamps strictly increase from created_on.
    open_names = [s.name for s in pipeline.open_stages]
    path = [open_names[0]]
    for _ in range(draw(st.integers(0, 2 * len(open_names)))):
        current = open_names.index(path[-1])
        nxt = draw(st.integers(0, len(open_names) - 1))
        if nxt != current:
            path.append(open_names[nxt])
    if path[-1] != final_stage:
        path.append(final_stage)
    at = datetime(created_on.year, created_on.month, created_on.day, 9, tzinfo=UTC)
    changes = []
    previous: str | None = None
    for name in path:
        changes.append(
            StageChange(
                opportunity_id=opportunity_id, from_stage=previous, to_stage=name, changed_at=at
            )
        )
        previous = name
        at += timedelta(hours=draw(st.integers(1, 24 * 60)))
    return tuple(changes), changes[-1].changed_at


@st.composite
def opportunities(
    draw: st.DrawFn,
    pipeline: Pipeline,
    *,
    id: str | None = None,
    currency: str | None = None,
    owners: Sequence[str] = ("R1", "R2", "R3"),
    with_history: bool = True,
    min_year: int = 2022,
    max_year: int = 2026,
) -> Opportunity:
    """One opportunity consistent with ``pipeline``.

    Its stage is in the pipeline, closed deals have a close date, open deals
    none, and (with ``with_history``) its history walks the pipeline from the
    first open stage to the current stage with strictly increasing aware
    timestamps.
    """
    code = currency or draw(currencies())
    stage = draw(st.sampled_from(pipeline.stages))
    created_on = draw(dates(min_year, max_year))
    opp_id = id or draw(st.text("ABCDEFGH0123456789", min_size=4, max_size=8))
    history: tuple[StageChange, ...] = ()
    last_change = datetime(created_on.year, created_on.month, created_on.day, tzinfo=UTC)
    if with_history:
        history, last_change = draw(_history(pipeline, opp_id, created_on, stage.name))
    close_date = None
    if stage.is_closed:
        close_date = last_change.date() + timedelta(days=draw(st.integers(0, 30)))
    expected = created_on + timedelta(days=draw(st.integers(0, 365)))
    return Opportunity(
        id=opp_id,
        owner_id=draw(st.sampled_from(list(owners))),
        amount=draw(amounts(code, max_value=10**7)),
        currency=code,
        stage=stage.name,
        created_on=created_on,
        expected_close_date=expected,
        close_date=close_date,
        channel_id=draw(st.sampled_from(["direct", "partner", "online"])),
        product=draw(st.sampled_from(["Cloud", "Support", "Hardware"])),
        probability=draw(st.none() | st.floats(0.0, 1.0)),
        history=history,
    )


def opportunity_sets(
    pipeline: Pipeline,
    *,
    min_size: int = 0,
    max_size: int = 30,
    currency: str | None = "USD",
    with_history: bool = True,
    owners: Sequence[str] = ("R1", "R2", "R3"),
) -> st.SearchStrategy[list[Opportunity]]:
    """Lists of opportunities with unique ids (``D0001``, ...) consistent with ``pipeline``."""
    return st.integers(min_size, max_size).flatmap(
        lambda n: st.tuples(
            *(
                opportunities(
                    pipeline,
                    id=f"D{i:04d}",
                    currency=currency,
                    with_history=with_history,
                    owners=owners,
                )
                for i in range(n)
            )
        ).map(list)
    )


def opportunity_frames(pipeline: Pipeline, **kwargs: Any) -> st.SearchStrategy[pd.DataFrame]:
    """Opportunity frames (the ``OPPORTUNITIES`` contract) built from :func:`opportunity_sets`."""
    from salescore.frames import to_frame

    return opportunity_sets(pipeline, **kwargs).map(lambda opps: to_frame(opps, model=Opportunity))


def stage_change_frames(pipeline: Pipeline, **kwargs: Any) -> st.SearchStrategy[pd.DataFrame]:
    """Stage-change frames (the ``STAGE_CHANGES`` contract) of consistent opportunity sets."""
    from salescore.frames import to_frame

    return opportunity_sets(pipeline, **kwargs).map(
        lambda opps: to_frame([c for o in opps for c in o.history], model=StageChange)
    )


@st.composite
def reps(draw: st.DrawFn, *, id: str | None = None, team_ids: Sequence[str] = ()) -> Rep:
    """A rep, optionally in one of ``team_ids``, with optional hire/leave dates and ramp."""
    hire = draw(st.none() | dates(2018, 2026))
    leave = None
    if hire is not None and draw(st.booleans()):
        leave = hire + timedelta(days=draw(st.integers(0, 1500)))
    return Rep(
        id=id or draw(st.text("ABCDEFGH0123456789", min_size=3, max_size=6)),
        name=draw(st.sampled_from(["Wang Fang", "Li Na", "Zhang Wei", "Ana Silva", "Sam Lee"])),
        team_id=draw(st.sampled_from(list(team_ids))) if team_ids else None,
        hire_date=hire,
        leave_date=leave,
        capacity=draw(st.sampled_from([1.0, 0.8, 0.5])),
        ramp=tuple(draw(st.lists(st.sampled_from([0.25, 0.5, 0.75]), max_size=3))),
    )


@st.composite
def organizations(draw: st.DrawFn, *, max_teams: int = 6, max_reps: int = 12) -> Organization:
    """A team tree (each team's parent is an earlier team) with reps placed in it."""
    n_teams = draw(st.integers(1, max_teams))
    teams = [Team(id="T0", name="Sales")]
    for i in range(1, n_teams):
        parent = draw(st.integers(0, i - 1))
        teams.append(Team(id=f"T{i}", name=f"Team {i}", parent_id=f"T{parent}"))
    n_reps = draw(st.integers(0, max_reps))
    rep_list = [draw(reps(id=f"R{i}", team_ids=[t.id for t in teams])) for i in range(n_reps)]
    return Organization(teams=tuple(teams), reps=tuple(rep_list))


def channels() -> st.SearchStrategy[Channel]:
    """Channels of every kind and segment."""
    return st.builds(
        Channel,
        id=st.text("abcdefgh", min_size=2, max_size=6),
        name=st.sampled_from(["Direct", "Tmall", "Distributor East", "Web shop"]),
        kind=st.sampled_from(list(ChannelKind)),
        segment=st.sampled_from(list(Segment)),
        partner_commission_rate=st.none() | st.floats(0.0, 0.5),
    )


@st.composite
def targets(
    draw: st.DrawFn, *, complete: bool = True, metric: Metric | str | None = None
) -> Target:
    """Targets; with ``complete`` every SMART-relevant field is set and in range.

    ``metric`` fixes the metric, as a ``Metric`` or its value (``"revenue"``).
    """
    if metric is not None:
        try:
            chosen = Metric(metric)
        except ValueError:
            raise InvalidInputError(
                f"metric {metric!r} is not one of {', '.join(m.value for m in Metric)}"
            ) from None
    else:
        chosen = draw(st.sampled_from([m for m in Metric if m is not Metric.CUSTOM]))
    period = draw(periods(2024, 2028))
    probe = Target(id="probe", metric=chosen)
    kind = probe.kind
    # Money totals and average deal size carry a currency; rates and counts do not.
    currency = draw(currencies()) if kind in ("money", "level") else None
    if kind == "rate":
        value = Decimal(draw(st.integers(1, 99))) / 100
        unit = "fraction"
    elif kind == "count":
        value = Decimal(draw(st.integers(1, 10**5)))
        unit = "count"
    else:
        assert currency is not None
        value = draw(amounts(currency, min_value=1, max_value=10**8))
        unit = None
    if not complete:
        return Target(
            id=draw(st.text("ABCDEF0123", min_size=1, max_size=6)),
            metric=draw(st.none() | st.just(chosen)),
        )
    return Target(
        id=draw(st.text("ABCDEF0123", min_size=1, max_size=6)),
        name=f"{chosen.value} goal",
        metric=chosen,
        value=value,
        currency=currency,
        unit=unit,
        direction=draw(st.sampled_from(list(Direction))),
        period=period,
        owner=draw(
            st.sampled_from(
                [
                    Owner(kind=OwnerKind.COMPANY),
                    Owner(kind=OwnerKind.TEAM, id="T0"),
                    Owner(kind=OwnerKind.REP, id="R1"),
                ]
            )
        ),
        scope={"market": "China"} if chosen is Metric.MARKET_SHARE else {},
    )


@st.composite
def order_lines(
    draw: st.DrawFn,
    *,
    currency: str = "USD",
    customers: Sequence[str] = ("C1", "C2", "C3", "C4", "C5", "C6"),
    min_orders: int = 1,
    max_orders: int = 25,
    max_lines: int = 3,
    min_year: int = 2024,
    max_year: int = 2026,
    max_amount: int = 10**6,
) -> list[Any]:
    """Lists of :class:`~salescore.customers.OrderLine`: orders of ``customers``, 1+ lines each.

    Each order (``O0001``, ...) belongs to one customer and has one date; its
    lines (ids ``L00001``, ...) carry amounts in whole minor units of
    ``currency``, zero included. Amounts repeat often, so ties are exercised.
    """
    from salescore.customers import OrderLine

    n = draw(st.integers(min_orders, max_orders))
    lines: list[Any] = []
    for k in range(n):
        customer = draw(st.sampled_from(list(customers)))
        on = draw(dates(min_year, max_year))
        for _ in range(draw(st.integers(1, max_lines))):
            amount = draw(
                st.sampled_from([Decimal(0), Decimal(10), Decimal(100)])
                | amounts(currency, max_value=max_amount)
            )
            lines.append(
                OrderLine(
                    order_id=f"O{k:04d}",
                    customer_id=customer,
                    ordered_on=on,
                    amount=amount,
                    currency=currency,
                    line_id=f"L{len(lines):05d}",
                )
            )
    return lines


def order_line_frames(**kwargs: Any) -> st.SearchStrategy[pd.DataFrame]:
    """Order-line frames (the ``ORDER_LINES`` contract) built from :func:`order_lines`."""
    from salescore.customers import lines_frame

    return order_lines(**kwargs).map(lines_frame)
