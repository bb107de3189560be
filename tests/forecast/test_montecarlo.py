from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.funnel._helpers import pipeline

from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, InvalidInputError, UnknownStageError
from salescore.forecast.montecarlo import Simulation, simulate
from salescore.frames import to_frame
from salescore.models import Opportunity
from salescore.testing import opportunity_sets, pipelines

Q2 = Period.quarter(2026, 2)


def deal(
    i: int,
    stage: str,
    amount: float,
    *,
    expected: date | None = date(2026, 5, 15),
    closed: date | None = None,
    probability: float | None = None,
    currency: str = "CNY",
) -> Opportunity:
    return Opportunity(
        id=f"D{i}",
        owner_id="R1",
        amount=amount,
        currency=currency,
        stage=stage,
        created_on=date(2026, 1, 5),
        expected_close_date=expected,
        close_date=closed,
        probability=probability,
    )


def kappa4(p: np.ndarray, a: np.ndarray) -> float:
    # Fourth cumulant of a * Bernoulli(p): a^4 p(1-p)(1 - 6p(1-p)).
    return float((a**4 * p * (1 - p) * (1 - 6 * p * (1 - p))).sum())


# --------------------------------------------------------------------------- the statistics
@given(
    st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(1, 10_000)), min_size=1, max_size=15),
    st.integers(0, 2**32),
)
def test_simulate_mean_and_variance_match_analytic(
    deals_pa: list[tuple[float, int]], seed: int
) -> None:
    p = np.array([x for x, _ in deals_pa])
    a = np.array([float(y) for _, y in deals_pa])
    deals = [deal(i, "Proposal", a[i]) for i in range(len(p))]
    n = 4000
    sim = simulate(deals, pipeline(), seed=seed, n=n, probabilities=p)
    mean, var = float((p * a).sum()), float((p * (1 - p) * a**2).sum())
    assert sim.analytic_mean == pytest.approx(mean)
    assert sim.analytic_variance == pytest.approx(var)
    # Mean within 5 standard errors of sum(p a) (false alarm ~ 6e-7 per example).
    assert abs(sim.mean - mean) <= 5 * math.sqrt(var / n) + 1e-9
    # The mean squared deviation from the exact mean, m2 = mean((X - mu)^2), is a mean of n
    # i.i.d. terms with expectation var and variance (k4 + 2 var^2) exactly (k4 the fourth
    # cumulant of X), so it lies within 6 of its standard errors of var; the sample
    # variance is n/(n-1) (m2 - (mean - mu)^2).
    m2 = float(((sim.totals - mean) ** 2).mean())
    assert abs(m2 - var) <= 6 * math.sqrt(max(kappa4(p, a) + 2 * var**2, 0.0) / n) + 1e-6
    assert sim.std**2 == pytest.approx(n / (n - 1) * (m2 - (sim.mean - mean) ** 2), abs=1e-6)


def test_simulate_mean_within_standard_error_of_sum_p_a():
    rng = np.random.default_rng(5)
    p = rng.random(200)
    a = rng.integers(1, 500, 200) * 100.0
    deals = [deal(i, "Qualify", a[i]) for i in range(200)]
    sim = simulate(deals, pipeline(), seed=11, n=20_000, probabilities=p)
    expected = float((p * a).sum())
    assert abs(sim.mean - expected) <= 4 * sim.standard_error
    assert sim.std**2 == pytest.approx(float((p * (1 - p) * a**2).sum()), rel=0.05)


def test_simulate_hand_case_sure_and_impossible_deals():
    # p = 1 always wins, p = 0 never: every run books 300 + 50 already won in Q2.
    deals = [
        deal(0, "Negotiation", 300, probability=1.0),
        deal(1, "Qualify", 1000, probability=0.0),
        deal(2, "Won", 50, expected=None, closed=date(2026, 4, 2)),
        deal(3, "Won", 70, expected=None, closed=date(2026, 3, 31)),  # before Q2
        deal(4, "Lost", 90, expected=None, closed=date(2026, 4, 3)),
    ]
    sim = simulate(deals, pipeline(), seed=1, n=50, period=Q2)
    assert sim.totals.tolist() == [350.0] * 50
    assert (sim.booked, sim.analytic_mean, sim.analytic_variance) == (50.0, 350.0, 0.0)
    assert (sim.mean, sim.std, sim.standard_error) == (350.0, 0.0, 0.0)
    assert sim.interval(0.9) == (350.0, 350.0)
    assert sim.deals == 2
    assert sim.currency == "CNY"


