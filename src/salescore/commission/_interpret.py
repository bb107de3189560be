"""From kernel results to what a statement carries: shared by both entry points.

:func:`~salescore.commission.statement` and
:func:`~salescore.commission.statements_frame` both read the kernel's lines
through here, so the carry update is written once: the object path calls it
on the arrays of one rep (one group, exact Python integers), the bulk path on
every rep's (int64).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from salescore.commission._kernel import KernelResult
from salescore.commission._records import KIND_GATE, KIND_RELEASE

__all__ = ["year_moves"]


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
