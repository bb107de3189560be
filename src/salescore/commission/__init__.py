"""Commission plans as data and an exact, explainable engine.

* :mod:`.plan` — :class:`CommissionPlan` of :class:`TieredComponent` (marginal,
  retroactive or interpolated tiers, accelerator bands, per-deal and per-period
  caps, gates), :class:`Spiff` and :class:`TargetBonus` bonuses and a :class:`Floor`.
* :mod:`.bonuses` — :class:`Achievement` and :func:`bonus_pool_shares`: bonuses
  for meeting targets other than revenue (:class:`TargetBonus`), fixed or a
  shared pool.
* :mod:`.statement` — :func:`statement`: one rep's lines, subtotals, total,
  settlement against the draw, and the :class:`Carry` to the next period.
* :mod:`.conversion` — :class:`Conversion`: credits in another currency
  converted into the plan's with ``fx=`` (an :class:`~salescore.money.FxRates`).
* :mod:`.quota` — :func:`prorated_quota`: quotas prorated by days employed and ramp.
* :mod:`.splits` — :func:`split_credit`: a deal's credit split exactly to the cent.
* :mod:`.crediting` — :func:`credit_deals` / :func:`credit_frame`: who gets credit
  (splits, overlays, manager overrides, channel partners) and when (booking,
  invoice, payment).
* :mod:`.bulk` — :func:`statements_frame`: every rep at once on a DataFrame.
* :mod:`.draws` — :func:`settle`: draws, recoveries and balances carried forward.
* :mod:`.clawbacks` — :func:`clawback`: a refund reverses the commission paid;
  :func:`refund_clawbacks`: every refund of a frame at once.
* :mod:`.versions` — :class:`PlanSchedule`: plan versions applied by credit date.
* :mod:`.cost` — :func:`plan_cost`: the payout distribution under sampled attainments.
"""

from salescore.commission.bonuses import ACHIEVEMENTS, Achievement, bonus_pool_shares
from salescore.commission.bulk import (
    CARRY_COLUMNS,
    CLAWBACKS,
    CREDITS,
    StatementsFrames,
    credits_from_frame,
    statements_frame,
)
from salescore.commission.clawbacks import (
    REFUNDS,
    Clawback,
    ClawbackFrames,
    ClawbackRate,
    Refund,
    clawback,
    clawbacks_frame,
    refund_clawbacks,
)
from salescore.commission.conversion import Conversion
from salescore.commission.cost import PlanCost, plan_cost
from salescore.commission.crediting import (
    ASSIGNMENTS,
    DEALS,
    INVOICES,
    PAYMENTS,
    Crediting,
    CreditingFrames,
    CreditingRules,
    CreditLine,
    CreditRole,
    CreditTiming,
    Invoice,
    ManagerOverride,
    OverInvoicedError,
    Overlay,
    OverpaymentError,
    Payment,
    UnknownDealError,
    UnknownInvoiceError,
    credit_deals,
    credit_frame,
)
from salescore.commission.draws import Balance, Draw, DrawKind, Settlement, settle, settle_periods
from salescore.commission.plan import (
    AcceleratorBand,
    AttributeMultiplier,
    Basis,
    Boundary,
    CommissionPlan,
    Floor,
    Measure,
    Mode,
    PoolShare,
    Spiff,
    TargetBonus,
    Tier,
    TieredComponent,
)
from salescore.commission.quota import prorated_quota
from salescore.commission.splits import split_credit
from salescore.commission.statement import (
    Adjustment,
    AdjustmentKind,
    Carry,
    Credit,
    LineKind,
    Statement,
    StatementLine,
    statement,
)
from salescore.commission.versions import PlanSchedule, PlanVersion

__all__ = [
    "ACHIEVEMENTS",
    "ASSIGNMENTS",
    "CARRY_COLUMNS",
    "CLAWBACKS",
    "CREDITS",
    "DEALS",
    "INVOICES",
    "PAYMENTS",
    "REFUNDS",
    "AcceleratorBand",
    "Achievement",
    "Adjustment",
    "AdjustmentKind",
    "AttributeMultiplier",
    "Balance",
    "Basis",
    "Boundary",
    "Carry",
    "Clawback",
    "ClawbackFrames",
    "ClawbackRate",
    "CommissionPlan",
    "Conversion",
    "Credit",
    "CreditLine",
    "CreditRole",
    "CreditTiming",
    "Crediting",
    "CreditingFrames",
    "CreditingRules",
    "Draw",
    "DrawKind",
    "Floor",
    "Invoice",
    "LineKind",
    "ManagerOverride",
    "Measure",
    "Mode",
    "OverInvoicedError",
    "Overlay",
    "OverpaymentError",
    "Payment",
    "PlanCost",
    "PlanSchedule",
    "PlanVersion",
    "PoolShare",
    "Refund",
    "Settlement",
    "Spiff",
    "Statement",
    "StatementLine",
    "StatementsFrames",
    "TargetBonus",
    "Tier",
    "TieredComponent",
    "UnknownDealError",
    "UnknownInvoiceError",
    "bonus_pool_shares",
    "clawback",
    "clawbacks_frame",
    "credit_deals",
    "credit_frame",
    "credits_from_frame",
    "plan_cost",
    "prorated_quota",
    "refund_clawbacks",
    "settle",
    "settle_periods",
    "split_credit",
    "statement",
    "statements_frame",
]
