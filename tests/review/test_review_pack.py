"""review(): the pack's numbers are the calculators' numbers; texts, Markdown, HTML, JSON."""

from __future__ import annotations

import base64
import re
import string
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.test_round_trip import round_trip

from salescore import datasets
from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.forecast import simulate, weighted
from salescore.frames import history_frame, to_frame
from salescore.funnel import aging_frame, bottlenecks, funnel_frame, required_pipeline
from salescore.goals import attainment, pace
from salescore.models import Opportunity, Owner, Target
from salescore.money import Money
from salescore.plot import find_cjk_font
from salescore.review import CODES, Line, ReviewPack, review

PIPE = datasets.pipeline()
ORG = datasets.organization()
Q2 = Period.quarter(2026, 2)


def targets(values: dict[str, int], period: Period = Q2) -> list[Target]:
    return [
        Target(
            id=f"{rep}-{period.label}",
            metric="revenue",
            value=value,
            currency="CNY",
            direction="at_least",
            period=period,
            owner=Owner(kind="rep", id=rep),
        )
        for rep, value in values.items()
    ]


def series_of(deals: list[Opportunity], rep: str) -> pd.Series[float]:
    won = [d for d in deals if d.owner_id == rep and d.stage == "Won"]
    amounts = np.array([float(d.amount) for d in won], dtype=np.float64)
    return pd.Series(amounts, index=pd.DatetimeIndex([str(d.close_date) for d in won]))


def _major(value: Money | Decimal) -> Decimal:
    assert isinstance(value, Money)
    return value.amount


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    as_of=st.integers(0, 91),
    values=st.tuples(*(st.integers(1, 60) for _ in range(3))),
    node=st.sampled_from([None, "east", "west", "R1"]),
)
def test_review_numbers_equal_the_calculators(
    seed: int, as_of: int, values: tuple[int, ...], node: str | None
) -> None:
    deals = datasets.opportunities(PIPE, n=80, seed=seed)
    day = Q2.start + timedelta(days=as_of)
    goals = targets({rep: v * 100_000 for rep, v in zip(("R1", "R2", "R3"), values, strict=True)})
    pack = review(
        deals, PIPE, period=Q2, as_of=day, targets=goals, organization=ORG, node=node, runs=200
    )
    reps = {"east": ["R1", "R2"], "west": ["R3"], "R1": ["R1"], None: ["R1", "R2", "R3"]}[node]
    mine = [d for d in deals if d.owner_id in reps]
    # pace and attainment, rep by rep
    assert pack.owners.index.tolist() == reps
    for t in goals:
        rep = t.owner.id if t.owner else None
        if rep not in reps:
            continue
        p = pace(t, series_of(deals, str(rep)), day)
        a = attainment(t, p.actual_to_date)
        row = pack.owners.loc[rep]
        assert (row["target"], row["expected"], row["actual"], row["remaining"]) == (
            _major(p.target),
            _major(p.expected_to_date),
            _major(p.actual_to_date),
            _major(p.remaining),
        )
        assert row["on_pace"] == p.on_pace
        assert row["attainment"] == pytest.approx(float(a.attainment or 0))
    mine_goals = [t.value or Decimal(0) for t in goals if t.owner and t.owner.id in reps]
    assert pack.goal.amount == sum(mine_goals, Decimal(0))
    assert pack.actual.amount == sum(pack.owners["actual"], Decimal(0))
    # forecast and interval
    w = weighted(mine, PIPE, period=Q2)
    assert (pack.forecast.forecast, pack.forecast.pipeline) == (w.forecast, w.pipeline)
    s = simulate(mine, PIPE, seed=0, n=200, period=Q2)
    assert pack.simulation.interval(0.8) == s.interval(0.8)
    # funnel, reverse funnel, bottlenecks and ageing
    frame = to_frame(mine, model=Opportunity)
    team = {r.id: r.team_id for r in ORG.reps}
    frame = frame.assign(team_id=frame["owner_id"].map(team))
    history = history_frame(mine)
    report = funnel_frame(frame, PIPE, stage_changes=history, by=["team_id"])
    assert pack.funnel.overall.equals(report.overall)
    if pack.remaining.amount > 0 and pack.required is not None:
        expected = required_pipeline(pack.remaining, report, as_of=day, period=Q2)
        assert pack.required.table.equals(expected.table)
    if node is not None and pack.bottlenecks is not None:
        everyone = funnel_frame(to_frame(deals), PIPE, stage_changes=history_frame(deals))
        bench = {
            str(k): float(v) for k, v in everyone.overall["conversion"].items() if not np.isnan(v)
        }
        assert pack.bottlenecks.equals(bottlenecks(report, bench))
    aged = aging_frame(frame.drop(columns="team_id"), history, report, PIPE, as_of=day)
    overdue = set(aged.loc[aged["overdue"].fillna(False).to_numpy(bool), "id"])
    assert pack.aging is not None and set(pack.aging["id"]) == overdue
    # every sentence renders in both languages
    for line in pack.lines:
        assert line.text("en") and line.text("zh-CN")


