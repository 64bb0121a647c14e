"""chassis: the audit trail chained by hash (audit_log.prev_hash/row_hash, audit_chain_head)

The rows already there are chained in id order (propdesk.chassis.audit_chain), so
`propdesk audit verify` detects an edited or deleted row from the first one on.

Revision ID: a1c4e7f0b2d3
Revises: 4f6a1c2d8e90
Create Date: 2026-11-30 12:30:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = 'a1c4e7f0b2d3'
down_revision: Union[str, Sequence[str], None] = '4f6a1c2d8e90'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_audit_chain()


def downgrade() -> None:
    schema_ops.drop_audit_chain()
