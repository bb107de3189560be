"""Exact currency conversion to the minor unit: FxRates.factor, convert_rounded, convert_minor."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore._numeric import ROUNDING_MODES, round_div, round_fraction
from salescore.errors import InvalidInputError, MissingRateError, UnknownCurrencyError
from salescore.money import FxRates, Money, minor_unit

MODES = sorted(ROUNDING_MODES)
WIDE = Context(prec=300)
INT64_MAX = 2**63 - 1

FX = FxRates.from_mapping(
    "USD",
    {
        date(2026, 1, 1): {"CNY": "7.10", "EUR": "0.92", "JPY": "150", "KWD": "0.307"},
        date(2026, 1, 15): {"CNY": "7.20"},
    },
)
JAN = date(2026, 1, 10)


def _usd_cents(amount: str, code: str, on: date = JAN, rounding: str = ROUND_HALF_EVEN) -> str:
    return str(FX.convert_rounded(Money(amount, code), "USD", on=on, rounding=rounding))


# -- round_div / round_fraction (the _numeric helper) ---------------------------------------------


@given(
    st.lists(st.integers(-(2**70), 2**70), min_size=1, max_size=20),
    st.integers(1, 2**40),
    st.sampled_from(MODES),
)
def test_round_div_matches_decimal_quantize(nums, den, rounding):
    expected = [
        int(WIDE.divide(Decimal(n), Decimal(den)).quantize(Decimal(1), rounding, WIDE))
        for n in nums
    ]
    assert [round_div(n, den, rounding) for n in nums] == expected
    assert round_div(np.asarray(nums, dtype=object), den, rounding).tolist() == expected
    assert [round_fraction(Fraction(n, den), rounding) for n in nums] == expected


@given(
    st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=20),
    st.lists(st.integers(1, 2**20), min_size=20, max_size=20),
    st.sampled_from(MODES),
)
def test_round_div_int64_equals_python_ints(nums, dens, rounding):
    num = np.asarray(nums, dtype=np.int64)
    den = np.asarray(dens[: len(nums)], dtype=np.int64)
    fast = round_div(num, den, rounding)
    assert fast.dtype == np.int64
    assert fast.tolist() == [round_div(n, d, rounding) for n, d in zip(nums, dens, strict=False)]


def test_round_div_every_mode_on_ties_and_signs():
    # 25 / 10 = 2.5 and -25 / 10 = -2.5: every mode of the decimal module.
    got = {m: (round_div(25, 10, m), round_div(-25, 10, m)) for m in MODES}
    assert got == {
        "ROUND_05UP": (2, -2),
        "ROUND_CEILING": (3, -2),
        "ROUND_DOWN": (2, -2),
        "ROUND_FLOOR": (2, -3),
        "ROUND_HALF_DOWN": (2, -2),
        "ROUND_HALF_EVEN": (2, -2),
        "ROUND_HALF_UP": (3, -3),
        "ROUND_UP": (3, -3),
    }
    # ROUND_05UP steps away only when the truncated digit is 0 or 5.
    assert [round_div(n, 10, "ROUND_05UP") for n in (1, 41, 51, -51, 50)] == [1, 4, 6, -6, 5]


def test_round_div_bad_arguments():
    with pytest.raises(InvalidInputError, match="denominator 0 must be > 0"):
        round_div(1, 0, ROUND_HALF_EVEN)
    with pytest.raises(InvalidInputError, match="'ROUND_NEAREST' is not a decimal rounding"):
        round_fraction(Fraction(1, 2), "ROUND_NEAREST")


# -- factor and convert_rounded: hand-checked numbers ---------------------------------------------


def test_factor_exact_and_identity():
    assert FX.factor("CNY", "USD", on=JAN) == Fraction(10, 71)
    assert FX.factor("USD", "CNY", on=JAN) == Fraction(71, 10)
    assert FX.factor("CNY", "EUR", on=JAN) == Fraction(92, 710)
    assert FX.factor("GBP", "GBP", on=date(1990, 1, 1)) == 1  # no rate needed
    with pytest.raises(MissingRateError, match="no CNY rate against USD on or before 2025-12-31"):
        FX.factor("CNY", "USD", on=date(2025, 12, 31))
    with pytest.raises(MissingRateError, match="GBP"):
        FX.factor("USD", "GBP", on=JAN)
    with pytest.raises(UnknownCurrencyError, match="RMB"):
        FX.factor("RMB", "USD", on=JAN)


def test_convert_rounded_usd_cny():
    assert str(FX.convert_rounded(Money("100.00", "USD"), "CNY", on=JAN)) == "710.00 CNY"
    # 1 / 7.10 = 0.140845...: 0.14 half-even, 0.15 towards the ceiling.
    assert _usd_cents("1.00", "CNY") == "0.14 USD"
    assert _usd_cents("1.00", "CNY", rounding="ROUND_CEILING") == "0.15 USD"
    assert _usd_cents("-1.00", "CNY", rounding="ROUND_FLOOR") == "-0.15 USD"
    assert _usd_cents("-1.00", "CNY", rounding="ROUND_CEILING") == "-0.14 USD"


def test_convert_rounded_zero_and_three_decimal_currencies():
    # JPY has no decimals: 1,000 JPY / 150 = 6.666... USD; 10 USD = 1,500 JPY.
    assert _usd_cents("1000", "JPY") == "6.67 USD"
    assert str(FX.convert_rounded(Money("10", "USD"), "JPY", on=JAN)) == "1500 JPY"
    # KWD has three: 100 KWD / 0.307 = 325.7328... USD; 10 USD = 3.070 KWD.
    assert _usd_cents("100.000", "KWD") == "325.73 USD"
    assert str(FX.convert_rounded(Money("10.00", "USD"), "KWD", on=JAN)) == "3.070 KWD"
    # JPY <-> KWD through the base: 1,000 / 150 * 0.307 = 2.04666... KWD; 1 KWD = 488.599... JPY.
    assert str(FX.convert_rounded(Money("1000", "JPY"), "KWD", on=JAN)) == "2.047 KWD"
    assert str(FX.convert_rounded(Money("1.000", "KWD"), "JPY", on=JAN)) == "489 JPY"


def test_convert_rounded_tie_half_even_vs_half_up():
    # 1.23 USD * 150 = 184.5 JPY exactly: a tie at the minor unit.
    usd = Money("1.23", "USD")
    assert str(FX.convert_rounded(usd, "JPY", on=JAN)) == "184 JPY"
    assert str(FX.convert_rounded(usd, "JPY", on=JAN, rounding=ROUND_HALF_UP)) == "185 JPY"
    assert str(FX.convert_rounded(-usd, "JPY", on=JAN, rounding=ROUND_HALF_UP)) == "-185 JPY"
    assert str(FX.convert_rounded(-usd, "JPY", on=JAN, rounding="ROUND_HALF_DOWN")) == "-184 JPY"


def test_convert_rounded_cross_rate_and_as_of():
    # CNY -> EUR through USD: 71 / 7.10 * 0.92 = 9.20 EUR; 10 / 7.1 * 0.92 = 1.2957... EUR.
    assert str(FX.convert_rounded(Money("71.00", "CNY"), "EUR", on=JAN)) == "9.20 EUR"
    assert str(FX.convert_rounded(Money("10.00", "CNY"), "EUR", on=JAN)) == "1.30 EUR"
    # CNY moves from 7.10 to 7.20 on 15 January: 72 CNY is 10.14 USD before, 10.00 from then on.
    assert _usd_cents("72.00", "CNY", on=date(2026, 1, 14)) == "10.14 USD"
    assert _usd_cents("72.00", "CNY", on=date(2026, 1, 15)) == "10.00 USD"
    assert _usd_cents("72.00", "CNY", on=date(2026, 12, 31)) == "10.00 USD"


def test_convert_rounded_rounds_once_and_same_currency():
    # 0.005 CNY would round to 0.00 or 0.01 first; converted unrounded it stays exact.
    assert str(FX.convert_rounded(Money("1000.005", "CNY"), "USD", on=JAN)) == "140.85 USD"
    # Same currency: only the rounding to the minor unit, no rate needed.
    gbp = Money("2.675", "GBP")
    assert str(FX.convert_rounded(gbp, "GBP", on=date(1990, 1, 1))) == "2.68 GBP"
    assert str(FX.convert_rounded(gbp, "GBP", on=JAN, rounding="ROUND_DOWN")) == "2.67 GBP"
    with pytest.raises(InvalidInputError, match="not a decimal rounding mode"):
        FX.convert_rounded(gbp, "GBP", on=JAN, rounding="HALF_EVEN")


def test_convert_rounded_huge_amounts_exact():
    # Far beyond 28 significant digits: no digit is lost to a decimal context.
    huge = Money(Decimal(10**40) + Decimal("0.01"), "USD")
    assert FX.convert_rounded(huge, "CNY", on=JAN).amount == Decimal(71 * 10**39) + Decimal("0.07")


# -- convert_minor: hand-checked ------------------------------------------------------------------


def test_convert_minor_examples_and_missing_rows():
    units, missing = FX.convert_minor(
        [100, 10_000, 1_000, 100_000, 123, 7200, 7200, 5],
        ["CNY", "USD", "JPY", "KWD", "USD", "CNY", "CNY", "GBP"],
        [JAN, JAN, JAN, JAN, JAN, date(2026, 1, 14), date(2025, 12, 1), JAN],
        "USD",
    )
    assert units.tolist() == [14, 10_000, 667, 32_573, 123, 1014, 0, 0]
    assert missing.tolist() == [False] * 6 + [True, True]
    assert units.dtype == np.int64
    assert missing.dtype == np.bool_


def test_convert_minor_rounding_modes_and_target_rate_missing():
    units, _ = FX.convert_minor([123, -123], ["USD", "USD"], [JAN, JAN], "JPY", rounding="ROUND_UP")
    assert units.tolist() == [185, -185]
    # A USD row converted to JPY needs JPY's rate: before 2026 it is missing.
    units, missing = FX.convert_minor(
        [100, 100, 100], ["USD", "JPY", "CNY"], ["2025-06-01"] * 3, "JPY"
    )
    assert units.tolist() == [0, 100, 0]
    assert missing.tolist() == [True, False, True]


def test_convert_minor_accepts_lists_arrays_and_series():
    amounts = [100, 250]
    codes = ["CNY", "EUR"]
    days = ["2026-01-10", "2026-02-01"]
    expected = FX.convert_minor(amounts, codes, days, "JPY")[0].tolist()
    as_arrays = FX.convert_minor(
        np.asarray(amounts), np.asarray(codes), np.asarray(days, dtype="datetime64[D]"), "JPY"
    )
    as_series = FX.convert_minor(
        pd.Series(amounts, index=[7, 9]),
        pd.Series(codes, dtype=object),
        pd.Series(pd.to_datetime(days)),
        "JPY",
    )
    as_uint = FX.convert_minor(np.asarray(amounts, dtype=np.uint32), codes, days, "JPY")
    strided = FX.convert_minor(amounts, np.asarray(["CNY", "X", "EUR", "Y"])[::2], days, "JPY")
    assert strided[0].tolist() == as_arrays[0].tolist()
    assert expected == as_arrays[0].tolist() == as_series[0].tolist() == as_uint[0].tolist()
    assert expected == [
        FX.convert_rounded(Money.from_minor(a, c), "JPY", on=date.fromisoformat(d)).to_minor()
        for a, c, d in zip(amounts, codes, days, strict=True)
    ]


def test_convert_minor_empty_and_undated():
    units, missing = FX.convert_minor([], [], [], "USD")
    assert units.shape == missing.shape == (0,)
    units, missing = FX.convert_minor(
        [100, 100], ["CNY", "USD"], np.array(["NaT", "NaT"], dtype="datetime64[D]"), "USD"
    )
    # No date: a conversion is missing; a row already in USD needs no rate.
    assert units.tolist() == [0, 100]
    assert missing.tolist() == [True, False]


def test_convert_minor_big_factors_and_amounts_fall_back_exactly():
    fine = FxRates.from_mapping(
        "USD", {date(2026, 1, 1): {"CNY": "7.123456789012345678901", "EUR": "0.9"}}
    )
    rows = [2**62, -(2**62) + 1, 1, 99]
    units, _ = fine.convert_minor(rows, ["CNY"] * 4, [JAN] * 4, "EUR")
    assert units.tolist() == [
        fine.convert_rounded(Money.from_minor(r, "CNY"), "EUR", on=JAN).to_minor() for r in rows
    ]
    # int64 factors but an amount whose product with the numerator overflows int64.
    units, _ = FX.convert_minor([2**62, 2**61, 3], ["CNY"] * 3, [JAN] * 3, "USD")
    assert units.tolist() == [round_fraction(Fraction(r * 10, 71)) for r in (2**62, 2**61, 3)]


def test_convert_minor_result_outside_int64_raises():
    with pytest.raises(InvalidInputError, match=r"row 1: 4611686018427387904 USD minor units"):
        FX.convert_minor([1, 2**62], ["USD", "USD"], [JAN, JAN], "KWD")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1, 2], ["USD"], [JAN, JAN]), "2 amounts, 1 currencies and 2 dates"),
        (([1], ["USD"], [JAN, JAN]), "1 amounts, 1 currencies and 2 dates"),
        (([[1]], [["USD"]], [[JAN]]), "one-dimensional"),
        (([1.5], ["USD"], [JAN]), "dtype float64; integer minor units"),
        (([True], ["USD"], [JAN]), "dtype bool; integer minor units"),
        ((np.array([2**63], dtype=np.uint64), ["USD"], [JAN]), "do not fit in int64"),
        (([1], ["RMB"], [JAN]), "'RMB' is not an active ISO 4217 code"),
        (([1], ["usd"], [JAN]), "'usd' is not an active ISO 4217 code"),
        (([1, 2], ["USD", "USDX"], [JAN, JAN]), "'USDX' is not an active"),
        (([1], [None], [JAN]), "'None' is not an active"),
    ],
)
def test_convert_minor_bad_input(args, message):
    minor, codes, days = args
    with pytest.raises(InvalidInputError, match=message):
        FX.convert_minor(minor, codes, days, "USD")


def test_convert_minor_bad_target_and_rounding():
    with pytest.raises(UnknownCurrencyError, match="'XYZ'"):
        FX.convert_minor([1], ["USD"], [JAN], "XYZ")
    with pytest.raises(InvalidInputError, match="not a decimal rounding mode"):
        FX.convert_minor([1], ["USD"], [JAN], "CNY", rounding="up")


# -- properties -----------------------------------------------------------------------------------

POOL = ["USD", "CNY", "JPY", "KWD", "EUR", "CLF"]
START = date(2026, 1, 1)


@st.composite
def fx_tables(draw: st.DrawFn) -> FxRates:
    base = draw(st.sampled_from(POOL))
    table: dict[date, dict[str, Decimal]] = {}
    for code in POOL:
        if code == base:
            continue
        days = draw(st.sets(st.integers(0, 60), min_size=1, max_size=4))
        for day in days:
            rate = Decimal(draw(st.integers(1, 10**7))).scaleb(-draw(st.integers(0, 7)))
            table.setdefault(START + timedelta(days=day), {})[code] = rate
    return FxRates.from_mapping(base, table)


amounts_minor = st.one_of(
    st.integers(-(10**6), 10**6),
    st.integers(-(2**62), 2**62),
    st.integers(2**62 - 10**6, 2**62),
    st.integers(-(2**62), -(2**62) + 10**6),
)
rows_st = st.lists(
    st.tuples(amounts_minor, st.sampled_from(POOL), st.integers(-5, 70)), min_size=1, max_size=25
)


def _single(fx: FxRates, units: int, code: str, day: int, to: str, rounding: str) -> int | None:
    """The single-object path in minor units, or None when a rate is missing."""
    try:
        converted = fx.convert_rounded(
            Money.from_minor(units, code), to, on=START + timedelta(days=day), rounding=rounding
        )
    except MissingRateError:
        return None
    return converted.to_minor()


def _columns(rows: list[tuple[int, str, int]]) -> tuple[list[int], list[str], list[date]]:
    return (
        [r[0] for r in rows],
        [r[1] for r in rows],
        [START + timedelta(days=r[2]) for r in rows],
    )


@given(fx_tables(), rows_st, st.sampled_from(POOL), st.sampled_from(MODES))
def test_convert_minor_equals_convert_rounded(fx, rows, to, rounding):
    expected = [_single(fx, u, c, d, to, rounding) for u, c, d in rows]
    fits = [e is None or abs(e) <= INT64_MAX for e in expected]
    kept = [r for r, ok in zip(rows, fits, strict=True) if ok]
    units, missing = fx.convert_minor(*_columns(kept), to, rounding=rounding)
    want = [e for e, ok in zip(expected, fits, strict=True) if ok]
    assert missing.tolist() == [e is None for e in want]
    assert units.tolist() == [0 if e is None else e for e in want]
    # A row whose result does not fit in int64 is refused, never wrapped.
    for row, ok in zip(rows, fits, strict=True):
        if not ok:
            with pytest.raises(InvalidInputError, match="do not fit in int64"):
                fx.convert_minor(*_columns([row]), to, rounding=rounding)
            break


@given(fx_tables(), rows_st, st.sampled_from(POOL), st.sampled_from(MODES))
def test_convert_minor_within_one_minor_unit_of_exact(fx, rows, to, rounding):
    exact: list[Fraction | None] = []
    for u, code, day in rows:
        try:
            factor = fx.factor(code, to, on=START + timedelta(days=day))
        except MissingRateError:
            exact.append(None)
            continue
        exact.append(u * factor * Fraction(10) ** (minor_unit(to) - minor_unit(code)))
    fits = [e is None or abs(e) < 2**62 for e in exact]
    rows = [r for r, ok in zip(rows, fits, strict=True) if ok]
    exact = [e for e, ok in zip(exact, fits, strict=True) if ok]
    units, missing = fx.convert_minor(*_columns(rows), to, rounding=rounding)
    for want, got, lost in zip(exact, units.tolist(), missing.tolist(), strict=True):
        assert lost == (want is None)
        assert got == 0 if want is None else abs(got - want) < 1


@given(fx_tables(), st.lists(amounts_minor, min_size=1, max_size=25), st.sampled_from(POOL))
def test_convert_minor_same_currency_is_identity(fx, amounts, code):
    units, missing = fx.convert_minor(amounts, [code] * len(amounts), [START] * len(amounts), code)
    assert units.tolist() == amounts
    assert not missing.any()


@given(
    fx_tables(),
    st.lists(st.integers(-(2**40), 2**40), min_size=2, max_size=25),
    st.sampled_from(POOL),
    st.sampled_from(POOL),
    st.integers(60, 70),  # every first rate is on or before day 60
    st.sampled_from(MODES),
)
def test_convert_minor_monotone_in_amount(fx, amounts, code, to, day, rounding):
    on = START + timedelta(days=day)
    scale = fx.factor(code, to, on=on) * Fraction(10) ** (minor_unit(to) - minor_unit(code))
    amounts = sorted(a for a in amounts if abs(a * scale) < 2**62)  # results fit in int64
    n = len(amounts)
    units, missing = fx.convert_minor(amounts, [code] * n, [on] * n, to, rounding=rounding)
    assert not missing.any()
    assert (np.diff(units) >= 0).all()


@given(fx_tables(), rows_st, st.sampled_from(POOL))
def test_convert_minor_missing_rows_are_those_before_first_rate(fx, rows, to):
    rows = [(u % 1000, c, d) for u, c, d in rows]
    _, missing = fx.convert_minor(*_columns(rows), to)

    def first(code: str) -> date:
        return min((r.on for r in fx.rates if r.currency == code), default=date.min)

    expected = [
        code != to
        and (START + timedelta(days=day) < first(code) or START + timedelta(days=day) < first(to))
        for _, code, day in rows
    ]
    assert missing.tolist() == expected


def test_convert_minor_as_of_over_a_long_table():
    # Rates decades apart: looked up by binary search rather than a dense day table.
    fx = FxRates.from_mapping(
        "USD", {date(1990, 1, 1): {"CNY": "4.7"}, date(2026, 1, 1): {"CNY": "7.10"}}
    )
    days = [date(1989, 12, 31), date(1990, 1, 1), date(2025, 12, 31), date(2026, 1, 1)]
    units, missing = fx.convert_minor([470, 470, 470, 710], ["CNY"] * 4, days, "USD")
    assert units.tolist() == [0, 100, 100, 100]
    assert missing.tolist() == [True, False, False, False]
