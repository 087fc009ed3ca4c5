"""The tree's part of `ledger verify`: recompute the Merkle tree from the payloads as the chain
is walked, and compare it with the stored tree, the published checkpoints and, when given,
a signed checkpoint the verifier holds.

A checkpoint held outside the database is what makes a rewrite visible: whoever deletes the
newest entries, or edits one and rehashes the chain after it, can make the chain consistent
again, but not the root at the checkpoint's size, nor its size.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from ledger.db.tlog import TreeIncomplete
from ledger.domain.journal import ChainProblem, PublishedEntry
from ledger.domain.key_chain import KeyChain, KeyRotation, key_chain
from ledger.domain.merkle import EMPTY_ROOT, TreeBuilder, leaf_hash
from ledger.domain.signed_note import Checkpoint, NoteError, VerifierKey, open_checkpoint, split_note
from ledger.queries.tlog import checkpoints, root_at


@dataclass(frozen=True, slots=True)
class HeldCheckpoint:
    """A signed checkpoint kept outside the database, and the key its holder trusts (the
    ledger's own, or one given): opened only once the journal's key rotations are known."""

    note: str
    trusted: VerifierKey

    @property
    def claimed(self) -> Checkpoint:
        """The size and root the note states, signature unchecked; raises NoteError when it is no checkpoint."""
        text, _ = split_note(self.note)
        return Checkpoint.parse(text)


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


def check_held(
    tree: TreeCheck, held: HeldCheckpoint, rotations: Sequence[tuple[int, object]], published: Sequence[str] = (),
) -> list[ChainProblem]:
    """Whether the journal extends `held`, whose signature must be by a key its holder may
    trust by the journal's chain of rotations (ledger.domain.key_chain).

    rotations: (seq, details) of each `keys.rotated` entry, in journal order. published: the
    notes of checkpoints the ledger published; those signed by the trusted key whose root
    the recomputed journal matches attest the rotations they cover.
    """
    problems: list[ChainProblem] = []
    parsed = []
    for seq, details in rotations:
        try:
            parsed.append(KeyRotation.from_details(seq, details))
        except NoteError as error:
            problems.append(ChainProblem(seq, f"{error}; later keys are not trusted"))
            break
    chain = key_chain(parsed, held.trusted)
    if chain.problem:
        problems.append(ChainProblem(*chain.problem))
    attested, out_of_turn = _attested_through(tree, chain, held.trusted, published)
    if out_of_turn:
        # A "rotation" the published checkpoints contradict was appended by someone else:
        # the keys before the trusted one are not taken from it.
        problems.append(out_of_turn)
        attested = 0
    claimed = held.claimed
    accepted = chain.trusted_from(held.trusted, attested)
    _text, signatures = split_note(held.note)
    if not {(s.name, s.key_id) for s in signatures} & {(k.name, k.key_id) for k in accepted}:
        return [*problems, ChainProblem(claimed.size, chain.why_refused(held.note, held.trusted, attested))]
    try:
        checkpoint = open_checkpoint(held.note, accepted)
    except NoteError as error:
        return [*problems, ChainProblem(claimed.size, f"the signed checkpoint: {error}")]
    problem = compare(tree, checkpoint, "signed checkpoint")
    return [*problems, *([problem] if problem else [])]


def _attested_through(
    tree: TreeCheck, chain: KeyChain, trusted: VerifierKey, published: Sequence[str],
) -> tuple[int, ChainProblem | None]:
    """How far the published checkpoints signed by `trusted` that the recomputed journal
    matches reach, and the first published checkpoint signed out of turn, if any.

    A checkpoint is signed by the key in use at its size or, until the ledger restarts
    with the new key, an earlier one; never by a key the journal hands over to only after
    it. One that is shows the rotations are not the ones this log's keys made.
    """
    attested = 0
    for note in published:
        for position, key in enumerate(chain.keys):
            try:
                checkpoint = open_checkpoint(note, [key])
            except NoteError:
                continue
            in_use = bisect_right(chain.handed_over, checkpoint.size)  # hand-overs within its tree
            if position > in_use:
                handed = chain.handed_over[position - 1]
                return 0, ChainProblem(handed, (
                    f"published checkpoint {checkpoint.size} is signed by {key.name} ({key.key_id.hex()}), which the key "
                    f"rotation at entry {handed} says signs only from then on: that rotation is not this log's own"
                ))
            if key == trusted and checkpoint.size <= tree.builder.size and tree.root_of(checkpoint.size) == checkpoint.root:
                attested = max(attested, checkpoint.size)
            break
    return attested, None
