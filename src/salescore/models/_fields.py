"""Reusable annotated field types for the models (ids, amounts, fractions)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from salescore._numeric import check_fraction, to_decimal
from salescore.errors import InvalidInputError

__all__ = ["Fraction01", "Identifier", "Name", "NonNegativeAmount", "Number", "OptionalText"]


def _identifier(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidInputError(f"id {value!r} must be a non-empty string")
    text = str(value).strip()
    if not text:
        raise InvalidInputError(f"id {value!r} is empty; a non-empty string is required")
    return text


def _name(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"name {value!r} must be a string")
    text = value.strip()
    if not text:
        raise InvalidInputError(f"name {value!r} is blank; a non-blank name is required")
    return text


def _non_negative_amount(value: object) -> Decimal:
    amount = to_decimal(value, what="amount")
    if amount < 0:
        raise InvalidInputError(f"amount {amount} is negative; amounts must be >= 0")
    return amount


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


#: A non-empty identifier; integers are accepted and read as strings.
Identifier = Annotated[str, BeforeValidator(_identifier)]
#: A display name: surrounding blanks stripped, blank rejected.
Name = Annotated[str, BeforeValidator(_name)]
#: A finite, non-negative Decimal amount [currency]; floats read via shortest repr.
NonNegativeAmount = Annotated[Decimal, BeforeValidator(_non_negative_amount)]
#: A finite Decimal of any sign.
Number = Annotated[Decimal, BeforeValidator(lambda v: to_decimal(v, what="value"))]
#: A float fraction in [0, 1].
Fraction01 = Annotated[float, BeforeValidator(lambda v: check_fraction(v, what="fraction"))]
#: Free text; blank becomes ``None``.
OptionalText = Annotated[str | None, AfterValidator(_text)]
