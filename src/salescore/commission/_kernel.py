"""The one commission kernel behind :func:`statement` and :func:`statements_frame`.

Everything is exact integer arithmetic. Credited amounts are integer minor
units; a component's measure is counted in ``minor / Q`` units (``Q`` a power
of ten that makes every attainment boundary times a quota an integer); rates
times multipliers are integers over ``10**r``. A line's exact amount is then
an integer numerator over one denominator per statement, ``DEN * M``: ``DEN``
is plan-wide and ``M`` is 1 unless an interpolated tier needs the tier's
width (times the quota, for attainment tiers) in the denominator. So sums,
caps and the one rounding per statement are exact. Arrays are int64 when a
bound shows nothing can overflow, else object arrays of Python ints (same
code, same results, slower); interpolated tiers always use the latter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from salescore._numeric import DECIMAL_CONTEXT, check_rounding, round_div
from salescore.commission._records import (
    KIND_BONUS,
    KIND_DEAL_CAP,
    KIND_FLOOR,
    KIND_GATE,
    KIND_MULTIPLIER,
    KIND_PERIOD_CAP,
    KIND_RELEASE,
    KIND_SPIFF,
    KIND_TIER,
    KIND_YEAR_CAP,
)
from salescore.commission.plan import CommissionPlan, TieredComponent
from salescore.money import minor_unit

Array = npt.NDArray[Any]
IntArray = npt.NDArray[np.int64]

#: Where each kind sorts among a credit's lines of one component: tier lines,
#: then the attribute multiplier, then caps and the gate.
_KIND_RANK: Final = np.array([0, 2, 3, 4, 5, 6, 7, 1, 8, 9], dtype=np.int64)
_LIMIT: Final = 2.0**62


def _places(value: Decimal) -> int:
    exponent = value.normalize(DECIMAL_CONTEXT).as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _scaled(value: Decimal, places: int) -> int:
    return int(value.scaleb(places, context=DECIMAL_CONTEXT))


@dataclass(frozen=True)
class Segments:
    """A component's merged segments: breakpoint numerators, tiers, rates, multipliers."""

    component: TieredComponent
    q: int  # measure unit is minor / q
    k: list[int]  # breakpoint j = k[j] * base, base = 1 (amount) or quota minor (attainment)
    gate: int | None  # the gate in the same units as k
    tier: list[int]
    rate: list[Decimal]
    multiplier: list[Decimal]
    r_int: list[int]  # rate * multiplier * rate_den (at the tier's lower bound)
    rate_den: int
    lo_k: list[int]  # the segment's tier lower bound, in the units of k
    w_k: list[int]  # the tier's width in the units of k; 0 when the rate is flat
    d_int: list[int]  # (end_rate - rate) * multiplier * rate_den; 0 when flat
    end_rate: list[Decimal]  # the tier's end rate (its rate when flat)

    @property
    def den(self) -> int:
        """Denominator of this component's numerators (in minor units)."""
        return self.q * self.rate_den


def segments(component: TieredComponent, currency: str) -> Segments:
    """Merge tiers and accelerator bands of ``component`` into integer segments."""
    points = component.breakpoints()
    if component.basis == "amount":
        q, scale = 1, minor_unit(currency)
    else:
        gate_points = [] if component.gate is None else [component.gate]
        q_places = max(_places(p) for p in (*points, *gate_points))
        q, scale = 10**q_places, q_places
    k = [_scaled(p, scale) for p in points]
    info = [component.segment(p) for p in points]
    effective = [DECIMAL_CONTEXT.multiply(rate, mult) for _, rate, mult in info]
    lo_k, w_k, slopes, end_rates = [], [], [], []
    for tier_no, rate, mult in info:
        tier = component.tiers[tier_no - 1] if tier_no else None
        if tier is not None and tier.end_rate is not None and tier.end_rate != rate:
            assert tier.upper is not None  # checked by Tier
            lo_k.append(_scaled(tier.lower, scale))
            w_k.append(_scaled(tier.upper, scale) - lo_k[-1])
            slopes.append(DECIMAL_CONTEXT.multiply(tier.end_rate - rate, mult))
            end_rates.append(tier.end_rate)
        else:
            lo_k.append(0)
            w_k.append(0)
            slopes.append(Decimal(0))
            end_rates.append(rate)
    r_places = max(_places(e) for e in (*effective, *slopes))
    return Segments(
        component=component,
        q=q,
        k=k,
        gate=None if component.gate is None else _scaled(component.gate, scale),
        tier=[t for t, _, _ in info],
        rate=[r for _, r, _ in info],
        multiplier=[m for _, _, m in info],
        r_int=[_scaled(e, r_places) for e in effective],
        rate_den=10**r_places,
        lo_k=lo_k,
        w_k=w_k,
        d_int=[_scaled(d, r_places) for d in slopes],
        end_rate=end_rates,
    )


