"""The journal's Merkle tree (RFC 9162 §2.1): hashes, stored subtrees, inclusion and consistency proofs.

Leaves are the UTF-8 bytes of each entry's published payload in `seq` order; leaf `seq`
has index `seq - 1`. A leaf hashes as SHA-256(0x00 ‖ data), an interior node as
SHA-256(0x01 ‖ left ‖ right), and the tree of n leaves splits at the largest power of two
below n (RFC 9162 §2.1.1).

Only complete, aligned subtrees are stored, as Go's checksum database does
(golang.org/x/mod/sumdb/tlog): node (level, index) is the hash of leaves
[index·2^level, (index+1)·2^level). Appending a leaf completes at most log2(n) nodes, and
every root or proof is assembled from O(log n) of them, so neither appending nor proving
ever reads the journal. The functions here say which nodes a task needs and combine them;
reading and writing them is the database layer's business.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

_sha256 = hashlib.sha256
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 §2.1.1: the hash of an empty list


@dataclass(frozen=True, slots=True, order=True)
class NodeId:
    """A complete subtree: leaves [index·2^level, (index+1)·2^level)."""

    level: int
    index: int


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: MTH({d}) = SHA-256(0x00 ‖ d)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: an interior node, SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n ≥ 2): where RFC 9162 splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> tuple[NodeId, ...]:
    """The stored subtrees whose hashes make MTH(D[start:end]), largest first.

    Holds for the ranges the RFC's recursion produces: `start` is a multiple of a power of
    two at least `end - start`, so the range is complete subtrees of decreasing size.
    """
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        nodes.append(NodeId(level, start >> level))
        start += 1 << level
    return tuple(nodes)


def combine(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from the hashes of its subtrees, largest first (each split keeps the
    largest complete subtree on the left, so the hash folds from the right)."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def completed_nodes(index: int) -> tuple[tuple[NodeId, NodeId], ...]:
    """The interior nodes that appending leaf `index` completes, lowest first, each with its
    left child (the right child is the node completed just before, or the leaf)."""
    completed = []
    level = 0
    while index & 1:
        completed.append((NodeId(level + 1, index >> 1), NodeId(level, index - 1)))
        index >>= 1
        level += 1
    return tuple(completed)


def root_nodes(size: int) -> tuple[NodeId, ...]:
    """The stored subtrees that make the root of the first `size` leaves."""
    return range_nodes(0, size)


def inclusion_ranges(index: int, size: int) -> tuple[tuple[int, int], ...]:
    """The leaf ranges whose hashes form PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), bottom first."""
    ranges = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return tuple(reversed(ranges))


def consistency_ranges(old: int, new: int) -> tuple[tuple[int, int], ...]:
    """The leaf ranges whose hashes form PROOF(old, D[0:new]) (RFC 9162 §2.1.4.1), bottom first.

    Empty when old is 0 or equals new.
    """
    if old == 0 or old == new:
        return ()
    ranges = []
    start, end, whole = 0, new, True
    while end != old:
        k = _split(end - start)
        if old - start <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            whole = False
    if not whole:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        ranges.append((start, end))
    return tuple(reversed(ranges))


def proof_nodes(ranges: Sequence[tuple[int, int]]) -> tuple[NodeId, ...]:
    """Every stored node the proof of these ranges reads."""
    return tuple(node for start, end in ranges for node in range_nodes(start, end))


def hash_ranges(ranges: Sequence[tuple[int, int]], stored: Mapping[NodeId, bytes]) -> list[bytes]:
    """The hash of each range, from the stored nodes read for them."""
    return [combine([stored[node] for node in range_nodes(start, end)]) for start, end in ranges]


def check_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: whether `proof` shows leaf hash `leaf` at `index` in the tree of `size` with `root`."""
    if not 0 <= index < size or any(len(h) != HASH_SIZE for h in proof):
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def check_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: whether `proof` shows the tree of `old` leaves with `old_root` is a
    prefix of the tree of `new` leaves with `new_root`. Size 0 is a prefix of anything."""
    if not 0 <= old <= new or any(len(h) != HASH_SIZE for h in proof):
        return False
    if old == 0:
        return not proof
    if old == new:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # old is a power of two: its root is the first node
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class TreeBuilder:
    """Builds the tree leaf by leaf in O(log n) memory, as `ledger verify` streams the journal.

    `append` returns the nodes the leaf completes (the leaf first), so a caller can compare
    them with what is stored or store them in bulk; `root()` is the root of what was appended.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []  # hashes of the complete subtrees of root_nodes(size)

    def append(self, leaf: bytes, on_node: Callable[[NodeId, bytes], None] | None = None) -> None:
        # `ledger verify` calls this once per entry: node_hash is inlined, as is the stack.
        stack, index = self._stack, self.size
        self.size = index + 1
        if on_node:
            on_node(NodeId(0, index), leaf)
        level = 0
        while index & 1:
            leaf = _sha256(b"\x01" + stack.pop() + leaf).digest()
            index >>= 1
            level += 1
            if on_node:
                on_node(NodeId(level, index), leaf)
        stack.append(leaf)

    def root(self) -> bytes:
        return combine(self._stack) if self._stack else EMPTY_ROOT
