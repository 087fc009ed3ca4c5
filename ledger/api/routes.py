"""Routes of the open-data API. Each parses, calls a query, answers."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, current_app, jsonify

from ledger.api.formats import int_arg, list_response
from ledger.api.openapi import openapi_document
from ledger.queries import journal as journal_queries
from ledger.queries import members as member_queries

api = Blueprint("api", __name__, url_prefix="/api/v1")

JOURNAL_PAGE_DEFAULT = 1_000
JOURNAL_PAGE_MAX = 100_000
MEMBER_COLUMNS = ("code", "name", "status", "joined", "left")


def _connect():
    return current_app.extensions["ledger"].engine.connect()


@api.get("/members")
def members():
    with _connect() as connection:
        rows = member_queries.list_members(connection)
    return list_response("members", MEMBER_COLUMNS, map(asdict, rows), "members")


@api.get("/journal/head")
def journal_head():
    with _connect() as connection:
        head = journal_queries.head(connection)
    return jsonify({"seq": head.seq, "hash": head.hash})


@api.get("/journal")
def journal():
    after = int_arg("after", 0, minimum=0)
    limit = int_arg("limit", JOURNAL_PAGE_DEFAULT, minimum=1, maximum=JOURNAL_PAGE_MAX)
    with _connect() as connection:
        entries = journal_queries.page(connection, after, limit)
    return list_response(
        "entries",
        journal_queries.PUBLIC_COLUMNS,
        entries,
        f"journal-after-{after}",
        after=after,
        limit=limit,
    )


@api.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
