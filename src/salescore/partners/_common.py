"""Field types and number helpers shared by the partner modules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BeforeValidator

from salescore._numeric import to_decimal
from salescore.errors import InvalidInputError
from salescore.models._fields import Identifier, Number, OptionalText

__all__ = ["Identifier", "NonNegative", "Number", "OptionalText"]


_MAX_PLACES: Final = 8


def _non_negative(value: object) -> Decimal:
    result = to_decimal(value, what="value")
    if result < 0:
        raise InvalidInputError(f"value {value!r} is negative; it must be >= 0")
    return result


NonNegative = Annotated[Decimal, BeforeValidator(_non_negative)]


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite by construction
    return max(0, -exponent)


def _check_places(value: Decimal, what: str, places: int = _MAX_PLACES) -> None:
    if _places(value) > places:
        raise InvalidInputError(f"{what} {value} has more than {places} decimal places")


def _pct(value: Decimal) -> str:
    text = f"{value * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _money(minor: int, mu: int) -> Decimal:
    return Decimal(minor).scaleb(-mu)


_NEVER: Final = np.iinfo(np.int64).max


_EPOCH: Final = date(1970, 1, 1)


def _day_numbers(values: pd.Series[Any]) -> npt.NDArray[np.int64]:
    days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    out = days.astype(np.int64)
    out[np.isnat(days)] = _NEVER
    return out


def _group_sum(codes: npt.NDArray[np.int64], values: npt.NDArray[np.int64], n: int) -> list[int]:
    """Exact integer sums per code (pandas sums int64 without going through float)."""
    if not len(codes):
        return [0] * n
    sums = pd.Series(values).groupby(codes).sum()
    out = [0] * n
    for code, total in zip(sums.index.tolist(), sums.tolist(), strict=True):
        out[code] = int(total)
    return out
