"""Periods, fiscal calendars and working-day calendars.

A :class:`Period` is a half-open date range ``[start, end)``: adjacent periods
share a boundary and never a day, so splitting a year into months and summing
their days gives the year's days exactly.

:class:`FiscalCalendar` describes a company's fiscal year: either calendar
months starting in any month, or a retail 4-4-5 / 4-5-4 / 5-4-4 week calendar
whose year ends on a chosen weekday near the end of a chosen month (so some
years have 53 weeks).

:class:`WorkCalendar` knows which days are worked: a weekmask, holidays, and
make-up working days that fall on a weekend (as in the Chinese calendar).
Counting is vectorised with numpy's business-day functions.
"""

from __future__ import annotations

import calendar as _gregorian
import itertools
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Literal, Protocol, Self, SupportsIndex, get_args

import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore.errors import InvalidInputError

__all__ = [
    "GRAINS",
    "Employment",
    "FiscalCalendar",
    "FiscalPosition",
    "Grain",
    "Period",
    "WorkCalendar",
    "working_time_units",
]

Grain = Literal["year", "quarter", "month", "week", "day"]
"""The grains a period can be split into, coarsest first."""

GRAINS: tuple[Grain, ...] = get_args(Grain)

RetailPattern = Literal["4-4-5", "4-5-4", "5-4-4"]
_ONE_DAY = timedelta(days=1)


def check_grain(grain: object) -> Grain:
    """Return ``grain`` if it is one of :data:`GRAINS`, else raise ``InvalidInputError``."""
    if grain not in GRAINS:
        raise InvalidInputError.of(
            "not_allowed_plain", name="grain", value=grain, allowed=", ".join(GRAINS)
        )
    return grain


def _check_range(value: object, lo: int, hi: int, what: str) -> int:
    # numpy integers (a year read from an array) are whole numbers too; bools are not.
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        number = int(value)
        if lo <= number <= hi:
            return number
    raise InvalidInputError.of("not_whole_in", name=what, value=value, low=lo, high=hi)


