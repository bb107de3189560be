from __future__ import annotations

import math
import pickle
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore.errors import (
    CurrencyMismatchError,
    InvalidInputError,
    MissingRateError,
    ModelValidationError,
    SalescoreError,
    UnknownCurrencyError,
)
from salescore.money import CURRENCIES, FxRate, FxRates, Money, check_currency, minor_unit
from salescore.testing import amounts, currencies, money, weights

# -- construction and currencies --------------------------------------------------


def test_currency_table_minor_units_match_iso():
    assert (CURRENCIES["CNY"], CURRENCIES["JPY"], CURRENCIES["KWD"], CURRENCIES["CLF"]) == (
        2,
        0,
        3,
        4,
    )
    assert all(len(code) == 3 and code.isupper() for code in CURRENCIES)
    assert "XAU" not in CURRENCIES


def test_money_float_read_through_shortest_repr():
    assert Money(0.1, "USD").amount == Decimal("0.1")
    assert Money(1.1, "USD").amount + Money(2.2, "USD").amount == Decimal("3.3")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), "NaN", "Infinity"])
def test_money_non_finite_rejected(bad):
    with pytest.raises(InvalidInputError, match="not finite"):
        Money(bad, "USD")


def test_money_junk_amount_rejected():
    with pytest.raises(InvalidInputError, match="'abc' is not a number"):
        Money("abc", "USD")
    with pytest.raises(InvalidInputError, match="boolean"):
        Money(True, "USD")
    with pytest.raises(InvalidInputError, match="list"):
        Money([1], "USD")


def test_money_unknown_currency_names_code():
    with pytest.raises(UnknownCurrencyError, match="'RMB' is not an active ISO 4217 code"):
        Money("1", "RMB")
    with pytest.raises(UnknownCurrencyError):
        minor_unit("usd")
    assert check_currency("EUR") == "EUR"


def test_money_missing_fields_is_model_error():
    with pytest.raises(ModelValidationError, match=r"Money\.currency: Field required") as info:
        Money("1")
    assert isinstance(info.value, SalescoreError)
    assert info.value.errors[0]["loc"] == ("currency",)


def test_money_json_round_trip():
    m = Money("1234.50", "CNY")
    dumped = m.model_dump(mode="json")
    assert dumped == {"amount": "1234.50", "currency": "CNY"}
    assert Money.model_validate(dumped) == m
    assert Money.model_validate_json(m.model_dump_json()) == m
    assert "amount" in Money.model_json_schema()["properties"]
    with pytest.raises(ModelValidationError):
        Money.model_validate({"amount": "1"})
    with pytest.raises(ModelValidationError):
        Money.model_validate_json('{"amount": "1"}')


# -- arithmetic -----------------------------------------------------------------------


def test_money_arithmetic_examples():
    a, b = Money("10.50", "CNY"), Money("0.75", "CNY")
    assert a + b == Money("11.25", "CNY")
    assert a - b == Money("9.75", "CNY")
    assert -a == Money("-10.50", "CNY")
    assert abs(Money("-3", "CNY")) == Money("3", "CNY")
    assert a * 2 == Money("21", "CNY")
    assert 2 * a == a * 2
    assert a * 0.1 == Money("1.05", "CNY")
    assert a / 4 == Money("2.625", "CNY")
    assert a.ratio(Money("21", "CNY")) == Decimal("0.5")
    assert sum([a, b]) == Money("11.25", "CNY")
    assert Money.zero("JPY").is_zero()
    assert a > b and b < a and a >= a and b <= a


def test_money_arithmetic_ignores_ambient_context():
    with localcontext() as ctx:
        ctx.prec = 3
        assert Money("12345.67", "USD") + Money("0.01", "USD") == Money("12345.68", "USD")


def test_money_mixed_currencies_rejected():
    usd, eur = Money("1", "USD"), Money("1", "EUR")
    for op in (
        lambda: usd + eur,
        lambda: usd - eur,
        lambda: usd < eur,
        lambda: usd <= eur,
        lambda: usd > eur,
        lambda: usd >= eur,
        lambda: usd.ratio(eur),
    ):
        with pytest.raises(CurrencyMismatchError, match="USD and EUR"):
            op()
    assert usd != eur


