"""Officials' accounts: adding them, signing them in (throttled, with a second factor), their
sessions, and the account lifecycle (deactivation, role, password, TOTP), each change journaled."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache

import pyotp
from sqlalchemy import Engine, delete, func, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ledger.config import ConfigurationError, Settings
from ledger.db.engine import WRITE_OPTION
from ledger.db.tables import AccountChange, Member, SessionEpoch, SignInThrottle, User
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Permission, Role, require
from ledger.domain.errors import Conflict, DomainError, NotFound, Problem, ValidationFailed, raise_if_any
from ledger.domain.officials import (
    ACCEPTED_ROLES,
    FAILURES_PER_CLIENT,
    THROTTLE_WINDOW,
    password_problems,
    sign_in_delay,
    validate_official,
)

RECOVERY_CODES = 10
TOTP_ISSUER = "Member Ledger"
PASSWORD_HASH = "scrypt"
"""How passwords are stored: werkzeug's scrypt at its default cost (n=2**15, r=8, p=1: 32 MiB
and about 0.1 s of CPU a hash), slow on purpose so that a stolen table is slow to guess through."""
TEST_PASSWORD_HASH = "scrypt:1024:8:1"
"""The same scrypt at a 32nd of the cost, for a test run only: hundreds of its tests add and sign in
officials, minutes of CPU at PASSWORD_HASH's cost. (Below n=256 werkzeug's memory
bound for OpenSSL, 132*n*r*p bytes, is too small to hash at all.)"""
_password_hash = PASSWORD_HASH


class SignInThrottled(DomainError):
    status = 429


@dataclass(frozen=True, slots=True)
class Official:
    """A signed-in official as the web tier keeps it."""

    id: int
    email: str
    role: Role
    member_code: str | None
    session_version: int = 0
    must_change_password: bool = False
    has_second_factor: bool = False

    @property
    def actor(self) -> Actor:
        return Actor(ref=f"user:{self.id}", role=self.role, member_code=self.member_code)

    @property
    def session_id(self) -> str:
        """Flask-Login's alternative id: the account and its session version, so raising the
        version (sign-out, password change, deactivation, role change) ends every session."""
        return f"{self.id}:{self.session_version}"


@dataclass(frozen=True, slots=True)
class AccountState:
    """An official's account as its latest change left it (or as it was added)."""

    role: Role
    active: bool
    password_hash: str
    must_change_password: bool
    totp_secret: str | None
    recovery_hashes: tuple[str, ...]


def add_official(
    email: str, password: str, role: str, member_code: str | None, *, actor: Actor, uow: UnitOfWork
) -> Official:
    """Create an official; the journal records the account's id, role and member only."""
    require(actor, Permission.MANAGE_USERS)
    new = validate_official(email, password, role, member_code)
    with uow:
        if new.member_code and uow.session.get(Member, new.member_code) is None:
            raise ValidationFailed.single("member", f"{new.member_code} is not a member of the ledger; admit it first")
        taken = uow.session.execute(select(User.id).where(User.email == new.email)).first()
        if taken:
            raise Conflict(f"an official with the e-mail {new.email} exists already")
        user = uow.add(
            User(
                email=new.email,
                password_hash=_hashed(password),
                role=new.role.value,
                member_code=new.member_code,
                journal_seq=0,
            )
        )
        bound = f" for {new.member_code}" if new.member_code else ""
        uow.commit(actor=actor, kind="official.added", summary=f"Added official user:{user.id} as {new.role.value}{bound}")
    return _official(user, _as_added(user), 0)


def hash_passwords_with(method: str, settings: Settings) -> None:
    """Store the passwords set from now on in this process with `method`: PASSWORD_HASH, or
    TEST_PASSWORD_HASH, which only a test run (LEDGER_ENV=test) may choose."""
    global _password_hash
    if method not in (PASSWORD_HASH, TEST_PASSWORD_HASH):
        raise ConfigurationError(f"password hash {method!r}; accepted: {PASSWORD_HASH}, {TEST_PASSWORD_HASH}")
    if method != PASSWORD_HASH and settings.env != "test":
        raise ConfigurationError(f"the password hash {method} is for tests only (LEDGER_ENV=test), not {settings.env}")
    _password_hash = method


def _hashed(password: str) -> str:
    return generate_password_hash(password, method=_password_hash)


def _stand_in_hash() -> str:
    """A hash checked when the e-mail is unknown, so that both cases cost one scrypt of the current cost."""
    return _stand_in_hash_of(_password_hash)


