"""What the compute page reads for one fiscal year (ledger.queries.compute and ledger.queries.usage), and which year it shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from dashboards.components import year_in_query
from ledger.queries.compute import ComputeYear, compute_year
from ledger.queries.usage import Usage, monthly_usage, monthly_usage_by_member, usage_by_safety_level

NO_COMPUTE = "No compute year has a capacity plan yet: capacity, quotas and usage appear here once the secretariat records a year's plan."


@dataclass(frozen=True, slots=True)
class ComputePage:
    """Everything the page shows for one year, as read from ledger.queries."""

    compute: ComputeYear
    months: tuple[Usage, ...]  # all members' usage per month
    member_months: Mapping[str, Mapping[str, int]]  # per member with usage, by code: reference GPU-ms by month
    levels: tuple[Usage, ...]

    @property
    def year(self) -> int:
        return self.compute.year


def default_year(years: Sequence[int], this_year: int) -> int:
    """The latest planned year not after this one (a plan may be recorded ahead); else the nearest ahead."""
    return next((year for year in years if year <= this_year), years[-1])


def pick_year(raw: object, years: Sequence[int], this_year: int) -> tuple[int | None, str | None]:
    """The year the query string asks for (years newest first; default: `default_year`), or why there is none to show."""
    if not years:
        return None, NO_COMPUTE
    shown = default_year(years, this_year)
    if raw is None:
        return shown, None
    number, problem = year_in_query(raw, shown)
    if number is not None and number not in years:
        return None, f"No capacity plan is recorded for {number}. Choose one of the years below."
    return number, problem


def read_year(connection, year: int) -> ComputePage:
    """Everything the page shows for `year`, read through ledger.queries."""
    compute = compute_year(connection, year)
    if compute is None:
        raise LookupError(f"no capacity plan for {year}")
    # the API and the reports list members by code; the pages by name, as every public page does
    compute = replace(compute, members=tuple(sorted(compute.members, key=lambda member: (member.name, member.code))))
    by_member = monthly_usage_by_member(connection, year)
    return ComputePage(
        compute=compute,
        months=tuple(monthly_usage(connection, year)),
        # the members the page names, by name as everywhere
        member_months={member.code: by_member[member.code] for member in compute.members if member.used_ms and member.code in by_member},
        levels=tuple(usage_by_safety_level(connection, year)),
    )
