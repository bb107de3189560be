"""Stage columns against a pipeline: every stage named must be one of its stages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from salescore._names import as_names
from salescore.error_codes import FailureReason
from salescore.errors import FrameValidationError, InvalidInputError, UnknownStageError
from salescore.frames._common import _bool
from salescore.models import Pipeline

__all__ = ["UnknownStageValuesError", "check_stage_column"]


class UnknownStageValuesError(FrameValidationError, UnknownStageError):
    """A stage column names stages the pipeline does not have.

    Both a :class:`~salescore.errors.FrameValidationError` (with a failure
    table, reason ``not_allowed``) and an
    :class:`~salescore.errors.UnknownStageError`, so either may be caught.
    """

    # Named by the public module that has always held it (tracebacks, pickles).
    __module__ = "salescore.frames"


def check_stage_column(
    series: pd.Series[Any], pipeline: Pipeline | Iterable[str], column: str = "stage"
) -> pd.Series[Any]:
    """Check that every non-null value of ``series`` is a stage of ``pipeline``.

    Vectorised through the distinct values. Returns ``series`` unchanged.

    Parameters
    ----------
    series : pandas.Series
        Stage names (``stage``, ``from_stage`` or ``to_stage`` of a frame).
    pipeline : Pipeline or iterable of str
        The pipeline, or the allowed stage names.
    column : str
        Column name used in the message and failure table.

    Raises
    ------
    UnknownStageValuesError
        Naming the unknown values (with counts) and the allowed names; its
        ``failures`` table lists every offending row.

    Examples
    --------
    >>> import pandas as pd
    >>> check_stage_column(pd.Series(["Won", "Lost", "Demo", "Demo"]), ["Won", "Lost"])
    Traceback (most recent call last):
    ...
    salescore.frames.UnknownStageValuesError: column 'stage' names stages not in the pipeline:
    'Demo' (2 rows); known stages: Won, Lost
    """
    names = (
        pipeline.names if isinstance(pipeline, Pipeline) else as_names(pipeline, what="stage names")
    )
    if not isinstance(series, pd.Series):
        raise InvalidInputError(
            f"expected a pandas Series of stage names, got {type(series).__name__}"
        )
    codes, uniques = pd.factorize(series)
    distinct = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    unknown_u = ~_bool(distinct.isin(names))
    if not unknown_u.any():
        return series
    mask = unknown_u[np.maximum(codes, 0)] & (codes >= 0)
    positions = np.flatnonzero(mask)
    counts = np.bincount(codes[mask], minlength=len(uniques))
    listed = ", ".join(
        f"{distinct.iloc[i]!r} ({counts[i]} row{'s' if counts[i] != 1 else ''})"
        for i in np.flatnonzero(unknown_u)
    )
    failures = pd.DataFrame(
        {
            "row": np.asarray(series.index.take(positions), dtype=object),
            "column": np.full(len(positions), column, dtype=object),
            "value": np.asarray(series.iloc[positions].astype(object), dtype=object),
            "reason": np.full(len(positions), FailureReason.NOT_ALLOWED.value, dtype=object),
        }
    )
    raise UnknownStageValuesError(
        f"column {column!r} names stages not in the pipeline: {listed}; "
        f"known stages: {', '.join(names)}",
        failures,
    )
