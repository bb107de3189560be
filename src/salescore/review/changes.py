r"""What changed since last week: the pipeline waterfall and the history of a period's forecast.

:func:`pipeline_changes` compares two snapshots of the same opportunities
(the :data:`~salescore.frames.OPPORTUNITIES` frame at two dates) and puts
every deal that was in the period's **pipeline** at either date into exactly
one bucket. The pipeline of a period at a snapshot is the open deals whose
``expected_close_date`` lies in the period, the deals
:func:`~salescore.forecast.weighted` counts as open pipeline; its amount is
the sum of their amounts. Each bucket carries a signed ``change`` so that,
exactly, to the minor unit,

.. math:: \text{closing} = \text{opening} + \sum_{b} \text{change}_b .

Buckets (ordered rules)
-----------------------
A deal is put in the first bucket whose rule it meets:

*In the opening pipeline, not in the closing one* (its amount leaves:
``change = -amount before``):

1. ``won`` — the after snapshot has it in a won stage;
2. ``lost`` — the after snapshot has it in a lost stage;
3. ``removed`` — the after snapshot does not have it (deleted or merged);
4. ``slipped`` — still open, but its ``expected_close_date`` moved out of
   the period (later, earlier, or cleared).

*In the closing pipeline, not in the opening one* (its amount arrives:
``change = +amount after``):

5. ``new`` — the before snapshot does not have it;
6. ``pulled_in`` — the before snapshot has it outside the period's
   pipeline: expected in another period, undated, or closed and now reopened.

*In both* (``change = amount after - amount before``):

7. ``amount_up`` — the amount rose;
8. ``amount_down`` — the amount fell;
9. ``stage_forward`` — same amount, a later open stage (pipeline order);
10. ``stage_back`` — same amount, an earlier open stage;
11. ``unchanged`` — same amount, same stage.

So a deal that grew *and* advanced counts once, under ``amount_up`` (the
amount is what the waterfall reconciles); its stage step is still in the
per-deal table (``stage_step``). Stage moves change no amount: their bars
have ``change = 0`` and ``amount`` the pipeline that moved.

:func:`forecast_history` runs :func:`~salescore.forecast.weighted` and
:func:`~salescore.forecast.forecast_categories` on each weekly snapshot of one
period and tabulates how the calls moved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._failures import Failures
from salescore._lookup import align, name_positions
from salescore._numeric import minor_units_to_decimals
from salescore.calendar import Period
from salescore.error_codes import FailureReason
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.forecast import forecast_categories, weighted
from salescore.forecast.categories import CATEGORY_COLUMNS, MEASURES
from salescore.frames import (
    OPPORTUNITIES,
    CheckedFrame,
    empty_failures,
    partition_frame,
    to_frame,
)
from salescore.models import (
    ForecastCategory,
    Opportunity,
    Organization,
    Pipeline,
    StageKind,
    check_opportunities,
)
from salescore.money import CURRENCIES, Money, check_currency, floats_to_minor_units_by_currency
from salescore.serialization import Result

__all__ = [
    "BUCKETS",
    "ForecastHistory",
    "PipelineChanges",
    "forecast_history",
    "pipeline_changes",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: The buckets of :func:`pipeline_changes`, in rule order (also the waterfall's order).
BUCKETS: Final = (
    "won",
    "lost",
    "removed",
    "slipped",
    "new",
    "pulled_in",
    "amount_up",
    "amount_down",
    "stage_forward",
    "stage_back",
    "unchanged",
)
_OPEN, _WON, _LOST, _ABSENT = 0, 1, 2, -1


@dataclass(frozen=True, eq=False)
class PipelineChanges(Result):
    """The waterfall of a period's pipeline between two snapshots.

    Attributes
    ----------
    period : Period
        The period whose pipeline is compared.
    currency : str
        ISO 4217 code of every amount.
    opening, closing : Money
        The pipeline before and after [currency]; ``closing = opening + sum
        of buckets' change`` exactly.
    opening_deals, closing_deals : int
        Deals in each pipeline [count].
    buckets : pandas.DataFrame
        Indexed by ``bucket`` (:data:`BUCKETS` order, every bucket present):
        ``deals`` [count], ``amount`` (the amount involved: before for deals
        that left, after for deals that arrived or stayed, the size of the
        change for ``amount_up`` and ``amount_down``) and ``change`` (signed
        contribution to the closing pipeline), both Decimal [currency], and
        ``amount_minor``, ``change_minor`` [minor units].
    deals : pandas.DataFrame
        One row per deal in either pipeline, indexed by ``id``: ``bucket``,
        ``owner_id`` (after, else before), ``stage_before``, ``stage_after``
        (None when absent), ``stage_step`` (positions moved in pipeline order,
        0 when either side is absent), ``amount_before``, ``amount_after``
        (Decimal, None when absent), ``change`` (Decimal) and the
        ``*_minor`` twins of the three amounts (0 when absent).
    failures : pandas.DataFrame
        Rows not used: ``snapshot`` (``"before"``/``"after"``), ``row``,
        ``column``, ``value``, ``reason`` (contract reasons,
        ``not_allowed`` for a stage not in the pipeline, ``not_minor_unit``,
        and ``other_snapshot`` for a deal left out of one snapshot because
        its row in the other failed, so it cannot be classified).
    """

    period: Period
    currency: str
    opening: Money
    closing: Money
    opening_deals: int
    closing_deals: int
    buckets: pd.DataFrame
    deals: pd.DataFrame
    failures: pd.DataFrame

    def reconciles(self) -> bool:
        """``opening + sum(change) == closing`` in minor units (always True).

        Examples
        --------
        >>> from salescore import datasets
        >>> p = datasets.pipeline()
        >>> deals = datasets.opportunities(p, n=30)
        >>> pipeline_changes(deals, deals, p, period=Period.year(2026)).reconciles()
        True
        """
        total = int(self.buckets["change_minor"].sum())
        return self.opening.to_minor() + total == self.closing.to_minor()


@dataclass(frozen=True)
class _Snapshot:
    frame: pd.DataFrame  # valid rows, indexed by id
    failures: pd.DataFrame
    minor: IntArray
    stage: IntArray  # pipeline position
    kind: npt.NDArray[np.int8]


def _failure_rows(
    frame: pd.DataFrame, mask: BoolArray, column: str, reason: FailureReason
) -> pd.DataFrame:
    failures = Failures(frame)
    failures.add(column, reason, mask)
    return failures.table()


def _as_frame(snapshot: object, pipeline: Pipeline, what: str) -> pd.DataFrame | CheckedFrame:
    if isinstance(snapshot, pd.DataFrame | CheckedFrame):
        return snapshot
    if isinstance(snapshot, Sequence) and not isinstance(snapshot, str):
        items = list(snapshot)
        strays = sorted({type(i).__name__ for i in items if not isinstance(i, Opportunity)})
        if strays:
            raise InvalidInputError(f"{what} holds {', '.join(strays)}; give Opportunity models")
        check_opportunities(items, pipeline)
        return to_frame(items, model=Opportunity)
    raise InvalidInputError(
        f"{what} must be an OPPORTUNITIES DataFrame or a sequence of Opportunity models, "
        f"got {type(snapshot).__name__}"
    )


def _read(snapshot: object, pipeline: Pipeline, what: str) -> _Snapshot:
    """Validate one snapshot: contract, stages and whole minor units; index by id."""
    valid, failures = partition_frame(_as_frame(snapshot, pipeline, what), OPPORTUNITIES)
    stage = name_positions(pipeline.names, valid["stage"])
    minor, off = floats_to_minor_units_by_currency(
        valid["amount"].to_numpy(dtype=np.float64), valid["currency"].to_numpy(dtype=object)
    )
    unknown = stage < 0
    if unknown.any() or off.any():
        failures = pd.concat(
            [
                failures,
                _failure_rows(valid, unknown, "stage", FailureReason.NOT_ALLOWED),
                _failure_rows(valid, off & ~unknown, "amount", FailureReason.NOT_MINOR_UNIT),
            ],
            ignore_index=True,
        )
        keep = ~(unknown | off)
        valid, stage, minor = valid[keep], stage[keep], minor[keep]
    kinds = np.array(
        [
            _OPEN if s.kind is StageKind.OPEN else _WON if s.kind is StageKind.WON else _LOST
            for s in pipeline.stages
        ],
        dtype=np.int8,
    )
    valid = valid.set_axis(pd.Index(valid["id"].to_numpy(dtype=object), name="id"))
    return _Snapshot(valid, failures, minor.astype(np.int64), stage, kinds[stage])


def _in_period(frame: pd.DataFrame, kind: npt.NDArray[np.int8], period: Period) -> BoolArray:
    days = frame["expected_close_date"].to_numpy(dtype="datetime64[D]")
    with np.errstate(invalid="ignore"):
        inside = (days >= np.datetime64(period.start, "D")) & (
            days < np.datetime64(period.end, "D")
        )
    return np.asarray((kind == _OPEN) & inside & ~np.isnat(days), dtype=bool)


def _drop_ids(snap: _Snapshot, ids: pd.Index[Any]) -> tuple[_Snapshot, pd.DataFrame]:
    """Leave out of ``snap`` the deals whose row failed in the other snapshot."""
    hit = np.asarray(snap.frame.index.isin(ids), dtype=bool)
    if not hit.any():
        return snap, empty_failures()
    report = _failure_rows(snap.frame, hit, "id", FailureReason.OTHER_SNAPSHOT)
    keep = ~hit
    return (
        _Snapshot(
            snap.frame[keep], snap.failures, snap.minor[keep], snap.stage[keep], snap.kind[keep]
        ),
        report,
    )


def _failed_ids(raw: object, failures: pd.DataFrame) -> pd.Index[Any]:
    """Ids of the rows of a snapshot that failed (where the id can be read)."""
    if not isinstance(raw, pd.DataFrame) or failures.empty or "id" not in raw.columns:
        return pd.Index([], dtype=object)
    failed = np.asarray(raw.index.isin(failures["row"].to_numpy(dtype=object)), dtype=bool)
    ids: pd.Index[Any] = pd.Index(raw["id"].to_numpy(dtype=object)[failed], dtype=object)
    return ids.dropna()


def _decimals(minor: IntArray, places: int) -> npt.NDArray[np.object_]:
    return minor_units_to_decimals(minor, places)


def _present(values: npt.NDArray[np.object_], present: BoolArray) -> npt.NDArray[np.object_]:
    """``values`` with None where the deal is absent from the snapshot."""
    out = values.copy()
    out[~present] = None
    return out


def pipeline_changes(
    before: Sequence[Opportunity] | pd.DataFrame | CheckedFrame,
    after: Sequence[Opportunity] | pd.DataFrame | CheckedFrame,
    pipeline: Pipeline,
    *,
    period: Period,
    currency: str | None = None,
) -> PipelineChanges:
    """The waterfall of a period's pipeline between two snapshots of the deals.

    Every deal in the period's pipeline at either snapshot goes into one
    bucket of :data:`BUCKETS` by the ordered rules of the module docstring;
    the buckets' ``change`` add up exactly (integer minor units) from the
    opening to the closing pipeline.

    Parameters
    ----------
    before, after : pandas.DataFrame, CheckedFrame or sequence of Opportunity
        The same deals at two dates, as :data:`~salescore.frames.OPPORTUNITIES`
        frames (never mutated; bad rows go to ``failures``) or models
        (checked, raising). Deals are matched on ``id``.
    pipeline : Pipeline
        Which stages are open, won or lost, and their order.
    period : Period
        The period whose pipeline (open deals expected to close in it) is
        compared.
    currency : str, optional
        The currency of the amounts; by default the one currency of the deals
        that take part (required when no deal does).

    Returns
    -------
    PipelineChanges

    Raises
    ------
    CurrencyMismatchError
        The deals that take part are in more than one currency, or not in
        ``currency``.
    InvalidInputError
        ``period`` is not a Period, the pipeline is not a Pipeline, or a
        snapshot is neither a frame nor models.
    FrameValidationError
        A required column is missing.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.models import Stage
    >>> p = Pipeline(stages=[Stage(name="Qualify", order=0, probability=0.2),
    ...                      Stage(name="Propose", order=1, probability=0.5),
    ...                      Stage(name="Won", order=2, probability=1.0, kind="won"),
    ...                      Stage(name="Lost", order=3, probability=0.0, kind="lost")])
    >>> def deal(i, stage, amount, close=date(2026, 3, 20), closed=None):
    ...     return Opportunity(id=f"D{i}", owner_id="R1", amount=amount, currency="CNY",
    ...                        stage=stage, created_on=date(2026, 1, 5),
    ...                        expected_close_date=close, close_date=closed)
    >>> before = [deal(1, "Qualify", 100), deal(2, "Propose", 200), deal(3, "Qualify", 300),
    ...           deal(4, "Qualify", 400), deal(5, "Propose", 500, close=date(2026, 5, 1))]
    >>> after = [deal(1, "Propose", 100), deal(2, "Won", 200, closed=date(2026, 3, 2)),
    ...          deal(3, "Qualify", 350), deal(4, "Qualify", 400, close=date(2026, 4, 2)),
    ...          deal(5, "Propose", 500), deal(6, "Qualify", 60)]
    >>> w = pipeline_changes(before, after, p, period=Period.quarter(2026, 1))
    >>> str(w.opening), str(w.closing), w.reconciles()
    ('1000.00 CNY', '1010.00 CNY', True)
    >>> w.buckets.loc[w.buckets["deals"] > 0, ["deals", "amount", "change"]]
                   deals  amount   change
    bucket
    won                1  200.00  -200.00
    slipped            1  400.00  -400.00
    new                1   60.00    60.00
    pulled_in          1  500.00   500.00
    amount_up          1   50.00    50.00
    stage_forward      1  100.00     0.00
    """
    if not isinstance(pipeline, Pipeline):
        raise InvalidInputError(f"pipeline {pipeline!r} is not a Pipeline")
    if not isinstance(period, Period):
        raise InvalidInputError(f"period {period!r} is not a Period")
    b = _read(before, pipeline, "before")
    a = _read(after, pipeline, "after")
    b, from_a = _drop_ids(b, _failed_ids(after, a.failures))
    a, from_b = _drop_ids(a, _failed_ids(before, b.failures))
    failures = pd.concat(
        [
            b.failures.assign(snapshot="before"),
            from_a.assign(snapshot="before"),
            a.failures.assign(snapshot="after"),
            from_b.assign(snapshot="after"),
        ],
        ignore_index=True,
    )[["snapshot", "row", "column", "value", "reason"]]
    in_b_period = _in_period(b.frame, b.kind, period)
    in_a_period = _in_period(a.frame, a.kind, period)
    # Only deals in either pipeline matter; the currency is theirs.
    ids_b, ids_a = b.frame.index, a.frame.index
    # Ids are unique within a snapshot (the contract): each side is a set of keys.
    pos_in_a, pos_in_b = align(b.frame["id"], a.frame["id"])  # -1: absent from the other snapshot
    a_in_period = np.append(in_a_period, False)  # position -1 (absent) reads False
    counted_b = in_b_period | a_in_period[pos_in_a]
    new_only = (pos_in_b < 0) & in_a_period  # in after's pipeline, absent from before
    currency = _one_currency(b, a, counted_b, pos_in_a, new_only, currency)
    places = CURRENCIES[currency]

    # Union of the counted deals: before rows (in order), then deals only in after.
    rb = np.flatnonzero(counted_b)
    ra = pos_in_a[rb]
    has_a = ra >= 0
    rn = np.flatnonzero(new_only)
    n = len(rb) + len(rn)
    in_b = np.concatenate([np.ones(len(rb), dtype=bool), np.zeros(len(rn), dtype=bool)])
    in_a = np.concatenate([has_a, np.ones(len(rn), dtype=bool)])
    row_a = np.concatenate([np.where(has_a, ra, 0), rn])
    row_b = np.concatenate([rb, np.zeros(len(rn), dtype=np.int64)])

    def take(values: npt.NDArray[Any], rows: IntArray, present: BoolArray, fill: Any) -> Any:
        if len(values) == 0:
            return np.full(n, fill, dtype=np.asarray(values).dtype)
        return np.where(present, values[rows], fill)

    minor_b = take(b.minor, row_b, in_b, 0)
    minor_a = take(a.minor, row_a, in_a, 0)
    stage_b = take(b.stage, row_b, in_b, -1)
    stage_a = take(a.stage, row_a, in_a, -1)
    kind_a = take(a.kind.astype(np.int64), row_a, in_a, _ABSENT)
    per_b = take(in_b_period, row_b, in_b, False)
    per_a = take(in_a_period, row_a, in_a, False)

    left = per_b & ~per_a
    arrived = ~per_b & per_a
    stayed = per_b & per_a
    rules = [
        left & (kind_a == _WON),
        left & (kind_a == _LOST),
        left & ~in_a,
        left,
        arrived & ~in_b,
        arrived,
        stayed & (minor_a > minor_b),
        stayed & (minor_a < minor_b),
        stayed & (stage_a > stage_b),
        stayed & (stage_a < stage_b),
        stayed,
    ]
    bucket = np.select(rules, np.arange(len(BUCKETS)), default=-1).astype(np.int64)
    assert not (bucket < 0).any()  # every counted deal is in a pipeline
    change = np.where(per_a, minor_a, 0) - np.where(per_b, minor_b, 0)
    involved = np.where(
        left, minor_b, np.where((bucket == 6) | (bucket == 7), np.abs(change), minor_a)
    )
    k = len(BUCKETS)
    deals_per = np.bincount(bucket, minlength=k).astype(np.int64)
    amount_per = _sum(involved, bucket, k)
    change_per = _sum(change, bucket, k)
    buckets = pd.DataFrame(
        {
            "deals": deals_per,
            "amount": _decimals(amount_per, places),
            "change": _decimals(change_per, places),
            "amount_minor": amount_per,
            "change_minor": change_per,
        },
        index=pd.Index(list(BUCKETS), name="bucket", dtype=object),
    )
    ids = np.concatenate(
        [ids_b.to_numpy(dtype=object)[rb], ids_a.to_numpy(dtype=object)[rn]]
    ).astype(object)
    owner_a = take(a.frame["owner_id"].to_numpy(dtype=object), row_a, in_a, None)
    owner_b = take(b.frame["owner_id"].to_numpy(dtype=object), row_b, in_b, None)
    names = np.array([*pipeline.names, None], dtype=object)
    deals = pd.DataFrame(
        {
            "bucket": np.array(BUCKETS, dtype=object)[bucket],
            "owner_id": np.where(in_a, owner_a, owner_b),
            "stage_before": names[stage_b],
            "stage_after": names[stage_a],
            "stage_step": np.where(in_a & in_b, stage_a - stage_b, 0).astype(np.int64),
            "amount_before": _present(_decimals(minor_b, places), in_b),
            "amount_after": _present(_decimals(minor_a, places), in_a),
            "change": _decimals(change, places),
            "amount_before_minor": minor_b.astype(np.int64),
            "amount_after_minor": minor_a.astype(np.int64),
            "change_minor": change.astype(np.int64),
        },
        index=pd.Index(ids, name="id", dtype=object),
    )
    opening = int(b.minor[in_b_period].sum())
    closing = int(a.minor[in_a_period].sum())
    return PipelineChanges(
        period=period,
        currency=currency,
        opening=Money.from_minor(opening, currency),
        closing=Money.from_minor(closing, currency),
        opening_deals=int(in_b_period.sum()),
        closing_deals=int(in_a_period.sum()),
        buckets=buckets,
        deals=deals,
        failures=failures,
    )


def _sum(values: IntArray, group: IntArray, k: int) -> IntArray:
    """Exact int64 sums per group (amounts below 2**53 minor units, so no overflow)."""
    out = np.zeros(k, dtype=np.int64)
    np.add.at(out, group, values.astype(np.int64))
    return out


def _one_currency(
    b: _Snapshot,
    a: _Snapshot,
    counted_b: BoolArray,
    pos_in_a: IntArray,
    new_only: BoolArray,
    given: str | None,
) -> str:
    """The one currency of every deal row that takes part (both sides of counted deals)."""
    parts = [
        b.frame["currency"].to_numpy(dtype=object)[counted_b],
        a.frame["currency"].to_numpy(dtype=object)[pos_in_a[counted_b & (pos_in_a >= 0)]],
        a.frame["currency"].to_numpy(dtype=object)[new_only],
    ]
    codes = sorted({str(c) for p in parts for c in pd.unique(p)})
    if given is not None:
        check_currency(given)
        codes = sorted({*codes, given})
    if len(codes) > 1:
        raise CurrencyMismatchError(
            f"the snapshots' pipeline deals are in {', '.join(codes)}; pipeline_changes "
            "compares amounts of one currency, so convert first or filter by currency"
        )
    if not codes:
        raise InvalidInputError(
            "no deal is in the period's pipeline at either snapshot, so the currency is "
            "unknown; give currency="
        )
    return codes[0]


# --------------------------------------------------------------------------- history
_HISTORY_MONEY: Final = (
    "won",
    "weighted",
    "forecast",
    "pipeline",
    *CATEGORY_COLUMNS,
    *MEASURES,
)


@dataclass(frozen=True, eq=False)
class ForecastHistory(Result):
    """How a period's weighted and category calls moved, snapshot by snapshot.

    Attributes
    ----------
    period : Period
        The period forecast.
    currency : str
        ISO 4217 code of every amount.
    table : pandas.DataFrame
        Indexed by ``as_of`` (snapshot date, ascending): ``won``,
        ``weighted``, ``forecast``, ``pipeline`` (from
        :func:`~salescore.forecast.weighted`), the category amounts
        ``closed``, ``commit``, ``best_case``, ``pipeline_category``,
        ``omitted`` and the roll-ups ``commit_forecast``,
        ``best_case_forecast``, ``open_pipeline`` (from
        :func:`~salescore.forecast.forecast_categories`), as Decimal
        [currency]; ``forecast_change`` and ``commit_forecast_change``
        (against the previous snapshot, 0 for the first) [currency]; and the
        ``*_minor`` twin of every amount [minor units].
    failures : pandas.DataFrame
        Rows not used, with the ``as_of`` of their snapshot.
    """

    period: Period
    currency: str
    table: pd.DataFrame
    failures: pd.DataFrame


def forecast_history(
    snapshots: Mapping[date, Sequence[Opportunity] | pd.DataFrame],
    pipeline: Pipeline,
    *,
    period: Period,
    org: Organization | None = None,
    probabilities: Mapping[str, float] | None = None,
    categories: Mapping[str, ForecastCategory | str] | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> ForecastHistory:
    """The weighted forecast and category roll-ups of one period at every snapshot.

    Each snapshot is forecast with :func:`~salescore.forecast.weighted` and
    :func:`~salescore.forecast.forecast_categories` for ``period``; the
    table has one row per snapshot, so its numbers are those calculators'.

    Parameters
    ----------
    snapshots : mapping of date to frame or models
        The deals as they stood on each date (the key).
    pipeline : Pipeline
        Stages, probabilities and categories.
    period : Period
        The period forecast.
    org : Organization, optional
        Passed to ``forecast_categories`` (the totals are the same either way).
    probabilities, categories : mapping, optional
        Stage overrides, passed on.
    rounding : str
        Rounding mode of every total.

    Returns
    -------
    ForecastHistory

    Raises
    ------
    InvalidInputError
        No snapshots, or a key that is not a date.
    CurrencyMismatchError
        Snapshots forecast in different currencies.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore import datasets
    >>> p = datasets.pipeline()
    >>> deals = datasets.opportunities(p, n=40)
    >>> h = forecast_history({date(2026, 3, 2): deals[:20], date(2026, 3, 9): deals},
    ...                      p, period=Period.quarter(2026, 2))
    >>> h.table[["forecast", "commit_forecast", "forecast_change"]]
                  forecast commit_forecast forecast_change
    as_of
    2026-03-02   595800.00       568000.00            0.00
    2026-03-09  1305800.00      1288000.00       710000.00
    """
    if not isinstance(snapshots, Mapping) or not snapshots:
        raise InvalidInputError("snapshots must be a non-empty mapping of date to deals")
    stray = [k for k in snapshots if not isinstance(k, date)]
    if stray:
        raise InvalidInputError(f"snapshot key {stray[0]!r} is not a date")
    rows: list[dict[str, int]] = []
    failures: list[pd.DataFrame] = []
    currency: str | None = None
    dates = sorted(snapshots)
    for on in dates:
        deals = snapshots[on]
        w = weighted(deals, pipeline, period=period, probabilities=probabilities, rounding=rounding)
        c = forecast_categories(
            deals, pipeline, period=period, org=org, categories=categories, rounding=rounding
        )
        if currency is None:
            currency = w.currency
        for got in (w.currency, c.currency):
            if got != currency:
                raise CurrencyMismatchError(
                    f"the snapshot of {on} forecasts in {got} but an earlier one in "
                    f"{currency}; give every snapshot in one currency"
                )
        row = {
            "won": w.won.to_minor(),
            "weighted": w.weighted.to_minor(),
            "forecast": w.forecast.to_minor(),
            "pipeline": w.pipeline.to_minor(),
        }
        for name in (*CATEGORY_COLUMNS, *MEASURES):
            key = "pipeline_category" if name == "pipeline" else name
            row[key] = int(c.totals[name].scaleb(CURRENCIES[c.currency]))
        rows.append(row)
        failures.append(w.failures.assign(as_of=on))
    assert currency is not None
    places = CURRENCIES[currency]
    minor = pd.DataFrame(rows, index=pd.Index(dates, name="as_of", dtype=object))
    for name in ("forecast", "commit_forecast"):
        minor[f"{name}_change"] = minor[name].diff().fillna(0).astype(np.int64)
    table = pd.DataFrame(index=minor.index)
    for column in minor.columns:
        table[column] = _decimals(minor[column].to_numpy(dtype=np.int64), places)
    for column in minor.columns:
        table[f"{column}_minor"] = minor[column].to_numpy(dtype=np.int64)
    return ForecastHistory(
        period=period,
        currency=currency,
        table=table,
        failures=pd.concat(failures, ignore_index=True)[
            ["as_of", "row", "column", "value", "reason"]
        ],
    )
