"""Appending to the journal inside the writer's transaction, one writer at a time."""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone

from sqlalchemy import Connection, Table, select, text
from sqlmodel import Session, SQLModel

from ledger.db.tables import JournalEntry
from ledger.db.tlog import append_leaf
from ledger.domain.journal import (
    GENESIS_HASH,
    EntryDraft,
    RowRecord,
    TableDigest,
    canonical_json,
    canonical_value,
    link_hash,
)

# Any constant works; it names the advisory lock that serialises appends on PostgreSQL.
JOURNAL_LOCK_KEY = 0x4C454447  # "LEDG"
PRIVATE_DIGEST = "private_digest"


def lock_journal(session: Session) -> None:
    """Serialise appends: PostgreSQL takes a transaction-level advisory lock; SQLite already
    holds its write lock since BEGIN IMMEDIATE."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": JOURNAL_LOCK_KEY})


def journal_head(session: Session) -> tuple[int, str]:
    """The last entry's sequence number and hash (0 and the genesis hash when empty)."""
    row = session.execute(
        select(JournalEntry.seq, JournalEntry.hash).order_by(JournalEntry.seq.desc()).limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, GENESIS_HASH)


def row_record(row: SQLModel) -> RowRecord:
    """A row's public values as the journal records them."""
    table = row.__table__
    return record_of(table, type(row).private_columns, {c.name: getattr(row, c.name) for c in table.columns})


def record_of(table: Table, private_columns: frozenset[str], values: Mapping[str, object]) -> RowRecord:
    """The record of a row given as column values: the seq left out, private columns only as
    a digest. The digest covers the password hash, whose random salt keeps it from being
    reversed to an e-mail address, and lets `verify` see a swapped hash or address."""
    skipped = private_columns | {"journal_seq"}
    public = [(c.name, canonical_value(values[c.name])) for c in table.columns if c.name not in skipped]
    if private_columns:
        private = canonical_json([values[name] for name in sorted(private_columns)])
        public.append((PRIVATE_DIGEST, hashlib.sha256(private.encode("utf-8")).hexdigest()))
    return RowRecord(
        table=table.name,
        key="/".join(str(values[column.name]) for column in table.primary_key.columns),
        values=tuple(public),
    )


def reserve_seq(session: Session) -> tuple[int, str]:
    """Take the journal lock and return the next sequence number and the hash it links to.

    The lock holds until the transaction ends, so no other writer can take the same number.
    """
    lock_journal(session)
    last_seq, last_hash = journal_head(session)
    return last_seq + 1, last_hash


def write_entry(
    session: Session,
    *,
    seq: int,
    prev_hash: str,
    actor: str,
    kind: str,
    summary: str,
    rows: list[SQLModel],
    records: tuple[RowRecord, ...] = (),
    digests: tuple[TableDigest, ...] = (),
    details: tuple[tuple[str, object], ...] = (),
    at: datetime | None = None,
) -> JournalEntry:
    """Store the entry that records `rows` (already stamped with `seq` and flushed), then
    `records` of rows written in bulk, and the `digests` of bulk tables."""
    draft = EntryDraft(
        seq=seq,
        at=(at or datetime.now(timezone.utc)).astimezone(timezone.utc),
        actor=actor,
        kind=kind,
        summary=summary,
        rows=tuple(row_record(row) for row in rows) + tuple(records),
        digests=tuple(digests),
        details=tuple(details),
    )
    payload = draft.payload()
    entry = JournalEntry(
        seq=seq,
        recorded_at=draft.at,
        actor=actor,
        kind=kind,
        summary=summary,
        payload=payload,
        prev_hash=prev_hash,
        hash=link_hash(prev_hash, payload),
    )
    session.add(entry)
    session.flush()
    append_leaf(session, seq, payload)
    return entry


# The journal as `ledger verify` streams it: recorded_at as the text the payload states
# ("2026-01-01T00:00:00.000000Z"), made by the database, so the comparison is of strings.
_STREAM_TIMESTAMP = {
    "sqlite": "replace(recorded_at, ' ', 'T') || 'Z'",
    "postgresql": """to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
}


def stream_entries(connection: Connection, batch: int) -> Iterator[list[tuple]]:
    """Every entry in seq order as plain tuples (seq, recorded_at text, actor, kind, summary,
    payload, prev_hash, hash), `batch` at a time, in constant memory.

    The driver's own cursor, not SQLAlchemy's result: a million rows through Row objects and
    type processors cost more than hashing them. PostgreSQL streams through a server-side
    (named) cursor; SQLite's cursor steps through the table as it is fetched.
    """
    dialect = connection.dialect.name
    query = (
        f"SELECT seq, {_STREAM_TIMESTAMP[dialect]}, actor, kind, summary, payload, prev_hash, hash "
        "FROM journal_entry ORDER BY seq"
    )
    driver = connection.connection.driver_connection
    if dialect != "postgresql":
        cursor = driver.cursor()
        try:
            cursor.execute(query)
            while rows := cursor.fetchmany(batch):
                yield rows
        finally:
            cursor.close()
        return
    # PostgreSQL: the next batch is fetched on a thread of its own while the caller hashes
    # this one (the driver waits for the server without the GIL); psycopg's connection lock
    # serialises it with the caller's own queries on the same connection and transaction.
    batches: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        try:
            with driver.cursor(name="ledger_verify_journal") as cursor:
                cursor.execute(query)
                while not stop.is_set() and (rows := cursor.fetchmany(batch)):
                    batches.put(rows)
            batches.put(None)
        except BaseException as error:  # handed to the caller's thread, which raises it
            batches.put(error)

    fetcher = threading.Thread(target=fetch, name="ledger-verify-fetch", daemon=True)
    fetcher.start()
    try:
        while (rows := batches.get()) is not None:
            if isinstance(rows, BaseException):
                raise rows
            yield rows
    finally:
        stop.set()
        while fetcher.is_alive():  # unblock a fetcher waiting to put, then let it close its cursor
            try:
                batches.get(timeout=0.05)
            except queue.Empty:
                pass
        fetcher.join()
