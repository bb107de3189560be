"""salescore.dask on a real two-worker LocalCluster: the same results as pandas, exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from dask.delayed import delayed  # noqa: E402

from salescore import dask as sdask  # noqa: E402
from salescore import datasets  # noqa: E402
from salescore.calendar import Period  # noqa: E402
from salescore.commission import statements_frame  # noqa: E402
from salescore.errors import InvalidInputError  # noqa: E402
from salescore.forecast import MarkovModel, stage_win_rates, transition_counts  # noqa: E402
from salescore.frames import history_frame, to_frame  # noqa: E402
from salescore.funnel import funnel_counts_frame, funnel_frame  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning")

PIPELINE = datasets.pipeline()
DEALS = datasets.opportunities(n=240, seed=11)
OPPS = to_frame(DEALS)
CHANGES = history_frame(DEALS)
JANUARY = Period.month(2026, 1)


@pytest.fixture(scope="module")
def client() -> Any:
    # The scheduler's HTTP server starts even without a dashboard; ":0" gives it a free
    # port, so two test processes (pytest -n) starting clusters at once do not collide.
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    with distributed.Client(cluster) as running:
        yield running
    cluster.close()


def partitions(frame: pd.DataFrame, how: str) -> Any:
    """The frame as a Dask frame cut in the way ``how`` names."""
    if how in ("1", "3", "7"):
        return dd.from_pandas(frame, npartitions=int(how), sort=False)
    n = len(frame)
    # uneven: one row, an empty partition, most of it, the rest; single: one-row
    # partitions but the last.
    cuts = [0, 1, 1, n - 5, n] if how == "uneven" else [*range(0, 6), n]
    pieces = [frame.iloc[a:b] for a, b in pairwise(cuts)]
    return dd.from_delayed([delayed(p) for p in pieces], meta=frame.iloc[:0])


CUTS = ["1", "3", "7", "uneven", "single"]


@pytest.mark.parametrize("how", CUTS)
def test_funnel_frame_equals_pandas(client: Any, how: str) -> None:
    expected = funnel_frame(OPPS, PIPELINE, stage_changes=CHANGES, by=["owner_id"])
    got = sdask.funnel_frame(
        partitions(OPPS, how), PIPELINE, stage_changes=partitions(CHANGES, "3"), by=["owner_id"]
    )
    assert got.to_dict() == expected.to_dict()


def test_funnel_counts_snapshot_and_options_pass_through(client: Any) -> None:
    snapshot = OPPS.assign(lost_at=None)
    expected = funnel_counts_frame(snapshot, PIPELINE, source="snapshot", cohort="quarter")
    got = sdask.funnel_counts(
        partitions(snapshot, "uneven"), PIPELINE, source="snapshot", cohort="quarter", buckets=4
    )
    assert got == expected


@pytest.mark.parametrize("how", ["1", "7", "uneven"])
def test_stage_win_rates_equal_pandas(client: Any, how: str) -> None:
    expected = stage_win_rates(
        CHANGES, PIPELINE, opportunities=OPPS, by="owner_id", smoothing=5, min_sample=3
    )
    got = sdask.stage_win_rates(
        partitions(OPPS, how),
        PIPELINE,
        stage_changes=partitions(CHANGES, how),
        by="owner_id",
        smoothing=5,
        min_sample=3,
    )
    assert got.to_dict() == expected.to_dict()


@pytest.mark.parametrize("how", ["1", "3", "single"])
def test_markov_fit_equals_pandas(client: Any, how: str) -> None:
    expected_counts = transition_counts(CHANGES, PIPELINE, step="week")
    counts = sdask.transition_counts(partitions(CHANGES, how), PIPELINE, step="week")
    assert counts == expected_counts
    expected = MarkovModel.fit(CHANGES, PIPELINE, step="week", smoothing=1.0)
    got = sdask.markov_fit(partitions(CHANGES, how), PIPELINE, step="week", smoothing=1.0)
    assert got.to_dict() == expected.to_dict()


@pytest.mark.parametrize("how", ["1", "7", "uneven"])
def test_weighted_equals_pandas(client: Any, how: str) -> None:
    from salescore.forecast import weighted

    period = Period.quarter(2026, 2)
    expected = weighted(OPPS, PIPELINE, period=period)
    got = sdask.weighted(partitions(OPPS, how), PIPELINE, period=period)
    for name in ("forecast", "won", "weighted", "pipeline", "exact", "currency"):
        assert getattr(got, name) == getattr(expected, name)
    for name in ("by_stage", "by_owner", "by_channel"):
        same(getattr(got, name), getattr(expected, name))
    assert sorted(got.undated.tolist()) == sorted(expected.undated.tolist())


@pytest.mark.parametrize("how", ["1", "3", "uneven", "single"])
def test_forecast_categories_equals_pandas(client: Any, how: str) -> None:
    from salescore.forecast import Adjustment, forecast_categories
    from salescore.money import Money

    period = Period.quarter(2026, 2)
    org = datasets.organization()
    rep = org.reps[0].id
    adjustments = [Adjustment(node=rep, measure="commit_forecast", amount=Money(1234, "CNY"))]
    # Two bad rows (a negative amount, an unknown stage) in different partitions: reported.
    frame = OPPS.copy()
    frame.loc[frame.index[0], "amount"] = -1.0
    frame.loc[frame.index[200], "stage"] = "Demo"
    expected = forecast_categories(frame, PIPELINE, period=period, org=org, adjustments=adjustments)
    got = sdask.forecast_categories(
        partitions(frame, how), PIPELINE, period=period, org=org, adjustments=adjustments
    )
    for name in ("by_owner", "tree"):
        same(getattr(got, name), getattr(expected, name))
    assert got.totals.equals(expected.totals)
    assert (got.currency, got.fx_on) == (expected.currency, expected.fx_on)
    assert sorted(got.undated.tolist()) == sorted(expected.undated.tolist())
    key = ["row", "reason"]
    assert sorted(map(tuple, got.failures[key].values.tolist())) == sorted(
        map(tuple, expected.failures[key].values.tolist())
    )
    assert len(expected.failures) == 2


def team_credits(n: int = 600, reps: int = 30, seed: int = 5) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "deal_id": [f"D{i}" for i in range(n)],
            "rep_id": [f"R{int(r)}" for r in rng.integers(0, reps, n)],
            "amount": rng.integers(100_00, 5_000_000, n) / 100,
            "currency": "CNY",
            "credited_on": pd.Timestamp("2026-01-01")
            + pd.to_timedelta(rng.integers(0, 31, n), unit="D"),
        },
        index=pd.RangeIndex(1000, 1000 + n),
    )
    frame.loc[1003, "amount"] = -1.0  # a bad row: named, not lost
    frame.loc[1010, "currency"] = "USD"  # another currency, no fx: named
    quotas = pd.Series({f"R{r}": 400_000.0 for r in range(reps + 2)})  # two reps, no credits
    return frame, quotas


def plain_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text as object columns: Dask hands partitions string[pyarrow] for object text."""
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_string_dtype(out[name].dtype) and out[name].dtype != object:
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    if pd.api.types.is_string_dtype(out.index.dtype):
        out.index = out.index.astype(object)
    return out


