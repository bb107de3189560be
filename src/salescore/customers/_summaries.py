"""Where each measure on summaries starts: the summary given, or one made from lines."""

from __future__ import annotations

from datetime import date

from salescore.customers._kernel import _lines, _summarise, _Summary
from salescore.customers.summary import CustomerSummary, LinesOrSummary
from salescore.errors import InvalidInputError


def _summary(source: LinesOrSummary, as_of: date | None) -> tuple[_Summary, CustomerSummary]:
    if isinstance(source, CustomerSummary):
        if as_of is not None and source.as_of is not None and as_of < source.as_of:
            raise InvalidInputError(
                f"as_of {as_of} is before the summary's as_of {source.as_of}; "
                "summarise the lines again on that day"
            )
        return source._arrays(), source
    x = _lines(source, as_of)
    s = _summarise(x)
    return s, CustomerSummary._from_arrays(s, x, as_of)
