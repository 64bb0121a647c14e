"""complaints: the complaint record (投诉处理表 QR-002FW, issue #9 §3)

Revision ID: 5d2a8c6e4f10
Revises: ded504a6797a
Create Date: 2026-11-30 15:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '5d2a8c6e4f10'
down_revision: Union[str, Sequence[str], None] = 'ded504a6797a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXED = ('estate', 'received_at', 'second_complaints', 'unit_id', 'state', 'about_staff', 'kind')


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('complaint',
    sa.Column('complaint_id', sa.String(length=32), nullable=False),
    sa.Column('contact_id', sa.String(length=64), nullable=True),
    sa.Column('unit_id', sa.String(length=32), nullable=True),
    sa.Column('estate', sa.String(length=8), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('complainant', sa.String(length=100), nullable=False),
    sa.Column('complainant_phone', sa.String(length=32), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('about_staff', sa.String(length=64), nullable=True),
    sa.Column('about_department', sa.String(length=32), nullable=True),
    sa.Column('about', sa.String(length=200), nullable=True),
    sa.Column('doc_ref', sa.String(length=64), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_by', sa.String(length=64), nullable=False),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('measures_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reply_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('remedial', sa.Text(), nullable=True),
    sa.Column('corrective', sa.Text(), nullable=True),
    sa.Column('handling_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by', sa.String(length=64), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('reply_channel', sa.String(length=16), nullable=True),
    sa.Column('reply_text', sa.Text(), nullable=True),
    sa.Column('reply_ref', sa.String(length=64), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('within_3_days', sa.Boolean(), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('redirected_to', sa.String(length=200), nullable=True),
    sa.Column('progress_notices', sa.Integer(), nullable=False),
    sa.Column('clock_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('second_complaints', sa.Integer(), nullable=False),
    sa.Column('reopen_reason', sa.String(length=32), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('root_cause', sa.Text(), nullable=True),
    sa.Column('apology_cause', sa.String(length=32), nullable=True),
    sa.Column('apology_ref', sa.String(length=64), nullable=True),
    sa.Column('apology_issuer', sa.String(length=100), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('satisfaction', sa.String(length=32), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('complaint_id'),
    sa.UniqueConstraint('contact_id')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f'ix_complaint_{column}'), [column], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        for column in reversed(INDEXED):
            batch_op.drop_index(batch_op.f(f'ix_complaint_{column}'))

    op.drop_table('complaint')
