"""move-out case: when engineering read the meters and cut the supply (METERS_READ_AND_CUT)

Revision ID: c6e2a4f8b1d3
Revises: 75cd8b8682e7
Create Date: 2026-12-01 05:05:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c6e2a4f8b1d3'
down_revision: Union[str, Sequence[str], None] = '75cd8b8682e7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('move_out_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supply_cut_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('move_out_case', schema=None) as batch_op:
        batch_op.drop_column('supply_cut_at')
