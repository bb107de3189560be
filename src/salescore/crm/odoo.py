"""Odoo CRM: ``crm.lead``, ``crm.stage``, stage tracking in ``mail.tracking.value``, users, teams.

Records are read as ``search_read`` over JSON-RPC / XML-RPC returns them.
What the maps assume, from Odoo's CRM models (versions 15-17):

- a many2one is ``[id, "display name"]``, and an empty field is ``False``;
- datetimes are naive strings in UTC (``"2026-01-05 09:12:33"``), dates
  ``"2026-03-31"``;
- ``expected_revenue`` is the deal amount, ``probability`` a percentage,
  ``date_deadline`` the expected close and ``date_closed`` the close;
- stages carry no probability (Odoo predicts one per lead): each open
  stage's default is the mean ``probability`` of the open leads in it,
  unless ``probabilities=`` gives one;
- a lost lead is archived (``active`` false) with probability 0 and keeps
  its stage: it is imported in the ``Lost`` stage this module adds, with
  ``lost_stage`` its Odoo stage. An archived lead that is not lost is in
  the errors table as ``deleted``;
- a stage change is a ``mail.tracking.value`` on ``stage_id`` (the message's
  ``res_id`` is the lead): give the tracking values with a ``res_id``
  (read ``mail_message_id.res_id``), or the messages with ``messages=``.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from salescore.errors import InvalidInputError
from salescore.models import Pipeline

__all__ = ["LEAD", "LOST", "STAGE", "TEAM", "TRACKING", "USER", "load", "organization", "pipeline"]

#: Name of the lost stage added to an Odoo pipeline.
LOST: Final = "Lost"

#: ``crm.lead`` onto :data:`~salescore.frames.OPPORTUNITIES`.
LEAD: Final = FieldMap(
    system="odoo",
    record="crm.lead",
    fields={
        "id": Field(source="id"),
        "owner_id": Field(source="user_id", parse="reference_id"),
        "amount": Field(source="expected_revenue", parse="number"),
        "currency": Field(source="company_currency", parse="reference_name", required=False),
        "stage": Field(source="stage_id", parse="reference_name"),
        "stage_id": Field(source="stage_id", parse="reference_id"),
        "created_on": Field(source="create_date", parse="date"),
        "expected_close_date": Field(source="date_deadline", parse="date", required=False),
        "close_date": Field(source="date_closed", parse="date", required=False),
        "closed_at": Field(source="date_closed", parse="datetime", required=False),
        "written_at": Field(source="write_date", parse="datetime", required=False),
        "created_at": Field(source="create_date", parse="datetime"),
        "account_id": Field(source="partner_id", parse="reference_id", required=False),
        "channel_id": Field(source="medium_id", parse="reference_name", required=False),
        "product": Field(source=None, required=False),
        "probability": Field(source="probability", parse="percent", required=False),
        "active": Field(source="active", parse="bool", required=False),
        "type": Field(source="type", required=False),
    },
)
#: ``crm.stage`` (``sequence`` orders them; ``is_won`` marks the won stage).
STAGE: Final = FieldMap(
    system="odoo",
    record="crm.stage",
    fields={
        "id": Field(source="id"),
        "name": Field(source="name"),
        "order": Field(source="sequence", parse="number", required=False),
        "is_won": Field(source="is_won", parse="bool"),
    },
)
#: ``mail.tracking.value`` of ``crm.lead`` messages (``field_id`` names the field).
TRACKING: Final = FieldMap(
    system="odoo",
    record="mail.tracking.value",
    fields={
        "lead_id": Field(source="res_id", required=False),
        "message_id": Field(source="mail_message_id", parse="reference_id"),
        "field": Field(source="field_id", parse="reference_name"),
        "old_stage_id": Field(source="old_value_integer", parse="number", required=False),
        "new_stage_id": Field(source="new_value_integer", parse="number", required=False),
        "changed_at": Field(source="create_date", parse="datetime"),
    },
)
#: ``res.users`` onto :data:`~salescore.frames.REPS` (the sales team is the team).
USER: Final = FieldMap(
    system="odoo",
    record="res.users",
    fields={
        "id": Field(source="id"),
        "name": Field(source="name"),
        "team_id": Field(source="sale_team_id", parse="reference_id", required=False),
        "is_active": Field(source="active", parse="bool", required=False),
    },
)
#: ``crm.team`` onto :data:`~salescore.frames.TEAMS`.
TEAM: Final = FieldMap(
    system="odoo",
    record="crm.team",
    fields={"id": Field(source="id"), "name": Field(source="name")},
)
#: Names the stage field may carry in ``field_id`` (technical name or label).
STAGE_FIELDS: Final = frozenset({"stage_id", "Stage", "Stage (crm.lead)"})


def pipeline(
    stages: Records,
    *,
    leads: pd.DataFrame | None = None,
    probabilities: Mapping[str, float] | None = None,
    stage_map: FieldMap = STAGE,
    name: str = "Odoo",
) -> tuple[Pipeline, dict[str, str]]:
    """The pipeline of ``crm.stage`` records plus a ``Lost`` stage, and stage id -> name.

    ``leads`` (mapped lead columns ``stage``, ``probability``, ``active``)
    gives each open stage without a ``probabilities`` entry the mean
    probability of its open leads (0 without any).

    Examples
    --------
    >>> p, names = pipeline([{"id": 1, "name": "New", "sequence": 1, "is_won": False},
    ...                      {"id": 4, "name": "Won", "sequence": 70, "is_won": True}],
    ...                     probabilities={"New": 0.1})
    >>> [(s.name, s.kind.value, s.probability) for s in p.stages], names["4"]
    ([('New', 'open', 0.1), ('Won', 'won', 1.0), ('Lost', 'lost', 0.0)], 'Won')
    """
    frame, errors = read_fields(stages, stage_map, input="stages")
    given = dict(probabilities or {})
    means: dict[str, float] = {}
    if leads is not None and len(leads):
        live = leads[leads["active"].fillna(True).astype(bool).to_numpy()]
        averages = live.groupby("stage")["probability"].mean().dropna()
        means = {str(k): float(v) for k, v in averages.items()}
    if LOST in set(frame["name"].tolist()):
        raise InvalidInputError(
            f"an Odoo stage is named {LOST!r}, the name of the lost stage this import adds; "
            "rename the stage in the map's recode"
        )
    probability = [
        1.0 if won else float(given.get(n, means.get(n, 0.0)))
        for n, won in zip(frame["name"], frame["is_won"].fillna(False), strict=True)
    ]
    order = frame["order"].to_numpy(dtype=np.float64) if "order" in frame else None
    top = float(np.nanmax(order)) + 1 if order is not None and len(order) else float(len(frame))
    lost = pd.DataFrame(
        {
            "name": [LOST],
            "order": [top],
            "is_won": [False],
            "is_closed": [True],
            "probability": [0.0],
        }
    )
    frame = frame.assign(probability=probability, is_closed=frame["is_won"].fillna(False))
    names = dict(zip(frame["id"].tolist(), frame["name"].tolist(), strict=True))
    stages_frame = pd.concat([frame.drop(columns=["id"]), lost], ignore_index=True)
    return pipeline_from(stages_frame, errors, name=name), names


def _tracking(
    tracking: Records,
    messages: Records | None,
    leads: pd.DataFrame,
    names: Mapping[str, str],
    tracking_map: FieldMap,
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    frame, errors = read_fields(tracking, tracking_map, input="history")
    if messages is not None:
        message_map = FieldMap(
            system="odoo",
            record="mail.message",
            fields={"id": Field(source="id"), "res_id": Field(source="res_id")},
        )
        found, _ = read_fields(messages, message_map, input="messages")
        lead_of = dict(zip(found["id"].tolist(), found["res_id"].tolist(), strict=True))
        frame["lead_id"] = frame["lead_id"].fillna(frame["message_id"].map(lead_of))
    failed = frame.index.isin(errors["row"].tolist()) if len(errors) else np.zeros(len(frame), bool)
    usable = frame[~failed]
    stage_rows = usable["field"].isin(list(STAGE_FIELDS)).to_numpy(dtype=bool)
    moves = usable[stage_rows]
    merged = len(usable) - len(moves)

    def stage_name(ids: pd.Series) -> pd.Series:
        text = ids.map(lambda v: None if pd.isna(v) else str(int(v)))
        return text.map(lambda v: None if v is None else names.get(v, f"stage #{v}"))

    moves = moves.assign(
        opportunity_id=moves["lead_id"].map(lambda v: None if v is None else str(v)),
        from_stage=stage_name(moves["old_stage_id"]),
        to_stage=stage_name(moves["new_stage_id"]),
    )
    ids = leads["id"].tolist()
    first = moves.sort_values("changed_at", kind="stable").groupby("opportunity_id").head(1)
    start = pd.Series(leads["last_stage"].to_numpy(), index=ids, dtype=object)
    start.loc[start.index.intersection(first["opportunity_id"].tolist())] = first.set_index(
        "opportunity_id"
    )["from_stage"]
    entries = pd.DataFrame(
        {
            "opportunity_id": ids,
            "from_stage": None,
            "to_stage": start.to_numpy(),
            "changed_at": leads["created_at"].to_numpy(),
        },
        index=pd.Index([f"{d}/created" for d in ids], dtype=object),
    )
    # A lost lead's last move is into the Lost stage, when it was closed (or last written).
    lost = leads[leads["stage"] == LOST]
    when = lost["closed_at"].fillna(lost["written_at"])
    losses = pd.DataFrame(
        {
            "opportunity_id": lost["id"].to_numpy(),
            "from_stage": lost["last_stage"].to_numpy(),
            "to_stage": LOST,
            "changed_at": when.to_numpy(),
        },
        index=pd.Index([f"{d}/lost" for d in lost["id"]], dtype=object),
    )
    parts = [entries, moves[["opportunity_id", "from_stage", "to_stage", "changed_at"]], losses]
    changes = pd.concat([p for p in parts if len(p)])
    # Chains: an entry into the stage the first move leaves is kept; repeats merge.
    ordered, repeat = changes_from_sequence(
        changes["opportunity_id"], changes["to_stage"], changes["changed_at"]
    )
    return ordered, errors, len(frame) + len(entries) + len(losses), merged + int(repeat.sum())


def load(
    leads: Records,
    *,
    stages: Records | None = None,
    tracking: Records | None = None,
    messages: Records | None = None,
    probabilities: Mapping[str, float] | None = None,
    lead_map: FieldMap = LEAD,
    stage_map: FieldMap = STAGE,
    tracking_map: FieldMap = TRACKING,
) -> CrmImport:
    """Odoo leads and opportunities, their stage tracking and the pipeline, as salescore frames.

    Parameters
    ----------
    leads : DataFrame or sequence of mapping
        ``crm.lead`` records; those of ``type`` ``lead`` (not yet
        opportunities) are in the errors table as ``not_an_opportunity``.
    stages : DataFrame or sequence of mapping, optional
        ``crm.stage`` records.
    tracking : DataFrame or sequence of mapping, optional
        ``mail.tracking.value`` records of the leads' messages: the history.
        Without it, a snapshot (lost leads keep ``lost_stage``).
    messages : DataFrame or sequence of mapping, optional
        ``mail.message`` records (``id``, ``res_id``), when the tracking
        values carry no ``res_id``.
    probabilities : mapping of str to float, optional
        Default probability [fraction] of open stages by name.
    lead_map, stage_map, tracking_map : FieldMap
        The maps; copy and change them for custom fields (``x_studio_*``).

    Returns
    -------
    CrmImport

    Examples
    --------
    >>> stages = [{"id": 1, "name": "New", "sequence": 1, "is_won": False},
    ...           {"id": 2, "name": "Proposition", "sequence": 2, "is_won": False},
    ...           {"id": 4, "name": "Won", "sequence": 70, "is_won": True}]
    >>> leads = [{"id": 12, "type": "opportunity", "user_id": [2, "Mitchell Admin"],
    ...           "stage_id": [2, "Proposition"], "expected_revenue": 4500.0,
    ...           "probability": 0.0, "active": False, "company_currency": [1, "USD"],
    ...           "create_date": "2026-01-05 09:12:33", "date_deadline": False,
    ...           "date_closed": "2026-02-01 10:00:00", "partner_id": False}]
    >>> imp = load(leads, stages=stages)
    >>> imp.opportunities[["id", "stage", "lost_stage", "amount"]].to_dict("records")
    [{'id': '12', 'stage': 'Lost', 'lost_stage': 'Proposition', 'amount': 4500.0}]
    """
    mapped, errors = read_fields(leads, lead_map, input="opportunities")
    found = [errors]
    if "type" in mapped.columns:
        lead_only = (mapped["type"] == "lead").to_numpy(dtype=bool)
        if lead_only.any():
            found.append(
                _error_rows(
                    mapped.index,
                    lead_only,
                    input="opportunities",
                    column="id",
                    field=lead_map.fields["type"].source,
                    values=mapped["type"].to_numpy(),
                    reason=FailureReason.NOT_AN_OPPORTUNITY,
                )
            )
    archived = ~mapped["active"].fillna(True).astype(bool).to_numpy()
    lost = archived & (mapped["probability"].fillna(0.0).to_numpy() == 0.0)
    deleted = archived & ~lost
    if deleted.any():
        found.append(
            _error_rows(
                mapped.index,
                deleted,
                input="opportunities",
                column="id",
                field=lead_map.fields["active"].source,
                values=mapped["id"].to_numpy(),
                reason=FailureReason.DELETED,
            )
        )
    mapped = mapped.assign(
        last_stage=mapped["stage"],
        stage=mapped["stage"].where(~lost, LOST),
        lost_stage=mapped["stage"].where(lost, None),
    )
    the_pipeline, names = (
        (None, {})
        if stages is None
        else pipeline(stages, leads=mapped, probabilities=probabilities, stage_map=stage_map)
    )
    errors = pd.concat(found, ignore_index=True)
    deals, errors = deals_from(mapped, errors, the_pipeline, lead_map)
    changes = None
    change_errors = empty_errors()
    rows = merged = 0
    if tracking is not None:
        failed = (
            deals.index.isin(errors["row"].tolist()) if len(errors) else np.zeros(len(deals), bool)
        )
        usable = mapped[~failed & mapped["id"].notna().to_numpy(dtype=bool)]
        changes, change_errors, rows, merged = _tracking(
            tracking, messages, usable, names, tracking_map
        )
        deals = deals.drop(columns=["lost_stage"])
    return finish(
        "odoo",
        deals=deals,
        deal_errors=errors,
        deal_fields=fields_of(lead_map),
        pipeline=the_pipeline,
        changes=changes,
        change_errors=change_errors,
        change_rows=rows,
        merged=merged,
    )


def organization(
    users: Records,
    teams: Records = (),
    *,
    user_map: FieldMap = USER,
    team_map: FieldMap = TEAM,
) -> OrganizationImport:
    """Reps from ``res.users`` under their ``sale_team_id``, teams from ``crm.team``.

    Examples
    --------
    >>> org = organization([{"id": 2, "name": "Mitchell Admin", "sale_team_id": [1, "Sales"],
    ...                      "active": True}], [{"id": 1, "name": "Sales"}])
    >>> [(r.id, r.team_id) for r in org.organization.reps]
    [('2', '1')]
    """
    reps, rep_errors = read_fields(users, user_map, input="reps")
    team_frame, team_errors = read_fields(
        teams if isinstance(teams, pd.DataFrame) else list(teams), team_map, input="teams"
    )
    if "parent_id" not in team_frame.columns:
        team_frame["parent_id"] = None
    return organization_from(reps, rep_errors, team_frame, team_errors)
