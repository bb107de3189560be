"""Statements for every rep at once: the vectorised twin of :func:`statement`.

:func:`statements_frame` takes a credits DataFrame (contract :data:`CREDITS`)
and returns every statement line, one total per rep, and an errors table for
the rows it could not use. It runs the same integer kernel as
:func:`~salescore.commission.statement` on whole columns (int64 minor units;
Python integers only when a bound shows int64 could overflow), so it agrees
with the single path to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._failures import Failures
from salescore._names import as_names
from salescore._numeric import (
    DECIMAL_CONTEXT,
    exact_decimals,
    floats_to_minor_units,
    minor_units_to_decimals,
    round_div,
    to_decimal,
    to_minor_units,
)
from salescore.calendar import Period, WorkCalendar
from salescore.commission import _kernel
from salescore.commission._frames import (
    ATTRIBUTES,
    CARRY_COLUMNS,
    CLAWBACKS,
    CREDITS,
    StatementsFrames,
)
from salescore.commission._interpret import line_order, multiplier_products, year_moves
from salescore.commission._records import (
    KIND_MULTIPLIER,
    KIND_NAMES,
    Credit,
)
from salescore.commission._schedule import Window, run_windows
from salescore.commission.bonuses import bonus_matrix, read_achievements
from salescore.commission.conversion import convert_minor_frame
from salescore.commission.plan import CommissionPlan
from salescore.commission.quota import prorate_minor, proration_units
from salescore.commission.versions import PlanSchedule
from salescore.error_codes import FailureReason
from salescore.errors import InvalidInputError
from salescore.frames import Column, partition_frame, validate_frame
from salescore.models import Rep
from salescore.money import FxRates, Money, minor_unit

__all__ = [
    "ATTRIBUTES",
    "CARRY_COLUMNS",
    "CLAWBACKS",
    "CREDITS",
    "StatementsFrames",
    "credits_from_frame",
    "statements_frame",
]


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


@exact_decimals
def statements_frame(
    plan: CommissionPlan | PlanSchedule,
    credits: pd.DataFrame,
    *,
    period: Period,
    quotas: pd.Series | None = None,
    reps: Sequence[Rep] | None = None,
    prior: pd.DataFrame | None = None,
    clawbacks: pd.DataFrame | None = None,
    prorate: bool = False,
    work_calendar: WorkCalendar | None = None,
    rounding: str = ROUND_HALF_EVEN,
    achievements: pd.DataFrame | None = None,
    fx: FxRates | None = None,
) -> StatementsFrames:
    """Every rep's statement for ``period`` from a credits frame, vectorised.

    Parameters
    ----------
    plan : CommissionPlan or PlanSchedule
        The plan, or plan versions by effective date (each credit and
        clawback paid by the version in effect on its date, as in
        ``statement``; see :mod:`salescore.commission.versions`).
    credits : pandas.DataFrame
        Columns of :data:`CREDITS`, optional :data:`ATTRIBUTES` (``product``,
        ``category``, ``units``: missing means unknown, unknown, 1), plus a
        boolean column named after each
        SPIFF's and attribute multiplier's flag (whether the credit carries
        it); not mutated. Rows that break the contract,
        are in another currency, fall outside the period, are not in whole
        minor units, repeat a (rep, deal) pair, or belong to a rep without a
        quota under an attainment plan go to ``errors``, never silently lost.
    period : Period
        The period [start, end).
    quotas : pandas.Series, optional
        Quota per rep [currency], indexed by rep id (floats or Decimals).
        Required (and > 0) for every credited rep when a component measures
        attainment.
    reps : sequence of Rep, optional
        The reps, for ``prorate``: every rep with a quota must be here.
    prior : pandas.DataFrame, optional
        The ``carry`` frame of the previous period's call (indexed by rep
        id; ``advances_minor``, ``deficit_minor``, ``year`` and optional
        ``ytd_minor:<component>`` and ``held_minor:<component>`` columns
        [minor units]); reps not in it
        carry nothing.
    clawbacks : pandas.DataFrame, optional
        Clawbacks of the period, columns of :data:`CLAWBACKS` (e.g. from
        :func:`~salescore.commission.clawbacks_frame`): each a ``clawback``
        line after the rep's other lines (``row`` missing), added to the
        total; one that ``reduces_attainment`` also enters the measure at
        its date as a negative amount, as in ``statement``.
    prorate : bool
        Prorate each rep's quota by days employed and ramp, as
        :func:`~salescore.commission.prorated_quota` does.
    work_calendar : WorkCalendar, optional
        With ``prorate``, count working days instead of calendar days.
    rounding : str
        Rounding mode of each rep's total (and prorated quota and draw
        recovery), default ``ROUND_HALF_EVEN``.
    achievements : pandas.DataFrame, optional
        Columns of :data:`~salescore.commission.ACHIEVEMENTS`: each rep's
        actual and target of the metrics the plan's target bonuses measure,
        one row per (rep, metric). A pool is shared among the reps of this
        frame who meet its target, as
        :func:`~salescore.commission.bonus_pool_shares` shares it.
    fx : FxRates, optional
        Converts credits in another currency as ``statement`` does (exactly,
        at the rates on each credit date, rounded once with ``rounding``),
        listing them in ``conversions``; rows without a rate go to ``errors``
        (``missing_rate``). Without it they are ``currency_mismatch`` errors.

    Returns
    -------
    StatementsFrames

    Raises
    ------
    FrameValidationError
        A required column (or a SPIFF's or multiplier's flag column) is missing.
    InvalidInputError
        A SPIFF or multiplier flag has the name of a :data:`CREDITS` column.
        A quota repeats, is not in whole minor units, or is not > 0 under an
        attainment plan; ``prorate`` without a Rep for every quota; a
        ``prior`` without the carry columns, with negative values, or of a
        later year; a clawbacks frame breaking :data:`CLAWBACKS`, with
        refunds outside the period or not in whole minor units, or of a rep
        without a quota under an attainment plan; an achievements frame
        breaking its contract, with a target of 0, more than six decimal
        places, a repeated (rep, metric), a metric no bonus measures, or a rep
        without a quota under an attainment plan.

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
    if isinstance(plan, PlanSchedule):
        return _scheduled(
            plan,
            credits,
            period=period,
            quotas=quotas,
            reps=reps,
            prior=prior,
            clawbacks=clawbacks,
            prorate=prorate,
            work_calendar=work_calendar,
            rounding=rounding,
            achievements=achievements,
            fx=fx,
        )
    mu = minor_unit(plan.currency)
    flag_names = sorted({x.flag for x in plan.spiffs} | set(plan.multiplier_flags))
    clash = [f for f in flag_names if f in CREDITS or f in ("product", "category", "units")]
    if clash:
        raise InvalidInputError(
            f"SPIFF or multiplier flags {clash} are credits columns; name flags apart from "
            f"{CREDITS.names}"
        )
    contract = CREDITS.extend(
        columns=[
            *ATTRIBUTES,
            *(Column(f, "bool", description=f"credit carries flag {f!r}") for f in flag_names),
        ]
    )
    valid, failures = partition_frame(credits, contract)
    full_quota = _quota_minor(quotas, mu)
    q_minor = _prorate(full_quota, reps, period, work_calendar, rounding) if prorate else full_quota
    zero_quota = list(q_minor.index[q_minor <= 0]) if plan.needs_quota else []
    comp_names = [c.name for c in plan.components]
    carried = _prior(prior, comp_names, period)
    amount = valid["amount"].to_numpy(dtype=np.float64)
    currencies = valid["currency"].astype(object).to_numpy()
    minor, rejected, fx_rate = convert_minor_frame(
        amount,
        currencies,
        valid["credited_on"].to_numpy(dtype="datetime64[D]"),
        plan.currency,
        fx,
        rounding,
    )
    units_f = valid["units"].astype(np.float64).fillna(1.0).to_numpy()
    when = valid["credited_on"]
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    rep = valid["rep_id"].astype(object).to_numpy()
    checks: list[tuple[str, str, np.ndarray]] = [
        *(
            ("currency", r, rejected[r])
            for r in (FailureReason.CURRENCY_MISMATCH, FailureReason.MISSING_RATE)
        ),
        ("credited_on", FailureReason.OUTSIDE_PERIOD, ((when < start) | (when >= end)).to_numpy()),
        ("amount", FailureReason.NOT_MINOR_UNIT, rejected[FailureReason.NOT_MINOR_UNIT]),
        (
            "units",
            FailureReason.NOT_WHOLE_UNITS,
            (units_f != np.floor(units_f)) | (units_f > 2.0**53),
        ),
        (
            "deal_id",
            FailureReason.DUPLICATE_CREDIT,
            valid.duplicated(subset=["rep_id", "deal_id"], keep=False).to_numpy(),
        ),
    ]
    if plan.needs_quota:
        checks.append(
            ("rep_id", FailureReason.MISSING_QUOTA, pd.Index(q_minor.index).get_indexer(rep) < 0)
        )
        checks.append(
            ("rep_id", FailureReason.ZERO_QUOTA, pd.Index(zero_quota).get_indexer(rep) >= 0)
        )
        bad_quota = full_quota[full_quota <= 0]
        if len(bad_quota):
            raise InvalidInputError(
                f"quotas of reps {list(bad_quota.index[:5])} are not > 0; "
                "an attainment plan needs a positive quota"
            )
    reject = np.zeros(len(valid), dtype=bool)
    rejects = Failures(valid)
    for column, reason, mask in checks:
        mask = np.asarray(mask, dtype=bool)
        reject |= mask
        rejects.add(column, reason, mask)
    errors = pd.concat([failures, rejects.table()], ignore_index=True) if len(rejects) else failures
    used = valid[~reject]
    minor = minor[~reject]
    # Converted rows: positions among the rows used, and among all valid rows.
    moved = np.flatnonzero(currencies[~reject] != plan.currency)
    moved_valid = np.flatnonzero(~reject)[moved]
    conversions = pd.DataFrame(
        {
            "row": used.index[moved].to_numpy(dtype=object),
            "deal_id": used["deal_id"].astype(object).to_numpy()[moved],
            "rep_id": used["rep_id"].astype(object).to_numpy()[moved],
            "currency": currencies[moved_valid],
            "amount": amount[moved_valid],
            "rate": fx_rate[moved_valid],
            "amount_minor": minor[moved],
        }
    )
    claws = _clawbacks(clawbacks, period, mu)
    known = set(used["rep_id"].astype(object)) | set(q_minor.index) | set(carried.index)
    known |= set(claws["rep_id"])
    achieved = read_achievements(plan, achievements)
    known |= set(achieved["rep_id"])
    if plan.needs_quota:
        for what, ids in (("clawbacks", claws["rep_id"]), ("achievements", achieved["rep_id"])):
            unquoted = sorted(set(ids) - (set(q_minor.index) - set(zero_quota)))
            if unquoted:
                raise InvalidInputError(
                    f"{what} of reps {unquoted[:5]} who have no quota > 0 under an attainment plan"
                )
    rep_index = pd.Index(sorted(known - set(zero_quota)), dtype=object)
    # Refunds that reduce attainment enter the kernel as negative amounts after the credits.
    red = claws[claws["reduces_attainment"]]
    n_used = len(used)
    all_rep = np.concatenate([used["rep_id"].astype(object).to_numpy(), red["rep_id"].to_numpy()])
    group = rep_index.get_indexer(all_rep).astype(np.int64)
    all_deal = np.concatenate(
        [used["deal_id"].astype(object).to_numpy(), red["deal_id"].to_numpy()]
    )
    deal_code = pd.factorize(all_deal, sort=True)[0]
    date_int = np.concatenate(
        [
            used["credited_on"].to_numpy(dtype="datetime64[us]").astype(np.int64),
            red["refunded_on"].to_numpy(dtype="datetime64[us]").astype(np.int64),
        ]
    )
    is_refund = np.arange(len(all_rep)) >= n_used
    order = np.lexsort((is_refund, deal_code, date_int, group))
    all_minor = np.concatenate([minor, -red["refunded_minor"].to_numpy(dtype=np.int64)])
    all_units = np.concatenate(
        [units_f[~reject].astype(np.int64), np.zeros(len(red), dtype=np.int64)]
    )
    applies = _kernel.applies_matrix(
        plan,
        np.concatenate([_texts(used["product"]), _texts(red["product"])]),
        np.concatenate([_texts(used["category"]), _texts(red["category"])]),
    )
    quota_by_group = q_minor.reindex(rep_index, fill_value=0).to_numpy(dtype=np.int64)
    flags = np.zeros((len(all_rep), len(plan.spiffs)), dtype=bool)
    for si, spiff in enumerate(plan.spiffs):
        flags[:n_used, si] = used[spiff.flag].to_numpy(dtype=bool)
    attr_flags = np.zeros((len(all_rep), len(plan.multiplier_flags)), dtype=bool)
    for fi, flag in enumerate(plan.multiplier_flags):
        attr_flags[:n_used, fi] = used[flag].to_numpy(dtype=bool)
    bonus_paid, bonus_shown = bonus_matrix(plan, achieved, rep_index)
    result = _kernel.run(
        plan,
        group[order],
        all_minor[order],
        quota_by_group,
        len(rep_index),
        rounding=rounding,
        exact=False,
        flags=flags[order],
        year_paid=carried.reindex(rep_index, fill_value=0)[
            [f"ytd_minor:{n}" for n in comp_names]
        ].to_numpy(dtype=np.int64),
        applies=applies[order],
        units=all_units[order],
        attr_flags=attr_flags[order],
        held=carried.reindex(rep_index, fill_value=0)[
            [f"held_minor:{n}" for n in comp_names]
        ].to_numpy(dtype=np.int64),
        bonus=bonus_paid,
        bonus_shown=bonus_shown,
    )
    of_deal = result.credit >= 0
    credit_pos = order[result.credit[of_deal]]
    deal_ids = np.full(len(of_deal), None, dtype=object)
    deal_ids[of_deal] = used["deal_id"].astype(object).to_numpy()[credit_pos]
    used_days = used["credited_on"].to_numpy(dtype="datetime64[ns]")
    line_days = np.full(len(of_deal), np.datetime64("NaT"), dtype="datetime64[ns]")
    line_days[of_deal] = used_days[credit_pos]
    labels = used.index.to_numpy()
    if of_deal.all():
        rows = labels[credit_pos]
    else:  # floor lines belong to no row
        rows = np.full(len(of_deal), None, dtype=object)
        rows[of_deal] = labels[credit_pos]
    names = [s.component.name for s in result.segs] + [x.name for x in plan.spiffs]
    names += [x.name for x in plan.bonuses]
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
    on_m = result.kind == KIND_MULTIPLIER
    if on_m.any():
        products = multiplier_products(plan, result, attr_flags[order])
        mult[on_m] = products[on_m].astype(np.float64)
    amount_minor = np.asarray(result.amount, dtype=np.int64)
    kernel_lines = pd.DataFrame(
        {
            "rep_id": rep_index.to_numpy()[result.group],
            "deal_id": deal_ids,
            "row": rows,
            "credited_on": line_days,
            "component": comps[result.component],
            "kind": np.array(KIND_NAMES)[result.kind],
            "tier": tier,
            "base": np.asarray(result.base, dtype=np.float64) / result.base_q / 10.0**mu,
            "rate": rate,
            "end_rate": end_rate,
            "multiplier": mult,
            "amount_minor": amount_minor,
            "amount": minor_units_to_decimals(amount_minor, mu),
        }
    )
    claw_group = rep_index.get_indexer(claws["rep_id"].to_numpy()).astype(np.int64)
    claw_minor = claws["amount_minor"].to_numpy(dtype=np.int64)
    claw_lines = pd.DataFrame(
        {
            "rep_id": claws["rep_id"].to_numpy(),
            "deal_id": claws["deal_id"].to_numpy(),
            "row": np.full(len(claws), None, dtype=object),
            "credited_on": claws["refunded_on"].to_numpy(dtype="datetime64[ns]"),
            "component": "clawback",
            "kind": "clawback",
            "tier": np.zeros(len(claws), dtype=np.int64),
            "base": claws["refunded_minor"].to_numpy(dtype=np.float64) / 10.0**mu,
            "rate": claws["current_rate"].to_numpy(dtype=np.float64),
            "end_rate": np.full(len(claws), np.nan),
            "multiplier": np.ones(len(claws)),
            "amount_minor": claw_minor,
            "amount": minor_units_to_decimals(claw_minor, mu),
        }
    )
    # Credits no rate table pays get a line of 0, in statement order, after the others.
    lost = order[(order < n_used)]
    lost = lost[~applies[lost].any(axis=1)]
    lost_minor = minor[lost]
    lost_lines = pd.DataFrame(
        {
            "rep_id": all_rep[lost],
            "deal_id": all_deal[lost],
            "row": used.index.to_numpy()[lost],
            "credited_on": used_days[lost],
            "component": "unmatched",
            "kind": "unmatched",
            "tier": np.zeros(len(lost), dtype=np.int64),
            "base": lost_minor / 10.0**mu,
            "rate": np.zeros(len(lost)),
            "end_rate": np.full(len(lost), np.nan),
            "multiplier": np.ones(len(lost)),
            "amount_minor": np.zeros(len(lost), dtype=np.int64),
            "amount": minor_units_to_decimals(np.zeros(len(lost), dtype=np.int64), mu),
        }
    )
    if len(claws) or len(lost):
        # Per rep: the kernel's lines, unmatched credits, the floor line, clawbacks.
        lines = pd.concat([kernel_lines, lost_lines, claw_lines], ignore_index=True)
        by_rep = line_order(result, group[lost], claw_group)
        lines = lines.iloc[by_rep].reset_index(drop=True)
    else:
        lines = kernel_lines
    clawed = np.zeros(len(rep_index), dtype=np.int64)
    np.add.at(clawed, claw_group, claw_minor)
    reduced = np.zeros(len(rep_index), dtype=np.int64)
    np.add.at(
        reduced,
        claw_group,
        np.where(claws["reduces_attainment"], claws["refunded_minor"], 0).astype(np.int64),
    )
    credited = np.zeros(len(rep_index), dtype=np.int64)
    np.add.at(credited, group[:n_used], minor)
    total_minor = np.asarray(result.total, dtype=np.int64) + clawed
    before = carried.reindex(rep_index, fill_value=0)
    settled = settle_minor(
        total_minor,
        before["advances_minor"].to_numpy(dtype=np.int64),
        before["deficit_minor"].to_numpy(dtype=np.int64),
        plan=plan,
        period=period,
        rounding=rounding,
    )
    totals = pd.DataFrame(
        {
            "credited_minor": credited,
            "quota_minor": quota_by_group,
            "full_quota_minor": full_quota.reindex(rep_index, fill_value=0).to_numpy(
                dtype=np.int64
            ),
            "reduced_minor": reduced,
            "clawback_minor": clawed,
            "total_minor": total_minor,
            "total": minor_units_to_decimals(total_minor, mu),
            **{f"{k}_minor": settled[k] for k in _SETTLED},
        },
        index=pd.Index(rep_index, name="rep_id"),
    )
    paid, moved = year_moves(result, amount_minor, len(rep_index), len(comp_names))
    carry = pd.DataFrame(
        {
            "advances_minor": settled["advances"],
            "deficit_minor": settled["deficit"],
            "year": np.full(len(rep_index), period.start.year, dtype=np.int64),
            **{
                f"ytd_minor:{n}": before[f"ytd_minor:{n}"].to_numpy(dtype=np.int64) + paid[:, ci]
                for ci, n in enumerate(comp_names)
            },
            **{
                f"held_minor:{n}": before[f"held_minor:{n}"].to_numpy(dtype=np.int64) - moved[:, ci]
                for ci, n in enumerate(comp_names)
                if plan.components[ci].gate_deferred
            },
            **{
                c: before[c].to_numpy(dtype=np.int64)
                for c in carried.columns
                if c.startswith(("ytd_minor:", "held_minor:"))
                and c.split(":", 1)[1] not in comp_names
            },
        },
        index=pd.Index(rep_index, name="rep_id"),
    )
    # A rep left out this period (a prorated quota of 0, reported in ``errors``)
    # keeps the balances carried in, untouched, rather than losing them.
    untouched = carried.index.difference(rep_index)
    if len(untouched):
        kept = carried.loc[untouched].reindex(columns=carry.columns, fill_value=0)
        carry = pd.concat([carry, kept.astype(np.int64)]).rename_axis("rep_id")
    return StatementsFrames(
        lines=lines,
        totals=totals,
        errors=errors.reset_index(drop=True),
        carry=carry,
        conversions=conversions,
    )


