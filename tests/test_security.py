"""Officials' accounts under an OWASP ASVS 4.0.3 level 2 review (issue 13): sessions that end,
throttling that stops attackers and not officials, secrets, headers, hostile text, the
account lifecycle and the second factor."""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlalchemy import text

from ledger.config import ConfigurationError, Settings
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Role, system_actor
from ledger.domain.errors import ValidationFailed
from ledger.domain.officials import FREE_FAILURES, password_problems, sign_in_delay
from ledger.services import officials as accounts
from ledger.services.verification import verify_ledger
from tests.conftest import OFFICIAL_EMAILS, PASSWORD, csrf_token, sign_in

NEW_PASSWORD = "another long test password"


def user_id(engine, role: Role) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT id FROM app_user WHERE email = :e"), {"e": OFFICIAL_EMAILS[role]}).scalar()


def post_login(client, email: str, password: str, **environ):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token}, environ_base=environ)


# --- 1. Sessions that end (ASVS V3.3.1, V3.3.2, V3.3.3)

def test_a_cookie_saved_before_sign_out_is_refused_after_it(app, officials):
    """ASVS V3.3.1: sign-out invalidates the session on the server, so a copied cookie is dead."""
    browser = app.test_client()
    sign_in(browser, Role.TREASURER)
    saved = browser.get_cookie("session").value
    token = csrf_token(browser, "/office/")
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", saved)
    assert thief.get("/office/").status_code == 302
    assert thief.post("/office/contributions/payments/new", data={"csrf_token": token}).status_code in (302, 400)


def test_sign_out_ends_the_sessions_of_every_browser(app, officials):
    """ASVS V3.3.3 (terminate all sessions): sign-out in one browser ends the others too."""
    first, second = app.test_client(), app.test_client()
    sign_in(first, Role.AUDITOR)
    sign_in(second, Role.AUDITOR)
    token = csrf_token(first, "/office/")
    first.post("/logout", data={"csrf_token": token})
    assert second.get("/office/").status_code == 302


def test_an_idle_session_ends(engine, officials):
    """ASVS V3.3.2: an idle session ends after the configured minutes."""
    from ledger.web import create_app

    app = create_app(Settings(database_url=str(engine.url), secret_key="test-secret-key", env="test", session_idle_minutes=1), engine=engine)
    client = app.test_client()
    sign_in(client, Role.AUDITOR)
    with client.session_transaction() as session:
        session["seen_at"] -= 61
    assert client.get("/office/").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_a_session_ends_after_its_absolute_lifetime(client, officials):
    """ASVS V3.3.2: a session used all along still ends at its absolute lifetime (12 hours by default)."""
    sign_in(client, Role.AUDITOR)
    with client.session_transaction() as session:
        session["signed_in_at"] -= 12 * 3600 + 1
    assert client.get("/office/").status_code == 302


# --- 4. Throttling (ASVS V2.2.1, V11.1.4)

