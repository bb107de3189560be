from __future__ import annotations

import io

from salescore._tour import smart


def test_smart_section_shows_key_numbers():
    out = io.StringIO()
    smart.section(out)
    text = out.getvalue()
    assert text.startswith("\n== Is the goal SMART? ==")
    assert "[fail] S.vague_text: 'increase sales' is free text" in text
    assert "“increase sales”只是描述，不是指标" in text
    # 6,000,000 / 4,255,977 - 1 = 0.4098 -> "41.0%" over the 2025 baseline
    assert "the goal needs 41.0% growth over the baseline 4,255,977" in text
    assert "a target of at most 4,709,687.45" in text
    assert text.rstrip().endswith("T: pass")
    assert "The corrected goal: at least 4,709,687.45 CNY.\nG1: verdict pass" in text
