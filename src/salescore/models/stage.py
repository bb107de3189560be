"""Sales stages and the pipeline that orders them."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Self

from pydantic import Field, field_validator, model_validator

from salescore._base import FrozenModel
from salescore._checks import check_choice
from salescore._numeric import check_fraction
from salescore.errors import InvalidInputError, UnknownStageError

__all__ = ["ForecastCategory", "Pipeline", "Stage", "StageKind"]


class StageKind(StrEnum):
    """Whether a stage is still open, or closes the deal as won or lost."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class ForecastCategory(StrEnum):
    """Forecast categories in the Salesforce convention.

    Roll-ups: Commit forecast = Commit + Closed; Best Case forecast = Best Case
    + Commit + Closed; open pipeline = Pipeline + Best Case + Commit. Omitted is
    left out of every forecast.
    """

    PIPELINE = "Pipeline"
    BEST_CASE = "Best Case"
    COMMIT = "Commit"
    CLOSED = "Closed"
    OMITTED = "Omitted"


_DEFAULT_CATEGORY = {
    StageKind.OPEN: ForecastCategory.PIPELINE,
    StageKind.WON: ForecastCategory.CLOSED,
    StageKind.LOST: ForecastCategory.OMITTED,
}


class Stage(FrozenModel):
    """One stage of a sales pipeline.

    Parameters
    ----------
    name : str
        Unique within its pipeline, e.g. ``"Negotiation"``.
    order : int
        Position in the pipeline (>= 0); lower comes first.
    probability : float
        Default win probability of a deal in this stage [fraction]. Won stages
        must have 1, lost stages 0.
    kind : StageKind
        ``open``, ``won`` or ``lost``.
    forecast_category : ForecastCategory, optional
        Defaults to Pipeline for open stages, Closed for won, Omitted for lost.

    Examples
    --------
    >>> Stage(name="Proposal", order=2, probability=0.4).forecast_category
    <ForecastCategory.PIPELINE: 'Pipeline'>
    >>> Stage(name="Won", order=9, probability=0.9, kind="won")
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: Stage: stage 'Won' is a won stage with probability 0.9; ...
    """

    name: str = Field(min_length=1)
    order: int = Field(ge=0)
    probability: float
    kind: StageKind = StageKind.OPEN
    forecast_category: ForecastCategory | None = None

    @field_validator("name")
    @classmethod
    def _strip(cls, name: str) -> str:
        if not name.strip():
            raise InvalidInputError(f"stage name {name!r} is blank")
        return name.strip()

    @model_validator(mode="before")
    @classmethod
    def _fill_category(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("forecast_category") is None:
            given = data.get("kind", StageKind.OPEN)
            kind = StageKind(check_choice(given, list(StageKind), name="stage kind"))
            data = {**data, "forecast_category": _DEFAULT_CATEGORY[kind]}
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        check_fraction(self.probability, what=f"stage {self.name!r} probability")
        if self.kind is StageKind.WON and self.probability != 1.0:
            raise InvalidInputError(
                f"stage {self.name!r} is a won stage with probability {self.probability}; "
                "won stages must have probability 1"
            )
        if self.kind is StageKind.LOST and self.probability != 0.0:
            raise InvalidInputError(
                f"stage {self.name!r} is a lost stage with probability {self.probability}; "
                "lost stages must have probability 0"
            )
        return self

    @property
    def is_closed(self) -> bool:
        """True for won and lost stages."""
        return self.kind is not StageKind.OPEN


class Pipeline(FrozenModel):
    """An ordered set of stages: names unique, at least one won and one lost stage.

    Stages are kept sorted by ``order``.

    Examples
    --------
    >>> p = Pipeline(stages=[
    ...     Stage(name="Qualify", order=0, probability=0.1),
    ...     Stage(name="Propose", order=1, probability=0.5),
    ...     Stage(name="Won", order=2, probability=1.0, kind="won"),
    ...     Stage(name="Lost", order=3, probability=0.0, kind="lost"),
    ... ])
    >>> p["Propose"].probability, p.index("Won"), [s.name for s in p.open_stages]
    (0.5, 2, ['Qualify', 'Propose'])
    >>> p["Demo"]
    Traceback (most recent call last):
    ...
    salescore.errors.UnknownStageError: stage 'Demo' is not in the pipeline; ...
    """

    name: str = "default"
    stages: tuple[Stage, ...]

    @field_validator("stages")
    @classmethod
    def _ordered(cls, stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
        if not stages:
            raise InvalidInputError("the pipeline has no stages; give at least one won and lost")
        seen: dict[str, Stage] = {}
        orders: dict[int, str] = {}
        for stage in stages:
            if stage.name in seen:
                raise InvalidInputError(
                    f"stage name {stage.name!r} appears twice; names are unique"
                )
            if stage.order in orders:
                raise InvalidInputError(
                    f"stages {orders[stage.order]!r} and {stage.name!r} share order {stage.order}; "
                    "orders are unique"
                )
            seen[stage.name] = stage
            orders[stage.order] = stage.name
        kinds = {stage.kind for stage in stages}
        for needed in (StageKind.WON, StageKind.LOST):
            if needed not in kinds:
                raise InvalidInputError(
                    f"the pipeline has no {needed.value} stage; at least one is required"
                )
        return tuple(sorted(stages, key=lambda s: s.order))

    def __getitem__(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise UnknownStageError(
            f"stage {name!r} is not in the pipeline; known stages: {', '.join(self.names)}"
        )

    def __contains__(self, name: object) -> bool:
        return any(stage.name == name for stage in self.stages)

    def __iter__(self) -> Iterator[Stage]:  # type: ignore[override]
        return iter(self.stages)

    def __len__(self) -> int:
        return len(self.stages)

    @property
    def names(self) -> tuple[str, ...]:
        """Stage names in order."""
        return tuple(stage.name for stage in self.stages)

    def index(self, name: str) -> int:
        """Position of stage ``name`` in the ordered pipeline."""
        return self.stages.index(self[name])

    @property
    def open_stages(self) -> tuple[Stage, ...]:
        """The open stages, in order."""
        return tuple(s for s in self.stages if s.kind is StageKind.OPEN)

    @property
    def won_stages(self) -> tuple[Stage, ...]:
        """The won stages, in order."""
        return tuple(s for s in self.stages if s.kind is StageKind.WON)

    @property
    def lost_stages(self) -> tuple[Stage, ...]:
        """The lost stages, in order."""
        return tuple(s for s in self.stages if s.kind is StageKind.LOST)

    def check_stage(self, name: str, *, what: str = "stage") -> Stage:
        """Return the stage called ``name`` or raise :class:`UnknownStageError` naming ``what``."""
        if name not in self:
            raise UnknownStageError(
                f"{what} {name!r} is not in the pipeline; known stages: {', '.join(self.names)}"
            )
        return self[name]
