"""The owners a target is allocated to, as ids: shared by allocation and the plan matrix."""

from __future__ import annotations

from collections.abc import Sequence

from salescore.errors import InvalidInputError
from salescore.models import Channel, Owner, OwnerKind, Rep, Team

__all__ = ["as_owner", "owner_ids"]


def as_owner(item: object) -> Owner:
    """``item`` as an :class:`~salescore.models.Owner` with an id, or an error naming it."""
    if isinstance(item, Owner):
        if item.id is None:
            raise InvalidInputError("the company cannot be an owner to allocate to; it has no id")
        return item
    if isinstance(item, Rep):
        return Owner(kind=OwnerKind.REP, id=item.id)
    if isinstance(item, Team):
        return Owner(kind=OwnerKind.TEAM, id=item.id)
    if isinstance(item, Channel):
        return Owner(kind=OwnerKind.CHANNEL, id=item.id)
    raise InvalidInputError(
        f"owner {item!r} is a {type(item).__name__}; give Rep, Team, Channel or Owner objects"
    )


def owner_ids(owners: Sequence[object]) -> list[str]:
    """The owners' ids in the order given; an error for none, an unknown kind or a repeated id."""
    if len(owners) == 0:
        raise InvalidInputError("no owners to allocate to; give at least one")
    ids = [str(as_owner(o).id) for o in owners]
    seen: set[str] = set()
    dupes = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if dupes:
        raise InvalidInputError(f"owner ids {dupes} appear more than once; each owner once")
    return ids
