"""What every shell shares through the Flask app: the settings, the engine, today, and read results by journal head.

The one `connect` and the one `cached` of the officials' pages (ledger.web), the open-data
API (ledger.api) and the dashboards: each request reads through the app's engine, and a read
result is kept until the journal head moves (every write appends to the journal in its own
transaction, so a result stays true until then). Flask and the read side only, so any shell
may import it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from flask import current_app
from sqlalchemy import Connection, Engine

from ledger.config import Settings
from ledger.queries.snapshot import HeadCache

Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class LedgerState:
    """Kept in app.extensions["ledger"] by create_app."""

    settings: Settings
    engine: Engine
    cache: HeadCache = field(default_factory=HeadCache)


def ledger_state() -> LedgerState:
    return current_app.extensions["ledger"]


def engine() -> Engine:
    return ledger_state().engine


def today() -> date:
    """The app's today (Settings.today): the one clock of every request."""
    return ledger_state().settings.today()


def connect() -> Connection:
    return engine().connect()


def cached(connection: Connection, key: Hashable, compute: Callable[[], Result]) -> Result:
    """`compute()`'s result, computed once per journal head and shared by every request."""
    return ledger_state().cache.get(connection, key, compute)
