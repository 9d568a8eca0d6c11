"""TOTP verification state, second-factor lock, recovery codes; secrets encrypted at rest

Revision ID: a7c3e1f05b21
Revises: e5aa1c346df3
Create Date: 2026-12-04 07:50:00.000000

Existing ``device.totp_secret`` and ``realm_key.private_pem`` values are encrypted with the
data key of the running configuration (IDP_DATA_KEY, else IDP_SECRET_KEY; see
idp.security.data_key); the downgrade decrypts them again.
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from idp.security.data_key import PREFIX, keyring_from_config


# revision identifiers, used by Alembic.
revision = 'a7c3e1f05b21'
down_revision = 'e5aa1c346df3'
branch_labels = None
depends_on = None

_COLUMNS = (("device", "id", "totp_secret"), ("realm_key", "id", "private_pem"))


def _convert(encrypt: bool) -> None:
    ring = keyring_from_config(current_app.config)
    bind = op.get_bind()
    for table, key, column in _COLUMNS:
        context = f"{table}.{column}"
        rows = bind.execute(
            sa.text(f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL")
        ).all()
        for row_id, value in rows:
            is_encrypted = value.startswith(f"{PREFIX}:")
            if encrypt and not is_encrypted:
                new = ring.encrypt(value, context=context)
            elif not encrypt and is_encrypted:
                new = ring.decrypt(value, context=context)
            else:
                continue
            bind.execute(
                sa.text(f"UPDATE {table} SET {column} = :v WHERE {key} = :k"),
                {"v": new, "k": row_id},
            )


def upgrade():
    op.create_table('second_factor_lock',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reset_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_parameters', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=128),
                              type_=sa.Text(), existing_nullable=True)
    _convert(encrypt=True)


def downgrade():
    _convert(encrypt=False)
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.Text(),
                              type_=sa.String(length=128), existing_nullable=True)
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_parameters')
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')
    op.drop_table('second_factor_lock')
