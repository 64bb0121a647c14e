"""chassis: the deadline table (time limits on records, swept by the service; chassis/deadlines.py)

Revision ID: cf366d9b1e60
Revises: d8f0b2c4e6a7
Create Date: 2026-11-30 15:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = 'cf366d9b1e60'
down_revision: Union[str, Sequence[str], None] = 'd8f0b2c4e6a7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_deadlines()


def downgrade() -> None:
    schema_ops.drop_deadlines()
