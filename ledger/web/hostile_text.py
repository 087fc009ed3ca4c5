"""Refusing control characters in anything a request carries, before a view or the database sees it.

Every form field, query parameter and URL path is checked here with the rule of
ledger.domain.text, and refused with a 400 naming the field.
"""

from __future__ import annotations

from flask import Flask, request

from ledger.domain.errors import ValidationFailed
from ledger.domain.text import control_character_problems


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
