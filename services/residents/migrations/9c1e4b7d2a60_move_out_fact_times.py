"""move-out case: when the recorded inspection and fee verdict happened

A fact older than the one a case holds (delivered late after a retry) must not overwrite it, so
the case keeps the time of each: the inspection event's occurred_at and Finance's as_of.

Revision ID: 9c1e4b7d2a60
Revises: 35ef0a89cffa
Create Date: 2026-11-22 21:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '9c1e4b7d2a60'
down_revision: Union[str, Sequence[str], None] = '35ef0a89cffa'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('move_out_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inspection_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('fees_as_of', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('move_out_case', schema=None) as batch_op:
        batch_op.drop_column('fees_as_of')
        batch_op.drop_column('inspection_at')
