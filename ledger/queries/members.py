"""Members as the public sees them: current status, date joined, date left."""

from __future__ import annotations

from collections import Counter
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
    """Every member with its latest status; `joined` is its first status fact (the timeline's
    `joined`), `left` the date of its withdrawal while it is withdrawn (none once readmitted)."""
    return [MemberRow(*row) for row in connection.execute(_members().order_by(members.c.name))]


def find_member(connection: Connection, code: str) -> MemberRow | None:
    """One member by its code, or None."""
    row = connection.execute(_members().where(members.c.code == code)).first()
    return MemberRow(*row) if row else None


def count_by_status(connection: Connection, day: date) -> dict[str, int]:
    """How many members hold each status on a day, from their timelines."""
    return dict(Counter(statuses_on(connection, day).values()))


def statuses_on(connection: Connection, day: date) -> dict[str, str]:
    """Each member's status in force on a day, from its timeline (members not yet joined are left out)."""
    in_force = {code: timeline.status_on(day) for code, timeline in membership_timelines(connection).items()}
    return {code: status.value for code, status in in_force.items() if status is not None}


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


def _latest_facts():
    """Every status fact ranked per member, 1 being the latest: the same order the timeline
    takes facts in (effective date, then as recorded), so the list agrees with it."""
    query = select(
        facts.c.member_code,
        facts.c.status,
        facts.c.effective,
        func.row_number()
        .over(partition_by=facts.c.member_code, order_by=(facts.c.effective.desc(), facts.c.id.desc()))
        .label("rank"),
    )
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
