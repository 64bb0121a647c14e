"""contacts: the contact log (来电来访记录表, issue #9 §1)

Revision ID: 3c7e91a4d2b6
Revises: ded504a6797a
Create Date: 2026-11-30 15:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3c7e91a4d2b6'
down_revision: Union[str, Sequence[str], None] = 'ded504a6797a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('contact',
    sa.Column('contact_id', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('classification', sa.String(length=16), nullable=False),
    sa.Column('caller_name', sa.String(length=64), nullable=True),
    sa.Column('caller_phone', sa.String(length=32), nullable=True),
    sa.Column('unit_id', sa.String(length=32), nullable=True),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('received_by', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('referred_to', sa.String(length=128), nullable=True),
    sa.Column('expert', sa.String(length=128), nullable=True),
    sa.Column('reply_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replied_late', sa.Boolean(), nullable=True),
    sa.Column('ticket_type', sa.String(length=16), nullable=True),
    sa.Column('ticket_id', sa.String(length=64), nullable=True),
    sa.Column('ticket_no', sa.String(length=64), nullable=True),
    sa.Column('handovers', sa.JSON(), nullable=False),
    sa.Column('repeat_of', sa.String(length=32), nullable=True),
    sa.Column('repeat_calls', sa.Integer(), nullable=False),
    sa.Column('fcr', sa.Boolean(), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('contact_id')
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index('ix_contact_state_owner', ['state', 'owner'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_classification'), ['classification'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_estate'), ['estate'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_repeat_of'), ['repeat_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_unit_id'))
        batch_op.drop_index(batch_op.f('ix_contact_repeat_of'))
        batch_op.drop_index(batch_op.f('ix_contact_received_at'))
        batch_op.drop_index(batch_op.f('ix_contact_estate'))
        batch_op.drop_index(batch_op.f('ix_contact_classification'))
        batch_op.drop_index('ix_contact_state_owner')

    op.drop_table('contact')