def same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(plain_text(got), plain_text(expected))


@pytest.mark.parametrize("how", CUTS)
def test_statements_frame_equals_pandas(client: Any, how: str) -> None:
    frame, quotas = team_credits()
    plan = datasets.commission_plan()
    expected = statements_frame(plan, frame, period=JANUARY, quotas=quotas)
    got = sdask.statements_frame(plan, partitions(frame, how), period=JANUARY, quotas=quotas)
    same(got.totals, expected.totals)
    same(got.lines, expected.lines)
    same(got.carry, expected.carry)
    key = ["row", "column", "reason"]
    same(
        got.errors.sort_values(key).reset_index(drop=True),
        expected.errors.sort_values(key).reset_index(drop=True),
    )
    # Rows in = rows used + rows named in the errors.
    used = got.lines["row"].dropna().nunique()
    assert used + got.errors["row"].nunique() == len(frame)


def test_functions_refuse_pandas_frames_and_bad_buckets() -> None:
    with pytest.raises(InvalidInputError, match=r"takes dask\.dataframe DataFrames"):
        sdask.funnel_counts(OPPS, PIPELINE)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="positive number of partitions"):
        sdask.funnel_counts(partitions(OPPS, "1"), PIPELINE, buckets=0)
    with pytest.raises(InvalidInputError, match="no column 'id'"):
        sdask.funnel_counts(
            partitions(OPPS.rename(columns={"id": "deal"}), "1"),
            PIPELINE,
            source="snapshot",
            scheduler="sync",
        )


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, len(DEALS)), max_size=6), st.integers(1, 9))
def test_partials_merge_over_any_split_of_the_deals(cuts: list[int], buckets: int) -> None:
    # However the deals are cut (with their own histories), the partials add up to the
    # whole: the law salescore.dask relies on, checked here without a cluster.
    bounds = sorted({0, len(DEALS), *cuts})
    counts, transitions = [], []
    for a, b in pairwise(bounds):
        part = DEALS[a:b]
        counts.append(
            funnel_counts_frame(to_frame(part), PIPELINE, stage_changes=history_frame(part))
        )
        transitions.append(transition_counts(history_frame(part), PIPELINE, as_of=date(2027, 1, 1)))
    assert sum(counts[1:], counts[0]) == funnel_counts_frame(OPPS, PIPELINE, stage_changes=CHANGES)
    whole = transition_counts(CHANGES, PIPELINE, as_of=date(2027, 1, 1))
    total = transitions[0]
    for t in transitions[1:]:
        total = total + t
    assert total == whole
    # The buckets of an id do not depend on the frame it is in.
    ids = OPPS["id"]
    assert (
        sdask._buckets_of(ids, buckets) == sdask._buckets_of(ids.astype("category"), buckets)
    ).all()


