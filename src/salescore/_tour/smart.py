"""Tour section: is the goal SMART? A vague goal, its assessment in two languages, the fix."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TextIO

import numpy as np

from salescore import Owner, Period, Target
from salescore._tour._common import heading
from salescore.smart import SmartAssessment, assess_smart

SEED = 20260104
TITLE = "Is the goal SMART?"
AS_OF = date(2026, 1, 15)


def tour_history(seed: int = SEED) -> dict[Period, Decimal]:
    """Five years of company revenue [CNY], growing 6-12 percent a year."""
    rng = np.random.default_rng(seed)
    value = 3_000_000.0
    history = {}
    for year in range(2021, 2026):
        history[Period.year(year)] = Decimal(round(value))
        value *= 1 + rng.uniform(0.06, 0.12)
    return history


def _write(out: TextIO, assessment: SmartAssessment, locale: str = "en") -> None:
    out.write(assessment.report("zh-CN" if locale == "zh-CN" else "en") + "\n")


def section(out: TextIO) -> None:
    """Write the SMART section of the tour to ``out``."""
    heading(out, TITLE)
    vague = Target(id="G1", name="increase sales")
    out.write('A manager types "increase sales" into the CRM. salescore answers:\n')
    first = assess_smart(vague, as_of=AS_OF)
    _write(out, first)
    out.write("The same, for a manager in Shanghai:\n")
    _write(out, first, "zh-CN")

    history = tour_history()
    baseline = history[Period.year(2025)]
    out.write("\nRevenue history: ")
    out.write(", ".join(f"{p} {v:,}" for p, v in history.items()) + " CNY\n")
    ambitious = Target(
        id="G1",
        name="increase sales",
        metric="revenue",
        value=Decimal(6_000_000),
        currency="CNY",
        direction="at_least",
        baseline_value=baseline,
        period=Period.year(2026),
        owner=Owner(kind="company"),
    )
    out.write("\nA first fix: revenue of at least 6,000,000 CNY in 2026 for the company.\n")
    second = assess_smart(ambitious, history=history, as_of=AS_OF)
    _write(out, second)
    suggestion = second.findings[0].suggested_value
    assert suggestion is not None
    corrected = Target.model_validate({**ambitious.model_dump(), "value": suggestion})
    out.write(f"\nThe corrected goal: at least {suggestion:,} CNY.\n")
    third = assess_smart(corrected, history=history, as_of=AS_OF)
    _write(out, third)
