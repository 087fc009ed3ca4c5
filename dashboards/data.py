"""The dashboards' only way to the data: a read connection for ledger.queries."""

from flask import current_app


def connect():
    """A read-only use of the ledger's engine for the current request."""
    return current_app.extensions["ledger"].engine.connect()
