"""History statistics: the vectorised kernel of the growth checks, one row per target."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from salescore._failures import Failures
from salescore._numeric import to_decimal
from salescore.calendar import Period
from salescore.error_codes import FailureReason
from salescore.errors import CurrencyMismatchError, FrameValidationError, InvalidInputError
from salescore.models import Target
from salescore.money import Money
from salescore.smart.policy import SmartPolicy

_HISTORY_COLUMNS: Final = ("target_id", "start", "end", "value")


@dataclass(frozen=True)
class _HistoryStats:
    """Per-target growth statistics, all in the target's own direction."""

    n: int
    baseline: float
    required: float
    percentile: float
    z: float
    upper: float  # growth at the stretch percentile (real direction)
    lower: float  # growth at the sandbag percentile (real direction)


def _history_frame_from(target: Target, history: object) -> pd.DataFrame:
    """Read a single target's history (mapping or pairs of Period and value) into a frame."""
    pairs = list(history.items()) if isinstance(history, Mapping) else list(history)  # type: ignore[call-overload]
    rows: list[dict[str, object]] = []
    for item in pairs:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Period)):
            raise InvalidInputError(
                f"history item {item!r} is not a (Period, value) pair; history is a mapping or "
                "sequence of Period to value"
            )
        period, value = item
        currency = value.currency if isinstance(value, Money) else None
        amount = value.amount if isinstance(value, Money) else to_decimal(value, what="history")
        rows.append(
            {
                "target_id": target.id,
                "start": period.start,
                "end": period.end,
                "value": float(amount),
                "currency": currency,
            }
        )
    return pd.DataFrame(rows, columns=[*_HISTORY_COLUMNS, "currency"])


