"""Fixtures: every database test runs on SQLite and on PostgreSQL, each run in a fresh database.

PostgreSQL is reached at LEDGER_TEST_POSTGRES_URL (default: the local server on
127.0.0.1:5432 as user postgres). Where it cannot be reached the PostgreSQL half skips with
the reason, unless LEDGER_REQUIRE_POSTGRES=1, as in CI, where it fails instead.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from ledger.config import Settings
from ledger.db.engine import make_engine
from ledger.db.schema import upgrade
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Role, system_actor
from ledger.services.members import admit_member
from ledger.services.officials import PASSWORD_HASH, TEST_PASSWORD_HASH, add_official, hash_passwords_with

POSTGRES_SERVER = os.environ.get("LEDGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_POSTGRES = os.environ.get("LEDGER_REQUIRE_POSTGRES") == "1"
PASSWORD = "a long test password"
OFFICIAL_EMAILS = {role: f"{role.value}@test.example" for role in Role}


def _postgres_admin():
    admin = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect():
            pass
    except Exception as error:  # any failure to connect means: no server here
        admin.dispose()
        message = f"PostgreSQL not reachable at {POSTGRES_SERVER}: {error.__class__.__name__}"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (LEDGER_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    return admin


TEST_SETTINGS = Settings(database_url="sqlite://", secret_key="test-secret-key", env="test")


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Passwords hashed at TEST_PASSWORD_HASH's low cost in this run: hundreds of tests add officials
    and sign them in, minutes of CPU at production's cost."""
    hash_passwords_with(TEST_PASSWORD_HASH, TEST_SETTINGS)
    yield
    hash_passwords_with(PASSWORD_HASH, TEST_SETTINGS)


@pytest.fixture(scope="session", autouse=True)
def instance_dir(tmp_path_factory):
    """The commands' instance folder (development secret key, signing key) is the run's own, not
    the checkout's instance/: parallel workers would otherwise race to create the same keys."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("instance")
        patch.setenv("LEDGER_INSTANCE_DIR", str(folder))
        yield folder


@pytest.fixture
def production_password_hashing():
    """Production's password cost for one test (one that times sign-ins); ask for it before `officials`."""
    hash_passwords_with(PASSWORD_HASH, TEST_SETTINGS)
    yield
    hash_passwords_with(TEST_PASSWORD_HASH, TEST_SETTINGS)


class RunDatabases:
    """This run's databases, per backend: a migrated one for the tests and the demo template,
    each made on first use and dropped when the run ends.

    They are kept here rather than in the parametrized `database_url`, whose instance pytest
    finishes whenever the next test has the other backend: under pytest-xdist a worker runs a
    file's SQLite tests, then its PostgreSQL ones, then the next file's SQLite tests, and the
    databases (the demo above all) must survive each such switch instead of being made again.
    """

    def __init__(self, tmp_path_factory):
        self.tmp_path_factory = tmp_path_factory
        self.migrated_urls: dict[str, str] = {}
        self.demos: dict[str, tuple[str, tuple[str, ...]]] = {}

    def migrated(self, backend: str) -> str:
        """A freshly created, migrated, empty database of `backend` (sqlite or postgresql)."""
        if backend not in self.migrated_urls:
            self.migrated_urls[backend] = self._migrated(backend, "db", "ledger_test")
        return self.migrated_urls[backend]

    def demo(self, backend: str) -> tuple[str, tuple[str, ...]]:
        """(url, lines): the demo facility as of DEMO_TODAY and what `load_demo` said loading it."""
        from ledger.demo import load_demo

        if backend not in self.demos:
            url = self._migrated(backend, "demo", "ledger_demo")
            engine = make_engine(url)
            lines: list[str] = []
            load_demo(engine, lines.append, today=DEMO_TODAY)
            engine.dispose()
            self.demos[backend] = (url, tuple(lines))
        return self.demos[backend]

    def _migrated(self, backend: str, folder: str, prefix: str) -> str:
        if backend == "sqlite":
            url = f"sqlite:///{self.tmp_path_factory.mktemp(folder) / 'ledger.sqlite'}"
        else:
            url = _new_postgres_database(prefix)
        migrating = make_engine(url)
        upgrade(migrating)
        migrating.dispose()
        return url

    def drop(self) -> None:
        for url in [*self.migrated_urls.values(), *(url for url, _ in self.demos.values())]:
            drop_database(url)


