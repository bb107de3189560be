"""CRM records in: field maps for Salesforce, HubSpot, Odoo and ERPNext, as data.

Each system module has its maps (:class:`FieldMap` objects you can copy and
change for custom fields) and a ``load`` function from the records its REST
API returns, or its standard export as a DataFrame, to salescore's frame
contracts. Every input row is accounted for: imported, or named in the
import's ``errors`` table with the field, the value and the reason.

>>> from salescore.crm import salesforce
>>> salesforce.OPPORTUNITY.fields["amount"].source
'Amount'
"""

from salescore.crm import erpnext, examples, hubspot, odoo, salesforce
from salescore.crm._engine import (
    ERROR_COLUMNS,
    CrmImport,
    Field,
    FieldMap,
    OrganizationImport,
    read_fields,
)

__all__ = [
    "ERROR_COLUMNS",
    "CrmImport",
    "Field",
    "FieldMap",
    "OrganizationImport",
    "erpnext",
    "examples",
    "hubspot",
    "odoo",
    "read_fields",
    "salesforce",
]
