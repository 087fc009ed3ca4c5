"""Foundation: the journal, members and their status facts, officials, sign-in failures.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 01:24:14.950374
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('journal_entry',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('hash'),
    sa.UniqueConstraint('prev_hash')
    )
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_entry_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_entry_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_entry_recorded_at'), ['recorded_at'], unique=False)

    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('remote_addr', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_remote_addr'), ['remote_addr'], unique=False)

    op.create_table('member',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_journal_seq'), ['journal_seq'], unique=False)

    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email', name='uq_app_user_email')
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_user_journal_seq'), ['journal_seq'], unique=False)

    op.create_table('member_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('effective', sa.Date(), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('member_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_status_change_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_status_change_member_code'), ['member_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('member_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_status_change_member_code'))
        batch_op.drop_index(batch_op.f('ix_member_status_change_journal_seq'))

    op.drop_table('member_status_change')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_journal_seq'))

    op.drop_table('app_user')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_journal_seq'))

    op.drop_table('member')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_remote_addr'))
        batch_op.drop_index(batch_op.f('ix_login_failure_email'))
        batch_op.drop_index(batch_op.f('ix_login_failure_at'))

    op.drop_table('login_failure')
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_entry_recorded_at'))
        batch_op.drop_index(batch_op.f('ix_journal_entry_kind'))
        batch_op.drop_index(batch_op.f('ix_journal_entry_actor'))

    op.drop_table('journal_entry')
