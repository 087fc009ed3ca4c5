"""The journal as published (head and pages) and as the auditor browses it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Connection, String, cast, func, literal, select

from ledger.db.tables import JournalEntry, User
from ledger.domain.journal import GENESIS_HASH, ChainHead, format_timestamp

journal = JournalEntry.__table__
users = User.__table__

PUBLIC_COLUMNS = ("seq", "recorded_at", "actor", "kind", "payload", "prev_hash", "hash")


def receipt_path(seq: int) -> str:
    """Where the public receipt of entry `seq` is served (ledger.web.journal): what the entry
    recorded, checked in the reader's browser against the signed checkpoint."""
    return f"/journal/{seq}"


def head(connection: Connection) -> ChainHead:
    """The last entry's sequence number and hash."""
    row = connection.execute(select(journal.c.seq, journal.c.hash).order_by(journal.c.seq.desc()).limit(1)).first()
    return ChainHead(row.seq, row.hash) if row else ChainHead(0, GENESIS_HASH)


def page(connection: Connection, after: int, limit: int) -> list[dict]:
    """Entries with seq > after, oldest first, as the public export carries them."""
    rows = connection.execute(
        select(*(journal.c[name] for name in PUBLIC_COLUMNS))
        .where(journal.c.seq > after)
        .order_by(journal.c.seq)
        .limit(limit)
    ).mappings()
    return [{**row, "recorded_at": format_timestamp(row["recorded_at"])} for row in rows]


@dataclass(frozen=True, slots=True)
class JournalFilter:
    """What the auditor narrows the journal to; empty fields do not filter."""

    actor: str = ""
    kind: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class AuditedEntry:
    seq: int
    recorded_at: datetime
    actor: str
    actor_email: str | None
    kind: str
    summary: str
    hash: str


def browse(connection: Connection, where: JournalFilter, *, limit: int, offset: int) -> tuple[int, list[AuditedEntry]]:
    """The total matching and one page of entries, newest first, with the official's e-mail."""
    actor_ref = literal("user:") + cast(users.c.id, String)
    conditions = []
    if where.actor:
        needle = f"%{where.actor.lower()}%"
        conditions.append(
            journal.c.actor.ilike(needle)
            | journal.c.actor.in_(select(actor_ref).where(func.lower(users.c.email).like(needle)))
        )
    if where.kind:
        conditions.append(journal.c.kind.ilike(f"%{where.kind}%"))
    if where.since:
        conditions.append(journal.c.recorded_at >= datetime.combine(where.since, time(), timezone.utc))
    if where.until:
        conditions.append(journal.c.recorded_at < datetime.combine(where.until + timedelta(days=1), time(), timezone.utc))
    total = connection.execute(select(func.count()).select_from(journal).where(*conditions)).scalar_one()
    rows = connection.execute(
        select(
            journal.c.seq,
            journal.c.recorded_at,
            journal.c.actor,
            users.c.email,
            journal.c.kind,
            journal.c.summary,
            journal.c.hash,
        )
        .select_from(journal.outerjoin(users, journal.c.actor == actor_ref))
        .where(*conditions)
        .order_by(journal.c.seq.desc())
        .limit(limit)
        .offset(offset)
    )
    return total, [AuditedEntry(*row) for row in rows]


def entry(connection: Connection, seq: int) -> ChainHead:
    """One entry's sequence number and hash (a checkpoint printed in a report)."""
    row = connection.execute(select(journal.c.seq, journal.c.hash).where(journal.c.seq == seq)).one()
    return ChainHead(row.seq, row.hash)
