"""chassis numbering: the number_sequence table (propdesk.chassis.numbering)

One scheme for the desk's readable numbers in every service (<SERIES>-yyyymmdd-nnnn), counted in
the same transaction as the record that carries the number.

Revision ID: 7a3e5b1c9d24
Revises: c4d18e2b7a02
Create Date: 2026-11-30 12:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = '7a3e5b1c9d24'
down_revision: Union[str, Sequence[str], None] = 'c4d18e2b7a02'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.create_number_sequence_table()
    schema_ops.seed_number_sequence("WO", "inspection_work_order", "work_order_no")  # the numbers given so far


def downgrade() -> None:
    schema_ops.drop_number_sequence_table()
