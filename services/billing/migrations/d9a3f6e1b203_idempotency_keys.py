"""idempotency keys of billing's commands, kept with their results

A command sent again with the same Idempotency-Key answers its first result instead of acting
twice; the key, the request's hash and the result are written in the command's own transaction.

Revision ID: d9a3f6e1b203
Revises: e2d109a3d3a5
Create Date: 2026-11-22 22:10:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis.schema_ops import create_idempotency_table, drop_idempotency_table

# revision identifiers, used by Alembic.
revision: str = 'd9a3f6e1b203'
down_revision: Union[str, Sequence[str], None] = 'e2d109a3d3a5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    create_idempotency_table()


def downgrade() -> None:
    """Downgrade schema."""
    drop_idempotency_table()
