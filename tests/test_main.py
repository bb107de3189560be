from __future__ import annotations

import io

import salescore
from salescore.__main__ import run


def test_tour_runs_and_is_deterministic():
    first, second = io.StringIO(), io.StringIO()
    run(first)
    run(second)
    assert first.getvalue() == second.getvalue()
    assert first.getvalue().startswith("salescore: sales-management logic")
    assert f"salescore {salescore.__version__}" in first.getvalue()
