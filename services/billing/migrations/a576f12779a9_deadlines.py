"""chassis: the deadline table (time limits on records, swept by the service; chassis/deadlines.py)

Revision ID: a576f12779a9
Revises: a5c7e9f1b3d4
Create Date: 2026-11-30 15:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = 'a576f12779a9'
down_revision: Union[str, Sequence[str], None] = 'a5c7e9f1b3d4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_deadlines()


def downgrade() -> None:
    schema_ops.drop_deadlines()
