"""One JSON form for every salescore result: ``to_dict``, ``from_dict`` and a JSON Schema.

A CRM back end stores what salescore returns, so every public result turns
into plain JSON-ready Python through this one module, never through a method
written by hand per class:

- ``Decimal`` (money in major units, exact values) becomes a string, ``"1234.50"``;
- ``date`` and ``datetime`` become ISO 8601 strings, ``timedelta`` an ISO 8601 duration;
- enums become their value, numpy scalars plain numbers, NaN, NaT and ±inf ``null``;
- pydantic models become ``model_dump(mode="json")``;
- a DataFrame (or Series) becomes one record layout, the same everywhere::

      {"columns": ["stage", "entered"],          # the columns, in order
       "index": ["segment"],                      # index level names ([] for a RangeIndex)
       "dtypes": {"segment": "string", "stage": "string", "entered": "int"},
       "records": [{"segment": "all", "stage": "Qualify", "entered": 10}, ...]}

  Index levels are fields of each record, so the records alone are a plain
  table; ``dtypes`` lets :func:`frame_from_dict` rebuild the frame with its
  types (``decimal`` and ``date`` columns included).

Result classes get the contract by deriving from :class:`Result` (the frozen
dataclasses) or :class:`~salescore._base.FrozenModel` (pydantic models, which
delegate to pydantic): ``result.to_dict()``, ``Type.from_dict(data)`` and
``Type.json_schema()``.

Examples
--------
>>> from datetime import date
>>> from decimal import Decimal
>>> import pandas as pd
>>> df = pd.DataFrame({"amount": [Decimal("10.50"), None], "on": [date(2026, 1, 2), None]})
>>> d = frame_to_dict(df)
>>> d["records"]
[{'amount': '10.50', 'on': '2026-01-02'}, {'amount': None, 'on': None}]
>>> d["dtypes"]
{'amount': 'decimal', 'on': 'date'}
>>> frame_from_dict(d).equals(df)
True
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
import sys
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from pydantic import BaseModel

from salescore.errors import InvalidInputError

__all__ = [
    "FRAME_SCHEMA",
    "Result",
    "frame_from_dict",
    "frame_to_dict",
    "to_jsonable",
]

#: The JSON Schema of a frame in the record layout.
FRAME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["columns", "index", "dtypes", "records"],
    "additionalProperties": False,
    "properties": {
        "columns": {"type": "array", "items": {"type": "string"}},
        "index": {"type": "array", "items": {"type": "string"}},
        "dtypes": {
            "type": "object",
            "additionalProperties": {
                "type": "string",
                "pattern": (
                    "^(int|float|bool|string|category|decimal|date|datetime|object|period\\[.+\\])$"
                ),
            },
        },
        "records": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": {
                    "type": ["string", "number", "integer", "boolean", "null"]
                },
            },
        },
    },
}


# --------------------------------------------------------------------------- values
def to_jsonable(value: Any) -> Any:
    """Turn a salescore value into plain JSON-ready Python (see the module docstring).

    Examples
    --------
    >>> from decimal import Decimal
    >>> to_jsonable({"total": Decimal("12.30"), "rate": float("nan"), "n": np.int64(3)})
    {'total': '12.30', 'rate': None, 'n': 3}
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else None
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return pd.Timedelta(value).isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, pd.DataFrame | pd.Series):
        return frame_to_dict(value)
    if isinstance(value, pd.Index):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        # Sets in a stable order, so the same result always gives the same JSON.
        return [to_jsonable(v) for v in sorted(value, key=str)]
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    raise InvalidInputError(f"cannot turn {type(value).__name__} value {value!r} into JSON")


# --------------------------------------------------------------------------- frames
def _kind(series: pd.Series[Any]) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if isinstance(dtype, pd.PeriodDtype):
        return str(dtype)  # "period[M]"
    if isinstance(dtype, pd.StringDtype):
        return "string"
    kinds = {type(v) for v in series.dropna().tolist()}
    if kinds and kinds <= {Decimal}:
        return "decimal"
    if kinds and kinds <= {date}:
        return "date"
    return "object"


def _column_values(series: pd.Series[Any], kind: str) -> list[Any]:
    """One column as JSON values, converted column-wise where the dtype allows."""
    if kind in ("int", "bool"):
        if series.hasnans:
            return [None if pd.isna(v) else v for v in series.astype(object).tolist()]
        return series.tolist()
    if kind == "float":
        floats = series.to_numpy(dtype=np.float64)
        values: list[Any] = floats.tolist()
        bad = ~np.isfinite(floats)
        for i in np.flatnonzero(bad).tolist():
            values[i] = None
        return values
    if kind == "datetime":
        return [None if pd.isna(v) else v.isoformat() for v in series.tolist()]
    if kind.startswith("period") or kind == "category":
        return [None if pd.isna(v) else to_jsonable(v) for v in series.tolist()]
    return [to_jsonable(None if _missing(v) else v) for v in series.tolist()]


