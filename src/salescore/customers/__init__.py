"""Customers and key accounts (客户管理): spans, repeat purchase, ABC, RFM, concentration.

Everything here starts from **order lines**: one line of one order of one
customer, with its date and amount. The single path takes
:class:`OrderLine` models, the bulk path a frame under :data:`ORDER_LINES`;
both become the same arrays (customer codes, order codes, day numbers,
amounts in integer minor units) and run on one vectorised kernel.

From the lines:

- :func:`customer_summary`: per customer, first and last order, distinct
  orders, lines and revenue; the other functions also accept its result, so
  a large table is summarised once;
- :func:`customer_spans`: :class:`~salescore.kpi.CustomerSpan` stretches
  under a churn rule, ready for :func:`~salescore.kpi.churn_rate` and
  :func:`~salescore.kpi.customer_kpis`;
- :func:`repeat_purchase_rate`: share of customers with two or more orders
  in a window, overall and by cohort of first order;
- :func:`abc_grades`: Pareto classes by cumulative revenue share;
- :func:`rfm_scores`: recency, frequency and monetary scores 1..k;
- :func:`key_accounts`: the accounts a :class:`KeyAccountRule` selects;
- :func:`concentration`: top-N revenue shares and the Herfindahl–Hirschman index.

Money is exact: line amounts become integer minor units of their one
currency (rounded half to even to the minor unit, line by line, as an
invoice would), sums are integer, and results carry ``Decimal`` major units
with a ``*_minor`` column beside them. Bulk calls never drop a line
silently: a line that fails the contract (or is dated after ``as_of``) is
named in the result's ``errors`` table, and ``lines_used`` plus the distinct
rows of ``errors`` is the number of lines given.

The package holds one concept per module: :mod:`~salescore.customers.lines` (the
order lines and their contract), :mod:`~salescore.customers.summary`,
:mod:`~salescore.customers.spans`, :mod:`~salescore.customers.repeat`,
:mod:`~salescore.customers.pareto` (ABC grades), :mod:`~salescore.customers.rfm`,
:mod:`~salescore.customers.accounts` (key accounts) and
:mod:`~salescore.customers.shares` (concentration); the lines-to-arrays step and the
shared kernels (sums, revenue ranks, ABC classes) are private (``_kernel``).
"""

from salescore.customers.accounts import KeyAccountRule, KeyAccounts, key_accounts
from salescore.customers.lines import ORDER_LINES, OrderLine, lines_frame
from salescore.customers.pareto import AbcGrades, abc_grades
from salescore.customers.repeat import Cohort as Cohort
from salescore.customers.repeat import RepeatPurchase, repeat_purchase_rate
from salescore.customers.rfm import RfmBins, RfmScores, rfm_scores
from salescore.customers.shares import Concentration, concentration
from salescore.customers.spans import CustomerSpans, customer_spans
from salescore.customers.summary import CustomerSummary, customer_summary
from salescore.customers.summary import Lines as Lines
from salescore.customers.summary import LinesOrSummary as LinesOrSummary

__all__ = [
    "ORDER_LINES",
    "AbcGrades",
    "Concentration",
    "CustomerSpans",
    "CustomerSummary",
    "KeyAccountRule",
    "KeyAccounts",
    "OrderLine",
    "RepeatPurchase",
    "RfmBins",
    "RfmScores",
    "abc_grades",
    "concentration",
    "customer_spans",
    "customer_summary",
    "key_accounts",
    "lines_frame",
    "repeat_purchase_rate",
    "rfm_scores",
]
