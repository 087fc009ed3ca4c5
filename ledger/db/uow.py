"""The unit of work: one transaction, rolled back unless the use case commits with a journal entry."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from ledger.db.engine import WRITE_OPTION
from ledger.db.journal import reserve_seq, write_entry
from ledger.db.tables import JournalEntry
from ledger.domain.access import Actor
from ledger.domain.errors import Conflict
from ledger.domain.journal import RowRecord, TableDigest


class UnitOfWork:
    """`with UnitOfWork(engine) as uow:` gives `uow.session`; `uow.commit(...)` journals and commits.

    Leaving the block without committing rolls everything back, so a use case that raises
    stores nothing and journals nothing. A dry run goes through every check, including the
    database's constraints, and then rolls back: forms use it to report all problems before
    the official confirms.
    """

    def __init__(self, engine: Engine, *, dry_run: bool = False):
        self.engine = engine
        self.dry_run = dry_run
        self._added: list[SQLModel] = []
        self._depth = 0

    def __enter__(self) -> "UnitOfWork":
        # A use case run inside another's block (an adopted motion's effect) joins its
        # transaction: its rows and its summary go into the outer use case's one entry.
        self._depth += 1
        if self._depth == 1:
            self.session = Session(
                self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
            )
            self._added = []
            self._bulk_records: list[RowRecord] = []
            self._digests: list[TableDigest] = []
            self._details: list[tuple[str, object]] = []
            self._effects: list[str] = []
            self._reserved: tuple[int, str] | None = None
        return self

    def __exit__(self, *exc_info) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._roll_back()
            self.session.close()

    def _roll_back(self) -> None:
        # Detach the rows first: a rollback expires them, and a use case may still read the
        # keys of the rows it wrote (a dry run returns what it would have created).
        self.session.expunge_all()
        self.session.rollback()

    def add(self, row: SQLModel) -> SQLModel:
        """Write a new ledger row, stamped with the sequence number of the entry that will record it.

        The first row takes the journal lock; each row is flushed at once, so rows are
        written in the order the use case adds them and get their keys immediately.
        """
        row.journal_seq = self.reserve()
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError as error:
            raise Conflict(f"this {row.__tablename__} clashes with one already stored; reload and check before retrying") from error
        self._added.append(row)
        return row

    def reserve(self) -> int:
        """Take the journal lock now and return the sequence number this transaction's entry
        will have, for rows a use case writes in bulk (stamped by hand, not through `add`)."""
        if self._reserved is None:
            self._reserved = reserve_seq(self.session)
        return self._reserved[0]

    def record_bulk(
        self,
        *,
        records: Iterable[RowRecord] = (),
        digests: Iterable[TableDigest] = (),
        details: Iterable[tuple[str, object]] = (),
    ) -> None:
        """Have the entry record rows written in bulk: listed `records`, `digests` of bulk
        tables, and `details` of the write. Call `reserve` before writing those rows."""
        if self._reserved is None:
            raise RuntimeError("reserve() the entry's sequence number before writing rows in bulk")
        self._bulk_records.extend(records)
        self._digests.extend(digests)
        self._details.extend(details)

    def commit(self, *, actor: Actor, kind: str, summary: str) -> JournalEntry | None:
        """Append one journal entry recording every staged row, then commit the transaction
        (in a dry run, where every row was already flushed and so checked: roll back).
        Inside another use case's block, only the summary is kept, for the outer entry."""
        if self._depth > 1:
            self._effects.append(summary)
            return None
        if self.dry_run:
            self._roll_back()
            return None
        seq, prev_hash = self._reserved or reserve_seq(self.session)
        try:
            entry = write_entry(
                self.session, seq=seq, prev_hash=prev_hash, actor=actor.ref, kind=kind,
                summary=" Effect: ".join([summary, *self._effects]), rows=self._added,
                records=tuple(self._bulk_records), digests=tuple(self._digests), details=tuple(self._details),
            )
            self.session.commit()
        except IntegrityError as error:
            self._roll_back()
            raise Conflict(
                "another write stored the same thing first; reload and check before retrying"
            ) from error
        self._added = []
        self._bulk_records, self._digests, self._details = [], [], []
        return entry
