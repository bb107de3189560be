from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.calendar import Period
from salescore.commission import CommissionPlan, Tier, TieredComponent, statement, statements_frame
from salescore.commission.crediting import (
    CreditingRules,
    CreditLine,
    Invoice,
    ManagerOverride,
    OverInvoicedError,
    Overlay,
    OverpaymentError,
    Payment,
    UnknownDealError,
    UnknownInvoiceError,
    credit_deals,
    credit_frame,
)
from salescore.errors import (
    CurrencyMismatchError,
    FrameValidationError,
    InvalidInputError,
    UnknownStageError,
)
from salescore.models import Channel, Opportunity, Organization, Pipeline, Rep, Stage
from salescore.money import Money

CLOSE = date(2026, 1, 20)
ORG = Organization(
    reps=[
        Rep(id="VP", name="VP"),
        Rep(id="M1", name="M1", manager_id="VP"),
        Rep(id="M2", name="M2", manager_id="VP"),
        Rep(id="R0", name="R0", manager_id="M1"),
        Rep(id="R1", name="R1", manager_id="M1"),
        Rep(id="R2", name="R2", manager_id="M2"),
        Rep(id="R3", name="R3"),
        Rep(id="SE", name="SE"),
    ]
)
CHANNELS = [
    Channel(id="ptn", name="Partner", kind="partner", segment="B2B", partner_commission_rate=0.05),
    Channel(id="web", name="Web", kind="online_store", segment="B2C"),
]
SPLIT = {"D1": {"R0": "0.6", "R1": "0.4"}}


def deal(
    deal_id: str = "D1",
    amount: str = "1000.01",
    *,
    owner: str = "R0",
    close: date | None = CLOSE,
    channel: str | None = None,
    product: str | None = None,
    currency: str = "CNY",
) -> Opportunity:
    return Opportunity(
        id=deal_id,
        owner_id=owner,
        amount=amount,
        currency=currency,
        stage="Won",
        created_on=date(2026, 1, 2),
        close_date=close,
        channel_id=channel,
        product=product,
    )


def amounts(lines: tuple[CreditLine, ...], role: str | None = None) -> list[tuple[str, str]]:
    return [
        (line.recipient_id, str(line.amount.amount))
        for line in lines
        if role is None or line.role == role
    ]


def invoice(amount: str, inv_id: str = "I1", deal_id: str = "D1", day: int = 25) -> Invoice:
    return Invoice(
        id=inv_id, deal_id=deal_id, amount=Money(amount, "CNY"), invoiced_on=date(2026, 1, day)
    )


def payment(amount: str, pay_id: str, inv_id: str = "I1", day: int = 1) -> Payment:
    return Payment(
        id=pay_id, invoice_id=inv_id, amount=Money(amount, "CNY"), paid_on=date(2026, 2, day)
    )


# --------------------------------------------------------------------------- who
def test_credit_deals_split_60_40_of_1000_01():
    # 600.006 and 400.004: floors 600.00 and 400.00, the leftover cent to the larger remainder.
    out = credit_deals([deal()], CreditingRules(), splits=SPLIT)
    assert amounts(out.lines) == [("R0", "600.01"), ("R1", "400.00")]
    assert [line.share for line in out.lines] == [Decimal("0.6"), Decimal("0.4")]
    assert all(line.credited_on == CLOSE and line.credit_id == "D1" for line in out.lines)
    assert out.pending == {}


def test_credit_deals_owner_in_full_without_split():
    out = credit_deals([deal(owner="R3")], CreditingRules())
    assert amounts(out.lines) == [("R3", "1000.01")]


def test_credit_deals_overlay_adds_without_splitting():
    rules = CreditingRules(
        overlays=[Overlay(rep_id="SE", products={"cloud"}), Overlay(rep_id="PS", share="0.5")]
    )
    deals = [deal(product="cloud"), deal("D2", "80.00", product="chips")]
    out = credit_deals(deals, rules, splits=SPLIT, overlays={"D2": {"SE2": "0.25"}})
    assert amounts(out.lines) == [
        ("R0", "600.01"),
        ("R1", "400.00"),
        ("SE", "1000.01"),
        ("PS", "500.00"),  # 500.005 rounds half to even
        ("R0", "80.00"),
        ("PS", "40.00"),
        ("SE2", "20.00"),
    ]
    assert [line.role for line in out.lines[:4]] == ["split", "split", "overlay", "overlay"]


