"""Crediting: who gets credit for a deal, and when, exact to the cent.

:func:`credit_deals` turns won deals into credit lines, and :func:`credit_frame`
does the same on DataFrames, vectorised. Both run on one integer kernel, so
they agree to the cent.

*Who* (:class:`CreditingRules`):

* **splits** share a deal between reps; shares add up to exactly 1 and the
  amount is split by largest remainder (:func:`~salescore.commission.split_credit`);
  a deal without a split credits its owner in full;
* **overlays** add credit on top without splitting it (a solution engineer or
  a product specialist credited 100 percent, or a given share);
* **manager overrides** credit the managers above each split rep
  (``Rep.manager_id``), one rate per level, on that rep's credit;
* **partner commission** pays the deal's channel partner
  ``Channel.partner_commission_rate`` of the amount.

*When* (``CreditingRules.timing``): on ``booking`` (the close date, the whole
amount), on ``invoice`` (each invoice date, its amount) or on ``payment``
(each payment date, its amount: partial payments earn pro rata).

Exactness across events: the deal's full amount is split once (the
*target* of each line). Each event then splits its amount between the split
reps by largest remainder in proportion to what each is still owed of its
target, so every event's split credits sum to the event's amount and, once
the deal is fully paid, each rep's credits sum to exactly their share of the
full amount. Overlay, override and partner lines are rounded on the running
total (``round(rate * cumulative base)`` differenced), so they too add up
exactly to the full-amount line.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any, Final, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field, field_validator, model_validator

from salescore._base import FrozenModel
from salescore._failures import Failures, empty_table
from salescore._numeric import (
    DECIMAL_CONTEXT,
    check_rounding,
    exact_decimals,
    exact_product,
    largest_remainder_segments,
    round_div,
    to_fraction,
)
from salescore.commission._records import Credit
from salescore.commission.splits import split_credit
from salescore.error_codes import FailureReason
from salescore.errors import (
    CurrencyMismatchError,
    InvalidInputError,
    OverInvoicedError,
    OverpaymentError,
    UnknownDealError,
    UnknownInvoiceError,
)
from salescore.frames import Column, FrameContract, partition_frame
from salescore.models import Channel, Opportunity, Organization, Pipeline, check_unique_ids
from salescore.models._fields import Identifier
from salescore.money import Money, floats_to_minor_units_by_currency, minor_unit
from salescore.serialization import Result

__all__ = [
    "ASSIGNMENTS",
    "DEALS",
    "INVOICES",
    "PAYMENTS",
    "CreditLine",
    "CreditRole",
    "Crediting",
    "CreditingFrames",
    "CreditingRules",
    "CreditTiming",
    "Invoice",
    "ManagerOverride",
    "OverInvoicedError",
    "Overlay",
    "OverpaymentError",
    "Payment",
    "UnknownDealError",
    "UnknownInvoiceError",
    "credit_deals",
    "credit_frame",
]

#: When credit is earned: at the close date, per invoice, or per payment.
CreditTiming = Literal["booking", "invoice", "payment"]
#: Why a line credits its recipient.
CreditRole = Literal["split", "overlay", "override", "partner"]
_ROLES: Final[tuple[CreditRole, ...]] = ("split", "overlay", "override", "partner")
_REP_ROLES: Final[tuple[CreditRole, ...]] = ("split", "overlay", "override")


# --------------------------------------------------------------------------- rules
def _unit_share(value: object, what: str) -> Decimal:
    share = Fraction(to_fraction(value, what=what))
    if not 0 < share <= 1:
        raise InvalidInputError(f"{what} {value!r} is outside (0, 1]")
    return DECIMAL_CONTEXT.divide(Decimal(share.numerator), Decimal(share.denominator))


class Overlay(FrozenModel):
    """A rep credited on top of the split, without reducing it.

    Parameters
    ----------
    rep_id : str
        The overlay rep (a solution engineer, a product specialist).
    share : Decimal
        Share of the deal amount credited [fraction], in (0, 1]; default 1.
    products, channels : frozenset of str
        The deals it applies to: those whose ``product`` (and ``channel_id``)
        is in the set; an empty set matches every deal.

    Examples
    --------
    >>> Overlay(rep_id="SE1", products={"cloud"}).share
    Decimal('1')
    """

    rep_id: Identifier
    share: Decimal = Decimal(1)
    products: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()

    @field_validator("share", mode="before")
    @classmethod
    def _share(cls, value: object) -> Decimal:
        return _unit_share(value, "overlay share")

    def applies(self, product: str | None, channel_id: str | None) -> bool:
        """Whether the overlay credits a deal of ``product`` sold through ``channel_id``."""
        return (not self.products or product in self.products) and (
            not self.channels or channel_id in self.channels
        )


class ManagerOverride(FrozenModel):
    """Override credit for the managers above each split rep.

    Parameters
    ----------
    rates : tuple of Decimal
        ``rates[0]`` of the rep's credit goes to their manager,
        ``rates[1]`` to the manager's manager, and so on [fraction]; each in
        (0, 1] (1 credits the full amount). At least one level.

    Examples
    --------
    >>> ManagerOverride(rates=["1", "0.5"]).rates
    (Decimal('1'), Decimal('0.5'))
    """

    rates: tuple[Decimal, ...] = Field(min_length=1)

    @field_validator("rates", mode="before")
    @classmethod
    def _rates(cls, value: object) -> tuple[Decimal, ...]:
        if not isinstance(value, list | tuple):
            raise InvalidInputError(f"override rates {value!r} must be a list, one per level")
        return tuple(_unit_share(v, f"override rate of level {i + 1}") for i, v in enumerate(value))


class CreditingRules(FrozenModel):
    """Who is credited for a deal and when: a declarative, JSON-round-tripping rule set.

    Parameters
    ----------
    timing : {"booking", "invoice", "payment"}
        Credit earned at the close date, per invoice, or per payment (pro rata).
    overlays : tuple of Overlay
        Reps credited on top of the split on the deals each one matches.
    override : ManagerOverride, optional
        Override credit up the manager chain; needs an ``Organization``.
    partner : bool
        Pay channel partners their ``partner_commission_rate`` of the amount
        (default ``True``); a deal's channel must then be among those given.

    Examples
    --------
    >>> rules = CreditingRules(timing="payment", overlays=[Overlay(rep_id="SE1")],
    ...                        override=ManagerOverride(rates=["0.5"]))
    >>> CreditingRules.model_validate_json(rules.model_dump_json()) == rules
    True
    """

    timing: CreditTiming = "booking"
    overlays: tuple[Overlay, ...] = ()
    override: ManagerOverride | None = None
    partner: bool = True


# --------------------------------------------------------------------------- events
def _check_minor(money: Money, what: str) -> None:
    if money.amount < 0:
        raise InvalidInputError(f"{what} amount {money} is negative; it must be >= 0")
    if money.quantize().amount != money.amount:
        raise InvalidInputError(
            f"{what} amount {money} has more decimal places than {money.currency} "
            f"allows ({money.minor_unit})"
        )


class Invoice(FrozenModel):
    """An invoice of (part of) a deal.

    Parameters
    ----------
    id : str
        Unique invoice id.
    deal_id : str
        The deal invoiced.
    amount : Money
        Invoiced amount [currency], >= 0, in whole minor units, in the deal's currency.
    invoiced_on : date
        Invoice date (the credit date under ``timing="invoice"``).
    """

    id: Identifier
    deal_id: Identifier
    amount: Money
    invoiced_on: date

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_minor(self.amount, f"invoice {self.id!r}")
        return self


class Payment(FrozenModel):
    """A payment of (part of) an invoice.

    Parameters
    ----------
    id : str
        Unique payment id.
    invoice_id : str
        The invoice paid.
    amount : Money
        Paid amount [currency], >= 0, in whole minor units, in the invoice's currency.
    paid_on : date
        Payment date (the credit date under ``timing="payment"``).
    """

    id: Identifier
    invoice_id: Identifier
    amount: Money
    paid_on: date

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_minor(self.amount, f"payment {self.id!r}")
        return self


class CreditLine(FrozenModel):
    """One credit of one deal event to one recipient, with its provenance.

    Parameters
    ----------
    deal_id : str
        The deal.
    event_id : str
        The crediting event: the deal id on booking, else the invoice or payment id.
    credit_id : str
        ``deal_id`` on booking, ``"<deal_id>/<event_id>"`` otherwise: the
        ``deal_id`` of the :class:`~salescore.commission.Credit` it becomes,
        unique per event on a statement.
    role : {"split", "overlay", "override", "partner"}
        Why the recipient is credited.
    recipient_id : str
        The rep credited, or the channel id on a partner line.
    source_rep_id : str or None
        On an override line, the split rep whose credit it overrides.
    level : int
        Override level (1 = the rep's manager); 0 on other lines.
    share : Decimal
        Split share, overlay share, override rate or partner rate [fraction].
    amount : Money
        The credit [currency], in whole minor units.
    credited_on : date
        When it is earned (close, invoice or payment date).
    """

    deal_id: str
    event_id: str
    credit_id: str
    role: CreditRole
    recipient_id: str
    source_rep_id: str | None = None
    level: int = 0
    share: Decimal
    amount: Money
    credited_on: date


class Crediting(FrozenModel):
    """Result of :func:`credit_deals`.

    Parameters
    ----------
    lines : tuple of CreditLine
        Per deal (input order), event (date, then id), role (split, overlay,
        override, partner), then line.
    pending : dict of str to Money
        Deals not yet fully credited (not closed, not fully invoiced or
        paid): the amount still to be credited.
    """

    lines: tuple[CreditLine, ...]
    pending: dict[str, Money]

    def credits(self, *roles: CreditRole) -> tuple[Credit, ...]:
        """The lines of ``roles`` (default split, overlay, override) as credits.

        Lines of one recipient and one event are added into one
        :class:`~salescore.commission.Credit` (``deal_id`` is the line's
        ``credit_id``), ready for :func:`~salescore.commission.statement`.
        """
        chosen = set(roles or _REP_ROLES)
        bad = chosen - set(_ROLES)
        if bad:
            raise InvalidInputError(f"roles {sorted(bad)} are not among {list(_ROLES)}")
        merged: dict[tuple[str, str], Credit] = {}
        for line in self.lines:
            if line.role not in chosen:
                continue
            key = (line.recipient_id, line.credit_id)
            found = merged.get(key)
            merged[key] = Credit(
                deal_id=line.credit_id,
                rep_id=line.recipient_id,
                amount=line.amount if found is None else found.amount + line.amount,
                credited_on=line.credited_on,
            )
        return tuple(merged.values())


# --------------------------------------------------------------------------- kernel
IntArray = npt.NDArray[np.int64]


def _round_rate(base: IntArray, num: IntArray, den: IntArray, rounding: str) -> IntArray:
    """``base * num / den`` rounded to an integer by ``rounding``, exactly at any size."""
    out: IntArray = round_div(exact_product(base, num), den, rounding).astype(np.int64)
    return out


@dataclass(frozen=True)
class _Allocation:
    split_event: IntArray
    split_line: IntArray
    split_amount: IntArray
    rated_event: IntArray
    rated_line: IntArray
    rated_amount: IntArray
    credited: IntArray  # per deal: total of its events [minor units]


def _ranges(first: IntArray, count: IntArray) -> IntArray:
    """Concatenated ``arange(first[i], first[i] + count[i])``."""
    total = int(count.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(count) - count, count)
    out: IntArray = np.repeat(first, count) + np.arange(total) - offsets
    return out


def _allocate(
    n_deals: int,
    ev_deal: IntArray,
    ev_amount: IntArray,
    sp_deal: IntArray,
    sp_target: IntArray,
    rt_deal: IntArray,
    rt_source: IntArray,
    rt_num: IntArray,
    rt_den: IntArray,
    rounding: str,
) -> _Allocation:
    """The crediting kernel on integer minor units.

    ``ev_*``: events sorted by deal, then credit order. ``sp_*``: split lines
    sorted by deal (stable), every deal with at least one; ``sp_target`` is
    the line's share of the full deal amount. ``rt_*``: rated lines paying
    ``num/den`` of a running base: the deal's (``rt_source == -1``) or the
    split line ``rt_source``'s credit.
    """
    deals = np.arange(n_deals)
    ev_first = np.searchsorted(ev_deal, deals, "left").astype(np.int64)
    ev_count = np.searchsorted(ev_deal, deals, "right").astype(np.int64) - ev_first
    rank = np.arange(len(ev_deal), dtype=np.int64) - ev_first[ev_deal]
    sp_first = np.searchsorted(sp_deal, deals, "left").astype(np.int64)
    sp_count = np.searchsorted(sp_deal, deals, "right").astype(np.int64) - sp_first
    given = np.zeros(len(sp_deal), dtype=np.int64)
    # Every split line has one record per event of its deal, at off[line] + rank.
    per_line = ev_count[sp_deal]
    off = np.cumsum(per_line) - per_line
    size = int(per_line.sum())
    cum_table = np.zeros(size, dtype=np.int64)
    amt_table = np.zeros(size, dtype=np.int64)
    split_event = np.zeros(size, dtype=np.int64)
    split_line = np.zeros(size, dtype=np.int64)
    for k in range(int(ev_count.max(initial=0))):
        events = np.flatnonzero(rank == k)
        counts = sp_count[ev_deal[events]]
        lines = _ranges(sp_first[ev_deal[events]], counts)
        starts = np.cumsum(counts) - counts
        parts = largest_remainder_segments(
            ev_amount[events], sp_target[lines] - given[lines], starts
        )
        given[lines] += parts
        at = off[lines] + k
        cum_table[at] = given[lines]
        amt_table[at] = parts
        split_event[at] = np.repeat(events, counts)
        split_line[at] = lines
    # Rated lines: one record per event of the line's deal.
    r_count = ev_count[rt_deal]
    rated_line = np.repeat(np.arange(len(rt_deal), dtype=np.int64), r_count)
    rated_event = _ranges(ev_first[rt_deal], r_count)
    deal_cum = np.cumsum(ev_amount)
    has = ev_count > 0
    first = ev_first[has]
    deal_cum = deal_cum - np.repeat(deal_cum[first] - ev_amount[first], ev_count[has])
    source = rt_source[rated_line]
    own = source >= 0
    at = np.where(own, off[np.where(own, source, 0)] + rank[rated_event], 0)
    after = np.where(own, cum_table[at] if size else 0, deal_cum[rated_event])
    before = after - np.where(own, amt_table[at] if size else 0, ev_amount[rated_event])
    num, den = rt_num[rated_line], rt_den[rated_line]
    rated_amount = _round_rate(after, num, den, rounding) - _round_rate(before, num, den, rounding)
    credited = np.zeros(n_deals, dtype=np.int64)
    np.add.at(credited, ev_deal, ev_amount)
    return _Allocation(
        split_event, split_line, amt_table, rated_event, rated_line, rated_amount, credited
    )


# --------------------------------------------------------------------------- shared helpers
def _manager_chains(org: Organization, levels: int) -> dict[str, tuple[str, ...]]:
    """Each rep's managers, nearest first, up to ``levels``; a cycle is an error."""
    manager = {rep.id: rep.manager_id for rep in org.reps}
    chains: dict[str, tuple[str, ...]] = {}
    for rep_id in manager:
        seen = [rep_id]
        node = manager[rep_id]
        while node is not None:
            if node in seen:
                cycle = " -> ".join([*seen[seen.index(node) :], node])
                raise InvalidInputError(f"managers form a cycle: {cycle}; a manager tree has none")
            seen.append(node)
            node = manager[node]
        chains[rep_id] = tuple(seen[1 : levels + 1])
    return chains


def _ratio(value: Fraction) -> tuple[int, int]:
    return value.numerator, value.denominator


def _as_decimal(value: Fraction) -> Decimal:
    return DECIMAL_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


def _partner_rates(channels: Iterable[Channel]) -> dict[str, Fraction | None]:
    out: dict[str, Fraction | None] = {}
    for channel in channels:
        rate = channel.partner_commission_rate
        out[channel.id] = None if rate is None else to_fraction(rate)
    return out


@dataclass
class _Plan:
    """Lines of the good deals in kernel form, built by either entry point."""

    sp_deal: list[int]
    sp_rep: list[str]
    sp_share: list[Fraction]
    rt_deal: list[int]
    rt_source: list[int]
    rt_role: list[CreditRole]
    rt_recipient: list[str]
    rt_level: list[int]
    rt_rate: list[Fraction]


def _rated_lines(
    plan: _Plan,
    deal: int,
    amount_overlays: Sequence[tuple[str, Fraction]],
    first_split: int,
    chains: Mapping[str, tuple[str, ...]] | None,
    rates: Sequence[Fraction],
    partner: tuple[str, Fraction] | None,
) -> None:
    """Append a deal's overlay, override and partner lines (its split lines end the list)."""
    for rep_id, share in amount_overlays:
        plan.rt_deal.append(deal)
        plan.rt_source.append(-1)
        plan.rt_role.append("overlay")
        plan.rt_recipient.append(rep_id)
        plan.rt_level.append(0)
        plan.rt_rate.append(share)
    if chains is not None:
        for line in range(first_split, len(plan.sp_deal)):
            for level, manager in enumerate(chains[plan.sp_rep[line]]):
                plan.rt_deal.append(deal)
                plan.rt_source.append(line)
                plan.rt_role.append("override")
                plan.rt_recipient.append(manager)
                plan.rt_level.append(level + 1)
                plan.rt_rate.append(rates[level])
    if partner is not None:
        plan.rt_deal.append(deal)
        plan.rt_source.append(-1)
        plan.rt_role.append("partner")
        plan.rt_recipient.append(partner[0])
        plan.rt_level.append(0)
        plan.rt_rate.append(partner[1])


# --------------------------------------------------------------------------- single path
def _shares(deal_id: str, given: Mapping[str, object], what: str) -> list[tuple[str, Fraction]]:
    out = []
    for rep_id, share in given.items():
        f = to_fraction(share, what=f"deal {deal_id!r} {what} of {rep_id!r}")
        if not 0 < f <= 1:
            raise InvalidInputError(
                f"deal {deal_id!r} {what} {share!r} of rep {rep_id!r} is outside (0, 1]"
            )
        out.append((str(rep_id), f))
    return out


def _events(
    deals: Sequence[Opportunity],
    timing: CreditTiming,
    invoices: Sequence[Invoice],
    payments: Sequence[Payment],
) -> list[list[tuple[date, str, int]]]:
    """Per deal, its events as (date, event id, amount in minor units), in credit order."""
    by_id = {d.id: i for i, d in enumerate(deals)}
    events: list[list[tuple[date, str, int]]] = [[] for _ in deals]
    if timing == "booking":
        for i, d in enumerate(deals):
            if d.close_date is not None:
                events[i].append((d.close_date, d.id, d.money.to_minor()))
        return events
    check_unique_ids(invoices, what="invoice")
    inv_by_id = {inv.id: inv for inv in invoices}
    invoiced = [0] * len(deals)
    for inv in sorted(invoices, key=lambda v: (v.invoiced_on, v.id)):
        at = by_id.get(inv.deal_id)
        if at is None:
            raise UnknownDealError.of("invoice_of_unknown_deal", invoice=inv.id, deal=inv.deal_id)
        i, deal = at, deals[at]
        if inv.amount.currency != deal.currency:
            raise CurrencyMismatchError.of(
                "invoice_currency",
                invoice=inv.id,
                currency=inv.amount.currency,
                deal=deal.id,
                expected=deal.currency,
            )
        invoiced[i] += inv.amount.to_minor()
        if invoiced[i] > deal.money.to_minor():
            raise OverInvoicedError.of(
                "over_invoiced_deal",
                invoice=inv.id,
                deal=deal.id,
                total=Money.from_minor(invoiced[i], deal.currency),
                limit=deal.money.quantize(),
            )
        if timing == "invoice":
            events[i].append((inv.invoiced_on, inv.id, inv.amount.to_minor()))
    if timing == "invoice":
        return events
    check_unique_ids(payments, what="payment")
    paid: dict[str, int] = {}
    for pay in sorted(payments, key=lambda p: (p.paid_on, p.id)):
        paid_inv = inv_by_id.get(pay.invoice_id)
        if paid_inv is None:
            raise UnknownInvoiceError.of(
                "payment_of_unknown_invoice", payment=pay.id, invoice=pay.invoice_id
            )
        inv = paid_inv
        if pay.amount.currency != inv.amount.currency:
            raise CurrencyMismatchError.of(
                "payment_currency",
                payment=pay.id,
                currency=pay.amount.currency,
                invoice=inv.id,
                expected=inv.amount.currency,
            )
        paid[inv.id] = paid.get(inv.id, 0) + pay.amount.to_minor()
        if paid[inv.id] > inv.amount.to_minor():
            raise OverpaymentError.of(
                "overpaid_invoice",
                payment=pay.id,
                amount=pay.amount,
                invoice=inv.id,
                total=Money.from_minor(paid[inv.id], inv.amount.currency),
                limit=inv.amount.quantize(),
            )
        events[by_id[inv.deal_id]].append((pay.paid_on, pay.id, pay.amount.to_minor()))
    for ev in events:
        ev.sort()
    return events


@exact_decimals
def credit_deals(
    deals: Iterable[Opportunity],
    rules: CreditingRules,
    *,
    splits: Mapping[str, Mapping[str, object]] | None = None,
    overlays: Mapping[str, Mapping[str, object]] | None = None,
    org: Organization | None = None,
    channels: Iterable[Channel] = (),
    invoices: Iterable[Invoice] = (),
    payments: Iterable[Payment] = (),
    rounding: str = ROUND_HALF_EVEN,
    pipeline: Pipeline | None = None,
) -> Crediting:
    """Credit won deals to reps (and channel partners) under ``rules``.

    Parameters
    ----------
    deals : iterable of Opportunity
        The won deals (lost deals must not be passed); ids unique, amounts
        in whole minor units. Under ``timing="booking"`` a deal without a
        ``close_date`` is pending.
    rules : CreditingRules
        Timing, overlays, manager override and partner commission.
    splits : mapping of deal id to {rep id: share}, optional
        Shares [fraction] in (0, 1] adding up to exactly 1; a deal not in
        it credits its ``owner_id`` in full.
    overlays : mapping of deal id to {rep id: share}, optional
        Per-deal overlay reps [fraction of the amount, in (0, 1]], credited
        after the rules' overlays.
    org : Organization, optional
        The reps and their managers; required with ``rules.override``, and
        then every split rep must be in it.
    channels : iterable of Channel
        With ``rules.partner``, every deal's ``channel_id`` must be among them.
    invoices : iterable of Invoice
        Under ``timing`` ``"invoice"`` or ``"payment"``: each of a known deal,
        in its currency; a deal's invoices add up to at most its amount.
    payments : iterable of Payment
        Under ``timing="payment"``: each of a known invoice, in its
        currency; an invoice's payments add up to at most its amount.
    rounding : str
        Rounding of overlay, override and partner lines, default ``ROUND_HALF_EVEN``.
    pipeline : Pipeline, optional
        The deals' pipeline: then every deal's stage must be one of its won
        stages. Without it the deals are taken as won.

    Returns
    -------
    Crediting

    Raises
    ------
    InvalidInputError
        A split not adding to 100 percent, a share or rate outside (0, 1],
        a repeated id, an amount not in whole minor units, a rep or channel
        missing from ``org`` or ``channels``, an override without ``org``,
        managers in a cycle.
    UnknownDealError, UnknownInvoiceError
        A split, overlay or invoice of an unknown deal; a payment of an unknown invoice.
    OverInvoicedError, OverpaymentError
        Invoices above the deal amount; payments above the invoice.
    CurrencyMismatchError
        An invoice or payment in another currency than its deal or invoice.

    Examples
    --------
    >>> from datetime import date
    >>> deal = Opportunity(id="D1", owner_id="R1", amount="1000.01", currency="CNY",
    ...                    stage="Won", created_on=date(2026, 1, 2),
    ...                    close_date=date(2026, 1, 20))
    >>> out = credit_deals([deal], CreditingRules(), splits={"D1": {"R1": "0.6", "R2": "0.4"}})
    >>> [(line.recipient_id, str(line.amount)) for line in out.lines]
    [('R1', '600.01 CNY'), ('R2', '400.00 CNY')]
    """
    check_rounding(rounding)
    deal_list = list(deals)
    check_unique_ids(deal_list, what="deal")
    by_id = {d.id: i for i, d in enumerate(deal_list)}
    for code, given in (
        ("split_of_unknown_deal", splits or {}),
        ("overlay_of_unknown_deal", overlays or {}),
    ):
        for deal_id in given:
            if deal_id not in by_id:
                raise UnknownDealError.of(code, deal=deal_id)
    for d in deal_list:
        _check_minor(d.money, f"deal {d.id!r}")
        if pipeline is not None and (
            pipeline.check_stage(d.stage, what=f"deal {d.id!r} stage") not in pipeline.won_stages
        ):
            won = ", ".join(x.name for x in pipeline.won_stages)
            raise InvalidInputError(
                f"deal {d.id!r} is in stage {d.stage!r}, not a won stage ({won}); only won "
                "deals are credited"
            )
    chains = None
    if rules.override is not None:
        if org is None:
            raise InvalidInputError("a manager override needs the organisation (org=...)")
        chains = _manager_chains(org, len(rules.override.rates))
    rates = [Fraction(r) for r in rules.override.rates] if rules.override else []
    partner_rates = _partner_rates(channels)
    plan = _Plan([], [], [], [], [], [], [], [], [])
    targets: list[int] = []
    for i, d in enumerate(deal_list):
        split = (splits or {}).get(d.id) or {d.owner_id: 1}
        first = len(plan.sp_deal)
        parts = split_credit(d.id, d.money.quantize(), date.min, split)
        for (rep_id, share), part in zip(_shares(d.id, split, "share"), parts, strict=True):
            if chains is not None and rep_id not in chains:
                raise InvalidInputError(
                    f"deal {d.id!r} split rep {rep_id!r} is not in the organisation; "
                    "a manager override needs every split rep in it"
                )
            plan.sp_deal.append(i)
            plan.sp_rep.append(rep_id)
            plan.sp_share.append(share)
            targets.append(part.amount.to_minor())
        extra = [
            (o.rep_id, Fraction(o.share))
            for o in rules.overlays
            if o.applies(d.product, d.channel_id)
        ]
        extra += _shares(d.id, (overlays or {}).get(d.id, {}), "overlay share")
        partner = None
        if rules.partner and d.channel_id is not None:
            if d.channel_id not in partner_rates:
                raise InvalidInputError(
                    f"deal {d.id!r} channel {d.channel_id!r} is not among the channels given; "
                    "partner commission needs it (or set partner=False)"
                )
            rate = partner_rates[d.channel_id]
            if rate:
                partner = (d.channel_id, rate)
        _rated_lines(plan, i, extra, first, chains, rates, partner)
    events = _events(deal_list, rules.timing, list(invoices), list(payments))
    ev_deal = [i for i, ev in enumerate(events) for _ in ev]
    flat = [e for ev in events for e in ev]
    result = _allocate(
        len(deal_list),
        np.asarray(ev_deal, dtype=np.int64),
        np.asarray([e[2] for e in flat], dtype=np.int64),
        np.asarray(plan.sp_deal, dtype=np.int64),
        np.asarray(targets, dtype=np.int64),
        np.asarray(plan.rt_deal, dtype=np.int64),
        np.asarray(plan.rt_source, dtype=np.int64),
        np.asarray([r.numerator for r in plan.rt_rate], dtype=np.int64),
        np.asarray([r.denominator for r in plan.rt_rate], dtype=np.int64),
        rounding,
    )
    rows: list[tuple[int, int, int, CreditLine]] = []
    for event, line, amount in zip(
        result.split_event.tolist(),
        result.split_line.tolist(),
        result.split_amount.tolist(),
        strict=True,
    ):
        d = deal_list[ev_deal[event]]
        rows.append(
            (
                event,
                0,
                line,
                _line(
                    d,
                    flat[event],
                    "split",
                    plan.sp_rep[line],
                    None,
                    0,
                    plan.sp_share[line],
                    amount,
                    rules.timing,
                ),
            )
        )
    for event, line, amount in zip(
        result.rated_event.tolist(),
        result.rated_line.tolist(),
        result.rated_amount.tolist(),
        strict=True,
    ):
        d = deal_list[ev_deal[event]]
        role = plan.rt_role[line]
        source = plan.rt_source[line]
        rows.append(
            (
                event,
                _ROLES.index(role),
                line,
                _line(
                    d,
                    flat[event],
                    role,
                    plan.rt_recipient[line],
                    plan.sp_rep[source] if source >= 0 else None,
                    plan.rt_level[line],
                    plan.rt_rate[line],
                    amount,
                    rules.timing,
                ),
            )
        )
    rows.sort(key=lambda r: r[:3])
    pending = {
        d.id: Money.from_minor(d.money.to_minor() - int(result.credited[i]), d.currency)
        for i, d in enumerate(deal_list)
        if not events[i] or int(result.credited[i]) < d.money.to_minor()
    }
    return Crediting(lines=tuple(r[3] for r in rows), pending=pending)


def _line(
    deal: Opportunity,
    event: tuple[date, str, int],
    role: CreditRole,
    recipient: str,
    source: str | None,
    level: int,
    share: Fraction,
    amount: int,
    timing: CreditTiming,
) -> CreditLine:
    when, event_id, _ = event
    return CreditLine(
        deal_id=deal.id,
        event_id=event_id,
        credit_id=deal.id if timing == "booking" else f"{deal.id}/{event_id}",
        role=role,
        recipient_id=recipient,
        source_rep_id=source,
        level=level,
        share=_as_decimal(share),
        amount=Money.from_minor(amount, deal.currency),
        credited_on=when,
    )


# --------------------------------------------------------------------------- bulk path
def _id(name: str, description: str, *, unique: bool = False) -> Column:
    return Column(name, "string", unique=unique, nonblank=True, description=description)


#: Deals to credit: one row per won deal.
DEALS: Final = FrameContract(
    "crediting_deals",
    (
        _id("deal_id", "the deal", unique=True),
        _id("owner_id", "the rep credited in full when the deal has no split"),
        Column("amount", "float", non_negative=True, description="deal amount [currency]"),
        Column("currency", "string", is_currency=True, description="ISO 4217 code of amount"),
        Column(
            "close_date",
            "date",
            required=False,
            nullable=True,
            description="close date (the credit date on booking); missing: pending",
        ),
        Column("channel_id", "string", required=False, nullable=True, description="channel"),
        Column("product", "string", required=False, nullable=True, description="product"),
        Column(
            "stage",
            "string",
            required=False,
            nullable=True,
            description="stage, checked to be won when a pipeline is given",
        ),
    ),
    description="one won deal",
)

#: Split and overlay reps of deals: one row per (deal, rep, role).
ASSIGNMENTS: Final = FrameContract(
    "crediting_assignments",
    (
        _id("deal_id", "the deal"),
        _id("rep_id", "the rep credited"),
        Column(
            "share",
            "float",
            bounds=(0.0, 1.0),
            description="split share or overlay share [fraction], in (0, 1]",
        ),
        Column(
            "role",
            "category",
            allowed=("split", "overlay"),
            required=False,
            nullable=True,
            description="split (missing means split) or overlay",
        ),
    ),
    description="one rep's share of one deal",
)

#: Invoices of deals.
INVOICES: Final = FrameContract(
    "invoices",
    (
        _id("invoice_id", "the invoice", unique=True),
        _id("deal_id", "the deal invoiced"),
        Column("amount", "float", non_negative=True, description="invoiced amount [currency]"),
        Column("currency", "string", is_currency=True, description="ISO 4217 code of amount"),
        Column("invoiced_on", "date", description="invoice date"),
    ),
    description="one invoice of one deal",
)

#: Payments of invoices.
PAYMENTS: Final = FrameContract(
    "payments",
    (
        _id("payment_id", "the payment", unique=True),
        _id("invoice_id", "the invoice paid"),
        Column("amount", "float", non_negative=True, description="paid amount [currency]"),
        Column("currency", "string", is_currency=True, description="ISO 4217 code of amount"),
        Column("paid_on", "date", description="payment date"),
    ),
    description="one payment of one invoice",
)

_ERROR_COLUMNS: Final = ("table", "row", "deal_id", "column", "value", "reason")


@dataclass(frozen=True)
class CreditingFrames(Result):
    """Result of :func:`credit_frame`.

    Attributes
    ----------
    lines : pandas.DataFrame
        One row per credit line, in the order of :attr:`Crediting.lines`:
        ``deal_id``, ``row`` (the deal's index label), ``event_id``,
        ``credit_id``, ``role``, ``recipient_id``, ``source_rep_id``,
        ``level``, ``share`` [fraction, float], ``credited_on``,
        ``currency``, ``amount_minor`` (exact, [minor units]) and ``amount``
        [currency, float]. The id columns are categorical (cheap at millions
        of lines); ``source_rep_id`` is missing except on override lines.
    pending : pandas.DataFrame
        Deals not yet fully credited: ``deal_id``, ``row``,
        ``credited_minor`` and ``pending_minor`` [minor units].
    errors : pandas.DataFrame
        Rows not used: ``table`` (``deals``, ``assignments``, ``invoices``,
        ``payments``), ``row`` (index label in that table), ``deal_id`` (the
        deal it concerns, when known), ``column``, ``value``, ``reason``
        (frame contract reasons, plus ``not_minor_unit``, ``unknown_channel``,
        ``unknown_rep``, ``unknown_deal``, ``duplicate``, ``not_exact_share``,
        ``split_not_100``, ``currency_mismatch``, ``over_invoiced``,
        ``unknown_invoice``, ``invalid_invoice`` and ``overpaid``). A deal
        named here yields no line: every deal is in ``lines``, ``pending``
        or ``errors``.
    """

    lines: pd.DataFrame
    pending: pd.DataFrame
    errors: pd.DataFrame

    def credits(self, *roles: CreditRole) -> pd.DataFrame:
        """The lines of ``roles`` (default split, overlay, override) as a credits frame.

        Lines of one recipient and one event are added up; the result has the
        columns of :data:`~salescore.commission.CREDITS` (``deal_id`` is the
        ``credit_id``) plus ``amount_minor``, ready for
        :func:`~salescore.commission.statements_frame`.
        """
        chosen = list(roles or _REP_ROLES)
        bad = set(chosen) - set(_ROLES)
        if bad:
            raise InvalidInputError(f"roles {sorted(bad)} are not among {list(_ROLES)}")
        lines = self.lines[self.lines["role"].isin(chosen)]
        grouped = lines.groupby(["recipient_id", "credit_id"], sort=False, observed=True)
        out = grouped.agg(
            amount_minor=("amount_minor", "sum"),
            currency=("currency", "first"),
            credited_on=("credited_on", "first"),
        ).reset_index()
        scale = _scales(out["currency"].to_numpy())
        return pd.DataFrame(
            {
                "deal_id": out["credit_id"].astype(object),
                "rep_id": out["recipient_id"].astype(object),
                "amount": out["amount_minor"].to_numpy(dtype=np.float64) / scale,
                "currency": out["currency"].astype(object),
                "credited_on": out["credited_on"],
                "amount_minor": out["amount_minor"].to_numpy(dtype=np.int64),
            }
        )


def _scales(currencies: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """``10.0 ** minor_unit`` of each currency."""
    codes, uniques = pd.factorize(pd.Series(currencies, dtype=object))
    per = np.asarray([10.0 ** minor_unit(str(c)) for c in uniques], dtype=np.float64)
    out: npt.NDArray[np.float64] = per[codes] if len(codes) else np.zeros(0)
    return out


def _decimals(values: npt.NDArray[np.float64]) -> IntArray:
    """Fewest decimal places that write each value exactly (16 when more than 15 are needed)."""
    places = np.full(len(values), 16, dtype=np.int64)
    todo = np.ones(len(values), dtype=bool)
    for k in range(16):
        scaled = np.round(values * 10.0**k)
        hit = todo & (scaled / 10.0**k == values)
        places[hit] = k
        todo &= ~hit
        if not todo.any():
            break
    return places


class _Errors:
    """The errors table of every input table, written through one :class:`Failures` per check.

    Each check gives the index labels of the rows it looked at; the rows of the
    table are those labels, with the input ``table`` and the ``deal_id`` each
    row names.
    """

    def __init__(self) -> None:
        self.collected: list[Failures] = []

    def over(self, labels: Any) -> Failures:
        """A collector of failures of the rows named by ``labels`` (an Index or an array)."""
        if not isinstance(labels, pd.Index):
            labels = np.asarray(labels)
            if labels.dtype.kind in "mM":  # rows named as numpy writes them, not as Timestamps
                labels = labels.astype(object)
            labels = pd.Index(labels, dtype=labels.dtype)
        failures = Failures(pd.DataFrame(index=labels), _ERROR_COLUMNS)
        self.collected.append(failures)
        return failures

    def add(
        self,
        table: str,
        labels: Any,
        deal_ids: Any,
        checks: Iterable[tuple[str, FailureReason, npt.NDArray[np.bool_], Any]],
    ) -> None:
        """Record each ``(column, reason, mask, values)`` check over the rows of ``labels``."""
        failures = self.over(labels)
        for column, reason, mask, values in checks:
            failures.add(column, reason, mask, values=values, table=table, deal_id=deal_ids)

    def add_failures(
        self, table: str, frame: pd.DataFrame, failures: pd.DataFrame, deal_of: pd.Series | None
    ) -> npt.NDArray[Any]:
        """Contract failures (rows are positions in ``frame``, reset to a RangeIndex).

        Returns the deal ids (as given) the failing rows name.
        """
        if not len(failures):
            return np.zeros(0, dtype=object)
        pos = failures["row"].to_numpy(dtype=object)
        known = np.asarray([p is not None for p in pos])
        at = np.where(known, pos, -1).astype(np.int64)
        deals = np.full(len(pos), None, dtype=object)
        if deal_of is not None:
            raw = deal_of.to_numpy(dtype=object)[at[known]]
            deals[known] = [None if pd.isna(v) else str(v).strip() for v in raw]
        columns = failures["column"].to_numpy(dtype=object)
        reasons = failures["reason"].to_numpy(dtype=object)
        values = failures["value"].to_numpy(dtype=object)
        # Runs of one (column, reason) over rising rows keep the contract's order.
        first = np.ones(len(pos), dtype=bool)
        first[1:] = (
            (columns[1:] != columns[:-1])
            | (reasons[1:] != reasons[:-1])
            | (at[1:] <= at[:-1])
            | ~known[1:]
            | ~known[:-1]
        )
        bounds = [*np.flatnonzero(first).tolist(), len(pos)]
        collector = self.over(frame.index)
        for a, b in itertools.pairwise(bounds):
            if not known[a]:
                collector.add_frame(columns[a], reasons[a], table=table)
                continue
            rows = at[a:b]
            mask = np.zeros(len(frame), dtype=bool)
            mask[rows] = True
            given = np.full(len(frame), None, dtype=object)
            given[rows] = values[a:b]
            named = np.full(len(frame), None, dtype=object)
            named[rows] = deals[a:b]
            collector.add(columns[a], reasons[a], mask, values=given, table=table, deal_id=named)
        return deals

    def frame(self) -> pd.DataFrame:
        parts = [part for failures in self.collected for part in failures.parts]
        if not parts:
            return empty_table(_ERROR_COLUMNS)
        return pd.concat(parts, ignore_index=True)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """``frame[name]`` as objects, or all missing when the column is absent."""
    if name in frame:
        return frame[name].astype(object).reset_index(drop=True)
    return pd.Series(np.full(len(frame), None, dtype=object))


def _empty(contract: FrameContract) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in contract.columns})


