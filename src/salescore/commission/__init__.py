"""Commission plans as data and an exact, explainable engine.

* :mod:`.plan` — :class:`CommissionPlan` of :class:`TieredComponent` (marginal,
  retroactive or interpolated tiers, accelerator bands, per-deal and per-period
  caps, gates), :class:`Spiff` bonuses and a :class:`Floor`.
* :mod:`.statement` — :func:`statement`: one rep's lines, subtotals and total.
* :mod:`.splits` — :func:`split_credit`: a deal's credit split exactly to the cent.
* :mod:`.bulk` — :func:`statements_frame`: every rep at once on a DataFrame.
* :mod:`.draws` — :func:`settle`: draws, recoveries and balances carried forward.
* :mod:`.clawbacks` — :func:`clawback`: a refund reverses the commission paid.
* :mod:`.cost` — :func:`plan_cost`: the payout distribution under sampled attainments.
"""

from salescore.commission.bulk import CREDITS, StatementsFrames, statements_frame
from salescore.commission.clawbacks import Clawback, Refund, clawback
from salescore.commission.cost import PlanCost, plan_cost
from salescore.commission.draws import Balance, Draw, DrawKind, Settlement, settle, settle_periods
from salescore.commission.plan import (
    AcceleratorBand,
    Basis,
    Boundary,
    CommissionPlan,
    Floor,
    Measure,
    Mode,
    Spiff,
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
    "Floor",
    "LineKind",
    "Measure",
    "Mode",
    "PlanCost",
    "Refund",
    "Settlement",
    "Spiff",
    "Statement",
    "StatementLine",
    "StatementsFrames",
    "Tier",
    "TieredComponent",
    "clawback",
    "plan_cost",
    "settle",
    "settle_periods",
    "split_credit",
    "statement",
    "statements_frame",
]