def test_credit_deals_two_level_manager_override():
    rules = CreditingRules(override=ManagerOverride(rates=["1", "0.5"]))
    out = credit_deals([deal()], rules, splits=SPLIT, org=ORG)
    overrides = [
        (line.recipient_id, line.source_rep_id, line.level, str(line.amount.amount))
        for line in out.lines
        if line.role == "override"
    ]
    # The VP's half of 600.01 is 300.005: half to even gives 300.00.
    assert overrides == [
        ("M1", "R0", 1, "600.01"),
        ("VP", "R0", 2, "300.00"),
        ("M1", "R1", 1, "400.00"),
        ("VP", "R1", 2, "200.00"),
    ]
    up = credit_deals([deal()], rules, splits=SPLIT, org=ORG, rounding="ROUND_HALF_UP")
    assert amounts(up.lines, "override")[1] == ("VP", "300.01")
    credits = {c.rep_id: str(c.amount.amount) for c in out.credits("override")}
    assert credits == {"M1": "1000.01", "VP": "500.00"}


def test_credit_deals_override_stops_at_the_top():
    rules = CreditingRules(override=ManagerOverride(rates=["0.1", "0.1", "0.1"]))
    out = credit_deals([deal(owner="R3")], rules, org=ORG)  # R3 has no manager
    assert amounts(out.lines) == [("R3", "1000.01")]


def test_credit_deals_partner_five_percent():
    out = credit_deals(
        [deal(channel="ptn"), deal("D2", channel="web")], CreditingRules(), channels=CHANNELS
    )
    # 1000.01 x 5% = 50.0005: half to even gives 50.00; the web channel pays no partner.
    assert amounts(out.lines, "partner") == [("ptn", "50.00")]
    assert out.lines[1].share == Decimal("0.05")
    no_partner = credit_deals([deal(channel="elsewhere")], CreditingRules(partner=False))
    assert amounts(no_partner.lines) == [("R0", "1000.01")]


def test_credit_deals_credits_merge_roles_per_recipient():
    rules = CreditingRules(overlays=[Overlay(rep_id="R0")])
    out = credit_deals([deal()], rules, splits=SPLIT)
    credits = out.credits()
    assert [(c.deal_id, c.rep_id, str(c.amount.amount)) for c in credits] == [
        ("D1", "R0", "1600.02"),
        ("D1", "R1", "400.00"),
    ]
    assert [c.rep_id for c in out.credits("overlay")] == ["R0"]
    with pytest.raises(InvalidInputError, match="roles \\['bonus'\\]"):
        out.credits("bonus")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- when
def test_credit_deals_invoice_and_three_partial_payments():
    rules = CreditingRules(timing="payment", override=ManagerOverride(rates=["0.5"]))
    payments = [
        payment("333.33", "P1", day=1),
        payment("333.33", "P2", day=2),
        payment("333.35", "P3", day=3),
    ]
    out = credit_deals(
        [deal(channel="ptn")],
        rules,
        splits=SPLIT,
        org=ORG,
        channels=CHANNELS,
        invoices=[invoice("1000.01")],
        payments=payments,
    )
    by_event: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for line in out.lines:
        by_event[line.event_id].append((line.recipient_id, str(line.amount.amount)))
    # P1: 333.33 split by what is owed (600.01 : 400.00): 200.00 + 133.33; the manager half
    # of R0's running credit (100.00), of R1's (66.665 -> 66.66); the partner 5% (16.6665 ->
    # 16.67).
    assert by_event["P1"] == [
        ("R0", "200.00"),
        ("R1", "133.33"),
        ("M1", "100.00"),
        ("M1", "66.66"),
        ("ptn", "16.67"),
    ]
    assert by_event["P2"] == [
        ("R0", "200.00"),
        ("R1", "133.33"),
        ("M1", "100.00"),
        ("M1", "66.67"),
        ("ptn", "16.66"),
    ]
    assert by_event["P3"] == [
        ("R0", "200.01"),
        ("R1", "133.34"),
        ("M1", "100.00"),
        ("M1", "66.67"),
        ("ptn", "16.67"),
    ]
    assert {line.credit_id for line in out.lines} == {"D1/P1", "D1/P2", "D1/P3"}
    assert [line.credited_on for line in out.lines[::5]] == [date(2026, 2, d) for d in (1, 2, 3)]
    # Fully paid: each line adds up to the booking credit.
    booked = credit_deals(
        [deal(channel="ptn")],
        rules.model_copy(update={"timing": "booking"}),
        splits=SPLIT,
        org=ORG,
        channels=CHANNELS,
    )
    assert _totals(out.lines) == _totals(booked.lines)
    assert out.pending == {}


