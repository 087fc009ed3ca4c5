"""Signed notes, checkpoints and cosignatures: the C2SP formats, with Ed25519 keys.

- Signed note (c2sp.org/signed-note; Go's golang.org/x/mod/sumdb/note): a UTF-8 text ending
  in a newline, a blank line, then signature lines `— <key name> <base64(key ID ‖ signature)>`.
  An Ed25519 signature is over the text; its key ID is the first 4 bytes of
  SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key). A verifier key is written
  `<name>+<8 hex digits of key ID>+<base64(0x01 ‖ public key)>`.
- Checkpoint (c2sp.org/tlog-checkpoint): the note text is the origin line, the tree size in
  decimal and the base64 root hash, each ending in a newline.
- Cosignature (c2sp.org/tlog-cosignature, Ed25519): a note signature whose key ID takes the
  type byte 0x04 and whose signature is an 8-byte big-endian POSIX time followed by an
  Ed25519 signature over `cosignature/v1\\ntime <time>\\n` and the checkpoint's note text.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
SIGNATURE_PREFIX = "— "  # U+2014 EM DASH and a space


class NoteError(ValueError):
    """A note, key or checkpoint that does not parse or does not verify; the message says which part."""


def key_id(name: str, algorithm: int, public_key: bytes) -> bytes:
    """The 4-byte key ID: SHA-256(name ‖ 0x0A ‖ algorithm ‖ public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([algorithm]) + public_key).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"key name {name!r}: give a non-empty name without spaces or '+'")


