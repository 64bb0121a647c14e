"""chassis: the deadline table (time limits on records, swept by the service; chassis/deadlines.py)

Revision ID: ded504a6797a
Revises: f4b6d8e0a2c3
Create Date: 2026-11-30 15:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = 'ded504a6797a'
down_revision: Union[str, Sequence[str], None] = 'f4b6d8e0a2c3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_deadlines()


def downgrade() -> None:
    schema_ops.drop_deadlines()
