"""One failure collector, one reason enum: no bare reason strings in src, only enum codes out."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import salescore
from salescore._failures import Failures
from salescore.calendar import Period
from salescore.crm import salesforce
from salescore.customers import customer_summary
from salescore.error_codes import FailureReason
from salescore.errors import FrameValidationError
from salescore.kpi import quota_attainment_frame
from salescore.models import Pipeline, Stage
from salescore.partners import (
    BackEndRebate,
    channel_conflicts,
    channel_performance,
    rebate_frame,
)
from salescore.scorecards import BandCurve, LinearCurve, Scorecard, ScorecardKpi, scores_frame

SRC = Path(salescore.__file__).parent
CODES = frozenset(r.value for r in FailureReason)

#: Files whose reason literals must be enum values but may still be written as strings
#: (none now: every collector names its reasons as FailureReason members).
_VALUES_ONLY: frozenset[str] = frozenset()


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _name(node.value)
    return None


def _is_reason(node: ast.AST) -> bool:
    name = _name(node)
    return name is not None and (name in ("reason", "reasons") or name.endswith("_reason"))


def _code_literals(node: ast.AST) -> list[ast.Constant]:
    """String literals shaped like a code in ``node``, leaving out subscript keys (t["reason"])."""
    found, stack = [], [node]
    while stack:
        sub = stack.pop()
        if isinstance(sub, ast.JoinedStr):
            continue
        if isinstance(sub, ast.Subscript):
            stack.append(sub.value)
            continue
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            if sub.value.isidentifier() and sub.value == sub.value.lower():
                found.append(sub)
            continue
        stack.extend(ast.iter_child_nodes(sub))
    return found


def _collectors(tree: ast.Module) -> set[str]:
    """``Failures`` and the module's subclasses of it."""
    names = {"Failures"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(_name(b) in names for b in node.bases):
            names.add(node.name)
    return names


def _failure_receivers(tree: ast.Module, collectors: set[str]) -> set[str]:
    """Names bound to a collector: ``x = Failures(...)`` or a parameter annotated with one."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if _name(node.value.func) in collectors:
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif (
            isinstance(node, ast.arg)
            and node.annotation is not None
            and _name(node.annotation) in collectors
        ):
            names.add(node.arg)
    return names


def reason_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string literal written where a failure reason goes.

    The places: a ``reason=`` keyword; the positional ``reason`` of a function of the
    module; the reason of ``.add``/``.add_frame`` on a Failures; a ``"reason"`` key of a
    dict display; an assignment to, or comparison with, a name called ``reason``,
    ``reasons`` or ``*_reason``.
    """
    tree = ast.parse(source)
    position: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
            params = params[1:] if params[:1] in (["self"], ["cls"]) else params
            if "reason" in params:
                position[node.name] = params.index("reason")
    receivers = _failure_receivers(tree, _collectors(tree))
    spots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            spots.extend(k.value for k in node.keywords if k.arg == "reason")
            func = node.func
            at = None
            if (
                isinstance(func, ast.Attribute)
                and func.attr in ("add", "add_frame")
                and _name(func.value) in receivers
            ):
                at = 1
            if at is None and isinstance(func, ast.Name | ast.Attribute):
                at = position.get(_name(func) or "")
            if at is not None and len(node.args) > at:
                spots.append(node.args[at])
        elif isinstance(node, ast.Dict):
            spots.extend(
                v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and k.value == "reason"
            )
        elif isinstance(node, ast.Assign) and any(_is_reason(t) for t in node.targets):
            spots.append(node.value)
        elif isinstance(node, ast.Compare) and any(
            _is_reason(n) for n in (node.left, *node.comparators)
        ):
            spots.extend((node.left, *node.comparators))
    found = {(c.lineno, c.col_offset, str(c.value)) for s in spots for c in _code_literals(s)}
    return [(line, text) for line, _, text in sorted(found)]


@pytest.mark.parametrize(
    "snippet",
    [
        'f = Failures(df)\nf.add("amount", "negative", mask)',
        'def g(findings: Failures):\n    findings.add_frame("amount", "missing_column")',
        'rows(index, mask, column="id", reason="deleted")',
        'pd.DataFrame({"row": rows, "reason": "after_as_of"})',
        'reason = None if ok else "draft"',
        'reason[mask] = "too_large"',
        'if reason != "no_sales_team":\n    pass',
        'def refuse(label, field, reason):\n    pass\nrefuse(1, "x", "no_amount")',
        'np.where(cond, "outside_periods", "no_target")\nt = {"reason": np.where(c, "a", "b")}',
    ],
)
def test_reason_literals_flags_a_bare_reason_string(snippet: str) -> None:
    assert reason_literals(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "f = Failures(df)\nf.add('amount', FailureReason.NEGATIVE, mask)",
        'errors["reason"].tolist()',
        'out.add("S.no_owner", "fail")',  # a SMART finding, not a Failures
        'reason = "multiplicative seasonality needs bookings > 0"',  # a sentence, not a code
        'msg = ", ".join(sorted(set(errors["reason"])))',
    ],
)
def test_reason_literals_leaves_enum_members_and_other_strings(snippet: str) -> None:
    assert reason_literals(snippet) == []


