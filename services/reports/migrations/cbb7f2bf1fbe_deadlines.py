"""chassis: the deadline table (time limits on records, swept by the service; chassis/deadlines.py)

Revision ID: cbb7f2bf1fbe
Revises: c7e9a1b3d5f6
Create Date: 2026-11-30 15:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = 'cbb7f2bf1fbe'
down_revision: Union[str, Sequence[str], None] = 'c7e9a1b3d5f6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_deadlines()


def downgrade() -> None:
    schema_ops.drop_deadlines()
