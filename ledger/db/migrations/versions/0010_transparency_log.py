"""Transparency log: the journal's Merkle tree nodes, signed checkpoints, witness cosignatures and signed reports.

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-04 01:30:00

The tree of an existing journal is built here from its payloads, so a ledger upgraded in
place can be proven and checkpointed from its first entry.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

from ledger.domain.merkle import TreeBuilder, leaf_hash

revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None

BATCH = 20_000


def upgrade() -> None:
    nodes = op.create_table('merkle_node',
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('level', 'idx')
    )
    op.create_table('checkpoint',
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('root_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('size')
    )
    op.create_table('checkpoint_cosignature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_size', sa.BigInteger(), nullable=False),
    sa.Column('witness', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.Column('cosigned_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('checkpoint_size', 'witness', name='uq_cosignature_witness')
    )
    op.create_table('signed_report',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('year', 'lang')
    )
    with op.batch_alter_table('checkpoint_cosignature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkpoint_cosignature_checkpoint_size'), ['checkpoint_size'], unique=False)

    connection = op.get_bind()
    builder = TreeBuilder()
    pending: list[dict] = []
    # On the statement, not the connection: a connection's options would stay for Alembic's own statements.
    entries = connection.execute(sa.text("SELECT payload FROM journal_entry ORDER BY seq").execution_options(yield_per=BATCH))
    for (payload,) in entries:
        builder.append(leaf_hash(payload.encode("utf-8")), lambda node, value: pending.append({"level": node.level, "idx": node.index, "hash": value}))
        if len(pending) >= BATCH:
            connection.execute(nodes.insert(), pending)
            pending.clear()
    if pending:
        connection.execute(nodes.insert(), pending)


def downgrade() -> None:
    with op.batch_alter_table('checkpoint_cosignature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkpoint_cosignature_checkpoint_size'))
    op.drop_table('signed_report')
    op.drop_table('checkpoint_cosignature')
    op.drop_table('checkpoint')
    op.drop_table('merkle_node')
