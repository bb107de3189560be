"""salescore.dask on a real two-worker LocalCluster: the same results as pandas, exactly."""

from __future__ import annotations

from datetime import date
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
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
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
