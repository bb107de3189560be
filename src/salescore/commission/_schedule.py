"""Statements under plan versions: the one window driver of both entry points.

A :class:`~salescore.commission.PlanSchedule` pays each credit and clawback
by the version in effect on its date. :func:`run_windows` cuts the period
into the schedule's windows, splits each quota between them by days, sorts
credits and clawbacks into their window, runs one single-plan statement per
window (through the caller's ``run``) and threads the year-to-date and held
carry from window to window. The caller then adds the windows up and settles
once: that step differs only in the form of the result (models or frames).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from salescore.calendar import Period
from salescore.commission.plan import CommissionPlan
from salescore.commission.versions import PlanSchedule, split_by_days, window_of, window_plans

__all__ = ["Window", "run_windows"]

P = TypeVar("P")  # the carry a window starts from
T = TypeVar("T")  # what a window's run returns


@dataclass(frozen=True)
class Window(Generic[P]):
    """One window of a scheduled period: what its single-plan run needs.

    Attributes
    ----------
    period : Period
        The window [start, end).
    plan : CommissionPlan
        The version paying it (no draw; its floor split by days).
    credits, clawbacks : numpy.ndarray of bool
        Which of the caller's credits and clawbacks are dated in it.
    quotas : numpy.ndarray of int64
        Each of the caller's quotas' part for this window, by days [minor units].
    prior : P
        The carry it starts from: the previous window's year-to-date and held
        amounts, no balances (those settle once, over the whole period).
    last : bool
        Whether it is the last window, which pays target bonuses (they
        measure the whole period).
    """

    period: Period
    plan: CommissionPlan
    credits: npt.NDArray[np.bool_]
    clawbacks: npt.NDArray[np.bool_]
    quotas: npt.NDArray[np.int64]
    prior: P
    last: bool


def run_windows(
    schedule: PlanSchedule,
    period: Period,
    *,
    quotas: npt.ArrayLike,
    credit_days: npt.ArrayLike,
    claw_days: npt.ArrayLike,
    prior: P,
    run: Callable[[Window[P]], T],
    carry_of: Callable[[T], P],
) -> tuple[list[T], list[Period], CommissionPlan]:
    """Run ``run`` on every window of ``period`` under ``schedule``, in date order.

    Parameters
    ----------
    schedule : PlanSchedule
    period : Period
    quotas : array_like of int
        The quotas to split by days [minor units]; may be empty.
    credit_days, claw_days : array_like of datetime64
        The credits' and clawbacks' dates (NaT goes to the first window).
    prior : P
        The first window's carry (year-to-date and held only).
    run : callable
        One single-plan statement of a :class:`Window`.
    carry_of : callable
        The carry the next window starts from, of a window's result.

    Returns
    -------
    (list of T, list of Period, CommissionPlan)
        Each window's result, the windows, and the plan that settles the
        period (its draw and negative-balance rules).
    """
    windows, plans, settling = window_plans(schedule, period)
    minor = np.asarray(quotas, dtype=np.int64)
    parts = (
        split_by_days(minor, windows) if len(minor) else np.zeros((0, len(windows)), dtype=np.int64)
    )
    where = window_of(np.asarray(credit_days, dtype="datetime64[D]"), windows)
    where_claw = window_of(np.asarray(claw_days, dtype="datetime64[D]"), windows)
    outs: list[T] = []
    carry = prior
    for i, (w, p) in enumerate(zip(windows, plans, strict=True)):
        out = run(
            Window(
                period=w,
                plan=p,
                credits=where == i,
                clawbacks=where_claw == i,
                quotas=parts[:, i],
                prior=carry,
                last=i == len(windows) - 1,
            )
        )
        outs.append(out)
        carry = carry_of(out)
    return outs, windows, settling
