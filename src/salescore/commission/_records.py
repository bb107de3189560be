"""The commission wing's records: data only, at the bottom of its imports.

Credits in, statement lines, statements, carries, refunds, clawbacks and
conversions out, and the codes of the line kinds the kernel writes. Nothing
here computes a statement; every module of the wing may import these.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final, Literal, Self

from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore._numeric import DECIMAL_CONTEXT
from salescore.calendar import Period
from salescore.commission.draws import Balance, Settlement
from salescore.errors import InvalidInputError
from salescore.money import Money

__all__ = [
    "Adjustment",
    "AdjustmentKind",
    "Carry",
    "Clawback",
    "ClawbackRate",
    "Conversion",
    "Credit",
    "LineKind",
    "Refund",
    "Statement",
    "StatementLine",
]

KIND_TIER: Final = 0
KIND_DEAL_CAP: Final = 1
KIND_PERIOD_CAP: Final = 2
KIND_YEAR_CAP: Final = 3
KIND_GATE: Final = 4
KIND_SPIFF: Final = 5
KIND_FLOOR: Final = 6
KIND_MULTIPLIER: Final = 7
KIND_RELEASE: Final = 8
KIND_BONUS: Final = 9
#: The line kind of each code above, by code (statement lines and bulk frames name them).
KIND_NAMES: Final = (
    "tier",
    "deal_cap",
    "period_cap",
    "year_cap",
    "gate",
    "spiff",
    "floor",
    "multiplier",
    "release",
    "bonus",
)

#: ``tier``: a slice of the measure paid at a tier's rate; ``deal_cap`` and
#: ``period_cap`` and ``year_cap``: the (negative) amount a cap removes; ``gate``: the amount
#: reversed because the period's measure stayed below the component's gate;
#: ``spiff``: a SPIFF's fixed bonus for a flagged credit; ``floor``: the top-up
#: to the plan's minimum payout (a line of the period, not of a deal);
#: ``unmatched``: a credit no rate table pays (all scoped to other products),
#: amount 0; ``clawback``: commission reversed for a refund in the period (negative);
#: ``multiplier``: what a table's attribute multipliers add to (or remove from) a
#: credit's tier lines, before the caps; ``release``: what a deferred gate held
#: back earlier in the year, paid in the period that reaches the gate (a line
#: of the period, not of a deal); ``bonus``: a target bonus, earned or not (a
#: line of the period).
LineKind = Literal[
    "tier",
    "deal_cap",
    "period_cap",
    "year_cap",
    "gate",
    "spiff",
    "floor",
    "unmatched",
    "clawback",
    "multiplier",
    "release",
    "bonus",
]
#: How settling the period moves the payable away from the total earned:
#: ``deficit_recovered`` (earnings offset a carried negative balance),
#: ``deficit_added`` (a negative period carried forward instead of paid),
#: ``advance`` (a draw top-up) and ``recovered`` (earlier advances repaid).
AdjustmentKind = Literal["deficit_recovered", "deficit_added", "advance", "recovered"]


class Credit(FrozenModel):
    """Credit for one deal given to one rep.

    Parameters
    ----------
    deal_id : str
        The deal credited; unique on one rep's statement.
    rep_id : str
        The rep credited.
    amount : Money
        The credited amount [currency], >= 0, at most the currency's minor unit.
    credited_on : date
        When the credit is earned (booking, invoice or payment date).
    flags : frozenset of str
        Deal attributes and named events the credit carries (``"new_logo"``,
        ``"multi_year"``); a :class:`~salescore.commission.Spiff` pays for its flag.
    product, category : str, optional
        The deal's product and product category: a rate table scoped to one
        of them pays the credit (see ``TieredComponent.rule``).
    units : int
        Units sold, >= 0, default 1; read by ``per_unit`` tables.

    Examples
    --------
    >>> from datetime import date
    >>> Credit(deal_id="D1", rep_id="R1", amount=Money("1200.00", "CNY"),
    ...        credited_on=date(2026, 1, 5)).amount
    Money(amount=Decimal('1200.00'), currency='CNY')
    """

    deal_id: str = Field(min_length=1)
    rep_id: str = Field(min_length=1)
    amount: Money
    credited_on: date
    flags: frozenset[str] = frozenset()
    product: str | None = Field(default=None, min_length=1)
    category: str | None = Field(default=None, min_length=1)
    units: int = Field(default=1, ge=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.amount.amount < 0:
            raise InvalidInputError(
                f"credit {self.deal_id!r} amount {self.amount} is negative; credits must be >= 0"
            )
        if self.amount.quantize().amount != self.amount.amount:
            raise InvalidInputError(
                f"credit {self.deal_id!r} amount {self.amount} has more decimal places than "
                f"{self.amount.currency} allows ({self.amount.minor_unit})"
            )
        return self


class StatementLine(FrozenModel):
    """One explained line of a statement.

    Parameters
    ----------
    deal_id : str or None
        The credit; ``None`` on floor, release and bonus lines, which belong
        to the period.
    component : str
        The plan component (rate table, SPIFF, target bonus or floor) paying it.
    credited_on : date or None
        The credit's date; ``None`` on floor, release and bonus lines.
    kind : str
        One of :data:`LineKind`: ``tier``, ``deal_cap``, ``period_cap``,
        ``year_cap``, ``gate``, ``spiff``, ``floor``, ``unmatched``, ``clawback``,
        ``multiplier``, ``release`` or ``bonus``.
        What the line is (see :data:`LineKind`).
    tier : int
        Tier number, 1-based; 0 on other lines and above a closed top tier.
    base : Decimal
        The slice of the credit paid on this line [currency]; 0 on other lines.
    rate : Decimal
        The tier's rate [fraction]; 0 on other lines. On an interpolated line,
        the rate where the slice starts (shown to 8 decimal places).
    end_rate : Decimal or None
        On an interpolated line, the rate where the slice ends (8 decimal
        places); ``None`` on every other line.
    multiplier : Decimal
        Accelerator multiplier [ratio]; 1 outside every band and on cap lines;
        on a ``multiplier`` line, the product of the attribute factors applied.
    exact_amount : Decimal
        ``base * rate * multiplier`` (or the cap's cut) before rounding [currency].
    amount : Decimal
        The amount paid, rounded to the minor unit [currency].
    reason_en, reason_zh : str
        The line explained in English and Simplified Chinese.
    """

    deal_id: str | None
    credited_on: date | None
    component: str
    kind: LineKind
    tier: int
    base: Decimal
    rate: Decimal
    end_rate: Decimal | None = None
    multiplier: Decimal
    exact_amount: Decimal
    amount: Decimal
    reason_en: str
    reason_zh: str


class Adjustment(FrozenModel):
    """One step from the total earned to the amount payable, explained.

    Parameters
    ----------
    kind : {"deficit_recovered", "deficit_added", "advance", "recovered"}
        See :data:`AdjustmentKind`.
    amount : Decimal
        Added to the payable [currency]: negative for ``deficit_recovered``
        and ``recovered``, positive for ``deficit_added`` and ``advance``.
    reason_en, reason_zh : str
        The step explained in English and Simplified Chinese.
    """

    kind: AdjustmentKind
    amount: Decimal
    reason_en: str
    reason_zh: str


class Carry(FrozenModel):
    """What one statement hands to the next: pass ``Statement.carry`` as ``prior``.

    Parameters
    ----------
    advances : Decimal
        Recoverable draw advances not yet repaid [currency], >= 0.
    deficit : Decimal
        Negative balance not yet offset by earnings [currency], >= 0.
    year : int, optional
        The calendar year ``year_to_date`` counts; a statement of a later
        year starts the year-to-date amounts again from 0, and without a
        year they are ignored.
    year_to_date : dict of str to Decimal
        Paid so far in ``year`` per rate-table component [currency], the
        amount a ``year_cap`` is measured against.
    held : dict of str to Decimal
        Held back in ``year`` by the deferred gate of each rate-table
        component and not yet paid [currency]; lost in a later year.

    Examples
    --------
    >>> Carry(advances="200", year=2026, year_to_date={"base": "1500.00"}).year_to_date
    {'base': Decimal('1500.00')}
    """

    advances: Decimal = Field(default=Decimal(0), ge=0)
    deficit: Decimal = Field(default=Decimal(0), ge=0)
    year: int | None = None
    year_to_date: dict[str, Decimal] = Field(default_factory=dict)
    held: dict[str, Decimal] = Field(default_factory=dict)

    @property
    def balance(self) -> Balance:
        """The draw and deficit balances as a :class:`~salescore.commission.Balance`."""
        return Balance(advances=self.advances, deficit=self.deficit)


class Statement(FrozenModel):
    """A rep's commission statement for one period.

    Parameters
    ----------
    rep_id : str
        The rep.
    period : Period
        The period [start, end).
    currency : str
        ISO 4217 code of every amount.
    quota : Decimal or None
        The quota applied [currency], if given (prorated when asked).
    credited : Decimal
        Sum of the credits [currency].
    reduced : Decimal
        Refunds of the period's clawbacks that reduce attainment [currency].
    lines : tuple of StatementLine
        In credit order (date, then deal id), then component (rate tables,
        then SPIFFs), tier lines before caps; then ``unmatched`` lines, the
        floor line, and ``clawback`` lines last.
    subtotals : dict of str to Decimal
        Paid per component [currency]; the sum of its lines.
    total : Decimal
        Total earned [currency]: the exact total rounded once; equals the
        sum of the line amounts.
    full_quota : Decimal or None
        The quota given, before proration [currency].
    settlement : Settlement
        The period settled against the plan's draw and the prior balances.
    adjustments : tuple of Adjustment
        The non-zero steps from ``total`` to ``payable``, explained.
    carry : Carry
        Balances and year-to-date amounts for the next statement's ``prior``.
    conversions : tuple of Conversion
        The credits converted from another currency with ``fx``, explained.
    """

    rep_id: str
    period: Period
    currency: str
    quota: Decimal | None
    credited: Decimal
    reduced: Decimal = Decimal(0)
    lines: tuple[StatementLine, ...]
    subtotals: dict[str, Decimal]
    total: Decimal
    full_quota: Decimal | None = None
    settlement: Settlement
    adjustments: tuple[Adjustment, ...] = ()
    carry: Carry
    conversions: tuple[Conversion, ...] = ()

    @property
    def payable(self) -> Decimal:
        """Paid to the rep this period [currency]: ``total`` plus the adjustments."""
        return self.settlement.payable

    @property
    def attainment(self) -> Decimal | None:
        """Credited less reducing refunds, over quota [fraction]; ``None`` without a quota > 0."""
        if self.quota is None or self.quota == 0:
            return None
        return DECIMAL_CONTEXT.divide(
            DECIMAL_CONTEXT.subtract(self.credited, self.reduced), self.quota
        )


class Refund(FrozenModel):
    """A refund or cancellation of (part of) a credited deal.

    Parameters
    ----------
    deal_id : str
        The deal refunded.
    amount : Money
        The amount refunded [currency], > 0; the whole credit for a cancellation.
    refunded_on : date
        When the refund happened.
    product, category : str, optional
        The deal's product and category: a refund that reduces attainment
        lowers the measure of the tables that would pay such a credit.
    """

    deal_id: str = Field(min_length=1)
    amount: Money
    refunded_on: date
    product: str | None = Field(default=None, min_length=1)
    category: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Self:
        # Refused here, as Credit refuses a negative amount, not first in clawback. (A zero
        # refund is a valid record that claws nothing back; clawback says so.)
        if self.amount.amount < 0:
            raise InvalidInputError(
                f"refund of {self.deal_id!r} amount {self.amount} is negative; a refund must be "
                "positive (the refunded part of the deal)"
            )
        return self


#: The rate a clawback reverses at: ``original`` (what the deal was paid,
#: pro rata) or ``current`` (the refund re-rated at the effective rate of the
#: refund's period).
ClawbackRate = Literal["original", "current"]


class Clawback(FrozenModel):
    """The commission reversed for one refund [currency].

    Pass it to :func:`~salescore.commission.statement` (``clawbacks=``) of the
    refund's period: it becomes a ``clawback`` line there.

    Parameters
    ----------
    deal_id : str
        The deal.
    rep_id : str
        The rep whose statement paid it.
    refunded_on : date
        The refund's date; the clawback belongs to the period holding it.
    credited : Decimal
        The deal's credit on the original statement.
    paid : Decimal
        Commission its lines paid on the original statement (after caps).
    refunded : Decimal
        The refund.
    rate : {"original", "current"}
        See :data:`ClawbackRate`.
    current_rate : Decimal or None
        With ``rate="current"``: the refund period's rate-table pay over its
        credited amount [fraction], rounded to 8 places for display.
    reduces_attainment : bool
        Whether the refund also lowers the measure (attainment) of its period.
    product, category : str, optional
        From the refund.
    amount : Decimal
        The reversal, rounded once to the minor unit, <= 0: ``-paid *
        refunded / credited`` at the original rate, ``-refunded * current
        rate`` at the current one; 0 outside the window.
    reason_en, reason_zh : str
        The clawback explained in English and Simplified Chinese.
    """

    deal_id: str
    rep_id: str
    refunded_on: date
    credited: Decimal
    paid: Decimal
    refunded: Decimal
    rate: ClawbackRate = "original"
    current_rate: Decimal | None = None
    reduces_attainment: bool = False
    product: str | None = None
    category: str | None = None
    amount: Decimal
    reason_en: str
    reason_zh: str


class Conversion(FrozenModel):
    """One credit converted into the plan currency, explained.

    Parameters
    ----------
    deal_id : str
        The credit's deal.
    credited_on : date
        The credit date: the rates in force on it are used.
    original : Money
        The credit as given [its currency].
    rate : Decimal
        Units of the plan currency per unit of the original, rounded to ten
        decimal places for display (the conversion itself is exact).
    amount : Decimal
        The converted credit, rounded once to the plan currency's minor unit
        [plan currency]; what the statement lines pay on.
    reason_en, reason_zh : str
        The conversion explained in English and Simplified Chinese.
    """

    deal_id: str
    credited_on: date
    original: Money
    rate: Decimal
    amount: Decimal
    reason_en: str
    reason_zh: str
