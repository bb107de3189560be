"""Deals read once for the forecasts: validated, stage codes, groups and period masks.

Shared by the weighted and category forecasts (:func:`load_deals`) and by the
Markov model and Monte Carlo (:func:`opportunities_frame`, :func:`stage_codes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._failures import Failures
from salescore._lookup import name_positions
from salescore.calendar import Period
from salescore.error_codes import FailureReason
from salescore.errors import InvalidInputError
from salescore.frames import (
    OPPORTUNITIES,
    CheckedFrame,
    check_stage_column,
    empty_failures,
    partition_frame,
    to_frame,
    validate_frame,
)
from salescore.models import Opportunity, Pipeline, check_opportunities
from salescore.money import CURRENCIES

__all__ = [
    "Deals",
    "check_pipeline",
    "group_codes",
    "in_period",
    "load_deals",
    "opportunities_frame",
    "stage_codes",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def stage_codes(values: pd.Series[Any], pipeline: Pipeline, column: str) -> IntArray:
    """Pipeline position of each stage name in ``values``; an unknown name raises."""
    codes = name_positions(pipeline.names, values)
    if (codes < 0).any():
        check_stage_column(values, pipeline, column)  # raises, with the failure table
    return codes


def opportunities_frame(
    opportunities: Sequence[Opportunity] | pd.DataFrame | CheckedFrame, pipeline: Pipeline
) -> pd.DataFrame:
    """An OPPORTUNITIES frame of ``opportunities`` (models indexed by id), stages checked."""
    if isinstance(opportunities, pd.DataFrame | CheckedFrame):
        frame = validate_frame(opportunities, OPPORTUNITIES)
        check_stage_column(frame["stage"], pipeline, "stage")
        return frame
    if not isinstance(opportunities, Sequence):
        raise InvalidInputError(
            "opportunities must be an OPPORTUNITIES DataFrame or a sequence of Opportunity "
            f"models, got {type(opportunities).__name__}"
        )
    items = list(opportunities)
    strays = sorted({type(i).__name__ for i in items if not isinstance(i, Opportunity)})
    if strays:
        raise InvalidInputError(f"opportunities holds {', '.join(strays)}; give Opportunity models")
    check_opportunities(items, pipeline)
    frame = to_frame(items, model=Opportunity)
    return frame.set_index(pd.Index(frame["id"].to_numpy(dtype=object), name="id"))


@dataclass(frozen=True)
class Deals:
    """Valid deals as arrays, shared by the weighted and category forecasts."""

    frame: pd.DataFrame  # valid rows, coerced, index kept
    failures: pd.DataFrame  # row, column, value, reason
    stage: IntArray  # pipeline position of each valid row
    currency: IntArray  # code into ``currencies``
    currencies: tuple[str, ...]
    minor: IntArray  # amount in minor units of the row's own currency


def load_deals(
    opportunities: Sequence[Opportunity] | pd.DataFrame | CheckedFrame, pipeline: Pipeline
) -> Deals:
    """Validate the deals and read stage codes and exact minor-unit amounts.

    A frame's bad rows go to the failure table (contract failures, stages not
    in the pipeline as ``not_allowed``, amounts that are not whole minor units
    as ``not_minor_unit``); models are checked with
    :func:`~salescore.models.check_opportunities`, which raises.
    """
    if isinstance(opportunities, pd.DataFrame | CheckedFrame):
        valid, failures = partition_frame(opportunities, OPPORTUNITIES)
    elif isinstance(opportunities, Sequence):
        items = list(opportunities)
        strays = sorted({type(i).__name__ for i in items if not isinstance(i, Opportunity)})
        if strays:
            raise InvalidInputError(
                f"opportunities holds {', '.join(strays)}; give Opportunity models"
            )
        check_opportunities(items, pipeline)
        valid = to_frame(items, model=Opportunity)
        valid = valid.set_index(pd.Index(valid["id"].to_numpy(dtype=object), name="id"))
        failures = empty_failures()
    else:
        raise InvalidInputError(
            "opportunities must be an OPPORTUNITIES DataFrame or a sequence of Opportunity "
            f"models, got {type(opportunities).__name__}"
        )
    stage = name_positions(pipeline.names, valid["stage"])
    cur_values = valid["currency"].to_numpy(dtype=object)
    if len(cur_values) and bool((cur_values == cur_values[0]).all()):
        # One currency (the common case): no hashing needed.
        cur_codes = np.zeros(len(cur_values), dtype=np.intp)
        currencies: tuple[str, ...] = (str(cur_values[0]),)
    else:
        cur_codes, cur_names = pd.factorize(cur_values)
        currencies = tuple(str(c) for c in cur_names)
    amount = valid["amount"].to_numpy(dtype=np.float64)
    scale = 10.0 ** np.array([CURRENCIES[c] for c in currencies] + [0])[cur_codes]
    # An amount in whole minor units comes back exactly from its rounded scaled value;
    # anything else (sub-minor digits, or too large for float64 to hold to the unit)
    # is reported, never rounded away.
    whole = np.rint(amount * scale)
    off = (whole / scale != amount) | (np.abs(whole) >= 2.0**53)
    minor = np.where(off, 0.0, whole).astype(np.int64)
    unknown = stage < 0
    if unknown.any() or off.any():
        more = Failures(valid)
        more.add("stage", FailureReason.NOT_ALLOWED, unknown)
        more.add("amount", FailureReason.NOT_MINOR_UNIT, off)
        failures = pd.concat([failures, more.table()], ignore_index=True)
        keep = ~(unknown | off)
        valid, stage, minor = valid[keep], stage[keep], minor[keep]
        cur_codes = cur_codes[keep]
    return Deals(
        frame=valid,
        failures=failures.reset_index(drop=True),
        stage=stage,
        currency=np.asarray(cur_codes, dtype=np.int64),
        currencies=currencies,
        minor=minor,
    )


def check_pipeline(pipeline: object) -> Pipeline:
    if not isinstance(pipeline, Pipeline):
        raise InvalidInputError(f"pipeline {pipeline!r} is not a Pipeline")
    return pipeline


def in_period(values: pd.Series[Any], period: Period) -> tuple[BoolArray, BoolArray]:
    """(dated, in period) masks of a date column."""
    days = values.to_numpy(dtype="datetime64[D]")
    dated = ~np.isnat(days)
    with np.errstate(invalid="ignore"):
        inside = (
            dated
            & (days >= np.datetime64(period.start, "D"))
            & (days < np.datetime64(period.end, "D"))
        )
    return dated, inside


def group_codes(values: pd.Series[Any]) -> tuple[IntArray, list[Any]]:
    """Group codes of a text column with its labels sorted (missing values last, as None)."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    labels = [str(u) for u in uniques]
    order = sorted(range(len(labels)), key=lambda i: labels[i])
    rank = np.empty(len(labels) + 1, dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(labels))
    rank[-1] = len(labels)  # code -1 (missing) goes last
    out = rank[codes]
    names: list[Any] = [labels[i] for i in order]
    if (codes < 0).any():
        names.append(None)
    return out, names
