r"""Weighted pipeline forecast: amount times win probability, plus what is already won.

For a period :math:`[s, e)` the forecast is

.. math:: F = \underbrace{\sum_{j \in \text{won}} a_j}_{\text{won}}
          + \underbrace{\sum_{j \in \text{open}} p_j \, a_j}_{\text{weighted}},

where *won* are the deals in a won stage whose ``close_date`` lies in the
period, *open* the deals in an open stage whose ``expected_close_date`` lies
in it, :math:`a_j` the amount and :math:`p_j` the win probability: the deal's
own ``probability`` override, else the stage's entry in the ``probabilities``
table, else the stage default. Won deals count in full whatever their
``probability``, lost deals count nothing. Without a period
every open deal counts and nothing is already won (as in
:func:`~salescore.forecast.montecarlo.simulate`, whose analytic mean this is).

The arithmetic is exact. Amounts are read as integer minor units of their
currency (a frame amount that is not a whole number of minor units is a
failure, not rounded away); probabilities are read to 9 decimal places
(half-even, from their shortest repr), so each :math:`p_j a_j` is an integer
count of :math:`10^{-9}` minor units and every sum is an exact integer, found
with int64 limbs without per-row Python. Mixed currencies are converted with
an :class:`~salescore.money.FxRates` table at one date (``fx_on``, by default
the period start) in full Decimal precision. Rounding happens once per
reported total, with an explicit mode; breakdowns by stage, owner and channel
are split from the rounded totals by largest remainder, so each breakdown
column sums exactly to its total.

The model path (a list of :class:`~salescore.models.Opportunity`) and the
bulk path (an :data:`~salescore.frames.OPPORTUNITIES` frame) run on one
kernel and agree to the minor unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._numeric import (
    DECIMAL_CONTEXT,
    check_fraction,
    check_rounding,
    exact_decimals,
    floats_to_minor_units,
    minor_units_to_decimals,
)
from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.forecast._deals import Deals, check_pipeline, group_codes, in_period, load_deals
from salescore.forecast._sums import (
    Converter,
    converter,
    converter_for,
    group_sum,
    plain,
    product_sum,
    round_minor,
)
from salescore.frames import CheckedFrame
from salescore.models import Opportunity, Pipeline, StageKind
from salescore.money import CURRENCIES, FxRates, Money
from salescore.serialization import Result

__all__ = [
    "CELL_KEYS",
    "PROBABILITY_PLACES",
    "WeightedForecast",
    "WeightedPartial",
    "weighted",
    "weighted_from_partial",
    "weighted_partial",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Decimal places win probabilities are read to (half-even) [fraction].
PROBABILITY_PLACES: Final = 9
_MONEY_COLUMNS: Final = ("pipeline", "weighted", "won", "forecast")
_BREAKDOWN_COLUMNS: Final = (
    "open_deals",
    "won_deals",
    *_MONEY_COLUMNS,
    *(f"{name}_minor" for name in _MONEY_COLUMNS),
)


def _floors(
    conv: Converter, sums: Sequence[int], k: int, extra: int
) -> tuple[list[int], list[Any]]:
    """Per group: the floor of its exact value in reporting minor units and the remainder.

    ``sums`` holds one integer per (source currency, group) cell, currency
    major, in units of ``10**-(minor + extra)`` of the source currency.
    Without conversion the remainders are exact integers; with it, Decimals.
    """
    cells = [sums[c * k : (c + 1) * k] for c in range(len(conv.factors))]
    live = [c for c, row in enumerate(cells) if any(row)]
    mu = CURRENCIES[conv.currency]
    if not live:
        return [0] * k, [0] * k
    if len(live) == 1 and conv.factors[live[0]] == 1 and conv.places[live[0]] == mu:
        scale = 10**extra
        pairs = [divmod(units, scale) for units in cells[live[0]]]
        return [q for q, _ in pairs], [r for _, r in pairs]
    floors: list[int] = []
    rems: list[Any] = []
    for g in range(k):
        value = conv.value([row[g] for row in cells], extra).scaleb(mu, context=DECIMAL_CONTEXT)
        floor = int(value.to_integral_value(rounding=ROUND_FLOOR, context=DECIMAL_CONTEXT))
        floors.append(floor)
        rems.append(DECIMAL_CONTEXT.subtract(value, Decimal(floor)))
    return floors, rems


def _allocate(total: int, floors: Sequence[int], rems: Sequence[Any]) -> IntArray:
    """Split the rounded ``total`` [minor units] over groups by largest remainder.

    Each group has the floor of its exact value (``floors``) and the
    fractional remainder (``rems``); the units left over go to the largest
    remainders, earlier groups first on ties, so the parts sum to ``total``
    and each is within one unit of its exact value.

    Examples
    --------
    >>> _allocate(100, [33, 33, 33], [333, 333, 334]).tolist()
    [33, 33, 34]
    """
    parts = np.asarray(floors, dtype=np.int64)
    leftover = total - int(parts.sum())
    if leftover == 0 or not len(parts):
        return parts
    if all(isinstance(r, int) for r in rems):
        order = np.argsort(-np.asarray(rems, dtype=np.int64), kind="stable")
    else:
        order = np.asarray(sorted(range(len(rems)), key=lambda i: -rems[i]), dtype=np.int64)
    if leftover < 0:  # pragma: no cover - exact sums never fall short; a guard only
        order, step = order[::-1], -1
    else:
        step = 1
    for n in range(abs(leftover)):
        parts[order[n % len(order)]] += step
    return parts


def _stage_probabilities(
    pipeline: Pipeline, probabilities: Mapping[str, float] | None
) -> npt.NDArray[np.float64]:
    """Win probability of each pipeline stage: the table's entry, else the stage default.

    Examples
    --------
    >>> from salescore import datasets
    >>> _stage_probabilities(datasets.pipeline(), {"Proposal": 0.5}).tolist()
    [0.1, 0.5, 0.7, 1.0, 0.0]
    """
    table = np.array([s.probability for s in pipeline.stages], dtype=np.float64)
    if probabilities is None:
        return table
    if not isinstance(probabilities, Mapping):
        raise InvalidInputError(
            f"probabilities {probabilities!r} must be a mapping of stage name to probability"
        )
    for name, value in probabilities.items():
        stage = pipeline.check_stage(name, what="probabilities stage")
        table[pipeline.stages.index(stage)] = check_fraction(
            value, what=f"stage {name!r} probability"
        )
    return table


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class WeightedForecast(Result):
    """A weighted pipeline forecast of one period, in one reporting currency.

    Attributes
    ----------
    currency : str
        The reporting currency (ISO 4217).
    forecast : Money
        ``won + weighted`` [currency].
    won : Money
        Already won in the period, rounded once [currency].
    weighted : Money
        Sum of probability times amount over the open deals that count,
        rounded once [currency].
    pipeline : Money
        Unweighted amount of the open deals that count, rounded once
        [currency]; ``won <= forecast <= won + pipeline``.
    exact : Decimal
        ``won + weighted`` before rounding [currency].
    by_stage, by_owner, by_channel : pandas.DataFrame
        One row per stage (open and won stages in pipeline order), owner or
        channel (sorted; deals without a channel under ``None``), with
        ``open_deals`` and ``won_deals`` [count], ``pipeline``,
        ``weighted``, ``won`` and ``forecast`` as ``Decimal`` [currency], and
        beside them the same amounts exactly in integer minor units of
        ``currency`` (``pipeline_minor``, ``weighted_minor``, ``won_minor``,
        ``forecast_minor``). Each money column sums exactly to its total
        (split by largest remainder); ``forecast = won + weighted`` in every
        row.
    undated : pandas.Index
        Deals that would count but have no date to place in the period (open
        without ``expected_close_date``, won without ``close_date``): ids, or
        frame index labels. They are not in the forecast.
    failures : pandas.DataFrame
        Frame rows not used: ``row``, ``column``, ``value``, ``reason``
        (contract reasons, ``not_allowed`` for a stage not in the pipeline,
        ``not_minor_unit`` for an amount that is not whole minor units).
    rounding : str
        The rounding mode used.
    fx_on : date or None
        The date of the exchange rates, when any conversion happened.
    """

    currency: str
    forecast: Money
    won: Money
    weighted: Money
    pipeline: Money
    exact: Decimal
    by_stage: pd.DataFrame
    by_owner: pd.DataFrame
    by_channel: pd.DataFrame
    undated: pd.Index[Any]
    failures: pd.DataFrame
    rounding: str
    fx_on: date | None


@dataclass(frozen=True)
class _Counted:
    """The deals that count, split into open (weighted) and won, as parallel arrays."""

    open_in: BoolArray
    won_in: BoolArray
    open_minor: IntArray
    open_currency: IntArray
    scaled_p: IntArray
    won_minor: IntArray
    won_currency: IntArray


def _cell_sums(group: IntArray, k: int, counted: _Counted, ncur: int) -> dict[str, list[int]]:
    """Exact sums of each measure per (currency, group) cell, currency major."""
    size = ncur * k
    open_cell = counted.open_currency * k + group[counted.open_in]
    won_cell = counted.won_currency * k + group[counted.won_in]
    return {
        "pipeline": group_sum(counted.open_minor, open_cell, size),
        "weighted": product_sum(counted.open_minor, counted.scaled_p, open_cell, size),
        "won": group_sum(counted.won_minor, won_cell, size),
    }


_EXTRA: Final = {"pipeline": 0, "weighted": PROBABILITY_PLACES, "won": 0}


def _breakdown(
    index: pd.Index[Any],
    group: IntArray,
    counted: _Counted,
    conv: Converter,
    totals: Mapping[str, int],
    sums: Mapping[str, list[int]] | None = None,
) -> pd.DataFrame:
    """One breakdown table: exact per-group values, split from the rounded totals."""
    k = len(index)
    if sums is None:
        sums = _cell_sums(group, k, counted, len(conv.factors))
    columns: dict[str, Any] = {
        "open_deals": np.bincount(group[counted.open_in], minlength=k).astype(np.int64),
        "won_deals": np.bincount(group[counted.won_in], minlength=k).astype(np.int64),
    }
    for name, extra in _EXTRA.items():
        columns[f"{name}_minor"] = _allocate(totals[name], *_floors(conv, sums[name], k, extra))
    columns["forecast_minor"] = columns["won_minor"] + columns["weighted_minor"]
    places = CURRENCIES[conv.currency]
    for name in _MONEY_COLUMNS:
        columns[name] = minor_units_to_decimals(columns[f"{name}_minor"], places)
    return pd.DataFrame(columns, index=index, columns=list(_BREAKDOWN_COLUMNS))


def _count(
    deals: Deals, pipeline: Pipeline, table: npt.NDArray[np.float64], period: Period | None
) -> tuple[BoolArray, BoolArray, pd.Index[Any], IntArray]:
    """Which deals count (open in the period, won in it), the undated, and open deals' p."""
    frame = deals.frame
    kinds = np.array(
        [0 if s.kind is StageKind.OPEN else 1 if s.kind is StageKind.WON else 2 for s in pipeline]
        + [2],
        dtype=np.int8,
    )[deals.stage]
    is_open, is_won = kinds == 0, kinds == 1
    if period is None:
        open_in, won_in = is_open, np.zeros(len(frame), dtype=bool)
        undated = frame.index[:0]
    else:
        exp_dated, exp_in = in_period(frame["expected_close_date"], period)
        won_dated, won_in_period = in_period(frame["close_date"], period)
        open_in = is_open & exp_in
        won_in = is_won & won_in_period
        undated = frame.index[(is_open & ~exp_dated) | (is_won & ~won_dated)]
    override = frame["probability"].to_numpy(dtype=np.float64, na_value=np.nan)[open_in]
    by_stage_p = floats_to_minor_units(table, PROBABILITY_PLACES, what="probability")
    scaled_p = by_stage_p[deals.stage[open_in]]
    own = ~np.isnan(override)
    scaled_p[own] = floats_to_minor_units(override[own], PROBABILITY_PLACES, what="probability")
    return open_in, won_in, undated, scaled_p


