"""a withdrawn move-out closes its release hold: release_hold.withdrawn_at

``move_out.withdrawn`` closes the hold (no slip follows, nothing is awaited); the column is the
withdrawal's time, null while the move-out goes on (every hold held before this revision).

Revision ID: 2093270decc2
Revises: b51501b8723c
Create Date: 2026-11-30 16:00:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '2093270decc2'
down_revision: Union[str, Sequence[str], None] = 'b51501b8723c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('release_hold', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('release_hold', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
