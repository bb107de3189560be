"""Channel performance: revenue, win rate and cycle per channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from salescore._failures import Failures
from salescore._numeric import (
    check_rounding,
    exact_decimals,
    floats_to_minor_units,
    round_fraction,
    to_fraction,
    to_minor_units,
)
from salescore.calendar import Period
from salescore.error_codes import FailureReason
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.frames import OPPORTUNITIES, empty_failures, partition_frame
from salescore.models import Channel, Opportunity, Pipeline, StageKind
from salescore.money import minor_unit
from salescore.partners._common import _EPOCH, _NEVER, _day_numbers, _group_sum, _money
from salescore.serialization import Result

__all__ = ["ChannelPerformance", "channel_performance"]


_PERFORMANCE_COLUMNS: Final = (
    "channel_id",
    "won",
    "lost",
    "revenue",
    "revenue_minor",
    "share",
    "previous_revenue",
    "previous_revenue_minor",
    "growth",
    "win_rate",
    "average_cycle_days",
    "partner_commission_rate",
    "partner_margin",
    "partner_margin_minor",
)


@dataclass(frozen=True)
class ChannelPerformance(Result):
    """Revenue, share, growth, win rate, cycle time and partner margin by channel.

    Parameters
    ----------
    period : Period
        The period measured: deals count by their ``close_date`` in it.
    previous : Period or None
        The period growth is measured against, if given.
    currency : str or None
        ISO 4217 code of every amount (``None`` when there were no deals).
    table : pandas.DataFrame
        One row per channel, sorted by ``channel_id`` (deals without a
        channel last, with ``channel_id`` ``None``; channels given in
        ``channels`` without deals too): ``won``, ``lost`` (deals won and
        lost with a close date in the period [count]); ``revenue`` (won
        amount [currency], ``Decimal``) and ``revenue_minor``; ``share``
        (of all channels' revenue [fraction], NaN when there is none);
        ``previous_revenue`` / ``previous_revenue_minor`` (in ``previous``;
        ``None`` / ``<NA>`` without it); ``growth`` (``revenue ÷
        previous_revenue − 1`` [fraction], NaN without a previous revenue);
        ``win_rate`` (``won ÷ (won + lost)`` [fraction], NaN when none
        closed); ``average_cycle_days`` (mean days from ``created_on`` to
        ``close_date`` of the won deals [days], NaN when none); and
        ``partner_commission_rate`` [fraction], ``partner_margin`` (revenue ×
        rate, rounded once [currency]) and ``partner_margin_minor``, from the
        :class:`~salescore.models.Channel` given (NaN / ``None`` / ``<NA>``
        when the channel has no rate or is not given).
    revenue : Decimal
        All channels' revenue [currency].
    errors : pandas.DataFrame
        Rows that could not be used (``row``, ``column``, ``value``,
        ``reason``): failures of the frame contract, unknown stages
        (``unknown_stage``) and won deals without a close date
        (``missing_close_date``). Never dropped silently.
    """

    period: Period
    previous: Period | None
    currency: str | None
    table: pd.DataFrame
    revenue: Decimal
    errors: pd.DataFrame


@exact_decimals
def channel_performance(
    opportunities: Sequence[Opportunity] | pd.DataFrame,
    pipeline: Pipeline,
    *,
    period: Period,
    previous: Period | None = None,
    channels: Sequence[Channel] | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> ChannelPerformance:
    """Channel performance in ``period``: revenue, share, growth, win rate, cycle, margin.

    Parameters
    ----------
    opportunities : sequence of Opportunity or pandas.DataFrame
        Deals in one currency, as models or an
        :data:`~salescore.frames.OPPORTUNITIES` frame (not mutated). A frame
        row that fails the contract, names a stage the pipeline does not
        have, or is won without a close date goes to ``errors``; a model
        with an unknown stage raises.
    pipeline : Pipeline
        Says which stages are won and lost.
    period : Period
        The period: deals count by their ``close_date`` in it.
    previous : Period, optional
        The period growth is measured against (the quarter before, the same
        quarter a year ago).
    channels : sequence of Channel, optional
        Channels with their ``partner_commission_rate``; each gets a row,
        with or without deals.
    rounding : str
        :mod:`decimal` rounding mode of the partner margin.

    Returns
    -------
    ChannelPerformance
        One row per channel; the counts and ``revenue_minor`` add across
        partitions of the deals.

    Raises
    ------
    CurrencyMismatchError
        The deals are in more than one currency.

    Examples
    --------
    >>> from salescore.models import Channel, Stage
    >>> pipe = Pipeline(stages=(Stage(name="Open", order=0, probability=0.2),
    ...     Stage(name="Won", order=1, probability=1, kind="won"),
    ...     Stage(name="Lost", order=2, probability=0, kind="lost")))
    >>> df = pd.DataFrame({"id": ["A", "B", "C", "D"], "owner_id": "R1",
    ...     "amount": [100.0, 60.0, 300.0, 50.0], "currency": "CNY",
    ...     "stage": ["Won", "Lost", "Won", "Won"], "channel_id": ["web", "web", "tmall", "web"],
    ...     "created_on": pd.to_datetime(["2026-01-05", "2026-01-09", "2026-02-02", "2025-11-02"]),
    ...     "close_date": pd.to_datetime(["2026-02-04", "2026-02-10", "2026-03-01", "2025-12-01"])})
    >>> tmall = Channel(id="tmall", name="Tmall", kind="marketplace", segment="B2C",
    ...                 partner_commission_rate=0.05)
    >>> out = channel_performance(df, pipe, period=Period.quarter(2026, 1),
    ...                           previous=Period.quarter(2025, 4), channels=[tmall])
    >>> print(out.table[["channel_id", "won", "revenue", "share", "growth", "win_rate",
    ...     "average_cycle_days", "partner_margin"]].to_string(index=False))
    channel_id  won revenue  share  growth  win_rate  average_cycle_days partner_margin
         tmall    1  300.00   0.75     NaN       1.0                27.0          15.00
           web    1  100.00   0.25     1.0       0.5                30.0           None
    """
    rounding = check_rounding(rounding)
    if not isinstance(period, Period) or (
        previous is not None and not isinstance(previous, Period)
    ):
        raise InvalidInputError(
            f"period {period!r} and previous {previous!r} must be Period values"
        )
    if isinstance(opportunities, pd.DataFrame):
        valid, failures = partition_frame(opportunities, OPPORTUNITIES)
        problems = Failures(valid)
        stage = valid["stage"].to_numpy(dtype=object)
        known = set(pipeline.names)
        stage_codes, stage_values = pd.factorize(stage)
        unknown = np.array([v not in known for v in stage_values], dtype=bool)[stage_codes]
        problems.add("stage", FailureReason.UNKNOWN_STAGE, unknown, values=stage)
        kept = np.flatnonzero(~unknown)
        valid = valid[~unknown]
        stage = stage[~unknown]
        currencies = sorted(set(valid["currency"].dropna().astype(str).tolist()))
        channel = (
            valid["channel_id"].astype(object).where(valid["channel_id"].notna(), None)
            if "channel_id" in valid
            else pd.Series([None] * len(valid), index=valid.index, dtype=object)
        ).to_numpy(dtype=object)
        amounts_float: npt.NDArray[np.float64] | None = valid["amount"].to_numpy(dtype=np.float64)
        created = _day_numbers(valid["created_on"])
        closed = (
            _day_numbers(valid["close_date"])
            if "close_date" in valid
            else np.full(len(valid), _NEVER, np.int64)
        )
        decimals: list[Decimal] | None = None
    else:
        failures = empty_failures()
        opps = list(opportunities)
        problems = Failures(pd.DataFrame(index=pd.RangeIndex(len(opps))))
        kept = np.arange(len(opps))
        for o in opps:
            pipeline.check_stage(o.stage, what=f"opportunity {o.id!r} stage")
        stage = np.array([o.stage for o in opps], dtype=object)
        currencies = sorted({o.currency for o in opps})
        channel = np.array([o.channel_id for o in opps], dtype=object)
        created = np.array([(o.created_on - _EPOCH).days for o in opps], dtype=np.int64)
        closed = np.array(
            [_NEVER if o.close_date is None else (o.close_date - _EPOCH).days for o in opps],
            dtype=np.int64,
        )
        decimals = [o.amount for o in opps]
        amounts_float = None
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            f"the deals mix currencies {', '.join(currencies)}; convert them with FxRates "
            "first or pass one currency at a time"
        )
    currency = currencies[0] if currencies else None
    mu = minor_unit(currency) if currency is not None else 2
    kind = {s.name: s.kind for s in pipeline}
    stage_codes, stage_names = pd.factorize(stage)
    won = np.array([kind[s] is StageKind.WON for s in stage_names], dtype=bool)[stage_codes]
    lost = np.array([kind[s] is StageKind.LOST for s in stage_names], dtype=bool)[stage_codes]
    undated = np.zeros(len(problems.frame), dtype=bool)
    undated[kept[won & (closed == _NEVER)]] = True
    nothing = np.full(len(undated), None, dtype=object)
    problems.add("close_date", FailureReason.MISSING_CLOSE_DATE, undated, values=nothing)
    minor = (
        floats_to_minor_units(amounts_float, mu)
        if amounts_float is not None
        else to_minor_units(decimals or [], mu)
    )

    # Channel codes: sorted ids, the given channels included, missing ids last.
    rates = {c.id: c.partner_commission_rate for c in channels or ()}
    channel_codes, channel_values = pd.factorize(channel, use_na_sentinel=True)
    present = {str(c) for c in channel_values}
    named = sorted(present | set(rates))
    position = {c: i for i, c in enumerate(named)}
    ids: list[str | None] = [*named, None] if (channel_codes < 0).any() else list(named)
    n = len(ids)
    lookup = np.array([position[str(c)] for c in channel_values] + [n - 1], dtype=np.int64)
    codes = lookup[channel_codes]  # code -1 (no channel) takes the last entry

    def measured(p: Period) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        s, e = (p.start - _EPOCH).days, (p.end - _EPOCH).days
        inside = (closed >= s) & (closed < e)
        return inside & won, inside & lost

    won_in, lost_in = measured(period)
    won_n = np.bincount(codes[won_in], minlength=n).astype(np.int64)
    lost_n = np.bincount(codes[lost_in], minlength=n).astype(np.int64)
    revenue = _group_sum(codes[won_in], minor[won_in], n)
    cycle = np.bincount(codes[won_in], weights=(closed - created)[won_in], minlength=n)
    total = sum(revenue)
    previous_minor: list[int | None] = [None] * n
    if previous is not None:
        prev_won, _ = measured(previous)
        previous_minor = list(_group_sum(codes[prev_won], minor[prev_won], n))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.asarray(revenue, dtype=np.float64) / total if total else np.full(n, np.nan)
        win_rate = np.where(won_n + lost_n > 0, won_n / np.maximum(won_n + lost_n, 1), np.nan)
        cycle_days = np.where(won_n > 0, cycle / np.maximum(won_n, 1), np.nan)
    growth = [
        float("nan") if p is None or p == 0 else float(Fraction(r, p) - 1)
        for r, p in zip(revenue, previous_minor, strict=True)
    ]
    rate_list = [rates.get(c) if c is not None else None for c in ids]
    margin: list[int | None] = [
        None if r is None else round_fraction(Fraction(rev) * to_fraction(r), rounding)
        for rev, r in zip(revenue, rate_list, strict=True)
    ]
    table = pd.DataFrame(
        {
            "channel_id": pd.Series(ids, dtype=object),
            "won": won_n,
            "lost": lost_n,
            "revenue": pd.Series([_money(v, mu) for v in revenue], dtype=object),
            "revenue_minor": np.asarray(revenue, dtype=np.int64),
            "share": share,
            "previous_revenue": pd.Series(
                [None if v is None else _money(v, mu) for v in previous_minor], dtype=object
            ),
            "previous_revenue_minor": pd.array(previous_minor, dtype="Int64"),
            "growth": np.asarray(growth, dtype=np.float64),
            "win_rate": np.asarray(win_rate, dtype=np.float64),
            "average_cycle_days": np.asarray(cycle_days, dtype=np.float64),
            "partner_commission_rate": np.array(
                [np.nan if r is None else r for r in rate_list], dtype=np.float64
            ),
            "partner_margin": pd.Series(
                [None if v is None else _money(v, mu) for v in margin], dtype=object
            ),
            "partner_margin_minor": pd.array(margin, dtype="Int64"),
        },
        columns=list(_PERFORMANCE_COLUMNS),
    )
    errors = (
        pd.concat([failures, problems.table()], ignore_index=True) if len(problems) else failures
    )
    return ChannelPerformance(
        period=period,
        previous=previous,
        currency=currency,
        table=table,
        revenue=_money(total, mu),
        errors=errors,
    )
