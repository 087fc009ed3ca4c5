"""The engine factory: one place that knows how SQLite and PostgreSQL differ."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

# Set on a connection by a unit of work that will write, so SQLite takes its write lock at
# BEGIN: a deferred transaction that reads the journal head first could otherwise fail to
# upgrade, or two writers could both read the same head.
WRITE_OPTION = "ledger_write"


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for an SQLite file or a PostgreSQL database (postgresql+psycopg://)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, **kwargs)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def _sqlite_engine(url: str, database: str | None, **kwargs) -> Engine:
    in_memory = not database or database == ":memory:"
    if not in_memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's own is deferred only).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
