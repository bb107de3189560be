"""Satisfaction KPIs from survey scores: CSAT and NPS, single and bulk."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore.calendar import Period
from salescore.error_codes import FailureReason
from salescore.errors import InvalidInputError
from salescore.kpi._common import (
    IntArray,
    _count,
    _day,
    _days,
    _failures,
    _groups,
    _long,
    _periods,
    _ratio,
    _require,
)

__all__ = ["csat", "nps", "survey_kpis"]


def _scores(scores: Sequence[object] | npt.ArrayLike, lo: int, hi: int, what: str) -> IntArray:
    arr = np.asarray(scores, dtype=object).ravel()
    out = np.empty(len(arr), np.int64)
    for i, v in enumerate(arr.tolist()):
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float | np.number)
            or not math.isfinite(v)
            or v != int(v)
            or not lo <= v <= hi
        ):
            raise InvalidInputError(
                f"{what} score {v!r} at position {i} is not a whole number in [{lo}, {hi}]"
            )
        out[i] = int(v)
    return out


def _check_scale(scale: int, top_box: int) -> None:
    if scale < 2:
        raise InvalidInputError(f"scale {scale} is too small; a CSAT scale has at least 2 points")
    if not 1 <= top_box < scale:
        raise InvalidInputError(
            f"top_box {top_box} must be in [1, {scale - 1}] for a {scale}-point scale"
        )


def csat(scores: Sequence[object] | npt.ArrayLike, *, scale: int = 5, top_box: int = 2) -> float:
    """Customer satisfaction: share of answers in the top ``top_box`` points of a 1-``scale`` scale.

    With the default 5-point scale, 4 and 5 count as satisfied [fraction].
    NaN when there is no answer.

    Examples
    --------
    >>> csat([5, 4, 3, 5, 1])
    0.6
    >>> csat([])
    nan
    """
    _check_scale(scale, top_box)
    arr = _scores(scores, 1, scale, "CSAT")
    return float(_ratio(int((arr > scale - top_box).sum()), len(arr)))


def nps(scores: Sequence[object] | npt.ArrayLike) -> float:
    """Net Promoter Score from 0-10 answers: (promoters − detractors) ÷ answers.

    Promoters answer 9 or 10, detractors 0 to 6. A fraction in [-1, 1]
    (multiply by 100 for the usual "NPS points"); NaN when there is no
    answer.

    Examples
    --------
    >>> nps([10, 9, 8, 7, 6, 0])
    0.0
    >>> nps([10, 10, 9, 3])
    0.5
    """
    arr = _scores(scores, 0, 10, "NPS")
    return float(_ratio(int((arr >= 9).sum()) - int((arr <= 6).sum()), len(arr)))


def survey_kpis(
    df: pd.DataFrame,
    periods: Period | Sequence[Period],
    *,
    kind: Literal["csat", "nps"],
    by: Sequence[str] = (),
    scale: int = 5,
    top_box: int = 2,
) -> pd.DataFrame:
    """CSAT or NPS for every period (and segment) of a survey-answer frame, vectorised.

    Parameters
    ----------
    df : pandas.DataFrame
        One answer per row: ``answered_on`` (date) and ``score`` (whole
        number: 1-``scale`` for CSAT, 0-10 for NPS). Not mutated; bad rows
        raise a :class:`~salescore.errors.FrameValidationError` listing all.
    periods : Period or sequence of Period
        Periods to report; an answer counts in the period containing its date.
    kind : {"csat", "nps"}
        Which measure.
    by : sequence of str
        Segment columns.
    scale, top_box : int
        The CSAT scale and how many top points count as satisfied.

    Returns
    -------
    pandas.DataFrame
        One row per (segment, period): ``responses`` and, for CSAT,
        ``satisfied`` and ``csat`` [fraction]; for NPS, ``promoters``,
        ``passives``, ``detractors`` and ``nps`` [fraction in [-1, 1]]. The
        measure is NaN when there is no response.

    Examples
    --------
    >>> df = pd.DataFrame({"answered_on": pd.to_datetime(["2026-01-03", "2026-01-20",
    ...     "2026-02-07"]), "score": [10, 5, 9]})
    >>> survey_kpis(df, [Period.month(2026, 1), Period.month(2026, 2)], kind="nps")[
    ...     ["period", "responses", "promoters", "detractors", "nps"]]
        period  responses  promoters  detractors  nps
    0  2026-01          2          1           1  0.0
    1  2026-02          1          1           0  1.0
    """
    chosen = _periods(periods)
    if kind not in ("csat", "nps"):
        raise InvalidInputError(f"kind {kind!r} is not allowed; use 'csat' or 'nps'")
    if kind == "csat":
        _check_scale(scale, top_box)
    lo, hi = (1, scale) if kind == "csat" else (0, 10)
    _require(df, ("answered_on", "score"), "survey")
    when = pd.to_datetime(df["answered_on"], errors="coerce")
    score = pd.to_numeric(df["score"], errors="coerce")
    bad_score = score.isna() | (score != np.floor(score)) | (score < lo) | (score > hi)
    _failures(
        df,
        [
            (when.isna(), "answered_on", df["answered_on"], FailureReason.NOT_NULL_DATE),
            (bad_score, "score", df["score"], FailureReason.OUT_OF_RANGE),
        ],
        "survey",
        rule=f"scores must be whole numbers in [{lo}, {hi}] and dates present",
    )
    codes, keys = _groups(df, by)
    n = len(keys)
    day = _days(when)
    values = score.to_numpy(dtype=np.float64)
    names = ("satisfied",) if kind == "csat" else ("promoters", "passives", "detractors")
    counts = {name: np.zeros((n, len(chosen)), np.int64) for name in ("responses", *names)}
    for j, p in enumerate(chosen):
        inside = (day >= _day(p.start)) & (day < _day(p.end))
        counts["responses"][:, j] = _count(codes, inside, n)
        if kind == "csat":
            counts["satisfied"][:, j] = _count(codes, inside & (values > scale - top_box), n)
        else:
            counts["promoters"][:, j] = _count(codes, inside & (values >= 9), n)
            counts["passives"][:, j] = _count(codes, inside & (values >= 7) & (values <= 8), n)
            counts["detractors"][:, j] = _count(codes, inside & (values <= 6), n)
    columns: dict[str, npt.NDArray[Any]] = dict(counts)
    if kind == "csat":
        columns["csat"] = _ratio(counts["satisfied"], counts["responses"])
    else:
        columns["nps"] = _ratio(counts["promoters"] - counts["detractors"], counts["responses"])
    return _long(keys, chosen, columns)
