"""What a goal is judged against: the SMART policy and the pipeline and capacity evidence."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Final, Self

from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore._numeric import DECIMAL_CONTEXT, check_fraction, to_decimal
from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.models import Metric, Opportunity, Pipeline, StageKind
from salescore.money import check_currency

__all__ = ["CapacityEvidence", "PipelineEvidence", "SmartPolicy"]


_DEFAULT_FAMILIES: Final[dict[Metric, str]] = {
    Metric.REVENUE: "sales",
    Metric.UNITS: "sales",
    Metric.DEALS_WON: "sales",
    Metric.AVERAGE_DEAL_SIZE: "sales",
    Metric.CONVERSION_RATE: "funnel",
    Metric.NEW_CUSTOMERS: "customers",
    Metric.CHURN_RATE: "customers",
    Metric.MARKET_SHARE: "market",
    Metric.CUSTOMER_SATISFACTION: "satisfaction",
}


def _default_scopes() -> dict[Metric, tuple[str, ...]]:
    return {Metric.MARKET_SHARE: ("market",)}


class SmartPolicy(FrozenModel):
    """Every threshold SMART validation uses, with documented, overridable defaults.

    Parameters
    ----------
    stretch_percentile : float
        Required growth above this percentile of past period-over-period
        growth warns ``A.growth_above_history`` [fraction], default 0.9.
    sandbag_percentile : float
        Required growth below this percentile warns ``A.growth_below_history``
        (history already delivers more) [fraction], default 0.1.
    growth_z_fail : float
        A required growth whose z-score against past growth reaches this
        fails instead of warning, default 3.
    min_history_growths : int
        Fewer past growth observations than this and the history check is not
        assessed, default 3.
    coverage_fail_ratio : float
        Pipeline coverage below the needed coverage warns; below this share
        of it, fails [fraction], default 0.5.
    capacity_fail_ratio : float
        A target above capacity warns; above this multiple of it, fails,
        default 1.25.
    sum_tolerance : float
        Children may differ from their parent by this share of the parent's
        value without a finding [fraction], default 0.005.
    min_period_days : dict of str to int
        Shortest sensible period per metric kind [days]: money 7, count 7,
        rate 28, level 28.
    max_period_days : int
        Longest sensible period [days], default 731 (two years).
    scope_required : dict of Metric to tuple of str
        Scope keys a metric needs: market share needs a ``market``.
    metric_families : dict of Metric to str
        Metrics in one family relate (revenue and units); different families
        do not (revenue and churn rate).

    Examples
    --------
    >>> SmartPolicy().stretch_percentile
    0.9
    >>> SmartPolicy(sandbag_percentile=0.95)
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: SmartPolicy: sandbag_percentile 0.95 must be below ...
    """

    stretch_percentile: float = 0.9
    sandbag_percentile: float = 0.1
    growth_z_fail: float = Field(default=3.0, gt=0)
    min_history_growths: int = Field(default=3, ge=1)
    coverage_fail_ratio: float = 0.5
    capacity_fail_ratio: float = Field(default=1.25, ge=1)
    sum_tolerance: float = 0.005
    min_period_days: dict[str, int] = Field(
        default_factory=lambda: {"money": 7, "count": 7, "rate": 28, "level": 28}
    )
    max_period_days: int = Field(default=731, ge=1)
    scope_required: dict[Metric, tuple[str, ...]] = Field(default_factory=lambda: _default_scopes())
    metric_families: dict[Metric, str] = Field(default_factory=lambda: dict(_DEFAULT_FAMILIES))

    @model_validator(mode="after")
    def _check(self) -> Self:
        for name in ("stretch_percentile", "sandbag_percentile", "coverage_fail_ratio"):
            check_fraction(getattr(self, name), what=name)
        check_fraction(self.sum_tolerance, what="sum_tolerance")
        if self.sandbag_percentile >= self.stretch_percentile:
            raise InvalidInputError(
                f"sandbag_percentile {self.sandbag_percentile} must be below "
                f"stretch_percentile {self.stretch_percentile}"
            )
        return self


class PipelineEvidence(FrozenModel):
    """The open pipeline behind a target, for the coverage check.

    Parameters
    ----------
    open_pipeline : Decimal
        Open pipeline due in the target period, weighted by each deal's
        probability [target unit: currency for money goals, deals for counts].
    win_rate : float
        Historical win rate, won ÷ (won + lost) [fraction].
    achieved : Decimal
        What is already closed toward the target in its period [target unit],
        default 0.
    currency : str, optional
        Currency of the amounts; must match a money target's currency.

    Examples
    --------
    >>> PipelineEvidence(open_pipeline="900000", win_rate=0.25, currency="CNY").needed_coverage
    4.0
    """

    open_pipeline: Decimal
    win_rate: float
    achieved: Decimal = Decimal(0)
    currency: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        check_fraction(self.win_rate, what="win_rate")
        if self.open_pipeline < 0:
            raise InvalidInputError(f"open_pipeline {self.open_pipeline} is negative; it is >= 0")
        if self.currency is not None:
            check_currency(self.currency)
        return self

    @property
    def needed_coverage(self) -> float:
        """Coverage the win rate needs, 1 ÷ win rate [ratio]; ``inf`` at a zero win rate."""
        return math.inf if self.win_rate == 0 else 1.0 / self.win_rate

    @classmethod
    def from_opportunities(
        cls,
        opportunities: Sequence[Opportunity],
        pipeline: Pipeline,
        period: Period,
        *,
        currency: str,
        win_rate: float | None = None,
        win_rate_period: Period | None = None,
    ) -> PipelineEvidence:
        """Evidence for a money target from deals.

        ``open_pipeline`` is the sum over open deals expected to close in
        ``period`` of amount × probability (the deal's own, else its stage's);
        open deals without an expected close date are left out. ``achieved``
        is the amount won with a close date in ``period``. ``win_rate``, when
        not given, is won ÷ (won + lost) over deals closed in
        ``win_rate_period`` (default: every deal closed before ``period``
        starts).

        Raises
        ------
        CurrencyMismatchError
            A deal is not in ``currency``.
        InvalidInputError
            An unknown stage, or no closed deal to estimate the win rate from.

        Examples
        --------
        >>> from datetime import date
        >>> from salescore.models import Stage
        >>> pipe = Pipeline(stages=(Stage(name="Open", order=0, probability=0.5),
        ...     Stage(name="Won", order=1, probability=1, kind="won"),
        ...     Stage(name="Lost", order=2, probability=0, kind="lost")))
        >>> def deal(i, stage, amount, closed=None, due=None):
        ...     return Opportunity(id=i, owner_id="R1", amount=amount, currency="CNY",
        ...         stage=stage, created_on=date(2025, 1, 2), close_date=closed,
        ...         expected_close_date=due)
        >>> deals = [deal("A", "Won", 100, date(2025, 6, 1)),
        ...          deal("B", "Lost", 50, date(2025, 7, 1)),
        ...          deal("C", "Won", 80, date(2026, 2, 1)),
        ...          deal("D", "Open", 300, due=date(2026, 5, 1))]
        >>> ev = PipelineEvidence.from_opportunities(deals, pipe, Period.year(2026), currency="CNY")
        >>> ev.open_pipeline, ev.achieved, ev.win_rate
        (Decimal('150.0'), Decimal('80'), 0.5)
        """
        check_currency(currency)
        achieved = Decimal(0)
        weighted = Decimal(0)
        won = lost = 0
        window = win_rate_period
        for o in opportunities:
            stage = pipeline.check_stage(o.stage, what=f"opportunity {o.id!r} stage")
            if o.currency != currency:
                raise CurrencyMismatchError(
                    f"opportunity {o.id!r} is in {o.currency}, not {currency}; "
                    "convert it with FxRates first"
                )
            closed = o.close_date
            if stage.kind is StageKind.WON and closed is not None and period.contains(closed):
                achieved = DECIMAL_CONTEXT.add(achieved, o.amount)
            due = o.expected_close_date
            if not stage.is_closed and due is not None and period.contains(due):
                p = o.probability if o.probability is not None else stage.probability
                share = DECIMAL_CONTEXT.multiply(o.amount, to_decimal(p, what="probability"))
                weighted = DECIMAL_CONTEXT.add(weighted, share)
            in_window = closed is not None and (
                window.contains(closed) if window is not None else closed < period.start
            )
            if in_window:
                won += stage.kind is StageKind.WON
                lost += stage.kind is StageKind.LOST
        if win_rate is None:
            if won + lost == 0:
                raise InvalidInputError(
                    "no deal closed in the win-rate window, so the win rate is unknown; "
                    "pass win_rate= or a win_rate_period with closed deals"
                )
            win_rate = won / (won + lost)
        return cls(open_pipeline=weighted, win_rate=win_rate, achieved=achieved, currency=currency)


class CapacityEvidence(FrozenModel):
    """What the owner's reps can deliver, for the capacity check.

    Parameters
    ----------
    fte : float
        Reps' capacity over the target period in full-time equivalents (sum of
        each rep's capacity × share of the period employed × ramp) [reps].
    productivity : Decimal
        Historical output of one full-time rep over a period of the target's
        length [target unit per rep].
    currency : str, optional
        Currency of ``productivity``; must match a money target's currency.

    Examples
    --------
    >>> CapacityEvidence(fte=4.5, productivity="200000", currency="CNY").capacity
    Decimal('900000.0')
    """

    fte: float = Field(ge=0)
    productivity: Decimal = Field(ge=0)
    currency: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not math.isfinite(self.fte):
            raise InvalidInputError(f"fte {self.fte} is not finite")
        if self.currency is not None:
            check_currency(self.currency)
        return self

    @property
    def capacity(self) -> Decimal:
        """``fte × productivity`` [target unit]."""
        return DECIMAL_CONTEXT.multiply(to_decimal(self.fte, what="fte"), self.productivity)
