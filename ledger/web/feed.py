"""The Atom feed of the board's decisions and the closed fiscal years (RFC 4287), built from plain records.

Each entry's id is the address of the receipt of the journal entry that recorded it
(/journal/SEQ): permanent, and where a reader verifies it. Times are the entries' journal
times, in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree

from ledger.domain import labels
from ledger.domain.journal import format_timestamp
from ledger.queries.contributions import ClosedYear
from ledger.queries.governance import Decision

ATOM = "http://www.w3.org/2005/Atom"
FEED_TITLE = "Member Ledger: board decisions and closed fiscal years"


def _element(parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def _entry(feed: ElementTree.Element, base: str, seq: int, title: str, recorded_at: datetime, page: str, summary: str) -> None:
    entry = _element(feed, "entry")
    _element(entry, "id", f"{base}journal/{seq}")
    _element(entry, "title", title)
    _element(entry, "updated", format_timestamp(recorded_at))
    _element(entry, "link", rel="alternate", type="text/html", href=f"{base}{page}")
    _element(entry, "link", rel="related", type="text/html", href=f"{base}journal/{seq}", title=f"Journal entry {seq}: verify it")
    _element(entry, "summary", summary)


def atom_feed(base: str, decisions: Sequence[Decision], years: Sequence[ClosedYear], facility: str) -> bytes:
    """The feed as UTF-8 XML; `base` is the site's address ending in "/"."""
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _element(feed, "id", f"{base}feed.atom")
    _element(feed, "title", f"{facility}: board decisions and closed fiscal years" if facility else FEED_TITLE)
    times = [decision.recorded_at for decision in decisions] + [year.recorded_at for year in years]
    _element(feed, "updated", format_timestamp(max(times)) if times else "1970-01-01T00:00:00.000000Z")
    _element(feed, "link", rel="self", type="application/atom+xml", href=f"{base}feed.atom")
    _element(feed, "link", rel="alternate", type="text/html", href=base)
    author = _element(feed, "author")
    _element(author, "name", facility or "Member Ledger")
    dated = sorted(
        [(decision.recorded_at, "decision", decision) for decision in decisions] + [(year.recorded_at, "year", year) for year in years],
        key=lambda item: item[0],
        reverse=True,
    )
    for _, kind, item in dated:
        if kind == "decision":
            outcome = labels.label(labels.OUTCOMES, item.outcome)
            _entry(
                feed, base, item.journal_seq, f"{outcome}: {item.title}", item.recorded_at,
                f"dashboards/board?year={item.held_on.year}",
                f"{labels.label(labels.MOTION_KINDS, item.kind)} motion, closed on {item.closed_on.isoformat()}. {item.explanation}".strip(),
            )
        else:
            _entry(
                feed, base, item.journal_seq, f"Fiscal year {item.year} closed", item.recorded_at,
                f"dashboards/contributions?year={item.year}",
                f"The fiscal year {item.year} was closed on {item.closed_on.isoformat()}: its figures are final; "
                f"its annual report is at {base}reports/annual/{item.year}.pdf.",
            )
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