def test_simulate_probability_sources():
    # Override 0.5 beats the table; table beats the stage default; default 0.1 for Qualify.
    deals = [
        deal(0, "Proposal", 100, probability=0.5),
        deal(1, "Proposal", 100),
        deal(2, "Qualify", 100),
    ]
    sim = simulate(deals, pipeline(), seed=1, n=10, probabilities={"Proposal": 0.2})
    assert sim.analytic_mean == pytest.approx(100 * (0.5 + 0.2 + 0.1))
    # 0.5*0.5*100^2 + 0.2*0.8*100^2 + 0.1*0.9*100^2 = 2500 + 1600 + 900
    assert sim.analytic_variance == pytest.approx(5000.0)


def test_simulate_period_filters_by_expected_close_date():
    deals = [
        deal(0, "Proposal", 100, expected=date(2026, 4, 1)),
        deal(1, "Proposal", 200, expected=date(2026, 7, 1)),  # first day after Q2
        deal(2, "Proposal", 400, expected=None),
    ]
    sim = simulate(deals, pipeline(), seed=1, n=10, period=Q2)
    assert sim.analytic_mean == pytest.approx(0.4 * 100)
    assert sim.undated.tolist() == ["D2"]
    assert sim.deals == 1
    everything = simulate(deals, pipeline(), seed=1, n=10)
    assert everything.analytic_mean == pytest.approx(0.4 * 700)
    assert everything.undated.tolist() == []


def test_simulate_slip_hand_probabilities():
    # Expected on 2026-07-01 (day 91 of a 91-day Q2) with sigma 10 days: lands in Q2 with
    # Phi(0) - Phi(-9.1) = 0.5 (to 1e-19). Expected mid-quarter (day 45, 46 days from the
    # end): Phi(4.6) - Phi(-4.5) = 0.999995...; far away (2027) contributes 0.
    deals = [
        deal(0, "Proposal", 100, expected=date(2026, 7, 1)),
        deal(1, "Proposal", 100, expected=date(2026, 5, 16)),
        deal(2, "Proposal", 100, expected=date(2027, 6, 1)),
    ]
    sim = simulate(deals, pipeline(), seed=3, n=40_000, period=Q2, close_date_spread=10)
    phi = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731
    q = [0.5, phi(4.6) - phi(-4.5), 0.0]
    pi = np.array(q) * 0.4
    assert sim.analytic_mean == pytest.approx(float((pi * 100).sum()))
    assert sim.analytic_variance == pytest.approx(float((pi * (1 - pi) * 100**2).sum()))
    assert abs(sim.mean - sim.analytic_mean) <= 5 * sim.standard_error
    assert sim.deals == 3
    same = simulate(deals, pipeline(), seed=3, n=100, period=Q2, close_date_spread=timedelta(10))
    assert same.analytic_mean == sim.analytic_mean


def test_simulate_is_reproducible_and_independent_of_chunking():
    rng = np.random.default_rng(2)
    deals = [deal(i, "Proposal", float(rng.integers(1, 100))) for i in range(50)]
    a = simulate(deals, pipeline(), seed=42, n=1000)
    b = simulate(deals, pipeline(), seed=42, n=1000, chunk_mib=0.001)
    c = simulate(deals, pipeline(), seed=43, n=1000)
    assert np.array_equal(a.totals, b.totals)
    assert not np.array_equal(a.totals, c.totals)
    assert a.seed == 42
    with pytest.raises(ValueError, match="read-only"):
        a.totals[0] = 1.0


@given(st.data())
def test_simulate_models_and_frame_agree(data: st.DataObject):
    p = data.draw(pipelines(max_open=3))
    deals = data.draw(opportunity_sets(p, max_size=12, currency="EUR"))
    period = Period.quarter(2026, data.draw(st.integers(1, 4)))
    seed = data.draw(st.integers(0, 1000))
    spread = data.draw(st.none() | st.floats(0.0, 60.0))
    by_models = simulate(deals, p, seed=seed, n=200, period=period, close_date_spread=spread)
    frame = to_frame(deals, model=Opportunity) if deals else None
    if frame is None:
        assert by_models.totals.tolist() == [0.0] * 200
        return
    by_frame = simulate(frame, p, seed=seed, n=200, period=period, close_date_spread=spread)
    assert np.array_equal(by_models.totals, by_frame.totals)
    assert by_models.analytic_mean == pytest.approx(by_frame.analytic_mean)


