from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.commission._helpers import JAN, credit, plan, reps, two_tier

from salescore.calendar import Period, WorkCalendar
from salescore.commission import prorated_quota, statement, statements_frame
from salescore.errors import InvalidInputError
from salescore.models import Rep
from salescore.money import Money

Q = Money("31000", "CNY")


def rep(**kw: object) -> Rep:
    return Rep.model_validate({"id": "R1", "name": "Li"} | kw)


def test_prorated_quota_joiner_and_leaver():
    # Hired 11 January: 21 of 31 days. Leaving 10 January (inclusive): 10 days.
    assert prorated_quota(Q, rep(hire_date=date(2026, 1, 11)), JAN) == Money("21000", "CNY")
    assert prorated_quota(Q, rep(leave_date=date(2026, 1, 10)), JAN) == Money("10000", "CNY")
    both = rep(hire_date=date(2026, 1, 11), leave_date=date(2026, 1, 20))
    assert prorated_quota(Q, both, JAN) == Money("10000", "CNY")
    assert prorated_quota(Q, rep(hire_date=date(2026, 2, 1)), JAN) == Money("0", "CNY")
    assert prorated_quota(Q, rep(leave_date=date(2025, 12, 31)), JAN) == Money("0", "CNY")
    assert prorated_quota(Q, rep(), JAN) == Q


def test_prorated_quota_ramp_by_month_of_tenure():
    # Hired 1 December 2025 with ramp 25%, 50%: January is tenure month 2 (50%),
    # February month 3 (100%).
    r = rep(hire_date=date(2025, 12, 1), ramp=(0.25, 0.5))
    assert prorated_quota(Q, r, JAN) == Money("15500", "CNY")
    assert prorated_quota(Money("28000", "CNY"), r, Period.month(2026, 2)).amount == 28000
    # Hired 16 January at 25% for a month: 16 days x 0.25 = 4 of 31.
    r = rep(hire_date=date(2026, 1, 16), ramp=(0.25,))
    assert prorated_quota(Q, r, JAN) == Money("4000", "CNY")
    # No hire date: no ramp to place, full quota.
    assert prorated_quota(Q, rep(ramp=(0.5,)), JAN) == Q
    # Capacity is not applied.
    assert prorated_quota(Q, rep(capacity=0.5), JAN) == Q


def test_prorated_quota_rounds_once():
    # 1 day of 31 of 100.00: 3.2258... -> 3.23; half-even and half-up differ on 0.5.
    r = rep(leave_date=date(2026, 1, 1))
    assert prorated_quota(Money("100", "CNY"), r, JAN) == Money("3.23", "CNY")
    two = Period(start=date(2026, 1, 1), end=date(2026, 1, 3))
    odd = Money("0.01", "CNY")
    assert prorated_quota(odd, r, two).amount == Decimal("0.00")
    assert prorated_quota(odd, r, two, rounding="ROUND_HALF_UP").amount == Decimal("0.01")


def test_prorated_quota_work_calendar():
    # January 2026 has 22 weekdays; hired Monday 19 January: 10 of them.
    r = rep(hire_date=date(2026, 1, 19))
    assert prorated_quota(Money("22000", "CNY"), r, JAN, work_calendar=WorkCalendar()) == Money(
        "10000", "CNY"
    )


def test_prorated_quota_rejects_bad_input():
    with pytest.raises(InvalidInputError, match="whole minor units"):
        prorated_quota(Money("-1", "CNY"), rep(), JAN)
    with pytest.raises(InvalidInputError, match="no working days"):
        prorated_quota(
            Q,
            rep(),
            Period(start=date(2026, 1, 3), end=date(2026, 1, 5)),
            work_calendar=WorkCalendar(),
        )
    with pytest.raises(InvalidInputError, match="rounding"):
        prorated_quota(Q, rep(), JAN, rounding="ROUND_SIDEWAYS")


def test_statement_prorate_example():
    # Hired 17 January, quota 31,000 -> 15,000 for 15 days; 15,000 credited is 100 percent.
    r = rep(hire_date=date(2026, 1, 17))
    s = statement(
        plan(two_tier()),
        r,
        [credit("D1", "15000", day=20)],
        period=JAN,
        quota=Q,
        prorate=True,
    )
    assert s.quota == Decimal("15000.00")
    assert s.full_quota == Decimal("31000")
    assert s.attainment == 1
    assert s.total == Decimal("750.00")
    unprorated = statement(
        plan(two_tier()), r, [credit("D1", "15000", day=20)], period=JAN, quota=Q
    )
    assert unprorated.quota == unprorated.full_quota == Decimal("31000")


def test_statement_prorate_errors():
    p = plan(two_tier())
    with pytest.raises(InvalidInputError, match="needs the Rep"):
        statement(p, "R1", [], period=JAN, quota=Q, prorate=True)
    with pytest.raises(InvalidInputError, match="must be > 0"):
        statement(p, rep(hire_date=date(2026, 3, 1)), [], period=JAN, quota=Q, prorate=True)
    # Nothing to prorate without a quota under an amount plan.
    amount_plan = plan(two_tier(basis="amount"))
    assert statement(amount_plan, rep(), [], period=JAN, prorate=True).quota is None


