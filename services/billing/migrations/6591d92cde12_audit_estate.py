"""chassis: audit_log.estate (the estate an audit row belongs to; a person reads their estates' rows)

Revision ID: 6591d92cde12
Revises: a576f12779a9
Create Date: 2026-11-30 15:20:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = '6591d92cde12'
down_revision: Union[str, Sequence[str], None] = 'a576f12779a9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_audit_estate()


def downgrade() -> None:
    schema_ops.drop_audit_estate()
