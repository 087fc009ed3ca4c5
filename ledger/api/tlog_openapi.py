"""The transparency log's part of the OpenAPI document: checkpoints, key and proofs."""

from __future__ import annotations

HEX_HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
PLAIN = {"text/plain": {"schema": {"type": "string"}}}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _integer(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": True, "description": description, "schema": {"type": "integer", "minimum": 1}}


def _proof(required: list[str], description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {
            "type": "object",
            "required": [*required, "hashes"],
            "properties": {**{name: {"type": "integer"} for name in required}, "hashes": {"type": "array", "items": HEX_HASH}},
        }}},
    }


def tlog_paths(format_parameter: dict) -> dict:
    return {
        "/api/v1/checkpoint": {
            "get": {
                "summary": "The latest signed checkpoint of the journal's Merkle tree, with witness cosignatures",
                "description": (
                    "A C2SP signed note (c2sp.org/tlog-checkpoint): origin, tree size, base64 RFC 9162 root hash, "
                    "a blank line, the log's Ed25519 signature line and any witness cosignature lines "
                    "(c2sp.org/tlog-cosignature). Leaf n is the UTF-8 payload of journal entry n."
                ),
                "operationId": "latestCheckpoint",
                "responses": {"200": {"description": "The signed checkpoint", "content": PLAIN}, "409": _error("The journal is shorter than a published checkpoint")},
            }
        },
        "/api/v1/checkpoint/key": {
            "get": {
                "summary": "The verifier key of the checkpoints: <name>+<8 hex key ID>+<base64(0x01 ‖ Ed25519 public key)>",
                "operationId": "checkpointKey",
                "responses": {"200": {"description": "The verifier key, one line", "content": PLAIN}},
            }
        },
        "/api/v1/checkpoints": {
            "get": {
                "summary": "Every checkpoint published, oldest first, with its cosignature lines",
                "operationId": "listCheckpoints",
                "parameters": [format_parameter],
                "responses": {
                    "200": {
                        "description": "The checkpoints and the key that signed them",
                        "content": {
                            "application/json": {"schema": {
                                "type": "object",
                                "required": ["checkpoints", "verifier_key", "witness_quorum"],
                                "properties": {"verifier_key": {"type": "string"}, "witness_quorum": {"type": "integer", "minimum": 0}, "checkpoints": {"type": "array", "items": {"$ref": "#/components/schemas/Checkpoint"}}},
                            }},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "400": _error("The format is not offered"),
                },
            }
        },
        "/api/v1/proof/inclusion": {
            "get": {
                "summary": "RFC 9162 §2.1.3 inclusion proof of journal entry seq in the tree of size entries",
                "operationId": "inclusionProof",
                "parameters": [_integer("seq", "The entry (leaf seq - 1)"), _integer("size", "The tree size, at most the journal's length")],
                "responses": {"200": _proof(["seq", "size"], "The audit path, bottom first, hex"), "400": _error("seq or size out of range; the message names the bound")},
            }
        },
        "/api/v1/proof/consistency": {
            "get": {
                "summary": "RFC 9162 §2.1.4 consistency proof from the tree of size from to the tree of size to",
                "operationId": "consistencyProof",
                "parameters": [_integer("from", "The older tree size"), _integer("to", "The newer tree size, at most the journal's length")],
                "responses": {"200": _proof(["from", "to"], "The consistency proof, hex"), "400": _error("from or to out of range; the message names the bound")},
            }
        },
    }


def tlog_schemas() -> dict:
    return {
        "Checkpoint": {
            "type": "object",
            "required": ["size", "root_hash", "signed_at", "note", "cosignatures", "witnessed"],
            "properties": {
                "size": {"type": "integer", "minimum": 0},
                "root_hash": HEX_HASH,
                "signed_at": {"type": "string", "format": "date-time"},
                "note": {"type": "string", "description": "The signed note as the log signed it"},
                "cosignatures": {"type": "string", "description": "Witness cosignature lines, each ending in a newline"},
                "witnessed": {"type": "boolean", "description": "At least witness_quorum witnesses cosigned it (false when none is configured)"},
            },
        },
    }
