"""chassis numbering: the number_sequence table (propdesk.chassis.numbering)

One scheme for the desk's readable numbers in every service (<SERIES>-yyyymmdd-nnnn), counted in
the same transaction as the record that carries the number.

Revision ID: 8b4f6c2d0e35
Revises: d9a3f6e1b203
Create Date: 2026-11-30 12:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = '8b4f6c2d0e35'
down_revision: Union[str, Sequence[str], None] = 'd9a3f6e1b203'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.create_number_sequence_table()


def downgrade() -> None:
    schema_ops.drop_number_sequence_table()