@pytest.fixture(scope="session")
def run_databases(tmp_path_factory):
    databases = RunDatabases(tmp_path_factory)
    yield databases
    databases.drop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, run_databases):
    """A freshly created, migrated database for this test run (RunDatabases drops it afterwards)."""
    return run_databases.migrated(request.param)


DEMO_TODAY = date(2026, 11, 22)


@pytest.fixture(scope="session")
def demo_template(database_url, run_databases):
    """The demo facility (as of DEMO_TODAY), loaded once per backend and run; tests take copies.

    Returns (url, lines): the template database and what `load_demo` said while loading it.
    Replaying the demo takes tens of seconds, so it is done once and copied (a file copy on
    SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL) rather than replayed per test module.
    """
    return run_databases.demo(make_url(database_url).get_backend_name())


def copy_database(url: str) -> str:
    """A new database holding the same rows as the one at `url` (which nobody may be using)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        target = f"{parsed.database[:-len('.sqlite')]}-{uuid.uuid4().hex[:8]}.sqlite"
        with sqlite3.connect(parsed.database) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return f"sqlite:///{target}"
    return _new_postgres_database("ledger_copy", template=parsed.database)


@pytest.fixture
def demo_copy(demo_template):
    """A fresh copy of the demo database for one test; returns its URL. Dropped afterwards."""
    copies: list[str] = []

    def take() -> str:
        copies.append(copy_database(demo_template[0]))
        return copies[-1]

    yield take
    for url in copies:
        drop_database(url)


def _new_postgres_database(prefix: str, template: str | None = None) -> str:
    admin = _postgres_admin()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        # A commit returns before its WAL reaches the disk: a test database need not survive a
        # crash of the server, and its tests commit after nearly every step.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    return make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Remove a database made by copy_database or the template fixture."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(parsed.database + suffix):
                os.remove(parsed.database + suffix)
        return
    admin = _postgres_admin()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def empty_database(engine) -> None:
    """Remove every row, children first (the test's cleanup, not something the ledger does)."""
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(delete(table))


@pytest.fixture
def engine(database_url):
    """The run's database, emptied after each test."""
    engine = make_engine(database_url)
    yield engine
    empty_database(engine)
    engine.dispose()


@pytest.fixture
def backend(engine) -> str:
    return engine.dialect.name


@pytest.fixture
def uow(engine):
    return lambda: UnitOfWork(engine)


@pytest.fixture
def members(engine):
    """A small facility: three members, an associate and an observer."""
    actor = system_actor("test")
    for code, status, joined in (
        ("DEU", "member", "2022-01-01"),
        ("FRA", "member", "2022-01-01"),
        ("CAN", "member", "2023-03-15"),
        ("KOR", "associate", "2023-07-01"),
        ("JPN", "observer", "2024-01-01"),
    ):
        admit_member(code, None, status, joined, actor=actor, uow=UnitOfWork(engine))
    return ("DEU", "FRA", "CAN", "KOR", "JPN")


@pytest.fixture
def officials(engine, members):
    """One official per role (the delegate for DEU); all share PASSWORD."""
    return {
        role: add_official(
            OFFICIAL_EMAILS[role], PASSWORD, role.value, "DEU" if role is Role.DELEGATE else None,
            actor=system_actor("test"), uow=UnitOfWork(engine),
        )
        for role in Role
    }


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one for the whole run."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def app(engine, tmp_path):
    from ledger.web import create_app

    settings = Settings(database_url=str(engine.url), secret_key="test-secret-key", env="test")
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on the page at `url`."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def sign_in(client, role: Role, email: str | None = None) -> None:
    """Sign in through the login form as the official of `role` (OFFICIAL_EMAILS), or the one at `email`."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": email or OFFICIAL_EMAILS[role], "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def signed_in(client, engine):
    """Sign in as an official of a role, adding it on first use (only the ones a test needs).

    `signed_in(role)` uses OFFICIAL_EMAILS (a delegate for DEU); `signed_in(Role.DELEGATE, "FRA")`
    a delegate of another member. Returns the CSRF token of the signed-in session.
    """
    added: set[str] = set()

    def sign_in_as(role: Role, member: str = "DEU") -> str:
        email = OFFICIAL_EMAILS[role] if member == "DEU" else f"{role.value}-{member.lower()}@test.example"
        if email not in added:
            delegate_of = member if role is Role.DELEGATE else None
            add_official(email, PASSWORD, role.value, delegate_of, actor=system_actor("test"), uow=UnitOfWork(engine))
            added.add(email)
        sign_in(client, role, email)
        return csrf_token(client, "/login")

    return sign_in_as