def test_wrong_passwords_from_one_client_do_not_stop_the_right_one_from_another(client, officials):
    """ASVS V2.2.1: anti-automation must not lock out the legitimate official."""
    email = OFFICIAL_EMAILS[Role.AUDITOR]
    for _ in range(FREE_FAILURES + 2):
        post_login(client, email, "guess guess guess", REMOTE_ADDR="203.0.113.9")
    assert post_login(client, email, PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert post_login(client, email, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_delays_grow_per_failure_up_to_a_ceiling():
    """ASVS V2.2.1 / NIST SP 800-63B 5.2.2: free tries, then doubling delays, capped."""
    assert sign_in_delay(FREE_FAILURES - 1) == timedelta(0)
    assert sign_in_delay(FREE_FAILURES) == timedelta(seconds=2)
    assert sign_in_delay(FREE_FAILURES + 1) == timedelta(seconds=4)
    assert sign_in_delay(1000) == timedelta(minutes=15)


def test_the_delay_passes(engine, officials):
    """After the delay the right password is accepted again from the same client."""
    email, now = OFFICIAL_EMAILS[Role.AUDITOR], datetime.now(timezone.utc)
    for _ in range(FREE_FAILURES):
        with pytest.raises(ValidationFailed):
            accounts.sign_in(engine, email, "guess guess guess", "192.0.2.1", now=now)
    with pytest.raises(accounts.SignInThrottled):
        accounts.sign_in(engine, email, PASSWORD, "192.0.2.1", now=now + timedelta(seconds=1))
    assert accounts.sign_in(engine, email, PASSWORD, "192.0.2.1", now=now + timedelta(seconds=5)).role is Role.AUDITOR


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(engine, officials):
    """Werkzeug ProxyFix with LEDGER_TRUSTED_PROXIES=1: guesses from one client behind the proxy
    do not throttle another client behind the same proxy."""
    from ledger.web import create_app

    app = create_app(Settings(database_url=str(engine.url), secret_key="test-secret-key", env="test", trusted_proxies=1), engine=engine)
    client, email = app.test_client(), OFFICIAL_EMAILS[Role.AUDITOR]
    for _ in range(FREE_FAILURES + 1):
        post_login(client, email, "guess guess guess", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert post_login(client, email, PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    assert post_login(client, email, PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302


def test_forty_concurrent_guesses_get_at_most_the_free_tries_and_no_500(engine, officials):
    """Counted atomically on both databases: of forty concurrent wrong passwords for one account
    from one client, exactly FREE_FAILURES are evaluated; the rest are throttled; no error."""
    outcomes: list[str] = []
    barrier = threading.Barrier(40)

    def guess():
        barrier.wait(timeout=30)
        try:
            accounts.sign_in(engine, OFFICIAL_EMAILS[Role.AUDITOR], "guess guess guess", "203.0.113.50")
        except accounts.SignInThrottled:
            outcomes.append("throttled")
        except ValidationFailed:
            outcomes.append("evaluated")
        except Exception as error:  # noqa: BLE001 - the test reports any other failure
            outcomes.append(repr(error))

    threads = [threading.Thread(target=guess) for _ in range(40)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert time.monotonic() - started < 120
    assert sorted(set(outcomes)) == ["evaluated", "throttled"], outcomes
    assert outcomes.count("evaluated") == FREE_FAILURES


def test_unknown_and_known_addresses_cost_the_same(production_password_hashing, engine, officials):
    """ASVS V2.2.1 / V3: an unknown address costs one scrypt check too, so timing does not tell."""
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT password_hash FROM app_user WHERE role = 'auditor'")).scalar_one()
    assert stored.startswith("scrypt:32768:8:1$"), "timed at production's cost, or the check cannot fail"

    def timed(email: str) -> float:
        started = time.perf_counter()
        with pytest.raises(ValidationFailed):
            accounts.sign_in(engine, email, "guess guess guess", f"198.18.0.{len(email)}")
        return time.perf_counter() - started

    timed("warm-up@test.example")
    known = min(timed(OFFICIAL_EMAILS[Role.AUDITOR]) for _ in range(3))
    unknown = min(timed("nobody@test.example") for _ in range(3))
    assert unknown > known / 3, (known, unknown)


# --- 5. Secrets (ASVS V2.1.1, V2.1.7, V6.2.1)

@pytest.mark.parametrize("password, phrase", [
    (" " * 12, "blanks only"), ("short", "at least 12"), ("password1234", "most common"),
    ("aaaaaaaaaaaaaaaa", "most common"),
])
def test_weak_passwords_are_refused(password, phrase):
    """ASVS V2.1.1 and V2.1.7."""
    problems = password_problems(password)
    assert problems and phrase in problems[0].message


def test_production_refuses_a_short_secret_key():
    """ASVS V6.2.1: the session-signing key has at least 256 bits in production."""
    with pytest.raises(ConfigurationError, match="at least 32"):
        Settings.from_env({"LEDGER_ENV": "production", "LEDGER_SECRET_KEY": "k", "LEDGER_DATABASE_URL": "sqlite://"})
    assert Settings.from_env({"LEDGER_ENV": "production", "LEDGER_SECRET_KEY": "k" * 32, "LEDGER_DATABASE_URL": "sqlite://",
                              "LEDGER_SIGNING_KEY_FILE": "/etc/ledger/signing.pem"}).require_second_factor


def test_only_a_test_run_may_lower_the_password_cost():
    """ASVS V2.4.1: passwords are stored with scrypt at production's cost; the cheap one the
    suite uses is refused to any other environment."""
    for env in ("production", "development"):
        settings = Settings(database_url="sqlite://", secret_key="k" * 32, env=env)
        with pytest.raises(ConfigurationError, match="for tests only"):
            accounts.hash_passwords_with(accounts.TEST_PASSWORD_HASH, settings)
        with pytest.raises(ConfigurationError, match="accepted"):
            accounts.hash_passwords_with("pbkdf2:sha256:1", settings)
    assert accounts.PASSWORD_HASH == "scrypt"  # werkzeug's default cost, n=2**15, r=8, p=1


# --- 6. Headers (ASVS V14.4)

def test_production_headers(engine, tmp_path):
    """ASVS V14.4.3 (CSP), V14.4.7 (framing), V9.1.1 (HSTS)."""
    from ledger.services.keys import generate_key_file
    from ledger.web import create_app

    generate_key_file(tmp_path / "signing.pem")
    settings = Settings(database_url=str(engine.url), secret_key="k" * 40, env="production", signing_key_file=tmp_path / "signing.pem")
    response = create_app(settings, engine=engine).test_client().get("/")
    policy = response.headers["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-eval'" not in script_src and "'unsafe-inline'" not in script_src and "'sha256-" in script_src
    assert response.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in policy
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_dash_pages_run_their_inline_scripts_by_hash(client):
    """The hashes in the policy are those of the scripts Dash writes into its page."""
    import base64
    import hashlib

    response = client.get("/dashboards/")
    page, policy = response.get_data(as_text=True), response.headers["Content-Security-Policy"]
    for script in re.findall(r"<script>(.*?)</script>", page, flags=re.S):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_request_bodies_are_bounded_on_every_endpoint(client):
    """ASVS V13.1.3 / V12.1.1: a 3 MB body is refused with 413, the Dash endpoint included."""
    body = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    for url in ("/dashboards/_dash-update-component", "/api/v1/voting/simulate"):
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 413, url
    form = b"email=" + b"a" * (3 * 1024 * 1024)
    assert client.post("/login", data=form, content_type="application/x-www-form-urlencoded").status_code == 413


# --- 7. Hostile text (ASVS V5.1.3, V5.1.4, V5.3.x)

@pytest.mark.parametrize("url", ["/api/v1/members?format=js%00n", "/office/members/F%00A/status", "/api/v1/motions/1%00", "/reports/statements/2025/D%01U.pdf"])
def test_control_characters_in_urls_are_a_400_naming_the_field(client, officials, url):
    """NUL gives a 500 on PostgreSQL and is stored by SQLite: both refuse it, naming the field."""
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert "U+000" in response.get_data(as_text=True)


def test_control_characters_in_sign_in_and_forms_are_refused(client, officials, engine):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "a\x00@b.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 400 and "email" in response.get_data(as_text=True)
    sign_in(client, Role.SECRETARIAT)
    token = csrf_token(client, "/office/members/new")
    with engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM journal_entry")).scalar()
    response = client.post("/office/members/new", data={"code": "ITA", "name": "Ita\x00lia", "status": "member",
                                                        "joined": "2024-01-01", "confirm": "y", "csrf_token": token})
    assert response.status_code == 400 and "name" in response.get_data(as_text=True)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM journal_entry")).scalar() == before


def test_control_characters_in_json_are_a_4xx(client):
    """JSON endpoints store nothing; their own validation refuses a control character in a field."""
    response = client.post("/api/v1/voting/simulate", json={"rule": "simple_majority", "members": [{"code": "D\x00EU"}], "ballots": {}})
    assert response.status_code == 400


def test_csv_cells_that_look_like_formulas_are_neutralised_reversibly():
    """OWASP "CSV Injection": prefix a formula-like cell with an apostrophe; an apostrophe
    already there is prefixed too, so dropping one leading apostrophe restores the value."""
    from ledger.api.formats import _csv_cell

    assert _csv_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert _csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert _csv_cell("+1") == "+1" and _csv_cell("-12.50") == "-12.50"
    assert _csv_cell("-1+1") == "'-1+1"
    assert _csv_cell("'quoted") == "''quoted"
    assert _csv_cell("Deutschland") == "Deutschland"


# --- 2. Account lifecycle (ASVS V2.1.5, V2.5.x, V3.3.3)

def test_deactivation_ends_sessions_and_refuses_sign_in_until_reactivated(app, engine, officials):
    """ASVS V3.3.3 / V8.3: a deactivated official's sessions end at once; it cannot sign in."""
    client = app.test_client()
    sign_in(client, Role.TREASURER)
    treasurer = user_id(engine, Role.TREASURER)
    accounts.deactivate_official(treasurer, actor=system_actor("test"), uow=UnitOfWork(engine))
    assert client.get("/office/").status_code == 302
    assert post_login(client, OFFICIAL_EMAILS[Role.TREASURER], PASSWORD).status_code == 400
    accounts.reactivate_official(treasurer, actor=system_actor("test"), uow=UnitOfWork(engine))
    sign_in(client, Role.TREASURER)
    assert verify_ledger(engine).ok


def test_a_reset_password_must_be_changed_at_the_next_sign_in(client, engine, officials):
    """ASVS V2.5.2 / V2.1.5: a temporary password works once, to set a new one; the old
    sessions end and the change is journaled without the hash."""
    auditor = user_id(engine, Role.AUDITOR)
    accounts.reset_password(auditor, "temporary password 1", actor=system_actor("test"), uow=UnitOfWork(engine))
    assert post_login(client, OFFICIAL_EMAILS[Role.AUDITOR], PASSWORD).status_code == 400
    assert post_login(client, OFFICIAL_EMAILS[Role.AUDITOR], "temporary password 1").status_code == 302
    assert client.get("/office/").headers["Location"] == "/office/password"
    token = csrf_token(client, "/office/password")
    refused = client.post("/office/password", data={"current": "temporary password 1", "new": " " * 12, "csrf_token": token})
    assert refused.status_code == 400 and "blanks only" in refused.get_data(as_text=True)
    changed = client.post("/office/password", data={"current": "temporary password 1", "new": NEW_PASSWORD, "csrf_token": token})
    assert changed.status_code == 302
    assert post_login(client, OFFICIAL_EMAILS[Role.AUDITOR], NEW_PASSWORD).status_code == 302
    assert client.get("/office/").status_code == 200
    body = client.get("/api/v1/journal?limit=1000").get_data(as_text=True)
    assert "official.password-reset" in body and "scrypt" not in body and "temporary password" not in body


def test_the_secretariat_manages_accounts_from_its_users_page(client, engine, officials):
    sign_in(client, Role.SECRETARIAT)
    page = client.get("/office/users")
    assert page.status_code == 200 and OFFICIAL_EMAILS[Role.TREASURER] in page.get_data(as_text=True)
    token = csrf_token(client, "/office/users")
    treasurer = user_id(engine, Role.TREASURER)
    assert client.post(f"/office/users/{treasurer}/deactivate", data={"csrf_token": token}).status_code == 302
    assert "deactivated" in client.get("/office/users").get_data(as_text=True)
    assert client.post(f"/office/users/{treasurer}/role", data={"role": "auditor", "csrf_token": token}).status_code == 302
    refused = client.post(f"/office/users/{treasurer}/role", data={"role": "delegate", "csrf_token": token})
    assert refused.status_code == 400


def test_cli_lifecycle(engine, officials, monkeypatch):
    from click.testing import CliRunner

    from ledger.cli import main as cli

    monkeypatch.setenv("LEDGER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    listed = runner.invoke(cli, ["users", "list"])
    assert listed.exit_code == 0 and OFFICIAL_EMAILS[Role.AUDITOR] in listed.output
    auditor = str(user_id(engine, Role.AUDITOR))
    for command in (["deactivate", auditor], ["reactivate", auditor], ["set-role", auditor, "treasurer"]):
        result = runner.invoke(cli, ["users", *command])
        assert result.exit_code == 0, result.output
    reset = runner.invoke(cli, ["users", "reset-password", auditor, "--password-stdin"], input="temporary password 2\n")
    assert reset.exit_code == 0, reset.output
    weak = runner.invoke(cli, ["users", "reset-password", auditor, "--password-stdin"], input="password1234\n")
    assert weak.exit_code == 1 and "most common" in weak.output


# --- 3. Second factor (ASVS V2.7, V2.8)

def test_totp_enrolment_and_sign_in_with_a_code_and_a_recovery_code(client, engine, officials):
    """ASVS V2.8.1 (TOTP), V2.8.4 (a code is used once), V2.5.x / V2.6.2 (hashed recovery codes)."""
    sign_in(client, Role.TREASURER)
    page = client.get("/office/second-factor").get_data(as_text=True)
    assert "<svg" in page
    with client.session_transaction() as session:
        secret = session["enrolling_secret"]
    token = csrf_token(client, "/office/second-factor")
    done = client.post("/office/second-factor", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f-]+)</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/office/").status_code == 302  # enrolling ended the session
    assert post_login(client, OFFICIAL_EMAILS[Role.TREASURER], PASSWORD).headers["Location"] == "/login/second-factor"
    assert client.get("/office/").status_code == 302  # the password alone opens nothing
    token = csrf_token(client, "/login/second-factor")
    assert client.post("/login/second-factor", data={"code": "000000", "csrf_token": token}).status_code == 400
    assert client.post("/login/second-factor", data={"code": codes[0], "csrf_token": token}).status_code == 302
    assert client.get("/office/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/office/")})
    post_login(client, OFFICIAL_EMAILS[Role.TREASURER], PASSWORD)
    token = csrf_token(client, "/login/second-factor")
    assert client.post("/login/second-factor", data={"code": codes[0], "csrf_token": token}).status_code == 400
    assert verify_ledger(engine).ok


def test_production_requires_a_second_factor(engine, officials):
    """With LEDGER_REQUIRE_SECOND_FACTOR (on in production) every page leads to enrolment first."""
    from ledger.web import create_app

    app = create_app(Settings(database_url=str(engine.url), secret_key="test-secret-key", env="test", require_second_factor=True), engine=engine)
    client = app.test_client()
    sign_in(client, Role.AUDITOR)
    assert client.get("/office/").headers["Location"] == "/office/second-factor"


# --- 9. Ballot privacy while a motion is open

def test_the_public_journal_carries_ballots_as_commitments_while_a_motion_is_open(client, engine, members):
    """Issue 13 item 9: while a motion is open the public journal must not show which members
    have voted or changed their vote (the office keeps that to the secretariat and auditor,
    Permission.SEE_WHO_VOTED); each ballot is a digest under the motion's id, still verified."""
    import json

    from tests.test_office_governance import CLI, TODAY, delegate, meeting, opened  # noqa: F401 - the scene of the board tests
    from ledger.services import governance

    meeting_id = governance.schedule_meeting("Autumn session", TODAY.isoformat(), actor=CLI, uow=UnitOfWork(engine))
    governance.record_presence(meeting_id, ["DEU", "FRA", "CAN"], actor=CLI, uow=UnitOfWork(engine))
    motion_id = opened(engine, meeting_id, ballot="secret")
    for member, vote in (("FRA", "no"), ("DEU", "yes"), ("DEU", "no")):
        governance.cast_ballot(motion_id, member, vote, today=TODAY, actor=delegate(member), uow=UnitOfWork(engine))
    entries = [e for e in client.get("/api/v1/journal?limit=1000").get_json()["entries"] if e["kind"] == "ballot.cast"]
    assert len(entries) == 3
    published = json.dumps(entries)
    assert "DEU" not in published and "FRA" not in published and "delegate" not in published
    assert all(e["actor"] == "ballot:sealed" for e in entries) and f"A sealed ballot on motion #{motion_id}" in published
    assert verify_ledger(engine).ok
    with engine.begin() as connection:  # a ballot changed behind the application is still caught
        connection.execute(text("UPDATE ballot SET member_code = 'CAN' WHERE member_code = 'FRA'"))
    assert not verify_ledger(engine).ok


# --- 10. Duplicate resubmissions, racing

def test_racing_identical_resubmissions_of_a_payment_are_booked_once_and_answered_already_booked(engine):
    """Issue 13 item 10: the same payment (reference and figures) sent by twelve requests at
    once is booked once; the others are told it is already booked, none gets a 409 or a 500.
    The lookup of the reference runs under the journal lock, so it sees the first booking."""
    from datetime import date

    from tests.test_contributions import TODAY, facility as build_facility, pay  # noqa: F401 - the contributions scene

    build_facility.__wrapped__(engine)
    outcomes: list[object] = []
    barrier = threading.Barrier(12)

    def submit():
        barrier.wait(timeout=30)
        try:
            outcomes.append(pay(engine, "FRA", date(2022, 3, 1), "1000.00", "BANK-RACE").created)
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            outcomes.append(repr(error))

    threads = [threading.Thread(target=submit) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes, key=str) == [False] * 11 + [True], outcomes


# --- 8. Four eyes on money (payments)

def test_a_payment_above_the_threshold_counts_only_once_a_second_official_approves_it(engine, client):
    """Issue 13 item 8 (ASVS V1.11.2 / V11.1, segregation of duties): above four_eyes_threshold a
    payment is a proposal that no figure counts; its author cannot approve it; another official
    does, and only then is it booked. Both steps are journaled; a resubmission is answered
    "already proposed"."""
    from datetime import date

    from ledger.domain.access import Actor
    from ledger.domain.errors import Forbidden
    from ledger.services import contributions as finance, four_eyes
    from tests.test_contributions import facility as build_facility, pay, year_rows

    build_facility.__wrapped__(engine)
    finance.change_setting("four_eyes_threshold", "500.00", "Board, test", actor=system_actor("test"), uow=UnitOfWork(engine))
    small = pay(engine, "FRA", date(2022, 3, 1), "400.00", "BANK-SMALL")
    assert small.created and not small.pending
    big = pay(engine, "FRA", date(2022, 3, 2), "1000.00", "BANK-BIG")
    again = pay(engine, "FRA", date(2022, 3, 2), "1000.00", "BANK-BIG")
    assert (big.pending, again.pending, again.created, again.id) == (True, True, False, big.id)
    assert {row.code: row for row in year_rows(engine, 2022).rows}["FRA"].paid_minor == 40000
    with pytest.raises(Forbidden, match="a second official"):
        four_eyes.approve(big.id, actor=system_actor("test"), uow=UnitOfWork(engine))
    second = Actor("user:99", Role.TREASURER)
    four_eyes.approve(big.id, actor=second, uow=UnitOfWork(engine))
    assert {row.code: row for row in year_rows(engine, 2022).rows}["FRA"].paid_minor == 140000
    with pytest.raises(Exception, match="approved already"):
        four_eyes.approve(big.id, actor=Actor("user:98", Role.SECRETARIAT), uow=UnitOfWork(engine))
    assert pay(engine, "FRA", date(2022, 3, 2), "1000.00", "BANK-BIG").created is False  # now booked: already booked
    kinds = [e["kind"] for e in client.get("/api/v1/journal?limit=1000").get_json()["entries"]]
    assert kinds.count("payment.proposed") == 1 and kinds.count("payment.approved") == 1
    assert verify_ledger(engine).ok


def test_the_pending_payments_page_and_approval_in_the_workspace(client, engine, signed_in):
    from datetime import date

    from ledger.services import contributions as finance
    from tests.test_contributions import facility as build_facility, pay

    build_facility.__wrapped__(engine)
    finance.change_setting("four_eyes_threshold", "500.00", "Board, test", actor=system_actor("test"), uow=UnitOfWork(engine))
    big = pay(engine, "FRA", date(2022, 3, 2), "1000.00", "BANK-BIG")
    token = signed_in(Role.TREASURER)
    page = client.get("/office/contributions/pending").get_data(as_text=True)
    assert "BANK-BIG" in page and f"Approve #{big.id}" in page
    assert client.post(f"/office/contributions/pending/{big.id}/approve", data={"csrf_token": token}).status_code == 302
    assert "No booking awaits approval." in client.get("/office/contributions/pending").get_data(as_text=True)
    assert client.post("/office/contributions/pending/999/approve", data={"csrf_token": token}).status_code == 404


def test_forty_concurrent_sign_ins_through_the_wsgi_app_get_no_5xx(app, officials):
    """Forty concurrent POST /login (wrong passwords, one account, one client) through the WSGI
    app: each is a 400 or a 429, never a 500 ('database is locked' on SQLite before)."""
    clients = [app.test_client() for _ in range(40)]
    tokens = [csrf_token(c, "/login") for c in clients]
    statuses: list[int] = []
    barrier = threading.Barrier(40)

    def attempt(client, token):
        barrier.wait(timeout=30)
        response = client.post("/login", data={"email": OFFICIAL_EMAILS[Role.AUDITOR], "password": "guess guess guess", "csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == 40 and set(statuses) <= {400, 429}, statuses
    assert statuses.count(400) == FREE_FAILURES
