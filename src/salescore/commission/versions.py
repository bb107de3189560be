"""Effective dating: a plan that changes during a period applies by credit date.

A :class:`PlanSchedule` is a sequence of :class:`PlanVersion` — each plan in
effect from its ``effective_from`` date until the next version's. Given to
:func:`~salescore.commission.statement` or
:func:`~salescore.commission.statements_frame` instead of a plan, the period
is cut at every change inside it into *windows*, and each window is paid
under the version in effect in it, as a period of its own:

* a credit (and a clawback) is paid by the version in effect on its date;
* measures, period caps, gates, SPIFF limits and the floor restart in each
  window; the period's quota and floor are split between the windows by
  their days (largest remainder, so the parts add up to the whole);
* year-to-date amounts carry from window to window, so year caps hold across
  the change;
* the period is settled once, on the sum of the windows, against the draw of
  the version in effect on the period's last day.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Self

import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore._numeric import largest_remainder_rows
from salescore.calendar import Period
from salescore.commission.plan import CommissionPlan, Floor
from salescore.errors import InvalidInputError
from salescore.money import minor_unit

__all__ = ["PlanSchedule", "PlanVersion"]


class PlanVersion(FrozenModel):
    """One version of a plan and the date it takes effect.

    Parameters
    ----------
    effective_from : date
        First day the version applies.
    plan : CommissionPlan
        The plan.
    """

    effective_from: date
    plan: CommissionPlan


class PlanSchedule(FrozenModel):
    """Plan versions by effective date; round-trips through JSON like a plan.

    Parameters
    ----------
    versions : tuple of PlanVersion
        In strictly increasing ``effective_from`` order, all in one currency.
        Before the first version's date no plan is in effect.

    Examples
    --------
    >>> from salescore.commission import Tier, TieredComponent
    >>> def flat(rate):
    ...     return CommissionPlan(id="P", currency="CNY", components=[
    ...         TieredComponent(name="base", tiers=[Tier(lower=0, rate=rate)])])
    >>> schedule = PlanSchedule(versions=[
    ...     PlanVersion(effective_from=date(2026, 1, 1), plan=flat("0.05")),
    ...     PlanVersion(effective_from=date(2026, 1, 16), plan=flat("0.06"))])
    >>> [(str(w.start), str(w.end), v.plan.components[0].tiers[0].rate)
    ...  for w, v in schedule.windows(Period.month(2026, 1))]
    [('2026-01-01', '2026-01-16', Decimal('0.05')), ('2026-01-16', '2026-02-01', Decimal('0.06'))]
    >>> PlanSchedule.model_validate_json(schedule.model_dump_json()) == schedule
    True
    """

    versions: tuple[PlanVersion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Self:
        for prev, version in zip(self.versions, self.versions[1:], strict=False):
            if version.effective_from <= prev.effective_from:
                raise InvalidInputError(
                    f"plan version effective {version.effective_from} does not come after the "
                    f"version effective {prev.effective_from}; versions must be in date order"
                )
        currencies = sorted({v.plan.currency for v in self.versions})
        if len(currencies) > 1:
            raise InvalidInputError(
                f"plan versions are in currencies {currencies}; a schedule has one currency"
            )
        return self

    @property
    def currency(self) -> str:
        """ISO 4217 code of every version."""
        return self.versions[0].plan.currency

    def at(self, day: date) -> PlanVersion:
        """The version in effect on ``day``."""
        current = [v for v in self.versions if v.effective_from <= day]
        if not current:
            raise InvalidInputError(
                f"no plan version is in effect on {day}; the first takes effect on "
                f"{self.versions[0].effective_from}"
            )
        return current[-1]

    def windows(self, period: Period) -> list[tuple[Period, PlanVersion]]:
        """The period cut at every change inside it, with the version of each window."""
        cuts = [v.effective_from for v in self.versions if period.start < v.effective_from]
        cuts = [c for c in cuts if c < period.end]
        bounds = [period.start, *cuts, period.end]
        return [(Period(start=lo, end=hi), self.at(lo)) for lo, hi in itertools.pairwise(bounds)]


def window_plans(
    schedule: PlanSchedule, period: Period
) -> tuple[list[Period], list[CommissionPlan], CommissionPlan]:
    """Each window, the plan paying it (no draw; its floor split by days), and the settling plan."""
    windows = schedule.windows(period)
    days = np.asarray([[w.days for w, _ in windows]], dtype=np.int64)
    mu = minor_unit(schedule.currency)
    plans = []
    for i, (_, version) in enumerate(windows):
        plan = version.plan
        floor = plan.floor
        if floor is not None:
            whole = int(floor.amount.scaleb(mu))
            part = int(largest_remainder_rows([whole], days)[0, i])
            floor = Floor(amount=Decimal(part).scaleb(-mu), name=floor.name)
        plans.append(plan.model_copy(update={"draw": None, "floor": floor}))
    settling = schedule.at(period.end - timedelta(days=1)).plan
    return [w for w, _ in windows], plans, settling


def split_by_days(minor: npt.ArrayLike, windows: list[Period]) -> npt.NDArray[np.int64]:
    """Split each whole in ``minor`` between ``windows`` by their days [minor units], (n, k)."""
    days = np.asarray([w.days for w in windows], dtype=np.int64)
    return largest_remainder_rows(np.asarray(minor, dtype=np.int64), days)


def window_of(days: npt.ArrayLike, windows: list[Period]) -> npt.NDArray[np.int64]:
    """The window holding each date (``datetime64``; NaT and dates outside go to an end)."""
    starts = np.asarray([w.start for w in windows], dtype="datetime64[D]")
    values = np.asarray(days, dtype="datetime64[D]")
    idx = np.searchsorted(starts, values, side="right") - 1
    idx = np.where(np.isnat(values), 0, idx)
    return np.clip(idx, 0, len(windows) - 1).astype(np.int64)
