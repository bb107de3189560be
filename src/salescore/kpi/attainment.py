"""Quota attainment: the distribution of reps' attainment, single and bulk."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

from salescore._base import FrozenModel
from salescore._numeric import exact_decimals
from salescore.error_codes import FailureReason
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.kpi._common import FloatArray, _count, _failures, _groups, _number, _ratio, _require
from salescore.money import Money

__all__ = ["AttainmentDistribution", "quota_attainment", "quota_attainment_frame"]


class AttainmentDistribution(FrozenModel):
    """How attainment (achieved ÷ quota) is spread across reps.

    Parameters
    ----------
    reps : int
        Reps given.
    with_quota : int
        Reps with a positive quota; the others have no attainment.
    at_or_above : int
        Reps with attainment >= 1.
    share_at_or_above : float
        ``at_or_above ÷ with_quota`` [fraction]; NaN when no rep has a quota.
    mean, p10, median, p90 : float
        Attainment statistics over reps with a quota [fraction of quota,
        may exceed 1]; NaN when no rep has a quota. Quantiles interpolate
        linearly.
    """

    reps: int
    with_quota: int
    at_or_above: int
    share_at_or_above: float
    mean: float
    p10: float
    median: float
    p90: float


def _attainment_stats(ratio: FloatArray) -> dict[str, float]:
    valid = ratio[~np.isnan(ratio)]
    if len(valid) == 0:
        return dict.fromkeys(("share_at_or_above", "mean", "p10", "median", "p90"), math.nan)
    q = np.quantile(valid, [0.1, 0.5, 0.9])
    return {
        "share_at_or_above": float((valid >= 1).sum() / len(valid)),
        "mean": float(valid.mean()),
        "p10": float(q[0]),
        "median": float(q[1]),
        "p90": float(q[2]),
    }


@exact_decimals
def quota_attainment(
    achieved: Mapping[str, object], quota: Mapping[str, object]
) -> AttainmentDistribution:
    """Distribution of quota attainment across reps, and the share at or above quota.

    Parameters
    ----------
    achieved, quota : mapping of rep id to number or Money
        What each rep achieved and their quota in one period, same keys, one
        unit (``Money`` values must share a currency). Quotas must be >= 0;
        a zero quota gives no attainment (counted in ``reps``, not in
        ``with_quota``).

    Examples
    --------
    >>> d = quota_attainment({"R1": 120, "R2": 80, "R3": 100, "R4": 5},
    ...                      {"R1": 100, "R2": 100, "R3": 100, "R4": 0})
    >>> d.with_quota, d.at_or_above, round(d.share_at_or_above, 4), d.median
    (3, 2, 0.6667, 1.0)
    """
    if set(achieved) != set(quota):
        extra = sorted(set(achieved) ^ set(quota))
        raise InvalidInputError(
            f"achieved and quota name different reps: {extra}; give both for every rep"
        )
    currencies = {v.currency for v in (*achieved.values(), *quota.values()) if isinstance(v, Money)}
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            f"attainment mixes currencies {', '.join(sorted(currencies))}; convert first"
        )
    reps = sorted(achieved)
    for r in reps:
        given = quota[r]
        value = given.amount if isinstance(given, Money) else given
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool) and value < 0:
            raise InvalidInputError.of("negative_quota", rep=r, value=value)
    frame = pd.DataFrame(
        {
            "rep_id": reps,
            "achieved": [_number(achieved[r], f"achieved of {r!r}") for r in reps],
            "quota": [_number(quota[r], f"quota of {r!r}") for r in reps],
        }
    )
    row = quota_attainment_frame(frame).iloc[0]
    return AttainmentDistribution(
        reps=int(row["reps"]),
        with_quota=int(row["with_quota"]),
        at_or_above=int(row["at_or_above"]),
        share_at_or_above=float(row["share_at_or_above"]),
        mean=float(row["mean"]),
        p10=float(row["p10"]),
        median=float(row["median"]),
        p90=float(row["p90"]),
    )


@exact_decimals
def quota_attainment_frame(df: pd.DataFrame, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Quota attainment distribution per segment (team, period, ...), vectorised.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per rep and period: ``rep_id``, ``achieved`` and ``quota``
        (finite, quota >= 0), plus any ``by`` columns (put a period column in
        ``by`` to report several periods). Not mutated; bad rows raise a
        :class:`~salescore.errors.FrameValidationError` listing all.
    by : sequence of str
        Segment columns.

    Returns
    -------
    pandas.DataFrame
        One row per segment: the ``by`` columns and the
        :class:`AttainmentDistribution` fields.

    Examples
    --------
    >>> df = pd.DataFrame({"team": ["E", "E", "W"], "rep_id": ["R1", "R2", "R3"],
    ...                    "achieved": [110.0, 90.0, 0.0], "quota": [100.0, 100.0, 0.0]})
    >>> quota_attainment_frame(df, by=["team"])[["team", "with_quota", "share_at_or_above"]]
      team  with_quota  share_at_or_above
    0    E           2                0.5
    1    W           0                NaN
    """
    _require(df, ("rep_id", "achieved", "quota"), "attainment")
    achieved = pd.to_numeric(df["achieved"], errors="coerce").astype(np.float64)
    quota = pd.to_numeric(df["quota"], errors="coerce").astype(np.float64)
    _failures(
        df,
        [
            (~np.isfinite(achieved), "achieved", df["achieved"], FailureReason.NOT_FINITE),
            (~np.isfinite(quota), "quota", df["quota"], FailureReason.NOT_FINITE),
            (quota < 0, "quota", df["quota"], FailureReason.NEGATIVE),
        ],
        "attainment",
    )
    codes, keys = _groups(df, by)
    n = len(keys)
    ratio = _ratio(achieved.to_numpy(), quota.to_numpy())
    has = ~np.isnan(ratio)
    out = keys.copy()
    out["reps"] = np.bincount(codes, minlength=n)
    out["with_quota"] = _count(codes, has, n)
    out["at_or_above"] = _count(codes, has & (np.nan_to_num(ratio, nan=-1.0) >= 1), n)
    # Quantiles per group: sort by group once, then take each group's slice.
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n + 1))
    stats = [_attainment_stats(ratio[order[bounds[g] : bounds[g + 1]]]) for g in range(n)]
    for name in ("share_at_or_above", "mean", "p10", "median", "p90"):
        out[name] = [s[name] for s in stats]
    return out