def test_credit_deals_invoice_timing_and_pending():
    rules = CreditingRules(timing="invoice")
    out = credit_deals(
        [deal(), deal("D2", "50.00")],
        rules,
        splits=SPLIT,
        invoices=[invoice("400.00", "I1", day=25), invoice("100.00", "I0", day=25)],
    )
    assert [(line.event_id, line.recipient_id, str(line.amount.amount)) for line in out.lines] == [
        ("I0", "R0", "60.00"),
        ("I0", "R1", "40.00"),
        ("I1", "R0", "240.00"),
        ("I1", "R1", "160.00"),
    ]
    assert out.pending == {"D1": Money("500.01", "CNY"), "D2": Money("50.00", "CNY")}
    assert out.lines[0].credited_on == date(2026, 1, 25)


def test_credit_deals_booking_without_close_date_is_pending():
    out = credit_deals([deal(close=None)], CreditingRules())
    assert out.lines == ()
    assert out.pending == {"D1": Money("1000.01", "CNY")}


# --------------------------------------------------------------------------- errors
def test_credit_deals_payment_larger_than_invoice():
    rules = CreditingRules(timing="payment")
    with pytest.raises(OverpaymentError, match=r"payment 'P1' of 120.00 CNY brings invoice 'I1'"):
        credit_deals(
            [deal()], rules, invoices=[invoice("100.00")], payments=[payment("120.00", "P1")]
        )


def test_credit_deals_cumulative_payments_exceed_invoice():
    rules = CreditingRules(timing="payment")
    with pytest.raises(
        OverpaymentError, match=r"'P2'.*to 100.01 CNY, more than the invoice amount"
    ):
        credit_deals(
            [deal()],
            rules,
            invoices=[invoice("100.00")],
            payments=[payment("60.00", "P1", day=1), payment("40.01", "P2", day=2)],
        )


def test_credit_deals_unknown_references():
    rules = CreditingRules(timing="payment")
    with pytest.raises(UnknownInvoiceError, match="payment 'P1' is of invoice 'I9'"):
        credit_deals([deal()], rules, invoices=[invoice("1")], payments=[payment("1", "P1", "I9")])
    with pytest.raises(UnknownDealError, match="invoice 'I1' is of deal 'D9'"):
        credit_deals([deal()], rules, invoices=[invoice("1", deal_id="D9")])
    with pytest.raises(UnknownDealError, match="split of deal 'D9'"):
        credit_deals([deal()], CreditingRules(), splits={"D9": {"R0": 1}})
    with pytest.raises(KeyError):
        credit_deals([deal()], CreditingRules(), overlays={"D9": {"R0": 1}})


def test_credit_deals_over_invoiced_and_currency():
    with pytest.raises(OverInvoicedError, match="invoice 'I2' brings deal 'D1' invoices to"):
        credit_deals(
            [deal()],
            CreditingRules(timing="invoice"),
            invoices=[invoice("1000.00"), invoice("0.02", "I2", day=26)],
        )
    usd = Invoice(id="I1", deal_id="D1", amount=Money("1", "USD"), invoiced_on=CLOSE)
    with pytest.raises(CurrencyMismatchError, match="invoice 'I1' is in USD"):
        credit_deals([deal()], CreditingRules(timing="invoice"), invoices=[usd])
    usd_pay = Payment(id="P1", invoice_id="I1", amount=Money("1", "USD"), paid_on=CLOSE)
    with pytest.raises(CurrencyMismatchError, match="payment 'P1' is in USD"):
        credit_deals(
            [deal()], CreditingRules(timing="payment"), invoices=[invoice("1")], payments=[usd_pay]
        )


def test_credit_deals_bad_splits_and_shares():
    with pytest.raises(InvalidInputError, match=r"add up to 0.9, not 1"):
        credit_deals([deal()], CreditingRules(), splits={"D1": {"R0": "0.5", "R1": "0.4"}})
    with pytest.raises(InvalidInputError, match=r"overlay share 1.5 of rep 'SE' is outside"):
        credit_deals([deal()], CreditingRules(), overlays={"D1": {"SE": 1.5}})
    with pytest.raises(InvalidInputError, match="overlay share 0 is outside"):
        Overlay(rep_id="SE", share=0)
    with pytest.raises(InvalidInputError, match="override rate of level 2 '2' is outside"):
        ManagerOverride(rates=["1", "2"])
    with pytest.raises(InvalidInputError, match="must be a list"):
        ManagerOverride(rates="1")