@cache
def _stand_in_hash_of(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def sign_in(engine: Engine, email: str, password: str, client: str, *, now: datetime | None = None) -> Official:
    """Check a password, throttled per account and client and capped per client.

    The attempt is counted before the password is checked, in one serialised transaction,
    so concurrent guesses cannot exceed the limits; a success forgets the account+client
    count. The second factor, when enrolled, is checked next by `check_second_factor`.
    """
    now = now or datetime.now(timezone.utc)
    email = (email or "").strip().lower()
    pair, client_key = f"account:{email[:254]}|client:{client[:100]}", f"client:{client[:100]}"
    _count_attempt(engine, pair, client_key, now)
    with Session(engine) as session:
        user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        state = account_state(session, user) if user else None
        # The same work whether or not the address is known: no timing difference to enumerate by.
        right = check_password_hash(state.password_hash if state else _stand_in_hash(), password or "")
        if not right or state is None or not state.active:
            raise ValidationFailed.single("password", "the e-mail address or the password is wrong")
        version = _session_version(session, user.id)
    _forget_attempt(engine, pair, client_key)
    return _official(user, state, version)


def _write_session(engine: Engine) -> Session:
    """A session whose transaction takes SQLite's write lock at BEGIN (no 'database is locked'
    on upgrading a read), waiting up to the engine's busy timeout."""
    return Session(engine.execution_options(**{WRITE_OPTION: True}))


def _count_attempt(engine: Engine, pair: str, client_key: str, now: datetime) -> None:
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    with _write_session(engine) as session:
        # A counter without a failure for a whole window counts nothing any more: delete it, so
        # the table holds only the accounts and clients that failed within the last window.
        session.execute(delete(SignInThrottle).where(SignInThrottle.last_failure_at < now - THROTTLE_WINDOW))
        for key in (pair, client_key):
            session.execute(insert(SignInThrottle).values(key=key, failures=0, last_failure_at=now).on_conflict_do_nothing())
        rows = {
            row.key: row
            for row in session.execute(
                select(SignInThrottle).where(SignInThrottle.key.in_((pair, client_key))).with_for_update()
            ).scalars()
        }
        wait = _aware(rows[pair].last_failure_at) + sign_in_delay(rows[pair].failures) - now
        if rows[client_key].failures >= FAILURES_PER_CLIENT:
            session.commit()
            minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
            raise SignInThrottled(f"too many failed sign-ins from this network address; try again in {minutes} minutes")
        if wait > timedelta(0):
            session.commit()
            raise SignInThrottled(f"too many failed sign-ins for this address; wait {int(wait.total_seconds()) + 1} seconds and try again")
        for row in rows.values():
            row.failures += 1
            row.last_failure_at = now
        session.commit()


def _forget_attempt(engine: Engine, pair: str, client_key: str) -> None:
    with _write_session(engine) as session:
        session.execute(update(SignInThrottle).where(SignInThrottle.key == pair).values(failures=0))
        session.execute(
            update(SignInThrottle).where(SignInThrottle.key == client_key, SignInThrottle.failures > 0)
            .values(failures=SignInThrottle.failures - 1)
        )
        session.commit()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def load_official(engine: Engine, session_id: str) -> Official | None:
    """The official behind a session cookie, or None when the account is gone or inactive or
    the session's version is no longer the account's (the session was ended)."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()) or int(user_id) > 2**31 - 1:
        return None
    with Session(engine) as session:
        user = session.get(User, int(user_id))
        if user is None:
            return None
        state = account_state(session, user)
        current = _session_version(session, user.id)
        if not state.active or current != int(version):
            return None
        return _official(user, state, current)


def end_sessions(engine: Engine, user_id: int) -> None:
    """End every session of the official (sign-out): its session version goes up by one."""
    with _write_session(engine) as session:
        _raise_session_version(session, user_id)
        session.commit()


def account_state(session: Session, user: User) -> AccountState:
    """The account as its latest change left it."""
    change = session.execute(
        select(AccountChange).where(AccountChange.user_id == user.id).order_by(AccountChange.id.desc()).limit(1)
    ).scalar_one_or_none()
    if change is None:
        return _as_added(user)
    return AccountState(
        Role(change.role), change.active, change.password_hash, change.must_change_password,
        change.totp_secret, tuple(change.recovery_hashes.split()),
    )


def _as_added(user: User) -> AccountState:
    return AccountState(Role(user.role), True, user.password_hash, False, None, ())


def _session_version(session: Session, user_id: int) -> int:
    return session.execute(select(SessionEpoch.version).where(SessionEpoch.user_id == user_id)).scalar() or 0


def _epoch(session: Session, user_id: int) -> SessionEpoch:
    """The official's session row, created when missing and locked for this transaction."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(SessionEpoch).values(user_id=user_id, version=0, last_totp_step=0).on_conflict_do_nothing())
    return session.execute(select(SessionEpoch).where(SessionEpoch.user_id == user_id).with_for_update()).scalar_one()


def _raise_session_version(session: Session, user_id: int) -> None:
    _epoch(session, user_id).version += 1
    session.flush()


def _official(user: User, state: AccountState, version: int) -> Official:
    return Official(
        id=user.id, email=user.email, role=state.role, member_code=user.member_code, session_version=version,
        must_change_password=state.must_change_password, has_second_factor=state.totp_secret is not None,
    )


# --- The account lifecycle: each change is one journaled row and ends the official's sessions.

def _change_account(uow: UnitOfWork, user_id: int, kind: str, summary: str, actor: Actor, **changes) -> None:
    user = uow.session.get(User, user_id)
    if user is None:
        raise NotFound(f"there is no official user:{user_id}")
    state = account_state(uow.session, user)
    fields = {
        "role": state.role.value, "active": state.active, "password_hash": state.password_hash,
        "must_change_password": state.must_change_password, "totp_secret": state.totp_secret,
        "recovery_hashes": " ".join(state.recovery_hashes),
    }
    fields.update(changes)
    uow.add(AccountChange(user_id=user_id, kind=kind, journal_seq=0, **fields))
    if kind != "recovery-code-used":
        _raise_session_version(uow.session, user_id)
    uow.commit(actor=actor, kind=f"official.{kind}", summary=summary)


def deactivate_official(user_id: int, *, actor: Actor, uow: UnitOfWork) -> None:
    """Deactivate an account: it can no longer sign in, and its sessions end."""
    require(actor, Permission.MANAGE_USERS)
    with uow:
        _keep_a_secretariat(uow, user_id)
        _change_account(uow, user_id, "deactivated", f"Deactivated official user:{user_id}", actor, active=False)


def reactivate_official(user_id: int, *, actor: Actor, uow: UnitOfWork) -> None:
    """Reactivate an account (its password stays as it was)."""
    require(actor, Permission.MANAGE_USERS)
    with uow:
        _change_account(uow, user_id, "reactivated", f"Reactivated official user:{user_id}", actor, active=True)


def set_official_role(user_id: int, role: str, *, actor: Actor, uow: UnitOfWork) -> None:
    """Give an official another role; a delegate's member binding cannot change, so a delegate
    stays a delegate and nobody else becomes one (add a new account instead)."""
    require(actor, Permission.MANAGE_USERS)
    try:
        new_role = Role((role or "").strip().lower())
    except ValueError:
        raise ValidationFailed.single("role", f"{role!r} is not a role; accepted: {ACCEPTED_ROLES}") from None
    with uow:
        user = uow.session.get(User, user_id)
        if user is None:
            raise NotFound(f"there is no official user:{user_id}")
        if (new_role is Role.DELEGATE) != (user.member_code is not None):
            raise ValidationFailed.single(
                "role", "a delegate is bound to its member for good: add a new account to make someone a delegate or to end a delegation"
            )
        if new_role is not Role.SECRETARIAT:
            _keep_a_secretariat(uow, user_id)
        _change_account(uow, user_id, "role-changed", f"Official user:{user_id} is now {new_role.value}", actor, role=new_role.value)


def reset_password(user_id: int, new_password: str, *, actor: Actor, uow: UnitOfWork) -> None:
    """Set a temporary password that the official must change at its next sign-in."""
    require(actor, Permission.MANAGE_USERS)
    raise_if_any(password_problems(new_password))
    with uow:
        _change_account(
            uow, user_id, "password-reset", f"Reset the password of official user:{user_id}", actor,
            password_hash=_hashed(new_password), must_change_password=True,
        )


def change_password(user_id: int, current: str, new: str, *, actor: Actor, uow: UnitOfWork) -> None:
    """An official changes its own password, giving the current one; every session ends."""
    if actor.ref != f"user:{user_id}":
        raise ValidationFailed.single("current", "an official changes its own password only")
    problems = password_problems(new, "new")
    if new == current:
        problems.append(Problem("new", "give a password other than the current one"))
    with uow:
        user = uow.session.get(User, user_id)
        if user is None:
            raise NotFound(f"there is no official user:{user_id}")
        if not check_password_hash(account_state(uow.session, user).password_hash, current or ""):
            problems.insert(0, Problem("current", "this is not your current password"))
        raise_if_any(problems)
        _change_account(
            uow, user_id, "password-changed", f"Official user:{user_id} changed its password", actor,
            password_hash=_hashed(new), must_change_password=False,
        )


# --- The second factor: TOTP (RFC 6238) with one-time recovery codes.

def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode("utf-8")).hexdigest()


