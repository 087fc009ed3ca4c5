"""Signed notes, checkpoints and cosignatures against the C2SP specifications and Go's known answers.

The key, text and signature are golang.org/x/mod/sumdb/note's note_test.go example: Ed25519
signatures are deterministic, so reproducing them byte for byte shows the key ID, the
verifier key and the signature line are the standard's, not just self-consistent.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.domain.signed_note import (
    COSIGNATURE_V1,
    Checkpoint,
    NoteError,
    NoteSigner,
    VerifierKey,
    check_cosignature,
    cosign,
    open_checkpoint,
    open_note,
    raw_public_key,
    split_note,
)

GO_PRIVATE_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = GO_TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"


def go_signer() -> NoteSigner:
    seed = base64.b64decode(GO_PRIVATE_KEY.split("+", 4)[-1])[1:]
    return NoteSigner("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed))


def test_go_known_answer_is_reproduced_exactly():
    """Go's note.NewSigner/Sign on its test key gives this verifier key and this note."""
    signer = go_signer()
    assert signer.verifier.text() == GO_VERIFIER_KEY
    assert signer.sign(GO_TEXT) == GO_NOTE
    assert open_note(GO_NOTE, [VerifierKey.parse(GO_VERIFIER_KEY)])[0] == GO_TEXT


def test_an_edited_note_or_a_wrong_key_id_is_refused():
    """A changed text fails; a key whose stated ID does not match it is refused; unknown keys are ignored."""
    key = VerifierKey.parse(GO_VERIFIER_KEY)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(GO_NOTE.replace("cryptography", "cryptographY"), [key])
    with pytest.raises(NoteError, match="does not match"):
        VerifierKey.parse(GO_VERIFIER_KEY.replace("c74f20a3", "c74f20a4"))
    other = NoteSigner("PeterNeumann", Ed25519PrivateKey.generate()).verifier
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_note(GO_NOTE, [other])


def test_checkpoint_text_and_parsing():
    """tlog-checkpoint: origin, decimal size, base64 root, each line ending in a newline."""
    checkpoint = Checkpoint("example.com/log", 20852163, bytes(range(32)))
    assert checkpoint.text() == "example.com/log\n20852163\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    assert Checkpoint.parse(checkpoint.text()) == checkpoint
    for bad in ("example.com/log\n012\nAAAA\n", "example.com/log\n12\n", "example.com/log\n12\nAAAA\n"):
        with pytest.raises(NoteError):
            Checkpoint.parse(bad)
    signer = NoteSigner("example.com/log", Ed25519PrivateKey.generate())
    assert open_checkpoint(signer.sign(checkpoint.text()), [signer.verifier], "example.com/log") == checkpoint
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(signer.sign(checkpoint.text()), [signer.verifier], "another/log")


def test_cosignature_format():
    """tlog-cosignature: key ID with type 0x04, 8-byte big-endian time then 64-byte signature,
    over `cosignature/v1`, the time line and the checkpoint text."""
    private_key = Ed25519PrivateKey.generate()
    witness = VerifierKey("witness.example/w1", raw_public_key(private_key), COSIGNATURE_V1)
    text = Checkpoint("example.com/log", 5, bytes(32)).text()
    signature = cosign(text, "witness.example/w1", private_key, 1679315147)
    assert len(signature.signature) == 72 and signature.signature[:8] == (1679315147).to_bytes(8, "big")
    message = b"cosignature/v1\ntime 1679315147\n" + text.encode()
    assert witness.verify(message, signature.signature[8:])
    assert check_cosignature(text, signature, witness) == 1679315147
    assert check_cosignature(text.replace("5", "6"), signature, witness) is None
    note = text + "\n" + signature.line()
    assert split_note(note)[1] == (signature,)
    assert VerifierKey.parse(witness.text()) == witness