def applies_matrix(plan: CommissionPlan, product: Array, category: Array) -> npt.NDArray[np.bool_]:
    """Whether each component pays each credit, by scope and specificity, vectorised.

    ``product`` and ``category`` hold each credit's attributes (``None`` when
    unknown). A table without a ``rule`` pays every credit in its scope; of
    the tables sharing a ``rule``, each credit is paid by the most specific
    matching one (product 2, category 1, unscoped 0).
    """
    n = len(product)
    spec = np.full((n, len(plan.components)), -1, dtype=np.int64)
    for ci, c in enumerate(plan.components):
        if c.product is not None:
            match = np.asarray(product == c.product, dtype=bool)
        elif c.category is not None:
            match = np.asarray(category == c.category, dtype=bool)
        else:
            match = np.ones(n, dtype=bool)
        spec[:, ci] = np.where(match, c.specificity, -1)
    out = spec >= 0
    rules = {c.rule for c in plan.components if c.rule is not None}
    for rule in sorted(rules):
        cols = [ci for ci, c in enumerate(plan.components) if c.rule == rule]
        best = spec[:, cols].max(axis=1)
        for ci in cols:
            out[:, ci] = (spec[:, ci] == best) & (best >= 0)
    return out


@dataclass(frozen=True)
class KernelResult:
    """Lines (sorted by credit, component, kind, segment) and per-group totals."""

    group: IntArray
    credit: IntArray
    component: IntArray
    kind: IntArray
    segment: IntArray
    base: Array  # measure slice, numerator over q of its component [minor units]
    start: Array  # where the slice starts in the measure, numerator over q [minor units]
    base_q: IntArray
    exact: Array  # numerator over den [minor units]
    amount: Array  # rounded [minor units]
    total: Array  # per group [minor units]
    den: Array  # per group: exact amounts of the group are numerators over it
    segs: list[Segments]


def _arr(values: Any, exact: bool) -> Array:
    if exact:
        out = np.empty(len(values), dtype=object)
        out[:] = [int(v) for v in values]
        return out
    return np.asarray(values, dtype=np.int64)


def _group_sum(values: Array, group: IntArray, n_groups: int) -> Array:
    out = np.zeros(n_groups, dtype=values.dtype)
    if values.dtype == object:
        out[:] = [0] * n_groups
    np.add.at(out, group, values)
    return out


def _group_cumsum(values: Array, group: IntArray) -> Array:
    """Inclusive cumulative sum restarting at each group (``group`` sorted)."""
    if len(values) == 0:
        return values.copy()
    cs = np.cumsum(values)
    start = np.searchsorted(group, group, side="left")
    offset = cs[start] - values[start]
    result: Array = cs - offset
    return result


def _count_le(bp: Array, value: Array, strict: bool) -> IntArray:
    hits = bp < value[:, None] if strict else bp <= value[:, None]
    counts: IntArray = np.asarray(hits, dtype=np.int64).sum(axis=1)
    return counts


