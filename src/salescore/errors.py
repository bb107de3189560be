"""The salescore error hierarchy.

Every error salescore raises derives from :class:`SalescoreError` and from the
matching built-in exception, so callers may catch either. Messages name the
offending value and what was allowed.

Examples
--------
>>> from salescore.errors import InvalidInputError, SalescoreError
>>> try:
...     raise InvalidInputError("probability 1.2 is outside [0, 1]")
... except ValueError as exc:
...     print(type(exc).__name__, isinstance(exc, SalescoreError))
InvalidInputError True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only; keeps pandas out of this layer at runtime
    import pandas as pd

__all__ = [
    "CurrencyMismatchError",
    "FrameValidationError",
    "InvalidInputError",
    "MissingHistoryError",
    "MissingRateError",
    "ModelValidationError",
    "SalescoreError",
    "UnknownCurrencyError",
    "UnknownStageError",
]


class SalescoreError(Exception):
    """Base class of every error raised by salescore."""


class InvalidInputError(SalescoreError, ValueError):
    """A value is outside what the function or model allows."""


class ModelValidationError(InvalidInputError):
    """A model was built from fields that break its schema or invariants.

    ``errors`` holds one dict per problem, as pydantic reports them (``loc``,
    ``msg``, ``input``, ``type``); the message lists them all.
    """

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.args[0], self.errors))


class MissingHistoryError(InvalidInputError):
    """Stage histories are needed (or the snapshot method must be asked for) but none were given.

    Raised by the funnel and the learners fed from it when the opportunities
    carry no stage history and no ``source`` was chosen: counting them as
    histories would place every lost deal at the first stage. The message
    names the argument to pass (``source="snapshot"`` with ``lost_at`` /
    ``lost_stage_column``, or the histories).
    """


class UnknownCurrencyError(InvalidInputError):
    """A currency code is not an active ISO 4217 code."""


class UnknownStageError(InvalidInputError, KeyError):
    """A stage name is not part of the pipeline it is used with."""

    def __str__(self) -> str:
        # KeyError would otherwise repr() the message and wrap it in quotes.
        return str(self.args[0]) if self.args else ""


class CurrencyMismatchError(SalescoreError, TypeError):
    """Amounts in different currencies were combined without an ``FxRates`` table."""


class MissingRateError(SalescoreError, LookupError):
    """An exchange rate needed for a conversion is not in the ``FxRates`` table."""


class FrameValidationError(InvalidInputError):
    """A DataFrame broke its column contract.

    Parameters
    ----------
    message : str
        A summary of what failed.
    failures : pandas.DataFrame
        One row per failure with columns ``row`` (the index label of the
        offending row, or ``None`` for a frame-level failure), ``column``,
        ``value`` and ``reason`` (a stable reason code such as
        ``"not_null"`` or ``"out_of_range"``).
    """

    def __init__(self, message: str, failures: pd.DataFrame) -> None:
        super().__init__(message)
        self.failures = failures

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.args[0], self.failures))