def _missing(value: Any) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def frame_to_dict(frame: pd.DataFrame | pd.Series[Any]) -> dict[str, Any]:
    """A DataFrame (or Series) in the record layout of the module docstring.

    A default ``RangeIndex`` is dropped (``"index": []``); other index levels
    become fields of every record, named ``index`` when unnamed.
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(name=str(frame.name) if frame.name is not None else "value")
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        raise InvalidInputError(
            f"frame columns {columns} repeat a name; JSON records need unique names"
        )
    # 0, 1, ..., n - 1 without a name is the default index, whatever its type (a frame
    # built from columns has an int64 one, a fresh one a RangeIndex): written the same.
    default_index = (
        frame.index.nlevels == 1
        and frame.index.name is None
        and pd.api.types.is_integer_dtype(frame.index.dtype)
        and frame.index.equals(pd.RangeIndex(len(frame)))
    )
    index_names: list[str] = []
    if not default_index:
        index_names = [
            str(n) if n is not None else ("index" if frame.index.nlevels == 1 else f"level_{i}")
            for i, n in enumerate(frame.index.names)
        ]
        frame = frame.reset_index()
        frame.columns = pd.Index([*index_names, *columns])
    else:
        frame = frame.set_axis(columns, axis=1)
    names = [*index_names, *columns]
    dtypes = {name: _kind(frame[name]) for name in names}
    data = [_column_values(frame[name], dtypes[name]) for name in names]
    records = [dict(zip(names, row, strict=True)) for row in zip(*data, strict=True)]
    return {"columns": columns, "index": index_names, "dtypes": dtypes, "records": records}


def _rebuild(values: list[Any], kind: str) -> pd.Series[Any] | list[Any]:
    if kind == "int":
        if any(v is None for v in values):
            return pd.Series(values, dtype="Int64")
        return pd.Series(values, dtype=np.int64)
    if kind == "float":
        return pd.Series([np.nan if v is None else v for v in values], dtype=np.float64)
    if kind == "bool":
        return pd.Series(values, dtype=bool if None not in values else "boolean")
    if kind == "datetime":
        return pd.Series(pd.to_datetime(values, format="ISO8601"))
    if kind == "category":
        return pd.Series(values, dtype="category")
    if kind.startswith("period["):
        return pd.Series(pd.PeriodIndex(values, freq=kind[len("period[") : -1]))
    if kind == "decimal":
        return pd.Series([None if v is None else Decimal(v) for v in values], dtype=object)
    if kind == "date":
        return pd.Series(
            [None if v is None else date.fromisoformat(v) for v in values], dtype=object
        )
    if kind == "string":
        return pd.Series(values, dtype="str")  # pandas 3: its string dtype; pandas 2: object
    return pd.Series(values, dtype=object)


def frame_from_dict(data: Mapping[str, Any]) -> pd.DataFrame:
    """Rebuild a DataFrame from :func:`frame_to_dict`'s record layout."""
    try:
        columns, index_names, dtypes, records = (
            list(data["columns"]),
            list(data["index"]),
            dict(data["dtypes"]),
            list(data["records"]),
        )
    except (KeyError, TypeError) as exc:
        raise InvalidInputError(
            f"a frame needs 'columns', 'index', 'dtypes' and 'records'; got {sorted(data)}"
        ) from exc
    names = [*index_names, *columns]
    frame = pd.DataFrame(
        {name: _rebuild([r.get(name) for r in records], dtypes[name]) for name in names},
        columns=names,
    )
    if index_names:
        frame = frame.set_index(index_names)
        if index_names == ["index"]:
            frame.index.name = None
    else:
        frame.index = pd.RangeIndex(len(frame))
    return frame


# --------------------------------------------------------------------------- types
#: ``pd.Series[...]`` and ``npt.NDArray[...]`` are for type checkers; at run time the
#: plain class is what a field holds.
_GENERIC = re.compile(
    r"\b(pd\.(?:Series|Index|DataFrame)|npt\.NDArray)\[(?:[^\[\]]|\[[^\[\]]*\])*\]"
)


def _hints(cls: type) -> dict[str, Any]:
    """Field annotations of a dataclass result, evaluated in its module."""
    namespace = {**vars(typing), **vars(sys.modules[cls.__module__]), "pd": pd, "np": np}
    hints = {}
    for field in dataclasses.fields(cls):
        annotation = field.type
        if isinstance(annotation, str):
            text = _GENERIC.sub(lambda m: "np.ndarray" if "NDArray" in m[1] else m[1], annotation)
            annotation = eval(text, namespace)  # the class's own annotation text
        if typing.get_origin(annotation) is np.ndarray:
            annotation = np.ndarray
        hints[field.name] = annotation
    return hints


