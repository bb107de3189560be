"""The vocabulary of an assessment: the five criteria, severities, statuses, locales."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import ConfigDict

__all__ = ["Criterion", "Locale", "Severity", "Status", "Value"]


#: The five letters, in order.
Criterion = Literal["S", "M", "A", "R", "T"]


#: How bad a finding is: ``info`` never changes a status.
Severity = Literal["info", "warn", "fail"]


#: A criterion's (or the overall) result; ``not_assessed`` when no check could run.
Status = Literal["pass", "warn", "fail", "not_assessed"]


Locale = Literal["en", "zh-CN"]


_CRITERIA: Final[tuple[Criterion, ...]] = ("S", "M", "A", "R", "T")


_RANK: Final[dict[str, int]] = {"not_assessed": 0, "pass": 1, "info": 1, "warn": 2, "fail": 3}


# z-scores and ratios may be infinite; results keep them so through JSON.
_RESULT_CONFIG: Final = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")


#: A value a finding was judged on: a float or int statistic, a name, or an
#: exact decimal amount kept as text (``"1400.10"``) so JSON round-trips it.
Value = float | int | str
