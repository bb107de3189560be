"""Scorecards: hand-checked examples and properties of ``score`` and ``scores_frame``."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salescore.errors import InvalidInputError
from salescore.scorecards import (
    ERROR_COLUMNS,
    Band,
    BandCurve,
    GateCurve,
    Grade,
    LinearCurve,
    Scorecard,
    ScorecardKpi,
    ScoreResult,
    ScoresFrames,
    kpi_values,
    score,
    scores_frame,
)

BANDS = BandCurve(
    bands=[Band(lower="0.5", points=40), Band(lower="0.8", points=80), Band(lower="1", points=100)]
)


def field_card(**gate: Any) -> Scorecard:
    """A field-sales card: revenue, cycle time (lower is better), visits and a compliance gate."""
    return Scorecard(
        id="field-2026",
        kpis=[
            ScorecardKpi(
                name="revenue",
                label_zh="销售额",
                weight="0.4",
                target=1_000_000,
                curve=LinearCurve(threshold="0.6", start=0, cap=120),
            ),
            ScorecardKpi(
                name="cycle_days",
                label_zh="成交周期",
                weight="0.2",
                target=30,
                direction="lower",
                curve=LinearCurve(),
            ),
            ScorecardKpi(name="visits", label_zh="拜访", weight="0.3", target=40, curve=BANDS),
            ScorecardKpi(
                name="compliance",
                label_zh="合规",
                weight="0.1",
                target=1,
                curve=GateCurve(**gate),
            ),
        ],
    )


# --------------------------------------------------------------------------- examples
def test_score_worked_example() -> None:
    # Worked by hand:
    # revenue 900,000 of 1,000,000: attainment 0.9. The line runs from 0 points
    #   at 60 % to 100 at 100 %, slope 100 / 0.4 = 250 per unit of attainment:
    #   (0.9 - 0.6) * 250 = 75.00 points; weight 0.4 gives 30.00.
    # cycle 36 days against 30 (lower is better): attainment 30 / 36 = 0.8333...;
    #   the default line runs through the origin to 100 at 1: 83.333... -> 83.33;
    #   weight 0.2: 16.666 -> 16.67 (half to even at 0.01).
    # visits 33 of 40: 0.825, in the band from 0.8: 80.00 points; weight 0.3 gives 24.00.
    # compliance 1 of 1 passes the gate at 100 %: 100.00 points; weight 0.1 gives 10.00.
    # Total 30.00 + 16.67 + 24.00 + 10.00 = 80.67, grade B (75 <= 80.67 < 90).
    result = score(
        field_card(),
        {"revenue": 900_000, "cycle_days": 36, "visits": 33, "compliance": 1},
        rep_id="li",
    )
    assert [line.points for line in result.lines] == [
        Decimal("75.00"),
        Decimal("83.33"),
        Decimal("80.00"),
        Decimal("100.00"),
    ]
    assert [line.weighted_points for line in result.lines] == [
        Decimal("30.00"),
        Decimal("16.67"),
        Decimal("24.00"),
        Decimal("10.00"),
    ]
    assert [line.outcome for line in result.lines] == ["line", "line", "band", "passed"]
    assert result.total == result.subtotal == Decimal("80.67")
    assert result.grade == "B"
    assert result.gates_passed and result.failed_gates == ()
    assert result.lines[1].attainment == pytest.approx(30 / 36)
    assert result.lines[1].reason_en == (
        "cycle_days 36 of 30 target: attainment 83.3 % (target ÷ value), 83.33 points on the "
        "line; weight 20 % gives 16.67"
    )
    assert result.lines[2].reason_zh == (
        "拜访 33，目标 40：达成率 82.5%，落在 80% 档，得 80.00 分；权重 30% 得 24.00 分"
    )
    assert result.reason_en == "weighted points add up to 80.67; total 80.67 points, grade B"
    assert result.reason_zh == "加权得分合计 80.67；总分 80.67 分，等级 B"


def test_score_capped_and_floor() -> None:
    card = field_card()
    values = {"revenue": 1_500_000, "cycle_days": 30, "visits": 10, "compliance": 1}
    lines = score(card, values, rep_id="li").lines
    # 150 % would be 225 on the line: capped at 120; 10 of 40 is below every band.
    assert (lines[0].outcome, lines[0].points) == ("capped", Decimal("120.00"))
    assert "capped at 120.00 points; weight 40 % gives 48.00" in lines[0].reason_en
    assert (lines[2].outcome, lines[2].points) == ("below_bands", Decimal("0.00"))
    assert "below the lowest band (50 %)" in lines[2].reason_en
    low = score(card, {**values, "revenue": 599_999}, rep_id="li").lines[0]
    assert (low.outcome, low.points) == ("floor", Decimal("0.00"))
    assert low.reason_en.startswith("revenue 599999 of 1000000 target: attainment 60.0 %, below")


def test_score_gate_zeroes_total() -> None:
    values = {"revenue": 1_000_000, "cycle_days": 30, "visits": 40, "compliance": 0}
    result = score(field_card(), values, rep_id="li")
    # 40 + 20 + 30 + 0 = 90.00 before the gate; the failed gate zeroes it.
    assert result.subtotal == Decimal("90.00")
    assert result.total == Decimal("0.00")
    assert result.grade == "D"
    assert result.failed_gates == ("compliance",)
    assert "fails the 100 % gate: 0.00 points, total zeroed" in result.lines[3].reason_en
    assert "gate 'compliance' failed, so the total is 0" in result.reason_en
    assert "未通过 合规 门槛，总分为 0" in result.reason_zh


def test_score_gate_caps_grade() -> None:
    values = {"revenue": 1_200_000, "cycle_days": 20, "visits": 40, "compliance": 0}
    result = score(field_card(on_fail="cap_grade", cap_grade="C"), values, rep_id="li")
    # 120 * 0.4 + 150 * 0.2 + 100 * 0.3 + 0 = 108.00: an A, capped at C.
    assert result.total == Decimal("108.00")
    assert result.grade == "C"
    assert "grade at best C" in result.lines[3].reason_en
    assert "等级最高为 C" in result.lines[3].reason_zh


def test_score_lower_is_better_zero() -> None:
    capped = Scorecard(
        id="c",
        kpis=[
            ScorecardKpi(
                name="defects", weight=1, target=5, direction="lower", curve=LinearCurve(cap=130)
            )
        ],
    )
    line = score(capped, {"defects": 0}, rep_id="li").lines[0]
    assert (line.attainment, line.outcome, line.points) == (None, "capped", Decimal("130.00"))
    assert "a value of 0 beats any target" in line.reason_en
    uncapped = Scorecard(
        id="u", kpis=[ScorecardKpi(name="defects", weight=1, target=5, direction="lower")]
    )
    with pytest.raises(InvalidInputError, match="infinite attainment"):
        score(uncapped, {"defects": 0}, rep_id="li")
    out = scores_frame(uncapped, pd.DataFrame({"rep_id": ["li", "wang"], "defects": [0, 10]}))
    assert out.errors["reason"].tolist() == ["zero_value"]
    assert out.totals["total"].tolist() == [Decimal("50.00")]


def test_score_rounding_modes() -> None:
    # 1 of 8 is 12.5 % attainment: 12.5 points, a tie at whole points.
    def card(rounding: str) -> Scorecard:
        kpi = ScorecardKpi(name="calls", weight=1, target=8)
        return Scorecard(id="r", kpis=[kpi], points_places=0, rounding=rounding)

    assert score(card("ROUND_HALF_EVEN"), {"calls": 1}, rep_id="li").total == Decimal(12)
    assert score(card("ROUND_HALF_UP"), {"calls": 1}, rep_id="li").total == Decimal(13)


def test_score_per_rep_target() -> None:
    values = {"revenue": 900_000, "cycle_days": 30, "visits": 40, "compliance": 1}
    line = score(field_card(), values, rep_id="li", targets={"revenue": 750_000}).lines[0]
    # 900 / 750 = 120 % -> (1.2 - 0.6) * 250 = 150, capped at 120.
    assert (line.target, line.points) == (Decimal("750000.0000"), Decimal("120.00"))


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ({"revenue": 1}, {}, "lack the KPIs"),
        ({"revenue": 1, "cycle_days": 1, "visits": 1, "compliance": 1, "x": 1}, {}, "not on card"),
        ({"revenue": -1, "cycle_days": 1, "visits": 1, "compliance": 1}, {}, "negative"),
        ({"revenue": float("nan"), "cycle_days": 1, "visits": 1, "compliance": 1}, {}, "finite"),
        (
            {"revenue": 1, "cycle_days": 1, "visits": 1, "compliance": 1},
            {"targets": {"revenue": 0}},
            "must be > 0",
        ),
        (
            {"revenue": 1, "cycle_days": 1, "visits": 1, "compliance": 1},
            {"targets": {"nope": 1}},
            "targets name",
        ),
        (
            {"revenue": 1, "cycle_days": 1, "visits": 1, "compliance": 1},
            {"rep_id": " "},
            "rep_id",
        ),
    ],
)
def test_score_refuses(values: dict[str, Any], kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        score(field_card(), values, **{"rep_id": "li", **kwargs})


def test_scorecard_weights_must_sum_to_one() -> None:
    with pytest.raises(InvalidInputError, match=r"weights sum to 0\.9, not 1; .*a 0\.6, b 0\.3"):
        Scorecard(
            id="x",
            kpis=[
                ScorecardKpi(name="a", weight="0.6", target=1),
                ScorecardKpi(name="b", weight="0.3", target=1),
            ],
        )
    # Exactly 1 in decimal: 0.1 + 0.2 + 0.7, which float addition would miss.
    card = Scorecard(
        id="x",
        kpis=[
            ScorecardKpi(name="a", weight=0.1, target=1),
            ScorecardKpi(name="b", weight=0.2, target=1),
            ScorecardKpi(name="c", weight=0.7, target=1),
        ],
    )
    assert card.kpi("b").weight == Decimal("0.2")
    with pytest.raises(InvalidInputError, match="not on card"):
        card.kpi("zz")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ScorecardKpi(name="rep_id", weight=1, target=1), "reserved"),
        (lambda: ScorecardKpi(name="a_target", weight=1, target=1), "reserved"),
        (lambda: ScorecardKpi(name="a", weight="1.5", target=1), "outside"),
        (lambda: ScorecardKpi(name="a", weight=1, target=0), "must be > 0"),
        (lambda: ScorecardKpi(name="a", weight=1, target="0.00001"), "decimal places"),
        (lambda: LinearCurve(threshold=1), "outside"),
        (lambda: LinearCurve(floor=-1), "negative"),
        (lambda: Band(lower=-1, points=1), ">= 0"),
        (lambda: BandCurve(bands=[Band(lower=1, points=1), Band(lower=1, points=2)]), "strictly"),
        (lambda: BandCurve(bands=[Band(lower=1, points=1)], floor=-1), "negative"),
        (lambda: GateCurve(pass_at=-1), "negative"),
        (lambda: GateCurve(points=-1), "negative"),
        (lambda: GateCurve(on_fail="cap_grade"), "cap_grade"),
        (lambda: GateCurve(cap_grade="C"), "cap_grade"),
        (
            lambda: Scorecard(
                id="x",
                kpis=[ScorecardKpi(name="a", weight=1, target=1, curve=LinearCurve(floor=5))],
            ),
            "floor <= start <= full",
        ),
        (
            lambda: Scorecard(
                id="x",
                kpis=[
                    ScorecardKpi(
                        name="a", weight=1, target=1, curve=LinearCurve(threshold="0.5", cap=10)
                    )
                ],
            ),
            "below the start",
        ),
        (
            lambda: Scorecard(
                id="x",
                kpis=[
                    ScorecardKpi(
                        name="a",
                        weight=1,
                        target=1,
                        curve=GateCurve(on_fail="cap_grade", cap_grade="Z"),
                    )
                ],
            ),
            "not a grade",
        ),
        (
            lambda: Scorecard(
                id="x",
                kpis=[ScorecardKpi(name="a", weight="0.5", target=1)] * 2,
            ),
            "repeat",
        ),
        (
            lambda: Scorecard(
                id="x",
                kpis=[ScorecardKpi(name="a", weight=1, target=1)],
                grades=[Grade(name="A", min_points=50), Grade(name="B", min_points=10)],
            ),
            "last at 0",
        ),
        (
            lambda: Scorecard(id="x", kpis=[ScorecardKpi(name="a", weight=1, target=1)], scale=0),
            "scale",
        ),
        (
            lambda: Scorecard(
                id="x", kpis=[ScorecardKpi(name="a", weight=1, target=1)], rounding="UP"
            ),
            "rounding",
        ),
    ],
)
def test_scorecard_refuses(build: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        build()


def test_scores_frame_errors_and_ranks() -> None:
    card = field_card()
    team = pd.DataFrame(
        {
            "rep_id": ["li", "wang", "zhao", None, "li", "qian", "sun", "zhou", "wu"],
            "revenue": [
                1_000_000.0,
                1_000_000.0,
                800_000.0,
                1.0,
                1.0,
                float("nan"),
                float("inf"),
                -5.0,
                1e300,
            ],
            "cycle_days": [30, 30, 30, 30, 30, 30, 30, 30, 30],
            "visits": [40, 40, 40, 40, 40, 40, 40, 40, 40],
            "compliance": [1, 1, 1, 1, 1, 1, 1, 1, 1],
        },
        index=[f"r{i}" for i in range(9)],
    )
    out = scores_frame(card, team, reps=["li", "wang", "zhao", "qian", "sun", "zhou"])
    assert out.errors.columns.tolist() == list(ERROR_COLUMNS)
    assert list(zip(out.errors["row"], out.errors["reason"], strict=True)) == [
        ("r0", "duplicate_rep"),
        ("r3", "blank_rep"),
        ("r4", "duplicate_rep"),
        ("r5", "missing_value"),
        ("r6", "not_finite"),
        ("r7", "negative"),
        ("r8", "unknown_rep"),
        ("r8", "too_large"),
    ]
    # wang: 40 + 20 + 30 + 10 = 100; zhao: (0.8 - 0.6) * 250 = 50 -> 20, so 80.
    assert out.totals.index.tolist() == ["r1", "r2"]
    assert out.totals["total"].tolist() == [Decimal("100.00"), Decimal("80.00")]
    assert out.totals["grade"].tolist() == ["A", "B"]
    assert out.totals["rank"].tolist() == [1, 2]
    assert out.lines["row"].tolist() == ["r1"] * 4 + ["r2"] * 4
    assert out.lines["kpi"].tolist() == ["revenue", "cycle_days", "visits", "compliance"] * 2


def test_scores_frame_dense_rank_ties() -> None:
    card = Scorecard(id="t", kpis=[ScorecardKpi(name="calls", weight=1, target=10)])
    team = pd.DataFrame({"rep_id": list("abcde"), "calls": [9, 10, 9, 7, 10]})
    totals = scores_frame(card, team).totals
    assert totals["rank"].tolist() == [2, 1, 2, 3, 1]
    assert totals["total_units"].tolist() == [9000, 10000, 9000, 7000, 10000]


def test_scores_frame_reads_every_column_kind() -> None:
    card = Scorecard(
        id="k",
        kpis=[
            ScorecardKpi(name="a", weight="0.25", target=10),
            ScorecardKpi(name="b", weight="0.25", target=10),
            ScorecardKpi(name="c", weight="0.25", target=10),
            ScorecardKpi(name="d", weight="0.25", target=10),
        ],
    )
    team = pd.DataFrame(
        {
            "rep_id": ["p", "q", "r", "s", "t"],
            "a": [Decimal("5.5"), None, "x", Decimal("-1"), "Infinity"],
            "b": pd.array([5, None, 5, 5, 5], dtype="Int64"),
            "c": np.array([5, 5, 5, 5, 5], dtype=np.int64),
            "d": ["5", "5", "5", "5", "5"],
        }
    )
    out = scores_frame(card, team)
    assert out.totals["rep_id"].tolist() == ["p"]
    # 55 * 0.25 + 50 * 0.25 * 3 = 13.75 + 37.50 = 51.25
    assert out.totals["total"].tolist() == [Decimal("51.25")]
    assert out.errors[["rep_id", "column", "reason"]].values.tolist() == [
        ["q", "a", "missing_value"],
        ["q", "b", "missing_value"],
        ["r", "a", "not_number"],
        ["s", "a", "negative"],
        ["t", "a", "not_finite"],
    ]
    flags = pd.DataFrame({"rep_id": ["p"], "a": [True], "b": [1], "c": [1], "d": [1]})
    assert scores_frame(card, flags).errors["reason"].tolist() == ["not_number"]
    huge = pd.DataFrame({"rep_id": ["p"], "a": [10**17], "b": [1], "c": [1], "d": [1]})
    assert scores_frame(card, huge).errors["reason"].tolist() == ["too_large"]


def test_scores_frame_per_rep_targets_and_wide_values() -> None:
    card = Scorecard(
        id="w",
        kpis=[
            ScorecardKpi(name="revenue", weight=1, target=1, places=2, curve=LinearCurve(cap=150))
        ],
    )
    big = Decimal("98765432109876543.21")
    team = pd.DataFrame(
        {
            "rep_id": ["li", "wang", "zhao"],
            "revenue": [big, Decimal(50), Decimal(5)],
            "revenue_target": [Decimal("12345678901234567.89"), Decimal(40), Decimal(0)],
        }
    )
    out = scores_frame(card, team)
    assert out.errors[["rep_id", "reason"]].values.tolist() == [["zhao", "bad_target"]]
    single = score(card, {"revenue": big}, rep_id="li", targets={"revenue": "12345678901234567.89"})
    assert out.totals["total"].tolist() == [single.total, Decimal("125.00")]
    assert out.lines["reason_en"].iloc[0] == single.lines[0].reason_en


def test_scores_frame_explain_false_and_empty() -> None:
    card = field_card()
    team = pd.DataFrame(
        {"rep_id": ["li"], "revenue": [1e6], "cycle_days": [30], "visits": [40], "compliance": [1]}
    )
    quiet = scores_frame(card, team, explain=False)
    assert "reason_en" not in quiet.lines and "reason_zh" not in quiet.totals
    assert quiet.totals["total"].tolist() == [Decimal("100.00")]
    empty = scores_frame(card, team.iloc[:0])
    assert len(empty.lines) == len(empty.totals) == len(empty.errors) == 0


def test_scores_frame_refuses_frames_without_columns() -> None:
    card = field_card()
    with pytest.raises(InvalidInputError, match="rep column"):
        scores_frame(card, pd.DataFrame({"revenue": [1]}))
    with pytest.raises(InvalidInputError, match="KPI column"):
        scores_frame(card, pd.DataFrame({"rep_id": ["li"], "revenue": [1]}))
    with pytest.raises(InvalidInputError, match="not a pandas DataFrame"):
        scores_frame(card, {"rep_id": ["li"]})  # type: ignore[arg-type]


def test_kpi_values_joins_calculators() -> None:
    revenue = pd.Series({"li": 1_000_000.0, "wang": 800_000.0})
    visits = pd.Series({"li": 40, "zhao": 20})
    frame = kpi_values({"revenue": revenue, "visits": visits})
    assert frame["rep_id"].tolist() == ["li", "wang", "zhao"]
    assert np.isnan(frame["visits"].iloc[1]) and np.isnan(frame["revenue"].iloc[2])
    with pytest.raises(InvalidInputError, match="repeats rep ids"):
        kpi_values({"x": pd.Series([1, 2], index=["a", "a"])})
    with pytest.raises(InvalidInputError, match="not a Series"):
        kpi_values({"x": [1, 2]})  # type: ignore[dict-item]


# --------------------------------------------------------------------------- properties
@st.composite
def curves(draw: st.DrawFn, *, monotone: bool = False) -> Any:
    kind = draw(st.sampled_from(["linear", "bands", "gate"]))
    if kind == "linear":
        threshold = draw(st.sampled_from(["0", "0.5", "0.6", "0.75"]))
        start = draw(st.sampled_from([None, "0", "40"]))
        floor = draw(st.sampled_from(["0", "10" if start == "40" else "0"]))
        cap = draw(st.sampled_from([None, "100", "120", "133.337"]))
        return LinearCurve(threshold=threshold, start=start, floor=floor, cap=cap)
    if kind == "bands":
        lowers = sorted(
            draw(st.sets(st.sampled_from(["0.3", "0.5", "0.8", "1", "1.2"]), min_size=1)),
            key=Decimal,
        )
        points = draw(st.lists(st.integers(0, 1200), min_size=len(lowers), max_size=len(lowers)))
        if monotone:
            points = sorted(points)
        band_floor = 0 if monotone else draw(st.integers(0, 50))
        return BandCurve(
            bands=[
                Band(lower=lo, points=Decimal(p) / 10) for lo, p in zip(lowers, points, strict=True)
            ],
            floor=band_floor,
        )
    return GateCurve(
        pass_at=draw(st.sampled_from(["0.5", "0.9", "1"])),
        points=draw(st.sampled_from([None, "50"])),
    )


@st.composite
def cards(draw: st.DrawFn, *, monotone: bool = False) -> Scorecard:
    k = draw(st.integers(1, 4))
    denominator = draw(st.sampled_from([8, 100, 1000]))
    cuts = sorted(draw(st.lists(st.integers(0, denominator), min_size=k - 1, max_size=k - 1)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, denominator], strict=True)]
    kpis = [
        ScorecardKpi(
            name=f"k{i}",
            label_zh=f"指标{i}",
            weight=Decimal(p) / denominator,
            target=draw(st.sampled_from([1, 8, 40, "0.35", 1_000_000])),
            direction="higher" if monotone else draw(st.sampled_from(["higher", "lower"])),
            curve=draw(curves(monotone=monotone)),
            places=draw(st.sampled_from([2, 4])),
        )
        for i, p in enumerate(parts)
    ]
    gates = draw(st.sampled_from(["zero_total", "cap_grade"]))
    if gates == "cap_grade":
        kpis = [
            k.model_copy(update={"curve": GateCurve(on_fail="cap_grade", cap_grade="C")})
            if isinstance(k.curve, GateCurve)
            else k
            for k in kpis
        ]
    return Scorecard(
        id="card",
        kpis=kpis,
        points_places=draw(st.sampled_from([0, 2, 3])),
        rounding=draw(st.sampled_from(["ROUND_HALF_EVEN", "ROUND_HALF_UP", "ROUND_DOWN"])),
    )


def value_for(kpi: ScorecardKpi) -> st.SearchStrategy[float]:
    top = float(kpi.target) * 3
    return st.one_of(
        st.just(0.0),
        st.floats(0, top, allow_nan=False).map(lambda x: round(x, 3)),
        st.sampled_from([float(kpi.target), float(kpi.target) * 0.6, float(kpi.target) * 1.2]),
    )


@st.composite
def teams(draw: st.DrawFn, card: Scorecard) -> pd.DataFrame:
    n = draw(st.integers(0, 12))
    data: dict[str, Any] = {"rep_id": [f"R{i}" for i in range(n)]}
    for kpi in card.kpis:
        data[kpi.name] = [draw(value_for(kpi)) for _ in range(n)]
    frame = pd.DataFrame(data, columns=["rep_id", *(k.name for k in card.kpis)])
    for kpi in card.kpis:
        frame[kpi.name] = frame[kpi.name].astype(np.float64)
    if n and draw(st.booleans()):
        frame.loc[draw(st.integers(0, n - 1)), card.kpis[0].name] = draw(
            st.sampled_from([np.nan, -1.0, np.inf])
        )
    return frame


def _scorable(card: Scorecard, values: dict[str, float]) -> bool:
    for kpi in card.kpis:
        v = values[kpi.name]
        if not np.isfinite(v) or v < 0:
            return False
        zero = round(v * 10**kpi.places) == 0
        uncapped = isinstance(kpi.curve, LinearCurve) and kpi.curve.cap is None
        if kpi.direction == "lower" and zero and uncapped:
            return False
    return True


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_scores_frame_agrees_with_score(data: st.DataObject) -> None:
    card = data.draw(cards())
    team = data.draw(teams(card))
    out = scores_frame(card, team)
    by_row = {row: i for i, row in enumerate(out.totals.index)}
    for row, record in team.iterrows():
        values = {k.name: float(record[k.name]) for k in card.kpis}
        if not _scorable(card, values):
            assert row not in by_row
            with pytest.raises(InvalidInputError):
                score(card, values, rep_id=str(record["rep_id"]))
            continue
        single = score(card, values, rep_id=str(record["rep_id"]))
        total = out.totals.iloc[by_row[row]]
        assert total["total"] == single.total
        assert total["subtotal"] == single.subtotal
        assert total["grade"] == single.grade
        assert total["reason_en"] == single.reason_en
        assert total["reason_zh"] == single.reason_zh
        assert total["failed_gates"] == ", ".join(single.failed_gates)
        lines = out.lines[out.lines["row"] == row]
        for (_, line), expected in zip(lines.iterrows(), single.lines, strict=True):
            assert line["points"] == expected.points
            assert line["weighted_points"] == expected.weighted_points
            assert line["value"] == expected.value
            assert line["outcome"] == expected.outcome
            assert line["reason_en"] == expected.reason_en
            assert line["reason_zh"] == expected.reason_zh
            if expected.attainment is None:
                assert np.isnan(line["attainment"])
            else:
                assert line["attainment"] == expected.attainment


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_scores_frame_rows_in_equal_rows_out_plus_errors(data: st.DataObject) -> None:
    card = data.draw(cards())
    team = data.draw(teams(card))
    if len(team) > 1 and data.draw(st.booleans()):
        ids = team["rep_id"].tolist()
        team["rep_id"] = [*ids[:-1], ids[0]]  # a duplicate rep
    out = scores_frame(card, team)
    assert len(team) == len(out.totals) + out.errors["row"].nunique()
    assert set(out.totals.index).isdisjoint(set(out.errors["row"]))
    assert len(out.lines) == len(out.totals) * len(card.kpis)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_score_total_is_sum_of_weighted_points(data: st.DataObject) -> None:
    card = data.draw(cards())
    values = {k.name: data.draw(value_for(k)) for k in card.kpis}
    if not _scorable(card, values):
        return
    result = score(card, values, rep_id="li")
    assert result.subtotal == sum((line.weighted_points for line in result.lines), Decimal(0))
    zeroed = any(
        isinstance(k.curve, GateCurve) and k.curve.on_fail == "zero_total"
        for k in card.kpis
        if k.name in result.failed_gates
    )
    assert result.total == (Decimal(0) if zeroed else result.subtotal)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_score_points_within_curve_bounds(data: st.DataObject) -> None:
    card = data.draw(cards())
    values = {k.name: data.draw(value_for(k)) for k in card.kpis}
    if not _scorable(card, values):
        return
    quantum = Decimal(1).scaleb(-card.points_places)
    for kpi, line in zip(card.kpis, score(card, values, rep_id="li").lines, strict=True):
        low, high = kpi.curve.bounds(card.scale)
        # Points are rounded to the quantum, so bounds hold to within one quantum.
        assert line.points >= low - quantum
        if high is not None:
            assert line.points <= high + quantum


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_score_total_monotone_in_each_value(data: st.DataObject) -> None:
    card = data.draw(cards(monotone=True))
    values = {k.name: data.draw(value_for(k)) for k in card.kpis}
    kpi = data.draw(st.sampled_from(card.kpis))
    more = dict(values)
    more[kpi.name] = values[kpi.name] + data.draw(
        st.floats(0, float(kpi.target)).map(lambda x: round(x, 2))
    )
    before = score(card, values, rep_id="li")
    after = score(card, more, rep_id="li")
    assert after.subtotal >= before.subtotal
    assert after.total >= before.total


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_score_results_round_trip_through_json(data: st.DataObject) -> None:
    card = data.draw(cards())
    team = data.draw(teams(card))
    out = scores_frame(card, team)
    loaded = json.loads(json.dumps(out.to_dict()))
    assert ScoresFrames.from_dict(loaded).to_dict() == loaded
    for _, record in team.iterrows():
        values = {k.name: float(record[k.name]) for k in card.kpis}
        if _scorable(card, values):
            result = score(card, values, rep_id="li")
            again = ScoreResult.from_dict(json.loads(json.dumps(result.to_dict())))
            assert again == result
    assert Scorecard.from_dict(json.loads(json.dumps(card.to_dict()))) == card


def test_scores_frame_rep_ids_and_index() -> None:
    card = Scorecard(id="t", kpis=[ScorecardKpi(name="calls", weight=1, target=10)])
    team = pd.DataFrame(
        {"owner": [101, " ", 102, "li"], "calls": [10, 10, 5, 20]}, index=["x", "x", "y", "y"]
    )
    out = scores_frame(card, team, rep_column="owner", reps=["101", "102"])
    # Integer ids are read as text; a blank id and an unknown rep are reported by label.
    assert out.totals["rep_id"].tolist() == ["101", "102"]
    assert out.totals.index.tolist() == ["x", "y"]
    assert out.errors[["row", "reason"]].values.tolist() == [
        ["x", "blank_rep"],
        ["y", "unknown_rep"],
    ]
    assert out.totals["total"].tolist() == [Decimal("100.00"), Decimal("50.00")]
    assert team["owner"].tolist() == [101, " ", 102, "li"]  # not mutated


def test_score_lower_is_better_monotone_the_other_way() -> None:
    card = Scorecard(
        id="c",
        kpis=[
            ScorecardKpi(
                name="cycle", weight=1, target=30, direction="lower", curve=LinearCurve(cap=150)
            )
        ],
    )
    totals = [score(card, {"cycle": d}, rep_id="li").total for d in (10, 20, 30, 45, 60)]
    # 30/10 = 300 % capped at 150; 30/20 = 150; 100; 30/45 = 66.67; 50.
    assert totals == [Decimal(x) for x in ("150.00", "150.00", "100.00", "66.67", "50.00")]


def test_score_ignores_the_callers_decimal_context() -> None:
    import decimal

    values = {"revenue": 900_000, "cycle_days": 36, "visits": 33, "compliance": 1}
    expected = score(field_card(), values, rep_id="li")
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.traps[decimal.Inexact] = True
        card = Scorecard.from_dict(field_card().to_dict())
        weights = [
            ScorecardKpi(name=f"k{i}", weight="0.001", target="12345.6789") for i in range(999)
        ]
        wide = Scorecard(
            id="w", kpis=[*weights, ScorecardKpi(name="last", weight="0.001", target=1)]
        )
        assert len(wide.kpis) == 1000  # 1000 x 0.001 is 1 only with more than 3 digits
        assert score(card, values, rep_id="li") == expected
