"""payments, bank statements, deposits (issue #10 §3-§4)

payment: the channel's transaction number (unique per method), a cheque's date, the reversal
(红冲) it is, its note, the bank line it was booked from; payment_allocation (which charges a
payment paid); bank_statement and bank_line (imported statements, a line once by its hash);
deposit and deposit_deduction (押金). Payments recorded before keep no allocation: their money
settles the oldest charges first when the ledger is read.

Revision ID: f4a8c2e6b910
Revises: b7d41c9e2a60
Create Date: 2026-11-30 15:45:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = 'f4a8c2e6b910'
down_revision: Union[str, Sequence[str], None] = 'b7d41c9e2a60'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('txn_no', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('cheque_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reverses', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('bank_line_id', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_payment_reverses'), ['reverses'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_bank_line_id'), ['bank_line_id'], unique=False)
        batch_op.create_unique_constraint('uq_payment_txn', ['method', 'txn_no'])

    op.create_table('payment_allocation',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('payment_id', sa.String(length=40), nullable=False),
    sa.Column('charge_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_payment_allocation_payment_id'), 'payment_allocation', ['payment_id'], unique=False)
    op.create_index(op.f('ix_payment_allocation_charge_id'), 'payment_allocation', ['charge_id'], unique=False)

    op.create_table('bank_statement',
    sa.Column('statement_id', sa.String(length=40), nullable=False),
    sa.Column('statement_no', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('bank_format', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('credit_lines', sa.Integer(), nullable=False),
    sa.Column('new_lines', sa.Integer(), nullable=False),
    sa.Column('repeated_lines', sa.Integer(), nullable=False),
    sa.Column('matched_lines', sa.Integer(), nullable=False),
    sa.Column('unmatched_lines', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('statement_id'),
    sa.UniqueConstraint('statement_no')
    )
    op.create_index(op.f('ix_bank_statement_estate'), 'bank_statement', ['estate'], unique=False)

    op.create_table('bank_line',
    sa.Column('line_id', sa.String(length=40), nullable=False),
    sa.Column('line_hash', sa.String(length=64), nullable=False),
    sa.Column('statement_id', sa.String(length=40), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('payer_name', sa.String(length=200), nullable=True),
    sa.Column('payer_account', sa.String(length=64), nullable=True),
    sa.Column('reference', sa.String(length=400), nullable=True),
    sa.Column('serial', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('notice_id', sa.String(length=40), nullable=True),
    sa.Column('unit_id', sa.String(length=32), nullable=True),
    sa.Column('payment_id', sa.String(length=40), nullable=True),
    sa.Column('settled_by', sa.String(length=64), nullable=True),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('line_id'),
    sa.UniqueConstraint('line_hash')
    )
    op.create_index(op.f('ix_bank_line_statement_id'), 'bank_line', ['statement_id'], unique=False)
    op.create_index(op.f('ix_bank_line_estate'), 'bank_line', ['estate'], unique=False)
    op.create_index(op.f('ix_bank_line_state'), 'bank_line', ['state'], unique=False)

    op.create_table('deposit',
    sa.Column('deposit_id', sa.String(length=40), nullable=False),
    sa.Column('deposit_no', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('payer_name', sa.String(length=100), nullable=False),
    sa.Column('party_id', sa.String(length=64), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('receipt_no', sa.String(length=32), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_by', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=True),
    sa.Column('applicant_name', sa.String(length=100), nullable=True),
    sa.Column('refund_account', sa.String(length=100), nullable=True),
    sa.Column('refund_reason', sa.String(length=200), nullable=True),
    sa.Column('requested_by', sa.String(length=64), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refunded_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('refund_method', sa.String(length=8), nullable=True),
    sa.Column('refunded_by', sa.String(length=64), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('deposit_id'),
    sa.UniqueConstraint('deposit_no'),
    sa.UniqueConstraint('receipt_no')
    )
    op.create_index(op.f('ix_deposit_unit_id'), 'deposit', ['unit_id'], unique=False)
    op.create_index(op.f('ix_deposit_estate'), 'deposit', ['estate'], unique=False)
    op.create_index(op.f('ix_deposit_state'), 'deposit', ['state'], unique=False)

    op.create_table('deposit_deduction',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('deposit_id', sa.String(length=40), nullable=False),
    sa.Column('reason_kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_deposit_deduction_deposit_id'), 'deposit_deduction', ['deposit_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_deposit_deduction_deposit_id'), table_name='deposit_deduction')
    op.drop_table('deposit_deduction')
    op.drop_index(op.f('ix_deposit_state'), table_name='deposit')
    op.drop_index(op.f('ix_deposit_estate'), table_name='deposit')
    op.drop_index(op.f('ix_deposit_unit_id'), table_name='deposit')
    op.drop_table('deposit')
    op.drop_index(op.f('ix_bank_line_state'), table_name='bank_line')
    op.drop_index(op.f('ix_bank_line_estate'), table_name='bank_line')
    op.drop_index(op.f('ix_bank_line_statement_id'), table_name='bank_line')
    op.drop_table('bank_line')
    op.drop_index(op.f('ix_bank_statement_estate'), table_name='bank_statement')
    op.drop_table('bank_statement')
    op.drop_index(op.f('ix_payment_allocation_charge_id'), table_name='payment_allocation')
    op.drop_index(op.f('ix_payment_allocation_payment_id'), table_name='payment_allocation')
    op.drop_table('payment_allocation')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint('uq_payment_txn', type_='unique')
        batch_op.drop_index(batch_op.f('ix_payment_bank_line_id'))
        batch_op.drop_index(batch_op.f('ix_payment_reverses'))
        batch_op.drop_column('bank_line_id')
        batch_op.drop_column('note')
        batch_op.drop_column('reverses')
        batch_op.drop_column('cheque_date')
        batch_op.drop_column('txn_no')
