"""Admitting members and recording their status changes."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from ledger.db.tables import Member, MemberStatusChange
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Permission, require
from ledger.domain.errors import Conflict, NotFound
from ledger.domain.members import (
    Admission,
    MemberStatus,
    StatusFact,
    check_country_code,
    validate_admission,
    validate_status_change,
)
from ledger.domain.errors import raise_if_any


def admit_member(
    code: str, name: str | None, status: str, joined: str | date, *, actor: Actor, uow: UnitOfWork
) -> Admission:
    """Admit a member with its first status (member, associate or observer) from `joined`."""
    require(actor, Permission.MANAGE_MEMBERS)
    admission = validate_admission(code, name, status, joined)
    with uow:
        if uow.session.get(Member, admission.code) is not None:
            raise Conflict(f"{admission.code} is already a member of the ledger; change its status instead")
        uow.add(Member(code=admission.code, name=admission.name, journal_seq=0))
        uow.add(
            MemberStatusChange(
                member_code=admission.code,
                status=admission.status.value,
                effective=admission.joined,
                journal_seq=0,
            )
        )
        uow.commit(
            actor=actor,
            kind="member.admitted",
            summary=f"Admitted {admission.name} ({admission.code}) as {admission.status.value} from {admission.joined.isoformat()}",
        )
    return admission


def change_member_status(
    code: str, status: str, effective: str | date, *, actor: Actor, uow: UnitOfWork
) -> StatusFact:
    """Record a new status fact (including withdrawal, with its date of leaving)."""
    require(actor, Permission.MANAGE_MEMBERS)
    code, problems = check_country_code(code)
    raise_if_any(problems)
    with uow:
        member = uow.session.get(Member, code)
        if member is None:
            raise NotFound(f"no member with code {code}")
        history = member_history(uow, code)
        fact = validate_status_change(history, status, effective)
        uow.add(
            MemberStatusChange(
                member_code=code, status=fact.status.value, effective=fact.effective, journal_seq=0
            )
        )
        verb = "Withdrawal of" if fact.status is MemberStatus.WITHDRAWN else "Status change of"
        uow.commit(
            actor=actor,
            kind="member.status_changed",
            summary=f"{verb} {member.name} ({code}): {history[-1].status.value} to {fact.status.value} from {fact.effective.isoformat()}",
        )
    return fact


def member_history(uow: UnitOfWork, code: str) -> tuple[StatusFact, ...]:
    """A member's status facts, oldest first."""
    rows = uow.session.exec(
        select(MemberStatusChange)
        .where(MemberStatusChange.member_code == code)
        .order_by(MemberStatusChange.effective, MemberStatusChange.id)
    ).all()
    return tuple(StatusFact(MemberStatus(row.status), row.effective) for row in rows)
