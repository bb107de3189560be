"""The split of one target's value: exact parts for money and counts, the same value for rates.

Written from the mutation sample of ``goals/_split.py``: each case pins a behaviour no other
test asserted (a level target split, the message of a target without a metric, the name of a
child of an unnamed target).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from salescore.calendar import Period
from salescore.errors import InvalidInputError
from salescore.goals import decompose
from salescore.goals._split import child_target, split_unit, split_value
from salescore.models import Owner, Target

YEAR = Period.year(2026)
COMPANY = Owner(kind="company")


def target(**fields: object) -> Target:
    base: dict[str, object] = {"id": "T", "value": "120", "period": YEAR, "owner": COMPANY}
    base.update(fields)
    return Target.model_validate(base)


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"metric": "average_deal_size", "currency": "CNY"}, "level"),
        ({"metric": "custom", "custom_metric": "nps"}, "level"),
        (
            {"metric": "custom", "custom_metric": "share", "unit": "fraction", "value": "0.3"},
            "rate",
        ),
        ({"metric": "churn_rate", "value": "0.25"}, "rate"),
    ],
)
def test_split_unit_repeats_rates_and_levels_in_every_part(
    fields: dict[str, object], kind: str
) -> None:
    t = target(**fields)
    assert t.kind == kind
    unit = split_unit(t)
    assert unit.additive is False
    thirds = [Fraction(1, 3)] * 3
    assert split_value(unit, thirds) == [t.value] * 3
    # decompose carries the value unchanged into every month.
    months = decompose(t, "month")
    assert [m.value for m in months] == [t.value] * 12


def test_split_unit_reads_money_in_minor_units_and_counts_in_units() -> None:
    money = split_unit(target(metric="revenue", currency="JPY", value="1001"))
    assert (money.additive, money.total, money.scale) == (True, 1001, 0)
    cents = split_unit(target(metric="revenue", currency="KWD", value="1.005"))
    assert (cents.additive, cents.total, cents.scale) == (True, 1005, 3)
    assert split_value(cents, [Fraction(1, 2)] * 2) == [Decimal("0.503"), Decimal("0.502")]
    deals = split_unit(target(metric="deals_won", value="7"))
    assert (deals.additive, deals.total, deals.scale) == (True, 7, 0)
    assert split_value(deals, [Fraction(1, 2)] * 2) == [Decimal(4), Decimal(3)]


def test_split_unit_names_what_is_missing() -> None:
    with pytest.raises(InvalidInputError, match=r"'T' has no value to split"):
        split_unit(target(metric="revenue", currency="CNY", value=None))
    with pytest.raises(
        InvalidInputError,
        match=r"^target 'T' has no metric, so it is unknown whether its value adds up "
        r"\(revenue, deals\) or is a rate; set the metric$",
    ):
        split_unit(target())
    with pytest.raises(InvalidInputError, match=r"^money target 'T' has no currency$"):
        # The model refuses it; a copy that skips validation reaches the kernel's own check.
        split_unit(target(metric="revenue", currency="CNY").model_copy(update={"currency": None}))
    with pytest.raises(InvalidInputError, match=r"value 1.005 has more decimals than CNY's 2"):
        split_unit(target(metric="revenue", currency="CNY", value="1.005"))
    with pytest.raises(
        InvalidInputError, match=r"counts deals_won but its value 2.5 is not a whole"
    ):
        split_unit(target(metric="deals_won", value="2.5"))


def test_child_target_names_parts_of_named_targets_only() -> None:
    named = target(metric="deals_won", value="4", name="East")
    unnamed = target(metric="deals_won", value="4")
    part = child_target(named, suffix="2026-Q1", value=Decimal(1))
    assert (part.id, part.name, part.parent_id, part.value) == (
        "T/2026-Q1",
        "East 2026-Q1",
        "T",
        Decimal(1),
    )
    assert child_target(unnamed, suffix="2026-Q1", value=Decimal(1)).name is None