def _scheduled(
    schedule: PlanSchedule,
    credits: pd.DataFrame,
    *,
    period: Period,
    quotas: pd.Series | None,
    reps: Sequence[Rep] | None,
    prior: pd.DataFrame | None,
    clawbacks: pd.DataFrame | None,
    prorate: bool,
    work_calendar: WorkCalendar | None,
    rounding: str,
    achievements: pd.DataFrame | None,
    fx: FxRates | None,
) -> StatementsFrames:
    """:func:`statements_frame` under plan versions: one run per window, settled once.

    Target bonuses measure the whole period: the last window's version pays them.
    """
    mu = minor_unit(schedule.currency)
    q_minor = _quota_minor(quotas, mu)
    # Unreadable or missing dates go to the first window, whose run reports them.
    if "credited_on" in credits.columns:
        dates = pd.to_datetime(credits["credited_on"], errors="coerce").to_numpy("datetime64[D]")
    else:
        dates = np.full(len(credits), np.datetime64("NaT"), dtype="datetime64[D]")
    n_claws = 0 if clawbacks is None else len(clawbacks)
    if clawbacks is not None and "refunded_on" in clawbacks.columns:
        claw_dates = pd.to_datetime(clawbacks["refunded_on"], errors="coerce")
        claw_days = claw_dates.to_numpy("datetime64[D]")
    else:
        claw_days = np.full(n_claws, np.datetime64("NaT"), dtype="datetime64[D]")
    before = _prior(prior, [], period) if prior is not None else None

    def run(w: Window[pd.DataFrame | None]) -> StatementsFrames:
        part = pd.Series(
            [Decimal(int(x)).scaleb(-mu) for x in w.quotas], index=q_minor.index, dtype=object
        )
        return statements_frame(
            w.plan,
            credits[w.credits],
            period=w.period,
            quotas=part if quotas is not None else None,
            reps=reps,
            prior=w.prior,
            clawbacks=None if clawbacks is None else clawbacks[w.clawbacks],
            prorate=prorate,
            work_calendar=work_calendar,
            rounding=rounding,
            achievements=achievements if w.last else None,
            fx=fx,
        )

    outs, windows, settling = run_windows(
        schedule,
        period,
        quotas=q_minor.to_numpy(dtype=np.int64),
        credit_days=dates,
        claw_days=claw_days,
        prior=None if prior is None else prior.assign(advances_minor=0, deficit_minor=0),
        run=run,
        carry_of=lambda out: out.carry.assign(advances_minor=0, deficit_minor=0),
    )
    lines = pd.concat([o.lines for o in outs], ignore_index=True)
    lines = lines.iloc[np.argsort(lines["rep_id"].to_numpy(dtype=object), kind="stable")]
    summed = ["credited_minor", "quota_minor", "full_quota_minor", "reduced_minor"]
    summed += ["clawback_minor", "total_minor"]
    totals = (
        pd.concat([o.totals[summed] for o in outs])
        .groupby(level=0, sort=True)
        .sum()
        .astype(np.int64)
    )
    totals.index.name = "rep_id"
    rep_index = totals.index
    balances = (
        before.reindex(rep_index, fill_value=0)
        if before is not None
        else pd.DataFrame({"advances_minor": 0, "deficit_minor": 0}, index=rep_index)
    )
    settled = settle_minor(
        totals["total_minor"].to_numpy(dtype=np.int64),
        balances["advances_minor"].to_numpy(dtype=np.int64),
        balances["deficit_minor"].to_numpy(dtype=np.int64),
        plan=settling,
        period=period,
        rounding=rounding,
    )
    totals["total"] = minor_units_to_decimals(totals["total_minor"], mu)
    for k in _SETTLED:
        totals[f"{k}_minor"] = settled[k]
    carry = outs[-1].carry.reindex(rep_index, fill_value=0)
    carry["advances_minor"] = settled["advances"]
    carry["deficit_minor"] = settled["deficit"]
    carry["year"] = windows[-1].start.year
    errors = pd.concat([o.errors for o in outs], ignore_index=True)
    return StatementsFrames(
        lines=lines.reset_index(drop=True),
        totals=totals,
        errors=errors,
        carry=carry,
        conversions=pd.concat([o.conversions for o in outs], ignore_index=True),
    )


