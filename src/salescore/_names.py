"""Collections of names (stages, columns) given where a caller may slip in one string.

This module is private. A string is itself an iterable of its letters, so
``tuple("Qualify")`` is seven one-letter "stages" and a check against them
passes or fails for the wrong reason. Every argument that takes a collection of
names reads it here.
"""

from __future__ import annotations

from collections.abc import Iterable

from salescore.errors import InvalidInputError

__all__ = ["as_names"]


def as_names(value: object, *, what: str) -> tuple[str, ...]:
    """Read a collection of names, refusing a bare string and non-string items.

    Parameters
    ----------
    value : iterable of str
        The names, in order.
    what : str
        What the names are, for the error message.

    Returns
    -------
    tuple of str

    Raises
    ------
    InvalidInputError
        ``value`` is a single string, not iterable, or holds a non-string.

    Examples
    --------
    >>> as_names(["Qualify", "Won"], what="stage names")
    ('Qualify', 'Won')
    >>> as_names("Qualify", what="stage names")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: stage names 'Qualify' is a single string, not a \
collection of names; pass ['Qualify'] for one name
    """
    if isinstance(value, str | bytes):
        raise InvalidInputError(
            f"{what} {value!r} is a single string, not a collection of names; "
            f"pass [{value!r}] for one name"
        )
    if not isinstance(value, Iterable):
        raise InvalidInputError(
            f"{what} {value!r} is not a collection of names (a list or tuple of str)"
        )
    names: tuple[object, ...] = tuple(value)
    for name in names:
        if not isinstance(name, str):
            raise InvalidInputError(f"{what} hold {name!r}, which is not a string name")
    return names  # type: ignore[return-value]  # every item was checked to be a str
