"""/api/v1/members: the members with their current status."""

from __future__ import annotations

from dataclasses import asdict

from ledger.api import resources as r
from ledger.api.blueprint import contract
from ledger.api.contract import ListAnswer
from ledger.api.formats import list_response
from ledger.queries import members as member_queries
from ledger.state import connect


@contract.get("/members", "listMembers", "Members with their current status",
              answer=ListAnswer("members", r.Member, "All members, by name"))
def members():
    with connect() as connection:
        rows = member_queries.list_members(connection)
    return list_response("members", r.Member, map(asdict, rows), "members")
