"""Review benchmark: the whole pack, and the pipeline waterfall, on 1,000 reps and 1M deals.

* ``review`` for the whole organisation (1,000 reps in 20 teams, one revenue
  target each, 1,000,000 deals with about 2.5M stage changes, last week's
  snapshot) against calling the same calculators one by one (``pace`` and
  ``attainment`` per rep, ``weighted``, ``simulate``, ``funnel_frame``,
  ``required_pipeline``, ``pipeline_coverage``, ``aging_frame``,
  ``pipeline_changes``): the pack's overhead is what assembling and wording
  the sentences costs.
* ``pipeline_changes`` on the 1M-deal snapshots against (a) the plain pandas
  an analyst would write (an outer merge on ``id``, ``numpy.select`` of the
  buckets, float ``groupby().sum()``; no validation, no exactness) and (b) a
  numpy bound: the bucket rules and sums on arrays already aligned by id.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore import datasets
from salescore.calendar import Period
from salescore.forecast import simulate, weighted
from salescore.funnel import aging_frame, funnel_frame, pipeline_coverage, required_pipeline
from salescore.goals import attainment, pace
from salescore.models import Organization, Owner, Rep, Target, Team
from salescore.money import Money
from salescore.review import pipeline_changes, review

SEED = 20260108
N = 1_000_000
REPS = 1_000
TEAMS = 20
PERIOD = Period.quarter(2026, 2)
AS_OF = date(2026, 5, 15)
RUNS = 1_000


def org() -> Organization:
    teams = [Team(id="sales", name="Sales")]
    teams += [Team(id=f"T{t:02d}", name=f"Team {t}", parent_id="sales") for t in range(TEAMS)]
    per = REPS // TEAMS
    reps = [Rep(id=f"R{r:04d}", name=f"Rep {r}", team_id=f"T{r // per:02d}") for r in range(REPS)]
    return Organization(teams=tuple(teams), reps=tuple(reps))


def data(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Deals now, their stage changes, and last week's snapshot."""
    rng = np.random.default_rng(seed)
    pipeline = datasets.pipeline()
    open_names = [s.name for s in pipeline.open_stages]
    reached = rng.integers(1, len(open_names) + 1, N)
    outcome = rng.choice(3, N, p=[0.5, 0.25, 0.25])  # open, won, lost
    created = np.datetime64("2026-01-01") + rng.integers(0, 150, N).astype("timedelta64[D]")
    step = rng.integers(3, 20, (N, 4)).cumsum(axis=1).astype("timedelta64[D]")
    names = np.array([*open_names, "Won", "Lost"], dtype=object)
    last_open = reached - 1
    stage = np.where(outcome == 0, last_open, np.where(outcome == 1, 3, 4))
    moves = reached + (outcome > 0)
    close = np.where(outcome > 0, created + step[np.arange(N), moves - 1], np.datetime64("NaT"))
    ids = np.char.add("D", np.arange(N).astype(str)).astype(object)
    deals = pd.DataFrame(
        {
            "id": ids,
            "owner_id": np.char.add("R", np.char.zfill(rng.integers(0, REPS, N).astype(str), 4)),
            "amount": rng.integers(20, 400, N).astype(np.float64) * 1000.0,
            "currency": "CNY",
            "stage": names[stage],
            "created_on": created,
            "expected_close_date": created + rng.integers(30, 150, N).astype("timedelta64[D]"),
            "close_date": close,
        }
    )
    deals["owner_id"] = deals["owner_id"].astype(object)
    parts = []
    for k in range(4):
        has = moves > k
        to = np.where(k < reached, k, np.where(outcome == 1, 3, 4))[has]
        frm = np.where(k == 0, -1, np.where(k - 1 < reached, k - 1, 0))[has]
        at = created[has] + (step[has, k - 1] if k else np.timedelta64(0, "D"))
        parts.append(
            pd.DataFrame(
                {
                    "opportunity_id": ids[has],
                    "from_stage": _none_where(frm < 0, names[np.maximum(frm, 0)]),
                    "to_stage": names[to],
                    "changed_at": pd.to_datetime(at).tz_localize("UTC") + pd.Timedelta(hours=9),
                }
            )
        )
    changes = pd.concat(parts, ignore_index=True)
    previous = deals.copy()
    shift = rng.random(N) < 0.1
    previous.loc[shift, "expected_close_date"] = previous.loc[shift, "created_on"]
    cut = rng.random(N) < 0.1
    previous.loc[cut, "amount"] = previous.loc[cut, "amount"] + 1000.0
    previous = previous[rng.random(N) >= 0.02]
    return deals, changes, previous


