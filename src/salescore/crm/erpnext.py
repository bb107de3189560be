"""ERPNext: ``Opportunity``, ``Sales Order`` sales teams, ``Sales Person`` trees and targets.

Records are read as ``GET /api/resource/<DocType>`` returns them (with the
child tables: ``Sales Order.sales_team``, ``Sales Person.targets``,
``Monthly Distribution.percentages``). What the maps assume, from ERPNext's
doctypes (v14-v15):

- an opportunity's ``sales_stage`` links a ``Sales Stage``, which has only
  a name: the pipeline's order and probabilities are given by the caller
  (ERPNext's shipped stages and their order are the default);
- ``status`` ``Converted`` is won, ``Lost`` and ``Closed`` are lost; a won or
  lost opportunity is imported in the ``Won`` or ``Lost`` stage this module
  adds, with ``lost_stage`` its last sales stage, and closes on its
  ``modified`` date (ERPNext keeps no close date);
- ``transaction_date`` is the opening date, ``expected_closing`` the
  expected close, ``opportunity_amount`` the amount;
- datetimes are naive in the site's time zone (``timezone=``);
- a ``Sales Order`` credits each ``sales_team`` row its ``allocated_amount``
  on the order's ``transaction_date``; only submitted orders
  (``docstatus`` 1) count;
- a ``Sales Person`` with ``is_group`` is a team, without it a rep under
  ``parent_sales_person``; each ``targets`` row is a yearly target of
  ``target_amount`` for a fiscal year, spread over its months by the
  ``Monthly Distribution`` it names (evenly without one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, Final

import numpy as np
import pandas as pd

from salescore.calendar import Period
from salescore.crm._engine import (
    CrmImport,
    Field,
    FieldMap,
    OrganizationImport,
    Records,
    _error_rows,
    contract_errors,
    deals_from,
    empty_errors,
    fields_of,
    finish,
    organization_from,
    pipeline_from,
    read_fields,
)
from salescore.error_codes import FailureReason
from salescore.errors import InvalidInputError
from salescore.models import Owner, Pipeline, Target
from salescore.serialization import Result

__all__ = [
    "DEFAULT_STAGES",
    "OPPORTUNITY",
    "SALES_PERSON",
    "SALES_TEAM",
    "CreditsImport",
    "TargetsImport",
    "credits",
    "load",
    "organization",
    "pipeline",
    "targets",
]

#: ERPNext's shipped sales stages, in funnel order.
DEFAULT_STAGES: Final = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Identifying Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
)
WON: Final = "Won"
LOST: Final = "Lost"
_MONTHS: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip

#: ``Opportunity`` onto :data:`~salescore.frames.OPPORTUNITIES`.
OPPORTUNITY: Final = FieldMap(
    system="erpnext",
    record="Opportunity",
    fields={
        "id": Field(source="name"),
        "owner_id": Field(source="opportunity_owner"),
        "amount": Field(source="opportunity_amount", parse="number"),
        "currency": Field(source="currency", required=False),
        "stage": Field(source="sales_stage"),
        "status": Field(source="status"),
        "created_on": Field(source="transaction_date", parse="date"),
        "expected_close_date": Field(source="expected_closing", parse="date", required=False),
        "modified_on": Field(source="modified", parse="date", required=False),
        "account_id": Field(source="party_name", required=False),
        "channel_id": Field(source="source", required=False),
        "product": Field(source=None, required=False),
        "probability": Field(source="probability", parse="percent", required=False),
    },
)
#: A ``sales_team`` row of a ``Sales Order`` onto a credit.
SALES_TEAM: Final = FieldMap(
    system="erpnext",
    record="Sales Team",
    fields={
        "rep_id": Field(source="sales_person"),
        "amount": Field(source="allocated_amount", parse="number"),
    },
)
#: ``Sales Person`` onto reps (``is_group`` 0) and teams (``is_group`` 1).
SALES_PERSON: Final = FieldMap(
    system="erpnext",
    record="Sales Person",
    fields={
        "id": Field(source="name"),
        "name": Field(source="sales_person_name"),
        "parent_id": Field(source="parent_sales_person", required=False),
        "is_group": Field(source="is_group", parse="bool", default=False),
        "is_active": Field(source="enabled", parse="bool", required=False),
    },
)


def pipeline(
    stages: Sequence[str] = DEFAULT_STAGES,
    *,
    probabilities: Mapping[str, float] | None = None,
    name: str = "ERPNext",
) -> Pipeline:
    """The ERPNext sales stages in order, then ``Won`` and ``Lost``.

    ``probabilities`` [fraction] by stage name; a stage without one gets an
    even step from 0 to 1 over the open stages (the k-th of n: k / (n + 1)).

    Examples
    --------
    >>> p = pipeline(["Prospecting", "Negotiation/Review"])
    >>> [(s.name, round(s.probability, 3)) for s in p.stages]
    [('Prospecting', 0.333), ('Negotiation/Review', 0.667), ('Won', 1.0), ('Lost', 0.0)]
    """
    names = [str(s) for s in stages]
    given = dict(probabilities or {})
    frame = pd.DataFrame(
        {
            "name": [*names, WON, LOST],
            "order": np.arange(len(names) + 2, dtype=np.float64),
            "probability": [
                float(given.get(n, (i + 1) / (len(names) + 1))) for i, n in enumerate(names)
            ]
            + [1.0, 0.0],
            "kind": ["open"] * len(names) + ["won", "lost"],
        }
    )
    return pipeline_from(frame, empty_errors(), name=name)


def load(
    opportunities: Records,
    *,
    stages: Sequence[str] = DEFAULT_STAGES,
    probabilities: Mapping[str, float] | None = None,
    currency: str | None = None,
    timezone: str = "UTC",
    opportunity_map: FieldMap = OPPORTUNITY,
) -> CrmImport:
    """ERPNext opportunities as a salescore snapshot (ERPNext keeps no stage history).

    Examples
    --------
    >>> imp = load([{"name": "CRM-OPP-2026-00001", "opportunity_owner": "fang@example.com",
    ...              "status": "Lost", "sales_stage": "Qualification",
    ...              "opportunity_amount": 8000.0, "currency": "USD",
    ...              "transaction_date": "2026-01-05", "modified": "2026-02-10 11:00:00"}])
    >>> imp.opportunities[["stage", "lost_stage", "close_date"]].to_dict("records")
    [{'stage': 'Lost', 'lost_stage': 'Qualification',
      'close_date': Timestamp('2026-02-10 00:00:00')}]
    >>> imp.funnel().table["lost"].tolist()[:2]
    [0, 1]
    """
    the_pipeline = pipeline(stages, probabilities=probabilities)
    active = opportunity_map
    if currency:
        active = active.with_defaults(currency=currency)
    if timezone != "UTC":
        active = active.with_fields(
            modified_on=active.fields["modified_on"].model_copy(update={"timezone": timezone})
        )
    mapped, errors = read_fields(opportunities, active, input="opportunities")
    status = mapped["status"]
    won = (status == "Converted").to_numpy(dtype=bool)
    lost = status.isin(["Lost", "Closed"]).to_numpy(dtype=bool)
    closed = won | lost
    mapped = mapped.assign(
        lost_stage=mapped["stage"].where(lost, None),
        stage=mapped["stage"].where(~won, WON).where(~lost, LOST),
        close_date=mapped["modified_on"].where(closed),
        expected_close_date=mapped["expected_close_date"].where(~closed),
    )
    deals, errors = deals_from(mapped, errors, the_pipeline, active)
    return finish(
        "erpnext",
        deals=deals,
        deal_errors=errors,
        deal_fields=fields_of(active),
        pipeline=the_pipeline,
    )


@dataclass(frozen=True, eq=False)
class CreditsImport(Result):
    """Sales order credits in the :data:`~salescore.commission.CREDITS` shape.

    Attributes
    ----------
    credits : pandas.DataFrame
        ``deal_id`` (the order), ``rep_id``, ``amount`` [currency],
        ``currency``, ``credited_on``: one row per sales team row.
    errors : pandas.DataFrame
        Orders or sales team rows not used (``input`` ``orders`` or
        ``sales_team``; reasons ``draft``, ``cancelled``, ``no_sales_team``,
        the parse reasons and the contract's).
    """

    credits: pd.DataFrame
    errors: pd.DataFrame


def credits(
    orders: Sequence[Mapping[str, Any]],
    *,
    currency: str | None = None,
    team_map: FieldMap = SALES_TEAM,
) -> CreditsImport:
    """One credit per sales team row of each submitted ``Sales Order``.

    Examples
    --------
    >>> out = credits([{"name": "SO-1", "docstatus": 1, "currency": "USD",
    ...                 "transaction_date": "2026-02-03",
    ...                 "sales_team": [{"sales_person": "Wang Fang", "allocated_amount": 6000.0},
    ...                                {"sales_person": "Li Na", "allocated_amount": 4000.0}]},
    ...                {"name": "SO-2", "docstatus": 0, "sales_team": []}])
    >>> out.credits[["deal_id", "rep_id", "amount"]].to_dict("records")
    [{'deal_id': 'SO-1', 'rep_id': 'Wang Fang', 'amount': 6000.0},
     {'deal_id': 'SO-1', 'rep_id': 'Li Na', 'amount': 4000.0}]
    >>> out.errors[["row", "reason"]].to_dict("records")
    [{'row': 'SO-2', 'reason': 'draft'}]
    """
    from salescore.commission import CREDITS
    from salescore.frames import partition_frame

    errors: list[pd.DataFrame] = [empty_errors()]
    team_rows: list[Mapping[str, Any]] = []
    owners: list[dict[str, Any]] = []
    for i, order in enumerate(orders):
        if not isinstance(order, Mapping):
            raise InvalidInputError(f"sales order {i} is {type(order).__name__}, not a record")
        label = order.get("name", i)
        state = order.get("docstatus")
        reason = (
            None if state == 1 else FailureReason.CANCELLED if state == 2 else FailureReason.DRAFT
        )
        team: Any = order.get("sales_team")
        if reason is None and not (isinstance(team, Sequence) and team):
            reason = FailureReason.NO_SALES_TEAM
        if reason is not None:
            errors.append(
                _error_rows(
                    pd.Index([label], dtype=object),
                    np.ones(1, dtype=bool),
                    input="orders",
                    column="deal_id",
                    field="docstatus" if reason != FailureReason.NO_SALES_TEAM else "sales_team",
                    values=[state if reason != FailureReason.NO_SALES_TEAM else team],
                    reason=reason,
                )
            )
            continue
        for j, row in enumerate(team):
            team_rows.append(row)
            owners.append(
                {
                    "label": f"{label}/{j}",
                    "deal_id": order.get("name"),
                    "currency": order.get("currency") or currency,
                    "credited_on": order.get("transaction_date"),
                }
            )
    mapped, found = read_fields(team_rows, team_map, input="sales_team")
    labels = pd.Index([o["label"] for o in owners], dtype=object)
    found = found.assign(row=[labels[int(r)] for r in found["row"]]) if len(found) else found
    errors.append(found)
    frame = pd.DataFrame(
        {
            "deal_id": [o["deal_id"] for o in owners],
            "rep_id": mapped["rep_id"].to_numpy() if len(mapped) else [],
            "amount": mapped["amount"].to_numpy() if len(mapped) else [],
            "currency": [o["currency"] for o in owners],
            "credited_on": pd.to_datetime([o["credited_on"] for o in owners], errors="coerce"),
        },
        index=labels,
    )
    skip = frame.index.isin(found["row"].tolist()) if len(found) else np.zeros(len(frame), bool)
    valid, failures = partition_frame(frame[~skip], CREDITS)
    errors.append(contract_errors(failures, "sales_team", fields_of(team_map)))
    table = pd.concat([e for e in errors if len(e)] or [empty_errors()], ignore_index=True)
    return CreditsImport(credits=valid, errors=table.astype(object))


def organization(
    sales_persons: Records, *, person_map: FieldMap = SALES_PERSON
) -> OrganizationImport:
    """The ``Sales Person`` tree: groups are teams, the rest reps under their parent.

    Examples
    --------
    >>> org = organization([
    ...     {"name": "Sales Team", "sales_person_name": "Sales Team", "is_group": 1},
    ...     {"name": "East", "sales_person_name": "East", "is_group": 1,
    ...      "parent_sales_person": "Sales Team"},
    ...     {"name": "Wang Fang", "sales_person_name": "Wang Fang", "is_group": 0,
    ...      "parent_sales_person": "East", "enabled": 1}])
    >>> [(t.id, t.parent_id) for t in org.organization.teams]
    [('Sales Team', None), ('East', 'Sales Team')]
    >>> [(r.id, r.team_id) for r in org.organization.reps]
    [('Wang Fang', 'East')]
    """
    mapped, errors = read_fields(sales_persons, person_map, input="sales_persons")
    group = mapped["is_group"].fillna(False).astype(bool).to_numpy()
    teams = mapped[group][["id", "name", "parent_id"]]
    reps = mapped[~group].rename(columns={"parent_id": "team_id"})
    keep = [c for c in ("id", "name", "team_id", "is_active") if c in reps.columns]
    bad = set(errors["row"].tolist())
    rep_errors = errors[errors["row"].isin([r for r in reps.index if r in bad])].assign(
        input="reps"
    )
    team_errors = errors[errors["row"].isin([t for t in teams.index if t in bad])].assign(
        input="teams"
    )
    return organization_from(reps[keep], rep_errors, teams, team_errors)


@dataclass(frozen=True, eq=False)
class TargetsImport(Result):
    """Sales person targets: one yearly target per ``targets`` row and its months.

    Attributes
    ----------
    targets : list of Target
        Each yearly revenue target (id ``<sales person>/<fiscal year>``,
        owner the rep, or the team for a group) followed by its monthly
        children, split by the monthly distribution's percentages (read as
        shares of their own sum: ERPNext lets them add up to 99.96) exactly
        to the minor unit (largest remainder).
    errors : pandas.DataFrame
        ``targets`` rows not used: ``unknown_fiscal_year``,
        ``unknown_distribution``, ``bad_distribution`` (percentages that do
        not cover twelve months with a positive sum), ``no_amount``.
    """

    targets: list[Target]
    errors: pd.DataFrame


def _fiscal_year(name: str, years: Mapping[str, Period]) -> Period | None:
    if name in years:
        return years[name]
    if name.isdigit() and len(name) == 4:
        return Period.year(int(name))
    return None


def targets(
    sales_persons: Sequence[Mapping[str, Any]],
    *,
    currency: str,
    distributions: Sequence[Mapping[str, Any]] = (),
    fiscal_years: Sequence[Mapping[str, Any]] = (),
) -> TargetsImport:
    """Yearly and monthly revenue targets from ``Sales Person.targets``.

    Parameters
    ----------
    sales_persons : sequence of mapping
        ``Sales Person`` records with their ``targets`` child table.
    currency : str
        The company currency the target amounts are in.
    distributions : sequence of mapping
        ``Monthly Distribution`` records (``name``, ``percentages``: rows of
        ``month`` and ``percentage_allocation``).
    fiscal_years : sequence of mapping
        ``Fiscal Year`` records (``name``, ``year_start_date``,
        ``year_end_date``); a four-digit name without one is a calendar year.

    Examples
    --------
    >>> months = [{"month": m, "percentage_allocation": 10 if m == "December" else 90 / 11}
    ...           for m in ("January", "February", "March", "April", "May", "June", "July",
    ...                     "August", "September", "October", "November", "December")]
    >>> out = targets([{"name": "Wang Fang", "is_group": 0, "targets": [
    ...     {"fiscal_year": "2026", "target_amount": 1200000, "distribution_id": "Seasonal"}]}],
    ...     currency="CNY", distributions=[{"name": "Seasonal", "percentages": months}])
    >>> [(t.id, str(t.value)) for t in out.targets][::6]
    [('Wang Fang/2026', '1200000'), ('Wang Fang/2026/2026-06', '98181.82'),
     ('Wang Fang/2026/2026-12', '120000.00')]
    """
    from salescore.goals import decompose

    years: dict[str, Period] = {}
    for record in fiscal_years:
        start = date.fromisoformat(str(record["year_start_date"])[:10])
        end = date.fromisoformat(str(record["year_end_date"])[:10])
        years[str(record["name"])] = Period(start=start, end=end.fromordinal(end.toordinal() + 1))
    shares: dict[str, dict[str, Fraction] | None] = {}
    for record in distributions:
        rows = record.get("percentages") or []
        table = {
            str(r.get("month")): Fraction(str(r.get("percentage_allocation") or 0)) for r in rows
        }
        ok = set(table) == set(_MONTHS) and sum(table.values()) > 0 and min(table.values()) >= 0
        shares[str(record.get("name"))] = table if ok else None
    out: list[Target] = []
    errors: list[pd.DataFrame] = [empty_errors()]

    def refuse(label: str, field: str, value: Any, reason: FailureReason) -> None:
        errors.append(
            _error_rows(
                pd.Index([label], dtype=object),
                np.ones(1, dtype=bool),
                input="targets",
                column="value" if field == "target_amount" else "period",
                field=field,
                values=[value],
                reason=reason,
            )
        )

    for person in sales_persons:
        who = str(person.get("name"))
        kind = "team" if person.get("is_group") else "rep"
        for j, row in enumerate(person.get("targets") or []):
            label = f"{who}/{j}"
            year = _fiscal_year(str(row.get("fiscal_year")), years)
            if year is None:
                refuse(
                    label, "fiscal_year", row.get("fiscal_year"), FailureReason.UNKNOWN_FISCAL_YEAR
                )
                continue
            amount = row.get("target_amount")
            if not amount:
                refuse(label, "target_amount", amount, FailureReason.NO_AMOUNT)
                continue
            dist_name = row.get("distribution_id")
            weights: Any = "even"
            if dist_name:
                if str(dist_name) not in shares:
                    refuse(label, "distribution_id", dist_name, FailureReason.UNKNOWN_DISTRIBUTION)
                    continue
                share = shares[str(dist_name)]
                if share is None:
                    refuse(label, "distribution_id", dist_name, FailureReason.BAD_DISTRIBUTION)
                    continue
                months = year.split("month")
                # ERPNext's own distributions add up to 99.96 and the like: normalise.
                raw = [share[_MONTHS[m.start.month - 1]] for m in months]
                weights = [w / sum(raw) for w in raw]
            parent = Target(
                id=f"{who}/{row.get('fiscal_year')}",
                metric="revenue",
                value=str(amount),
                currency=currency,
                direction="at_least",
                period=year,
                owner=Owner(kind=kind, id=who),
            )
            out.append(parent)
            out.extend(decompose(parent, "month", weights=weights))
    found = pd.concat([e for e in errors if len(e)] or [empty_errors()], ignore_index=True)
    return TargetsImport(targets=out, errors=found.astype(object))
