"""What the request handlers share through the app: the settings, the engine, and read results by journal head."""

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