def _credit_order(group: IntArray, dates: npt.NDArray[Any], ids: npt.NDArray[Any]) -> IntArray:
    """The order by group, date, then id; ids are sorted only when a group repeats a date."""
    days = dates.astype("datetime64[us]").astype(np.int64)
    order: IntArray = np.lexsort((days, group))
    g, d = group[order], days[order]
    if ((g[1:] == g[:-1]) & (d[1:] == d[:-1])).any():
        codes = pd.factorize(pd.Series(ids, dtype=object), sort=True)[0]
        order = np.lexsort((codes, days, group))
    return order


def _running_over(
    group: IntArray,
    dates: npt.NDArray[Any],
    ids: npt.NDArray[Any],
    amount: IntArray,
    limit: IntArray,
) -> npt.NDArray[np.bool_]:
    """Rows whose running total within ``group`` (by date, then id) exceeds ``limit[row]``."""
    if not len(group):
        return np.zeros(0, dtype=bool)
    order = _credit_order(group, dates, ids)
    g, a = group[order], amount[order]
    total = np.cumsum(a)
    first = np.r_[True, g[1:] != g[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(g)), 0))
    running = total - (total[start] - a[start])
    over = np.zeros(len(group), dtype=bool)
    over[order] = running > limit[order]
    return over


class _Deals:
    """The valid deal rows, the deals failed so far, and how to name a deal in an error."""

    def __init__(self, ids: npt.NDArray[Any], failing: npt.NDArray[Any]) -> None:
        self.ids = ids
        self.vocab = pd.Index(ids)
        self.failing = pd.Index([x for x in failing if x is not None], dtype=object)
        self.failed = np.zeros(len(ids), dtype=bool)

    def codes(self, deal_ids: npt.NDArray[Any]) -> IntArray:
        out: IntArray = self.vocab.get_indexer(pd.Index(deal_ids)).astype(np.int64)
        return out

    def unknown(self, deal_ids: npt.NDArray[Any], codes: IntArray) -> npt.NDArray[np.bool_]:
        """Ids that are neither a valid deal nor a deal row that failed its contract."""
        out = codes < 0
        if out.any():
            out[out] = ~pd.Index(deal_ids[out]).isin(self.failing)
        return out

    def fail(self, codes: IntArray) -> None:
        self.failed[codes[codes >= 0]] = True

    def fail_named(self, deal_ids: npt.NDArray[Any]) -> None:
        self.fail(self.codes(np.asarray([x for x in deal_ids if x is not None], dtype=object)))


