"""The salescore error hierarchy.

Every error salescore raises derives from :class:`SalescoreError` and from the
matching built-in exception, so callers may catch either. Messages name the
offending value and what was allowed.

Every error has a stable ``code`` (its class's by default, or the one it was
raised with), ``params`` (the named values of its message) and a message in
English (``str(exc)``) and Simplified Chinese (``exc.message("zh-CN")``). A
raise site names a code of :data:`salescore.error_codes.MESSAGES` and its
parameters through :meth:`SalescoreError.of`; a plain message still works
and gets the class's code, its Chinese text being the class's title and the
English message.

Examples
--------
>>> from salescore.errors import InvalidInputError, SalescoreError
>>> try:
...     raise InvalidInputError("probability 1.2 is outside [0, 1]")
... except ValueError as exc:
...     print(type(exc).__name__, isinstance(exc, SalescoreError), exc.code)
InvalidInputError True invalid_input
>>> exc = InvalidInputError.of("not_finite", name="amount", value=float("inf"))
>>> str(exc), exc.code, exc.params["value"]
('amount inf is not finite; numbers must be finite', 'not_finite', inf)
>>> exc.message("zh-CN")
'amount 的值 inf 不是有限数；数值必须有限'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from salescore.error_codes import MESSAGES, render

if TYPE_CHECKING:  # pragma: no cover - typing only; keeps pandas out of this layer at runtime
    import pandas as pd

__all__ = [
    "CurrencyMismatchError",
    "FrameValidationError",
    "InvalidInputError",
    "MissingHistoryError",
    "MissingRateError",
    "ModelValidationError",
    "OverInvoicedError",
    "OverpaymentError",
    "SalescoreError",
    "UnknownCurrencyError",
    "UnknownDealError",
    "UnknownInvoiceError",
    "UnknownStageError",
]


E = TypeVar("E", bound="SalescoreError")


class SalescoreError(Exception):
    """Base class of every error raised by salescore.

    Parameters
    ----------
    *args
        The English message first, as for any exception.
    code : str, optional
        A stable code of :data:`salescore.error_codes.MESSAGES`; default the
        class's :attr:`code`.
    params : mapping, optional
        The named values of the message (``name``, ``value``, ``limit``, ...).

    Attributes
    ----------
    code : str
        The stable error code.
    params : dict
        The named values the message was made of (empty for a plain message).
    """

    #: The code of errors of this class raised with a plain message.
    code: ClassVar[str] = "salescore_error"

    def __init__(
        self, *args: Any, code: str | None = None, params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(*args)
        if code is not None:
            self.code = code  # type: ignore[misc]  # an instance may override the class code
        self.params: dict[str, Any] = dict(params or {})

    @classmethod
    def of(cls: type[E], code: str, /, *args: Any, **params: Any) -> E:
        """An error of this class with the catalogue message of ``code``.

        Parameters
        ----------
        code : str
            A key of :data:`salescore.error_codes.MESSAGES`.
        *args
            Further positional arguments of the class after the message (the
            failure table of a :class:`FrameValidationError`).
        **params
            The template's fields.

        Examples
        --------
        >>> err = InvalidInputError.of("too_large", name="amount", value="1E+40", limit="1E+18")
        >>> print(err)
        amount 1E+40 is above the largest magnitude allowed, 1E+18
        """
        return cls(render(code, "en", **params), *args, code=code, params=params)

    def message(self, language: str = "en") -> str:
        """The message in ``language``: ``"en"``, or ``"zh"`` / ``"zh-CN"`` for Chinese.

        Examples
        --------
        >>> InvalidInputError("rate 2 is outside [0, 1]").message("zh")
        '输入无效：rate 2 is outside [0, 1]'
        """
        english = str(self)
        if not language.lower().startswith("zh"):
            return english
        if self.code in MESSAGES:
            try:
                return render(self.code, "zh", **{"detail": english, **self.params})
            except (KeyError, IndexError, ValueError):  # pragma: no cover - a raise site's bug
                pass
        return render(type(self).code, "zh", detail=english)


class InvalidInputError(SalescoreError, ValueError):
    """A value is outside what the function or model allows."""

    code: ClassVar[str] = "invalid_input"


class ModelValidationError(InvalidInputError):
    """A model was built from fields that break its schema or invariants.

    ``errors`` holds one dict per problem, as pydantic reports them (``loc``,
    ``msg``, ``input``, ``type``); the message lists them all.
    """

    code: ClassVar[str] = "model_invalid"

    def __init__(
        self,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        *,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, params=params)
        self.errors = errors or []

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.args[0], self.errors), self.__dict__)


class MissingHistoryError(InvalidInputError):
    """Stage histories are needed (or the snapshot method must be asked for) but none were given.

    Raised by the funnel and the learners fed from it when the opportunities
    carry no stage history and no ``source`` was chosen: counting them as
    histories would place every lost deal at the first stage. The message
    names the argument to pass (``source="snapshot"`` with ``lost_at`` /
    ``lost_stage_column``, or the histories).
    """

    code: ClassVar[str] = "missing_history"


class UnknownCurrencyError(InvalidInputError):
    """A currency code is not an active ISO 4217 code."""

    code: ClassVar[str] = "unknown_currency"


class UnknownStageError(InvalidInputError, KeyError):
    """A stage name is not part of the pipeline it is used with."""

    code: ClassVar[str] = "unknown_stage"

    def __str__(self) -> str:
        # KeyError would otherwise repr() the message and wrap it in quotes.
        return str(self.args[0]) if self.args else ""


# ----- crediting (salescore.commission.crediting re-exports these four). Their ``__module__``
# stays the crediting one, where they were born, so tracebacks and reprs users have seen read
# the same (``salescore.commission.crediting.OverpaymentError: ...``).
class OverpaymentError(InvalidInputError):
    """A payment (or the running total of an invoice's payments) exceeds the invoice."""

    __module__ = "salescore.commission.crediting"
    code: ClassVar[str] = "overpayment"


class OverInvoicedError(InvalidInputError):
    """A deal's invoices add up to more than the deal amount."""

    __module__ = "salescore.commission.crediting"
    code: ClassVar[str] = "over_invoiced"


class UnknownDealError(InvalidInputError, KeyError):
    """An invoice, split or overlay names a deal that is not among the deals given."""

    __module__ = "salescore.commission.crediting"
    code: ClassVar[str] = "unknown_deal"

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownInvoiceError(InvalidInputError, KeyError):
    """A payment names an invoice that is not among the invoices given."""

    __module__ = "salescore.commission.crediting"
    code: ClassVar[str] = "unknown_invoice"

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class CurrencyMismatchError(SalescoreError, TypeError):
    """Amounts in different currencies were combined without an ``FxRates`` table."""

    code: ClassVar[str] = "currency_mismatch"


class MissingRateError(SalescoreError, LookupError):
    """An exchange rate needed for a conversion is not in the ``FxRates`` table."""

    code: ClassVar[str] = "missing_rate"


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

    code: ClassVar[str] = "frame_invalid"

    def __init__(
        self,
        message: str,
        failures: pd.DataFrame,
        *,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, params=params)
        self.failures = failures

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.args[0], self.failures), self.__dict__)
