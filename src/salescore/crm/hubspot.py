"""HubSpot: deals (CRM v3 objects API), deal pipelines and owners.

Records are read as ``GET /crm/v3/objects/deals`` returns them
(``{"id": ..., "properties": {...}, "archived": false}``), or as a frame of
``pandas.json_normalize`` of them (columns ``properties.amount`` and so on).
What the maps assume, from HubSpot's API reference:

- every property is a string: ``amount`` ``"1500.00"``, dates ISO 8601 in
  UTC (``closedate``, ``createdate``);
- ``dealstage`` is the stage's internal id; the pipeline
  (``GET /crm/v3/pipelines/deals``) gives each id its label, its
  ``displayOrder`` and ``metadata`` (``isClosed``, ``probability`` as a
  fraction); the won stage has probability 1;
- ``closedate`` is the expected close date of an open deal and the close
  date of a closed one;
- ``hs_date_entered_<stage id>`` (``hs_v2_date_entered_<stage id>`` on
  newer portals) is the last time the deal entered the stage: the history
  is the stages ordered by it. HubSpot keeps only the latest entry of each
  stage, so a deal that went back and forth shows its last path;
- a deal in a stage that was deleted from the pipeline, or whose entry
  dates name one, is in the errors table (``unknown_stage``,
  ``history_not_imported``); deals of another pipeline are ``other_pipeline``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

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
from salescore.errors import InvalidInputError
from salescore.models import Pipeline

__all__ = ["DEAL", "ENTERED_PREFIXES", "OWNER", "STAGE", "load", "organization", "pipeline"]

#: HubSpot's forecast categories (``hs_manual_forecast_category``) onto salescore's.
FORECAST_CATEGORIES: Final = {
    "OMIT": "Omitted",
    "PIPELINE": "Pipeline",
    "BEST_CASE": "Best Case",
    "COMMIT": "Commit",
    "CLOSED": "Closed",
}
#: Property name prefixes of stage entry dates, newest first.
ENTERED_PREFIXES: Final = ("hs_v2_date_entered_", "hs_date_entered_")

#: A deal onto :data:`~salescore.frames.OPPORTUNITIES` (``stage`` is recoded by :func:`load`).
DEAL: Final = FieldMap(
    system="hubspot",
    record="deal",
    fields={
        "id": Field(source="id"),
        "owner_id": Field(source="properties.hubspot_owner_id"),
        "amount": Field(source="properties.amount", parse="number"),
        "currency": Field(source="properties.deal_currency_code", required=False),
        "stage": Field(source="properties.dealstage"),
        "pipeline_id": Field(source="properties.pipeline", required=False),
        "created_on": Field(source="properties.createdate", parse="date"),
        "closes_on": Field(source="properties.closedate", parse="date"),
        "is_closed": Field(source="properties.hs_is_closed", parse="bool", required=False),
        "account_id": Field(source="properties.associatedcompanyid", required=False),
        "channel_id": Field(source=None, required=False),
        "product": Field(source=None, required=False),
        "forecast_category": Field(
            source="properties.hs_manual_forecast_category",
            recode=FORECAST_CATEGORIES,
            required=False,
        ),
        "is_deleted": Field(source="archived", parse="bool", required=False),
    },
)
#: A stage of a deal pipeline (``results[i].stages[j]`` of the pipelines API).
STAGE: Final = FieldMap(
    system="hubspot",
    record="pipeline stage",
    fields={
        "id": Field(source="id"),
        "name": Field(source="label"),
        "order": Field(source="displayOrder", parse="number", required=False),
        "probability": Field(source="metadata.probability", parse="number"),
        "is_closed": Field(source="metadata.isClosed", parse="bool"),
        "is_deleted": Field(source="archived", parse="bool", required=False),
    },
)
#: An owner (``GET /crm/v3/owners``) onto :data:`~salescore.frames.REPS`.
OWNER: Final = FieldMap(
    system="hubspot",
    record="owner",
    fields={
        "id": Field(source="id"),
        "first_name": Field(source="firstName", required=False),
        "last_name": Field(source="lastName", required=False),
        "email": Field(source="email", required=False),
        "is_deleted": Field(source="archived", parse="bool", required=False),
    },
)


def _stage_records(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    stages = record.get("stages") if isinstance(record, Mapping) else None
    if not isinstance(stages, Sequence) or not stages:
        raise InvalidInputError(
            f"pipeline record {record!r:.80} has no 'stages' list; pass one result of "
            "GET /crm/v3/pipelines/deals"
        )
    return list(stages)


def pipeline(
    record: Mapping[str, Any], *, stage_map: FieldMap = STAGE
) -> tuple[Pipeline, dict[str, str]]:
    """A deal pipeline record: the :class:`~salescore.models.Pipeline` and stage id -> label.

    Archived stages are left out: deals still in them go to the errors table.
    A closed stage with probability 1 is won, a closed stage below 1 lost.

    Examples
    --------
    >>> p, labels = pipeline({"id": "default", "label": "Sales Pipeline", "stages": [
    ...     {"id": "qualifiedtobuy", "label": "Qualified", "displayOrder": 1,
    ...      "metadata": {"isClosed": "false", "probability": "0.4"}},
    ...     {"id": "closedwon", "label": "Closed won", "displayOrder": 5,
    ...      "metadata": {"isClosed": "true", "probability": "1.0"}},
    ...     {"id": "closedlost", "label": "Closed lost", "displayOrder": 6,
    ...      "metadata": {"isClosed": "true", "probability": "0.0"}}]})
    >>> [(s.name, s.kind.value) for s in p.stages], labels["closedwon"]
    ([('Qualified', 'open'), ('Closed won', 'won'), ('Closed lost', 'lost')], 'Closed won')
    """
    stages, errors = read_fields(_stage_records(record), stage_map, input="stages")
    if "is_deleted" in stages.columns:
        stages = stages[~stages["is_deleted"].fillna(False).astype(bool).to_numpy()]
    stages = stages.assign(is_won=stages["is_closed"].astype(bool) & (stages["probability"] >= 1.0))
    labels = dict(zip(stages["id"].tolist(), stages["name"].tolist(), strict=True))
    name = str(record.get("label") or record.get("id") or "HubSpot")
    return pipeline_from(stages.drop(columns=["id"]), errors, name=name), labels


def _entered_columns(records: Records) -> dict[str, str]:
    """Stage id -> the column or property holding its entry date."""
    if isinstance(records, pd.DataFrame):
        names: set[str] = set()
        for column in records.columns:
            names.add(str(column).removeprefix("properties."))
        flat = {str(c).removeprefix("properties."): str(c) for c in records.columns}
    else:
        names = set()
        for record in records:
            properties = record.get("properties")
            if isinstance(properties, Mapping):
                names.update(str(k) for k in properties)
        flat = {n: f"properties.{n}" for n in names}
    out: dict[str, str] = {}
    for prefix in reversed(ENTERED_PREFIXES):  # the newer prefix wins where both exist
        for name in names:
            if name.startswith(prefix) and name != prefix:
                out[name.removeprefix(prefix)] = flat[name]
    return out


def _history(
    records: Records, deals: pd.DataFrame, labels: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    columns = _entered_columns(records)
    if not columns:
        return pd.DataFrame(), empty_errors(), 0
    fields = {
        stage_id: Field(source=source, parse="datetime", required=False)
        for stage_id, source in columns.items()
    }
    read, errors = read_fields(
        records,
        FieldMap(system="hubspot", record="deal entry dates", fields=fields),
        input="history",
    )
    read = read.loc[deals.index]
    errors = errors[errors["row"].isin(deals.index.tolist())]
    long = read.stack(future_stack=True).dropna()  # noqa: PD013 (row, stage) pairs, not melt
    if long.empty:
        return pd.DataFrame(), errors, 0
    rows = long.index.get_level_values(0)
    stage_ids = long.index.get_level_values(1)
    ids = deals["id"].reindex(rows)
    observed = pd.DataFrame(
        {
            "opportunity_id": ids.to_numpy(),
            "stage": [labels.get(s, s) for s in stage_ids],
            "changed_at": pd.to_datetime(long.to_numpy(), utc=True),
        },
        index=pd.Index([f"{r}/{s}" for r, s in zip(rows, stage_ids, strict=True)], dtype=object),
    )
    changes, _ = changes_from_sequence(
        observed["opportunity_id"], observed["stage"], observed["changed_at"]
    )
    return changes, errors, len(observed)


def load(
    deals: Records,
    *,
    pipeline_record: Mapping[str, Any] | None = None,
    currency: str | None = None,
    history: bool = True,
    deal_map: FieldMap = DEAL,
    stage_map: FieldMap = STAGE,
) -> CrmImport:
    """HubSpot deals, with histories from their stage entry dates, as salescore frames.

    Parameters
    ----------
    deals : DataFrame or sequence of mapping
        Deal records of the objects API, or ``json_normalize`` of them.
    pipeline_record : mapping, optional
        The deals' pipeline from the pipelines API: recodes stage ids to
        labels and checks them. Deals of other pipelines are in the errors.
    currency : str, optional
        The portal's currency, where ``deal_currency_code`` is missing.
    history : bool
        Read ``hs_date_entered_*`` as the stage history (default). With
        ``False``, a snapshot.
    deal_map, stage_map : FieldMap
        The maps; copy and change them for custom properties.

    Returns
    -------
    CrmImport

    Examples
    --------
    >>> record = {"id": "default", "label": "Sales", "stages": [
    ...     {"id": "qualifiedtobuy", "label": "Qualified", "displayOrder": 0,
    ...      "metadata": {"isClosed": "false", "probability": "0.4"}},
    ...     {"id": "closedwon", "label": "Won", "displayOrder": 1,
    ...      "metadata": {"isClosed": "true", "probability": "1.0"}},
    ...     {"id": "closedlost", "label": "Lost", "displayOrder": 2,
    ...      "metadata": {"isClosed": "true", "probability": "0.0"}}]}
    >>> deal = {"id": "901", "archived": False, "properties": {
    ...     "amount": "2500.00", "dealstage": "closedwon", "pipeline": "default",
    ...     "hubspot_owner_id": "77", "createdate": "2026-01-05T10:00:00Z",
    ...     "closedate": "2026-02-01T00:00:00Z",
    ...     "hs_date_entered_qualifiedtobuy": "2026-01-05T10:00:00Z",
    ...     "hs_date_entered_closedwon": "2026-02-01T09:00:00Z"}}
    >>> imp = load([deal], pipeline_record=record, currency="EUR")
    >>> imp.opportunities[["id", "stage", "amount", "currency"]].to_dict("records")
    [{'id': '901', 'stage': 'Won', 'amount': 2500.0, 'currency': 'EUR'}]
    >>> imp.stage_changes[["from_stage", "to_stage"]].to_dict("records")
    [{'from_stage': None, 'to_stage': 'Qualified'}, {'from_stage': 'Qualified', 'to_stage': 'Won'}]
    """
    the_pipeline, labels = (
        (None, {}) if pipeline_record is None else pipeline(pipeline_record, stage_map=stage_map)
    )
    active = deal_map
    if labels:
        stage = active.fields["stage"]
        active = active.with_fields(
            stage=stage.model_copy(update={"recode": {**labels, **stage.recode}})
        )
    if currency:
        active = active.with_defaults(currency=currency)
    mapped, errors = read_fields(deals, active, input="opportunities")
    extra = [errors]
    if pipeline_record is not None and "pipeline_id" in mapped.columns:
        wanted = str(pipeline_record.get("id"))
        other = (mapped["pipeline_id"].notna() & (mapped["pipeline_id"] != wanted)).to_numpy(bool)
        if other.any():
            extra.append(
                _error_rows(
                    mapped.index,
                    other,
                    input="opportunities",
                    column="stage",
                    field=active.fields["pipeline_id"].source,
                    values=mapped["pipeline_id"].to_numpy(),
                    reason=FailureReason.OTHER_PIPELINE,
                )
            )
    frame, errors = deals_from(mapped, pd.concat(extra, ignore_index=True), the_pipeline, active)
    changes = None
    change_errors = empty_errors()
    rows = 0
    if history:
        failed = (
            frame.index.isin(errors["row"].tolist()) if len(errors) else np.zeros(len(frame), bool)
        )
        usable = frame[~failed & frame["id"].notna().to_numpy(dtype=bool)]
        found, change_errors, rows = _history(deals, usable, labels)
        changes = found if len(found) else None
    return finish(
        "hubspot",
        deals=frame,
        deal_errors=errors,
        deal_fields=fields_of(active),
        pipeline=the_pipeline,
        changes=changes,
        change_errors=change_errors,
        change_rows=rows,
    )


def organization(owners: Records, *, owner_map: FieldMap = OWNER) -> OrganizationImport:
    """Reps from owner records, each under their primary team (teams from the same records).

    Examples
    --------
    >>> org = organization([{"id": "77", "firstName": "Fang", "lastName": "Wang",
    ...                      "email": "fang@example.com",
    ...                      "teams": [{"id": "9", "name": "East", "primary": True}]}])
    >>> [(r.id, r.name, r.team_id) for r in org.organization.reps]
    [('77', 'Fang Wang', '9')]
    """
    mapped, errors = read_fields(owners, owner_map, input="reps")
    blank = pd.Series("", index=mapped.index, dtype=object)
    first = mapped["first_name"].fillna("") if "first_name" in mapped else blank
    last = mapped["last_name"].fillna("") if "last_name" in mapped else blank
    names = (first.astype(str) + " " + last.astype(str)).str.strip()
    if "email" in mapped.columns:
        names = names.where(names != "", mapped["email"])
    team_ids: list[Any] = []
    teams: dict[str, str] = {}
    rows = owners.to_dict("records") if isinstance(owners, pd.DataFrame) else list(owners)
    for record in rows:
        listed = record.get("teams") if isinstance(record, Mapping) else None
        chosen = None
        if isinstance(listed, Sequence) and not isinstance(listed, str):
            picks = [t for t in listed if isinstance(t, Mapping) and t.get("id") is not None]
            primary = [t for t in picks if t.get("primary")] or picks[:1]
            for t in picks:
                teams[str(t["id"])] = str(t.get("name") or t["id"])
            chosen = str(primary[0]["id"]) if primary else None
        team_ids.append(chosen)
    reps = pd.DataFrame(
        {
            "id": mapped["id"],
            "name": names.where(names != "", None),
            "team_id": pd.Series(team_ids, index=mapped.index, dtype=object),
        }
    )
    if "is_deleted" in mapped.columns:
        reps["is_active"] = ~mapped["is_deleted"].fillna(False).astype(bool)
    team_frame = pd.DataFrame(
        {"id": list(teams), "name": list(teams.values()), "parent_id": None}, dtype=object
    )
    return organization_from(reps, errors, team_frame, empty_errors())
