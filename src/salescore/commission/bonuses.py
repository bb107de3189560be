"""Bonuses on targets other than revenue: fixed amounts and shared pools.

A :class:`~salescore.commission.TargetBonus` pays when a rep meets another
goal of the period (new customers, meetings, units of a product line). Each
rep's result on a metric is an :class:`Achievement`: the actual and the
target. A fixed bonus pays its amount to every rep who meets the threshold;
a pool bonus is split, exactly to the minor unit, among the reps who meet it
(evenly or by their actual values): :func:`bonus_pool_shares` computes every
rep's share, which each rep's :func:`~salescore.commission.statement` is
then given. :func:`~salescore.commission.statements_frame` does both at once
from an achievements frame (:data:`ACHIEVEMENTS`).

All comparisons are exact: metric values and thresholds have at most six
decimal places and are compared as integers in millionths.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import field_validator

from salescore._base import FrozenModel
from salescore._numeric import (
    DECIMAL_CONTEXT,
    exact_decimals,
    floats_to_minor_units,
    largest_remainder,
    to_decimal,
)
from salescore.commission._texts import bonus_reasons
from salescore.commission.plan import METRIC_PLACES, CommissionPlan, TargetBonus
from salescore.errors import InvalidInputError
from salescore.frames import Column, FrameContract, partition_frame
from salescore.money import minor_unit

__all__ = ["ACHIEVEMENTS", "Achievement", "bonus_pool_shares"]

#: Column contract of an achievements frame: one row per rep and metric.
ACHIEVEMENTS: Final = FrameContract(
    "achievements",
    (
        Column("rep_id", "string", nonblank=True, description="the rep"),
        Column("metric", "string", nonblank=True, description="the target measured"),
        Column("actual", "float", non_negative=True, description="the rep's actual value"),
        Column("target", "float", non_negative=True, description="the rep's target, > 0"),
    ),
    description="one rep's actual and target of one metric in the period",
)
_SCALE: Final = 10**METRIC_PLACES


class Achievement(FrozenModel):
    """A rep's actual and target of one metric in the period.

    Parameters
    ----------
    actual : Decimal
        The value achieved, >= 0, at most six decimal places.
    target : Decimal
        The value aimed at, > 0, at most six decimal places.

    Examples
    --------
    >>> Achievement(actual=12, target=10).attainment
    Decimal('1.2')
    """

    actual: Decimal
    target: Decimal

    @field_validator("actual", "target", mode="before")
    @classmethod
    def _metric_value(cls, value: object) -> Decimal:
        result = to_decimal(value, what="metric value")
        if result < 0:
            raise InvalidInputError(f"metric value {value!r} is negative; it must be >= 0")
        if result != result.quantize(Decimal(1).scaleb(-METRIC_PLACES), context=DECIMAL_CONTEXT):
            raise InvalidInputError(
                f"metric value {value!r} has more than {METRIC_PLACES} decimal places"
            )
        return result

    @field_validator("target")
    @classmethod
    def _positive_target(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise InvalidInputError("a target of 0 cannot be met or missed; it must be > 0")
        return value

    @property
    def attainment(self) -> Decimal:
        """``actual / target`` [fraction]."""
        return DECIMAL_CONTEXT.divide(self.actual, self.target).normalize(DECIMAL_CONTEXT)


def scaled(value: Decimal) -> int:
    """A metric value in millionths (exact: values have at most six places)."""
    return int(value.scaleb(METRIC_PLACES))


def meets(
    bonus: TargetBonus, actual: npt.NDArray[np.int64], target: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Whether each ``actual >= threshold * target`` (values in millionths), exactly."""
    threshold = scaled(bonus.threshold)
    big = max(int(np.abs(actual).max(initial=0)), int(np.abs(target).max(initial=0)))
    if big * max(threshold, _SCALE) < 2**62:
        return np.asarray(actual * _SCALE >= target * threshold, dtype=bool)
    return np.asarray(
        [
            a * _SCALE >= t * threshold
            for a, t in zip(actual.tolist(), target.tolist(), strict=True)
        ],
        dtype=bool,
    )


