"""Adding officials and signing them in, with throttling of repeated failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, func, or_, select
from sqlmodel import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ledger.db.tables import LoginFailure, Member, User
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Permission, Role, require
from ledger.domain.errors import Conflict, DomainError, ValidationFailed
from ledger.domain.officials import validate_official

# Five wrong passwords for one address, or twenty from one network address, within a quarter
# of an hour lock further attempts until the window has passed.
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20


class SignInThrottled(DomainError):
    status = 429


@dataclass(frozen=True, slots=True)
class Official:
    """A signed-in official as the web tier keeps it."""

    id: int
    email: str
    role: Role
    member_code: str | None

    @property
    def actor(self) -> Actor:
        return Actor(ref=f"user:{self.id}", role=self.role, member_code=self.member_code)


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
                password_hash=generate_password_hash(password, method="scrypt"),
                role=new.role.value,
                member_code=new.member_code,
                journal_seq=0,
            )
        )
        bound = f" for {new.member_code}" if new.member_code else ""
        uow.commit(actor=actor, kind="official.added", summary=f"Added official user:{user.id} as {new.role.value}{bound}")
    return _official(user)


def sign_in(engine: Engine, email: str, password: str, remote_addr: str, *, now: datetime | None = None) -> Official:
    """Check a password; count failures and refuse further tries once the limit is reached."""
    now = now or datetime.now(timezone.utc)
    email = (email or "").strip().lower()
    with Session(engine) as session:
        since = now - FAILURE_WINDOW
        by_email, by_address = session.execute(
            select(
                func.count().filter(LoginFailure.email == email),
                func.count().filter(LoginFailure.remote_addr == remote_addr),
            ).where(LoginFailure.at >= since, or_(LoginFailure.email == email, LoginFailure.remote_addr == remote_addr))
        ).one()
        if by_email >= MAX_FAILURES_PER_EMAIL or by_address >= MAX_FAILURES_PER_ADDRESS:
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            raise SignInThrottled(f"too many failed sign-ins; wait {minutes} minutes and try again")
        user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None or not check_password_hash(user.password_hash, password or ""):
            session.add(LoginFailure(email=email[:254], remote_addr=remote_addr[:64], at=now))
            session.commit()
            raise ValidationFailed.single("password", "the e-mail address or the password is wrong")
        return _official(user)


def load_official(engine: Engine, user_id: int) -> Official | None:
    """The official behind a session cookie, or None when the account is gone."""
    with Session(engine) as session:
        user = session.get(User, user_id)
        return _official(user) if user else None


def _official(user: User) -> Official:
    return Official(id=user.id, email=user.email, role=Role(user.role), member_code=user.member_code)