@given(st.data())
def test_simulate_between_booked_and_booked_plus_open(data: st.DataObject):
    p = data.draw(pipelines(max_open=3))
    deals = data.draw(opportunity_sets(p, max_size=12, currency="EUR"))
    sim = simulate(deals, p, seed=data.draw(st.integers(0, 99)), n=100, period=Q2)
    open_total = sum(
        float(d.amount)
        for d in deals
        if not p[d.stage].is_closed
        and d.expected_close_date is not None
        and Q2.contains(d.expected_close_date)
    )
    assert (sim.totals >= sim.booked - 1e-6).all()
    assert (sim.totals <= sim.booked + open_total + 1e-6).all()
    lo, hi = sim.interval(0.8)
    assert lo <= sim.quantile(0.5) <= hi
    assert list(sim.quantiles.index) == ["P10", "P50", "P90"]


# --------------------------------------------------------------------------- result type
def test_simulation_statistics_hand_values():
    s = Simulation(np.array([0.0, 10.0, 10.0, 20.0]), "CNY", 0.0, 10.0, 50.0, 2, pd.Index([]), 1)
    # mean 10; sample variance (100 + 0 + 0 + 100) / 3; quantiles by linear interpolation.
    assert s.n == 4
    assert s.std == pytest.approx(math.sqrt(200 / 3))
    assert s.standard_error == pytest.approx(math.sqrt(200 / 3) / 2)
    assert s.quantiles.tolist() == pytest.approx([3.0, 10.0, 17.0])
    one = Simulation(np.array([5.0]), None, 0.0, 5.0, 0.0, 0, pd.Index([]), 1)
    assert one.std == 0.0


def test_simulation_rejects_bad_levels():
    s = Simulation(np.array([1.0, 2.0]), "CNY", 0.0, 1.5, 0.25, 1, pd.Index([]), 1)
    with pytest.raises(InvalidInputError, match=r"interval level 1\.0 must be strictly between"):
        s.interval(1.0)
    with pytest.raises(InvalidInputError, match=r"quantile level 1\.5 is outside"):
        s.quantile(1.5)


# --------------------------------------------------------------------------- bad input
def test_simulate_rejects_bad_arguments():
    deals = [deal(0, "Proposal", 100)]
    p = pipeline()
    with pytest.raises(InvalidInputError, match="n 0 must be a whole number of runs"):
        simulate(deals, p, seed=1, n=0)
    with pytest.raises(InvalidInputError, match="seed -1 must be a whole number"):
        simulate(deals, p, seed=-1)
    with pytest.raises(InvalidInputError, match="chunk_mib 0 must be a positive"):
        simulate(deals, p, seed=1, chunk_mib=0)
    with pytest.raises(InvalidInputError, match="period '2026-Q2' is not a Period"):
        simulate(deals, p, seed=1, period="2026-Q2")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="close_date_spread needs a period"):
        simulate(deals, p, seed=1, close_date_spread=5)
    with pytest.raises(InvalidInputError, match="close_date_spread -5 must be finite"):
        simulate(deals, p, seed=1, period=Q2, close_date_spread=-5)
    with pytest.raises(InvalidInputError, match="close_date_spread '5' must be a number"):
        simulate(deals, p, seed=1, period=Q2, close_date_spread="5")  # type: ignore[arg-type]


def test_simulate_rejects_bad_probabilities():
    deals = [deal(0, "Proposal", 100), deal(1, "Proposal", 100)]
    p = pipeline()
    with pytest.raises(InvalidInputError, match=r"shape \(3,\); one per deal \(2\)"):
        simulate(deals, p, seed=1, probabilities=[0.1, 0.2, 0.3])
    with pytest.raises(InvalidInputError, match=r"deal probability 1\.5 at position 1"):
        simulate(deals, p, seed=1, probabilities=[0.1, 1.5])
    with pytest.raises(InvalidInputError, match="nan at position 0"):
        simulate(deals, p, seed=1, probabilities=[float("nan"), 0.5])
    with pytest.raises(UnknownStageError, match="probabilities stage 'Demo'"):
        simulate(deals, p, seed=1, probabilities={"Demo": 0.5})
    with pytest.raises(InvalidInputError, match="stage 'Proposal' probability 2 is outside"):
        simulate(deals, p, seed=1, probabilities={"Proposal": 2})


def test_simulate_rejects_mixed_currencies_and_bad_deals():
    p = pipeline()
    deals = [deal(0, "Proposal", 100), deal(1, "Proposal", 100, currency="USD")]
    with pytest.raises(CurrencyMismatchError, match="deals are in CNY, USD"):
        simulate(deals, p, seed=1)
    # A USD deal outside the period does not count, so there is no mix.
    outside = [deal(0, "Proposal", 100), deal(1, "Proposal", 9, expected=None, currency="USD")]
    assert simulate(outside, p, seed=1, period=Q2).currency == "CNY"
    with pytest.raises(UnknownStageError, match="'Demo'"):
        simulate([deal(0, "Demo", 100)], p, seed=1)
