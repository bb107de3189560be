"""Models to frames and back: a list of models as its contract frame, a contract frame as models."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, Final, TypeVar

import pandas as pd

from salescore._base import FrozenModel
from salescore.errors import InvalidInputError
from salescore.frames._common import _plain
from salescore.frames.builtin import CHANNELS, OPPORTUNITIES, REPS, STAGE_CHANGES, TARGETS, TEAMS
from salescore.frames.contracts import Column, FrameContract
from salescore.frames.validation import validate_frame
from salescore.models import (
    Channel,
    Opportunity,
    Rep,
    StageChange,
    Target,
    Team,
)

__all__ = ["contract_for", "from_frame", "history_frame", "to_frame"]


M = TypeVar("M", bound=FrozenModel)

_CONTRACT_BY_MODEL: Final[Mapping[type[FrozenModel], FrameContract]] = {
    Opportunity: OPPORTUNITIES,
    StageChange: STAGE_CHANGES,
    Rep: REPS,
    Team: TEAMS,
    Channel: CHANNELS,
    Target: TARGETS,
}


def contract_for(model: type[FrozenModel]) -> FrameContract:
    """The frame contract of a model class.

    Examples
    --------
    >>> from salescore.models import Rep
    >>> contract_for(Rep).name
    'reps'
    """
    try:
        return _CONTRACT_BY_MODEL[model]
    except KeyError:
        known = ", ".join(m.__name__ for m in _CONTRACT_BY_MODEL)
        raise InvalidInputError(
            f"no frame contract for {getattr(model, '__name__', model)!r}; known models: {known}"
        ) from None


def _exact_float(value: Decimal, what: str) -> float:
    number = float(value)
    if Decimal(repr(number)) != value:
        raise InvalidInputError(
            f"{what} {value} cannot be held exactly in a float64 column (at most 15 "
            "significant digits); keep it in the models or round it first"
        )
    return number


def _cell(value: Any, what: str) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return _exact_float(value, what)
    if isinstance(value, Enum):
        return value.value
    return value


def _period_cells(period: Any) -> tuple[date | None, date | None]:
    return (None, None) if period is None else (period.start, period.end)


def _record(item: FrozenModel, contract: FrameContract) -> dict[str, Any]:
    label = f"{type(item).__name__} {getattr(item, 'id', getattr(item, 'opportunity_id', ''))!r}"
    if isinstance(item, Target):
        raw: dict[str, Any] = {
            name: getattr(item, name)
            for name in contract.names
            if name in Target.model_fields and name not in ("owner", "scope")
        }
        raw["baseline_period_start"], raw["baseline_period_end"] = _period_cells(
            item.baseline_period
        )
        raw["period_start"], raw["period_end"] = _period_cells(item.period)
        raw["owner_kind"] = None if item.owner is None else item.owner.kind
        raw["owner_id"] = None if item.owner is None else item.owner.id
        raw["scope"] = (
            json.dumps(item.scope, sort_keys=True, ensure_ascii=False) if item.scope else None
        )
    else:
        raw = {name: getattr(item, name) for name in contract.names}
        if isinstance(item, Rep):
            raw["ramp"] = json.dumps(list(item.ramp)) if item.ramp else None
    return {name: _cell(raw[name], f"{label} {name}") for name in contract.names}


def to_frame(
    models: Sequence[FrozenModel], *, model: type[FrozenModel] | None = None
) -> pd.DataFrame:
    """Build the contract frame of a list of models, one row per model.

    Opportunities become an :data:`OPPORTUNITIES` frame (their stage
    histories go to :func:`history_frame`), stage changes a
    :data:`STAGE_CHANGES` frame, and reps, teams, channels and targets theirs.
    The frame has the canonical dtypes and a ``RangeIndex``; Decimal values
    become float64 and must survive the trip exactly (at most 15 significant
    digits), so :func:`from_frame` gives back equal models.

    Parameters
    ----------
    models : sequence of models
        All of one type.
    model : type, optional
        The model class; needed when ``models`` is empty.

    Raises
    ------
    InvalidInputError
        Mixed or unsupported model types, an empty sequence without
        ``model``, or a Decimal that float64 cannot hold exactly.

    Examples
    --------
    >>> from salescore.models import Team
    >>> to_frame([Team(id="sales", name="Sales"), Team(id="east", name="East", parent_id="sales")])
          id   name parent_id
    0  sales  Sales       NaN
    1   east   East     sales
    >>> to_frame([], model=Team).dtypes.astype(str).tolist()
    ['str', 'str', 'str']
    """
    items = list(models)
    kind = model if model is not None else (type(items[0]) if items else None)
    if kind is None:
        raise InvalidInputError("cannot build a frame from no models without model=")
    contract = contract_for(kind)
    strays = sorted({type(m).__name__ for m in items if type(m) is not kind})
    if strays:
        raise InvalidInputError(
            f"to_frame got {', '.join(strays)} among {kind.__name__} models; give one type"
        )
    records = [_record(item, contract) for item in items]
    columns = {name: pd.Series([r[name] for r in records], dtype=object) for name in contract.names}
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(items)))
    return validate_frame(frame, contract)


def history_frame(opportunities: Sequence[Opportunity]) -> pd.DataFrame:
    """The :data:`STAGE_CHANGES` frame of every opportunity's history, in order.

    Examples
    --------
    >>> from datetime import date, datetime, timezone
    >>> change = StageChange(opportunity_id="D1", to_stage="Qualify",
    ...                      changed_at=datetime(2026, 1, 5, 9, tzinfo=timezone.utc))
    >>> deal = Opportunity(id="D1", owner_id="R1", amount=10, currency="USD",
    ...                    stage="Qualify", created_on=date(2026, 1, 5), history=(change,))
    >>> history_frame([deal])[["opportunity_id", "to_stage"]].values.tolist()
    [['D1', 'Qualify']]
    """
    return to_frame([c for o in opportunities for c in o.history], model=StageChange)


def _python(value: Any, column: Column) -> Any:
    """A canonical frame cell as the Python value a model field takes (None for null)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if column.kind == "date":
        return value.date()
    if column.kind == "datetime":
        return value.to_pydatetime()
    if column.kind in ("string", "category"):
        return str(value)
    return _plain(value)


