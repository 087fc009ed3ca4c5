"""`ledger verify`: recompute the hash chain and check every ledger row against its entry.

One pass over the journal in sequence order, with one cursor per journaled table ordered
by (journal_seq, key) beside it: rows changed, deleted or inserted behind the
application's back show up as a difference between a table and the entry that wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from math import inf

from sqlalchemy import DateTime, Engine, select, type_coerce

from ledger.db.journal import record_of
from ledger.db.tables import JOURNALED_TABLES, JournalEntry
from ledger.domain.journal import (
    GENESIS_HASH,
    ChainHead,
    ChainProblem,
    PublishedEntry,
    RowRecord,
    check_link,
    walk_chain,
)

BATCH = 20_000
MAX_PROBLEMS = 100


@dataclass(slots=True)
class VerificationReport:
    """What a verification found: the head it reached and every problem, first one first."""

    head: ChainHead = ChainHead(0, GENESIS_HASH)
    entries: int = 0
    rows: int = 0
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: ChainProblem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


class _TableCursor:
    """A table's rows in journal order, with one row of look-ahead."""

    def __init__(self, connection, model):
        self.table = model.__table__
        self.private_columns = model.private_columns
        ordered = (self.table.c.journal_seq, *self.table.primary_key.columns)
        result = connection.execution_options(yield_per=BATCH).execute(select(self.table).order_by(*ordered))
        self._rows = iter(result.mappings())
        self.peek = next(self._rows, None)

    @property
    def next_seq(self) -> float:
        """The sequence number the next row claims (infinity when none is left)."""
        return inf if self.peek is None else self.peek["journal_seq"]

    def take_through(self, seq: float) -> Iterator[tuple[int, RowRecord]]:
        """(journal_seq, record) of the rows stamped up to and including `seq`."""
        while self.peek is not None and self.peek["journal_seq"] <= seq:
            row, self.peek = self.peek, next(self._rows, None)
            yield row["journal_seq"], record_of(self.table, self.private_columns, row)


def verify_ledger(engine: Engine, progress: Callable[[int], None] | None = None) -> VerificationReport:
    """Check the chain and every journaled table; `progress` is told how many entries were read.

    The loop is the hot path of a million-entry ledger: the common case (an intact entry
    whose rows match) runs inline, and the helpers that explain a problem run only on one.
    """
    report = VerificationReport()
    journal = JournalEntry.__table__.c
    with engine.connect() as connection:
        cursors = [_TableCursor(connection, model) for model in JOURNALED_TABLES]
        entries = connection.execution_options(yield_per=BATCH).execute(
            select(
                journal.seq,
                # The plain DateTime type skips the UTC-aware decorator; _same_moment copes with both.
                type_coerce(journal.recorded_at, DateTime()),
                journal.actor,
                journal.kind,
                journal.summary,
                journal.payload,
                journal.prev_hash,
                journal.hash,
            ).order_by(journal.seq)
        )
        head_seq, head_hash = 0, GENESIS_HASH
        next_row_seq = min(cursor.next_seq for cursor in cursors)
        for seq, recorded_at, actor, kind, summary, payload_text, prev_hash, entry_hash in entries:
            if (
                seq != head_seq + 1
                or prev_hash != head_hash
                or sha256((prev_hash + payload_text).encode("utf-8")).hexdigest() != entry_hash
            ):
                report.add(check_link(PublishedEntry(seq, payload_text, prev_hash, entry_hash), head_seq + 1, head_hash))
            head_seq, head_hash = seq, entry_hash
            report.entries += 1
            payload = _parse_payload(seq, payload_text, report)
            if (
                payload.get("seq") != seq
                or payload.get("actor") != actor
                or payload.get("kind") != kind
                or payload.get("summary") != summary
                or not _same_moment(payload.get("at"), recorded_at)
            ):
                report.add(ChainProblem(seq, "its sequence, actor, kind, summary or time columns differ from its payload"))
            rows = payload.get("rows")
            if rows or next_row_seq <= seq:
                _check_rows(seq, rows or (), cursors, report)
                next_row_seq = min(cursor.next_seq for cursor in cursors)
            if progress and report.entries % BATCH == 0:
                progress(BATCH)
        report.head = ChainHead(head_seq, head_hash)
        for cursor in cursors:
            for journal_seq, record in cursor.take_through(inf):
                report.rows += 1
                report.add(_unrecorded(journal_seq, record, "no journal entry has that sequence number"))
        if progress:
            progress(report.entries % BATCH)
    return report


def _parse_payload(seq: int, payload_text: str, report: VerificationReport) -> dict:
    try:
        payload = json.loads(payload_text)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        report.add(ChainProblem(seq, "its payload is not a JSON object"))
        return {}
    return payload


def _same_moment(stated: object, recorded: datetime) -> bool:
    """Whether the payload's time and the column agree (SQLite gives naive UTC, PostgreSQL aware)."""
    try:
        moment = datetime.fromisoformat(stated)
    except (TypeError, ValueError):
        return False
    return moment.replace(tzinfo=None) == recorded if recorded.tzinfo is None else moment == recorded


def _check_rows(seq: int, rows, cursors: list[_TableCursor], report: VerificationReport) -> None:
    """Compare the rows the entry records with the rows stamped with its sequence number."""
    recorded = {(row["table"], row["key"]): row["values"] for row in rows}
    for cursor in cursors:
        for journal_seq, record in cursor.take_through(seq):
            report.rows += 1
            if journal_seq != seq:
                report.add(_unrecorded(journal_seq, record, "no journal entry has that sequence number"))
                continue
            recorded_values = recorded.pop((record.table, record.key), None)
            found = dict(record.values)
            if recorded_values is None:
                report.add(_unrecorded(journal_seq, record, f"entry {seq} does not record it"))
            elif recorded_values != found:
                changed = sorted(k for k in recorded_values.keys() | found.keys() if recorded_values.get(k) != found.get(k))
                report.add(
                    ChainProblem(
                        seq,
                        f"{record.table} {record.key} differs from what the entry recorded in {', '.join(changed)}"
                        f" (recorded {_describe(recorded_values, changed)}, found {_describe(found, changed)})",
                    )
                )
    for table, key in recorded:
        report.add(ChainProblem(seq, f"{table} {key} was recorded but is missing from the database"))


def _unrecorded(journal_seq: int, record: RowRecord, why: str) -> ChainProblem:
    return ChainProblem(
        journal_seq,
        f"{record.table} {record.key} claims entry {journal_seq} but {why}: inserted outside the application",
    )


def _describe(values: dict, keys: list[str]) -> str:
    return ", ".join(f"{key}={values.get(key)!r}" for key in keys)


def verify_export(entries: Iterable[PublishedEntry]) -> VerificationReport:
    """Recompute a published chain (the public journal export) without a database."""
    report = VerificationReport()
    for item in walk_chain(entries):
        if isinstance(item, ChainHead):
            report.head = item
            report.entries = item.seq
        else:
            report.add(item)
    return report
