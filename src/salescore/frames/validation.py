"""Checking a frame against its contract: coerced copy or failure table, in vectorised passes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._failures import empty_table
from salescore.error_codes import FailureReason
from salescore.errors import FrameValidationError, InvalidInputError
from salescore.frames._collect import _failure_table, _FirstFailureError, _message, _Run
from salescore.frames._common import BoolArray, _bool, _nulls
from salescore.frames._text import _CANONICAL_STR, _coerce_category, _text_column
from salescore.frames.contracts import REASONS, Column, FrameContract, MagnitudeCheck, OrderCheck
from salescore.money import CURRENCIES

__all__ = ["CheckedFrame", "empty_failures", "partition_frame", "validate_frame"]


def _is_object_like(dtype: Any) -> bool:
    return pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)


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
    >>> from salescore.frames import STAGE_CHANGES
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
    >>> from salescore.frames import CHANNELS
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
    >>> from salescore.frames import OPPORTUNITIES
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
