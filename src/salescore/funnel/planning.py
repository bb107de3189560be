"""Planning from a funnel: the reverse funnel, pipeline coverage and sales velocity."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd

from salescore._base import FrozenModel
from salescore._numeric import (
    DECIMAL_CONTEXT,
    check_fraction,
    check_rounding,
    exact_decimals,
    to_decimal,
)
from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.funnel.report import FunnelReport
from salescore.money import Money
from salescore.serialization import Result

__all__ = [
    "Coverage",
    "RequiredPipeline",
    "pipeline_coverage",
    "required_pipeline",
    "sales_velocity",
]


@dataclass(frozen=True, eq=False)
class RequiredPipeline(Result):
    """The reverse funnel: what must enter each stage to close a target.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by ``stage`` (top to bottom): ``conversion`` (to the next
        stage) [fraction], ``win_probability`` (product of the conversions
        from this stage down) [fraction], ``deals`` (deals that must enter,
        rounded up) [count], ``amount`` (pipeline that must enter: target ÷
        win probability) [currency, Decimal], ``days_to_win`` (mean stays
        from entering this stage to winning) [days], ``enter_by`` (last day
        to enter so as to win by the end of ``period``), ``late`` (``enter_by``
        is before ``as_of``; ``<NA>`` without both).
    target : Money
        The amount to close.
    average_deal : Money
        Average won deal size used.
    deals_to_win : int
        Won deals needed: target ÷ average deal, rounded up [count].

    Examples
    --------
    >>> plan = required_pipeline(Money("90000", "CNY"), {"Demo": 0.5, "Offer": 0.6},
    ...                          avg_deal_size=Money("10000", "CNY"))
    >>> plan.deals_to_win, plan.table["deals"].tolist(), plan.table["win_probability"].tolist()
    (9, [30, 15], [0.3, 0.6])
    """

    table: pd.DataFrame
    target: Money
    average_deal: Money
    deals_to_win: int


def _rates(
    report_or_rates: FunnelReport | Mapping[str, float],
) -> tuple[list[str], list[Decimal], list[float]]:
    if isinstance(report_or_rates, FunnelReport):
        overall = report_or_rates.overall
        stages = [str(s) for s in overall.index]
        rates = overall["conversion"].tolist()
        days = overall["days_mean"].tolist()
        for stage, rate in zip(stages, rates, strict=True):
            if math.isnan(rate):
                why = (
                    "lost deals' stages at loss are unknown in this snapshot"
                    if "unknown" in report_or_rates.inference_note
                    else "no deal entered it"
                )
                raise InvalidInputError(
                    f"stage {stage!r} has no conversion in the report ({why}); "
                    "pass the rates to use instead"
                )
    elif isinstance(report_or_rates, Mapping):
        if not report_or_rates:
            raise InvalidInputError("rates are empty; give one conversion rate per stage")
        stages = [str(s) for s in report_or_rates]
        rates = [
            check_fraction(r, what=f"stage {s!r} conversion") for s, r in report_or_rates.items()
        ]
        days = [math.nan] * len(stages)
    else:
        raise InvalidInputError(
            "report_or_rates must be a FunnelReport or a mapping of stage to conversion rate, "
            f"got {type(report_or_rates).__name__}"
        )
    for stage, rate in zip(stages, rates, strict=True):
        if rate == 0:
            raise InvalidInputError(
                f"stage {stage!r} conversion is 0; no amount of pipeline closes the target"
            )
    return stages, [to_decimal(float(r)) for r in rates], [float(d) for d in days]


@exact_decimals
def required_pipeline(
    target_amount: Money,
    report_or_rates: FunnelReport | Mapping[str, float],
    *,
    avg_deal_size: Money | None = None,
    as_of: date | None = None,
    period: Period | None = None,
    stage_days: Mapping[str, float] | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> RequiredPipeline:
    r"""The reverse funnel: deals and amount needed at each stage to close a target.

    With conversion :math:`c_j` from stage :math:`j` to the next, the win
    probability on entering stage :math:`k` is :math:`p_k = \prod_{j \ge k}
    c_j`; the pipeline that must enter it is ``target`` ÷ :math:`p_k` and the
    deals ``ceil(deals_to_win / p_k)`` with ``deals_to_win = ceil(target ÷
    average deal)``. Rates are read through their shortest decimal repr and
    the products are exact, so 3 ÷ 0.3 is 10 deals, not 11.

    Parameters
    ----------
    target_amount : Money
        The amount to close [currency], > 0.
    report_or_rates : FunnelReport or mapping of str to float
        A report (its overall ``conversion``, ``days_mean`` and average won
        deal are used) or conversion rates per stage, top to bottom
        [fraction].
    avg_deal_size : Money, optional
        Average won deal; required with rates, overrides the report's.
    as_of : date, optional
        Today, to flag stages whose ``enter_by`` has passed.
    period : Period, optional
        The period the target must be closed in; gives ``enter_by``.
    stage_days : mapping of str to float, optional
        Mean stay per stage [days]; overrides the report's ``days_mean``.
    rounding : str
        Decimal rounding of the ``amount`` column to the minor unit.

    Returns
    -------
    RequiredPipeline

    Raises
    ------
    InvalidInputError
        Non-positive target or deal size, a missing or zero conversion, a
        rate outside [0, 1], no average deal size, unknown stages in
        ``stage_days``.
    CurrencyMismatchError
        The target and the deal size are in different currencies.

    Examples
    --------
    >>> from datetime import date
    >>> plan = required_pipeline(
    ...     Money("1000000", "CNY"),
    ...     {"Qualify": 0.5, "Proposal": 0.4, "Negotiation": 0.5},
    ...     avg_deal_size=Money("50000", "CNY"),
    ...     period=Period.quarter(2026, 2),
    ...     stage_days={"Qualify": 10, "Proposal": 20, "Negotiation": 15},
    ...     as_of=date(2026, 5, 20),
    ... )
    >>> plan.deals_to_win
    20
    >>> plan.table[["deals", "amount", "enter_by", "late"]]
                 deals       amount    enter_by   late
    stage
    Qualify        200  10000000.00  2026-05-16   True
    Proposal       100   5000000.00  2026-05-26  False
    Negotiation     40   2000000.00  2026-06-15  False
    """
    check_rounding(rounding)
    if not isinstance(target_amount, Money):
        raise InvalidInputError(f"target_amount must be Money, got {type(target_amount).__name__}")
    if target_amount.amount <= 0:
        raise InvalidInputError(f"target_amount {target_amount} must be positive")
    stages, rates, days = _rates(report_or_rates)
    if avg_deal_size is None and isinstance(report_or_rates, FunnelReport):
        avg_deal_size = report_or_rates.average_won_deal
    if avg_deal_size is None:
        raise InvalidInputError(
            "avg_deal_size is required: the rates carry no deal size "
            "(or the report has no won deal)"
        )
    if avg_deal_size.currency != target_amount.currency:
        raise CurrencyMismatchError(
            f"target in {target_amount.currency} but average deal in {avg_deal_size.currency}; "
            "give both in one currency"
        )
    if avg_deal_size.amount <= 0:
        raise InvalidInputError(f"avg_deal_size {avg_deal_size} must be positive")
    if stage_days is not None:
        unknown = [s for s in stage_days if s not in stages]
        if unknown:
            raise InvalidInputError(
                f"stage_days names stage {unknown[0]!r}, which is not among {', '.join(stages)}"
            )
        days = [float(stage_days.get(s, math.nan)) for s in stages]
    ctx = DECIMAL_CONTEXT
    won_deals = int(
        ctx.divide(target_amount.amount, avg_deal_size.amount).to_integral_value(
            rounding=ROUND_CEILING, context=ctx
        )
    )
    probability = Decimal(1)
    probabilities: list[Decimal] = []
    for rate in reversed(rates):
        probability = ctx.multiply(probability, rate)
        probabilities.append(probability)
    probabilities.reverse()
    deals = [
        int(
            ctx.divide(Decimal(won_deals), p).to_integral_value(rounding=ROUND_CEILING, context=ctx)
        )
        for p in probabilities
    ]
    amounts = [(target_amount / p).quantize(rounding).amount for p in probabilities]
    to_win = np.cumsum(np.asarray(days[::-1], dtype=np.float64))[::-1]
    enter_by: list[date | None] = []
    for d in to_win.tolist():
        if period is None or math.isnan(d):
            enter_by.append(None)
        else:
            enter_by.append(period.last_day - timedelta(days=math.ceil(d)))
    late = pd.array(
        [None if e is None or as_of is None else e < as_of for e in enter_by], dtype="boolean"
    )
    table = pd.DataFrame(
        {
            "conversion": [float(r) for r in rates],
            "win_probability": [float(p) for p in probabilities],
            "deals": np.asarray(deals, dtype=np.int64),
            "amount": pd.Series(amounts, dtype=object).to_numpy(),
            "days_to_win": to_win,
            "enter_by": pd.Series(enter_by, dtype=object).to_numpy(),
            "late": late,
        },
        index=pd.Index(stages, name="stage"),
    )
    return RequiredPipeline(
        table=table, target=target_amount, average_deal=avg_deal_size, deals_to_win=won_deals
    )


class Coverage(FrozenModel):
    """Pipeline coverage against the rest of a target.

    Attributes
    ----------
    coverage : float
        Open pipeline ÷ remaining target [ratio]; ``inf`` when nothing
        remains.
    needed : float
        Coverage needed to close the rest at the win rate: 1 ÷ win rate
        [ratio]; ``inf`` at a zero win rate.
    gap : Money or None
        Pipeline still to add (negative: surplus): remaining × needed − open
        [currency]; ``None`` when ``needed`` is infinite and something remains.
    sufficient : bool
        ``coverage >= needed``.

    Examples
    --------
    >>> pipeline_coverage(Money("900", "USD"), Money("300", "USD"), 0.5).sufficient
    True
    """

    coverage: float
    needed: float
    gap: Money | None
    sufficient: bool


@exact_decimals
def pipeline_coverage(
    open_pipeline: Money,
    remaining_target: Money,
    win_rate: float,
    *,
    rounding: str = ROUND_HALF_EVEN,
) -> Coverage:
    """Coverage of the remaining target by open pipeline, and the coverage needed.

    Parameters
    ----------
    open_pipeline : Money
        Open pipeline amount [currency], >= 0.
    remaining_target : Money
        Target still to close [currency]; <= 0 means already met.
    win_rate : float
        Win rate of the pipeline [fraction].
    rounding : str
        Rounding of ``gap`` to the minor unit.

    Examples
    --------
    >>> c = pipeline_coverage(Money("2400000", "CNY"), Money("1000000", "CNY"), 0.25)
    >>> c.coverage, c.needed, c.gap, c.sufficient
    (2.4, 4.0, Money(amount=Decimal('1600000.00'), currency='CNY'), False)
    """
    check_rounding(rounding)
    for name, value in (("open_pipeline", open_pipeline), ("remaining_target", remaining_target)):
        if not isinstance(value, Money):
            raise InvalidInputError(f"{name} must be Money, got {type(value).__name__}")
    if open_pipeline.currency != remaining_target.currency:
        raise CurrencyMismatchError(
            f"open pipeline in {open_pipeline.currency} but target in "
            f"{remaining_target.currency}; give both in one currency"
        )
    if open_pipeline.amount < 0:
        raise InvalidInputError(f"open_pipeline {open_pipeline} is negative")
    rate = check_fraction(win_rate, what="win_rate")
    needed = math.inf if rate == 0 else 1.0 / rate
    if remaining_target.amount <= 0:
        coverage = math.inf
        gap: Money | None = (-open_pipeline).quantize(rounding)
    else:
        coverage = float(DECIMAL_CONTEXT.divide(open_pipeline.amount, remaining_target.amount))
        gap = (
            None
            if rate == 0
            else (remaining_target / to_decimal(rate) - open_pipeline).quantize(rounding)
        )
    return Coverage(coverage=coverage, needed=needed, gap=gap, sufficient=coverage >= needed)


@exact_decimals
def sales_velocity(
    open_deals: int,
    win_rate: float,
    average_deal: Money,
    cycle_days: float,
    *,
    rounding: str = ROUND_HALF_EVEN,
) -> Money:
    """Sales velocity: open deals × win rate × average deal ÷ cycle length [currency per day].

    Parameters
    ----------
    open_deals : int
        Deals in the pipeline [count], >= 0.
    win_rate : float
        [fraction].
    average_deal : Money
        Average won deal size [currency].
    cycle_days : float
        Mean sales-cycle length [days], > 0.
    rounding : str
        Rounding of the result to the minor unit.

    Returns
    -------
    Money
        Revenue the pipeline produces per day [currency per day].

    Examples
    --------
    >>> sales_velocity(120, 0.25, Money("40000", "CNY"), 60)
    Money(amount=Decimal('20000.00'), currency='CNY')
    """
    check_rounding(rounding)
    if isinstance(open_deals, bool) or not isinstance(open_deals, int | np.integer):
        raise InvalidInputError(f"open_deals {open_deals!r} is not a whole number")
    if open_deals < 0:
        raise InvalidInputError(f"open_deals {open_deals} is negative")
    rate = check_fraction(win_rate, what="win_rate")
    if not isinstance(average_deal, Money):
        raise InvalidInputError(f"average_deal must be Money, got {type(average_deal).__name__}")
    cycle = to_decimal(cycle_days, what="cycle_days")
    if cycle <= 0:
        raise InvalidInputError(f"cycle_days {cycle_days!r} must be positive")
    velocity = average_deal * (int(open_deals) * to_decimal(rate)) / cycle
    return velocity.quantize(rounding)
