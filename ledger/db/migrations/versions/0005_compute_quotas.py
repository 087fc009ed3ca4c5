"""Compute quotas: capacity plans with their GPU pools and reserves, and the GPU-hour ledger.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 04:09:42.366572
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('compute_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('hours_in_year', sa.Integer(), nullable=False),
    sa.Column('capacity_gpu_hours', sa.BigInteger(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['year'], ['fiscal_year.year'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('compute_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_plan_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_compute_plan_year'), ['year'], unique=False)

    op.create_table('compute_reserve',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('percent', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['compute_plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'name', name='uq_compute_reserve_name')
    )
    with op.batch_alter_table('compute_reserve', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_reserve_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_compute_reserve_plan_id'), ['plan_id'], unique=False)

    op.create_table('gpu_pool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('gpu_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('availability', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('factor', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['compute_plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'gpu_type', name='uq_gpu_pool_type')
    )
    with op.batch_alter_table('gpu_pool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gpu_pool_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_gpu_pool_plan_id'), ['plan_id'], unique=False)

    op.create_table('quota_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('reserve', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('amount_ms', sa.BigInteger(), nullable=False),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('counterparty', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('motion_id', sa.Integer(), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['compute_plan.id'], ),
    sa.ForeignKeyConstraint(['year'], ['fiscal_year.year'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('quota_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quota_entry_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index('ix_quota_entry_year_member', ['year', 'member_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('quota_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_quota_entry_year_member')
        batch_op.drop_index(batch_op.f('ix_quota_entry_journal_seq'))

    op.drop_table('quota_entry')
    with op.batch_alter_table('gpu_pool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gpu_pool_plan_id'))
        batch_op.drop_index(batch_op.f('ix_gpu_pool_journal_seq'))

    op.drop_table('gpu_pool')
    with op.batch_alter_table('compute_reserve', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compute_reserve_plan_id'))
        batch_op.drop_index(batch_op.f('ix_compute_reserve_journal_seq'))

    op.drop_table('compute_reserve')
    with op.batch_alter_table('compute_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compute_plan_year'))
        batch_op.drop_index(batch_op.f('ix_compute_plan_journal_seq'))

    op.drop_table('compute_plan')
