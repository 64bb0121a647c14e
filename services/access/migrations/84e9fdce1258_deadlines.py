"""chassis: the deadline table (time limits on records, swept by the service; chassis/deadlines.py)

Revision ID: 84e9fdce1258
Revises: b6d8f0a2c4e5
Create Date: 2026-11-30 15:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = '84e9fdce1258'
down_revision: Union[str, Sequence[str], None] = 'b6d8f0a2c4e5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_deadlines()


def downgrade() -> None:
    schema_ops.drop_deadlines()