def _add_months(year: int, month: int, months: int) -> date:
    """First day of the month ``months`` after ``year``-``month``."""
    index = year * 12 + (month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


class Period(FrozenModel):
    """A half-open range of dates ``[start, end)``.

    Parameters
    ----------
    start : date
        First day in the period.
    end : date
        First day after the period; must be later than ``start``.

    Examples
    --------
    >>> from datetime import date
    >>> q1 = Period.quarter(2026, 1)
    >>> q1.start, q1.end, q1.days
    (datetime.date(2026, 1, 1), datetime.date(2026, 4, 1), 90)
    >>> str(q1), q1.contains(date(2026, 3, 31)), q1.contains(date(2026, 4, 1))
    ('2026-Q1', True, False)
    >>> [str(p) for p in Period(start=date(2026, 3, 30), end=date(2026, 4, 13)).split("week")]
    ['2026-W14', '2026-W15']
    """

    start: date
    end: date

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise InvalidInputError.of("period_order", end=self.end, start=self.start)
        return self

    # -- constructors -------------------------------------------------------

    @classmethod
    def year(cls, year: SupportsIndex) -> Period:
        """The calendar year ``year`` (an int, numpy integers too)."""
        y = _check_range(year, 1, 9998, "year")
        return cls(start=date(y, 1, 1), end=date(y + 1, 1, 1))

    @classmethod
    def quarter(cls, year: SupportsIndex, quarter: SupportsIndex) -> Period:
        """Calendar quarter ``quarter`` (1-4) of ``year``."""
        y = _check_range(year, 1, 9998, "year")
        q = _check_range(quarter, 1, 4, "quarter")
        first = 3 * (q - 1) + 1
        return cls(start=date(y, first, 1), end=_add_months(y, first, 3))

    @classmethod
    def month(cls, year: SupportsIndex, month: SupportsIndex) -> Period:
        """Calendar month ``month`` (1-12) of ``year``."""
        y = _check_range(year, 1, 9998, "year")
        m = _check_range(month, 1, 12, "month")
        return cls(start=date(y, m, 1), end=_add_months(y, m, 1))

    @classmethod
    def iso_week(cls, year: SupportsIndex, week: SupportsIndex) -> Period:
        """ISO 8601 week ``week`` of ISO year ``year`` (Monday to Sunday)."""
        y = _check_range(year, 1, 9998, "ISO year")
        weeks = date(y, 12, 28).isocalendar().week  # 28 December is always in the last week
        w = _check_range(week, 1, weeks, f"ISO week of {y}")
        start = date.fromisocalendar(y, w, 1)
        return cls(start=start, end=start + timedelta(days=7))

    @classmethod
    def day(cls, day: date) -> Period:
        """The single day ``day``."""
        return cls(start=day, end=day + _ONE_DAY)

    @classmethod
    def containing(
        cls, day: date, grain: Grain, *, calendar: FiscalCalendar | None = None
    ) -> Period:
        """The whole period of ``grain`` containing ``day``, Gregorian or fiscal.

        Examples
        --------
        >>> Period.containing(date(2026, 5, 20), "quarter").label
        '2026-Q2'
        >>> Period.containing(date(2026, 1, 1), "week").start   # ISO weeks start on Monday
        datetime.date(2025, 12, 29)
        >>> april = FiscalCalendar(start_month=4)
        >>> april.label(Period.containing(date(2026, 5, 20), "quarter", calendar=april))
        'FY2027-Q1'
        """
        check_grain(grain)
        if calendar is not None:
            return calendar.period_of(day, grain)
        start = _grain_start(day, grain)
        return cls(start=start, end=_grain_next(start, grain))

    # -- queries ------------------------------------------------------------

    @property
    def days(self) -> int:
        """Number of days in the period [days]."""
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        """The last day in the period (``end`` minus one day)."""
        return self.end - _ONE_DAY

    def contains(self, day: date) -> bool:
        """Whether ``day`` lies in ``[start, end)``."""
        return self.start <= day < self.end

    def overlap(self, other: Period) -> Period | None:
        """The days both periods share, or ``None`` when they are disjoint.

        Examples
        --------
        >>> Period.year(2026).overlap(Period.quarter(2026, 4)) == Period.quarter(2026, 4)
        True
        >>> Period.month(2026, 1).overlap(Period.month(2026, 2)) is None
        True
        """
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Period(start=start, end=end) if start < end else None

    @property
    def grain(self) -> Grain | None:
        """The calendar grain this period is exactly, or ``None`` for other ranges.

        Examples
        --------
        >>> Period.month(2026, 2).grain, Period.iso_week(2026, 5).grain
        ('month', 'week')
        """
        start, days = self.start, self.days
        if days == 1:
            return "day"
        if days == 7 and start.weekday() == 0:
            return "week"
        if start.day != 1:
            return None
        if self.end == _add_months(start.year, start.month, 1):
            return "month"
        if start.month % 3 == 1 and self.end == _add_months(start.year, start.month, 3):
            return "quarter"
        if start.month == 1 and self.end == date(start.year + 1, 1, 1):
            return "year"
        return None

    @property
    def label(self) -> str:
        """A short name: ``2026``, ``2026-Q1``, ``2026-03``, ``2026-W05``, ``2026-03-05``.

        Ranges that are not exactly one calendar grain read ``start/end`` with
        ``end`` exclusive, for example ``2026-01-05/2026-02-01``.
        """
        start = self.start
        match self.grain:
            case "year":
                return f"{start.year}"
            case "quarter":
                return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
            case "month":
                return f"{start.year}-{start.month:02d}"
            case "week":
                iso = start.isocalendar()
                return f"{iso.year}-W{iso.week:02d}"
            case "day":
                return start.isoformat()
            case _:
                return f"{start.isoformat()}/{self.end.isoformat()}"

    def __str__(self) -> str:
        return self.label

    def __lt__(self, other: Period) -> bool:
        return (self.start, self.end) < (other.start, other.end)

    def __le__(self, other: Period) -> bool:
        return (self.start, self.end) <= (other.start, other.end)

    def __gt__(self, other: Period) -> bool:
        return (self.start, self.end) > (other.start, other.end)

    def __ge__(self, other: Period) -> bool:
        return (self.start, self.end) >= (other.start, other.end)

    def split(self, grain: Grain, *, calendar: FiscalCalendar | None = None) -> list[Period]:
        """Split into consecutive periods of ``grain``, clipping the first and last.

        Parameters
        ----------
        grain : {"year", "quarter", "month", "week", "day"}
            Calendar grain; weeks are ISO weeks (Monday first) unless a
            fiscal ``calendar`` says otherwise.
        calendar : FiscalCalendar, optional
            Split along this calendar's fiscal years, quarters, months (fiscal
            periods) and weeks instead of the Gregorian ones.

        Returns
        -------
        list of Period
            Tiles ``self`` exactly: no gaps, no overlaps, in order.

        Examples
        --------
        >>> [p.label for p in Period.year(2026).split("quarter")]
        ['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4']
        >>> [p.days for p in Period(start=date(2026, 1, 20), end=date(2026, 3, 10)).split("month")]
        [12, 28, 9]
        """
        check_grain(grain)
        if calendar is not None:
            return calendar.split(self, grain)
        if grain == "day":
            return [Period.day(self.start + timedelta(days=i)) for i in range(self.days)]
        boundaries = [self.start]
        cursor = _grain_start(self.start, grain)
        while True:
            cursor = _grain_next(cursor, grain)
            if cursor >= self.end:
                break
            boundaries.append(cursor)
        boundaries.append(self.end)
        return [Period(start=a, end=b) for a, b in itertools.pairwise(boundaries)]


def _grain_start(day: date, grain: Grain) -> date:
    """Start of the Gregorian ``grain`` containing ``day`` (weeks start on Monday)."""
    match grain:
        case "year":
            return date(day.year, 1, 1)
        case "quarter":
            return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        case "month":
            return date(day.year, day.month, 1)
        case "week":
            return day - timedelta(days=day.weekday())
        case _:
            return day


def _grain_next(start: date, grain: Grain) -> date:
    """Start of the Gregorian ``grain`` after the one starting on ``start``."""
    match grain:
        case "year":
            return date(start.year + 1, 1, 1)
        case "quarter":
            return _add_months(start.year, start.month, 3)
        case "month":
            return _add_months(start.year, start.month, 1)
        case "week":
            return start + timedelta(days=7)
        case _:
            return start + _ONE_DAY


def _clip(periods: Sequence[Period], window: Period) -> list[Period]:
    clipped = (p.overlap(window) for p in periods)
    return [p for p in clipped if p is not None]


class FiscalPosition(FrozenModel):
    """Where a date falls in a fiscal calendar (all numbers start at 1).

    Parameters
    ----------
    year : int
        Fiscal year, named as the calendar names it.
    quarter : int
        Fiscal quarter, 1-4.
    month : int
        Fiscal month (fiscal period), 1-12.
    week : int
        Week of the fiscal year, 1-53.
    """

    year: int
    quarter: int
    month: int
    week: int


class FiscalCalendar(FrozenModel):
    """A fiscal year of calendar months, or a retail 4-4-5 style week calendar.

    Parameters
    ----------
    start_month : int
        For month-based years: the month (1-12) the fiscal year starts in.
    named_by : {"end", "start"}
        Which calendar year names a fiscal year: the one it ends in (a year
        from April 2026 to March 2027 is FY2027) or the one it starts in.
    week_start : int
        For month-based years: the weekday weeks start on (0 = Monday).
        Weeks are clipped at the fiscal year's edges.
    pattern : {"4-4-5", "4-5-4", "5-4-4"}, optional
        Makes this a retail week calendar: each quarter has 13 weeks split
        into fiscal months of these lengths.
    year_end_month : int
        Retail only: the month near whose end the fiscal year ends.
    year_end_weekday : int
        Retail only: the weekday (0 = Monday ... 6 = Sunday) the year ends on.
    rule : {"nearest", "last"}
        Retail only: end on that weekday nearest the month's last day (up to
        three days into the next month), or on the last such weekday in it.

    Notes
    -----
    A retail year has 52 weeks, or 53 when the year-end date drifts far
    enough; the extra week goes to the last fiscal month of the year.

    Examples
    --------
    >>> fy = FiscalCalendar(start_month=4)
    >>> fy.year(2027)
    Period(start=datetime.date(2026, 4, 1), end=datetime.date(2027, 4, 1))
    >>> nrf = FiscalCalendar.retail("4-5-4", year_end_month=1, year_end_weekday=5,
    ...                             named_by="start")
    >>> nrf.year(2023).start, nrf.year(2023).last_day, nrf.weeks_in_year(2023)
    (datetime.date(2023, 1, 29), datetime.date(2024, 2, 3), 53)
    """

    start_month: int = Field(default=1, ge=1, le=12)
    named_by: Literal["end", "start"] = "end"
    week_start: int = Field(default=0, ge=0, le=6)
    pattern: RetailPattern | None = None
    year_end_month: int = Field(default=12, ge=1, le=12)
    year_end_weekday: int = Field(default=5, ge=0, le=6)
    rule: Literal["nearest", "last"] = "nearest"

    @classmethod
    def retail(
        cls,
        pattern: RetailPattern = "4-4-5",
        *,
        year_end_month: int = 12,
        year_end_weekday: int = 5,
        rule: Literal["nearest", "last"] = "nearest",
        named_by: Literal["end", "start"] = "end",
    ) -> FiscalCalendar:
        """A retail week calendar (see the class parameters)."""
        return cls(
            pattern=pattern,
            year_end_month=year_end_month,
            year_end_weekday=year_end_weekday,
            rule=rule,
            named_by=named_by,
        )

    @property
    def is_retail(self) -> bool:
        """Whether this is a week-based (4-4-5 style) calendar."""
        return self.pattern is not None

    # -- the year -----------------------------------------------------------

    def _retail_year_end(self, fiscal_year: int) -> date:
        """Last day of retail fiscal year ``fiscal_year``."""
        end_year = fiscal_year
        if self.named_by == "start" and self.year_end_month != 12:
            end_year += 1
        last = date(
            end_year, self.year_end_month, _gregorian.monthrange(end_year, self.year_end_month)[1]
        )
        back = (last.weekday() - self.year_end_weekday) % 7  # days back to that weekday
        if self.rule == "nearest" and back > 3:
            return last + timedelta(days=7 - back)
        return last - timedelta(days=back)

    def year(self, fiscal_year: int) -> Period:
        """The fiscal year ``fiscal_year`` as a period."""
        _check_range(fiscal_year, 2, 9997, "fiscal year")
        if self.pattern is not None:
            start = self._retail_year_end(fiscal_year - 1) + _ONE_DAY
            return Period(start=start, end=self._retail_year_end(fiscal_year) + _ONE_DAY)
        start_year = fiscal_year
        if self.named_by == "end" and self.start_month != 1:
            start_year -= 1
        start = date(start_year, self.start_month, 1)
        return Period(start=start, end=_add_months(start_year, self.start_month, 12))

    def weeks_in_year(self, fiscal_year: int) -> int:
        """Number of weeks in the fiscal year: 52 or 53 for retail, else whole or part weeks."""
        return len(self.weeks(fiscal_year))

    def fiscal_year_of(self, day: date) -> int:
        """The fiscal year containing ``day``."""
        guess = day.year + (1 if self.named_by == "end" else 0)
        for fiscal_year in (guess - 1, guess, guess + 1):
            if self.year(fiscal_year).contains(day):
                return fiscal_year
        return guess - 2  # pragma: no cover - every day is within a year of its guess

    # -- within the year ----------------------------------------------------

    def months(self, fiscal_year: int) -> list[Period]:
        """The twelve fiscal months (fiscal periods) of ``fiscal_year``."""
        year = self.year(fiscal_year)
        if self.pattern is None:
            return [
                Period(
                    start=year.start
                    if i == 0
                    else _add_months(year.start.year, year.start.month, i),
                    end=_add_months(year.start.year, year.start.month, i + 1),
                )
                for i in range(12)
            ]
        lengths = [int(n) for n in self.pattern.split("-")] * 4
        lengths[-1] += year.days // 7 - 52  # a 53rd week joins the last fiscal month
        bounds = [year.start]
        for weeks in lengths:
            bounds.append(bounds[-1] + timedelta(weeks=weeks))
        return [Period(start=a, end=b) for a, b in itertools.pairwise(bounds)]

    def quarters(self, fiscal_year: int) -> list[Period]:
        """The four fiscal quarters of ``fiscal_year``."""
        months = self.months(fiscal_year)
        return [Period(start=months[i].start, end=months[i + 2].end) for i in range(0, 12, 3)]

    def weeks(self, fiscal_year: int) -> list[Period]:
        """The weeks of ``fiscal_year``.

        Retail years are whole weeks from the year's first day. Month-based
        years use weeks starting on ``week_start``, clipped to the year.
        """
        year = self.year(fiscal_year)
        if self.pattern is not None:
            return [
                Period(
                    start=year.start + timedelta(weeks=i), end=year.start + timedelta(weeks=i + 1)
                )
                for i in range(year.days // 7)
            ]
        first = year.start - timedelta(days=(year.start.weekday() - self.week_start) % 7)
        bounds = [year.start]
        cursor = first + timedelta(days=7)
        while cursor < year.end:
            bounds.append(cursor)
            cursor += timedelta(days=7)
        bounds.append(year.end)
        return [Period(start=a, end=b) for a, b in itertools.pairwise(bounds)]

    def periods(self, fiscal_year: int, grain: Grain) -> list[Period]:
        """The periods of ``grain`` making up ``fiscal_year``."""
        match check_grain(grain):
            case "year":
                return [self.year(fiscal_year)]
            case "quarter":
                return self.quarters(fiscal_year)
            case "month":
                return self.months(fiscal_year)
            case "week":
                return self.weeks(fiscal_year)
            case _:
                return self.year(fiscal_year).split("day")

    def split(self, period: Period, grain: Grain) -> list[Period]:
        """Split ``period`` along this calendar's ``grain``, clipping at its edges.

        Examples
        --------
        >>> cal = FiscalCalendar.retail("4-4-5", year_end_month=12, year_end_weekday=5)
        >>> [p.days // 7 for p in cal.split(cal.year(2026), "month")][:3]
        [4, 4, 5]
        """
        check_grain(grain)
        if grain == "day":
            return period.split("day")
        first = self.fiscal_year_of(period.start)
        last = self.fiscal_year_of(period.last_day)
        pieces: list[Period] = []
        for fiscal_year in range(first, last + 1):
            pieces.extend(self.periods(fiscal_year, grain))
        return _clip(pieces, period)

    def locate(self, day: date) -> FiscalPosition:
        """Fiscal year, quarter, month and week containing ``day``.

        Examples
        --------
        >>> FiscalCalendar(start_month=4).locate(date(2026, 5, 15))
        FiscalPosition(year=2027, quarter=1, month=2, week=7)
        """
        fiscal_year = self.fiscal_year_of(day)
        months = self.months(fiscal_year)
        month = next(i for i, p in enumerate(months) if p.contains(day)) + 1
        weeks = self.weeks(fiscal_year)
        week = next(i for i, p in enumerate(weeks) if p.contains(day)) + 1
        return FiscalPosition(
            year=fiscal_year, quarter=(month - 1) // 3 + 1, month=month, week=week
        )

    def period_of(self, day: date, grain: Grain) -> Period:
        """The fiscal period of ``grain`` containing ``day``."""
        for period in self.periods(self.fiscal_year_of(day), grain):
            if period.contains(day):
                return period
        raise AssertionError("fiscal periods tile the year")  # pragma: no cover

    def label(self, period: Period) -> str:
        """Name a fiscal period: ``FY2027``, ``FY2027-Q1``, ``FY2027-P01``, ``FY2027-W01``.

        Periods that are not exactly one fiscal period fall back to
        :attr:`Period.label`.

        Examples
        --------
        >>> cal = FiscalCalendar(start_month=4)
        >>> cal.label(cal.year(2027)), cal.label(Period.month(2026, 7))
        ('FY2027', 'FY2027-P04')
        """
        fiscal_year = self.fiscal_year_of(period.start)
        if period == self.year(fiscal_year):
            return f"FY{fiscal_year}"
        for prefix, grain in (("Q", "quarter"), ("P", "month"), ("W", "week")):
            pieces = self.periods(fiscal_year, grain)  # type: ignore[arg-type]
            if period in pieces:
                number = pieces.index(period) + 1
                return f"FY{fiscal_year}-{prefix}{number:0{1 if prefix == 'Q' else 2}d}"
        return period.label


class WorkCalendar(FrozenModel):
    """Which days are worked: a weekmask, holidays and make-up working days.

    Parameters
    ----------
    weekmask : str
        Seven characters ``1`` (worked) or ``0``, Monday first.
    holidays : tuple of date
        Days off that the weekmask would count as worked.
    workdays : tuple of date
        Make-up working days outside the weekmask (a Saturday worked to
        bridge a holiday); a day cannot be both a holiday and a workday.

    Examples
    --------
    >>> from datetime import date
    >>> cal = WorkCalendar(holidays=(date(2026, 1, 1),), workdays=(date(2026, 1, 4),))
    >>> cal.business_days(Period.month(2026, 1))
    22
    >>> cal.is_business_day(date(2026, 1, 4)), cal.is_business_day(date(2026, 1, 1))
    (True, False)
    """

    weekmask: str = "1111100"
    holidays: tuple[date, ...] = ()
    workdays: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Self:
        if len(self.weekmask) != 7 or set(self.weekmask) - {"0", "1"}:
            raise InvalidInputError.of("weekmask", value=self.weekmask)
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise InvalidInputError.of("holiday_and_workday", value=", ".join(map(str, both)))
        if "1" not in self.weekmask and not self.workdays:
            raise InvalidInputError.of("no_workdays", value=self.weekmask)
        return self

    @property
    def _busdaycal(self) -> np.busdaycalendar:
        return np.busdaycalendar(
            weekmask=self.weekmask,
            holidays=np.array(sorted(self.holidays), dtype="datetime64[D]"),
        )

    @property
    def _makeup_days(self) -> npt.NDArray[np.datetime64]:
        """Workdays outside the weekmask, sorted (those inside it count already)."""
        extra = [d for d in self.workdays if self.weekmask[d.weekday()] == "0"]
        return np.array(sorted(extra), dtype="datetime64[D]")

    def is_business_day(self, day: date) -> bool:
        """Whether ``day`` is worked."""
        if day in self.workdays:
            return True
        return bool(np.is_busday(np.datetime64(day, "D"), busdaycal=self._busdaycal))

    def business_days(self, period: Period) -> int:
        """Number of worked days in ``period`` [days]."""
        return int(self.business_days_between([period.start], [period.end])[0])

    def business_days_between(
        self, starts: npt.ArrayLike | Sequence[date], ends: npt.ArrayLike | Sequence[date]
    ) -> npt.NDArray[np.int64]:
        """Worked days in each ``[start, end)``, vectorised over arrays of dates [days].

        Parameters
        ----------
        starts, ends : array-like of dates
            Anything numpy turns into ``datetime64[D]`` (dates, strings,
            a pandas ``DatetimeIndex``); equal lengths; ``end >= start``.

        Examples
        --------
        >>> WorkCalendar().business_days_between(["2026-01-01", "2026-01-05"],
        ...                                      ["2026-01-08", "2026-01-12"]).tolist()
        [5, 5]
        """
        start = np.asarray(starts, dtype="datetime64[D]")
        end = np.asarray(ends, dtype="datetime64[D]")
        if start.shape != end.shape:
            raise InvalidInputError.of("range_lengths", starts=start.size, ends=end.size)
        backwards = end < start
        if backwards.any():
            i = int(np.flatnonzero(backwards)[0])
            raise InvalidInputError.of("range_backwards", end=end[i], start=start[i], position=i)
        counts = np.busday_count(start, end, busdaycal=self._busdaycal).astype(np.int64)
        makeup = self._makeup_days
        if makeup.size:
            counts += np.searchsorted(makeup, end) - np.searchsorted(makeup, start)
        return counts

    def business_dates(self, period: Period) -> list[date]:
        """The worked days of ``period``, in order."""
        days = np.arange(
            np.datetime64(period.start, "D"), np.datetime64(period.end, "D"), dtype="datetime64[D]"
        )
        worked = np.is_busday(days, busdaycal=self._busdaycal) | np.isin(days, self._makeup_days)
        return [d.item() for d in days[worked]]


_MICRO = 10**6  # capacity and ramp factors are read to the millionth


class Employment(Protocol):
    """What :func:`working_time_units` reads of a rep; a :class:`~salescore.models.Rep` has it."""

    @property
    def hire_date(self) -> date | None:
        """First day employed; ``None`` for employed since before any period."""

    @property
    def leave_date(self) -> date | None:
        """Last day employed (inclusive); ``None`` for still employed."""

    @property
    def ramp(self) -> Sequence[float]:
        """Ramp factor of each month of tenure after the hire date [fraction]."""

    @property
    def capacity(self) -> float:
        """Share of full working time [fraction]."""


_FAR_PAST = np.datetime64("1900-01-01", "D")
_FAR_FUTURE = np.datetime64("2200-01-01", "D")


def _dates(values: Sequence[date | None], missing: np.datetime64) -> npt.NDArray[np.datetime64]:
    arr = np.array([missing if d is None else d for d in values], dtype="datetime64[D]")
    return arr


def _month_shifts(hire: npt.NDArray[np.datetime64], months: int) -> npt.NDArray[np.datetime64]:
    """Each day moved ``months`` calendar months on, clamped to the month's end."""
    first = hire.astype("datetime64[M]")
    day = (hire - first.astype("datetime64[D]")).astype(np.int64)
    target = first + months
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    shifted: npt.NDArray[np.datetime64] = target.astype("datetime64[D]") + np.minimum(
        day, length - 1
    )
    return shifted


def working_time_units(
    reps: Sequence[Employment], periods: Sequence[Period], work_calendar: WorkCalendar | None = None
) -> npt.NDArray[np.int64]:
    """Each rep's working time in each period, exact, vectorised over reps × periods.

    Working time is capacity × days employed in the period (from the hire
    date to the leave date, inclusive) × the ramp factor of each month of
    tenure (``ramp[k]`` in month ``k`` after hire, 1 after the schedule; no
    ramp without a hire date). With a ``work_calendar`` working days are
    counted instead of days. Capacity and ramp factors are read to the
    millionth, so the result is in units of 10⁻¹² day.

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.models import Rep
    >>> rep = Rep(id="R1", name="Li", hire_date=date(2026, 2, 1), ramp=(0.5,), capacity=0.8)
    >>> units = working_time_units([rep], Period.quarter(2026, 1).split("month"))
    >>> (units / 10**12).tolist()   # 28 days x 0.5 x 0.8 in February, 31 x 0.8 in March
    [[0.0, 11.2, 24.8]]
    """
    n, k = len(reps), len(periods)
    width = max((len(rep.ramp) for rep in reps), default=0)
    hire = _dates([rep.hire_date for rep in reps], _FAR_PAST)
    leave = _dates([rep.leave_date for rep in reps], _FAR_FUTURE - 1)
    employed_from, employed_to = hire, leave + 1
    # Tenure segments: [shift(hire, j), shift(hire, j + 1)) at ramp[j], then 1 to the end.
    bounds = np.stack([_month_shifts(hire, j) for j in range(width + 1)], axis=1)
    seg_start = bounds
    seg_end = np.concatenate([bounds[:, 1:], np.full((n, 1), _FAR_FUTURE)], axis=1)
    factor = np.full((n, width + 1), _MICRO, dtype=np.int64)
    for i, rep in enumerate(reps):
        if rep.ramp and rep.hire_date is not None:
            factor[i, : len(rep.ramp)] = np.rint(np.array(rep.ramp) * _MICRO).astype(np.int64)
    seg_start = np.maximum(seg_start, employed_from[:, None])
    seg_end = np.minimum(seg_end, employed_to[:, None])
    p_start = np.array([p.start for p in periods], dtype="datetime64[D]")
    p_end = np.array([p.end for p in periods], dtype="datetime64[D]")
    lo = np.maximum(seg_start[:, :, None], p_start[None, None, :])
    hi = np.maximum(np.minimum(seg_end[:, :, None], p_end[None, None, :]), lo)
    if work_calendar is not None:
        days = work_calendar.business_days_between(lo.ravel(), hi.ravel()).reshape(lo.shape)
    else:
        days = (hi - lo).astype(np.int64)
    capacity = np.rint(np.array([rep.capacity for rep in reps]) * _MICRO).astype(np.int64)
    units: npt.NDArray[np.int64] = capacity[:, None] * (days * factor[:, :, None]).sum(axis=1)
    return units.reshape(n, k)
