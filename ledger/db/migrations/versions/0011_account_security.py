"""Account security: account changes (journaled), session versions, sign-in throttling by client;
four eyes on payments (proposals and approvals).

Revision ID: 0011
Revises: 0005
Create Date: 2026-12-04 02:10:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('totp_secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('recovery_hashes', sa.Text(), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('account_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_change_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_change_user_id'), ['user_id'], unique=False)

    op.create_table('session_epoch',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('last_totp_step', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('sign_in_throttle',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('payment_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('rate', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('rate_date', sa.Date(), nullable=False),
    sa.Column('rate_source', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('base_minor', sa.BigInteger(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('proposed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference', name='uq_payment_proposal_reference')
    )
    with op.batch_alter_table('payment_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_proposal_journal_seq'), ['journal_seq'], unique=False)
    op.create_table('payment_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('approved_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['payment_proposal.id'], ),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('proposal_id', name='uq_payment_approval')
    )
    with op.batch_alter_table('payment_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_approval_journal_seq'), ['journal_seq'], unique=False)
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_remote_addr'))
        batch_op.drop_index(batch_op.f('ix_login_failure_email'))
        batch_op.drop_index(batch_op.f('ix_login_failure_at'))
    op.drop_table('login_failure')


def downgrade() -> None:
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
    op.drop_table('payment_approval')
    op.drop_table('payment_proposal')
    op.drop_table('sign_in_throttle')
    op.drop_table('session_epoch')
    with op.batch_alter_table('account_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_change_user_id'))
        batch_op.drop_index(batch_op.f('ix_account_change_journal_seq'))
    op.drop_table('account_change')
