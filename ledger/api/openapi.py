"""The OpenAPI 3.1 description of /api/v1, generated from the routes' contracts (ledger.api.contract), and its route."""

from __future__ import annotations

from dataclasses import dataclass

from flask import jsonify

from ledger.api import resources as r
from ledger.api.blueprint import contract as data_contract
from ledger.api.contract import JsonAnswer, openapi_paths_and_schemas
from ledger.api.resources import UNIT
from ledger.api.governance import contract as voting_contract
from ledger.api.tlog import contract as tlog_contract

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


@data_contract.get("/openapi.json", "openapi", "This document", answer=JsonAnswer(r.OpenApiDocument, "OpenAPI 3.1 document"))
def openapi():
    return jsonify(openapi_document())


@dataclass(frozen=True, slots=True)
class DocumentedField:
    """A parameter or an answer's field as the reference page lists it."""

    name: str
    type: str
    description: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class DocumentedOperation:
    """One operation of the document, flattened for a page: its parameters, and the fields of each answer model."""

    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    parameters: tuple[DocumentedField, ...]
    answers: tuple[tuple[str, tuple[DocumentedField, ...]], ...]
    """(model name, its fields) for the 200 answer's JSON models, the envelope first."""
    media_types: tuple[str, ...]
    errors: tuple[tuple[str, str], ...]


def documented_operations(document: dict) -> list[DocumentedOperation]:
    """Every operation of an OpenAPI document as the readable reference shows it (read from the document, nothing else)."""
    schemas = document["components"]["schemas"]
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            answer = operation["responses"]["200"]["content"]
            models = _models(answer.get("application/json", {}).get("schema", {}))
            found.append(DocumentedOperation(
                method.upper(), path, operation["operationId"], operation["summary"], operation.get("description", ""),
                tuple(DocumentedField(p["name"], _type_text(p["schema"]), p.get("description", ""), p.get("required", False))
                      for p in operation.get("parameters", ())),
                tuple((name, _fields(schemas[name])) for name in models),
                tuple(answer),
                tuple((status, response["description"]) for status, response in operation["responses"].items() if status != "200"),
            ))
    return found


def _models(schema: dict) -> list[str]:
    """The component names a 200 schema refers to: an envelope and the listed item, or one model."""
    if "$ref" in schema:
        return [schema["$ref"].rsplit("/", 1)[1]]
    names = []
    for part in schema.get("allOf", [schema]):
        if "$ref" in part:
            names.append(part["$ref"].rsplit("/", 1)[1])
        for prop in part.get("properties", {}).values():
            names += _models(prop.get("items", {}))
    return names


def _fields(schema: dict) -> tuple[DocumentedField, ...]:
    required = set(schema.get("required", ()))
    return tuple(
        DocumentedField(name, _type_text(prop), prop.get("description", "") + (f" (unit: {_unit(prop)})" if _unit(prop) else ""), name in required)
        for name, prop in schema.get("properties", {}).items()
    )


def _unit(prop: dict) -> str | None:
    return prop.get(UNIT) or next((branch[UNIT] for branch in prop.get("anyOf", ()) if UNIT in branch), None)


def _type_text(prop: dict) -> str:
    """A schema in a few words: string, integer 0–100, date or null, list of InclusionProof…"""
    if "anyOf" in prop:
        return " or ".join(_type_text(branch) for branch in prop["anyOf"])
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[1]
    if "enum" in prop:
        return "one of " + ", ".join(map(str, prop["enum"]))
    if "const" in prop:
        return repr(prop["const"])
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type_text(prop.get('items', {}))}"
    if kind == "string" and "format" in prop:
        return prop["format"]
    if kind == "string" and "pattern" in prop:
        return f"string matching {prop['pattern']}"
    bounds = [f"≥ {prop['minimum']:,}" if "minimum" in prop else "", f"≤ {prop['maximum']:,}" if "maximum" in prop else ""]
    return " ".join([kind, *filter(None, bounds)])
