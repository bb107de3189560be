"""Sales activities: visits, calls, meetings and the like, done by a rep for an account."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, model_validator

from salescore._base import FrozenModel
from salescore.errors import InvalidInputError
from salescore.models._fields import Identifier, OptionalText

__all__ = ["Activity", "ActivityKind"]


class ActivityKind(StrEnum):
    """What kind of activity a rep did (拜访, 回访, 电话, 会议, 演示, 方案, 其他)."""

    VISIT = "visit"
    FOLLOW_UP_VISIT = "follow_up_visit"
    CALL = "call"
    MEETING = "meeting"
    DEMO = "demo"
    PROPOSAL = "proposal"
    OTHER = "other"


class Activity(FrozenModel):
    """One activity a rep did for an account, optionally on a deal.

    Parameters
    ----------
    id : str
        Unique activity id.
    rep_id : str
        The rep who did it.
    kind : ActivityKind
        Visit, follow-up visit, call, meeting, demo, proposal or other.
    occurred_at : datetime
        When, timezone-aware (naive timestamps are rejected, as for
        :class:`~salescore.models.StageChange`: activities of offices in
        several time zones cannot be ordered without them).
    account_id : str
        The account it was done for.
    opportunity_id : str, optional
        The deal it worked on, if any.
    outcome : str, optional
        Free-text result (blank becomes ``None``).
    duration : timedelta, optional
        How long it took [timedelta], >= 0. A ``timedelta`` rather than a
        number of minutes so the unit cannot be misread; JSON carries it as
        an ISO 8601 duration (``PT45M``).

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> a = Activity(id="A1", rep_id="r1", kind="visit",
    ...              occurred_at=datetime(2026, 3, 2, 10, tzinfo=timezone.utc),
    ...              account_id="C1", duration=timedelta(minutes=45))
    >>> a.kind, a.duration.total_seconds() / 60
    (<ActivityKind.VISIT: 'visit'>, 45.0)
    """

    id: Identifier
    rep_id: Identifier
    kind: ActivityKind
    occurred_at: AwareDatetime
    account_id: Identifier
    opportunity_id: Identifier | None = None
    outcome: OptionalText = None
    duration: timedelta | None = None

    @model_validator(mode="after")
    def _duration_non_negative(self) -> Self:
        if self.duration is not None and self.duration < timedelta(0):
            raise InvalidInputError(
                f"activity {self.id!r} duration {self.duration} is negative; durations must be >= 0"
            )
        return self