def _none_where(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = values.astype(object)
    out[mask] = None
    return out


def targets() -> list[Target]:
    return [
        Target(
            id=f"R{r:04d}-Q2",
            metric="revenue",
            value=60_000_000,
            currency="CNY",
            direction="at_least",
            period=PERIOD,
            owner=Owner(kind="rep", id=f"R{r:04d}"),
        )
        for r in range(REPS)
    ]


def one_by_one(
    deals: pd.DataFrame, changes: pd.DataFrame, previous: pd.DataFrame, goals: list[Target]
) -> None:
    """The calculators the pack runs, called directly."""
    pipeline = datasets.pipeline()
    won = deals[deals["stage"] == "Won"]
    by_rep = {str(k): g for k, g in won.groupby("owner_id", sort=False)}
    total = 0
    for t in goals:
        assert t.owner is not None
        rows = by_rep.get(str(t.owner.id), won.iloc[:0])
        series = pd.Series(rows["amount"].to_numpy(), index=pd.DatetimeIndex(rows["close_date"]))
        p = pace(t, series, AS_OF)
        attainment(t, p.actual_to_date)
        assert isinstance(p.remaining, Money)
        total += p.remaining.to_minor()
    f = weighted(deals, pipeline, period=PERIOD)
    simulate(deals, pipeline, seed=0, n=RUNS, period=PERIOD)
    team = deals["owner_id"].str.slice(1).astype(int) // (REPS // TEAMS)
    report = funnel_frame(
        deals.assign(team_id=team.astype(str)), pipeline, stage_changes=changes, by=["team_id"]
    )
    remaining = Money.from_minor(total, "CNY")
    if remaining.amount > 0:
        pipeline_coverage(f.pipeline, remaining, report.win_rate)
        required_pipeline(remaining, report, as_of=AS_OF, period=PERIOD)
    aging_frame(deals, changes, report, pipeline, as_of=AS_OF)
    pipeline_changes(previous, deals, pipeline, period=PERIOD)


def pandas_changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.Series:
    """The plain pandas waterfall: merge, select, group."""
    start, end = np.datetime64(PERIOD.start), np.datetime64(PERIOD.end)
    open_names = ["Qualify", "Proposal", "Negotiation"]

    def pipe(df: pd.DataFrame) -> pd.Series:
        d = pd.to_datetime(df["expected_close_date"])
        return df["stage"].isin(open_names) & (d >= start) & (d < end)

    b = before.assign(p=pipe(before))[["id", "amount", "stage", "p"]]
    a = after.assign(p=pipe(after))[["id", "amount", "stage", "p"]]
    m = b.merge(a, on="id", how="outer", suffixes=("_b", "_a"), indicator=True)
    pb, pa = m["p_b"].fillna(False).astype(bool), m["p_a"].fillna(False).astype(bool)
    m = m[pb | pa]
    pb, pa = pb[m.index], pa[m.index]
    rank = {"Qualify": 0, "Proposal": 1, "Negotiation": 2}
    sb, sa = m["stage_b"].map(rank), m["stage_a"].map(rank)
    ab, aa = m["amount_b"].fillna(0.0), m["amount_a"].fillna(0.0)
    bucket = np.select(
        [
            pb & ~pa & (m["stage_a"] == "Won"),
            pb & ~pa & (m["stage_a"] == "Lost"),
            pb & ~pa & (m["_merge"] == "left_only"),
            pb & ~pa,
            ~pb & pa & (m["_merge"] == "right_only"),
            ~pb & pa,
            aa > ab,
            aa < ab,
            sa > sb,
            sa < sb,
        ],
        np.arange(10),
        default=10,
    )
    change = np.where(pa, aa, 0.0) - np.where(pb, ab, 0.0)
    return pd.Series(change).groupby(bucket).sum()


def numpy_bound(
    mb: np.ndarray, ma: np.ndarray, sb: np.ndarray, sa: np.ndarray, pb: np.ndarray, pa: np.ndarray
) -> np.ndarray:
    """The bucket rules and exact integer sums on arrays already aligned by id."""
    bucket = np.select(
        [pb & ~pa, ~pb & pa, ma > mb, ma < mb, sa > sb, sa < sb], np.arange(6), default=6
    )
    change = np.where(pa, ma, 0) - np.where(pb, mb, 0)
    out = np.zeros(7, dtype=np.int64)
    np.add.at(out, bucket, change)
    return out


def run() -> list[Row]:
    deals, changes, previous = data()
    goals = targets()
    organisation = org()
    pipeline = datasets.pipeline()
    size = f"{REPS:,} reps, {N:,} deals, {len(changes):,} changes"
    rows = [
        row(
            "review (whole pack)",
            size,
            lambda: review(
                deals,
                pipeline,
                period=PERIOD,
                as_of=AS_OF,
                targets=goals,
                organization=organisation,
                stage_changes=changes,
                previous=previous,
                runs=RUNS,
            ),
            lambda: one_by_one(deals, changes, previous, goals),
            repeat=1,
        )
    ]
    merged = previous[["id"]].merge(deals, on="id")
    mb = (previous["amount"].to_numpy() * 100).astype(np.int64)[: len(merged)]
    ma = (merged["amount"].to_numpy() * 100).astype(np.int64)
    sb = np.zeros(len(merged), dtype=np.int64)
    sa = (merged["stage"] == "Proposal").to_numpy().astype(np.int64)
    pb = np.ones(len(merged), dtype=bool)
    pa = (merged["stage"] != "Won").to_numpy()
    changes_size = f"{len(previous):,} -> {N:,} deals"
    rows.append(
        row(
            "pipeline_changes vs pandas merge",
            changes_size,
            lambda: pipeline_changes(previous, deals, pipeline, period=PERIOD),
            lambda: pandas_changes(previous, deals),
            repeat=1,
        )
    )
    rows.append(
        row(
            "pipeline_changes vs numpy bound",
            changes_size,
            lambda: pipeline_changes(previous, deals, pipeline, period=PERIOD),
            lambda: numpy_bound(mb, ma, sb, sa, pb, pa),
            repeat=1,
        )
    )
    return rows
