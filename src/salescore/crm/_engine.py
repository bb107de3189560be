"""The mapping engine every CRM map runs on: field maps as data, records to contract frames.

A :class:`FieldMap` says, for each salescore column, which field of a CRM
record holds it and how to read it. :func:`read_fields` applies one to a
DataFrame (an export: vectorised) or to a sequence of records as a REST API
returns them (nested dicts, read with one pass per field). :func:`finish`
validates the result against the frame contracts, checks stages against the
pipeline and the histories against the deals, and accounts for every input
row: each is imported, or named in the errors table, or (for history rows
that only repeat a stage) counted as merged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field as ModelField

from salescore._base import FrozenModel
from salescore._failures import Failures, empty_table
from salescore.error_codes import FailureReason
from salescore.errors import InvalidInputError
from salescore.frames import OPPORTUNITIES, STAGE_CHANGES, partition_frame
from salescore.models import Opportunity, Organization, Pipeline
from salescore.serialization import Result

if TYPE_CHECKING:
    from salescore.forecast.weighted import WeightedForecast
    from salescore.funnel.report import FunnelReport

__all__ = [
    "ERROR_COLUMNS",
    "CrmImport",
    "Field",
    "FieldMap",
    "Records",
    "read_fields",
]

#: What a map reads: a DataFrame (an export) or records as a REST API returns them.
Records = pd.DataFrame | Sequence[Mapping[str, Any]]

#: How a field's raw value is read.
Parse = Literal[
    "text",
    "number",
    "percent",
    "date",
    "datetime",
    "epoch_ms",
    "bool",
    "reference_id",
    "reference_name",
]

#: Columns of a CRM import's errors table.
ERROR_COLUMNS: Final = ("input", "row", "column", "field", "value", "reason")

BoolArray = npt.NDArray[np.bool_]

_TRUE: Final = frozenset({"true", "1", "yes", "y", "t"})
_FALSE: Final = frozenset({"false", "0", "no", "n", "f"})


class Field(FrozenModel):
    """Where one salescore column comes from in a CRM record, and how to read it.

    Parameters
    ----------
    source : str, optional
        The record's field: a column of an export, or a dotted path into a
        REST record (``"properties.amount"``). ``None``: the column is not
        mapped and takes ``default``.
    parse : str
        ``text`` (numbers become their digits: ``12345`` -> ``"12345"``),
        ``number``, ``percent`` (``20`` -> ``0.2``), ``date`` (the UTC date of
        a timestamp), ``datetime`` (timezone-aware, UTC), ``epoch_ms``
        (milliseconds since 1970, UTC), ``bool`` (``true``/``false``,
        ``1``/``0``, ``yes``/``no``), ``reference_id`` / ``reference_name``
        (the id or the name of an Odoo many2one ``[id, "name"]``).
    recode : dict of str to str
        Recoding after parsing (a HubSpot stage id to its label); values not
        listed are kept.
    default : str, float or bool, optional
        The value where the field is missing or empty.
    format : str, optional
        ``strftime`` format of dates and times that are not ISO 8601.
    timezone : str
        IANA zone that naive timestamps are read in (Odoo stores UTC,
        ERPNext the site's zone).
    required : bool
        For DataFrames: a mapped column the frame lacks is an error (else it
        reads as empty). REST records may always omit a field.

    Examples
    --------
    >>> Field(source="Probability", parse="percent").parse
    'percent'
    """

    source: str | None = None
    parse: Parse = "text"
    recode: dict[str, str] = ModelField(default_factory=dict)
    default: str | float | bool | None = None
    format: str | None = None
    timezone: str = "UTC"
    required: bool = True


class FieldMap(FrozenModel):
    """A documented mapping of one CRM record type onto salescore columns.

    Copy a shipped map and change what your instance customises::

        deals = SALESFORCE_OPPORTUNITY.with_fields(product="Product_Line__c")

    Parameters
    ----------
    system : str
        The CRM (``salesforce``, ``hubspot``, ``odoo``, ``erpnext``, ...).
    record : str
        The record type (``Opportunity``, ``OpportunityHistory``, ...).
    fields : dict of str to Field
        One entry per salescore column (and per control column such as
        ``is_closed`` that the system's loader reads).

    Examples
    --------
    >>> m = FieldMap(system="acme", record="Deal", fields={"id": Field(source="DealId")})
    >>> m.with_fields(owner_id="Owner__c").fields["owner_id"].source
    'Owner__c'
    """

    system: str
    record: str
    fields: dict[str, Field]

    def with_fields(self, **changes: Field | str | None) -> Self:
        """A copy with fields replaced: a ``Field``, a source name, or ``None`` to unmap.

        A source name keeps the field's ``parse``, ``recode`` and ``format``;
        ``None`` leaves the column unmapped (it takes its default).
        """
        fields = dict(self.fields)
        for name, change in changes.items():
            if isinstance(change, Field):
                fields[name] = change
            elif change is None:
                old = fields.get(name, Field())
                fields[name] = old.model_copy(update={"source": None})
            elif isinstance(change, str):
                old = fields.get(name, Field())
                fields[name] = old.model_copy(update={"source": change})
            else:
                raise InvalidInputError(
                    f"field {name!r} change {change!r} is not a Field, a source name or None"
                )
        return self.model_copy(update={"fields": fields})

    def with_defaults(self, **defaults: str | float | bool | None) -> Self:
        """A copy with the ``default`` of some fields replaced (a currency, say)."""
        fields = dict(self.fields)
        for name, value in defaults.items():
            fields[name] = fields.get(name, Field()).model_copy(update={"default": value})
        return self.model_copy(update={"fields": fields})


# --------------------------------------------------------------------------- reading
def _lookup(record: Mapping[str, Any], path: str) -> Any:
    if path in record:  # a flat key may itself contain dots (an export's column)
        return record[path]
    value: Any = record
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _raw(records: Records, index: pd.Index[Any], field: Field, name: str) -> pd.Series[Any]:
    if field.source is None:
        return pd.Series([None] * len(index), index=index, dtype=object)
    if isinstance(records, pd.DataFrame):
        if field.source in records.columns:
            return records[field.source]
        if field.required:
            raise InvalidInputError(
                f"the frame has no column {field.source!r}, which the map reads for {name!r}; "
                f"columns are {list(records.columns)[:20]}"
            )
        return pd.Series([None] * len(index), index=index, dtype=object)
    return pd.Series([_lookup(r, field.source) for r in records], index=index, dtype=object)


def _empty(raw: pd.Series[Any], parse: Parse) -> BoolArray:
    empty = raw.isna().to_numpy(dtype=bool).copy()
    if empty.all():  # an unmapped field, or one the records never carry
        return empty
    if isinstance(raw.dtype, pd.StringDtype):
        # A typed string column (an export read by pandas, whose empty cells are
        # already missing): blank text is left to the contract's checks.
        pass
    elif raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) == "string":
        # An export's text column: one C-speed comparison (whitespace-only text is left
        # to the contract's blank checks).
        empty |= np.asarray(raw.to_numpy() == "", dtype=bool)
    elif raw.dtype == object:
        values = raw.to_numpy()
        # Odoo sends False for an empty field; a blank string is empty everywhere.
        blank = np.fromiter(
            (
                (v is False and parse != "bool") or (isinstance(v, str) and not v.strip())
                for v in values
            ),
            dtype=bool,
            count=len(values),
        )
        empty |= blank
    return empty


def _text(raw: pd.Series[Any], empty: BoolArray) -> tuple[pd.Series[Any], BoolArray]:
    if raw.dtype == object and pd.api.types.infer_dtype(raw[~empty], skipna=True) in (
        "string",
        "empty",
    ):
        out = raw.where(~empty, None)
    elif isinstance(raw.dtype, pd.StringDtype):
        return raw, np.zeros(len(raw), dtype=bool)  # typed text: kept as it is, no copy
    elif isinstance(raw.dtype, pd.CategoricalDtype):
        out = raw.astype(object).where(~empty, None)
    else:
        # Ids that arrive as numbers (a HubSpot owner id, a float column of an export).
        def digits(v: Any) -> Any:
            if isinstance(v, float) and v.is_integer():
                return str(int(v))
            return str(v)

        out = raw.map(digits, na_action="ignore").where(~empty, None)
    return _nones(out), np.zeros(len(raw), dtype=bool)


def _number(raw: pd.Series[Any], empty: BoolArray) -> tuple[pd.Series[Any], BoolArray]:
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        out = raw.astype(np.float64)
    else:
        out = pd.to_numeric(raw.where(~empty, None), errors="coerce").astype(np.float64)
    bad = out.isna().to_numpy(dtype=bool) & ~empty
    return out, bad


def _timestamps(
    raw: pd.Series[Any], empty: BoolArray, field: Field
) -> tuple[pd.Series[Any], BoolArray]:
    source = raw.where(~empty, None) if empty.any() else raw
    if field.parse == "epoch_ms":
        ms = pd.to_numeric(source, errors="coerce")
        out = pd.to_datetime(ms, unit="ms", utc=True, errors="coerce")
    elif getattr(raw.dtype, "tz", None) is not None:  # already aware: a parsed export
        out = raw.dt.tz_convert("UTC")
    else:
        fmt = field.format or "ISO8601"
        if field.timezone == "UTC":
            out = pd.to_datetime(source, utc=True, format=fmt, errors="coerce")
        else:
            naive = pd.to_datetime(source, format=fmt, errors="coerce")
            if getattr(naive.dtype, "tz", None) is not None:
                out = naive.dt.tz_convert("UTC")
            else:
                local = naive.dt.tz_localize(field.timezone, ambiguous="NaT", nonexistent="NaT")
                out = local.dt.tz_convert("UTC")
    bad = out.isna().to_numpy(dtype=bool) & ~empty
    if field.parse == "date":
        # The UTC calendar day, floored by numpy casts (one pass, no tz arithmetic).
        days = out.dt.tz_localize(None).to_numpy().astype("datetime64[D]")
        return pd.Series(days.astype("datetime64[us]"), index=raw.index), bad
    return out.astype("datetime64[us, UTC]"), bad


def _bool(raw: pd.Series[Any], empty: BoolArray) -> tuple[pd.Series[Any], BoolArray]:
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype(object), np.zeros(len(raw), dtype=bool)

    def read(v: Any) -> Any:
        if isinstance(v, bool | np.bool_):
            return bool(v)
        text = str(v).strip().lower()
        if text.endswith(".0"):
            text = text[:-2]
        return True if text in _TRUE else False if text in _FALSE else None

    out = raw.where(~empty, None).map(read, na_action="ignore").astype(object)
    bad = out.isna().to_numpy(dtype=bool) & ~empty
    return _nones(out.where(~empty, None)), bad


def _reference(
    raw: pd.Series[Any], empty: BoolArray, part: int
) -> tuple[pd.Series[Any], BoolArray]:
    def read(v: Any) -> Any:
        if isinstance(v, list | tuple) and len(v) == 2:
            return str(v[part])
        return np.nan

    out = raw.where(~empty, None).map(read, na_action="ignore").astype(object)
    bad = out.isna().to_numpy(dtype=bool) & ~empty
    return _nones(out.where(~empty, None)), bad


_REASONS: Final = {
    "number": FailureReason.NOT_A_NUMBER,
    "percent": FailureReason.NOT_A_NUMBER,
    "date": FailureReason.NOT_A_DATE,
    "datetime": FailureReason.NOT_A_DATETIME,
    "epoch_ms": FailureReason.NOT_A_DATETIME,
    "bool": FailureReason.NOT_A_BOOL,
    "reference_id": FailureReason.NOT_A_REFERENCE,
    "reference_name": FailureReason.NOT_A_REFERENCE,
}


def _parse(raw: pd.Series[Any], field: Field) -> tuple[pd.Series[Any], BoolArray]:
    empty = _empty(raw, field.parse)
    if field.parse == "text":
        out, bad = _text(raw, empty)
    elif field.parse in ("number", "percent"):
        out, bad = _number(raw, empty)
        if field.parse == "percent":
            out = out / 100.0
    elif field.parse in ("date", "datetime", "epoch_ms"):
        out, bad = _timestamps(raw, empty, field)
    elif field.parse == "bool":
        out, bad = _bool(raw, empty)
    else:
        out, bad = _reference(raw, empty, 0 if field.parse == "reference_id" else 1)
    if field.recode:
        known = out.isin(list(field.recode)).to_numpy(dtype=bool)
        if known.any():
            out = _nones(out.where(~known, out.map(field.recode)))
    if field.default is not None:
        missing = (empty | bad) if field.parse == "text" else empty
        if missing.any():
            out = out.astype(object) if out.dtype != object else out
            out[missing] = field.default
            out = _retype(out, field)
    return out, bad


def _retype(out: pd.Series[Any], field: Field) -> pd.Series[Any]:
    if field.parse in ("number", "percent"):
        return out.astype(np.float64)
    if field.parse == "date":
        return pd.to_datetime(out).astype("datetime64[us]")
    if field.parse in ("datetime", "epoch_ms"):
        return pd.to_datetime(out, utc=True).astype("datetime64[us, UTC]")
    return out


def _error_rows(
    index: pd.Index[Any],
    mask: BoolArray,
    *,
    input: str,
    column: str,
    field: str | None,
    values: Any,
    reason: FailureReason,
) -> pd.DataFrame:
    if isinstance(values, np.ndarray):
        cells = values.astype(object)
    else:  # a list of values that may be lists themselves (an empty child table)
        listed = list(values)
        cells = np.empty(len(listed), dtype=object)
        for i, value in enumerate(listed):
            cells[i] = value
    failures = Failures(pd.DataFrame(index=index), ERROR_COLUMNS)
    failures.add(column, reason, mask, values=cells, input=input, field=field)
    return failures.table()


def contract_errors(
    failures: pd.DataFrame, input: str, fields: Mapping[str, str | None] | None = None
) -> pd.DataFrame:
    """A frame contract's failure table as CRM errors, naming the CRM field where known."""
    if not len(failures):
        return empty_errors()
    columns = failures["column"].astype(object)
    return pd.DataFrame(
        {
            "input": input,
            "row": failures["row"].astype(object),
            "column": columns,
            "field": columns.map(lambda c: (fields or {}).get(c)).astype(object),
            "value": failures["value"].astype(object),
            "reason": failures["reason"].astype(object),
        }
    )


def empty_errors() -> pd.DataFrame:
    """An empty CRM errors table (columns :data:`ERROR_COLUMNS`)."""
    return empty_table(ERROR_COLUMNS)


def read_fields(
    records: Records, field_map: FieldMap, *, input: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply ``field_map`` to ``records``: one column per mapped field, and the parse errors.

    Parameters
    ----------
    records : pandas.DataFrame or sequence of mapping
        An export (its index labels are the rows' names) or REST records
        (named by position).
    field_map : FieldMap
        What to read.
    input : str
        Name of the input in the errors table.

    Returns
    -------
    frame : pandas.DataFrame
        One column per field of the map, one row per record, index kept.
    errors : pandas.DataFrame
        :data:`ERROR_COLUMNS`; a value that cannot be read is empty in
        ``frame`` and named here (``not_a_number``, ``not_a_date``, ...).

    Examples
    --------
    >>> m = FieldMap(system="acme", record="Deal", fields={
    ...     "id": Field(source="id"), "amount": Field(source="props.amount", parse="number")})
    >>> frame, errors = read_fields([{"id": 7, "props": {"amount": "12.50"}},
    ...                              {"id": 8, "props": {"amount": "twelve"}}], m, input="deals")
    >>> frame["amount"].tolist(), errors["reason"].tolist()
    ([12.5, nan], ['not_a_number'])
    """
    if not isinstance(field_map, FieldMap):
        raise InvalidInputError(f"field_map {field_map!r} is not a FieldMap")
    if isinstance(records, pd.DataFrame):
        index = records.index
    elif isinstance(records, Sequence) and not isinstance(records, str | bytes):  # type: ignore[unreachable]
        for i, record in enumerate(records):
            if not isinstance(record, Mapping):
                raise InvalidInputError(
                    f"{input} record {i} is {type(record).__name__} {record!r:.80}; records "
                    "are mappings (as a REST API returns them) or rows of a DataFrame"
                )
        index = pd.RangeIndex(len(records))
    else:
        raise InvalidInputError(
            f"{input} {records!r:.80} is not a DataFrame or a sequence of records"
        )
    columns: dict[str, pd.Series[Any]] = {}
    errors = [empty_errors()]
    for name, field in field_map.fields.items():
        raw = _raw(records, index, field, name)
        out, bad = _parse(raw, field)
        columns[name] = out.set_axis(index)
        if bad.any():
            errors.append(
                _error_rows(
                    index,
                    bad,
                    input=input,
                    column=name,
                    field=field.source,
                    values=raw.to_numpy(),
                    reason=_REASONS[field.parse],
                )
            )
    return pd.DataFrame(columns, index=index), pd.concat(errors, ignore_index=True)


# --------------------------------------------------------------------------- finishing
def changes_from_sequence(
    deal_ids: pd.Series[Any], stages: pd.Series[Any], at: pd.Series[Any]
) -> tuple[pd.DataFrame, BoolArray]:
    """Stage changes from a time-ordered sequence of (deal, stage, time) observations.

    Each deal's observations are sorted by time (ties in input order); an
    observation in the same stage as the one before it is not a change and
    is merged. Returns the :data:`STAGE_CHANGES` frame (indexed by the
    observation's label) and the mask of merged observations.
    """
    order = np.lexsort((np.arange(len(at)), at.to_numpy(), pd.factorize(deal_ids)[0]))
    deal = deal_ids.to_numpy(dtype=object)[order]
    stage = stages.to_numpy(dtype=object)[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = deal[1:] != deal[:-1]
    previous = np.empty(len(order), dtype=object)
    previous[0:1] = None
    previous[1:] = stage[:-1]
    previous[first] = None
    merged_sorted = ~first & (previous == stage)
    keep = ~merged_sorted
    index = deal_ids.index[order][keep]
    changes = pd.DataFrame(
        {
            "opportunity_id": pd.Series(deal[keep], index=index, dtype=object),
            "from_stage": pd.Series(previous[keep], index=index, dtype=object),
            "to_stage": pd.Series(stage[keep], index=index, dtype=object),
            "changed_at": pd.Series(at.to_numpy()[order][keep], index=index),
        },
        index=index,
    )
    # from_stage must name the last stage kept, not a merged repeat: it does,
    # because a merged row repeats the stage before it.
    merged = np.zeros(len(order), dtype=bool)
    merged[order] = merged_sorted
    return changes, merged


@dataclass(frozen=True, eq=False)
class CrmImport(Result):
    """CRM records mapped onto salescore's frame contracts, with what could not be.

    Attributes
    ----------
    system : str
        The CRM the records came from.
    opportunities : pandas.DataFrame
        An :data:`~salescore.frames.OPPORTUNITIES` frame of the deals that
        mapped, indexed by their input row; with ``lost_stage`` (the stage a
        lost deal was lost at, where the system records it without a
        history) when the map has one.
    stage_changes : pandas.DataFrame
        A :data:`~salescore.frames.STAGE_CHANGES` frame of the imported deals'
        histories (empty for a snapshot export).
    pipeline : Pipeline or None
        The stages, with probabilities and won/lost kinds, when given.
    errors : pandas.DataFrame
        Every input row that was not imported, with :data:`ERROR_COLUMNS`:
        ``input`` (which argument), ``row`` (its index label or position),
        ``column`` (salescore's), ``field`` (the CRM's), ``value`` and
        ``reason``. A row may be named once per failing check.
    counts : pandas.DataFrame
        Per input: ``rows`` given, ``imported``, ``failed`` (distinct rows
        in ``errors``) and ``merged`` (history rows that repeat the stage
        before them, or record other fields); ``rows = imported + failed +
        merged``.
    """

    system: str
    opportunities: pd.DataFrame
    stage_changes: pd.DataFrame
    pipeline: Pipeline | None
    errors: pd.DataFrame
    counts: pd.DataFrame

    @property
    def source(self) -> Literal["history", "snapshot"]:
        """``history`` when stage changes were imported, else ``snapshot``."""
        return "history" if len(self.stage_changes) else "snapshot"

    def _pipeline(self) -> Pipeline:
        if self.pipeline is None:
            raise InvalidInputError(
                f"this {self.system} import has no pipeline; pass the stage records to the loader"
            )
        return self.pipeline

    def models(self) -> list[Opportunity]:
        """The imported deals as :class:`~salescore.models.Opportunity` models with histories."""
        from salescore.frames import from_frame

        frame = self.opportunities.drop(columns=["lost_stage"], errors="ignore")
        history = self.stage_changes if len(self.stage_changes) else None
        return from_frame(frame, Opportunity, history=history)

    def funnel(self, **options: Any) -> FunnelReport:
        """:func:`~salescore.funnel.funnel_frame` on the import, with the source it supports.

        With histories the funnel reads them; a snapshot export is read as a
        snapshot, with ``lost_stage`` saying where lost deals were lost when
        the system records it. ``options`` go to ``funnel_frame``.
        """
        from salescore.funnel import funnel_frame

        if self.source == "history":
            options.setdefault("stage_changes", self.stage_changes)
        else:
            options.setdefault("source", "snapshot")
            if "lost_stage" in self.opportunities.columns:
                options.setdefault("lost_stage_column", "lost_stage")
        return funnel_frame(self.opportunities, self._pipeline(), **options)

    def weighted(self, **options: Any) -> WeightedForecast:
        """:func:`~salescore.forecast.weighted` on the imported deals."""
        from salescore.forecast import weighted

        frame = self.opportunities.drop(columns=["lost_stage"], errors="ignore")
        return weighted(frame, self._pipeline(), **options)


def _nones(values: pd.Series[Any]) -> pd.Series[Any]:
    """Missing text as ``None``, as the models give it (not NaN)."""
    out = values.astype(object)
    return out.where(out.notna(), None)


def _distinct_rows(errors: pd.DataFrame, input: str) -> int:
    return int(errors.loc[errors["input"] == input, "row"].nunique())


def _stage_errors(
    frame: pd.DataFrame,
    pipeline: Pipeline | None,
    columns: Sequence[str],
    input: str,
    fields: Mapping[str, str | None],
) -> tuple[BoolArray, list[pd.DataFrame]]:
    bad = np.zeros(len(frame), dtype=bool)
    out: list[pd.DataFrame] = []
    if pipeline is None:
        return bad, out
    names = list(pipeline.names)
    for column in columns:
        values = frame[column]
        unknown = (values.notna() & ~values.isin(names)).to_numpy(dtype=bool)
        if unknown.any():
            out.append(
                _error_rows(
                    frame.index,
                    unknown,
                    input=input,
                    column=column,
                    field=fields.get(column),
                    values=values.to_numpy(),
                    reason=FailureReason.UNKNOWN_STAGE,
                )
            )
            bad |= unknown
    return bad, out


def _history_mismatch(deals: pd.DataFrame, changes: pd.DataFrame) -> BoolArray:
    """Deals whose history does not end in their current stage."""
    if changes.empty:
        return np.zeros(len(deals), dtype=bool)
    ordered = changes.sort_values("changed_at", kind="stable")
    last = ordered.groupby("opportunity_id", sort=False)["to_stage"].last()
    ends = deals["id"].map(last)
    return (ends.notna() & (ends != deals["stage"])).to_numpy(dtype=bool)


def finish(
    system: str,
    *,
    deals: pd.DataFrame,
    deal_errors: pd.DataFrame,
    deal_fields: Mapping[str, str | None],
    pipeline: Pipeline | None,
    changes: pd.DataFrame | None = None,
    change_errors: pd.DataFrame | None = None,
    change_input: str = "history",
    change_rows: int = 0,
    merged: int = 0,
    extra_errors: Sequence[pd.DataFrame] = (),
) -> CrmImport:
    """Validate mapped deals and changes and account for every row.

    ``deals`` holds OPPORTUNITIES columns (plus ``lost_stage`` where known);
    rows already in ``deal_errors`` (parse failures, deleted records, ...) are
    not validated again. ``changes`` holds STAGE_CHANGES columns, indexed by
    the history row each came from.
    """
    errors: list[pd.DataFrame] = [empty_errors(), deal_errors, *extra_errors]
    failed_deals = (
        deals.index.isin(deal_errors["row"].tolist())
        if len(deal_errors)
        else (np.zeros(len(deals), dtype=bool))
    )
    candidates = deals[~failed_deals] if failed_deals.any() else deals
    valid, failures = partition_frame(candidates, OPPORTUNITIES)
    errors.append(contract_errors(failures, "opportunities", deal_fields))
    stage_columns = ["stage"] + (["lost_stage"] if "lost_stage" in valid.columns else [])
    unknown, found = _stage_errors(valid, pipeline, stage_columns, "opportunities", deal_fields)
    errors.extend(found)
    if unknown.any():
        valid = valid[~unknown]
    if changes is None:
        changes = pd.DataFrame({c.name: pd.Series([], dtype=object) for c in STAGE_CHANGES.columns})
        changes["changed_at"] = pd.Series([], dtype="datetime64[us, UTC]")
    if change_errors is not None:
        errors.append(change_errors)
    good_changes, change_failures = partition_frame(changes, STAGE_CHANGES)
    errors.append(contract_errors(change_failures, change_input))
    bad_stage, found = _stage_errors(
        good_changes, pipeline, ["from_stage", "to_stage"], change_input, {}
    )
    errors.extend(found)
    # A deal with a broken history is not imported: the funnel would misread it.
    broken_ids = set(good_changes.loc[bad_stage, "opportunity_id"].tolist())
    broken_ids |= (
        set(
            changes.loc[
                changes.index.isin(change_failures["row"].tolist()), "opportunity_id"
            ].tolist()
        )
        if len(change_failures)
        else set()
    )
    mismatch = _history_mismatch(valid, good_changes[~bad_stage])
    if mismatch.any():
        errors.append(
            _error_rows(
                valid.index,
                mismatch,
                input="opportunities",
                column="stage",
                field=deal_fields.get("stage"),
                values=valid["stage"].to_numpy(),
                reason=FailureReason.HISTORY_ENDS_ELSEWHERE,
            )
        )
    broken = (
        valid["id"].isin(list(broken_ids)).to_numpy(dtype=bool) & ~mismatch
        if broken_ids
        else np.zeros(len(valid), dtype=bool)
    )
    if broken.any():
        errors.append(
            _error_rows(
                valid.index,
                broken,
                input="opportunities",
                column="id",
                field=deal_fields.get("id"),
                values=valid["id"].to_numpy(),
                reason=FailureReason.HISTORY_NOT_IMPORTED,
            )
        )
    if (mismatch | broken).any():
        valid = valid[~(mismatch | broken)]
    orphan = np.zeros(len(good_changes), dtype=bool)
    if len(good_changes):
        orphan = ~good_changes["opportunity_id"].isin(pd.Index(valid["id"])).to_numpy(dtype=bool)
        orphan &= ~bad_stage
    if orphan.any():
        errors.append(
            _error_rows(
                good_changes.index,
                orphan,
                input=change_input,
                column="opportunity_id",
                field=None,
                values=good_changes["opportunity_id"].to_numpy(),
                reason=FailureReason.DEAL_NOT_IMPORTED,
            )
        )
    good_changes = good_changes[~(orphan | bad_stage)].sort_values(
        ["opportunity_id", "changed_at"], kind="stable"
    )
    good_changes["from_stage"] = _nones(good_changes["from_stage"])
    if "lost_stage" in valid.columns:
        valid = valid.assign(lost_stage=_nones(valid["lost_stage"]))
    table = pd.concat([e for e in errors if len(e)] or [empty_errors()], ignore_index=True)
    table = table.astype(object)
    counts = pd.DataFrame(
        {
            "rows": [len(deals), change_rows],
            "imported": [len(valid), len(good_changes)],
            "failed": [_distinct_rows(table, "opportunities"), _distinct_rows(table, change_input)],
            "merged": [0, merged],
        },
        index=pd.Index(["opportunities", change_input], name="input"),
    )
    return CrmImport(
        system=system,
        opportunities=valid,
        stage_changes=good_changes,
        pipeline=pipeline,
        errors=table,
        counts=counts,
    )


# --------------------------------------------------------------------------- shared loaders
#: The OPPORTUNITIES columns a deal map may fill (the rest of a map is control columns).
DEAL_COLUMNS: Final = tuple(c.name for c in OPPORTUNITIES.columns)


def deals_from(
    mapped: pd.DataFrame, errors: pd.DataFrame, pipeline: Pipeline | None, field_map: FieldMap
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The OPPORTUNITIES columns of mapped deal records, and their errors so far.

    Control columns a map may have:

    - ``is_deleted``: a deleted record (Salesforce's recycle bin, HubSpot's
      ``archived``) is named in the errors as ``deleted``, not imported;
    - ``closes_on``: one date that is the expected close of an open deal and
      the close of a closed one (Salesforce and HubSpot ``CloseDate``); split
      by ``is_closed`` where the map has it, else by the stage's kind;
    - ``lost_stage``: kept, for snapshot funnels.
    """
    out = mapped
    found = [errors]
    if "is_deleted" in out.columns:
        deleted = out["is_deleted"].fillna(False).astype(bool).to_numpy()
        if deleted.any():
            found.append(
                _error_rows(
                    out.index,
                    deleted,
                    input="opportunities",
                    column="id",
                    field=field_map.fields["is_deleted"].source,
                    values=out["id"].to_numpy(),
                    reason=FailureReason.DELETED,
                )
            )
    if "closes_on" in out.columns:
        closed = np.zeros(len(out), dtype=bool)
        known = np.zeros(len(out), dtype=bool)
        if "is_closed" in out.columns:
            flag = out["is_closed"]
            known = flag.notna().to_numpy(dtype=bool)
            closed[known] = flag[known].astype(bool).to_numpy()
        if pipeline is not None and not known.all():
            kinds = {s.name: s.kind.value != "open" for s in pipeline.stages}
            by_stage = out["stage"].map(kinds)
            fill = ~known & by_stage.notna().to_numpy(dtype=bool)
            closed[fill] = by_stage[fill].astype(bool).to_numpy()
        dates = out["closes_on"]
        out = out.assign(
            expected_close_date=dates.where(~closed),
            close_date=dates.where(closed),
        )
    keep = [c for c in DEAL_COLUMNS if c in out.columns]
    if "lost_stage" in out.columns:
        keep.append("lost_stage")
    return out[keep], pd.concat(found, ignore_index=True)


def fields_of(field_map: FieldMap) -> dict[str, str | None]:
    """Map each salescore column to its CRM field, for the errors table."""
    return {name: f.source for name, f in field_map.fields.items()}


@dataclass(frozen=True, eq=False)
class OrganizationImport(Result):
    """CRM users and teams mapped onto an :class:`~salescore.models.Organization`.

    Attributes
    ----------
    organization : Organization
        The teams and reps that mapped.
    errors : pandas.DataFrame
        Rows not imported (:data:`ERROR_COLUMNS`; ``input`` is ``reps`` or
        ``teams``), with reasons of the :data:`~salescore.frames.REPS` and
        :data:`~salescore.frames.TEAMS` contracts, ``inactive``,
        ``unknown_team``, ``unknown_parent`` and ``unknown_manager``.
    """

    organization: Organization
    errors: pd.DataFrame


def _refuse_unknown(
    frame: pd.DataFrame,
    column: str,
    input: str,
    reason: FailureReason,
    errors: list[pd.DataFrame],
    *,
    known: pd.Series[Any] | None = None,
) -> pd.DataFrame:
    """``frame`` without the rows whose ``column`` names an id that is not known.

    ``known`` gives the ids; without it they are the frame's own ``id`` column,
    checked again after each refusal (a refused team's children are refused
    next). Each refused row goes to ``errors`` with ``reason``.
    """
    if column not in frame.columns:
        return frame
    while True:
        ids = frame["id"] if known is None else known
        mask = (frame[column].notna() & ~frame[column].isin(list(ids))).to_numpy(dtype=bool)
        if not mask.any():
            return frame
        errors.append(
            _error_rows(
                frame.index,
                mask,
                input=input,
                column=column,
                field=None,
                values=frame[column].to_numpy(),
                reason=reason,
            )
        )
        frame = frame[~mask]
        if known is not None:
            return frame


def organization_from(
    reps: pd.DataFrame, rep_errors: pd.DataFrame, teams: pd.DataFrame, team_errors: pd.DataFrame
) -> OrganizationImport:
    """Validate mapped rep and team columns and build the organisation.

    An ``is_active`` control column sends inactive users to the errors table
    as ``inactive``; a team whose parent did not map is refused (and so on
    down the tree), as is a rep whose team or manager did not.
    """
    from salescore.frames import REPS, TEAMS, from_frame
    from salescore.models import Rep, Team

    errors: list[pd.DataFrame] = [empty_errors(), rep_errors, team_errors]

    def contract_rows(
        frame: pd.DataFrame, found: pd.DataFrame, contract: Any, input: str
    ) -> pd.DataFrame:
        skip = frame.index.isin(found["row"].tolist()) if len(found) else np.zeros(len(frame), bool)
        frame = frame[~skip]
        if "is_active" in frame.columns:
            inactive = frame["is_active"].notna() & ~frame["is_active"].fillna(True).astype(bool)
            mask = inactive.to_numpy(dtype=bool)
            if mask.any():
                errors.append(
                    _error_rows(
                        frame.index,
                        mask,
                        input=input,
                        column="id",
                        field=None,
                        values=frame["id"].to_numpy(),
                        reason=FailureReason.INACTIVE,
                    )
                )
            frame = frame[~mask]
        columns = [c.name for c in contract.columns if c.name in frame.columns]
        valid, failures = partition_frame(frame[columns], contract)
        errors.append(contract_errors(failures, input))
        return valid

    team_frame = contract_rows(teams, team_errors, TEAMS, "teams")
    # A team whose parent is missing is refused, and then its children; the same for
    # managers. A rep whose team was refused is refused.
    team_frame = _refuse_unknown(
        team_frame, "parent_id", "teams", FailureReason.UNKNOWN_PARENT, errors
    )
    rep_frame = contract_rows(reps, rep_errors, REPS, "reps")
    rep_frame = _refuse_unknown(
        rep_frame, "team_id", "reps", FailureReason.UNKNOWN_TEAM, errors, known=team_frame["id"]
    )
    rep_frame = _refuse_unknown(
        rep_frame, "manager_id", "reps", FailureReason.UNKNOWN_MANAGER, errors
    )
    organization = Organization(
        teams=tuple(from_frame(team_frame, Team)), reps=tuple(from_frame(rep_frame, Rep))
    )
    table = pd.concat([e for e in errors if len(e)] or [empty_errors()], ignore_index=True)
    return OrganizationImport(organization=organization, errors=table.astype(object))


def pipeline_from(stages: pd.DataFrame, errors: pd.DataFrame, *, name: str) -> Pipeline:
    """A :class:`~salescore.models.Pipeline` from mapped stage columns.

    Columns: ``name``, ``order`` (sort key; ties and gaps allowed, the
    stages are renumbered 0, 1, ...), ``probability`` [fraction], ``kind``
    or the ``is_closed`` / ``is_won`` flags, and ``forecast_category``
    (optional). Stage records that do not map raise: a pipeline with a
    stage missing would send every deal in it to the errors table.
    """
    from salescore.models import Stage

    if len(errors):
        first = errors.iloc[0]
        raise InvalidInputError(
            f"stage record {first['row']!r} field {first['field']!r} value {first['value']!r} "
            f"could not be read ({first['reason']}); every stage must map"
        )
    if stages.empty:
        raise InvalidInputError(f"pipeline {name!r} has no stage records")
    frame = stages.copy()
    if "order" not in frame.columns or frame["order"].isna().all():
        frame["order"] = np.arange(len(frame), dtype=np.float64)
    frame = frame.assign(_position=np.arange(len(frame))).sort_values(
        ["order", "_position"], kind="stable"
    )
    built = []
    for order, row in enumerate(frame.to_dict("records")):
        if "kind" in row and row["kind"] is not None:
            kind = row["kind"]
        else:
            closed = bool(row.get("is_closed") or False)
            won = bool(row.get("is_won") or False)
            kind = "won" if won else "lost" if closed else "open"
        probability = row.get("probability")
        if probability is None or (isinstance(probability, float) and np.isnan(probability)):
            probability = 1.0 if kind == "won" else 0.0 if kind == "lost" else None
        if probability is None:
            raise InvalidInputError(
                f"stage {row['name']!r} of pipeline {name!r} has no probability; map one "
                "or give the stage records a default probability"
            )
        category = row.get("forecast_category")
        built.append(
            Stage(
                name=row["name"],
                order=order,
                probability=float(probability),
                kind=kind,
                forecast_category=category if isinstance(category, str) else None,
            )
        )
    return Pipeline(name=name, stages=tuple(built))
