from __future__ import annotations

import io

from salescore._tour import SECTIONS, review


def test_review_section_ends_the_tour_with_a_chinese_pack() -> None:
    assert SECTIONS[-1] is review.section
    out = io.StringIO()
    review.section(out)
    text = out.getvalue()
    assert text.startswith("\n== The weekly review (例会), in Chinese ==")
    assert "# 销售例会：east · 2026-Q2 · 截至 2026-05-15" in text
    # 4,000,000 + 3,500,000 for R1 and R2; 3,317,000 booked by 15 May
    assert "目标 7,500,000.00 CNY：截至 2026-05-15 已成交 3,317,000.00（完成目标的 44.2%）" in text
    # last week R1's Negotiation deals were 20,000 smaller: six of them grew back
    assert "- 金额上调：6 个商机，+120,000.00" in text
    assert "## 行动\n\n1. 逐一检查 34 个停滞商机" in text
    assert text.count("\n3. ") == 1 and "\n4. " not in text.split("## 行动")[1]
