"""Bottlenecks and aging: hand-checked numbers, bulk/single agreement and bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest
from tests.funnel._helpers import deal, pipeline

from salescore.errors import InvalidInputError
from salescore.frames import history_frame, to_frame
from salescore.funnel import aging, aging_frame, bottlenecks, funnel, funnel_counts

P = pipeline()
LINEAR = [
    deal("D1", ["Qualify", "Proposal", "Negotiation", "Won"], amount=100, hours=[24, 48, 72]),
    deal("D2", ["Qualify", "Proposal", "Lost"], amount=200),
    deal("D3", ["Qualify"], amount=300),
]


def test_bottlenecks_conversion_hand_checked() -> None:
    report = funnel(LINEAR, P)
    # entered amounts 600, 300, 100; conversions 2/3, 1/2, 1.
    # Qualify at 1.0: 600 x (1 - 2/3) x (1/2 x 1) = 100; Proposal at 1.0: 300 x 1/2 x 1 = 150
    table = bottlenecks(report, {"Qualify": 1.0, "Proposal": 1.0})
    assert table["stage"].tolist() == ["Proposal", "Qualify"]
    assert table["gain"].tolist() == [Decimal("150.00"), Decimal("100.00")]
    assert table["rank"].tolist() == [1, 2]
    assert table["actual"].tolist() == pytest.approx([0.5, 2 / 3])


def test_bottlenecks_against_another_report() -> None:
    report = funnel(LINEAR, P)
    same = bottlenecks(report, report)
    assert set(same["gain"].tolist()) == {Decimal("0.00")}
    worse = bottlenecks(report, funnel([*LINEAR, deal("D4", ["Qualify", "Lost"])], P))
    # Benchmark Qualify 2/4: 600 x (1/2 - 2/3) x 1/2 = -50, ranked last.
    assert worse.iloc[-1]["stage"] == "Qualify"
    assert worse.iloc[-1]["gain"] == Decimal("-50.00")


def test_bottlenecks_duration_hand_checked() -> None:
    report = funnel(LINEAR, P)
    # Stays: Qualify 1 d (24 h, 24 h), Proposal 1.5 d (48 h, 24 h), Negotiation 3 d: cycle 5.5.
    # Negotiation at 1 d: cycle 3.5; won 100 x (5.5 / 3.5 - 1) = 57.142857... -> 57.14
    table = bottlenecks(report, {"Negotiation": 1.0, "Qualify": 1.0}, metric="duration")
    assert table["stage"].tolist() == ["Negotiation", "Qualify"]
    assert table["gain"].tolist() == [Decimal("57.14"), Decimal("0.00")]


@pytest.mark.parametrize(
    ("benchmark", "kwargs", "message"),
    [
        ({"Qualify": 0.5}, {"metric": "speed"}, "metric 'speed' is not allowed"),
        ({"Demo": 0.5}, {}, "benchmark names stage 'Demo'"),
        ({"Qualify": 1.5}, {}, "'Qualify' 1.5 is outside"),
        ([0.5], {}, "got list"),
        ({"Qualify": -1.0}, {"metric": "duration"}, "must be >= 0 days"),
        ({"Negotiation": -2.5}, {"metric": "duration"}, "must be >= 0 days"),
        ({"Qualify": 0.5}, {"rounding": "UP"}, "rounding 'UP'"),
    ],
)
def test_bottlenecks_bad_input(benchmark: object, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        bottlenecks(funnel(LINEAR, P), benchmark, **kwargs)  # type: ignore[arg-type]


def test_bottlenecks_bad_reports() -> None:
    with pytest.raises(InvalidInputError, match="report must be a FunnelReport"):
        bottlenecks("report", {})  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="counted no deal"):
        bottlenecks(funnel([], P), {})
    snapshot = funnel(LINEAR, P, source="snapshot")
    with pytest.raises(InvalidInputError, match="snapshot report has no stage durations"):
        bottlenecks(snapshot, {"Qualify": 1.0}, metric="duration")
    skipped = funnel([deal("D1", ["Qualify", "Negotiation", "Won"])], P)
    with pytest.raises(InvalidInputError, match="'Proposal' has no completed stay"):
        bottlenecks(skipped, {"Qualify": 1.0}, metric="duration")


def test_bottlenecks_duration_cycle_zero() -> None:
    deals = [deal("D1", ["Qualify", "Proposal", "Negotiation", "Won"], hours=[0, 0, 24])]
    with pytest.raises(InvalidInputError, match="makes the whole cycle 0 days"):
        bottlenecks(funnel(deals, P), {"Negotiation": 0.0}, metric="duration")


# --------------------------------------------------------------------------- aging

REFERENCE = [
    deal("R1", ["Qualify", "Lost"], hours=[24]),
    deal("R2", ["Qualify", "Lost"], hours=[48]),
    deal("R3", ["Qualify", "Lost"], hours=[72]),
]
OPEN_DEALS = [
    deal("A1", ["Qualify"]),  # in Qualify since 2026-01-05 09:00
    deal("A2", ["Qualify"], created=date(2026, 1, 7)),
    deal("A3", ["Qualify", "Proposal"]),  # Proposal since 2026-01-06 09:00
    deal("A4", ["Qualify", "Won"]),  # closed: not aged
]
AS_OF = datetime(2026, 1, 8, 9, tzinfo=UTC)


def test_aging_hand_checked() -> None:
    # Qualify stays 24, 48, 72 h: p90 at position 1.8 -> 48 + 0.8 x 24 = 67.2 h = 2.8 days.
    table = aging(OPEN_DEALS, funnel(REFERENCE, P), P, as_of=AS_OF)
    assert table["id"].tolist() == ["A1", "A2", "A3"]
    assert table["days_in_stage"].tolist() == pytest.approx([3.0, 1.0, 2.0])
    assert table["threshold_days"].tolist()[:2] == pytest.approx([2.8, 2.8])
    assert table["overdue"].tolist()[:2] == [True, False]
    assert pd.isna(table["overdue"].iloc[2])  # no Proposal stays to compare with
    median = aging(OPEN_DEALS, funnel_counts(REFERENCE, P), P, as_of=AS_OF, percentile=0.5)
    assert median["threshold_days"].tolist()[:2] == pytest.approx([2.0, 2.0])


def test_aging_date_and_missing_history() -> None:
    bare = [deal("B1", ["Qualify"], with_history=False)]
    table = aging(bare, funnel(REFERENCE, P), P, as_of=date(2026, 1, 9))
    # Created 2026-01-05 (midnight UTC) to 2026-01-09 midnight: 4 days.
    assert table["days_in_stage"].tolist() == [4.0]
    assert table["entered_stage_at"].tolist() == [pd.Timestamp("2026-01-05", tz="UTC")]


def test_aging_frame_agrees_and_keeps_index() -> None:
    deals = [*OPEN_DEALS, deal("B1", ["Qualify"], with_history=False)]
    frame = to_frame(deals).set_axis([10, 11, 12, 13, 14])
    history = history_frame([d for d in deals if d.id != "A2"])
    reference = funnel(REFERENCE, P)
    bulk = aging_frame(frame, history, reference, P, as_of=AS_OF)
    assert bulk.index.tolist() == [10, 11, 12, 14]
    # A2 has no history row here, so it entered at created_on midnight: 2026-01-07 -> 1.375 d
    assert bulk["days_in_stage"].tolist() == pytest.approx([3.0, 1.375, 2.0, 3.375])
    single = aging([deals[0], deals[2], deals[4]], reference, P, as_of=AS_OF)
    pd.testing.assert_frame_equal(
        bulk.loc[[10, 12, 14]].reset_index(drop=True), single, check_dtype=False
    )


def test_aging_bad_input() -> None:
    reference = funnel(REFERENCE, P)
    with pytest.raises(InvalidInputError, match="is naive"):
        aging(OPEN_DEALS, reference, P, as_of=datetime(2026, 1, 8))
    with pytest.raises(InvalidInputError, match="as_of must be a date"):
        aging(OPEN_DEALS, reference, P, as_of="2026-01-08")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="snapshot reference"):
        aging(OPEN_DEALS, funnel(REFERENCE, P, source="snapshot"), P, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match="reference must be a FunnelReport"):
        aging(OPEN_DEALS, "ref", P, as_of=AS_OF)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"percentile 1\.5 is outside"):
        aging(OPEN_DEALS, reference, P, as_of=AS_OF, percentile=1.5)
    with pytest.raises(InvalidInputError, match="must be a DataFrame"):
        aging_frame(OPEN_DEALS, history_frame(OPEN_DEALS), reference, P, as_of=AS_OF)  # type: ignore[arg-type]
