"""The ledger's signing key: generated once, kept as a PEM file, never in the database.

LEDGER_SIGNING_KEY_FILE names a PKCS#8 PEM Ed25519 key. In development the key is created
under instance/ on first use; production refuses to start without the file; settings made
in code without a file (tests) sign with a key made for the process.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, load_pem_private_key

from ledger.config import ConfigurationError, Settings
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor
from ledger.domain.errors import ValidationFailed
from ledger.domain.key_chain import ROTATION_KIND, rotation_statement
from ledger.domain.signed_note import NoteSigner


def generate_key_file(path: Path) -> Ed25519PrivateKey:
    """Write a new Ed25519 key to `path` (mode 0600), refusing to overwrite one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigurationError(f"{path} already exists; a key is never overwritten: rotate to a new file instead") from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return key


def load_key_file(path: Path) -> Ed25519PrivateKey:
    """Read an Ed25519 key from a PEM file, saying what is wrong when it is not one."""
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise ConfigurationError(f"signing key file {path} does not exist; create one with `ledger keys generate {path}`") from None
    except (ValueError, TypeError) as error:
        raise ConfigurationError(f"{path} is not an unencrypted PEM private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} holds a {type(key).__name__}; the ledger signs with Ed25519 keys only")
    return key


def log_signer(settings: Settings) -> NoteSigner:
    """The signer of checkpoints: the configured key under the ledger's origin name."""
    path = settings.signing_key_file
    if path is None:
        if settings.production:
            raise ConfigurationError("LEDGER_SIGNING_KEY_FILE is required when LEDGER_ENV=production")
        return NoteSigner(settings.log_origin, Ed25519PrivateKey.generate())
    if not path.exists() and not settings.production:
        return NoteSigner(settings.log_origin, generate_key_file(path))
    return NoteSigner(settings.log_origin, load_key_file(path))


def rotate_signing_key(old: NoteSigner, new_key: Ed25519PrivateKey, *, actor: Actor, uow: UnitOfWork) -> NoteSigner:
    """Journal the hand-over from `old` to `new_key`: an entry carrying both verifier keys and
    the statement naming the new key, signed by the old one, so whoever trusts the old key can
    trust the new one without asking the facility (as Go's checksum database clients would)."""
    new = NoteSigner(old.name, new_key)
    if new.verifier == old.verifier:
        raise ValidationFailed.single("key", "the new key is the key in use; generate a new one")
    statement = old.sign(rotation_statement(old.name, new.verifier))
    with uow:
        uow.reserve()
        uow.record_bulk(details=(("old_key", old.verifier.text()), ("new_key", new.verifier.text()), ("statement", statement)))
        uow.commit(actor=actor, kind=ROTATION_KIND, summary=f"Checkpoint signing key {old.verifier.key_id.hex()} rotated to {new.verifier.key_id.hex()}")
    return new