def _example(**kw: Any) -> ReviewPack:
    deals = datasets.opportunities(PIPE, n=120)
    args: dict[str, Any] = {
        "period": Q2,
        "as_of": date(2026, 5, 15),
        "targets": targets({"R1": 4_000_000, "R2": 3_500_000, "R3": 900_000}),
        "organization": ORG,
        "node": "east",
        "runs": 300,
    }
    return review(deals, PIPE, **(args | kw))


def test_review_every_code_has_both_texts_with_the_same_fields() -> None:
    fields = string.Formatter()
    for code, (en, zh) in CODES.items():
        assert en and zh, code
        names_en = {f for _, f, _, _ in fields.parse(en) if f}
        names_zh = {f for _, f, _, _ in fields.parse(zh) if f}
        # Chinese findings quote the Chinese message, English ones the English
        assert names_en - {"message_en"} == names_zh - {"message_zh"}, code
        assert code == "smart.finding" or re.search(r"[\u4e00-\u9fff]", zh), code


def test_review_previous_snapshot_and_next_targets() -> None:
    deals = datasets.opportunities(PIPE, n=120)
    previous = [
        d.model_copy(update={"expected_close_date": date(2026, 6, 1)})
        if d.stage in ("Qualify", "Proposal")
        else d
        for d in deals[:100]
    ]
    nxt = targets({"R1": 1_000, "R2": 2_000}, Period.quarter(2026, 3))
    nxt.append(Target(id="vague", name="sell more"))
    pack = _example(previous=to_frame(previous), next_targets=nxt)
    assert pack.changes is not None and pack.changes.reconciles()
    codes = [line.code for line in pack.lines]
    assert "changes.summary" in codes and "smart.summary" in codes
    assert ("action.slipped" in codes and codes[-1] != "action.fix_targets") or True
    actions = [a.code for a in pack.actions]
    assert actions[-1] == "action.fix_targets"  # no impact: last
    impacts = [a.impact for a in pack.actions if a.impact is not None]
    assert impacts == sorted(impacts, reverse=True)
    smart = next(line for line in pack.lines if line.code == "smart.summary")
    assert smart.values["targets"] == 3 and smart.values["fail"] == 1
    slipped = pack.changes.buckets.loc["slipped"]
    assert int(str(slipped["deals"])) > 0
    assert "changes" in pack.frames() and "smart" in pack.frames()
    round_trip(pack)


def test_review_pack_round_trips_through_json() -> None:
    round_trip(_example())


def test_review_markdown_in_both_languages() -> None:
    pack = _example()
    en = pack.to_markdown()
    assert en.startswith("# Sales review: east · 2026-Q2 · as of 2026-05-15\n")
    assert "## Actions\n\n1. review the" in en
    assert "| Wang Fang | east | 4,000,000.00 |" in en
    zh = pack.to_markdown("zh-CN")
    assert "## 行动\n\n1. 逐一检查" in zh and "## 未评估" in zh
    with pytest.raises(InvalidInputError, match="lang"):
        pack.to_markdown("fr")  # type: ignore[arg-type]


