from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salescore._numeric import DECIMAL_CONTEXT
from salescore.calendar import Period
from salescore.errors import (
    CurrencyMismatchError,
    InvalidInputError,
    ModelValidationError,
    UnknownStageError,
)
from salescore.forecast.categories import (
    CATEGORIES,
    CATEGORY_COLUMNS,
    MEASURES,
    Adjustment,
    CategoryForecast,
    CategoryPartial,
    categories_from_partial,
    category_partial,
    forecast_categories,
    rollup,
)
from salescore.frames import to_frame
from salescore.models import (
    ForecastCategory,
    Opportunity,
    Organization,
    Pipeline,
    Rep,
    Stage,
    StageKind,
    Team,
)
from salescore.money import FxRates, Money
from salescore.testing import opportunity_sets, organizations, periods, pipelines

Q1 = Period.quarter(2026, 1)


def pipeline() -> Pipeline:
    return Pipeline(
        stages=(
            Stage(name="Qualify", order=0, probability=0.1),
            Stage(name="Proposal", order=1, probability=0.4, forecast_category="Best Case"),
            Stage(name="Negotiation", order=2, probability=0.7, forecast_category="Commit"),
            Stage(name="Won", order=3, probability=1.0, kind="won"),
            Stage(name="Lost", order=4, probability=0.0, kind="lost"),
        )
    )


def deal(
    i: int,
    owner: str,
    stage: str,
    amount: Any,
    *,
    expected: date | None = date(2026, 2, 15),
    closed: date | None = None,
    category: str | None = None,
    currency: str = "USD",
) -> Opportunity:
    return Opportunity(
        id=f"D{i}",
        owner_id=owner,
        amount=amount,
        currency=currency,
        stage=stage,
        created_on=date(2026, 1, 5),
        expected_close_date=expected,
        close_date=closed,
        forecast_category=category,
    )


def org() -> Organization:
    return Organization(
        teams=(
            Team(id="sales", name="Sales"),
            Team(id="east", name="East", parent_id="sales"),
            Team(id="west", name="West", parent_id="sales"),
        ),
        reps=(
            Rep(id="R1", name="Wang Fang", team_id="east"),
            Rep(id="R2", name="Li Na", team_id="east"),
            Rep(id="R3", name="Zhang Wei", team_id="west"),
            Rep(id="M1", name="Ana Silva", team_id="sales"),
        ),
    )


def book() -> list[Opportunity]:
    return [
        deal(0, "R1", "Won", 100, closed=date(2026, 1, 20)),  # Closed
        deal(1, "R1", "Negotiation", 200),  # Commit
        deal(2, "R1", "Proposal", 300),  # Best Case
        deal(3, "R2", "Qualify", 400),  # Pipeline
        deal(4, "R2", "Qualify", 50, category="Commit"),  # own override
        deal(5, "R3", "Lost", 600, closed=date(2026, 2, 1)),  # Omitted
        deal(6, "R3", "Negotiation", 700, expected=date(2026, 4, 1)),  # after Q1
        deal(7, "M1", "Proposal", 80),  # Best Case
        deal(8, "R3", "Proposal", 90, expected=None),  # undated
    ]


def minor(names: tuple[str, ...]) -> list[str]:
    return [f"{name}_minor" for name in names]


def row(frame: pd.DataFrame, label: str) -> list[int]:
    return [int(v) for v in frame.to_numpy()[frame.index.get_loc(label)]]


# --------------------------------------------------------------------------- hand cases
def test_forecast_categories_hand_case_by_owner():
    f = forecast_categories(book(), pipeline(), period=Q1, org=org())
    assert isinstance(f, CategoryForecast)
    assert f.currency == "USD"
    assert f.by_owner.index.tolist() == ["M1", "R1", "R2", "R3"]
    table = f.by_owner[list(CATEGORY_COLUMNS)]
    assert row(table, "R1") == [100, 200, 300, 0, 0]
    assert row(table, "R2") == [0, 50, 0, 400, 0]
    assert row(table, "R3") == [0, 0, 0, 0, 600]
    assert row(table, "M1") == [0, 0, 80, 0, 0]
    assert f.by_owner["deals"].tolist() == [1, 3, 2, 1]
    assert row(f.by_owner[list(MEASURES)], "R1") == [300, 600, 500]
    assert f.undated.tolist() == ["D8"]
    assert f.unassigned.empty
    assert f.failures.empty


