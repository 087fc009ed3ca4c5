"""The tree's part of `ledger verify`: recompute the Merkle tree from the payloads as the chain
is walked, and compare it with the stored tree, the published checkpoints and, when given,
a signed checkpoint the verifier holds.

A checkpoint held outside the database is what makes a rewrite visible: whoever deletes the
newest entries, or edits one and rehashes the chain after it, can make the chain consistent
again, but not the root at the checkpoint's size, nor its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import Connection

from ledger.db.tlog import TreeIncomplete
from ledger.domain.journal import ChainProblem, PublishedEntry
from ledger.domain.merkle import EMPTY_ROOT, TreeBuilder, leaf_hash
from ledger.domain.signed_note import Checkpoint
from ledger.queries.tlog import checkpoints, root_at


class TreeCheck:
    """Recomputes the tree leaf by leaf (O(log n) memory), keeping the roots at the sizes to compare."""

    def __init__(self, sizes: Iterable[int] = ()) -> None:
        self.builder = TreeBuilder()
        self._wanted = set(sizes)
        self.roots: dict[int, bytes] = {}

    def add(self, data: bytes) -> None:
        """Append the leaf of a payload given as its UTF-8 bytes."""
        builder = self.builder
        builder.append(leaf_hash(data))
        if self._wanted and builder.size in self._wanted:
            self.roots[builder.size] = builder.root()

    def feed(self, entries: Iterable[PublishedEntry]) -> Iterator[PublishedEntry]:
        """Pass exported entries through, adding each one's leaf."""
        for entry in entries:
            self.add(entry.payload.encode("utf-8"))
            yield entry

    def root_of(self, size: int) -> bytes | None:
        if size == 0:
            return EMPTY_ROOT
        return self.builder.root() if size == self.builder.size else self.roots.get(size)


def published_sizes(connection: Connection) -> dict[int, str]:
    """Size -> root hash (hex) of every checkpoint the ledger published."""
    return {checkpoint.size: checkpoint.root_hash for checkpoint in checkpoints(connection)}


def check_stored_tree(connection: Connection, tree: TreeCheck, published: dict[int, str]) -> list[ChainProblem]:
    """The stored tree's root at the head and every published checkpoint against the recomputed tree."""
    size = tree.builder.size
    problems = []
    try:
        stored = root_at(connection, size)
    except TreeIncomplete as error:
        problems.append(ChainProblem(size, str(error)))
    else:
        if stored != tree.builder.root():
            problems.append(ChainProblem(
                size, f"the stored Merkle tree's root {stored.hex()} differs from the root {tree.builder.root().hex()} "
                "recomputed from the payloads: a tree node or a payload was changed",
            ))
    for checkpoint_size, root_hash in sorted(published.items()):
        problem = compare(tree, Checkpoint("", checkpoint_size, bytes.fromhex(root_hash)), "published checkpoint")
        if problem:
            problems.append(problem)
    return problems


def compare(tree: TreeCheck, checkpoint: Checkpoint, what: str) -> ChainProblem | None:
    """Whether the recomputed journal extends `checkpoint`: as long, and the same root at its size."""
    size = tree.builder.size
    if checkpoint.size > size:
        return ChainProblem(
            size + 1,
            f"the {what} covers {checkpoint.size} entries but the journal has {size}: "
            f"entries {size + 1} to {checkpoint.size} were removed (the journal was rolled back or truncated)",
        )
    root = tree.root_of(checkpoint.size)
    if root != checkpoint.root:
        return ChainProblem(
            checkpoint.size,
            f"at size {checkpoint.size} the journal's Merkle root is {root.hex() if root else 'unknown'} but the {what} "
            f"says {checkpoint.root.hex()}: entries up to {checkpoint.size} differ from what was signed (edited or forked)",
        )
    return None
