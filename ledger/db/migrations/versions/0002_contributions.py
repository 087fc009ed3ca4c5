"""Contributions: settings, fiscal years, budgets, scales, assessments, payments, in-kind, waivers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:50:13.479873
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fiscal_year',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('due_dates', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    with op.batch_alter_table('fiscal_year', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fiscal_year_journal_seq'), ['journal_seq'], unique=False)

    op.create_table('ledger_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ledger_setting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_setting_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_setting_key'), ['key'], unique=False)

    op.create_table('scale',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('last_year', sa.Integer(), nullable=False),
    sa.Column('ceiling_pct', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('floor_pct', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('precision_pct', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('associate_factor_pct', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('income_measure', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('adopted_on', sa.Date(), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('scale', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scale_journal_seq'), ['journal_seq'], unique=False)

    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('scale_id', sa.Integer(), nullable=False),
    sa.Column('share_pct', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('full_year_minor', sa.BigInteger(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.ForeignKeyConstraint(['scale_id'], ['scale.id'], ),
    sa.ForeignKeyConstraint(['year'], ['fiscal_year.year'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'member_code', name='uq_assessment')
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_member_code'), ['member_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_year'), ['year'], unique=False)

    op.create_table('budget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['year'], ['fiscal_year.year'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('budget', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_budget_year'), ['year'], unique=False)

    op.create_table('fiscal_year_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['year'], ['fiscal_year.year'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'event', name='uq_fiscal_year_event')
    )
    with op.batch_alter_table('fiscal_year_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fiscal_year_event_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_fiscal_year_event_year'), ['year'], unique=False)

    op.create_table('in_kind',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('pledged_on', sa.Date(), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.ForeignKeyConstraint(['year'], ['fiscal_year.year'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('in_kind', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_in_kind_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_in_kind_member_code'), ['member_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_in_kind_year'), ['year'], unique=False)

    op.create_table('payment',
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
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference', name='uq_payment_reference')
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_member_code'), ['member_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_paid_on'), ['paid_on'], unique=False)

    op.create_table('scale_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scale_id', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('income', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('counted_income', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('share_pct', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('bound', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.ForeignKeyConstraint(['scale_id'], ['scale.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scale_id', 'member_code', name='uq_scale_line')
    )
    with op.batch_alter_table('scale_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scale_line_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_scale_line_scale_id'), ['scale_id'], unique=False)

    op.create_table('standing_waiver',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('standing_waiver', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standing_waiver_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_standing_waiver_member_code'), ['member_code'], unique=False)

    op.create_table('in_kind_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('in_kind_id', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['in_kind_id'], ['in_kind.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('in_kind_id', 'state', name='uq_in_kind_step')
    )
    with op.batch_alter_table('in_kind_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_in_kind_step_in_kind_id'), ['in_kind_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_in_kind_step_journal_seq'), ['journal_seq'], unique=False)

    op.create_table('instalment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('instalment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instalment_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instalment_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_instalment_journal_seq'), ['journal_seq'], unique=False)

    op.create_table('payment_reversal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('reversed_on', sa.Date(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('payment_id', name='uq_payment_reversal')
    )
    with op.batch_alter_table('payment_reversal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_reversal_journal_seq'), ['journal_seq'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payment_reversal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_reversal_journal_seq'))

    op.drop_table('payment_reversal')
    with op.batch_alter_table('instalment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instalment_journal_seq'))
        batch_op.drop_index(batch_op.f('ix_instalment_due_on'))
        batch_op.drop_index(batch_op.f('ix_instalment_assessment_id'))

    op.drop_table('instalment')
    with op.batch_alter_table('in_kind_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_in_kind_step_journal_seq'))
        batch_op.drop_index(batch_op.f('ix_in_kind_step_in_kind_id'))

    op.drop_table('in_kind_step')
    with op.batch_alter_table('standing_waiver', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standing_waiver_member_code'))
        batch_op.drop_index(batch_op.f('ix_standing_waiver_journal_seq'))

    op.drop_table('standing_waiver')
    with op.batch_alter_table('scale_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scale_line_scale_id'))
        batch_op.drop_index(batch_op.f('ix_scale_line_journal_seq'))

    op.drop_table('scale_line')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_paid_on'))
        batch_op.drop_index(batch_op.f('ix_payment_member_code'))
        batch_op.drop_index(batch_op.f('ix_payment_journal_seq'))

    op.drop_table('payment')
    with op.batch_alter_table('in_kind', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_in_kind_year'))
        batch_op.drop_index(batch_op.f('ix_in_kind_member_code'))
        batch_op.drop_index(batch_op.f('ix_in_kind_journal_seq'))

    op.drop_table('in_kind')
    with op.batch_alter_table('fiscal_year_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fiscal_year_event_year'))
        batch_op.drop_index(batch_op.f('ix_fiscal_year_event_journal_seq'))

    op.drop_table('fiscal_year_event')
    with op.batch_alter_table('budget', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_year'))
        batch_op.drop_index(batch_op.f('ix_budget_journal_seq'))

    op.drop_table('budget')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_year'))
        batch_op.drop_index(batch_op.f('ix_assessment_member_code'))
        batch_op.drop_index(batch_op.f('ix_assessment_journal_seq'))

    op.drop_table('assessment')
    with op.batch_alter_table('scale', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scale_journal_seq'))

    op.drop_table('scale')
    with op.batch_alter_table('ledger_setting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_setting_key'))
        batch_op.drop_index(batch_op.f('ix_ledger_setting_journal_seq'))

    op.drop_table('ledger_setting')
    with op.batch_alter_table('fiscal_year', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fiscal_year_journal_seq'))

    op.drop_table('fiscal_year')
