"""salescore.dask on a two-worker LocalCluster against the single pandas process.

The data is written to Parquet first and read back with ``dd.read_parquet``,
as a user would; the single-process reference reads the same files with
pandas. Results are checked equal before timing. With two cores shared by
the cluster's workers and the scheduler, the point is the bounded memory
per worker and that the results agree, more than the speed-up.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from benchmarks._harness import Row, row
from benchmarks.bench_commission import PLAN, YEAR, _credits
from benchmarks.bench_funnel import bench_pipeline, make_data
from salescore import dask as sdask
from salescore.commission import statements_frame
from salescore.funnel import funnel_frame

N_DEALS = 1_000_000
N_CHANGES = 4_000_000
N_REPS = 10_000
N_CREDITS = 1_000_000


def run() -> list[Row]:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    pipeline = bench_pipeline()
    opportunities, changes = make_data(N_DEALS, N_CHANGES)
    credits, quotas = _credits(N_REPS, N_CREDITS)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, frame, parts in (
            ("deals", opportunities, 8),
            ("changes", changes, 8),
            ("credits", credits, 8),
        ):
            folder = root / name
            folder.mkdir()
            step = -(-len(frame) // parts)
            for i in range(parts):
                frame.iloc[i * step : (i + 1) * step].to_parquet(folder / f"part{i}.parquet")
        with (
            LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="6GiB") as cluster,
            Client(cluster),
        ):

            def on_dask_funnel() -> object:
                return sdask.funnel_frame(
                    dd.read_parquet(root / "deals"),
                    pipeline,
                    stage_changes=dd.read_parquet(root / "changes"),
                )

            def single_funnel() -> object:
                return funnel_frame(
                    pd.read_parquet(root / "deals"),
                    pipeline,
                    stage_changes=pd.read_parquet(root / "changes"),
                )

            def on_dask_statements() -> object:
                return sdask.statements_frame(
                    PLAN, dd.read_parquet(root / "credits"), period=YEAR, quotas=quotas
                )

            def single_statements() -> object:
                return statements_frame(
                    PLAN, pd.read_parquet(root / "credits"), period=YEAR, quotas=quotas
                )

            assert on_dask_funnel().won == single_funnel().won  # type: ignore[attr-defined]
            a, b = on_dask_statements(), single_statements()
            assert a.totals["total_minor"].sum() == b.totals["total_minor"].sum()  # type: ignore[attr-defined]
            return [
                row(
                    "dask.funnel_frame, 2 local workers, from Parquet "
                    "(baseline: pandas funnel_frame, one process)",
                    f"{N_CHANGES:,} changes, {N_DEALS:,} deals, 8 files each",
                    on_dask_funnel,
                    single_funnel,
                    repeat=1,
                ),
                row(
                    "dask.statements_frame, 2 local workers, from Parquet "
                    "(baseline: pandas statements_frame, one process)",
                    f"{N_CREDITS:,} credits, {N_REPS:,} reps, 8 files",
                    on_dask_statements,
                    single_statements,
                    repeat=1,
                ),
            ]