def _check_history_frame(history: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    """Validate a bulk history frame (all failures at once) and return a clean copy."""
    missing = [c for c in _HISTORY_COLUMNS if c not in history.columns]
    if missing:
        raise InvalidInputError(
            f"history frame lacks column(s) {missing}; required: {list(_HISTORY_COLUMNS)}"
        )
    out = pd.DataFrame(
        {
            "target_id": history["target_id"].astype(str),
            "start": pd.to_datetime(history["start"]),
            "end": pd.to_datetime(history["end"]),
            "value": pd.to_numeric(history["value"], errors="coerce").astype(np.float64),
            "currency": history["currency"] if "currency" in history.columns else None,
        },
        index=history.index,
    )
    problems = [
        (out["value"].isna() | ~np.isfinite(out["value"]), "value", FailureReason.NOT_FINITE),
        (out["end"] <= out["start"], "end", FailureReason.END_NOT_AFTER_START),
        (~out["target_id"].isin(ids), "target_id", FailureReason.UNKNOWN_TARGET),
        (
            out.duplicated(["target_id", "start"], keep=False),
            "start",
            FailureReason.DUPLICATE_PERIOD,
        ),
    ]
    failures = Failures(history)
    for mask, column, reason in problems:
        failures.add(column, reason, np.asarray(mask, dtype=bool))
    if len(failures):
        table = failures.table()
        raise FrameValidationError(
            f"history frame has {len(table)} failure(s): "
            f"{', '.join(sorted(set(table['reason'])))}; {failures.summary()}",
            table,
        )
    return out


def _history_stats(
    history: pd.DataFrame, targets: Sequence[Target], policy: SmartPolicy
) -> dict[str, _HistoryStats | str]:
    """Growth statistics per target from a validated history frame, vectorised.

    Returns, per target id with history, either its statistics or why the
    history check could not run. Raises on contradictory evidence.
    """
    usable = [(t, t.value, t.period) for t in targets]
    usable = [(t, v, p) for t, v, p in usable if v is not None and p is not None]
    info = pd.DataFrame(
        {
            "target_id": [t.id for t, _, _ in usable],
            "required_value": [float(v) for _, v, _ in usable if v is not None],
            "baseline_value": [
                np.nan if t.baseline_value is None else float(t.baseline_value)
                for t, _, _ in usable
            ],
            "sign": [
                -1.0 if t.direction is not None and not t.direction.higher_is_better else 1.0
                for t, _, _ in usable
            ],
            "period_start": pd.to_datetime(
                pd.Series([p.start for _, _, p in usable if p is not None], dtype=object)
            ),
            "days": [p.days for _, _, p in usable if p is not None],
            "currency": [t.currency for t, _, _ in usable],
        }
    )
    h = history.merge(info, on="target_id", how="inner", validate="many_to_one")
    if h.empty:
        return {}
    # Contradictions: history after the target starts, in another currency, of another length.
    late = h["end"] > h["period_start"]
    if late.any():
        row = h[late].iloc[0]
        raise InvalidInputError(
            f"history period {row['start'].date()}..{row['end'].date()} of target "
            f"{row['target_id']!r} ends after the target period starts on "
            f"{row['period_start'].date()}; history must precede the target"
        )
    clash = h["currency_x"].notna() & h["currency_y"].notna() & (h["currency_x"] != h["currency_y"])
    if clash.any():
        row = h[clash].iloc[0]
        raise CurrencyMismatchError(
            f"history of target {row['target_id']!r} is in {row['currency_x']} but the "
            f"target is in {row['currency_y']}; convert it with FxRates first"
        )
    hdays = (h["end"] - h["start"]).dt.days
    ratio = hdays / h["days"]
    off = (ratio < 0.9) | (ratio > 1.1)
    if off.any():
        row = h[off].iloc[0]
        raise InvalidInputError(
            f"history period of {int(hdays[off].iloc[0])} days for target "
            f"{row['target_id']!r} does not match its {int(row['days'])}-day target period; "
            "give history at the target's grain"
        )
    h = h.sort_values(["target_id", "start"], kind="stable")
    grouped = h.groupby("target_id", sort=False)
    prev_value = grouped["value"].shift(1)
    prev_end = grouped["end"].shift(1)
    # Growth between consecutive periods only; a gap or a non-positive base has none.
    ok = (prev_end == h["start"]) & (prev_value > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = h["value"] / prev_value - 1.0
    h = h.assign(signed=np.where(ok, growth, np.nan) * h["sign"])
    last = grouped["value"].last()
    baseline = h.groupby("target_id", sort=False)["baseline_value"].first().fillna(last)
    first_rows = h.groupby("target_id", sort=False)[["required_value", "sign"]].first()
    with np.errstate(divide="ignore", invalid="ignore"):
        required = (first_rows["required_value"] / baseline - 1.0).where(baseline > 0)
    g = h.dropna(subset=["signed"])
    gg = g.groupby("target_id", sort=False)["signed"]
    n = gg.size().reindex(baseline.index, fill_value=0)
    mean = gg.mean().reindex(baseline.index)
    std = gg.std(ddof=1).reindex(baseline.index)
    upper = gg.quantile(policy.stretch_percentile).reindex(baseline.index)
    lower = gg.quantile(policy.sandbag_percentile).reindex(baseline.index)
    signed_required = required * first_rows["sign"]
    req_rows = g["target_id"].map(signed_required)
    below = (g["signed"] < req_rows).astype(np.float64) + 0.5 * (g["signed"] == req_rows)
    percentile = below.groupby(g["target_id"], sort=False).sum().reindex(baseline.index) / n
    diff = signed_required - mean
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(std > 0, diff / std, np.sign(diff) * np.inf)
    z = np.where(diff == 0, 0.0, z)
    out: dict[str, _HistoryStats | str] = {}
    sign = first_rows["sign"].to_numpy()
    # Back from the signed space: for lower-is-better goals the stretch bound
    # is the low end of real growth.
    columns = zip(
        baseline.index.tolist(),
        baseline.to_numpy().tolist(),
        n.to_numpy().tolist(),
        required.to_numpy().tolist(),
        percentile.to_numpy().tolist(),
        z.tolist(),
        (upper.to_numpy() * sign).tolist(),
        (lower.to_numpy() * sign).tolist(),
        strict=True,
    )
    for tid, base, count, req, pct, zz, hi, lo in columns:
        if not base > 0:
            out[tid] = "history: the baseline is not positive, so growth is undefined"
        elif count < policy.min_history_growths:
            out[tid] = (
                f"history: {count} period-over-period growth(s), "
                f"fewer than the {policy.min_history_growths} needed"
            )
        else:
            out[tid] = _HistoryStats(
                n=int(count),
                baseline=float(base),
                required=float(req),
                percentile=float(pct),
                z=float(zz),
                upper=float(hi),
                lower=float(lo),
            )
    return out
