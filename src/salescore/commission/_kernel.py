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
    width_lcm = _lcm_widths(segs)
    interpolating = width_lcm > 1
    # Attribute multipliers: every numerator is over 10**multiplier_places more, so
    # that a product of factors (each over 10**places) is an integer over it.
    mults = [plan.multipliers_of(ci) for ci in range(len(segs))]
    multiplier_places = max((sum(_places(m.multiplier) for m in ms) for ms in mults), default=0)
    multiplier_scale = 10**multiplier_places
    exact = (
        exact
        or interpolating
        or _overflows(plan, segs, amount, quota, units, held, bonus, multiplier_scale)
    )
    amounts = _arr(amount.tolist(), True) if exact else np.asarray(amount, dtype=np.int64)
    quotas = _arr(quota.tolist(), True) if exact else np.asarray(quota, dtype=np.int64)
    den = max(x.den for x in segs) * multiplier_scale
    # Interpolated tiers pay integrals with the tier width (times the quota for
    # attainment tiers) in the denominator: every numerator of a statement is
    # then over den * width_den, width_den = width_lcm (* quota) per group.
    by_quota = any(x.component.basis == "attainment" and any(x.d_int) for x in segs)
    width_base: Array | None = None
    width_den_group: Array | None = None
    if interpolating:
        width_base = np.maximum(quotas, 1) if by_quota else _arr([1] * n_groups, True)
        width_den_group = width_base * width_lcm
    den_group: Array = (
        width_den_group * den
        if width_den_group is not None
        else _arr([den] * n_groups, True)
        if exact
        else np.full(n_groups, den, dtype=np.int64)
    )
    run_ = _Run(
        plan=plan,
        segs=segs,
        group=group,
        n_groups=n_groups,
        exact=exact,
        amounts=amounts,
        quotas=quotas,
        den=den,
        den_group=den_group,
        width_lcm=width_lcm,
        width_base=width_base,
        width_den_group=width_den_group,
        width_den=None if width_den_group is None else width_den_group[group],
        multiplier_places=multiplier_places,
        multiplier_scale=multiplier_scale,
        lines=_Lines(group),
    )
    for ci in range(len(segs)):
        _component(run_, ci, applies, units, attr_flags, year_paid, held)
    _spiffs(run_, flags)
    _bonuses(run_, bonus, bonus_shown)
    _floor(run_)
    return _place(run_, rounding, totals_only)


def _overflows(
    plan: CommissionPlan,
    segs: list[Segments],
    amount: IntArray,
    quota: IntArray,
    units: IntArray | None,
    held: Array | None,
    bonus: Array | None,
    multiplier_scale: int,
) -> bool:
    """Whether a bound shows int64 could overflow: then Python integers are used."""
    n = len(amount)
    mu = minor_unit(plan.currency)
    mults = [plan.multipliers_of(ci) for ci in range(len(segs))]
    grow = max((math.prod(max(float(m.multiplier), 1.0) for m in ms) for ms in mults), default=1.0)
    total_abs = float(np.abs(amount).astype(np.float64).sum())
    quota_max = float(quota.max(initial=0))
    big = False
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
            * multiplier_scale
            * grow
        )
        big = big or bound >= _LIMIT
        if s.component.rate_kind != "fraction":
            count = float(n if units is None else np.abs(units).astype(np.float64).sum() + n)
            big = big or (
                count * max(max(s.r_int), 1) * 10**mu * s.q * factor * 4 * multiplier_scale * grow
                >= _LIMIT
            )
    fixed = sum((x.amount for x in plan.spiffs), Decimal(0)) * n
    fixed += plan.floor.amount if plan.floor is not None else 0
    if bonus is not None and bonus.size:
        fixed += Decimal(int(np.asarray(bonus).max())).scaleb(-mu) * len(plan.bonuses)
    if held is not None and held.size:
        fixed += Decimal(int(np.asarray(held).max())).scaleb(-mu) * len(segs)
    return big or float(fixed) * 10**mu * max(x.den for x in segs) * 4 * multiplier_scale >= _LIMIT


