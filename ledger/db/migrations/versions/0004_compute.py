"""Compute: projects with their Slurm accounts, usage job records and the monthly usage rollup.

usage_job has no foreign keys and assigns its own ids, by decision (see ledger.db.tables.UsageJob).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 03:03:49.897032
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('usage_job',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('cluster', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('job_id', sa.BigInteger(), nullable=False),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('gpus', sa.Integer(), nullable=False),
    sa.Column('reference_gpu_ms', sa.BigInteger(), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cluster', 'job_id', 'submitted_at', 'revision', name='uq_usage_job_key')
    )
    with op.batch_alter_table('usage_job', schema=None) as batch_op:
        batch_op.create_index('ix_usage_job_journal_seq', ['journal_seq', 'id'], unique=False)

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('safety_level', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account', name='uq_project_account')
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_member_code'), ['member_code'], unique=False)

    op.create_table('usage_month',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('delta_ms', sa.BigInteger(), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('usage_month', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_month_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_usage_month_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_usage_month_year_member', ['year', 'member_code', 'month'], unique=False, postgresql_include=['delta_ms'])


def downgrade() -> None:
    with op.batch_alter_table('usage_month', schema=None) as batch_op:
        batch_op.drop_index('ix_usage_month_year_member', postgresql_include=['delta_ms'])
        batch_op.drop_index(batch_op.f('ix_usage_month_project_id'))
        batch_op.drop_index(batch_op.f('ix_usage_month_journal_seq'))

    op.drop_table('usage_month')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_member_code'))
        batch_op.drop_index(batch_op.f('ix_project_journal_seq'))

    op.drop_table('project')
    with op.batch_alter_table('usage_job', schema=None) as batch_op:
        batch_op.drop_index('ix_usage_job_journal_seq')

    op.drop_table('usage_job')
