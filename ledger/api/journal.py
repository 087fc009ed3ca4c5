"""/api/v1/journal: the hash chain's entries and its head, for anyone to recompute."""

from __future__ import annotations

from flask import jsonify

from ledger.api import resources as r
from ledger.api.blueprint import contract
from ledger.api.contract import JsonAnswer, ListAnswer, Query
from ledger.api.formats import list_response
from ledger.queries import journal as journal_queries
from ledger.state import connect

JOURNAL_PAGE_DEFAULT = 1_000
JOURNAL_PAGE_MAX = 100_000


@contract.get("/journal/head", "journalHead", "The journal's last entry: sequence number and hash",
              answer=JsonAnswer(r.Head, "The head of the hash chain"))
def journal_head():
    with connect() as connection:
        head = journal_queries.head(connection)
    return jsonify({"seq": head.seq, "hash": head.hash})


@contract.get(
    "/journal", "listJournal", "Journal entries after a sequence number, oldest first",
    description=(
        "hash = SHA-256(prev_hash + payload) over UTF-8 bytes; the first entry's prev_hash "
        "is 64 zeros. Recompute every hash in order and compare the last with /api/v1/journal/head."
    ),
    query=(
        Query("after", "Entries with a greater sequence number", default=0, minimum=0, maximum=2**31 - 1),  # seq is a 32-bit column
        Query("limit", "How many entries at most", default=JOURNAL_PAGE_DEFAULT, minimum=1, maximum=JOURNAL_PAGE_MAX),
    ),
    answer=ListAnswer("entries", r.JournalEntry, "One page of entries", envelope=r.JournalPage),
)
def journal(after: int, limit: int):
    with connect() as connection:
        entries = journal_queries.page(connection, after, limit)
    return list_response(
        "entries",
        r.JournalEntry,
        entries,
        f"journal-after-{after}",
        after=after,
        limit=limit,
    )
