"""What a target's value becomes when it is split: exact parts or the same rate."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from salescore._numeric import largest_remainder
from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.models import Target
from salescore.money import minor_unit

__all__ = ["SplitUnit", "child_target", "require_period", "split_unit", "split_value"]


def require_period(target: Target) -> Period:
    """The target's period, or an error saying it needs one."""
    if target.period is None:
        raise InvalidInputError(
            f"target {target.id!r} has no period; give it one before splitting it"
        )
    return target.period


class SplitUnit:
    """How a target's value splits: into integer units (money, counts) or not at all (rates).

    ``total`` is the value in integer units (minor units of the currency for
    money, whole numbers for counts) and ``scale`` the power of ten that turns
    units back into the value. ``additive`` is False for rates and levels,
    which every part carries unchanged.
    """

    __slots__ = ("additive", "scale", "total", "value")

    def __init__(self, value: Decimal, *, additive: bool, total: int, scale: int) -> None:
        self.value = value
        self.additive = additive
        self.total = total
        self.scale = scale

    def to_value(self, units: int) -> Decimal:
        """A number of units as a value of the target's unit."""
        return Decimal(units).scaleb(-self.scale)


def split_unit(target: Target) -> SplitUnit:
    """Read ``target`` for splitting, checking it has what a split needs."""
    if target.value is None:
        raise InvalidInputError(f"target {target.id!r} has no value to split")
    kind: Literal["money", "count", "rate", "level"] | None = target.kind
    if kind is None:
        raise InvalidInputError(
            f"target {target.id!r} has no metric, so it is unknown whether its value adds up "
            "(revenue, deals) or is a rate; set the metric"
        )
    value = target.value
    if kind in ("rate", "level"):
        return SplitUnit(value, additive=False, total=0, scale=0)
    if kind == "money":
        if target.currency is None:
            raise InvalidInputError(f"money target {target.id!r} has no currency")
        scale = minor_unit(target.currency)
        units = value.scaleb(scale)
        if units != units.to_integral_value():
            raise InvalidInputError(
                f"target {target.id!r} value {value} has more decimals than {target.currency}'s "
                f"{scale}; round it to the minor unit first"
            )
        return SplitUnit(value, additive=True, total=int(units), scale=scale)
    if value != value.to_integral_value():
        raise InvalidInputError(
            f"target {target.id!r} counts {target.metric_name} but its value {value} is not a "
            "whole number"
        )
    return SplitUnit(value, additive=True, total=int(value), scale=0)


def split_value(unit: SplitUnit, weights: Sequence[Fraction]) -> list[Decimal]:
    """Split exactly by largest remainder, or repeat a rate for every part."""
    if not unit.additive:
        return [unit.value] * len(weights)
    return [unit.to_value(part) for part in largest_remainder(unit.total, list(weights))]


def child_target(target: Target, *, suffix: str, value: Decimal, **changes: Any) -> Target:
    """A part of ``target``: same metric, unit and direction, its own id, value and changes.

    The baseline is dropped: it described the parent's period and owner.
    """
    fields = target.model_dump()
    fields.update(
        id=f"{target.id}/{suffix}",
        name=None if target.name is None else f"{target.name} {suffix}",
        value=value,
        parent_id=target.id,
        baseline_value=None,
        baseline_period=None,
        **changes,
    )
    return Target.model_validate(fields)