@dataclass
class _Invoices:
    valid: pd.DataFrame
    ok: npt.NDArray[np.bool_]  # rows of ``valid`` usable for crediting
    deal: IntArray  # deal code per valid row (-1: not a valid deal)
    deal_name: npt.NDArray[Any]
    minor: IntArray
    index: pd.Index  # ids of the valid rows
    failing: dict[str, str | None]  # invoice id -> deal id of rows that failed their contract


def _invoices(
    invoices: pd.DataFrame | None,
    errors: _Errors,
    deals: _Deals,
    d_cur: npt.NDArray[Any],
    d_amount: IntArray,
) -> _Invoices:
    frame = _empty(INVOICES) if invoices is None else invoices
    raw = frame.reset_index(drop=True)
    valid, fail = partition_frame(raw, INVOICES)
    deals.fail_named(errors.add_failures("invoices", frame, fail, _column(raw, "deal_id")))
    is_bad = np.ones(len(raw), dtype=bool)
    is_bad[valid.index.to_numpy()] = False
    bad_pos = np.flatnonzero(is_bad)
    failing = {
        str(i).strip(): (None if pd.isna(d) else str(d).strip())
        for i, d in zip(
            _column(raw, "invoice_id")[bad_pos], _column(raw, "deal_id")[bad_pos], strict=True
        )
        if not pd.isna(i)
    }
    label = frame.index.take(valid.index.to_numpy())
    name = valid["deal_id"].astype(object).to_numpy()
    cur = valid["currency"].astype(object).to_numpy()
    minor, off = floats_to_minor_units_by_currency(valid["amount"].to_numpy(dtype=np.float64), cur)
    di = deals.codes(name)
    unknown = deals.unknown(name, di)
    mismatch = np.zeros(len(di), dtype=bool)
    if len(d_cur):
        mismatch = (di >= 0) & (cur != d_cur[np.maximum(di, 0)])
    use = (di >= 0) & ~mismatch & ~off
    over = np.zeros(len(valid), dtype=bool)
    over[use] = _running_over(
        di[use],
        valid["invoiced_on"].to_numpy()[use],
        valid["invoice_id"].to_numpy(dtype=object)[use],
        minor[use],
        d_amount[di[use]],
    )
    checks = (
        ("deal_id", FailureReason.UNKNOWN_DEAL, unknown),
        ("currency", FailureReason.CURRENCY_MISMATCH, mismatch),
        ("amount", FailureReason.NOT_MINOR_UNIT, off),
        ("amount", FailureReason.OVER_INVOICED, over),
    )
    errors.add("invoices", label, name, [(c, r, m, valid[c]) for c, r, m in checks])
    for _, _, mask in checks:
        deals.fail(di[mask])
    index = pd.Index(valid["invoice_id"].astype(object).to_numpy())
    return _Invoices(valid, use & ~over, di, name, minor, index, failing)


