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
"""

from __future__ import annotations

import importlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, Final, Literal, TypeVar, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._base import FrozenModel
from salescore._failures import FAILURE_COLUMNS, empty_table
from salescore._names import as_names
from salescore.error_codes import FailureReason
from salescore.errors import FrameValidationError, InvalidInputError, UnknownStageError
from salescore.models import (
    Channel,
    ChannelKind,
    Direction,
    ForecastCategory,
    Metric,
    Opportunity,
    OwnerKind,
    Pipeline,
    Rep,
    Segment,
    StageChange,
    Target,
    Team,
)
from salescore.money import CURRENCIES

_pa: Any
_pc: Any
try:  # optional: the fast path of text columns (the same results without it)
    _pa = importlib.import_module("pyarrow")
    _pc = importlib.import_module("pyarrow.compute")
except ImportError:  # pragma: no cover - pyarrow comes with the dask extra
    _pa = _pc = None

__all__ = [
    "CHANNELS",
    "CONTRACTS",
    "CheckedFrame",
    "FAILURE_COLUMNS",
    "KINDS",
    "OPPORTUNITIES",
    "REASONS",
    "REPS",
    "STAGE_CHANGES",
    "TARGETS",
    "TEAMS",
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

M = TypeVar("M", bound=FrozenModel)
BoolArray = npt.NDArray[np.bool_]


# --------------------------------------------------------------------------- contracts
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


def _enum_values(enum: type[Enum]) -> tuple[str, ...]:
    return tuple(str(member.value) for member in enum)


def _id(name: str, description: str, *, unique: bool = False) -> Column:
    return Column(name, "string", unique=unique, nonblank=True, description=description)


def _text(name: str, description: str) -> Column:
    return Column(name, "string", required=False, nullable=True, description=description)


_FRACTION = (0.0, 1.0)

#: Opportunities (deals), one per row, matching :class:`~salescore.models.Opportunity`
#: (stage history goes in a separate :data:`STAGE_CHANGES` frame).
OPPORTUNITIES: Final = FrameContract(
    "opportunities",
    (
        _id("id", "unique deal id", unique=True),
        _id("owner_id", "id of the owning rep"),
        Column("amount", "float", non_negative=True, description="deal value [currency]"),
        Column("currency", "string", is_currency=True, description="ISO 4217 code of amount"),
        Column("stage", "string", description="current stage name"),
        Column("created_on", "date", description="date the deal was created"),
        Column(
            "expected_close_date",
            "date",
            required=False,
            nullable=True,
            description="date it is expected to close",
        ),
        Column(
            "close_date",
            "date",
            required=False,
            nullable=True,
            description="date it closed (won or lost)",
        ),
        _text("account_id", "the customer account"),
        _text("channel_id", "the sales channel"),
        _text("product", "product or product line"),
        Column(
            "probability",
            "float",
            required=False,
            nullable=True,
            bounds=_FRACTION,
            description="override of the stage's win probability [fraction]",
        ),
        Column(
            "forecast_category",
            "category",
            required=False,
            nullable=True,
            allowed=_enum_values(ForecastCategory),
            description="override of the stage's forecast category",
        ),
    ),
    (
        OrderCheck("created_on", "expected_close_date"),
        OrderCheck("created_on", "close_date"),
        MagnitudeCheck("amount", "currency"),
    ),
    "one deal per row",
)

#: Stage changes, one move per row, matching :class:`~salescore.models.StageChange`.
STAGE_CHANGES: Final = FrameContract(
    "stage_changes",
    (
        _id("opportunity_id", "the deal that moved"),
        Column(
            "from_stage",
            "string",
            required=False,
            nullable=True,
            description="stage left; null for the entry that creates the deal",
        ),
        Column("to_stage", "string", description="stage entered"),
        Column("changed_at", "datetime", description="when, timezone-aware (stored in UTC)"),
    ),
    (DistinctCheck("from_stage", "to_stage"),),
    "one stage move per row",
)

#: Reps, one per row, matching :class:`~salescore.models.Rep`; ``ramp`` is a JSON list.
REPS: Final = FrameContract(
    "reps",
    (
        _id("id", "unique rep id", unique=True),
        Column("name", "string", nonblank=True, description="display name"),
        _text("team_id", "the team they belong to"),
        _text("manager_id", "the rep who manages them"),
        Column("hire_date", "date", required=False, nullable=True, description="first day"),
        Column("leave_date", "date", required=False, nullable=True, description="last day"),
        Column(
            "capacity",
            "float",
            required=False,
            nullable=True,
            bounds=_FRACTION,
            description="share of full time [fraction]; null means 1",
        ),
        _text("ramp", "JSON list of ramp factors by month of tenure [fraction]"),
        _text("territory", "territory name"),
    ),
    (OrderCheck("hire_date", "leave_date"),),
    "one rep per row",
)

#: Teams, one per row, matching :class:`~salescore.models.Team`.
TEAMS: Final = FrameContract(
    "teams",
    (
        _id("id", "unique team id", unique=True),
        Column("name", "string", nonblank=True, description="display name"),
        _text("parent_id", "the team above; null at the top"),
    ),
    (DistinctCheck("id", "parent_id"),),
    "one team per row",
)

#: Channels, one per row, matching :class:`~salescore.models.Channel`.
CHANNELS: Final = FrameContract(
    "channels",
    (
        _id("id", "unique channel id", unique=True),
        Column("name", "string", nonblank=True, description="display name"),
        Column("kind", "category", allowed=_enum_values(ChannelKind), description="how it sells"),
        Column("segment", "category", allowed=_enum_values(Segment), description="B2B or B2C"),
        Column(
            "partner_commission_rate",
            "float",
            required=False,
            nullable=True,
            bounds=_FRACTION,
            description="share of revenue paid to the partner [fraction]",
        ),
    ),
    description="one channel per row",
)


def _optional(name: str, kind: Kind, description: str, **rules: Any) -> Column:
    return Column(name, kind, required=False, nullable=True, description=description, **rules)


#: Targets, one per row, matching :class:`~salescore.models.Target`: periods as
#: ``*_start``/``*_end`` date pairs, the owner as ``owner_kind``/``owner_id``
#: and ``scope`` as a JSON object.
TARGETS: Final = FrameContract(
    "targets",
    (
        _id("id", "unique target id", unique=True),
        _text("name", "display name"),
        _optional("metric", "category", "what is measured", allowed=_enum_values(Metric)),
        _text("custom_metric", "name of a custom metric"),
        _optional("value", "float", "goal value [currency, fraction or count]"),
        _optional("currency", "string", "ISO 4217 code for money metrics", is_currency=True),
        _text("unit", "unit of non-money metrics"),
        _optional("direction", "category", "which way is success", allowed=_enum_values(Direction)),
        _optional("baseline_value", "float", "value measured against"),
        _optional("baseline_period_start", "date", "first day of the baseline period"),
        _optional("baseline_period_end", "date", "first day after the baseline period"),
        _optional("period_start", "date", "first day of the period"),
        _optional("period_end", "date", "first day after the period"),
        _optional("owner_kind", "category", "who owns it", allowed=_enum_values(OwnerKind)),
        _text("owner_id", "id of the owner"),
        _text("scope", "JSON object narrowing the target, e.g. product line"),
        _text("parent_id", "target this one was decomposed from"),
        _text("description", "free text"),
    ),
    (
        OrderCheck("period_start", "period_end", strict=True),
        OrderCheck("baseline_period_start", "baseline_period_end", strict=True),
    ),
    "one target per row",
)

#: Every built-in contract by name.
CONTRACTS: Final[Mapping[str, FrameContract]] = {
    c.name: c for c in (OPPORTUNITIES, STAGE_CHANGES, REPS, TEAMS, CHANNELS, TARGETS)
}


# --------------------------------------------------------------------------- validation
@dataclass
class _Finding:
    column: str
    reason: str
    positions: npt.NDArray[np.intp]
    rule: str


class _FirstFailureError(Exception):
    """Internal: stop at the first failing check (``lazy=False``)."""


@dataclass
class _Run:
    df: pd.DataFrame
    contract: FrameContract
    lazy: bool
    findings: list[_Finding] = field(default_factory=list)
    #: Per checked text column: its row codes and distinct canonical strings.
    codes: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[Any]]] = field(default_factory=dict)

    def add(
        self,
        column: str,
        reason: FailureReason,
        mask: BoolArray | None,
        rule: str,
        *,
        frame: bool = False,
    ) -> None:
        if frame:
            positions = np.array([-1], dtype=np.intp)
        else:
            assert mask is not None
            if not mask.any():
                return
            positions = np.flatnonzero(mask)
        self.findings.append(_Finding(column, FailureReason(reason).value, positions, rule))
        if not self.lazy:
            raise _FirstFailureError

    def fail(self, column: Column, reason: FailureReason, mask: BoolArray) -> None:
        """Record the rows of ``mask`` as failing ``column`` for ``reason``, with its rule."""
        self.add(column.name, reason, mask, column.rule(reason))


def _bool(values: Any) -> BoolArray:
    return np.asarray(values, dtype=np.bool_)


def _nulls(series: pd.Series[Any]) -> BoolArray:
    return _bool(series.isna())


def _is_object_like(dtype: Any) -> bool:
    return pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)


_CANONICAL_STR: Final = pd.StringDtype(na_value=np.nan)

#: Text columns run on pyarrow arrays when pandas keeps canonical text in pyarrow
#: (pyarrow is optional: without it the same checks run on numpy object arrays and
#: give the same results; tests switch this off to check that).
_ARROW: bool = _pa is not None and _CANONICAL_STR.storage == "pyarrow"


def _arrow_text(s: pd.Series[Any]) -> Any | None:
    """The pyarrow ``large_string`` chunked array behind a text column, or ``None``."""
    dtype = s.dtype
    if not _ARROW or not (
        (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or _is_arrow_text(dtype)
    ):
        return None
    arr = s.array.__arrow_array__()
    return arr if _pa.types.is_large_string(arr.type) else arr.cast(_pa.large_string())


def _is_arrow_text(dtype: Any) -> bool:
    return isinstance(dtype, pd.ArrowDtype) and (
        _pa is not None
        and (
            _pa.types.is_string(dtype.pyarrow_dtype)
            or _pa.types.is_large_string(dtype.pyarrow_dtype)
        )
    )


def _readable_objects(s: pd.Series[Any], column: Column, run: _Run) -> pd.Series[Any]:
    """A mixed object column as canonical text: str and whole numbers kept, the rest refused."""

    def readable(v: object) -> bool:
        return isinstance(v, str | int | np.integer) and not isinstance(v, bool | np.bool_)

    ok = _bool([readable(v) for v in s.to_numpy()]) | _nulls(s)
    run.fail(column, FailureReason.WRONG_TYPE, ~ok)
    return s.where(ok).astype(_CANONICAL_STR)


def _spread(per_value: BoolArray, codes: npt.NDArray[np.intp]) -> BoolArray:
    """Map a mask over distinct values back to rows; null rows (code -1) get False."""
    return np.append(per_value, False)[codes]


def _blank(distinct: npt.NDArray[Any]) -> BoolArray:
    """Which strings are empty or whitespace-only (as ``str.strip`` sees them)."""
    # Only a string starting below "!" or outside ASCII can be blank: two vectorised
    # comparisons pick the candidates, and only those are stripped in Python.
    with np.errstate(all="ignore"):
        candidates = np.flatnonzero(_bool(distinct < "!") | _bool(distinct >= "\x7f"))
    return _strip_blank(distinct, candidates)


def _strip_blank(distinct: Any, candidates: npt.NDArray[np.intp]) -> BoolArray:
    out = np.zeros(len(distinct), bool)
    out[candidates] = [not str(distinct[i]).strip() for i in candidates]
    return out


def _arrow_blank(arr: Any) -> BoolArray:
    """:func:`_blank` of a pyarrow string array (null -> False), compared in Arrow.

    UTF-8 orders bytes as code points, so the two comparisons pick the same
    candidates as Python's; only those are stripped in Python.
    """
    lo = _pc.less(arr, "!")
    hi = _pc.greater_equal(arr, "\x7f")
    mask = _pc.fill_null(_pc.or_(lo, hi), False)
    candidates = np.flatnonzero(np.asarray(mask.to_numpy(zero_copy_only=False), dtype=np.bool_))
    if not candidates.size:
        return np.zeros(len(arr), bool)
    picked = arr.take(_pa.array(candidates)).to_pylist()
    out = np.zeros(len(arr), bool)
    out[candidates] = [not v.strip() for v in picked]
    return out


def _dictionary_checks(
    codes: npt.NDArray[np.intp], distinct: npt.NDArray[Any], column: Column, run: _Run
) -> tuple[BoolArray, BoolArray | None]:
    """Every text check on the distinct values, spread to rows through the codes.

    ``codes`` are row positions into ``distinct`` (-1 for null), ``distinct``
    the canonical strings, each once. Returns the null mask (blanks included)
    and the blank mask (``None`` when there is none).
    """
    null = codes < 0
    blank: BoolArray | None = None
    if column.nonblank:
        per_value = _blank(distinct)
        if per_value.any():
            blank = _spread(per_value, codes)
            null = null | blank
    present = ~null
    if column.allowed is not None:
        bad = _spread(~_bool(pd.Index(distinct, dtype=object).isin(column.allowed)), codes)
        run.fail(column, FailureReason.NOT_ALLOWED, bad & present)
    if column.is_currency:
        bad = _spread(~_bool(pd.Index(distinct, dtype=object).isin(list(CURRENCIES))), codes)
        run.fail(column, FailureReason.UNKNOWN_CURRENCY, bad & present)
    if column.unique:
        # Uniqueness is a count of codes: no row is hashed twice.
        counts = np.bincount(codes[codes >= 0], minlength=len(distinct))
        run.fail(column, FailureReason.DUPLICATE, _spread(counts > 1, codes) & present)
    run.codes[column.name] = (codes, distinct)
    return null, blank


def _take(
    distinct: npt.NDArray[Any],
    codes: npt.NDArray[np.intp],
    index: pd.Index[Any],
    dictionary: Any | None = None,
) -> pd.Series[Any]:
    """The canonical text column ``distinct[codes]`` (code -1 -> null), built by a take.

    ``dictionary`` is ``distinct`` as a pyarrow array when the caller has one.
    """
    if _ARROW:
        if dictionary is None:
            dictionary = _pa.array(distinct, type=_pa.large_string(), from_pandas=True)
        taken = dictionary.take(_pa.array(codes, mask=codes < 0))
        return pd.Series(pd.array(taken, dtype=_CANONICAL_STR), index=index)
    cells = np.append(np.asarray(distinct, dtype=object), np.nan)[codes]
    return pd.Series(cells, index=index, dtype=object).astype(_CANONICAL_STR)


def _needs_codes(column: Column) -> bool:
    return column.allowed is not None or column.is_currency or column.unique


def _dedupe(
    codes: npt.NDArray[np.intp], texts: npt.NDArray[Any]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[Any]]:
    """Codes into distinct strings when several values read as the same text (1 and "1")."""
    again, distinct = pd.factorize(texts)
    return np.append(again, -1)[codes], np.asarray(distinct, dtype=object)


def _text_column(
    s: pd.Series[Any], column: Column, run: _Run
) -> tuple[pd.Series[Any], BoolArray | None]:
    """A ``string`` column: canonical text, its checks, and its null mask.

    The input is read once into integer codes plus a dictionary of distinct
    strings (categorical codes as given, ``pd.factorize`` of integers or
    object strings, Arrow's ``dictionary_encode``); blank, allowed, currency
    and uniqueness checks run on the dictionary, uniqueness as a ``bincount``
    of the codes, and the canonical column is a take from the dictionary. A
    column with nothing to check that way (only blanks, or nothing) is not
    hashed at all. The null mask is ``None`` when no check needed it (a
    nullable column without rules), which saves a pass over the column.
    """
    checked = column.nonblank or _needs_codes(column)
    arr = _arrow_text(s)
    if (
        arr is None
        and pd.api.types.is_object_dtype(s.dtype)
        and pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty")
    ):
        # Mixed objects: text and whole numbers (ids read as ints) are accepted.
        s = _readable_objects(s, column, run)
        arr = _arrow_text(s)
    if arr is None and (isinstance(s.dtype, pd.StringDtype) or _is_arrow_text(s.dtype)):
        # Text without pyarrow (or kept in Python): read as object strings.
        s = pd.Series(s.to_numpy(dtype=object, na_value=np.nan), index=s.index, dtype=object)
    dtype = s.dtype
    if arr is not None:
        return _arrow_checked(s, arr, column, run)
    if isinstance(dtype, pd.CategoricalDtype):
        # The categories are read as text once; the rows keep their codes.
        codes = np.asarray(s.cat.codes.to_numpy(), dtype=np.intp)
        categories = dtype.categories
        dictionary = None
        if isinstance(categories.dtype, pd.StringDtype) or (
            pd.api.types.infer_dtype(categories) == "string"
        ):
            # Text categories are the dictionary as they stand: distinct, never null.
            distinct = categories.to_numpy(dtype=object)
            dictionary = _arrow_text(pd.Series(categories.array))
        else:
            each = pd.Categorical.from_codes(np.arange(len(categories)), dtype=dtype)
            texts = pd.Series(each).astype(object).astype(_CANONICAL_STR).to_numpy(dtype=object)
            codes, distinct = _dedupe(codes, texts)
        null, blank = _dictionary_checks(codes, distinct, column, run)
        if blank is not None:
            codes = np.where(blank, -1, codes)
        return _take(distinct, codes, s.index, dictionary), null
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        # Whole numbers read as their decimal text, which is never blank and tells
        # two numbers apart exactly when the numbers differ: hash the numbers.
        values = s.astype(_CANONICAL_STR)
        if not _needs_codes(column):
            return values, (None if column.nullable and not checked else _nulls(s))
        codes, uniques = pd.factorize(s.array)
        texts = pd.Series(uniques).astype(_CANONICAL_STR).to_numpy(dtype=object)
        null, _ = _dictionary_checks(np.asarray(codes, dtype=np.intp), texts, column, run)
        return values, null
    if not pd.api.types.is_object_dtype(dtype):
        run.fail(column, FailureReason.WRONG_TYPE, ~_nulls(s))
        return pd.Series(np.nan, index=s.index, dtype=_CANONICAL_STR), np.ones(len(s), bool)
    # Object strings (nulls as None, NaN or NA).
    cells = s.to_numpy(dtype=object)
    if _needs_codes(column):
        codes, uniques = pd.factorize(cells)
        codes = np.asarray(codes, dtype=np.intp)
        distinct = np.asarray(uniques, dtype=object)
        null, blank = _dictionary_checks(codes, distinct, column, run)
        if blank is not None:
            codes = np.where(blank, -1, codes)
        return _take(distinct, codes, s.index), null
    values = s.astype(_CANONICAL_STR)
    if not column.nonblank:
        return values, (None if column.nullable else _nulls(values))
    # Only the blank check: two vectorised comparisons per row beat hashing a
    # column of many distinct ids (10M random deal ids: 0.2 s against 3.2 s).
    null = _nulls(s)
    filled = np.flatnonzero(~null)
    blank_filled = _blank(cells[filled])
    if blank_filled.any():
        blank_rows = np.zeros(len(s), dtype=np.bool_)
        blank_rows[filled[blank_filled]] = True
        null = null | blank_rows
        values = values.where(~blank_rows)
    return values, null


def _arrow_checked(
    s: pd.Series[Any], arr: Any, column: Column, run: _Run
) -> tuple[pd.Series[Any], BoolArray | None]:
    """:func:`_text_column` of a pyarrow-backed column: encoded and checked in Arrow."""
    if s.dtype == _CANONICAL_STR:
        values = s
    else:
        values = pd.Series(pd.array(arr, dtype=_CANONICAL_STR), index=s.index)
    if _needs_codes(column):
        encoded = _pc.dictionary_encode(arr.combine_chunks())
        codes = np.asarray(
            _pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), dtype=np.intp
        )
        distinct = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
        null, blank = _dictionary_checks(codes, distinct, column, run)
    elif column.nonblank:
        null = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=np.bool_)
        blank = _arrow_blank(arr)
        null = null | blank
        blank = blank if blank.any() else None
    else:
        return values, (None if column.nullable else _nulls(values))
    if blank is not None:
        values = values.where(~blank)
    return values, null


def _coerce_float(s: pd.Series[Any], column: Column, run: _Run) -> npt.NDArray[np.float64]:
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype) or not (
        pd.api.types.is_numeric_dtype(dtype) or _is_object_like(dtype)
    ):
        run.fail(column, FailureReason.WRONG_TYPE, ~_nulls(s))
        return np.full(len(s), np.nan)
    if pd.api.types.is_numeric_dtype(dtype):
        return np.asarray(s.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    numbers = np.asarray(
        pd.to_numeric(s.astype(object), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        ),
        dtype=np.float64,
    )
    run.fail(column, FailureReason.WRONG_TYPE, np.isnan(numbers) & ~_nulls(s))
    return numbers


def _check_numbers(arr: npt.NDArray[np.float64], column: Column, run: _Run) -> None:
    infinite = np.isinf(arr)
    if column.finite:
        run.fail(column, FailureReason.NOT_FINITE, infinite)
    with np.errstate(invalid="ignore"):
        if column.non_negative:
            run.fail(column, FailureReason.NEGATIVE, arr < 0)
        if column.bounds is not None:
            lo, hi = column.bounds
            run.fail(column, FailureReason.OUT_OF_RANGE, (arr < lo) | (arr > hi))


def _coerce_int(s: pd.Series[Any], column: Column, run: _Run) -> pd.Series[Any]:
    dtype = s.dtype
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        values = s.astype("Int64")
        _check_numbers(np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan)), column, run)
        return values
    arr = _coerce_float(s, column, run)
    with np.errstate(invalid="ignore"):
        fractional = np.isfinite(arr) & (arr != np.floor(arr))
    run.fail(column, FailureReason.WRONG_TYPE, fractional)
    _check_numbers(arr, column, run)
    arr = np.where(fractional | np.isinf(arr), np.nan, arr)
    return pd.Series(arr, index=s.index, dtype=np.float64).astype("Int64")


def _coerce_bool(s: pd.Series[Any], column: Column, run: _Run) -> pd.Series[Any]:
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return s.astype("boolean")
    null = _nulls(s)
    if pd.api.types.is_object_dtype(dtype):
        ok = _bool([isinstance(v, bool | np.bool_) for v in s.to_numpy()]) | null
    else:
        ok = null
    run.fail(column, FailureReason.WRONG_TYPE, ~ok)
    return s.where(ok).astype(object).astype("boolean")


def _coerce_category(
    s: pd.Series[Any], column: Column, run: _Run
) -> tuple[pd.Series[Any], BoolArray]:
    dtype = column.dtype
    allowed = pd.Index(list(column.allowed or ()), dtype=object)
    arr = _arrow_text(s)
    if isinstance(s.dtype, pd.CategoricalDtype):
        # Already categorical: reuse its codes, no hashing of the rows.
        codes = np.asarray(s.cat.codes.to_numpy(), dtype=np.intp)
        distinct = np.asarray(s.cat.categories.astype(object), dtype=object)
    elif arr is not None:
        encoded = _pc.dictionary_encode(arr.combine_chunks())
        codes = np.asarray(
            _pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), dtype=np.intp
        )
        distinct = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    else:
        codes, uniques = pd.factorize(s.to_numpy(dtype=object))
        distinct = np.asarray(uniques, dtype=object)
    null = codes < 0
    mapped = np.append(allowed.get_indexer(pd.Index(distinct, dtype=object)), -1)[codes]
    run.fail(column, FailureReason.NOT_ALLOWED, (mapped < 0) & ~null)
    values = pd.Series(pd.Categorical.from_codes(mapped, dtype=dtype), index=s.index)
    return values, null


_US_PER_DAY: Final = 86_400 * 10**6


def _wall_utc(values: pd.Series[Any]) -> tuple[pd.Series[Any], BoolArray]:
    """Typed timestamps as naive UTC wall times in microseconds, plus which were aware."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        aware = _bool(values.notna())
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    else:
        aware = np.zeros(len(values), bool)
    return values.dt.as_unit("us"), aware


def _parse_objects(s: pd.Series[Any]) -> tuple[pd.Series[Any], BoolArray, BoolArray]:
    """Read object/str cells as timestamps: (naive UTC wall times, aware mask, unreadable mask)."""
    inferred = pd.api.types.infer_dtype(s, skipna=True)
    if inferred in ("date", "datetime", "datetime64", "string", "empty"):
        try:
            kwargs: dict[str, Any] = {"format": "ISO8601"} if inferred == "string" else {}
            parsed = pd.to_datetime(s.astype(object), **kwargs)
        except (ValueError, TypeError, OverflowError):
            pass  # mixed zones or unreadable cells: read them one by one below
        else:
            return (*_wall_utc(parsed), np.zeros(len(s), bool))
    stamps: list[Any] = []
    aware = np.zeros(len(s), bool)
    bad = np.zeros(len(s), bool)
    for i, v in enumerate(s.to_numpy()):
        stamp: Any = pd.NaT
        if isinstance(v, str | date | np.datetime64) and not pd.isna(v):
            try:
                stamp = pd.Timestamp(v)
            except (ValueError, TypeError, OverflowError):
                bad[i] = True
        elif not pd.isna(v):
            bad[i] = True
        if stamp is not pd.NaT and stamp.tzinfo is not None:
            aware[i] = True
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        stamps.append(stamp)
    values = pd.Series(pd.to_datetime(stamps), index=s.index, dtype="datetime64[us]")
    return values, aware, bad


def _coerce_temporal(s: pd.Series[Any], column: Column, run: _Run) -> pd.Series[Any]:
    dtype = s.dtype
    null = _nulls(s)
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        values, aware = _wall_utc(s)
    elif _is_object_like(dtype):
        values, aware, unreadable = _parse_objects(s)
        run.fail(column, FailureReason.WRONG_TYPE, unreadable)
        null = null | unreadable
    else:
        run.fail(column, FailureReason.WRONG_TYPE, ~null)
        empty = "datetime64[us, UTC]" if column.kind == "datetime" else "datetime64[us]"
        return pd.Series(pd.NaT, index=s.index, dtype=empty)
    present = ~null
    if column.kind == "date":
        # A time of day (or a zone) on a date is refused, not silently truncated.
        ticks = values.to_numpy().astype(np.int64)
        wrong = (aware | (ticks % _US_PER_DAY != 0)) & present
        run.fail(column, FailureReason.AWARE_DATE, wrong)
        dates: pd.Series[Any] = values.where(~wrong)
        return dates
    run.fail(column, FailureReason.NAIVE_DATETIME, ~aware & present)
    stamps: pd.Series[Any] = values.where(aware).dt.tz_localize("UTC")
    return stamps


def _check_rows(run: _Run, coerced: dict[str, pd.Series[Any]], broken: BoolArray) -> None:
    for check in run.contract.checks:
        a, b = (coerced[name] for name in check.columns)
        ok = _bool(a.notna() & b.notna()) & ~broken
        if isinstance(check, MagnitudeCheck):
            places = _minor_units(run, check.columns[0], a)
            with np.errstate(invalid="ignore"):
                amounts = np.abs(b.to_numpy(dtype=np.float64, na_value=np.nan))
                bad = np.nan_to_num(amounts * 10.0**places, nan=0.0) >= 2.0**53
        elif isinstance(check, OrderCheck):
            bad = _bool(b <= a) if check.strict else _bool(b < a)
        elif a.dtype == _CANONICAL_STR and b.dtype == _CANONICAL_STR:
            bad = _bool(a.array == b.array)  # nulls compare unequal, as objects do
        else:
            bad = _bool(a.astype(object) == b.astype(object))
        run.add(check.columns[1], FailureReason(check.reason), bad & ok, check.describe())


def _minor_units(run: _Run, name: str, codes_of: pd.Series[Any]) -> npt.NDArray[np.float64]:
    """Minor units of each row's currency (NaN when unknown), looked up once per code."""
    if name not in run.codes:
        return np.asarray(codes_of.map(CURRENCIES.get).astype(np.float64).to_numpy())
    codes, distinct = run.codes[name]
    places = np.array([CURRENCIES.get(str(d), np.nan) for d in distinct] + [np.nan])
    return np.asarray(places[codes], dtype=np.float64)


#: The dtype an absent optional column is filled with before its coercion.
_ABSENT: Final[Mapping[str, Any]] = {
    "string": _CANONICAL_STR,
    "float": np.float64,
    "date": "datetime64[us]",
    "datetime": "datetime64[us]",
}


def _run(df: pd.DataFrame, contract: FrameContract, lazy: bool) -> tuple[pd.DataFrame, _Run]:
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(
            f"expected a pandas DataFrame for contract {contract.name!r}, got {type(df).__name__}"
        )
    if not df.columns.is_unique:
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise InvalidInputError(
            f"frame for contract {contract.name!r} has duplicate column names {dupes}; "
            "column names must be unique"
        )
    run = _Run(df, contract, lazy)
    out = df.copy(deep=False)
    coerced: dict[str, pd.Series[Any]] = {}
    try:
        for column in contract.columns:
            if column.name not in df.columns and column.required:
                missing = FailureReason.MISSING_COLUMN
                run.add(column.name, missing, None, REASONS[missing], frame=True)
        for column in contract.columns:
            if column.name not in df.columns:
                if column.required:
                    continue
                # Nulls of the column's own kind: nothing to parse or convert row by row.
                source: pd.Series[Any] = pd.Series(
                    np.nan, index=df.index, dtype=_ABSENT.get(column.kind, object)
                )
            else:
                source = df[column.name]
            coerced[column.name] = _coerce(source, column, run)
        broken = np.zeros(len(df), bool)
        for finding in run.findings:
            if finding.positions.size and finding.positions[0] >= 0:
                broken[finding.positions] = True
        if all(name in coerced for check in contract.checks for name in check.columns):
            _check_rows(run, coerced, broken)
    except _FirstFailureError:
        pass
    for name, values in coerced.items():
        out[name] = values
    return out, run


def _coerce(source: pd.Series[Any], column: Column, run: _Run) -> pd.Series[Any]:
    values: pd.Series[Any]
    null: BoolArray | None
    if column.kind == "string":
        values, null = _text_column(source, column, run)
    elif column.kind == "float":
        arr = _coerce_float(source, column, run)
        _check_numbers(arr, column, run)
        values = pd.Series(arr, index=source.index, dtype=np.float64)
        null = np.isnan(arr)
    elif column.kind == "int":
        values = _coerce_int(source, column, run)
        null = _nulls(values)
    elif column.kind == "bool":
        values = _coerce_bool(source, column, run)
        null = _nulls(values)
    elif column.kind == "category":
        values, null = _coerce_category(source, column, run)
    else:
        values = _coerce_temporal(source, column, run)
        null = _nulls(source)
    if not column.nullable:
        assert null is not None
        # A value already reported (wrong type, blank, ...) is not reported again as missing.
        reported = np.zeros(len(source), bool)
        for finding in run.findings:
            if finding.column == column.name:
                reported[finding.positions] = True
        run.fail(column, FailureReason.NOT_NULL, null & ~reported)
    return values


def empty_failures() -> pd.DataFrame:
    """An empty failure table (columns ``row``, ``column``, ``value``, ``reason``).

    Examples
    --------
    >>> list(empty_failures().columns)
    ['row', 'column', 'value', 'reason']
    """
    return empty_table()


def _failure_table(run: _Run) -> pd.DataFrame:
    if not run.findings:
        return empty_failures()
    parts = []
    index = run.df.index
    for f in run.findings:
        if f.positions[0] < 0:
            rows: npt.NDArray[Any] = np.array([None], dtype=object)
            values: npt.NDArray[Any] = np.array([None], dtype=object)
        else:
            # A row-level finding always concerns a column present in the input.
            rows = np.asarray(index.take(f.positions), dtype=object)
            values = np.asarray(run.df[f.column].iloc[f.positions].astype(object), dtype=object)
        n = len(rows)
        parts.append(
            pd.DataFrame(
                {
                    "row": rows,
                    "column": np.full(n, f.column, dtype=object),
                    "value": values,
                    "reason": np.full(n, f.reason, dtype=object),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _plain(value: Any) -> Any:
    """A numpy scalar as its Python equivalent, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


def _message(run: _Run, failures: pd.DataFrame) -> str:
    rows = failures["row"]
    n_rows = rows[rows.notna()].nunique()
    pieces = []
    for f in run.findings:
        if f.positions[0] < 0:
            pieces.append(f"column {f.column!r} is missing ({f.rule})")
            continue
        first = int(f.positions[0])
        label = run.df.index[first]
        value = _plain(run.df[f.column].iloc[first])
        count = len(f.positions)
        pieces.append(
            f"{f.column} {f.reason} in {count} row{'s' if count != 1 else ''} "
            f"(e.g. row {label!r}: {value!r}; {f.rule})"
        )
    total = len(failures)
    return (
        f"{run.contract.name} frame failed validation with {total} "
        f"failure{'s' if total != 1 else ''} in {n_rows} row{'s' if n_rows != 1 else ''}: "
        + "; ".join(pieces)
    )


def _finalize(frame: pd.DataFrame, contract: FrameContract) -> pd.DataFrame:
    """Cast non-nullable int/bool columns to their plain numpy dtypes."""
    for column in contract.columns:
        if column.kind in ("int", "bool") and not column.nullable:
            frame[column.name] = frame[column.name].astype(column.dtype)
    return frame


def validate_frame(
    df: pd.DataFrame | CheckedFrame, contract: FrameContract, *, lazy: bool = True
) -> pd.DataFrame:
    """Check ``df`` against ``contract`` and return a coerced copy.

    Every check is vectorised over the whole frame. The input is never
    mutated; the copy keeps its index, its row order and any extra columns,
    converts contract columns to their canonical dtypes (see the module
    docstring) and adds absent optional columns filled with nulls.

    Parameters
    ----------
    df : pandas.DataFrame or CheckedFrame
        The frame to check. A :class:`CheckedFrame` of the same contract has
        passed already and comes back at once (a copy-on-write view).
    contract : FrameContract
        Its rules, e.g. :data:`OPPORTUNITIES`.
    lazy : bool
        Collect every failure (default); with ``False``, stop at the first
        failing check and report just its failures.

    Returns
    -------
    pandas.DataFrame
        The coerced copy.

    Raises
    ------
    FrameValidationError
        With ``failures``: one row per failing cell (``row``, ``column``,
        ``value`` as given, ``reason``); the message summarises each failing
        check with an example value and what is allowed.
    InvalidInputError
        ``df`` is not a DataFrame or has duplicate column names.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"opportunity_id": ["D1", "D1"], "from_stage": [None, "Qualify"],
    ...                    "to_stage": ["Qualify", "Won"],
    ...                    "changed_at": pd.to_datetime(["2026-01-05 09:00+08:00",
    ...                                                  "2026-02-01 10:00+08:00"])})
    >>> validate_frame(df, STAGE_CHANGES)["changed_at"].dt.strftime("%Y-%m-%d %H:%M %Z").tolist()
    ['2026-01-05 01:00 UTC', '2026-02-01 02:00 UTC']
    >>> validate_frame(df.assign(changed_at=["2026-01-05 09:00", None]), STAGE_CHANGES)
    Traceback (most recent call last):
    ...
    salescore.errors.FrameValidationError: stage_changes frame failed validation with 2 failures
    in 2 rows: changed_at naive_datetime in 1 row (e.g. row 0: '2026-01-05 09:00'; timestamps
    must be timezone-aware); changed_at not_null in 1 row (e.g. row 1: nan; a value is required)
    """
    if isinstance(df, CheckedFrame):
        if df.contract == contract:
            return df.frame
        df = df.frame
    out, run = _run(df, contract, lazy)
    if run.findings:
        failures = _failure_table(run)
        raise FrameValidationError(_message(run, failures), failures)
    return _finalize(out, contract)


def partition_frame(
    df: pd.DataFrame | CheckedFrame, contract: FrameContract
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``df`` into its valid rows (coerced) and a failure table for the rest.

    For bulk calculators that report bad rows beside their result instead of
    refusing the whole frame: every input row is either in ``valid`` or named
    in ``failures`` (possibly several times, once per failing check).

    Parameters
    ----------
    df : pandas.DataFrame or CheckedFrame
        The frame to check. A :class:`CheckedFrame` of the same contract is
        all valid rows, with no failures, without checking again.
    contract : FrameContract
        Its rules.

    Returns
    -------
    valid : pandas.DataFrame
        The rows that pass every check, coerced as by :func:`validate_frame`,
        with their index labels.
    failures : pandas.DataFrame
        Columns ``row``, ``column``, ``value``, ``reason``; empty when all pass.

    Raises
    ------
    FrameValidationError
        A required column is missing: no row can be checked.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["A", "B", "C"], "name": ["Direct", "Tmall", "Web"],
    ...                    "kind": ["direct", "marketplace", "telepathy"],
    ...                    "segment": ["B2B", "B2C", "B2C"]}, index=[10, 11, 12])
    >>> valid, failures = partition_frame(df, CHANNELS)
    >>> valid.index.tolist()
    [10, 11]
    >>> print(failures.to_string(index=False))
    row column     value      reason
     12   kind telepathy not_allowed
    """
    if isinstance(df, CheckedFrame):
        if df.contract == contract:
            return df.frame, empty_failures()
        df = df.frame
    out, run = _run(df, contract, lazy=True)
    failures = _failure_table(run)
    if any(f.reason == FailureReason.MISSING_COLUMN for f in run.findings):
        raise FrameValidationError(_message(run, failures), failures)
    bad = np.zeros(len(df), bool)
    for f in run.findings:
        bad[f.positions] = True
    return _finalize(out.iloc[np.flatnonzero(~bad)], contract), failures


# --------------------------------------------------------------------------- checked once
class CheckedFrame:
    """A frame that passed its contract, to hand to several calculators.

    Every bulk calculator checks the frames it is given. A caller who runs
    several of them on the same data (a notebook, a review pack) checks once
    with :meth:`of` and passes the result wherever the contract's frame is
    accepted: :func:`validate_frame` and :func:`partition_frame` return its
    rows at once instead of checking again. The checked frame cannot go
    stale: :attr:`frame` hands out a copy-on-write view, so changing it
    never changes what was checked, and the row subsets and added columns
    that keep a frame valid (:meth:`rows`, :meth:`assign`) are the only ways
    to derive another ``CheckedFrame``.

    Bad rows are not kept: :meth:`of` raises as :func:`validate_frame` does.
    To report bad rows and go on with the rest, split first with
    :func:`partition_frame` and check its ``valid`` part.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["D1", "D2"], "owner_id": ["R1", "R2"],
    ...                    "amount": [1200.0, 800.0], "currency": ["CNY", "CNY"],
    ...                    "stage": ["Qualify", "Won"],
    ...                    "created_on": pd.to_datetime(["2026-01-05", "2026-02-01"])})
    >>> checked = CheckedFrame.of(df, OPPORTUNITIES)
    >>> len(checked), checked.contract.name
    (2, 'opportunities')
    >>> validate_frame(checked, OPPORTUNITIES)["amount"].tolist()  # not checked again
    [1200.0, 800.0]
    >>> east = checked.rows(checked.frame["owner_id"] == "R1").assign(team_id=["east"])
    >>> east.frame[["id", "team_id"]].values.tolist()
    [['D1', 'east']]
    >>> checked.assign(amount=[1.0, 2.0])
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: assign may add columns outside contract 'opportunities', ...
    """

    __slots__ = ("_contract", "_frame")
    _contract: FrameContract
    _frame: pd.DataFrame

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise InvalidInputError(
            "a CheckedFrame comes from CheckedFrame.of(frame, contract), which checks it"
        )

    @classmethod
    def _trusted(cls, frame: pd.DataFrame, contract: FrameContract) -> CheckedFrame:
        made = object.__new__(cls)
        object.__setattr__(made, "_frame", frame)
        object.__setattr__(made, "_contract", contract)
        return made

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a CheckedFrame is immutable; cannot set {name!r}")

    def __reduce__(self) -> tuple[Any, tuple[pd.DataFrame, FrameContract]]:
        # Pickled rows were checked when pickled (for Dask workers and copies).
        return (CheckedFrame._trusted, (self._frame, self._contract))

    @classmethod
    def of(cls, df: pd.DataFrame | CheckedFrame, contract: FrameContract) -> CheckedFrame:
        """Check ``df`` against ``contract`` once (as :func:`validate_frame`).

        Raises
        ------
        FrameValidationError
            Any row fails the contract (the failure table names each).
        """
        if isinstance(df, CheckedFrame) and df.contract == contract:
            return df
        return cls._trusted(validate_frame(df, contract), contract)

    @property
    def contract(self) -> FrameContract:
        """The contract every row passed."""
        return self._contract

    @property
    def frame(self) -> pd.DataFrame:
        """The checked rows, coerced (a copy-on-write view: change it freely)."""
        return self._frame.copy(deep=False)

    def __len__(self) -> int:
        return len(self._frame)

    def __repr__(self) -> str:
        return f"CheckedFrame({self._contract.name!r}, {len(self)} rows)"

    def rows(self, keep: npt.ArrayLike | pd.Series[bool]) -> CheckedFrame:
        """The rows where the boolean mask ``keep`` is true, still checked.

        Every contract rule is a rule of one row or of uniqueness, both of
        which a subset keeps.
        """
        mask = np.asarray(keep)
        if mask.dtype != np.bool_ or mask.shape != (len(self),):
            raise InvalidInputError(
                f"rows takes a boolean mask of {len(self)} values, got "
                f"{mask.dtype} of shape {mask.shape}"
            )
        return CheckedFrame._trusted(self._frame[mask], self._contract)

    def assign(self, **columns: Any) -> CheckedFrame:
        """Add columns the contract does not know (as :meth:`pandas.DataFrame.assign`)."""
        known = [name for name in columns if name in self._contract.names]
        if known:
            raise InvalidInputError(
                f"assign may add columns outside contract {self._contract.name!r}, not replace "
                f"its column {known[0]!r}; build a new frame and check it"
            )
        return CheckedFrame._trusted(self._frame.assign(**columns), self._contract)


# --------------------------------------------------------------------------- stages
class UnknownStageValuesError(FrameValidationError, UnknownStageError):
    """A stage column names stages the pipeline does not have.

    Both a :class:`~salescore.errors.FrameValidationError` (with a failure
    table, reason ``not_allowed``) and an
    :class:`~salescore.errors.UnknownStageError`, so either may be caught.
    """


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


# --------------------------------------------------------------------------- models <-> frames
_CONTRACT_BY_MODEL: Final[Mapping[type[FrozenModel], FrameContract]] = {
    Opportunity: OPPORTUNITIES,
    StageChange: STAGE_CHANGES,
    Rep: REPS,
    Team: TEAMS,
    Channel: CHANNELS,
    Target: TARGETS,
}


def contract_for(model: type[FrozenModel]) -> FrameContract:
    """The frame contract of a model class.

    Examples
    --------
    >>> from salescore.models import Rep
    >>> contract_for(Rep).name
    'reps'
    """
    try:
        return _CONTRACT_BY_MODEL[model]
    except KeyError:
        known = ", ".join(m.__name__ for m in _CONTRACT_BY_MODEL)
        raise InvalidInputError(
            f"no frame contract for {getattr(model, '__name__', model)!r}; known models: {known}"
        ) from None


def _exact_float(value: Decimal, what: str) -> float:
    number = float(value)
    if Decimal(repr(number)) != value:
        raise InvalidInputError(
            f"{what} {value} cannot be held exactly in a float64 column (at most 15 "
            "significant digits); keep it in the models or round it first"
        )
    return number


def _cell(value: Any, what: str) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return _exact_float(value, what)
    if isinstance(value, Enum):
        return value.value
    return value


def _period_cells(period: Any) -> tuple[date | None, date | None]:
    return (None, None) if period is None else (period.start, period.end)


def _record(item: FrozenModel, contract: FrameContract) -> dict[str, Any]:
    label = f"{type(item).__name__} {getattr(item, 'id', getattr(item, 'opportunity_id', ''))!r}"
    if isinstance(item, Target):
        raw: dict[str, Any] = {
            name: getattr(item, name)
            for name in contract.names
            if name in Target.model_fields and name not in ("owner", "scope")
        }
        raw["baseline_period_start"], raw["baseline_period_end"] = _period_cells(
            item.baseline_period
        )
        raw["period_start"], raw["period_end"] = _period_cells(item.period)
        raw["owner_kind"] = None if item.owner is None else item.owner.kind
        raw["owner_id"] = None if item.owner is None else item.owner.id
        raw["scope"] = (
            json.dumps(item.scope, sort_keys=True, ensure_ascii=False) if item.scope else None
        )
    else:
        raw = {name: getattr(item, name) for name in contract.names}
        if isinstance(item, Rep):
            raw["ramp"] = json.dumps(list(item.ramp)) if item.ramp else None
    return {name: _cell(raw[name], f"{label} {name}") for name in contract.names}


def to_frame(
    models: Sequence[FrozenModel], *, model: type[FrozenModel] | None = None
) -> pd.DataFrame:
    """Build the contract frame of a list of models, one row per model.

    Opportunities become an :data:`OPPORTUNITIES` frame (their stage
    histories go to :func:`history_frame`), stage changes a
    :data:`STAGE_CHANGES` frame, and reps, teams, channels and targets theirs.
    The frame has the canonical dtypes and a ``RangeIndex``; Decimal values
    become float64 and must survive the trip exactly (at most 15 significant
    digits), so :func:`from_frame` gives back equal models.

    Parameters
    ----------
    models : sequence of models
        All of one type.
    model : type, optional
        The model class; needed when ``models`` is empty.

    Raises
    ------
    InvalidInputError
        Mixed or unsupported model types, an empty sequence without
        ``model``, or a Decimal that float64 cannot hold exactly.

    Examples
    --------
    >>> from salescore.models import Team
    >>> to_frame([Team(id="sales", name="Sales"), Team(id="east", name="East", parent_id="sales")])
          id   name parent_id
    0  sales  Sales       NaN
    1   east   East     sales
    >>> to_frame([], model=Team).dtypes.astype(str).tolist()
    ['str', 'str', 'str']
    """
    items = list(models)
    kind = model if model is not None else (type(items[0]) if items else None)
    if kind is None:
        raise InvalidInputError("cannot build a frame from no models without model=")
    contract = contract_for(kind)
    strays = sorted({type(m).__name__ for m in items if type(m) is not kind})
    if strays:
        raise InvalidInputError(
            f"to_frame got {', '.join(strays)} among {kind.__name__} models; give one type"
        )
    records = [_record(item, contract) for item in items]
    columns = {name: pd.Series([r[name] for r in records], dtype=object) for name in contract.names}
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(items)))
    return validate_frame(frame, contract)


