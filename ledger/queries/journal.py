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
    """What a reader narrows the journal to; empty fields do not filter.

    member: a member's code, matching the entries whose payload names it as a row's `code`
    or `member_code` (canonical JSON has no spaces, so the text match is exact).
    """

    actor: str = ""
    kind: str = ""
    since: date | None = None
    until: date | None = None
    member: str = ""


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
    conditions = _conditions(where)
    if where.actor:
        needle = f"%{where.actor.lower()}%"
        conditions.append(
            journal.c.actor.ilike(needle)
            | journal.c.actor.in_(select(actor_ref).where(func.lower(users.c.email).like(needle)))
        )
    if where.kind:
        conditions.append(journal.c.kind.ilike(f"%{where.kind}%"))
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


def _conditions(where: JournalFilter) -> list:
    """The filters the public and the auditor share: dates (UTC days, both ends included) and a member named in the payload."""
    conditions = []
    if where.since:
        conditions.append(journal.c.recorded_at >= datetime.combine(where.since, time(), timezone.utc))
    if where.until:
        conditions.append(journal.c.recorded_at < datetime.combine(where.until + timedelta(days=1), time(), timezone.utc))
    if where.member:
        conditions.append(journal.c.payload.contains(f'"code":"{where.member}"', autoescape=True)
                          | journal.c.payload.contains(f'"member_code":"{where.member}"', autoescape=True))
    return conditions


@dataclass(frozen=True, slots=True)
class PublicEntry:
    """An entry as the public journal browser shows it: what /api/v1/journal publishes, nothing more."""

    seq: int
    recorded_at: datetime
    actor: str
    kind: str
    summary: str
    payload: str
    hash: str


def kinds(connection: Connection) -> list[str]:
    """The kinds of entry the journal holds, alphabetically."""
    return list(connection.execute(select(journal.c.kind).distinct().order_by(journal.c.kind)).scalars())


def public_browse(connection: Connection, where: JournalFilter, *, limit: int, offset: int) -> tuple[int, list[PublicEntry]]:
    """The total matching and one page of entries, newest first, kind matched exactly; no actor e-mail."""
    conditions = _conditions(where)
    if where.kind:
        conditions.append(journal.c.kind == where.kind)
    total = connection.execute(select(func.count()).select_from(journal).where(*conditions)).scalar_one()
    rows = connection.execute(
        select(journal.c.seq, journal.c.recorded_at, journal.c.actor, journal.c.kind, journal.c.summary, journal.c.payload, journal.c.hash)
        .where(*conditions).order_by(journal.c.seq.desc()).limit(limit).offset(offset)
    )
    return total, [PublicEntry(*row) for row in rows]


def entry(connection: Connection, seq: int) -> ChainHead:
    """One entry's sequence number and hash (a checkpoint printed in a report)."""
    row = connection.execute(select(journal.c.seq, journal.c.hash).where(journal.c.seq == seq)).one()
    return ChainHead(row.seq, row.hash)
