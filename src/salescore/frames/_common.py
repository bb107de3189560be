"""What the frame modules share: boolean arrays, null masks, plain scalars."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

BoolArray = npt.NDArray[np.bool_]


def _bool(values: Any) -> BoolArray:
    return np.asarray(values, dtype=np.bool_)


def _nulls(series: pd.Series[Any]) -> BoolArray:
    return _bool(series.isna())


def _plain(value: Any) -> Any:
    """A numpy scalar as its Python equivalent, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value
