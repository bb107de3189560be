"""Sales targets (goals, quotas) and their metrics, owners and directions."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.models._fields import Identifier, Number, OptionalText
from salescore.money import CurrencyCode

__all__ = [
    "METRIC_KINDS",
    "Direction",
    "Metric",
    "MetricKind",
    "Owner",
    "OwnerKind",
    "Target",
]


class Metric(StrEnum):
    """What a target measures; ``custom`` takes a name in ``Target.custom_metric``."""

    REVENUE = "revenue"
    UNITS = "units"
    DEALS_WON = "deals_won"
    NEW_CUSTOMERS = "new_customers"
    MARKET_SHARE = "market_share"
    CHURN_RATE = "churn_rate"
    CONVERSION_RATE = "conversion_rate"
    AVERAGE_DEAL_SIZE = "average_deal_size"
    CUSTOMER_SATISFACTION = "customer_satisfaction"
    CUSTOM = "custom"


#: How a metric's values behave: ``money`` (a currency amount, additive),
#: ``count`` (whole numbers, additive), ``rate`` (a fraction in [0, 1], not
#: additive) or ``level`` (an average or other non-additive quantity).
MetricKind = Literal["money", "count", "rate", "level"]

METRIC_KINDS: dict[Metric, MetricKind] = {
    Metric.REVENUE: "money",
    Metric.UNITS: "count",
    Metric.DEALS_WON: "count",
    Metric.NEW_CUSTOMERS: "count",
    Metric.MARKET_SHARE: "rate",
    Metric.CHURN_RATE: "rate",
    Metric.CONVERSION_RATE: "rate",
    Metric.AVERAGE_DEAL_SIZE: "level",
    Metric.CUSTOMER_SATISFACTION: "rate",
}


class Direction(StrEnum):
    """Which way is success: grow, shrink, or stay at least / at most the value."""

    INCREASE = "increase"
    DECREASE = "decrease"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"

    @property
    def higher_is_better(self) -> bool:
        """True for ``increase`` and ``at_least``."""
        return self in (Direction.INCREASE, Direction.AT_LEAST)


class OwnerKind(StrEnum):
    """Who a target belongs to."""

    COMPANY = "company"
    TEAM = "team"
    REP = "rep"
    CHANNEL = "channel"
    TERRITORY = "territory"


class Owner(FrozenModel):
    """The owner of a target: a kind and, except for the company, an id.

    Examples
    --------
    >>> Owner(kind="rep", id="R7")
    Owner(kind=<OwnerKind.REP: 'rep'>, id='R7')
    """

    kind: OwnerKind
    id: OptionalText = None

    @model_validator(mode="after")
    def _id(self) -> Self:
        if self.kind is not OwnerKind.COMPANY and self.id is None:
            raise InvalidInputError(f"a {self.kind.value} owner needs an id")
        return self


class Target(FrozenModel):
    """A sales target, possibly incomplete (a draft typed into a CRM form).

    Only ``id`` is required: whether a target is complete enough to act on is
    judged by SMART validation, not by the model. Calculators that need a
    field raise a clear error when it is missing.

    Parameters
    ----------
    id : str
        Unique target id.
    name, description : str, optional
        Display name and free text.
    metric : Metric, optional
        What is measured; ``custom`` with ``custom_metric`` naming it.
    value : Decimal, optional
        The goal value, in ``currency`` for money metrics, a fraction for rates.
    currency : str, optional
        ISO 4217 code for money metrics.
    unit : str, optional
        Unit for non-money metrics (``"deals"``, ``"units"``, ``"fraction"``).
    direction : Direction, optional
        Increase, decrease, at least or at most.
    baseline_value, baseline_period : optional
        What the goal is measured against (last year's revenue, say).
    period : Period, optional
        When: a half-open date range.
    owner : Owner, optional
        Company, team, rep, channel or territory.
    scope : dict of str to str
        Narrowing such as ``{"product_line": "Cloud", "region": "East"}``.
    parent_id : str, optional
        The target this one was decomposed or allocated from.

    Examples
    --------
    >>> from salescore.calendar import Period
    >>> t = Target(id="FY26", metric="revenue", value="5000000", currency="CNY",
    ...            direction="at_least", period=Period.year(2026), owner=Owner(kind="company"))
    >>> t.kind, t.value
    ('money', Decimal('5000000'))
    >>> Target(id="draft").metric is None
    True
    """

    id: Identifier
    name: OptionalText = None
    metric: Metric | None = None
    custom_metric: OptionalText = None
    value: Number | None = None
    currency: CurrencyCode | None = None
    unit: OptionalText = None
    direction: Direction | None = None
    baseline_value: Number | None = None
    baseline_period: Period | None = None
    period: Period | None = None
    owner: Owner | None = None
    scope: dict[str, str] = Field(default_factory=dict)
    parent_id: OptionalText = None
    description: OptionalText = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.metric is Metric.CUSTOM and self.custom_metric is None:
            raise InvalidInputError(f"target {self.id!r} has a custom metric without a name")
        if self.custom_metric is not None and self.metric not in (None, Metric.CUSTOM):
            raise InvalidInputError(
                f"target {self.id!r} names custom metric {self.custom_metric!r} but its metric "
                f"is {self.metric.value!r}; set metric='custom'"
            )
        return self

    def __hash__(self) -> int:
        return hash((self.id, self.metric, self.value, self.period, self.owner, self.parent_id))

    @property
    def kind(self) -> MetricKind | None:
        """How the metric's values behave (``money``, ``count``, ``rate``, ``level``).

        Custom metrics are ``money`` when they carry a currency, ``rate`` when
        their unit is ``"fraction"``, and ``level`` otherwise. ``None`` when
        there is no metric.
        """
        if self.metric is None:
            return None
        if self.metric is Metric.CUSTOM:
            if self.currency is not None:
                return "money"
            return "rate" if self.unit == "fraction" else "level"
        return METRIC_KINDS[self.metric]

    @property
    def metric_name(self) -> str | None:
        """The metric's name: the custom name for custom metrics."""
        if self.metric is Metric.CUSTOM:
            return self.custom_metric
        return None if self.metric is None else self.metric.value