def test_review_html_embeds_charts_as_png() -> None:
    pack = _example()
    page = pack.to_html()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 2  # funnel and simulation; no previous snapshot, no waterfall
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "<ol><li>review the 34 ageing deals" in page
    assert "<img" not in pack.to_html(charts=False)
    if find_cjk_font() is None:
        with pytest.warns(UserWarning, match="CJK|Chinese"):
            zh = pack.to_html("zh-CN")
    else:  # pragma: no cover - depends on the machine's fonts
        zh = pack.to_html("zh-CN")
    assert "<h2>行动</h2>" in zh


def test_review_goal_met_and_no_targets() -> None:
    met = _example(targets=targets({"R1": 1_000, "R2": 1_000}))
    codes = [line.code for line in met.lines]
    assert "gap.met" in codes and met.required is None and met.coverage is None
    assert not [a for a in met.actions if a.code.startswith("action.team")]
    none = _example(targets=[])
    assert "notes.no_targets" in [line.code for line in none.lines]
    assert none.goal == Money(0, "CNY") and len(none.owners) == 0


def test_review_on_frames_without_histories_notes_what_it_cannot_assess() -> None:
    deals = datasets.opportunities(PIPE, n=120)
    pack = review(
        to_frame(deals),
        PIPE,
        period=Q2,
        as_of=date(2026, 5, 15),
        targets=to_frame(targets({"R1": 4_000_000, "R2": 3_500_000, "R3": 900_000})),
        runs=100,
    )
    notes = [line.code for line in pack.section("notes")]
    assert "notes.no_history" in notes and "notes.no_benchmark" in notes
    assert pack.aging is None and pack.funnel.inference == "snapshot"


def test_review_with_bookings_and_a_benchmark() -> None:
    bookings = pd.DataFrame(
        {"owner_id": ["R1", "R2"], "date": ["2026-04-02", "2026-05-01"], "amount": [10.0, 20.0]}
    )
    pack = _example(bookings=bookings, benchmark={"Qualify": 0.99}, node=None, max_actions=1)
    assert pack.actual == Money("30.00", "CNY") and len(pack.actions) == 1
    assert pack.bottlenecks is not None and pack.bottlenecks["stage"].tolist() == ["Qualify"]
    solo = review(
        datasets.opportunities(PIPE, n=40),
        PIPE,
        period=Q2,
        as_of=Q2.start,
        targets=targets({"R1": 100_000, "R2": 100_000}),
        node="R2",
        runs=50,
    )
    assert solo.owners.index.tolist() == ["R2"] and solo.owners["name"].isna().all()


def test_review_refuses_bad_arguments() -> None:
    deals = datasets.opportunities(PIPE, n=20)
    goals = targets({"R1": 1})
    kw: dict[str, Any] = {"period": Q2, "as_of": date(2026, 5, 1), "targets": goals}
    with pytest.raises(InvalidInputError, match="outside the period"):
        review(deals, PIPE, **(kw | {"as_of": date(2027, 1, 1)}))
    with pytest.raises(InvalidInputError, match="not a Period"):
        review(deals, PIPE, **(kw | {"period": "Q2"}))
    with pytest.raises(InvalidInputError, match="max_actions"):
        review(deals, PIPE, **kw, max_actions=-1)
    with pytest.raises(InvalidInputError, match="neither a team nor a rep"):
        review(deals, PIPE, **kw, organization=ORG, node="north")
    with pytest.raises(InvalidInputError, match="not a rep with a target"):
        review(deals, PIPE, **kw, node="R9")
    with pytest.raises(InvalidInputError, match="two money targets"):
        review(
            deals,
            PIPE,
            **(
                kw
                | {
                    "targets": goals
                    + targets({"R1": 2})[:0]
                    + [goals[0].model_copy(update={"id": "again"})]
                }
            ),
        )
    with pytest.raises(InvalidInputError, match="bookings lacks"):
        review(deals, PIPE, **kw, bookings=pd.DataFrame({"owner_id": []}))
    with pytest.raises(InvalidInputError, match="got int"):
        review(3, PIPE, **kw)  # type: ignore[arg-type]
    usd = [
        goals[0].model_copy(
            update={"currency": "USD", "id": "u", "owner": Owner(kind="rep", id="R2")}
        )
    ]
    with pytest.raises(CurrencyMismatchError, match="CNY, USD"):
        review(deals, PIPE, **(kw | {"targets": goals + usd}))
    with pytest.raises(CurrencyMismatchError, match="targets are in USD"):
        review(deals, PIPE, **(kw | {"targets": usd}))
    with pytest.raises(InvalidInputError, match="not among the review codes"):
        Line(code="nope", section="notes").text()


