"""estates (管理处): a work order and a repair belong to their unit's estate

- `inspection_work_order.estate` (indexed; null only for a work order whose events carried none),
- `repair_order.estate` (indexed),

filled in for the rows already there from their unit: the office tower's floors ``T1-*`` are the
office park E2, everything else (the flats of buildings 1-3, their common areas) the residential
estate E1.

Revision ID: f4b6d8e0a2c3
Revises: b2d5f8a1c3e4
Create Date: 2026-12-01 09:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = 'f4b6d8e0a2c3'
down_revision: Union[str, Sequence[str], None] = 'b2d5f8a1c3e4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_estate_column("inspection_work_order", nullable=True)
    schema_ops.add_estate_column("repair_order",
                                 backfill=schema_ops.estate_of_unit_sql("COALESCE(unit_id, '')"))


def downgrade() -> None:
    schema_ops.drop_estate_column("repair_order")
    schema_ops.drop_estate_column("inspection_work_order")
