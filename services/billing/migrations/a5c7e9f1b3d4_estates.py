"""estates (管理处): a fee account belongs to its unit's estate

- `charge.estate`, `payment.estate` (indexed): the unit's;
- `clearance_request.estate` (indexed; null only for a check whose event and account knew none),

filled in for the rows already there from their unit: the office tower's floors ``T1-*`` are the
office park E2, the flats of buildings 1-3 the residential estate E1.

Revision ID: a5c7e9f1b3d4
Revises: c3e6a9b2d4f5
Create Date: 2026-12-01 09:00:00.000000

"""
from typing import Sequence, Union

from propdesk.chassis import schema_ops

revision: str = 'a5c7e9f1b3d4'
down_revision: Union[str, Sequence[str], None] = 'c3e6a9b2d4f5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    schema_ops.add_estate_column("charge")
    schema_ops.add_estate_column("payment")
    schema_ops.add_estate_column("clearance_request", nullable=True)


def downgrade() -> None:
    schema_ops.drop_estate_column("clearance_request")
    schema_ops.drop_estate_column("payment")
    schema_ops.drop_estate_column("charge")
