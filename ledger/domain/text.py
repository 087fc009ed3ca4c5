"""Text any input may carry: no control characters but tab and line breaks.

PostgreSQL cannot store NUL in text (an error, a 500), SQLite stores it; other control
characters are invisible in pages and reports. Every web request (ledger.web.hostile_text) and
every command-line argument (ledger.cli.commands) is checked with this one rule, the same way
for both databases, and refused naming the field.
Source: OWASP ASVS 4.0.3 V5.1.3 (validate all input against an allow list) and V5.1.4.
"""

from __future__ import annotations

import re

from ledger.domain.errors import Problem

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character_problems(fields: list[tuple[str, str]]) -> list[Problem]:
    """A problem for each field whose text holds a control character other than tab and line breaks."""
    problems = []
    for name, value in fields:
        found = CONTROL.search(value)
        if found:
            problems.append(Problem(name, f"holds the control character U+{ord(found.group()):04X}; "
                                          "give printable text (tabs and line breaks are accepted)"))
    return problems
