r"""Quota proration: reps who join or leave mid-period, and ramp schedules.

A rep's quota for a period is prorated by the share of the period they work,
weighed by their ramp factor:

.. math::

    q' = \operatorname{round}\Big(q \cdot \frac{\sum_{d \in P,\ \text{employed}} f(d)}{|P|}\Big)

where the sum runs over the days $d$ of the period $P$ from the hire date to
the leave date (inclusive), $f(d)$ is the ramp factor of the month of tenure
holding $d$ (``ramp[k]`` in month $k$ after hire, 1 after the schedule and for
a rep without a hire date), and $|P|$ is the number of days in the period.
With a :class:`~salescore.calendar.WorkCalendar` only working days are
counted, above and below. Ramp factors are read to the millionth; the ratio
is exact and the quota is rounded once to the currency's minor unit. A rep's
``capacity`` is not applied: it describes working time, and a part-time
rep's quota is set, not prorated.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN

import numpy as np
import numpy.typing as npt

from salescore._numeric import check_rounding, exact_decimals, round_div
from salescore.calendar import Period, WorkCalendar, working_time_units
from salescore.errors import InvalidInputError
from salescore.models import Rep
from salescore.money import Money

__all__ = ["prorated_quota", "proration_units"]

_UNIT = 10**12  # working_time_units counts days in 10^-12 (capacity x ramp, each to 10^-6)


def proration_units(
    reps: Sequence[Rep], period: Period, work_calendar: WorkCalendar | None = None
) -> tuple[npt.NDArray[np.int64], int]:
    """Each rep's ramp-weighted days employed in ``period`` and the period's length.

    Returns ``(worked, length)``: ``worked[i] / length`` is rep ``i``'s
    proration factor exactly (``worked`` in 10⁻¹² day, ``length`` in the same
    units). Vectorised over reps.
    """
    full = [r if r.capacity == 1 else r.model_copy(update={"capacity": 1.0}) for r in reps]
    worked = working_time_units(full, [period], work_calendar)[:, 0]
    days = period.days if work_calendar is None else work_calendar.business_days(period)
    if days == 0:
        raise InvalidInputError(
            f"period {period} has no working days in the work calendar; a quota cannot be prorated"
        )
    return np.asarray(worked, dtype=np.int64), days * _UNIT


def prorate_minor(
    quota_minor: npt.ArrayLike, worked: npt.ArrayLike, length: int, rounding: str
) -> npt.NDArray[np.int64]:
    """``round(quota_minor * worked / length)`` exactly, element-wise [minor units]."""
    q = np.asarray(quota_minor, dtype=np.int64).astype(object)
    w = np.asarray(worked, dtype=np.int64).astype(object)
    out = round_div(q * w, length, rounding)
    return np.asarray(out, dtype=np.int64)


@exact_decimals
def prorated_quota(
    quota: Money,
    rep: Rep,
    period: Period,
    *,
    work_calendar: WorkCalendar | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> Money:
    """The rep's quota for ``period``, prorated by days employed and ramp factor.

    Parameters
    ----------
    quota : Money
        The full period quota [currency], in whole minor units, >= 0.
    rep : Rep
        The rep: ``hire_date``, ``leave_date`` (inclusive) and ``ramp`` are read.
    period : Period
        The quota's period [start, end).
    work_calendar : WorkCalendar, optional
        Count working days instead of calendar days.
    rounding : str
        Rounding mode of the result, default ``ROUND_HALF_EVEN``.

    Returns
    -------
    Money
        ``round(quota * worked / length)``, see the module docstring.

    Raises
    ------
    InvalidInputError
        The quota is negative or not in whole minor units; the period has no
        working days.

    Examples
    --------
    >>> from datetime import date
    >>> rep = Rep(id="R1", name="Li", hire_date=date(2026, 1, 17), ramp=(0.5,))
    >>> jan, feb, mar = (Period.month(2026, m) for m in (1, 2, 3))
    >>> str(prorated_quota(Money("31000", "CNY"), rep, jan))   # 15 of 31 days at 0.5
    '7500.00 CNY'
    >>> str(prorated_quota(Money("28000", "CNY"), rep, feb))   # 16 days at 0.5, 12 at 1
    '20000.00 CNY'
    >>> str(prorated_quota(Money("31000", "CNY"), rep, mar))
    '31000.00 CNY'
    """
    check_rounding(rounding)
    if quota.amount < 0 or quota.quantize().amount != quota.amount:
        raise InvalidInputError(
            f"quota {quota} must be >= 0 and in whole minor units of {quota.currency}"
        )
    worked, length = proration_units([rep], period, work_calendar)
    minor = prorate_minor([quota.to_minor()], worked, length, rounding)
    return Money.from_minor(int(minor[0]), quota.currency)