def _lcm_widths(segs: list[Segments]) -> int:
    """Least common multiple of ``2 * width`` over every interpolating segment (1 if none)."""
    out = 1
    for s in segs:
        for w, d in zip(s.w_k, s.d_int, strict=True):
            if d:
                out = math.lcm(out, 2 * w)
    return out


def run(
    plan: CommissionPlan,
    group: IntArray,
    amount: IntArray,
    quota: IntArray,
    n_groups: int,
    *,
    rounding: str,
    exact: bool,
    flags: npt.NDArray[np.bool_] | None = None,
    totals_only: bool = False,
    year_paid: Array | None = None,
    applies: npt.NDArray[np.bool_] | None = None,
    units: IntArray | None = None,
    attr_flags: npt.NDArray[np.bool_] | None = None,
    held: Array | None = None,
    bonus: Array | None = None,
    bonus_shown: npt.NDArray[np.bool_] | None = None,
) -> KernelResult:
    """Compute every line and total; ``group`` sorted, credits in statement order within it.

    A negative ``amount`` is a refund that reduces attainment: it lowers the
    running and period measures from its place in the order on, is paid
    nothing and has no line. ``flags[i, j]`` says whether credit ``i``
    carries the flag of ``plan.spiffs[j]`` (``None``: no credit does). Floor
    lines have credit ``-1`` and come last in their group. ``year_paid[g, c]``
    is what component ``c`` already paid group ``g`` this year [minor units,
    >= 0] (``None``: nothing), read by year caps. ``applies[i, c]`` says
    whether component ``c`` pays credit ``i`` (``None``: all do; see
    :func:`applies_matrix`); ``units[i]`` is credit ``i``'s units for
    ``per_unit`` tables (``None``: 1 each). ``attr_flags[i, f]`` says whether
    credit ``i`` carries ``plan.multiplier_flags[f]`` (``None``: none does);
    a component's attribute multipliers scale its pay before its caps, on a
    ``KIND_MULTIPLIER`` line per credit. ``held[g, c]`` is what the deferred
    gate of component ``c`` held back from group ``g`` earlier in the year
    [minor units, >= 0] (``None``: nothing); a group whose period measure
    reaches the gate is paid it on a ``KIND_RELEASE`` line of credit ``-1``.
    ``bonus[g, b]`` is what ``plan.bonuses[b]`` pays group ``g`` [minor
    units, >= 0], on a ``KIND_BONUS`` line of credit ``-1`` wherever
    ``bonus_shown[g, b]`` (``None``: no bonus lines); the floor counts it.
    With ``totals_only`` only
    ``total`` and ``den`` are filled (the line arrays are empty), skipping the
    sort and the rounding of lines.
    """
    check_rounding(rounding)
    segs = [segments(c, plan.currency) for c in plan.components]
    n = len(amount)
    mu = minor_unit(plan.currency)
    kk = _lcm_widths(segs)
    interpolating = kk > 1
    # Attribute multipliers: every numerator is over 10**mp more, so that a
    # product of factors (each over 10**places) is an integer over it.
    flag_names = plan.multiplier_flags
    mults = [plan.multipliers_of(ci) for ci in range(len(segs))]
    mp = max((sum(_places(m.multiplier) for m in ms) for ms in mults), default=0)
    big_p = 10**mp
    grow = max((math.prod(max(float(m.multiplier), 1.0) for m in ms) for ms in mults), default=1.0)
    exact = exact or interpolating
    if not exact:
        total_abs = float(np.abs(amount).astype(np.float64).sum())
        quota_max = float(quota.max(initial=0))
        for s in segs:
            caps = max(
                c or Decimal(0)
                for c in (s.component.deal_cap, s.component.period_cap, s.component.year_cap)
            )
            factor = max(x.den for x in segs) // s.den
            bound = (
                (
                    total_abs * s.q
                    + max([*s.k, s.gate or 0]) * max(quota_max, 1.0)
                    + float(caps) * 10**mu * s.den
                )
                * max(max(s.r_int), 1)
                * factor
                * 2
                * big_p
                * grow
            )
            exact = exact or bound >= _LIMIT
            if s.component.rate_kind != "fraction":
                count = float(n if units is None else np.abs(units).astype(np.float64).sum() + n)
                exact = exact or (
                    count * max(max(s.r_int), 1) * 10**mu * s.q * factor * 4 * big_p * grow
                    >= _LIMIT
                )
        fixed = sum((x.amount for x in plan.spiffs), Decimal(0)) * n
        fixed += plan.floor.amount if plan.floor is not None else 0
        if bonus is not None and bonus.size:
            fixed += Decimal(int(np.asarray(bonus).max())).scaleb(-mu) * len(plan.bonuses)
        if held is not None and held.size:
            fixed += Decimal(int(np.asarray(held).max())).scaleb(-mu) * len(segs)
        exact = exact or float(fixed) * 10**mu * max(x.den for x in segs) * 4 * big_p >= _LIMIT
    amt = _arr(amount.tolist(), True) if exact else np.asarray(amount, dtype=np.int64)
    quo = _arr(quota.tolist(), True) if exact else np.asarray(quota, dtype=np.int64)
    den = max(s.den for s in segs) * big_p
    # Interpolated tiers pay integrals with the tier width (times the quota for
    # attainment tiers) in the denominator: every numerator of a statement is
    # then over den * mg, mg = kk (* quota) per group.
    by_quota = any(s.component.basis == "attainment" and any(s.d_int) for s in segs)
    if interpolating:
        width_base = np.maximum(quo, 1) if by_quota else _arr([1] * n_groups, True)
        mg_group: Array | None = width_base * kk
    else:
        width_base, mg_group = None, None
    mg = None if mg_group is None else mg_group[group]
    den_group: Array = (
        mg_group * den
        if mg_group is not None
        else _arr([den] * n_groups, True)
        if exact
        else np.full(n_groups, den, dtype=np.int64)
    )
    idx = np.arange(n, dtype=np.int64)
    parts: list[tuple[IntArray, ...]] = []
    bases: list[Array] = []
    starts: list[Array] = []
    nums: list[Array] = []

    def add(
        credit: IntArray,
        ci: int,
        kind: int,
        seg: IntArray,
        b: Array,
        st: Array,
        num: Array,
        grp: IntArray | None = None,
    ) -> None:
        line_grp = group[credit] if grp is None else grp
        parts.append((credit, np.full(len(credit), ci), np.full(len(credit), kind), seg, line_grp))
        bases.append(b)
        starts.append(st)
        nums.append(num)

    for ci, s in enumerate(segs):
        comp = s.component
        m = len(s.k)
        k = _arr(s.k, exact)
        rint = _arr(s.r_int, exact)
        base = quo[group] if comp.basis == "attainment" else _arr([1] * n, exact)
        bp = base[:, None] * k[None, :]  # (n, m) breakpoints of each credit's measure
        on = np.ones(n, dtype=bool) if applies is None else np.asarray(applies[:, ci], dtype=bool)
        a_q = np.where(on, amt * s.q, 0 * amt)
        first = len(nums)
        if comp.rate_kind != "fraction":
            # A fixed amount per deal or unit at the rate of the tier the measure reaches.
            if comp.measure == "transaction":
                measure = a_q
            elif comp.mode == "retroactive":
                measure = _group_sum(a_q, group, n_groups)[group]
            else:
                measure = _group_cumsum(a_q, group)
            if comp.boundary == "upper":
                reached = np.maximum(_count_le(bp, measure, strict=False) - 1, 0)
            else:
                reached = np.maximum(_count_le(bp, measure, strict=True) - 1, 0)
            paid_on = on & np.asarray(amt >= 0, dtype=bool)
            per = units if comp.rate_kind == "per_unit" and units is not None else np.ones(n)
            n_paid = _arr(np.where(paid_on, per, 0).astype(np.int64).tolist(), exact)
            pay = n_paid * rint[reached] * (10**mu * s.q)
            if mg is not None:
                pay = pay * mg
            paying = np.flatnonzero(paid_on)
            l_credit, l_seg = idx[paying], reached[paying].astype(np.int64)
            l_base, l_num, l_start = a_q[paying], pay[paying], 0 * a_q[paying]
        elif comp.mode in ("marginal", "interpolated"):
            after = _group_cumsum(a_q, group) if comp.measure == "running" else a_q
            before = after - a_q
            hi = np.concatenate([bp[:, 1:], after[:, None]], axis=1)
            low = np.maximum(bp, before[:, None])
            slices = np.minimum(hi, after[:, None]) - low
            slices = np.where(slices > 0, slices, 0 * slices)
            located = np.maximum(_count_le(bp, before, strict=False) - 1, 0)
            mask = (slices > 0) | (
                ((a_q == 0) & on)[:, None] & (np.arange(m)[None, :] == located[:, None])
            )
            line_num = slices * rint[None, :]
            if mg is not None:
                line_num = line_num * mg[:, None]
            if any(s.d_int):
                assert width_base is not None
                # The integral of r0 + d (t - L) / W over [u, u + h] adds
                # d h (2u + h - 2L) / (2W); times mg it is an integer.
                coef = _arr(
                    [kk // (2 * w) if d else 0 for w, d in zip(s.w_k, s.d_int, strict=True)], True
                )
                scale = coef[None, :] * (
                    width_base[group][:, None] if comp.basis == "amount" else 1
                )
                lower = base[:, None] * _arr(s.lo_k, True)[None, :]
                line_num = line_num + (
                    _arr(s.d_int, True)[None, :] * slices * (2 * low + slices - 2 * lower) * scale
                )
            pay = line_num.sum(axis=1) if m > 0 else 0 * a_q
            rows, cols = np.nonzero(mask)
            l_credit, l_seg = rows.astype(np.int64), cols.astype(np.int64)
            l_base, l_num = slices[rows, cols], line_num[rows, cols]
            l_start = low[rows, cols]
        else:
            measure = _group_sum(a_q, group, n_groups)[group] if comp.measure == "running" else a_q
            if comp.boundary == "upper":
                reached = np.maximum(_count_le(bp, measure, strict=False) - 1, 0)
            else:
                reached = np.maximum(_count_le(bp, measure, strict=True) - 1, 0)
            # A refund (a negative amount) lowers the measure but is paid nothing.
            paying = np.flatnonzero(on & np.asarray(a_q >= 0, dtype=bool))
            pay = np.maximum(a_q, 0 * a_q) * rint[reached]
            if mg is not None:
                pay = pay * mg
            l_credit, l_seg = idx[paying], reached[paying].astype(np.int64)
            l_base, l_num, l_start = a_q[paying], pay[paying], 0 * a_q[paying]
        add(l_credit, ci, KIND_TIER, l_seg, l_base, l_start, l_num)
        factor = den // (s.den * big_p)
        unit = s.den * big_p if mg is None else mg * (s.den * big_p)
        plain = pay
        if big_p != 1:
            nums[-1] = nums[-1] * big_p
            pay = pay * big_p
        if mults[ci]:
            # The product of the factors of the flags each credit carries, over big_p.
            m_int = _arr([10 ** (mp - sum(_places(x.multiplier) for x in mults[ci]))] * n, exact)
            for am in mults[ci]:
                places = _places(am.multiplier)
                on_flag = (
                    np.zeros(n, dtype=bool)
                    if attr_flags is None
                    else np.asarray(attr_flags[:, flag_names.index(am.flag)], dtype=bool)
                )
                factor_of = np.where(on_flag, _scaled(am.multiplier, places), 10**places)
                m_int = m_int * _arr(factor_of.tolist(), exact)
            adj = plain * m_int - pay
            pay = pay + adj
            hit = np.flatnonzero(adj != 0)
            add(hit, ci, KIND_MULTIPLIER, hit * 0 - 1, 0 * adj[hit], 0 * adj[hit], adj[hit])
        if comp.deal_cap is not None:
            cap = _scaled(comp.deal_cap, mu) * unit
            adj = np.minimum(cap - pay, 0 * pay)
            pay = pay + adj
            hit = np.flatnonzero(adj != 0)
            add(hit, ci, KIND_DEAL_CAP, hit * 0 - 1, 0 * adj[hit], 0 * adj[hit], adj[hit])
        if comp.period_cap is not None:
            cap = _scaled(comp.period_cap, mu) * unit
            cum = _group_cumsum(pay, group)
            capped = np.minimum(cum, cap + 0 * cum) - np.minimum(cum - pay, cap + 0 * cum)
            adj = capped - pay
            pay = capped
            hit = np.flatnonzero(adj != 0)
            add(hit, ci, KIND_PERIOD_CAP, hit * 0 - 1, 0 * adj[hit], 0 * adj[hit], adj[hit])
        if comp.year_cap is not None:
            paid = _arr([0] * n_groups if year_paid is None else year_paid[:, ci].tolist(), exact)
            room = np.maximum(_scaled(comp.year_cap, mu) - paid, 0 * paid)[group] * unit
            cum = _group_cumsum(pay, group)
            capped = np.minimum(cum, room) - np.minimum(cum - pay, room)
            adj = capped - pay
            pay = capped
            hit = np.flatnonzero(adj != 0)
            add(hit, ci, KIND_YEAR_CAP, hit * 0 - 1, 0 * adj[hit], 0 * adj[hit], adj[hit])
        if s.gate is not None:
            period_measure = _group_sum(a_q, group, n_groups)[group]
            adj = np.where(period_measure < base * s.gate, -pay, 0 * pay)
            pay = pay + adj
            hit = np.flatnonzero(adj != 0)
            add(hit, ci, KIND_GATE, hit * 0 - 1, 0 * adj[hit], 0 * adj[hit], adj[hit])
            if comp.gate_deferred and held is not None:
                measure_g = _group_sum(a_q, group, n_groups)
                base_g = quo if comp.basis == "attainment" else _arr([1] * n_groups, exact)
                kept = _arr([int(x) for x in held[:, ci]], exact)
                rel = np.flatnonzero((measure_g >= base_g * s.gate) & (kept > 0))
                per_g = s.den * big_p if mg_group is None else mg_group[rel] * (s.den * big_p)
                pay_g = kept[rel] * per_g
                add(
                    rel * 0 - 1, ci, KIND_RELEASE, rel * 0 - 1, 0 * pay_g, 0 * pay_g, pay_g, grp=rel
                )
        if factor != 1:
            for j in range(first, len(nums)):
                nums[j] = nums[j] * factor
    n_comp = len(segs)
    unit_all: Array | int = den if mg is None else mg * den
    for si, spiff in enumerate(plan.spiffs):
        qual = np.zeros(n, dtype=bool) if flags is None else np.asarray(flags[:, si], dtype=bool)
        if spiff.min_amount is not None:
            qual &= np.asarray(amt >= _scaled(spiff.min_amount, mu), dtype=bool)
        if spiff.limit is not None:
            qual &= _group_cumsum(qual.astype(np.int64), group) <= spiff.limit
        hit = np.flatnonzero(qual)
        pay = _scaled(spiff.amount, mu) * (unit_all if isinstance(unit_all, int) else unit_all[hit])
        pay_arr = _arr([pay] * len(hit), exact) if isinstance(pay, int) else pay
        add(hit, n_comp + si, KIND_SPIFF, hit * 0 - 1, 0 * pay_arr, 0 * pay_arr, pay_arr)
    if bonus is not None and bonus_shown is not None:
        for bi in range(len(plan.bonuses)):
            hit = np.flatnonzero(bonus_shown[:, bi])
            minor = _arr([int(x) for x in bonus[hit, bi]], exact)
            pay_b = minor * den_group[hit]
            add(
                hit * 0 - 1,
                n_comp + len(plan.spiffs) + bi,
                KIND_BONUS,
                hit * 0 - 1,
                0 * pay_b,
                0 * pay_b,
                pay_b,
                grp=hit,
            )
    if plan.floor is not None:
        line_grp = np.concatenate([p[4] for p in parts]).astype(np.int64)
        earned = _group_sum(np.concatenate(nums), line_grp, n_groups)
        short = _scaled(plan.floor.amount, mu) * den_group - earned
        hit = np.flatnonzero(short > 0)
        adj = short[hit]
        add(
            hit * 0 - 1,
            n_comp + len(plan.spiffs) + len(plan.bonuses),
            KIND_FLOOR,
            hit * 0 - 1,
            0 * adj,
            0 * adj,
            adj,
            grp=hit,
        )
    if totals_only:
        line_grp = np.concatenate([p[4] for p in parts]).astype(np.int64)
        totals_exact = _group_sum(np.concatenate(nums), line_grp, n_groups)
        none = np.zeros(0, dtype=np.int64)
        return KernelResult(
            group=none,
            credit=none,
            component=none,
            kind=none,
            segment=none,
            base=none,
            start=none,
            base_q=none,
            exact=none,
            amount=none,
            total=round_div(totals_exact, den_group, rounding),
            den=den_group,
            segs=segs,
        )
    credit = np.concatenate([p[0] for p in parts]).astype(np.int64)
    comp_ix = np.concatenate([p[1] for p in parts]).astype(np.int64)
    kind = np.concatenate([p[2] for p in parts]).astype(np.int64)
    seg = np.concatenate([p[3] for p in parts]).astype(np.int64)
    line_group = np.concatenate([p[4] for p in parts]).astype(np.int64)
    base_all = np.concatenate(bases)
    start_all = np.concatenate(starts)
    num = np.concatenate(nums)
    if exact:
        base_all = base_all.astype(object)
        start_all = start_all.astype(object)
        num = num.astype(object)
    credit_key = np.where(credit < 0, n, credit)
    order = np.lexsort((seg, _KIND_RANK[kind], comp_ix, credit_key, line_group))
    credit, comp_ix, kind, seg = credit[order], comp_ix[order], kind[order], seg[order]
    base_all, start_all, num = base_all[order], start_all[order], num[order]
    line_group = line_group[order]
    q_of = [s.q for s in segs] + [1] * (len(plan.spiffs) + len(plan.bonuses) + 1)
    base_q = np.asarray(q_of, dtype=np.int64)[comp_ix]
    den_line = den_group[line_group] if mg_group is not None else den
    floor = num // den_line
    rem = num % den_line
    totals_exact = _group_sum(num, line_group, n_groups)
    totals = round_div(totals_exact, den_group, rounding)
    leftover = totals - _group_sum(floor, line_group, n_groups)
    # Hand the leftover units to the largest remainders in each statement,
    # earlier lines first on ties, so the lines sum exactly to the rounded total.
    pos = np.arange(len(num), dtype=np.int64)
    if exact:
        rank_order = np.asarray(
            sorted(range(len(num)), key=lambda i: (int(line_group[i]), -rem[i], i)), dtype=np.int64
        )
    else:
        rank_order = np.lexsort((pos, -rem, line_group))
    sorted_group = line_group[rank_order]
    first_pos = np.searchsorted(sorted_group, sorted_group, side="left")
    rank = np.empty(len(num), dtype=np.int64)
    rank[rank_order] = pos - first_pos
    bump = rank < leftover[line_group]
    amount_out = floor + np.asarray(bump, dtype=np.int64)
    return KernelResult(
        group=line_group,
        credit=credit,
        component=comp_ix,
        kind=kind,
        segment=seg,
        base=base_all,
        start=start_all,
        base_q=base_q,
        exact=num,
        amount=amount_out,
        total=totals,
        den=den_group,
        segs=segs,
    )
