"""Writing many rows at once: binary COPY on PostgreSQL, executemany on SQLite.

Rows are plain tuples in the order of `columns` (Python values: aware UTC datetimes, bools,
ints, strs), written on the caller's connection inside its transaction. This is the one
place that knows how each database takes bulk rows; the ingestion and its benchmark both
use it, so the benchmark's raw figure measures exactly the write the ingestion makes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, Connection, DateTime, Integer, String, Table

# PostgreSQL type names for binary COPY, by SQLAlchemy type (checked in order: a
# BigInteger is also an Integer).
_COPY_TYPES = ((BigInteger, "int8"), (Integer, "int4"), (Boolean, "bool"), (DateTime, "timestamptz"), (String, "text"))


def bulk_insert(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` into `table` on `connection`'s transaction; return how many were written."""
    if connection.dialect.name == "postgresql":
        return _copy(connection, table, columns, rows)
    return _executemany(connection, table, columns, rows)


def _implementation(table: Table, name: str):
    """A column's type under any decorator (UTCDateTime is a DateTime)."""
    column_type = table.c[name].type
    return getattr(column_type, "impl_instance", column_type)


def _copy_type(table: Table, name: str) -> str:
    implementation = _implementation(table, name)
    for sql_type, copy_type in _COPY_TYPES:
        if isinstance(implementation, sql_type):
            if sql_type is DateTime and not implementation.timezone:
                return "timestamp"
            return copy_type
    raise TypeError(f"{table.name}.{name}: no COPY type for {implementation!r}")


def _copy(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    names = ", ".join(f'"{name}"' for name in columns)
    written = 0
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN (FORMAT BINARY)') as copy:
            copy.set_types([_copy_type(table, name) for name in columns])
            write_row = copy.write_row
            for row in rows:
                write_row(row)
                written += 1
    finally:
        cursor.close()
    return written


def unix_seconds(moment: datetime) -> float:
    """A time as Unix seconds for SQLite to format (naive means UTC); at most milliseconds,
    which SQLite's strftime keeps, so no precision is dropped silently."""
    if moment.microsecond % 1000:
        raise ValueError(f"{moment.isoformat()} has microseconds; bulk_insert keeps milliseconds on SQLite")
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()


# SQLAlchemy's text for a DateTime in SQLite ("YYYY-MM-DD HH:MM:SS.ffffff", UTC), made by SQLite
# from Unix seconds: four times cheaper than formatting it in Python, per time and per row.
_SQLITE_TIME = "strftime('%Y-%m-%d %H:%M:%f000', ?, 'unixepoch')"


def _executemany(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    times = [index for index, name in enumerate(columns) if isinstance(_implementation(table, name), DateTime)]
    names = ", ".join(f'"{name}"' for name in columns)
    values = ", ".join(_SQLITE_TIME if index in times else "?" for index in range(len(columns)))
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({values})'
    counter = [0]

    def converted():
        # sqlite3's own datetime adapter is deprecated: times go in as Unix seconds. The
        # common case (aware, whole milliseconds) is converted inline: a million rows a file.
        for row in rows:
            counter[0] += 1
            row = list(row)
            for index in times:
                moment = row[index]
                if moment.tzinfo is None or moment.microsecond % 1000:
                    row[index] = unix_seconds(moment)
                else:
                    row[index] = moment.timestamp()
            yield row

    if not times:
        rows = list(rows)
        counter[0] = len(rows)
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(statement, converted() if times else rows)
    finally:
        cursor.close()
    return counter[0]
