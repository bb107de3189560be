"""The plan matrix: a target across owners and periods, exact on both margins.

Rounding every cell of owners × periods on its own breaks the sums: rows stop
adding up to the owners' allocations, or columns to the periods'. This module
solves the *controlled rounding* problem instead.

With ``T`` the total in integer units (minor units of the currency, or a
count), ``R_i`` each owner's allocation and ``C_j`` each period's share (both
split exactly by largest remainder), the ideal cell is the product form
``x_ij = R_i · C_j / T``, whose rows add up to ``R_i`` and columns to ``C_j``.
Every cell is rounded to ``floor(x_ij)`` or ``ceil(x_ij)``. What is left to
hand out, ``r_i = R_i − Σ_j floor(x_ij)`` units per row and
``c_j = C_j − Σ_i floor(x_ij)`` per column, equals the sums of the fractional
parts, so the fractional parts are a feasible flow in the bipartite network
rows → cells (capacity 1 where the fraction is positive) → columns; by the
integral flow theorem an integral flow of the same value exists. It is found
in two steps:

1. a vectorised greedy pass, column by column, hands each column's units to the
   rows furthest behind their expected share (rows that must take every
   remaining cell first, then the largest fraction, then owner id);
2. any units the greedy pass could not place are placed by augmenting paths
   (breadth-first, in the residual network), which always succeed.

The result is deterministic, within one unit of the ideal in every cell, and
exact on every row and column.

When owners are allocated by ``"capacity"``, their working time differs from
period to period (a rep hired in July works no hours in March). The ideal is
then the owners × periods working-time matrix scaled to both margins by
iterative proportional fitting (RAS), which keeps a zero cell zero, and the
same rounding applies to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._checks import check_choice
from salescore._numeric import check_units, exact_decimals, largest_remainder
from salescore.calendar import FiscalCalendar, Grain, WorkCalendar, working_time_units
from salescore.errors import InvalidInputError
from salescore.goals._owners import owner_ids
from salescore.goals._split import SplitUnit, require_period, split_unit
from salescore.goals.allocate import AllocationMethod, OwnerLike, canonical_split
from salescore.goals.allocate import owner_weights as _owner_weights
from salescore.goals.weights import TimeWeights
from salescore.goals.weights import time_weights as _time_weights
from salescore.models import Target

__all__ = ["controlled_round", "plan_matrix"]

IntMatrix = npt.NDArray[np.int64]


def _floor_product(rows: IntMatrix, cols: IntMatrix, total: int) -> tuple[IntMatrix, IntMatrix]:
    """Exact ``floor(R_i C_j / T)`` and remainder ``R_i C_j mod T`` in int64.

    The quotient is estimated in float64 and corrected with the remainder,
    computed in wrapping 64-bit arithmetic: the true remainder is small, so
    the wrapped difference is exact even when ``R_i C_j`` overflows.
    """
    estimate = np.floor(rows[:, None].astype(np.float64) * (cols[None, :] / total))
    quotient = estimate.astype(np.int64)
    with np.errstate(over="ignore"):
        remainder = rows[:, None] * cols[None, :] - quotient * np.int64(total)
    while True:
        low, high = remainder < 0, remainder >= total
        if not (low.any() or high.any()):
            return quotient, remainder
        quotient += high.astype(np.int64) - low.astype(np.int64)
        remainder += np.int64(total) * (low.astype(np.int64) - high.astype(np.int64))


def _fit(
    seed: npt.NDArray[np.float64], rows: IntMatrix, cols: IntMatrix, labels: Sequence[str]
) -> tuple[IntMatrix, npt.NDArray[np.float64]]:
    """Scale ``seed`` to the margins by iterative proportional fitting (RAS).

    Zero cells stay zero, so an owner who does not work in a period gets
    nothing in it; the fit fails when the zero pattern makes the margins
    impossible (every owner away in a period the time weights fill).

    The fitted matrix is returned as ``whole + fraction`` (int64 and float64
    in [0, 1)). A float64 cell of 10¹¹ minor units is known only to about
    10⁻⁵ of a unit, and its row and column sums drift by more than a unit at
    10¹⁵, which is enough to make the rounding infeasible; a cell rounded on
    its own is also off the fitted form ``diag(a) seed diag(b)`` for good,
    since scaling lines never undoes it. So the fit runs in two steps. The
    row and column factors ``a`` and ``b`` converge in float64 on the line
    sums (two matrix-vector products a round, the cells never formed); the
    cells ``seed * a * b`` are then formed once with exact products, and a
    few more rounds of scaling, each an increment from the exact integer gap
    to the margin, close the last gap. The cells are fitted to about 10⁻¹²
    of a unit whatever the magnitude.
    """
    x = np.where(seed > 0, seed, 0.0)
    empty_cols = np.flatnonzero((x.sum(axis=0) == 0) & (cols != 0))
    if empty_cols.size:
        raise InvalidInputError(
            f"no owner has working time in {labels[int(empty_cols[0])]}, which the time weights "
            "give a share; choose time weights that are zero there or owners who work then"
        )
    empty_rows = np.flatnonzero((x.sum(axis=1) == 0) & (rows != 0))
    if empty_rows.size:
        raise InvalidInputError(f"owner {int(empty_rows[0])} has a share but no working time")
    row_factor, col_factor = _line_factors(x, rows, cols)
    # Cells well past the largest margin (a fitted cell is at most its margins, up to
    # float noise): the factors ran off towards a pattern that cannot meet the margins,
    # and stop here before they could overflow the int64 cells.
    with np.errstate(over="ignore", invalid="ignore"):
        largest = (np.outer(row_factor, col_factor) * x).max(initial=0.0)
    if not largest <= 2.0 * max(rows.max(), cols.max()):
        raise _unreachable_margins()
    whole, fraction = _exact_cells(x, row_factor, col_factor)
    for _ in range(_FIT_ROUNDS):
        row_gap = _scale_to(whole, fraction, rows, axis=1)
        col_gap = _scale_to(whole, fraction, cols, axis=0)
        if float(np.abs(row_gap).sum() + np.abs(col_gap).sum()) <= _FIT_TOLERANCE:
            break
    # What the rounding needs: every cut of the flow network off by less than
    # one unit, so the integral flow theorem still applies to the residuals.
    row_gap, col_gap = _gap(whole, fraction, rows, 1), _gap(whole, fraction, cols, 0)
    if float(np.abs(row_gap).sum() + np.abs(col_gap).sum()) > _ROUNDING_SLACK:
        raise _unreachable_margins()
    return whole, fraction


def _unreachable_margins() -> InvalidInputError:
    return InvalidInputError(
        "the owners' working time cannot meet both the allocation and the time weights: "
        "too many owners are away in the same periods; use even owner weights or time "
        "weights that follow the team's working time"
    )


def _line_factors(
    seed: npt.NDArray[np.float64], rows: IntMatrix, cols: IntMatrix
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """RAS on the factors alone: ``a``, ``b`` with ``diag(a) seed diag(b)`` near the margins.

    Stops when the column factors move by less than ``_FACTOR_TOLERANCE``
    (relative), about where float64 stops improving them, or when they stop
    being finite (margins the zero pattern cannot meet, which the exact
    rounds then report).
    """
    target_rows = rows.astype(np.float64)
    target_cols = cols.astype(np.float64)
    row_factor = np.zeros(seed.shape[0])
    col_factor = np.ones(seed.shape[1])
    for _ in range(_FIT_ROUNDS):
        # Factors running off to 0 or infinity mean margins the zero pattern cannot
        # meet: the loop stops on them and the check after it reports the margins.
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            row_size = seed @ col_factor
            new_row_factor = np.divide(
                target_rows, row_size, out=np.zeros_like(row_size), where=row_size > 0
            )
            col_size = new_row_factor @ seed
            new_col_factor = np.divide(
                target_cols, col_size, out=np.zeros_like(col_size), where=col_size > 0
            )
        if not (np.isfinite(new_row_factor).all() and np.isfinite(new_col_factor).all()):
            break
        row_factor = new_row_factor
        moved = np.abs(new_col_factor - col_factor) <= _FACTOR_TOLERANCE * new_col_factor
        col_factor = new_col_factor
        if moved.all():
            break
    return row_factor, col_factor


def _exact_cells(
    seed: npt.NDArray[np.float64],
    row_factor: npt.NDArray[np.float64],
    col_factor: npt.NDArray[np.float64],
) -> tuple[IntMatrix, npt.NDArray[np.float64]]:
    """``seed * a * b`` as whole units plus a fraction in [0, 1), each product exact."""
    first, first_error = _two_product(seed, np.broadcast_to(row_factor[:, None], seed.shape))
    factor = np.broadcast_to(col_factor[None, :], seed.shape)
    product, error = _two_product(first, factor)
    product_units = np.floor(product)
    whole = product_units.astype(np.int64)
    fraction: npt.NDArray[np.float64] = (product - product_units) + (error + first_error * factor)
    _carry(whole, fraction)
    return whole, fraction


#: Scaling rounds, the total margin gap [units] that ends them, and the largest
#: total gap the rounding tolerates (below one unit, with room for snapping).
_FIT_ROUNDS: Final = 5000
_FIT_TOLERANCE: Final = 1e-7
#: The relative move of a factor [1] at which the float64 factor fit stops.
_FACTOR_TOLERANCE: Final = 1e-14
_ROUNDING_SLACK: Final = 0.25
#: Fractions this close to 0 or 1 [units] are the whole number they are next to.
_SNAP: Final = 1e-9


def _gap(
    whole: IntMatrix, fraction: npt.NDArray[np.float64], margins: IntMatrix, axis: int
) -> npt.NDArray[np.float64]:
    """``margins - (whole + fraction).sum(axis)``, the integer part exactly."""
    gap: npt.NDArray[np.float64] = (margins - whole.sum(axis=axis)).astype(
        np.float64
    ) - fraction.sum(axis=axis)
    return gap


def _scale_to(
    whole: IntMatrix, fraction: npt.NDArray[np.float64], margins: IntMatrix, axis: int
) -> npt.NDArray[np.float64]:
    """Scale rows (``axis=1``) or columns (``axis=0``) onto ``margins``, in place.

    Returns the gap before scaling. Multiplying a line by ``margin / sum`` is
    adding ``cell * gap / sum`` to each cell: a small increment, added to the
    fraction, whose whole units are then carried into ``whole``.
    """
    gap = _gap(whole, fraction, margins, axis)
    size = whole.sum(axis=axis).astype(np.float64) + fraction.sum(axis=axis)
    line_factor = np.divide(gap, size, out=np.zeros_like(gap), where=size > 0)
    factor = np.broadcast_to(
        line_factor[:, None] if axis == 1 else line_factor[None, :], whole.shape
    )
    # ``whole * factor`` exactly, as a float product plus its rounding error: the whole
    # part split into a float and the (small, exact) integer rest it rounded away.
    leading = whole.astype(np.float64)
    rest = (whole - leading.astype(np.int64)).astype(np.float64)
    product, error = _two_product(leading, factor)
    product_units = np.floor(product)
    whole += product_units.astype(np.int64)
    fraction += (product - product_units) + error + (rest + fraction) * factor
    _carry(whole, fraction)
    return gap


def _carry(whole: IntMatrix, fraction: npt.NDArray[np.float64]) -> None:
    """Move the whole units of ``fraction`` into ``whole``, leaving it in [0, 1)."""
    carry = np.floor(fraction)
    whole += carry.astype(np.int64)
    fraction -= carry


#: Dekker's splitter for float64: 2**27 + 1.
_SPLITTER: Final = 134217729.0


def _two_product(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``a * b`` as the rounded product and its exact rounding error (Dekker).

    Each factor is split into two 26-bit halves whose partial products are
    exact in float64, so ``product + error == a * b`` exactly, away from
    overflow and underflow (the cells here are at most 10¹⁸ units and the
    factors ratios of line sums).
    """
    a_high = _SPLITTER * a
    a_high = a_high - (a_high - a)
    a_low = a - a_high
    b_high = _SPLITTER * b
    b_high = b_high - (b_high - b)
    b_low = b - b_high
    product = a * b
    error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    return product, error


