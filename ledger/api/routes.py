"""Routes of the open-data API. Each parses, calls a query, answers."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import asdict
from functools import partial
from typing import TypeVar

from flask import Blueprint, current_app, jsonify
from sqlalchemy import Connection

from ledger.api import resources as r
from ledger.api.contract import Contract, JsonAnswer, ListAnswer, Query
from ledger.api.formats import SHARE_PLACES, fixed_places, list_response, requested_format
from ledger.domain.compute import gpu_hours
from ledger.domain.errors import NotFound
from ledger.domain.money import format_minor
from ledger.queries import compute as compute_queries
from ledger.queries import contributions as contribution_queries
from ledger.queries import governance as governance_queries
from ledger.queries import journal as journal_queries
from ledger.queries import members as member_queries
from ledger.queries import usage as usage_queries

api = Blueprint("api", __name__, url_prefix="/api/v1")
contract = Contract(api)

JOURNAL_PAGE_DEFAULT = 1_000
JOURNAL_PAGE_MAX = 100_000
YEAR = {"year": "A fiscal year, such as 2025"}
MEMBER_ACCEPTED = "a code listed at /api/v1/members, such as 'DEU', or no member parameter for all members together"
NO_PLAN = "The year has no capacity plan; the message names the year and lists the years that have one"

Result = TypeVar("Result")


def _connect():
    return current_app.extensions["ledger"].engine.connect()


def _cached(connection: Connection, key: Hashable, result_of: Callable[[], Result]) -> Result:
    """`result_of()` once per journal head: nothing published changes until the ledger does."""
    return current_app.extensions["ledger"].cache.get(connection, key, result_of)


@contract.get("/members", "listMembers", "Members with their current status",
              answer=ListAnswer("members", r.Member, "All members, by name"))
def members():
    with _connect() as connection:
        rows = member_queries.list_members(connection)
    return list_response("members", r.Member, map(asdict, rows), "members")


@contract.get("/journal/head", "journalHead", "The journal's last entry: sequence number and hash",
              answer=JsonAnswer(r.Head, "The head of the hash chain"))
def journal_head():
    with _connect() as connection:
        head = journal_queries.head(connection)
    return jsonify({"seq": head.seq, "hash": head.hash})


@contract.get(
    "/journal", "listJournal", "Journal entries after a sequence number, oldest first",
    description=(
        "hash = SHA-256(prev_hash + payload) over UTF-8 bytes; the first entry's prev_hash "
        "is 64 zeros. Recompute every hash in order and compare the last with /api/v1/journal/head."
    ),
    query=(
        Query("after", "Entries with a greater sequence number", default=0, minimum=0),
        Query("limit", "How many entries at most", default=JOURNAL_PAGE_DEFAULT, minimum=1, maximum=JOURNAL_PAGE_MAX),
    ),
    answer=ListAnswer("entries", r.JournalEntry, "One page of entries", envelope=r.JournalPage),
)
def journal(after: int, limit: int):
    with _connect() as connection:
        entries = journal_queries.page(connection, after, limit)
    return list_response(
        "entries",
        r.JournalEntry,
        entries,
        f"journal-after-{after}",
        after=after,
        limit=limit,
    )


@contract.get("/years", "listYears", "Fiscal years with their budget and status",
              answer=ListAnswer("years", r.Year, "Every fiscal year, oldest first"))
def years():
    with _connect() as connection:
        rows = contribution_queries.list_years(connection)
    return list_response(
        "years",
        r.Year,
        (
            {"year": y.year, "budget": None if y.budget_minor is None else format_minor(y.budget_minor, y.currency), "currency": y.currency, "status": y.status}
            for y in rows
        ),
        "years",
    )


@contract.get(
    "/years/<int:year>/contributions", "yearContributions",
    "Each member's assessment for a year, what settled it, arrears and standing",
    description=(
        "A closed year is shown as the ledger stood at its closing journal entry; any other year as of "
        "today. paid is the cash that settled the year's instalments (payments settle a member's oldest "
        "instalments first); in_kind the contributions in kind credited against them; outstanding = "
        "assessed - paid - in_kind; arrears are the unpaid amounts of any year the standing rule counts "
        "by as_of; standing follows standing_rule."
    ),
    paths=YEAR,
    answer=ListAnswer("contributions", r.Contribution, "The year's contributions, by member name", envelope=r.YearContributions),
    errors={404: "No such fiscal year"},
)
def contributions(year: int):
    with _connect() as connection:
        found = contribution_queries.find_year(connection, year)
        if found is None:
            raise NotFound(f"no fiscal year {year}; see /api/v1/years")
        view = contribution_queries.view_of(found, current_app.extensions["ledger"].settings.today())
        result = _cached(connection, ("contributions", year, view), lambda: contribution_queries.year_contributions(connection, found, view))
    money = partial(format_minor, currency=found.currency)
    return list_response(
        "contributions",
        r.Contribution,
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


@contract.get(
    "/scales", "listScales", "Adopted scales of contributions: period, parameters, inputs and shares",
    description="CSV has one row per scale and member.",
    answer=ListAnswer("scales", r.Scale, "Every adopted scale, oldest first", csv_item=r.ScaleRow),
)
def scales():
    with _connect() as connection:
        found = contribution_queries.list_scales(connection)
    if requested_format() == "csv":
        return list_response(
            "scales",
            r.ScaleRow,
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


@contract.get("/projects", "listProjects", "Projects: the Slurm account each member's usage is charged through, and its safety level",
              answer=ListAnswer("projects", r.Project, "Every project, by Slurm account"))
def projects():
    with _connect() as connection:
        rows = compute_queries.list_projects(connection)
    return list_response("projects", r.Project, map(asdict, rows), "projects")


@contract.get(
    "/years/<int:year>/compute", "yearCompute",
    "A year's GPU capacity, reserves, and each member's quota, use, transfers and balance",
    description=(
        "Figures come from the year's latest capacity plan and its GPU-hour ledger. Capacity, reserves and "
        "quotas are whole reference GPU-hours (one hour of one GPU of factor 1); every other amount of "
        "GPU-hours is a decimal string to a thousandth, summed exactly in reference GPU-milliseconds and "
        "rounded half-even once. A member's balance is the sum of its ledger lines less its use: "
        "balance = quota + transferred + adjusted + carried_in + carried_out + forfeited - used, where "
        "carried_out and forfeited are negative (the year-end lines). transferred is transfers in less "
        "transfers out, each the effect of an adopted quota-transfer motion. contribution_share_pct is the "
        "member's share of the year's assessments, usage_share_pct its share of the year's use, and "
        "usage_to_contribution_ratio = usage share / contribution share (1 = used exactly its share), null while nothing is used or when the member was "
        f"assessed nothing; shares and ratios have {SHARE_PLACES} decimal places. `quotas` lists the members "
        "with a ledger line or any use, by code: before quotas are allocated (allocated false) only members "
        "with use appear. frozen: a suspended member's quota kept but not usable. CSV has one row per member."
    ),
    paths=YEAR,
    answer=ListAnswer("quotas", r.ComputeQuota, "The year's compute", envelope=r.YearCompute),
    errors={404: NO_PLAN},
)
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
        r.ComputeQuota,
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


@contract.get(
    "/years/<int:year>/compute/monthly", "yearComputeMonthly", "GPU-hours used per month of a year, by one member or by all",
    description=(
        "Jobs crossing a month end are split between the months by time (UTC). Only months with use are "
        "listed, oldest first: a month missing from the list had none (or has not been reported yet). "
        "Read from monthly rollups, never from job rows. Use is published as it is ingested, also "
        "for a year without a capacity plan yet (a job running over New Year); 404 for a year with "
        "neither a plan nor any use, or for a member code no member has."
    ),
    paths=YEAR,
    query=(Query("member", "A member's code (see /api/v1/members); all members together when absent", pattern="^[A-Z]{3}$",
                 accepted=MEMBER_ACCEPTED),),
    answer=ListAnswer("months", r.MonthUsage, "The months with use", envelope=r.MonthlyUsage),
    errors={400: "`member` is not an ISO 3166-1 alpha-3 code in capitals, or `format` is not offered; the message says what is accepted",
            404: NO_PLAN + "; or no member has the code given as `member`"},
)
def compute_monthly(year: int, member: str | None):
    with _connect() as connection:
        if member is not None and member_queries.find_member(connection, member) is None:
            raise NotFound(f"member: no member has the code {member!r}; accepted: {MEMBER_ACCEPTED}")
        months = _cached(connection, ("compute_monthly", year, member), lambda: usage_queries.monthly_usage(connection, year, member))
        _published_use(connection, year, months, "monthly use", f" by {member}" if member else "")
    return list_response(
        "months",
        r.MonthUsage,
        ({"month": usage.group, "used_gpu_hours": usage.gpu_hours} for usage in months),
        f"compute-{year}-monthly" + (f"-{member}" if member else ""),
        year=year,
        member=member,
    )


@contract.get(
    "/years/<int:year>/compute/levels", "yearComputeLevels", "GPU-hours used in a year by the safety level of the projects that ran them",
    description=(
        "Each job's use counts at the safety level of the project its Slurm account was charged to when it ran. "
        "Only levels with use are listed, SL-1 first; read from the monthly rollups, like the monthly use, so "
        "the levels sum to the year's use. 404 for a year with neither a capacity plan nor any use."
    ),
    paths=YEAR,
    answer=ListAnswer("levels", r.LevelUsage, "The levels with use", envelope=r.YearLevels),
    errors={404: NO_PLAN},
)
def compute_levels(year: int):
    with _connect() as connection:
        levels = _cached(connection, ("compute_levels", year), lambda: usage_queries.usage_by_safety_level(connection, year))
        _published_use(connection, year, levels, "use by safety level")
    return list_response(
        "levels", r.LevelUsage, ({"safety_level": usage.group, "used_gpu_hours": usage.gpu_hours} for usage in levels),
        f"compute-{year}-levels", year=year,
    )


def _published_use(connection: Connection, year: int, use: list, what: str, whose: str = "") -> None:
    """404 unless the year has use or a capacity plan. Usage is published as it is ingested, even
    before its year has a plan (a job running over New Year); a year with neither is one the
    ledger knows nothing of."""
    planned = [] if use else compute_queries.compute_years(connection)
    if not use and year not in planned:
        raise NotFound(f"no capacity plan for {year} and no usage{whose} in it, so there is no {what} to publish; "
                       f"years with a plan: {_listed(planned)}")


def _listed(years: list[int]) -> str:
    return ", ".join(map(str, sorted(years))) or "none yet"


@contract.get("/motions", "listMotions", "Board motions with their status and outcome",
              answer=ListAnswer("motions", r.MotionSummary, "Every motion, oldest meeting first"))
def motions():
    with _connect() as connection:
        rows = governance_queries.list_motions(connection)
    return list_response(
        "motions",
        r.MotionSummary,
        ({"id": r.id, "title": r.title, "kind": r.kind, "status": r.status, "outcome": r.outcome, "closed_at": r.closed_at} for r in rows),
        "motions",
    )


@contract.get(
    "/motions/<int:motion_id>", "getMotion",
    "One motion: text, rule, weights, effect and, once closed, the stored outcome and tally",
    description=(
        "The outcome, explanation and tally come from the snapshot stored when the motion closed and "
        "are never recomputed. A roll-call publishes each member's ballot; a secret ballot only the "
        "totals and who took part. `ineligible` names members whose vote was suspended, with the reason."
    ),
    answer=JsonAnswer(r.Motion, "The motion"),
    errors={404: "No such motion"},
)
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


@contract.get("/openapi.json", "openapi", "This document", answer=JsonAnswer(r.OpenApiDocument, "OpenAPI 3.1 document"))
def openapi():
    from ledger.api.openapi import openapi_document  # imports this module: the document walks its contract

    return jsonify(openapi_document())
