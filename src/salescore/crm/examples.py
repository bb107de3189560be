"""Documented maps of two public exports: the Maven CRM pipeline and the Olist marketing funnel.

They show what a map for an export that is not a CRM's API looks like, and
the choices such an export forces (an analyst would make each of them in
a notebook; here they are named and documented once):

**Maven Analytics "CRM + Sales Opportunities"** (``sales_pipeline.csv``):
one row per deal, its current stage (``Prospecting``, ``Engaging``,
``Won``, ``Lost``), agent, product, account, ``engage_date``,
``close_date`` and ``close_value``. A snapshot, with no created date and no
amount on open deals:

- a deal is created on its engage date; a Prospecting deal (not engaged
  yet) on ``as_of``, the export's last day;
- the amount is ``close_value`` on won deals and the product's list price
  (``products.csv``) otherwise; the pipeline spells ``GTX Pro`` ``GTXPro``;
- every lost deal has an engage date, so it was lost while ``Engaging``.

**Olist "Marketing Funnel"**: marketing-qualified leads (``mql_id``,
``first_contact_date``, ``origin``) and the closed deals among them
(``won_date``, ``sr_id`` the sales rep). A lead that became a deal is won on
its ``won_date``; the others are open in ``MQL`` (the export does not say
which were lost). The origin is the channel. Dates are ``DD-MM-YYYY``.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import pandas as pd

from salescore.crm._engine import (
    CrmImport,
    Field,
    FieldMap,
    deals_from,
    fields_of,
    finish,
    read_fields,
)
from salescore.models import Pipeline, Stage

__all__ = ["MAVEN", "MAVEN_PIPELINE", "OLIST", "OLIST_PIPELINE", "maven", "olist"]

#: The Maven export's stages: Prospecting -> Engaging -> Won or Lost.
MAVEN_PIPELINE: Final = Pipeline(
    name="Maven CRM",
    stages=(
        Stage(name="Prospecting", order=0, probability=0.1),
        Stage(name="Engaging", order=1, probability=0.5),
        Stage(name="Won", order=2, probability=1.0, kind="won"),
        Stage(name="Lost", order=3, probability=0.0, kind="lost"),
    ),
)
#: ``sales_pipeline.csv`` of the Maven export.
MAVEN: Final = FieldMap(
    system="maven",
    record="sales_pipeline",
    fields={
        "id": Field(source="opportunity_id"),
        "owner_id": Field(source="sales_agent"),
        "product": Field(source="product", recode={"GTXPro": "GTX Pro"}),
        "account_id": Field(source="account", required=False),
        "stage": Field(source="deal_stage"),
        "created_on": Field(source="engage_date", parse="date"),
        "close_date": Field(source="close_date", parse="date"),
        "close_value": Field(source="close_value", parse="number"),
        "currency": Field(source=None, default="USD"),
    },
)
#: The Olist funnel: a marketing-qualified lead is open until it closes as a deal.
OLIST_PIPELINE: Final = Pipeline(
    name="Olist",
    stages=(
        Stage(name="MQL", order=0, probability=0.1),
        Stage(name="Won", order=1, probability=1.0, kind="won"),
        Stage(name="Lost", order=2, probability=0.0, kind="lost"),
    ),
)
#: The leads joined to their closed deals (``mql_id``).
OLIST: Final = FieldMap(
    system="olist",
    record="marketing qualified lead",
    fields={
        "id": Field(source="mql_id"),
        "owner_id": Field(source="sr_id", default="unassigned"),
        "channel_id": Field(source="origin", default="unknown"),
        "created_on": Field(source="first_contact_date", parse="date", format="%d-%m-%Y"),
        "close_date": Field(source="won_date", parse="date", format="%d-%m-%Y %H:%M"),
        "product": Field(source="business_segment", required=False),
        "currency": Field(source=None, default="BRL"),
    },
)


def maven(
    pipeline: pd.DataFrame,
    products: pd.DataFrame,
    *,
    as_of: date = date(2017, 12, 31),
    field_map: FieldMap = MAVEN,
) -> CrmImport:
    """The Maven export as a salescore snapshot (see the module text for each choice).

    Parameters
    ----------
    pipeline : pandas.DataFrame
        ``sales_pipeline.csv``.
    products : pandas.DataFrame
        ``products.csv`` (``product``, ``sales_price``).
    as_of : date
        The export's last day: the created date of deals not engaged yet.

    Examples
    --------
    >>> deals = pd.DataFrame({
    ...     "opportunity_id": ["A", "B", "C"], "sales_agent": ["Moses Frase"] * 3,
    ...     "product": ["GTXPro", "MG Special", "GTXPro"], "account": ["Cancity", None, None],
    ...     "deal_stage": ["Won", "Lost", "Prospecting"],
    ...     "engage_date": ["2017-01-03", "2017-02-01", None],
    ...     "close_date": ["2017-03-01", "2017-04-02", None],
    ...     "close_value": [4514.0, 0.0, None]})
    >>> prices = pd.DataFrame({"product": ["GTX Pro", "MG Special"], "sales_price": [4821, 55]})
    >>> imp = maven(deals, prices)
    >>> imp.opportunities[["stage", "amount", "lost_stage"]].to_dict("records")
    [{'stage': 'Won', 'amount': 4514.0, 'lost_stage': None},
     {'stage': 'Lost', 'amount': 55.0, 'lost_stage': 'Engaging'},
     {'stage': 'Prospecting', 'amount': 4821.0, 'lost_stage': None}]
    """
    mapped, errors = read_fields(pipeline, field_map, input="opportunities")
    price = products.set_index("product")["sales_price"].astype(float)
    won = (mapped["stage"] == "Won").to_numpy(dtype=bool)
    lost = (mapped["stage"] == "Lost").to_numpy(dtype=bool)
    engaged = mapped["created_on"].notna().to_numpy(dtype=bool)
    mapped = mapped.assign(
        amount=mapped["close_value"].where(won, mapped["product"].map(price)),
        created_on=mapped["created_on"].fillna(pd.Timestamp(as_of)),
        lost_stage=pd.Series("Engaging", index=mapped.index, dtype=object).where(
            lost & engaged, None
        ),
    )
    deals, errors = deals_from(mapped, errors, MAVEN_PIPELINE, field_map)
    return finish(
        "maven",
        deals=deals,
        deal_errors=errors,
        deal_fields=fields_of(field_map),
        pipeline=MAVEN_PIPELINE,
    )


def olist(
    leads: pd.DataFrame, closed_deals: pd.DataFrame, *, field_map: FieldMap = OLIST
) -> CrmImport:
    """The Olist leads and closed deals as a salescore snapshot, ``origin`` as the channel.

    Examples
    --------
    >>> leads = pd.DataFrame({"mql_id": ["m1", "m2"], "first_contact_date": ["01-02-2018",
    ...                       "20-10-2017"], "origin": ["social", None]})
    >>> closed = pd.DataFrame({"mql_id": ["m1"], "sr_id": ["rep9"],
    ...                        "won_date": ["26-02-2018 19:58"], "business_segment": ["pet"]})
    >>> imp = olist(leads, closed)
    >>> imp.opportunities[["id", "stage", "owner_id", "channel_id"]].to_dict("records")
    [{'id': 'm1', 'stage': 'Won', 'owner_id': 'rep9', 'channel_id': 'social'},
     {'id': 'm2', 'stage': 'MQL', 'owner_id': 'unassigned', 'channel_id': 'unknown'}]
    """
    joined = leads.merge(closed_deals, on="mql_id", how="left", validate="one_to_one")
    joined.index = leads.index
    mapped, errors = read_fields(joined, field_map, input="opportunities")
    won = mapped["close_date"].notna()
    mapped = mapped.assign(
        stage=pd.Series("MQL", index=mapped.index, dtype=object).where(~won, "Won"),
        amount=0.0,  # the export has no deal value
    )
    deals, errors = deals_from(mapped, errors, OLIST_PIPELINE, field_map)
    return finish(
        "olist",
        deals=deals,
        deal_errors=errors,
        deal_fields=fields_of(field_map),
        pipeline=OLIST_PIPELINE,
    )
