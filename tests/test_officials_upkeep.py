"""Officials' accounts kept sound (issue 13): the throttle table is pruned, the last active
secretariat official is kept, the command line refuses control characters as the web does.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from ledger.cli import main as cli
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Role, system_actor
from ledger.domain.errors import Conflict, ValidationFailed
from ledger.domain.officials import THROTTLE_WINDOW
from ledger.services import officials as accounts
from tests.conftest import OFFICIAL_EMAILS, PASSWORD, csrf_token, sign_in
from tests.test_security import user_id


def throttle_keys(engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(text("SELECT key FROM sign_in_throttle")).scalars())


def test_counters_idle_for_a_whole_window_are_deleted_at_the_next_sign_in(engine, officials):
    """A counter older than THROTTLE_WINDOW counts nothing (it would restart at 0): it is deleted,
    so the table holds only what failed within the last window, however many clients tried."""
    email, start = OFFICIAL_EMAILS[Role.AUDITOR], datetime.now(timezone.utc)
    for number in range(3):
        with pytest.raises(ValidationFailed):
            accounts.sign_in(engine, email, "guess guess guess", f"192.0.2.{number}", now=start)
    assert len(throttle_keys(engine)) == 6  # account+client and client, for three clients
    just_inside = start + THROTTLE_WINDOW - timedelta(seconds=1)
    accounts.sign_in(engine, email, PASSWORD, "198.51.100.7", now=just_inside)
    assert {key for key in throttle_keys(engine) if "192.0.2." in key} and len(throttle_keys(engine)) == 8
    accounts.sign_in(engine, email, PASSWORD, "198.51.100.7", now=start + THROTTLE_WINDOW + timedelta(seconds=1))
    assert not {key for key in throttle_keys(engine) if "192.0.2." in key}  # the three clients' counters are gone
    assert throttle_keys(engine) == {f"account:{email}|client:198.51.100.7", "client:198.51.100.7"}


def test_the_last_active_secretariat_official_is_neither_deactivated_nor_demoted(engine, officials):
    secretariat = user_id(engine, Role.SECRETARIAT)
    for change in (lambda: accounts.deactivate_official(secretariat, actor=system_actor("test"), uow=UnitOfWork(engine)),
                   lambda: accounts.set_official_role(secretariat, "auditor", actor=system_actor("test"), uow=UnitOfWork(engine))):
        with pytest.raises(Conflict, match="the last active secretariat official"):
            change()
    treasurer = user_id(engine, Role.TREASURER)
    accounts.set_official_role(treasurer, "secretariat", actor=system_actor("test"), uow=UnitOfWork(engine))
    accounts.deactivate_official(secretariat, actor=system_actor("test"), uow=UnitOfWork(engine))  # another one is left
    with pytest.raises(Conflict, match=f"user:{treasurer} is the last active secretariat official"):
        accounts.set_official_role(treasurer, "treasurer", actor=system_actor("test"), uow=UnitOfWork(engine))
    accounts.reactivate_official(secretariat, actor=system_actor("test"), uow=UnitOfWork(engine))
    accounts.set_official_role(treasurer, "treasurer", actor=system_actor("test"), uow=UnitOfWork(engine))


def test_the_users_page_and_the_cli_refuse_removing_the_last_secretariat_official(client, engine, officials, monkeypatch):
    secretariat = user_id(engine, Role.SECRETARIAT)
    sign_in(client, Role.SECRETARIAT)
    token = csrf_token(client, "/office/users")
    for action, data in (("deactivate", {}), ("role", {"role": "auditor"})):
        refused = client.post(f"/office/users/{secretariat}/{action}", data={"csrf_token": token, **data})
        assert refused.status_code == 409 and "last active secretariat official" in refused.get_data(as_text=True)
    monkeypatch.setenv("LEDGER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    for command in (["deactivate", str(secretariat)], ["set-role", str(secretariat), "treasurer"]):
        result = runner.invoke(cli, ["users", *command])
        assert result.exit_code == 1 and "last active secretariat official" in result.output, result.output
    assert client.get("/office/users").status_code == 200  # still signed in: nothing changed


@pytest.mark.parametrize(("arguments", "named"), [
    (["users", "add", "nul\x00@example.org", "--role", "auditor", "--password-stdin"], "email"),
    (["users", "set-role", "1", "treasurer\x1b"], "role"),
    (["projects", "add", "DEU", "A title\x07", "acct", "--level", "SL-1"], "title"),
])
def test_the_cli_refuses_control_characters_in_text_arguments_naming_them(engine, officials, monkeypatch, arguments, named):
    """As the web does (ledger.domain.text, ASVS V5.1.3): refused before any use case runs, identically on both databases."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM journal_entry")).scalar()
    result = CliRunner().invoke(cli, arguments, input=PASSWORD + "\n")
    assert result.exit_code == 2 and f"{named}: holds the control character U+" in result.output, result.output
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM journal_entry")).scalar() == before
