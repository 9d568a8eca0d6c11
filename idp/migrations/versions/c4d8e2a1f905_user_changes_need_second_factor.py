"""user_account.changes_need_second_factor: the user's option « Exiger un second facteur »
for changes of « Mes informations de sécurité »

Revision ID: c4d8e2a1f905
Revises: c19d7a2e4b61
Create Date: 2026-12-04 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8e2a1f905'
down_revision = 'c19d7a2e4b61'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'changes_need_second_factor', sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('changes_need_second_factor')