def _json(text: str | None, what: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{what} {text!r} is not valid JSON ({exc.msg})") from None


def _kwargs(row: dict[str, Any], kind: type[FrozenModel], where: str) -> dict[str, Any]:
    if kind is Target:
        data = {k: v for k, v in row.items() if k in Target.model_fields}
        for prefix in ("baseline_period", "period"):
            start, end = row[f"{prefix}_start"], row[f"{prefix}_end"]
            if (start is None) != (end is None):
                raise InvalidInputError(
                    f"{where} has only one of {prefix}_start and {prefix}_end; give both or neither"
                )
            data[prefix] = None if start is None else {"start": start, "end": end}
        if row["owner_kind"] is None and row["owner_id"] is not None:
            raise InvalidInputError(f"{where} has owner_id {row['owner_id']!r} without owner_kind")
        if row["owner_kind"] is not None:
            data["owner"] = {"kind": row["owner_kind"], "id": row["owner_id"]}
        data["scope"] = _json(row["scope"], f"{where} scope")
    else:
        data = dict(row)
        if kind is Rep:
            data["ramp"] = _json(row["ramp"], f"{where} ramp")
    # Null cells leave the field at its model default (None, capacity 1, no ramp).
    return {k: v for k, v in data.items() if v is not None}


def _rows(frame: pd.DataFrame, contract: FrameContract) -> list[dict[str, Any]]:
    cols = [(c, frame[c.name].astype(object).to_numpy()) for c in contract.columns]
    return [{c.name: _python(values[i], c) for c, values in cols} for i in range(len(frame))]


def from_frame(df: pd.DataFrame, model: type[M], *, history: pd.DataFrame | None = None) -> list[M]:
    """Build one model per row of a contract frame (the inverse of :func:`to_frame`).

    The frame is validated first; then each row becomes a model, in row
    order, so model invariants beyond the contract (a custom metric needs a
    name, ...) raise their usual errors naming the row.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame under ``model``'s contract.
    model : type
        :class:`~salescore.models.Opportunity`, ``StageChange``, ``Rep``,
        ``Team``, ``Channel`` or ``Target``.
    history : pandas.DataFrame, optional
        For opportunities: a :data:`STAGE_CHANGES` frame whose rows become
        each deal's ``history`` (sorted by ``changed_at``, ties kept in frame
        order). Every change must belong to a deal in ``df``.

    Returns
    -------
    list of models

    Raises
    ------
    FrameValidationError
        ``df`` or ``history`` breaks its contract.
    InvalidInputError
        A row breaks a model invariant, or ``history`` names unknown deals or
        is given for another model.

    Examples
    --------
    >>> from salescore.models import Team
    >>> teams = [Team(id="sales", name="Sales"), Team(id="east", name="East", parent_id="sales")]
    >>> from_frame(to_frame(teams), Team) == teams
    True
    """
    contract = contract_for(model)
    if history is not None and model is not Opportunity:
        raise InvalidInputError(f"history= applies to Opportunity frames, not {model.__name__}")
    frame = validate_frame(df, contract)
    histories: dict[str, list[StageChange]] = {}
    if history is not None:
        changes = validate_frame(history, STAGE_CHANGES).sort_values("changed_at", kind="stable")
        ids = set(frame["id"].tolist())
        strays = sorted(set(changes["opportunity_id"].tolist()) - ids)
        if strays:
            raise InvalidInputError(
                f"history names opportunities not in the frame: {', '.join(map(repr, strays[:5]))}"
                + (f" and {len(strays) - 5} more" if len(strays) > 5 else "")
            )
        for change in from_frame(changes, StageChange):
            histories.setdefault(change.opportunity_id, []).append(change)
    out: list[M] = []
    for label, row in zip(frame.index, _rows(frame, contract), strict=True):
        where = f"{contract.name} row {label!r}"
        data = _kwargs(row, model, where)
        if histories:
            data["history"] = tuple(histories.get(data["id"], ()))
        try:
            out.append(model(**data))
        except InvalidInputError as exc:
            raise type(exc)(f"{where}: {exc}") from exc
    return out