def test_forecast_categories_hand_case_tree():
    f = forecast_categories(book(), pipeline(), period=Q1, org=org())
    tree = f.tree
    assert tree.index.tolist() == ["sales", "east", "R1", "R2", "west", "R3", "M1"]
    assert tree["parent"].tolist() == [None, "sales", "east", "east", "sales", "west", "sales"]
    assert tree["depth"].tolist() == [0, 1, 2, 2, 1, 2, 1]
    assert tree["kind"].tolist() == ["team", "team", "rep", "rep", "team", "rep", "rep"]
    # east: R1 (100 closed, 200 commit, 300 best) + R2 (50 commit, 400 pipeline)
    assert row(tree[list(CATEGORY_COLUMNS)], "east") == [100, 250, 300, 400, 0]
    assert row(tree[list(MEASURES)], "sales") == [350, 730, 1030]
    assert f.totals["commit_forecast"] == Decimal("350.00")
    assert f.totals["best_case_forecast_adjusted"] == Decimal("730.00")
    assert f.money("sales", "open_pipeline") == Money("1030.00", "USD")


def test_forecast_categories_adjustments_override_without_touching_gross():
    adjustments = [
        Adjustment(node="R1", measure="commit_forecast", amount=Money(250, "USD"), by="M1"),
        Adjustment(node="west", measure="best_case_forecast", amount=Money(40, "USD")),
        Adjustment(node="sales", measure="open_pipeline", amount=Money(900, "USD")),
    ]
    plain = forecast_categories(book(), pipeline(), period=Q1, org=org())
    f = forecast_categories(book(), pipeline(), period=Q1, org=org(), adjustments=adjustments)
    gross = [*CATEGORY_COLUMNS, *MEASURES]
    pd.testing.assert_frame_equal(f.tree[gross], plain.tree[gross])
    adjusted = f.tree["commit_forecast_adjusted_minor"] // 100
    # R1 250 (was 300); east = 250 + R2 50; sales = east + west 0 + M1 0
    assert adjusted[["R1", "east", "sales"]].tolist() == [250, 300, 300]
    assert f.tree.loc["west", "best_case_forecast_adjusted"] == Decimal("40.00")
    # sales best case: east (100 + 250 + 300) + west 40 + M1 80; R1's commit adjustment
    # does not move best case.
    assert f.tree.loc["sales", "best_case_forecast_adjusted_minor"] == (650 + 40 + 80) * 100
    assert f.tree.loc["sales", "open_pipeline_adjusted_minor"] == 90000
    assert f.tree["adjusted"].tolist() == [True, False, True, False, True, False, False]
    assert f.totals["open_pipeline_adjusted"] == Decimal("900.00")
    assert f.totals["open_pipeline"] == Decimal("1030.00")


def test_forecast_categories_categories_table_and_no_period():
    f = forecast_categories(book(), pipeline(), categories={"Qualify": "Omitted"})
    # Without a period every deal counts: D6 (700 commit) and D8 (90 best case) too.
    assert f.by_owner.loc["R2", "omitted"] == Decimal("400.00")  # D3; D4 keeps its own Commit
    assert f.by_owner.loc["R3", "commit_minor"] == 70000
    assert f.by_owner.loc["R3", "best_case"] == Decimal("90.00")
    assert f.undated.empty


def test_forecast_categories_without_org_every_owner_is_a_root():
    f = forecast_categories(book(), pipeline(), period=Q1)
    assert f.tree.index.tolist() == ["M1", "R1", "R2", "R3"]
    assert set(f.tree["kind"]) == {"owner"}
    assert f.unassigned.tolist() == ["M1", "R1", "R2", "R3"]
    assert f.totals["closed"] == Decimal("100.00")


def test_forecast_categories_owner_outside_org_and_rep_without_team():
    organisation = Organization(
        teams=(Team(id="sales", name="Sales"),),
        reps=(Rep(id="R1", name="Wang Fang", team_id="sales"), Rep(id="R9", name="Sam Lee")),
    )
    f = forecast_categories(book(), pipeline(), period=Q1, org=organisation)
    assert f.tree.index.tolist() == ["sales", "R1", "R9", "M1", "R2", "R3"]
    assert f.unassigned.tolist() == ["M1", "R2", "R3"]
    assert int(f.totals["closed"] + f.totals["open_pipeline"]) == int(
        f.by_owner[["closed", "open_pipeline"]].to_numpy().sum()
    )


