"""Scoring a team on a card, exactly in integers: :func:`scores_frame`, and its input."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._failures import Failures
from salescore._numeric import (
    DECIMAL_CONTEXT,
    exact_decimals,
    floats_to_minor_units,
    round_div,
    round_fraction,
    to_decimal,
)
from salescore.error_codes import FailureReason
from salescore.errors import InvalidInputError
from salescore.scorecards._common import _LIMIT, IntArray, _ratio, _units_of
from salescore.scorecards._texts import _OUTCOMES, _kpi_texts, _total_texts
from salescore.scorecards.card import Scorecard, ScorecardKpi
from salescore.scorecards.curves import BandCurve, GateCurve, LinearCurve
from salescore.scorecards.results import ERROR_COLUMNS, ScoresFrames

__all__ = ["kpi_values", "scores_frame"]


def _decimals(units: IntArray, places: int) -> npt.NDArray[np.object_]:
    """Integers in units of ``10**-places`` as ``Decimal`` (the single path's values, exactly).

    Each distinct value is made once (points of bands, gates and caps repeat).
    """
    arr = np.asarray(units).reshape(-1)
    if arr.size == 0:
        return np.empty(0, dtype=object)
    uniques, inverse = np.unique(arr, return_inverse=True)
    made = np.empty(len(uniques), dtype=object)
    made[:] = list(
        map(DECIMAL_CONTEXT.scaleb, map(Decimal, map(int, uniques.tolist())), repeat(-places))
    )
    return made[inverse.reshape(-1)]


def _widen(limit_needed: int, *arrays: IntArray) -> list[IntArray]:
    """The arrays as int64 when every product stays below 2**62, else as Python ints."""
    if limit_needed < _LIMIT:
        return [np.asarray(a).astype(np.int64) for a in arrays]
    return [np.asarray(a).astype(object) for a in arrays]


def _magnitude(arr: IntArray) -> int:
    return int(max(np.asarray(arr).max(initial=0), -np.asarray(arr).min(initial=0)))


def _read(series: pd.Series[Any], places: int) -> tuple[IntArray, npt.NDArray[np.object_]]:
    """A column in units of ``10**-places`` (0 where unusable) and the reason per row (or None).

    Float and integer columns are read vectorised (floats through their
    shortest repr, as :func:`~salescore._numeric.floats_to_minor_units`);
    other columns (``Decimal``, text) value by value, exactly.
    """
    n = len(series)
    reason = np.full(n, None, dtype=object)
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        reason[:] = FailureReason.NOT_NUMBER
        return np.zeros(n, np.int64), reason
    if pd.api.types.is_float_dtype(dtype) or (
        pd.api.types.is_integer_dtype(dtype) and series.hasnans
    ):
        arr = series.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = np.isfinite(arr)
        with np.errstate(invalid="ignore"):
            big = finite & (np.abs(arr) * 10.0**places >= 2.0**53)
            negative = finite & ~big & (arr < 0)
        reason[np.isnan(arr)] = FailureReason.MISSING_VALUE
        reason[~finite & ~np.isnan(arr)] = FailureReason.NOT_FINITE
        reason[big] = FailureReason.TOO_LARGE
        reason[negative] = FailureReason.NEGATIVE
        good = finite & ~big
        units = floats_to_minor_units(np.where(good, arr, 0.0), places)
        return np.where(reason == None, units, 0), reason  # noqa: E711 (elementwise)
    if pd.api.types.is_integer_dtype(dtype):
        ints = series.to_numpy(dtype=np.int64)
        reason[ints < 0] = FailureReason.NEGATIVE
        scale = 10**places
        too_big = np.abs(ints) > (_LIMIT // scale)
        reason[too_big] = FailureReason.TOO_LARGE
        return np.where(reason == None, ints * scale, 0).astype(np.int64), reason  # noqa: E711
    values = series.to_numpy(dtype=object)
    units_list: list[int] = []
    for i, v in enumerate(values.tolist()):
        units_list.append(0)
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
            reason[i] = FailureReason.MISSING_VALUE
            continue
        try:
            d = to_decimal(v)
        except InvalidInputError:
            finite_text = isinstance(v, Decimal | float | str) and _nonfinite(v)
            reason[i] = FailureReason.NOT_FINITE if finite_text else FailureReason.NOT_NUMBER
            continue
        if d < 0:
            reason[i] = FailureReason.NEGATIVE
            continue
        units_list[-1] = _units_of(d, places, "value")
    units_obj = np.array(units_list, dtype=object)
    return units_obj if _magnitude(units_obj) >= _LIMIT else units_obj.astype(np.int64), reason


def _nonfinite(value: object) -> bool:
    try:
        return not Decimal(str(value).strip()).is_finite()
    except ArithmeticError:
        return False


@dataclass(frozen=True)
class _Scored:
    """One KPI's points over the reps: the bulk kernel's output."""

    points: IntArray  # units of 10**-points_places
    outcome: npt.NDArray[np.int64]  # index into _OUTCOMES
    band: npt.NDArray[np.int64]  # band index (0 below the bands), -1 off a band curve
    permille: IntArray  # attainment in tenths of a percent, 0 when infinite
    infinite: npt.NDArray[np.bool_]
    attainment: npt.NDArray[np.float64]


def _at_least(num: IntArray, den: IntArray, c: Fraction) -> npt.NDArray[np.bool_]:
    """``num / den >= c`` exactly (``den > 0``)."""
    return np.asarray(num * c.denominator >= c.numerator * den, dtype=bool)


def _kernel(card: Scorecard, kpi: ScorecardKpi, value: IntArray, target: IntArray) -> _Scored:
    """Points of one KPI for many reps, in integers (exactly the single path's Fractions)."""
    quantum = Fraction(1, 10**card.points_places)
    num, den = (value, target) if kpi.direction == "higher" else (target, value)
    infinite = np.asarray(den == 0, dtype=bool)
    den = np.where(infinite, 1, den)
    curve = kpi.curve
    n = len(num)
    outcome = np.zeros(n, np.int64)
    band = np.full(n, -1, np.int64)
    constants: list[Fraction] = [Fraction(1000)]
    if isinstance(curve, LinearCurve):
        start, _, slope = curve.resolved(card.scale)
        th = _ratio(curve.threshold)
        alpha, beta = slope / quantum, (start - th * slope) / quantum
        k1 = alpha.numerator * beta.denominator
        k2 = beta.numerator * alpha.denominator
        k3 = alpha.denominator * beta.denominator
        cap = None if curve.cap is None else _ratio(curve.cap) / quantum
        constants += [th] + ([] if cap is None else [cap])
        widest = max(abs(k1) * _magnitude(num) + abs(k2) * _magnitude(den), k3 * _magnitude(den))
        factor = max([2, *(max(abs(c.numerator), c.denominator) for c in constants)])
        num, den = _widen(widest * factor + _magnitude(num) * factor, num, den)
        line_num = k1 * num + k2 * den
        line_den = k3 * den
        below = ~infinite & ~_at_least(num, den, th)
        points = round_div(line_num, line_den, card.rounding)
        outcome[:] = _OUTCOMES.index("line")
        if cap is not None:
            over = infinite | (line_num * cap.denominator > cap.numerator * line_den)
            points = np.where(over, round_fraction(cap, card.rounding), points)
            outcome[over] = _OUTCOMES.index("capped")
        points = np.where(
            below, round_fraction(_ratio(curve.floor) / quantum, card.rounding), points
        )
        outcome[below] = _OUTCOMES.index("floor")
    elif isinstance(curve, BandCurve):
        lowers = [_ratio(b.lower) for b in curve.bands]
        factor = max([2, *(max(c.numerator, c.denominator) for c in [*constants, *lowers])])
        num, den = _widen(max(_magnitude(num), _magnitude(den)) * factor, num, den)
        reached = np.zeros(n, np.int64)
        for low in lowers:
            reached += infinite | _at_least(num, den, low)
        table = np.array(
            [round_fraction(_ratio(curve.floor) / quantum, card.rounding)]
            + [round_fraction(_ratio(b.points) / quantum, card.rounding) for b in curve.bands],
            dtype=object,
        )
        points = table[reached]
        outcome[:] = np.where(reached == 0, _OUTCOMES.index("below_bands"), _OUTCOMES.index("band"))
        band = np.maximum(reached - 1, 0)
    else:
        pass_at = _ratio(curve.pass_at)
        factor = max(2, 1000, pass_at.numerator, pass_at.denominator)
        num, den = _widen(max(_magnitude(num), _magnitude(den)) * factor, num, den)
        passed = infinite | _at_least(num, den, pass_at)
        full = round_fraction(_ratio(curve.passed_points(card.scale)) / quantum, card.rounding)
        points = np.where(passed, full, 0)
        outcome[:] = np.where(passed, _OUTCOMES.index("passed"), _OUTCOMES.index("failed"))
    num, den = _widen(max(_magnitude(num), _magnitude(den)) * 2000, num, den)
    permille = np.where(infinite, 0, round_div(num * 1000, den, ROUND_HALF_EVEN))
    with np.errstate(invalid="ignore", divide="ignore"):
        attainment = np.where(
            infinite, np.nan, num.astype(np.float64) / den.astype(np.float64)
        ).astype(np.float64)
    points_arr = np.asarray(points)
    points_arr = points_arr if _magnitude(points_arr) >= _LIMIT else points_arr.astype(np.int64)
    return _Scored(points_arr, outcome, band, permille, infinite, attainment)


def _errors(failures: Failures) -> pd.DataFrame:
    """The errors table in input row order, each value as given written as text (None if blank).

    Built from object arrays, so that columns of text infer the string dtype.
    """
    table = failures.table(by_row=True)
    cells = {name: table[name].to_numpy(dtype=object) for name in ERROR_COLUMNS}
    cells["value"] = np.array([None if _blank(v) else str(v) for v in cells["value"]], dtype=object)
    return pd.DataFrame(cells)


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


@exact_decimals
def scores_frame(
    card: Scorecard,
    frame: pd.DataFrame,
    *,
    rep_column: str = "rep_id",
    reps: Sequence[str] | None = None,
    explain: bool = True,
) -> ScoresFrames:
    """Score a team: one row per rep in, lines, totals with grade and rank, and errors out.

    Vectorised over reps (a loop over the card's KPIs only); the points agree
    exactly with :func:`score` on every rep.

    Parameters
    ----------
    card : Scorecard
        The scorecard.
    frame : pandas.DataFrame
        One row per rep: ``rep_column`` and one column per KPI name holding
        the value [the KPI's unit]; optionally ``<kpi>_target`` columns with
        per-rep targets that replace the card's. Float and integer columns
        are read vectorised; ``Decimal`` or text columns value by value. Not
        mutated; the index labels come back in ``row``.
    rep_column : str
        The column of rep ids.
    reps : sequence of str, optional
        The known reps; a row of any other rep goes to ``errors``
        (``unknown_rep``). Default: every rep is known.
    explain : bool
        Write ``reason_en`` and ``reason_zh`` on lines and totals (default).
        ``False`` leaves those columns out, for batch jobs that only need
        the numbers (the text is most of the time on large teams).

    Returns
    -------
    ScoresFrames
        ``lines``, ``totals`` and ``errors`` (see :class:`ScoresFrames`);
        every input row is either in ``totals`` or in ``errors``.

    Raises
    ------
    InvalidInputError
        ``frame`` lacks ``rep_column`` or a KPI column.

    Examples
    --------
    >>> from salescore.scorecards import Band
    >>> card = Scorecard(id="AE", kpis=[
    ...     ScorecardKpi(name="revenue", weight="0.5", target=100,
    ...                  curve=LinearCurve(threshold="0.6", cap=120)),
    ...     ScorecardKpi(name="visits", weight="0.5", target=40,
    ...                  curve=BandCurve(bands=[Band(lower="0.5", points=50),
    ...                                         Band(lower="1", points=100)]))])
    >>> team = pd.DataFrame({"rep_id": ["li", "wang", "zhao", "qian"],
    ...                      "revenue": [130.0, 90.0, float("nan"), 55.0],
    ...                      "visits": [40, 30, 12, 41]})
    >>> out = scores_frame(card, team)
    >>> out.totals[["rep_id", "total", "grade", "rank"]]
      rep_id   total grade  rank
    0     li  110.00     A     1
    1   wang   70.00     C     2
    3   qian   50.00     D     3
    >>> out.errors[["row", "column", "reason"]]
       row   column         reason
    0    2  revenue  missing_value
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError(f"frame {type(frame).__name__} is not a pandas DataFrame")
    if rep_column not in frame.columns:
        raise InvalidInputError(f"frame lacks the rep column {rep_column!r}")
    absent = [k.name for k in card.kpis if k.name not in frame.columns]
    if absent:
        raise InvalidInputError(
            f"frame lacks the KPI column(s) {absent} of card {card.id!r}; "
            f"columns given: {[str(c) for c in frame.columns]}"
        )
    n = len(frame)
    rep_given = frame[rep_column].to_numpy(dtype=object)
    missing_rep = frame[rep_column].isna().to_numpy()
    as_text = frame[rep_column].where(~missing_rep, "").astype(str)
    blank = missing_rep | (as_text.str.strip() == "").to_numpy()
    rep = as_text.to_numpy(dtype=object, copy=True)
    rep[blank] = None
    failures = Failures(frame, ERROR_COLUMNS)
    failures.add(rep_column, FailureReason.BLANK_REP, blank, values=rep_given, rep_id=rep)
    keyed = pd.Series(rep)
    duplicate = ~blank & keyed.duplicated(keep=False).to_numpy()
    failures.add(rep_column, FailureReason.DUPLICATE_REP, duplicate, values=rep_given, rep_id=rep)
    if reps is not None:
        known = {str(r) for r in reps}
        unknown = ~blank & ~keyed.isin(known).to_numpy()
        failures.add(rep_column, FailureReason.UNKNOWN_REP, unknown, values=rep_given, rep_id=rep)
    values: list[IntArray] = []
    targets: list[IntArray] = []
    for kpi in card.kpis:
        column = frame[kpi.name]
        units, reason = _read(column, kpi.places)
        given = column.to_numpy(dtype=object)
        if (
            kpi.direction == "lower"
            and isinstance(kpi.curve, LinearCurve)
            and kpi.curve.cap is None
        ):
            reason = np.where((reason == None) & (units == 0), FailureReason.ZERO_VALUE, reason)  # noqa: E711
        for code in sorted({r for r in reason.tolist() if r is not None}):
            failures.add(kpi.name, code, reason == code, values=given, rep_id=rep)
        values.append(units)
        name = f"{kpi.name}_target"
        if name in frame.columns:
            t_units, t_reason = _read(frame[name], kpi.places)
            bad = (t_reason != None) | (t_units <= 0)  # noqa: E711
            failures.add(
                name,
                FailureReason.BAD_TARGET,
                bad,
                values=frame[name].to_numpy(dtype=object),
                rep_id=rep,
            )
            t_units = np.where(bad, 1, t_units)
        else:
            t_units = np.full(n, _units_of(kpi.target, kpi.places, "target"), dtype=np.int64)
        targets.append(t_units)
    failed_rows = failures.bad
    good = np.flatnonzero(~failed_rows)
    m, k = len(good), len(card.kpis)
    pl = card.points_places
    grade_names = [g.name for g in card.grades]
    scored = [
        _kernel(card, kpi, np.asarray(v)[good], np.asarray(t)[good])
        for kpi, v, t in zip(card.kpis, values, targets, strict=True)
    ]
    weighted: list[IntArray] = []
    texts: list[tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]] = []
    gate_failed: list[npt.NDArray[np.bool_]] = []
    zero = np.zeros(m, dtype=bool)
    cap_index = np.zeros(m, dtype=np.int64)
    for kpi, s, v, t in zip(card.kpis, scored, values, targets, strict=True):
        w = _ratio(kpi.weight)
        (pts,) = _widen(_magnitude(s.points) * max(w.numerator, 2 * w.denominator), s.points)
        wp = round_div(pts * w.numerator, w.denominator, card.rounding)
        weighted.append(wp)
        if explain:
            texts.append(
                _kpi_texts(
                    card,
                    kpi,
                    s.outcome,
                    s.band,
                    np.asarray(v)[good],
                    np.asarray(t)[good],
                    s.permille,
                    s.infinite,
                    s.points,
                    wp,
                )
            )
        if isinstance(kpi.curve, GateCurve):
            hit = s.outcome == _OUTCOMES.index("failed")
            gate_failed.append(hit)
            if kpi.curve.on_fail == "zero_total":
                zero |= hit
            else:
                cap = grade_names.index(str(kpi.curve.cap_grade))
                cap_index = np.where(hit, np.maximum(cap_index, cap), cap_index)
    wide = any(np.asarray(w).dtype == object for w in weighted)
    subtotal: IntArray = np.zeros(m, dtype=object if wide else np.int64)
    for wp in weighted:
        subtotal = subtotal + wp
    total = np.where(zero, 0, subtotal)
    total = total if wide else total.astype(np.int64)
    # A grade index is the number of grade thresholds above the total.
    grade = np.zeros(m, dtype=np.int64)
    for g in card.grades:
        threshold = _ratio(g.min_points) * 10**pl
        grade += np.asarray(
            total < -(-threshold.numerator // threshold.denominator), dtype=np.int64
        )
    grade = np.maximum(grade, cap_index)
    failed_matrix = np.column_stack(gate_failed) if gate_failed else np.zeros((m, 0), dtype=bool)
    gate_names = [kpi.name for kpi in card.kpis if isinstance(kpi.curve, GateCurve)]
    failed_text = np.full(m, "", dtype=object)
    for i, name in enumerate(gate_names):
        hit = failed_matrix[:, i]
        failed_text = np.where(hit & (failed_text != ""), failed_text + ", " + name, failed_text)
        failed_text = np.where(hit & (failed_text == ""), name, failed_text)
    if m:
        _, inverse = np.unique(
            -np.asarray(total).astype(object if wide else np.int64), return_inverse=True
        )
        rank = inverse.astype(np.int64).reshape(m) + 1
    else:
        rank = np.zeros(0, dtype=np.int64)
    index = frame.index[good]
    totals = pd.DataFrame(
        {
            "rep_id": rep[good],
            "subtotal": _decimals(subtotal, pl),
            "total": _decimals(total, pl),
            "total_units": np.asarray(total) if wide else np.asarray(total, dtype=np.int64),
            "grade": np.array(grade_names, dtype=object)[grade],
            "rank": rank,
            "gates_passed": ~failed_matrix.any(axis=1),
            "failed_gates": failed_text,
        },
        index=index,
    )
    if explain:
        totals["reason_en"], totals["reason_zh"] = _total_texts(
            card, subtotal, total, grade, failed_matrix
        )

    def stack(columns: list[Any]) -> npt.NDArray[Any]:
        """Per-KPI arrays (k of length m) as one column, reps first, KPIs in card order."""
        return np.column_stack([np.asarray(c, dtype=object) for c in columns]).reshape(m * k)

    lines = pd.DataFrame(
        {
            "row": np.repeat(index.to_numpy(dtype=object), k),
            "rep_id": np.repeat(rep[good], k),
            "kpi": np.tile(np.array([kpi.name for kpi in card.kpis], dtype=object), m),
            "value": stack(
                [
                    _decimals(np.asarray(v)[good], kpi.places)
                    for kpi, v in zip(card.kpis, values, strict=True)
                ]
            ),
            "target": stack(
                [
                    _decimals(np.asarray(t)[good], kpi.places)
                    for kpi, t in zip(card.kpis, targets, strict=True)
                ]
            ),
            "attainment": np.column_stack([s.attainment for s in scored]).reshape(m * k)
            if m
            else np.zeros(0),
            "outcome": stack([np.array(_OUTCOMES, dtype=object)[s.outcome] for s in scored]),
            "points": stack([_decimals(s.points, pl) for s in scored]),
            "weight": np.tile(np.array([kpi.weight for kpi in card.kpis], dtype=object), m),
            "weighted_points": stack([_decimals(wp, pl) for wp in weighted]),
        }
    )
    if explain:
        lines["reason_en"] = stack([t[0] for t in texts])
        lines["reason_zh"] = stack([t[1] for t in texts])
    return ScoresFrames(lines=lines, totals=totals, errors=_errors(failures))


@exact_decimals
def kpi_values(
    sources: Mapping[str, pd.Series[Any]], *, rep_column: str = "rep_id"
) -> pd.DataFrame:
    """Join KPI values from several calculators into :func:`scores_frame`'s input.

    Each source is a Series indexed by rep id (for example a column of
    :func:`~salescore.kpi.deal_kpis` by ``owner_id`` for one period, set as
    index, or a rep's activity count). The reps are the union of the
    indexes, sorted; a rep missing from a source gets a missing value there,
    which :func:`scores_frame` reports as ``missing_value`` (never dropped).

    Parameters
    ----------
    sources : mapping of str to pandas.Series
        KPI name to values by rep id; each index unique.
    rep_column : str
        Name of the rep id column made.

    Returns
    -------
    pandas.DataFrame
        ``rep_column`` and one column per source, in the order given.

    Examples
    --------
    >>> revenue = pd.Series({"li": 120.0, "wang": 80.0})
    >>> visits = pd.Series({"li": 30, "zhao": 12})
    >>> kpi_values({"revenue": revenue, "visits": visits})
      rep_id  revenue  visits
    0     li    120.0    30.0
    1   wang     80.0     NaN
    2   zhao      NaN    12.0
    """
    for name, series in sources.items():
        if not isinstance(series, pd.Series):
            raise InvalidInputError(f"source {name!r} is a {type(series).__name__}, not a Series")
        if not series.index.is_unique:
            dup = sorted({str(x) for x in series.index[series.index.duplicated()]})
            raise InvalidInputError(f"source {name!r} repeats rep ids {dup}; one value per rep")
    reps = sorted({str(r) for s in sources.values() for r in s.index})
    out = pd.DataFrame({rep_column: pd.Series(reps, dtype=object)})
    for name, series in sources.items():
        keyed = series.set_axis([str(r) for r in series.index])
        out[name] = keyed.reindex(reps).to_numpy()
    return out