def test_money_bad_operands_rejected():
    usd = Money("1", "USD")
    with pytest.raises(InvalidInputError, match="both must be Money"):
        usd + 1
    with pytest.raises(InvalidInputError, match="Money by Money"):
        usd * usd
    with pytest.raises(InvalidInputError, match="ratio"):
        usd / usd
    with pytest.raises(InvalidInputError, match="by zero"):
        usd / 0
    with pytest.raises(InvalidInputError, match="to zero"):
        usd.ratio(Money("0", "USD"))
    assert usd.__eq__(1) is NotImplemented


def test_money_quantize_rounding_modes():
    assert Money("2.675", "USD").quantize().amount == Decimal("2.68")
    assert Money("2.665", "USD").quantize().amount == Decimal("2.66")
    assert Money("2.665", "USD").quantize(ROUND_HALF_UP).amount == Decimal("2.67")
    assert Money("1234.5", "JPY").quantize().amount == Decimal("1234")
    assert Money("1.2345", "KWD").quantize().amount == Decimal("1.234")
    assert Money("12.345", "USD").to_minor() == 1234
    assert Money.from_minor(-5, "KWD").amount == Decimal("-0.005")
    with pytest.raises(InvalidInputError, match="ROUND_SIDEWAYS"):
        Money("1", "USD").quantize("ROUND_SIDEWAYS")


def test_money_hash_and_pickle():
    m = Money("1.50", "USD")
    assert hash(m) == hash(Money("1.5", "USD"))
    assert pickle.loads(pickle.dumps(m)) == m
    assert str(m) == "1.50 USD"


@given(money(), money())
def test_money_add_commutes_within_currency(a, b):
    if a.currency == b.currency:
        assert a + b == b + a
        assert (a + b) - b == a
    else:
        with pytest.raises(CurrencyMismatchError):
            a + b


# -- allocate -----------------------------------------------------------------------


@given(currencies(), st.integers(-(10**12), 10**12), weights())
def test_allocate_parts_sum_to_total(currency, units, ws):
    total = Money.from_minor(units, currency)
    parts = total.allocate(ws)
    assert len(parts) == len(ws)
    assert sum(parts) == total
    assert all(p.currency == currency for p in parts)


@given(currencies(), st.integers(-(10**12), 10**12), weights())
def test_allocate_proportional_within_one_minor_unit(currency, units, ws):
    parts = Money.from_minor(units, currency).allocate(ws)
    for part, w in zip(parts, ws, strict=True):
        exact = Fraction(units) * w / sum(ws)
        assert abs(Fraction(part.to_minor()) - exact) < 1


@given(st.integers(0, 10**9), weights())
def test_allocate_zero_weight_gets_zero(units, ws):
    parts = Money.from_minor(units, "USD").allocate([*ws, 0])
    assert parts[-1].is_zero()


@given(st.integers(-(10**9), 10**9), weights())
def test_allocate_deterministic_and_symmetric(units, ws):
    a = Money.from_minor(units, "EUR").allocate(ws)
    assert a == Money.from_minor(units, "EUR").allocate(list(ws))
    assert [-p for p in a] == Money.from_minor(-units, "EUR").allocate(ws)


@given(st.integers(0, 10**6), weights(min_size=2), st.data())
def test_allocate_more_weight_never_less(units, ws, data):
    i = data.draw(st.integers(0, len(ws) - 1))
    extra = data.draw(st.integers(1, 1000))
    before = Money.from_minor(units, "USD").allocate(ws)[i]
    bumped = list(ws)
    bumped[i] += extra
    after = Money.from_minor(units, "USD").allocate(bumped)[i]
    assert after >= before


def test_allocate_ties_go_to_earlier_parts():
    parts = Money("0.05", "USD").allocate([1, 1, 1, 1])
    assert [p.to_minor() for p in parts] == [2, 1, 1, 1]
    parts = Money("100", "JPY").allocate([1, 1, 1])
    assert [p.to_minor() for p in parts] == [34, 33, 33]