def test_credit_deals_bad_inputs():
    with pytest.raises(InvalidInputError, match="needs the organisation"):
        credit_deals([deal()], CreditingRules(override=ManagerOverride(rates=["1"])))
    with pytest.raises(InvalidInputError, match="split rep 'X' is not in the organisation"):
        credit_deals(
            [deal(owner="X")], CreditingRules(override=ManagerOverride(rates=["1"])), org=ORG
        )
    with pytest.raises(InvalidInputError, match="channel 'tmall' is not among the channels"):
        credit_deals([deal(channel="tmall")], CreditingRules(), channels=CHANNELS)
    with pytest.raises(InvalidInputError, match=r"deal 'D1' amount 1.001 CNY has more decimal"):
        credit_deals([deal(amount="1.001")], CreditingRules())
    with pytest.raises(InvalidInputError, match="deal id 'D1' appears 2 times"):
        credit_deals([deal(), deal()], CreditingRules())
    with pytest.raises(InvalidInputError, match="rounding 'nearest'"):
        credit_deals([deal()], CreditingRules(), rounding="nearest")
    with pytest.raises(InvalidInputError, match="payment 'P1' amount -1 CNY is negative"):
        payment("-1", "P1")


def test_credit_deals_manager_cycle():
    org = Organization(
        reps=[Rep(id="A", name="A", manager_id="B"), Rep(id="B", name="B", manager_id="A")]
    )
    with pytest.raises(InvalidInputError, match="managers form a cycle: A -> B -> A"):
        credit_deals(
            [deal(owner="A")], CreditingRules(override=ManagerOverride(rates=["1"])), org=org
        )


def test_crediting_rules_json_round_trip():
    rules = CreditingRules(
        timing="payment",
        overlays=[Overlay(rep_id="SE", share="0.5", products={"a", "b"}, channels={"ptn"})],
        override=ManagerOverride(rates=["1", "0.25"]),
        partner=False,
    )
    data = rules.model_dump(mode="json")
    assert CreditingRules.model_validate(data) == rules
    assert CreditingRules.model_validate_json(rules.model_dump_json()) == rules
    assert "timing" in CreditingRules.model_json_schema()["properties"]


# --------------------------------------------------------------------------- statements
def test_credits_feed_statement_and_statements_frame():
    plan = CommissionPlan(
        id="P",
        currency="CNY",
        components=[TieredComponent(name="base", tiers=[Tier(lower=0, rate="0.1")])],
    )
    out = credit_deals([deal()], CreditingRules(), splits=SPLIT)
    s = statement(
        plan, "R0", [c for c in out.credits() if c.rep_id == "R0"], period=Period.month(2026, 1)
    )
    assert s.total == Decimal("60.00")
    frame = credit_frame(
        _deals_frame([deal()]), CreditingRules(), assignments=_assignments_frame(SPLIT, {})
    )
    totals = statements_frame(plan, frame.credits(), period=Period.month(2026, 1)).totals
    assert totals["total_minor"].to_dict() == {"R0": 6000, "R1": 4000}


# --------------------------------------------------------------------------- bulk
def _deals_frame(deals: list[Opportunity]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "deal_id": [d.id for d in deals],
            "owner_id": [d.owner_id for d in deals],
            "amount": [float(d.amount) for d in deals],
            "currency": [d.currency for d in deals],
            "close_date": pd.to_datetime(pd.Series([d.close_date for d in deals], dtype=object)),
            "channel_id": pd.Series([d.channel_id for d in deals], dtype=object),
            "product": pd.Series([d.product for d in deals], dtype=object),
        }
    )


def _assignments_frame(
    splits: dict[str, dict[str, str]], overlays: dict[str, dict[str, str]]
) -> pd.DataFrame:
    rows = [(d, r, float(s), "split") for d, sh in splits.items() for r, s in sh.items()]
    rows += [(d, r, float(s), "overlay") for d, sh in overlays.items() for r, s in sh.items()]
    return pd.DataFrame(rows, columns=["deal_id", "rep_id", "share", "role"])


def _invoices_frame(invoices: list[Invoice]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "invoice_id": [i.id for i in invoices],
            "deal_id": [i.deal_id for i in invoices],
            "amount": [float(i.amount.amount) for i in invoices],
            "currency": [i.amount.currency for i in invoices],
            "invoiced_on": pd.to_datetime([i.invoiced_on for i in invoices]),
        }
    )


def _payments_frame(payments: list[Payment]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "payment_id": [p.id for p in payments],
            "invoice_id": [p.invoice_id for p in payments],
            "amount": [float(p.amount.amount) for p in payments],
            "currency": [p.amount.currency for p in payments],
            "paid_on": pd.to_datetime([p.paid_on for p in payments]),
        }
    )


