"""The transparency log on both databases: the tree kept with the journal, signed checkpoints, proofs.

Sources: RFC 9162 §2.1 (tree, inclusion and consistency proofs), c2sp.org/signed-note and
c2sp.org/tlog-checkpoint (the checkpoint note and verifier key). Proofs are checked with
the RFC's verification algorithms, and the root against one recomputed from the public
export alone.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from ledger.db.schema import upgrade
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.errors import Conflict
from ledger.domain.merkle import TreeBuilder, check_consistency, check_inclusion, leaf_hash
from ledger.domain.signed_note import NoteSigner, VerifierKey, open_checkpoint
from ledger.services.checkpoints import publish_checkpoint

ACTOR = system_actor("test")


def write_notes(engine, count: int) -> None:
    for number in range(count):
        with UnitOfWork(engine) as uow:
            uow.commit(actor=ACTOR, kind="test.note", summary=f"note {number}")


def export_root(client, size: int | None = None) -> tuple[int, bytes]:
    """The root recomputed from the public journal export by the RFC's definition, nothing else."""
    entries = client.get("/api/v1/journal?limit=100000").get_json()["entries"]
    builder = TreeBuilder()
    for entry in entries[:size]:
        builder.append(leaf_hash(entry["payload"].encode("utf-8")))
    return builder.size, builder.root()


def served_checkpoint(client):
    key = VerifierKey.parse(client.get("/api/v1/checkpoint/key").get_data(as_text=True))
    note = client.get("/api/v1/checkpoint").get_data(as_text=True)
    return open_checkpoint(note, [key]), note


def test_checkpoint_verifies_with_the_published_key_and_matches_the_export(client, members):
    """The checkpoint's signature verifies with /checkpoint/key, its key ID is the signed-note
    one, and its root is the RFC 9162 root of the exported payloads."""
    response = client.get("/api/v1/checkpoint")
    assert response.mimetype == "text/plain"
    checkpoint, note = served_checkpoint(client)
    size, root = export_root(client)
    assert (checkpoint.size, checkpoint.root) == (size, root) == (5, root)
    assert checkpoint.origin == "member-ledger.localhost/journal"
    assert note.splitlines()[:3] == [checkpoint.origin, "5", base64.b64encode(root).decode()]


def test_every_inclusion_and_consistency_proof_verifies(client, members, engine):
    """RFC 9162 §2.1.3.2 and §2.1.4.2 accept every proof the API gives for a 13-entry tree."""
    write_notes(engine, 8)
    entries = client.get("/api/v1/journal").get_json()["entries"]
    roots = {n: export_root(client, n)[1] for n in range(1, 14)}
    for size in range(1, 14):
        for seq in range(1, size + 1):
            proof = client.get(f"/api/v1/proof/inclusion?seq={seq}&size={size}").get_json()
            assert proof["seq"] == seq and proof["size"] == size
            hashes = [bytes.fromhex(h) for h in proof["hashes"]]
            assert check_inclusion(seq - 1, size, leaf_hash(entries[seq - 1]["payload"].encode()), hashes, roots[size])
        for old in range(1, size + 1):
            proof = client.get(f"/api/v1/proof/consistency?from={old}&to={size}").get_json()
            assert (proof["from"], proof["to"]) == (old, size)
            assert check_consistency(old, size, roots[old], roots[size], [bytes.fromhex(h) for h in proof["hashes"]])


@pytest.mark.parametrize(("url", "field", "bound"), [
    ("/api/v1/proof/inclusion?seq=1&size=6", "size", "give 1 to 5 (the tree has 5 entries)"),
    ("/api/v1/proof/inclusion?seq=4&size=3", "seq", "give 1 to 3 (entries 1 to size=3)"),
    ("/api/v1/proof/inclusion?seq=0&size=3", "seq", "give a whole number from 1"),
    ("/api/v1/proof/inclusion?size=3", "seq", "give a whole number"),
    ("/api/v1/proof/consistency?from=3&to=9", "to", "give 1 to 5 (the tree has 5 entries)"),
    ("/api/v1/proof/consistency?from=4&to=2", "from", "give 1 to 2 (from must not exceed to=2)"),
])
def test_out_of_range_proofs_get_a_400_naming_the_bound(client, members, url, field, bound):
    """Issue 12 item 3: a request outside the tree is a 400 naming the bound."""
    response = client.get(url)
    assert response.status_code == 400
    assert field in response.get_data(as_text=True) and bound in response.get_data(as_text=True)