_SETTLED: Final = (
    "deficit_recovered",
    "deficit_added",
    "advance",
    "recovered",
    "forgiven",
    "payable",
)


def _prorate(
    quota: pd.Series,
    reps: Sequence[Rep] | None,
    period: Period,
    work_calendar: WorkCalendar | None,
    rounding: str,
) -> pd.Series:
    if reps is None:
        raise InvalidInputError("prorate=True needs reps=[Rep, ...] with hire and leave dates")
    by_id = {r.id: r for r in reps}
    if len(by_id) != len(reps):
        raise InvalidInputError("reps repeat an id; give each Rep once")
    missing = [r for r in quota.index if r not in by_id]
    if missing:
        raise InvalidInputError(
            f"quotas of reps {missing[:5]} have no Rep in reps; prorating needs each rep's "
            "hire and leave dates and ramp"
        )
    worked, length = proration_units([by_id[r] for r in quota.index], period, work_calendar)
    minor = prorate_minor(quota.to_numpy(dtype=np.int64), worked, length, rounding)
    return pd.Series(minor, index=quota.index, dtype=np.int64)


def _prior(prior: pd.DataFrame | None, names: list[str], period: Period) -> pd.DataFrame:
    """The prior carry frame, checked, with every column, year-to-date reset in a new year."""
    ytd = [f"ytd_minor:{n}" for n in names] + [f"held_minor:{n}" for n in names]
    if prior is not None:  # other tables' year-to-date (earlier plan versions) pass through
        ytd += sorted(
            c for c in prior.columns if c.startswith(("ytd_minor:", "held_minor:")) and c not in ytd
        )
    if prior is None:
        return pd.DataFrame(
            {c: np.zeros(0, dtype=np.int64) for c in (*CARRY_COLUMNS, *ytd)},
            index=pd.Index([], dtype=object, name="rep_id"),
        )
    missing = [c for c in CARRY_COLUMNS if c not in prior.columns]
    if missing:
        raise InvalidInputError(
            f"prior lacks columns {missing}; pass the carry frame of the previous period"
        )
    if prior.index.has_duplicates:
        raise InvalidInputError("prior repeats reps; one carry row per rep")
    out = pd.DataFrame(index=pd.Index(prior.index.astype(object), name="rep_id"))
    for c in (*CARRY_COLUMNS, *ytd):
        values = prior[c] if c in prior.columns else pd.Series(0, index=prior.index)
        # A year-to-date amount may sit a cent below 0: lines are rounded so that
        # the statement, not each table, adds up exactly.
        negative = (values.to_numpy() < 0).any() and not c.startswith("ytd_minor:")
        if values.isna().any() or negative:
            raise InvalidInputError(f"prior column {c!r} has missing or negative values")
        out[c] = values.to_numpy(dtype=np.int64)
    year = period.start.year
    later = out.index[out["year"] > year]
    if len(later):
        raise InvalidInputError(
            f"prior of reps {list(later[:5])} carries a year after {year}, the period's year; "
            "statements run forwards in time"
        )
    out.loc[out["year"] < year, ytd] = 0
    return out


