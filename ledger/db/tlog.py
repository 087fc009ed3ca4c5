"""The journal's Merkle tree and its signed checkpoints as stored: tables, appending, reading nodes.

The tree is derived from the journal, not a ledger fact: its nodes are written in the same
transaction as the entry they hash, and `ledger verify` recomputes them from the payloads.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import BigInteger, Column, Connection, LargeBinary, SmallInteger, Text, UniqueConstraint
from sqlalchemy import insert
from sqlmodel import Field, Session, SQLModel

from ledger.domain.merkle import NodeId, completed_nodes, leaf_hash, node_hash


class MerkleNode(SQLModel, table=True):
    """A complete subtree of the journal's tree: the hash of leaves [index·2^level, (index+1)·2^level)."""

    __tablename__ = "merkle_node"

    level: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))


class StoredCheckpoint(SQLModel, table=True):
    """A checkpoint the ledger signed and published: the signed note exactly as served."""

    __tablename__ = "checkpoint"

    size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    root_hash: str = Field(max_length=64)
    note: str = Field(sa_column=Column(Text, nullable=False))
    signed_at: datetime


class StoredCosignature(SQLModel, table=True):
    """A witness's cosignature line on a published checkpoint."""

    __tablename__ = "checkpoint_cosignature"
    __table_args__ = (UniqueConstraint("checkpoint_size", "witness", name="uq_cosignature_witness"),)

    id: int | None = Field(default=None, primary_key=True)
    checkpoint_size: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    witness: str = Field(max_length=200)
    line: str = Field(sa_column=Column(Text, nullable=False))
    cosigned_at: datetime


class SignedReport(SQLModel, table=True):
    """A closed year's annual report in one language as signed once by the facility's key, served ever after."""

    __tablename__ = "signed_report"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    lang: str = Field(primary_key=True, max_length=2)
    pdf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    signed_at: datetime


node_table = MerkleNode.__table__
NODE_INSERT = insert(node_table)


class TreeIncomplete(RuntimeError):
    """Stored nodes the tree needs are missing: the database was changed behind the application."""


def stored_hashes(connection: Connection, nodes: Iterable[NodeId]) -> dict[NodeId, bytes]:
    """The stored hashes of `nodes`, in one query; raises TreeIncomplete when one is missing."""
    wanted = set(nodes)
    if not wanted:
        return {}
    # OR of key equalities, not a row-value IN: SQLite answers each from the primary key
    # instead of scanning the table. Sent as driver SQL: building and compiling an
    # expression for each proof or append would cost more than running it.
    ordered = sorted(wanted)
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    condition = " OR ".join([f"(level = {mark} AND idx = {mark})"] * len(ordered))
    parameters = tuple(value for node in ordered for value in (node.level, node.index))
    rows = connection.exec_driver_sql(f"SELECT level, idx, hash FROM merkle_node WHERE {condition}", parameters)
    found = {NodeId(level, index): bytes(value) for level, index, value in rows}
    missing = sorted(wanted - found.keys())
    if missing:
        listed = ", ".join(f"level {n.level} index {n.index}" for n in missing[:3])
        raise TreeIncomplete(f"the Merkle tree lacks {len(missing)} stored node(s) ({listed}); run `ledger verify`")
    return found


def append_leaf(session: Session, seq: int, payload: str) -> None:
    """Store entry `seq`'s leaf and the subtrees it completes: O(log n) reads in one query."""
    index = seq - 1
    completed = completed_nodes(index)
    connection = session.connection()  # Core, not the ORM: this runs on every append
    lefts = stored_hashes(connection, (left for _parent, left in completed))
    current = leaf_hash(payload.encode("utf-8"))
    rows = [{"level": 0, "idx": index, "hash": current}]
    for parent, left in completed:
        current = node_hash(lefts[left], current)
        rows.append({"level": parent.level, "idx": parent.index, "hash": current})
    connection.execute(NODE_INSERT, rows)
