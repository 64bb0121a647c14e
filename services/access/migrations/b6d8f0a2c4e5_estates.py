"""estates (管理处): a release hold and its slip belong to their unit's estate

`release_hold.estate` and `release_slip.estate` (indexed; null only while none of the case's events
named one), filled in for the rows already there from their unit: the office tower's floors
``T1-*`` are the office park E2, the flats of buildings 1-3 the residential estate E1.

Revision ID: b6d8f0a2c4e5
Revises: d4f7b0c3e5a6
Create Date: 2026-12-01 09:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = 'b6d8f0a2c4e5'
down_revision: Union[str, Sequence[str], None] = 'd4f7b0c3e5a6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_estate_column("release_hold", nullable=True)
    schema_ops.add_estate_column("release_slip", nullable=True)


def downgrade() -> None:
    schema_ops.drop_estate_column("release_slip")
    schema_ops.drop_estate_column("release_hold")