@dataclass
class _Payments:
    valid: pd.DataFrame
    ok: npt.NDArray[np.bool_]
    deal: IntArray
    minor: IntArray


def _payments(
    payments: pd.DataFrame | None, errors: _Errors, deals: _Deals, inv: _Invoices
) -> _Payments:
    frame = _empty(PAYMENTS) if payments is None else payments
    raw = frame.reset_index(drop=True)
    valid, fail = partition_frame(raw, PAYMENTS)
    if len(fail):  # name the deal of each failing payment through its invoice
        known = dict(zip(inv.index, inv.deal_name, strict=True)) | inv.failing
        raw_invoice = _column(raw, "invoice_id")
        deal_of = pd.Series(np.full(len(raw), None, dtype=object))
        pos = fail["row"].dropna().to_numpy(dtype=np.int64)
        deal_of[pos] = [None if pd.isna(i) else known.get(str(i).strip()) for i in raw_invoice[pos]]
        deals.fail_named(errors.add_failures("payments", frame, fail, deal_of))
    label = frame.index.take(valid.index.to_numpy())
    invoice = valid["invoice_id"].astype(object).to_numpy()
    ii = inv.index.get_indexer(pd.Index(invoice)).astype(np.int64)
    at = np.maximum(ii, 0)
    name = np.full(len(ii), None, dtype=object)
    di = np.full(len(ii), -1, dtype=np.int64)
    if len(inv.deal):
        name[ii >= 0] = inv.deal_name[ii[ii >= 0]]
        di[ii >= 0] = inv.deal[ii[ii >= 0]]
    elsewhere = np.flatnonzero(ii < 0)
    if len(elsewhere):
        name[elsewhere] = [inv.failing.get(str(i)) for i in invoice[elsewhere]]
        di[elsewhere] = deals.codes(name[elsewhere])
    unknown = (ii < 0) & ~pd.Index(invoice).isin(list(inv.failing))
    unusable = ~unknown & ((ii < 0) | ~(inv.ok[at] if len(inv.ok) else False))
    cur = valid["currency"].astype(object).to_numpy()
    minor, off = floats_to_minor_units_by_currency(valid["amount"].to_numpy(dtype=np.float64), cur)
    mismatch = np.zeros(len(ii), dtype=bool)
    if len(inv.ok):
        i_cur = inv.valid["currency"].astype(object).to_numpy()
        mismatch = ~unknown & ~unusable & (cur != i_cur[at])
    use = ~unknown & ~unusable & ~mismatch & ~off
    over = np.zeros(len(valid), dtype=bool)
    over[use] = _running_over(
        ii[use],
        valid["paid_on"].to_numpy()[use],
        valid["payment_id"].to_numpy(dtype=object)[use],
        minor[use],
        inv.minor[ii[use]],
    )
    checks = (
        ("invoice_id", FailureReason.UNKNOWN_INVOICE, unknown),
        ("invoice_id", FailureReason.INVALID_INVOICE, unusable),
        ("currency", FailureReason.CURRENCY_MISMATCH, mismatch),
        ("amount", FailureReason.NOT_MINOR_UNIT, off),
        ("amount", FailureReason.OVERPAID, over),
    )
    errors.add("payments", label, name, [(c, r, m, valid[c]) for c, r, m in checks])
    for _, _, mask in checks:
        deals.fail(di[mask])
    return _Payments(valid, use & ~over, di, minor)