def history_frame(opportunities: Sequence[Opportunity]) -> pd.DataFrame:
    """The :data:`STAGE_CHANGES` frame of every opportunity's history, in order.

    Examples
    --------
    >>> from datetime import date, datetime, timezone
    >>> change = StageChange(opportunity_id="D1", to_stage="Qualify",
    ...                      changed_at=datetime(2026, 1, 5, 9, tzinfo=timezone.utc))
    >>> deal = Opportunity(id="D1", owner_id="R1", amount=10, currency="USD",
    ...                    stage="Qualify", created_on=date(2026, 1, 5), history=(change,))
    >>> history_frame([deal])[["opportunity_id", "to_stage"]].values.tolist()
    [['D1', 'Qualify']]
    """
    return to_frame([c for o in opportunities for c in o.history], model=StageChange)


def _python(value: Any, column: Column) -> Any:
    """A canonical frame cell as the Python value a model field takes (None for null)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if column.kind == "date":
        return value.date()
    if column.kind == "datetime":
        return value.to_pydatetime()
    if column.kind in ("string", "category"):
        return str(value)
    return _plain(value)


def _json(text: str | None, what: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{what} {text!r} is not valid JSON ({exc.msg})") from None


def _kwargs(row: dict[str, Any], kind: type[FrozenModel], where: str) -> dict[str, Any]:
    if kind is Target:
        data = {k: v for k, v in row.items() if k in Target.model_fields}
        for prefix in ("baseline_period", "period"):
            start, end = row[f"{prefix}_start"], row[f"{prefix}_end"]
            if (start is None) != (end is None):
                raise InvalidInputError(
                    f"{where} has only one of {prefix}_start and {prefix}_end; give both or neither"
                )
            data[prefix] = None if start is None else {"start": start, "end": end}
        if row["owner_kind"] is None and row["owner_id"] is not None:
            raise InvalidInputError(f"{where} has owner_id {row['owner_id']!r} without owner_kind")
        if row["owner_kind"] is not None:
            data["owner"] = {"kind": row["owner_kind"], "id": row["owner_id"]}
        data["scope"] = _json(row["scope"], f"{where} scope")
    else:
        data = dict(row)
        if kind is Rep:
            data["ramp"] = _json(row["ramp"], f"{where} ramp")
    # Null cells leave the field at its model default (None, capacity 1, no ramp).
    return {k: v for k, v in data.items() if v is not None}


def _rows(frame: pd.DataFrame, contract: FrameContract) -> list[dict[str, Any]]:
    cols = [(c, frame[c.name].astype(object).to_numpy()) for c in contract.columns]
    return [{c.name: _python(values[i], c) for c, values in cols} for i in range(len(frame))]


def from_frame(df: pd.DataFrame, model: type[M], *, history: pd.DataFrame | None = None) -> list[M]:
    """Build one model per row of a contract frame (the inverse of :func:`to_frame`).

    The frame is validated first; then each row becomes a model, in row
    order, so model invariants beyond the contract (a custom metric needs a
    name, ...) raise their usual errors naming the row.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame under ``model``'s contract.
    model : type
        :class:`~salescore.models.Opportunity`, ``StageChange``, ``Rep``,
        ``Team``, ``Channel`` or ``Target``.
    history : pandas.DataFrame, optional
        For opportunities: a :data:`STAGE_CHANGES` frame whose rows become
        each deal's ``history`` (sorted by ``changed_at``, ties kept in frame
        order). Every change must belong to a deal in ``df``.

    Returns
    -------
    list of models

    Raises
    ------
    FrameValidationError
        ``df`` or ``history`` breaks its contract.
    InvalidInputError
        A row breaks a model invariant, or ``history`` names unknown deals or
        is given for another model.

    Examples
    --------
    >>> from salescore.models import Team
    >>> teams = [Team(id="sales", name="Sales"), Team(id="east", name="East", parent_id="sales")]
    >>> from_frame(to_frame(teams), Team) == teams
    True
    """
    contract = contract_for(model)
    if history is not None and model is not Opportunity:
        raise InvalidInputError(f"history= applies to Opportunity frames, not {model.__name__}")
    frame = validate_frame(df, contract)
    histories: dict[str, list[StageChange]] = {}
    if history is not None:
        changes = validate_frame(history, STAGE_CHANGES).sort_values("changed_at", kind="stable")
        ids = set(frame["id"].tolist())
        strays = sorted(set(changes["opportunity_id"].tolist()) - ids)
        if strays:
            raise InvalidInputError(
                f"history names opportunities not in the frame: {', '.join(map(repr, strays[:5]))}"
                + (f" and {len(strays) - 5} more" if len(strays) > 5 else "")
            )
        for change in from_frame(changes, StageChange):
            histories.setdefault(change.opportunity_id, []).append(change)
    out: list[M] = []
    for label, row in zip(frame.index, _rows(frame, contract), strict=True):
        where = f"{contract.name} row {label!r}"
        data = _kwargs(row, model, where)
        if histories:
            data["history"] = tuple(histories.get(data["id"], ()))
        try:
            out.append(model(**data))
        except InvalidInputError as exc:
            raise type(exc)(f"{where}: {exc}") from exc
    return out
