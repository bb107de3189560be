"""The one kernel input of every customer measure: order lines as arrays, and shared sums."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._failures import Failures, empty_table
from salescore._numeric import (
    floats_to_minor_units,
    from_minor_units,
    to_decimal,
    to_minor_units,
)
from salescore.customers.lines import ORDER_LINES, OrderLine
from salescore.error_codes import FailureReason
from salescore.errors import CurrencyMismatchError, FrameValidationError, InvalidInputError
from salescore.frames import partition_frame
from salescore.money import minor_unit

IntArray = npt.NDArray[np.int64]

BoolArray = npt.NDArray[np.bool_]

FloatArray = npt.NDArray[np.float64]

ObjArray = npt.NDArray[np.object_]

_NEVER: Final = np.iinfo(np.int64).max

_EPOCH: Final = date(1970, 1, 1).toordinal()

#: Sums whose magnitudes stay below this are exact in float64, so bincount may add them.
_EXACT_FLOAT: Final = 2**53


@dataclass(frozen=True)
class _Lines:
    """Order lines as arrays: the one input of every kernel."""

    customer: IntArray  # code into ``customers``
    customers: ObjArray  # distinct customer ids, sorted
    order: IntArray  # code of the order id (distinct ids)
    n_orders: int
    day: IntArray  # days since 1970-01-01
    minor: IntArray  # amount in minor units of ``currency``
    currency: str
    errors: pd.DataFrame
    lines_used: int


def _codes(values: npt.NDArray[Any]) -> tuple[IntArray, ObjArray]:
    """Codes into the sorted distinct values (factorise, then sort only the distinct ones)."""
    codes, uniques = pd.factorize(values)
    distinct = np.asarray(uniques, dtype=object)
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return rank[codes], distinct[order]


def _empty_errors() -> pd.DataFrame:
    return empty_table()


def _late_errors(frame: pd.DataFrame, late: npt.NDArray[np.bool_], values: Any) -> pd.DataFrame:
    """The lines of ``frame`` dated after ``as_of``, as failures of ``ordered_on``."""
    failures = Failures(frame)
    failures.add("ordered_on", FailureReason.AFTER_AS_OF, late, values=values)
    return failures.table()


def _day_of(d: date, what: str) -> int:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise InvalidInputError(f"{what} {d!r} must be a plain date (not a datetime)")
    return d.toordinal() - _EPOCH


def _one_currency(currencies: Sequence[str]) -> str:
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            f"order lines mix currencies {', '.join(sorted(currencies))}; convert them with "
            "FxRates first or pass one currency at a time"
        )
    return currencies[0]


def _nothing(errors: pd.DataFrame, as_of: date | None) -> None:
    if len(errors):
        reasons = ", ".join(sorted(set(errors["reason"].astype(str))))
        raise FrameValidationError(
            f"no usable order line: all {errors['row'].nunique()} line(s) failed ({reasons})",
            errors.reset_index(drop=True),
        )
    after = f" on or before as_of {as_of}" if as_of is not None else ""
    raise InvalidInputError(f"no order lines were given{after}; at least one is required")


def _from_models(lines: Sequence[OrderLine], as_of: date | None) -> _Lines:
    for i, line in enumerate(lines):
        if not isinstance(line, OrderLine):
            raise InvalidInputError(
                f"order line {i} is a {type(line).__name__}; OrderLine models or a frame "
                "under ORDER_LINES are accepted"
            )
    ids = [line.line_id for line in lines if line.line_id is not None]
    seen: set[str] = set()
    for line_id in ids:
        if line_id in seen:
            raise InvalidInputError(
                f"line_id {line_id!r} appears more than once; line ids are unique"
            )
        seen.add(line_id)
    day = np.array([line.ordered_on.toordinal() - _EPOCH for line in lines], dtype=np.int64)
    errors = _empty_errors()
    keep = np.ones(len(lines), bool)
    if as_of is not None:
        late = day > _day_of(as_of, "as_of")
        if late.any():
            errors = _late_errors(
                pd.DataFrame(index=pd.RangeIndex(len(lines))),
                late,
                [line.ordered_on for line in lines],
            )
            keep = ~late
    used = [line for line, k in zip(lines, keep.tolist(), strict=True) if k]
    if not used:
        _nothing(errors, as_of)
    currency = _one_currency(sorted({line.currency for line in used}))
    customer, customers = _codes(np.array([line.customer_id for line in used], dtype=object))
    order, orders = pd.factorize(np.array([line.order_id for line in used], dtype=object))
    return _Lines(
        customer=customer,
        customers=customers,
        order=order.astype(np.int64),
        n_orders=len(orders),
        day=day[keep],
        minor=to_minor_units([line.amount for line in used], minor_unit(currency)),
        currency=currency,
        errors=errors,
        lines_used=len(used),
    )


def _from_frame(df: pd.DataFrame, as_of: date | None) -> _Lines:
    valid, failures = partition_frame(df, ORDER_LINES)
    errors = failures if len(failures) else _empty_errors()
    day = valid["ordered_on"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    if as_of is not None:
        late = day > _day_of(as_of, "as_of")
        if late.any():
            extra = _late_errors(valid, late, valid["ordered_on"].dt.date)
            errors = pd.concat([errors, extra], ignore_index=True) if len(errors) else extra
            valid = valid[~late]
            day = day[~late]
    if not len(valid):
        _nothing(errors, as_of)
    currency = _one_currency(sorted(pd.unique(valid["currency"].to_numpy(dtype=object)).tolist()))
    customer, customers = _codes(valid["customer_id"].to_numpy(dtype=object))
    order, orders = pd.factorize(valid["order_id"].to_numpy(dtype=object))
    return _Lines(
        customer=customer,
        customers=customers,
        order=order.astype(np.int64),
        n_orders=len(orders),
        day=day,
        minor=floats_to_minor_units(valid["amount"].to_numpy(), minor_unit(currency)),
        currency=currency,
        errors=errors,
        lines_used=len(valid),
    )


def _lines(lines: Sequence[OrderLine] | pd.DataFrame, as_of: date | None) -> _Lines:
    if isinstance(lines, pd.DataFrame):
        return _from_frame(lines, as_of)
    if not isinstance(lines, list | tuple):
        raise InvalidInputError(
            f"order lines of type {type(lines).__name__!r} are neither a list of OrderLine nor "
            "a DataFrame under ORDER_LINES"
        )
    return _from_models(lines, as_of)


def _sum_by(codes: IntArray, values: IntArray, n: int) -> IntArray:
    """Exact integer sums per code (bincount when float64 holds every partial sum exactly)."""
    if len(values) == 0 or int(np.abs(values).max()) * len(values) < _EXACT_FLOAT:
        return np.bincount(codes, weights=values, minlength=n).astype(np.int64)
    out = np.zeros(n, np.int64)
    np.add.at(out, codes, values)
    return out


def _distinct_per(group: IntArray, item: IntArray, n_items: int, n: int) -> IntArray:
    """Number of distinct ``item`` values per ``group`` code (hash-based, no sort)."""
    pairs = pd.unique(group * np.int64(max(n_items, 1)) + item)
    return np.bincount(pairs // max(n_items, 1), minlength=n).astype(np.int64)


@dataclass(frozen=True)
class _Summary:
    customers: ObjArray
    first: IntArray
    last: IntArray
    orders: IntArray
    lines: IntArray
    minor: IntArray


def _summarise(x: _Lines) -> _Summary:
    n = len(x.customers)
    first = np.full(n, _NEVER, np.int64)
    np.minimum.at(first, x.customer, x.day)
    last = np.full(n, -_NEVER, np.int64)
    np.maximum.at(last, x.customer, x.day)
    return _Summary(
        customers=x.customers,
        first=first,
        last=last,
        orders=_distinct_per(x.customer, x.order, x.n_orders, n),
        lines=np.bincount(x.customer, minlength=n).astype(np.int64),
        minor=_sum_by(x.customer, x.minor, n),
    )


def _dates(days: IntArray) -> pd.Series[Any]:
    """Day numbers as a naive ``datetime64[us]`` date column; ``_NEVER`` becomes NaT."""
    never = days == _NEVER
    values = np.where(never, 0, days).astype("datetime64[D]").astype("datetime64[us]")
    values[never] = np.datetime64("NaT")
    return pd.Series(values)


def _decimals(minor: IntArray, currency: str) -> ObjArray:
    return np.array(from_minor_units(minor, minor_unit(currency)), dtype=object)


def _check_days(value: object, what: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InvalidInputError(f"{what} {value!r} must be a whole number >= {minimum}")
    return int(value)


def _revenue_rank(customers: ObjArray, minor: IntArray) -> tuple[IntArray, IntArray]:
    """Order by revenue descending then customer id; competition rank (ties share the best)."""
    order = np.lexsort((np.arange(len(minor)), -minor))  # customers are sorted by id already
    ordered = minor[order]
    new = np.ones(len(order), bool)
    new[1:] = ordered[1:] != ordered[:-1]
    positions = np.arange(1, len(order) + 1, dtype=np.int64)
    rank_sorted = np.maximum.accumulate(np.where(new, positions, 0))
    return order, rank_sorted


def _fraction_below(num: IntArray, den: int, threshold: float) -> BoolArray:
    """``num / den < threshold``, exact: floats decide, ties within 1e-12 re-checked exactly."""
    share = num / den
    out: BoolArray = share < threshold
    close = np.flatnonzero(np.abs(share - threshold) <= 1e-12)
    if len(close):
        t = to_decimal(threshold, what="threshold").as_integer_ratio()
        for i in close.tolist():
            out[i] = int(num[i]) * t[1] < t[0] * den
    return out


def _check_total(total: int) -> None:
    if total <= 0:
        raise InvalidInputError(
            "total revenue is 0; shares of revenue are undefined (no customer bought anything)"
        )


def _check_thresholds(a: object, b: object) -> tuple[float, float]:
    for name, v in (("a", a), ("b", b)):
        if isinstance(v, bool) or not isinstance(v, int | float | Decimal | np.number):
            raise InvalidInputError(f"threshold {name} {v!r} is not a number in (0, 1]")
    fa, fb = float(a), float(b)  # type: ignore[arg-type]
    if not (0.0 < fa < fb <= 1.0):
        raise InvalidInputError(
            f"thresholds a {a!r} and b {b!r} must satisfy 0 < a < b <= 1 [fraction]"
        )
    return fa, fb


def _grades(s: _Summary, a: float, b: float) -> tuple[IntArray, IntArray, ObjArray, IntArray]:
    """Order, ranks, grades (in that order) and cumulative minor units of the ABC kernel."""
    total = int(s.minor.sum())
    _check_total(total)
    order, rank = _revenue_rank(s.customers, s.minor)
    ordered = s.minor[order]
    cum = np.cumsum(ordered)
    before = cum - ordered
    # Ties share a grade: the cumulative share before the first of equal revenue decides.
    first = rank - 1
    before_group = before[first]
    grade = np.where(
        _fraction_below(before_group, total, a),
        "A",
        np.where(_fraction_below(before_group, total, b), "B", "C"),
    ).astype(object)
    return order, rank, grade, cum
