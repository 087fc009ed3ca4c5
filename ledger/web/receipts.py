"""Receipts for people: a public page per journal entry that checks, in the reader's own
browser, that the entry is in a checkpoint signed by the ledger's key."""

from __future__ import annotations

from flask import Blueprint, render_template

from ledger.domain.errors import NotFound
from ledger.queries.tlog import journal_entry_summary
from ledger.web.state import connect

blueprint = Blueprint("receipts", __name__)


@blueprint.route("/journal/<int:seq>")
def entry(seq: int):
    with connect() as connection:
        found = journal_entry_summary(connection, seq)
    if found is None:
        raise NotFound(f"no journal entry {seq}; see /api/v1/journal/head for the last one")
    return render_template("receipts/entry.html", title=f"Journal entry {seq}", entry=found)
