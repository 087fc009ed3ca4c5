"""`ledger verify --checkpoint`: a journal rewritten behind the application fails against a
checkpoint held outside the database, on both databases and offline from the export.

The attacks are the ones issue 12 found passing `ledger verify`: deleting the newest entries
with their rows, and editing an entry and its row and rehashing the chain from it. Here the
attacker also rebuilds the stored tree and drops the checkpoints table, so only the
checkpoint an outsider kept (RFC 9162 §2.1 root, c2sp.org/tlog-checkpoint) can tell.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from ledger.cli import main as cli
from ledger.config import Settings
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.journal import GENESIS_HASH, link_hash
from ledger.domain.merkle import TreeBuilder, leaf_hash
from ledger.services.checkpoints import publish_checkpoint
from ledger.services.keys import generate_key_file, log_signer
from ledger.services.verification import verify_ledger

ACTOR = system_actor("test")


@pytest.fixture
def signer(tmp_path, monkeypatch, engine):
    key_file = tmp_path / "signing.pem"
    generate_key_file(key_file)
    monkeypatch.setenv("LEDGER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("LEDGER_SIGNING_KEY_FILE", str(key_file))
    return log_signer(Settings.from_env())


def write_notes(engine, count: int) -> None:
    for number in range(count):
        with UnitOfWork(engine) as uow:
            uow.commit(actor=ACTOR, kind="test.note", summary=f"note {number}")


def hold_checkpoint(engine, signer, path):
    """What an outsider keeps: the signed checkpoint as served."""
    path.write_text(publish_checkpoint(engine, signer).note, encoding="utf-8")
    return path


def cover_tracks(engine) -> None:
    """What a careful attacker does after rewriting the journal: rechain every entry, rebuild
    the stored tree from the payloads and drop the published checkpoints."""
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT seq, payload FROM journal_entry ORDER BY seq")).all()
        previous = GENESIS_HASH
        connection.execute(text("UPDATE journal_entry SET hash = 'x' || CAST(seq AS TEXT), prev_hash = 'p' || CAST(seq AS TEXT)"))
        builder, nodes = TreeBuilder(), []
        for seq, payload in rows:
            entry_hash = link_hash(previous, payload)
            connection.execute(text("UPDATE journal_entry SET prev_hash = :p, hash = :h WHERE seq = :s"), {"p": previous, "h": entry_hash, "s": seq})
            previous = entry_hash
            builder.append(leaf_hash(payload.encode()), lambda node, value: nodes.append({"l": node.level, "i": node.index, "h": value}))
        connection.execute(text("DELETE FROM merkle_node"))
        if nodes:
            connection.execute(text("INSERT INTO merkle_node (level, idx, hash) VALUES (:l, :i, :h)"), nodes)
        connection.execute(text("DELETE FROM checkpoint"))


def delete_newest(engine, count: int) -> None:
    with engine.begin() as connection:
        head = connection.execute(text("SELECT max(seq) FROM journal_entry")).scalar()
        connection.execute(text("DELETE FROM journal_entry WHERE seq > :s"), {"s": head - count})


def verify(*args):
    return CliRunner().invoke(cli, ["verify", *args])


def test_an_intact_journal_extends_its_checkpoint(engine, members, signer, tmp_path):
    """The journal at and after a checkpoint passes, also after more writes."""
    held = hold_checkpoint(engine, signer, tmp_path / "checkpoint.txt")
    write_notes(engine, 3)
    result = verify("--checkpoint", str(held))
    assert result.exit_code == 0, result.output
    assert "extends the signed checkpoint of 5 entries" in result.output


@pytest.mark.parametrize("deleted", [1, 3])
def test_deleting_the_newest_entries_fails_against_the_checkpoint(engine, members, signer, tmp_path, deleted):
    """Deleted newest entries (with their notes, the tree rebuilt, checkpoints dropped) pass
    plain verify but fail against a checkpoint that covered them, naming the sizes."""
    write_notes(engine, 3)
    held = hold_checkpoint(engine, signer, tmp_path / "checkpoint.txt")
    delete_newest(engine, deleted)
    cover_tracks(engine)
    assert verify_ledger(engine).ok
    result = verify("--checkpoint", str(held))
    assert result.exit_code == 1
    assert f"covers 8 entries but the journal has {8 - deleted}" in result.output
    assert "rolled back or truncated" in result.output


def test_an_edited_and_rechained_entry_fails_against_the_checkpoint(engine, members, signer, tmp_path):
    """An entry and its row edited, the chain rehashed from it and the tree rebuilt: plain
    verify passes, the held checkpoint's root does not match at its size."""
    held = hold_checkpoint(engine, signer, tmp_path / "checkpoint.txt")
    with engine.begin() as connection:
        payload = json.loads(connection.execute(text("SELECT payload FROM journal_entry WHERE seq = 2")).scalar())
        payload["rows"][0]["values"]["name"] = "Forged"
        edited = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        connection.execute(text("UPDATE journal_entry SET payload = :p WHERE seq = 2"), {"p": edited})
        connection.execute(text("UPDATE member SET name = 'Forged' WHERE journal_seq = 2"))
    cover_tracks(engine)
    assert verify_ledger(engine).ok
    result = verify("--checkpoint", str(held))
    assert result.exit_code == 1
    assert "at size 5 the journal's Merkle root is" in result.output and "edited or forked" in result.output


