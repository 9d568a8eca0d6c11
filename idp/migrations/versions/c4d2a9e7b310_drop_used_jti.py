"""Drop used_jti: single-use jti values live in the replay guard (memory or Redis), not here.

Revision ID: c4d2a9e7b310
Revises: a7c3e91d5b20
Create Date: 2026-12-04 11:55:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "c4d2a9e7b310"
down_revision = "a7c3e91d5b20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("used_jti", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_jti_expires_at"))
    op.drop_table("used_jti")


def downgrade():
    op.create_table(
        "used_jti",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )
    with op.batch_alter_table("used_jti", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_used_jti_expires_at"), ["expires_at"], unique=False)