class _Lines:
    """The lines of a run as they are made, in arrays per stage (sorted at the end)."""

    def __init__(self, group: IntArray) -> None:
        self.group = group
        self.parts: list[tuple[IntArray, ...]] = []
        self.bases: list[Array] = []
        self.starts: list[Array] = []
        self.nums: list[Array] = []

    def add(
        self,
        credit: IntArray,
        ci: int,
        kind: int,
        seg: IntArray,
        base: Array,
        start: Array,
        num: Array,
        grp: IntArray | None = None,
    ) -> None:
        line_grp = self.group[credit] if grp is None else grp
        self.parts.append(
            (credit, np.full(len(credit), ci), np.full(len(credit), kind), seg, line_grp)
        )
        self.bases.append(base)
        self.starts.append(start)
        self.nums.append(num)

    def adjust(self, ci: int, kind: int, adj: Array) -> None:
        """A line of ``kind`` for every credit whose pay ``adj`` changes (no base, no segment)."""
        hit = np.flatnonzero(adj != 0)
        self.add(hit, ci, kind, hit * 0 - 1, 0 * adj[hit], 0 * adj[hit], adj[hit])

    def period(self, ci: int, kind: int, groups: IntArray, num: Array) -> None:
        """A line of ``kind`` for each group in ``groups``, of no credit."""
        self.add(groups * 0 - 1, ci, kind, groups * 0 - 1, 0 * num, 0 * num, num, grp=groups)


@dataclass
class _Run:
    """What every stage of one run reads: the plan, the groups and the denominators."""

    plan: CommissionPlan
    segs: list[Segments]
    group: IntArray
    n_groups: int
    exact: bool
    amounts: Array  # per credit [minor units]
    quotas: Array  # per group [minor units]
    den: int  # plan-wide denominator of the numerators (times width_den when interpolating)
    den_group: Array  # per group: den * width_den
    width_lcm: int  # lcm of 2 * width over interpolating segments
    width_base: Array | None  # per group: the quota (or 1) under interpolated tiers
    width_den_group: Array | None  # per group: width_base * width_lcm
    width_den: Array | None  # the same per credit
    multiplier_places: int
    multiplier_scale: int  # 10 ** multiplier_places
    lines: _Lines

    @property
    def n(self) -> int:
        return len(self.amounts)

    @property
    def ones(self) -> Array:
        return _arr([1] * self.n, self.exact)


@dataclass(frozen=True)
class _Measure:
    """One component's view of the credits: measured amounts and breakpoints."""

    measured: Array  # each credit's amount in the component's units (0 where it does not pay)
    base: Array  # 1 (amount tables) or the group's quota (attainment tables), per credit
    breakpoints: Array  # (n, segments) breakpoints of each credit's measure
    on: npt.NDArray[np.bool_]  # whether the component pays the credit
    rates: Array  # the segments' rate numerators


def _measure(run: _Run, s: Segments, applies: npt.NDArray[np.bool_] | None, ci: int) -> _Measure:
    """Stage 1, measure: each credit's amount in the units of component ``s``."""
    base = run.quotas[run.group] if s.component.basis == "attainment" else run.ones
    on = np.ones(run.n, dtype=bool) if applies is None else np.asarray(applies[:, ci], dtype=bool)
    return _Measure(
        measured=np.where(on, run.amounts * s.q, 0 * run.amounts),
        base=base,
        breakpoints=base[:, None] * _arr(s.k, run.exact)[None, :],
        on=on,
        rates=_arr(s.r_int, run.exact),
    )


def _reached(m: _Measure, measure: Array, boundary: str) -> IntArray:
    """The segment each ``measure`` reaches (``boundary``: which tier a boundary value is in)."""
    counts = _count_le(m.breakpoints, measure, strict=boundary != "upper")
    reached: IntArray = np.maximum(counts - 1, 0)
    return reached


@dataclass(frozen=True)
class _TierPay:
    """Stage 2, tiers: each credit's pay and the tier lines that make it up."""

    pay: Array
    credit: IntArray
    segment: IntArray
    base: Array
    num: Array
    start: Array


def _per_item(run: _Run, s: Segments, m: _Measure, units: IntArray | None) -> _TierPay:
    """A fixed amount per deal or unit at the rate of the tier the measure reaches."""
    comp, group, measured = s.component, run.group, m.measured
    if comp.measure == "transaction":
        measure = measured
    elif comp.mode == "retroactive":
        measure = _group_sum(measured, group, run.n_groups)[group]
    else:
        measure = _group_cumsum(measured, group)
    reached = _reached(m, measure, comp.boundary)
    paid_on = m.on & np.asarray(run.amounts >= 0, dtype=bool)
    per = units if comp.rate_kind == "per_unit" and units is not None else np.ones(run.n)
    n_paid = _arr(np.where(paid_on, per, 0).astype(np.int64).tolist(), run.exact)
    pay = n_paid * m.rates[reached] * (10 ** minor_unit(run.plan.currency) * s.q)
    if run.width_den is not None:
        pay = pay * run.width_den
    paying = np.flatnonzero(paid_on)
    return _TierPay(
        pay,
        np.arange(run.n, dtype=np.int64)[paying],
        reached[paying].astype(np.int64),
        measured[paying],
        pay[paying],
        0 * measured[paying],
    )


