"""The journal's Merkle tree against RFC 9162 §2.1 and the Certificate Transparency reference vectors.

The vectors (leaves, roots of sizes 1 to 8, and proofs) are the ones Certificate
Transparency's and transparency-dev/merkle's tests use: an independent implementation's
answers, so a tree that agrees with itself but not with the standard fails here.
"""

from __future__ import annotations

import pytest

from ledger.domain.merkle import (
    EMPTY_ROOT,
    TreeBuilder,
    check_consistency,
    check_inclusion,
    completed_nodes,
    consistency_ranges,
    hash_ranges,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    proof_nodes,
    root_nodes,
)

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
)]
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
INCLUSION = {
    (0, 8): ("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    (5, 8): ("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
}
CONSISTENCY = {
    (2, 8): ("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    (6, 8): ("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    (2, 5): ("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
}


def stored_tree(leaves: list[bytes]) -> dict:
    """Every complete subtree of the tree, as the database stores it, built by TreeBuilder."""
    stored = {}
    builder = TreeBuilder()
    for data in leaves:
        builder.append(leaf_hash(data), stored.__setitem__)
    return stored


def root(stored: dict, size: int) -> bytes:
    return hash_ranges([(0, size)], stored)[0] if size else EMPTY_ROOT


def test_roots_match_certificate_transparency():
    """RFC 9162 §2.1.1 MTH, checked against CT's roots for sizes 1..8 (and the empty tree)."""
    stored = stored_tree(LEAVES)
    assert root(stored, 0) == EMPTY_ROOT == bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    builder = TreeBuilder()
    for size, data in enumerate(LEAVES, start=1):
        builder.append(leaf_hash(data))
        assert root(stored, size) == ROOTS[size - 1] == builder.root()


def test_completed_nodes_are_the_ones_the_builder_completes():
    """Appending leaf i stores the leaf and the nodes it completes (Go sumdb/tlog's stored hashes)."""
    for index in range(40):
        completed = []
        builder = TreeBuilder()
        for _ in range(index):
            builder.append(b"\x00" * 32)
        builder.append(b"\x01" * 32, lambda node, _hash: completed.append(node))
        assert [parent for parent, _left in completed_nodes(index)] == completed[1:]
        assert len(root_nodes(index + 1)) == bin(index + 1).count("1")


@pytest.mark.parametrize(("index", "size"), sorted(INCLUSION))
def test_inclusion_proofs_match_certificate_transparency(index, size):
    """RFC 9162 §2.1.3: the audit path CT computes, and it verifies."""
    stored = stored_tree(LEAVES)
    proof = hash_ranges(inclusion_ranges(index, size), stored)
    assert [h.hex() for h in proof] == list(INCLUSION[index, size])
    assert check_inclusion(index, size, leaf_hash(LEAVES[index]), proof, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new"), sorted(CONSISTENCY))
def test_consistency_proofs_match_certificate_transparency(old, new):
    """RFC 9162 §2.1.4: the consistency proof CT computes, and it verifies."""
    stored = stored_tree(LEAVES)
    proof = hash_ranges(consistency_ranges(old, new), stored)
    assert [h.hex() for h in proof] == list(CONSISTENCY[old, new])
    assert check_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)


def test_every_proof_of_every_size_verifies_and_tampering_fails():
    """All inclusion and consistency proofs up to 40 leaves verify; a flipped hash, a wrong
    index or size, or a dropped hash does not."""
    leaves = [bytes([i, i * 7 % 256]) for i in range(40)]
    stored = stored_tree(leaves)
    roots = [root(stored, n) for n in range(41)]
    for size in range(1, 41):
        for index in range(size):
            proof = hash_ranges(inclusion_ranges(index, size), stored)
            leaf = leaf_hash(leaves[index])
            assert check_inclusion(index, size, leaf, proof, roots[size])
            assert not check_inclusion(index, size, leaf_hash(b"forged"), proof, roots[size])
            if proof:
                assert not check_inclusion(index, size, leaf, proof[:-1], roots[size])
                assert not check_inclusion(index, size, leaf, [bytes(32)] + proof[1:], roots[size])
            if size > 1:
                assert not check_inclusion((index + 1) % size, size, leaf, proof, roots[size])
        for old in range(0, size + 1):
            proof = hash_ranges(consistency_ranges(old, size), stored)
            assert check_consistency(old, size, roots[old], roots[size], proof)
            if 0 < old < size:
                assert not check_consistency(old, size, roots[old], roots[size], proof[:-1])
                assert not check_consistency(old, size, roots[old], node_hash(roots[size], roots[size]), proof)
                assert not check_consistency(old, size, leaf_hash(b"fork"), roots[size], proof)
    assert len(proof_nodes(inclusion_ranges(0, 1_000_000))) <= 2 * 20
