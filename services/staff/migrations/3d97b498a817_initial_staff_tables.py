"""initial staff tables: accounts, sessions, the sign-in lock-out, API tokens

Staff accounts (roles and estates as codes, the password as its argon2id hash), server-side sessions
(the SHA-256 of each token), the failed sign-ins of each username, and API tokens (the SHA-256 of
each secret), with the chassis tables (outbox, inbox, audit_log), idempotency keys and the
number_sequence table.

Revision ID: 3d97b498a817
Revises: 
Create Date: 2026-11-30 12:01:01.551612

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from propdesk.chassis import schema_ops


# revision identifiers, used by Alembic.
revision: str = '3d97b498a817'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    schema_ops.create_chassis_tables()
    schema_ops.create_idempotency_table()
    schema_ops.create_number_sequence_table()
    op.create_table('api_token',
    sa.Column('name', sa.String(length=48), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=8), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('estates', sa.JSON(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('name'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('sign_in_guard',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.JSON(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username')
    )
    with op.batch_alter_table('sign_in_guard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_guard_updated_at'), ['updated_at'], unique=False)

    op.create_table('staff_account',
    sa.Column('username', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('estates', sa.JSON(), nullable=False),
    sa.Column('phone', sa.String(length=24), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('username')
    )
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_account_active'), ['active'], unique=False)

    op.create_table('staff_session',
    sa.Column('session_id', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['username'], ['staff_account.username'], ),
    sa.PrimaryKeyConstraint('session_id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_session_username'), ['username'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_session_username'))

    op.drop_table('staff_session')
    with op.batch_alter_table('staff_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_account_active'))

    op.drop_table('staff_account')
    with op.batch_alter_table('sign_in_guard', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_guard_updated_at'))

    op.drop_table('sign_in_guard')
    op.drop_table('api_token')
    schema_ops.drop_number_sequence_table()
    schema_ops.drop_idempotency_table()
    schema_ops.drop_chassis_tables()
