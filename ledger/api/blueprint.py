"""The /api/v1 blueprint and its contract: every noun's module (members, journal, contributions, compute,
governance) adds its routes to them, so the endpoints stay "api.<name>" and the document lists them in one place."""

from __future__ import annotations

from flask import Blueprint

from ledger.api.contract import Contract

api = Blueprint("api", __name__, url_prefix="/api/v1")
contract = Contract(api)

YEAR = {"year": "A fiscal year, such as 2025"}
