"""a move-out can end: withdrawn or archived cases are closed; chassis numbering

- `number_sequence` (chassis numbering), started after the MO- numbers already given out;
- `move_out_case.withdrawal_reason`, `closed_at`;
- the one-open-case-per-unit index counts WITHDRAWN as closed as well as ARCHIVED.

Revision ID: 4f6a1c2d8e90
Revises: b7e2a91c4d01
Create Date: 2026-11-30 12:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from propdesk.chassis import schema_ops

revision: str = '4f6a1c2d8e90'
down_revision: Union[str, Sequence[str], None] = 'b7e2a91c4d01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_OPEN = sa.text("state != 'ARCHIVED'")
NEW_OPEN = sa.text("state NOT IN ('ARCHIVED', 'WITHDRAWN')")


def upgrade() -> None:
    schema_ops.create_number_sequence_table()
    schema_ops.seed_number_sequence("MO", "move_out_case", "move_out_id")
    with op.batch_alter_table('move_out_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index('uq_move_out_case_open_unit', sqlite_where=OLD_OPEN, postgresql_where=OLD_OPEN)
        batch_op.create_index('uq_move_out_case_open_unit', ['unit_id'], unique=True,
                              sqlite_where=NEW_OPEN, postgresql_where=NEW_OPEN)


def downgrade() -> None:
    with op.batch_alter_table('move_out_case', schema=None) as batch_op:
        batch_op.drop_index('uq_move_out_case_open_unit', sqlite_where=NEW_OPEN, postgresql_where=NEW_OPEN)
        batch_op.create_index('uq_move_out_case_open_unit', ['unit_id'], unique=True,
                              sqlite_where=OLD_OPEN, postgresql_where=OLD_OPEN)
        batch_op.drop_column('closed_at')
        batch_op.drop_column('withdrawal_reason')
    schema_ops.drop_number_sequence_table()