def _embedded(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A nested schema with its ``$defs`` moved to the root, where its ``$ref`` point."""
    inner = dict(schema)
    defs.update(inner.pop("$defs", {}))
    inner.pop("$schema", None)
    return inner


def _schema_of(annotation: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a field's value after :func:`to_jsonable`."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_schema_of(a, defs) for a in args]}
    if origin is typing.Literal:
        return {"enum": [to_jsonable(a) for a in args]}
    if origin in (tuple, list, set, frozenset):
        item = args[0] if args else Any
        return {"type": "array", "items": _schema_of(item, defs)}
    if origin in (dict, Mapping) or annotation in (dict, Mapping):
        value = args[1] if len(args) == 2 else Any
        return {"type": "object", "additionalProperties": _schema_of(value, defs)}
    if annotation is type(None):
        return {"type": "null"}
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return {"type": "boolean"}
        if issubclass(annotation, enum.Enum):
            return {"enum": [to_jsonable(m) for m in annotation]}
        if issubclass(annotation, int | np.integer):
            return {"type": "integer"}
        if issubclass(annotation, float | np.floating):
            return {"type": ["number", "null"]}
        if issubclass(annotation, str):
            return {"type": "string"}
        if issubclass(annotation, Decimal):
            return {"type": ["string", "null"], "pattern": r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$"}
        if issubclass(annotation, datetime):
            return {"type": "string", "format": "date-time"}
        if issubclass(annotation, date):
            return {"type": "string", "format": "date"}
        if issubclass(annotation, timedelta):
            return {"type": "string", "format": "duration"}
        if issubclass(annotation, pd.DataFrame | pd.Series):
            return FRAME_SCHEMA
        if issubclass(annotation, BaseModel):
            return _embedded(annotation.model_json_schema(mode="serialization"), defs)
        if dataclasses.is_dataclass(annotation) and issubclass(annotation, Result):
            return _embedded(annotation.json_schema(), defs)
        if issubclass(annotation, np.ndarray | pd.Index):
            return {"type": "array"}
    return {}


def _from_jsonable(value: Any, annotation: Any) -> Any:
    """Rebuild a field's value from its JSON form, guided by its annotation."""
    if value is None:
        return None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in (a for a in args if a is not type(None)):
            try:
                return _from_jsonable(value, arg)
            except (TypeError, ValueError, KeyError, InvalidInputError):
                continue
        return value
    if origin in (tuple, list, set, frozenset):
        item = args[0] if args else Any
        rebuilt = [_from_jsonable(v, item) for v in value]
        return origin(rebuilt) if origin is not list else rebuilt
    if origin in (dict, Mapping):
        inner = args[1] if len(args) == 2 else Any
        return {k: _from_jsonable(v, inner) for k, v in value.items()}
    if not isinstance(annotation, type):
        return value
    if issubclass(annotation, pd.DataFrame):
        return frame_from_dict(value)
    if issubclass(annotation, pd.Series):
        frame = frame_from_dict(value)
        series = frame[frame.columns[0]]
        return series.rename(None) if series.name == "value" else series
    if issubclass(annotation, BaseModel):
        return annotation.model_validate(value)
    if dataclasses.is_dataclass(annotation) and issubclass(annotation, Result):
        return annotation.from_dict(value)
    if issubclass(annotation, Decimal):
        return Decimal(value)
    if issubclass(annotation, datetime):
        return datetime.fromisoformat(value)
    if issubclass(annotation, date):
        return date.fromisoformat(value)
    if issubclass(annotation, timedelta):
        return pd.Timedelta(value).to_pytimedelta()
    if issubclass(annotation, enum.Enum):
        return annotation(value)
    if issubclass(annotation, np.ndarray):
        return np.asarray(value)
    if issubclass(annotation, pd.Index):
        return pd.Index(value)
    if issubclass(annotation, float) and not isinstance(value, bool):
        return float(value)
    return value


class Result:
    """The JSON contract of salescore's dataclass results (``to_dict``, ``from_dict``, schema).

    A mixin for ``@dataclass(frozen=True)`` result types: the three methods
    read the dataclass fields and their annotations, so no result writes its
    own. Money stays ``Decimal`` in major units (a string in JSON); integer
    ``*_minor`` columns may stand beside it.
    """

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready Python: ``json.dumps(result.to_dict())`` works."""
        data: dict[str, Any] = to_jsonable(self)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild the result from :meth:`to_dict`'s output (after a JSON round trip)."""
        hints = _hints(cls)
        fields = dataclasses.fields(cls)
        missing = [f.name for f in fields if f.name not in data]
        if missing:
            raise InvalidInputError(f"{cls.__name__} data lacks the fields {missing}")
        return cls(**{f.name: _from_jsonable(data[f.name], hints[f.name]) for f in fields})

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of :meth:`to_dict`'s output."""
        hints = _hints(cls)
        fields = dataclasses.fields(cls)
        defs: dict[str, Any] = {}
        properties = {f.name: _schema_of(hints[f.name], defs) for f in fields}
        schema: dict[str, Any] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": cls.__name__,
            "type": "object",
            "required": [f.name for f in fields],
            "properties": properties,
        }
        if defs:
            schema["$defs"] = defs
        return schema
