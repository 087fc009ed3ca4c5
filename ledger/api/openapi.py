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
