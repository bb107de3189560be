r"""Forecast categories in the Salesforce convention, rolled up the team tree.

Every deal falls in one forecast category: its own ``forecast_category``
override, else the ``categories`` table given (stage name to category),
else its stage's category (:class:`~salescore.models.Stage` defaults to
Pipeline for open stages, Closed for won and Omitted for lost). The
category amounts [currency] of a set of deals give the forecast roll-ups

.. math::
    \text{commit forecast} &= \text{Closed} + \text{Commit} \\
    \text{best case forecast} &= \text{Closed} + \text{Commit} + \text{Best Case} \\
    \text{open pipeline} &= \text{Commit} + \text{Best Case} + \text{Pipeline}

and Omitted is in none of them. Amounts are summed by owner and then up the
team tree of an :class:`~salescore.models.Organization`: a team's **gross**
numbers are the sum of its sub-teams' and its reps' gross numbers, exactly.

A manager may **adjust** any forecast roll-up at any node (a rep or a team):
the adjusted number replaces the node's own roll-up, and the teams above add
up the adjusted numbers of their children. Gross numbers never change, so
both are shown side by side:

.. math::
    \text{adjusted}(v) = \begin{cases} x_v & \text{if } v \text{ is adjusted to } x_v \\
    \text{own}(v) + \sum_{c \in \text{children}(v)} \text{adjusted}(c) & \text{otherwise.}
    \end{cases}

Amounts are exact integers of minor units; with several currencies each
(owner, category) amount is converted with an
:class:`~salescore.money.FxRates` table at one date and rounded once, with an
explicit rounding mode, so every roll-up above it is an exact integer sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN
from typing import Any, Final, Literal, Self, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import model_validator

from salescore._base import FrozenModel
from salescore._numeric import (
    DECIMAL_CONTEXT,
    check_rounding,
    exact_decimals,
    minor_units_to_decimals,
    to_decimal,
)
from salescore.calendar import Period
from salescore.errors import CurrencyMismatchError, InvalidInputError
from salescore.forecast._deals import check_pipeline, group_codes, in_period, load_deals
from salescore.forecast._sums import converter_for, group_sum, round_minor
from salescore.frames import CheckedFrame
from salescore.models import (
    ForecastCategory,
    Opportunity,
    Organization,
    Pipeline,
    StageKind,
)
from salescore.models._fields import Identifier, OptionalText
from salescore.money import CURRENCIES, FxRates, Money, check_currency
from salescore.serialization import Result

__all__ = [
    "CATEGORIES",
    "CATEGORY_CELL_KEYS",
    "CATEGORY_COLUMNS",
    "MEASURES",
    "Adjustment",
    "CategoryForecast",
    "CategoryPartial",
    "Measure",
    "categories_from_partial",
    "category_partial",
    "forecast_categories",
    "rollup",
]

IntArray = npt.NDArray[np.int64]

#: The categories, in the order of the category columns.
CATEGORIES: Final = (
    ForecastCategory.CLOSED,
    ForecastCategory.COMMIT,
    ForecastCategory.BEST_CASE,
    ForecastCategory.PIPELINE,
    ForecastCategory.OMITTED,
)
#: Column name of each category amount, in :data:`CATEGORIES` order.
CATEGORY_COLUMNS: Final = ("closed", "commit", "best_case", "pipeline", "omitted")

#: A forecast roll-up a manager can adjust.
Measure = Literal["commit_forecast", "best_case_forecast", "open_pipeline"]
#: The roll-ups, in column order.
MEASURES: Final[tuple[Measure, ...]] = get_args(Measure)

# Which categories each roll-up adds up (rows: MEASURES, columns: CATEGORIES).
_ROLLUP: Final = np.array(
    [
        [1, 1, 0, 0, 0],  # commit forecast = Closed + Commit
        [1, 1, 1, 0, 0],  # best case forecast = Closed + Commit + Best Case
        [0, 1, 1, 1, 0],  # open pipeline = Commit + Best Case + Pipeline
    ],
    dtype=np.int64,
)


class Adjustment(FrozenModel):
    """A manager's override of one forecast roll-up at one node of the tree.

    Parameters
    ----------
    node : str
        Id of the team or rep (owner) whose number is overridden.
    measure : {"commit_forecast", "best_case_forecast", "open_pipeline"}
        Which roll-up. Closed is a fact and cannot be adjusted.
    amount : Money
        The adjusted number [currency], >= 0, in whole minor units and in
        the forecast's reporting currency.
    by : str, optional
        Who made the adjustment.
    note : str, optional
        Why.

    Examples
    --------
    >>> Adjustment(node="east", measure="commit_forecast", amount=Money("250000", "CNY")).measure
    'commit_forecast'
    >>> Adjustment(node="east", measure="closed", amount=Money("1", "CNY"))
    Traceback (most recent call last):
    ...
    salescore.errors.ModelValidationError: Adjustment.measure: Input should be ...
    """

    node: Identifier
    measure: Measure
    amount: Money
    by: OptionalText = None
    note: OptionalText = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.amount.amount < 0:
            raise InvalidInputError(
                f"adjustment of {self.measure} at {self.node!r} is {self.amount}; it must be >= 0"
            )
        if self.amount.quantize().amount != self.amount.amount:
            raise InvalidInputError(
                f"adjustment of {self.measure} at {self.node!r} is {self.amount}, which is not "
                f"a whole number of minor units of {self.amount.currency}"
            )
        return self


@dataclass(frozen=True, eq=False)
class CategoryForecast(Result):
    """Forecast category amounts by owner and rolled up the team tree.

    Amounts are ``Decimal`` in major units of ``currency``; the tables carry
    each amount column also as ``<name>_minor``, exact integer minor units.

    Attributes
    ----------
    currency : str
        The reporting currency (ISO 4217).
    by_owner : pandas.DataFrame
        Indexed by ``owner_id`` (sorted): ``deals`` [count] and the amounts of
        :data:`CATEGORY_COLUMNS` and :data:`MEASURES` of the deals that count
        [currency], then the same as ``<name>_minor`` [minor units].
    tree : pandas.DataFrame
        See :func:`rollup`: one row per team and rep, gross and adjusted.
    totals : pandas.Series
        Gross category amounts and roll-ups of the whole organisation, and
        the adjusted roll-ups (``*_adjusted``): the sums over the roots, as
        ``Decimal`` [currency].
    undated : pandas.Index
        Deals without the date that places them in the period (open:
        ``expected_close_date``; closed: ``close_date``): ids or index labels.
    failures : pandas.DataFrame
        Frame rows not used (``row``, ``column``, ``value``, ``reason``).
    rounding : str
        Rounding mode of converted amounts.
    fx_on : date or None
        The date of the exchange rates, when any conversion happened.
    """

    currency: str
    by_owner: pd.DataFrame
    tree: pd.DataFrame
    totals: pd.Series[Any]
    undated: pd.Index[Any]
    failures: pd.DataFrame
    rounding: str
    fx_on: date | None

    @property
    def unassigned(self) -> pd.Index[Any]:
        """Owners with deals who are not reps of the organisation (roots of their own)."""
        tree = self.tree
        return tree.index[(tree["kind"] == "owner").to_numpy()]

    def money(self, node: str, column: str) -> Money:
        """One amount of the tree as :class:`~salescore.money.Money`.

        Examples
        --------
        >>> from salescore import datasets
        >>> p = datasets.pipeline()
        >>> f = forecast_categories(datasets.opportunities(p), p)
        >>> f.money("R1", "closed").currency
        'CNY'
        """
        if node not in self.tree.index:
            raise InvalidInputError(f"node {node!r} is not in the forecast tree")
        minor = column if column.endswith("_minor") else f"{column}_minor"
        if minor not in self.tree.columns:
            raise InvalidInputError(
                f"column {column!r} is not an amount of the forecast tree; amounts are "
                f"{[c for c in self.tree.columns if c.endswith('_minor')]} without '_minor'"
            )
        value = self.tree[minor].to_numpy()[self.tree.index.get_loc(node)]
        return Money.from_minor(int(value), self.currency)


def _category_table(
    pipeline: Pipeline, categories: Mapping[str, ForecastCategory | str] | None
) -> IntArray:
    """Category code (index into :data:`CATEGORIES`) of every pipeline stage."""
    out = np.array(
        [CATEGORIES.index(ForecastCategory(str(s.forecast_category))) for s in pipeline.stages],
        dtype=np.int64,
    )
    if categories is None:
        return out
    if not isinstance(categories, Mapping):
        raise InvalidInputError(
            f"categories {categories!r} must be a mapping of stage name to forecast category"
        )
    for name, value in categories.items():
        stage = pipeline.check_stage(name, what="categories stage")
        try:
            category = ForecastCategory(value)
        except ValueError:
            raise InvalidInputError(
                f"stage {name!r} forecast category {value!r} is not one of "
                f"{', '.join(c.value for c in ForecastCategory)}"
            ) from None
        out[pipeline.stages.index(stage)] = CATEGORIES.index(category)
    return out


def _tree_nodes(
    owners: Sequence[str], org: Organization | None
) -> tuple[list[str], list[str], list[int]]:
    """Node ids, kinds and parent positions (-1 at a root), depth-first, parents first."""
    ids: list[str] = []
    kinds: list[str] = []
    parents: list[int] = []
    placed: set[str] = set()
    if org is not None:
        if not isinstance(org, Organization):
            raise InvalidInputError(f"org {org!r} is not an Organization")
        team_ids = {t.id for t in org.teams}
        clash = sorted(team_ids & ({r.id for r in org.reps} | set(owners)))
        if clash:
            raise InvalidInputError(
                f"ids {clash[:5]} name both a team and a rep; tree node ids must be unique"
            )
        children: dict[str | None, list[str]] = {}
        for team in org.teams:
            children.setdefault(team.parent_id, []).append(team.id)
        reps_of: dict[str | None, list[str]] = {}
        for rep in sorted(org.reps, key=lambda r: r.id):
            reps_of.setdefault(rep.team_id, []).append(rep.id)

        def visit(team: str, parent: int) -> None:
            here = len(ids)
            ids.append(team)
            kinds.append("team")
            parents.append(parent)
            for child in children.get(team, []):
                visit(child, here)
            for rep in reps_of.get(team, []):
                ids.append(rep)
                kinds.append("rep")
                parents.append(here)

        for root in children.get(None, []):
            visit(root, -1)
        for loose in reps_of.get(None, []):
            ids.append(loose)
            kinds.append("rep")
            parents.append(-1)
        placed = {r.id for r in org.reps}
    for owner in owners:
        if owner not in placed:
            ids.append(owner)
            kinds.append("owner")
            parents.append(-1)
    return ids, kinds, parents


def _category_minor(by_owner: pd.DataFrame, currency: str) -> IntArray:
    """The category amounts of ``by_owner`` as integer minor units, one row per owner.

    ``<category>_minor`` columns are read as they are; otherwise the plain
    columns are amounts in major units. Plain integer columns are refused:
    before 0.4 they meant minor units, and reading them as major units would
    be off by a factor of 10**places without a word.
    """
    minor_names = [f"{c}_minor" for c in CATEGORY_COLUMNS]
    places = CURRENCIES[currency]
    if all(name in by_owner.columns for name in minor_names):
        table = by_owner[minor_names]
        if not all(pd.api.types.is_integer_dtype(t) for t in table.dtypes):
            raise InvalidInputError(
                f"by_owner columns {minor_names} must hold integers of minor units of {currency}"
            )
        amounts: IntArray = table.to_numpy(dtype=np.int64)
    else:
        missing = [c for c in CATEGORY_COLUMNS if c not in by_owner.columns]
        if missing:
            raise InvalidInputError(
                f"by_owner lacks the category columns {missing}; give {list(CATEGORY_COLUMNS)} "
                f"in major units of {currency} or {minor_names} in integer minor units"
            )
        amounts = np.zeros((len(by_owner), len(CATEGORY_COLUMNS)), dtype=np.int64)
        for j, name in enumerate(CATEGORY_COLUMNS):
            column = by_owner[name]
            if pd.api.types.is_integer_dtype(column.dtype):
                raise InvalidInputError(
                    f"by_owner column {name!r} holds integers, which could be yuan or fen; "
                    f"give amounts in major units of {currency} as Decimal or float, or "
                    f"integer minor units as {name}_minor"
                )
            for i, value in enumerate(column.tolist()):
                amount = to_decimal(value, what=f"by_owner {name} of {by_owner.index[i]!r}")
                units = amount.scaleb(places, context=DECIMAL_CONTEXT)
                if units != units.to_integral_value():
                    raise InvalidInputError(
                        f"by_owner {name} of {by_owner.index[i]!r} is {amount}, which is not a "
                        f"whole number of minor units of {currency}"
                    )
                amounts[i, j] = int(units)
    negative = np.argwhere(amounts < 0)
    if len(negative):
        i, j = (int(x) for x in negative[0])
        raise InvalidInputError(
            f"by_owner {CATEGORY_COLUMNS[j]} of {by_owner.index[i]!r} is "
            f"{Money.from_minor(int(amounts[i, j]), currency)}; amounts must be >= 0"
        )
    return amounts


def _with_decimals(
    minor: Mapping[str, npt.ArrayLike], currency: str, index: pd.Index[Any]
) -> pd.DataFrame:
    """Amount columns as Decimal [currency], then the same as ``<name>_minor`` [minor units]."""
    places = CURRENCIES[currency]
    columns: dict[str, Any] = {
        name: minor_units_to_decimals(units, places) for name, units in minor.items()
    }
    columns.update({f"{name}_minor": np.asarray(v, dtype=np.int64) for name, v in minor.items()})
    return pd.DataFrame(columns, index=index)


@exact_decimals
def rollup(
    by_owner: pd.DataFrame,
    *,
    currency: str,
    org: Organization | None = None,
    adjustments: Iterable[Adjustment] = (),
) -> pd.DataFrame:
    """Roll category amounts up the team tree, gross and with manager adjustments.

    Parameters
    ----------
    by_owner : pandas.DataFrame
        Indexed by owner (rep) id, with non-negative amounts of each of
        :data:`CATEGORY_COLUMNS`: either as ``<category>_minor`` integer
        minor units (read first when all five are there, as in
        :attr:`CategoryForecast.by_owner`), or in the plain columns in major
        units, as Decimal or float. Plain integer columns are refused as
        ambiguous. Other columns are ignored.
    currency : str
        Currency of the amounts; adjustments must be in it.
    org : Organization, optional
        The team tree and its reps. Reps sit under their team (at a root
        when they have none); owners who are not reps of ``org`` become roots
        of their own (kind ``owner``). Without ``org`` every owner is a root.
    adjustments : iterable of Adjustment
        At most one per (node, measure); every node must be in the tree.

    Returns
    -------
    pandas.DataFrame
        One row per node, depth first (a team, its sub-teams, then its reps),
        indexed by ``node``: ``kind`` (``team``, ``rep`` or ``owner``),
        ``parent`` (``None`` at a root), ``depth`` (0 at a root), the gross
        :data:`CATEGORY_COLUMNS` and :data:`MEASURES`, the adjusted roll-ups
        ``<measure>_adjusted`` (all ``Decimal`` [currency]), the same amounts
        as ``<name>_minor`` [minor units], and ``adjusted`` (whether the node
        carries an adjustment of its own).

    Raises
    ------
    InvalidInputError
        Missing, ambiguous, fractional or negative amounts, an adjustment of an unknown node,
        two adjustments of one (node, measure), or ids naming both a team
        and a rep.
    CurrencyMismatchError
        An adjustment in another currency.

    Examples
    --------
    >>> from salescore.models import Rep, Team
    >>> org = Organization(
    ...     teams=[Team(id="sales", name="Sales"),
    ...            Team(id="east", name="East", parent_id="sales")],
    ...     reps=[Rep(id="R1", name="Wang Fang", team_id="east"),
    ...           Rep(id="R2", name="Li Na", team_id="sales")])
    >>> by_owner = pd.DataFrame({"closed": [1.0, 0.5], "commit": [2.0, 0.0],
    ...                          "best_case": [3.0, 0.1], "pipeline": [4.0, 0.0],
    ...                          "omitted": [0.0, 0.05]}, index=["R1", "R2"])
    >>> tree = rollup(by_owner, currency="CNY", org=org, adjustments=[
    ...     Adjustment(node="east", measure="commit_forecast", amount=Money("2.50", "CNY"))])
    >>> tree[["parent", "commit_forecast", "commit_forecast_adjusted",
    ...       "commit_forecast_minor"]]
          parent commit_forecast commit_forecast_adjusted  commit_forecast_minor
    node
    sales   None            3.50                     3.00                    350
    east   sales            3.00                     2.50                    300
    R1      east            3.00                     3.00                    300
    R2     sales            0.50                     0.50                     50
    """
    check_currency(currency)
    if not by_owner.index.is_unique:
        raise InvalidInputError("by_owner has repeated owners; one row per owner")
    amounts = _category_minor(by_owner, currency)
    owners = [str(o) for o in by_owner.index]
    ids, kinds, parents = _tree_nodes(owners, org)
    position = {node: i for i, node in enumerate(ids)}
    n = len(ids)
    own = np.zeros((n, len(CATEGORIES)), dtype=np.int64)
    own[[position[o] for o in owners]] = amounts
    parent = np.asarray(parents, dtype=np.int64)
    depth = np.zeros(n, dtype=np.int64)
    for i in range(n):  # parents come first, so their depth is known
        if parent[i] >= 0:
            depth[i] = depth[parent[i]] + 1
    override = np.full((n, len(MEASURES)), -1, dtype=np.int64)
    for adj in adjustments:
        if not isinstance(adj, Adjustment):
            raise InvalidInputError(f"adjustment {adj!r} is not an Adjustment")
        if adj.node not in position:
            raise InvalidInputError(
                f"adjustment of {adj.measure} names node {adj.node!r}, which is not in the tree"
            )
        if adj.amount.currency != currency:
            raise CurrencyMismatchError(
                f"adjustment of {adj.measure} at {adj.node!r} is in {adj.amount.currency}; "
                f"the forecast is in {currency}"
            )
        cell = (position[adj.node], MEASURES.index(adj.measure))
        if override[cell] >= 0:
            raise InvalidInputError(
                f"node {adj.node!r} has two adjustments of {adj.measure}; give one"
            )
        override[cell] = adj.amount.to_minor()
    gross = own.copy()
    adjusted = own @ _ROLLUP.T
    has_override = override >= 0
    for level in range(int(depth.max(initial=0)), -1, -1):
        at = np.flatnonzero(depth == level)
        rows = at[has_override[at].any(axis=1)]
        adjusted[rows] = np.where(has_override[rows], override[rows], adjusted[rows])
        up = at[parent[at] >= 0]
        np.add.at(gross, parent[up], gross[up])
        np.add.at(adjusted, parent[up], adjusted[up])
    measures = gross @ _ROLLUP.T
    index = pd.Index(ids, name="node", dtype=object)
    minor: dict[str, IntArray] = {}
    for j, name in enumerate(CATEGORY_COLUMNS):
        minor[name] = gross[:, j]
    for j, name in enumerate(MEASURES):
        minor[name] = measures[:, j]
    for j, name in enumerate(MEASURES):
        minor[f"{name}_adjusted"] = adjusted[:, j]
    head = pd.DataFrame(
        {
            "kind": pd.Series(kinds, dtype=object, index=index),
            "parent": pd.Series(
                [ids[p] if p >= 0 else None for p in parents], dtype=object, index=index
            ),
            "depth": pd.Series(depth, index=index),
        }
    )
    frame = pd.concat([head, _with_decimals(minor, currency, index)], axis=1)
    frame["adjusted"] = pd.Series(has_override.any(axis=1), index=index)
    return frame


def _totals(tree: pd.DataFrame, currency: str) -> pd.Series[Any]:
    roots = tree[tree["depth"].to_numpy() == 0]
    names = [*CATEGORY_COLUMNS, *MEASURES, *(f"{m}_adjusted" for m in MEASURES)]
    minor = [int(roots[f"{c}_minor"].sum()) for c in names]
    return pd.Series(
        minor_units_to_decimals(minor, CURRENCIES[currency]),
        index=pd.Index(names),
        dtype=object,
        name="total",
    )


@exact_decimals
def forecast_categories(
    opportunities: Sequence[Opportunity] | pd.DataFrame | CheckedFrame,
    pipeline: Pipeline,
    *,
    period: Period | None = None,
    org: Organization | None = None,
    adjustments: Iterable[Adjustment] = (),
    categories: Mapping[str, ForecastCategory | str] | None = None,
    currency: str | None = None,
    fx: FxRates | None = None,
    fx_on: date | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> CategoryForecast:
    """Forecast category amounts by owner, rolled up the team tree with adjustments.

    Parameters
    ----------
    opportunities : sequence of Opportunity or pandas.DataFrame
        Deals as models (checked, raising) or an
        :data:`~salescore.frames.OPPORTUNITIES` frame (bad rows go to
        ``failures``, as in :func:`~salescore.forecast.weighted.weighted`).
    pipeline : Pipeline
        Stages and their default forecast categories.
    period : Period, optional
        Count closed deals whose ``close_date`` and open deals whose
        ``expected_close_date`` lie in it (deals without that date are listed
        in ``undated``). Without a period every deal counts.
    org : Organization, optional
        The team tree; see :func:`rollup`.
    adjustments : iterable of Adjustment
        Manager overrides of roll-ups at nodes of the tree.
    categories : mapping of str to ForecastCategory, optional
        Category by stage name, overriding the stages' own; a deal's
        ``forecast_category`` comes first.
    currency, fx, fx_on
        Reporting currency, :class:`~salescore.money.FxRates` and rate date,
        as in :func:`~salescore.forecast.weighted.weighted`.
    rounding : str
        Rounding of each converted (owner, category) amount.

    Returns
    -------
    CategoryForecast

    Raises
    ------
    CurrencyMismatchError
        Several currencies and no ``fx``, or an adjustment in another currency.
    UnknownStageError
        A model's stage, or a ``categories`` key, is not in the pipeline.
    InvalidInputError
        A bad category, rounding mode, adjustment or organisation.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.models import Rep, Stage, Team
    >>> pipeline = Pipeline(stages=[
    ...     Stage(name="Propose", order=0, probability=0.3),
    ...     Stage(name="Negotiate", order=1, probability=0.6, forecast_category="Best Case"),
    ...     Stage(name="Won", order=2, probability=1.0, kind="won"),
    ...     Stage(name="Lost", order=3, probability=0.0, kind="lost"),
    ... ])
    >>> def deal(i, owner, stage, amount, **kw):
    ...     return Opportunity(id=f"D{i}", owner_id=owner, amount=amount, currency="USD",
    ...                        stage=stage, created_on=date(2026, 1, 5), **kw)
    >>> deals = [
    ...     deal(1, "R1", "Won", 100, close_date=date(2026, 2, 1)),
    ...     deal(2, "R1", "Negotiate", 200, forecast_category="Commit"),
    ...     deal(3, "R1", "Negotiate", 300),
    ...     deal(4, "R2", "Propose", 400),
    ...     deal(5, "R2", "Lost", 500, close_date=date(2026, 2, 1)),
    ... ]
    >>> org = Organization(teams=[Team(id="sales", name="Sales")],
    ...                    reps=[Rep(id="R1", name="Wang Fang", team_id="sales"),
    ...                          Rep(id="R2", name="Li Na", team_id="sales")])
    >>> f = forecast_categories(deals, pipeline, org=org, adjustments=[
    ...     Adjustment(node="R1", measure="commit_forecast", amount=Money(250, "USD"))])
    >>> f.by_owner[["closed", "commit", "best_case", "pipeline", "omitted"]]
              closed  commit best_case pipeline omitted
    owner_id
    R1        100.00  200.00    300.00     0.00    0.00
    R2          0.00    0.00      0.00   400.00  500.00
    >>> f.totals[["commit_forecast", "commit_forecast_adjusted",
    ...           "best_case_forecast", "open_pipeline"]].tolist()
    [Decimal('300.00'), Decimal('250.00'), Decimal('600.00'), Decimal('900.00')]
    """
    partial = category_partial(opportunities, pipeline, period=period, categories=categories)
    return categories_from_partial(
        partial,
        org=org,
        adjustments=adjustments,
        currency=currency,
        fx=fx,
        fx_on=fx_on,
        rounding=rounding,
    )


# --------------------------------------------------------------------------- partials
#: Key columns of :attr:`CategoryPartial.cells`.
CATEGORY_CELL_KEYS: Final = ("owner_id", "currency", "category")


@dataclass(frozen=True, eq=False)
class CategoryPartial(Result):
    """Exact, unrounded category sums of a forecast over one part of the deals.

    Partials of disjoint sets of deals add up (``a + b``, or ``sum(parts)``)
    to the partial of their union, and :func:`categories_from_partial`
    turns a partial into the :class:`CategoryForecast` that
    :func:`forecast_categories` gives on the same deals (it is how
    :func:`forecast_categories` itself works): conversion and rounding
    happen once, at the end, so a partitioned forecast is exact to the cent.

    Attributes
    ----------
    period : Period or None
        The period the deals were counted in.
    cells : pandas.DataFrame
        One row per (``owner_id``, ``currency``, ``category``) of the valid
        deals, counted or not (so every owner and currency appears):
        ``deals`` [count] and ``minor`` [minor units of ``currency``, exact
        Python integers] of the deals that count. ``category`` is the
        :class:`~salescore.models.ForecastCategory` value.
    undated : pandas.Index
        As :attr:`CategoryForecast.undated`, in the order the parts were added.
    failures : pandas.DataFrame
        As :attr:`CategoryForecast.failures`, the parts' rows together.
    """

    period: Period | None
    cells: pd.DataFrame
    undated: pd.Index[Any]
    failures: pd.DataFrame

    def __add__(self, other: object) -> CategoryPartial:
        if not isinstance(other, CategoryPartial):
            return NotImplemented
        if other.period != self.period:
            raise InvalidInputError(
                "category partials of different periods do not add up: "
                f"{self.period} and {other.period}"
            )
        joined = pd.concat([self.cells, other.cells], ignore_index=True)
        cells = (
            joined.groupby(list(CATEGORY_CELL_KEYS), sort=False)[["deals", "minor"]]
            .sum()
            .reset_index()
        )
        cells["minor"] = cells["minor"].map(int).astype(object)  # keep them Python integers
        return CategoryPartial(
            period=self.period,
            cells=cells,
            undated=self.undated.append(other.undated),
            failures=pd.concat([self.failures, other.failures], ignore_index=True),
        )

    def __radd__(self, other: object) -> CategoryPartial:
        if other == 0:  # sum() starts from 0
            return self
        return NotImplemented


def category_partial(
    opportunities: Sequence[Opportunity] | pd.DataFrame | CheckedFrame,
    pipeline: Pipeline,
    *,
    period: Period | None = None,
    categories: Mapping[str, ForecastCategory | str] | None = None,
) -> CategoryPartial:
    """The exact sums of :func:`forecast_categories` over one part of the deals.

    Parameters are those of :func:`forecast_categories` that decide what
    counts and in which category; the organisation, adjustments, reporting
    currency, rates and rounding are given to :func:`categories_from_partial`.

    Examples
    --------
    >>> from salescore import datasets
    >>> pipeline, deals = datasets.pipeline(), datasets.opportunities(n=60, seed=4)
    >>> q = Period.quarter(2026, 2)
    >>> parts = [category_partial(deals[:25], pipeline, period=q),
    ...          category_partial(deals[25:], pipeline, period=q)]
    >>> whole = forecast_categories(deals, pipeline, period=q)
    >>> categories_from_partial(sum(parts)).by_owner.equals(whole.by_owner)
    True
    """
    if period is not None and not isinstance(period, Period):
        raise InvalidInputError(f"period {period!r} is not a Period")
    table = _category_table(check_pipeline(pipeline), categories)
    deals = load_deals(opportunities, pipeline)
    frame = deals.frame
    category = table[deals.stage]
    given = frame["forecast_category"]
    own = np.asarray(given.notna().to_numpy(), dtype=bool)
    if own.any():
        from_label = np.array(
            [CATEGORIES.index(ForecastCategory(c)) for c in given.cat.categories],
            dtype=np.int64,
        )
        category[own] = from_label[given.cat.codes.to_numpy()[own]]
    if period is None:
        counted = np.ones(len(frame), dtype=bool)
        undated = frame.index[:0]
    else:
        closed = np.array([s.kind is not StageKind.OPEN for s in pipeline.stages])[deals.stage]
        exp_dated, exp_in = in_period(frame["expected_close_date"], period)
        close_dated, close_in = in_period(frame["close_date"], period)
        counted = np.where(closed, close_in, exp_in)
        undated = frame.index[np.where(closed, ~close_dated, ~exp_dated)]
    owner, owners = pd.factorize(frame["owner_id"].to_numpy(dtype=object))
    n_currencies = max(len(deals.currencies), 1)
    # One integer per cell: owner, currency, category.
    key = (owner * n_currencies + deals.currency) * len(CATEGORIES) + category
    unique, cell = np.unique(key, return_inverse=True)
    cell = cell.reshape(-1).astype(np.int64)
    k = len(unique)
    labels = np.asarray([c.value for c in CATEGORIES], dtype=object)
    cells = pd.DataFrame(
        {
            "owner_id": np.asarray(owners, dtype=object)[
                unique // (n_currencies * len(CATEGORIES))
            ],
            "currency": np.asarray(deals.currencies, dtype=object)[
                unique // len(CATEGORIES) % n_currencies
            ],
            "category": labels[unique % len(CATEGORIES)],
            "deals": np.bincount(cell[counted], minlength=k).astype(np.int64),
            "minor": pd.Series(group_sum(deals.minor[counted], cell[counted], k), dtype=object),
        }
    )
    return CategoryPartial(period=period, cells=cells, undated=undated, failures=deals.failures)


@exact_decimals
def categories_from_partial(
    partial: CategoryPartial,
    *,
    org: Organization | None = None,
    adjustments: Iterable[Adjustment] = (),
    currency: str | None = None,
    fx: FxRates | None = None,
    fx_on: date | None = None,
    rounding: str = ROUND_HALF_EVEN,
) -> CategoryForecast:
    """The :class:`CategoryForecast` of a (summed) :class:`CategoryPartial`.

    Equal to :func:`forecast_categories` on the same deals, to the cent,
    except that ``undated`` and ``failures`` list the parts' rows in the
    order the parts were added. The parameters are those of
    :func:`forecast_categories`.
    """
    if not isinstance(partial, CategoryPartial):
        raise InvalidInputError(f"partial {partial!r} is not a CategoryPartial")
    check_rounding(rounding)
    cells = partial.cells
    currencies = sorted(set(cells["currency"].tolist()))
    code = {c: i for i, c in enumerate(currencies)}
    counts = cells["deals"].to_numpy(dtype=np.int64)
    used = sorted(set(cells.loc[counts > 0, "currency"].tolist()))
    conv = converter_for(
        currencies, used, currency=currency, fx=fx, fx_on=fx_on, period=partial.period
    )
    owner, owners = group_codes(cells["owner_id"].astype(object))
    of_category = {c.value: j for j, c in enumerate(CATEGORIES)}
    category = np.asarray([of_category[c] for c in cells["category"]], dtype=np.int64)
    currency_code = np.asarray([code[c] for c in cells["currency"]], dtype=np.int64)
    k = len(owners) * len(CATEGORIES)
    sums = [0] * (len(currencies) * k)
    place = currency_code * k + owner * len(CATEGORIES) + category
    for at, value in zip(place.tolist(), cells["minor"].tolist(), strict=True):
        sums[at] += int(value)
    live = [c for c in range(len(currencies)) if any(sums[c * k : (c + 1) * k])]
    mu = CURRENCIES[conv.currency]
    if len(live) <= 1 and all(conv.factors[c] == 1 and conv.places[c] == mu for c in live):
        minor = np.asarray(sums[live[0] * k : (live[0] + 1) * k] if live else [0] * k)
    else:
        minor = np.asarray(
            [round_minor(conv.value(sums[j::k]), conv.currency, rounding) for j in range(k)]
        )
    amounts = minor.astype(np.int64).reshape(len(owners), len(CATEGORIES))
    owner_minor: dict[str, IntArray] = {
        name: amounts[:, j] for j, name in enumerate(CATEGORY_COLUMNS)
    }
    for j, name in enumerate(MEASURES):
        owner_minor[name] = amounts @ _ROLLUP[j]
    by_owner = _with_decimals(
        owner_minor, conv.currency, pd.Index(owners, name="owner_id", dtype=object)
    )
    deals = np.zeros(len(owners), dtype=np.int64)
    np.add.at(deals, owner, counts)
    by_owner.insert(0, "deals", deals)
    tree = rollup(by_owner, currency=conv.currency, org=org, adjustments=adjustments)
    return CategoryForecast(
        currency=conv.currency,
        by_owner=by_owner,
        tree=tree,
        totals=_totals(tree, conv.currency),
        undated=partial.undated,
        failures=partial.failures,
        rounding=rounding,
        fx_on=conv.on,
    )
