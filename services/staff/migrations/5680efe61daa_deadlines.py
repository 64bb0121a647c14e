"""chassis: the deadline table (time limits on records, swept by the service; chassis/deadlines.py)

Revision ID: 5680efe61daa
Revises: 07b8d3f6a9c1
Create Date: 2026-11-30 15:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = '5680efe61daa'
down_revision: Union[str, Sequence[str], None] = '07b8d3f6a9c1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_deadlines()


def downgrade() -> None:
    schema_ops.drop_deadlines()
