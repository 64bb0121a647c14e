"""estates (管理处): a message and a tenancy know the estate of their move-out

`tenancy.estate` and `message.estate` (indexed), filled in for the rows already there from the
move-out's unit: the office tower's floors ``T1-*`` are the office park E2, the flats of buildings
1-3 the residential estate E1 (a message whose move-out notify never learned stays without).

Revision ID: d8f0b2c4e6a7
Revises: e5a8c1d4f6b7
Create Date: 2026-12-01 09:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = 'd8f0b2c4e6a7'
down_revision: Union[str, Sequence[str], None] = 'e5a8c1d4f6b7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_estate_column("tenancy", nullable=True, index=False)
    schema_ops.add_estate_column(
        "message", nullable=True,
        backfill="(SELECT tenancy.estate FROM tenancy WHERE tenancy.move_out_id = message.move_out_id)")


def downgrade() -> None:
    schema_ops.drop_estate_column("message")
    schema_ops.drop_estate_column("tenancy", index=False)
