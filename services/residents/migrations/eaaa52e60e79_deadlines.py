"""chassis: the deadline table (time limits on records, swept by the service; chassis/deadlines.py)

Revision ID: eaaa52e60e79
Revises: e3a5c7d9f1b2
Create Date: 2026-11-30 15:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = 'eaaa52e60e79'
down_revision: Union[str, Sequence[str], None] = 'e3a5c7d9f1b2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_deadlines()


def downgrade() -> None:
    schema_ops.drop_deadlines()
