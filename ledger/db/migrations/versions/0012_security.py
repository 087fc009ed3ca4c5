"""Four eyes on every booking of money and GPU-hours: pending bookings and their approvals
replace the payment proposals of 0011.

The journal records every row it stores, so rows of payment_proposal and payment_approval
cannot be moved into the new tables without breaking `ledger verify`: the upgrade refuses a
database that holds any (none was released with them; approve or keep such a database at 0011).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:20:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    held = op.get_bind().execute(sa.text("SELECT (SELECT COUNT(*) FROM payment_proposal) + (SELECT COUNT(*) FROM payment_approval)")).scalar()
    if held:
        raise RuntimeError(f"{held} payment proposals or approvals are stored: their journal entries name those tables, so 0012 cannot move them")
    op.drop_table('payment_approval')
    op.drop_table('payment_proposal')
    op.create_table('pending_booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('params_json', sa.Text(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('proposed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'subject', name='uq_pending_booking_subject')
    )
    with op.batch_alter_table('pending_booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_booking_journal_seq'), ['journal_seq'], unique=False)
    op.create_table('booking_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('approved_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['pending_booking.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('booking_id', name='uq_booking_approval')
    )
    with op.batch_alter_table('booking_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_approval_journal_seq'), ['journal_seq'], unique=False)


def downgrade() -> None:
    held = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM pending_booking")).scalar()
    if held:
        raise RuntimeError(f"{held} pending bookings are stored: their journal entries name that table")
    op.drop_table('booking_approval')
    op.drop_table('pending_booking')
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