def enrol_second_factor(user_id: int, secret: str, code: str, *, actor: Actor, uow: UnitOfWork, now: datetime) -> tuple[str, ...]:
    """Enrol a TOTP secret once the official shows a code it generated; return the recovery
    codes (shown once; only their SHA-256 digests are kept: each is 80 random bits)."""
    if actor.ref != f"user:{user_id}":
        raise ValidationFailed.single("code", "an official enrols its own second factor only")
    if len(secret) != 32 or not pyotp.TOTP(secret).verify((code or "").strip(), for_time=now, valid_window=1):
        raise ValidationFailed.single("code", "this is not the current 6-digit code of the authenticator; scan the QR code again and give the code it shows")
    codes = tuple(f"{secrets.token_hex(5)}-{secrets.token_hex(5)}" for _ in range(RECOVERY_CODES))
    with uow:
        _change_account(
            uow, user_id, "second-factor-enrolled", f"Official user:{user_id} enrolled a second factor", actor,
            totp_secret=secret, recovery_hashes=" ".join(_digest(c) for c in codes),
        )
    return codes


def check_second_factor(engine: Engine, official: Official, code: str, *, now: datetime) -> None:
    """Accept the current TOTP code (once: a code already used is refused) or an unused recovery code."""
    code = (code or "").strip()
    with UnitOfWork(engine) as uow:
        user = uow.session.get(User, official.id)
        state = account_state(uow.session, user)
        totp = pyotp.TOTP(state.totp_secret)
        if code.isdigit() and len(code) == 6:
            step = int(now.timestamp()) // totp.interval
            for candidate in (step, step - 1, step + 1):
                if totp.verify(code, for_time=candidate * totp.interval, valid_window=0):
                    epoch = _epoch(uow.session, official.id)
                    if epoch.last_totp_step >= candidate:
                        break  # replayed: RFC 6238 section 5.2 allows each code once
                    epoch.last_totp_step = candidate
                    uow.session.commit()
                    return
        elif _digest(code) in state.recovery_hashes:
            left = " ".join(h for h in state.recovery_hashes if h != _digest(code))
            _change_account(uow, official.id, "recovery-code-used", f"Official user:{official.id} used a recovery code",
                            official.actor, recovery_hashes=left)
            return
    raise ValidationFailed.single("code", "this code is wrong or was used already; give the 6-digit code of your authenticator or a recovery code")