def _sorted_events(
    deal: IntArray, amount: IntArray, dates: npt.NDArray[Any], ids: npt.NDArray[Any]
) -> tuple[IntArray, IntArray, npt.NDArray[Any], npt.NDArray[Any]]:
    """Events of known deals (``deal >= 0``), sorted by deal, date, then id."""
    keep = deal >= 0
    deal, amount, dates, ids = deal[keep], amount[keep], dates[keep], ids[keep]
    order = _credit_order(deal, dates, ids)
    return deal[order].astype(np.int64), amount[order], dates[order], ids[order]


@dataclass
class _Rated:
    deal: IntArray
    source: IntArray
    num: IntArray
    den: IntArray
    role: IntArray
    recipient: IntArray  # code into the recipient names
    level: IntArray


def _rated_lines_frame(
    rules: CreditingRules,
    names: pd.Index,
    deal_cols: tuple[npt.NDArray[Any], npt.NDArray[Any], IntArray],
    overlay_rows: tuple[IntArray, IntArray, IntArray, IntArray],
    sp_deal: IntArray,
    managers: list[IntArray] | None,
    partner: tuple[IntArray, IntArray] | None,
) -> _Rated:
    """Overlay, override and partner lines, in the order of the single path.

    ``deal_cols``: product, channel id and channel code of each deal;
    ``sp_deal``: the deal of each split line; ``managers[level]``:
    the manager's code per split line (-1 for none); ``partner``: rate
    numerator and denominator per channel code.
    """
    product, channel, ch_code = deal_cols
    n = len(product)
    parts: list[tuple[Any, ...]] = []  # (deal, source, recipient, num, den, role, level, sub)
    n_rules = len(rules.overlays)
    for oi, o in enumerate(rules.overlays):
        mask = np.ones(n, dtype=bool)
        if o.products:
            mask &= pd.Index(product).isin(list(o.products))
        if o.channels:
            mask &= pd.Index(channel).isin(list(o.channels))
        deal = np.flatnonzero(mask).astype(np.int64)
        num, den = _ratio(Fraction(o.share))
        k = len(deal)
        code = int(names.get_indexer(pd.Index([o.rep_id], dtype=object))[0])
        parts.append(
            (deal, np.full(k, -1), np.full(k, code), np.full(k, num), np.full(k, den), 1,
             np.zeros(k, np.int64), np.full(k, oi))
        )  # fmt: skip
    o_deal, o_rcode, o_num, o_den = overlay_rows
    k = len(o_deal)
    parts.append(
        (o_deal, np.full(k, -1), o_rcode, o_num, o_den, 1, np.zeros(k, np.int64),
         n_rules + np.arange(k))
    )  # fmt: skip
    if managers is not None and rules.override is not None:
        levels = len(rules.override.rates)
        for level, rate in enumerate(rules.override.rates):
            line = np.flatnonzero(managers[level] >= 0).astype(np.int64)
            num, den = _ratio(Fraction(rate))
            k = len(line)
            parts.append(
                (sp_deal[line], line, managers[level][line], np.full(k, num), np.full(k, den), 2,
                 np.full(k, level + 1), line * levels + level)
            )  # fmt: skip
    if partner is not None:
        p_num, p_den = partner
        rated = ch_code >= 0
        rated[rated] = p_num[ch_code[rated]] > 0
        deal = np.flatnonzero(rated).astype(np.int64)
        chosen = ch_code[deal]
        k = len(deal)
        parts.append(
            (deal, np.full(k, -1), chosen, p_num[chosen], p_den[chosen], 3, np.zeros(k, np.int64),
             np.zeros(k, np.int64))
        )  # fmt: skip
    deal = np.concatenate([p[0] for p in parts]).astype(np.int64)
    role = np.concatenate([np.full(len(p[0]), p[5]) for p in parts]).astype(np.int64)
    sub = np.concatenate([p[7] for p in parts]).astype(np.int64)
    order = np.lexsort((sub, role, deal))

    def column(i: int) -> IntArray:
        out: IntArray = np.concatenate([p[i] for p in parts]).astype(np.int64)[order]
        return out

    return _Rated(
        deal=deal[order],
        source=column(1),
        num=column(3),
        den=column(4),
        role=role[order],
        recipient=column(2),
        level=column(6),
    )


