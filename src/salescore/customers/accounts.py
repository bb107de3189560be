"""Key accounts: the customers a :class:`KeyAccountRule` selects."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING
from typing import Annotated, Literal, Self

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from salescore._base import FrozenModel
from salescore._numeric import exact_decimals
from salescore.customers._kernel import BoolArray, _check_thresholds, _decimals, _grades
from salescore.customers._summaries import _summary
from salescore.customers.summary import LinesOrSummary
from salescore.errors import InvalidInputError
from salescore.models._fields import NonNegativeAmount
from salescore.money import minor_unit
from salescore.serialization import Result

__all__ = ["KeyAccountRule", "KeyAccounts", "key_accounts"]


class KeyAccountRule(FrozenModel):
    """Which accounts are key accounts (大客户): criteria on revenue, rank, grade, orders.

    Each criterion that is set is a test on the customer's revenue over the
    lines given; ``combine="all"`` (default) selects customers who pass
    every set test, ``"any"`` those who pass at least one. At least one
    criterion must be set.

    Parameters
    ----------
    min_revenue : Decimal, optional
        Revenue at or above it [currency, in the lines' currency].
    top_n : int, optional
        Rank at most ``top_n`` by revenue (rank = 1 + customers with more
        revenue, so customers tied at the cut are all in).
    grades : tuple of {"A", "B", "C"}, optional
        ABC grade among these (see :func:`abc_grades`, thresholds ``a``, ``b``).
    a, b : float
        ABC thresholds [fraction] for ``grades``.
    min_orders : int, optional
        At least this many distinct orders, >= 1.
    combine : {"all", "any"}

    Examples
    --------
    >>> KeyAccountRule(top_n=10, min_orders=3).combine
    'all'
    >>> KeyAccountRule()
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: KeyAccountRule: a key-account rule must set at least one ...
    """

    min_revenue: NonNegativeAmount | None = None
    top_n: Annotated[int, Field(ge=1)] | None = None
    grades: tuple[Literal["A", "B", "C"], ...] | None = None
    a: float = 0.8
    b: float = 0.95
    min_orders: Annotated[int, Field(ge=1)] | None = None
    combine: Literal["all", "any"] = "all"

    @model_validator(mode="after")
    def _some(self) -> Self:
        if all(v is None for v in (self.min_revenue, self.top_n, self.grades, self.min_orders)):
            raise InvalidInputError(
                "a key-account rule must set at least one of min_revenue, top_n, grades, min_orders"
            )
        _check_thresholds(self.a, self.b)
        if self.grades is not None and not self.grades:
            raise InvalidInputError("grades () is empty; name at least one of 'A', 'B', 'C'")
        return self


@dataclass(frozen=True)
class KeyAccounts(Result):
    """The accounts a :class:`KeyAccountRule` selects, with each test's outcome.

    Attributes
    ----------
    accounts : pandas.DataFrame
        One row per customer, best first (ties by id): ``rank``,
        ``customer_id``, ``revenue`` [currency, Decimal], ``revenue_minor``,
        ``orders``, ``grade``, one boolean column per set criterion
        (``meets_min_revenue``, ``meets_top_n``, ``meets_grades``,
        ``meets_min_orders``) and ``key_account``.
    key_accounts : tuple of str
        The ids selected, in rank order.
    rule : KeyAccountRule
        The rule applied.
    currency : str
        The currency of the revenue.
    lines_used : int
        Lines used.
    errors : pandas.DataFrame
        Lines not used (see :class:`CustomerSummary`).
    """

    accounts: pd.DataFrame
    key_accounts: tuple[str, ...]
    rule: KeyAccountRule
    currency: str
    lines_used: int
    errors: pd.DataFrame


@exact_decimals
def key_accounts(lines: LinesOrSummary, rule: KeyAccountRule) -> KeyAccounts:
    """Select key accounts by ``rule`` (see :class:`KeyAccountRule` for the logic).

    Parameters
    ----------
    lines : sequence of OrderLine, pandas.DataFrame or CustomerSummary
        Order lines, or their :func:`customer_summary`.
    rule : KeyAccountRule
        The criteria and how they combine.

    Returns
    -------
    KeyAccounts

    Raises
    ------
    InvalidInputError
        No line, or a total revenue of 0 (the ABC grade every row carries
        is undefined).

    Examples
    --------
    >>> from datetime import date
    >>> from salescore.customers import OrderLine
    >>> rows = [("1", "A", 500), ("2", "A", 100), ("3", "B", 300), ("4", "C", 150),
    ...         ("5", "D", 150)]
    >>> lines = [OrderLine(order_id=o, customer_id=c, ordered_on=date(2026, 1, 5), amount=v,
    ...                    currency="CNY") for o, c, v in rows]
    >>> out = key_accounts(lines, KeyAccountRule(top_n=3, min_revenue=200, combine="any"))
    >>> out.accounts[["rank", "customer_id", "revenue", "meets_top_n", "key_account"]]
       rank customer_id revenue  meets_top_n  key_account
    0     1           A  600.00         True         True
    1     2           B  300.00         True         True
    2     3           C  150.00         True         True
    3     3           D  150.00         True         True
    >>> out.key_accounts
    ('A', 'B', 'C', 'D')
    """
    if not isinstance(rule, KeyAccountRule):
        raise InvalidInputError(f"rule {rule!r} is not a KeyAccountRule")
    s, summary = _summary(lines, None)
    order, rank, grade, _ = _grades(s, rule.a, rule.b)
    minor = s.minor[order]
    orders = s.orders[order]
    tests: dict[str, BoolArray] = {}
    if rule.min_revenue is not None:
        mu = minor_unit(summary.currency)
        edge = int((rule.min_revenue * 10**mu).to_integral_value(ROUND_CEILING))
        tests["meets_min_revenue"] = minor >= edge
    if rule.top_n is not None:
        tests["meets_top_n"] = rank <= rule.top_n
    if rule.grades is not None:
        tests["meets_grades"] = np.isin(grade, np.array(rule.grades, dtype=object))
    if rule.min_orders is not None:
        tests["meets_min_orders"] = orders >= rule.min_orders
    stack = np.vstack(list(tests.values()))
    chosen = stack.all(axis=0) if rule.combine == "all" else stack.any(axis=0)
    ids = s.customers[order]
    table = pd.DataFrame(
        {
            "rank": rank,
            "customer_id": ids,
            "revenue": _decimals(minor, summary.currency),
            "revenue_minor": minor,
            "orders": orders,
            "grade": grade,
            **tests,
            "key_account": chosen,
        }
    )
    return KeyAccounts(
        table,
        tuple(str(c) for c in ids[chosen].tolist()),
        rule,
        summary.currency,
        summary.lines_used,
        summary.errors,
    )