def pool_split(
    bonus: TargetBonus, met: npt.NDArray[np.bool_], actual: npt.NDArray[np.int64], mu: int
) -> npt.NDArray[np.int64]:
    """Each rep's share of ``bonus.pool`` [minor units]; reps in rep-id order.

    Only reps who met the target share; ties in the largest remainder go to
    the earlier rep. Nothing is paid when nobody met it.
    """
    out = np.zeros(len(met), dtype=np.int64)
    who = np.flatnonzero(met)
    if not len(who):
        return out
    assert bonus.pool is not None  # only pool bonuses are split
    weights = (
        [Fraction(1)] * len(who)
        if bonus.share == "even"
        else [Fraction(int(a)) for a in actual[who].tolist()]
    )
    out[who] = largest_remainder(int(bonus.pool.scaleb(mu)), weights)
    return out


@exact_decimals
def bonus_pool_shares(
    plan: CommissionPlan, achievements: Mapping[str, Mapping[str, Achievement]]
) -> dict[str, dict[str, Decimal]]:
    """Every rep's share of each pool bonus of ``plan`` [currency].

    A pool is split among the reps given who meet its target: evenly, or in
    proportion to their actual values (``share="actual"``), exactly to the
    minor unit by largest remainder (ties to the earlier rep id), so the
    shares add up to the pool. Pass ``shares[rep_id]`` to that rep's
    :func:`~salescore.commission.statement` as ``pool_shares``.

    Parameters
    ----------
    plan : CommissionPlan
        The plan (under plan versions, the version in effect on the period's
        last day, which pays target bonuses).
    achievements : mapping of str to mapping of str to Achievement
        Per rep id, the rep's achievement of each metric. Every rep sharing
        the pool must be here.

    Returns
    -------
    dict of str to dict of str to Decimal
        Per rep who met a pool bonus's target, the share of each such bonus.

    Raises
    ------
    InvalidInputError
        A metric that no bonus of the plan measures.

    Examples
    --------
    >>> from salescore.commission import CommissionPlan, TargetBonus, Tier, TieredComponent
    >>> plan = CommissionPlan(id="P", currency="CNY",
    ...     components=[TieredComponent(name="base", tiers=[Tier(lower=0, rate="0.05")])],
    ...     bonuses=[TargetBonus(name="logo pool", metric="new_customers", pool="10000.00")])
    >>> shares = bonus_pool_shares(plan, {
    ...     "R1": {"new_customers": Achievement(actual=12, target=10)},
    ...     "R2": {"new_customers": Achievement(actual=10, target=10)},
    ...     "R3": {"new_customers": Achievement(actual=9, target=10)},
    ...     "R4": {"new_customers": Achievement(actual=15, target=12)}})
    >>> for rep, share in shares.items():
    ...     print(rep, share)
    R1 {'logo pool': Decimal('3333.34')}
    R2 {'logo pool': Decimal('3333.33')}
    R4 {'logo pool': Decimal('3333.33')}
    """
    check_metrics(plan, {m for per_rep in achievements.values() for m in per_rep})
    mu = minor_unit(plan.currency)
    out: dict[str, dict[str, Decimal]] = {}
    for bonus in plan.bonuses:
        if bonus.pool is None:
            continue
        reps = sorted(r for r, per_rep in achievements.items() if bonus.metric in per_rep)
        actual = np.asarray([scaled(achievements[r][bonus.metric].actual) for r in reps], np.int64)
        target = np.asarray([scaled(achievements[r][bonus.metric].target) for r in reps], np.int64)
        met = meets(bonus, actual, target)
        shares = pool_split(bonus, met, actual, mu)
        for rep, ok, share in zip(reps, met.tolist(), shares.tolist(), strict=True):
            if ok:
                out.setdefault(rep, {})[bonus.name] = Decimal(share).scaleb(-mu)
    return out