def test_a_database_restored_from_before_a_later_checkpoint_fails(engine, members, signer, tmp_path):
    """Restoring an older backup after a checkpoint was taken is a rollback the checkpoint shows."""
    write_notes(engine, 2)
    held = hold_checkpoint(engine, signer, tmp_path / "checkpoint.txt")
    delete_newest(engine, 2)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM merkle_node WHERE level > 0 OR idx >= 5"))
        connection.execute(text("DELETE FROM checkpoint"))
    cover_tracks(engine)
    result = verify("--checkpoint", str(held))
    assert result.exit_code == 1 and "covers 7 entries but the journal has 5" in result.output


def test_a_forged_or_foreign_checkpoint_is_refused(engine, members, signer, tmp_path):
    """The checkpoint's signature must verify with the ledger's key (or the one given)."""
    held = hold_checkpoint(engine, signer, tmp_path / "checkpoint.txt")
    forged = tmp_path / "forged.txt"
    forged.write_text(held.read_text().replace("\n5\n", "\n4\n", 1))
    result = verify("--checkpoint", str(forged))
    assert result.exit_code == 1 and "does not verify" in result.output
    other = tmp_path / "other.pem"
    generate_key_file(other)
    result = verify("--checkpoint", str(held), "--key", "someone+00000000+AQ" + "A" * 42 + "=")
    assert result.exit_code == 1 and "verifier key" in result.output
    result = verify("--checkpoint", str(held), "--key", signer.verifier.text())
    assert result.exit_code == 0, result.output


def test_the_export_verifies_offline_against_the_checkpoint(engine, members, signer, tmp_path, client):
    """`ledger verify --export FILE --checkpoint FILE`: the downloaded journal's root at the
    checkpoint's size matches; an export missing the newest entry does not."""
    held = hold_checkpoint(engine, signer, tmp_path / "checkpoint.txt")
    export = client.get("/api/v1/journal").get_json()
    full = tmp_path / "journal.json"
    full.write_text(json.dumps(export))
    key = ["--key", signer.verifier.text()]
    result = verify("--export", str(full), "--checkpoint", str(held), *key)
    assert result.exit_code == 0, result.output
    short = tmp_path / "short.json"
    short.write_text(json.dumps({"entries": export["entries"][:-1]}))
    result = verify("--export", str(short), "--checkpoint", str(held), *key)
    assert result.exit_code == 1 and "covers 5 entries but the journal has 4" in result.output


def test_plain_verify_reports_a_changed_tree_node_and_a_rewritten_published_checkpoint(engine, members, signer):
    """The stored tree and the published checkpoints are recomputed by every `ledger verify`."""
    publish_checkpoint(engine, signer)
    with engine.begin() as connection:
        connection.execute(text("UPDATE checkpoint SET root_hash = :h"), {"h": "ab" * 32})
    problems = [str(p) for p in verify_ledger(engine).problems]
    assert any("published checkpoint says abab" in p for p in problems), problems
    with engine.begin() as connection:
        connection.execute(text("UPDATE merkle_node SET hash = :h WHERE level = 2"), {"h": b"\x00" * 32})
    problems = [str(p) for p in verify_ledger(engine).problems]
    assert any("stored Merkle tree's root" in p for p in problems), problems


def test_a_key_rotation_is_a_journal_entry_signed_by_the_old_key_naming_the_new(engine, members, signer, tmp_path):
    """Issue 12 item 6: `ledger keys rotate` journals the hand-over; the old key's signature on
    the statement verifies and names the new key; later checkpoints verify with the new key."""
    from ledger.domain.signed_note import open_note

    result = CliRunner().invoke(cli, ["keys", "rotate", str(tmp_path / "new.pem")])
    assert result.exit_code == 0, result.output
    with engine.connect() as connection:
        kind, payload = connection.execute(text("SELECT kind, payload FROM journal_entry ORDER BY seq DESC LIMIT 1")).one()
    details = json.loads(payload)["details"]
    assert kind == "keys.rotated" and details["old_key"] == signer.verifier.text()
    statement, _ = open_note(details["statement"], [signer.verifier])
    assert statement.splitlines()[2] == details["new_key"] != details["old_key"]
    rotated = log_signer(dataclasses.replace(Settings.from_env(), signing_key_file=tmp_path / "new.pem"))
    held = hold_checkpoint(engine, rotated, tmp_path / "checkpoint.txt")
    assert verify("--checkpoint", str(held), "--key", details["new_key"]).exit_code == 0
    # Whoever trusts the old key follows its signed hand-over to the new one.
    forward = verify("--checkpoint", str(held), "--key", details["old_key"])
    assert forward.exit_code == 0, forward.output


