"""bank matching at scale: fee_notice indexed by (estate, amount in fen, issued_at) and by (estate,
amount + arrears brought forward in fen, issued_at), so a statement import reads only the notices
asking one of its lines' amounts within their dates, not every open notice of the estate (bench
S4B). Issued notices only (issued_at IS NOT NULL): a billing run's drafts do not touch them. The plain
estate index goes: every read of the notices by estate also names a run, a state or a unit

Revision ID: 04138a1769e7
Revises: 5b1e0c7d9a24
Create Date: 2026-12-01 12:30:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '04138a1769e7'
down_revision: Union[str, Sequence[str], None] = '5b1e0c7d9a24'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# as billing_run.models spells them (AMOUNT_FEN, ASKED_FEN): an expression index serves only the
# same expression, and SQLite compares its type names as written
AMOUNT_FEN = 'CAST(round(amount * 100) AS BIGINT)'
ASKED_FEN = '(CAST(round(amount * 100) AS BIGINT) + CAST(round(arrears_before * 100) AS BIGINT))'


def upgrade() -> None:
    issued = sa.text('issued_at IS NOT NULL')  # issued notices only: a run's drafts do not touch them
    op.create_index('ix_fee_notice_estate_amount', 'fee_notice', ['estate', sa.text(AMOUNT_FEN), 'issued_at'],
                    unique=False, sqlite_where=issued, postgresql_where=issued)
    op.create_index('ix_fee_notice_estate_asked', 'fee_notice', ['estate', sa.text(ASKED_FEN), 'issued_at'],
                    unique=False, sqlite_where=issued, postgresql_where=issued)
    op.drop_index('ix_fee_notice_estate', table_name='fee_notice')


def downgrade() -> None:
    op.create_index('ix_fee_notice_estate', 'fee_notice', ['estate'], unique=False)
    op.drop_index('ix_fee_notice_estate_asked', table_name='fee_notice')
    op.drop_index('ix_fee_notice_estate_amount', table_name='fee_notice')
