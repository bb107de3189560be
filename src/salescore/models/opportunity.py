"""Opportunities (deals) and their stage histories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Self

from pydantic import AwareDatetime, model_validator

from salescore._base import FrozenModel
from salescore.errors import InvalidInputError
from salescore.models._fields import (
    Fraction01,
    Identifier,
    NonNegativeAmount,
    OptionalText,
)
from salescore.models.stage import ForecastCategory, Pipeline
from salescore.money import CurrencyCode, Money

__all__ = ["Opportunity", "StageChange", "check_opportunities", "check_unique_ids"]


class StageChange(FrozenModel):
    """One move of an opportunity from one stage to another.

    Parameters
    ----------
    opportunity_id : str
        The deal that moved.
    from_stage : str or None
        The stage it left; ``None`` for the entry that creates the deal.
    to_stage : str
        The stage it entered.
    changed_at : datetime
        When, timezone-aware (naive timestamps are rejected: a history mixing
        offices in several time zones cannot be ordered without them).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> StageChange(opportunity_id="D1", from_stage=None, to_stage="Qualify",
    ...             changed_at=datetime(2026, 1, 5, 9, tzinfo=timezone.utc)).to_stage
    'Qualify'
    """

    opportunity_id: Identifier
    from_stage: str | None = None
    to_stage: str
    changed_at: AwareDatetime

    @model_validator(mode="after")
    def _moves(self) -> Self:
        if self.from_stage is not None and self.from_stage == self.to_stage:
            raise InvalidInputError(
                f"stage change of {self.opportunity_id!r} at {self.changed_at.isoformat()} "
                f"goes from {self.from_stage!r} to itself; a change must move"
            )
        return self


class Opportunity(FrozenModel):
    """A deal in the pipeline.

    Parameters
    ----------
    id : str
        Unique deal id.
    owner_id : str
        The rep who owns it.
    amount : Decimal
        Deal value [currency], >= 0.
    currency : str
        ISO 4217 code of ``amount``.
    stage : str
        Current stage name (checked against a pipeline by
        :func:`check_opportunities`).
    created_on : date
        When the deal was created.
    expected_close_date : date, optional
        When it is expected to close; on or after ``created_on``.
    close_date : date, optional
        When it actually closed (won or lost); on or after ``created_on``.
    account_id, channel_id, product : str, optional
        Who it is sold to, through which channel, and which product or line.
    probability : float, optional
        Override of the stage's win probability [fraction].
    forecast_category : ForecastCategory, optional
        Override of the stage's forecast category.
    history : tuple of StageChange
        Moves in time order, each leaving the stage the previous one entered,
        the last entering ``stage``.

    Examples
    --------
    >>> from datetime import date
    >>> deal = Opportunity(id="D1", owner_id="R1", amount="12000", currency="CNY",
    ...                    stage="Propose", created_on=date(2026, 1, 5),
    ...                    expected_close_date=date(2026, 3, 31))
    >>> deal.money
    Money(amount=Decimal('12000'), currency='CNY')
    >>> Opportunity(id="D2", owner_id="R1", amount=-5, currency="CNY", stage="Propose",
    ...             created_on=date(2026, 1, 5))
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: Opportunity.amount: amount -5 is negative; ...
    """

    id: Identifier
    owner_id: Identifier
    amount: NonNegativeAmount
    currency: CurrencyCode
    stage: str
    created_on: date
    expected_close_date: date | None = None
    close_date: date | None = None
    account_id: OptionalText = None
    channel_id: OptionalText = None
    product: OptionalText = None
    probability: Fraction01 | None = None
    forecast_category: ForecastCategory | None = None
    history: tuple[StageChange, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Self:
        for field in ("expected_close_date", "close_date"):
            value: date | None = getattr(self, field)
            if value is not None and value < self.created_on:
                raise InvalidInputError(
                    f"opportunity {self.id!r} {field} {value} is before its created_on "
                    f"{self.created_on}; it must be on or after it"
                )
        previous_to: str | None = None
        previous_at = None
        for i, change in enumerate(self.history):
            if change.opportunity_id != self.id:
                raise InvalidInputError(
                    f"opportunity {self.id!r} history entry {i} belongs to "
                    f"{change.opportunity_id!r}"
                )
            if previous_at is not None and change.changed_at < previous_at:
                raise InvalidInputError(
                    f"opportunity {self.id!r} history entry {i} at "
                    f"{change.changed_at.isoformat()} is before entry {i - 1} at "
                    f"{previous_at.isoformat()}; history must be in time order"
                )
            if i > 0 and change.from_stage != previous_to:
                raise InvalidInputError(
                    f"opportunity {self.id!r} history entry {i} leaves {change.from_stage!r} "
                    f"but the previous entry entered {previous_to!r}"
                )
            previous_to, previous_at = change.to_stage, change.changed_at
        if self.history and previous_to != self.stage:
            raise InvalidInputError(
                f"opportunity {self.id!r} is in stage {self.stage!r} but its history ends in "
                f"{previous_to!r}"
            )
        return self

    @property
    def money(self) -> Money:
        """``amount`` and ``currency`` as :class:`~salescore.money.Money`."""
        return Money(self.amount, self.currency)


def check_unique_ids(items: Iterable[object], *, what: str) -> None:
    """Raise :class:`InvalidInputError` naming the first id that appears twice.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> check_unique_ids([NS(id="A"), NS(id="A")], what="opportunity")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: opportunity id 'A' appears 2 times; ids must be unique
    """
    counts: dict[object, int] = {}
    for item in items:
        key = getattr(item, "id")  # noqa: B009 - duck-typed over every model with an id
        counts[key] = counts.get(key, 0) + 1
    duplicates = [(k, n) for k, n in counts.items() if n > 1]
    if duplicates:
        key, n = duplicates[0]
        more = f" (and {len(duplicates) - 1} more)" if len(duplicates) > 1 else ""
        raise InvalidInputError(f"{what} id {key!r} appears {n} times; ids must be unique{more}")


def check_opportunities(
    opportunities: Sequence[Opportunity], pipeline: Pipeline
) -> Sequence[Opportunity]:
    """Check a set of opportunities against a pipeline and return it unchanged.

    Checks: ids unique; every current stage and every stage named in a
    history is in the pipeline; a deal in a closed stage has a ``close_date``
    and a deal in an open stage has none.

    Raises
    ------
    UnknownStageError
        A stage name is not in the pipeline.
    InvalidInputError
        Duplicate ids, or close dates inconsistent with the stage.
    """
    check_unique_ids(opportunities, what="opportunity")
    for opp in opportunities:
        stage = pipeline.check_stage(opp.stage, what=f"opportunity {opp.id!r} stage")
        for change in opp.history:
            pipeline.check_stage(change.to_stage, what=f"opportunity {opp.id!r} history stage")
            if change.from_stage is not None:
                pipeline.check_stage(
                    change.from_stage, what=f"opportunity {opp.id!r} history stage"
                )
        if stage.is_closed and opp.close_date is None:
            raise InvalidInputError(
                f"opportunity {opp.id!r} is in closed stage {opp.stage!r} but has no close_date"
            )
        if not stage.is_closed and opp.close_date is not None:
            raise InvalidInputError(
                f"opportunity {opp.id!r} is in open stage {opp.stage!r} but has close_date "
                f"{opp.close_date}; only closed deals have one"
            )
    return opportunities
