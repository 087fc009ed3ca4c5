"""The command line on a fresh database: init, demo (idempotent), verify after tampering."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import text

from ledger.cli import main as cli
from ledger.db.engine import make_engine
from ledger.db.schema import current_revision, head_revision
from tests.conftest import DEMO_TODAY


def test_init_creates_the_schema_on_a_new_database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    init = CliRunner().invoke(cli, ["init"])
    assert init.exit_code == 0, init.output
    engine = make_engine(url)
    assert current_revision(engine) == head_revision(engine) is not None
    engine.dispose()


def test_demo_is_idempotent_and_verifiable(demo_template, demo_copy, monkeypatch):
    """The demo's first load (the shared template, through load_demo) and `ledger demo` run again on a copy."""
    first = "\n".join(demo_template[1])
    assert "Members: 35 admitted" in first
    assert first.count("password ") == 4
    url = demo_copy()
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    monkeypatch.setenv("LEDGER_TODAY", DEMO_TODAY.isoformat())
    runner = CliRunner()
    second = runner.invoke(cli, ["demo"])
    assert second.exit_code == 0, second.output
    assert "Members: 0 admitted, 35 already there" in second.output
    assert "password " not in second.output.replace("password was printed", "")
    engine = make_engine(url)
    with engine.connect() as connection:
        statuses = dict(connection.execute(text(
            "SELECT status, count(*) FROM member_status_change GROUP BY status")).all())
        delegates = connection.execute(text("SELECT member_code FROM app_user WHERE role = 'delegate'")).scalars().all()
    assert statuses == {"member": 33, "associate": 1, "observer": 1}
    assert delegates == ["DEU"]
    assert runner.invoke(cli, ["verify"]).exit_code == 0
    with engine.begin() as connection:
        connection.execute(text("UPDATE member SET name = 'Kingdom of Norway' WHERE code = 'NOR'"))
    engine.dispose()
    tampered = runner.invoke(cli, ["verify"])
    assert tampered.exit_code == 1
    assert "member NOR differs" in tampered.output


def test_init_is_an_upgrade_when_run_again(tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{tmp_path / 'again.sqlite'}")
    runner = CliRunner()
    assert runner.invoke(cli, ["init"]).exit_code == 0
    again = runner.invoke(cli, ["init"])
    assert again.exit_code == 0 and "Schema at revision" in again.output


def test_production_without_a_secret_key_is_refused_with_a_message(monkeypatch):
    monkeypatch.setenv("LEDGER_ENV", "production")
    monkeypatch.delenv("LEDGER_SECRET_KEY", raising=False)
    refused = CliRunner().invoke(cli, ["init"])
    assert refused.exit_code == 1
    assert "LEDGER_SECRET_KEY is required" in refused.output
