"""Frame contracts of the commission wing and the result holders of its bulk calls.

The columns a credits, clawbacks or refunds frame must have, the columns of
a carry frame and of the conversions table, and the frozen results of
:func:`~salescore.commission.statements_frame` and
:func:`~salescore.commission.refund_clawbacks`: data only, beside the records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import pandas as pd

from salescore.frames import Column, FrameContract
from salescore.serialization import Result

__all__ = [
    "ATTRIBUTES",
    "CARRY_COLUMNS",
    "CLAWBACKS",
    "CONVERSION_COLUMNS",
    "CREDITS",
    "REFUNDS",
    "ClawbackFrames",
    "StatementsFrames",
]

#: Columns of ``StatementsFrames.conversions``.
CONVERSION_COLUMNS: Final = (
    "row",
    "deal_id",
    "rep_id",
    "currency",
    "amount",
    "rate",
    "amount_minor",
)
#: Column contract of a credits frame: one row per (deal, rep) credit.
CREDITS: Final = FrameContract(
    "credits",
    (
        Column("deal_id", "string", nonblank=True, description="the deal credited"),
        Column("rep_id", "string", nonblank=True, description="the rep credited"),
        Column("amount", "float", non_negative=True, description="credited amount [currency]"),
        Column("currency", "string", is_currency=True, description="ISO 4217 code of amount"),
        Column("credited_on", "date", description="date the credit is earned"),
    ),
    description="one credit of one deal to one rep",
)

#: Column contract of a clawbacks frame: one row per clawback, as :class:`Clawback`.
CLAWBACKS: Final = FrameContract(
    "clawbacks",
    (
        Column("deal_id", "string", nonblank=True, description="the deal refunded"),
        Column("rep_id", "string", nonblank=True, description="the rep clawed back"),
        Column("refunded_on", "date", description="date of the refund"),
        Column("refunded", "float", non_negative=True, description="refund [currency]"),
        Column("amount", "float", description="commission reversed, <= 0 [currency]"),
        Column("current_rate", "float", description="rate re-rated at; 0 at the original"),
        Column("reduces_attainment", "bool", description="refund lowers the measure"),
        Column("product", "string", required=False, nullable=True, description="deal product"),
        Column("category", "string", required=False, nullable=True, description="its category"),
    ),
    description="one clawback of a refunded deal",
)
#: Optional credit attributes of a credits frame, read by scoped and per-unit tables.
ATTRIBUTES: Final = (
    Column("product", "string", required=False, nullable=True, description="deal product"),
    Column("category", "string", required=False, nullable=True, description="product category"),
    Column(
        "units",
        "float",
        required=False,
        nullable=True,
        non_negative=True,
        description="units sold, whole; missing means 1",
    ),
)
#: Columns of a carry frame besides one ``ytd_minor:<component>`` and one
#: ``held_minor:<component>`` (held by a deferred gate) per rate table.
CARRY_COLUMNS: Final = ("advances_minor", "deficit_minor", "year")


@dataclass(frozen=True)
class StatementsFrames(Result):
    """Result of :func:`statements_frame`.

    Attributes
    ----------
    lines : pandas.DataFrame
        One row per statement line, in statement order per rep: ``rep_id``,
        ``deal_id``, ``row`` (index label of the credit in the input;
        ``deal_id`` and ``row`` are missing on floor lines),
        ``credited_on`` (the credit's date; the refund's on a clawback line,
        NaT on floor lines), ``component``, ``kind``, ``tier`` (1-based, 0 on caps), ``base``
        [currency], ``rate`` [fraction], ``end_rate`` [fraction; NaN except
        on interpolated lines, where ``rate`` and ``end_rate`` are the rates
        at the slice's start and end], ``multiplier`` [ratio; on a
        ``multiplier`` line the product of the attribute factors] (these as
        floats, for display), ``amount_minor`` (exact, [minor units]) and
        ``amount``, the same as ``Decimal`` [currency].
    totals : pandas.DataFrame
        Indexed by ``rep_id`` (every rep with a credit, a quota or a prior
        carry): ``credited_minor``, ``quota_minor`` (applied, prorated when
        asked), ``full_quota_minor``, ``reduced_minor`` (refunds reducing
        attainment), ``clawback_minor``, ``total_minor`` [minor units] and
        ``total`` (the same as ``Decimal`` [currency]); then the settlement against the plan's
        draw and the prior balances, as in
        :class:`~salescore.commission.Settlement`: ``deficit_recovered_minor``,
        ``deficit_added_minor``, ``advance_minor``, ``recovered_minor``,
        ``forgiven_minor`` and ``payable_minor``. ``total_minor`` is the sum
        of the rep's ``amount_minor``.
    errors : pandas.DataFrame
        Rows not used: ``row``, ``column``, ``value``, ``reason`` (frame
        contract reasons, plus ``currency_mismatch``, ``outside_period``,
        ``not_minor_unit``, ``not_whole_units``, ``duplicate_credit``, ``missing_rate``
        (no ``fx`` rate for the credit's currency on its date), ``missing_quota`` and
        ``zero_quota``: a prorated quota of 0 under an attainment plan, the
        rep not employed in the period; such a rep has no total).
    carry : pandas.DataFrame
        Indexed like ``totals``: ``advances_minor``, ``deficit_minor``,
        ``year``, ``ytd_minor:<component>`` per rate table and
        ``held_minor:<component>`` (what its deferred gate holds back) per
        table with ``gate_deferred`` (and per table
        of the ``prior`` not in the plan, passed through); pass it as the next
        period's ``prior``.
    conversions : pandas.DataFrame
        One row per credit used that was converted from another currency with
        ``fx``: ``row``, ``deal_id``, ``rep_id``, ``currency`` and ``amount``
        (as given), ``rate`` (units of the plan currency per unit, a float for
        display) and ``amount_minor`` (converted, exact [minor units]).
    """

    lines: pd.DataFrame
    totals: pd.DataFrame
    errors: pd.DataFrame
    carry: pd.DataFrame
    conversions: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(CONVERSION_COLUMNS))
    )


#: Column contract of a refunds frame: one row per refund of a deal credited to one rep.
REFUNDS: Final = FrameContract(
    "refunds",
    (
        Column("deal_id", "string", nonblank=True, description="the deal refunded"),
        Column("rep_id", "string", nonblank=True, description="the rep whose credit is refunded"),
        Column("amount", "float", non_negative=True, description="refunded amount [currency]"),
        Column("currency", "string", is_currency=True, description="ISO 4217 code of amount"),
        Column("refunded_on", "date", description="date of the refund"),
        Column("product", "string", required=False, nullable=True, description="deal product"),
        Column("category", "string", required=False, nullable=True, description="its category"),
    ),
    description="one refund of a deal credited to one rep",
)


@dataclass(frozen=True)
class ClawbackFrames(Result):
    """Result of :func:`refund_clawbacks`.

    Attributes
    ----------
    clawbacks : pandas.DataFrame
        One row per refund turned into a clawback, in input order, on a
        ``RangeIndex``: the :data:`~salescore.commission.CLAWBACKS` columns
        exactly as :func:`clawbacks_frame` gives them (pass the frame to
        :func:`~salescore.commission.statements_frame` as ``clawbacks=``),
        then ``row`` (the refund's index label), ``credited_minor``,
        ``paid_minor``, ``refunded_minor``, ``amount_minor`` [minor units,
        exact] and ``reason_en``, ``reason_zh`` (as :class:`Clawback`).
    errors : pandas.DataFrame
        Every refund row not turned into a clawback: ``row``, ``column``,
        ``value``, ``reason``. Contract reasons of :data:`REFUNDS` (a row may
        be named once per failing check), else the first of, in the order
        :func:`clawback` checks them: ``unknown_deal`` (no line of that rep
        and deal), ``ambiguous_deal`` (the rep's deal is credited on more
        than one date in ``lines``: several periods), ``currency_mismatch``,
        ``spiff_only``, ``credit_too_large`` (a credit of 2**46 minor units
        or more, beyond what float line bases hold exactly),
        ``not_minor_unit``, ``not_positive``, ``refund_exceeds_credit``,
        ``before_credit``, ``missing_current`` (``rate="current"`` and the
        rep has no row in ``current.totals``); then, over the rows that pass
        them, ``duplicate_refund`` (the same rep, deal, date and amount more
        than once: every copy) and ``refunds_exceed_credit`` (the rep's
        refunds of the deal in the frame add up to more than its credit: all
        of them).
    """

    clawbacks: pd.DataFrame
    errors: pd.DataFrame
