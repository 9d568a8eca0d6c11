"""trace_event and push_fault: the trace inspector and fault injection (issue 19)

Revision ID: c19d7a2e4b61
Revises: c4d2a9e7b310
Create Date: 2026-12-04 11:10:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'c19d7a2e4b61'
down_revision = 'c4d2a9e7b310'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'trace_event',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('challenge_id', sa.String(length=64), nullable=True),
        sa.Column('flow_id', sa.String(length=64), nullable=True),
        sa.Column('device_id', sa.String(length=64), nullable=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('instance', sa.String(length=120), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('trace_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_event_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_event_flow_id'), ['flow_id'], unique=False)
    op.create_table(
        'push_fault',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('device_id', sa.String(length=64), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('remaining', sa.Integer(), nullable=True),
        sa.Column('fired', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('push_fault', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_fault_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_fault_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('push_fault', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_fault_user_id'))
        batch_op.drop_index(batch_op.f('ix_push_fault_device_id'))
    op.drop_table('push_fault')
    with op.batch_alter_table('trace_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_event_flow_id'))
        batch_op.drop_index(batch_op.f('ix_trace_event_challenge_id'))
        batch_op.drop_index(batch_op.f('ix_trace_event_at'))
    op.drop_table('trace_event')
