"""`ledger verify`: recompute the hash chain and check every ledger row against its entry.

One pass over the journal in sequence order, with one cursor per journaled table ordered
by (journal_seq, key) beside it: rows changed, deleted or inserted behind the
application's back show up as a difference between a table and the entry that wrote it.

Bulk tables (DIGEST_JOURNALED_TABLES: usage_job) are checked the same way, a batch at a
time instead of a row at a time: their entry records a digest (row count, id range, sums,
SHA-256 over the rows' canonical lines in id order), and the cursor recomputes it while
streaming the batch's rows, in constant memory. Ids within a batch run without a gap, so a
deleted or inserted row is named by its id; a changed row shows as a digest that differs,
naming the batch's entry and id range.

Then the declared invariants (ledger.domain.invariants) are checked over the same
database: the chain says whether rows were changed behind the application's back, the
invariants whether the figures still obey the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from math import inf

import orjson
from sqlalchemy import Engine, select

from ledger.db.journal import record_of, stream_entries
from ledger.db.tables import DIGEST_JOURNALED_TABLES, JOURNALED_TABLES
from ledger.domain.invariants import InvariantProblem
from ledger.domain.journal import (
    GENESIS_HASH,
    ChainHead,
    ChainProblem,
    PublishedEntry,
    RowRecord,
    check_link,
    link_hash,
    walk_chain,
)
from ledger.domain.key_chain import ROTATION_KIND
from ledger.queries.tlog import checkpoints
from ledger.services.tlog_verification import HeldCheckpoint, TreeCheck, check_held, check_stored_tree, published_sizes
from ledger.services.invariants import verify_invariants

BATCH = 20_000
MAX_PROBLEMS = 100


@dataclass(slots=True)
class VerificationReport:
    """What a verification found: the head it reached, every chain problem (first one first)
    and every broken invariant (none are checked for a downloaded export)."""

    head: ChainHead = ChainHead(0, GENESIS_HASH)
    entries: int = 0
    rows: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    invariant_problems: list[InvariantProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.invariant_problems

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


class _DigestCursor:
    """A bulk table's rows in journal order, digested one batch (journal entry) at a time."""

    def __init__(self, connection, model):
        self.table = model.__table__
        self.digest_line = model.digest_line
        self.sums = model.digest_sums
        # In table order, as digest_line takes them; journal_seq is last, and id first.
        columns = list(self.table.columns)
        if columns[0].name != "id" or columns[-1].name != "journal_seq":
            raise TypeError(f"{self.table.name}: a digest-journaled table starts with id and ends with journal_seq")
        self._sum_indexes = [columns.index(self.table.c[name]) for name in self.sums]
        query = select(*columns).order_by(self.table.c.journal_seq, self.table.c.id)
        result = connection.execution_options(yield_per=BATCH).execute(query)
        self._rows = iter(result)
        self.peek = next(self._rows, None)

    @property
    def next_seq(self) -> float:
        return inf if self.peek is None else self.peek[-1]

    def check_through(self, seq: int, stated: dict | None, report: VerificationReport) -> None:
        """Report rows stamped before `seq` (their entry records no rows of this table), then
        compare the rows stamped `seq` with the digest the entry `stated` (None: none)."""
        name = self.table.name
        while self.peek is not None and self.peek[-1] < seq:
            row, self.peek = self.peek, next(self._rows, None)
            report.rows += 1
            report.add(ChainProblem(
                row[-1], f"{name} {row[0]} claims entry {row[-1]}, which records no {name} rows: inserted outside the application"
            ))
        expected_id = stated.get("first_id", 0) if stated else 0
        last_id = stated.get("last_id", -1) if stated else -1
        digest = sha256()
        buffered: list[str] = []
        sums = [0] * len(self.sums)
        count = 0
        id_problem = None
        digest_line, sum_indexes = self.digest_line, self._sum_indexes
        while self.peek is not None and self.peek[-1] == seq:
            row, self.peek = self.peek, next(self._rows, None)
            count += 1
            if (row[0] != expected_id or row[0] > last_id) and id_problem is None:
                id_problem = self._id_problem(row[0], expected_id, last_id, seq)
            expected_id = row[0] + 1
            buffered.append(digest_line(row))
            if len(buffered) >= BATCH:
                digest.update("".join(buffered).encode("utf-8"))
                buffered.clear()
            for position, index in enumerate(sum_indexes):
                sums[position] += row[index]
        digest.update("".join(buffered).encode("utf-8"))
        report.rows += count
        if stated is None:
            if count:
                rows = f"{count} {name} row claims" if count == 1 else f"{count} {name} rows claim"
                report.add(ChainProblem(seq, f"{rows} entry {seq}, which records none: inserted outside the application"))
            return
        if id_problem is None and expected_id <= last_id:
            id_problem = f"{name} {expected_id}" + (f" to {last_id}" if last_id > expected_id else "") + \
                " recorded but missing from the database"
        if id_problem:
            report.add(ChainProblem(seq, id_problem))
        found = {"rows": count, "sums": dict(zip(self.sums, sums)), "sha256": digest.hexdigest()}
        differing = [key for key in ("rows", "sums", "sha256") if stated.get(key) != found[key]]
        if differing and not id_problem:
            report.add(ChainProblem(
                seq,
                f"{name} rows {stated.get('first_id')} to {last_id} differ from the digest the entry recorded in "
                f"{', '.join(differing)} (recorded {_describe(stated, differing)}, found {_describe(found, differing)}): "
                "a row was changed",
            ))

    def report_rest(self, report: VerificationReport) -> None:
        """Rows left after the last entry: each claims an entry that does not exist."""
        while self.peek is not None:
            row, self.peek = self.peek, next(self._rows, None)
            report.rows += 1
            report.add(ChainProblem(
                row[-1],
                f"{self.table.name} {row[0]} claims entry {row[-1]} but no journal entry has that sequence number: "
                "inserted outside the application",
            ))

    def _id_problem(self, found_id: int, expected_id: int, last_id: int, seq: int) -> str:
        name = self.table.name
        if found_id > expected_id and expected_id <= last_id:
            gap_end = min(found_id - 1, last_id)
            span = f"{expected_id} to {gap_end}" if gap_end > expected_id else f"{expected_id}"
            return f"{name} {span} recorded but missing from the database"
        return f"{name} {found_id} claims entry {seq} but entry {seq} does not record it: inserted outside the application"