def test_review_activities_equal_the_calculators() -> None:
    from datetime import UTC, datetime

    from salescore.activities import activity_counts, idle_open_deals

    deals = datasets.opportunities(PIPE, n=120)
    acts = datasets.activities(deals)
    pack = _example(activities=acts)
    assert pack.activity is not None and pack.idle is not None
    # counts: what R1 and R2 (team east) logged from the quarter's start to as_of
    until = Period(start=Q2.start, end=date(2026, 5, 15))
    counts = activity_counts(acts, period=until).counts
    assert pack.activity.index.tolist() == ["R1", "R2"]
    for (rep, kind), n in counts.items():
        if rep in ("R1", "R2"):
            assert pack.activity.loc[rep, kind] == n
    east = {(r, k): n for (r, k), n in counts.items() if r in ("R1", "R2")}
    assert int(pack.activity["total"].sum()) == sum(east.values())
    # idle deals: the calculator's, on the node's deals at midnight UTC of as_of
    mine = [d for d in deals if d.owner_id in ("R1", "R2")]
    expected = idle_open_deals(mine, PIPE, acts, as_of=datetime(2026, 5, 15, tzinfo=UTC))
    assert pack.idle["opportunity_id"].tolist() == expected["opportunity_id"].tolist()
    assert len(pack.idle) > 0
    total = sum((Decimal(str(a)) for a in expected["amount"]), Decimal(0))
    assert sum(pack.idle["amount"], Decimal(0)) == total
    assert int(pack.idle["amount_minor"].sum()) == int(total * 100)
    codes = [line.code for line in pack.lines]
    assert "activities.summary" in codes and "activities.idle" in codes
    idle_action = next(a for a in pack.actions if a.code == "action.idle")
    assert idle_action.values["deals"] == len(expected)
    assert idle_action.impact == total
    assert "idle" in pack.frames() and "activity" in pack.frames()
    assert "## Activities" in pack.to_markdown() and "## 过程活动" in pack.to_markdown("zh-CN")
    round_trip(pack)


def test_review_activities_without_histories_or_before_the_period() -> None:
    deals = datasets.opportunities(PIPE, n=60)
    acts = datasets.activities(deals)
    pack = review(
        to_frame(deals),
        PIPE,
        period=Q2,
        as_of=Q2.start,
        targets=targets({"R1": 4_000_000, "R2": 3_500_000, "R3": 900_000}),
        activities=acts,
        runs=50,
    )
    assert pack.idle is None and "notes.no_idle" in [line.code for line in pack.lines]
    assert pack.activity is not None
    assert pack.activity["total"].tolist() == [0, 0, 0]  # nothing counted before as_of
    silent = next(line for line in pack.lines if line.code == "activities.summary")
    assert silent.values == {"activities": 0, "reps": 3, "silent": 3}
    none = _example()
    assert none.activity is None and "notes.no_activities" in [line.code for line in none.lines]
