"""Commission pictures: a plan's payout curve and the distribution of its cost."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes

from salescore.commission import CommissionPlan, PlanCost, plan_cost
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.money import Money, minor_unit
from salescore.plot._text import Lang, axes, texts

__all__ = ["payout_curve", "plan_cost_chart"]


def _attainment(value: Decimal, basis: str, quota: Money) -> float:
    """A bound in a component's basis as a fraction of quota."""
    if basis == "attainment":
        return float(value)
    return float(value / quota.amount)


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g} %"


def payout_curve(
    plan: CommissionPlan,
    *,
    quota: Money,
    max_attainment: float = 2.0,
    points: int = 201,
    deals: int = 1,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """Payout of one period against attainment, tiers and accelerators marked.

    The payout at each attainment ``a`` of ``points`` evenly spaced from 0 to
    ``max_attainment`` is the statement total of a rep credited
    ``a × quota`` in ``deals`` equal credits, computed by
    :func:`~salescore.commission.plan_cost` (which pays exactly as
    :func:`~salescore.commission.statement` does): caps, gates and floors
    shape the curve; SPIFFs and target bonuses, which need deal flags or
    other metrics, do not. The line has ``gid="payout"``; each tier start
    above 0 is a dotted vertical line (``gid="tier"``) labelled with the
    tier's rate and the table's mode (marginal, retroactive or
    interpolated), and each accelerator band a shaded span
    (``gid="accelerator"``) labelled with its multiplier; a component's
    period cap is a horizontal line (``gid="cap"``).

    Parameters
    ----------
    plan : CommissionPlan
        The plan.
    quota : Money
        The period quota, > 0, in the plan currency.
    max_attainment : float
        Right end of the curve [fraction of quota], > 0; 2.0 draws 0–200 %.
    points : int
        Attainments sampled, >= 2.
    deals : int
        Credits the amount is booked as, >= 1 (matters for per-deal caps and
        transaction measures).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's Axes by default.
    lang : {"en", "zh-CN"}
        Language of the title and labels.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidInputError
        ``max_attainment`` is not > 0, ``points`` < 2, or anything
        :func:`~salescore.commission.plan_cost` refuses.
    CurrencyMismatchError
        ``quota`` is not in the plan currency.

    Examples
    --------
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> from salescore import datasets
    >>> ax = payout_curve(datasets.commission_plan(), quota=Money(100000, "CNY"), points=5,
    ...                   ax=Figure().add_subplot())
    >>> line = next(a for a in ax.lines if a.get_gid() == "payout")
    >>> line.get_xdata().tolist(), line.get_ydata().tolist()
    ([0.0, 50.0, 100.0, 150.0, 200.0], [0.0, 2000.0, 4000.0, 7500.0, 12750.0])
    """
    if not (isinstance(max_attainment, int | float) and np.isfinite(max_attainment)) or not (
        max_attainment > 0
    ):
        raise InvalidInputError(f"max_attainment {max_attainment!r} must be a finite number > 0")
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise InvalidInputError(f"points {points!r} must be an integer >= 2")
    if quota.currency != plan.currency:
        raise CurrencyMismatchError(
            f"quota currency {quota.currency} is not the plan currency {plan.currency}"
        )
    t = texts(lang)
    grid = np.linspace(0.0, float(max_attainment), points)
    cost = plan_cost(plan, grid, quota=quota, deals=deals)
    payout = cost.payouts[:, 0].astype(np.float64) / 10 ** minor_unit(plan.currency)
    ax = axes(ax)
    ax.plot(grid * 100, payout, color="tab:blue", label=t("payout"), gid="payout")
    for component in plan.components:
        mode = t(component.mode)
        for tier in component.tiers[1:]:
            x = _attainment(tier.lower, component.basis, quota) * 100
            ax.axvline(x, color="tab:gray", linestyle=":", gid="tier")
            ax.annotate(
                t("tier", name=component.name, rate=_percent(float(tier.rate)), mode=mode),
                xy=(x, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -3),
                textcoords="offset points",
                rotation=90,
                va="top",
                fontsize="small",
            )
        for band in component.accelerators:
            low = _attainment(band.lower, component.basis, quota) * 100
            high = (
                float(max_attainment) * 100
                if band.upper is None
                else _attainment(band.upper, component.basis, quota) * 100
            )
            ax.axvspan(
                low,
                high,
                color="tab:orange",
                alpha=0.15,
                label=t("accelerator", name=component.name, multiplier=f"{band.multiplier:g}"),
                gid="accelerator",
            )
        if component.period_cap is not None:
            ax.axhline(
                float(component.period_cap),
                color="tab:red",
                linestyle=":",
                label=t("cap", name=component.name),
                gid="cap",
            )
    ax.set_xlim(0.0, float(max_attainment) * 100)
    ax.set_xlabel(t("attainment"))
    ax.set_ylabel(t("payout_amount", currency=plan.currency))
    ax.set_title(f"{t('payout_title')}: {plan.id}")
    ax.legend(loc="upper left")
    t.apply(ax)
    return ax


def _major(minor: npt.NDArray[np.int64], currency: str) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = minor.astype(np.float64) / 10 ** minor_unit(currency)
    return out


def plan_cost_chart(
    cost: PlanCost,
    *,
    bins: int = 40,
    ax: Axes | None = None,
    lang: Lang = "en",
) -> Axes:
    """The distribution of a plan's total payout over the sampled periods.

    A histogram of :attr:`~salescore.commission.PlanCost.cost` [currency],
    with vertical lines at :attr:`~salescore.commission.PlanCost.expected`
    (``gid="expected"``), the P50 (``gid="p50"``) and the P90
    (``gid="p90"``) as the result computes them.

    Parameters
    ----------
    cost : PlanCost
        From :func:`~salescore.commission.plan_cost`.
    bins : int
        Histogram bins, >= 1.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's Axes by default.
    lang : {"en", "zh-CN"}
        Language of the title and labels.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidInputError
        ``bins`` < 1 or the result has no samples.

    Examples
    --------
    >>> from matplotlib.figure import Figure      # no pyplot, no display: draw in memory
    >>> c = PlanCost("CNY", np.array([[100_00], [300_00]]), np.array([[5_00], [20_00]]),
    ...              "ROUND_HALF_EVEN")
    >>> ax = plan_cost_chart(c, bins=2, ax=Figure().add_subplot())
    >>> [line.get_xdata()[0] for line in ax.lines]
    [12.5, 5.0, 20.0]
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise InvalidInputError(f"bins {bins!r} must be an integer >= 1")
    if cost.n == 0:
        raise InvalidInputError("plan cost has no samples to draw; sample at least one period")
    t = texts(lang)
    ax = axes(ax)
    ax.hist(_major(cost.cost, cost.currency), bins=bins, color="tab:blue", alpha=0.8)
    ax.axvline(float(cost.expected), color="black", label=t("expected"), gid="expected")
    ax.axvline(float(cost.p50), color="tab:orange", linestyle="--", label="P50", gid="p50")
    ax.axvline(float(cost.p90), color="tab:red", linestyle="--", label="P90", gid="p90")
    ax.set_xlabel(t("plan_cost", currency=cost.currency))
    ax.set_ylabel(t("samples"))
    ax.set_title(t("plan_cost_title"))
    ax.legend()
    t.apply(ax)
    return ax