def verify_ledger(
    engine: Engine, progress: Callable[[int], None] | None = None, *, against: HeldCheckpoint | None = None
) -> VerificationReport:
    """Check the chain, every journaled table, the Merkle tree and the declared invariants;
    `progress` is told how many entries were read. `against`: a signed checkpoint the journal
    must extend, signed by the trusted key or one the journal's key rotations lead to.

    The loop is the hot path of a million-entry ledger: the common case (an intact entry
    whose rows match) runs inline, and the helpers that explain a problem run only on one.
    """
    report = VerificationReport()
    with engine.connect() as connection:
        cursors = [_TableCursor(connection, model) for model in JOURNALED_TABLES]
        digest_cursors = [_DigestCursor(connection, model) for model in DIGEST_JOURNALED_TABLES]
        published = published_sizes(connection)
        tree = TreeCheck((*published, *((against.claimed.size,) if against else ())))
        add_leaf = tree.add
        rotations: list[tuple[int, object]] = []
        head_seq, head_hash = 0, GENESIS_HASH
        next_row_seq = min(cursor.next_seq for cursor in cursors)
        next_digest_seq = min((cursor.next_seq for cursor in digest_cursors), default=inf)
        for batch in stream_entries(connection, BATCH):
            for seq, recorded_at, actor, kind, summary, payload_text, prev_hash, entry_hash in batch:
                data = payload_text.encode("utf-8")
                if (
                    seq != head_seq + 1
                    or prev_hash != head_hash
                    or link_hash(prev_hash, data) != entry_hash
                ):
                    report.add(check_link(PublishedEntry(seq, payload_text, prev_hash, entry_hash), head_seq + 1, head_hash))
                head_seq, head_hash = seq, entry_hash
                add_leaf(data)
                payload = _parse_payload(seq, data, report)
                if (
                    payload.get("seq") != seq
                    or payload.get("actor") != actor
                    or payload.get("kind") != kind
                    or payload.get("summary") != summary
                    or (payload.get("at") != recorded_at and not _same_moment(payload.get("at"), recorded_at))
                ):
                    report.add(ChainProblem(seq, "its sequence, actor, kind, summary or time columns differ from its payload"))
                if kind == ROTATION_KIND:
                    rotations.append((seq, payload.get("details")))
                rows = payload.get("rows")
                if rows or next_row_seq <= seq:
                    _check_rows(seq, rows or (), cursors, report)
                    next_row_seq = min(cursor.next_seq for cursor in cursors)
                digests = payload.get("digests")
                if digests or next_digest_seq <= seq:
                    for cursor in digest_cursors:
                        stated = digests.get(cursor.table.name) if isinstance(digests, dict) else None
                        cursor.check_through(seq, stated if isinstance(stated, dict) else None, report)
                    next_digest_seq = min((cursor.next_seq for cursor in digest_cursors), default=inf)
            report.entries += len(batch)
            if progress:
                progress(len(batch))
        report.head = ChainHead(head_seq, head_hash)
        for cursor in cursors:
            for journal_seq, record in cursor.take_through(inf):
                report.rows += 1
                report.add(_unrecorded(journal_seq, record, "no journal entry has that sequence number"))
        for cursor in digest_cursors:
            cursor.report_rest(report)
        for problem in check_stored_tree(connection, tree, published):
            report.add(problem)
        if against is not None:
            for problem in check_held(tree, against, rotations, [c.note for c in checkpoints(connection)]):
                report.add(problem)
    report.invariant_problems = verify_invariants(engine)
    return report