def test_forecast_categories_converts_currencies():
    fx = FxRates.from_mapping("USD", {date(2026, 1, 1): {"CNY": "3"}})
    deals = [
        deal(0, "R1", "Negotiation", 100, currency="CNY"),  # 33.333.. -> 33.33
        deal(1, "R1", "Negotiation", 100, currency="CNY"),  # same cell: 66.666.. -> 66.67
        deal(2, "R1", "Negotiation", 10),
    ]
    f = forecast_categories(deals, pipeline(), period=Q1, fx=fx)
    assert f.by_owner.loc["R1", "commit"] == Decimal("76.67")
    assert f.fx_on == date(2026, 1, 1)
    with pytest.raises(CurrencyMismatchError):
        forecast_categories(deals, pipeline(), period=Q1)


def test_forecast_categories_frame_matches_models_and_reports_bad_rows():
    frame = to_frame(book(), model=Opportunity)
    f = forecast_categories(frame, pipeline(), period=Q1, org=org())
    g = forecast_categories(book(), pipeline(), period=Q1, org=org())
    pd.testing.assert_frame_equal(f.tree, g.tree)
    frame.loc[1, "stage"] = "Demo"
    bad = forecast_categories(frame, pipeline(), period=Q1, org=org())
    assert bad.failures[["row", "reason"]].values.tolist() == [[1, "not_allowed"]]
    assert bad.by_owner.loc["R1", "commit"] == 0


# --------------------------------------------------------------------------- errors
def test_adjustment_validation():
    with pytest.raises(InvalidInputError, match=">= 0"):
        Adjustment(node="R1", measure="commit_forecast", amount=Money(-1, "USD"))
    with pytest.raises(InvalidInputError, match="whole number of minor units"):
        Adjustment(node="R1", measure="commit_forecast", amount=Money("1.005", "USD"))
    with pytest.raises(ModelValidationError):
        Adjustment(node="R1", measure="closed", amount=Money(1, "USD"))


def test_rollup_reads_major_units_and_refuses_ambiguous_integers():
    minor_table = pd.DataFrame(
        [[150, 0, 0, 0, 0], [5, 10, 0, 0, 0]], index=["R1", "R2"], columns=minor(CATEGORY_COLUMNS)
    )
    major = pd.DataFrame(
        {
            "closed": [Decimal("1.50"), Decimal("0.05")],
            "commit": [0.0, 0.1],
            "best_case": [Decimal(0)] * 2,
            "pipeline": [0.0, 0.0],
            "omitted": [0.0, 0.0],
        },
        index=["R1", "R2"],
    )
    # The same amounts in either form give the same tree, to the cent.
    pd.testing.assert_frame_equal(
        rollup(major, currency="USD"), rollup(minor_table, currency="USD")
    )
    assert rollup(major, currency="USD")["commit_forecast"].tolist() == [
        Decimal("1.50"),
        Decimal("0.15"),
    ]
    with pytest.raises(InvalidInputError, match="'closed' holds integers, which could be"):
        rollup(major.assign(closed=[150, 5]), currency="USD")
    with pytest.raises(InvalidInputError, match=r"closed of 'R1' is 1.505, which is not a whole"):
        rollup(
            major.assign(closed=pd.Series([Decimal("1.505"), Decimal(0)], index=major.index)),
            currency="USD",
        )
    with pytest.raises(InvalidInputError, match="must hold integers of minor units"):
        rollup(minor_table.astype(float), currency="USD")
    with pytest.raises(InvalidInputError, match=r"'R2' is -0.10 USD; amounts must be >= 0"):
        rollup(major.assign(commit=[0.0, -0.1]), currency="USD")


