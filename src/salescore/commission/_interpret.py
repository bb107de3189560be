"""From kernel results to what a statement carries: shared by both entry points.

:func:`~salescore.commission.statement` and
:func:`~salescore.commission.statements_frame` both read the kernel's lines
through here, so the carry update is written once: the object path calls it
on the arrays of one rep (one group, exact Python integers), the bulk path on
every rep's (int64).
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from salescore._numeric import DECIMAL_CONTEXT
from salescore.commission._kernel import KernelResult
from salescore.commission._records import KIND_FLOOR, KIND_GATE, KIND_MULTIPLIER, KIND_RELEASE
from salescore.commission.plan import CommissionPlan

__all__ = ["line_order", "multiplier_products", "year_moves"]


def year_moves(
    result: KernelResult, amount: npt.NDArray[Any], n_groups: int, n_components: int
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """What each group's lines add to its year-to-date and take from its held pay.

    Parameters
    ----------
    result : KernelResult
    amount : numpy.ndarray
        The lines' rounded amounts [minor units], int64 or Python integers
        (the sums keep that dtype).
    n_groups : int
    n_components : int
        The plan's rate tables; SPIFF, bonus and floor lines come after them.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray), each of shape (n_groups, n_components)
        ``paid``: the sum of each table's lines, added to year-to-date (year
        caps measure it). ``moved``: the sum of its gate and release lines;
        a deferred gate's held pay is what it held less this (a gate line is
        negative, holding; a release positive, paying out).
    """
    paid = np.zeros((n_groups, n_components), dtype=amount.dtype)
    tables = result.component < n_components
    np.add.at(paid, (result.group[tables], result.component[tables]), amount[tables])
    moved = np.zeros((n_groups, n_components), dtype=amount.dtype)
    shift = tables & np.isin(result.kind, [KIND_GATE, KIND_RELEASE])
    np.add.at(moved, (result.group[shift], result.component[shift]), amount[shift])
    return paid, moved


def line_order(
    result: KernelResult, unmatched_group: npt.ArrayLike, claw_group: npt.ArrayLike
) -> npt.NDArray[np.intp]:
    """Where each line goes on the statements: the one rule of line placement.

    The lines are the kernel's, then the unmatched credits', then the
    clawbacks', concatenated; each rep's statement shows its kernel lines in
    kernel order, its unmatched credits, its floor line, then its clawbacks.

    Parameters
    ----------
    result : KernelResult
    unmatched_group, claw_group : array_like of int
        The group (rep) of each unmatched credit and each clawback line.

    Returns
    -------
    numpy.ndarray of intp
        The permutation of the concatenated lines into statement order.
    """
    unmatched = np.asarray(unmatched_group, dtype=np.int64)
    claws = np.asarray(claw_group, dtype=np.int64)
    section = np.concatenate(
        [
            np.where(np.asarray(result.kind) == KIND_FLOOR, 2, 0),
            np.ones(len(unmatched), dtype=np.int64),
            np.full(len(claws), 3, dtype=np.int64),
        ]
    )
    group = np.concatenate([np.asarray(result.group, dtype=np.int64), unmatched, claws])
    return np.lexsort((np.arange(len(group)), section, group))


def multiplier_products(
    plan: CommissionPlan, result: KernelResult, attr_flags: npt.NDArray[np.bool_]
) -> npt.NDArray[Any]:
    """The exact multiplier each ``multiplier`` line shows; ``Decimal(1)`` on other lines.

    Parameters
    ----------
    plan : CommissionPlan
    result : KernelResult
    attr_flags : numpy.ndarray of bool, shape (n_credits, n_flags)
        In the kernel's credit order: whether credit ``i`` carries
        ``plan.multiplier_flags[f]``.

    Returns
    -------
    numpy.ndarray of Decimal, one per kernel line
        The product of the attribute multipliers of the line's table that its
        credit carries, formed exactly once per combination of flags.
    """
    out = np.full(len(result.kind), Decimal(1), dtype=object)
    for ci in range(len(result.segs)):
        on_m = np.flatnonzero((result.component == ci) & (result.kind == KIND_MULTIPLIER))
        if not len(on_m):
            continue
        own = plan.multipliers_of(ci)
        has_flag = attr_flags[result.credit[on_m]]
        cols = [plan.multiplier_flags.index(m.flag) for m in own]
        code = has_flag[:, cols].astype(np.int64) @ (1 << np.arange(len(own), dtype=np.int64))
        combos, inverse = np.unique(code, return_inverse=True)
        factors = np.empty(len(combos), dtype=object)
        factors[:] = [
            functools.reduce(
                DECIMAL_CONTEXT.multiply,
                (m.multiplier for b, m in enumerate(own) if int(c) >> b & 1),
                Decimal(1),
            )
            for c in combos
        ]
        out[on_m] = factors[inverse.reshape(-1)]
    return out
