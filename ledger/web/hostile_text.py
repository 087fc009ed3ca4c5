"""Refusing control characters in anything a request carries, before a view or the database sees it.

PostgreSQL cannot store NUL in text (an error, a 500), SQLite stores it; other control
characters are invisible in pages and reports. So every form field, query parameter and URL
path is checked here, the same way for both databases, and refused with a 400
naming the field. Tab, line feed and carriage return stay allowed (multi-line text).
Source: OWASP ASVS 4.0.3 V5.1.3 (validate all input against an allow list) and V5.1.4.
"""

from __future__ import annotations

import re

from flask import Flask, request

from ledger.domain.errors import Problem, ValidationFailed

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


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_control_characters():
        fields = [("path", request.path)]
        fields += [(name, value) for name, value in request.args.items(multi=True)]
        fields += [(f"{name} (name)", name) for name in request.args]
        # JSON bodies (the voting simulator, Dash's callbacks) store nothing and are left to
        # their own validation: reading them here would consume the stream they read.
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype != "application/json":
            fields += [(name, value) for name, value in request.form.items(multi=True)]
            fields += [(f"{name} (name)", name) for name in request.form]
        problems = control_character_problems(fields)
        if problems:
            raise ValidationFailed(problems)
