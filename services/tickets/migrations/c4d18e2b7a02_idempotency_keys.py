"""idempotency keys of tickets's commands, kept with their results

A command sent again with the same Idempotency-Key answers its first result instead of acting
twice; the key, the request's hash and the result are written in the command's own transaction.

Revision ID: c4d18e2b7a02
Revises: c2e75d3d12d5
Create Date: 2026-11-22 22:10:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis.schema_ops import create_idempotency_table, drop_idempotency_table

# revision identifiers, used by Alembic.
revision: str = 'c4d18e2b7a02'
down_revision: Union[str, Sequence[str], None] = 'c2e75d3d12d5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    create_idempotency_table()


def downgrade() -> None:
    """Downgrade schema."""
    drop_idempotency_table()