def test_rollup_rejects_bad_adjustments_and_trees():
    by_owner = pd.DataFrame(
        np.ones((2, 5), dtype=np.int64), index=["R1", "R2"], columns=minor(CATEGORY_COLUMNS)
    )
    adj = Adjustment(node="R1", measure="commit_forecast", amount=Money(1, "USD"))
    with pytest.raises(InvalidInputError, match="not in the tree"):
        rollup(by_owner, currency="USD", adjustments=[adj.model_copy(update={"node": "X"})])
    with pytest.raises(CurrencyMismatchError):
        rollup(by_owner, currency="CNY", adjustments=[adj])
    with pytest.raises(InvalidInputError, match="two adjustments"):
        rollup(by_owner, currency="USD", adjustments=[adj, adj])
    with pytest.raises(InvalidInputError, match="not an Adjustment"):
        rollup(by_owner, currency="USD", adjustments=["R1"])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="category columns"):
        rollup(by_owner.drop(columns=["omitted_minor"]), currency="USD")
    with pytest.raises(InvalidInputError, match="repeated"):
        rollup(pd.concat([by_owner, by_owner]), currency="USD")
    with pytest.raises(InvalidInputError, match=">= 0"):
        rollup(-by_owner, currency="USD")
    clash = Organization(teams=(Team(id="R1", name="R1"),))
    with pytest.raises(InvalidInputError, match="both a team and a rep"):
        rollup(by_owner, currency="USD", org=clash)
    with pytest.raises(InvalidInputError, match="not an Organization"):
        rollup(by_owner, currency="USD", org="sales")  # type: ignore[arg-type]


def test_forecast_categories_rejects_bad_arguments():
    with pytest.raises(UnknownStageError):
        forecast_categories(book(), pipeline(), categories={"Demo": "Commit"})
    with pytest.raises(InvalidInputError, match="is not one of"):
        forecast_categories(book(), pipeline(), categories={"Qualify": "Maybe"})
    with pytest.raises(InvalidInputError, match="mapping"):
        forecast_categories(book(), pipeline(), categories=["Commit"])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="not a Period"):
        forecast_categories(book(), pipeline(), period="Q1")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="rounding"):
        forecast_categories(book(), pipeline(), rounding="UP")
    with pytest.raises(InvalidInputError, match="not a Pipeline"):
        forecast_categories(book(), None)  # type: ignore[arg-type]
    f = forecast_categories(book(), pipeline(), org=org())
    with pytest.raises(InvalidInputError, match="not in the forecast tree"):
        f.money("nobody", "closed")
    with pytest.raises(InvalidInputError, match="not an amount"):
        f.money("R1", "kind")


# --------------------------------------------------------------------------- properties
@st.composite
def trees(draw: st.DrawFn) -> tuple[Organization, pd.DataFrame, list[Adjustment]]:
    organisation = draw(organizations(max_teams=6, max_reps=10))
    owners = [r.id for r in organisation.reps] + draw(
        st.lists(st.sampled_from(["X1", "X2"]), unique=True)
    )
    amounts = draw(
        st.lists(
            st.lists(st.integers(0, 10**9), min_size=5, max_size=5),
            min_size=len(owners),
            max_size=len(owners),
        )
    )
    by_owner = pd.DataFrame(
        np.asarray(amounts, dtype=np.int64).reshape(len(owners), 5),
        index=pd.Index(owners, dtype=object),
        columns=minor(CATEGORY_COLUMNS),
    )
    nodes = [t.id for t in organisation.teams] + owners
    picked = draw(
        st.lists(st.tuples(st.sampled_from(nodes), st.sampled_from(MEASURES)), unique=True)
    )
    adjustments = [
        Adjustment(
            node=node, measure=m, amount=Money.from_minor(draw(st.integers(0, 10**9)), "USD")
        )
        for node, m in picked
    ]
    return organisation, by_owner, adjustments


def children_of(tree: pd.DataFrame) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, parent in enumerate(tree["parent"].tolist()):
        if parent is not None:
            out.setdefault(parent, []).append(i)
    return out