def _sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_reason_literals_sees_the_reason_sites_of_src() -> None:
    # The scan must reach the sites it guards: the enum members written there count too.
    members = 0
    for path in _sources():
        members += path.read_text(encoding="utf-8").count("FailureReason.")
    assert members >= 100


def test_no_bare_reason_string_in_src() -> None:
    bare, unknown = [], []
    for path in _sources():
        where = path.relative_to(SRC).as_posix()
        for line, text in reason_literals(path.read_text(encoding="utf-8")):
            if text not in CODES:
                unknown.append(f"{where}:{line}: {text!r}")
            elif where not in _VALUES_ONLY:
                bare.append(f"{where}:{line}: {text!r} (write FailureReason.{text.upper()})")
    assert not unknown, "reason codes that are not FailureReason members:\n" + "\n".join(unknown)
    assert not bare, "bare reason strings:\n" + "\n".join(bare)


# --------------------------------------------------------------------------- the bulk calls
def _only_codes(table: pd.DataFrame) -> None:
    assert len(table), "the case must produce failures"
    assert set(table["reason"]) <= CODES
    # the codes themselves, plain str: not enum members leaking into the table
    assert {type(r) for r in table["reason"]} == {str}


_STAGES = [
    {
        "MasterLabel": "Qualification",
        "SortOrder": 1,
        "DefaultProbability": 20,
        "IsClosed": False,
        "IsWon": False,
    },
    {
        "MasterLabel": "Closed Won",
        "SortOrder": 2,
        "DefaultProbability": 100,
        "IsClosed": True,
        "IsWon": True,
    },
    {
        "MasterLabel": "Closed Lost",
        "SortOrder": 3,
        "DefaultProbability": 0,
        "IsClosed": True,
        "IsWon": False,
    },
]


def _sf_deal(i: int, **changes: object) -> dict[str, object]:
    deal: dict[str, object] = {
        "Id": f"006{i}",
        "OwnerId": "005X",
        "Amount": 1000.0 + i,
        "StageName": "Qualification",
        "CreatedDate": "2026-01-05T09:30:00.000+0000",
        "CloseDate": "2026-03-31",
    }
    deal.update(changes)
    return deal


def test_salesforce_load_errors_have_only_enum_codes_and_account_for_every_row() -> None:
    deals = [
        _sf_deal(0),
        _sf_deal(1, Amount=None),  # not_null
        _sf_deal(2, Amount="lots"),  # not_a_number
        _sf_deal(3, StageName="Mystery"),  # unknown_stage
        _sf_deal(4, IsDeleted=True),  # deleted
        _sf_deal(5, CloseDate="someday"),  # not_a_date
    ]
    history = [
        {
            "OpportunityId": "0060",
            "StageName": "Qualification",
            "CreatedDate": "2026-01-05T09:30:00.000+0000",
        },
        {"OpportunityId": "0069", "StageName": "Closed Won", "CreatedDate": "2026-02-01"},
    ]
    imp = salesforce.load(deals, stages=_STAGES, history=history, currency="USD")
    _only_codes(imp.errors)
    assert {"not_null", "not_a_number", "unknown_stage", "deleted"} <= set(imp.errors["reason"])
    counts = imp.counts
    assert (counts["rows"] == counts["imported"] + counts["failed"] + counts["merged"]).all()
    assert counts.loc["opportunities", "rows"] == len(deals)
    assert imp.opportunities["id"].tolist() == ["0060"]


