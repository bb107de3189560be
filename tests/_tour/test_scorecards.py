from __future__ import annotations

import io

from salescore._tour import scorecards


def test_scorecards_section_shows_key_numbers():
    out = io.StringIO()
    scorecards.section(out)
    text = out.getvalue()
    assert text.startswith("\n== A rep's scorecard (绩效考核) ==")
    # (0.9 - 0.6) * 250 = 75 points, * 0.4 = 30; 30 / 36 -> 83.33, * 0.2 = 16.67;
    # 33 / 40 in the 80 % band -> 80, * 0.3 = 24; the gate passes: 10. Total 80.67.
    assert (
        "销售额 900000，目标 1000000：达成率 90.0%，按线性计 75.00 分；权重 40% 得 30.00 分" in text
    )
    assert "加权得分合计 80.67；总分 80.67 分，等级 良好" in text
    assert "  1. 王芳  103.00  合格  (failed: compliance)\n" in text
    assert "  2. 李明  80.67  良好\n" in text
    assert "  3. 张伟  40.33  待改进\n" in text
    assert "not scored: 赵磊, revenue missing_value" in text
