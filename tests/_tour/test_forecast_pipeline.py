from __future__ import annotations

import io
import re
from decimal import Decimal

from salescore._tour import forecast_pipeline


def _row(text: str, name: str) -> list[Decimal]:
    line = next(x for x in text.splitlines() if x.split() and x.split()[0] == name)
    return [Decimal(v.replace(",", "")) for v in line.split()[1:]]


def test_forecast_pipeline_section_adds_up():
    out = io.StringIO()
    forecast_pipeline.section(out)
    text = out.getvalue()
    assert text.startswith("\n== Pipeline forecasts: weighted and by forecast category ==")
    total, won, expected = (
        Decimal(x)
        for x in re.search(r": (\S+) CNY = (\S+) CNY already won \+ (\S+) CNY", text).groups()  # type: ignore[union-attr]
    )
    assert total == won + expected
    # The by-stage table: open deals' weighted amounts add up to the expected part.
    stages = [_row(text, s) for s in ("Qualify", "Proposal", "Negotiation")]
    assert sum(r[2] for r in stages) == expected
    assert _row(text, "Won")[1] == won
    sales, east, west = _row(text, "sales"), _row(text, "east"), _row(text, "west")
    r1, r2 = _row(text, "R1"), _row(text, "R2")
    # Gross roll-up adds up the tree; the manager's cut is a fifth, gross unchanged.
    assert east[0] == r1[0] + r2[0]
    assert sales[0] == east[0] + west[0]
    assert east[1] == east[0] - east[0] / 5
    assert sales[1] == east[1] + west[1]