def test_a_checkpoint_follows_every_office_write_and_all_are_listed(client, members, engine, officials):
    """The cadence: an office write is followed by a checkpoint covering it; /checkpoints lists each one."""
    from tests.conftest import csrf_token, sign_in
    from ledger.domain.access import Role

    client.get("/api/v1/checkpoint")
    sign_in(client, Role.SECRETARIAT)
    token = csrf_token(client, "/office/members/new")
    response = client.post("/office/members/new", data={"csrf_token": token, "code": "ITA", "name": "Italy", "status": "member", "joined": "2025-01-01", "confirm": "y"})
    assert response.status_code == 302
    with engine.connect() as connection:
        head = connection.execute(text("SELECT max(seq) FROM journal_entry")).scalar()
    listed = client.get("/api/v1/checkpoints").get_json()
    assert [c["size"] for c in listed["checkpoints"]] == [head - 1, head]
    csv = client.get("/api/v1/checkpoints?format=csv").get_data(as_text=True)
    assert csv.splitlines()[0] == "size,root_hash,signed_at,note,cosignatures,witnessed"


def test_a_rolled_back_journal_is_refused_a_new_checkpoint(engine, members):
    """Deleting the newest entries (and their tree nodes) after a checkpoint leaves a journal
    shorter than what was signed: publishing refuses instead of signing the shorter tree."""
    signer = NoteSigner("test.example/log", Ed25519PrivateKey.generate())
    assert publish_checkpoint(engine, signer).size == 5
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM member_status_change WHERE journal_seq = 5"))
        connection.execute(text("DELETE FROM member WHERE journal_seq = 5"))
        connection.execute(text("DELETE FROM merkle_node WHERE idx >= 4 AND level = 0"))
        connection.execute(text("DELETE FROM journal_entry WHERE seq = 5"))
    with pytest.raises(Conflict, match="has 4 entries but checkpoint 5 was published"):
        publish_checkpoint(engine, signer)


def test_the_migration_builds_the_tree_of_an_existing_journal(engine, members, backend):
    """A ledger upgraded from before the tree gets every node from its payloads (revision 0010)."""
    from alembic import command

    from ledger.db.schema import alembic_config

    with engine.connect() as connection:
        before = connection.execute(text("SELECT level, idx, hash FROM merkle_node ORDER BY level, idx")).all()
    command.downgrade(alembic_config(engine), "0005")
    upgrade(engine)
    with engine.connect() as connection:
        after = connection.execute(text("SELECT level, idx, hash FROM merkle_node ORDER BY level, idx")).all()
    assert [tuple(row) for row in after] == [tuple(row) for row in before] and len(before) == 5 + 2 + 1


def test_the_readme_standalone_verifier_accepts_the_served_checkpoint_and_refuses_a_longer_one(client, members, engine, tmp_path):
    """README's verifier (standard library and cryptography only) is an independent RFC 9162
    and signed-note implementation: it recomputes the signed root from the export."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    script = re.search(r"<!-- standalone-verifier -->\n```python\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "verify.py").write_text(script)
    (tmp_path / "checkpoint.txt").write_text(client.get("/api/v1/checkpoint").get_data(as_text=True))
    key = client.get("/api/v1/checkpoint/key").get_data(as_text=True)
    export = client.get("/api/v1/journal").get_json()
    (tmp_path / "journal.json").write_text(__import__("json").dumps(export))
    run = [sys.executable, str(tmp_path / "verify.py"), str(tmp_path / "journal.json"), str(tmp_path / "checkpoint.txt"), key]
    accepted = subprocess.run(run, capture_output=True, text=True)
    assert accepted.returncode == 0 and "entries 1 to 5 are the ones signed" in accepted.stdout, accepted.stderr
    export["entries"][1]["payload"] = export["entries"][1]["payload"].replace("FRA", "FRX")
    (tmp_path / "journal.json").write_text(__import__("json").dumps(export))
    refused = subprocess.run(run, capture_output=True, text=True)
    assert refused.returncode != 0 and "root differs from the signed checkpoint" in refused.stderr


def test_a_closed_years_report_prints_the_checkpoint_that_covers_it_and_keeps_its_bytes(engine, client):
    """Issue 12 item 2: a closed year's annual report prints the first signed checkpoint whose
    tree includes the closing entry; later checkpoints do not change the report's bytes."""
    import io

    from pypdf import PdfReader

    close_a_year(engine)
    note = client.get("/api/v1/checkpoint").get_data(as_text=True)
    first = client.get("/reports/annual/2022.pdf").data
    text_of_report = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(first)).pages)
    for line in note.splitlines()[:3]:
        assert line in text_of_report
    write_notes(engine, 2)
    client.get("/api/v1/checkpoint")
    assert client.get("/reports/annual/2022.pdf").data == first


