"""estates (管理处): every unit belongs to one, and a move-out case has its unit's

- `unit.estate` (indexed), filled in for the units already registered: the office tower's
  floors ``T1-*`` are the office park E2, the flats of buildings 1-3 the residential estate E1;
- `move_out_case.estate` (indexed), its unit's.

Revision ID: e3a5c7d9f1b2
Revises: a1c4e7f0b2d3
Create Date: 2026-12-01 09:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from propdesk.chassis import schema_ops

revision: str = 'e3a5c7d9f1b2'
down_revision: Union[str, Sequence[str], None] = 'a1c4e7f0b2d3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OPEN = sa.text("state NOT IN ('ARCHIVED', 'WITHDRAWN')")


def upgrade() -> None:
    schema_ops.add_estate_column("unit")
    # the case's table is rebuilt to make the column NOT NULL: its partial unique index (one open
    # case per unit) is dropped first and made again, with its WHERE
    with op.batch_alter_table('move_out_case', schema=None) as batch_op:
        batch_op.drop_index('uq_move_out_case_open_unit', sqlite_where=OPEN, postgresql_where=OPEN)
    schema_ops.add_estate_column(
        "move_out_case",
        backfill="COALESCE((SELECT unit.estate FROM unit WHERE unit.unit_id = move_out_case.unit_id), "
                 f"{schema_ops.estate_of_unit_sql('move_out_case.unit_id')})")
    with op.batch_alter_table('move_out_case', schema=None) as batch_op:
        batch_op.create_index('uq_move_out_case_open_unit', ['unit_id'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    with op.batch_alter_table('move_out_case', schema=None) as batch_op:
        batch_op.drop_index('uq_move_out_case_open_unit', sqlite_where=OPEN, postgresql_where=OPEN)
    schema_ops.drop_estate_column("move_out_case")
    with op.batch_alter_table('move_out_case', schema=None) as batch_op:
        batch_op.create_index('uq_move_out_case_open_unit', ['unit_id'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)
    schema_ops.drop_estate_column("unit")
