"""Members as the public sees them: current status, date joined, date left."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Select, case, func, select

from ledger.db.tables import Member, MemberStatusChange
from ledger.domain.members import MembershipTimeline, timelines_from_facts

facts = MemberStatusChange.__table__
members = Member.__table__


@dataclass(frozen=True, slots=True)
class MemberRow:
    code: str
    name: str
    status: str
    joined: date
    left: date | None


def list_members(connection: Connection) -> list[MemberRow]:
    """Every member with its latest status; `left` is the date of withdrawal, if any."""
    return [MemberRow(*row) for row in connection.execute(_members().order_by(members.c.name))]


def find_member(connection: Connection, code: str) -> MemberRow | None:
    """One member by its code, or None."""
    row = connection.execute(_members().where(members.c.code == code)).first()
    return MemberRow(*row) if row else None


def count_by_status(connection: Connection) -> dict[str, int]:
    """How many members hold each status today."""
    latest = _latest_facts()
    rows = connection.execute(
        select(latest.c.status, func.count()).where(latest.c.rank == 1).group_by(latest.c.status)
    )
    return dict(rows.all())


def statuses_on(connection: Connection, day: date) -> dict[str, str]:
    """Each member's status in force on a day (members not yet joined are left out)."""
    latest = _latest_facts(day)
    return dict(connection.execute(select(latest.c.member_code, latest.c.status).where(latest.c.rank == 1)).all())


def membership_timelines(connection: Connection, codes: Iterable[str] | None = None) -> dict[str, MembershipTimeline]:
    """Every member's timeline (or those of `codes`) from its status facts, in one query."""
    query = select(facts.c.member_code, facts.c.status, facts.c.effective).order_by(
        facts.c.member_code, facts.c.effective, facts.c.id
    )
    if codes is not None:
        query = query.where(facts.c.member_code.in_(list(codes)))
    return timelines_from_facts(connection.execute(query).all())


def membership_timeline(connection: Connection, code: str) -> MembershipTimeline | None:
    """One member's timeline, or None for a code the ledger does not know."""
    return membership_timelines(connection, [code]).get(code)


def _latest_facts(on: date | None = None):
    """Every status fact (up to the day `on`, when given) ranked per member, 1 being the one in force."""
    query = select(
        facts.c.member_code,
        facts.c.status,
        facts.c.effective,
        func.row_number()
        .over(partition_by=facts.c.member_code, order_by=(facts.c.effective.desc(), facts.c.id.desc()))
        .label("rank"),
    )
    if on is not None:
        query = query.where(facts.c.effective <= on)
    return query.subquery()


def _members() -> Select:
    latest = _latest_facts()
    joined = (
        select(facts.c.member_code, func.min(facts.c.effective).label("joined"))
        .group_by(facts.c.member_code)
        .subquery()
    )
    return (
        select(
            members.c.code,
            members.c.name,
            latest.c.status,
            joined.c.joined,
            case((latest.c.status == "withdrawn", latest.c.effective)).label("left"),
        )
        .join(latest, (latest.c.member_code == members.c.code) & (latest.c.rank == 1))
        .join(joined, joined.c.member_code == members.c.code)
    )
