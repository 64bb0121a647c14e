"""move-out work order: the final meter readings and the supply cut (METERS_READ_AND_CUT)

Engineering records, once per move-out, when it read the meters as of the exit and cut the
supply, the utilities cut and the final readings (`record_supply_cut`, event ``unit.supply_cut``).

Revision ID: a8d3f5c1e7b9
Revises: ded504a6797a
Create Date: 2026-12-01 04:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a8d3f5c1e7b9'
down_revision: Union[str, Sequence[str], None] = 'ded504a6797a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('inspection_work_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supply_cut_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('supply_cut_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('utilities_cut', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('final_readings', sa.JSON(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('inspection_work_order', schema=None) as batch_op:
        batch_op.drop_column('final_readings')
        batch_op.drop_column('utilities_cut')
        batch_op.drop_column('supply_cut_by')
        batch_op.drop_column('supply_cut_at')
