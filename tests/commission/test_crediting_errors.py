"""Crediting's errors: typed, coded, in English and Chinese, living in ``salescore.errors``."""

from __future__ import annotations

import pickle
import re
from datetime import date

import pytest

import salescore.commission as commission
import salescore.commission.crediting as crediting
import salescore.errors as errors
from salescore.commission.crediting import CreditingRules, Invoice, Payment, credit_deals
from salescore.error_codes import MESSAGES
from salescore.models import Opportunity
from salescore.money import Money

_CJK = re.compile(r"[\u4e00-\u9fff]")
NAMES = ("OverInvoicedError", "OverpaymentError", "UnknownDealError", "UnknownInvoiceError")


def _deal() -> Opportunity:
    return Opportunity(
        id="D1",
        owner_id="R1",
        amount="100.00",
        currency="CNY",
        stage="Won",
        created_on=date(2026, 1, 2),
        close_date=date(2026, 1, 20),
    )


def _invoice(amount: str, inv_id: str = "I1", deal_id: str = "D1", currency: str = "CNY"):
    return Invoice(
        id=inv_id, deal_id=deal_id, amount=Money(amount, currency), invoiced_on=date(2026, 1, 25)
    )


def _payment(amount: str, invoice_id: str = "I1", currency: str = "CNY") -> Payment:
    return Payment(
        id="P1", invoice_id=invoice_id, amount=Money(amount, currency), paid_on=date(2026, 2, 1)
    )


@pytest.mark.parametrize("name", NAMES)
def test_crediting_errors_are_the_ones_of_salescore_errors(name: str) -> None:
    cls = getattr(errors, name)
    assert getattr(crediting, name) is cls and getattr(commission, name) is cls
    assert name in errors.__all__ and name in crediting.__all__
    assert issubclass(cls, errors.InvalidInputError) and issubclass(cls, ValueError)
    assert MESSAGES[cls.code].en == "{detail}" and _CJK.search(MESSAGES[cls.code].zh)
    # The class codes are the crediting room's, not InvalidInputError's.
    assert cls.code != errors.InvalidInputError.code


_TIMING = CreditingRules(timing="payment")


@pytest.mark.parametrize(
    ("call", "cls", "code", "english", "chinese"),
    [
        (
            lambda: credit_deals(
                [_deal()], _TIMING, invoices=[_invoice("50.00")], payments=[_payment("60.00")]
            ),
            errors.OverpaymentError,
            "overpaid_invoice",
            "payment 'P1' of 60.00 CNY brings invoice 'I1' payments to 60.00 CNY, more than "
            "the invoice amount 50.00 CNY",
            "付款 'P1'（60.00 CNY）使发票 'I1' 的付款合计达到 60.00 CNY，超过发票金额 50.00 CNY",
        ),
        (
            lambda: credit_deals(
                [_deal()],
                CreditingRules(timing="invoice"),
                invoices=[_invoice("60.00"), _invoice("40.01", "I2")],
            ),
            errors.OverInvoicedError,
            "over_invoiced_deal",
            "invoice 'I2' brings deal 'D1' invoices to 100.01 CNY, more than the deal amount "
            "100.00 CNY",
            "发票 'I2' 使交易 'D1' 的发票合计达到 100.01 CNY，超过交易金额 100.00 CNY",
        ),
        (
            lambda: credit_deals([_deal()], _TIMING, invoices=[_invoice("1", deal_id="D9")]),
            errors.UnknownDealError,
            "invoice_of_unknown_deal",
            "invoice 'I1' is of deal 'D9', which is not among the deals",
            "发票 'I1' 属于交易 'D9'，该交易不在给定交易中",
        ),
        (
            lambda: credit_deals([_deal()], CreditingRules(), splits={"D9": {"R1": 1}}),
            errors.UnknownDealError,
            "split_of_unknown_deal",
            "split of deal 'D9': the deal is not among the deals given",
            "交易 'D9' 的分成：该交易不在给定交易中",
        ),
        (
            lambda: credit_deals([_deal()], CreditingRules(), overlays={"D9": {"R1": 1}}),
            errors.UnknownDealError,
            "overlay_of_unknown_deal",
            "overlay of deal 'D9': the deal is not among the deals given",
            "交易 'D9' 的叠加提成：该交易不在给定交易中",
        ),
        (
            lambda: credit_deals(
                [_deal()], _TIMING, invoices=[_invoice("1")], payments=[_payment("1", "I9")]
            ),
            errors.UnknownInvoiceError,
            "payment_of_unknown_invoice",
            "payment 'P1' is of invoice 'I9', which is not among the invoices",
            "付款 'P1' 属于发票 'I9'，该发票不在给定发票中",
        ),
        (
            lambda: credit_deals([_deal()], _TIMING, invoices=[_invoice("1", currency="USD")]),
            errors.CurrencyMismatchError,
            "invoice_currency",
            "invoice 'I1' is in USD, but deal 'D1' is in CNY",
            "发票 'I1' 的货币是 USD，而交易 'D1' 的货币是 CNY",
        ),
        (
            lambda: credit_deals(
                [_deal()], _TIMING, invoices=[_invoice("1")], payments=[_payment("1", "I1", "USD")]
            ),
            errors.CurrencyMismatchError,
            "payment_currency",
            "payment 'P1' is in USD, but invoice 'I1' is in CNY",
            "付款 'P1' 的货币是 USD，而发票 'I1' 的货币是 CNY",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and v.islower() and " " not in v else None,
)
def test_credit_deals_errors_have_a_code_and_both_texts(call, cls, code, english, chinese):
    with pytest.raises(cls) as info:
        call()
    exc = info.value
    assert type(exc) is cls
    assert exc.code == code and str(exc) == english
    assert exc.message("zh-CN") == chinese
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is cls and str(back) == english and back.code == code
