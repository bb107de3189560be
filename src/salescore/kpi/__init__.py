"""Sales KPIs: the measures performance is evaluated with, single and bulk, period aware.

Each KPI has a single form on models or plain numbers and a bulk form on a
DataFrame that computes it for many periods (and segments, ``by=``) at once,
vectorised. Both run on the same kernel. Rates are float fractions; a zero
denominator gives NaN, never an exception, and each function documents what
that NaN means (no closed deal, no customer at the start, no response, ...).

Bulk frames carry each KPI's numerator and denominator beside it: those
counts and sums add across partitions of the input, so the KPI of a union is
recomputed from the summed columns (the mergeable partial).

Deal KPIs (:func:`sales_amount`, :func:`average_deal_size`,
:func:`win_rate`, :func:`conversion_rate`; bulk :func:`deal_kpis`), customer
KPIs (:func:`customer_count`, :func:`new_customers`, :func:`churn_rate`,
:func:`retention_rate`; bulk :func:`customer_kpis`), growth
(:func:`growth_rate`, :func:`growth_rates`), market share
(:func:`market_share`, :func:`market_share_frame`), satisfaction
(:func:`csat`, :func:`nps`; bulk :func:`survey_kpis`) and quota attainment
(:func:`quota_attainment`, :func:`quota_attainment_frame`).
"""

from salescore.kpi.attainment import (
    AttainmentDistribution,
    quota_attainment,
    quota_attainment_frame,
)
from salescore.kpi.customers import (
    CustomerSpan,
    churn_rate,
    combine_customer_kpis,
    customer_count,
    customer_kpis,
    new_customers,
    retention_rate,
)
from salescore.kpi.deals import (
    average_deal_size,
    combine_deal_kpis,
    conversion_rate,
    deal_kpis,
    sales_amount,
    win_rate,
)
from salescore.kpi.growth import growth_rate, growth_rates, market_share, market_share_frame
from salescore.kpi.surveys import csat, nps, survey_kpis

__all__ = [
    "AttainmentDistribution",
    "CustomerSpan",
    "average_deal_size",
    "churn_rate",
    "combine_customer_kpis",
    "combine_deal_kpis",
    "conversion_rate",
    "csat",
    "customer_count",
    "customer_kpis",
    "deal_kpis",
    "growth_rate",
    "growth_rates",
    "market_share",
    "market_share_frame",
    "new_customers",
    "nps",
    "quota_attainment",
    "quota_attainment_frame",
    "retention_rate",
    "sales_amount",
    "survey_kpis",
    "win_rate",
]
