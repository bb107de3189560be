"""Text columns read once into codes plus a dictionary and checked on the dictionary."""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore import _lookup
from salescore._lookup import _is_arrow_text, _pa, _pc
from salescore.error_codes import FailureReason
from salescore.frames._collect import _Run
from salescore.frames._common import BoolArray, _bool, _nulls
from salescore.frames.contracts import Column
from salescore.money import CURRENCIES

_CANONICAL_STR: Final = pd.StringDtype(na_value=np.nan)

#: Whether pandas keeps canonical text in pyarrow (fixed when pandas is imported).
_ARROW_STORAGE: Final = _CANONICAL_STR.storage == "pyarrow"


def _arrow_on() -> bool:
    """Whether text columns run on pyarrow arrays.

    They do when pandas keeps canonical text in pyarrow and the one switch of the pyarrow
    routes, ``salescore._lookup._ARROW``, is on (pyarrow is optional: without it the same
    checks run on numpy object arrays and give the same results; tests switch it off to
    check that).
    """
    return _ARROW_STORAGE and _lookup._ARROW


def _arrow_text(s: pd.Series[Any]) -> Any | None:
    """The pyarrow ``large_string`` chunked array behind a text column, or ``None``."""
    return _lookup._arrow_text(s) if _ARROW_STORAGE else None


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
    if _arrow_on():
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
