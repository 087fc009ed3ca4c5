"""What the office (web workspace) tests share: reading the journal, a field's inline error, page structure."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from sqlalchemy import text


def journal_length(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM journal_entry")).scalar()


def last_kind(engine) -> str:
    with engine.connect() as connection:
        return connection.execute(text("SELECT kind FROM journal_entry ORDER BY seq DESC LIMIT 1")).scalar()


def error_of(page: str, field: str) -> str:
    """The inline error shown beside a field, or '' when there is none."""
    found = re.search(rf'<p class="error" id="{re.escape(field)}-error">([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else ""


class PageStructure(HTMLParser):
    """What the accessibility checks need from a page: inputs, labels, headings, tables."""

    def __init__(self):
        super().__init__()
        self.inputs, self.labels, self.ids, self.described_by = [], set(), set(), []
        self.h1, self.tables, self.captions, self.headers_without_scope = 0, 0, 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if "aria-describedby" in attrs:
            self.described_by.append(attrs["aria-describedby"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self.inputs.append(attrs.get("id"))
        elif tag == "label" and "for" in attrs:
            self.labels.add(attrs["for"])
        elif tag == "h1":
            self.h1 += 1
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th" and "scope" not in attrs:
            self.headers_without_scope += 1


def accessibility_problems(url: str, page: str) -> list[str]:
    found = PageStructure()
    found.feed(page)
    problems = [f"{url}: input {i!r} has no label" for i in found.inputs if i is None or i not in found.labels]
    problems += [f"{url}: aria-describedby {d!r} names no element" for d in found.described_by if d not in found.ids]
    if found.h1 != 1:
        problems.append(f"{url}: {found.h1} h1 elements")
    if found.tables != found.captions:
        problems.append(f"{url}: {found.tables} tables, {found.captions} captions")
    if found.headers_without_scope:
        problems.append(f"{url}: {found.headers_without_scope} th without scope")
    return problems
