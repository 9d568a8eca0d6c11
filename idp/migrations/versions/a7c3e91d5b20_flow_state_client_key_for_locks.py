"""flow_state.client_key: recovery locks hold per client too, not only per identifier

Revision ID: a7c3e91d5b20
Revises: a7c3e1f05b21
Create Date: 2026-12-04 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e91d5b20'
down_revision = 'a7c3e1f05b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('flow_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_key', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_flow_state_client_key'), ['client_key'], unique=False)


def downgrade():
    with op.batch_alter_table('flow_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flow_state_client_key'))
        batch_op.drop_column('client_key')
