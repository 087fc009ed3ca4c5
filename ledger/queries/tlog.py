"""Reading the journal's Merkle tree: its size, roots and RFC 9162 proofs, and the published checkpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from ledger.db.tables import JournalEntry
from ledger.db.tlog import StoredCheckpoint, StoredCosignature, stored_hashes
from ledger.domain.errors import ValidationFailed
from ledger.domain.merkle import EMPTY_ROOT, consistency_ranges, hash_ranges, inclusion_ranges, proof_nodes

checkpoint_table = StoredCheckpoint.__table__
cosignature_table = StoredCosignature.__table__


def tree_size(connection: Connection) -> int:
    """How many leaves the tree has: one per journal entry."""
    return connection.execute(select(func.coalesce(func.max(JournalEntry.seq), 0))).scalar_one()


def root_at(connection: Connection, size: int) -> bytes:
    """The root of the first `size` leaves, from O(log n) stored nodes."""
    if size == 0:
        return EMPTY_ROOT
    ranges = ((0, size),)
    return hash_ranges(ranges, stored_hashes(connection, proof_nodes(ranges)))[0]


def _within(name: str, value: int, minimum: int, maximum: int, bound: str) -> None:
    if not minimum <= value <= maximum:
        raise ValidationFailed.single(name, f"{value} is out of range; give {minimum} to {maximum} ({bound})")


def inclusion_proof(connection: Connection, seq: int, size: int) -> list[bytes]:
    """The audit path of entry `seq` (leaf seq - 1) in the tree of `size` leaves (RFC 9162 §2.1.3)."""
    current = tree_size(connection)
    _within("size", size, 1, current, f"the tree has {current} entries")
    _within("seq", seq, 1, size, f"entries 1 to size={size}")
    ranges = inclusion_ranges(seq - 1, size)
    return hash_ranges(ranges, stored_hashes(connection, proof_nodes(ranges)))


def consistency_proof(connection: Connection, old: int, new: int) -> list[bytes]:
    """The proof that the tree of `old` leaves is a prefix of the tree of `new` (RFC 9162 §2.1.4)."""
    current = tree_size(connection)
    _within("to", new, 1, current, f"the tree has {current} entries")
    _within("from", old, 1, new, f"from must not exceed to={new}")
    ranges = consistency_ranges(old, new)
    return hash_ranges(ranges, stored_hashes(connection, proof_nodes(ranges)))


@dataclass(frozen=True, slots=True)
class PublishedCheckpoint:
    """A signed checkpoint with the witness cosignature lines published on it."""

    size: int
    root_hash: str
    note: str
    signed_at: datetime
    cosignatures: tuple[str, ...]

    @property
    def cosigned_note(self) -> str:
        """The note with every cosignature line appended, as a client verifies it."""
        return self.note + "".join(self.cosignatures)


def latest_checkpoint(connection: Connection) -> PublishedCheckpoint | None:
    found = checkpoints(connection, latest_only=True)
    return found[0] if found else None


def checkpoint_covering(connection: Connection, seq: int) -> PublishedCheckpoint | None:
    """The first checkpoint whose tree includes entry `seq` (the one a closed year's report prints)."""
    found = checkpoints(connection, covering=seq)
    return found[0] if found else None


def checkpoints(connection: Connection, *, latest_only: bool = False, covering: int | None = None) -> list[PublishedCheckpoint]:
    """Published checkpoints, oldest first, each with its cosignatures (two queries)."""
    query = select(checkpoint_table)
    if latest_only:
        query = query.order_by(checkpoint_table.c.size.desc()).limit(1)
    elif covering is not None:
        query = query.where(checkpoint_table.c.size >= covering).order_by(checkpoint_table.c.size).limit(1)
    else:
        query = query.order_by(checkpoint_table.c.size)
    rows = connection.execute(query).all()
    if not rows:
        return []
    lines: dict[int, list[str]] = {}
    cosigned = select(cosignature_table.c.checkpoint_size, cosignature_table.c.line).order_by(
        cosignature_table.c.checkpoint_size, cosignature_table.c.witness
    )
    if len(rows) == 1:
        cosigned = cosigned.where(cosignature_table.c.checkpoint_size == rows[0].size)
    for size, line in connection.execute(cosigned):
        lines.setdefault(size, []).append(line)
    return [
        PublishedCheckpoint(row.size, row.root_hash, row.note, row.signed_at, tuple(lines.get(row.size, ())))
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class EntrySummary:
    """What a receipt page shows of an entry before the browser checks it."""

    seq: int
    recorded_at: datetime
    kind: str
    summary: str
    hash: str


def journal_entry_summary(connection: Connection, seq: int) -> EntrySummary | None:
    journal = JournalEntry.__table__.c
    row = connection.execute(
        select(journal.seq, journal.recorded_at, journal.kind, journal.summary, journal.hash).where(journal.seq == seq)
    ).first()
    return EntrySummary(*row) if row else None
