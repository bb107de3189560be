"""Commission plans as data and an exact, explainable engine.

* :mod:`.plan` — :class:`CommissionPlan` of :class:`TieredComponent` (marginal or
  retroactive tiers, accelerator bands, per-deal and per-period caps).
* :mod:`.statement` — :func:`statement`: one rep's lines, subtotals and total.
* :mod:`.splits` — :func:`split_credit`: a deal's credit split exactly to the cent.
* :mod:`.bulk` — :func:`statements_frame`: every rep at once on a DataFrame.
* :mod:`.draws` — :func:`settle`: draws, recoveries and balances carried forward.
* :mod:`.clawbacks` — :func:`clawback`: a refund reverses the commission paid.
"""

from salescore.commission.bulk import CREDITS, StatementsFrames, statements_frame
from salescore.commission.clawbacks import Clawback, Refund, clawback
from salescore.commission.draws import Balance, Draw, DrawKind, Settlement, settle, settle_periods
from salescore.commission.plan import (
    AcceleratorBand,
    Basis,
    Boundary,
    CommissionPlan,
    Measure,
    Mode,
    Tier,
    TieredComponent,
)
from salescore.commission.splits import split_credit
from salescore.commission.statement import Credit, LineKind, Statement, StatementLine, statement

__all__ = [
    "AcceleratorBand",
    "Balance",
    "Basis",
    "Boundary",
    "CREDITS",
    "Clawback",
    "CommissionPlan",
    "Credit",
    "Draw",
    "DrawKind",
    "LineKind",
    "Measure",
    "Mode",
    "Refund",
    "Settlement",
    "Statement",
    "StatementLine",
    "StatementsFrames",
    "Tier",
    "TieredComponent",
    "clawback",
    "settle",
    "settle_periods",
    "split_credit",
    "statement",
    "statements_frame",
]
