from __future__ import annotations

import io

from salescore._tour import forecast_dynamics
from salescore._tour.foundation import tour_opportunities, tour_pipeline


def test_forecast_dynamics_section_shows_key_numbers() -> None:
    out = io.StringIO()
    forecast_dynamics.section(out)
    text = out.getvalue()
    assert f"== {forecast_dynamics.TITLE} ==" in text
    assert "494 stage changes of 200 deals (as of 2026-06-01)" in text
    # 30 days from 2026-06-01 to 2026-07-01 = 4 whole weeks.
    assert "2026-Q2 has 4 weekly steps left" in text
    assert "Markov forecast for 2026-Q2: 8,273k CNY (5,977k already won" in text
    # The exact mean of the stage-probability Monte Carlo, recomputed here independently:
    # won in Q2 plus sum of default probability x amount over open deals expected in Q2.
    pipeline = tour_pipeline()
    deals = tour_opportunities(pipeline, n=200)
    q2 = forecast_dynamics.QUARTER
    won = sum(
        float(d.amount)
        for d in deals
        if d.stage == "Won" and d.close_date is not None and q2.contains(d.close_date)
    )
    expected = won + sum(
        float(d.amount) * pipeline[d.stage].probability
        for d in deals
        if not pipeline[d.stage].is_closed
        and d.expected_close_date is not None
        and q2.contains(d.expected_close_date)
    )
    assert f"{won / 1000:,.0f}k already won" in text
    assert f"(exact {expected / 1000:,.0f}k, standard error" in text
    assert "slipping by N(0, 14 days)" in text
    assert "80% interval [" in text