def _texts(values: pd.Series) -> npt.NDArray[Any]:
    """A string column as an object array with ``None`` for missing values."""
    out = values.astype(object).to_numpy(copy=True)
    out[pd.isna(out)] = None
    return out


def _clawbacks(clawbacks: pd.DataFrame | None, period: Period, mu: int) -> pd.DataFrame:
    """The clawbacks frame checked, in minor units, sorted by rep, date and deal."""
    columns = ["rep_id", "deal_id", "refunded_on", "refunded_minor", "amount_minor"]
    if clawbacks is None:
        empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        return empty.assign(
            refunded_minor=np.zeros(0, dtype=np.int64),
            amount_minor=np.zeros(0, dtype=np.int64),
            refunded_on=pd.to_datetime([]),
            current_rate=np.zeros(0),
            reduces_attainment=np.zeros(0, dtype=bool),
            product=pd.Series([], dtype=object),
            category=pd.Series([], dtype=object),
        )
    valid, failures = partition_frame(clawbacks, CLAWBACKS)
    if len(failures):
        raise InvalidInputError(
            f"clawbacks rows break the contract: {failures.head(5).to_dict('records')}"
        )
    when = valid["refunded_on"]
    outside = (when < pd.Timestamp(period.start)) | (when >= pd.Timestamp(period.end))
    if outside.any():
        raise InvalidInputError(
            f"clawbacks rows {list(valid.index[outside.to_numpy()][:5])} are refunded outside "
            f"the period [{period.start}, {period.end})"
        )
    out = pd.DataFrame(
        {
            "rep_id": valid["rep_id"].astype(object).to_numpy(),
            "deal_id": valid["deal_id"].astype(object).to_numpy(),
            "refunded_on": when.to_numpy(),
            "current_rate": valid["current_rate"].to_numpy(dtype=np.float64),
            "reduces_attainment": valid["reduces_attainment"].to_numpy(dtype=bool),
            "product": _texts(valid["product"]),
            "category": _texts(valid["category"]),
        }
    )
    for name in ("refunded", "amount"):
        values = valid[name].to_numpy(dtype=np.float64)
        minor = floats_to_minor_units(values, mu) if len(values) else np.zeros(0, dtype=np.int64)
        off = minor / 10.0**mu != values
        if name == "amount":
            off |= minor > 0
        if off.any():
            raise InvalidInputError(
                f"clawbacks rows {list(valid.index[off][:5])} have a {name} that is not in whole "
                "minor units" + (" or is > 0" if name == "amount" else "")
            )
        out[f"{name}_minor"] = minor
    order = np.lexsort(
        (
            pd.factorize(out["deal_id"], sort=True)[0],
            out["refunded_on"].to_numpy(dtype="datetime64[us]").astype(np.int64),
            pd.factorize(out["rep_id"], sort=True)[0],
        )
    )
    return out.iloc[order].reset_index(drop=True)