def test_credit_frame_errors_name_every_bad_row():
    deals = _deals_frame(
        [
            deal("D1"),
            deal("D2", channel="tmall"),
            deal("D3", "1.00"),
            deal("D4", "5.00"),
            deal("D5", "9.00"),
            deal("D6", "9.00"),
            deal("D7", "9.00"),
            deal("D8", "9.00"),
            deal("D9", "9.00", owner="R3"),
        ]
    )
    deals.loc[2, "amount"] = 1.001
    deals.index = pd.Index([f"row{i}" for i in range(len(deals))])
    assignments = pd.DataFrame(
        {
            "deal_id": ["D4", "D4", "D5", "D5", "DX", "D6", "D7", "D7"],
            "rep_id": ["R0", "R1", "R0", "R0", "R0", "R0", "R0", "R1"],
            "share": [0.5, 0.4, 0.5, 0.5, 1.0, 0.0, 0.1234567890123456, 0.5],
        }
    )
    invoices = _invoices_frame(
        [
            invoice("1.00", "I1", "D1"),
            invoice("5.00", "I8", "D8"),
            invoice("5.00", "I9", "D8"),
            invoice("1.00", "IX", "DX"),
        ]
    )
    invoices.loc[4] = pd.Series(
        {
            "invoice_id": "IU",
            "deal_id": "D9",
            "amount": 1.0,
            "currency": "USD",
            "invoiced_on": pd.Timestamp("2026-01-25"),
        }
    )
    invoices.loc[5] = pd.Series(
        {
            "invoice_id": "IN",
            "deal_id": "D1",
            "amount": -2.0,
            "currency": "CNY",
            "invoiced_on": pd.Timestamp("2026-01-25"),
        }
    )
    payments = _payments_frame(
        [
            payment("0.50", "P1", "I1"),
            payment("0.60", "P2", "I1", day=2),
            payment("1", "P3", "I404"),
            payment("1", "P4", "IX"),
            payment("1", "P6", "IN"),
        ]
    )
    payments.loc[5] = pd.Series(
        {
            "payment_id": "P5",
            "invoice_id": "I1",
            "amount": -1.0,
            "currency": "CNY",
            "paid_on": pd.Timestamp("2026-02-03"),
        }
    )
    rules = CreditingRules(timing="payment")
    out = credit_frame(
        deals,
        rules,
        assignments=assignments,
        channels=CHANNELS,
        invoices=invoices,
        payments=payments,
    )
    reasons = set(
        zip(out.errors["table"], out.errors["deal_id"], out.errors["reason"], strict=True)
    )
    assert reasons == {
        ("deals", "D2", "unknown_channel"),
        ("deals", "D3", "not_minor_unit"),
        ("assignments", "D4", "split_not_100"),
        ("assignments", "D5", "duplicate"),
        ("assignments", "DX", "unknown_deal"),
        ("assignments", "D6", "out_of_range"),
        ("assignments", "D7", "not_exact_share"),
        ("assignments", "D7", "split_not_100"),  # the other row alone is not 100 percent
        ("invoices", "D8", "over_invoiced"),
        ("invoices", "DX", "unknown_deal"),
        ("invoices", "D9", "currency_mismatch"),
        ("payments", "D1", "overpaid"),
        ("payments", None, "unknown_invoice"),
        ("payments", "DX", "invalid_invoice"),
        ("payments", "D1", "negative"),
        ("invoices", "D1", "negative"),
        ("payments", "D1", "invalid_invoice"),  # of the invoice that failed its contract
    }
    assert out.errors.loc[out.errors["reason"] == "not_minor_unit", "row"].tolist() == ["row2"]
    assert out.lines.empty
    assert out.pending.empty
    every = set(deals["deal_id"])
    assert every <= set(out.errors["deal_id"])


def test_credit_frame_rules_errors():
    df = _deals_frame([deal(owner="X"), deal("D2", owner="R0")])
    rules = CreditingRules(override=ManagerOverride(rates=["1"]))
    with pytest.raises(InvalidInputError, match="needs the organisation"):
        credit_frame(df, rules)
    asg = pd.DataFrame({"deal_id": ["D2"], "rep_id": ["Y"], "share": [1.0]})
    out = credit_frame(df, rules, org=ORG, assignments=asg)
    assert sorted(zip(out.errors["deal_id"], out.errors["reason"], strict=True)) == [
        ("D1", "unknown_rep"),
        ("D2", "unknown_rep"),
    ]
    with pytest.raises(FrameValidationError, match="column 'owner_id' is missing"):
        credit_frame(df.drop(columns="owner_id"), CreditingRules())
    bad = df.copy()
    bad.loc[0, "deal_id"] = None
    out = credit_frame(bad, CreditingRules(partner=False))
    assert out.errors[["deal_id", "reason"]].to_dict("records") == [
        {"deal_id": None, "reason": "not_null"}
    ]