def _lines_frame(
    result: _Allocation,
    timing: CreditTiming,
    deals: tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]],
    events: tuple[IntArray, npt.NDArray[Any], npt.NDArray[Any]],
    split: tuple[IntArray, IntArray, IntArray, IntArray],
    rated: _Rated,
    names: pd.Index,
    vocab: pd.Index,
) -> pd.DataFrame:
    g_ids, g_label, g_cur = deals
    ev_deal, ev_date, ev_id = events
    sp_deal, sp_rcode, sp_num, sp_den = split
    # Lines go per event, split lines first, then rated lines (already in role order):
    # each record's position is computed, not sorted for.
    n_deals = len(g_ids)
    sp_first = np.searchsorted(sp_deal, np.arange(n_deals), "left")
    sp_count = np.searchsorted(sp_deal, np.arange(n_deals), "right") - sp_first
    rt_first = np.searchsorted(rated.deal, np.arange(n_deals), "left")
    rt_count = np.searchsorted(rated.deal, np.arange(n_deals), "right") - rt_first
    n_sp_ev = sp_count[ev_deal]
    size = n_sp_ev + rt_count[ev_deal]
    offset = np.cumsum(size) - size
    se, sl_ = result.split_event, result.split_line
    re_, rl_ = result.rated_event, result.rated_line
    pos_sp = offset[se] + sl_ - sp_first[ev_deal[se]]
    pos_rt = offset[re_] + n_sp_ev[re_] + rl_ - rt_first[rated.deal[rl_]]
    total = len(se) + len(re_)
    is_split = np.zeros(total, dtype=bool)
    is_split[pos_sp] = True
    event = np.empty(total, dtype=np.int64)
    event[pos_sp], event[pos_rt] = se, re_
    line = np.empty(total, dtype=np.int64)
    line[pos_sp], line[pos_rt] = sl_, rl_
    role = np.zeros(total, dtype=np.int64)
    role[pos_rt] = rated.role[rl_]
    amount = np.empty(total, dtype=np.int64)
    amount[pos_sp], amount[pos_rt] = result.split_amount, result.rated_amount
    sl, rl = line[is_split], line[~is_split]
    recipient = np.empty(len(line), dtype=np.int64)
    recipient[is_split] = sp_rcode[sl]
    recipient[~is_split] = rated.recipient[rl]
    source = np.full(len(line), -1, dtype=np.int64)
    r_source = rated.source[rl]
    source[~is_split] = np.where(r_source >= 0, sp_rcode[np.maximum(r_source, 0)], -1)
    level = np.zeros(len(line), dtype=np.int64)
    level[~is_split] = rated.level[rl]
    share = np.empty(len(line), dtype=np.float64)
    share[is_split] = sp_num[sl] / sp_den[sl]
    share[~is_split] = rated.num[rl] / rated.den[rl]
    deal = ev_deal[event]
    deal_id = pd.Categorical.from_codes(deal, categories=vocab)
    if timing == "booking":
        event_id = credit_id = deal_id
    else:
        event_id = pd.Categorical.from_codes(event, categories=pd.Index(ev_id, dtype=object))
        keys = pd.Series(g_ids[ev_deal], dtype=object) + "/" + pd.Series(ev_id, dtype=object)
        credit_id = pd.Categorical.from_codes(event, categories=pd.Index(keys, dtype=object))
    currency = g_cur[deal]
    return pd.DataFrame(
        {
            "deal_id": deal_id,
            "row": g_label[deal],
            "event_id": event_id,
            "credit_id": credit_id,
            "role": pd.Categorical.from_codes(role, categories=pd.Index(list(_ROLES))),
            "recipient_id": pd.Categorical.from_codes(recipient, categories=names),
            "source_rep_id": pd.Categorical.from_codes(source, categories=names),
            "level": level,
            "share": share,
            "credited_on": pd.Series(ev_date[event]).astype("datetime64[us]"),
            "currency": currency,
            "amount_minor": amount,
            "amount": amount / _scales(currency),
        },
        copy=False,
    )