def _greedy(
    frac: npt.NDArray[np.float64],
    eligible: npt.NDArray[np.bool_],
    need: IntMatrix,
    room: IntMatrix,
) -> npt.NDArray[np.bool_]:
    """Column by column, give each column's units to the rows furthest behind."""
    n, k = frac.shape
    add = np.zeros((n, k), dtype=bool)
    # Eligible cells from column j on, and fractional mass after column j.
    cells_from = np.cumsum(eligible[:, ::-1], axis=1)[:, ::-1]
    mass_after = np.cumsum(frac[:, ::-1], axis=1)[:, ::-1] - frac
    rows = np.arange(n)
    for j in range(k):
        candidates = np.flatnonzero(eligible[:, j] & (need > 0))
        take = int(room[j])
        if candidates.size > take:
            forced = need[candidates] >= cells_from[candidates, j]
            behind = need[candidates] - mass_after[candidates, j]
            order = np.lexsort((rows[candidates], -frac[candidates, j], -behind, ~forced))
            candidates = candidates[order[:take]]
        add[candidates, j] = True
        need[candidates] -= 1
        room[j] -= candidates.size
    return add


def _augment(
    add: npt.NDArray[np.bool_], eligible: npt.NDArray[np.bool_], need: IntMatrix, room: IntMatrix
) -> None:
    """Place one unit along a shortest augmenting path (multi-source BFS, vectorised)."""
    n, k = add.shape
    row_from = np.full(n, -2, dtype=np.int64)  # -1: a source row; j: reached from column j
    col_from = np.full(k, -1, dtype=np.int64)  # the row a column was reached from
    frontier = np.flatnonzero(need > 0)
    row_from[frontier] = -1
    while frontier.size:
        open_cells = eligible[frontier] & ~add[frontier]
        reached = np.flatnonzero(open_cells.any(axis=0) & (col_from < 0))
        if reached.size == 0:
            break
        col_from[reached] = frontier[np.argmax(open_cells[:, reached], axis=0)]
        free = reached[room[reached] > 0]
        if free.size:
            end = int(free[0])
            j = end
            while True:
                i = int(col_from[j])
                add[i, j] = True
                back = int(row_from[i])
                if back == -1:
                    break
                add[i, back] = False
                j = back
            need[i] -= 1
            room[end] -= 1
            return
        taken = add[:, reached] & (row_from == -2)[:, None]
        frontier = np.flatnonzero(taken.any(axis=1))
        row_from[frontier] = reached[np.argmax(taken[frontier], axis=1)]
    raise InvalidInputError(  # pragma: no cover - integral flow theorem
        "controlled rounding found no way to meet both margins; they are inconsistent"
    )