@settings(max_examples=60)  # pandas work per example: keep the suite fast
@given(trees())
def test_rollup_adds_up_the_tree_and_adjustments_flow_up(
    case: tuple[Organization, pd.DataFrame, list[Adjustment]],
):
    organisation, by_owner, adjustments = case
    tree = rollup(by_owner, currency="USD", org=organisation, adjustments=adjustments)
    plain = rollup(by_owner, currency="USD", org=organisation)
    cats = tree[minor(CATEGORY_COLUMNS)].to_numpy()
    own = by_owner.reindex(tree.index, fill_value=0)[minor(CATEGORY_COLUMNS)].to_numpy()
    kids = children_of(tree)
    gross = tree[minor(MEASURES)].to_numpy()
    adjusted = tree[[f"{m}_adjusted_minor" for m in MEASURES]].to_numpy()
    given_at = {(a.node, MEASURES.index(a.measure)): a.amount.to_minor() for a in adjustments}
    for i, node in enumerate(tree.index):
        below = kids.get(node, [])
        # Gross of a node = own deals + gross of its children.
        assert cats[i].tolist() == (own[i] + cats[below].sum(axis=0)).tolist()
        for j in range(len(MEASURES)):
            # Adjusted = the override, else own + adjusted of the children.
            own_measure = int(gross[i, j]) - int(gross[below, j].sum())
            expected = given_at.get((node, j), own_measure + int(adjusted[below, j].sum()))
            assert int(adjusted[i, j]) == expected
    roots = (tree["depth"] == 0).to_numpy()
    assert cats[roots].sum(axis=0).tolist() == by_owner.to_numpy().sum(axis=0).tolist()
    # Adjustments never change the gross roll-up; without any, adjusted = gross.
    amounts = [*CATEGORY_COLUMNS, *MEASURES]
    pd.testing.assert_frame_equal(tree[amounts], plain[amounts])
    for m in MEASURES:
        assert (plain[f"{m}_adjusted"] == plain[m]).all()
    g = tree
    assert (g["commit_forecast"] <= g["best_case_forecast"]).all()
    assert (g["commit_forecast"] == g["closed"] + g["commit"]).all()
    assert (g["best_case_forecast"] == g["commit_forecast"] + g["best_case"]).all()
    assert (g["open_pipeline"] == g["pipeline"] + g["best_case"] + g["commit"]).all()


@st.composite
def category_cases(draw: st.DrawFn) -> tuple[Pipeline, list[Opportunity], Period | None]:
    pipe = draw(pipelines())
    deals = draw(opportunity_sets(pipe, max_size=20, with_history=False))
    deals = [
        d.model_copy(update={"forecast_category": draw(st.none() | st.sampled_from(CATEGORIES))})
        for d in deals
    ]
    period = draw(st.none() | periods(2022, 2027, max_days=500))
    return pipe, deals, period


@settings(max_examples=40)  # pandas work per example: keep the suite fast
@given(category_cases())
def test_forecast_categories_list_and_frame_agree_and_add_up(
    case: tuple[Pipeline, list[Opportunity], Any],
):
    pipe, deals, period = case
    f = forecast_categories(deals, pipe, period=period, currency="USD")
    g = forecast_categories(to_frame(deals, model=Opportunity), pipe, period=period, currency="USD")
    pd.testing.assert_frame_equal(f.by_owner, g.by_owner)
    pd.testing.assert_frame_equal(f.tree, g.tree)
    # Plain loop: every counted deal's amount lands in exactly one category.
    expected = dict.fromkeys(CATEGORIES, 0)
    for d in deals:
        stage = pipe[d.stage]
        when = d.close_date if stage.kind is not StageKind.OPEN else d.expected_close_date
        if period is not None and (when is None or not period.contains(when)):
            continue
        category = d.forecast_category or ForecastCategory(str(stage.forecast_category))
        expected[category] += Money(d.amount, "USD").to_minor()
    assert f.totals[list(CATEGORY_COLUMNS)].tolist() == [
        Money.from_minor(expected[c], "USD").amount for c in CATEGORIES
    ]
    assert f.totals["commit_forecast"] <= f.totals["best_case_forecast"]


FX_ALL = FxRates.from_mapping(
    "USD",
    {
        date(2000, 1, 1): {
            "CNY": "7.1",
            "EUR": "0.92",
            "JPY": "151.3",
            "KWD": "0.307",
            "GBP": "0.79",
        }
    },
)


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(
    pipelines(max_open=3).flatmap(
        lambda pipe: st.tuples(
            st.just(pipe),
            opportunity_sets(pipe, max_size=15, with_history=False, currency=None),
            st.sampled_from(["USD", "CNY", "JPY", "KWD"]),
        )
    )
)
def test_forecast_categories_converts_each_owner_category_once(
    case: tuple[Pipeline, list[Opportunity], str],
):
    pipe, deals, reporting = case
    on = date(2026, 1, 1)
    f = forecast_categories(deals, pipe, fx=FX_ALL, fx_on=on, currency=reporting)
    g = forecast_categories(
        to_frame(deals, model=Opportunity), pipe, fx=FX_ALL, fx_on=on, currency=reporting
    )
    pd.testing.assert_frame_equal(f.tree, g.tree)
    cells: dict[tuple[str, ForecastCategory], Decimal] = {}
    for d in deals:
        stage = pipe[d.stage]
        category = d.forecast_category or ForecastCategory(str(stage.forecast_category))
        factor = DECIMAL_CONTEXT.divide(FX_ALL.rate(reporting, on), FX_ALL.rate(d.currency, on))
        key = (d.owner_id, category)
        cells[key] = cells.get(key, Decimal(0)) + DECIMAL_CONTEXT.multiply(d.amount, factor)
    for (owner, category), value in cells.items():
        column = CATEGORY_COLUMNS[CATEGORIES.index(category)]
        expected = Money(value, reporting).to_minor()
        at = f.by_owner.index.get_loc(owner)
        assert int(f.by_owner[f"{column}_minor"].to_numpy()[at]) == expected
        assert f.by_owner[column].to_numpy()[at] == Money.from_minor(expected, reporting).amount


