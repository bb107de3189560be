"""DataFrame column contracts, vectorised validation with a failure table, model <-> frame.

Bulk calculators take pandas DataFrames. This module says what such a frame
must look like (a :class:`FrameContract` of :class:`Column` rules plus
row-level checks), checks a frame against it in a few vectorised passes, and
converts between lists of models and frames without loss.

Validation never mutates its input. It returns a coerced copy (canonical
dtypes, index kept, extra columns kept) or raises
:class:`~salescore.errors.FrameValidationError` whose ``failures`` table has
one row per failing cell: ``row`` (the index label, ``None`` for a frame-level
failure), ``column``, ``value`` (as given) and ``reason``, a stable code:

| reason | meaning |
|---|---|
| ``missing_column`` | a required column is absent |
| ``not_null`` | a value is missing (NaN, None, NaT, or a blank identifier) |
| ``wrong_type`` | a value cannot be read as the column's kind |
| ``not_finite`` | an infinite number |
| ``negative`` | a negative number in a non-negative column |
| ``out_of_range`` | a number outside the column's closed bounds |
| ``not_allowed`` | a value outside the column's allowed set |
| ``unknown_currency`` | a code that is not an active ISO 4217 currency |
| ``duplicate`` | a value that must be unique appears more than once |
| ``naive_datetime`` | a timestamp without a time zone |
| ``aware_date`` | a date carrying a time zone or a time of day |
| ``order`` | a row-level ordering check failed (close before created) |
| ``same_value`` | two columns that must differ are equal (a self-transition) |
| ``too_large`` | an amount beyond 2**53 minor units of its currency (float64 is exact below) |

Every code is a member of :class:`~salescore.error_codes.FailureReason`,
which gives its meaning in English and Chinese.

Canonical dtypes after validation: ``string`` -> pandas ``str``; ``float``
-> ``float64``; ``int`` -> ``int64`` (``Int64`` when nullable); ``bool`` ->
``bool`` (``boolean`` when nullable); ``date`` -> naive ``datetime64[us]``
at midnight; ``datetime`` -> ``datetime64[us, UTC]``; ``category`` ->
``CategoricalDtype`` of the allowed values. Money amounts are ``float64``
columns read back through their shortest repr, as everywhere in salescore.

Examples
--------
>>> import pandas as pd
>>> from salescore.frames import OPPORTUNITIES, validate_frame
>>> df = pd.DataFrame({
...     "id": ["D1", "D2"], "owner_id": ["R1", "R1"], "amount": [1200.0, -5.0],
...     "currency": ["CNY", "RMB"], "stage": ["Qualify", "Won"],
...     "created_on": pd.to_datetime(["2026-01-05", "2026-02-01"]),
... })
>>> try:
...     validate_frame(df, OPPORTUNITIES)
... except Exception as exc:
...     print(exc.failures.to_string(index=False))
 row   column value           reason
   1   amount  -5.0         negative
   1 currency   RMB unknown_currency

The package holds one concept per module: :mod:`~salescore.frames.contracts` (the
rules), :mod:`~salescore.frames.builtin` (the contracts of the models),
:mod:`~salescore.frames.validation` (checking a frame against its contract),
:mod:`~salescore.frames.stages` (stage columns against a pipeline) and
:mod:`~salescore.frames.conversion` (models to frames and back).
"""

from salescore._failures import FAILURE_COLUMNS
from salescore.frames.builtin import (
    CHANNELS,
    CONTRACTS,
    OPPORTUNITIES,
    REPS,
    STAGE_CHANGES,
    TARGETS,
    TEAMS,
)
from salescore.frames.contracts import (
    KINDS,
    REASONS,
    Column,
    DistinctCheck,
    FrameContract,
    Kind,
    MagnitudeCheck,
    OrderCheck,
)
from salescore.frames.contracts import RowCheck as RowCheck
from salescore.frames.conversion import contract_for, from_frame, history_frame, to_frame
from salescore.frames.stages import UnknownStageValuesError, check_stage_column
from salescore.frames.validation import (
    CheckedFrame,
    empty_failures,
    partition_frame,
    validate_frame,
)

__all__ = [
    "CHANNELS",
    "CONTRACTS",
    "FAILURE_COLUMNS",
    "KINDS",
    "OPPORTUNITIES",
    "REASONS",
    "REPS",
    "STAGE_CHANGES",
    "TARGETS",
    "TEAMS",
    "CheckedFrame",
    "Column",
    "DistinctCheck",
    "FrameContract",
    "Kind",
    "MagnitudeCheck",
    "OrderCheck",
    "UnknownStageValuesError",
    "check_stage_column",
    "contract_for",
    "empty_failures",
    "from_frame",
    "history_frame",
    "partition_frame",
    "to_frame",
    "validate_frame",
]
