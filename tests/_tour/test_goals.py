from __future__ import annotations

import io
import re
from decimal import Decimal

from salescore._tour import goals


def test_goals_section_shows_the_worked_example():
    out = io.StringIO()
    goals.section(out)
    text = out.getvalue()
    assert text.startswith("\n== Breaking the yearly goal down ==")
    assert "a quarter: 1,250,000.00" in text
    # 5,000,000 / 12 = 416,666.666...: eight months round up, four down.
    assert "416,666.67 (eight months), 416,666.66 (four), summing to 5,000,000.00" in text
    # A week is 5,000,000 * 7 / 365 = 95,890.41...; the first 4 days 4/7 of that.
    week, first = (Decimal(x.replace(",", "")) for x in re.findall(r"([\d,]+\.\d\d)", text)[4:6])
    assert abs(week - Decimal(5_000_000) * 7 / 365) < Decimal("0.01")
    assert abs(first - Decimal(5_000_000) * 4 / 365) < Decimal("0.01")
    r4 = next(line for line in text.splitlines() if line.strip().startswith("R4"))
    # Chen Jie: 31 x .25 + 31 x .5 + 30 x .75 + 92 = 137.75 days of 1,159.75 in the team.
    assert r4.split()[1:3] == ["0.00", "0.00"]
    year = Decimal(r4.split()[-1].replace(",", ""))
    assert abs(year - Decimal(5_000_000) * Decimal("137.75") / Decimal("1159.75")) < Decimal("0.01")
    assert text.rstrip().splitlines()[-1].split()[1:] == ["1,250,000.00"] * 4 + ["5,000,000.00"]