def settle_minor(
    earned: npt.ArrayLike,
    advances: npt.ArrayLike,
    deficit: npt.ArrayLike,
    *,
    plan: CommissionPlan,
    period: Period,
    rounding: str,
) -> dict[str, npt.NDArray[np.int64]]:
    """:func:`~salescore.commission.settle` for many reps at once, in minor units."""
    mu = minor_unit(plan.currency)

    def obj(values: npt.ArrayLike) -> npt.NDArray[Any]:
        return np.asarray(values, dtype=np.int64).astype(object)

    e, a, d = obj(earned), obj(advances), obj(deficit)
    zero = 0 * e
    dr = np.minimum(d, np.maximum(e, zero))
    e, d = e - dr, d - dr
    negative = e < 0
    paid_negative = negative & plan.allow_negative
    da = np.where(negative & ~paid_negative, -e, zero)
    d = d + da
    e = np.where(negative & ~paid_negative, zero, e)
    draw = plan.draw
    g = int(draw.amount.scaleb(mu)) if draw is not None and draw.active(period) else 0
    rest = ~paid_negative
    low = rest & (e < g)
    adv = np.where(low, g - e, zero)
    if draw is not None and draw.kind == "recoverable":
        a = a + adv
    share = draw.recovery if draw is not None else Decimal(1)
    places = max(0, -int(share.normalize(DECIMAL_CONTEXT).as_tuple().exponent))
    due = round_div(int(share.scaleb(places)) * np.maximum(e - g, zero), 10**places, rounding)
    rec = np.where(rest & ~low, np.minimum(a, due), zero)
    a = a - rec
    payable = np.where(paid_negative, e, np.where(low, g, e - rec))
    forgiven = zero
    if draw is not None and draw.limit is not None:
        cap = int(draw.limit.scaleb(mu))
        forgiven = np.where(rest & (a > cap), a - cap, zero)
        a = a - forgiven
    out = {
        "deficit_recovered": dr,
        "deficit_added": da,
        "advance": adv,
        "recovered": rec,
        "forgiven": forgiven,
        "payable": payable,
        "advances": a,
        "deficit": d,
    }
    return {k: np.asarray(v, dtype=np.int64) for k, v in out.items()}