def test_statements_frame_prorate_example():
    people = [rep(hire_date=date(2026, 1, 17)), rep(id="R2", leave_date=date(2026, 1, 10))]
    df = pd.DataFrame(
        {
            "deal_id": ["D1", "D2"],
            "rep_id": ["R1", "R2"],
            "amount": [15000.0, 100.0],
            "currency": "CNY",
            "credited_on": pd.to_datetime(["2026-01-20", "2026-01-05"]),
        }
    )
    q = pd.Series({"R1": 31000.0, "R2": 31000.0, "R3": 31000.0})
    people.append(rep(id="R3", hire_date=date(2026, 2, 2)))
    out = statements_frame(plan(two_tier()), df, period=JAN, quotas=q, reps=people, prorate=True)
    assert out.totals["quota_minor"].to_dict() == {"R1": 1_500_000, "R2": 1_000_000}
    assert out.totals["full_quota_minor"].tolist() == [3_100_000, 3_100_000]
    assert out.totals["total_minor"].tolist() == [75000, 500]
    assert out.errors.empty  # R3 has a zero quota but no credit: no statement, nothing lost
    # An amount plan needs no quota: a rep not employed still gets a statement.
    amount = statements_frame(
        plan(two_tier(basis="amount")), df, period=JAN, quotas=q, reps=people, prorate=True
    )
    assert amount.totals["quota_minor"].to_dict() == {"R1": 1_500_000, "R2": 1_000_000, "R3": 0}
    with pytest.raises(InvalidInputError, match="needs reps"):
        statements_frame(plan(two_tier()), df, period=JAN, quotas=q, prorate=True)
    with pytest.raises(InvalidInputError, match="no Rep"):
        statements_frame(plan(two_tier()), df, period=JAN, quotas=q, reps=people[:1], prorate=True)
    with pytest.raises(InvalidInputError, match="repeat"):
        statements_frame(
            plan(two_tier()), df, period=JAN, quotas=q, reps=people + people[:1], prorate=True
        )


def test_statements_frame_prorate_reports_rows_of_reps_not_employed():
    people = [rep(hire_date=date(2026, 2, 1))]
    df = pd.DataFrame(
        {
            "deal_id": ["D1"],
            "rep_id": ["R1"],
            "amount": [10.0],
            "currency": "CNY",
            "credited_on": pd.to_datetime(["2026-01-20"]),
        }
    )
    out = statements_frame(
        plan(two_tier()),
        df,
        period=JAN,
        quotas=pd.Series({"R1": 100.0}),
        reps=people,
        prorate=True,
    )
    assert out.errors[["row", "reason"]].to_dict("records") == [{"row": 0, "reason": "zero_quota"}]
    assert out.totals.empty
    assert out.lines.empty
    # Balances carried in for a rep left out this period pass through untouched.
    prior = pd.DataFrame(
        {"advances_minor": [700], "deficit_minor": [300], "year": [2026]}, index=["R1"]
    )
    again = statements_frame(
        plan(two_tier()),
        df,
        period=JAN,
        quotas=pd.Series({"R1": 100.0}),
        reps=people,
        prorate=True,
        prior=prior,
    )
    assert again.totals.empty
    kept = again.carry.loc["R1"]
    assert (kept["advances_minor"], kept["deficit_minor"], kept["year"]) == (700, 300, 2026)


@given(r=reps(), cents=st.integers(0, 10**12))
def test_prorated_quota_within_quota(r, cents):
    quota = Money.from_minor(cents, "CNY")
    got = prorated_quota(quota, r, JAN)
    assert Money.zero("CNY") <= got <= quota
    hired = r.hire_date is None or r.hire_date <= JAN.start
    stays = r.leave_date is None or r.leave_date >= JAN.end - timedelta(days=1)
    if hired and stays and not r.ramp:
        assert got == quota


@given(split=st.integers(0, 30), cents=st.integers(0, 10**12))
def test_prorated_quota_leaver_and_joiner_add_up(split, cents):
    # One rep leaves after day ``split`` and another joins the day after: the two
    # prorated quotas add to the whole quota within one minor unit.
    quota = Money.from_minor(cents, "CNY")
    last = JAN.start + timedelta(days=split) - timedelta(days=1)
    leaver = rep(hire_date=date(2025, 1, 1), leave_date=max(last, date(2025, 1, 1)))
    joiner = rep(hire_date=JAN.start + timedelta(days=split))
    parts = prorated_quota(quota, leaver, JAN).to_minor()
    parts += prorated_quota(quota, joiner, JAN).to_minor()
    assert abs(parts - cents) <= 1


@given(r=reps(), cents=st.integers(1, 10**10))
def test_statements_frame_prorates_like_prorated_quota(r, cents):
    quota = Money.from_minor(cents, "CNY")
    out = statements_frame(
        plan(two_tier(basis="amount")),
        pd.DataFrame(
            {
                "deal_id": pd.Series([], dtype=object),
                "rep_id": pd.Series([], dtype=object),
                "amount": np.zeros(0),
                "currency": pd.Series([], dtype=object),
                "credited_on": pd.to_datetime([]),
            }
        ),
        period=JAN,
        quotas=pd.Series({r.id: float(quota.amount)}),
        reps=[r],
        prorate=True,
    )
    assert out.totals.loc[r.id, "quota_minor"] == prorated_quota(quota, r, JAN).to_minor()