def check_metrics(plan: CommissionPlan, metrics: set[str]) -> None:
    """Raise if a metric is measured by no bonus of ``plan``."""
    unknown = sorted(metrics - {b.metric for b in plan.bonuses})
    if unknown:
        raise InvalidInputError(
            f"achievements of metrics {unknown} that no target bonus of plan {plan.id!r} "
            f"measures; allowed: {sorted({b.metric for b in plan.bonuses})}"
        )


def bonus_reason(
    bonus: TargetBonus, achievement: Achievement, met: bool, currency: str
) -> tuple[str, str]:
    """A bonus line's reason in English and Simplified Chinese."""
    a, t = (
        achievement.actual.normalize(DECIMAL_CONTEXT),
        achievement.target.normalize(DECIMAL_CONTEXT),
    )
    hundred = DECIMAL_CONTEXT.multiply(achievement.attainment, Decimal(100))
    shown = hundred.quantize(Decimal("0.01"), context=DECIMAL_CONTEXT)
    pct = f"{shown.normalize(DECIMAL_CONTEXT):f}%"
    need = (
        f"{DECIMAL_CONTEXT.multiply(bonus.threshold, Decimal(100)).normalize(DECIMAL_CONTEXT):f}%"
    )
    if not met:
        return bonus_reasons(bonus.metric, f"{a:f}", f"{t:f}", pct, need, None, pool=False)
    unit = Decimal(1).scaleb(-minor_unit(currency))
    value = f"{bonus.value.quantize(unit, context=DECIMAL_CONTEXT):,} {currency}"
    return bonus_reasons(
        bonus.metric, f"{a:f}", f"{t:f}", pct, need, value, pool=bonus.amount is None
    )


def statement_bonuses(
    plan: CommissionPlan,
    achievements: Mapping[str, Achievement],
    pool_shares: Mapping[str, object],
) -> list[tuple[int, bool, str, str]]:
    """Per bonus of ``plan``: paid [minor units], whether it has a line, and its reasons.

    A bonus whose metric has no achievement has no line and pays nothing.
    """
    check_metrics(plan, set(achievements))
    pools = {b.name for b in plan.bonuses if b.pool is not None}
    unknown = sorted(set(pool_shares) - pools)
    if unknown:
        raise InvalidInputError(
            f"pool shares of {unknown}, which are not pool bonuses of plan {plan.id!r}; "
            f"allowed: {sorted(pools)}"
        )
    mu = minor_unit(plan.currency)
    out = []
    for bonus in plan.bonuses:
        got = achievements.get(bonus.metric)
        given = pool_shares.get(bonus.name)
        share = None if given is None else to_decimal(given, what=f"pool share of {bonus.name!r}")
        if got is None:
            if share:
                raise InvalidInputError(
                    f"a pool share {share} of {bonus.name!r} is given but no achievement of "
                    f"{bonus.metric!r}; the share is only for a rep who met the target"
                )
            out.append((0, False, "", ""))
            continue
        met = bool(
            meets(
                bonus,
                np.asarray([scaled(got.actual)], dtype=np.int64),
                np.asarray([scaled(got.target)], dtype=np.int64),
            )[0]
        )
        en, zh = bonus_reason(bonus, got, met, plan.currency)
        if bonus.amount is not None:
            out.append((int(bonus.amount.scaleb(mu)) if met else 0, True, en, zh))
            continue
        assert bonus.pool is not None
        if met and share is None:
            raise InvalidInputError(
                f"rep met the target of pool bonus {bonus.name!r}; give its share "
                "(pool_shares=, from bonus_pool_shares over every rep sharing the pool)"
            )
        share = share or Decimal(0)
        if not met and share:
            raise InvalidInputError(
                f"a pool share {share} of {bonus.name!r} is given to a rep who did not meet "
                "its target"
            )
        if not 0 <= share <= bonus.pool or share.scaleb(mu) != int(share.scaleb(mu)):
            raise InvalidInputError(
                f"pool share {share} of {bonus.name!r} must lie in [0, {bonus.pool}] in whole "
                f"minor units of {plan.currency}"
            )
        out.append((int(share.scaleb(mu)), True, en, zh))
    return out