def _sliced(run: _Run, s: Segments, m: _Measure) -> _TierPay:
    """Marginal and interpolated tiers: each slice of the measure at its segment's rate."""
    comp, group, measured = s.component, run.group, m.measured
    bp, n_seg = m.breakpoints, len(s.k)
    after = _group_cumsum(measured, group) if comp.measure == "running" else measured
    before = after - measured
    hi = np.concatenate([bp[:, 1:], after[:, None]], axis=1)
    low = np.maximum(bp, before[:, None])
    slices = np.minimum(hi, after[:, None]) - low
    slices = np.where(slices > 0, slices, 0 * slices)
    located = np.maximum(_count_le(bp, before, strict=False) - 1, 0)
    mask = (slices > 0) | (
        ((measured == 0) & m.on)[:, None] & (np.arange(n_seg)[None, :] == located[:, None])
    )
    line_num = slices * m.rates[None, :]
    if run.width_den is not None:
        line_num = line_num * run.width_den[:, None]
    if any(s.d_int):
        assert run.width_base is not None
        # The integral of r0 + d (t - L) / W over [u, u + h] adds
        # d h (2u + h - 2L) / (2W); times width_den it is an integer.
        coef = _arr(
            [run.width_lcm // (2 * w) if d else 0 for w, d in zip(s.w_k, s.d_int, strict=True)],
            True,
        )
        scale = coef[None, :] * (run.width_base[group][:, None] if comp.basis == "amount" else 1)
        lower = m.base[:, None] * _arr(s.lo_k, True)[None, :]
        line_num = line_num + (
            _arr(s.d_int, True)[None, :] * slices * (2 * low + slices - 2 * lower) * scale
        )
    pay = line_num.sum(axis=1) if n_seg > 0 else 0 * measured
    rows, cols = np.nonzero(mask)
    return _TierPay(
        pay,
        rows.astype(np.int64),
        cols.astype(np.int64),
        slices[rows, cols],
        line_num[rows, cols],
        low[rows, cols],
    )


def _retroactive(run: _Run, s: Segments, m: _Measure) -> _TierPay:
    """Retroactive tiers: the whole amount at the rate of the tier the measure reaches."""
    comp, measured = s.component, m.measured
    measure = (
        _group_sum(measured, run.group, run.n_groups)[run.group]
        if comp.measure == "running"
        else measured
    )
    reached = _reached(m, measure, comp.boundary)
    # A refund (a negative amount) lowers the measure but is paid nothing.
    paying = np.flatnonzero(m.on & np.asarray(measured >= 0, dtype=bool))
    pay = np.maximum(measured, 0 * measured) * m.rates[reached]
    if run.width_den is not None:
        pay = pay * run.width_den
    return _TierPay(
        pay,
        np.arange(run.n, dtype=np.int64)[paying],
        reached[paying].astype(np.int64),
        measured[paying],
        pay[paying],
        0 * measured[paying],
    )


def _tiers(run: _Run, s: Segments, m: _Measure, units: IntArray | None) -> _TierPay:
    """Stage 2, tiers: each credit's pay by the component's rate kind and mode."""
    if s.component.rate_kind != "fraction":
        return _per_item(run, s, m, units)
    if s.component.mode in ("marginal", "interpolated"):
        return _sliced(run, s, m)
    return _retroactive(run, s, m)


def _multipliers(
    run: _Run, ci: int, plain: Array, pay: Array, attr_flags: npt.NDArray[np.bool_] | None
) -> Array:
    """Stage 3, multipliers: the product of the factors of the flags each credit carries."""
    mults = run.plan.multipliers_of(ci)
    if not mults:
        return pay
    flag_names = run.plan.multiplier_flags
    places_left = run.multiplier_places - sum(_places(x.multiplier) for x in mults)
    factors = _arr([10**places_left] * run.n, run.exact)
    for am in mults:
        places = _places(am.multiplier)
        on_flag = (
            np.zeros(run.n, dtype=bool)
            if attr_flags is None
            else np.asarray(attr_flags[:, flag_names.index(am.flag)], dtype=bool)
        )
        factor_of = np.where(on_flag, _scaled(am.multiplier, places), 10**places)
        factors = factors * _arr(factor_of.tolist(), run.exact)
    adj = plain * factors - pay
    run.lines.adjust(ci, KIND_MULTIPLIER, adj)
    paid: Array = pay + adj
    return paid


def _caps(run: _Run, ci: int, pay: Array, unit: Array | int, year_paid: Array | None) -> Array:
    """Stage 4, caps: per deal, then per period, then per year (what the year has left)."""
    comp, group, mu = run.segs[ci].component, run.group, minor_unit(run.plan.currency)
    if comp.deal_cap is not None:
        cap = _scaled(comp.deal_cap, mu) * unit
        adj = np.minimum(cap - pay, 0 * pay)
        pay = pay + adj
        run.lines.adjust(ci, KIND_DEAL_CAP, adj)
    if comp.period_cap is not None:
        cap = _scaled(comp.period_cap, mu) * unit
        cum = _group_cumsum(pay, group)
        capped = np.minimum(cum, cap + 0 * cum) - np.minimum(cum - pay, cap + 0 * cum)
        run.lines.adjust(ci, KIND_PERIOD_CAP, capped - pay)
        pay = capped
    if comp.year_cap is not None:
        paid = _arr(
            [0] * run.n_groups if year_paid is None else year_paid[:, ci].tolist(), run.exact
        )
        room = np.maximum(_scaled(comp.year_cap, mu) - paid, 0 * paid)[group] * unit
        cum = _group_cumsum(pay, group)
        capped = np.minimum(cum, room) - np.minimum(cum - pay, room)
        run.lines.adjust(ci, KIND_YEAR_CAP, capped - pay)
        pay = capped
    return pay


def _gates(run: _Run, ci: int, m: _Measure, pay: Array, held: Array | None) -> Array:
    """Stage 5, gates: pay reversed below the gate; a deferred gate's held pay released."""
    s, group = run.segs[ci], run.group
    if s.gate is None:
        return pay
    period_measure = _group_sum(m.measured, group, run.n_groups)[group]
    adj = np.where(period_measure < m.base * s.gate, -pay, 0 * pay)
    pay = pay + adj
    run.lines.adjust(ci, KIND_GATE, adj)
    if s.component.gate_deferred and held is not None:
        measure_g = _group_sum(m.measured, group, run.n_groups)
        base_g = (
            run.quotas if s.component.basis == "attainment" else _arr([1] * run.n_groups, run.exact)
        )
        kept = _arr([int(x) for x in held[:, ci]], run.exact)
        rel = np.flatnonzero((measure_g >= base_g * s.gate) & (kept > 0))
        scale = s.den * run.multiplier_scale
        per_g = scale if run.width_den_group is None else run.width_den_group[rel] * scale
        run.lines.period(ci, KIND_RELEASE, rel, kept[rel] * per_g)
    return pay


def _component(
    run: _Run,
    ci: int,
    applies: npt.NDArray[np.bool_] | None,
    units: IntArray | None,
    attr_flags: npt.NDArray[np.bool_] | None,
    year_paid: Array | None,
    held: Array | None,
) -> None:
    """Every line of rate table ``ci``: measure, tiers, multipliers, caps, gates."""
    s, lines = run.segs[ci], run.lines
    first = len(lines.nums)
    m = _measure(run, s, applies, ci)
    tiers = _tiers(run, s, m, units)
    lines.add(tiers.credit, ci, KIND_TIER, tiers.segment, tiers.base, tiers.start, tiers.num)
    scale = s.den * run.multiplier_scale
    factor = run.den // scale
    unit = scale if run.width_den is None else run.width_den * scale
    plain = pay = tiers.pay
    if run.multiplier_scale != 1:
        lines.nums[-1] = lines.nums[-1] * run.multiplier_scale
        pay = pay * run.multiplier_scale
    pay = _multipliers(run, ci, plain, pay, attr_flags)
    pay = _caps(run, ci, pay, unit, year_paid)
    _gates(run, ci, m, pay, held)
    if factor != 1:
        for j in range(first, len(lines.nums)):
            lines.nums[j] = lines.nums[j] * factor


def _spiffs(run: _Run, flags: npt.NDArray[np.bool_] | None) -> None:
    """SPIFF lines: a fixed amount for each qualifying flagged credit."""
    plan, mu = run.plan, minor_unit(run.plan.currency)
    unit_all: Array | int = run.den if run.width_den is None else run.width_den * run.den
    for si, spiff in enumerate(plan.spiffs):
        qual = (
            np.zeros(run.n, dtype=bool) if flags is None else np.asarray(flags[:, si], dtype=bool)
        )
        if spiff.min_amount is not None:
            qual &= np.asarray(run.amounts >= _scaled(spiff.min_amount, mu), dtype=bool)
        if spiff.limit is not None:
            qual &= _group_cumsum(qual.astype(np.int64), run.group) <= spiff.limit
        hit = np.flatnonzero(qual)
        pay = _scaled(spiff.amount, mu) * (unit_all if isinstance(unit_all, int) else unit_all[hit])
        pay_arr = _arr([pay] * len(hit), run.exact) if isinstance(pay, int) else pay
        run.lines.add(
            hit, len(run.segs) + si, KIND_SPIFF, hit * 0 - 1, 0 * pay_arr, 0 * pay_arr, pay_arr
        )


def _bonuses(run: _Run, bonus: Array | None, bonus_shown: npt.NDArray[np.bool_] | None) -> None:
    """Target bonus lines: one per group where the bonus is shown."""
    if bonus is None or bonus_shown is None:
        return
    offset = len(run.segs) + len(run.plan.spiffs)
    for bi in range(len(run.plan.bonuses)):
        hit = np.flatnonzero(bonus_shown[:, bi])
        minor = _arr([int(x) for x in bonus[hit, bi]], run.exact)
        run.lines.period(offset + bi, KIND_BONUS, hit, minor * run.den_group[hit])


def _floor(run: _Run) -> None:
    """Stage 6, floor: the top-up of each group earning less than the plan's minimum."""
    plan, lines = run.plan, run.lines
    if plan.floor is None:
        return
    line_grp = np.concatenate([p[4] for p in lines.parts]).astype(np.int64)
    earned = _group_sum(np.concatenate(lines.nums), line_grp, run.n_groups)
    short = _scaled(plan.floor.amount, minor_unit(plan.currency)) * run.den_group - earned
    hit = np.flatnonzero(short > 0)
    ci = len(run.segs) + len(plan.spiffs) + len(plan.bonuses)
    lines.period(ci, KIND_FLOOR, hit, short[hit])


def _place(run: _Run, rounding: str, totals_only: bool) -> KernelResult:
    """Sort the lines, round each group's total once and hand out the leftover units."""
    lines, n_groups, den_group = run.lines, run.n_groups, run.den_group
    if totals_only:
        line_grp = np.concatenate([p[4] for p in lines.parts]).astype(np.int64)
        totals_exact = _group_sum(np.concatenate(lines.nums), line_grp, n_groups)
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
            segs=run.segs,
        )
    parts = lines.parts
    credit = np.concatenate([p[0] for p in parts]).astype(np.int64)
    comp_ix = np.concatenate([p[1] for p in parts]).astype(np.int64)
    kind = np.concatenate([p[2] for p in parts]).astype(np.int64)
    seg = np.concatenate([p[3] for p in parts]).astype(np.int64)
    line_group = np.concatenate([p[4] for p in parts]).astype(np.int64)
    base_all = np.concatenate(lines.bases)
    start_all = np.concatenate(lines.starts)
    num = np.concatenate(lines.nums)
    if run.exact:
        base_all = base_all.astype(object)
        start_all = start_all.astype(object)
        num = num.astype(object)
    credit_key = np.where(credit < 0, run.n, credit)
    order = np.lexsort((seg, _KIND_RANK[kind], comp_ix, credit_key, line_group))
    credit, comp_ix, kind, seg = credit[order], comp_ix[order], kind[order], seg[order]
    base_all, start_all, num = base_all[order], start_all[order], num[order]
    line_group = line_group[order]
    plan = run.plan
    q_of = [x.q for x in run.segs] + [1] * (len(plan.spiffs) + len(plan.bonuses) + 1)
    base_q = np.asarray(q_of, dtype=np.int64)[comp_ix]
    den_line = den_group[line_group] if run.width_den_group is not None else run.den
    floor = num // den_line
    rem = num % den_line
    totals_exact = _group_sum(num, line_group, n_groups)
    totals = round_div(totals_exact, den_group, rounding)
    leftover = totals - _group_sum(floor, line_group, n_groups)
    # Hand the leftover units to the largest remainders in each statement,
    # earlier lines first on ties, so the lines sum exactly to the rounded total.
    pos = np.arange(len(num), dtype=np.int64)
    if run.exact:
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
        amount=floor + np.asarray(bump, dtype=np.int64),
        total=totals,
        den=den_group,
        segs=run.segs,
    )
