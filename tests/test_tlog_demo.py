"""Issue 12's "Done when" list, run end to end on the demo facility, on SQLite and PostgreSQL.

A checkpoint from the API verifies with the published key; README's standalone verifier (an
RFC 9162 implementation of its own, standard library and `cryptography` only) recomputes
the signed root from the public export; inclusion and consistency proofs from the API verify
by RFC 9162 §2.1.3.2 and §2.1.4.2; a database restored from before a later checkpoint fails
`ledger verify --checkpoint`; a closed year's signed report verifies. (A witness refusing a
forked checkpoint: tests/test_witness.py.)
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main as cli
from ledger.config import Settings
from ledger.db.engine import make_engine
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.merkle import check_consistency, check_inclusion, leaf_hash
from ledger.domain.signed_note import VerifierKey, open_checkpoint
from ledger.queries.contributions import list_years
from ledger.services.signed_reports import verify_report
from ledger.web import create_app
from tests.conftest import DEMO_TODAY, copy_database, drop_database

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture
def demo(demo_copy, tmp_path, monkeypatch):
    """A copy of the demo, its web app with a signing key on file, and the CLI pointed at both."""
    url = demo_copy()
    key_file = tmp_path / "signing.pem"
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    monkeypatch.setenv("LEDGER_SIGNING_KEY_FILE", str(key_file))
    monkeypatch.setenv("LEDGER_TODAY", DEMO_TODAY.isoformat())
    engine = make_engine(url)
    app = create_app(Settings(database_url=url, secret_key="test-secret-key", env="test", fixed_today=DEMO_TODAY,
                              signing_key_file=key_file), engine=engine)
    yield url, engine, app.test_client()
    engine.dispose()


def test_done_when_on_the_demo(demo, tmp_path):
    url, engine, client = demo
    key = client.get("/api/v1/checkpoint/key").get_data(as_text=True)
    note = client.get("/api/v1/checkpoint").get_data(as_text=True)
    checkpoint = open_checkpoint(note, [VerifierKey.parse(key)])
    export = client.get("/api/v1/journal?limit=100000").get_json()
    entries = export["entries"]
    assert checkpoint.size == len(entries) > 1000

    # The root recomputed from the public export by README's own RFC 9162 code equals the signed one.
    script = re.search(r"<!-- standalone-verifier -->\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    (tmp_path / "verify.py").write_text(script)
    (tmp_path / "journal.json").write_text(json.dumps(export))
    (tmp_path / "checkpoint.txt").write_text(note)
    standalone = subprocess.run([sys.executable, str(tmp_path / "verify.py"), str(tmp_path / "journal.json"),
                                 str(tmp_path / "checkpoint.txt"), key], capture_output=True, text=True)
    assert standalone.returncode == 0, standalone.stderr
    assert f"entries 1 to {checkpoint.size} are the ones signed, root {checkpoint.root.hex()}" in standalone.stdout

    # Inclusion proofs of entries chosen at random, and a consistency proof from an earlier size.
    chosen = random.Random(12)
    for seq in [1, checkpoint.size, *chosen.sample(range(2, checkpoint.size), 5)]:
        proof = client.get(f"/api/v1/proof/inclusion?seq={seq}&size={checkpoint.size}").get_json()
        leaf = leaf_hash(entries[seq - 1]["payload"].encode("utf-8"))
        assert check_inclusion(seq - 1, checkpoint.size, leaf, [bytes.fromhex(h) for h in proof["hashes"]], checkpoint.root), seq
    with UnitOfWork(engine) as uow:
        uow.commit(actor=system_actor("test"), kind="test.note", summary="after the demo")
    later = open_checkpoint(client.get("/api/v1/checkpoint").get_data(as_text=True), [VerifierKey.parse(key)])
    proof = client.get(f"/api/v1/proof/consistency?from={checkpoint.size}&to={later.size}").get_json()
    assert later.size == checkpoint.size + 1
    assert check_consistency(checkpoint.size, later.size, checkpoint.root, later.root, [bytes.fromhex(h) for h in proof["hashes"]])

    # A closed year's report is signed and verifies with the published key.
    with engine.connect() as connection:
        closed = [year.year for year in list_years(connection) if year.status == "closed"]
    assert closed
    pdf = client.get(f"/reports/annual/{closed[0]}.pdf").data
    check = verify_report(pdf, VerifierKey.parse(key))
    assert check.ok, check.findings


def test_a_demo_restored_from_before_a_later_checkpoint_fails_verify(demo, tmp_path):
    """The backup taken before the newest entries, restored after a checkpoint covered them,
    passes plain `ledger verify` but fails against the checkpoint, naming both sizes."""
    url, engine, client = demo
    engine.dispose()
    backup = copy_database(url)
    try:
        with UnitOfWork(engine) as uow:
            uow.commit(actor=system_actor("test"), kind="test.note", summary="after the backup")
        (tmp_path / "checkpoint.txt").write_text(client.get("/api/v1/checkpoint").get_data(as_text=True))
        size = int((tmp_path / "checkpoint.txt").read_text().splitlines()[1])
        runner = CliRunner()
        assert runner.invoke(cli, ["verify", "--checkpoint", str(tmp_path / "checkpoint.txt")]).exit_code == 0
        restored = runner.invoke(cli, ["verify", "--checkpoint", str(tmp_path / "checkpoint.txt")], env={"LEDGER_DATABASE_URL": backup})
        assert restored.exit_code == 1
        assert f"the signed checkpoint covers {size} entries but the journal has {size - 1}" in restored.output
        assert runner.invoke(cli, ["verify"], env={"LEDGER_DATABASE_URL": backup}).exit_code == 0
    finally:
        drop_database(backup)
