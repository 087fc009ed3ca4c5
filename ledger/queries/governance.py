"""Motions as published: list, detail with the stored snapshot, roll-call matrix, participation.

A closed motion is shown from the snapshot stored when it closed, never recomputed, as
ledger.domain.governance.rules.published_snapshot publishes it: for a secret ballot only the outcome and
whether each threshold was met (also for snapshots stored before that rule).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType

from sqlalchemy import Connection, and_, func, select

from ledger.db.tables import Ballot, JournalEntry, Meeting, Member, Motion, MotionEvent, Presence, Proxy, WeightLine, WeightSet
from ledger.domain.governance.publication import published_snapshot
from ledger.domain.governance.representation import CastBallot, VotingRight
from ledger.queries.contributions import standings_on
from ledger.queries.members import membership_timelines
from ledger.queries.sql import NO_LIMIT

motions = Motion.__table__
events = MotionEvent.__table__
meetings = Meeting.__table__
meetings_t = meetings
members_t = Member.__table__
presence_t = Presence.__table__
proxies_t = Proxy.__table__
ballots_t = Ballot.__table__
journal_t = JournalEntry.__table__
weight_sets = WeightSet.__table__
weight_lines = WeightLine.__table__


@dataclass(frozen=True, slots=True)
class MotionRow:
    id: int
    title: str
    kind: str
    status: str
    outcome: str | None
    closed_at: date | None
    meeting_id: int
    meeting_title: str
    held_on: date
    rule_name: str
    ballot: str
    decision_seq: int | None  # the entry that closed it and stored its outcome: the decision's receipt


def _motions(through_seq: int = NO_LIMIT):
    """Motions with their state up to a journal entry (a closed year's report reads them so)."""
    opened = events.alias("opened")
    closed = events.alias("closed")
    return (
        select(
            motions.c.id, motions.c.title, motions.c.kind,
            func.coalesce(func.nullif(func.coalesce(closed.c.event, opened.c.event, "draft"), "opened"), "open").label("status"),
            closed.c.outcome, closed.c.on_date, meetings.c.id, meetings.c.title, meetings.c.held_on,
            motions.c.rule_name, motions.c.ballot, closed.c.journal_seq,
        )
        .join(meetings, meetings.c.id == motions.c.meeting_id)
        .outerjoin(opened, and_(opened.c.motion_id == motions.c.id, opened.c.event == "opened", opened.c.journal_seq <= through_seq))
        .outerjoin(closed, and_(closed.c.motion_id == motions.c.id, closed.c.event == "closed", closed.c.journal_seq <= through_seq))
        .where(motions.c.journal_seq <= through_seq)
    )


def list_motions(connection: Connection, year: int | None = None, through_seq: int = NO_LIMIT) -> list[MotionRow]:
    """Every motion, oldest meeting first; or those of one year's meetings."""
    query = _motions(through_seq).order_by(meetings.c.held_on, motions.c.id)
    if year is not None:
        query = query.where(meetings.c.held_on.between(date(year, 1, 1), date(year, 12, 31)))
    return [MotionRow(*row) for row in connection.execute(query)]


@dataclass(frozen=True, slots=True)
class MotionDetail:
    row: MotionRow
    text: str
    rule: dict
    weights_basis: str
    effect: dict
    explanation: str | None
    snapshot: dict | None


def find_motion(connection: Connection, motion_id: int) -> MotionDetail | None:
    """One motion with its rule, effect and, once closed, its stored snapshot (None for a number no motion can have)."""
    if not 1 <= motion_id <= NO_LIMIT:
        return None
    row = connection.execute(_motions().where(motions.c.id == motion_id)).first()
    if row is None:
        return None
    extra = connection.execute(
        select(motions.c.text, motions.c.rule_json, motions.c.weights, motions.c.effect_json, events.c.explanation, events.c.snapshot_json)
        .outerjoin(events, and_(events.c.motion_id == motions.c.id, events.c.event == "closed"))
        .where(motions.c.id == motion_id)
    ).one()
    snapshot = published_snapshot(json.loads(extra.snapshot_json)) if extra.snapshot_json else None
    return MotionDetail(
        row=MotionRow(*row), text=extra.text, rule=json.loads(extra.rule_json), weights_basis=extra.weights,
        effect=json.loads(extra.effect_json), explanation=snapshot["decision"]["explanation"] if snapshot else extra.explanation,
        snapshot=snapshot,
    )


def closed_motions(connection: Connection, year: int, through_seq: int = NO_LIMIT) -> list[tuple[MotionRow, dict]]:
    """The year's closed motions with their snapshots as published (a secret ballot's: outcome and thresholds only)."""
    closed = [row for row in list_motions(connection, year, through_seq) if row.status == "closed"]
    snapshots = dict(
        connection.execute(
            select(events.c.motion_id, events.c.snapshot_json).where(events.c.event == "closed", events.c.motion_id.in_([r.id for r in closed]))
        ).all()
    )
    return [(row, published_snapshot(json.loads(snapshots[row.id]))) for row in closed]


@dataclass(frozen=True, slots=True)
class Decision:
    """A closed motion as the front door and the feed announce it: what, how it ended, and the entry that recorded it."""

    motion_id: int
    title: str
    kind: str
    outcome: str
    explanation: str
    closed_on: date
    held_on: date
    journal_seq: int
    recorded_at: datetime


def latest_decisions(connection: Connection, limit: int) -> list[Decision]:
    """The board's last `limit` closed motions, the latest first, with the journal entry that closed each."""
    closed = events.alias("closed")
    rows = connection.execute(
        select(
            motions.c.id, motions.c.title, motions.c.kind, closed.c.outcome, func.coalesce(closed.c.explanation, ""),
            closed.c.on_date, meetings.c.held_on, closed.c.journal_seq, journal_t.c.recorded_at,
        )
        .join(closed, and_(closed.c.motion_id == motions.c.id, closed.c.event == "closed"))
        .join(meetings, meetings.c.id == motions.c.meeting_id)
        .join(journal_t, journal_t.c.seq == closed.c.journal_seq)
        .order_by(closed.c.journal_seq.desc())
        .limit(limit)
    ).all()
    return [Decision(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class MemberWeight:
    """A member's weight in one recorded weight set (population, ...), with where the figures come from."""

    name: str
    source: str
    weight: str
    journal_seq: int


def member_weights(connection: Connection, code: str) -> list[MemberWeight]:
    """The member's weight in every weight set recorded, oldest first."""
    rows = connection.execute(
        select(weight_sets.c.name, weight_sets.c.source, weight_lines.c.weight, weight_sets.c.journal_seq)
        .join(weight_lines, weight_lines.c.weight_set_id == weight_sets.c.id)
        .where(weight_lines.c.member_code == code)
        .order_by(weight_sets.c.id)
    ).all()
    return [MemberWeight(*row) for row in rows]


def member_names(connection: Connection) -> dict[str, str]:
    return dict(connection.execute(select(members_t.c.code, members_t.c.name)).all())


# --------------------------------------------------------------------------- the workspace's view of meetings


@dataclass(frozen=True, slots=True)
class MeetingRow:
    id: int
    title: str
    held_on: date


@dataclass(frozen=True, slots=True)
class BallotRecord:
    """That a member's ballot is recorded on a motion, never how it voted."""

    member: str
    by_proxy: bool
    cast_by: str
    times: int
    last_at: datetime
    journal_seq: int  # the latest ballot's entry: the receipt of a sealed ballot, naming neither member nor vote


@dataclass(frozen=True, slots=True)
class BoardRecord:
    """Meetings, presence, proxies and who has voted on what, for the officials' workspace."""

    meetings: Mapping[int, MeetingRow]
    presence: Mapping[int, tuple[str, ...]]  # meeting -> members present
    proxies: Mapping[int, Mapping[str, str]]  # meeting -> member giving its proxy -> member whose delegate carries it
    ballots: Mapping[int, Mapping[str, BallotRecord]]  # motion -> member -> its latest ballot's record


def board_record(connection: Connection) -> BoardRecord:
    """Everything the workspace shows of meetings, in four SELECTs; votes themselves are not read."""
    meetings = {row.id: MeetingRow(row.id, row.title, row.held_on) for row in connection.execute(select(meetings_t.c.id, meetings_t.c.title, meetings_t.c.held_on))}
    presence: dict[int, list[str]] = {}
    for meeting_id, code in connection.execute(select(presence_t.c.meeting_id, presence_t.c.member_code).order_by(presence_t.c.id)):
        presence.setdefault(meeting_id, []).append(code)
    proxies: dict[int, dict[str, str]] = {}
    for meeting_id, code, holder in connection.execute(select(proxies_t.c.meeting_id, proxies_t.c.member_code, proxies_t.c.holder_code)):
        proxies.setdefault(meeting_id, {})[code] = holder
    latest = (
        select(
            ballots_t.c.motion_id, ballots_t.c.member_code, ballots_t.c.by_proxy, ballots_t.c.cast_by, journal_t.c.recorded_at,
            ballots_t.c.journal_seq,
            func.count().over(partition_by=(ballots_t.c.motion_id, ballots_t.c.member_code)).label("times"),
            func.row_number().over(partition_by=(ballots_t.c.motion_id, ballots_t.c.member_code), order_by=ballots_t.c.id.desc()).label("rank"),
        )
        .join(journal_t, journal_t.c.seq == ballots_t.c.journal_seq)
        .subquery()
    )
    cast: dict[int, dict[str, BallotRecord]] = {}
    for row in connection.execute(select(latest).where(latest.c.rank == 1)):
        cast.setdefault(row.motion_id, {})[row.member_code] = BallotRecord(row.member_code, row.by_proxy, row.cast_by, row.times, row.recorded_at, row.journal_seq)
    return BoardRecord(
        MappingProxyType(meetings),
        MappingProxyType({meeting: tuple(codes) for meeting, codes in presence.items()}),
        MappingProxyType({meeting: MappingProxyType(given) for meeting, given in proxies.items()}),
        MappingProxyType({motion: MappingProxyType(records) for motion, records in cast.items()}),
    )


# --------------------------------------------------------------------------- who votes


def voting_rights_on(connection: Connection, day: date) -> dict[str, VotingRight]:
    """Every member the ledger knows, by code, with its voting right on a day.

    Membership comes from the membership timeline, suspension from the standing on the
    day (ledger.queries.contributions.standings_on, a waiver already weighed): one query each.
    """
    standings = standings_on(connection, day)
    rights = {}
    for code, timeline in membership_timelines(connection).items():
        standing = standings.get(code)
        suspended = standing is not None and standing.standing.value == "suspended"
        rights[code] = VotingRight(code, day, timeline.is_member_on(day), _status_value(timeline.status_on(day)),
                                   standing.explanation if suspended else None)
    return rights


def _status_value(status) -> str | None:
    return None if status is None else status.value


def cast_ballots(connection: Connection, motion_id: int) -> list[CastBallot]:
    """Every ballot recorded on a motion, oldest first (their order decides which counts: ledger.domain.governance.representation.represented)."""
    rows = connection.execute(
        select(ballots_t.c.member_code, ballots_t.c.vote, ballots_t.c.by_proxy).where(ballots_t.c.motion_id == motion_id).order_by(ballots_t.c.id)
    )
    return [CastBallot(code, vote, bool(by_proxy)) for code, vote, by_proxy in rows]


def meeting_presence(connection: Connection, meeting_id: int) -> tuple[frozenset[str], dict[str, str]]:
    """The members recorded present at a meeting, and its proxies (member -> holder)."""
    present = frozenset(connection.execute(select(presence_t.c.member_code).where(presence_t.c.meeting_id == meeting_id)).scalars())
    proxies = dict(connection.execute(select(proxies_t.c.member_code, proxies_t.c.holder_code).where(proxies_t.c.meeting_id == meeting_id)).all())
    return present, proxies


def delegate_ballots(connection: Connection, members: list[str]) -> dict[tuple[int, str, bool], str]:
    """The latest vote recorded for each of `members` on every open motion, (motion, member, by proxy) -> vote.

    For the delegate that cast them alone: it sees its own member's ballot, and the ballot
    it cast as proxy holder, never anyone else's.
    """
    closed = events.alias("closed")
    latest = (
        select(
            ballots_t.c.motion_id, ballots_t.c.member_code, ballots_t.c.vote, ballots_t.c.by_proxy,
            func.row_number().over(partition_by=(ballots_t.c.motion_id, ballots_t.c.member_code, ballots_t.c.by_proxy), order_by=ballots_t.c.id.desc()).label("rank"),
        )
        .outerjoin(closed, and_(closed.c.motion_id == ballots_t.c.motion_id, closed.c.event == "closed"))
        .where(ballots_t.c.member_code.in_(members), closed.c.id.is_(None))
        .subquery()
    )
    rows = connection.execute(select(latest.c.motion_id, latest.c.member_code, latest.c.by_proxy, latest.c.vote).where(latest.c.rank == 1))
    return {(motion, member, bool(by_proxy)): vote for motion, member, by_proxy, vote in rows}
