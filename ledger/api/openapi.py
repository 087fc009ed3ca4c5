"""The OpenAPI 3.1 description of /api/v1, generated from the routes' contracts (ledger.api.contract)."""

from __future__ import annotations

from ledger.api.contract import openapi_paths_and_schemas
from ledger.api.routes import contract as data_contract
from ledger.api.tlog import contract as tlog_contract
from ledger.api.governance import contract as voting_contract

CONTRACTS = (data_contract, voting_contract, tlog_contract)


def openapi_document() -> dict:
    """The document served at /api/v1/openapi.json (needs the app: path bounds come from its URL map)."""
    paths, schemas = openapi_paths_and_schemas(CONTRACTS)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Member Ledger open data",
            "version": "1",
            "description": (
                "Public, read-only data of the facility's ledger. Every list is JSON by default and "
                "CSV with ?format=csv. Dates are ISO 8601; amounts are exact decimal strings."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
