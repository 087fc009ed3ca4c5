"""The dashboards' only way to the data: a read connection for ledger.queries, and the ledger's cache."""

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

Result = TypeVar("Result")


def connect():
    """A read-only use of the ledger's engine for the current request."""
    return current_app.extensions["ledger"].engine.connect()


def cached(connection, key: Hashable, compute: Callable[[], Result]) -> Result:
    """`compute()`, kept in the ledger's cache under `key` until the ledger changes."""
    return current_app.extensions["ledger"].cache.get(connection, key, compute)


def today():
    """The ledger's today (Settings.today), the same clock the office and the API use."""
    return current_app.extensions["ledger"].settings.today()