def _accounts_now():
    """Each official's id, e-mail and member, with the role and state its latest change left (one query)."""
    latest = (
        select(AccountChange.user_id, func.max(AccountChange.id).label("change_id"))
        .group_by(AccountChange.user_id).subquery()
    )
    return (
        select(User.id, User.email, User.member_code, func.coalesce(AccountChange.role, User.role).label("role"),
               func.coalesce(AccountChange.active, True).label("active"),
               AccountChange.totp_secret.is_not(None).label("second_factor"))
        .outerjoin(latest, latest.c.user_id == User.id)
        .outerjoin(AccountChange, AccountChange.id == latest.c.change_id)
    )


def list_officials(engine: Engine) -> list[dict]:
    """Every official with its current role, whether active, and whether a second factor is enrolled."""
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(_accounts_now().order_by(User.id))]


def _keep_a_secretariat(uow: UnitOfWork, user_id: int) -> None:
    """Refuse to deactivate or demote the last active secretariat official: nobody could then
    add, reactivate or reset an official from the workspace (the last administrator is kept,
    so that access control stays administrable: ASVS 4.0.3 V1.4.1, V4.1.x)."""
    uow.reserve()  # under the journal lock: two secretariat officials cannot remove each other at once
    accounts = _accounts_now().subquery()
    remaining = uow.session.execute(
        select(accounts.c.id).where(accounts.c.role == Role.SECRETARIAT.value, accounts.c.active == true())
    ).scalars().all()
    if remaining == [user_id]:
        raise Conflict(f"user:{user_id} is the last active secretariat official: give another official the secretariat role "
                       "(or reactivate one) first, so that someone can still manage the accounts")