def credits_from_frame(credits: pd.DataFrame, *, flags: Sequence[str] = ()) -> list[Credit]:
    """The :class:`~salescore.commission.Credit` models of a credits frame, in row order.

    The bridge from the bulk form to :func:`~salescore.commission.statement`:
    the frame is checked against :data:`CREDITS` (and the optional
    :data:`ATTRIBUTES`) first, every failing row at once; amounts are read
    through their shortest repr, so ``0.1`` is ``Decimal("0.1")``, never its binary expansion.

    Parameters
    ----------
    credits : pandas.DataFrame
        Columns of :data:`CREDITS`, optional ``product``, ``category``, ``units``,
        and a bool column per name in ``flags``. Not mutated.
    flags : sequence of str
        Bool columns whose true rows carry that flag.

    Returns
    -------
    list of Credit

    Raises
    ------
    FrameValidationError
        Every row that breaks the contract, in its failure table.
    InvalidInputError
        An amount finer than its currency's minor unit (named with its deal).

    Examples
    --------
    >>> df = pd.DataFrame({"deal_id": ["D1"], "rep_id": ["R1"], "amount": [1234.5],
    ...                    "currency": ["CNY"], "credited_on": [pd.Timestamp("2026-01-05")]})
    >>> [(c.deal_id, c.amount.amount, c.credited_on) for c in credits_from_frame(df)]
    [('D1', Decimal('1234.5'), datetime.date(2026, 1, 5))]
    """
    flag_names = list(as_names(flags, what="flags"))
    contract = CREDITS.extend(
        columns=[*ATTRIBUTES, *(Column(f, "bool", description=f"flag {f!r}") for f in flag_names)]
    )
    valid = validate_frame(credits, contract)
    days = valid["credited_on"].dt.date.tolist()
    units = valid["units"].tolist()
    products, categories = valid["product"].tolist(), valid["category"].tolist()
    flag_rows = [valid[f].fillna(False).to_numpy(dtype=bool) for f in flag_names]
    result = []
    for i, (deal, rep, amount, currency) in enumerate(
        zip(valid["deal_id"], valid["rep_id"], valid["amount"], valid["currency"], strict=True)
    ):
        result.append(
            Credit(
                deal_id=deal,
                rep_id=rep,
                amount=Money(amount=amount, currency=currency),
                credited_on=days[i],
                product=None if pd.isna(products[i]) else products[i],
                category=None if pd.isna(categories[i]) else categories[i],
                units=1 if pd.isna(units[i]) else int(units[i]),
                flags=frozenset(
                    f for f, rows in zip(flag_names, flag_rows, strict=True) if rows[i]
                ),
            )
        )
    return result