def test_statements_with_prior_carry_reps_and_a_given_as_of(client: Any) -> None:
    from salescore.models import Rep

    frame, quotas = team_credits(seed=8)
    plan = datasets.commission_plan()
    january = statements_frame(plan, frame, period=JANUARY, quotas=quotas)
    february = Period.month(2026, 2)
    moved = frame.assign(credited_on=frame["credited_on"] + pd.Timedelta(days=31))
    reps = [
        Rep(id=rep, name=f"Rep {rep}", hire_date=date(2026, 2, 10) if rep < "R3" else None)
        for rep in quotas.index
    ]
    options: dict[str, Any] = {"quotas": quotas, "prior": january.carry, "reps": reps}
    options["prorate"] = True
    expected = statements_frame(plan, moved, period=february, **options)
    got = sdask.statements_frame(plan, partitions(moved, "3"), period=february, **options)
    same(got.totals, expected.totals)
    same(got.lines, expected.lines)
    # A given end of observation is used as it is.
    at = date(2026, 12, 31)
    assert sdask.transition_counts(
        partitions(CHANGES, "3"), PIPELINE, as_of=at
    ) == transition_counts(CHANGES, PIPELINE, as_of=at)


# ------------------------------------------------------------------- learners, accuracy, KPIs
def closed_deals() -> pd.DataFrame:
    won_stages = {s.name for s in PIPELINE.stages if s.kind == "won"}
    lost_stages = {s.name for s in PIPELINE.stages if s.kind == "lost"}
    closed = OPPS[OPPS["stage"].isin(won_stages | lost_stages)]
    return closed.assign(won=closed["stage"].isin(won_stages))


@pytest.mark.parametrize("how", ["1", "7", "uneven"])
def test_attribute_counts_equal_pandas(client: Any, how: str) -> None:
    from salescore.forecast import attribute_counts

    closed = closed_deals()
    expected = attribute_counts(closed, ["owner_id", "channel_id"])
    got = sdask.attribute_counts(partitions(closed, how), ["owner_id", "channel_id"])
    assert (got.won, got.lost, got.attributes) == (expected.won, expected.lost, expected.attributes)
    same(got.table, expected.table)


def scored_points(n: int = 300, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    actual = rng.gamma(4.0, 50.0, n)
    actual[[3, 40]] = np.nan  # missing actuals are counted, not dropped
    actual[7] = 0.0
    forecast = actual * rng.normal(1.0, 0.2, n)
    forecast[[3, 40]] = 100.0
    spread = rng.uniform(10, 80, n)
    return pd.DataFrame(
        {
            "actual": actual,
            "forecast": forecast,
            "q10": forecast - spread,
            "q90": forecast + spread,
        }
    )


@pytest.mark.parametrize("how", ["1", "3", "uneven"])
def test_accuracy_equals_pandas(client: Any, how: str) -> None:
    from salescore.forecast import accuracy

    points = scored_points()
    expected = accuracy(
        points["actual"],
        points["forecast"],
        quantiles={0.1: points["q10"], 0.9: points["q90"]},
        interval=(points["q10"], points["q90"]),
        level=0.8,
    )
    got = sdask.accuracy(
        partitions(points, how),
        quantiles={0.1: "q10", 0.9: "q90"},
        interval=("q10", "q90"),
        level=0.8,
    )
    # Sums in another order differ in the last bits only; the counts are exact.
    assert (got.n, got.n_missing, got.n_zero_actual) == (
        expected.n,
        expected.n_missing,
        expected.n_zero_actual,
    )
    assert got.coverage == expected.coverage
    for name in ("mae", "rmse", "bias", "mape", "wape"):
        assert getattr(got, name) == pytest.approx(getattr(expected, name), rel=1e-12)
    with pytest.raises(InvalidInputError, match="no column 'fc'"):
        sdask.accuracy(partitions(points, "1"), forecast="fc")


PERIODS = [Period.quarter(2026, q) for q in (1, 2, 3, 4)] + [Period.year(2026)]


@pytest.mark.parametrize("how", CUTS)
@pytest.mark.parametrize("by", [(), ("owner_id",), ("owner_id", "channel_id")])
def test_deal_kpis_equal_pandas(client: Any, how: str, by: tuple[str, ...]) -> None:
    from salescore.kpi import deal_kpis

    expected = deal_kpis(OPPS, PIPELINE, PERIODS, by=list(by))
    got = sdask.deal_kpis(partitions(OPPS, how), PIPELINE, PERIODS, by=list(by))
    same(got, expected)
    assert all(isinstance(v, Decimal) for v in got["sales_amount"])


def test_deal_kpis_refuse_currencies_mixed_across_partitions(client: Any) -> None:
    from salescore.errors import CurrencyMismatchError

    mixed = OPPS.assign(currency=np.where(np.arange(len(OPPS)) < 100, "CNY", "USD"))
    cut = dd.from_delayed(
        [delayed(mixed.iloc[:100]), delayed(mixed.iloc[100:])], meta=mixed.iloc[:0]
    )
    with pytest.raises(CurrencyMismatchError, match="CNY, USD"):
        sdask.deal_kpis(cut, PIPELINE, PERIODS)


def customer_spans(n: int = 200, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    since = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    length = pd.to_timedelta(rng.integers(1, 700, n), unit="D")
    until = pd.Series(since + length).where(rng.random(n) < 0.6)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "region": rng.choice(["north", "south", "west"], n),
            "since": since,
            "until": until,
        }
    )


