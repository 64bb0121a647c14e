"""chassis numbering: the number_sequence table (propdesk.chassis.numbering)

One scheme for the desk's readable numbers in every service (<SERIES>-yyyymmdd-nnnn), counted in
the same transaction as the record that carries the number.

Revision ID: 1e7c9f5a3b68
Revises: b38e919dac7a
Create Date: 2026-11-30 12:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = '1e7c9f5a3b68'
down_revision: Union[str, Sequence[str], None] = 'b38e919dac7a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.create_number_sequence_table()


def downgrade() -> None:
    schema_ops.drop_number_sequence_table()
