"""Signing and publishing checkpoints of the journal's tree (c2sp.org/tlog-checkpoint).

Cadence: a checkpoint covering the head is signed after every write made through the web
office or the command line, and whenever one is asked for (GET /api/v1/checkpoint,
`ledger checkpoint`) while the head has moved past the latest. Writes never wait for it:
the checkpoint is derived from the tree, which is written in the entry's own transaction.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Engine, insert
from sqlmodel import Session

from ledger.db.engine import WRITE_OPTION
from ledger.db.journal import lock_journal
from ledger.db.tlog import StoredCheckpoint
from ledger.domain.errors import Conflict
from ledger.domain.signed_note import Checkpoint, NoteSigner
from ledger.queries.tlog import PublishedCheckpoint, latest_checkpoint, root_at, tree_size


def publish_checkpoint(engine: Engine, signer: NoteSigner, *, now: datetime | None = None) -> PublishedCheckpoint:
    """The latest checkpoint, first signing a new one when the journal has grown past it.

    Refuses (Conflict) when the journal is shorter than a checkpoint already published: the
    database was rolled back or truncated, and signing would hide it.
    """
    with engine.connect() as connection:
        latest = latest_checkpoint(connection)
        if latest is not None and latest.size == tree_size(connection):
            return latest
    with Session(engine.execution_options(**{WRITE_OPTION: True})) as session:
        lock_journal(session)  # one signer at a time, and no append between reading the size and the root
        connection = session.connection()
        size = tree_size(connection)
        latest = latest_checkpoint(connection)
        if latest is not None and latest.size > size:
            raise Conflict(
                f"the journal has {size} entries but checkpoint {latest.size} was published: "
                "the database was rolled back or truncated; restore it and run `ledger verify`"
            )
        if latest is None or latest.size < size:
            root = root_at(connection, size)
            note = signer.sign(Checkpoint(signer.name, size, root).text())
            connection.execute(insert(StoredCheckpoint.__table__).values(
                size=size, root_hash=root.hex(), note=note, signed_at=now or datetime.now(timezone.utc),
            ))
            session.commit()
        return latest_checkpoint(session.connection())
