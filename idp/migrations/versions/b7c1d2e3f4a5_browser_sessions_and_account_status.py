"""browser sessions, account status (disabled, forced password change, realm admin),
an index to find users by attribute value, admin API tokens

Revision ID: b7c1d2e3f4a5
Revises: fe854295bb83
Create Date: 2026-12-04 07:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f4a5'
down_revision = 'fe854295bb83'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('browser_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('realm_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('authenticated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=256), nullable=True),
    sa.Column('amr', sa.JSON(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['realm_id'], ['realm.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('browser_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_browser_session_realm_id'), ['realm_id'], unique=False)
        batch_op.create_index('ix_browser_session_user_live', ['user_id', 'revoked_at'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('is_admin', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('user_attribute', schema=None) as batch_op:
        batch_op.create_index('ix_user_attribute_value', ['value'], unique=False)

    op.create_table('admin_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('realm_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['realm_id'], ['realm.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('admin_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_token_realm_id'), ['realm_id'], unique=False)


def downgrade():
    with op.batch_alter_table('admin_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_token_realm_id'))

    op.drop_table('admin_token')

    with op.batch_alter_table('user_attribute', schema=None) as batch_op:
        batch_op.drop_index('ix_user_attribute_value')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('is_admin')
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('disabled_at')

    with op.batch_alter_table('browser_session', schema=None) as batch_op:
        batch_op.drop_index('ix_browser_session_user_live')
        batch_op.drop_index(batch_op.f('ix_browser_session_realm_id'))

    op.drop_table('browser_session')