def test_a_closed_year_no_checkpoint_covers_yet_gets_one_signed_before_its_report_is_served(engine, client):
    """Issue 12 item 2 ("every closed year's annual report prints the checkpoint that covers
    it"): a year closed outside the office (no checkpoint after the write) is not served
    uncovered: the first download signs a checkpoint at the head, prints it and signs the PDF."""
    import io

    from pypdf import PdfReader

    close_a_year(engine)
    with engine.connect() as connection:
        closing = connection.execute(text("SELECT journal_seq FROM fiscal_year_event WHERE year = 2022 AND event = 'closed'")).scalar_one()
        assert connection.execute(text("SELECT count(*) FROM checkpoint")).scalar_one() == 0
    report = client.get("/reports/annual/2022.pdf")
    assert report.status_code == 200 and b"/ETSI.CAdES.detached" in report.data
    listed = client.get("/api/v1/checkpoints").get_json()["checkpoints"]
    assert [entry["size"] for entry in listed] == [closing]  # signed at the head, which is the closing entry
    printed = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(report.data)).pages)
    for line in listed[0]["note"].splitlines()[:3]:
        assert line in printed


def test_a_closed_years_report_is_signed_once_and_verifies(engine, client, tmp_path, monkeypatch):
    """Issue 12 item 8: the closed year's PDF carries a PAdES signature by the facility's key
    covering the whole file (and so the printed checkpoint); downloads stay byte-identical;
    `ledger report verify` accepts it, and refuses an altered file or another key."""
    from click.testing import CliRunner

    from ledger.cli import main as cli

    close_a_year(engine)
    client.get("/api/v1/checkpoint")
    first = client.get("/reports/annual/2022.pdf").data
    assert b"/ETSI.CAdES.detached" in first
    assert client.get("/reports/annual/2022.pdf").data == first
    key = client.get("/api/v1/checkpoint/key").get_data(as_text=True)
    monkeypatch.setenv("LEDGER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    (tmp_path / "report.pdf").write_bytes(first)
    accepted = CliRunner().invoke(cli, ["report", "verify", str(tmp_path / "report.pdf"), "--key", key])
    assert accepted.exit_code == 0 and "covers the entire file" in accepted.output, accepted.output
    altered = first.replace(b"/Lang (en)", b"/Lang (fr)", 1)  # one byte inside the signed range
    assert altered != first
    (tmp_path / "altered.pdf").write_bytes(altered)
    refused = CliRunner().invoke(cli, ["report", "verify", str(tmp_path / "altered.pdf"), "--key", key])
    assert refused.exit_code == 1 and "changed after signing" in refused.output
    other = NoteSigner("member-ledger.localhost/journal", Ed25519PrivateKey.generate()).verifier.text()
    refused = CliRunner().invoke(cli, ["report", "verify", str(tmp_path / "report.pdf"), "--key", other])
    assert refused.exit_code == 1 and "signed by another key" in refused.output


def close_a_year(engine) -> None:
    """Two members, a scale, and 2022 opened, adopted and closed."""
    from datetime import date

    from ledger.services import contributions
    from ledger.services.members import admit_member

    today = date(2024, 6, 1)
    for code in ("DEU", "FRA"):
        admit_member(code, None, "member", "2022-01-01", actor=ACTOR, uow=UnitOfWork(engine))
    proposal = contributions.propose_scale(2022, 2022, {"DEU": "40", "FRA": "30"}, ceiling="", floor="", precision="0.01",
                                     associate_factor="10", uow=UnitOfWork(engine))
    contributions.adopt_scale(proposal, income_measure="test", decision="Board", adopted_on="2021-12-01", today=today, actor=ACTOR, uow=UnitOfWork(engine))
    contributions.open_year(2022, "2022-03-31", "1000.00", actor=ACTOR, uow=UnitOfWork(engine))
    contributions.adopt_budget(2022, "Board", "2021-12-10", today=today, actor=ACTOR, uow=UnitOfWork(engine))
    contributions.close_year(2022, "Board, 2023", "2023-03-15", today=today, actor=ACTOR, uow=UnitOfWork(engine))


def test_a_closed_years_signed_report_in_each_language_is_kept_and_stays_pdf_a_3(engine, client):
    """Issue 15: the signed file of each language is kept apart and served byte for byte; each
    keeps the PDF/A-3 file's header, version and XMP (the signature declares PDF 1.7 only)."""
    import io

    import pikepdf

    close_a_year(engine)
    client.get("/api/v1/checkpoint")
    signed = {}
    for lang in ("en", "fr"):
        signed[lang] = client.get(f"/reports/annual/2022.pdf?lang={lang}").data
        assert b"/ETSI.CAdES.detached" in signed[lang] and signed[lang].startswith(b"%PDF-1.7")
        assert client.get(f"/reports/annual/2022.pdf?lang={lang}").data == signed[lang]
        with pikepdf.open(io.BytesIO(signed[lang])) as pdf:
            assert "/Version" not in pdf.Root and list(pdf.Root.Extensions.keys()) == ["/ESIC"]
            assert pdf.open_metadata()["pdfaid:part"] == "3" and str(pdf.Root.Lang) == lang
    assert signed["en"] != signed["fr"]
