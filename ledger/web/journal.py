"""The journal's pages: the public browser at /journal/ (by kind, member and date, each entry's
payload as a list of its facts), the officials' browser at /office/journal (who did what, with
their e-mail addresses), and receipts for people, a public page per journal entry that checks,
in the reader's own browser, that the entry is in a checkpoint signed by the ledger's key."""

from __future__ import annotations

import json
import re
from datetime import date

from flask import Blueprint, render_template, request

from ledger.domain.access import Permission
from ledger.domain.errors import NotFound, Problem
from ledger.domain.members import parse_date
from ledger.queries import journal as journal_queries
from ledger.queries import members as member_queries
from ledger.queries.tlog import journal_entry_summary
from ledger.web.guard import requires
from ledger.state import connect

blueprint = Blueprint("journal", __name__)

JOURNAL_PAGE = 50
MAX_JOURNAL_PAGE = 10**9 // JOURNAL_PAGE  # keeps OFFSET far inside a 64-bit integer
PUBLIC_PAGE = 20
MAX_PUBLIC_PAGE = 10**9 // PUBLIC_PAGE
MEMBER_CODE = re.compile(r"[A-Z]{3}")
EARLIEST, LATEST = date(1970, 1, 1), date(9999, 12, 30)
"""The days a search may name: a day after LATEST has no next day to end the search on."""


def _day(args, name: str, problems: list[Problem]) -> date | None:
    if not args.get(name):
        return None
    day, found = parse_date(args[name], name)
    if day is not None and not EARLIEST <= day <= LATEST:
        day, found = None, [Problem(name, f"give a day from {EARLIEST} to {LATEST}")]
    problems += found
    return day


def _page_number(args, last: int, problems: list[Problem]) -> int:
    raw = args.get("page", "1")
    if raw.isascii() and raw.isdigit() and len(raw) <= 12 and 1 <= int(raw) <= last:
        return int(raw)
    problems.append(Problem("page", f"give a page number from 1 to {last:,}"))
    return 1


@blueprint.route("/journal/")
def public_browse():
    """Search the public journal by kind, member and date; bad input is a 400 naming the field."""
    args = request.args
    problems: list[Problem] = []
    since, until = _day(args, "since", problems), _day(args, "until", problems)
    page = _page_number(args, MAX_PUBLIC_PAGE, problems)
    kind, member = args.get("kind", "").strip(), args.get("member", "").strip().upper()
    with connect() as connection:
        known_kinds = journal_queries.kinds(connection)
        codes = [row.code for row in member_queries.list_members(connection)]
        if kind and kind not in known_kinds:
            problems.append(Problem("kind", f"{kind[:40]!r} is no kind of entry in the journal; accepted: {', '.join(known_kinds)}"))
        if member and not (MEMBER_CODE.fullmatch(member) and member in codes):
            problems.append(Problem("member", f"{member[:10]!r} is no member's code; accepted: {', '.join(sorted(codes))}"))
        where = journal_queries.JournalFilter(kind=kind, since=since, until=until, member=member)
        total, entries = (0, []) if problems else journal_queries.public_browse(
            connection, where, limit=PUBLIC_PAGE, offset=(page - 1) * PUBLIC_PAGE)
    pages = max(1, -(-total // PUBLIC_PAGE))
    shown = [(entry, json.loads(entry.payload)) for entry in entries]
    page_html = render_template("journal/public.html", title="Journal", where=where, entries=shown, total=total, page=page,
                                pages=pages, problems=problems, kinds=known_kinds, codes=sorted(codes))
    return (page_html, 400) if problems else page_html


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
    since, until = _day(args, "since", problems), _day(args, "until", problems)
    page = _page_number(args, MAX_JOURNAL_PAGE, problems)
    where = journal_queries.JournalFilter(actor=args.get("actor", "").strip(), kind=args.get("kind", "").strip(), since=since, until=until)
    if problems:
        return render_template("journal/browse.html", title="Journal", where=where, entries=[], total=0, page=1, pages=1, problems=problems), 400
    with connect() as connection:
        total, entries = journal_queries.browse(connection, where, limit=JOURNAL_PAGE, offset=(page - 1) * JOURNAL_PAGE)
    pages = max(1, -(-total // JOURNAL_PAGE))
    return render_template("journal/browse.html", title="Journal", where=where, entries=entries, total=total, page=page, pages=pages, problems=[])