def rotate(tmp_path, monkeypatch, name: str):
    """`ledger keys rotate` to a new key file, and the settings pointed at it (as README says to do)."""
    result = CliRunner().invoke(cli, ["keys", "rotate", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("LEDGER_SIGNING_KEY_FILE", str(tmp_path / name))
    return log_signer(Settings.from_env())


def test_a_checkpoint_by_an_earlier_key_verifies_through_the_journaled_rotations(engine, members, signer, tmp_path, monkeypatch):
    """Issue 12 item 6 ("a key rotation is a journal entry signed by the old key that names the
    new one"): after two rotations, `ledger verify --checkpoint` with the ledger's current key
    accepts a checkpoint the first key signed, once a checkpoint signed by the current key
    covers the rotations; before that it refuses, saying why."""
    held = hold_checkpoint(engine, signer, tmp_path / "first.txt")
    second = rotate(tmp_path, monkeypatch, "second.pem")
    write_notes(engine, 1)
    publish_checkpoint(engine, second)
    third = rotate(tmp_path, monkeypatch, "third.pem")
    refused = verify("--checkpoint", str(held))
    assert refused.exit_code == 1
    assert f"signed by {signer.verifier.name} ({signer.verifier.key_id.hex()}), an earlier key" in refused.output
    assert "not yet covered by a checkpoint signed by it" in refused.output
    publish_checkpoint(engine, third)
    accepted = verify("--checkpoint", str(held))
    assert accepted.exit_code == 0, accepted.output
    assert "extends the signed checkpoint of 5 entries" in accepted.output
    later = hold_checkpoint(engine, third, tmp_path / "third.txt")
    assert verify("--checkpoint", str(later), "--key", signer.verifier.text()).exit_code == 0  # forward, two hand-overs


def test_a_checkpoint_by_a_key_never_in_the_chain_fails_naming_the_key(engine, members, signer, tmp_path, monkeypatch):
    """A checkpoint of this journal signed by another key under the log's name is refused, naming that key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.domain.signed_note import Checkpoint, NoteSigner

    held = hold_checkpoint(engine, signer, tmp_path / "checkpoint.txt")
    stranger = NoteSigner(signer.name, Ed25519PrivateKey.generate())
    forged = tmp_path / "forged.txt"
    text_part = held.read_text().split("\n\n")[0] + "\n"
    forged.write_text(stranger.sign(Checkpoint.parse(text_part).text()))
    rotate(tmp_path, monkeypatch, "second.pem")
    result = verify("--checkpoint", str(forged))
    assert result.exit_code == 1
    assert f"signed by {stranger.name} ({stranger.verifier.key_id.hex()}), a key never in this log's chain" in result.output


def test_a_rotation_appended_from_a_strangers_key_is_not_followed(engine, members, signer, tmp_path, monkeypatch):
    """Someone who can write to the database journals a "rotation" from a key of their own to
    the ledger's key; the ledger then signs checkpoints covering it. The published checkpoints
    signed before it by the ledger's key contradict it, so the stranger's checkpoint is refused."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.domain.signed_note import Checkpoint, NoteSigner
    from ledger.services.keys import load_key_file, rotate_signing_key

    hold_checkpoint(engine, signer, tmp_path / "checkpoint.txt")
    stranger = NoteSigner(signer.name, Ed25519PrivateKey.generate())
    with engine.connect() as connection:
        size = connection.execute(text("SELECT max(seq) FROM journal_entry")).scalar_one()
        payloads = [p for (p,) in connection.execute(text("SELECT payload FROM journal_entry ORDER BY seq"))]
    builder = TreeBuilder()
    for payload in payloads:
        builder.append(leaf_hash(payload.encode()))
    forged = tmp_path / "forged.txt"
    forged.write_text(stranger.sign(Checkpoint(signer.name, size, builder.root()).text()))
    rotate_signing_key(stranger, load_key_file(tmp_path / "signing.pem"), actor=ACTOR, uow=UnitOfWork(engine))
    publish_checkpoint(engine, signer)
    result = verify("--checkpoint", str(forged))
    assert result.exit_code == 1
    assert f"published checkpoint {size} is signed by {signer.name} ({signer.verifier.key_id.hex()})" in result.output
    assert "not this log's own" in result.output


def test_the_export_follows_rotations_forward_only(engine, members, signer, tmp_path, monkeypatch, client):
    """Offline, nothing attests the journal's rotations but the checkpoint itself: a later key's
    checkpoint verifies with the earlier key, an earlier key's is refused with the current one."""
    held = hold_checkpoint(engine, signer, tmp_path / "first.txt")
    second = rotate(tmp_path, monkeypatch, "second.pem")
    later = hold_checkpoint(engine, second, tmp_path / "second.txt")
    export = tmp_path / "journal.json"
    export.write_text(json.dumps(client.get("/api/v1/journal").get_json()))
    forward = verify("--export", str(export), "--checkpoint", str(later), "--key", signer.verifier.text())
    assert forward.exit_code == 0, forward.output
    backward = verify("--export", str(export), "--checkpoint", str(held), "--key", second.verifier.text())
    assert backward.exit_code == 1 and "an earlier key of this log" in backward.output
