"""Shared builders and strategies for the commission tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from salescore.calendar import Period
from salescore.commission import (
    AcceleratorBand,
    CommissionPlan,
    Credit,
    Floor,
    Spiff,
    Tier,
    TieredComponent,
)
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
    rates = [Decimal(draw(st.integers(0, 1500))) / 10_000 for _ in range(n)]
    mode = draw(st.sampled_from(["marginal", "retroactive", "interpolated"]))
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
    return TieredComponent(
        name=name,
        tiers=tiers,
        basis=basis,
        mode=mode,
        measure=draw(st.sampled_from(["running", "transaction"])),
        boundary=draw(st.sampled_from(["upper", "lower"])),
        accelerators=bands,
        deal_cap=draw(st.none() | st.integers(1, 3_000).map(Decimal)),
        period_cap=draw(st.none() | st.integers(1, 5_000).map(Decimal)),
        gate=draw(
            st.none()
            | st.integers(0, 150).map(
                lambda g: Decimal(g) / 100 * (1 if basis == "attainment" else 1000)
            )
        ),
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
    return plan(*[draw(components(name=f"c{i}")) for i in range(n)], spiffs=spiffs, floor=floor)


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
            )
        )
    return out
