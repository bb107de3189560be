r"""What a plan costs before launch: the payout distribution under sampled attainments.

:func:`plan_cost` runs a plan over many simulated periods at once. Each
sample gives every rep an attainment (or a simulated bookings total from
:func:`salescore.forecast.simulate`); the credited amount
:math:`c = \operatorname{round}(a \cdot \text{quota})` is booked as ``deals``
equal credits and paid by the same integer kernel as
:func:`~salescore.commission.statement`, so every sampled payout equals the
statement of that rep for that period to the cent. The result holds the
payout of every rep in every sample and summarises the plan's cost: the
expected cost, its quantiles, and cost as a share of revenue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import numpy.typing as npt

from salescore._numeric import DECIMAL_CONTEXT, check_fraction, check_rounding, exact_decimals
from salescore._simulation import Simulation
from salescore.commission import _kernel
from salescore.commission.plan import CommissionPlan
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.money import Money, minor_unit
from salescore.serialization import Result

__all__ = ["PlanCost", "plan_cost"]

IntArray = npt.NDArray[np.int64]
_LIMIT = 2.0**53


@dataclass(frozen=True, eq=False)
class PlanCost(Result):
    """The distribution of a plan's payout over sampled periods.

    Attributes
    ----------
    currency : str
        ISO 4217 code of every amount.
    credited : numpy.ndarray of int64, shape (n, reps)
        Credited amount of each rep in each sample [minor units].
    payouts : numpy.ndarray of int64, shape (n, reps)
        Statement total of each rep in each sample [minor units].
    rounding : str
        Rounding mode of :attr:`expected`.

    Examples
    --------
    >>> import numpy as np
    >>> c = PlanCost("CNY", np.array([[100_00], [300_00]]), np.array([[5_00], [20_00]]),
    ...              "ROUND_HALF_EVEN")
    >>> c.expected, c.quantile(0.5), c.share_of_revenue
    (Decimal('12.50'), Decimal('5.00'), 0.0625)
    """

    currency: str
    credited: IntArray
    payouts: IntArray
    rounding: str = ROUND_HALF_EVEN

    def __post_init__(self) -> None:
        for name in ("credited", "payouts"):
            arr = np.array(getattr(self, name), dtype=np.int64)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @property
    def _mu(self) -> int:
        return minor_unit(self.currency)

    def _money(self, minor: int) -> Decimal:
        return Decimal(minor).scaleb(-self._mu, context=DECIMAL_CONTEXT)

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.payouts.shape[0])

    @property
    def cost(self) -> IntArray:
        """Total payout of each sample, summed over reps [minor units]."""
        out: IntArray = self.payouts.sum(axis=1)
        return out

    @property
    def revenue(self) -> IntArray:
        """Total credited in each sample, summed over reps [minor units]."""
        out: IntArray = self.credited.sum(axis=1)
        return out

    @property
    def expected(self) -> Decimal:
        """Mean cost over the samples, rounded once to the minor unit [currency]."""
        if self.n == 0:
            return self._money(0)
        total = sum(self.cost.tolist())
        mean = DECIMAL_CONTEXT.divide(Decimal(total), Decimal(self.n))
        whole = mean.quantize(Decimal(1), rounding=self.rounding, context=DECIMAL_CONTEXT)
        return whole.scaleb(-self._mu, context=DECIMAL_CONTEXT)

    def quantile(self, q: float) -> Decimal:
        """The ``q`` quantile of the cost [currency].

        The smallest sampled cost with at least ``q`` of the samples at or
        below it (inverted CDF), so always a cost that was simulated.

        Parameters
        ----------
        q : float
            Level [fraction].
        """
        level = check_fraction(q, what="quantile level")
        if self.n == 0:
            raise InvalidInputError("plan cost has no samples; a quantile needs at least one")
        ordered = np.sort(self.cost)
        index = max(int(np.ceil(level * self.n)) - 1, 0)
        return self._money(int(ordered[index]))

    @property
    def p50(self) -> Decimal:
        """Median cost [currency]."""
        return self.quantile(0.5)

    @property
    def p90(self) -> Decimal:
        """90th percentile of the cost [currency]."""
        return self.quantile(0.9)

    @property
    def share_of_revenue(self) -> float | None:
        """Expected cost over expected revenue [fraction]; ``None`` when nothing is credited."""
        revenue = sum(self.revenue.tolist())
        if revenue == 0:
            return None
        return float(sum(self.cost.tolist()) / revenue)


def _quotas(plan: CommissionPlan, quota: Money | Sequence[Money], reps: int) -> IntArray:
    items = [quota] if isinstance(quota, Money) else list(quota)
    if len(items) == 1 and reps > 1:
        items = items * reps
    if len(items) != reps:
        raise InvalidInputError(
            f"{len(items)} quotas given for {reps} reps; give one quota or one per rep"
        )
    out = []
    for q in items:
        if not isinstance(q, Money):
            raise InvalidInputError(f"quota {q!r} is not Money")
        if q.currency != plan.currency:
            raise CurrencyMismatchError(
                f"quota {q} is not in the plan currency {plan.currency}; convert it first"
            )
        if q.amount <= 0:
            raise InvalidInputError(f"quota {q} must be > 0")
        if q.quantize().amount != q.amount:
            raise InvalidInputError(f"quota {q} has more decimal places than {q.currency} allows")
        out.append(q.to_minor())
    return np.asarray(out, dtype=np.int64)


def _credited(
    plan: CommissionPlan,
    samples: npt.ArrayLike | Simulation | Sequence[Simulation],
    quota: Money | Sequence[Money],
) -> tuple[IntArray, IntArray]:
    mu = minor_unit(plan.currency)
    sims: list[Simulation] | None = None
    if isinstance(samples, Simulation):
        sims = [samples]
    elif isinstance(samples, Sequence) and samples and isinstance(samples[0], Simulation):
        sims = list(samples)  # type: ignore[arg-type]
    if sims is not None:
        quota_minor = _quotas(plan, quota, len(sims))
        for sim in sims:
            if not isinstance(sim, Simulation):
                raise InvalidInputError(f"sample {sim!r} is not a Simulation; do not mix kinds")
            if sim.currency is not None and sim.currency != plan.currency:
                raise CurrencyMismatchError(
                    f"simulation is in {sim.currency}, not the plan currency {plan.currency}; "
                    "convert it first"
                )
        sizes = sorted({sim.n for sim in sims})
        if len(sizes) > 1:
            raise InvalidInputError(f"simulations have different run counts {sizes}; use one n")
        amounts = np.stack([np.asarray(sim.totals, dtype=np.float64) for sim in sims], axis=1)
        scaled = amounts * 10.0**mu
        raw = amounts
        what = "simulated total"
    else:
        att = np.asarray(samples, dtype=np.float64)
        if att.ndim == 1:
            att = att[:, None]
        if att.ndim != 2:
            raise InvalidInputError(
                f"attainment samples have {att.ndim} dimensions; give (samples,) or (samples, reps)"
            )
        quota_minor = _quotas(plan, quota, att.shape[1])
        scaled = att * quota_minor[None, :].astype(np.float64)
        raw = att
        what = "attainment"
    bad = ~np.isfinite(scaled) | (scaled < 0)
    if bad.any():
        i, j = (int(x[0]) for x in np.nonzero(bad))
        raise InvalidInputError(
            f"{what} sample {i} of rep {j} is negative or not finite ({raw[i, j]!r}); "
            "samples must be finite and >= 0"
        )
    if (scaled >= _LIMIT).any():
        raise InvalidInputError(f"{what} samples are too large to hold exactly in minor units")
    credited: IntArray = np.rint(scaled).astype(np.int64)
    return credited, quota_minor


@exact_decimals
def plan_cost(
    plan: CommissionPlan,
    attainment_samples: npt.ArrayLike | Simulation | Sequence[Simulation],
    *,
    quota: Money | Sequence[Money],
    deals: int = 1,
    rounding: str = ROUND_HALF_EVEN,
) -> PlanCost:
    r"""The distribution of total payout under a distribution of attainments.

    Every sample is one period for every rep: the rep's credited amount
    :math:`c = \operatorname{round}(a \cdot \text{quota})` (half to even, in
    minor units; :math:`a` an attainment [fraction of quota]), or a
    simulation's bookings total rounded to the minor unit, is split into
    ``deals`` equal credits (largest remainder, earlier credits first) and
    paid under ``plan`` exactly as :func:`~salescore.commission.statement`
    pays them, all samples at once on integer arrays. SPIFFs and target
    bonuses pay nothing here (sampled credits carry no deal flags, samples no
    achievements of other metrics: add at most each fixed bonus per rep and
    each pool once); floors, gates and caps apply.

    Parameters
    ----------
    plan : CommissionPlan
        The plan.
    attainment_samples : array_like, Simulation or sequence of Simulation
        Attainments [fraction of quota], shape ``(samples,)`` for one rep or
        ``(samples, reps)``, each finite and >= 0; or a
        :class:`~salescore.forecast.Simulation` (one rep: its run totals are
        the credited amounts [currency]), or one per rep with equal run counts.
    quota : Money or sequence of Money
        The period quota, one for every rep or one per rep (column), > 0, in
        the plan currency.
    deals : int
        Credits each sampled amount is booked as, >= 1; matters for
        transaction measures and per-deal caps.
    rounding : str
        Rounding mode of each statement total and of the expected cost.

    Returns
    -------
    PlanCost

    Raises
    ------
    InvalidInputError
        A negative or non-finite sample, a bad shape, quota count or
        ``deals``; quotas that are not > 0.
    CurrencyMismatchError
        A quota or simulation not in the plan currency.

    Examples
    --------
    >>> from salescore.commission import CommissionPlan, Tier, TieredComponent
    >>> plan = CommissionPlan(id="P", currency="CNY", components=[TieredComponent(
    ...     name="base", basis="attainment",
    ...     tiers=[Tier(lower=0, upper=1, rate="0.05"), Tier(lower=1, rate="0.08")])])
    >>> cost = plan_cost(plan, [0.5, 1.0, 1.2, 1.5], quota=Money("100000", "CNY"))
    >>> cost.payouts[:, 0].tolist()
    [250000, 500000, 660000, 900000]
    >>> cost.expected, cost.p50, cost.p90, cost.share_of_revenue
    (Decimal('5775.00'), Decimal('5000.00'), Decimal('9000.00'), 0.055)
    """
    check_rounding(rounding)
    if isinstance(deals, bool) or not isinstance(deals, int | np.integer) or deals < 1:
        raise InvalidInputError(f"deals {deals!r} must be a whole number >= 1")
    credited, quota_minor = _credited(plan, attainment_samples, quota)
    n, reps = credited.shape
    groups = n * reps
    whole = credited.reshape(-1)
    group = np.repeat(np.arange(groups, dtype=np.int64), deals)
    base, extra = np.divmod(whole, deals)
    part = np.tile(np.arange(deals, dtype=np.int64), groups)
    amounts = np.repeat(base, deals) + (part < np.repeat(extra, deals)).astype(np.int64)
    result = _kernel.run(
        plan,
        group,
        amounts,
        np.tile(quota_minor, n),
        groups,
        rounding=rounding,
        exact=False,
        totals_only=True,
        # Sampled credits carry no product or category: only unscoped tables pay them.
        applies=_kernel.applies_matrix(
            plan,
            np.full(len(amounts), None, dtype=object),
            np.full(len(amounts), None, dtype=object),
        ),
    )
    totals = np.asarray(result.total.tolist())
    if totals.dtype == object:
        raise InvalidInputError("sampled payouts are too large for int64 minor units")
    return PlanCost(
        currency=plan.currency,
        credited=credited,
        payouts=totals.astype(np.int64).reshape(n, reps),
        rounding=rounding,
    )
