"""Routes of the open-data API. Each parses, calls a query, answers."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import asdict
from datetime import date
from functools import partial
from typing import TypeVar

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import Connection

from ledger.api.formats import fixed_places, int_arg, list_response, requested_format
from ledger.api.openapi import openapi_document
from ledger.domain.compute import gpu_hours
from ledger.domain.errors import NotFound, ValidationFailed
from ledger.domain.money import format_minor
from ledger.queries import compute as compute_queries
from ledger.queries import contributions as contribution_queries
from ledger.queries import governance as governance_queries
from ledger.queries import journal as journal_queries
from ledger.queries import members as member_queries
from ledger.queries import usage as usage_queries

api = Blueprint("api", __name__, url_prefix="/api/v1")

JOURNAL_PAGE_DEFAULT = 1_000
JOURNAL_PAGE_MAX = 100_000
MEMBER_COLUMNS = ("code", "name", "status", "joined", "left")
YEAR_COLUMNS = ("year", "budget", "currency", "status")
CONTRIBUTION_COLUMNS = ("code", "name", "share_pct", "assessed", "paid", "in_kind", "outstanding", "arrears", "standing")
MOTION_COLUMNS = ("id", "title", "kind", "status", "outcome", "closed_at")
SCALE_COLUMNS = (
    "scale_id", "first_year", "last_year", "ceiling_pct", "floor_pct", "precision_pct", "associate_factor_pct",
    "income_measure", "decision", "adopted_on", "code", "name", "income", "share_pct", "bound",
)
PROJECT_COLUMNS = ("account", "code", "member", "title", "safety_level")
QUOTA_COLUMNS = (
    "code", "name", "quota_gpu_hours", "frozen", "used_gpu_hours", "transferred_gpu_hours", "adjusted_gpu_hours",
    "carried_in_gpu_hours", "carried_out_gpu_hours", "forfeited_gpu_hours", "balance_gpu_hours",
    "contribution_share_pct", "usage_share_pct", "usage_to_contribution_ratio",
)
MONTH_COLUMNS = ("month", "used_gpu_hours")

Result = TypeVar("Result")


def _connect():
    return current_app.extensions["ledger"].engine.connect()


def _cached(connection: Connection, key: Hashable, result_of: Callable[[], Result]) -> Result:
    """`result_of()` once per journal head: nothing published changes until the ledger does."""
    return current_app.extensions["ledger"].cache.get(connection, key, result_of)


@api.get("/members")
def members():
    with _connect() as connection:
        rows = member_queries.list_members(connection)
    return list_response("members", MEMBER_COLUMNS, map(asdict, rows), "members")


@api.get("/journal/head")
def journal_head():
    with _connect() as connection:
        head = journal_queries.head(connection)
    return jsonify({"seq": head.seq, "hash": head.hash})


@api.get("/journal")
def journal():
    after = int_arg("after", 0, minimum=0)
    limit = int_arg("limit", JOURNAL_PAGE_DEFAULT, minimum=1, maximum=JOURNAL_PAGE_MAX)
    with _connect() as connection:
        entries = journal_queries.page(connection, after, limit)
    return list_response(
        "entries",
        journal_queries.PUBLIC_COLUMNS,
        entries,
        f"journal-after-{after}",
        after=after,
        limit=limit,
    )


@api.get("/years")
def years():
    with _connect() as connection:
        rows = contribution_queries.list_years(connection)
    return list_response(
        "years",
        YEAR_COLUMNS,
        (
            {"year": y.year, "budget": None if y.budget_minor is None else format_minor(y.budget_minor, y.currency), "currency": y.currency, "status": y.status}
            for y in rows
        ),
        "years",
    )


@api.get("/years/<int:year>/contributions")
def contributions(year: int):
    with _connect() as connection:
        found = contribution_queries.find_year(connection, year)
        if found is None:
            raise NotFound(f"no fiscal year {year}; see /api/v1/years")
        view = contribution_queries.view_of(found, date.today())
        result = _cached(connection, ("contributions", year, view), lambda: contribution_queries.year_contributions(connection, found, view))
    money = partial(format_minor, currency=found.currency)
    return list_response(
        "contributions",
        CONTRIBUTION_COLUMNS,
        (
            {
                "code": row.code, "name": row.name, "share_pct": str(row.share_pct),
                "assessed": money(row.assessed_minor), "paid": money(row.paid_minor), "in_kind": money(row.in_kind_minor),
                "outstanding": money(row.outstanding_minor), "arrears": money(row.arrears_minor), "standing": row.standing.standing.value,
            }
            for row in result.rows
        ),
        f"contributions-{year}",
        year=year,
        currency=found.currency,
        budget=None if found.budget_minor is None else money(found.budget_minor),
        status=found.status,
        as_of=view.as_of.isoformat(),
        standing_rule=result.settings.standing_rule.name,
    )


@api.get("/scales")
def scales():
    with _connect() as connection:
        found = contribution_queries.list_scales(connection)
    if requested_format() == "csv":
        return list_response(
            "scales",
            SCALE_COLUMNS,
            (
                {
                    "scale_id": scale.id, "first_year": scale.first_year, "last_year": scale.last_year,
                    **_scale_parameters(scale), "income_measure": scale.income_measure, "decision": scale.decision,
                    "adopted_on": scale.adopted_on, "code": line.code, "name": line.name, "income": str(line.income),
                    "share_pct": str(line.share_pct), "bound": line.bound,
                }
                for scale in found
                for line in scale.lines
            ),
            "scales",
        )
    return jsonify(
        {
            "scales": [
                {
                    "id": scale.id,
                    "first_year": scale.first_year,
                    "last_year": scale.last_year,
                    "parameters": _scale_parameters(scale),
                    "income_measure": scale.income_measure,
                    "decision": scale.decision,
                    "adopted_on": scale.adopted_on.isoformat(),
                    "shares": [
                        {"code": line.code, "name": line.name, "income": str(line.income), "share_pct": str(line.share_pct), "bound": line.bound}
                        for line in scale.lines
                    ],
                }
                for scale in found
            ]
        }
    )


def _scale_parameters(scale) -> dict:
    return {
        "ceiling_pct": None if scale.ceiling_pct is None else str(scale.ceiling_pct),
        "floor_pct": None if scale.floor_pct is None else str(scale.floor_pct),
        "precision_pct": str(scale.precision_pct),
        "associate_factor_pct": str(scale.associate_factor_pct),
    }


@api.get("/projects")
def projects():
    with _connect() as connection:
        rows = compute_queries.list_projects(connection)
    return list_response("projects", PROJECT_COLUMNS, map(asdict, rows), "projects")


@api.get("/years/<int:year>/compute")
def compute(year: int):
    with _connect() as connection:
        found = _cached(connection, ("compute", year), lambda: compute_queries.compute_year(connection, year))
        if found is None:
            raise NotFound(
                f"no capacity plan for {year}, so it has no quotas or capacity to publish "
                f"(its monthly use, if any, is at /api/v1/years/{year}/compute/monthly); "
                f"years with a plan: {_listed(compute_queries.compute_years(connection))}"
            )
    return list_response(
        "quotas",
        QUOTA_COLUMNS,
        map(_quota, found.members),
        f"compute-{year}",
        year=year,
        decision=found.decision,
        allocated=found.allocated,
        closed=found.closed,
        hours_in_year=found.hours_in_year,
        gpus=found.gpus,
        capacity_gpu_hours=found.capacity_gpu_hours,
        reserved_gpu_hours=found.reserved_gpu_hours,
        used_gpu_hours=str(gpu_hours(found.used_ms)),
        utilisation_pct=fixed_places(found.utilisation),
        pools=[
            {"gpu_type": pool.gpu_type, "count": pool.count, "availability": str(pool.availability), "factor": str(pool.factor)}
            for pool in found.pools
        ],
        reserves=[{"name": reserve.name, "percent": str(reserve.percent), "gpu_hours": reserve.gpu_hours} for reserve in found.reserves],
    )


def _quota(member: compute_queries.MemberCompute) -> dict:
    return {
        "code": member.code, "name": member.name, "quota_gpu_hours": member.quota_gpu_hours, "frozen": member.frozen,
        "used_gpu_hours": member.used_gpu_hours, "transferred_gpu_hours": member.transferred_gpu_hours,
        "adjusted_gpu_hours": gpu_hours(member.adjusted_ms), "carried_in_gpu_hours": gpu_hours(member.carried_in_ms),
        "carried_out_gpu_hours": gpu_hours(member.carried_out_ms), "forfeited_gpu_hours": gpu_hours(member.forfeited_ms),
        "balance_gpu_hours": member.balance_gpu_hours, "contribution_share_pct": fixed_places(member.contribution_share),
        "usage_share_pct": fixed_places(member.usage_share), "usage_to_contribution_ratio": fixed_places(member.ratio),
    }


@api.get("/years/<int:year>/compute/monthly")
def compute_monthly(year: int):
    member = request.args.get("member") or None
    with _connect() as connection:
        if member is not None and member_queries.find_member(connection, member) is None:
            raise ValidationFailed.single(
                "member",
                f"{member!r} is not a member's code; accepted: a code listed at /api/v1/members, such as 'DEU', "
                "or no member parameter for all members together",
            )
        months = _cached(connection, ("compute_monthly", year, member), lambda: usage_queries.monthly_usage(connection, year, member))
        # Usage is published as it is ingested, even before its year has a plan (a job
        # running over New Year); a year with neither is one the ledger knows nothing of.
        planned = [] if months else compute_queries.compute_years(connection)
        if not months and year not in planned:
            whose = f" by {member}" if member else ""
            raise NotFound(f"no capacity plan for {year} and no usage{whose} in it, so there is no monthly use to publish; "
                           f"years with a plan: {_listed(planned)}")
    return list_response(
        "months",
        MONTH_COLUMNS,
        ({"month": usage.group, "used_gpu_hours": usage.gpu_hours} for usage in months),
        f"compute-{year}-monthly" + (f"-{member}" if member else ""),
        year=year,
        member=member,
    )


def _listed(years: list[int]) -> str:
    return ", ".join(map(str, sorted(years))) or "none yet"


@api.get("/motions")
def motions():
    with _connect() as connection:
        rows = governance_queries.list_motions(connection)
    return list_response(
        "motions",
        MOTION_COLUMNS,
        ({"id": r.id, "title": r.title, "kind": r.kind, "status": r.status, "outcome": r.outcome, "closed_at": r.closed_at} for r in rows),
        "motions",
    )


@api.get("/motions/<int:motion_id>")
def motion(motion_id: int):
    with _connect() as connection:
        found = governance_queries.find_motion(connection, motion_id)
    if found is None:
        raise NotFound(f"no motion #{motion_id}; see /api/v1/motions")
    return jsonify(motion_document(found))


def motion_document(found: governance_queries.MotionDetail) -> dict:
    """A motion as published: a roll-call's named ballots, a secret ballot's totals only."""
    row, snapshot = found.row, found.snapshot or {}
    decision = snapshot.get("decision", {})
    return {
        "id": row.id, "title": row.title, "text": found.text, "kind": row.kind, "status": row.status,
        "meeting": {"id": row.meeting_id, "title": row.meeting_title, "held_on": row.held_on.isoformat()},
        "rule_name": row.rule_name, "rule": found.rule, "weights": found.weights_basis, "ballot": row.ballot,
        "effect": found.effect, "outcome": row.outcome, "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "explanation": found.explanation, "tally": {key: decision.get(key) for key in ("members", "weight", "checks", "quorum")} if decision else None,
        "ineligible": snapshot.get("ineligible"),
        "proxies": snapshot.get("proxies"),
        "ballots": snapshot.get("votes") if row.ballot == "roll_call" else None,
        "voted": snapshot.get("voted"),
    }


@api.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
