"""Small helpers shared by the goals tests."""

from __future__ import annotations

from decimal import Decimal

from salescore.models import Target


def val(target: Target) -> Decimal:
    """The value of a target produced by a split (always set)."""
    assert target.value is not None
    return target.value