def _parse_payload(seq: int, data: bytes, report: VerificationReport) -> dict:
    try:
        payload = orjson.loads(data)  # four times json.loads: the largest share of a million-entry verify
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        report.add(ChainProblem(seq, "its payload is not a JSON object"))
        return {}
    return payload


def _same_moment(stated: object, recorded: str) -> bool:
    """Whether the payload's time and the column (as stream_entries gives it) are the same
    moment though written differently; the common case, the same text, never gets here."""
    try:
        return datetime.fromisoformat(stated) == datetime.fromisoformat(recorded)
    except (TypeError, ValueError):
        return False


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
            # A column a later migration added is null in rows written before it, and their
            # entries never named it: such a null is what was recorded.
            found = {name: value for name, value in record.values
                     if value is not None or recorded_values is None or name in recorded_values}
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


def verify_export(entries: Iterable[PublishedEntry], *, against: HeldCheckpoint | None = None) -> VerificationReport:
    """Recompute a published chain (the public journal export) without a database, and its
    Merkle tree against the signed checkpoint `against` when given. An export holds no
    published checkpoints, so a checkpoint by an earlier key than the trusted one is refused
    (ledger.domain.key_chain: nothing here attests the rotations); a later key's is accepted."""
    report = VerificationReport()
    tree = TreeCheck((against.claimed.size,) if against else ())
    rotations: list[tuple[int, object]] = []
    for item in walk_chain(tree.feed(_noting_rotations(entries, rotations))):
        if isinstance(item, ChainHead):
            report.head = item
            report.entries = item.seq
        else:
            report.add(item)
    if against is not None:
        for problem in check_held(tree, against, rotations):
            report.add(problem)
    return report


def _noting_rotations(entries: Iterable[PublishedEntry], rotations: list[tuple[int, object]]) -> Iterator[PublishedEntry]:
    """Pass entries through, noting (seq, details) of each key rotation."""
    marker = f'"kind":"{ROTATION_KIND}"'
    for entry in entries:
        if marker in entry.payload:  # canonical JSON: no space after the colon
            try:
                payload = orjson.loads(entry.payload)
            except ValueError:
                payload = None
            if isinstance(payload, dict) and payload.get("kind") == ROTATION_KIND:
                rotations.append((entry.seq, payload.get("details")))
        yield entry
