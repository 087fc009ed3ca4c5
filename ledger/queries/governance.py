"""Motions as published: list, detail with the stored snapshot, roll-call matrix, participation.

A closed motion is shown from the snapshot stored when it closed, never recomputed. For a
secret ballot only the totals are published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, and_, func, select

from ledger.db.tables import Meeting, Member, Motion, MotionEvent

motions = Motion.__table__
events = MotionEvent.__table__
meetings = Meeting.__table__
members_t = Member.__table__


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


def _motions():
    opened = events.alias("opened")
    closed = events.alias("closed")
    return (
        select(
            motions.c.id, motions.c.title, motions.c.kind,
            func.coalesce(func.nullif(func.coalesce(closed.c.event, opened.c.event, "draft"), "opened"), "open").label("status"),
            closed.c.outcome, closed.c.on_date, meetings.c.id, meetings.c.title, meetings.c.held_on,
            motions.c.rule_name, motions.c.ballot,
        )
        .join(meetings, meetings.c.id == motions.c.meeting_id)
        .outerjoin(opened, and_(opened.c.motion_id == motions.c.id, opened.c.event == "opened"))
        .outerjoin(closed, and_(closed.c.motion_id == motions.c.id, closed.c.event == "closed"))
    )


def list_motions(connection: Connection, year: int | None = None) -> list[MotionRow]:
    """Every motion, oldest meeting first; or those of one year's meetings."""
    query = _motions().order_by(meetings.c.held_on, motions.c.id)
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
    """One motion with its rule, effect and, once closed, its stored snapshot."""
    row = connection.execute(_motions().where(motions.c.id == motion_id)).first()
    if row is None:
        return None
    extra = connection.execute(
        select(motions.c.text, motions.c.rule_json, motions.c.weights, motions.c.effect_json, events.c.explanation, events.c.snapshot_json)
        .outerjoin(events, and_(events.c.motion_id == motions.c.id, events.c.event == "closed"))
        .where(motions.c.id == motion_id)
    ).one()
    return MotionDetail(
        row=MotionRow(*row), text=extra.text, rule=json.loads(extra.rule_json), weights_basis=extra.weights,
        effect=json.loads(extra.effect_json), explanation=extra.explanation,
        snapshot=json.loads(extra.snapshot_json) if extra.snapshot_json else None,
    )


def roll_calls(connection: Connection, year: int) -> list[tuple[MotionRow, dict[str, str]]]:
    """The year's closed roll-call motions with each member's vote (absent members left out)."""
    closed = [row for row in list_motions(connection, year) if row.status == "closed" and row.ballot == "roll_call"]
    snapshots = dict(
        connection.execute(
            select(events.c.motion_id, events.c.snapshot_json).where(events.c.event == "closed", events.c.motion_id.in_([r.id for r in closed]))
        ).all()
    )
    return [(row, json.loads(snapshots[row.id])["votes"] or {}) for row in closed]


def member_names(connection: Connection) -> dict[str, str]:
    return dict(connection.execute(select(members_t.c.code, members_t.c.name)).all())