def test_credit_frame_pending_and_invoice_timing():
    df = _deals_frame([deal(), deal("D2", "50.00"), deal("D3", close=None)])
    out = credit_frame(
        df,
        CreditingRules(timing="invoice"),
        assignments=_assignments_frame(SPLIT, {}),
        invoices=_invoices_frame([invoice("400.00", "I1"), invoice("100.00", "I0")]),
    )
    assert out.lines["amount_minor"].tolist() == [6000, 4000, 24000, 16000]
    assert out.pending[["deal_id", "credited_minor", "pending_minor"]].to_dict("records") == [
        {"deal_id": "D1", "credited_minor": 50000, "pending_minor": 50001},
        {"deal_id": "D2", "credited_minor": 0, "pending_minor": 5000},
        {"deal_id": "D3", "credited_minor": 0, "pending_minor": 100001},
    ]
    booked = credit_frame(df, CreditingRules())
    assert booked.pending["deal_id"].tolist() == ["D3"]


def test_credit_frame_does_not_mutate_and_keeps_labels():
    df = _deals_frame([deal(), deal("D2")])
    df.index = pd.Index([10, 20])
    before = df.copy()
    out = credit_frame(df, CreditingRules())
    pd.testing.assert_frame_equal(df, before)
    assert out.lines["row"].tolist() == [10, 20]
    with pytest.raises(InvalidInputError, match="roles"):
        out.credits("x")  # type: ignore[arg-type]


def test_credit_frame_large_amounts_use_exact_integers():
    # 3e9 cents squared overflows int64: the kernel switches to Python integers.
    big = deal(amount="30000000.07")
    split = {"D1": {"R0": "0.333", "R1": "0.667"}}
    rules = CreditingRules(overlays=[Overlay(rep_id="SE", share="0.999999999999")])
    single = credit_deals([big], rules, splits=split)
    bulk = credit_frame(_deals_frame([big]), rules, assignments=_assignments_frame(split, {}))
    assert bulk.lines["amount_minor"].tolist() == [line.amount.to_minor() for line in single.lines]
    assert sum(line.amount.to_minor() for line in single.lines[:2]) == 3_000_000_007


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [
        ("ROUND_HALF_EVEN", 2),
        ("ROUND_HALF_UP", 3),
        ("ROUND_HALF_DOWN", 2),
        ("ROUND_UP", 3),
        ("ROUND_DOWN", 2),
        ("ROUND_05UP", 2),
    ],
)
def test_credit_deals_rounding_modes(rounding: str, expected: int):
    # 0.05 x 0.5 = 0.025 CNY: 2 or 3 cents by the rounding mode.
    rules = CreditingRules(overlays=[Overlay(rep_id="SE", share="0.5")])
    out = credit_deals([deal(amount="0.05")], rules, rounding=rounding)
    assert out.lines[-1].amount.to_minor() == expected
    frame = credit_frame(_deals_frame([deal(amount="0.05")]), rules, rounding=rounding)
    assert frame.lines["amount_minor"].iloc[-1] == expected


# --------------------------------------------------------------------------- properties
def _totals(lines: tuple[CreditLine, ...]) -> dict[tuple[str, str, str | None, int], int]:
    out: dict[tuple[str, str, str | None, int], int] = defaultdict(int)
    for line in lines:
        out[(line.role, line.recipient_id, line.source_rep_id, line.level)] += (
            line.amount.to_minor()
        )
    return dict(out)


@dataclass
class Scenario:
    deals: list[Opportunity]
    splits: dict[str, dict[str, str]]
    overlays: dict[str, dict[str, str]]
    rules: CreditingRules
    invoices: list[Invoice]
    payments: list[Payment]


def _parts(draw: st.DrawFn, total: int, max_parts: int) -> list[int]:
    cuts = sorted(draw(st.lists(st.integers(0, total), max_size=max_parts - 1)))
    bounds = [0, *cuts, total]
    return [b - a for a, b in itertools.pairwise(bounds)]