@exact_decimals
def credit_frame(
    deals: pd.DataFrame,
    rules: CreditingRules,
    *,
    assignments: pd.DataFrame | None = None,
    org: Organization | None = None,
    channels: Iterable[Channel] = (),
    invoices: pd.DataFrame | None = None,
    payments: pd.DataFrame | None = None,
    rounding: str = ROUND_HALF_EVEN,
    pipeline: Pipeline | None = None,
) -> CreditingFrames:
    """Credit a frame of won deals under ``rules``, vectorised: the twin of :func:`credit_deals`.

    Parameters
    ----------
    deals : pandas.DataFrame
        Columns of :data:`DEALS`; not mutated.
    rules : CreditingRules
        Timing, overlays, manager override and partner commission.
    assignments : pandas.DataFrame, optional
        Columns of :data:`ASSIGNMENTS`: split rows (adding up to exactly 1
        per deal, each written in at most 15 decimal places) and overlay
        rows; a deal without split rows credits its owner in full.
    org : Organization, optional
        Required with ``rules.override``.
    channels : iterable of Channel
        The channels deals are sold through (partner commission).
    invoices, payments : pandas.DataFrame, optional
        Columns of :data:`INVOICES` and :data:`PAYMENTS`, for the invoice
        and payment timings.
    rounding : str
        Rounding of overlay, override and partner lines, default ``ROUND_HALF_EVEN``.
    pipeline : Pipeline, optional
        The deals' pipeline: then ``deals`` needs a ``stage`` column, and a
        deal whose stage is not in the pipeline (``unknown_stage``) or not a
        won stage (``not_won``) is an error row. Without it the deals are
        taken as won.

    Returns
    -------
    CreditingFrames
        Lines (id columns categorical), pending deals and an errors table. A
        row that breaks its contract, a split not adding up to 100 percent,
        an unknown deal, invoice, channel or rep, a currency mismatch, an
        amount not in whole minor units, invoices above the deal or payments
        above the invoice: each is an error row, and the deal it concerns
        yields no line.

    Raises
    ------
    FrameValidationError
        A required column is missing.
    InvalidInputError
        An override without ``org``; managers in a cycle; a bad ``rounding``.

    Examples
    --------
    >>> df = pd.DataFrame({"deal_id": ["D1", "D2"], "owner_id": ["R1", "R2"],
    ...                    "amount": [1000.01, -5.0], "currency": "CNY",
    ...                    "close_date": pd.to_datetime(["2026-01-20", "2026-01-21"])})
    >>> splits = pd.DataFrame({"deal_id": ["D1", "D1"], "rep_id": ["R1", "R2"],
    ...                        "share": [0.6, 0.4]})
    >>> out = credit_frame(df, CreditingRules(), assignments=splits)
    >>> out.lines[["recipient_id", "amount_minor"]].to_dict("records")
    [{'recipient_id': 'R1', 'amount_minor': 60001}, {'recipient_id': 'R2', 'amount_minor': 40000}]
    >>> out.errors[["table", "deal_id", "reason"]].to_dict("records")
    [{'table': 'deals', 'deal_id': 'D2', 'reason': 'negative'}]
    """
    check_rounding(rounding)
    chains = None
    if rules.override is not None:
        if org is None:
            raise InvalidInputError("a manager override needs the organisation (org=...)")
        chains = _manager_chains(org, len(rules.override.rates))
    errors = _Errors()
    # ---- deals
    d_raw = deals.reset_index(drop=True)
    d_valid, d_fail = partition_frame(d_raw, DEALS)
    failing = errors.add_failures("deals", deals, d_fail, _column(d_raw, "deal_id"))
    d_label = deals.index.take(d_valid.index.to_numpy()).to_numpy()
    d_ids = d_valid["deal_id"].astype(object).to_numpy()
    known = _Deals(d_ids, failing)
    d_cur = d_valid["currency"].astype(object).to_numpy()
    d_amount, d_off = floats_to_minor_units_by_currency(
        d_valid["amount"].to_numpy(dtype=np.float64), d_cur
    )
    channel = d_valid["channel_id"].astype(object).to_numpy()
    has_channel = d_valid["channel_id"].notna().to_numpy()
    partner_rates = _partner_rates(channels)
    ch_index = pd.Index(list(partner_rates), dtype=object)
    ch_code = np.full(len(d_ids), -1, dtype=np.int64)
    if has_channel.any():
        ch_code[has_channel] = ch_index.get_indexer(pd.Index(channel[has_channel]))
    unknown_channel = has_channel & (ch_code < 0) & rules.partner
    unknown_stage = np.zeros(len(d_ids), dtype=bool)
    not_won = np.zeros(len(d_ids), dtype=bool)
    if pipeline is not None:
        if "stage" not in deals.columns:
            raise InvalidInputError(
                "pipeline= needs a stage column in deals to check deals are won"
            )
        stage = d_valid["stage"].astype(object).to_numpy()
        known_stage = pd.Index(pipeline.names).get_indexer(pd.Index(stage)) >= 0
        unknown_stage = ~known_stage
        not_won = known_stage & ~np.isin(stage, [x.name for x in pipeline.won_stages])
    d_checks = (
        ("amount", FailureReason.NOT_MINOR_UNIT, d_off),
        ("channel_id", FailureReason.UNKNOWN_CHANNEL, unknown_channel),
        ("stage", FailureReason.UNKNOWN_STAGE, unknown_stage),
        ("stage", FailureReason.NOT_WON, not_won),
    )
    errors.add(
        "deals",
        d_label,
        d_ids,
        [(c, r, m, d_valid[c]) for c, r, m in d_checks],
    )
    for _, _, mask in d_checks:
        known.failed |= mask
    # ---- assignments
    a_frame = _empty(ASSIGNMENTS) if assignments is None else assignments
    a_raw = a_frame.reset_index(drop=True)
    a_valid, a_fail = partition_frame(a_raw, ASSIGNMENTS)
    known.fail_named(errors.add_failures("assignments", a_frame, a_fail, _column(a_raw, "deal_id")))
    a_label = a_frame.index.take(a_valid.index.to_numpy())
    a_deal = a_valid["deal_id"].astype(object).to_numpy()
    a_code = known.codes(a_deal)
    share = a_valid["share"].to_numpy(dtype=np.float64)
    a_split = (a_valid["role"].astype(object).fillna("split") == "split").to_numpy(dtype=bool)
    d_owner = d_valid["owner_id"].astype(object).to_numpy()
    rep_codes, rep_vocab = pd.factorize(
        np.concatenate([d_owner, a_valid["rep_id"].astype(object).to_numpy()])
    )
    owner_code, a_rep = rep_codes[: len(d_ids)], rep_codes[len(d_ids) :]
    places = _decimals(share)
    key = (np.maximum(a_code, 0) * (len(rep_vocab) + 1) + a_rep) * 2 + a_split
    checks = [
        ("share", FailureReason.OUT_OF_RANGE, share <= 0),
        ("share", FailureReason.NOT_EXACT_SHARE, places > 15),
        ("deal_id", FailureReason.UNKNOWN_DEAL, known.unknown(a_deal, a_code)),
        (
            "rep_id",
            FailureReason.DUPLICATE,
            (a_code >= 0) & pd.Series(key).duplicated(keep=False).to_numpy(),
        ),
    ]
    org_at = np.zeros(len(rep_vocab), dtype=np.int64)
    if chains is not None:
        org_ids = pd.Index(list(chains), dtype=object)
        org_at = org_ids.get_indexer(pd.Index(rep_vocab)).astype(np.int64)
        checks.append(("rep_id", FailureReason.UNKNOWN_REP, a_split & (org_at[a_rep] < 0)))
    a_errors = errors.over(a_label)
    bad = np.zeros(len(a_deal), dtype=bool)
    for column, reason, mask in checks:
        a_errors.add(
            column, reason, mask, values=a_valid[column], table="assignments", deal_id=a_deal
        )
        known.fail(a_code[mask])
        bad |= mask
    places = np.minimum(places, 15)
    scale = int(places[a_split & ~bad].max(initial=0))
    a_places = np.where(a_split, scale, places)
    a_num = np.round(share * 10.0**a_places).astype(np.int64)
    a_den = (10**a_places).astype(np.int64)
    split_ok = a_split & ~bad
    sums = np.zeros(len(d_ids), dtype=np.int64)
    np.add.at(sums, a_code[split_ok], a_num[split_ok])
    has_split = np.zeros(len(d_ids), dtype=bool)
    has_split[a_code[a_split & (a_code >= 0)]] = True
    off100 = split_ok & (sums[a_code] != 10**scale)
    a_errors.add(
        "share",
        FailureReason.SPLIT_NOT_100,
        off100,
        values=share,
        table="assignments",
        deal_id=a_deal,
    )
    known.fail(a_code[off100])
    if chains is not None:
        owner_rep = ~has_split & (org_at[owner_code] < 0)
        errors.add(
            "deals", d_label, d_ids, [("owner_id", FailureReason.UNKNOWN_REP, owner_rep, d_owner)]
        )
        known.failed |= owner_rep
    a_keep = ~bad & ~off100
    # ---- invoices and payments
    inv = pay = None
    if rules.timing != "booking":
        inv = _invoices(invoices, errors, known, d_cur, d_amount)
        if rules.timing == "payment":
            pay = _payments(payments, errors, known, inv)
    # ---- the deals that can be credited, in integer codes
    good = ~known.failed
    remap = np.cumsum(good) - 1
    remap = np.append(np.where(good, remap, -1), -1)  # code -1 stays -1
    g_ids, g_amount, g_cur, g_label = d_ids[good], d_amount[good], d_cur[good], d_label[good]
    n = len(g_ids)
    org_list = [] if org is None else [r.id for r in org.reps]
    extra = [*org_list, *(o.rep_id for o in rules.overlays), *partner_rates]
    names = pd.Index(rep_vocab, dtype=object).append(pd.Index(extra, dtype=object)).unique()
    rep_to_name = names.get_indexer(pd.Index(rep_vocab)).astype(np.int64)
    a_g = remap[a_code]
    from_rows = a_keep & a_split & (a_g >= 0)
    owner_only = np.ones(n, dtype=bool)
    owner_only[a_g[from_rows]] = False
    n_owner = int(owner_only.sum())
    sp_deal = np.concatenate([a_g[from_rows], np.flatnonzero(owner_only)]).astype(np.int64)
    order = np.argsort(sp_deal, kind="stable")
    sp_deal = sp_deal[order]
    sp_rep = np.concatenate([a_rep[from_rows], owner_code[good][owner_only]])[order]
    sp_num = np.concatenate([a_num[from_rows], np.ones(n_owner, np.int64)])[order]
    sp_den = np.concatenate([a_den[from_rows], np.ones(n_owner, np.int64)])[order]
    sp_target = largest_remainder_segments(
        g_amount, sp_num, np.searchsorted(sp_deal, np.arange(n), "left").astype(np.int64)
    )
    managers = None
    if chains is not None:
        org_names = names.get_indexer(pd.Index(list(chains), dtype=object))
        table = np.full((len(chains), len(rules.override.rates) if rules.override else 0), -1)
        org_pos = {rep_id: i for i, rep_id in enumerate(chains)}
        for i, chain in enumerate(chains.values()):  # per rep of the organisation, not per row
            table[i, : len(chain)] = [org_names[org_pos[m]] for m in chain]
        at = org_at[sp_rep]
        managers = [table[at, level].astype(np.int64) for level in range(table.shape[1])]
    partner = None
    if rules.partner:
        ratios = [_ratio(r or Fraction(0)) for r in partner_rates.values()]
        nums = np.asarray([r[0] for r in ratios], dtype=np.int64)
        dens = np.asarray([r[1] for r in ratios], dtype=np.int64)
        # channel codes into the names: the channel ids follow reps and overlays
        partner = (nums, dens)
    overlay = a_keep & ~a_split & (a_g >= 0)
    rated = _rated_lines_frame(
        rules,
        names,
        (
            d_valid["product"].astype(object).to_numpy()[good],
            channel[good],
            ch_code[good],
        ),
        (a_g[overlay], rep_to_name[a_rep[overlay]], a_num[overlay], a_den[overlay]),
        sp_deal,
        managers,
        partner,
    )
    if partner is not None:  # partner recipients: channel codes -> names
        ch_names = names.get_indexer(ch_index).astype(np.int64)
        is_partner = rated.role == 3
        rated.recipient[is_partner] = ch_names[rated.recipient[is_partner]]
    # ---- events
    if rules.timing == "booking":
        close = d_valid["close_date"].to_numpy()[good]
        closed = ~pd.isna(close)
        ev_deal = np.flatnonzero(closed).astype(np.int64)
        ev_amount, ev_date, ev_id = g_amount[closed], close[closed], g_ids[closed]
    elif pay is None:
        assert inv is not None
        ev_deal, ev_amount, ev_date, ev_id = _sorted_events(
            np.where(inv.ok, remap[inv.deal], -1),
            inv.minor,
            inv.valid["invoiced_on"].to_numpy(),
            inv.valid["invoice_id"].astype(object).to_numpy(),
        )
    else:
        ev_deal, ev_amount, ev_date, ev_id = _sorted_events(
            np.where(pay.ok, remap[pay.deal], -1),
            pay.minor,
            pay.valid["paid_on"].to_numpy(),
            pay.valid["payment_id"].astype(object).to_numpy(),
        )
    result = _allocate(
        n, ev_deal, ev_amount, sp_deal, sp_target,
        rated.deal, rated.source, rated.num, rated.den, rounding,
    )  # fmt: skip
    lines = _lines_frame(
        result,
        rules.timing,
        (g_ids, g_label, g_cur),
        (ev_deal, ev_date, ev_id),
        (sp_deal, rep_to_name[sp_rep], sp_num, sp_den),
        rated,
        names,
        known.vocab if good.all() else pd.Index(g_ids, dtype=object),
    )
    counts = np.bincount(ev_deal, minlength=n)
    open_ = (counts == 0) | (result.credited < g_amount)
    pending = pd.DataFrame(
        {
            "deal_id": g_ids[open_],
            "row": g_label[open_],
            "credited_minor": result.credited[open_],
            "pending_minor": (g_amount - result.credited)[open_],
        }
    )
    return CreditingFrames(lines=lines, pending=pending, errors=errors.frame())
