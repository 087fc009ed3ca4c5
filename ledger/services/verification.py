"""`ledger verify`: recompute the hash chain and check every ledger row against its entry.

One pass over the journal in sequence order, with one cursor per journaled table ordered
by (journal_seq, key) beside it: rows changed, deleted or inserted behind the
application's back show up as a difference between a table and the entry that wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from ledger.db.journal import record_of
from ledger.db.tables import JOURNALED_TABLES, JournalEntry
from ledger.domain.journal import (
    GENESIS_HASH,
    ChainHead,
    ChainProblem,
    PublishedEntry,
    RowRecord,
    check_link,
    format_timestamp,
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

    def take_through(self, seq: float) -> Iterator[tuple[int, RowRecord]]:
        """(journal_seq, record) of the rows stamped up to and including `seq`."""
        while self.peek is not None and self.peek["journal_seq"] <= seq:
            row, self.peek = self.peek, next(self._rows, None)
            yield row["journal_seq"], record_of(self.table, self.private_columns, row)


def verify_ledger(engine: Engine, progress: Callable[[int], None] | None = None) -> VerificationReport:
    """Check the chain and every journaled table; `progress` is told how many entries were read."""
    report = VerificationReport()
    with engine.connect() as connection:
        total_entries = connection.execute(select(JournalEntry.seq).order_by(JournalEntry.seq.desc()).limit(1)).scalar() or 0
        cursors = [_TableCursor(connection, model) for model in JOURNALED_TABLES]
        entries = connection.execution_options(yield_per=BATCH).execute(
            select(
                JournalEntry.seq,
                JournalEntry.recorded_at,
                JournalEntry.actor,
                JournalEntry.kind,
                JournalEntry.summary,
                JournalEntry.payload,
                JournalEntry.prev_hash,
                JournalEntry.hash,
            ).order_by(JournalEntry.seq)
        )
        head = report.head
        count = 0
        for count, entry in enumerate(entries, start=1):
            published = PublishedEntry(entry.seq, entry.payload, entry.prev_hash, entry.hash)
            link_problem = check_link(published, head.seq + 1, head.hash)
            if link_problem:
                report.add(link_problem)
            head = ChainHead(entry.seq, entry.hash)
            _check_entry(entry, cursors, report)
            if progress and count % BATCH == 0:
                progress(BATCH)
        report.entries = count
        report.head = head
        for cursor in cursors:
            for journal_seq, record in cursor.take_through(float("inf")):
                report.rows += 1
                report.add(_unrecorded(journal_seq, record, "no journal entry has that sequence number"))
        if progress:
            progress(total_entries % BATCH)
    return report


def _check_entry(entry, cursors: list[_TableCursor], report: VerificationReport) -> None:
    try:
        payload = json.loads(entry.payload)
    except ValueError:
        report.add(ChainProblem(entry.seq, "its payload is not JSON"))
        payload = {"rows": []}
    stated = tuple(payload.get(name) for name in ("seq", "actor", "kind", "summary", "at"))
    if stated != (entry.seq, entry.actor, entry.kind, entry.summary, format_timestamp(entry.recorded_at)):
        report.add(ChainProblem(entry.seq, "its sequence, actor, kind, summary or time columns differ from its payload"))
    recorded = {(row["table"], row["key"]): row["values"] for row in payload.get("rows", ())}
    for cursor in cursors:
        for journal_seq, record in cursor.take_through(entry.seq):
            report.rows += 1
            if journal_seq != entry.seq:
                report.add(_unrecorded(journal_seq, record, "no journal entry has that sequence number"))
                continue
            recorded_values = recorded.pop((record.table, record.key), None)
            found = dict(record.values)
            if recorded_values is None:
                report.add(_unrecorded(journal_seq, record, f"entry {entry.seq} does not record it"))
            elif recorded_values != found:
                changed = sorted(k for k in recorded_values.keys() | found.keys() if recorded_values.get(k) != found.get(k))
                report.add(
                    ChainProblem(
                        entry.seq,
                        f"{record.table} {record.key} differs from what the entry recorded in {', '.join(changed)}"
                        f" (recorded {_describe(recorded_values, changed)}, found {_describe(found, changed)})",
                    )
                )
    for table, key in recorded:
        report.add(ChainProblem(entry.seq, f"{table} {key} was recorded but is missing from the database"))


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
