"""Statements for every rep at once: the vectorised twin of :func:`statement`.

:func:`statements_frame` takes a credits DataFrame (contract :data:`CREDITS`)
and returns every statement line, one total per rep, and an errors table for
the rows it could not use. It runs the same integer kernel as
:func:`~salescore.commission.statement` on whole columns (int64 minor units;
Python integers only when a bound shows int64 could overflow), so it agrees
with the single path to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN
from typing import Final

import numpy as np
import pandas as pd

from salescore._numeric import floats_to_minor_units, to_decimal, to_minor_units
from salescore.calendar import Period
from salescore.commission import _kernel
from salescore.commission.plan import CommissionPlan
from salescore.errors import InvalidInputError
from salescore.frames import Column, FrameContract, partition_frame
from salescore.money import minor_unit

__all__ = ["CREDITS", "StatementsFrames", "statements_frame"]

#: Column contract of a credits frame: one row per (deal, rep) credit.
CREDITS: Final = FrameContract(
    "credits",
    (
        Column("deal_id", "string", nonblank=True, description="the deal credited"),
        Column("rep_id", "string", nonblank=True, description="the rep credited"),
        Column("amount", "float", non_negative=True, description="credited amount [currency]"),
        Column("currency", "string", is_currency=True, description="ISO 4217 code of amount"),
        Column("credited_on", "date", description="date the credit is earned"),
    ),
    description="one credit of one deal to one rep",
)

_KINDS: Final = np.array(["tier", "deal_cap", "period_cap", "gate", "spiff", "floor"])


@dataclass(frozen=True)
class StatementsFrames:
    """Result of :func:`statements_frame`.

    Attributes
    ----------
    lines : pandas.DataFrame
        One row per statement line, in statement order per rep: ``rep_id``,
        ``deal_id``, ``row`` (index label of the credit in the input;
        ``deal_id`` and ``row`` are missing on floor lines),
        ``component``, ``kind``, ``tier`` (1-based, 0 on caps), ``base``
        [currency], ``rate`` [fraction], ``end_rate`` [fraction; NaN except
        on interpolated lines, where ``rate`` and ``end_rate`` are the rates
        at the slice's start and end], ``multiplier`` [ratio] (these as
        floats, for display), ``amount_minor`` (exact, [minor units]) and
        ``amount`` [currency, float].
    totals : pandas.DataFrame
        Indexed by ``rep_id`` (every rep with a credit or a quota):
        ``credited_minor``, ``quota_minor``, ``total_minor`` [minor units]
        and ``total`` [currency, float]. ``total_minor`` is the sum of the
        rep's ``amount_minor``.
    errors : pandas.DataFrame
        Rows not used: ``row``, ``column``, ``value``, ``reason`` (frame
        contract reasons, plus ``currency_mismatch``, ``outside_period``,
        ``not_minor_unit``, ``duplicate_credit`` and ``missing_quota``).
    """

    lines: pd.DataFrame
    totals: pd.DataFrame
    errors: pd.DataFrame


def _quota_minor(quotas: pd.Series | None, mu: int) -> pd.Series:
    if quotas is None:
        return pd.Series(np.zeros(0, dtype=np.int64), index=pd.Index([], dtype=object))
    if quotas.index.has_duplicates:
        dupes = sorted(set(quotas.index[quotas.index.duplicated()]))
        raise InvalidInputError(f"quotas repeat for reps {dupes}; one quota per rep")
    if quotas.dtype == object:
        exact = [to_decimal(v, what=f"quota of {rep!r}") for rep, v in quotas.items()]
        minor = to_minor_units(exact, mu)
        off = [
            rep
            for rep, d, m in zip(quotas.index, exact, minor.tolist(), strict=True)
            if d.scaleb(mu) != m
        ]
    else:
        values = quotas.to_numpy(dtype=np.float64)
        minor = floats_to_minor_units(values, mu, what="quota")
        off = list(quotas.index[minor / 10.0**mu != values])
    if off:
        raise InvalidInputError(
            f"quotas of reps {off[:5]} have more decimal places than the currency allows ({mu})"
        )
    return pd.Series(minor, index=quotas.index.astype(object), dtype=np.int64)


def statements_frame(
    plan: CommissionPlan,
    credits: pd.DataFrame,
    *,
    period: Period,
    quotas: pd.Series | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> StatementsFrames:
    """Every rep's statement for ``period`` from a credits frame, vectorised.

    Parameters
    ----------
    plan : CommissionPlan
        The plan.
    credits : pandas.DataFrame
        Columns of :data:`CREDITS`, plus a boolean column named after each
        SPIFF's flag (whether the credit carries it); not mutated. Rows that break the contract,
        are in another currency, fall outside the period, are not in whole
        minor units, repeat a (rep, deal) pair, or belong to a rep without a
        quota under an attainment plan go to ``errors``, never silently lost.
    period : Period
        The period [start, end).
    quotas : pandas.Series, optional
        Quota per rep [currency], indexed by rep id (floats or Decimals).
        Required (and > 0) for every credited rep when a component measures
        attainment.
    rounding : str
        Rounding mode of each rep's total, default ``ROUND_HALF_EVEN``.

    Returns
    -------
    StatementsFrames

    Raises
    ------
    FrameValidationError
        A required column (or a SPIFF's flag column) is missing.
    InvalidInputError
        A SPIFF flag has the name of a :data:`CREDITS` column.
        A quota repeats, is not in whole minor units, or is not > 0 under an
        attainment plan.

    Examples
    --------
    >>> from salescore.commission import CommissionPlan, Tier, TieredComponent
    >>> plan = CommissionPlan(id="P", currency="CNY", components=[TieredComponent(
    ...     name="base", basis="attainment",
    ...     tiers=[Tier(lower=0, upper=1, rate="0.05"), Tier(lower=1, rate="0.08")])])
    >>> df = pd.DataFrame({"deal_id": ["D1", "D2", "D3"], "rep_id": ["R1", "R1", "R2"],
    ...                    "amount": [60000.0, 60000.0, 5000.0], "currency": "CNY",
    ...                    "credited_on": pd.to_datetime(
    ...                        ["2026-01-05", "2026-01-20", "2026-02-01"])})
    >>> out = statements_frame(plan, df, period=Period.month(2026, 1),
    ...                        quotas=pd.Series({"R1": 100000.0, "R2": 50000.0}))
    >>> out.totals["total_minor"].to_dict()
    {'R1': 660000, 'R2': 0}
    >>> out.errors[["row", "reason"]].to_dict("records")
    [{'row': 2, 'reason': 'outside_period'}]
    """
    mu = minor_unit(plan.currency)
    flag_names = sorted({x.flag for x in plan.spiffs})
    clash = [f for f in flag_names if f in CREDITS]
    if clash:
        raise InvalidInputError(
            f"SPIFF flags {clash} are credits columns; name flags apart from {CREDITS.names}"
        )
    contract = CREDITS.extend(
        columns=[Column(f, "bool", description=f"credit carries flag {f!r}") for f in flag_names]
    )
    valid, failures = partition_frame(credits, contract)
    q_minor = _quota_minor(quotas, mu)
    amount = valid["amount"].to_numpy(dtype=np.float64)
    minor = floats_to_minor_units(amount, mu) if len(valid) else np.zeros(0, dtype=np.int64)
    when = valid["credited_on"]
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    rep = valid["rep_id"].astype(object).to_numpy()
    checks: list[tuple[str, str, np.ndarray]] = [
        ("currency", "currency_mismatch", (valid["currency"] != plan.currency).to_numpy()),
        ("credited_on", "outside_period", ((when < start) | (when >= end)).to_numpy()),
        ("amount", "not_minor_unit", minor / 10.0**mu != amount),
        (
            "deal_id",
            "duplicate_credit",
            valid.duplicated(subset=["rep_id", "deal_id"], keep=False).to_numpy(),
        ),
    ]
    if plan.needs_quota:
        checks.append(("rep_id", "missing_quota", pd.Index(q_minor.index).get_indexer(rep) < 0))
        bad_quota = q_minor[q_minor <= 0]
        if len(bad_quota):
            raise InvalidInputError(
                f"quotas of reps {list(bad_quota.index[:5])} are not > 0; "
                "an attainment plan needs a positive quota"
            )
    reject = np.zeros(len(valid), dtype=bool)
    extra = []
    for column, reason, mask in checks:
        mask = np.asarray(mask, dtype=bool)
        reject |= mask
        if mask.any():
            extra.append(
                pd.DataFrame(
                    {
                        "row": valid.index[mask].astype(object),
                        "column": column,
                        "value": valid[column][mask].astype(object).to_numpy(),
                        "reason": reason,
                    }
                )
            )
    errors = pd.concat([failures, *extra], ignore_index=True) if extra else failures
    used = valid[~reject]
    minor = minor[~reject]
    reps = pd.Index(sorted(set(used["rep_id"].astype(object)) | set(q_minor.index)), dtype=object)
    group = reps.get_indexer(used["rep_id"].astype(object)).astype(np.int64)
    deal_code = pd.factorize(used["deal_id"].astype(object), sort=True)[0]
    date_int = used["credited_on"].to_numpy(dtype="datetime64[us]").astype(np.int64)
    order = np.lexsort((deal_code, date_int, group))
    quota_by_group = q_minor.reindex(reps, fill_value=0).to_numpy(dtype=np.int64)
    flags = np.zeros((len(used), len(plan.spiffs)), dtype=bool)
    for si, spiff in enumerate(plan.spiffs):
        flags[:, si] = used[spiff.flag].to_numpy(dtype=bool)
    result = _kernel.run(
        plan,
        group[order],
        minor[order],
        quota_by_group,
        len(reps),
        rounding=rounding,
        exact=False,
        flags=flags[order],
    )
    of_deal = result.credit >= 0
    credit_pos = order[result.credit[of_deal]]
    deal_ids = np.full(len(of_deal), None, dtype=object)
    deal_ids[of_deal] = used["deal_id"].astype(object).to_numpy()[credit_pos]
    labels = used.index.to_numpy()
    if of_deal.all():
        rows = labels[credit_pos]
    else:  # floor lines belong to no row
        rows = np.full(len(of_deal), None, dtype=object)
        rows[of_deal] = labels[credit_pos]
    names = [s.component.name for s in result.segs] + [x.name for x in plan.spiffs]
    comps = np.array([*names, plan.floor.name if plan.floor else ""], dtype=object)
    seg = result.segment
    n_lines = len(seg)
    tier = np.zeros(n_lines, dtype=np.int64)
    rate = np.zeros(n_lines, dtype=np.float64)
    mult = np.ones(n_lines, dtype=np.float64)
    end_rate = np.full(n_lines, np.nan)
    for ci, s in enumerate(result.segs):
        on = (result.component == ci) & (seg >= 0)
        tier[on] = np.asarray(s.tier, dtype=np.int64)[seg[on]]
        rate[on] = np.asarray([float(r) for r in s.rate])[seg[on]]
        mult[on] = np.asarray([float(m) for m in s.multiplier])[seg[on]]
        if not any(s.w_k):
            continue
        widths = np.asarray(s.w_k, dtype=np.int64)
        sloped = np.flatnonzero(on & (widths[np.clip(seg, 0, len(widths) - 1)] > 0))
        if len(sloped):
            j = seg[sloped]
            scale = (
                quota_by_group[result.group[sloped]].astype(np.float64)
                if s.component.basis == "attainment"
                else np.ones(len(sloped))
            )
            lower = scale * np.asarray(s.lo_k, dtype=np.float64)[j]
            width = scale * np.asarray(s.w_k, dtype=np.float64)[j]
            at = np.asarray(result.start[sloped], dtype=np.float64)
            size = np.asarray(result.base[sloped], dtype=np.float64)
            r0 = rate[sloped]
            slope = np.asarray([float(r) for r in s.end_rate])[j] - r0
            rate[sloped] = r0 + slope * (at - lower) / width
            end_rate[sloped] = r0 + slope * (at + size - lower) / width
    amount_minor = np.asarray(result.amount, dtype=np.int64)
    lines = pd.DataFrame(
        {
            "rep_id": reps.to_numpy()[result.group],
            "deal_id": deal_ids,
            "row": rows,
            "component": comps[result.component],
            "kind": _KINDS[result.kind],
            "tier": tier,
            "base": np.asarray(result.base, dtype=np.float64) / result.base_q / 10.0**mu,
            "rate": rate,
            "end_rate": end_rate,
            "multiplier": mult,
            "amount_minor": amount_minor,
            "amount": amount_minor / 10.0**mu,
        }
    )
    credited = np.zeros(len(reps), dtype=np.int64)
    np.add.at(credited, group, minor)
    total_minor = np.asarray(result.total, dtype=np.int64)
    totals = pd.DataFrame(
        {
            "credited_minor": credited,
            "quota_minor": quota_by_group,
            "total_minor": total_minor,
            "total": total_minor / 10.0**mu,
        },
        index=pd.Index(reps, name="rep_id"),
    )
    return StatementsFrames(lines=lines, totals=totals, errors=errors.reset_index(drop=True))
