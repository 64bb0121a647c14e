"""payment.prepaid_amount: the part of a payment beyond what the unit owed (预收款/预交物业费)

A payment into a unit that owes nothing, or beyond what it owes, is a prepayment recorded
explicitly. Payments recorded before this revision get 0.00: which part of them was prepaid was
never recorded, and cannot be worked out afterwards (charges carry no time of their own). A unit's
credit (预收款) in `get_balance` is derived from its balance, so it is right for them too.

Revision ID: c3f7a2e9d416
Revises: 8b4f6c2d0e35
Create Date: 2026-11-30 13:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = 'c3f7a2e9d416'
down_revision: Union[str, Sequence[str], None] = '8b4f6c2d0e35'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prepaid_amount', sa.Numeric(precision=12, scale=2), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_column('prepaid_amount')