def test_salesforce_organization_errors_have_only_enum_codes() -> None:
    org = salesforce.organization(
        [
            {"Id": "005A", "Name": "Wang Fang", "UserRoleId": "00E1", "IsActive": True},
            {"Id": "005B", "Name": "Li Na", "UserRoleId": "00E1", "IsActive": False},
            {"Id": "005C", "Name": "Zhao Lei", "UserRoleId": "00E9", "IsActive": True},
        ],
        [
            {"Id": "00E1", "Name": "East", "ParentRoleId": None},
            {"Id": "00E2", "Name": "West", "ParentRoleId": "00E7"},
        ],
    )
    _only_codes(org.errors)
    assert sorted(org.errors["reason"]) == ["inactive", "unknown_parent", "unknown_team"]
    assert [r.id for r in org.organization.reps] == ["005A"]


def test_scores_frame_errors_have_only_enum_codes_and_account_for_every_row() -> None:
    card = Scorecard(
        id="AE",
        kpis=[
            ScorecardKpi(
                name="revenue",
                weight="0.5",
                target=100,
                curve=LinearCurve(threshold="0.6", cap=120),
            ),
            ScorecardKpi(
                name="defects",
                weight="0.5",
                target=4,
                direction="lower",
                curve=LinearCurve(threshold="0"),
            ),
        ],
    )
    team = pd.DataFrame(
        {
            "rep_id": ["li", "wang", "wang", None, "zhao", "qian", "sun", "zhou"],
            "revenue": [130.0, 90.0, 80.0, 70.0, np.nan, -1.0, np.inf, 1e300],
            "defects": [2, 3, 3, 1, 2, 2, 2, 0],
            "revenue_target": [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 0.0],
        },
        index=[f"r{i}" for i in range(8)],
    )
    out = scores_frame(card, team, reps=["li", "wang", "zhao", "qian", "sun"])
    _only_codes(out.errors)
    assert {"duplicate_rep", "blank_rep", "missing_value", "negative", "not_finite"} <= set(
        out.errors["reason"]
    )
    assert {"too_large", "zero_value", "bad_target", "unknown_rep"} <= set(out.errors["reason"])
    assert len(out.totals) + out.errors["row"].nunique() == len(team)
    assert out.errors["row"].tolist() == sorted(out.errors["row"])  # input row order
    assert out.totals["rep_id"].tolist() == ["li"]


def test_scores_frame_band_card_reads_text_values() -> None:
    card = Scorecard(
        id="AE",
        kpis=[
            ScorecardKpi(
                name="visits",
                weight="1",
                target=40,
                curve=BandCurve(bands=[{"lower": "0.5", "points": 50}]),
            )
        ],
    )
    team = pd.DataFrame({"rep_id": ["a", "b", "c"], "visits": ["40", "many", "Infinity"]})
    out = scores_frame(card, team)
    _only_codes(out.errors)
    assert out.errors["reason"].tolist() == ["not_number", "not_finite"]


def test_customer_summary_errors_have_only_enum_codes_and_account_for_every_line() -> None:
    lines = pd.DataFrame(
        {
            "order_id": ["O1", "O2", "O3", "O4"],
            "customer_id": ["A", "B", None, "C"],
            "ordered_on": pd.to_datetime(["2026-01-05", "2026-03-05", "2026-01-06", "2026-01-07"]),
            "amount": [10.0, 20.0, 30.0, -4.0],
            "currency": "CNY",
        }
    )
    out = customer_summary(lines, as_of=date(2026, 2, 1))
    _only_codes(out.errors)
    assert sorted(out.errors["reason"]) == ["after_as_of", "negative", "not_null"]
    assert out.lines_used + out.errors["row"].nunique() == len(lines)


