"""Tour section: the pipeline as a Markov chain, and a Monte Carlo of the quarter."""

from __future__ import annotations

from datetime import date
from typing import TextIO

import numpy as np

from salescore._tour._common import heading
from salescore._tour.foundation import tour_opportunities, tour_pipeline
from salescore.calendar import Period
from salescore.forecast.markov import MarkovModel
from salescore.forecast.montecarlo import Simulation, simulate

SEED = 20260107
TITLE = "The pipeline's dynamics: Markov chain and Monte Carlo"
AS_OF = date(2026, 6, 1)
QUARTER = Period.quarter(2026, 2)


def _k(x: float) -> str:
    return f"{x / 1000:,.0f}k"


def _describe(sim: Simulation) -> str:
    lo, hi = sim.interval(0.8)
    p10, p50, p90 = sim.quantiles.tolist()
    return (
        f"mean {_k(sim.mean)} CNY (exact {_k(sim.analytic_mean)}, standard error "
        f"{_k(sim.standard_error)}), std {_k(sim.std)}; P10/P50/P90 {_k(p10)} / {_k(p50)} / "
        f"{_k(p90)}; 80% interval [{_k(lo)}, {_k(hi)}]"
    )


def section(out: TextIO) -> None:
    """Write the Markov and Monte Carlo section of the tour to ``out``."""
    heading(out, TITLE)
    pipeline = tour_pipeline()
    deals = tour_opportunities(pipeline, n=200)
    changes = sum(len(d.history) for d in deals)
    model = MarkovModel.fit(deals, pipeline, step="week", as_of=AS_OF)
    out.write(
        f"A weekly chain fitted on {changes} stage changes of {len(deals)} deals "
        f"(as of {AS_OF}); won and lost absorb. One week ahead:\n"
    )
    out.write(model.transition.round(3).to_string() + "\n")
    quarter_weeks = 13
    table = model.win_probability.to_frame("eventually won")
    table["default"] = [s.probability for s in pipeline.stages]
    table[f"won within {quarter_weeks} weeks"] = model.win_within(quarter_weeks)
    table["expected weeks to close"] = model.expected_steps
    out.write(table.loc[[s.name for s in pipeline.open_stages]].round(3).to_string() + "\n")

    odds = model.period_odds(deals, as_of=AS_OF, period=QUARTER)
    amounts = np.array([float(d.amount) for d in deals])
    negotiation = odds[odds["stage"] == "Negotiation"]
    next_quarter = model.period_odds(deals, as_of=AS_OF, period=Period.quarter(2026, 3))
    first = negotiation.index[0]
    out.write(
        f"Seen from {AS_OF}, {QUARTER} has {int(odds['steps_to_end'].max())} weekly steps "
        f"left: a Negotiation deal such as {first} wins in it with "
        f"{odds.loc[first, 'probability']:.1%}, in 2026-Q3 with "
        f"{next_quarter.loc[first, 'probability']:.1%}.\n"
    )
    booked = float(amounts[(odds["stage"] == "Won").to_numpy() & (odds["probability"] == 1)].sum())
    markov_total = float((amounts * odds["probability"].to_numpy()).sum())
    out.write(
        f"Markov forecast for {QUARTER}: {_k(markov_total)} CNY "
        f"({_k(booked)} already won + {_k(markov_total - booked)} expected from open deals).\n"
    )

    sim = simulate(deals, pipeline, seed=SEED, n=10_000, period=QUARTER)
    out.write(
        f"Monte Carlo of {QUARTER}, 10,000 runs (seed {SEED}), stage probabilities, deals "
        f"expected to close in the quarter ({sim.deals} open): {_describe(sim)}.\n"
    )
    slipping = simulate(deals, pipeline, seed=SEED, n=10_000, period=QUARTER, close_date_spread=14)
    out.write(f"The same with close dates slipping by N(0, 14 days): {_describe(slipping)}.\n")
    markov_sim = simulate(
        deals, pipeline, seed=SEED, n=10_000, probabilities=odds["probability"].to_numpy()
    )
    lo, hi = markov_sim.interval(0.8)
    out.write(
        f"With the Markov odds for the quarter instead (they already hold the timing): "
        f"{_k(booked)} won + open deals with mean {_k(markov_sim.mean)} "
        f"(exact {_k(markov_sim.analytic_mean)}), 80% interval "
        f"[{_k(booked + lo)}, {_k(booked + hi)}] CNY in total.\n"
    )
