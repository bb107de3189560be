"""salescore: sales-management domain logic, exact to the cent.

Typed models of targets, opportunities, stages, reps and channels, and
calculators for goal decomposition, SMART validation, funnel conversion,
forecasting and commission. No I/O, no clock, no global state: everything
comes in as arguments and goes out as return values.

Examples
--------
>>> import salescore
>>> salescore.Money("100", "CNY").allocate([1, 2])
[Money(amount=Decimal('33.33'), currency='CNY'), Money(amount=Decimal('66.67'), currency='CNY')]
"""

from importlib.metadata import PackageNotFoundError, version

from salescore.calendar import FiscalCalendar, Period, WorkCalendar
from salescore.errors import (
    CurrencyMismatchError,
    FrameValidationError,
    InvalidInputError,
    MissingHistoryError,
    MissingRateError,
    ModelValidationError,
    SalescoreError,
    UnknownCurrencyError,
    UnknownStageError,
)
from salescore.models import (
    Channel,
    ChannelKind,
    Direction,
    ForecastCategory,
    Metric,
    Opportunity,
    Organization,
    Owner,
    OwnerKind,
    Pipeline,
    Rep,
    Segment,
    Stage,
    StageChange,
    StageKind,
    Target,
    Team,
)
from salescore.money import CURRENCIES, FxRate, FxRates, Money

try:
    __version__ = version("salescore")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "CURRENCIES",
    "Channel",
    "ChannelKind",
    "CurrencyMismatchError",
    "Direction",
    "FiscalCalendar",
    "ForecastCategory",
    "FrameValidationError",
    "FxRate",
    "FxRates",
    "InvalidInputError",
    "Metric",
    "MissingHistoryError",
    "MissingRateError",
    "ModelValidationError",
    "Money",
    "Opportunity",
    "Organization",
    "Owner",
    "OwnerKind",
    "Period",
    "Pipeline",
    "Rep",
    "SalescoreError",
    "Segment",
    "Stage",
    "StageChange",
    "StageKind",
    "Target",
    "Team",
    "UnknownCurrencyError",
    "UnknownStageError",
    "WorkCalendar",
    "__version__",
]