def controlled_round(
    row_totals: npt.ArrayLike,
    col_totals: npt.ArrayLike,
    *,
    seed: npt.ArrayLike | None = None,
    col_labels: Sequence[str] | None = None,
) -> IntMatrix:
    """An integer matrix with the given row and column sums, each cell near its ideal.

    The ideal is ``R_i C_j / T`` (exact, in integer arithmetic) or, with a
    ``seed``, the seed scaled to the margins by iterative proportional
    fitting (cells where the seed is zero stay zero).

    Parameters
    ----------
    row_totals, col_totals : array_like of int
        The margins [units]; all of one sign, with equal sums ``T``, and
        ``|T|`` at most ``10**18`` units.
    seed : array_like of float, shape (rows, columns), optional
        Non-negative relative sizes of the cells, such as each owner's working
        time in each period.
    col_labels : sequence of str, optional
        Column names for error messages.

    Returns
    -------
    numpy.ndarray of int64, shape (len(row_totals), len(col_totals))
        Every cell is the floor or the ceiling of its ideal; every row sums to
        its total and every column to its total.

    Raises
    ------
    InvalidInputError
        The margins have different sums or mixed signs, are not whole numbers
        or exceed the largest magnitude; or the seed's zero cells make the
        margins impossible.

    Examples
    --------
    >>> m = controlled_round([5, 5, 5], [7, 8])
    >>> m.tolist(), m.sum(axis=1).tolist(), m.sum(axis=0).tolist()
    ([[3, 2], [2, 3], [2, 3]], [5, 5, 5], [7, 8])
    >>> controlled_round([6, 4], [5, 5], seed=[[1, 1], [0, 1]]).tolist()
    [[5, 1], [0, 4]]
    """
    row_list = check_units(row_totals, what="row totals")
    col_list = check_units(col_totals, what="column totals")
    total = sum(row_list)
    if total != sum(col_list):
        raise InvalidInputError.of("margins_disagree", rows=total, columns=sum(col_list))
    check_units([total], what="the total of the margins")
    signs = {v > 0 for v in (*row_list, *col_list) if v != 0}
    if len(signs) > 1:
        raise InvalidInputError.of(
            "margins_mixed_sign", low=min(*row_list, *col_list), high=max(*row_list, *col_list)
        )
    rows = np.asarray(row_list, dtype=np.int64)
    cols = np.asarray(col_list, dtype=np.int64)
    if total == 0:
        return np.zeros((rows.size, cols.size), dtype=np.int64)
    if total < 0:
        return -controlled_round(-rows, -cols, seed=seed, col_labels=col_labels)
    if seed is None:
        quotient, remainder = _floor_product(rows, cols, total)
        frac = remainder / total
        eligible = remainder > 0
    else:
        labels = list(col_labels) if col_labels is not None else [str(j) for j in range(cols.size)]
        quotient, frac = _fit(np.asarray(seed, dtype=np.float64), rows, cols, labels)
        # A fraction within float noise of 0 or 1: the cell is that whole number,
        # which is the floor or the ceiling of its ideal either way.
        up = frac > 1 - _SNAP
        quotient = quotient + up
        frac = np.where(up | (frac < _SNAP), 0.0, frac)
        eligible = frac > 0
    need = rows - quotient.sum(axis=1)
    room = cols - quotient.sum(axis=0)
    add = _greedy(frac, eligible, need, room)
    while (need > 0).any():
        _augment(add, eligible, need, room)
    result: IntMatrix = quotient + add
    return result


