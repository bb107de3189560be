"""Commission plans as data: tiers, accelerator bands, caps, SPIFFs, floors and the plan.

A plan is a frozen pydantic model that round-trips through JSON, so a CRM can
store and edit it. Nothing here computes a payout; :mod:`.statement` and
:mod:`.bulk` do, on one kernel.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BeforeValidator, Field, model_validator

from salescore._base import FrozenModel
from salescore._numeric import DECIMAL_CONTEXT, to_decimal
from salescore.commission.draws import Draw
from salescore.errors import InvalidInputError
from salescore.money import CurrencyCode, minor_unit

__all__ = [
    "AcceleratorBand",
    "AttributeMultiplier",
    "Basis",
    "Boundary",
    "CommissionPlan",
    "Floor",
    "Measure",
    "Mode",
    "PoolShare",
    "RateKind",
    "Spiff",
    "TargetBonus",
    "Tier",
    "TieredComponent",
]

#: How a rate table reads its measure: ``marginal`` pays each slice of the
#: measure at its own tier's rate; ``retroactive`` pays the whole measure at
#: the rate of the tier it reaches; ``interpolated`` is marginal with a rate
#: that varies linearly within each tier, from the tier's ``rate`` at its
#: lower bound to its ``end_rate`` at its upper bound (each slice paid the
#: integral of that rate over the slice).
Mode = Literal["marginal", "retroactive", "interpolated"]
#: What the measure is counted in: ``amount`` [currency] or ``attainment``
#: [fraction of quota, 1 = 100 percent].
Basis = Literal["amount", "attainment"]
#: Which credits make up the measure: ``running`` is the running total of the
#: period (credits ordered by date, then id), ``transaction`` each credit alone.
Measure = Literal["running", "transaction"]
#: What a tier's ``rate`` is: ``fraction`` of the credited amount, or a fixed
#: amount [currency] ``per_deal`` (each credit) or ``per_unit`` (times the
#: credit's ``units``).
RateKind = Literal["fraction", "per_deal", "per_unit"]
#: Which tier owns a boundary value ``b``: ``upper`` means tiers are
#: ``[lower, upper)`` (``b`` reaches the next tier), ``lower`` means
#: ``(lower, upper]`` (``b`` stays in the tier below).
Boundary = Literal["upper", "lower"]
#: How a :class:`TargetBonus` pool is shared among the reps who meet the
#: target: ``even`` (equal shares) or ``actual`` (in proportion to each
#: rep's actual value of the metric).
PoolShare = Literal["even", "actual"]
#: Most decimal places of a target bonus threshold.
METRIC_PLACES = 6


def _non_negative(value: object) -> Decimal:
    result = to_decimal(value, what="value")
    if result < 0:
        raise InvalidInputError(f"value {value!r} is negative; it must be >= 0")
    return result


NonNegative = Annotated[Decimal, BeforeValidator(_non_negative)]
_MAX_PLACES = 8


def _places(value: Decimal) -> int:
    exponent = value.normalize(DECIMAL_CONTEXT).as_tuple().exponent
    assert isinstance(exponent, int)  # finite by construction
    return max(0, -exponent)


class Tier(FrozenModel):
    """One row of a rate table.

    Parameters
    ----------
    lower : Decimal
        Where the tier starts, in the component's basis ([currency] or
        [fraction of quota]).
    upper : Decimal or None
        Where it ends; ``None`` for the open top tier.
    rate : Decimal
        Commission per unit of credited amount in the tier [fraction]
        (``0.05`` pays 5 percent); in an ``interpolated`` table, the rate at
        ``lower``. At most 8 decimal places.
    end_rate : Decimal, optional
        Only in an ``interpolated`` table: the rate at ``upper`` [fraction];
        the rate moves linearly from ``rate`` to ``end_rate`` across the
        tier. ``None`` keeps the rate flat. Needs a closed tier.

    Examples
    --------
    >>> Tier(lower=0, upper="0.5", rate="0.03")
    Tier(lower=Decimal('0'), upper=Decimal('0.5'), rate=Decimal('0.03'), end_rate=None)
    >>> Tier(lower=1, rate="0.03", end_rate="0.05")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: Tier: tier from 1 is open ...
    """

    lower: NonNegative
    upper: NonNegative | None = None
    rate: NonNegative
    end_rate: NonNegative | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.upper is not None and self.upper <= self.lower:
            raise InvalidInputError(
                f"tier upper {self.upper} is not above its lower {self.lower}; "
                "a tier must have upper > lower"
            )
        if self.end_rate is not None and self.upper is None:
            raise InvalidInputError(
                f"tier from {self.lower} is open but has end_rate {self.end_rate}; "
                "only a tier with an upper bound can interpolate its rate"
            )
        for name, value in (
            ("lower", self.lower),
            ("upper", self.upper),
            ("rate", self.rate),
            ("end_rate", self.end_rate),
        ):
            if value is not None and _places(value) > _MAX_PLACES:
                raise InvalidInputError(
                    f"tier {name} {value} has more than {_MAX_PLACES} decimal places"
                )
        return self


class AcceleratorBand(FrozenModel):
    """A multiplier on the rate while the measure lies in ``[lower, upper)``.

    A multiplier above 1 accelerates, below 1 decelerates. In a marginal
    table it applies to the slice of the measure inside the band; in a
    retroactive table the band the measure reaches applies to all of it.

    Parameters
    ----------
    lower, upper : Decimal
        Band bounds in the component's basis; ``upper`` ``None`` for open.
    multiplier : Decimal
        Factor on the tier rate [ratio], >= 0, at most 8 decimal places.

    Examples
    --------
    >>> AcceleratorBand(lower=1, multiplier="1.5").multiplier
    Decimal('1.5')
    """

    lower: NonNegative
    upper: NonNegative | None = None
    multiplier: NonNegative

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.upper is not None and self.upper <= self.lower:
            raise InvalidInputError(
                f"band upper {self.upper} is not above its lower {self.lower}; "
                "a band must have upper > lower"
            )
        for name, value in (
            ("lower", self.lower),
            ("upper", self.upper),
            ("multiplier", self.multiplier),
        ):
            if value is not None and _places(value) > _MAX_PLACES:
                raise InvalidInputError(
                    f"band {name} {value} has more than {_MAX_PLACES} decimal places"
                )
        return self


class AttributeMultiplier(FrozenModel):
    """A factor on a credit's commission when the credit carries a deal attribute flag.

    The factor applies to what a rate table pays for the credit (its tier
    lines), before the table's caps and gate: caps limit the multiplied
    amount. A credit carrying several flags gets the product of their
    factors. SPIFFs and the floor are not multiplied.

    Parameters
    ----------
    flag : str
        The flag a credit must carry (:attr:`Credit.flags`, or a boolean
        column of that name in a credits frame), e.g. ``"new_customer"``.
    multiplier : Decimal
        The factor [ratio], >= 0, at most 8 decimal places (``1.5`` pays
        150 percent, ``0.8`` pays 80 percent).

    Examples
    --------
    >>> AttributeMultiplier(flag="new_customer", multiplier="1.5").multiplier
    Decimal('1.5')
    """

    flag: str = Field(min_length=1)
    multiplier: NonNegative

    @model_validator(mode="after")
    def _check(self) -> Self:
        if _places(self.multiplier) > _MAX_PLACES:
            raise InvalidInputError(
                f"multiplier {self.multiplier} of flag {self.flag!r} has more than "
                f"{_MAX_PLACES} decimal places"
            )
        return self


def _unique_flags(multipliers: tuple[AttributeMultiplier, ...], where: str) -> None:
    flags = [m.flag for m in multipliers]
    twice = sorted({f for f in flags if flags.count(f) > 1})
    if twice:
        raise InvalidInputError(
            f"{where} has multipliers for flags {twice} more than once; one factor per flag"
        )


class TieredComponent(FrozenModel):
    """A tiered rate table with optional accelerator bands and caps.

    Parameters
    ----------
    name : str
        Component name, shown on every statement line.
    tiers : tuple of Tier
        Contiguous tiers from 0: the first starts at 0, each starts where the
        previous ends (gaps and overlaps are rejected), only the last may be
        open.
    mode : {"marginal", "retroactive", "interpolated"}
        See :data:`Mode`; only ``interpolated`` tables may give tiers an
        ``end_rate``.
    basis : {"amount", "attainment"}
        See :data:`Basis`; ``attainment`` needs a quota on the statement.
    measure : {"running", "transaction"}
        See :data:`Measure`.
    boundary : {"upper", "lower"}
        Which tier owns a boundary value; matters for retroactive tables
        (marginal and interpolated payouts are continuous, so they do not
        depend on it).
    accelerators : tuple of AcceleratorBand
        Non-overlapping bands in the same basis; outside every band the
        multiplier is 1.
    deal_cap : Decimal, optional
        Most this component pays for one credit [currency].
    period_cap : Decimal, optional
        Most this component pays in the period [currency]; credits are
        paid in order until the cap is reached.
    year_cap : Decimal, optional
        Most this component pays in a calendar year [currency] (the year of
        the period's start): what it already paid this year comes in through
        the statement's ``prior``; applied after the period cap, the same way.
    rate_kind : {"fraction", "per_deal", "per_unit"}
        See :data:`RateKind`. A fixed amount per deal or unit is paid at the
        rate of one tier, the tier the measure reaches: the running measure
        after the credit (``marginal``), or the period's total
        (``retroactive``), or the credit alone (``transaction`` measure).
        Not with ``interpolated``; the rates then have at most the currency's
        decimal places.
    product, category : str, optional
        Scope: the table pays only credits of this product, or of this
        product category (at most one of the two). A scoped table measures
        only the credits it pays.
    rule : str, optional
        Tables with the same ``rule`` are alternatives: each credit is paid
        by the most specific one that matches it (a product's table beats its
        category's, which beats the unscoped default) and by no other. Tables
        without a ``rule`` all pay every credit in their scope.
    gate : Decimal, optional
        Threshold on the period's total measure, in the component's basis:
        below it the component pays nothing for the period (each line
        reversed by a ``gate`` line). Applies to the period total even when
        ``measure`` is ``transaction``.
    gate_deferred : bool
        With a ``gate``: what the gate holds back is not lost but carried
        (``Carry.held``) and paid, on a ``release`` line, in the first later
        period of the same calendar year whose own measure reaches the gate;
        what is still held at the end of the year is lost.
    multipliers : tuple of AttributeMultiplier
        Factors on what this table pays a credit carrying their flag (on top
        of the plan's ``multipliers``), applied before caps and the gate;
        one per flag.

    Examples
    --------
    >>> c = TieredComponent(name="base", tiers=[Tier(lower=0, upper=1, rate="0.04"),
    ...                                         Tier(lower=1, rate="0.06")], basis="attainment")
    >>> c.breakpoints()
    (Decimal('0'), Decimal('1'))
    >>> TieredComponent(name="bad", tiers=[Tier(lower=0, upper=1, rate=0),
    ...                                    Tier(lower=2, rate=0)])
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: TieredComponent: component 'bad' tier 2 starts at 2 ...
    """

    name: str = Field(min_length=1)
    tiers: tuple[Tier, ...] = Field(min_length=1)
    mode: Mode = "marginal"
    basis: Basis = "amount"
    measure: Measure = "running"
    boundary: Boundary = "upper"
    accelerators: tuple[AcceleratorBand, ...] = ()
    deal_cap: NonNegative | None = None
    period_cap: NonNegative | None = None
    year_cap: NonNegative | None = None
    gate: NonNegative | None = None
    rate_kind: RateKind = "fraction"
    product: str | None = Field(default=None, min_length=1)
    category: str | None = Field(default=None, min_length=1)
    rule: str | None = Field(default=None, min_length=1)
    gate_deferred: bool = False
    multipliers: tuple[AttributeMultiplier, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Self:
        _unique_flags(self.multipliers, f"component {self.name!r}")
        if self.gate_deferred and self.gate is None:
            raise InvalidInputError(
                f"component {self.name!r} has gate_deferred but no gate; give a gate"
            )
        if self.tiers[0].lower != 0:
            raise InvalidInputError(
                f"component {self.name!r} tier 1 starts at {self.tiers[0].lower}; "
                "the first tier must start at 0"
            )
        for i, (prev, tier) in enumerate(zip(self.tiers, self.tiers[1:], strict=False), start=2):
            if prev.upper is None or tier.lower != prev.upper:
                raise InvalidInputError(
                    f"component {self.name!r} tier {i} starts at {tier.lower} but tier {i - 1} "
                    f"ends at {prev.upper}; tiers must be contiguous (no gap or overlap)"
                )
        if self.mode != "interpolated":
            for i, tier in enumerate(self.tiers, start=1):
                if tier.end_rate is not None:
                    raise InvalidInputError(
                        f"component {self.name!r} tier {i} has end_rate {tier.end_rate} but "
                        f"mode {self.mode!r}; end_rate needs mode 'interpolated'"
                    )
        if self.product is not None and self.category is not None:
            raise InvalidInputError(
                f"component {self.name!r} is scoped to product {self.product!r} and category "
                f"{self.category!r}; give one of the two"
            )
        if self.rate_kind != "fraction" and self.mode == "interpolated":
            raise InvalidInputError(
                f"component {self.name!r} pays {self.rate_kind} but is interpolated; fixed "
                "amounts use mode 'marginal' or 'retroactive'"
            )
        if self.gate is not None and _places(self.gate) > _MAX_PLACES:
            raise InvalidInputError(
                f"component {self.name!r} gate {self.gate} has more than {_MAX_PLACES} "
                "decimal places"
            )
        bands = sorted(self.accelerators, key=lambda b: b.lower)
        for prev_band, band in itertools.pairwise(bands):
            if prev_band.upper is None or band.lower < prev_band.upper:
                raise InvalidInputError(
                    f"component {self.name!r} accelerator bands starting at {prev_band.lower} "
                    f"and {band.lower} overlap; bands must not overlap"
                )
        return self

    @property
    def specificity(self) -> int:
        """2 for a product's table, 1 for a category's, 0 unscoped."""
        return 2 if self.product is not None else 1 if self.category is not None else 0

    def breakpoints(self) -> tuple[Decimal, ...]:
        """Sorted starts of the segments where tier or multiplier changes [basis units]."""
        points = {t.lower for t in self.tiers}
        for band in self.accelerators:
            points.add(band.lower)
            if band.upper is not None:
                points.add(band.upper)
        last = self.tiers[-1].upper
        if last is not None:
            points.add(last)
        return tuple(sorted(points))

    def segment(self, start: Decimal) -> tuple[int, Decimal, Decimal]:
        """Tier number (1-based; 0 above a closed top), tier rate and multiplier at ``start``."""
        tier_no, rate = 0, Decimal(0)
        for i, tier in enumerate(self.tiers, start=1):
            if tier.lower <= start and (tier.upper is None or start < tier.upper):
                tier_no, rate = i, tier.rate
        multiplier = Decimal(1)
        for band in self.accelerators:
            if band.lower <= start and (band.upper is None or start < band.upper):
                multiplier = band.multiplier
        return tier_no, rate, multiplier


class Spiff(FrozenModel):
    """A fixed bonus for every credit that carries a flag (a named event or deal attribute).

    SPIFFs are paid on top of the rate tables; caps and gates of the tables
    do not touch them. A named event that is not a deal (a webinar run, a
    reference won) is a credit of amount 0 carrying the flag.

    Parameters
    ----------
    name : str
        Shown on every statement line it pays; unique in the plan.
    flag : str
        The flag a credit must carry (:attr:`Credit.flags`, or a boolean
        column of that name in a credits frame).
    amount : Decimal
        Paid per qualifying credit [currency], >= 0.
    min_amount : Decimal, optional
        A credit qualifies only if its amount is at least this [currency].
    limit : int, optional
        Most payments per period, >= 1: the first qualifying credits in
        statement order (date, then deal id) are paid.

    Examples
    --------
    >>> Spiff(name="new logo", flag="new_logo", amount=500, limit=3).limit
    3
    """

    name: str = Field(min_length=1)
    flag: str = Field(min_length=1)
    amount: NonNegative
    min_amount: NonNegative | None = None
    limit: int | None = Field(default=None, ge=1)


class TargetBonus(FrozenModel):
    """A bonus for meeting a target other than the rate tables' measure.

    The rate tables pay on credited revenue; a target bonus pays when another
    goal of the period is met: new customers won, meetings held, a product
    line's units. Each statement is given the rep's achievement of the
    ``metric`` (its actual and its target); the bonus is earned when
    ``actual >= threshold * target``. It pays either a fixed ``amount`` or a
    share of a ``pool`` split among every rep who meets the target (see
    :func:`~salescore.commission.bonus_pool_shares`), on a ``bonus`` line of
    its own after the rate tables and SPIFFs and before the floor, which
    counts it. Caps and gates of the rate tables do not touch it.

    Parameters
    ----------
    name : str
        Shown on the bonus line; unique in the plan.
    metric : str
        The target measured, as named in the achievements given to the
        statement (``"new_customers"``).
    threshold : Decimal
        Attainment of the metric's target needed [fraction], > 0, at most
        six decimal places; default 1 (100 percent).
    amount : Decimal, optional
        A fixed bonus [currency], >= 0.
    pool : Decimal, optional
        A bonus pool [currency], >= 0, split exactly to the minor unit among
        the reps who meet the target. Give ``amount`` or ``pool``, not both.
    share : {"even", "actual"}
        How the pool is shared (see :data:`PoolShare`); only with ``pool``.

    Examples
    --------
    >>> TargetBonus(name="new logos", metric="new_customers", amount=2000).threshold
    Decimal('1')
    >>> TargetBonus(name="logo pool", metric="new_customers", pool=30000, share="actual").share
    'actual'
    """

    name: str = Field(min_length=1)
    metric: str = Field(min_length=1)
    threshold: Decimal = Decimal(1)
    amount: NonNegative | None = None
    pool: NonNegative | None = None
    share: PoolShare = "even"

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.threshold <= 0 or not self.threshold.is_finite():
            raise InvalidInputError(
                f"target bonus {self.name!r} threshold {self.threshold} must be > 0"
            )
        if _places(self.threshold) > METRIC_PLACES:
            raise InvalidInputError(
                f"target bonus {self.name!r} threshold {self.threshold} has more than "
                f"{METRIC_PLACES} decimal places"
            )
        if (self.amount is None) == (self.pool is None):
            raise InvalidInputError(
                f"target bonus {self.name!r} needs exactly one of amount= (a fixed bonus) "
                "and pool= (a pool shared by the reps who meet the target)"
            )
        if self.amount is not None and self.share != "even":
            raise InvalidInputError(
                f"target bonus {self.name!r} pays a fixed amount; share={self.share!r} is "
                "only for a pool"
            )
        return self

    @property
    def value(self) -> Decimal:
        """The fixed amount or the pool [currency]."""
        value = self.amount if self.amount is not None else self.pool
        assert value is not None  # exactly one is set
        return value


class Floor(FrozenModel):
    """A minimum payout per period: a statement earning less is topped up to ``amount``.

    The floor applies to the period's total from every rate table, SPIFF and
    target bonus (after caps and gates), on a line of its own that belongs to
    no deal.

    Parameters
    ----------
    amount : Decimal
        The minimum payable per period [currency], >= 0.
    name : str
        Shown on the floor line; unique in the plan.

    Examples
    --------
    >>> Floor(amount=3000).name
    'floor'
    """

    amount: NonNegative
    name: str = Field(default="floor", min_length=1)


class CommissionPlan(FrozenModel):
    """A commission plan: components summed on one statement, in one currency.

    Parameters
    ----------
    id : str
        Plan identifier.
    currency : str
        ISO 4217 code of quotas, credits, caps and payouts.
    components : tuple of TieredComponent
        The rate tables.
    spiffs : tuple of Spiff
        Fixed bonuses for flagged credits.
    bonuses : tuple of TargetBonus
        Bonuses for meeting targets other than the rate tables' measure.
    floor : Floor, optional
        The minimum payout per period. Names of components, SPIFFs, bonuses
        and the floor must be unique.
    draw : Draw, optional
        The draw every statement under the plan settles against, in the plan
        currency (see :func:`~salescore.commission.settle`).
    allow_negative : bool
        Pay a negative period (clawbacks above earnings) as a negative payout;
        by default it is carried forward as a deficit.
    multipliers : tuple of AttributeMultiplier
        Factors on what every rate table pays a credit carrying their flag
        (a table's own ``multipliers`` multiply with these), one per flag;
        applied before each table's caps and gate.

    Examples
    --------
    >>> plan = CommissionPlan(id="P1", currency="CNY", components=[
    ...     TieredComponent(name="base", tiers=[Tier(lower=0, rate="0.05")])])
    >>> CommissionPlan.model_validate_json(plan.model_dump_json()) == plan
    True
    """

    id: str = Field(min_length=1)
    currency: CurrencyCode
    components: tuple[TieredComponent, ...] = Field(min_length=1)
    spiffs: tuple[Spiff, ...] = ()
    bonuses: tuple[TargetBonus, ...] = ()
    floor: Floor | None = None
    draw: Draw | None = None
    allow_negative: bool = False
    multipliers: tuple[AttributeMultiplier, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Self:
        _unique_flags(self.multipliers, f"plan {self.id!r}")
        if self.draw is not None and self.draw.currency != self.currency:
            raise InvalidInputError(
                f"plan {self.id!r} draw is in {self.draw.currency}, not the plan currency "
                f"{self.currency}"
            )
        names = [c.name for c in self.components] + [x.name for x in self.spiffs]
        names += [x.name for x in self.bonuses]
        if self.floor is not None:
            names.append(self.floor.name)
        reserved = sorted({"clawback", "unmatched"} & set(names))
        if reserved:
            raise InvalidInputError(
                f"component names {reserved} are reserved for statement lines; rename them"
            )
        scopes = [(c.rule, c.product, c.category) for c in self.components if c.rule is not None]
        twice = sorted({str(x) for x in scopes if scopes.count(x) > 1})
        if twice:
            raise InvalidInputError(
                f"plan {self.id!r} has two tables of one rule with the same scope {twice}; "
                "each (rule, product, category) once"
            )
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InvalidInputError(f"component names {dupes} repeat; names must be unique")
        places = minor_unit(self.currency)
        money: list[tuple[str, Decimal | None]] = [
            (f"spiff {x.name!r} {what}", value)
            for x in self.spiffs
            for what, value in (("amount", x.amount), ("min_amount", x.min_amount))
        ]
        money += [
            (f"target bonus {x.name!r} {'amount' if x.amount is not None else 'pool'}", x.value)
            for x in self.bonuses
        ]
        if self.floor is not None:
            money.append((f"floor {self.floor.name!r} amount", self.floor.amount))
        for what, value in money:
            if value is not None and _places(value) > places:
                raise InvalidInputError(
                    f"{what} {value} has more decimal places than {self.currency} allows ({places})"
                )
        for c in self.components:
            for what, cap in (
                ("deal_cap", c.deal_cap),
                ("period_cap", c.period_cap),
                ("year_cap", c.year_cap),
            ):
                if cap is not None and _places(cap) > places:
                    raise InvalidInputError(
                        f"component {c.name!r} {what} {cap} has more decimal places than "
                        f"{self.currency} allows ({places})"
                    )
            if c.rate_kind != "fraction":
                for tier in c.tiers:
                    if _places(tier.rate) > places:
                        raise InvalidInputError(
                            f"component {c.name!r} pays {tier.rate} {c.rate_kind}, more decimal "
                            f"places than {self.currency} allows ({places})"
                        )
            if c.basis == "amount":
                for point in (*c.breakpoints(), *([] if c.gate is None else [c.gate])):
                    if _places(point) > places:
                        raise InvalidInputError(
                            f"component {c.name!r} boundary {point} has more decimal places "
                            f"than {self.currency} allows ({places})"
                        )
        return self

    @property
    def multiplier_flags(self) -> tuple[str, ...]:
        """Sorted flags of every attribute multiplier, of the plan and of its tables."""
        found = {m.flag for m in self.multipliers}
        found |= {m.flag for c in self.components for m in c.multipliers}
        return tuple(sorted(found))

    def multipliers_of(self, index: int) -> tuple[AttributeMultiplier, ...]:
        """The attribute multipliers applying to component ``index``: the plan's, then its own."""
        return (*self.multipliers, *self.components[index].multipliers)

    @property
    def needs_quota(self) -> bool:
        """Whether any component measures attainment of quota."""
        return any(c.basis == "attainment" for c in self.components)