def test_allocate_rounds_whole_first():
    parts = Money("10.005", "USD").allocate([1, 1], rounding=ROUND_HALF_UP)
    assert sum(parts) == Money("10.01", "USD")
    parts = Money("10.005", "USD").allocate([1, 1], rounding=ROUND_HALF_EVEN)
    assert sum(parts) == Money("10.00", "USD")


@pytest.mark.parametrize(
    ("ws", "message"),
    [
        ([], "no weights given"),
        ([0, 0], "all 2 weights are zero"),
        ([1, -1], "weight 1 is -1; weights must be >= 0"),
        ([1, math.nan], "weight 1 nan is not finite"),
        ([1, math.inf], "not finite"),
    ],
)
def test_allocate_bad_weights(ws, message):
    with pytest.raises(InvalidInputError, match=message):
        Money("1", "USD").allocate(ws)


@given(amounts("KWD", max_value=10**6))
def test_amounts_strategy_respects_minor_unit(amount):
    assert amount == amount.quantize(Decimal("0.001"))


# -- FxRates -------------------------------------------------------------------------

FX = FxRates.from_mapping(
    "USD",
    {
        date(2026, 1, 1): {"CNY": "7.20", "EUR": "0.90", "JPY": "150"},
        date(2026, 4, 1): {"CNY": "7.00"},
    },
)


def test_fxrates_convert_as_of_date():
    jan = FX.convert(Money("72", "CNY"), "USD", on=date(2026, 3, 31))
    apr = FX.convert(Money("70", "CNY"), "USD", on=date(2026, 4, 1))
    assert jan.quantize() == Money("10.00", "USD") == apr.quantize()
    assert FX.rate("USD", date(2000, 1, 1)) == 1


def test_fxrates_cross_rate_through_base():
    eur = FX.convert(Money("720", "CNY"), "EUR", on=date(2026, 2, 1))
    assert eur.quantize() == Money("90.00", "EUR")
    same = Money("5", "EUR")
    assert FX.convert(same, "EUR", on=date(2026, 2, 1)) is same


def test_fxrates_missing_rate_named():
    with pytest.raises(MissingRateError, match="no CNY rate against USD on or before 2025-12-31"):
        FX.convert(Money("1", "CNY"), "USD", on=date(2025, 12, 31))
    with pytest.raises(MissingRateError, match="GBP"):
        FX.convert(Money("1", "GBP"), "USD", on=date(2026, 5, 1))


def test_fxrates_bad_tables_rejected():
    with pytest.raises(InvalidInputError, match="two CNY rates"):
        FxRates(
            base="USD",
            rates=(
                FxRate(currency="CNY", on=date(2026, 1, 1), rate=Decimal(7)),
                FxRate(currency="CNY", on=date(2026, 1, 1), rate=Decimal(8)),
            ),
        )
    with pytest.raises(InvalidInputError, match="base currency USD has rate 2"):
        FxRates.from_mapping("USD", {date(2026, 1, 1): {"USD": 2}})
    with pytest.raises(InvalidInputError, match="must be > 0"):
        FxRates.from_mapping("USD", {date(2026, 1, 1): {"CNY": 0}})


def test_fxrates_factors_agree_with_convert():
    rows = [("CNY", date(2026, 2, 1)), ("JPY", date(2026, 5, 1)), ("USD", date(2026, 1, 1))]
    rows.append(("CNY", date(2026, 4, 2)))
    factors = FX.factors([c for c, _ in rows], [d for _, d in rows], "EUR")
    for (code, on), factor in zip(rows, factors, strict=True):
        exact = FX.convert(Money("1000", code), "EUR", on=on).amount
        assert math.isclose(1000 * factor, float(exact), rel_tol=1e-12)


def test_fxrates_factors_errors():
    with pytest.raises(MissingRateError, match="2025-01-01"):
        FX.factors(["CNY"], [date(2025, 1, 1)], "USD")
    with pytest.raises(InvalidInputError, match="one date per row"):
        FX.factors(["CNY", "USD"], [date(2026, 2, 1)], "USD")


def test_minor_units_ignore_the_ambient_decimal_context():
    with localcontext() as ctx:
        ctx.prec = 5
        big = 12345678901234567890123456789012
        money = Money.from_minor(big, "CNY")
        assert money.amount == Decimal("123456789012345678901234567890.12")
        assert money.to_minor() == big
