"""arrears at scale: charge and payment indexed by (estate, unit_id, amount) instead of estate
alone, so the arrears reports sum an estate's ledger by unit from the index only (bench S4R)

Revision ID: 5b1e0c7d9a24
Revises: 3d8e5b7a1c42
Create Date: 2026-12-01 09:10:00.000000

"""
from typing import Sequence, Union

from alembic import op

revision: str = '5b1e0c7d9a24'
down_revision: Union[str, Sequence[str], None] = '3d8e5b7a1c42'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_charge_estate_unit_amount', 'charge', ['estate', 'unit_id', 'amount'], unique=False)
    op.drop_index('ix_charge_estate', table_name='charge')
    op.create_index('ix_payment_estate_unit_amount', 'payment', ['estate', 'unit_id', 'amount'], unique=False)
    op.drop_index('ix_payment_estate', table_name='payment')


def downgrade() -> None:
    op.create_index('ix_payment_estate', 'payment', ['estate'], unique=False)
    op.drop_index('ix_payment_estate_unit_amount', table_name='payment')
    op.create_index('ix_charge_estate', 'charge', ['estate'], unique=False)
    op.drop_index('ix_charge_estate_unit_amount', table_name='charge')
