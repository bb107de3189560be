"""Bulk clawbacks from a refunds frame: ``refund_clawbacks`` equals ``clawback`` row by row."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import JAN, credit_lists, plans
from tests.commission.test_bulk import _to_frame, assert_agree

from salescore._numeric import ROUNDING_MODES
from salescore.calendar import Period
from salescore.commission import (
    CLAWBACKS,
    REFUNDS,
    ClawbackFrames,
    CommissionPlan,
    Credit,
    Refund,
    Statement,
    StatementsFrames,
    Tier,
    TieredComponent,
    clawback,
    clawbacks_frame,
    refund_clawbacks,
    statement,
    statements_frame,
)
from salescore.errors import CurrencyMismatchError, FrameValidationError, InvalidInputError
from salescore.money import Money, minor_unit

DEC = Period.month(2025, 12)
FEB = Period.month(2026, 2)
# 5% to 50,000, 10% above (amount basis).
COMP = TieredComponent(
    name="base",
    tiers=[Tier(lower=0, upper=50000, rate="0.05"), Tier(lower=50000, rate="0.10")],
)
PLAN = CommissionPlan(id="P", currency="CNY", components=[COMP])
ROUNDINGS = sorted(ROUNDING_MODES)


def cr(deal: str, amount: str, on: date, rep: str = "R1", cur: str = "CNY") -> Credit:
    return Credit(deal_id=deal, rep_id=rep, amount=Money(amount, cur), credited_on=on)


def refunds(
    rows: list[tuple[str, str, float, str, date]], index: Sequence[object] | None = None
) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["deal_id", "rep_id", "amount", "currency", "refunded_on"])
    df["refunded_on"] = pd.to_datetime(df["refunded_on"])
    if index is not None:
        df.index = pd.Index(index, dtype=object)
    return df


def jan() -> tuple[StatementsFrames, list[Credit]]:
    # R1: D1 40,000 on 5 Jan pays 2,000; D2 20,000 on 10 Jan pays 500 + 1,000 = 1,500.
    # R2: D3 10,000 on 7 Jan pays 500.
    credits = [
        cr("D1", "40000", date(2026, 1, 5)),
        cr("D2", "20000", date(2026, 1, 10)),
        cr("D3", "10000", date(2026, 1, 7), rep="R2"),
    ]
    return statements_frame(PLAN, _to_frame(credits), period=JAN), credits


def single(credits: list[Credit], rep: str = "R1", p: CommissionPlan = PLAN) -> Statement:
    return statement(p, rep, [c for c in credits if c.rep_id == rep], period=JAN)


def records(out: ClawbackFrames, *cols: str) -> list[dict[Hashable, Any]]:
    return out.clawbacks[list(cols)].to_dict("records")


def reasons(out: ClawbackFrames) -> dict[object, str]:
    return dict(zip(out.errors["row"], out.errors["reason"], strict=True))


def test_refund_clawbacks_pro_rata_example():
    frames, credits = jan()
    df = refunds(
        [
            ("D1", "R1", 1000.0, "CNY", date(2026, 2, 1)),
            ("D2", "R1", 20000.0, "CNY", date(2026, 2, 1)),
            ("D3", "R2", 0.03, "CNY", date(2026, 2, 1)),
        ],
        index=["a", "b", "c"],
    )
    before = df.copy()
    out = refund_clawbacks(frames.lines, df, currency="CNY", window_days=90)
    pd.testing.assert_frame_equal(df, before)
    assert out.errors.empty
    # 2,000 * 1,000 / 40,000 = 50; the whole of D2 reverses its 1,500;
    # 500 * 0.03 / 10,000 = 0.0015 rounds half-even to 0.00.
    assert records(out, "row", "rep_id", "credited_minor", "paid_minor", "amount_minor") == [
        {"row": "a", "rep_id": "R1", "credited_minor": 4_000_000, "paid_minor": 200_000,
         "amount_minor": -5_000},
        {"row": "b", "rep_id": "R1", "credited_minor": 2_000_000, "paid_minor": 150_000,
         "amount_minor": -150_000},
        {"row": "c", "rep_id": "R2", "credited_minor": 1_000_000, "paid_minor": 50_000,
         "amount_minor": 0},
    ]  # fmt: skip
    assert out.clawbacks.index.equals(pd.RangeIndex(3))
    assert out.clawbacks.loc[1, "reason_zh"] == (
        "退款 20,000.00 / 20,000.00 CNY，追回佣金 1,500.00 / 1,500.00"
    )
    assert out.clawbacks.loc[0, "reason_en"] == (
        "refund of 1,000.00 of 40,000.00 CNY reverses 50.00 of 2,000.00 paid"
    )
    up = refund_clawbacks(frames.lines, df, currency="CNY", window_days=90, rounding="ROUND_UP")
    assert up.clawbacks["amount_minor"].tolist() == [-5_000, -150_000, -1]
    # The CLAWBACKS columns are exactly those of clawbacks_frame of the single path.
    singles = [
        clawback(
            single(credits, rep),
            Refund(deal_id=d, amount=Money(a, c), refunded_on=on),
            window_days=90,
        )
        for d, rep, a, c, on in df.itertuples(index=False)
    ]
    pd.testing.assert_frame_equal(
        out.clawbacks[list(clawbacks_frame(singles).columns)], clawbacks_frame(singles)
    )


def test_refund_clawbacks_outside_window():
    frames, _ = jan()
    # D2 credited 10 January; a 30-day window ends 9 February.
    df = refunds(
        [
            ("D2", "R1", 100.0, "CNY", date(2026, 2, 10)),
            ("D2", "R1", 100.0, "CNY", date(2026, 2, 9)),
        ]
    )
    out = refund_clawbacks(frames.lines, df, currency="CNY", window_days=30, reduce_attainment=True)
    assert records(out, "amount_minor", "reduces_attainment", "amount") == [
        {"amount_minor": 0, "reduces_attainment": False, "amount": 0.0},
        {"amount_minor": -750, "reduces_attainment": True, "amount": -7.5},
    ]
    assert out.clawbacks["reason_en"].tolist() == [
        "refund after the 30-day window: nothing clawed back",
        "refund of 100.00 of 20,000.00 CNY reverses 7.50 of 1,500.00 paid; attainment reduced",
    ]
    assert out.clawbacks.loc[0, "reason_zh"] == "退款超过30天追回期限，不追回佣金"
    assert str(out.clawbacks.loc[1, "reason_zh"]).endswith("；业绩同时扣减")


def dec_frames() -> StatementsFrames:
    # D1 30,000 in December under 5% to 10,000, 10% above: 500 + 2,000 = 2,500.
    comp = COMP.model_copy(
        update={"tiers": [Tier(lower=0, upper=10000, rate="0.05"), Tier(lower=10000, rate="0.10")]}
    )
    p = CommissionPlan(id="P", currency="CNY", components=[comp])
    return statements_frame(p, _to_frame([cr("D1", "30000", date(2025, 12, 10))]), period=DEC)


def small_plan() -> CommissionPlan:
    comp = COMP.model_copy(
        update={"tiers": [Tier(lower=0, upper=10000, rate="0.05"), Tier(lower=10000, rate="0.10")]}
    )
    return CommissionPlan(id="P", currency="CNY", components=[comp])


def test_refund_clawbacks_at_current_rate():
    p = small_plan()
    dec = dec_frames()
    # January: D2 20,000 pays 500 + 1,000 = 1,500, an effective 7.5 percent; R2 has a
    # quota-free empty January (no credits): the deal's own 2,500 / 30,000 applies.
    jan_credits = _to_frame([cr("D2", "20000", date(2026, 1, 10))])
    current = statements_frame(p, jan_credits, period=JAN)
    df = refunds([("D1", "R1", 10000.0, "CNY", date(2026, 1, 3))])
    out = refund_clawbacks(
        dec.lines, df, currency="CNY", window_days=90, rate="current", current=current
    )
    assert records(out, "amount_minor", "current_rate") == [
        {"amount_minor": -75_000, "current_rate": 0.075}
    ]
    assert out.clawbacks.loc[0, "reason_en"] == (
        "refund of 10,000.00 CNY reverses 750.00 at the current rate 7.5%"
    )
    assert (
        out.clawbacks.loc[0, "reason_zh"] == "退款 10,000.00 CNY，按当期费率 7.5% 追回佣金 750.00"
    )
    empty = statements_frame(p, jan_credits.iloc[:0], period=JAN, prior=dec.carry)
    fallback = refund_clawbacks(
        dec.lines, df, currency="CNY", window_days=90, rate="current", current=empty
    )
    assert records(fallback, "amount_minor", "current_rate") == [
        {"amount_minor": -83_333, "current_rate": 0.08333333}
    ]
    # A rep without a statement in the current period cannot be re-rated.
    none = statements_frame(p, jan_credits.iloc[:0], period=JAN)
    missing = refund_clawbacks(
        dec.lines, df, currency="CNY", window_days=90, rate="current", current=none
    )
    assert missing.clawbacks.empty
    assert missing.errors[["row", "column", "value", "reason"]].to_dict("records") == [
        {"row": 0, "column": "rep_id", "value": "R1", "reason": "missing_current"}
    ]
    # Outside the window: nothing, the rate still shown.
    late = refund_clawbacks(
        dec.lines, df, currency="CNY", window_days=1, rate="current", current=current
    )
    assert records(late, "amount_minor", "current_rate", "reduces_attainment") == [
        {"amount_minor": 0, "current_rate": 0.075, "reduces_attainment": False}
    ]


def test_refund_clawbacks_reduce_attainment_in_the_next_period():
    # The refund of 10,000 on 3 January reduces January's measure: D2's 20,000 then
    # runs from -10,000 to 10,000 and is paid only on 0 -> 10,000 at 5%: 500.
    p = small_plan()
    dec = dec_frames()
    df = refunds([("D1", "R1", 10000.0, "CNY", date(2026, 1, 3))])
    out = refund_clawbacks(dec.lines, df, currency="CNY", window_days=90, reduce_attainment=True)
    assert records(out, "amount_minor", "reduces_attainment", "refunded_minor") == [
        {"amount_minor": -83_333, "reduces_attainment": True, "refunded_minor": 1_000_000}
    ]
    nxt = statements_frame(
        p,
        _to_frame([cr("D2", "20000", date(2026, 1, 10))]),
        period=JAN,
        prior=dec.carry,
        clawbacks=out.clawbacks,
    )
    assert nxt.lines[["deal_id", "kind", "amount_minor"]].to_dict("records") == [
        {"deal_id": "D2", "kind": "tier", "amount_minor": 50_000},
        {"deal_id": "D1", "kind": "clawback", "amount_minor": -83_333},
    ]
    row = nxt.totals.loc["R1"]
    assert (row["reduced_minor"], row["clawback_minor"], row["total_minor"]) == (
        1_000_000,
        -83_333,
        -33_333,
    )


def test_refund_clawbacks_errors_table():
    frames, _ = jan()
    # December credits D1 to R1 as well: with both periods' lines D1 is ambiguous.
    both = pd.concat(
        [
            statements_frame(
                PLAN, _to_frame([cr("D1", "100", date(2025, 12, 5))]), period=DEC
            ).lines,
            frames.lines,
        ],
        ignore_index=True,
    )
    spiff = frames.lines.copy()
    spiff.loc[spiff["deal_id"] == "D3", "kind"] = "spiff"
    feb = date(2026, 2, 1)
    rows = [
        ("D9", "R1", 1.0, "CNY", feb),  # unknown deal
        ("D3", "R1", 1.0, "CNY", feb),  # R2's deal, not R1's
        ("D1", "R1", 1.0, "CNY", feb),  # ambiguous
        ("D2", "R1", 1.0, "USD", feb),  # currency
        ("D2", "R1", 1.001, "CNY", feb),  # sub-minor
        ("D2", "R1", 0.0, "CNY", feb),  # not positive
        ("D2", "R1", 20000.01, "CNY", feb),  # exceeds
        ("D2", "R1", 1.0, "CNY", date(2026, 1, 9)),  # before credit
        ("D1", "R1", 5.0, "CNY", feb),  # a duplicate ...
        ("D1", "R1", 5.0, "CNY", feb),  # ... both copies rejected
        ("D2", "R1", 15000.0, "CNY", feb),  # 15,000 + 6,000 > 20,000 ...
        ("D2", "R1", 6000.0, "CNY", date(2026, 2, 2)),  # ... both rejected
        ("", "R1", 1.0, "CNY", feb),  # contract: blank deal
        ("D2", "R1", -1.0, "CNY", feb),  # contract: negative
        ("D2", "R1", 1e300, "CNY", feb),  # far beyond any credit
        ("D2", "R1", 1e16 + 2, "CNY", feb),  # too large for int64 minor units
    ]
    df = refunds(rows, index=list(range(100, 100 + len(rows))))
    out = refund_clawbacks(frames.lines, df, currency="CNY", window_days=90)
    got = reasons(out)
    assert got == {
        100: "unknown_deal",
        101: "unknown_deal",
        103: "currency_mismatch",
        104: "not_minor_unit",
        105: "not_positive",
        106: "refund_exceeds_credit",
        107: "before_credit",
        108: "duplicate_refund",
        109: "duplicate_refund",
        110: "refunds_exceed_credit",
        111: "refunds_exceed_credit",
        112: "not_null",
        113: "negative",
        114: "refund_exceeds_credit",
        115: "refund_exceeds_credit",
    }
    assert out.clawbacks["row"].tolist() == [102]
    assert out.errors.loc[out.errors["row"] == 103, ["column", "value"]].values.tolist() == [
        ["currency", "USD"]
    ]
    amb = refund_clawbacks(both, df.loc[[102]], currency="CNY", window_days=90)
    assert reasons(amb) == {102: "ambiguous_deal"}
    sp = refund_clawbacks(spiff, refunds([("D3", "R2", 1.0, "CNY", feb)]), currency="CNY",
                          window_days=90)  # fmt: skip
    assert reasons(sp) == {0: "spiff_only"}
    huge = frames.lines.assign(base=frames.lines["base"] * 1e10)
    big = refund_clawbacks(huge, refunds([("D3", "R2", 1.0, "CNY", feb)]), currency="CNY",
                           window_days=90)  # fmt: skip
    assert reasons(big) == {0: "credit_too_large"}


def test_refund_clawbacks_invalid_arguments():
    frames, _ = jan()
    df = refunds([("D1", "R1", 1.0, "CNY", date(2026, 2, 1))])
    with pytest.raises(InvalidInputError, match="window_days -1 is negative"):
        refund_clawbacks(frames.lines, df, currency="CNY", window_days=-1)
    with pytest.raises(InvalidInputError, match="current="):
        refund_clawbacks(frames.lines, df, currency="CNY", window_days=1, rate="current")
    with pytest.raises(InvalidInputError, match="rate 'later'"):
        refund_clawbacks(frames.lines, df, currency="CNY", window_days=1, rate="later")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="rounding"):
        refund_clawbacks(frames.lines, df, currency="CNY", window_days=1, rounding="HALF")
    with pytest.raises(InvalidInputError, match="lines lack columns"):
        refund_clawbacks(frames.lines.drop(columns="base"), df, currency="CNY", window_days=1)
    with pytest.raises(FrameValidationError):
        refund_clawbacks(frames.lines, df.drop(columns="amount"), currency="CNY", window_days=1)


def test_refund_clawbacks_empty_inputs():
    frames, _ = jan()
    none = refunds([])
    out = refund_clawbacks(frames.lines, none, currency="CNY", window_days=9)
    assert out.clawbacks.empty and out.errors.empty
    assert list(out.clawbacks.columns[: len(CLAWBACKS.names)]) == list(CLAWBACKS.names)
    no_lines = refund_clawbacks(
        frames.lines.iloc[:0],
        refunds([("D1", "R1", 1.0, "CNY", date(2026, 2, 1))]),
        currency="CNY",
        window_days=9,
        rate="current",
        current=frames,
    )
    assert reasons(no_lines) == {0: "unknown_deal"}
    assert REFUNDS.required == ("deal_id", "rep_id", "amount", "currency", "refunded_on")


def test_refund_clawbacks_jpy_and_huge_amounts_agree_with_clawback():
    # JPY has no minor unit; 600 billion CNY credits push products past int64.
    for cur, amount, refund in (
        ("JPY", "7777777", 1234567.0),
        ("CNY", "600000000000.00", 123456789012.34),
    ):
        p = PLAN.model_copy(update={"currency": cur})
        credits = [cr("D1", amount, date(2026, 1, 5), cur=cur)]
        frames = statements_frame(p, _to_frame(credits), period=JAN)
        cur_credits = [cr("D2", amount, date(2026, 2, 5), cur=cur)]
        feb = statements_frame(p, _to_frame(cur_credits), period=FEB)
        feb_single = statement(p, "R1", cur_credits, period=FEB)
        df = refunds([("D1", "R1", refund, cur, date(2026, 2, 20))])
        for rate in ("original", "current"):
            for rounding in ROUNDINGS:
                out = refund_clawbacks(
                    frames.lines,
                    df,
                    currency=cur,
                    window_days=90,
                    rate=rate,
                    current=feb,
                    rounding=rounding,
                )
                cb = clawback(
                    single(credits, p=p),
                    Refund(deal_id="D1", amount=Money(refund, cur), refunded_on=date(2026, 2, 20)),
                    window_days=90,
                    rate=rate,
                    current=feb_single,
                    rounding=rounding,
                )
                got = out.clawbacks.iloc[0]
                assert Decimal(int(got["amount_minor"])).scaleb(-minor_unit(cur)) == cb.amount
                assert (got["reason_en"], got["reason_zh"]) == (cb.reason_en, cb.reason_zh)


# --------------------------------------------------------------------------- properties
KINDS = ("good", "good", "good", "twice", "copy", "usd", "sub_minor", "zero", "exceeds", "before")


def _single_reason(exc: Exception, amount: float) -> str:
    text = str(exc)
    if isinstance(exc, CurrencyMismatchError):
        return "currency_mismatch"
    for needle, reason in (
        ("unknown deal", "unknown_deal"),
        ("only SPIFF lines", "spiff_only"),
        ("more decimal places", "not_minor_unit"),
        ("is before its credit", "before_credit"),
    ):
        if needle in text:
            return reason
    assert "a refund must be positive" in text, text
    return "not_positive" if amount <= 0 else "refund_exceeds_credit"


@given(
    p=plans(),
    r1=credit_lists(rep="R1", max_size=5),
    r2=credit_lists(rep="R2", max_size=4),
    f1=credit_lists(rep="R1", max_size=3),
    d1=credit_lists(rep="R1", max_size=3),
    data=st.data(),
)
def test_refund_clawbacks_agree_with_clawback(p, r1, r2, f1, d1, data):
    # December and January statements from random plans; random refunds of the credited
    # deals, some bad; the bulk clawbacks equal the single ones row by row, then in
    # February's statements. A deal of R1 credited in both months is ambiguous.
    reps = ("R1", "R2")
    quota = {r: Money.from_minor(data.draw(st.integers(1, 20_000_000)), "CNY") for r in reps}
    quotas = pd.Series({r: float(q.amount) for r, q in quota.items()})
    jan_frames = statements_frame(p, _to_frame(r1 + r2), period=JAN, quotas=quotas)
    assert jan_frames.errors.empty
    dec_credits = [
        c.model_copy(
            update={
                "deal_id": c.deal_id
                if data.draw(st.integers(0, 3)) == 0
                else c.deal_id.replace("D", "E"),
                "credited_on": c.credited_on - timedelta(days=31),
            }
        )
        for c in d1
    ]
    dec_frames = statements_frame(p, _to_frame(dec_credits), period=DEC, quotas=quotas)
    dec_single = statement(p, "R1", dec_credits, period=DEC, quota=quota["R1"])
    in_dec = {c.deal_id for c in dec_credits}
    in_jan = {c.deal_id for c in r1}
    jan_single = {
        r: statement(p, r, [c for c in r1 + r2 if c.rep_id == r], period=JAN, quota=quota[r])
        for r in reps
    }
    feb_credits = [
        c.model_copy(
            update={
                "deal_id": c.deal_id.replace("D", "F"),
                "credited_on": FEB.start + timedelta(days=(c.credited_on - JAN.start).days % 28),
            }
        )
        for c in f1
    ]
    feb_plain = statements_frame(
        p, _to_frame(feb_credits), period=FEB, quotas=quotas, prior=jan_frames.carry
    )
    feb_single = {
        r: statement(
            p,
            r,
            [c for c in feb_credits if c.rep_id == r],
            period=FEB,
            quota=quota[r],
            prior=jan_single[r].carry,
        )
        for r in reps
    }
    window = data.draw(st.integers(0, 60))
    rate = data.draw(st.sampled_from(["original", "current"]))
    reduce = data.draw(st.booleans())
    rounding = data.draw(st.sampled_from(ROUNDINGS))
    rows: list[tuple[str, str, float, str, date]] = []
    for c in r1 + r2 + dec_credits:
        kind = data.draw(st.sampled_from(("skip", *KINDS)))
        if kind == "skip":
            continue
        top = max(c.amount.to_minor(), 1)
        cents = data.draw(st.integers(1, top))
        on = FEB.start + timedelta(days=data.draw(st.integers(0, 27)))
        row = (c.deal_id, c.rep_id, cents / 100, "CNY", on)
        if kind == "usd":
            row = (*row[:3], "USD", on)
        elif kind == "sub_minor":
            row = (*row[:2], (cents * 10 + 3) / 1000, "CNY", on)
        elif kind == "zero":
            row = (*row[:2], 0.0, "CNY", on)
        elif kind == "exceeds":
            row = (*row[:2], (c.amount.to_minor() + cents) / 100, "CNY", on)
        elif kind == "before":
            row = (*row[:4], c.credited_on - timedelta(days=data.draw(st.integers(1, 40))))
        rows.append(row)
        if kind == "twice":
            rows.append((*row[:2], data.draw(st.integers(1, top)) / 100, "CNY", on))
        elif kind == "copy":
            rows.append(row)
    # Deals no one credited to that rep, and rows breaking the contract.
    for _ in range(data.draw(st.integers(0, 2))):
        rows.append(("R2-D0", "R1", 1.0, "CNY", FEB.start))
    for _ in range(data.draw(st.integers(0, 2))):
        rows.append(("R1-D0", "R1", float("nan"), "CNY", FEB.start))
    order = data.draw(st.permutations(range(len(rows))))
    rows = [rows[i] for i in order]
    labels = [f"x{i}" for i in range(len(rows))]
    df = refunds(rows, index=labels)
    out = refund_clawbacks(
        pd.concat([dec_frames.lines, jan_frames.lines], ignore_index=True),
        df,
        currency="CNY",
        window_days=window,
        rate=rate,
        current=feb_plain,
        reduce_attainment=reduce,
        rounding=rounding,
    )
    # Every row is kept, once: a clawback or an error.
    kept, rejected = set(out.clawbacks["row"]), set(out.errors["row"])
    assert kept | rejected == set(labels) and not kept & rejected
    assert out.clawbacks.index.equals(pd.RangeIndex(len(out.clawbacks)))
    # The single path, row by row; then the checks across rows on what it accepts.
    expected: dict[str, str] = {}
    singles = {}
    for label, (deal, rep, amount, cur, on) in zip(labels, rows, strict=True):
        if np.isnan(amount):
            expected[label] = "not_null"
            continue
        original = jan_single[rep]
        if rep == "R1" and deal in in_dec:
            if deal in in_jan:
                expected[label] = "ambiguous_deal"
                continue
            original = dec_single
        try:
            singles[label] = clawback(
                original,
                Refund(deal_id=deal, amount=Money(amount, cur), refunded_on=on),
                window_days=window,
                rate=rate,
                current=feb_single[rep],
                reduce_attainment=reduce,
                rounding=rounding,
            )
        except (InvalidInputError, CurrencyMismatchError) as exc:
            expected[label] = _single_reason(exc, amount)
    seen = pd.Series([(rows[labels.index(x)]) for x in singles], dtype=object)
    for x, dup in zip(singles, seen.duplicated(keep=False), strict=True):
        if dup:
            expected[x] = "duplicate_refund"
    left = [x for x in singles if x not in expected]
    for x in left:
        cb = singles[x]
        same = [
            y for y in left if (singles[y].rep_id, singles[y].deal_id) == (cb.rep_id, cb.deal_id)
        ]
        if sum(singles[y].refunded for y in same) > cb.credited:
            expected[x] = "refunds_exceed_credit"
    assert reasons(out) == expected
    good = [singles[x] for x in labels if x in singles and x not in expected]
    assert out.clawbacks["row"].tolist() == [
        x for x in labels if x in singles and x not in expected
    ]
    pd.testing.assert_frame_equal(
        out.clawbacks[list(CLAWBACKS.names)], clawbacks_frame(good), check_index_type=False
    )
    for cb, got in zip(good, out.clawbacks.to_dict("records"), strict=True):
        assert cb.amount == Decimal(int(got["amount_minor"])).scaleb(-2)
        assert cb.credited == Decimal(int(got["credited_minor"])).scaleb(-2)
        assert cb.paid == Decimal(int(got["paid_minor"])).scaleb(-2)
        assert cb.refunded == Decimal(int(got["refunded_minor"])).scaleb(-2)
        assert (cb.reason_en, cb.reason_zh) == (got["reason_en"], got["reason_zh"])
        assert float(cb.current_rate or 0) == got["current_rate"]
    # February with the clawbacks: bulk and single statements agree.
    assert all(cb.amount <= 0 for cb in good)  # a clawback never pays
    feb = statements_frame(
        p,
        _to_frame(feb_credits),
        period=FEB,
        quotas=quotas,
        prior=jan_frames.carry,
        clawbacks=out.clawbacks,
    )
    for r in reps:
        s = statement(
            p,
            r,
            [c for c in feb_credits if c.rep_id == r],
            period=FEB,
            quota=quota[r],
            prior=jan_single[r].carry,
            clawbacks=[cb for cb in good if cb.rep_id == r],
        )
        assert_agree(p, feb, r, s)


def test_refund_clawbacks_sums_past_int64_stay_exact():
    # Hand-made lines paying 2**62 minor units twice on a credit of 1,000.00: the deal's
    # pay overflows int64, so sums and reversals run on Python integers, exactly.
    big = 2**62
    lines = pd.DataFrame(
        {
            "rep_id": ["R1", "R1"],
            "deal_id": ["D1", "D1"],
            "credited_on": pd.to_datetime(["2026-01-05", "2026-01-05"]),
            "component": ["base", "base"],
            "kind": ["tier", "tier"],
            "base": [600.0, 400.0],
            "amount_minor": np.array([big, big], dtype=np.int64),
        }
    )
    df = refunds([("D1", "R1", 500.0, "CNY", date(2026, 2, 1))])
    out = refund_clawbacks(lines, df, currency="CNY", window_days=90)
    got = out.clawbacks.iloc[0]
    assert (got["paid_minor"], got["amount_minor"]) == (2 * big, -big)
    assert got["amount"] == -big / 100
    current = StatementsFrames(
        lines=lines.assign(deal_id=["D2", "D2"]),
        totals=pd.DataFrame({"credited_minor": [100_000]}, index=pd.Index(["R1"], name="rep_id")),
        errors=pd.DataFrame(),
        carry=pd.DataFrame(),
    )
    cur = refund_clawbacks(
        lines, df, currency="CNY", window_days=90, rate="current", current=current
    )
    # Rate 2**63 / 100,000 per minor unit on a refund of 50,000 minor units: 2**62.
    got = cur.clawbacks.iloc[0]
    assert got["amount_minor"] == -big
    assert got["current_rate"] == 2**63 / 100_000


def test_a_deal_paid_net_negative_is_not_clawed_back():
    # Lines edited so D1 paid 0.01 and a cap took 0.02: paid -0.01. Reversing its share
    # would pay the rep; a clawback only takes back, so it reverses 0.00.
    frames, credits = jan()
    s = single(credits)
    d1 = s.lines[0].model_copy(update={"amount": Decimal("0.01")})
    cap = d1.model_copy(update={"kind": "deal_cap", "tier": 0, "amount": Decimal("-0.02")})
    s = s.model_copy(update={"lines": (d1, cap, *s.lines[1:])})
    lines = frames.lines.copy()
    lines.loc[0, "amount_minor"] = 1
    lines = pd.concat([lines.iloc[:1], lines.iloc[:1].assign(kind="deal_cap", amount_minor=-2),
                       lines.iloc[1:]], ignore_index=True)  # fmt: skip
    on = date(2026, 2, 1)
    out = refund_clawbacks(lines, refunds([("D1", "R1", 1.0, "CNY", on)]), currency="CNY",
                           window_days=90)  # fmt: skip
    cb = clawback(s, Refund(deal_id="D1", amount=Money("1", "CNY"), refunded_on=on), window_days=90)
    assert cb.reason_en == "refund of 1.00 of 40,000.00 CNY reverses 0.00 of -0.01 paid"
    assert cb.amount == 0
    got = out.clawbacks.iloc[0]
    assert (got["reason_en"], got["reason_zh"], got["paid_minor"]) == (
        cb.reason_en,
        cb.reason_zh,
        -1,
    )
