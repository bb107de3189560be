from __future__ import annotations

import io

from salescore._tour import funnel


def test_funnel_section_shows_key_numbers() -> None:
    out = io.StringIO()
    funnel.section(out)
    text = out.getvalue()
    assert "== The sales funnel ==" in text
    # 40 deals; 9 won and 14 lost: win rate 9 / 23 = 39.1%
    assert "Win rate 39.1% (9 won, 14 lost)" in text
    # 2,341,000 CNY won over 9 deals = 260,111.11 CNY each
    assert "average won deal 260111.11 CNY" in text
    assert "Counts of two halves added give the same funnel: True" in text
    assert "entered: [40, 18, 15] vs [40, 28, 24]" in text
    assert "== The reverse funnel for the yearly goal ==" in text
    # ceil(5,000,000 / 260,111.11) = 20 won deals; 20 / 0.375 = 53.3 -> 54 in Negotiation
    assert "20 won deals" in text
    assert "Negotiation       0.375     54  13333333.33" in text
    assert "Sales velocity: 78650.20 CNY per day" in text
