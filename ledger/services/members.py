"""Admitting members and recording their status changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from sqlmodel import select

from ledger.db.tables import Member, MemberStatusChange
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Permission, require
from ledger.domain.errors import NotFound, Problem, raise_if_any
from ledger.domain.members import (
    Admission,
    MemberStatus,
    validate_readmission,
    StatusFact,
    check_country_code,
    is_member_code,
    validate_admission,
    validate_status_change,
)
from ledger.queries.members import membership_timeline


def admit_member(
    code: str, name: str | None, status: str, joined: str | date, *, actor: Actor, uow: UnitOfWork
) -> Admission:
    """Admit a member with its first status (member, associate or observer) from `joined`; a
    member that withdrew is readmitted the same way, with a new status fact from its return."""
    require(actor, Permission.MANAGE_MEMBERS)
    admission = validate_admission(code, name, status, joined)
    with uow:
        known = uow.session.get(Member, admission.code)
        if known is not None:
            return _readmit(known, admission, actor=actor, uow=uow)
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


def _readmit(member: Member, admission: Admission, *, actor: Actor, uow: UnitOfWork) -> Admission:
    timeline = membership_timeline(uow.session.connection(), member.code)
    readmission = validate_readmission(timeline, replace(admission, name=member.name))
    uow.add(
        MemberStatusChange(
            member_code=member.code, status=readmission.status.value, effective=readmission.joined, journal_seq=0
        )
    )
    uow.commit(
        actor=actor,
        kind="member.readmitted",
        summary=(
            f"Readmitted {member.name} ({member.code}) as {readmission.status.value} from {readmission.joined.isoformat()}, "
            f"after its withdrawal on {timeline.stints[-1].start.isoformat()}"
        ),
    )
    return readmission


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


def member_codes(uow: UnitOfWork, raws: Iterable[object], field: str) -> list[str]:
    """The codes of members of the ledger, in the order given, checked with one query; every
    malformed or unknown code is reported at once, as a problem of `field`."""
    raws = list(raws)
    codes = [str(raw or "").strip().upper() for raw in raws]
    problems = [
        Problem(field, f"the ISO 3166-1 alpha-3 code of a member, e.g. DEU; not {raw!r}")
        for raw, code in zip(raws, codes) if not is_member_code(code)
    ]
    raise_if_any(problems)
    known = set(uow.session.exec(select(Member.code).where(Member.code.in_(set(codes)))).all()) if codes else set()
    raise_if_any([Problem(field, f"{code} is not a member of the ledger") for code in dict.fromkeys(codes) if code not in known])
    return codes


def member_code(uow: UnitOfWork, raw: object, field: str) -> str:
    """The code of a member of the ledger, or ValidationFailed naming `field`."""
    return member_codes(uow, [raw], field)[0]
