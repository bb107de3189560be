"""Salesforce: ``Opportunity``, ``OpportunityHistory``, ``OpportunityFieldHistory``, stages, users.

Records are read as the REST API (``/services/data/vXX.X/query``) returns
them, or as a Data Loader / report export with the API field names as
columns. What the maps assume, from Salesforce's object reference:

- ``CloseDate`` is the expected close date of an open opportunity and the
  close date of a closed one; ``IsClosed`` says which.
- ``Probability`` is a percentage; ``ForecastCategoryName`` is one of
  ``Pipeline``, ``Best Case``, ``Commit``, ``Closed``, ``Omitted``.
- ``CurrencyIsoCode`` exists only in multi-currency orgs: give ``currency=``
  otherwise.
- ``OpportunityHistory`` has one row each time the stage, amount,
  probability or close date changes; rows that keep the stage are merged.
- ``OpportunityStage`` (``MasterLabel``, ``SortOrder``,
  ``DefaultProbability``, ``IsClosed``, ``IsWon``) is the pipeline; a stage
  removed from it leaves its deals and history rows in the errors table as
  ``unknown_stage``.
- Custom fields (``Channel__c``, ``Product_Line__c``) are mapped with
  :meth:`~salescore.crm.FieldMap.with_fields`.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from salescore.crm._engine import (
    CrmImport,
    Field,
    FieldMap,
    OrganizationImport,
    Records,
    _error_rows,
    changes_from_sequence,
    deals_from,
    empty_errors,
    fields_of,
    finish,
    organization_from,
    pipeline_from,
    read_fields,
)
from salescore.error_codes import FailureReason
from salescore.models import Pipeline

__all__ = [
    "OPPORTUNITY",
    "OPPORTUNITY_FIELD_HISTORY",
    "OPPORTUNITY_HISTORY",
    "OPPORTUNITY_STAGE",
    "USER",
    "USER_ROLE",
    "load",
    "organization",
    "pipeline",
]

#: ``Opportunity`` onto :data:`~salescore.frames.OPPORTUNITIES`.
OPPORTUNITY: Final = FieldMap(
    system="salesforce",
    record="Opportunity",
    fields={
        "id": Field(source="Id"),
        "owner_id": Field(source="OwnerId"),
        "amount": Field(source="Amount", parse="number"),
        "currency": Field(source="CurrencyIsoCode", required=False),
        "stage": Field(source="StageName"),
        "created_on": Field(source="CreatedDate", parse="date"),
        "closes_on": Field(source="CloseDate", parse="date"),
        "is_closed": Field(source="IsClosed", parse="bool", required=False),
        "account_id": Field(source="AccountId", required=False),
        "channel_id": Field(source=None, required=False),
        "product": Field(source=None, required=False),
        "probability": Field(source="Probability", parse="percent", required=False),
        "forecast_category": Field(source="ForecastCategoryName", required=False),
        "is_deleted": Field(source="IsDeleted", parse="bool", required=False),
    },
)
#: ``OpportunityHistory``: one row per change of stage, amount, probability or close date.
OPPORTUNITY_HISTORY: Final = FieldMap(
    system="salesforce",
    record="OpportunityHistory",
    fields={
        "opportunity_id": Field(source="OpportunityId"),
        "stage": Field(source="StageName"),
        "changed_at": Field(source="CreatedDate", parse="datetime"),
        "is_deleted": Field(source="IsDeleted", parse="bool", required=False),
    },
)
#: ``OpportunityFieldHistory``: one row per tracked field change (``Field = StageName``).
OPPORTUNITY_FIELD_HISTORY: Final = FieldMap(
    system="salesforce",
    record="OpportunityFieldHistory",
    fields={
        "opportunity_id": Field(source="OpportunityId"),
        "field": Field(source="Field"),
        "old_value": Field(source="OldValue"),
        "new_value": Field(source="NewValue"),
        "changed_at": Field(source="CreatedDate", parse="datetime"),
        "is_deleted": Field(source="IsDeleted", parse="bool", required=False),
    },
)
#: ``OpportunityStage``: the picklist of stages with their defaults.
OPPORTUNITY_STAGE: Final = FieldMap(
    system="salesforce",
    record="OpportunityStage",
    fields={
        "name": Field(source="MasterLabel"),
        "order": Field(source="SortOrder", parse="number", required=False),
        "probability": Field(source="DefaultProbability", parse="percent"),
        "is_closed": Field(source="IsClosed", parse="bool"),
        "is_won": Field(source="IsWon", parse="bool"),
        "forecast_category": Field(source="ForecastCategoryName", required=False),
    },
)
#: ``User`` onto :data:`~salescore.frames.REPS` (the role is the team).
USER: Final = FieldMap(
    system="salesforce",
    record="User",
    fields={
        "id": Field(source="Id"),
        "name": Field(source="Name"),
        "team_id": Field(source="UserRoleId", required=False),
        "manager_id": Field(source="ManagerId", required=False),
        "is_active": Field(source="IsActive", parse="bool", required=False),
    },
)
#: ``UserRole`` onto :data:`~salescore.frames.TEAMS` (the role hierarchy is the team tree).
USER_ROLE: Final = FieldMap(
    system="salesforce",
    record="UserRole",
    fields={
        "id": Field(source="Id"),
        "name": Field(source="Name"),
        "parent_id": Field(source="ParentRoleId", required=False),
    },
)


def pipeline(
    stages: Records, *, stage_map: FieldMap = OPPORTUNITY_STAGE, name: str = "Salesforce"
) -> Pipeline:
    """The pipeline of ``OpportunityStage`` records, in ``SortOrder``.

    Examples
    --------
    >>> p = pipeline([
    ...     {"MasterLabel": "Prospecting", "SortOrder": 1, "DefaultProbability": 10,
    ...      "IsClosed": False, "IsWon": False, "ForecastCategoryName": "Pipeline"},
    ...     {"MasterLabel": "Closed Won", "SortOrder": 2, "DefaultProbability": 100,
    ...      "IsClosed": True, "IsWon": True, "ForecastCategoryName": "Closed"},
    ...     {"MasterLabel": "Closed Lost", "SortOrder": 3, "DefaultProbability": 0,
    ...      "IsClosed": True, "IsWon": False, "ForecastCategoryName": "Omitted"}])
    >>> [(s.name, s.kind.value, s.probability) for s in p.stages]
    [('Prospecting', 'open', 0.1), ('Closed Won', 'won', 1.0), ('Closed Lost', 'lost', 0.0)]
    """
    frame, errors = read_fields(stages, stage_map, input="stages")
    return pipeline_from(frame, errors, name=name)


def _read_history(
    records: Records, history_map: FieldMap
) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.DataFrame]]:
    """History rows as mapped, the usable ones, and the errors: unreadable or deleted rows."""
    frame, errors = read_fields(records, history_map, input="history")
    found = [errors]
    bad = frame.index.isin(errors["row"].tolist()) if len(errors) else np.zeros(len(frame), bool)
    if "is_deleted" in frame.columns:
        deleted = frame["is_deleted"].fillna(False).astype(bool).to_numpy() & ~bad
        if deleted.any():
            found.append(
                _error_rows(
                    frame.index,
                    deleted,
                    input="history",
                    column="opportunity_id",
                    field=history_map.fields["is_deleted"].source,
                    values=frame["opportunity_id"].to_numpy(),
                    reason=FailureReason.DELETED,
                )
            )
            bad |= deleted
    return frame, frame[~bad], found


def _history(
    records: Records, history_map: FieldMap
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    frame, usable, found = _read_history(records, history_map)
    # Rows without a deal, stage or time cannot be ordered: the contract names them.
    complete = usable[["opportunity_id", "stage", "changed_at"]].notna().all(axis=1)
    ordered = usable[complete.to_numpy()]
    changes, merged = changes_from_sequence(
        ordered["opportunity_id"], ordered["stage"], ordered["changed_at"]
    )
    broken = usable[~complete.to_numpy()]
    shaped = pd.DataFrame(
        {
            "opportunity_id": broken["opportunity_id"],
            "from_stage": None,
            "to_stage": broken["stage"],
            "changed_at": broken["changed_at"],
        },
        index=broken.index,
    )
    changes = pd.concat([changes, shaped]) if len(shaped) else changes
    return changes, pd.concat(found, ignore_index=True), len(frame), int(merged.sum())


def _field_history(
    records: Records, field_map: FieldMap, deals: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    frame, usable, found = _read_history(records, field_map)
    is_stage = (usable["field"] == "StageName").to_numpy(dtype=bool)
    created = usable[(usable["field"] == "created").to_numpy(dtype=bool)]
    moves = usable[is_stage].sort_values("changed_at", kind="stable")
    created_at = created.groupby("opportunity_id")["changed_at"].min()
    # The entry that creates each deal: into the stage its first move left (or its
    # current stage, if it never moved), at the ``created`` row.
    first_move = moves.groupby("opportunity_id", sort=False).head(1).set_index("opportunity_id")
    start = deals.set_index("id")["stage"].astype(object).copy()
    start.loc[start.index.intersection(first_move.index)] = first_move["old_value"]
    born = pd.Series(
        pd.to_datetime(deals["created_on"]).dt.tz_localize("UTC").to_numpy(),
        index=deals["id"].to_numpy(),
    )
    born.loc[born.index.intersection(created_at.index)] = created_at
    move_at = first_move["changed_at"].reindex(born.index)
    born = born.where(move_at.isna() | (born <= move_at), move_at)
    entries = pd.DataFrame(
        {
            "opportunity_id": start.index.to_numpy(),
            "from_stage": None,
            "to_stage": start.to_numpy(),
            "changed_at": born.reindex(start.index).to_numpy(),
        },
        index=pd.Index([f"{d}/created" for d in start.index], dtype=object),
    )
    changes = pd.concat(
        [
            entries,
            pd.DataFrame(
                {
                    "opportunity_id": moves["opportunity_id"],
                    "from_stage": moves["old_value"],
                    "to_stage": moves["new_value"],
                    "changed_at": moves["changed_at"],
                },
                index=moves.index,
            ),
        ]
    )
    merged = len(usable) - int(is_stage.sum())
    return changes, pd.concat(found, ignore_index=True), len(frame), merged


def load(
    opportunities: Records,
    *,
    stages: Records | None = None,
    history: Records | None = None,
    field_history: Records | None = None,
    currency: str | None = None,
    opportunity_map: FieldMap = OPPORTUNITY,
    stage_map: FieldMap = OPPORTUNITY_STAGE,
    history_map: FieldMap = OPPORTUNITY_HISTORY,
    field_history_map: FieldMap = OPPORTUNITY_FIELD_HISTORY,
) -> CrmImport:
    """Salesforce opportunities, their stage histories and the pipeline, as salescore frames.

    Parameters
    ----------
    opportunities : DataFrame or sequence of mapping
        ``Opportunity`` records (REST ``records``) or an export.
    stages : DataFrame or sequence of mapping, optional
        ``OpportunityStage`` records: the pipeline. Without it deals are
        not checked against stages and the import has no pipeline.
    history : DataFrame or sequence of mapping, optional
        ``OpportunityHistory`` records.
    field_history : DataFrame or sequence of mapping, optional
        ``OpportunityFieldHistory`` records (``Field`` ``StageName`` and
        ``created``), instead of ``history``.
    currency : str, optional
        The org's currency, for orgs without ``CurrencyIsoCode``.
    opportunity_map, stage_map, history_map, field_history_map : FieldMap
        The maps; copy and change them for custom fields.

    Returns
    -------
    CrmImport

    Raises
    ------
    InvalidInputError
        Both histories given, a map or record that is not one, a frame
        lacking a mapped column, or a stage record that does not map.

    Examples
    --------
    >>> stages = [
    ...     {"MasterLabel": "Qualification", "SortOrder": 1, "DefaultProbability": 20,
    ...      "IsClosed": False, "IsWon": False},
    ...     {"MasterLabel": "Closed Won", "SortOrder": 2, "DefaultProbability": 100,
    ...      "IsClosed": True, "IsWon": True},
    ...     {"MasterLabel": "Closed Lost", "SortOrder": 3, "DefaultProbability": 0,
    ...      "IsClosed": True, "IsWon": False}]
    >>> deals = [{"attributes": {"type": "Opportunity"}, "Id": "006A", "OwnerId": "005X",
    ...           "Amount": 12000.0, "StageName": "Closed Won", "IsClosed": True,
    ...           "CreatedDate": "2026-01-05T09:30:00.000+0000", "CloseDate": "2026-02-20"},
    ...          {"Id": "006B", "OwnerId": "005X", "Amount": None, "StageName": "Qualification",
    ...           "CreatedDate": "2026-01-07T10:00:00.000+0000", "CloseDate": "2026-03-31"}]
    >>> history = [
    ...     {"OpportunityId": "006A", "StageName": "Qualification",
    ...      "CreatedDate": "2026-01-05T09:30:00.000+0000"},
    ...     {"OpportunityId": "006A", "StageName": "Closed Won",
    ...      "CreatedDate": "2026-02-20T16:00:00.000+0000"}]
    >>> imp = load(deals, stages=stages, history=history, currency="USD")
    >>> imp.opportunities[["id", "stage", "close_date"]].to_dict("records")
    [{'id': '006A', 'stage': 'Closed Won', 'close_date': Timestamp('2026-02-20 00:00:00')}]
    >>> imp.errors[["row", "column", "field", "reason"]].to_dict("records")
    [{'row': 1, 'column': 'amount', 'field': 'Amount', 'reason': 'not_null'}]
    >>> imp.stage_changes["to_stage"].tolist()
    ['Qualification', 'Closed Won']
    """
    if history is not None and field_history is not None:
        from salescore.errors import InvalidInputError

        raise InvalidInputError("give history= or field_history=, not both")
    deal_map = opportunity_map.with_defaults(currency=currency) if currency else opportunity_map
    the_pipeline = None if stages is None else pipeline(stages, stage_map=stage_map)
    mapped, errors = read_fields(opportunities, deal_map, input="opportunities")
    deals, errors = deals_from(mapped, errors, the_pipeline, deal_map)
    changes = None
    change_errors = empty_errors()
    rows = merged = 0
    if history is not None:
        changes, change_errors, rows, merged = _history(history, history_map)
    elif field_history is not None:
        changes, change_errors, rows, merged = _field_history(
            field_history, field_history_map, deals.dropna(subset=["id", "stage", "created_on"])
        )
        # Entries are made from the deals, not from rows: count them as rows in.
        rows += sum(str(label).endswith("/created") for label in changes.index)
    return finish(
        "salesforce",
        deals=deals,
        deal_errors=errors,
        deal_fields=fields_of(deal_map),
        pipeline=the_pipeline,
        changes=changes,
        change_errors=change_errors,
        change_rows=rows,
        merged=merged,
    )


def organization(
    users: Records,
    roles: Records = (),
    *,
    user_map: FieldMap = USER,
    role_map: FieldMap = USER_ROLE,
) -> OrganizationImport:
    """Reps and teams from ``User`` and ``UserRole`` records; inactive users are left out.

    Examples
    --------
    >>> org = organization(
    ...     [{"Id": "005A", "Name": "Wang Fang", "UserRoleId": "00E1", "IsActive": True},
    ...      {"Id": "005B", "Name": "Li Na", "UserRoleId": "00E1", "IsActive": False}],
    ...     [{"Id": "00E1", "Name": "East", "ParentRoleId": None}])
    >>> [r.id for r in org.organization.reps], org.errors["reason"].tolist()
    (['005A'], ['inactive'])
    """
    reps, rep_errors = read_fields(users, user_map, input="reps")
    teams, team_errors = read_fields(
        list(roles) if not isinstance(roles, pd.DataFrame) else roles, role_map, input="teams"
    )
    return organization_from(reps, rep_errors, teams, team_errors)
