"""The OpenAPI 3.1 description of /api/v1: every route, its parameters and its answers."""

from __future__ import annotations

FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "json (default) or csv; CSV has one header line and one row per item",
    "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
}
ERROR = {
    "description": "A query parameter is not accepted; the message names it and what is accepted",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
DATE = {"type": "string", "format": "date"}
DECIMAL = {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "description": "an exact decimal number"}


def _list(description: str, key: str, item: str, extra: dict | None = None) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": [key],
                    "properties": {**(extra or {}), key: {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}}},
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    }


def openapi_document() -> dict:
    """The document served at /api/v1/openapi.json."""
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
        "paths": {
            "/api/v1/members": {
                "get": {
                    "summary": "Members with their current status",
                    "operationId": "listMembers",
                    "parameters": [FORMAT],
                    "responses": {"200": _list("All members, by name", "members", "Member"), "400": ERROR},
                }
            },
            "/api/v1/journal/head": {
                "get": {
                    "summary": "The journal's last entry: sequence number and hash",
                    "operationId": "journalHead",
                    "responses": {
                        "200": {
                            "description": "The head of the hash chain",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Head"}}},
                        }
                    },
                }
            },
            "/api/v1/journal": {
                "get": {
                    "summary": "Journal entries after a sequence number, oldest first",
                    "description": (
                        "hash = SHA-256(prev_hash + payload) over UTF-8 bytes; the first entry's prev_hash "
                        "is 64 zeros. Recompute every hash in order and compare the last with /api/v1/journal/head."
                    ),
                    "operationId": "listJournal",
                    "parameters": [
                        {"name": "after", "in": "query", "required": False, "description": "Entries with a greater sequence number", "schema": {"type": "integer", "minimum": 0, "default": 0}},
                        {"name": "limit", "in": "query", "required": False, "description": "How many entries at most", "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1000}},
                        FORMAT,
                    ],
                    "responses": {
                        "200": _list("One page of entries", "entries", "JournalEntry", {"after": {"type": "integer"}, "limit": {"type": "integer"}}),
                        "400": ERROR,
                    },
                }
            },
            "/api/v1/years": {
                "get": {
                    "summary": "Fiscal years with their budget and status",
                    "operationId": "listYears",
                    "parameters": [FORMAT],
                    "responses": {"200": _list("Every fiscal year, oldest first", "years", "Year"), "400": ERROR},
                }
            },
            "/api/v1/years/{year}/contributions": {
                "get": {
                    "summary": "Each member's assessment for a year, what settled it, arrears and standing",
                    "description": (
                        "A closed year is shown as the ledger stood at its closing journal entry; any other year as of "
                        "today. paid is the cash that settled the year's instalments (payments settle a member's oldest "
                        "instalments first); in_kind the contributions in kind credited against them; outstanding = "
                        "assessed - paid - in_kind; arrears are everything the member owes, for any year, that fell due "
                        "by as_of; standing follows standing_rule."
                    ),
                    "operationId": "yearContributions",
                    "parameters": [
                        {"name": "year", "in": "path", "required": True, "schema": {"type": "integer"}},
                        FORMAT,
                    ],
                    "responses": {
                        "200": _list(
                            "The year's contributions, by member name",
                            "contributions",
                            "Contribution",
                            {
                                "year": {"type": "integer"},
                                "currency": {"type": "string"},
                                "budget": {"oneOf": [{"type": "string"}, {"type": "null"}]},
                                "status": {"type": "string", "enum": ["draft", "adopted", "closed"]},
                                "as_of": DATE,
                                "standing_rule": {"type": "string"},
                            },
                        ),
                        "400": ERROR,
                        "404": {"description": "No such fiscal year", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    },
                }
            },
            "/api/v1/scales": {
                "get": {
                    "summary": "Adopted scales of contributions: period, parameters, inputs and shares",
                    "description": "CSV has one row per scale and member.",
                    "operationId": "listScales",
                    "parameters": [FORMAT],
                    "responses": {"200": _list("Every adopted scale, oldest first", "scales", "Scale"), "400": ERROR},
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": {"description": "OpenAPI 3.1 document", "content": {"application/json": {"schema": {"type": "object"}}}}},
                }
            },
        },
        "components": {
            "schemas": {
                "Member": {
                    "type": "object",
                    "required": ["code", "name", "status", "joined", "left"],
                    "properties": {
                        "code": {"type": "string", "description": "ISO 3166-1 alpha-3", "pattern": "^[A-Z]{3}$"},
                        "name": {"type": "string"},
                        "status": {"type": "string", "enum": ["member", "associate", "observer", "withdrawn"]},
                        "joined": DATE,
                        "left": {"oneOf": [DATE, {"type": "null"}], "description": "Date of withdrawal, if any"},
                    },
                },
                "Year": {
                    "type": "object",
                    "required": ["year", "budget", "currency", "status"],
                    "properties": {
                        "year": {"type": "integer"},
                        "budget": {"oneOf": [DECIMAL, {"type": "null"}]},
                        "currency": {"type": "string", "description": "ISO 4217"},
                        "status": {"type": "string", "enum": ["draft", "adopted", "closed"]},
                    },
                },
                "Contribution": {
                    "type": "object",
                    "required": ["code", "name", "share_pct", "assessed", "paid", "in_kind", "outstanding", "arrears", "standing"],
                    "properties": {
                        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
                        "name": {"type": "string"},
                        "share_pct": DECIMAL,
                        "assessed": DECIMAL,
                        "paid": DECIMAL,
                        "in_kind": DECIMAL,
                        "outstanding": DECIMAL,
                        "arrears": DECIMAL,
                        "standing": {"type": "string", "enum": ["good", "arrears", "suspended"]},
                    },
                },
                "Scale": {
                    "type": "object",
                    "required": ["id", "first_year", "last_year", "parameters", "income_measure", "decision", "adopted_on", "shares"],
                    "properties": {
                        "id": {"type": "integer"},
                        "first_year": {"type": "integer"},
                        "last_year": {"type": "integer"},
                        "parameters": {
                            "type": "object",
                            "properties": {
                                "ceiling_pct": {"oneOf": [DECIMAL, {"type": "null"}]},
                                "floor_pct": {"oneOf": [DECIMAL, {"type": "null"}]},
                                "precision_pct": DECIMAL,
                                "associate_factor_pct": DECIMAL,
                            },
                        },
                        "income_measure": {"type": "string"},
                        "decision": {"type": "string"},
                        "adopted_on": DATE,
                        "shares": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "code": {"type": "string"},
                                    "name": {"type": "string"},
                                    "income": DECIMAL,
                                    "share_pct": DECIMAL,
                                    "bound": {"type": "string", "enum": ["free", "ceiling", "floor"]},
                                },
                            },
                        },
                    },
                },
                "Head": {
                    "type": "object",
                    "required": ["seq", "hash"],
                    "properties": {"seq": {"type": "integer"}, "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
                },
                "JournalEntry": {
                    "type": "object",
                    "required": ["seq", "recorded_at", "actor", "kind", "payload", "prev_hash", "hash"],
                    "properties": {
                        "seq": {"type": "integer"},
                        "recorded_at": {"type": "string", "format": "date-time"},
                        "actor": {"type": "string", "description": "user:N or system:NAME; never an e-mail address"},
                        "kind": {"type": "string"},
                        "payload": {"type": "string", "description": "Canonical JSON exactly as hashed"},
                        "prev_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
            }
        },
    }
