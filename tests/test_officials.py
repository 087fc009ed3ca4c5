"""Officials: accounts, sign-in with throttling, CSRF, cookies, production settings."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from ledger.cli import main as cli
from ledger.config import ConfigurationError, Settings
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Role, system_actor
from ledger.domain.errors import Conflict, ValidationFailed
from ledger.services.officials import MAX_FAILURES_PER_EMAIL, add_official
from tests.conftest import OFFICIAL_EMAILS, PASSWORD, csrf_token, sign_in


def journal_length(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM journal_entry")).scalar()


@pytest.mark.parametrize(
    "email, password, role, member, field, phrase",
    [
        ("not-an-address", PASSWORD, "auditor", None, "email", "is not an e-mail address"),
        ("a@b.org", "short", "auditor", None, "password", "at least 12 characters"),
        ("a@b.org", PASSWORD, "president", None, "role", "accepted: secretariat, treasurer, delegate, auditor"),
        ("a@b.org", PASSWORD, "delegate", None, "member", "a delegate is bound to one member"),
        ("a@b.org", PASSWORD, "auditor", "DEU", "member", "only delegates are bound"),
        ("a@b.org", PASSWORD, "delegate", "XYZ", "member", "not an ISO 3166-1 alpha-3"),
        ("a@b.org", PASSWORD, "delegate", "ITA", "member", "is not a member of the ledger"),
    ],
)
def test_bad_officials_are_refused_and_nothing_is_journaled(engine, members, email, password, role, member, field, phrase):
    before = journal_length(engine)
    with pytest.raises(ValidationFailed) as caught:
        add_official(email, password, role, member, actor=system_actor(), uow=UnitOfWork(engine))
    assert any(p.field == field and phrase in p.message for p in caught.value.problems), caught.value.problems
    assert journal_length(engine) == before


def test_duplicate_official_is_a_conflict(engine, officials):
    with pytest.raises(Conflict):
        add_official(OFFICIAL_EMAILS[Role.AUDITOR].upper(), PASSWORD, "auditor", None, actor=system_actor(), uow=UnitOfWork(engine))


def test_public_journal_never_carries_private_fields(client, officials):
    body = client.get("/api/v1/journal?limit=1000").get_data(as_text=True)
    body += client.get("/api/v1/journal?format=csv&limit=1000").get_data(as_text=True)
    for email in OFFICIAL_EMAILS.values():
        assert email not in body
    assert "scrypt" not in body and "password_hash" not in body
    assert '\\"role\\":\\"delegate\\"' in body or '"role":"delegate"' in body


def test_passwords_are_hashed_with_scrypt(engine, officials):
    with engine.connect() as connection:
        hashes = connection.execute(text("SELECT password_hash FROM app_user")).scalars().all()
    assert hashes and all(h.startswith("scrypt:") and PASSWORD not in h for h in hashes)


def test_sign_in_and_out(client, officials):
    sign_in(client, Role.TREASURER)
    home = client.get("/office/")
    assert home.status_code == 200 and "treasurer" in home.get_data(as_text=True)
    token = csrf_token(client, "/office/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/office/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, officials):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": OFFICIAL_EMAILS[Role.AUDITOR], "password": "wrong password!", "csrf_token": token})
    assert response.status_code == 400
    assert "e-mail address or the password is wrong" in response.get_data(as_text=True)


def test_sign_in_is_throttled_after_repeated_failures(client, officials):
    token = csrf_token(client, "/login")
    for _ in range(MAX_FAILURES_PER_EMAIL):
        client.post("/login", data={"email": OFFICIAL_EMAILS[Role.AUDITOR], "password": "guess guess guess", "csrf_token": token})
    locked = client.post("/login", data={"email": OFFICIAL_EMAILS[Role.AUDITOR], "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == 429
    assert "too many failed sign-ins" in locked.get_data(as_text=True)
    # Another official is not locked out by someone guessing at the auditor's address.
    sign_in(client, Role.SECRETARIAT)


def test_a_form_without_its_csrf_token_is_refused(client, officials, engine):
    login = client.post("/login", data={"email": OFFICIAL_EMAILS[Role.SECRETARIAT], "password": PASSWORD})
    assert login.status_code == 400
    assert "csrf_token" in login.get_data(as_text=True)
    sign_in(client, Role.SECRETARIAT)
    before = journal_length(engine)
    response = client.post("/office/members/new", data={"code": "ITA", "status": "member", "joined": "2024-01-01", "confirm": "y"})
    assert response.status_code == 400
    assert journal_length(engine) == before


def test_session_cookie_is_httponly_and_samesite(client, officials):
    sign_in(client, Role.AUDITOR)
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # only in production, tested below


def test_login_does_not_redirect_off_site(client, officials):
    token = csrf_token(client, "/login")
    response = client.post("/login?next=https://evil.example/", data={"email": OFFICIAL_EMAILS[Role.AUDITOR], "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/office/"


def test_production_needs_a_secret_key():
    with pytest.raises(ConfigurationError, match="LEDGER_SECRET_KEY is required"):
        Settings.from_env({"LEDGER_ENV": "production", "LEDGER_DATABASE_URL": "sqlite://"})
    with pytest.raises(ConfigurationError, match="accepted: development, production, test"):
        Settings.from_env({"LEDGER_ENV": "staging"})


def test_production_sets_secure_cookies_and_no_debug(engine, tmp_path):
    from ledger.services.keys import generate_key_file
    from ledger.web import create_app

    generate_key_file(tmp_path / "signing.pem")
    settings = Settings.from_env({"LEDGER_ENV": "production", "LEDGER_SECRET_KEY": "k" * 40, "LEDGER_DATABASE_URL": "sqlite://",
                                  "LEDGER_SIGNING_KEY_FILE": str(tmp_path / "signing.pem")})
    app = create_app(settings, engine=engine)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.debug is False


def test_cli_users_add_reads_the_password_from_stdin(engine, members, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "Delegate.Fra@Example.org", "--role", "delegate", "--member", "fra", "--password-stdin"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "delegate.fra@example.org as delegate" in added.output
    refused = runner.invoke(cli, ["users", "add", "x@example.org", "--role", "delegate", "--password-stdin"], input=PASSWORD + "\n")
    assert refused.exit_code == 1
    assert "member: a delegate is bound to one member" in refused.output
