"""Witnesses (c2sp.org/tlog-witness, c2sp.org/tlog-cosignature): servers on 127.0.0.1 cosign
each checkpoint that extends the last they cosigned, refuse a fork, and the ledger publishes
their cosignatures on its checkpoints, on both databases."""

from __future__ import annotations

import base64
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.config import Settings
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.merkle import leaf_hash
from ledger.domain.signed_note import COSIGNATURE_V1, Checkpoint, NoteSigner, VerifierKey, check_cosignature, raw_public_key, split_note
from ledger.services.witnessing import http_post, parse_witnesses, publish_witnessed
from ledger.witness.server import Witness, WitnessState, make_server

ORIGIN = "member-ledger.localhost/journal"
ACTOR = system_actor("test")


@pytest.fixture
def log_signer():
    return NoteSigner(ORIGIN, Ed25519PrivateKey.generate())


def start_witness(name: str, log_key: VerifierKey, state_path):
    witness = Witness(name, Ed25519PrivateKey.generate(), {ORIGIN: log_key}, WitnessState(state_path))
    server = make_server(witness, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return witness, server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def witnesses(log_signer, tmp_path):
    started = [start_witness(f"witness.{code}.example/ledger", log_signer.verifier, tmp_path / f"{code}.json") for code in ("deu", "fra")]
    yield started
    for _witness, server, _url in started:
        server.shutdown()
        server.server_close()


def configured(witnesses) -> tuple:
    return parse_witnesses("; ".join(f"{url} {witness.verifier.text()}" for witness, _server, url in witnesses))


def write_note(engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.commit(actor=ACTOR, kind="test.note", summary="a note")


def test_witnesses_cosign_each_checkpoint_that_extends_the_last(engine, members, log_signer, witnesses):
    """Each witness cosigns the first checkpoint (old size 0), then the next with a consistency
    proof from the size it cosigned; the cosignatures verify with the witnesses' keys."""
    config = configured(witnesses)
    first = publish_witnessed(engine, log_signer, config)
    assert len(first.cosignatures) == 2
    write_note(engine)
    write_note(engine)
    second = publish_witnessed(engine, log_signer, config)
    assert second.size == 7 and len(second.cosignatures) == 2
    text, signatures = split_note(second.cosigned_note)
    for witness, _server, _url in witnesses:
        assert any(check_cosignature(text, signature, witness.verifier) for signature in signatures)
        assert witness.state._read()[ORIGIN].size == 7


def test_a_witness_refuses_a_forked_checkpoint(engine, members, log_signer, witnesses):
    """A checkpoint signed by the log but not extending what the witness cosigned gets 409
    (same size, other root; or an old size it does not hold) or 422 (the proof fails)."""
    config = configured(witnesses)
    publish_witnessed(engine, log_signer, config)  # the witnesses hold size 5
    _witness, _server, url = witnesses[0]
    fork_root = leaf_hash(b"another history")
    same_size = log_signer.sign(Checkpoint(ORIGIN, 5, fork_root).text())
    status, content_type, body = http_post(f"{url}/add-checkpoint", f"old 5\n\n{same_size}")
    assert (status, content_type, body) == (409, "text/x.tlog.size", "5\n")
    status, content_type, body = http_post(f"{url}/add-checkpoint", f"old 3\n\n{same_size}")
    assert (status, body) == (409, "5\n")
    longer = log_signer.sign(Checkpoint(ORIGIN, 8, fork_root).text())
    forged_proof = base64.b64encode(leaf_hash(b"x")).decode()
    status, _type, body = http_post(f"{url}/add-checkpoint", f"old 5\n{forged_proof}\n\n{longer}")
    assert status == 422 and "does not verify" in body
    assert witnesses[0][0].state._read()[ORIGIN].size == 5  # nothing stored


def test_a_witness_refuses_unknown_logs_bad_signatures_and_bad_bodies(log_signer, witnesses):
    """404 for an unknown origin, 403 when no trusted key signed, 400 for a malformed body or an old size beyond it."""
    _witness, _server, url = witnesses[0]
    stranger = NoteSigner("other.example/log", Ed25519PrivateKey.generate())
    assert http_post(f"{url}/add-checkpoint", "old 0\n\n" + stranger.sign(Checkpoint("other.example/log", 1, bytes(32)).text()))[0] == 404
    impostor = NoteSigner(ORIGIN, Ed25519PrivateKey.generate())
    assert http_post(f"{url}/add-checkpoint", "old 0\n\n" + impostor.sign(Checkpoint(ORIGIN, 1, bytes(32)).text()))[0] == 403
    assert http_post(f"{url}/add-checkpoint", "new 0\n\n")[0] == 400
    assert http_post(f"{url}/add-checkpoint", "old 2\n\n" + log_signer.sign(Checkpoint(ORIGIN, 1, bytes(32)).text()))[0] == 400


def test_the_api_publishes_cosignatures_and_says_when_a_checkpoint_is_witnessed(engine, members, witnesses):
    """LEDGER_WITNESSES and LEDGER_WITNESS_QUORUM: /checkpoint carries the cosignature lines,
    /checkpoints says witnessed once the quorum cosigned."""
    from ledger.web import create_app

    witness_list = "; ".join(f"{url} {witness.verifier.text()}" for witness, _server, url in witnesses)
    settings = Settings(database_url=str(engine.url), secret_key="test", env="test", witnesses=witness_list, witness_quorum=2)
    app = create_app(settings, engine=engine)
    # the witnesses trust this app's key: restart them with it
    signer = app.extensions["tlog"].signer
    for witness, _server, _url in witnesses:
        witness.logs[ORIGIN] = signer.verifier
    client = app.test_client()
    note = client.get("/api/v1/checkpoint").get_data(as_text=True)
    assert sum(line.startswith("— witness.") for line in note.splitlines()) == 2
    listed = client.get("/api/v1/checkpoints").get_json()
    assert listed["witness_quorum"] == 2 and listed["checkpoints"][-1]["witnessed"] is True


def test_witness_configuration_is_checked():
    """A malformed LEDGER_WITNESSES entry is refused naming it; a note key (type 0x01) is not a cosignature key."""
    from ledger.config import ConfigurationError

    note_key = NoteSigner("w.example", Ed25519PrivateKey.generate()).verifier.text()
    with pytest.raises(ConfigurationError, match="type 0x04"):
        parse_witnesses(f"http://127.0.0.1:1 {note_key}")
    with pytest.raises(ConfigurationError, match="LEDGER_WITNESSES entry"):
        parse_witnesses("http://127.0.0.1:1 nonsense")
    key = VerifierKey("w.example", raw_public_key(Ed25519PrivateKey.generate()), COSIGNATURE_V1)
    assert parse_witnesses(f"http://127.0.0.1:1/ {key.text()}")[0].url == "http://127.0.0.1:1"


def test_the_demo_checkpoint_is_cosigned_by_two_local_witnesses(engine, members, tmp_path):
    """`ledger demo` ends with a checkpoint cosigned by two member states' witnesses run in
    process through the same protocol; the next one is cosigned from the size they hold."""
    from ledger.cli.tlog import witness_demo_checkpoint
    from ledger.queries.tlog import latest_checkpoint

    settings = Settings(database_url=str(engine.url), secret_key="test", env="test", signing_key_file=tmp_path / "signing.pem")
    witness_demo_checkpoint(engine, settings)
    write_note(engine)
    witness_demo_checkpoint(engine, settings)
    with engine.connect() as connection:
        latest = latest_checkpoint(connection)
    assert latest.size == 6 and len(latest.cosignatures) == 2
    assert (tmp_path / "witnesses" / "witness.deu.example.json").exists()
