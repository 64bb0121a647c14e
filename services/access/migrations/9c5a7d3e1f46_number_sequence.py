"""chassis numbering: the number_sequence table (propdesk.chassis.numbering)

One scheme for the desk's readable numbers in every service (<SERIES>-yyyymmdd-nnnn), counted in
the same transaction as the record that carries the number.

Revision ID: 9c5a7d3e1f46
Revises: e1f5c8a2d304
Create Date: 2026-11-30 12:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = '9c5a7d3e1f46'
down_revision: Union[str, Sequence[str], None] = 'e1f5c8a2d304'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.create_number_sequence_table()
    schema_ops.seed_number_sequence("FX", "release_slip", "slip_no")  # the numbers given so far


def downgrade() -> None:
    schema_ops.drop_number_sequence_table()
