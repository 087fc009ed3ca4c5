"""/api/v1/projects and /api/v1/years/YEAR/compute: projects, a year's GPU-hour ledger, and its monthly use."""

from __future__ import annotations

from dataclasses import asdict

from ledger.api import resources as r
from ledger.api.blueprint import YEAR, contract
from ledger.api.contract import ListAnswer, Query
from ledger.api.formats import SHARE_PLACES, fixed_places, list_response
from ledger.domain.compute import gpu_hours
from ledger.domain.errors import NotFound
from ledger.queries import compute as compute_queries
from ledger.queries import members as member_queries
from ledger.queries import usage as usage_queries
from ledger.state import cached, connect

MEMBER_ACCEPTED = "a code listed at /api/v1/members, such as 'DEU', or no member parameter for all members together"
NO_PLAN = "The year has no capacity plan; the message names the year and lists the years that have one"


@contract.get("/projects", "listProjects", "Projects: the Slurm account each member's usage is charged through, and its safety level",
              answer=ListAnswer("projects", r.Project, "Every project, by Slurm account"))
def projects():
    with connect() as connection:
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
    with connect() as connection:
        found = cached(connection, ("compute", year), lambda: compute_queries.compute_year(connection, year))
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
    with connect() as connection:
        if member is not None and member_queries.find_member(connection, member) is None:
            raise NotFound(f"member: no member has the code {member!r}; accepted: {MEMBER_ACCEPTED}")
        months = cached(connection, ("compute_monthly", year, member), lambda: usage_queries.monthly_usage(connection, year, member))
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
    with connect() as connection:
        levels = cached(connection, ("compute_levels", year), lambda: usage_queries.usage_by_safety_level(connection, year))
        _published_use(connection, year, levels, "use by safety level")
    return list_response(
        "levels", r.LevelUsage, ({"safety_level": usage.group, "used_gpu_hours": usage.gpu_hours} for usage in levels),
        f"compute-{year}-levels", year=year,
    )


def _published_use(connection, year: int, use: list, what: str, whose: str = "") -> None:
    """404 unless the year has use or a capacity plan. Usage is published as it is ingested, even
    before its year has a plan (a job running over New Year); a year with neither is one the
    ledger knows nothing of."""
    planned = [] if use else compute_queries.compute_years(connection)
    if not use and year not in planned:
        raise NotFound(f"no capacity plan for {year} and no usage{whose} in it, so there is no {what} to publish; "
                       f"years with a plan: {_listed(planned)}")


def _listed(years: list[int]) -> str:
    return ", ".join(map(str, sorted(years))) or "none yet"
