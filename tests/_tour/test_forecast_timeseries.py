from __future__ import annotations

import io

from salescore._tour import forecast_timeseries


def test_forecast_timeseries_section_shows_key_numbers():
    out = io.StringIO()
    forecast_timeseries.section(out)
    text = out.getvalue()
    assert f"== {forecast_timeseries.TITLE} ==" in text
    # 36 months less the one the export lost.
    assert "35 months of bookings from 2023-01 to 2025-12" in text
    # The run rate repeats the mean of Oct-Dec 2025 for each month of Q1 2026.
    assert "total 1,727k: 576k [406k, 745k], 576k" in text
    assert "Holt-Winters (mul)   total 1,889k" in text
    assert "March factor 1.35" in text
    assert "pooled over 18 forecasts" in text
    assert "seasonal naive       MAE 67k, WAPE 11.4%" in text


def test_tour_bookings_has_the_documented_gap():
    bookings = forecast_timeseries.tour_bookings()
    assert len(bookings) == 35
    assert "2024-08" not in bookings.index.astype(str)
