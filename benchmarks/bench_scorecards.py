"""Scorecards: `scores_frame` on 100,000 reps x 8 KPIs, against plain pandas and the numpy bound."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore.scorecards import (
    Band,
    BandCurve,
    GateCurve,
    LinearCurve,
    Scorecard,
    ScorecardKpi,
    scores_frame,
)

SEED = 11
N = 100_000
BANDS = ((0.5, 40.0), (0.8, 80.0), (1.0, 100.0))


def _card() -> Scorecard:
    """Eight KPIs: four linear (one lower-is-better), two band tables, two gates."""
    bands = BandCurve(bands=[Band(lower=str(lo), points=p) for lo, p in BANDS])
    specs: list[tuple[str, Any, str]] = [
        ("revenue", LinearCurve(threshold="0.6", start=0, cap=120), "higher"),
        ("margin", LinearCurve(cap=120), "higher"),
        ("new_logos", LinearCurve(cap=150), "higher"),
        ("cycle_days", LinearCurve(cap=150), "lower"),
        ("visits", bands, "higher"),
        ("demos", bands, "higher"),
        ("compliance", GateCurve(pass_at="0.9"), "higher"),
        ("training", GateCurve(on_fail="cap_grade", cap_grade="C"), "higher"),
    ]
    return Scorecard(
        id="bench",
        kpis=[
            ScorecardKpi(name=name, weight="0.125", target=1000 * (i + 1), direction=d, curve=c)
            for i, (name, c, d) in enumerate(specs)
        ],
    )


def _team(card: Scorecard, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    data: dict[str, Any] = {"rep_id": np.char.add("R", np.arange(n).astype(str)).astype(object)}
    for kpi in card.kpis:
        data[kpi.name] = np.round(rng.uniform(1, 2 * float(kpi.target), n), 2)
    return pd.DataFrame(data)


def _linear(a: pd.Series, threshold: float, start: float, cap: float) -> pd.Series:
    slope = (100.0 - start) / (1.0 - threshold)
    return (start + (a - threshold) * slope).clip(upper=cap).where(a >= threshold, 0.0)


def _pandas(card: Scorecard, df: pd.DataFrame, *, text: bool) -> pd.DataFrame:
    """What an analyst writes: float Series per KPI, round(2), sum, rank; reasons by concat."""
    out = pd.DataFrame({"rep_id": df["rep_id"]})
    total = pd.Series(0.0, index=df.index)
    capped = pd.Series(False, index=df.index)
    zero = pd.Series(False, index=df.index)
    for kpi in card.kpis:
        target = float(kpi.target)
        a = target / df[kpi.name] if kpi.direction == "lower" else df[kpi.name] / target
        c = kpi.curve
        if isinstance(c, LinearCurve):
            th = float(c.threshold)
            start = th * 100 if c.start is None else float(c.start)
            points = _linear(a, th, start, float(c.cap) if c.cap is not None else np.inf)
        elif isinstance(c, BandCurve):
            points = pd.cut(
                a, [-np.inf, *(lo for lo, _ in BANDS), np.inf], right=False, labels=False
            ).map(dict(enumerate([0.0, *(p for _, p in BANDS)])))
        else:
            passed = a >= float(c.pass_at)
            points = passed * 100.0
            if c.on_fail == "zero_total":
                zero |= ~passed
            else:
                capped |= ~passed
        points = points.round(2)
        weighted = (points * float(kpi.weight)).round(2)
        total += weighted
        out[f"{kpi.name}_points"] = points
        if text:
            out[f"{kpi.name}_reason"] = (
                kpi.name
                + " "
                + df[kpi.name].astype(str)
                + " of "
                + str(target)
                + " target: attainment "
                + (a * 100).round(1).astype(str)
                + " %, "
                + points.astype(str)
                + " points; weight 12.5 % gives "
                + weighted.astype(str)
            )
    out["total"] = total.where(~zero, 0.0).round(2)
    grade = pd.cut(out["total"], [-np.inf, 60, 75, 90, np.inf], right=False, labels=list("DCBA"))
    out["grade"] = grade.astype(str).where(~capped | (grade.astype(str) < "C"), "C")
    out["rank"] = out["total"].rank(method="dense", ascending=False).astype(int)
    return out


def _bound(card: Scorecard, values: np.ndarray) -> np.ndarray:
    """The numpy bound: float64 points per KPI column, a weighted sum and a dense rank."""
    total = np.zeros(values.shape[0])
    zero = np.zeros(values.shape[0], dtype=bool)
    lowers = np.array([lo for lo, _ in BANDS])
    band_points = np.array([0.0, *(p for _, p in BANDS)])
    for j, kpi in enumerate(card.kpis):
        v, target = values[:, j], float(kpi.target)
        a = target / v if kpi.direction == "lower" else v / target
        c = kpi.curve
        if isinstance(c, LinearCurve):
            th = float(c.threshold)
            start = th * 100 if c.start is None else float(c.start)
            slope = (100.0 - start) / (1.0 - th)
            cap = float(c.cap) if c.cap is not None else np.inf
            points = np.where(a >= th, np.minimum(start + (a - th) * slope, cap), 0.0)
        elif isinstance(c, BandCurve):
            points = band_points[np.searchsorted(lowers, a, side="right")]
        else:
            passed = a >= float(c.pass_at)
            points = passed * 100.0
            if c.on_fail == "zero_total":
                zero |= ~passed
        total += np.round(np.round(points, 2) * float(kpi.weight), 2)
    total = np.where(zero, 0.0, total)
    _, rank = np.unique(-total, return_inverse=True)
    return rank + 1


def run() -> list[Row]:
    card = _card()
    team = _team(card, N)
    values = team[[k.name for k in card.kpis]].to_numpy()
    size = f"{N:,} reps x {len(card.kpis)} KPIs"
    return [
        row(
            "scores_frame, explain=False (baseline: plain pandas float, no text)",
            size,
            lambda: scores_frame(card, team, explain=False),
            lambda: _pandas(card, team, text=False),
        ),
        row(
            "scores_frame, reasons en + zh (baseline: plain pandas float, English reasons)",
            size,
            lambda: scores_frame(card, team),
            lambda: _pandas(card, team, text=True),
            repeat=1,
        ),
        row(
            "scores_frame, explain=False (baseline: numpy bound, float64 points + rank)",
            size,
            lambda: scores_frame(card, team, explain=False),
            lambda: _bound(card, values),
        ),
    ]
