"""Governance: weight sets, meetings, presence, proxies, motions with their events and ballots.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:26:45.174401
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_journal_seq'), ['journal_seq'], unique=False)

    op.create_table('weight_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', name='uq_weight_set_name')
    )
    with op.batch_alter_table('weight_set', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weight_set_journal_seq'), ['journal_seq'], unique=False)

    op.create_table('motion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('rule_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('rule_json', sa.Text(), nullable=False),
    sa.Column('weights', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('ballot', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('effect_json', sa.Text(), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('motion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_motion_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_motion_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('presence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'member_code', name='uq_presence')
    )
    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_presence_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_presence_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('proxy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('holder_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['holder_code'], ['member.code'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'member_code', name='uq_proxy')
    )
    with op.batch_alter_table('proxy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxy_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxy_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('weight_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('weight_set_id', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('weight', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.ForeignKeyConstraint(['weight_set_id'], ['weight_set.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('weight_set_id', 'member_code', name='uq_weight_line')
    )
    with op.batch_alter_table('weight_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weight_line_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_weight_line_weight_set_id'), ['weight_set_id'], unique=False)

    op.create_table('ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('member_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('vote', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('salt', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('cast_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('by_proxy', sa.Boolean(), nullable=False),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_code'], ['member.code'], ),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_ballot_motion_id'), ['motion_id'], unique=False)

    op.create_table('motion_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('snapshot_json', sa.Text(), nullable=True),
    sa.Column('journal_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('motion_id', 'event', name='uq_motion_event')
    )
    with op.batch_alter_table('motion_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_motion_event_journal_seq'), ['journal_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_motion_event_motion_id'), ['motion_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('motion_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_motion_event_motion_id'))
        batch_op.drop_index(batch_op.f('ix_motion_event_journal_seq'))

    op.drop_table('motion_event')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_motion_id'))
        batch_op.drop_index(batch_op.f('ix_ballot_journal_seq'))

    op.drop_table('ballot')
    with op.batch_alter_table('weight_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weight_line_weight_set_id'))
        batch_op.drop_index(batch_op.f('ix_weight_line_journal_seq'))

    op.drop_table('weight_line')
    with op.batch_alter_table('proxy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proxy_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_proxy_journal_seq'))

    op.drop_table('proxy')
    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presence_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_presence_journal_seq'))

    op.drop_table('presence')
    with op.batch_alter_table('motion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_motion_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_motion_journal_seq'))

    op.drop_table('motion')
    with op.batch_alter_table('weight_set', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weight_set_journal_seq'))

    op.drop_table('weight_set')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_journal_seq'))
        batch_op.drop_index(batch_op.f('ix_meeting_held_on'))

    op.drop_table('meeting')
