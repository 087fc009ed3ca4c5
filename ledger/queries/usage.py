"""Published compute usage: sums over the monthly rollup, never over job rows.

usage_month holds signed changes per (year, month, member, project) appended by each
ingestion batch; a figure is their SUM, computed in SQL on the (year, member_code, month)
index, so a public request costs the same with ten thousand jobs or ten billion.

Usage is exact in reference GPU-milliseconds (`reference_gpu_ms`). GPU-hours divide it by
3,600,000, which is not a whole decimal in general (one GPU-second is 1/3600 of an hour), so
`gpu_hours` is that quotient rounded half-even to a thousandth, as every report shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from ledger.db.tables import Project, UsageMonth
from ledger.domain.compute import gpu_hours
from ledger.queries.sql import NO_LIMIT, total

_months = UsageMonth.__table__
_projects = Project.__table__


@dataclass(frozen=True, slots=True)
class Usage:
    """A year's usage summed over one group: a month ("YYYY-MM", UTC), a member (its code) or a safety level."""

    group: str
    reference_gpu_ms: int

    @property
    def gpu_hours(self) -> Decimal:
        return gpu_hours(self.reference_gpu_ms)


def _sums(connection: Connection, year: int, through_seq: int, *groups, where=()) -> list[tuple]:
    """(*group values, reference GPU-ms) of `year`'s usage up to a journal entry, summed per group
    in SQL and ordered by the groups, for the groups with any usage."""
    query = (
        select(*groups, total(_months.c.delta_ms))
        .select_from(_months)
        .where(_months.c.year == year, _months.c.journal_seq <= through_seq, *where)
        .group_by(*groups)
        .order_by(*groups)
    )
    if any(column.table is _projects for column in groups):
        query = query.join(_projects, _projects.c.id == _months.c.project_id)
    return [(*keys, int(amount)) for *keys, amount in connection.execute(query) if amount]


def _month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def monthly_usage(
    connection: Connection, year: int, member_code: str | None = None, through_seq: int = NO_LIMIT
) -> list[Usage]:
    """Usage per month of `year` up to a journal entry, of one member or of all, for the months with any usage."""
    where = () if member_code is None else (_months.c.member_code == member_code,)
    return [Usage(_month(year, month), amount) for month, amount in _sums(connection, year, through_seq, _months.c.month, where=where)]


def monthly_usage_by_member(connection: Connection, year: int, through_seq: int = NO_LIMIT) -> dict[str, dict[str, int]]:
    """Each member's usage per month of `year` up to a journal entry in reference GPU-ms, by member code
    and month ("YYYY-MM"), for the members and months with any usage: one grouped query."""
    found: dict[str, dict[str, int]] = {}
    for code, month, amount in _sums(connection, year, through_seq, _months.c.member_code, _months.c.month):
        found.setdefault(code, {})[_month(year, month)] = amount
    return found


def usage_by_member(connection: Connection, year: int, through_seq: int = NO_LIMIT) -> list[Usage]:
    """Each member's usage in `year` up to a journal entry, by member code, for the members with any usage."""
    return [Usage(code, amount) for code, amount in _sums(connection, year, through_seq, _months.c.member_code)]


def usage_by_safety_level(connection: Connection, year: int, through_seq: int = NO_LIMIT) -> list[Usage]:
    """A year's usage per project safety level (SL-1 to SL-4) up to a journal entry, for the levels with any."""
    return [Usage(level, amount) for level, amount in _sums(connection, year, through_seq, _projects.c.safety_level)]