@exact_decimals
def weighted(
    opportunities: Sequence[Opportunity] | pd.DataFrame | CheckedFrame,
    pipeline: Pipeline,
    *,
    period: Period | None = None,
    probabilities: Mapping[str, float] | None = None,
    currency: str | None = None,
    fx: FxRates | None = None,
    fx_on: date | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> WeightedForecast:
    """Weighted forecast: what is won in the period plus probability times amount of the rest.

    Parameters
    ----------
    opportunities : sequence of Opportunity or pandas.DataFrame
        Deals as models (checked with
        :func:`~salescore.models.check_opportunities`, which raises) or an
        :data:`~salescore.frames.OPPORTUNITIES` frame (never mutated; rows
        that break the contract, name a stage not in the pipeline, or have
        an amount that is not whole minor units go to ``failures``).
    pipeline : Pipeline
        Stages: which are open, won or lost, and their default probabilities.
    period : Period, optional
        Count open deals whose ``expected_close_date`` and won deals whose
        ``close_date`` lie in it; deals without the date are listed in
        ``undated``. Without a period every open deal counts and nothing is
        already won.
    probabilities : mapping of str to float, optional
        Win probability by stage name [fraction], overriding the stage
        defaults; a deal's own ``probability`` comes first. Read to
        :data:`PROBABILITY_PLACES` decimal places.
    currency : str, optional
        Reporting currency; by default ``fx.base`` when ``fx`` is given, else
        the one currency of the deals that count.
    fx : FxRates, optional
        Exchange rates; needed when the deals that count are in a currency
        other than the reporting one.
    fx_on : date, optional
        Date of the rates used; by default the period start.
    rounding : str
        Rounding mode of every reported total, default ``ROUND_HALF_EVEN``.

    Returns
    -------
    WeightedForecast

    Raises
    ------
    CurrencyMismatchError
        Deals that count are in several currencies (or not in ``currency``)
        and no ``fx`` is given.
    MissingRateError
        ``fx`` has no rate for a currency on ``fx_on``.
    UnknownStageError
        A model's stage, or a ``probabilities`` key, is not in the pipeline.
    InvalidInputError
        A probability outside [0, 1], a bad rounding mode, duplicate ids,
        or a missing rate date.
    FrameValidationError
        A required frame column is missing.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.models import Stage
    >>> pipeline = Pipeline(stages=[
    ...     Stage(name="Propose", order=0, probability=0.25),
    ...     Stage(name="Won", order=1, probability=1.0, kind="won"),
    ...     Stage(name="Lost", order=2, probability=0.0, kind="lost"),
    ... ])
    >>> def deal(i, stage, amount, *, closed=None, p=None):
    ...     return Opportunity(id=f"D{i}", owner_id="R1", amount=amount, currency="CNY",
    ...                        stage=stage, created_on=date(2026, 1, 5),
    ...                        expected_close_date=date(2026, 2, 10), close_date=closed,
    ...                        probability=p)
    >>> deals = [deal(1, "Propose", "1000.00"), deal(2, "Propose", "333.33", p=0.5),
    ...          deal(3, "Won", "500", closed=date(2026, 2, 3))]
    >>> f = weighted(deals, pipeline, period=Period.quarter(2026, 1))
    >>> str(f.won), str(f.weighted), str(f.forecast), f.exact
    ('500.00 CNY', '416.66 CNY', '916.66 CNY', Decimal('916.665'))
    >>> f.by_stage[["open_deals", "weighted", "forecast", "forecast_minor"]]
             open_deals weighted forecast  forecast_minor
    stage
    Propose           2   416.66   416.66           41666
    Won               0     0.00   500.00           50000
    """
    check_rounding(rounding)
    if period is not None and not isinstance(period, Period):
        raise InvalidInputError(f"period {period!r} is not a Period")
    table = _stage_probabilities(check_pipeline(pipeline), probabilities)
    deals = load_deals(opportunities, pipeline)
    frame = deals.frame
    open_in, won_in, undated, scaled_p = _count(deals, pipeline, table, period)
    conv = converter(deals, open_in | won_in, currency=currency, fx=fx, fx_on=fx_on, period=period)
    ncur = len(deals.currencies)
    open_minor, won_minor = deals.minor[open_in], deals.minor[won_in]
    open_cur, won_cur = deals.currency[open_in], deals.currency[won_in]
    counted = _Counted(open_in, won_in, open_minor, open_cur, scaled_p, won_minor, won_cur)
    shown = [i for i, s in enumerate(pipeline.stages) if s.kind is not StageKind.LOST]
    stage_group = np.full(len(pipeline) + 1, len(shown), dtype=np.int64)
    stage_group[np.asarray(shown, dtype=np.int64)] = np.arange(len(shown))
    by_stage_group = stage_group[deals.stage]
    k = len(shown)
    # Stage cells partition every counted deal: their sums per currency give the totals.
    stage_sums = _cell_sums(by_stage_group, k, counted, ncur)
    exact = {
        name: conv.value([sum(cells[c * k : (c + 1) * k]) for c in range(ncur)], _EXTRA[name])
        for name, cells in stage_sums.items()
    }
    totals = {name: round_minor(value, conv.currency, rounding) for name, value in exact.items()}
    by_stage = _breakdown(
        pd.Index([pipeline.stages[i].name for i in shown], name="stage", dtype=object),
        by_stage_group,
        counted,
        conv,
        totals,
        stage_sums,
    )
    owner, owners = group_codes(frame["owner_id"])
    by_owner = _breakdown(
        pd.Index(owners, name="owner_id", dtype=object), owner, counted, conv, totals
    )
    channel, channels = group_codes(frame["channel_id"])
    by_channel = _breakdown(
        pd.Index(channels, name="channel_id", dtype=object), channel, counted, conv, totals
    )
    return WeightedForecast(
        currency=conv.currency,
        forecast=Money.from_minor(totals["won"] + totals["weighted"], conv.currency),
        won=Money.from_minor(totals["won"], conv.currency),
        weighted=Money.from_minor(totals["weighted"], conv.currency),
        pipeline=Money.from_minor(totals["pipeline"], conv.currency),
        exact=plain(DECIMAL_CONTEXT.add(exact["won"], exact["weighted"])),
        by_stage=by_stage,
        by_owner=by_owner,
        by_channel=by_channel,
        undated=undated,
        failures=deals.failures,
        rounding=rounding,
        fx_on=conv.on,
    )


# --------------------------------------------------------------------------- partials
#: Key columns of :attr:`WeightedPartial.cells`.
CELL_KEYS: Final = ("stage", "owner_id", "channel_id", "currency")
#: Column of each exact sum of :attr:`WeightedPartial.cells`, by measure.
_CELL_SUMS: Final = {
    "pipeline": "pipeline_minor",
    "weighted": "weighted_nano_minor",
    "won": "won_minor",
}


@dataclass(frozen=True, eq=False)
class WeightedPartial(Result):
    """Exact, unrounded sums of a weighted forecast over one part of the deals.

    Partials of disjoint sets of deals add up (``a + b``, or ``sum(parts)``)
    to the partial of their union, and :func:`weighted_from_partial` turns a
    partial into the :class:`WeightedForecast` that :func:`weighted` gives on
    the same deals: the rounding happens once, at the end, so a partitioned
    forecast is exact to the cent.

    Attributes
    ----------
    stages : tuple of str
        The open and won stages, in pipeline order (the rows of ``by_stage``).
    period : Period or None
        The period the deals were counted in.
    cells : pandas.DataFrame
        One row per (``stage``, ``owner_id``, ``channel_id``, ``currency``)
        of the valid deals (counted or not, so every owner and channel
        appears): ``open_deals`` and ``won_deals`` [count],
        ``pipeline_minor`` and ``won_minor`` [minor units of ``currency``] and
        ``weighted_nano_minor`` [10**-9 minor units], exact Python integers.
        A partial carries only these exact sums, in the row's own currency;
        :func:`weighted_from_partial` gives the ``Decimal`` amounts.
    undated : pandas.Index
        As :attr:`WeightedForecast.undated`, in the order the parts were added.
    failures : pandas.DataFrame
        As :attr:`WeightedForecast.failures`, the parts' rows together.
    """

    stages: tuple[str, ...]
    period: Period | None
    cells: pd.DataFrame
    undated: pd.Index[Any]
    failures: pd.DataFrame

    def __add__(self, other: object) -> WeightedPartial:
        if not isinstance(other, WeightedPartial):
            return NotImplemented
        if other.stages != self.stages or other.period != self.period:
            raise InvalidInputError(
                "weighted partials of different pipelines or periods do not add up: "
                f"{list(self.stages)} in {self.period} and {list(other.stages)} in {other.period}"
            )
        joined = pd.concat([self.cells, other.cells], ignore_index=True)
        cells = (
            joined.groupby(list(CELL_KEYS), dropna=False, sort=False)[
                ["open_deals", "won_deals", *_CELL_SUMS.values()]
            ]
            .sum()
            .reset_index()
        )
        for name in _CELL_SUMS.values():  # keep them Python integers
            cells[name] = cells[name].map(int).astype(object)
        return WeightedPartial(
            stages=self.stages,
            period=self.period,
            cells=cells,
            undated=self.undated.append(other.undated),
            failures=pd.concat([self.failures, other.failures], ignore_index=True),
        )

    def __radd__(self, other: object) -> WeightedPartial:
        if other == 0:  # sum() starts from 0
            return self
        return NotImplemented


def weighted_partial(
    opportunities: Sequence[Opportunity] | pd.DataFrame | CheckedFrame,
    pipeline: Pipeline,
    *,
    period: Period | None = None,
    probabilities: Mapping[str, float] | None = None,
) -> WeightedPartial:
    """The exact sums of :func:`weighted` over one part of the deals (see :class:`WeightedPartial`).

    Parameters are those of :func:`weighted` that decide what counts; the
    reporting currency, rates and rounding are given to
    :func:`weighted_from_partial`.

    Examples
    --------
    >>> from salescore import datasets
    >>> pipeline, deals = datasets.pipeline(), datasets.opportunities(n=50)
    >>> q = Period.quarter(2026, 1)
    >>> parts = [weighted_partial(deals[:20], pipeline, period=q),
    ...          weighted_partial(deals[20:], pipeline, period=q)]
    >>> weighted_from_partial(sum(parts)).forecast == weighted(deals, pipeline, period=q).forecast
    True
    """
    if period is not None and not isinstance(period, Period):
        raise InvalidInputError(f"period {period!r} is not a Period")
    table = _stage_probabilities(check_pipeline(pipeline), probabilities)
    deals = load_deals(opportunities, pipeline)
    frame = deals.frame
    open_in, won_in, undated, scaled_p = _count(deals, pipeline, table, period)
    owner_codes, owners = pd.factorize(frame["owner_id"].to_numpy(dtype=object))
    channel_codes, channels = pd.factorize(
        frame["channel_id"].to_numpy(dtype=object), use_na_sentinel=True
    )
    # One integer per cell: stage, owner, channel (missing as its own code), currency.
    keys = np.stack([deals.stage, owner_codes, channel_codes + 1, deals.currency], axis=1).astype(
        np.int64
    )
    unique, cell = np.unique(keys, axis=0, return_inverse=True)
    cell = cell.reshape(-1).astype(np.int64)
    k = len(unique)
    names = np.asarray([*pipeline.names, None], dtype=object)
    channel_names = np.asarray([None, *channels.tolist()], dtype=object)
    cells = pd.DataFrame(
        {
            "stage": names[unique[:, 0]],
            "owner_id": np.asarray(owners, dtype=object)[unique[:, 1]],
            "channel_id": channel_names[unique[:, 2]],
            "currency": np.asarray(deals.currencies, dtype=object)[unique[:, 3]],
            "open_deals": np.bincount(cell[open_in], minlength=k).astype(np.int64),
            "won_deals": np.bincount(cell[won_in], minlength=k).astype(np.int64),
            "pipeline_minor": pd.Series(
                group_sum(deals.minor[open_in], cell[open_in], k), dtype=object
            ),
            "weighted_nano_minor": pd.Series(
                product_sum(deals.minor[open_in], scaled_p, cell[open_in], k), dtype=object
            ),
            "won_minor": pd.Series(group_sum(deals.minor[won_in], cell[won_in], k), dtype=object),
        }
    )
    shown = tuple(s.name for s in pipeline.stages if s.kind is not StageKind.LOST)
    return WeightedPartial(
        stages=shown, period=period, cells=cells, undated=undated, failures=deals.failures
    )


def _per_currency(
    cells: pd.DataFrame, group: IntArray, k: int, codes: IntArray, n: int
) -> dict[str, list[int]]:
    """Exact sums per (currency, group) cell, currency major, of each measure.

    The cells hold Python integers (weighted sums pass int64); one grouped
    object sum per measure adds them exactly.
    """
    key = codes * k + group
    out: dict[str, list[int]] = {}
    for name, column in _CELL_SUMS.items():
        sums = [0] * (n * k)
        grouped = pd.Series(cells[column].to_numpy(dtype=object), index=key).groupby(level=0).sum()
        for cell, value in zip(grouped.index.tolist(), grouped.tolist(), strict=True):
            sums[cell] = int(value)
        out[name] = sums
    return out


@exact_decimals
def weighted_from_partial(
    partial: WeightedPartial,
    *,
    currency: str | None = None,
    fx: FxRates | None = None,
    fx_on: date | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> WeightedForecast:
    """The :class:`WeightedForecast` of a (summed) :class:`WeightedPartial`.

    Equal to :func:`weighted` on the same deals, to the cent, except that
    ``undated`` and ``failures`` list the parts' rows in the order the parts
    were added.
    """
    if not isinstance(partial, WeightedPartial):
        raise InvalidInputError(f"partial {partial!r} is not a WeightedPartial")
    check_rounding(rounding)
    cells = partial.cells
    currencies = sorted(set(cells["currency"].tolist()))
    code = {c: i for i, c in enumerate(currencies)}
    codes = np.asarray([code[c] for c in cells["currency"]], dtype=np.int64)
    counted = (cells["open_deals"].to_numpy() + cells["won_deals"].to_numpy()) > 0
    used = sorted(set(cells.loc[counted, "currency"].tolist()))
    conv = converter_for(
        currencies, used, currency=currency, fx=fx, fx_on=fx_on, period=partial.period
    )
    n = len(currencies)
    stage_of = {name: i for i, name in enumerate(partial.stages)}
    k = len(partial.stages)
    # Lost stages are not shown: their cells count nothing and go to a dropped group.
    stage_group = np.asarray([stage_of.get(s, k) for s in cells["stage"]], dtype=np.int64)
    shown = stage_group < k
    stage_sums = _per_currency(cells[shown], stage_group[shown], k, codes[shown], n)
    exact = {
        name: conv.value([sum(sums[c * k : (c + 1) * k]) for c in range(n)], _EXTRA[name])
        for name, sums in stage_sums.items()
    }
    totals = {name: round_minor(value, conv.currency, rounding) for name, value in exact.items()}

    def breakdown(index: pd.Index[Any], group: IntArray, keep: BoolArray) -> pd.DataFrame:
        size = len(index)
        sums = _per_currency(cells[keep], group[keep], size, codes[keep], n)
        opened = np.zeros(size, dtype=np.int64)
        won = np.zeros(size, dtype=np.int64)
        np.add.at(opened, group[keep], cells["open_deals"].to_numpy(dtype=np.int64)[keep])
        np.add.at(won, group[keep], cells["won_deals"].to_numpy(dtype=np.int64)[keep])
        columns: dict[str, Any] = {"open_deals": opened, "won_deals": won}
        for name, extra in _EXTRA.items():
            columns[f"{name}_minor"] = _allocate(
                totals[name], *_floors(conv, sums[name], size, extra)
            )
        columns["forecast_minor"] = columns["won_minor"] + columns["weighted_minor"]
        places = CURRENCIES[conv.currency]
        for name in _MONEY_COLUMNS:
            columns[name] = minor_units_to_decimals(columns[f"{name}_minor"], places)
        return pd.DataFrame(columns, index=index, columns=list(_BREAKDOWN_COLUMNS))

    everything = np.ones(len(cells), dtype=bool)
    by_stage = breakdown(
        pd.Index(list(partial.stages), name="stage", dtype=object), stage_group, shown
    )
    owner, owners = group_codes(cells["owner_id"].astype(object))
    channel, channels = group_codes(cells["channel_id"].astype(object))
    return WeightedForecast(
        currency=conv.currency,
        forecast=Money.from_minor(totals["won"] + totals["weighted"], conv.currency),
        won=Money.from_minor(totals["won"], conv.currency),
        weighted=Money.from_minor(totals["weighted"], conv.currency),
        pipeline=Money.from_minor(totals["pipeline"], conv.currency),
        exact=plain(DECIMAL_CONTEXT.add(exact["won"], exact["weighted"])),
        by_stage=by_stage,
        by_owner=breakdown(pd.Index(owners, name="owner_id", dtype=object), owner, everything),
        by_channel=breakdown(
            pd.Index(channels, name="channel_id", dtype=object), channel, everything
        ),
        undated=partial.undated,
        failures=partial.failures,
        rounding=rounding,
        fx_on=conv.on,
    )
