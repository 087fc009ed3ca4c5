"""The journal's pages: the officials' browser at /office/journal (who did what), and receipts for
people, a public page per journal entry that checks, in the reader's own browser, that the entry
is in a checkpoint signed by the ledger's key."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ledger.domain.access import Permission
from ledger.domain.errors import NotFound, Problem
from ledger.domain.members import parse_date
from ledger.queries import journal as journal_queries
from ledger.queries.tlog import journal_entry_summary
from ledger.web.guard import requires
from ledger.web.state import connect

blueprint = Blueprint("journal", __name__)

JOURNAL_PAGE = 50
MAX_JOURNAL_PAGE = 10**9 // JOURNAL_PAGE  # keeps OFFSET far inside a 64-bit integer


@blueprint.route("/journal/<int:seq>")
def entry(seq: int):
    with connect() as connection:
        found = journal_entry_summary(connection, seq)
    if found is None:
        raise NotFound(f"no journal entry {seq}; see /api/v1/journal/head for the last one")
    return render_template("journal/entry.html", title=f"Journal entry {seq}", entry=found)


@blueprint.route("/office/journal")
@requires(Permission.READ_JOURNAL)
def browse():
    args = request.args
    problems: list[Problem] = []
    since, until = None, None
    if args.get("since"):
        since, found = parse_date(args["since"], "since")
        problems += found
    if args.get("until"):
        until, found = parse_date(args["until"], "until")
        problems += found
    page_number = args.get("page", "1")
    if not (page_number.isascii() and page_number.isdigit() and len(page_number) <= 12 and 1 <= int(page_number) <= MAX_JOURNAL_PAGE):
        problems.append(Problem("page", f"give a page number from 1 to {MAX_JOURNAL_PAGE:,}"))
        page_number = "1"
    where = journal_queries.JournalFilter(actor=args.get("actor", "").strip(), kind=args.get("kind", "").strip(), since=since, until=until)
    if problems:
        return render_template("journal/browse.html", title="Journal", where=where, entries=[], total=0, page=1, pages=1, problems=problems), 400
    page = int(page_number)
    with connect() as connection:
        total, entries = journal_queries.browse(connection, where, limit=JOURNAL_PAGE, offset=(page - 1) * JOURNAL_PAGE)
    pages = max(1, -(-total // JOURNAL_PAGE))
    return render_template("journal/browse.html", title="Journal", where=where, entries=entries, total=total, page=page, pages=pages, problems=[])
