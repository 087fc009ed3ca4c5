"""The open-data API under /api/v1: JSON by default, CSV with ?format=csv.

One blueprint, `api` (ledger.api.blueprint); each noun's module adds its routes to it when
imported, in the order below, which is the order the OpenAPI document lists them in. The
simulator has a blueprint of its own (ledger.api.governance.governance_api, exempt from
CSRF); the transparency log's routes are ledger.api.tlog's.
"""

# imported for their routes, in this order
from ledger.api import members
from ledger.api import journal
from ledger.api import contributions
from ledger.api import compute
from ledger.api import governance
from ledger.api import openapi
from ledger.api.blueprint import api

__all__ = ["api"]
