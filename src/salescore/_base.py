"""The frozen pydantic base every salescore value and model derives from.

pydantic wraps errors raised inside validators into its own
``ValidationError``. Callers of salescore should only ever need to catch
:class:`~salescore.errors.SalescoreError`, so construction and validation
translate: a single failure that was one of ours is re-raised as its own type
(``UnknownCurrencyError``, ``UnknownStageError``, ...), with the field named;
anything else becomes a :class:`~salescore.errors.ModelValidationError` that
lists every failure with the value given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from salescore.errors import ModelValidationError, SalescoreError

__all__ = ["FrozenModel", "translate_validation_error"]


def translate_validation_error(exc: ValidationError, model: str) -> SalescoreError:
    """Turn a pydantic ``ValidationError`` into the matching salescore error."""
    errors = exc.errors(include_url=False)
    originals = [(e.get("ctx") or {}).get("error") for e in errors]

    def where(loc: tuple[int | str, ...]) -> str:
        return ".".join([model, *(str(p) for p in loc)])

    first = originals[0] if len(originals) == 1 else None
    if isinstance(first, SalescoreError) and getattr(first, "_translated", False):
        # pydantic validates through our ``__init__``, which already translated.
        return first
    if isinstance(first, SalescoreError) and not isinstance(first, ModelValidationError):
        # Our own error types take a single message; keep the type, add the field.
        translated = type(first)(f"{where(errors[0]['loc'])}: {first}")
        translated.__cause__ = exc
        translated._translated = True  # type: ignore[attr-defined]
        return translated
    lines = []
    for err, original in zip(errors, originals, strict=True):
        if isinstance(original, SalescoreError):
            lines.append(f"{where(err['loc'])}: {original}")
        else:
            lines.append(f"{where(err['loc'])}: {err['msg']} (got {err.get('input')!r})")
    translated_all = ModelValidationError("; ".join(lines), [dict(e) for e in errors])
    translated_all.__cause__ = exc
    translated_all._translated = True  # type: ignore[attr-defined]
    return translated_all


class FrozenModel(BaseModel):
    """Immutable pydantic model with salescore's error translation.

    Subclasses are frozen, forbid unknown fields, export a JSON Schema and
    round-trip through ``model_dump(mode="json")``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise translate_validation_error(exc, type(self).__name__) from exc

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        """Validate ``obj`` (a dict or model) into this model, raising salescore errors."""
        try:
            return super().model_validate(obj, **kwargs)
        except ValidationError as exc:
            raise translate_validation_error(exc, cls.__name__) from exc

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Self:
        """Validate a JSON document into this model, raising salescore errors."""
        try:
            return super().model_validate_json(json_data, **kwargs)
        except ValidationError as exc:
            raise translate_validation_error(exc, cls.__name__) from exc

    def to_dict(self) -> dict[str, Any]:
        """Return the model as JSON-ready Python (Decimals as strings, ISO dates)."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild the model from :meth:`to_dict`'s output, validating it."""
        return cls.model_validate(dict(data))

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of :meth:`to_dict`'s output."""
        return cls.model_json_schema(mode="serialization")