@st.composite
def scenarios(draw: st.DrawFn, timing: str | None = None, full: bool = False) -> Scenario:
    reps = ["R0", "R1", "R2", "R3", "M1"]
    deals, splits, overlays, invoices, payments = [], {}, {}, [], []
    for i in range(draw(st.integers(1, 4))):
        cents = draw(st.integers(0, 10**9) | st.integers(0, 300))
        deal_id = f"D{i}"
        deals.append(
            deal(
                deal_id,
                str(Money.from_minor(cents, "CNY").amount),
                owner=draw(st.sampled_from(reps)),
                close=draw(st.none() | st.just(CLOSE)) if not full else CLOSE,
                channel=draw(st.sampled_from([None, "ptn", "web"])),
                product=draw(st.sampled_from([None, "cloud"])),
            )
        )
        if draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(reps), min_size=1, max_size=4, unique=True))
            weights = _parts(draw, 1000, len(chosen))
            if 0 in weights or len(weights) != len(chosen):
                weights = [1000 // len(chosen)] * len(chosen)
                weights[0] += 1000 - sum(weights)
            splits[deal_id] = {
                r: str(Decimal(w) / 1000) for r, w in zip(chosen, weights, strict=True)
            }
        if draw(st.booleans()):
            overlays[deal_id] = {"SE": draw(st.sampled_from(["1", "0.5", "0.125", "0.07"]))}
        inv_parts = [cents] if full else _parts(draw, draw(st.integers(0, cents)), 2)
        for j, amount in enumerate(inv_parts):
            inv_id = f"I{i}-{j}"
            invoices.append(
                invoice(
                    str(Money.from_minor(amount, "CNY").amount),
                    inv_id,
                    deal_id,
                    day=draw(st.integers(1, 28)),
                )
            )
            pay_parts = _parts(draw, amount if full else draw(st.integers(0, amount)), 3)
            for k, paid in enumerate(pay_parts):
                payments.append(
                    payment(
                        str(Money.from_minor(paid, "CNY").amount),
                        f"P{i}-{j}-{k}",
                        inv_id,
                        day=draw(st.integers(1, 3)),
                    )
                )
    rules = CreditingRules(
        timing=timing or draw(st.sampled_from(["booking", "invoice", "payment"])),
        overlays=draw(
            st.sampled_from(
                [
                    (),
                    (Overlay(rep_id="PS", products={"cloud"}),),
                    (Overlay(rep_id="PS", share="0.333"),),
                ]
            )
        ),
        override=draw(
            st.none()
            | st.sampled_from(
                [
                    ManagerOverride(rates=["1"]),
                    ManagerOverride(rates=["0.5", "0.1"]),
                    ManagerOverride(rates=["0.333", "1", "1"]),
                ]
            )
        ),
    )
    return Scenario(deals, splits, overlays, rules, invoices, payments)


def _single(s: Scenario, rules: CreditingRules | None = None) -> tuple[CreditLine, ...]:
    return credit_deals(
        s.deals,
        rules or s.rules,
        splits=s.splits,
        overlays=s.overlays,
        org=ORG,
        channels=CHANNELS,
        invoices=s.invoices,
        payments=s.payments,
    ).lines


@given(
    cents=st.integers(0, 10**12),
    weights=st.lists(st.integers(1, 1000), min_size=1, max_size=6),
)
def test_credit_deals_split_credits_sum_to_amount(cents: int, weights: list[int]):
    total = sum(weights)
    shares = {f"R{i}": Fraction(w, total) for i, w in enumerate(weights)}
    d = deal(amount=str(Money.from_minor(cents, "CNY").amount), owner="R0")
    lines = credit_deals([d], CreditingRules(), splits={"D1": dict(shares)}).lines
    assert sum(line.amount.to_minor() for line in lines) == cents
    for line, w in zip(lines, weights, strict=True):
        assert abs(line.amount.to_minor() - Fraction(cents * w, total)) < 1


@given(scenarios(timing="payment", full=True))
def test_credit_deals_partial_payments_sum_to_full_payment(s: Scenario):
    paid = _single(s)
    booked = _single(s, s.rules.model_copy(update={"timing": "booking"}))
    assert _totals(paid) == _totals(booked)
    by_event: dict[str, int] = defaultdict(int)
    for line in paid:
        if line.role == "split":
            by_event[line.event_id] += line.amount.to_minor()
    assert by_event == {p.id: p.amount.to_minor() for p in s.payments}


@given(scenarios())
def test_credit_deals_overlays_do_not_change_split_credits(s: Scenario):
    with_overlays = _single(s)
    bare = _single(
        Scenario(
            s.deals,
            s.splits,
            {},
            s.rules.model_copy(update={"overlays": ()}),
            s.invoices,
            s.payments,
        )
    )
    keep = ("split", "override", "partner")
    assert [x for x in with_overlays if x.role in keep] == [x for x in bare if x.role in keep]


@given(scenarios())
def test_credit_frame_agrees_with_credit_deals(s: Scenario):
    single = credit_deals(
        s.deals,
        s.rules,
        splits=s.splits,
        overlays=s.overlays,
        org=ORG,
        channels=CHANNELS,
        invoices=s.invoices,
        payments=s.payments,
    )
    bulk = credit_frame(
        _deals_frame(s.deals),
        s.rules,
        assignments=_assignments_frame(s.splits, s.overlays),
        org=ORG,
        channels=CHANNELS,
        invoices=_invoices_frame(s.invoices),
        payments=_payments_frame(s.payments),
    )
    assert bulk.errors.empty
    expected = [
        (
            x.deal_id,
            x.event_id,
            x.credit_id,
            x.role,
            x.recipient_id,
            x.source_rep_id,
            x.level,
            x.amount.to_minor(),
            pd.Timestamp(x.credited_on),
        )
        for x in single.lines
    ]
    got = list(
        bulk.lines[
            [
                "deal_id",
                "event_id",
                "credit_id",
                "role",
                "recipient_id",
                "source_rep_id",
                "level",
                "amount_minor",
                "credited_on",
            ]
        ].itertuples(index=False, name=None)
    )
    got = [(*g[:5], None if pd.isna(g[5]) else g[5], *g[6:]) for g in got]
    assert got == expected
    assert np.allclose(bulk.lines["share"], [float(x.share) for x in single.lines])
    pending = dict(zip(bulk.pending["deal_id"], bulk.pending["pending_minor"], strict=True))
    assert pending == {k: v.to_minor() for k, v in single.pending.items()}
    credits = bulk.credits()
    assert list(
        zip(credits["deal_id"], credits["rep_id"], credits["amount_minor"], strict=True)
    ) == [(c.deal_id, c.rep_id, c.amount.to_minor()) for c in single.credits()]
    assert {d.id for d in s.deals} == set(bulk.lines["deal_id"]) | set(bulk.pending["deal_id"])


def test_credit_frame_empty_inputs():
    out = credit_frame(_deals_frame([]), CreditingRules(timing="payment"))
    assert out.lines.empty and out.pending.empty and out.errors.empty
    assert list(out.credits().columns) == [
        "deal_id",
        "rep_id",
        "amount",
        "currency",
        "credited_on",
        "amount_minor",
    ]
    date_shift = timedelta(days=0)
    assert date_shift.days == 0


PIPELINE = Pipeline(
    stages=[
        Stage(name="Qualify", order=1, probability=0.2),
        Stage(name="Won", order=2, probability=1.0, kind="won"),
        Stage(name="Lost", order=3, probability=0.0, kind="lost"),
    ]
)


def test_credit_deals_with_a_pipeline_credits_only_won_deals():
    won = deal("D1")
    assert amounts(credit_deals([won], CreditingRules(), pipeline=PIPELINE).lines) == amounts(
        credit_deals([won], CreditingRules()).lines
    )
    lost = won.model_copy(update={"stage": "Lost"})
    with pytest.raises(InvalidInputError, match="stage 'Lost', not a won stage \\(Won\\)"):
        credit_deals([lost], CreditingRules(), pipeline=PIPELINE)
    with pytest.raises(UnknownStageError, match="deal 'D1' stage 'Closed' is not in the pipeline"):
        credit_deals(
            [won.model_copy(update={"stage": "Closed"})], CreditingRules(), pipeline=PIPELINE
        )


def test_credit_frame_with_a_pipeline_reports_deals_not_won():
    deals = [deal("D1"), deal("D2", owner="R1"), deal("D3", owner="R2")]
    df = _deals_frame(deals).assign(stage=["Won", "Lost", "Closed"])
    out = credit_frame(df, CreditingRules(), pipeline=PIPELINE)
    assert sorted(out.lines["deal_id"].astype(str)) == ["D1"]
    assert out.errors[["deal_id", "column", "reason"]].values.tolist() == [
        ["D3", "stage", "unknown_stage"],
        ["D2", "stage", "not_won"],
    ]
    # Without a pipeline the stage column is not read: all three are credited.
    assert len(credit_frame(df, CreditingRules()).lines) == 3
    with pytest.raises(InvalidInputError, match="needs a stage column"):
        credit_frame(_deals_frame(deals), CreditingRules(), pipeline=PIPELINE)


@given(
    stages=st.lists(st.sampled_from(["Qualify", "Won", "Lost", "Nope"]), min_size=1, max_size=8),
    cents=st.lists(st.integers(0, 10**9), min_size=8, max_size=8),
)
def test_credit_frame_with_a_pipeline_equals_crediting_the_won_deals(stages, cents):
    deals = [
        deal(f"D{i}", str(Decimal(c).scaleb(-2)), owner=f"R{i % 3}")
        for i, c in zip(range(len(stages)), cents, strict=False)
    ]
    df = _deals_frame(deals).assign(stage=stages)
    out = credit_frame(df, CreditingRules(), pipeline=PIPELINE)
    won = [d for d, s in zip(deals, stages, strict=True) if s == "Won"]
    alone = credit_frame(_deals_frame(won), CreditingRules())
    cols = ["deal_id", "recipient_id", "amount_minor"]
    got = out.lines[cols].astype({"deal_id": str, "recipient_id": str})
    want = alone.lines[cols].astype({"deal_id": str, "recipient_id": str})
    assert got.values.tolist() == want.values.tolist()
    assert sorted(out.errors["deal_id"]) == sorted(
        d.id for d, s in zip(deals, stages, strict=True) if s != "Won"
    )