def raw_public_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """Who may sign: a name, the signature type (0x01 note, 0x04 cosignature) and an Ed25519 public key."""

    name: str
    public_key: bytes
    algorithm: int = ED25519

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.algorithm, self.public_key)

    def text(self) -> str:
        """`<name>+<hex key ID>+<base64(type ‖ public key)>`, as Go's note.NewVerifier reads it."""
        encoded = base64.b64encode(bytes([self.algorithm]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> "VerifierKey":
        """Read a verifier key, refusing a key ID that does not match the key."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("verifier key: expected <name>+<8 hex digits>+<base64 key>")
        name, hex_id, encoded = parts
        _check_name(name)
        try:
            raw = base64.b64decode(encoded, validate=True)
            stated_id = bytes.fromhex(hex_id)
        except (binascii.Error, ValueError):
            raise NoteError("verifier key: the key ID must be 8 hex digits and the key base64") from None
        if len(stated_id) != 4 or len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
            raise NoteError("verifier key: expected a 4-byte key ID and an Ed25519 key (type 0x01 or 0x04, 32 bytes)")
        key = cls(name, raw[1:], raw[0])
        if key.key_id != stated_id:
            raise NoteError(f"verifier key: key ID {hex_id} does not match the name and key (expected {key.key_id.hex()})")
        return key

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: the key name, key ID and signature bytes it carries."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(self.key_id + self.signature).decode('ascii')}\n"


@dataclass(frozen=True, slots=True)
class NoteSigner:
    """A named Ed25519 private key that signs notes."""

    name: str
    private_key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        _check_name(self.name)

    @property
    def verifier(self) -> VerifierKey:
        return VerifierKey(self.name, raw_public_key(self.private_key))

    def signature(self, text: str) -> NoteSignature:
        check_text(text)
        return NoteSignature(self.name, self.verifier.key_id, self.private_key.sign(text.encode("utf-8")))

    def sign(self, text: str) -> str:
        """The signed note: the text, a blank line and this key's signature line."""
        return text + "\n" + self.signature(text).line()


def check_text(text: str) -> None:
    """A note text is non-empty, ends in a newline and holds no control characters but newlines."""
    if not text.endswith("\n") or any((ord(c) < 0x20 and c != "\n") or c == "\x7f" for c in text):
        raise NoteError("note text: it must end in a newline and hold no control characters other than newlines")


def split_note(note: str) -> tuple[str, tuple[NoteSignature, ...]]:
    """The text and the signature lines of a signed note (nothing verified yet)."""
    text, separator, signatures = note.rpartition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise NoteError("note: expected the text, a blank line and signature lines each ending in a newline")
    text += "\n"
    check_text(text)
    parsed = []
    for line in signatures[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"note: signature line {line[:40]!r} does not start with '— '")
        name, _, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError(f"note: the signature of {name!r} is not base64") from None
        if not name or len(raw) < 5:
            raise NoteError("note: a signature line needs a key name and a key ID with a signature")
        parsed.append(NoteSignature(name, raw[:4], raw[4:]))
    return text, tuple(parsed)


def open_note(note: str, verifiers: Iterable[VerifierKey]) -> tuple[str, tuple[VerifierKey, ...]]:
    """The note's text and the known keys whose signatures verify; raises NoteError when none does.

    Signatures from unknown keys are ignored, as the signed-note specification asks.
    """
    text, signatures = split_note(note)
    known = {(key.name, key.key_id): key for key in verifiers if key.algorithm == ED25519}
    verified = []
    for signature in signatures:
        key = known.get((signature.name, signature.key_id))
        if key is None:
            continue
        if not key.verify(text.encode("utf-8"), signature.signature):
            raise NoteError(f"note: the signature of {signature.name} ({signature.key_id.hex()}) does not verify: the text or the signature was changed")
        verified.append(key)
    if not verified:
        names = ", ".join(f"{key.name} ({key.key_id.hex()})" for key in known.values()) or "none"
        raise NoteError(f"note: no signature by a known key (known: {names})")
    return text, tuple(verified)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head as a checkpoint states it (c2sp.org/tlog-checkpoint)."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode('ascii')}\n"

    @classmethod
    def parse(cls, text: str) -> "Checkpoint":
        """Read a checkpoint's note text: origin, decimal size (no leading zeros), base64 root of 32 bytes."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("checkpoint: expected three lines, origin, tree size and root hash, each ending in a newline")
        origin, size_text, root_text = lines[:3]
        if not origin:
            raise NoteError("checkpoint: the origin line is empty")
        if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise NoteError(f"checkpoint: tree size {size_text!r} is not a decimal number without leading zeros")
        try:
            root = base64.b64decode(root_text, validate=True)
        except binascii.Error:
            root = b""
        if len(root) != 32:
            raise NoteError("checkpoint: the root hash line is not the base64 of 32 bytes")
        return cls(origin, int(size_text), root)


def open_checkpoint(note: str, verifiers: Iterable[VerifierKey], origin: str | None = None) -> Checkpoint:
    """The checkpoint a signed note states, once a known key's signature verifies on it."""
    text, _ = open_note(note, verifiers)
    checkpoint = Checkpoint.parse(text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"checkpoint: origin is {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """What an Ed25519 cosignature signs (tlog-cosignature): the header, the time and the note text."""
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode("utf-8")


def cosign(checkpoint_text: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> NoteSignature:
    """A witness's cosignature on a checkpoint at POSIX time `timestamp`."""
    _check_name(name)
    kid = key_id(name, COSIGNATURE_V1, raw_public_key(private_key))
    signature = private_key.sign(cosigned_message(checkpoint_text, timestamp))
    return NoteSignature(name, kid, struct.pack(">Q", timestamp) + signature)


def check_cosignature(checkpoint_text: str, signature: NoteSignature, witness: VerifierKey) -> int | None:
    """The time of `signature` when it is `witness`'s valid cosignature on the checkpoint, else None."""
    if (signature.name, signature.key_id) != (witness.name, witness.key_id) or len(signature.signature) != 72:
        return None
    (timestamp,) = struct.unpack(">Q", signature.signature[:8])
    if timestamp >= 1 << 63:
        return None
    return timestamp if witness.verify(cosigned_message(checkpoint_text, timestamp), signature.signature[8:]) else None