_PIPE = Pipeline(
    stages=(
        Stage(name="Open", order=0, probability=0.2),
        Stage(name="Won", order=1, probability=1, kind="won"),
        Stage(name="Lost", order=2, probability=0, kind="lost"),
    )
)
_Q1 = Period.quarter(2026, 1)


def test_partner_errors_have_only_enum_codes() -> None:
    sales = pd.DataFrame(
        {
            "deal_id": ["D1", "D2", "D3"],
            "partner_id": ["P1", "P9", "P1"],
            "sold_on": pd.to_datetime(["2026-01-09", "2026-02-09", "2026-03-01"]),
            "amount": [100.0, 50.0, -1.0],
        }
    )
    be = BackEndRebate(name="BE", currency="CNY", rate="0.1", baselines={"P1": 0})
    rebates = rebate_frame(be, sales, _Q1)
    _only_codes(rebates.errors)
    assert sorted(rebates.errors["reason"]) == ["negative", "no_baseline"]

    deals = pd.DataFrame(
        {
            "id": ["A", "B", "C"],
            "owner_id": "R1",
            "amount": 100.0,
            "currency": "CNY",
            "stage": ["Won", "Won", "Mystery"],
            "created_on": pd.to_datetime(["2026-01-05", "2026-01-09", "2026-02-02"]),
            "close_date": pd.to_datetime(["2026-02-04", "NaT", "2026-03-01"]),
        }
    )
    performance = channel_performance(deals, _PIPE, period=_Q1)
    _only_codes(performance.errors)
    assert sorted(performance.errors["reason"]) == ["missing_close_date", "unknown_stage"]

    claims = pd.DataFrame(
        {
            "claim_id": ["K1", "K2", "K3"],
            "item_id": "ACME",
            "channel_id": ["P1", "P2", None],
            "rep_id": [None, "R9", "R4"],
            "registered_at": pd.to_datetime(["2026-03-02", "2026-03-03", "2026-03-05"], utc=True),
            "deal_registration": [True, False, True],
        }
    )
    conflicts = channel_conflicts(claims, window_days=30, rule="deal_registration_wins")
    _only_codes(conflicts.errors)
    assert sorted(conflicts.errors["reason"]) == [
        "one_claimant_required",
        "registration_needs_channel",
    ]


def test_kpi_frame_failures_have_only_enum_codes() -> None:
    bad = pd.DataFrame({"rep_id": ["a", "b"], "achieved": [1.0, np.inf], "quota": [-1.0, 2.0]})
    with pytest.raises(FrameValidationError) as caught:
        quota_attainment_frame(bad)
    _only_codes(caught.value.failures)
    with pytest.raises(FrameValidationError) as caught:
        quota_attainment_frame(bad.drop(columns=["quota"]))
    _only_codes(caught.value.failures)
    assert caught.value.failures["reason"].tolist() == ["missing_column"]


def test_failures_table_by_row_orders_by_input_row() -> None:
    df = pd.DataFrame({"a": [1, -1, 2, -2]}, index=[10, 11, 12, 13])
    f = Failures(df)
    f.add("a", FailureReason.NEGATIVE, df["a"].to_numpy() < 0)
    f.add("a", FailureReason.DUPLICATE, np.array([True, True, False, False]))
    f.add_frame("b", FailureReason.MISSING_COLUMN)
    assert f.table()["row"].tolist() == [11, 13, 10, 11, None]
    by_row = f.table(by_row=True)
    assert by_row["row"].tolist() == [None, 10, 11, 11, 13]
    assert by_row["reason"].tolist() == [
        "missing_column",
        "duplicate",
        "negative",
        "duplicate",
        "negative",
    ]
    assert Failures(df).table(by_row=True).empty
