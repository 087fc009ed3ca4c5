"""Witnesses run in this process, for the demo: two member states' witnesses with their keys
and state under instance/witnesses/, asked through the same protocol as over HTTP."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, load_pem_private_key

from ledger.domain.signed_note import VerifierKey
from ledger.witness.server import Witness, WitnessState

DEMO_WITNESSES = ("witness.deu.example/ledger", "witness.fra.example/ledger")


def local_witnesses(directory: Path, log_key: VerifierKey) -> dict[str, Witness]:
    """URL -> witness for the demo's witnesses, each trusting `log_key`; keys made on first use."""
    directory.mkdir(parents=True, exist_ok=True)
    witnesses = {}
    for name in DEMO_WITNESSES:
        stem = name.split("/")[0]
        key_file = directory / f"{stem}.pem"
        if not key_file.exists():
            key_file.write_bytes(Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
            key_file.chmod(0o600)
        key = load_pem_private_key(key_file.read_bytes(), password=None)
        witnesses[f"local://{stem}"] = Witness(name, key, {log_key.name: log_key}, WitnessState(directory / f"{stem}.json"))
    return witnesses


def local_post(witnesses: dict[str, Witness]):
    """A `post` for request_cosignatures that hands the body to the witness in this process."""
    def post(url: str, body: str) -> tuple[int, str, str]:
        answer = witnesses[url.removesuffix("/add-checkpoint")].handle(body)
        return answer.status, answer.content_type.split(";")[0], answer.body
    return post
