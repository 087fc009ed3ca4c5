"""SQL expressions every read-side module shares, written once so both databases agree."""

from __future__ import annotations

from sqlalchemy import BigInteger, case, cast, func

NO_LIMIT = 2**31 - 1
"""The largest journal sequence number the INTEGER column holds: `through_seq` for "up to now"."""


def total(expr):
    """SUM as a whole number on every database (PostgreSQL's SUM of BIGINT is NUMERIC); NULL over no rows."""
    return cast(func.sum(expr), BigInteger)


def total_or_zero(expr):
    """`total`, but 0 over no rows: for a balance, where nothing is nothing owed."""
    return func.coalesce(total(expr), 0)


def running_total(expr, *, partition_by, order_by):
    """The sum of `expr` over this row and the rows before it in the partition."""
    return cast(func.sum(expr).over(partition_by=partition_by, order_by=order_by, rows=(None, 0)), BigInteger)


def least(a, b):
    return case((a < b, a), else_=b)


def greatest(a, b):
    return case((a > b, a), else_=b)
