from __future__ import annotations

import io

from salescore._tour import commission


def test_commission_section_shows_key_numbers():
    out = io.StringIO()
    commission.section(out)
    text = out.getvalue()
    assert text.startswith("\n== Commission statements ==")
    # 123,456.78 * 0.6 = 74,074.068 -> R1 gets 74,074.07 (R2 the other 49,382.71).
    assert "R1 is credited 74,074.07 CNY" in text
    # January: 173,908.32 credited against 200,000 -> 87%, all at 4%: 6,956.3328 -> 6,956.33.
    assert "2026-01: credited 173,908.32 CNY, attainment 87%" in text
    assert "total payable 6,956.33 CNY" in text
    # March runs into the 30,000 cap.
    assert "capped at the period cap" in text
    assert "total payable 30,000.00 CNY" in text
    assert "属于第1档，费率 4%" in text
    assert "January payout 350,789.50 CNY; 0 reps hit the 30,000 cap." in text


def test_commission_section_shows_clawback_and_draw():
    out = io.StringIO()
    commission.section(out)
    text = out.getvalue()
    # D12 paid 34,891.19 * 0.04 = 1,395.6476 -> 1,395.65; a full refund reverses all of it.
    assert "Clawback in February: -1,395.65 CNY" in text
    # Jan: 10,000 - 6,956.33 = 3,043.67 advanced. Feb: 13,685.63 - 1,395.65 = 12,289.98 earned,
    # half of the 2,289.98 above the draw = 1,144.99 recovered, 1,898.68 still owed.
    assert "advance  3,043.67" in text
    assert "earned  12,289.98  advance      0.00  recovered  1,144.99  paid  11,144.99" in text
    # Mar: half of 20,000 above the draw covers the 1,898.68 owed: 30,000 - 1,898.68 paid.
    assert "paid  28,101.32  owed after      0.00" in text


def test_commission_section_shares_a_pool_exactly():
    out = io.StringIO()
    commission.section(out)
    text = out.getvalue()
    assert "of 20 qualify; the shares add up to 50,000.00 CNY\nexactly" in text