@pytest.mark.parametrize("how", ["1", "7", "uneven"])
def test_customer_kpis_equal_pandas(client: Any, how: str) -> None:
    from salescore.kpi import customer_kpis

    spans = customer_spans()
    for by in ([], ["region"]):
        expected = customer_kpis(spans, PERIODS, by=by)
        same(sdask.customer_kpis(partitions(spans, how), PERIODS, by=by), expected)


def attainment_rows(n: int = 150, seed: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    quota = rng.choice([0.0, 50_000.0, 100_000.0], n, p=[0.1, 0.45, 0.45])
    return pd.DataFrame(
        {
            "rep_id": [f"R{i}" for i in range(n)],
            "team": rng.choice(["east", "west", "north"], n),
            "quarter": rng.choice(["Q1", "Q2"], n),
            "achieved": rng.gamma(3.0, 30_000.0, n),
            "quota": quota,
        }
    )


@pytest.mark.parametrize("how", ["1", "3", "uneven", "single"])
def test_quota_attainment_frame_equals_pandas(client: Any, how: str) -> None:
    from salescore.kpi import quota_attainment_frame

    rows = attainment_rows()
    for by in ([], ["team"], ["team", "quarter"]):
        expected = quota_attainment_frame(rows, by=by)
        got = sdask.quota_attainment_frame(partitions(rows, how), by=by, buckets=4)
        same(got, expected)


def test_bad_rows_of_every_partition_are_reported_together(client: Any) -> None:
    from salescore.errors import FrameValidationError
    from salescore.kpi import quota_attainment_frame

    rows = attainment_rows()
    rows.loc[2, "quota"] = -5.0
    rows.loc[140, "achieved"] = np.inf
    with pytest.raises(FrameValidationError) as pandas_error:
        quota_attainment_frame(rows, by=["team"])
    with pytest.raises(FrameValidationError, match="2 failure") as dask_error:
        sdask.quota_attainment_frame(partitions(rows, "7"), by=["team"])
    expected = sorted(map(tuple, pandas_error.value.failures[["row", "reason"]].values.tolist()))
    got = sorted(map(tuple, dask_error.value.failures[["row", "reason"]].values.tolist()))
    assert got == expected == [(2, "negative"), (140, "not_finite")]
    # The funnel too: two partitions, each with a bad row, one error naming both.
    broken = OPPS.copy()
    broken.loc[broken.index[[1, 200]], "amount"] = -1.0
    with pytest.raises(FrameValidationError) as funnel_error:
        sdask.funnel_counts(
            partitions(broken, "3"), PIPELINE, stage_changes=partitions(CHANGES, "3")
        )
    assert sorted(funnel_error.value.failures["row"].tolist()) == [1, 200]


def rep_targets() -> list[Any]:
    from salescore.models import Owner, Target

    return [
        Target(
            id=f"{rep}-{m:02d}",
            metric="revenue",
            value="400000",
            currency="CNY",
            direction="at_least",
            period=Period.month(2026, m),
            owner=Owner(kind="rep", id=rep),
        )
        for rep in [f"R{r}" for r in range(12)]
        for m in (1, 2)
    ]


@pytest.mark.parametrize("how", CUTS)
def test_variance_frame_equals_pandas(client: Any, how: str) -> None:
    from salescore.goals import variance_frame

    frame, _ = team_credits(seed=9)
    actuals = frame.rename(columns={"rep_id": "owner_id", "credited_on": "date"})
    actuals["share"] = np.where(np.arange(len(actuals)) % 4 == 0, 0.5, 1.0)
    actuals.loc[1020, "owner_id"] = None  # an error row
    targets = rep_targets()
    for by in (None, "owner_id"):
        expected = variance_frame(targets, actuals, by=by, share="share")
        got = sdask.variance_frame(targets, partitions(actuals, how), by=by, share="share")
        same(got.table, expected.table)
        key = ["row"]
        same(
            got.unmatched.sort_values(key).reset_index(drop=True),
            expected.unmatched.sort_values(key).reset_index(drop=True),
        )
        # Dask hands text over as string[pyarrow], so a missing value reads <NA>, not nan.
        key = ["row", "column", "reason"]
        same(
            got.errors[key].sort_values(key).reset_index(drop=True),
            expected.errors[key].sort_values(key).reset_index(drop=True),
        )
        assert len(expected.errors) > 0


def test_every_function_gives_the_pandas_result_in_process_with_the_sync_scheduler() -> None:
    # The same paths without a cluster: tasks run in this process (which is also where
    # coverage can see them), including the merge of failures from two partitions.
    from salescore.errors import FrameValidationError
    from salescore.forecast import accuracy, attribute_counts
    from salescore.goals import variance_frame
    from salescore.kpi import customer_kpis, deal_kpis, quota_attainment_frame

    sync = "sync"
    same(
        sdask.deal_kpis(partitions(OPPS, "3"), PIPELINE, PERIODS, scheduler=sync),
        deal_kpis(OPPS, PIPELINE, PERIODS),
    )
    spans = customer_spans()
    same(
        sdask.customer_kpis(partitions(spans, "3"), PERIODS, by=["region"], scheduler=sync),
        customer_kpis(spans, PERIODS, by=["region"]),
    )
    rows = attainment_rows()
    same(
        sdask.quota_attainment_frame(partitions(rows, "uneven"), by=["team"], scheduler=sync),
        quota_attainment_frame(rows, by=["team"]),
    )
    closed = closed_deals()
    got_counts = sdask.attribute_counts(partitions(closed, "3"), "owner_id", scheduler=sync)
    assert (got_counts.won, got_counts.lost) == (
        attribute_counts(closed, "owner_id").won,
        attribute_counts(closed, "owner_id").lost,
    )
    points = scored_points()
    assert (
        sdask.accuracy(partitions(points, "3"), scheduler=sync).n
        == accuracy(points["actual"], points["forecast"]).n
    )
    frame, quotas = team_credits(seed=9)
    actuals = frame.rename(columns={"rep_id": "owner_id", "credited_on": "date"})
    same(
        sdask.variance_frame(rep_targets(), partitions(actuals, "3"), scheduler=sync).table,
        variance_frame(rep_targets(), actuals).table,
    )
    from salescore.forecast import forecast_categories

    same(
        sdask.forecast_categories(partitions(OPPS, "3"), PIPELINE, scheduler=sync).tree,
        forecast_categories(OPPS, PIPELINE).tree,
    )
    plan = datasets.commission_plan()
    same(
        sdask.statements_frame(
            plan, partitions(frame, "3"), period=JANUARY, quotas=quotas, scheduler=sync
        ).totals,
        statements_frame(plan, frame, period=JANUARY, quotas=quotas).totals,
    )
    broken = rows.copy()
    broken.loc[[1, 149], "quota"] = -1.0
    with pytest.raises(FrameValidationError, match="2 failure"):
        sdask.quota_attainment_frame(partitions(broken, "7"), by=["team"], scheduler=sync)
    bad_deals = OPPS.copy()
    bad_deals.loc[bad_deals.index[[0, 239]], "amount"] = -1.0
    with pytest.raises(FrameValidationError) as error:
        sdask.deal_kpis(partitions(bad_deals, "7"), PIPELINE, PERIODS, scheduler=sync)
    assert sorted(error.value.failures["row"].tolist()) == [0, 239]
    with pytest.raises(InvalidInputError, match=r"by= names column\(s\) \['nope'\]"):
        sdask.quota_attainment_frame(partitions(rows, "1"), by=["nope"], scheduler=sync)


# ------------------------------------------------------------------- ids repeated across partitions
def with_repeated_id() -> pd.DataFrame:
    """OPPS with deal D005 given again as the last row (another amount), two bad amounts.

    Cut in 3, 7 or unevenly, the two rows of D005 sit in different partitions.
    """
    again = OPPS.iloc[[5]].assign(amount=777.0)
    again.index = pd.Index([9999])
    frame = pd.concat([OPPS, again])
    frame.loc[frame.index[1], "amount"] = -1.0
    frame.loc[frame.index[200], "amount"] = -3.0
    return frame


REPEATED_CUTS = ["3", "7", "uneven"]


def first_partition_of(frame: Any, label: int) -> int:
    for i, part in enumerate(frame.to_delayed()):
        if label in part.compute(scheduler="sync").index:
            return i
    raise AssertionError(label)


def test_repeated_id_sits_in_two_partitions() -> None:
    frame = with_repeated_id()
    for how in REPEATED_CUTS:
        cut = partitions(frame, how)
        assert first_partition_of(cut, 5) != first_partition_of(cut, 9999), how


def raised(call: Any) -> Any:
    from salescore.errors import FrameValidationError

    with pytest.raises(FrameValidationError) as error:
        call()
    return error.value


def same_error(got: Any, expected: Any, *, ordered: bool = True) -> None:
    assert type(got) is type(expected)
    key = ["row", "column", "value", "reason"]
    if ordered:
        assert str(got) == str(expected)
        assert got.failures[key].values.tolist() == expected.failures[key].values.tolist()
    else:
        assert sorted(map(tuple, got.failures[key].values.tolist())) == sorted(
            map(tuple, expected.failures[key].values.tolist())
        )


@pytest.mark.parametrize("how", REPEATED_CUTS)
def test_deal_kpis_refuse_an_id_repeated_across_partitions(client: Any, how: str) -> None:
    from salescore.kpi import deal_kpis

    frame = with_repeated_id()
    expected = raised(lambda: deal_kpis(frame, PIPELINE, PERIODS))
    assert sorted(expected.failures.loc[expected.failures["reason"] == "duplicate", "row"]) == [
        5,
        9999,
    ]
    got = raised(lambda: sdask.deal_kpis(partitions(frame, how), PIPELINE, PERIODS))
    # As-is partitions, the repeated id's rows moved together: the pandas error exactly.
    same_error(got, expected)
    # Only the repeated id: one task fails, its error is the pandas one.
    only = frame.assign(amount=frame["amount"].abs())
    same_error(
        raised(lambda: sdask.deal_kpis(partitions(only, how), PIPELINE, PERIODS)),
        raised(lambda: deal_kpis(only, PIPELINE, PERIODS)),
    )


@pytest.mark.parametrize("how", REPEATED_CUTS)
def test_funnel_and_win_rates_refuse_an_id_repeated_across_partitions(
    client: Any, how: str
) -> None:
    from salescore.forecast import win_rate_counts

    frame = with_repeated_id()
    changes = partitions(CHANGES, "3")
    expected = raised(lambda: funnel_counts_frame(frame, PIPELINE, stage_changes=CHANGES))
    got = raised(
        lambda: sdask.funnel_counts(partitions(frame, how), PIPELINE, stage_changes=changes)
    )
    # Shuffled by id, the rows of a (column, reason) come bucket by bucket: same failures,
    # same phrases and counts; the example row of a phrase spread over buckets may differ.
    same_error(got, expected, ordered=False)
    assert str(got).split(": id duplicate")[0] == str(expected).split(": id duplicate")[0]
    assert "id duplicate in 2 rows (e.g. row np.int64(5): 'D005'; values must be unique)" in str(
        got
    )
    only = frame.assign(amount=frame["amount"].abs())
    same_error(
        raised(lambda: sdask.funnel_frame(partitions(only, how), PIPELINE, stage_changes=changes)),
        raised(lambda: funnel_frame(only, PIPELINE, stage_changes=CHANGES)),
    )
    same_error(
        raised(
            lambda: sdask.stage_win_rates(partitions(only, how), PIPELINE, stage_changes=changes)
        ),
        raised(lambda: win_rate_counts(CHANGES, PIPELINE, opportunities=only)),
    )


@pytest.mark.parametrize("how", REPEATED_CUTS)
def test_weighted_and_categories_report_an_id_repeated_across_partitions(
    client: Any, how: str
) -> None:
    from salescore.forecast import forecast_categories, weighted

    frame = with_repeated_id()
    period = Period.quarter(2026, 2)
    expected = weighted(frame, PIPELINE, period=period)
    got = sdask.weighted(partitions(frame, how), PIPELINE, period=period)
    for name in ("forecast", "won", "weighted", "pipeline", "exact", "currency"):
        assert getattr(got, name) == getattr(expected, name)
    for name in ("by_stage", "by_owner", "by_channel"):
        same(getattr(got, name), getattr(expected, name))
    key = ["row", "column", "value", "reason"]
    failed = sorted(map(tuple, expected.failures[key].values.tolist()))
    assert sorted(map(tuple, got.failures[key].values.tolist())) == failed
    assert [f for f in failed if f[3] == "duplicate"] == [
        (5, "id", "D005", "duplicate"),
        (9999, "id", "D005", "duplicate"),
    ]
    # Rows in = rows used + rows failed: the forecast is the one of the frame without
    # the four failing rows (the two D005 rows and the two negative amounts), no fewer.
    clean = frame.drop(index=[1, 5, 200, 9999])
    same(got.by_stage, weighted(clean, PIPELINE, period=period).by_stage)
    assert got.failures["row"].nunique() + len(clean) == len(frame)
    cats = forecast_categories(frame, PIPELINE, period=period)
    got_cats = sdask.forecast_categories(partitions(frame, how), PIPELINE, period=period)
    same(got_cats.by_owner, cats.by_owner)
    assert got_cats.totals.equals(cats.totals)
    assert sorted(map(tuple, got_cats.failures[key].values.tolist())) == sorted(
        map(tuple, cats.failures[key].values.tolist())
    )


def test_duplicate_credit_across_partitions_is_an_error_row(client: Any) -> None:
    frame, quotas = team_credits()
    again = frame.loc[[1050]].assign(amount=999.0)
    again.index = pd.Index([5000])
    frame = pd.concat([frame, again])
    plan = datasets.commission_plan()
    expected = statements_frame(plan, frame, period=JANUARY, quotas=quotas)
    got = sdask.statements_frame(plan, partitions(frame, "7"), period=JANUARY, quotas=quotas)
    key = ["row", "column", "reason"]
    same(
        got.errors.sort_values(key).reset_index(drop=True),
        expected.errors.sort_values(key).reset_index(drop=True),
    )
    assert {1050, 5000} <= set(expected.errors["row"])
    same(got.totals, expected.totals)


# ------------------------------------------------------------------- crediting
def crediting_org() -> Any:
    from salescore.models import Organization, Rep

    reps = [Rep(id="VP", name="VP"), Rep(id="M1", name="M1", manager_id="VP")]
    reps += [Rep(id="M2", name="M2", manager_id="VP"), Rep(id="SE", name="SE")]
    reps += [Rep(id=f"R{i}", name=f"R{i}", manager_id=f"M{1 + i % 2}") for i in range(8)]
    return Organization(reps=reps)


def crediting_channels() -> list[Any]:
    from salescore.models import Channel

    return [
        Channel(id="ptn", name="P", kind="partner", segment="B2B", partner_commission_rate=0.05),
        Channel(id="web", name="Web", kind="online_store", segment="B2C"),
    ]


def crediting_data(
    n: int = 120, seed: int = 3
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Won deals with 60/40 splits, overlays, 0-2 invoices each and 0-2 payments each."""
    rng = np.random.default_rng(seed)
    ids = [f"D{i:03d}" for i in range(n)]
    deals = pd.DataFrame(
        {
            "deal_id": ids,
            "owner_id": [f"R{int(r)}" for r in rng.integers(0, 8, n)],
            "amount": rng.integers(100_00, 900_000, n) / 100,
            "currency": "CNY",
            "close_date": pd.Timestamp("2026-01-01")
            + pd.to_timedelta(rng.integers(0, 60, n), unit="D"),
            "channel_id": pd.Series(
                [[None, "ptn", "web"][int(c)] for c in rng.integers(0, 3, n)], dtype=object
            ),
            "product": pd.Series(rng.choice(["A", "B"], n), dtype=object),
        },
        index=pd.RangeIndex(100, 100 + n),
    )
    rows = []
    for d in ids[::3]:
        a, b = sorted(rng.choice(8, 2, replace=False))
        rows += [(d, f"R{a}", 0.6, "split"), (d, f"R{b}", 0.4, "split")]
    rows += [(d, "SE", 0.1, "overlay") for d in ids[1::7]]
    assignments = pd.DataFrame(rows, columns=["deal_id", "rep_id", "share", "role"])
    invoices = []
    for d, amount, close in zip(ids, deals["amount"], deals["close_date"], strict=True):
        cents = round(amount * 100)
        parts = [[], [cents], [cents // 2, cents - cents // 2]][int(rng.integers(0, 3))]
        invoices += [
            (f"I{d[1:]}{j}", d, c / 100, "CNY", close + pd.Timedelta(days=5 * j))
            for j, c in enumerate(parts)
        ]
    inv = pd.DataFrame(
        invoices, columns=["invoice_id", "deal_id", "amount", "currency", "invoiced_on"]
    ).set_axis(pd.RangeIndex(5000, 5000 + len(invoices)))
    payments = []
    for i, amount, day in zip(inv["invoice_id"], inv["amount"], inv["invoiced_on"], strict=True):
        cents, m = round(amount * 100), int(rng.integers(0, 3))
        for j in range(m):
            part = cents // 3 if j < m - 1 else cents - (m - 1) * (cents // 3)
            payments.append((f"P{i[1:]}{j}", i, part / 100, "CNY", day + pd.Timedelta(days=3 + j)))
    pay = pd.DataFrame(
        payments, columns=["payment_id", "invoice_id", "amount", "currency", "paid_on"]
    ).set_axis(pd.RangeIndex(9000, 9000 + len(payments)))
    return deals, assignments, inv, pay


def crediting_with_repeats() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Ids repeated far apart: a deal, an invoice (of two deals), a payment (of two invoices).

    Plus a negative payment, a payment of an unknown invoice, an invoice of an unknown deal.
    """
    deals, assignments, inv, pay = crediting_data()
    deals = pd.concat([deals, deals.iloc[[4]].assign(amount=55.0).set_axis([999])])
    other = inv.iloc[[0]].assign(deal_id=deals["deal_id"].iloc[-4]).set_axis([8999])
    inv = pd.concat([inv, other])
    moved = pay.iloc[[1]].assign(invoice_id=inv["invoice_id"].iloc[-2]).set_axis([99999])
    pay = pd.concat([pay, moved])
    pay.loc[pay.index[5], "amount"] = -1.0
    pay.loc[pay.index[-3], "invoice_id"] = "I404"
    inv.loc[inv.index[7], "deal_id"] = "DX"
    return deals, assignments, inv, pay


def as_objects(table: pd.DataFrame) -> pd.DataFrame:
    """Categorical and Arrow text as plain objects: the values, not their dictionaries."""
    out = table.copy()
    for name in out.columns:
        kind = out[name].dtype
        if isinstance(kind, pd.CategoricalDtype) or pd.api.types.is_string_dtype(kind):
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out


def same_crediting(got: Any, expected: Any) -> None:
    # Lines and pending deals in the pandas order; errors the same rows (bucket order).
    pd.testing.assert_frame_equal(as_objects(got.lines), as_objects(expected.lines))
    pd.testing.assert_frame_equal(as_objects(got.pending), as_objects(expected.pending))
    assert sorted(map(repr, as_objects(got.errors).values.tolist())) == sorted(
        map(repr, as_objects(expected.errors).values.tolist())
    )
    assert list(got.errors.columns) == list(expected.errors.columns)
    assert all(isinstance(v, int) for v in got.lines["amount_minor"].tolist())


def crediting_rules(timing: str) -> Any:
    from salescore.commission import CreditingRules, ManagerOverride, Overlay

    return CreditingRules(
        timing=timing,
        overlays=(Overlay(rep_id="SE"),),
        override=ManagerOverride(rates=["0.5", "0.25"]),
    )


@pytest.mark.parametrize("how", CUTS)
@pytest.mark.parametrize("repeats", [False, True])
def test_credit_frame_equals_pandas(client: Any, how: str, repeats: bool) -> None:
    from salescore.commission import credit_frame

    deals, assignments, inv, pay = crediting_with_repeats() if repeats else crediting_data()
    rules, options = crediting_rules("payment"), {"org": crediting_org()}
    options["channels"] = crediting_channels()
    expected = credit_frame(
        deals, rules, assignments=assignments, invoices=inv, payments=pay, **options
    )
    got = sdask.credit_frame(
        partitions(deals, how),
        rules,
        assignments=partitions(assignments, "3"),
        invoices=partitions(inv, "7" if how != "7" else "uneven"),
        payments=partitions(pay, "uneven" if how != "uneven" else "3"),
        **options,
    )
    same_crediting(got, expected)
    assert len(expected.lines) > 300
    # Every deal row is in the lines, pending or errors, as on one machine.
    seen = set(got.lines["deal_id"].astype(object)) | set(got.pending["deal_id"].astype(object))
    assert set(deals["deal_id"]) <= seen | set(got.errors["deal_id"].dropna())
    if repeats:
        duplicated = got.errors[got.errors["reason"] == "duplicate"]
        assert sorted(zip(duplicated["table"], duplicated["row"], strict=True)) == [
            ("deals", 104),
            ("deals", 999),
            ("invoices", 5000),
            ("invoices", 8999),
            ("payments", 9001),
            ("payments", 99999),
        ]


@pytest.mark.parametrize("timing", ["booking", "invoice"])
def test_credit_frame_other_timings_and_pandas_side_tables(client: Any, timing: str) -> None:
    from salescore.commission import credit_frame

    deals, assignments, inv, pay = crediting_with_repeats()
    rules, org = crediting_rules(timing), crediting_org()
    expected = credit_frame(deals, rules, assignments=assignments, invoices=inv, org=org)
    got = sdask.credit_frame(
        partitions(deals, "7"), rules, assignments=assignments, invoices=inv, payments=pay, org=org
    )
    same_crediting(got, expected)


def test_credit_frame_refuses_as_pandas_before_any_task() -> None:
    from salescore.commission import CreditingRules, ManagerOverride, credit_frame
    from salescore.errors import FrameValidationError

    deals, *_ = crediting_data(n=10)
    rules = CreditingRules(override=ManagerOverride(rates=["0.5"]))
    with pytest.raises(InvalidInputError, match="needs the organisation"):
        sdask.credit_frame(partitions(deals, "3"), rules, scheduler="sync")
    broken = deals.drop(columns="owner_id")
    expected = raised(lambda: credit_frame(broken, CreditingRules()))
    got = raised(lambda: sdask.credit_frame(partitions(broken, "3"), CreditingRules()))
    assert type(got) is type(expected) is FrameValidationError
    assert str(got) == str(expected)
    with pytest.raises(InvalidInputError, match=r"takes dask\.dataframe DataFrames"):
        sdask.credit_frame(deals, CreditingRules())  # type: ignore[arg-type]


def test_credit_frame_in_process_with_the_sync_scheduler() -> None:
    from salescore.commission import credit_frame

    deals, assignments, inv, pay = crediting_with_repeats()
    rules, org = crediting_rules("payment"), crediting_org()
    expected = credit_frame(
        deals, rules, assignments=assignments, invoices=inv, payments=pay, org=org
    )
    got = sdask.credit_frame(
        partitions(deals, "single"),
        rules,
        assignments=partitions(assignments, "uneven"),
        invoices=partitions(inv, "3"),
        payments=partitions(pay, "7"),
        org=org,
        buckets=5,
        scheduler="sync",
    )
    same_crediting(got, expected)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, len(OPPS) + 1), max_size=5))
def test_weighted_reports_a_repeated_id_wherever_the_partitions_are_cut(cuts: list[int]) -> None:
    from salescore.forecast import weighted

    frame = with_repeated_id()
    bounds = sorted({0, len(frame), *cuts})
    pieces = [frame.iloc[a:b] for a, b in pairwise(bounds)]
    cut = dd.from_delayed([delayed(p) for p in pieces], meta=frame.iloc[:0])
    period = Period.quarter(2026, 2)
    expected = weighted(frame, PIPELINE, period=period)
    got = sdask.weighted(cut, PIPELINE, period=period, scheduler="sync")
    assert (got.pipeline, got.weighted, got.won) == (
        expected.pipeline,
        expected.weighted,
        expected.won,
    )
    key = ["row", "column", "reason"]
    assert sorted(map(tuple, got.failures[key].values.tolist())) == sorted(
        map(tuple, expected.failures[key].values.tolist())
    )
