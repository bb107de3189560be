"""The one commission kernel behind :func:`statement` and :func:`statements_frame`.

Everything is exact integer arithmetic. Credited amounts are integer minor
units; a component's measure is counted in ``minor / Q`` units (``Q`` a power
of ten that makes every attainment boundary times a quota an integer); rates
times multipliers are integers over ``10**r``. A line's exact amount is then
an integer numerator over one plan-wide denominator ``DEN``, so sums, caps
and the one rounding per statement are exact. Arrays are int64 when a bound
shows nothing can overflow, else object arrays of Python ints (same code,
same results, slower).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from salescore._numeric import DECIMAL_CONTEXT, check_rounding
from salescore.commission.plan import CommissionPlan, TieredComponent
from salescore.errors import InvalidInputError
from salescore.money import minor_unit

Array = npt.NDArray[Any]
IntArray = npt.NDArray[np.int64]

KIND_TIER: Final = 0
KIND_DEAL_CAP: Final = 1
KIND_PERIOD_CAP: Final = 2
KIND_GATE: Final = 3
_LIMIT: Final = 2.0**62


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
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
    r_int: list[int]  # rate * multiplier * rate_den
    rate_den: int

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
    r_places = max(_places(e) for e in effective)
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
    )


@dataclass(frozen=True)
class KernelResult:
    """Lines (sorted by credit, component, kind, segment) and per-group totals."""

    group: IntArray
    credit: IntArray
    component: IntArray
    kind: IntArray
    segment: IntArray
    base: Array  # measure slice, numerator over q of its component [minor units]
    base_q: IntArray
    exact: Array  # numerator over den [minor units]
    amount: Array  # rounded [minor units]
    total: Array  # per group [minor units]
    den: int
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


def round_div(num: Array, den: int, rounding: str) -> Array:
    """Round ``num / den`` to an integer with a :mod:`decimal` rounding mode, exactly."""
    q = num // den
    r = num % den  # in [0, den): floor semantics for negatives too
    pos = num > 0
    up = r > 0
    twice = 2 * r
    if rounding == "ROUND_FLOOR":
        bump = np.zeros(len(num), dtype=bool)
    elif rounding == "ROUND_CEILING":
        bump = up
    elif rounding == "ROUND_DOWN":
        bump = up & ~pos
    elif rounding == "ROUND_UP":
        bump = up & pos
    else:
        tie = twice == den
        if rounding == "ROUND_HALF_UP":
            tie_up = pos
        elif rounding == "ROUND_HALF_DOWN":
            tie_up = ~pos
        elif rounding == "ROUND_HALF_EVEN":
            tie_up = (q % 2) == 1
        else:
            raise InvalidInputError(
                f"rounding {rounding!r} is not supported for commission; use ROUND_HALF_EVEN, "
                "ROUND_HALF_UP, ROUND_HALF_DOWN, ROUND_UP, ROUND_DOWN, ROUND_CEILING or ROUND_FLOOR"
            )
        bump = (twice > den) | (tie & tie_up)
    result: Array = q + np.asarray(bump, dtype=np.int64)
    return result


def _count_le(bp: Array, value: Array, strict: bool) -> IntArray:
    hits = bp < value[:, None] if strict else bp <= value[:, None]
    counts: IntArray = np.asarray(hits, dtype=np.int64).sum(axis=1)
    return counts


def run(
    plan: CommissionPlan,
    group: IntArray,
    amount: IntArray,
    quota: IntArray,
    n_groups: int,
    *,
    rounding: str,
    exact: bool,
) -> KernelResult:
    """Compute every line and total; ``group`` sorted, credits in statement order within it."""
    check_rounding(rounding)
    segs = [segments(c, plan.currency) for c in plan.components]
    n = len(amount)
    mu = minor_unit(plan.currency)
    if not exact:
        total_abs = float(np.abs(amount).astype(np.float64).sum())
        quota_max = float(quota.max(initial=0))
        for s in segs:
            caps = max(c or Decimal(0) for c in (s.component.deal_cap, s.component.period_cap))
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
            )
            exact = exact or bound >= _LIMIT
    amt = _arr(amount.tolist(), True) if exact else np.asarray(amount, dtype=np.int64)
    quo = _arr(quota.tolist(), True) if exact else np.asarray(quota, dtype=np.int64)
    den = max(s.den for s in segs)
    idx = np.arange(n, dtype=np.int64)
    parts: list[tuple[IntArray, ...]] = []
    bases: list[Array] = []
    nums: list[Array] = []
    for ci, s in enumerate(segs):
        comp = s.component
        m = len(s.k)
        k = _arr(s.k, exact)
        rint = _arr(s.r_int, exact)
        base = quo[group] if comp.basis == "attainment" else _arr([1] * n, exact)
        bp = base[:, None] * k[None, :]  # (n, m) breakpoints of each credit's measure
        a_q = amt * s.q
        if comp.mode == "marginal":
            after = _group_cumsum(a_q, group) if comp.measure == "running" else a_q
            before = after - a_q
            hi = np.concatenate([bp[:, 1:], after[:, None]], axis=1)
            low = np.maximum(bp, before[:, None])
            slices = np.minimum(hi, after[:, None]) - low
            slices = np.where(slices > 0, slices, 0 * slices)
            located = _count_le(bp, before, strict=False) - 1
            mask = (slices > 0) | (
                (a_q == 0)[:, None] & (np.arange(m)[None, :] == located[:, None])
            )
            line_num = slices * rint[None, :]
            pay = line_num.sum(axis=1) if m > 0 else 0 * a_q
            rows, cols = np.nonzero(mask)
            l_credit, l_seg = rows.astype(np.int64), cols.astype(np.int64)
            l_base, l_num = slices[rows, cols], line_num[rows, cols]
        else:
            measure = _group_sum(a_q, group, n_groups)[group] if comp.measure == "running" else a_q
            if comp.boundary == "upper":
                reached = _count_le(bp, measure, strict=False) - 1
            else:
                reached = np.maximum(_count_le(bp, measure, strict=True) - 1, 0)
            pay = a_q * rint[reached]
            l_credit, l_seg, l_base, l_num = idx, reached.astype(np.int64), a_q, pay
        parts.append(
            (l_credit, np.full(len(l_credit), ci), np.full(len(l_credit), KIND_TIER), l_seg)
        )
        bases.append(l_base)
        nums.append(l_num)
        factor = den // s.den
        if comp.deal_cap is not None:
            cap = _scaled(comp.deal_cap, mu) * s.den
            adj = np.minimum(cap - pay, 0 * pay)
            pay = pay + adj
            hit = np.flatnonzero(adj != 0)
            parts.append(
                (hit, np.full(len(hit), ci), np.full(len(hit), KIND_DEAL_CAP), hit * 0 - 1)
            )
            bases.append(0 * adj[hit])
            nums.append(adj[hit])
        if comp.period_cap is not None:
            cap = _scaled(comp.period_cap, mu) * s.den
            cum = _group_cumsum(pay, group)
            capped = np.minimum(cum, cap + 0 * cum) - np.minimum(cum - pay, cap + 0 * cum)
            adj = capped - pay
            hit = np.flatnonzero(adj != 0)
            parts.append(
                (hit, np.full(len(hit), ci), np.full(len(hit), KIND_PERIOD_CAP), hit * 0 - 1)
            )
            bases.append(0 * adj[hit])
            nums.append(adj[hit])
        if s.gate is not None:
            period_measure = _group_sum(a_q, group, n_groups)[group]
            adj = np.where(period_measure < base * s.gate, -pay, 0 * pay)
            pay = pay + adj
            hit = np.flatnonzero(adj != 0)
            parts.append((hit, np.full(len(hit), ci), np.full(len(hit), KIND_GATE), hit * 0 - 1))
            bases.append(0 * adj[hit])
            nums.append(adj[hit])
        if factor != 1:
            extra = (comp.deal_cap is not None) + (comp.period_cap is not None)
            start = len(nums) - (1 + extra + (s.gate is not None))
            for j in range(start, len(nums)):
                nums[j] = nums[j] * factor
    credit = np.concatenate([p[0] for p in parts]).astype(np.int64)
    comp_ix = np.concatenate([p[1] for p in parts]).astype(np.int64)
    kind = np.concatenate([p[2] for p in parts]).astype(np.int64)
    seg = np.concatenate([p[3] for p in parts]).astype(np.int64)
    base_all = np.concatenate(bases) if bases else _arr([], exact)
    num = np.concatenate(nums) if nums else _arr([], exact)
    if exact:
        base_all = base_all.astype(object)
        num = num.astype(object)
    order = np.lexsort((seg, kind, comp_ix, credit))
    credit, comp_ix, kind, seg = credit[order], comp_ix[order], kind[order], seg[order]
    base_all, num = base_all[order], num[order]
    line_group = group[credit] if n else np.zeros(0, dtype=np.int64)
    base_q = np.asarray([segs[c].q for c in range(len(segs))], dtype=np.int64)[comp_ix]
    floor = num // den
    rem = num % den
    totals_exact = _group_sum(num, line_group, n_groups)
    totals = round_div(totals_exact, den, rounding)
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
    first = np.searchsorted(sorted_group, sorted_group, side="left")
    rank = np.empty(len(num), dtype=np.int64)
    rank[rank_order] = pos - first
    bump = rank < leftover[line_group]
    amount_out = floor + np.asarray(bump, dtype=np.int64)
    return KernelResult(
        group=line_group,
        credit=credit,
        component=comp_ix,
        kind=kind,
        segment=seg,
        base=base_all,
        base_q=base_q,
        exact=num,
        amount=amount_out,
        total=totals,
        den=den,
        segs=segs,
    )
