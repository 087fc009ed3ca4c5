"""Monthly partitions of the usage tables on PostgreSQL (see migration 0006).

usage_job is partitioned by the UTC month of submitted_at, usage_month by (year, month). A
month's partition is created, under the journal lock, before the first row of that month is
written; this module is the one place that names and creates them. On SQLite nothing is
partitioned and every function here does nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def job_partition_ddl(year: int, month: int) -> str:
    """CREATE TABLE of usage_job's partition of a UTC month of submission."""
    end_year, end_month = _next(year, month)
    return (
        f"CREATE TABLE IF NOT EXISTS usage_job_y{year:04d}m{month:02d} PARTITION OF usage_job FOR VALUES "
        f"FROM ('{year:04d}-{month:02d}-01 00:00:00+00') TO ('{end_year:04d}-{end_month:02d}-01 00:00:00+00')"
    )


def month_partition_ddl(year: int, month: int) -> str:
    """CREATE TABLE of usage_month's partition of a (year, month)."""
    end_year, end_month = _next(year, month)
    return (
        f"CREATE TABLE IF NOT EXISTS usage_month_y{year:04d}m{month:02d} PARTITION OF usage_month FOR VALUES "
        f"FROM ({year}, {month}) TO ({end_year}, {end_month})"
    )


def existing(connection: Connection, table: str) -> set[tuple[int, int]]:
    """The (year, month) partitions `table` has, from their names."""
    if connection.dialect.name != "postgresql":
        return set()
    names = connection.execute(
        text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
             "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :table"),
        {"table": table},
    ).scalars()
    found = set()
    for name in names:
        stamp = name[len(table) + 2:]  # usage_job_y2025m03 -> 2025m03
        year, _, month = stamp.partition("m")
        if year.isdigit() and month.isdigit():
            found.add((int(year), int(month)))
    return found


def ensure(connection: Connection, table: str, months: Iterable[tuple[int, int]], known: set[tuple[int, int]]) -> None:
    """Create `table`'s partitions of `months` not in `known` (which is updated), on PostgreSQL."""
    if connection.dialect.name != "postgresql":
        return
    ddl = job_partition_ddl if table == "usage_job" else month_partition_ddl
    for year, month in sorted(set(months) - known):
        connection.execute(text(ddl(year, month)))
        known.add((year, month))
