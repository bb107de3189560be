from __future__ import annotations

import io

from salescore._tour import foundation


def test_foundation_section_shows_key_numbers():
    out = io.StringIO()
    foundation.section(out)
    text = out.getvalue()
    # 100 CNY in three parts by largest remainder: the first part takes the odd cent.
    assert "33.34 CNY, 33.33 CNY, 33.33 CNY" in text
    assert "2026: 365 days" in text
    # Spring Festival February 2024: 21 weekdays - 5 holidays + 2 make-up Sundays.
    assert "Spring Festival and make-up days: 18" in text
    assert "Mixing currencies is refused" in text


def test_foundation_section_checks_the_deals_once():
    out = io.StringIO()
    foundation.section(out)
    deals = foundation.tour_opportunities(foundation.tour_pipeline())
    won = sum(d.stage == "Won" for d in deals)
    text = out.getvalue()
    assert f"CheckedFrame('opportunities', {len(deals)} rows)" in text
    assert (
        f"its {won} won deals, a subset, stay checked: CheckedFrame('opportunities', {won} rows)"
        in text
    )
