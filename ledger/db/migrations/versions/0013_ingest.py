"""A BRIN index on usage_job.started_at (PostgreSQL), for the move-date check.

An account's move to another project must be dated after every job already ingested on it
(`ledger.services.compute`), which asks for the account's jobs started on or after the
move's first moment. Ingestion writes jobs roughly in time order, so a block range index
(BRIN) on started_at lets that question read only the ranges of recent blocks, and it costs
ingestion next to nothing: a B-tree on (account, started_at) made a bulk COPY of usage_job
25 to 80 % slower, and a bulk insert on SQLite 20 to 27 % slower (measured on 100,000 rows),
against issue 10's targets. On SQLite nothing changes: the check reads the table.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 19:30:00
"""

from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_usage_job_started_at ON usage_job USING brin (started_at)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_usage_job_started_at")