@exact_decimals
def plan_matrix(
    target: Target,
    owners: Sequence[OwnerLike],
    grain: Grain,
    *,
    time_weights: TimeWeights = "even",
    owner_method: AllocationMethod = "even",
    owner_weights: Mapping[str, object] | None = None,
    history: pd.Series[Any] | pd.DataFrame | None = None,
    calendar: FiscalCalendar | None = None,
    work_calendar: WorkCalendar | None = None,
    form: Literal["wide", "long"] = "wide",
    minor_units: bool = False,
) -> pd.DataFrame:
    """The target across owners (rows) and sub-periods (columns), exact on both margins.

    Each row sums exactly to that owner's :func:`~salescore.goals.allocate`
    share and each column to that period's :func:`~salescore.goals.decompose`
    share, in minor units for money and whole numbers for counts; see the
    module docstring for the controlled rounding. With
    ``owner_method="capacity"`` each owner's share of a period follows their
    working time in it (nothing before a hire date or after a leave date).
    Rate and level targets fill every cell with the target's value.

    Parameters
    ----------
    target : Target
        A target with a metric, a value and a period.
    owners : sequence of Rep, Team, Channel or Owner
        Distinct owners.
    grain : {"year", "quarter", "month", "week", "day"}
        The period grain of the columns.
    time_weights : "even", "days", "business_days", Seasonality, sequence or mapping
        As ``weights`` of :func:`~salescore.goals.decompose`.
    owner_method, owner_weights, history
        As ``method``, ``weights`` and ``history`` of :func:`~salescore.goals.allocate`.
    calendar : FiscalCalendar, optional
        Fiscal sub-periods.
    work_calendar : WorkCalendar, optional
        Working days for ``"business_days"`` and ``"capacity"``.
    form : {"wide", "long"}
        ``"wide"``: owners × period labels, index ``owner_id``. ``"long"``: one
        row per cell with ``owner_id``, ``period`` (label), ``period_start``,
        ``period_end`` and ``value``, owner by owner.
    minor_units : bool
        For money targets, give int64 minor units instead of ``Decimal`` values.

    Returns
    -------
    pandas.DataFrame
        ``Decimal`` values for money and rates (int64 with ``minor_units``),
        int64 for counts.

    Raises
    ------
    InvalidInputError
        As :func:`~salescore.goals.decompose` and :func:`~salescore.goals.allocate`;
        an unknown ``form``; a target above ``10**18`` minor units (whole units
        for counts), the largest that splits exactly.

    Examples
    --------
    >>> from salescore.calendar import Period
    >>> from salescore.models import Owner, Target
    >>> t = Target(id="Q1", metric="revenue", value="100.00", currency="CNY",
    ...            period=Period.quarter(2026, 1))
    >>> reps = [Owner(kind="rep", id=i) for i in ("R1", "R2", "R3")]
    >>> m = plan_matrix(t, reps, "month")
    >>> m.map(str)
    period   2026-01 2026-02 2026-03
    owner_id
    R1         11.12   11.11   11.11
    R2         11.11   11.11   11.11
    R3         11.11   11.11   11.11
    >>> [str(v) for v in m.sum(axis=1)], [str(v) for v in m.sum(axis=0)]
    (['33.34', '33.33', '33.33'], ['33.34', '33.33', '33.33'])
    """
    check_choice(form, ("wide", "long"), name="form")
    period = require_period(target)
    unit = split_unit(target)
    if unit.additive:
        check_units([unit.total], what=f"target {target.id!r} in {_unit_name(unit)}")
    ids = owner_ids(owners)
    periods, period_shares = _time_weights(
        period, grain, time_weights, calendar=calendar, work_calendar=work_calendar
    )
    shares = _owner_weights(
        owners,
        owner_method,
        period=period,
        weights=owner_weights,
        history=history,
        work_calendar=work_calendar,
    )
    labels = [calendar.label(p) if calendar else p.label for p in periods]
    values: npt.NDArray[Any]
    if not unit.additive:
        values = np.full((len(ids), len(periods)), unit.value, dtype=object)
    else:
        # Rows in owner-id order, so the result does not depend on the order given.
        order = np.array(sorted(range(len(ids)), key=lambda i: ids[i]), dtype=np.int64)
        row_totals = canonical_split(
            [ids[i] for i in order],
            lambda w: largest_remainder(unit.total, w),
            [shares[i] for i in order],
        )
        col_totals = largest_remainder(unit.total, period_shares)
        seed = None
        if owner_method == "capacity":
            # Owners share each period by their working time in it, so a new
            # hire gets nothing before the hire date and little while ramping.
            seed = working_time_units(
                [owners[i] for i in order],
                periods,
                work_calendar,
            ).astype(np.float64)
        canonical = controlled_round(row_totals, col_totals, seed=seed, col_labels=labels)
        units = np.empty_like(canonical)
        units[order] = canonical
        values = units if (minor_units or unit.scale == 0) else _decimals(units, unit.scale)
    frame = pd.DataFrame(
        values,
        index=pd.Index(ids, name="owner_id"),
        columns=pd.Index(labels, name="period"),
    )
    if form == "wide":
        return frame
    n, k = len(ids), len(periods)
    return pd.DataFrame(
        {
            "owner_id": np.repeat(np.asarray(ids, dtype=object), k),
            "period": np.tile(np.asarray(labels, dtype=object), n),
            "period_start": np.tile(np.array([p.start for p in periods], dtype="datetime64[D]"), n),
            "period_end": np.tile(np.array([p.end for p in periods], dtype="datetime64[D]"), n),
            "value": values.reshape(-1),
        }
    )


def _unit_name(unit: SplitUnit) -> str:
    return "minor units" if unit.scale else "whole units"


def _decimals(units: IntMatrix, scale: int) -> npt.NDArray[Any]:
    """Minor units as ``Decimal`` values with ``scale`` places.

    Plans repeat values (even weights give a handful of distinct cells), so
    each distinct value is converted once.
    """
    distinct, inverse = np.unique(units, return_inverse=True)
    decimals = np.array([Decimal(u).scaleb(-scale) for u in distinct.tolist()], dtype=object)
    result: npt.NDArray[Any] = decimals[inverse.reshape(units.shape)]
    return result