def read_achievements(plan: CommissionPlan, frame: pd.DataFrame | None) -> pd.DataFrame:
    """An achievements frame checked: ``rep_id``, ``metric``, ``actual``, ``target`` in millionths.

    Raises
    ------
    InvalidInputError
        Rows breaking :data:`ACHIEVEMENTS`, a target of 0, a value with more
        than six decimal places, a (rep, metric) pair given twice, or a metric
        no bonus of the plan measures.
    """
    empty = pd.DataFrame(
        {
            "rep_id": pd.Series([], dtype=object),
            "metric": pd.Series([], dtype=object),
            "actual": np.zeros(0, dtype=np.int64),
            "target": np.zeros(0, dtype=np.int64),
        }
    )
    if frame is None:
        return empty
    valid, failures = partition_frame(frame, ACHIEVEMENTS)
    if len(failures):
        raise InvalidInputError(
            f"achievements rows break the contract: {failures.head(5).to_dict('records')}"
        )
    out = pd.DataFrame(
        {
            "rep_id": valid["rep_id"].astype(object).to_numpy(),
            "metric": valid["metric"].astype(object).to_numpy(),
        }
    )
    for name in ("actual", "target"):
        values = valid[name].to_numpy(dtype=np.float64)
        scaled_ = (
            floats_to_minor_units(values, METRIC_PLACES)
            if len(values)
            else np.zeros(0, dtype=np.int64)
        )
        off = scaled_ / float(_SCALE) != values
        if name == "target":
            off |= scaled_ <= 0
        if off.any():
            raise InvalidInputError(
                f"achievements rows {list(valid.index[off][:5])} have a {name} with more than "
                f"{METRIC_PLACES} decimal places" + (" or of 0" if name == "target" else "")
            )
        out[name] = scaled_
    twice = out.duplicated(subset=["rep_id", "metric"], keep=False).to_numpy()
    if twice.any():
        raise InvalidInputError(
            f"achievements rows {list(valid.index[twice][:5])} repeat a (rep, metric) pair; "
            "give each rep's metric once"
        )
    check_metrics(plan, set(out["metric"]))
    return out


def bonus_matrix(
    plan: CommissionPlan, achieved: pd.DataFrame, reps: pd.Index
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """What each bonus pays each rep of ``reps`` (sorted) [minor units], and where it has a line.

    ``achieved`` comes from :func:`read_achievements`; pools are shared among
    its reps, as :func:`bonus_pool_shares` shares them.
    """
    mu = minor_unit(plan.currency)
    paid = np.zeros((len(reps), len(plan.bonuses)), dtype=np.int64)
    shown = np.zeros((len(reps), len(plan.bonuses)), dtype=bool)
    for bi, bonus in enumerate(plan.bonuses):
        rows = achieved[achieved["metric"] == bonus.metric]
        rows = rows.iloc[np.argsort(rows["rep_id"].to_numpy(), kind="stable")]
        actual = rows["actual"].to_numpy(dtype=np.int64)
        met = meets(bonus, actual, rows["target"].to_numpy(dtype=np.int64))
        if bonus.amount is not None:
            amount = np.where(met, int(bonus.amount.scaleb(mu)), 0)
        else:
            amount = pool_split(bonus, met, actual, mu)
        where = reps.get_indexer(pd.Index(rows["rep_id"]))
        assert (where >= 0).all()  # the caller's reps hold every rep achieving
        paid[where, bi] = amount
        shown[where, bi] = True
    return paid, shown
