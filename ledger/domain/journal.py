"""The journal's hash chain: canonical payloads and SHA-256 links, checkable by anyone.

Each entry's hash is SHA-256 over the UTF-8 bytes of the previous entry's hash (64 lowercase
hex digits; the first entry links to 64 zeros) followed by the entry's payload exactly as
published. The payload is canonical JSON holding the sequence number, time, actor, kind, a
one-line summary and every ledger row the write stored, so the published chain alone proves
what was written, by whom and in which order.

Bulk tables are the exception: an entry that writes tens of thousands of usage rows cannot
list them, so it states a digest per table instead (how many rows, their id range, the sums
of the figures that matter and a SHA-256 over the rows' canonical lines in id order). The
chain still fixes those rows: changing, deleting or inserting one changes its batch's
digest, which `ledger verify` recomputes from the table. Payloads without digests are
exactly as before, so existing hashes hold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

GENESIS_HASH = "0" * 64


def canonical_json(value: object) -> str:
    """One text for one value: sorted keys, no spaces, UTF-8 characters kept as they are."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_value(value: object) -> object:
    """A column value as JSON states it: dates and times in ISO 8601, decimals as strings."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def format_timestamp(moment: datetime) -> str:
    """UTC time with microseconds and a Z, the form every journal timestamp takes."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def link_hash(prev_hash: str, payload: str | bytes) -> str:
    """The hash that chains an entry to the previous one; `payload` as text or as its UTF-8 bytes."""
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    return hashlib.sha256(prev_hash.encode("utf-8") + data).hexdigest()


@dataclass(frozen=True, slots=True)
class RowRecord:
    """A ledger row as a journal entry records it: table, primary key and public values."""

    table: str
    key: str
    values: tuple[tuple[str, object], ...]

    def as_json(self) -> dict:
        return {"table": self.table, "key": self.key, "values": dict(self.values)}


@dataclass(frozen=True, slots=True)
class TableDigest:
    """What an entry states about the rows it wrote to a bulk table, instead of listing them.

    rows: how many; their ids run without a gap from first_id to last_id (0 and -1 when none).
    sums: (column, total) of the figures the rows carry, e.g. reference GPU-milliseconds.
    sha256: SHA-256 over the rows' canonical lines (the table's ``digest_line``) in id order.
    """

    table: str
    rows: int
    first_id: int
    last_id: int
    sums: tuple[tuple[str, int], ...]
    sha256: str

    def as_json(self) -> dict:
        return {
            "rows": self.rows,
            "first_id": self.first_id,
            "last_id": self.last_id,
            "sums": dict(self.sums),
            "sha256": self.sha256,
        }


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """Everything an entry says, before it is linked into the chain.

    digests: for bulk tables, what the entry wrote to each (see TableDigest).
    details: further facts about the write (e.g. the lines of a file a batch came from).
    Both are left out of the payload when empty.
    """

    seq: int
    at: datetime
    actor: str
    kind: str
    summary: str
    rows: tuple[RowRecord, ...] = ()
    digests: tuple[TableDigest, ...] = ()
    details: tuple[tuple[str, object], ...] = ()

    def payload(self) -> str:
        document = {
            "seq": self.seq,
            "at": format_timestamp(self.at),
            "actor": self.actor,
            "kind": self.kind,
            "summary": self.summary,
            "rows": [row.as_json() for row in self.rows],
        }
        if self.digests:
            document["digests"] = {digest.table: digest.as_json() for digest in self.digests}
        if self.details:
            document["details"] = dict(self.details)
        return canonical_json(document)


@dataclass(frozen=True, slots=True)
class PublishedEntry:
    """An entry as the public export carries it."""

    seq: int
    payload: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """Why the chain does not hold at one entry."""

    seq: int
    message: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.message}"


def check_link(entry: PublishedEntry, expected_seq: int, expected_prev: str) -> ChainProblem | None:
    """Check one entry against the one before it; None when it holds."""
    if entry.seq != expected_seq:
        return ChainProblem(entry.seq, f"sequence jumps from {expected_seq - 1} to {entry.seq}: entries are missing or inserted")
    if entry.prev_hash != expected_prev:
        return ChainProblem(entry.seq, "its previous hash does not match the hash of the entry before it")
    if link_hash(entry.prev_hash, entry.payload) != entry.hash:
        return ChainProblem(entry.seq, "its hash does not match its payload: the payload or the hash was edited")
    return None


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last entry's sequence number and hash, as published at /api/v1/journal/head."""

    seq: int
    hash: str


def walk_chain(entries: Iterable[PublishedEntry]) -> Iterator[ChainProblem | ChainHead]:
    """Check a whole exported chain from its first entry; yield problems, then the head."""
    head = ChainHead(0, GENESIS_HASH)
    for entry in entries:
        problem = check_link(entry, head.seq + 1, head.hash)
        if problem is not None:
            yield problem
        head = ChainHead(entry.seq, entry.hash)
    yield head
