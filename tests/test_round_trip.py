"""Every public result round-trips through JSON, on data drawn from ``salescore.testing``.

For each result computed from generated pipelines, deals, targets and
credits: ``to_dict`` -> ``json.dumps`` -> ``json.loads`` gives the same
data, the data validates against the type's own JSON Schema, and
``from_dict`` (where the type offers it) gives back a result whose
``to_dict`` is the same again.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import jsonschema
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salescore import testing
from salescore.activities import activity_counts
from salescore.calendar import Period
from salescore.commission import (
    CommissionPlan,
    Credit,
    Tier,
    TieredComponent,
    statement,
    statements_frame,
)
from salescore.crm import Field, FieldMap, read_fields
from salescore.crm._engine import deals_from, fields_of, finish
from salescore.forecast import forecast_categories, simulate, weighted
from salescore.frames import to_frame
from salescore.funnel import funnel, funnel_counts
from salescore.goals import decompose
from salescore.models import Activity, Opportunity
from salescore.money import Money
from salescore.smart import assess_smart

PLAN = CommissionPlan(
    id="AE",
    currency="USD",
    components=[
        TieredComponent(
            name="base", tiers=[Tier(lower=0, upper=1, rate="0.05"), Tier(lower=1, rate="0.08")]
        )
    ],
)
JANUARY = Period.month(2026, 1)


def round_trip(result: Any) -> None:
    """The JSON contract of one result."""
    name = type(result).__name__
    data = result.to_dict()
    loaded = json.loads(json.dumps(data))  # plain JSON, no custom encoder
    assert loaded == data, name
    jsonschema.validate(loaded, type(result).json_schema())
    again = type(result).from_dict(loaded)
    assert again.to_dict() == data, name


@st.composite
def credits(draw: st.DrawFn) -> list[Credit]:
    n = draw(st.integers(0, 8))
    return [
        Credit(
            deal_id=f"D{i}",
            rep_id=draw(st.sampled_from(["R1", "R2"])),
            amount=Money.from_minor(draw(st.integers(0, 10**9)), "USD"),
            credited_on=date(2026, 1, draw(st.integers(1, 31))),
        )
        for i in range(n)
    ]


def crm_import(deals: list[Opportunity]) -> Any:
    """The deals written out as a CRM export and read back through a map."""
    export = to_frame(deals).rename(columns={"id": "DealId", "stage": "Stage"})
    fields = {c: Field(source=c, required=False) for c in ("owner_id", "currency")}
    fields |= {
        "id": Field(source="DealId"),
        "stage": Field(source="Stage"),
        "amount": Field(source="amount", parse="number"),
        "created_on": Field(source="created_on", parse="date"),
        "close_date": Field(source="close_date", parse="date", required=False),
    }
    field_map = FieldMap(system="test", record="deal", fields=fields)
    mapped, errors = read_fields(export, field_map, input="opportunities")
    frame, errors = deals_from(mapped, errors, None, field_map)
    return finish(
        "test", deals=frame, deal_errors=errors, deal_fields=fields_of(field_map), pipeline=None
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_results_round_trip_through_json_on_generated_data(data: st.DataObject) -> None:
    pipeline = data.draw(testing.pipelines(max_open=4))
    deals = data.draw(testing.opportunity_sets(pipeline, min_size=1, max_size=10))
    target = data.draw(testing.targets(metric="revenue"))
    paid = data.draw(credits())
    period = Period.year(deals[0].created_on.year)
    results: list[Any] = [
        funnel(deals, pipeline),
        funnel_counts(deals, pipeline),
        weighted(deals, pipeline, period=period),
        forecast_categories(deals, pipeline, period=period),
        simulate(deals, pipeline, seed=1, n=50),
        assess_smart(target),
        target,
        pipeline,
        statement(
            PLAN,
            "R1",
            [c for c in paid if c.rep_id == "R1"],
            period=JANUARY,
            quota=Money("50000", "USD"),
        ),
        crm_import(deals),
    ]
    results += decompose(target, "day")[:2]
    frame = pd.DataFrame(
        {
            "deal_id": [c.deal_id for c in paid],
            "rep_id": [c.rep_id for c in paid],
            "amount": [float(c.amount.amount) for c in paid],
            "currency": "USD",
            "credited_on": pd.to_datetime([c.credited_on for c in paid]),
        }
    )
    if len(frame):
        results.append(statements_frame(PLAN, frame, period=JANUARY))
    for result in results:
        round_trip(result)


def test_round_trip_keeps_decimal_money_exact() -> None:
    # A money column whose values need every digit: the JSON strings keep them.
    big = Money("123456789012345.67", "USD")
    s = statement(
        PLAN,
        "R1",
        [Credit(deal_id="D1", rep_id="R1", amount=big, credited_on=date(2026, 1, 2))],
        period=JANUARY,
        quota=Money("1", "USD"),
    )
    data = json.loads(json.dumps(s.to_dict()))
    assert type(s).from_dict(data).total == s.total
    assert Decimal(str(s.total)) == s.total


def _doctest_results() -> dict[type, list[Any]]:
    """Every result the package's own docstring examples build, by type.

    The examples are the documented ways to get each result; running them
    again here (their output is checked by the doctests themselves) gives
    one or more real instances of nearly every public result type.
    """
    import doctest
    import importlib
    import pkgutil

    import salescore
    from salescore._base import FrozenModel
    from salescore.serialization import Result

    found: dict[type, list[Any]] = {}
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(verbose=False, optionflags=doctest.ELLIPSIS)
    for info in pkgutil.walk_packages(salescore.__path__, "salescore."):
        if info.name.endswith("__main__") or "._tour" in info.name:
            continue
        module = importlib.import_module(info.name)
        for test in finder.find(module):
            runner.run(test, out=lambda _: None, clear_globs=False)
            for value in list(test.globs.values()):
                items = value if isinstance(value, list) else [value]
                for item in items:
                    ours = type(item).__module__.startswith("salescore")
                    if ours and isinstance(item, Result | FrozenModel):
                        found.setdefault(type(item), []).append(item)
            test.globs.clear()
    return found


def test_every_result_type_built_by_the_examples_round_trips() -> None:
    import dataclasses

    from tests.test_serialization import _public_classes

    from salescore.serialization import Result

    found = _doctest_results()
    public = {
        c
        for c in _public_classes().values()
        if dataclasses.is_dataclass(c) and issubclass(c, Result)
    }
    # Types no example builds are covered by the property test above or by
    # tests/test_serialization.py; name them so a new type cannot slip by.
    elsewhere = {"Backtest", "CrmImport", "Simulation", "StatementsFrames", "ActivityCounts"}
    missing = sorted(c.__name__ for c in public - set(found) if c.__name__ not in elsewhere)
    assert missing == []
    assert len(found) >= 60  # result types and the models and values inside them
    for items in found.values():
        for item in items[:3]:
            round_trip(item)
    moment = datetime(2026, 3, 2, 9, tzinfo=UTC)
    round_trip(
        activity_counts(
            [
                Activity(id=f"a{i}", rep_id="li", kind="visit", occurred_at=moment, account_id="C1")
                for i in range(3)
            ]
        )
    )
