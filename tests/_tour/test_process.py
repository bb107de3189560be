from __future__ import annotations

import io

from salescore._tour import SECTIONS, process


def test_process_section_shows_the_week_the_flag_and_the_rebate():
    out = io.StringIO()
    process.section(out)
    text = out.getvalue()
    assert text.startswith("\n== The process side")
    # li: visits on Monday and Friday, a call, a follow-up visit and a demo; wang: three.
    assert "  li    拜访(visit) 2\n" in text
    assert "  wang  方案(proposal) 1\n" in text
    # The one visit to C9 was 40 days before Monday; the check is on Saturday: 45 days.
    assert "Account C9: no activity for 45 days (>= 30).\n" in text
    # 1 % of 100,000 + 2 % of 200,000 + 3 % of 35,000.50 = 6,050.015 -> 6,050.02 (half even).
    assert "销量 300000 至 335000.50 部分按 3% 返利：1050.02" in text
    assert "rebate 6050.02 CNY, payable 2026-04-01" in text
    assert process.section in SECTIONS
