"""tickets: complaints listed newest first within an estate, or of one unit, read an index in order (bench T1)

Revision ID: e7b1c3d5f9a2
Revises: 5d2a8c6e4f10
Create Date: 2026-11-30 15:40:00.000000

"""
from typing import Sequence, Union

from alembic import op

revision: str = 'e7b1c3d5f9a2'
down_revision: Union[str, Sequence[str], None] = '5d2a8c6e4f10'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_estate_received", ["estate", "received_at"], unique=False)
        batch_op.create_index("ix_complaint_unit_received", ["unit_id", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_unit_received")
        batch_op.drop_index("ix_complaint_estate_received")
