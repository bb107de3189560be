"""pipeline_changes and forecast_history: exact reconciliation, bucket rules, failures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salescore import datasets, testing
from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.forecast import forecast_categories, weighted
from salescore.frames import to_frame
from salescore.models import Opportunity, Pipeline, Stage
from salescore.money import Money
from salescore.review import BUCKETS, forecast_history, pipeline_changes

PIPE = Pipeline(
    stages=[
        Stage(name="Qualify", order=0, probability=0.2),
        Stage(name="Propose", order=1, probability=0.5),
        Stage(name="Won", order=2, probability=1.0, kind="won"),
        Stage(name="Lost", order=3, probability=0.0, kind="lost"),
    ]
)
Q1 = Period.quarter(2026, 1)


def deal(i: int, stage: str, amount: Any, close: date | None = date(2026, 3, 20), **kw: Any):
    closed = kw.pop("closed", None)
    return Opportunity(
        id=f"D{i}",
        owner_id=kw.pop("owner", "R1"),
        amount=amount,
        currency=kw.pop("currency", "CNY"),
        stage=stage,
        created_on=date(2026, 1, 5),
        expected_close_date=close,
        close_date=closed,
    )


# ------------------------------------------------------------------ an independent reference
def _reference(before: pd.DataFrame, after: pd.DataFrame, pipeline: Pipeline, period: Period):
    """Bucket of each deal by the documented rules, one deal at a time in plain Python."""
    order = {n: i for i, n in enumerate(pipeline.names)}

    def pipe(row: pd.Series) -> bool:
        d = row["expected_close_date"]
        return (
            not pipeline[row["stage"]].is_closed
            and d is not None
            and not pd.isna(d)
            and period.start <= pd.Timestamp(d).date() < period.end
        )

    b = {r["id"]: r for _, r in before.iterrows()}
    a = {r["id"]: r for _, r in after.iterrows()}
    out: dict[str, tuple[str, int]] = {}
    for i in list(b) + [k for k in a if k not in b]:
        rb, ra = b.get(i), a.get(i)
        pb = rb is not None and pipe(rb)
        pa = ra is not None and pipe(ra)
        if not (pb or pa):
            continue
        mb = int(Decimal(str(rb["amount"])) * 100) if rb is not None else 0
        ma = int(Decimal(str(ra["amount"])) * 100) if ra is not None else 0
        if pb and not pa:
            assert rb is not None
            if ra is None:
                name = "removed"
            elif pipeline[ra["stage"]].kind.value == "won":
                name = "won"
            elif pipeline[ra["stage"]].kind.value == "lost":
                name = "lost"
            else:
                name = "slipped"
            out[i] = (name, -mb)
        elif pa and not pb:
            out[i] = ("new" if rb is None else "pulled_in", ma)
        else:
            assert ra is not None and rb is not None
            if ma > mb:
                name = "amount_up"
            elif ma < mb:
                name = "amount_down"
            elif order[ra["stage"]] > order[rb["stage"]]:
                name = "stage_forward"
            elif order[ra["stage"]] < order[rb["stage"]]:
                name = "stage_back"
            else:
                name = "unchanged"
            out[i] = (name, ma - mb)
    return out


@st.composite
def snapshot_pairs(draw: st.DrawFn) -> tuple[Pipeline, pd.DataFrame, pd.DataFrame, Period]:
    pipeline = draw(testing.pipelines(max_open=4))
    before = draw(testing.opportunity_sets(pipeline, max_size=12, with_history=False))
    extra = draw(testing.opportunity_sets(pipeline, max_size=4, with_history=False))
    after: list[Opportunity] = []
    for d in before:
        op = draw(st.sampled_from(["same", "amount", "stage", "date", "drop", "close"]))
        if op == "drop":
            continue
        update: dict[str, Any] = {}
        if op == "amount":
            update["amount"] = d.amount + Decimal(draw(st.integers(-100, 100))) / 100
            update["amount"] = max(update["amount"], Decimal(0))
        elif op == "stage":
            update |= {"stage": draw(st.sampled_from(pipeline.open_stages)).name}
            update["close_date"] = None
        elif op == "date":
            update["expected_close_date"] = d.created_on + timedelta(draw(st.integers(0, 900)))
        elif op == "close":
            closing = draw(st.sampled_from([*pipeline.won_stages, *pipeline.lost_stages]))
            update |= {"stage": closing.name, "close_date": d.created_on}
        after.append(d.model_copy(update=update))
    after += [e.model_copy(update={"id": f"N{e.id}"}) for e in extra]
    period = Period.year(draw(st.integers(2022, 2027)))
    return pipeline, to_frame(before, model=Opportunity), to_frame(after, model=Opportunity), period


@given(snapshot_pairs())
def test_pipeline_changes_reconciles_from_opening_to_closing(case: Any) -> None:
    pipeline, before, after, period = case
    w = pipeline_changes(before, after, pipeline, period=period, currency="USD")
    assert w.reconciles()
    assert w.failures.empty
    changes = w.buckets["change_minor"].to_numpy()
    assert w.opening.to_minor() + int(changes.sum()) == w.closing.to_minor()
    # the Decimal columns say the same as the minor-unit ones
    assert sum(w.buckets["change"], Decimal(0)) == w.closing.amount - w.opening.amount
    # opening and closing are the open pipeline weighted() counts in the period
    if len(before):
        assert w.opening == weighted(before, pipeline, period=period).pipeline
    if len(after):
        assert w.closing == weighted(after, pipeline, period=period).pipeline


@given(snapshot_pairs())
def test_pipeline_changes_buckets_follow_the_ordered_rules(case: Any) -> None:
    pipeline, before, after, period = case
    w = pipeline_changes(before, after, pipeline, period=period, currency="USD")
    expected = _reference(before, after, pipeline, period)
    got = {i: (r["bucket"], r["change_minor"]) for i, r in w.deals.iterrows()}
    assert got == expected
    counts = pd.Series([v[0] for v in expected.values()], dtype=object).value_counts()
    assert w.buckets["deals"].to_dict() == {b: int(counts.get(b, 0)) for b in BUCKETS}
    assert int(w.buckets["deals"].sum()) == len(w.deals)


def test_pipeline_changes_example_buckets() -> None:
    before = [
        deal(1, "Qualify", 100),
        deal(2, "Propose", 200),
        deal(3, "Qualify", 300),
        deal(4, "Propose", 400),
        deal(5, "Qualify", 500),
        deal(7, "Propose", 70),
        deal(8, "Qualify", 80),
        deal(9, "Propose", 90),
    ]
    after = [
        deal(1, "Propose", "150"),  # grew and advanced: amount_up wins
        deal(2, "Lost", 200, closed=date(2026, 3, 1)),
        deal(3, "Qualify", 250),
        # 4 removed
        deal(5, "Qualify", 500, close=None),  # undated: slipped
        deal(6, "Qualify", 60, close=date(2026, 1, 31)),  # new
        deal(7, "Qualify", 70),  # stage back
        deal(8, "Qualify", 80),  # unchanged
        deal(9, "Won", 90, closed=date(2026, 2, 1)),
    ]
    w = pipeline_changes(to_frame(before), to_frame(after), PIPE, period=Q1)
    b = w.buckets
    assert b.loc["lost", "change"] == Decimal("-200.00")
    assert b.loc["removed", "change"] == Decimal("-400.00")
    assert b.loc["slipped", "amount"] == Decimal("500.00")
    assert b.loc["won", "change_minor"] == -9000
    assert b.loc["amount_up", "amount"] == Decimal("50.00")
    assert b.loc["amount_down", "change"] == Decimal("-50.00")
    assert (b.loc["stage_back", "deals"], b.loc["stage_back", "change_minor"]) == (1, 0)
    assert b.loc["unchanged", "amount"] == Decimal("80.00")
    assert b.loc["new", "change"] == Decimal("60.00")
    # 100 + 200 + 300 + 400 + 500 + 70 + 80 + 90, then 150 + 250 + 60 + 70 + 80
    assert str(w.opening) == "1740.00 CNY"
    assert str(w.closing) == "610.00 CNY"
    assert w.deals.loc["D1", "stage_step"] == 1
    assert w.deals.loc["D4", "amount_after"] is None
    assert w.deals.loc["D6", "amount_before"] is None


def test_pipeline_changes_reports_bad_rows_in_both_snapshots() -> None:
    before = to_frame([deal(1, "Qualify", 100), deal(2, "Qualify", 200)])
    after = to_frame([deal(1, "Qualify", 100), deal(2, "Qualify", 200)])
    after.loc[1, "stage"] = "Demo"
    before.loc[0, "amount"] = 1.005
    w = pipeline_changes(before, after, PIPE, period=Q1, currency="CNY")
    reasons = sorted(zip(w.failures["snapshot"], w.failures["reason"], strict=True))
    assert reasons == [
        ("after", "not_allowed"),
        ("after", "other_snapshot"),
        ("before", "not_minor_unit"),
        ("before", "other_snapshot"),
    ]
    assert len(w.deals) == 0 and w.opening == Money(0, "CNY")


def test_pipeline_changes_refuses_mixed_currencies() -> None:
    before = [deal(1, "Qualify", 100), deal(2, "Qualify", 100, currency="USD")]
    with pytest.raises(CurrencyMismatchError, match="CNY, USD"):
        pipeline_changes(before, before, PIPE, period=Q1)


def test_pipeline_changes_refuses_bad_arguments() -> None:
    with pytest.raises(InvalidInputError, match="not a Period"):
        pipeline_changes([], [], PIPE, period="2026Q1")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="not a Pipeline"):
        pipeline_changes([], [], "p", period=Q1)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="got int"):
        pipeline_changes(1, [], PIPE, period=Q1)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="give Opportunity models"):
        pipeline_changes([1], [], PIPE, period=Q1)  # type: ignore[list-item]


def test_pipeline_changes_empty_snapshots() -> None:
    won = to_frame([deal(1, "Won", 5, closed=date(2026, 1, 9))])
    w = pipeline_changes(won, [], PIPE, period=Q1, currency="CNY")
    assert w.currency == "CNY" and w.opening.is_zero() and w.buckets["deals"].sum() == 0
    with pytest.raises(InvalidInputError, match="give currency="):
        pipeline_changes(won, [], PIPE, period=Q1)
    with pytest.raises(CurrencyMismatchError, match="CNY, USD"):
        pipeline_changes([deal(1, "Qualify", 5)], [], PIPE, period=Q1, currency="USD")


def test_forecast_history_equals_the_calculators_per_snapshot() -> None:
    p = datasets.pipeline()
    deals = datasets.opportunities(p, n=60)
    q2 = Period.quarter(2026, 2)
    org = datasets.organization()
    snaps = {date(2026, 3, 9): deals, date(2026, 3, 2): deals[:30], date(2026, 3, 16): deals[5:]}
    h = forecast_history(snaps, p, period=q2, org=org)
    assert list(h.table.index) == sorted(snaps)
    for on, snap in snaps.items():
        w = weighted(snap, p, period=q2)
        c = forecast_categories(snap, p, period=q2, org=org)
        row = h.table.loc[on]
        assert (row["forecast"], row["won"], row["pipeline"]) == (
            w.forecast.amount,
            w.won.amount,
            w.pipeline.amount,
        )
        assert row["commit_forecast"] == c.totals["commit_forecast"]
        assert row["pipeline_category"] == c.totals["pipeline"]
        assert row["best_case_minor"] == int(c.totals["best_case"] * 100)
    f = h.table["forecast_minor"].to_numpy()
    assert h.table["forecast_change_minor"].tolist() == [0, *np.diff(f).tolist()]


def test_forecast_history_refuses_bad_snapshots() -> None:
    p = datasets.pipeline()
    with pytest.raises(InvalidInputError, match="non-empty"):
        forecast_history({}, p, period=Q1)
    with pytest.raises(InvalidInputError, match="not a date"):
        forecast_history({"monday": []}, p, period=Q1)  # type: ignore[dict-item]
    cny = [deal(1, "Qualify", 100)]
    usd = [deal(1, "Qualify", 100, currency="USD")]
    with pytest.raises(CurrencyMismatchError, match="USD"):
        forecast_history({date(2026, 1, 1): cny, date(2026, 1, 8): usd}, PIPE, period=Q1)
