"""The journal on a real database: every write chained, tampering reported, appends serialised."""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from ledger.cli import main as cli
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.journal import GENESIS_HASH, link_hash
from ledger.services.verification import verify_ledger


def entries(engine):
    with engine.connect() as connection:
        return connection.execute(text("SELECT seq, payload, prev_hash, hash FROM journal_entry ORDER BY seq")).all()


def test_every_write_is_one_linked_entry(engine, members):
    rows = entries(engine)
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    previous = GENESIS_HASH
    for row in rows:
        assert row.prev_hash == previous
        assert row.hash == link_hash(previous, row.payload)
        previous = row.hash
    first = json.loads(rows[0].payload)
    assert first["kind"] == "member.admitted" and first["actor"] == "system:test"
    assert {r["table"] for r in first["rows"]} == {"member", "member_status_change"}


def test_verify_passes_on_an_untouched_ledger(engine, officials):
    report = verify_ledger(engine)
    assert report.ok, report.problems
    assert report.entries == 9
    assert report.rows == 5 + 5 + 4  # members, their first status facts, officials


TAMPERING = {
    "renamed member": ("UPDATE member SET name = 'Deutschland' WHERE code = 'DEU'", 1, "member DEU differs"),
    "status rewritten": ("UPDATE member_status_change SET status = 'observer' WHERE member_code = 'FRA'", 2, "member_status_change"),
    "row deleted": ("DELETE FROM member_status_change WHERE member_code = 'CAN'", 3, "missing from the database"),
    "row inserted": ("INSERT INTO member (code, name, journal_seq) VALUES ('ITA', 'Italy', 4)", 4, "inserted outside the application"),
    "row with no entry": ("INSERT INTO member (code, name, journal_seq) VALUES ('ESP', 'Spain', 99)", 99, "no journal entry has that sequence number"),
    "payload edited": ("UPDATE journal_entry SET payload = REPLACE(payload, 'Canada', 'Kanada') WHERE seq = 3", 3, "hash does not match its payload"),
    "entry deleted": ("DELETE FROM journal_entry WHERE seq = 2", 3, "sequence jumps"),
    "password hash swapped": ("UPDATE app_user SET password_hash = 'scrypt:forged' WHERE role = 'auditor'", 9, "private_digest"),
    "actor column edited": ("UPDATE journal_entry SET actor = 'user:1' WHERE seq = 5", 5, "columns differ from its payload"),
}


@pytest.mark.parametrize("change", sorted(TAMPERING))
def test_verify_names_the_entry_of_a_direct_sql_change(engine, officials, change):
    statement, bad_entry, phrase = TAMPERING[change]
    with engine.begin() as connection:
        if change == "entry deleted":
            # Deleting an entry also orphans its rows; drop them too, as a careful forger would.
            connection.execute(text("DELETE FROM member_status_change WHERE journal_seq = 2"))
            connection.execute(text("DELETE FROM member WHERE journal_seq = 2"))
        connection.execute(text(statement))
    report = verify_ledger(engine)
    assert not report.ok
    first = report.problems[0]
    assert first.seq == bad_entry, [str(p) for p in report.problems]
    assert phrase in str(first)


def test_rewriting_the_whole_chain_is_still_caught_by_the_published_head(engine, members):
    """Recomputing every hash after an edit keeps the chain consistent, but not its head, nor
    the Merkle tree stored beside it (RFC 9162 §2.1, recomputed by verify)."""
    with engine.connect() as connection:
        published = connection.execute(text("SELECT hash FROM journal_entry ORDER BY seq DESC LIMIT 1")).scalar()
    with engine.begin() as connection:
        connection.execute(text("UPDATE member SET name = 'Deutschland' WHERE code = 'DEU'"))
        rows = connection.execute(text("SELECT seq, payload FROM journal_entry ORDER BY seq")).all()
        previous = GENESIS_HASH
        for seq, payload in rows:
            payload = payload.replace('"name":"Germany"', '"name":"Deutschland"')
            new_hash = link_hash(previous, payload)
            connection.execute(text("UPDATE journal_entry SET payload = :p, prev_hash = :prev, hash = :h WHERE seq = :s"),
                               {"p": payload, "prev": previous, "h": new_hash, "s": seq})
            previous = new_hash
    report = verify_ledger(engine)
    assert [str(p) for p in report.problems] == [
        f"entry 5: the stored Merkle tree's root {_stored_root(engine)} differs from the root "
        f"{_payload_root(engine)} recomputed from the payloads: a tree node or a payload was changed"
    ]
    assert report.head.hash != published


def _stored_root(engine) -> str:
    from ledger.queries.tlog import root_at

    with engine.connect() as connection:
        return root_at(connection, 5).hex()


def _payload_root(engine) -> str:
    from ledger.domain.merkle import TreeBuilder, leaf_hash

    builder = TreeBuilder()
    with engine.connect() as connection:
        for (payload,) in connection.execute(text("SELECT payload FROM journal_entry ORDER BY seq")):
            builder.append(leaf_hash(payload.encode()))
    return builder.root().hex()


def test_cli_verify_exit_status_and_message(engine, members, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    good = runner.invoke(cli, ["verify"])
    assert good.exit_code == 0, good.output
    assert "OK: 5 entries" in good.output
    with engine.begin() as connection:
        connection.execute(text("UPDATE member SET name = 'Deutschland' WHERE code = 'DEU'"))
    bad = runner.invoke(cli, ["verify"])
    assert bad.exit_code == 1
    assert "First bad entry: 1" in bad.output
    assert "member DEU differs from what the entry recorded in name" in bad.output


def test_a_failed_use_case_stores_and_journals_nothing(engine, members):
    before = entries(engine)
    with pytest.raises(RuntimeError):
        with UnitOfWork(engine) as uow:
            from ledger.db.tables import Member

            uow.add(Member(code="ITA", name="Italy", journal_seq=0))
            uow.session.flush()
            raise RuntimeError("interrupted before commit")
    assert entries(engine) == before
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM member WHERE code = 'ITA'")).scalar() == 0


def _append_notes(engine, count: int, errors: list, barrier: threading.Barrier):
    barrier.wait()
    try:
        for _ in range(count):
            with UnitOfWork(engine) as uow:
                uow.commit(actor=system_actor("load"), kind="test.note", summary="concurrent append")
    except Exception as error:  # collected and asserted on by the test
        errors.append(error)


@pytest.mark.parametrize("threads, appends", [(8, 200)])
def test_concurrent_writers_keep_the_chain_linear(engine, backend, threads, appends):
    if backend == "sqlite":
        threads, appends = 4, 50  # SQLite serialises writers itself; a smaller run proves the same
    errors: list = []
    barrier = threading.Barrier(threads)
    workers = [threading.Thread(target=_append_notes, args=(engine, appends, errors, barrier)) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    rows = entries(engine)
    assert [row.seq for row in rows] == list(range(1, threads * appends + 1))
    report = verify_ledger(engine)
    assert report.ok and report.entries == threads * appends
