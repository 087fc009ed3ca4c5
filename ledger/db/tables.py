"""The tables. Ledger tables are append-only and every row names the journal entry that wrote it."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class JournalEntry(SQLModel, table=True):
    """One link of the hash chain. `payload` is the published canonical JSON; the other
    columns repeat parts of it so the auditor can filter without parsing."""

    __tablename__ = "journal_entry"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    recorded_at: datetime = Field(index=True)
    actor: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=64, index=True)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)


class Member(SQLModel, table=True):
    """A member state as admitted. Its status lives in MemberStatusChange, never here."""

    __tablename__ = "member"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    code: str = Field(primary_key=True, max_length=3)
    name: str = Field(max_length=120)
    journal_seq: int = Field(index=True)


class MemberStatusChange(SQLModel, table=True):
    """A status fact: from `effective` on, the member is `status`. Joining is the first fact."""

    __tablename__ = "member_status_change"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    member_code: str = Field(foreign_key="member.code", max_length=3, index=True)
    status: str = Field(max_length=16)
    effective: date
    journal_seq: int = Field(index=True)


class User(SQLModel, table=True):
    """An official. E-mail and password hash are private: the journal records neither."""

    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("email", name="uq_app_user_email"),)
    private_columns: ClassVar[frozenset[str]] = frozenset({"email", "password_hash"})

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    member_code: str | None = Field(default=None, foreign_key="member.code", max_length=3)
    journal_seq: int = Field(index=True)


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, kept to throttle guessing. Operational, not a ledger fact: not journaled."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    remote_addr: str = Field(max_length=64, index=True)
    at: datetime = Field(index=True)


# Every table whose rows `ledger verify` checks against the journal, in dependency order.
JOURNALED_TABLES: tuple[type[SQLModel], ...] = (Member, MemberStatusChange, User)
