"""Shared builders and strategies for the commission tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from salescore.calendar import Period
from salescore.commission import (
    AcceleratorBand,
    AttributeMultiplier,
    Carry,
    CommissionPlan,
    Credit,
    Draw,
    Floor,
    Spiff,
    Tier,
    TieredComponent,
)
from salescore.models import Rep
from salescore.money import Money

JAN = Period.month(2026, 1)
#: The deal flags the strategies draw from.
FLAGS = ("new_logo", "multi_year")


def credit(deal: str, amount: str, day: int = 5, rep: str = "R1", cur: str = "CNY") -> Credit:
    """A credit in January 2026."""
    return Credit(
        deal_id=deal, rep_id=rep, amount=Money(amount, cur), credited_on=date(2026, 1, day)
    )


def plan(
    *components: TieredComponent,
    currency: str = "CNY",
    spiffs: tuple[Spiff, ...] = (),
    floor: Floor | None = None,
) -> CommissionPlan:
    """A plan of ``components`` (and SPIFFs and a floor)."""
    return CommissionPlan(
        id="P", currency=currency, components=components, spiffs=spiffs, floor=floor
    )


@st.composite
def attribute_multipliers(draw: st.DrawFn) -> tuple[AttributeMultiplier, ...]:
    """Up to one factor per flag in [0, 3], some with more decimal places."""
    factors = st.integers(0, 300).map(lambda m: Decimal(m) / 100) | st.integers(0, 30_000).map(
        lambda m: Decimal(m) / 10_000
    )
    return tuple(
        AttributeMultiplier(flag=flag, multiplier=draw(factors))
        for flag in draw(st.lists(st.sampled_from(FLAGS), max_size=2, unique=True))
    )


def two_tier(**kw: object) -> TieredComponent:
    """5 percent to quota, 8 percent above, measured in attainment."""
    args: dict[str, object] = {
        "name": "base",
        "basis": "attainment",
        "tiers": [Tier(lower=0, upper=1, rate="0.05"), Tier(lower=1, rate="0.08")],
    }
    args.update(kw)
    return TieredComponent.model_validate(args)


@st.composite
def components(draw: st.DrawFn, name: str = "c") -> TieredComponent:
    """A random valid component (attainment basis, cents-free amount bounds)."""
    basis = draw(st.sampled_from(["amount", "attainment"]))
    n = draw(st.integers(1, 3))
    if basis == "amount":
        cuts = sorted(draw(st.sets(st.integers(1, 50_000), min_size=n - 1, max_size=n - 1)))
        bounds = [Decimal(c) for c in cuts]
    else:
        cuts = sorted(draw(st.sets(st.integers(1, 200), min_size=n - 1, max_size=n - 1)))
        bounds = [Decimal(c) / 100 for c in cuts]
    lows = [Decimal(0), *bounds]
    ups: list[Decimal | None] = [*bounds, None]
    mode = draw(st.sampled_from(["marginal", "retroactive", "interpolated"]))
    rate_kind = "fraction"
    if mode != "interpolated":
        rate_kind = draw(st.sampled_from(["fraction", "fraction", "per_deal", "per_unit"]))
    if rate_kind == "fraction":
        rates = [Decimal(draw(st.integers(0, 1500))) / 10_000 for _ in range(n)]
    else:
        rates = [Decimal(draw(st.integers(0, 50_000))) / 100 for _ in range(n)]
    scope = draw(st.sampled_from([{}, {}, {"product": "P1"}, {"category": "C1"}]))
    ends: list[Decimal | None] = [
        Decimal(draw(st.integers(0, 1500))) / 10_000
        if mode == "interpolated" and up is not None and draw(st.booleans())
        else None
        for up in ups
    ]
    tiers = [
        Tier(lower=lo, upper=up, rate=r, end_rate=e)
        for lo, up, r, e in zip(lows, ups, rates, ends, strict=True)
    ]
    bands = []
    if draw(st.booleans()):
        start = bounds[-1] if bounds else (Decimal(1) if basis == "attainment" else Decimal(1000))
        bands.append(
            AcceleratorBand(lower=start, multiplier=Decimal(draw(st.integers(5, 30))) / 10)
        )
    gate = draw(
        st.none()
        | st.integers(0, 150).map(
            lambda g: Decimal(g) / 100 * (1 if basis == "attainment" else 1000)
        )
    )
    return TieredComponent(
        name=name,
        tiers=tiers,
        gate=gate,
        gate_deferred=gate is not None and draw(st.booleans()),
        basis=basis,
        mode=mode,
        measure=draw(st.sampled_from(["running", "transaction"])),
        boundary=draw(st.sampled_from(["upper", "lower"])),
        accelerators=bands,
        deal_cap=draw(st.none() | st.integers(1, 3_000).map(Decimal)),
        period_cap=draw(st.none() | st.integers(1, 5_000).map(Decimal)),
        year_cap=draw(st.none() | st.integers(0, 8_000).map(Decimal)),
        rate_kind=rate_kind,
        rule=draw(st.sampled_from([None, "r"])),
        multipliers=draw(attribute_multipliers()),
        **scope,
    )


@st.composite
def plans(draw: st.DrawFn) -> CommissionPlan:
    """A random plan of one or two components."""
    n = draw(st.integers(1, 2))
    spiffs = tuple(
        Spiff(
            name=f"s{i}",
            flag=draw(st.sampled_from(FLAGS)),
            amount=Decimal(draw(st.integers(0, 100_000))) / 100,
            min_amount=draw(st.none() | st.integers(0, 50_000).map(Decimal)),
            limit=draw(st.none() | st.integers(1, 3)),
        )
        for i in range(draw(st.integers(0, 2)))
    )
    floor = draw(st.none() | st.integers(0, 500_000).map(lambda c: Floor(amount=Decimal(c) / 100)))
    comps = [draw(components(name=f"c{i}")) for i in range(n)]
    if len(comps) == 2 and comps[0].rule and comps[1].rule:
        same = (comps[0].product, comps[0].category) == (comps[1].product, comps[1].category)
        if same:  # one scope per rule: make the second its own rule
            comps[1] = comps[1].model_copy(update={"rule": None})
    return CommissionPlan(
        id="P",
        currency="CNY",
        components=comps,
        spiffs=spiffs,
        floor=floor,
        draw=draw(st.none() | draws()),
        allow_negative=draw(st.booleans()),
        multipliers=draw(attribute_multipliers()),
    )


@st.composite
def draws(draw: st.DrawFn) -> Draw:
    """A random CNY draw, active from December 2025 or February 2026, maybe ending in March."""
    return Draw(
        kind=draw(st.sampled_from(["recoverable", "non_recoverable"])),
        currency="CNY",
        amount=Decimal(draw(st.integers(0, 500_000))) / 100,
        start=draw(st.sampled_from([date(2025, 12, 1), date(2026, 2, 1)])),
        end=draw(st.none() | st.just(date(2026, 3, 1))),
        recovery=Decimal(draw(st.integers(0, 1000))) / 1000,
        limit=draw(st.none() | st.integers(0, 1_000_000).map(lambda c: Decimal(c) / 100)),
    )


@st.composite
def reps(draw: st.DrawFn, rep_id: str = "R1") -> Rep:
    """A rep hired around January 2026 (or not dated), maybe leaving, maybe ramping."""
    hire = draw(st.none() | st.integers(-60, 40).map(lambda d: JAN.start + timedelta(days=d)))
    leave = draw(st.none() | st.integers(0, 70))
    return Rep(
        id=rep_id,
        name=rep_id,
        hire_date=hire,
        leave_date=None
        if leave is None
        else (hire or JAN.start - timedelta(days=30)) + timedelta(days=leave),
        ramp=tuple(draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 1 / 3]), max_size=3))),
        capacity=draw(st.sampled_from([1.0, 0.5])),
    )


@st.composite
def carries(draw: st.DrawFn, names: tuple[str, ...] = ("c0", "c1")) -> Carry:
    """A random carry from 2025 or 2026: balances and year-to-date amounts."""
    cents = st.integers(0, 1_000_000).map(lambda c: Decimal(c) / 100)
    return Carry(
        advances=draw(cents),
        deficit=draw(cents),
        year=draw(st.none() | st.sampled_from([2025, 2026])),
        year_to_date={n: draw(cents) for n in names if draw(st.booleans())},
        held={n: draw(cents) for n in names if draw(st.booleans())},
    )


@st.composite
def credit_lists(draw: st.DrawFn, rep: str = "R1", max_size: int = 8) -> list[Credit]:
    """Credits of one rep in January 2026 with distinct deal ids."""
    n = draw(st.integers(0, max_size))
    out = []
    for i in range(n):
        cents = draw(st.integers(0, 6_000_000))
        day = draw(st.integers(0, 30))
        out.append(
            Credit(
                deal_id=f"{rep}-D{i}",
                rep_id=rep,
                amount=Money.from_minor(cents, "CNY"),
                credited_on=JAN.start + timedelta(days=day),
                flags=draw(st.frozensets(st.sampled_from(FLAGS))),
                product=draw(st.sampled_from([None, "P1", "P2"])),
                category=draw(st.sampled_from([None, "C1", "C2"])),
                units=draw(st.integers(0, 5)),
            )
        )
    return out
