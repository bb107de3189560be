"""The rules a frame must meet: :class:`Column`, the row-level checks, :class:`FrameContract`."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

import pandas as pd

from salescore._names import as_names
from salescore.error_codes import FailureReason
from salescore.errors import InvalidInputError

__all__ = [
    "KINDS",
    "REASONS",
    "Column",
    "DistinctCheck",
    "FrameContract",
    "Kind",
    "MagnitudeCheck",
    "OrderCheck",
    "RowCheck",
]


#: The kinds of value a column may hold.
Kind = Literal["string", "float", "int", "date", "datetime", "bool", "category"]

KINDS: Final[frozenset[str]] = frozenset(get_args(Kind))

#: Reason codes of the failure table, with what each one means (the frame
#: contract's members of :class:`~salescore.error_codes.FailureReason`).
REASONS: Final[Mapping[str, str]] = {
    r.value: r.en
    for r in (
        FailureReason.MISSING_COLUMN,
        FailureReason.NOT_NULL,
        FailureReason.WRONG_TYPE,
        FailureReason.NOT_FINITE,
        FailureReason.NEGATIVE,
        FailureReason.OUT_OF_RANGE,
        FailureReason.NOT_ALLOWED,
        FailureReason.UNKNOWN_CURRENCY,
        FailureReason.DUPLICATE,
        FailureReason.NAIVE_DATETIME,
        FailureReason.AWARE_DATE,
        FailureReason.ORDER,
        FailureReason.SAME_VALUE,
        FailureReason.TOO_LARGE,
    )
}


_NUMERIC_KINDS: Final = frozenset({"float", "int"})

_TEXT_KINDS: Final = frozenset({"string", "category"})


@dataclass(frozen=True, slots=True)
class Column:
    """One column rule of a :class:`FrameContract`.

    Parameters
    ----------
    name : str
        Column name.
    kind : {"string", "float", "int", "date", "datetime", "bool", "category"}
        What the values are; ``datetime`` means timezone-aware timestamps,
        ``date`` plain dates, ``category`` one of ``allowed``.
    required : bool
        The column must be present. An optional column must be nullable: when
        absent, validation adds it filled with nulls.
    nullable : bool
        Missing values (NaN, None, NaT) are allowed.
    non_negative : bool
        Numbers must be >= 0 (reason ``negative``).
    finite : bool
        Numbers must be finite (reason ``not_finite``); default True.
    bounds : tuple of (float, float), optional
        Closed range ``[lo, hi]`` numbers must lie in (reason ``out_of_range``).
    allowed : tuple of str, optional
        The values a ``string`` or ``category`` column may take
        (reason ``not_allowed``); required for ``category``.
    is_currency : bool
        Values must be active ISO 4217 codes (reason ``unknown_currency``).
    unique : bool
        Non-null values must not repeat (reason ``duplicate``; every copy is
        reported, since none of them can be told to be the right one).
    nonblank : bool
        For identifiers: an empty or whitespace-only string counts as missing.
    description : str
        What the column holds, with units.

    Examples
    --------
    >>> Column("probability", "float", required=False, nullable=True, bounds=(0.0, 1.0))
    Column(name='probability', kind='float', ...)
    >>> Column("amount", "money")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: column 'amount' kind 'money' is not one of ...
    """

    name: str
    kind: Kind
    required: bool = True
    nullable: bool = False
    non_negative: bool = False
    finite: bool = True
    bounds: tuple[float, float] | None = None
    allowed: tuple[str, ...] | None = None
    is_currency: bool = False
    unique: bool = False
    nonblank: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        where = f"column {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise InvalidInputError(f"column name {self.name!r} must be a non-empty string")
        if self.allowed is not None:
            object.__setattr__(self, "allowed", as_names(self.allowed, what=f"{where} allowed"))
        if self.kind not in KINDS:
            raise InvalidInputError(
                f"{where} kind {self.kind!r} is not one of {', '.join(sorted(KINDS))}"
            )
        if not self.required and not self.nullable:
            raise InvalidInputError(
                f"{where} is optional but not nullable; an absent optional column is "
                "filled with nulls, so it must be nullable"
            )
        if (self.bounds is not None or self.non_negative) and self.kind not in _NUMERIC_KINDS:
            raise InvalidInputError(f"{where} of kind {self.kind!r} cannot have numeric bounds")
        if self.bounds is not None:
            lo, hi = self.bounds
            if math.isnan(lo) or math.isnan(hi) or lo > hi:
                raise InvalidInputError(f"{where} bounds {self.bounds!r} must satisfy lo <= hi")
        if (self.allowed is not None or self.is_currency) and self.kind not in _TEXT_KINDS:
            raise InvalidInputError(
                f"{where} of kind {self.kind!r} cannot have allowed values or currency codes"
            )
        if self.kind == "category" and not self.allowed:
            raise InvalidInputError(f"{where} of kind 'category' needs its allowed values")
        if self.allowed is not None:
            object.__setattr__(self, "allowed", tuple(str(v) for v in self.allowed))

    @property
    def dtype(self) -> Any:
        """The canonical pandas dtype of the column after validation."""
        if self.kind == "category":
            return pd.CategoricalDtype(list(self.allowed or ()), ordered=False)
        return {
            "string": "str",
            "float": "float64",
            "int": "Int64" if self.nullable else "int64",
            "bool": "boolean" if self.nullable else "bool",
            "date": "datetime64[us]",
            "datetime": "datetime64[us, UTC]",
        }[self.kind]

    def rule(self, reason: FailureReason | str) -> str:
        """What this column allows, in words, for the failure ``reason``."""
        if reason == FailureReason.OUT_OF_RANGE and self.bounds is not None:
            return f"must lie in [{self.bounds[0]}, {self.bounds[1]}]"
        if reason == FailureReason.NOT_ALLOWED and self.allowed is not None:
            return "allowed: " + ", ".join(repr(v) for v in self.allowed)
        if reason == FailureReason.WRONG_TYPE:
            return f"expected {_KIND_WORDS[self.kind]}"
        return REASONS[reason]


_KIND_WORDS: Final[Mapping[str, str]] = {
    "string": "text",
    "float": "a number",
    "int": "a whole number",
    "date": "a date",
    "datetime": "a timezone-aware timestamp",
    "bool": "True or False",
    "category": "one of the allowed values",
}


@dataclass(frozen=True, slots=True)
class OrderCheck:
    """Row-level rule: ``later`` is on or after ``earlier`` (strictly after when ``strict``).

    Rows where either value is missing pass. A failure is reported on
    ``later`` with reason ``order``.

    Examples
    --------
    >>> OrderCheck("created_on", "close_date").describe()
    'close_date must be on or after created_on'
    """

    earlier: str
    later: str
    strict: bool = False

    @property
    def columns(self) -> tuple[str, str]:
        """The two columns compared."""
        return (self.earlier, self.later)

    @property
    def reason(self) -> str:
        """The failure reason code, ``order``."""
        return FailureReason.ORDER.value

    def describe(self) -> str:
        """The rule in words."""
        relation = "after" if self.strict else "on or after"
        return f"{self.later} must be {relation} {self.earlier}"


@dataclass(frozen=True, slots=True)
class DistinctCheck:
    """Row-level rule: ``first`` and ``second`` differ (a stage change must move).

    Rows where either value is missing pass. A failure is reported on
    ``second`` with reason ``same_value``.

    Examples
    --------
    >>> DistinctCheck("from_stage", "to_stage").describe()
    'to_stage must differ from from_stage'
    """

    first: str
    second: str

    @property
    def columns(self) -> tuple[str, str]:
        """The two columns compared."""
        return (self.first, self.second)

    @property
    def reason(self) -> str:
        """The failure reason code, ``same_value``."""
        return FailureReason.SAME_VALUE.value

    def describe(self) -> str:
        """The rule in words."""
        return f"{self.second} must differ from {self.first}"


@dataclass(frozen=True, slots=True)
class MagnitudeCheck:
    """Row-level rule: ``amount`` is held exactly as float64 minor units of ``currency``.

    ``|amount| * 10**minor_unit`` must stay below ``2**53`` (about 9.0e13 at
    two places). Rows where either value is missing or already failed pass. A
    failure is reported on ``amount`` with reason ``too_large``, so a bulk
    call reports the row instead of refusing the frame.

    Examples
    --------
    >>> MagnitudeCheck("amount", "currency").describe()
    'amount in minor units of currency must stay below 2**53 (what float64 holds exactly)'
    """

    amount: str
    currency: str

    @property
    def columns(self) -> tuple[str, str]:
        """The currency and the amount (the failure is reported on the amount)."""
        return (self.currency, self.amount)

    @property
    def reason(self) -> str:
        """The failure reason code, ``too_large``."""
        return FailureReason.TOO_LARGE.value

    def describe(self) -> str:
        """The rule in words."""
        return (
            f"{self.amount} in minor units of {self.currency} must stay below 2**53 "
            "(what float64 holds exactly)"
        )


RowCheck = OrderCheck | DistinctCheck | MagnitudeCheck


@dataclass(frozen=True)
class FrameContract:
    """The columns a frame must have and the row-level rules it must meet.

    Parameters
    ----------
    name : str
        Contract name, used in messages (``"opportunities"``).
    columns : tuple of Column
        Column rules; names unique.
    checks : tuple of OrderCheck, DistinctCheck or MagnitudeCheck
        Row-level rules over pairs of contract columns.
    description : str
        What one row is.

    Examples
    --------
    >>> c = FrameContract("deals", (Column("id", "string", unique=True),
    ...                             Column("amount", "float", non_negative=True)))
    >>> c.names, c["amount"].kind
    (('id', 'amount'), 'float')
    >>> c.extend(name="deals_with_region",
    ...          columns=(Column("region", "string", required=False, nullable=True),)).names
    ('id', 'amount', 'region')
    """

    name: str
    columns: tuple[Column, ...]
    checks: tuple[RowCheck, ...] = ()
    description: str = ""
    _by_name: Mapping[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "checks", tuple(self.checks))
        by_name: dict[str, Column] = {}
        for column in self.columns:
            if column.name in by_name:
                raise InvalidInputError(
                    f"contract {self.name!r} names column {column.name!r} twice; names are unique"
                )
            by_name[column.name] = column
        for check in self.checks:
            for name in check.columns:
                if name not in by_name:
                    raise InvalidInputError(
                        f"contract {self.name!r} check {check.describe()!r} uses unknown "
                        f"column {name!r}; known: {', '.join(by_name)}"
                    )
            kinds = {by_name[name].kind for name in check.columns}
            if isinstance(check, MagnitudeCheck):
                if [by_name[n].kind for n in check.columns] != ["string", "float"]:
                    raise InvalidInputError(
                        f"contract {self.name!r} check {check.describe()!r} needs a string "
                        f"currency column and a float amount column, got {sorted(kinds)}"
                    )
            elif len(kinds) > 1 and not kinds <= _TEXT_KINDS:
                raise InvalidInputError(
                    f"contract {self.name!r} check {check.describe()!r} compares columns "
                    f"of different kinds {sorted(kinds)}"
                )
        object.__setattr__(self, "_by_name", by_name)

    def __getitem__(self, name: str) -> Column:
        try:
            return self._by_name[name]
        except KeyError:
            raise InvalidInputError(
                f"contract {self.name!r} has no column {name!r}; columns: {', '.join(self.names)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in contract order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the columns that must be present."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def dtypes(self) -> dict[str, Any]:
        """Canonical dtype of every column after validation."""
        return {c.name: c.dtype for c in self.columns}

    def extend(
        self,
        *,
        name: str | None = None,
        columns: Iterable[Column] = (),
        checks: Iterable[RowCheck] = (),
        description: str | None = None,
    ) -> FrameContract:
        """A new contract with extra columns and checks (for a calculator's own frames)."""
        return FrameContract(
            name or self.name,
            (*self.columns, *columns),
            (*self.checks, *checks),
            self.description if description is None else description,
        )
