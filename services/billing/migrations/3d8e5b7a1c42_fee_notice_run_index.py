"""billing run: drop ix_fee_notice_run_id (uq_fee_notice_unit, on run_id and unit_id, answers every
query by run: its first column), one index less for every notice a run writes (bench S4)

Revision ID: 3d8e5b7a1c42
Revises: 00715b8e4fbf
Create Date: 2026-12-01 09:00:00.000000

"""
from typing import Sequence, Union

from alembic import op

revision: str = '3d8e5b7a1c42'
down_revision: Union[str, Sequence[str], None] = '00715b8e4fbf'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.drop_index('ix_fee_notice_run_id', table_name='fee_notice')


def downgrade() -> None:
    op.create_index('ix_fee_notice_run_id', 'fee_notice', ['run_id'], unique=False)