# --------------------------------------------------------------------------- partials


@settings(max_examples=30)  # pandas work per example: keep the suite fast
@given(
    pipelines(max_open=3).flatmap(
        lambda pipe: st.tuples(
            st.just(pipe),
            opportunity_sets(pipe, max_size=15, with_history=False, currency=None),
            st.none() | periods(2022, 2027, max_days=500),
            st.lists(st.integers(0, 15), max_size=4),
            st.booleans(),
        )
    )
)
def test_category_partials_of_any_cut_add_up_to_the_whole_forecast(
    case: tuple[Pipeline, list[Opportunity], Any, list[int], bool],
):
    pipe, deals, period, cuts, as_frame = case
    on = date(2026, 1, 1)
    whole = forecast_categories(deals, pipe, period=period, fx=FX_ALL, fx_on=on, org=None)
    bounds = sorted({0, len(deals), *(c for c in cuts if c <= len(deals))})
    bounds = bounds if len(bounds) > 1 else [0, 0]  # no deals: one empty part
    parts = []
    for a, b in pairwise(bounds):
        chunk = deals[a:b]
        data = to_frame(chunk, model=Opportunity) if as_frame else chunk
        parts.append(category_partial(data, pipe, period=period))
    merged = categories_from_partial(sum(parts[1:], parts[0]), fx=FX_ALL, fx_on=on)
    assert (merged.currency, merged.fx_on, merged.rounding) == (
        whole.currency,
        whole.fx_on,
        whole.rounding,
    )
    pd.testing.assert_frame_equal(merged.by_owner, whole.by_owner)
    pd.testing.assert_frame_equal(merged.tree, whole.tree)
    assert merged.totals.equals(whole.totals)
    # Every valid deal is in one cell, counted or not; the counted ones add up.
    total = sum(parts[1:], parts[0])
    counted = int(total.cells["deals"].sum())
    assert counted == int(whole.by_owner["deals"].sum())
    if not as_frame:
        assert sorted(merged.undated.tolist()) == sorted(whole.undated.tolist())


def test_category_partials_hand_case_and_refusals():
    deals = book()
    first = category_partial(deals[:2], pipeline(), period=Q1)
    rest = category_partial(deals[2:], pipeline(), period=Q1)
    cells = (first + rest).cells.set_index(["owner_id", "category"])
    # By hand from book(): minor units of USD of the deals that count in Q1.
    expected = {
        ("R1", "Closed"): 10000,
        ("R1", "Commit"): 20000,
        ("R1", "Best Case"): 30000,
        ("R2", "Pipeline"): 40000,
        ("R2", "Commit"): 5000,
        ("R3", "Omitted"): 60000,
        ("R3", "Commit"): 0,  # expected after Q1: a cell, not counted
        ("R3", "Best Case"): 0,  # undated
        ("M1", "Best Case"): 8000,
    }
    assert {k: int(v) for k, v in cells["minor"].items()} == expected
    assert int(cells["deals"].sum()) == 7
    assert (first + rest).undated.tolist() == ["D8"]
    assert all(isinstance(v, int) for v in (first + rest).cells["minor"])
    assert sum([first]) is first
    assert first.__add__(1) is NotImplemented
    other = category_partial(deals, pipeline(), period=Period.quarter(2026, 2))
    with pytest.raises(InvalidInputError, match="do not add up"):
        first + other
    with pytest.raises(InvalidInputError, match="not a CategoryPartial"):
        categories_from_partial("x")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="not a Period"):
        category_partial(deals, pipeline(), period="Q1")  # type: ignore[arg-type]
    assert isinstance(first, CategoryPartial)
    assert CategoryPartial.from_dict(first.to_dict()).cells["minor"].tolist() == [
        int(v) for v in first.cells["minor"]
    ]
