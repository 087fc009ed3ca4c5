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

from sqlalchemy import BigInteger, Connection, cast, func, select

from ledger.db.tables import UsageMonth
from ledger.domain.compute import gpu_hours
from ledger.queries.contributions import NO_LIMIT

_months = UsageMonth.__table__


def _total(column):
    """SUM as a whole number on every database (PostgreSQL's SUM of BIGINT is NUMERIC)."""
    return cast(func.sum(column), BigInteger)


@dataclass(frozen=True, slots=True)
class MonthUsage:
    """Usage in one month, "YYYY-MM" in UTC."""

    month: str
    reference_gpu_ms: int

    @property
    def gpu_hours(self) -> Decimal:
        return gpu_hours(self.reference_gpu_ms)


@dataclass(frozen=True, slots=True)
class MemberUsage:
    """A member's usage in a year (the months of its projects' jobs, split at month ends)."""

    code: str
    reference_gpu_ms: int

    @property
    def gpu_hours(self) -> Decimal:
        return gpu_hours(self.reference_gpu_ms)


def monthly_usage(
    connection: Connection, year: int, member_code: str | None = None, through_seq: int = NO_LIMIT
) -> list[MonthUsage]:
    """Usage per month of `year` up to a journal entry, of one member or of all, for the months with any usage."""
    query = (
        select(_months.c.month, _total(_months.c.delta_ms))
        .where(_months.c.year == year, _months.c.journal_seq <= through_seq)
        .group_by(_months.c.month)
        .order_by(_months.c.month)
    )
    if member_code is not None:
        query = query.where(_months.c.member_code == member_code)
    return [
        MonthUsage(f"{year:04d}-{month:02d}", int(total))
        for month, total in connection.execute(query)
        if total
    ]


def usage_by_member(connection: Connection, year: int) -> list[MemberUsage]:
    """Each member's usage in `year`, by member code, for the members with any usage."""
    query = (
        select(_months.c.member_code, _total(_months.c.delta_ms))
        .where(_months.c.year == year)
        .group_by(_months.c.member_code)
        .order_by(_months.c.member_code)
    )
    return [MemberUsage(code, int(total)) for code, total in connection.execute(query) if total]
