"""CRM records in: 1,000,000 Salesforce-shaped opportunity rows to the OPPORTUNITIES contract.

The frame is a Data Loader export with the API field names as columns (ISO
timestamps as text, booleans, a percentage). salescore's path reads every
field through the map, checks the contract and the stages and names every
bad row. The analyst's baseline renames and casts with pandas, with no
checks. The bound is the least work the same checked result needs: the dates
parsed once by pandas' C ISO parser (numpy's own string-to-datetime cast is
four times slower), the percentage scaled, the close date split on
``IsClosed``, and the contract's checks (unique ids, present owners, known
stages, finite non-negative amounts) as single array passes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Row, row
from salescore.crm import salesforce

N = 1_000_000
STAGES = ("Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost")


def stage_records() -> list[dict[str, Any]]:
    out = []
    for i, name in enumerate(STAGES):
        closed = name.startswith("Closed")
        out.append(
            {
                "MasterLabel": name,
                "SortOrder": i,
                "DefaultProbability": 100
                if name == "Closed Won"
                else 0
                if closed
                else 10 * (i + 1),
                "IsClosed": closed,
                "IsWon": name == "Closed Won",
            }
        )
    return out


def export(n: int = N, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stage = rng.integers(0, len(STAGES), n)
    created = np.datetime64("2025-01-01T08:00:00") + rng.integers(0, 365 * 86400, n).astype(
        "timedelta64[s]"
    )
    closes = created.astype("datetime64[D]") + rng.integers(10, 120, n).astype("timedelta64[D]")
    closed = stage >= 4
    return pd.DataFrame(
        {
            "Id": np.char.add("006", np.char.zfill(np.arange(n).astype(str), 15)).astype(object),
            "OwnerId": np.char.add("005", rng.integers(0, 2_000, n).astype(str)).astype(object),
            "Amount": rng.integers(1_000_00, 500_000_00, n) / 100,
            "CurrencyIsoCode": "USD",
            "StageName": np.asarray(STAGES, dtype=object)[stage],
            "CreatedDate": np.char.add(created.astype(str), ".000+0000").astype(object),
            "CloseDate": closes.astype(str).astype(object),
            "IsClosed": closed,
            "Probability": np.where(stage == 4, 100.0, np.where(closed, 0.0, 10.0 * (stage + 1))),
            "ForecastCategoryName": np.where(closed, "Closed", "Pipeline").astype(object),
            "AccountId": np.char.add("001", rng.integers(0, 50_000, n).astype(str)).astype(object),
            "IsDeleted": False,
        }
    )


def pandas_baseline(frame: pd.DataFrame) -> pd.DataFrame:
    """What an analyst writes: rename, cast, split the close date; nothing checked."""
    out = frame.rename(
        columns={
            "Id": "id",
            "OwnerId": "owner_id",
            "Amount": "amount",
            "CurrencyIsoCode": "currency",
            "StageName": "stage",
            "AccountId": "account_id",
            "ForecastCategoryName": "forecast_category",
        }
    )
    out["created_on"] = (
        pd.to_datetime(out["CreatedDate"], utc=True).dt.tz_localize(None).dt.normalize()
    )
    close = pd.to_datetime(out["CloseDate"])
    out["close_date"] = close.where(out["IsClosed"])
    out["expected_close_date"] = close.where(~out["IsClosed"])
    out["probability"] = out["Probability"].astype(float) / 100
    return out.drop(columns=["CreatedDate", "CloseDate", "IsClosed", "Probability", "IsDeleted"])


def numpy_bound(arrays: dict[str, Any]) -> dict[str, Any]:
    """The least work the checked result needs, on the same arrays.

    Parse the two date columns once with the C ISO parser, scale the
    percentage, split the close date, and make the checks the contract
    makes: ids unique, required text present, stages known, amounts
    finite and not negative.
    """
    created = pd.to_datetime(arrays["created"], format="ISO8601", utc=True)
    closes = pd.to_datetime(arrays["closes"], format="ISO8601")
    closed = arrays["closed"]
    never = np.datetime64("NaT")
    closes_d = closes.to_numpy()
    amount = arrays["amount"]
    checks = (
        pd.Index(arrays["id"]).is_unique,
        bool(pd.isna(arrays["owner"]).any()),
        bool(pd.Index(arrays["stage"]).isin(STAGES).all()),
        bool(((amount >= 0) & np.isfinite(amount)).all()),
    )
    return {
        "created_on": created.tz_localize(None).normalize(),
        "close_date": np.where(closed, closes_d, never),
        "expected_close_date": np.where(closed, never, closes_d),
        "probability": arrays["probability"] / 100.0,
        "checks": checks,
    }


def run() -> list[Row]:
    frame = export()
    stages = stage_records()
    result = salesforce.load(frame, stages=stages)
    assert result.errors.empty
    assert len(result.opportunities) == N
    expected = pandas_baseline(frame)
    assert (result.opportunities["close_date"].isna() == expected["close_date"].isna()).all()
    arrays = {
        "id": frame["Id"].to_numpy(),
        "owner": frame["OwnerId"].to_numpy(),
        "amount": frame["Amount"].to_numpy(),
        "created": frame["CreatedDate"].to_numpy(),
        "closes": frame["CloseDate"].to_numpy(),
        "closed": frame["IsClosed"].to_numpy(),
        "probability": frame["Probability"].to_numpy(),
        "stage": frame["StageName"].to_numpy(),
    }
    size = f"{N:,} opportunity rows, 12 fields"
    return [
        row(
            "crm.salesforce.load, export to OPPORTUNITIES (baseline: pandas rename/astype)",
            size,
            lambda: salesforce.load(frame, stages=stages),
            lambda: pandas_baseline(frame),
            repeat=2,
        ),
        row(
            "crm.salesforce.load, export to OPPORTUNITIES (baseline: numpy bound on the arrays)",
            size,
            lambda: salesforce.load(frame, stages=stages),
            lambda: numpy_bound(arrays),
            repeat=2,
        ),
    ]
