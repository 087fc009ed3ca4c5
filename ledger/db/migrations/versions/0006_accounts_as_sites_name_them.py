"""Accounts as sites name them, and usage tables partitioned by month on PostgreSQL.

Projects get their own code; accounts are charged by dated facts.

project.code is new and nullable: projects registered before it keep null (their code is their
account in upper case), so the rows their journal entries recorded are unchanged.
project_account holds the facts "from this day, account A is charged to project P and member M":
more accounts per project, and moves.

On PostgreSQL, usage_job is partitioned by the month of submitted_at and usage_month by
(year, month), declaratively (PARTITION BY RANGE), so a facility's tenth year costs what its
first did: each month's rows and indexes stand apart. A partitioned table's primary key and
unique constraints must hold the partition key, so usage_job's key is (id, submitted_at) and
usage_month's (id, year, month); ids stay unique, as ingestion assigns them under the journal
lock. Ingestion creates a month's partition when its first row arrives
(`ledger.db.partitions`). Existing rows are moved into the new tables. SQLite is unchanged.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 01:30:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.create_unique_constraint('uq_project_code', ['code'])

    op.create_table('project_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('project_account', schema=None) as batch_op:
        batch_op.create_index('ix_project_account_account', ['account', 'valid_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_account_journal_seq'), ['journal_seq'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _partition_usage_tables()


USAGE_JOB_INDEXES = ("ix_usage_job_journal_seq",)
USAGE_MONTH_INDEXES = ("ix_usage_month_journal_seq", "ix_usage_month_project_id", "ix_usage_month_year_member")


def _partition_usage_tables() -> None:
    from ledger.db.partitions import job_partition_ddl, month_partition_ddl

    bind = op.get_bind()
    op.execute("ALTER TABLE usage_job RENAME TO usage_job_flat")
    op.execute("ALTER TABLE usage_job_flat RENAME CONSTRAINT usage_job_pkey TO usage_job_flat_pkey")
    op.execute("ALTER TABLE usage_job_flat RENAME CONSTRAINT uq_usage_job_key TO uq_usage_job_flat_key")
    for index in USAGE_JOB_INDEXES:
        op.execute(f"ALTER INDEX {index} RENAME TO {index}_flat")
    op.execute("""
        CREATE TABLE usage_job (LIKE usage_job_flat INCLUDING DEFAULTS) PARTITION BY RANGE (submitted_at);
        ALTER TABLE usage_job ADD CONSTRAINT usage_job_pkey PRIMARY KEY (id, submitted_at);
        ALTER TABLE usage_job ADD CONSTRAINT uq_usage_job_key UNIQUE (cluster, job_id, submitted_at, revision);
        CREATE INDEX ix_usage_job_journal_seq ON usage_job (journal_seq, id);
    """)
    months = bind.execute(sa.text(
        "SELECT DISTINCT extract(year FROM submitted_at AT TIME ZONE 'UTC')::int, "
        "extract(month FROM submitted_at AT TIME ZONE 'UTC')::int FROM usage_job_flat")).all()
    for year, month in months:
        op.execute(job_partition_ddl(year, month))
    op.execute("INSERT INTO usage_job SELECT * FROM usage_job_flat")
    op.execute("DROP TABLE usage_job_flat")

    op.execute("ALTER TABLE usage_month RENAME TO usage_month_flat")
    op.execute("ALTER TABLE usage_month_flat RENAME CONSTRAINT usage_month_pkey TO usage_month_flat_pkey")
    for index in USAGE_MONTH_INDEXES:
        op.execute(f"ALTER INDEX {index} RENAME TO {index}_flat")
    op.execute("""
        CREATE TABLE usage_month (LIKE usage_month_flat INCLUDING DEFAULTS) PARTITION BY RANGE (year, month);
        ALTER TABLE usage_month ADD CONSTRAINT usage_month_pkey PRIMARY KEY (id, year, month);
        ALTER TABLE usage_month ADD FOREIGN KEY (member_code) REFERENCES member (code);
        ALTER TABLE usage_month ADD FOREIGN KEY (project_id) REFERENCES project (id);
        CREATE INDEX ix_usage_month_journal_seq ON usage_month (journal_seq);
        CREATE INDEX ix_usage_month_project_id ON usage_month (project_id);
        CREATE INDEX ix_usage_month_year_member ON usage_month (year, member_code, month) INCLUDE (delta_ms);
    """)
    for year, month in bind.execute(sa.text("SELECT DISTINCT year, month FROM usage_month_flat")).all():
        op.execute(month_partition_ddl(year, month))
    op.execute("INSERT INTO usage_month SELECT * FROM usage_month_flat")
    op.execute("DROP TABLE usage_month_flat")


def _unpartition_usage_tables() -> None:
    for table, key in (("usage_job", "id"), ("usage_month", "id")):
        op.execute(f"CREATE TABLE {table}_flat (LIKE {table} INCLUDING DEFAULTS)")
        op.execute(f"INSERT INTO {table}_flat SELECT * FROM {table}")
        op.execute(f"DROP TABLE {table} CASCADE")
        op.execute(f"ALTER TABLE {table}_flat RENAME TO {table}")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY ({key})")
    op.execute("""
        ALTER TABLE usage_job ADD CONSTRAINT uq_usage_job_key UNIQUE (cluster, job_id, submitted_at, revision);
        CREATE INDEX ix_usage_job_journal_seq ON usage_job (journal_seq, id);
        ALTER TABLE usage_month ADD FOREIGN KEY (member_code) REFERENCES member (code);
        ALTER TABLE usage_month ADD FOREIGN KEY (project_id) REFERENCES project (id);
        CREATE INDEX ix_usage_month_journal_seq ON usage_month (journal_seq);
        CREATE INDEX ix_usage_month_project_id ON usage_month (project_id);
        CREATE INDEX ix_usage_month_year_member ON usage_month (year, member_code, month) INCLUDE (delta_ms);
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _unpartition_usage_tables()
    with op.batch_alter_table('project_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_account_journal_seq'))
        batch_op.drop_index('ix_project_account_account')
    op.drop_table('project_account')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_constraint('uq_project_code', type_='unique')
        batch_op.drop_column('code')
