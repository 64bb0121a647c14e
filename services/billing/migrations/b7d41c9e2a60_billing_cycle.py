"""billing cycle: the monthly fee cycle (domain.md §2.5)

- `billed_unit` (the units billing bills: estate, kind, area, parking spaces, payer) and
  `fee_schedule` (收费标准 per estate, unit kind and item, from a month on);
- `meter_reading` (抄表, one per unit, meter and month; held readings wait for review);
- `billing_run`, `fee_notice`, `fee_notice_line` (the month's run and its 《缴费通知单》);
- `dunning_notice` (《催款通知单》, once per unit and period);
- `charge.basis`, `charge.source`, `charge.source_ref` (nullable: the charges already there were
  recorded before the cycle and name neither).

Revision ID: b7d41c9e2a60
Revises: a5c7e9f1b3d4
Create Date: 2026-11-30 15:20:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'b7d41c9e2a60'
down_revision: Union[str, Sequence[str], None] = 'a5c7e9f1b3d4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('billed_unit',
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('area_m2', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('parking_spaces', sa.Integer(), nullable=False),
    sa.Column('payer_party_id', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('unit_id')
    )
    op.create_index(op.f('ix_billed_unit_estate'), 'billed_unit', ['estate'], unique=False)
    op.create_table('billing_run',
    sa.Column('run_id', sa.String(length=40), nullable=False),
    sa.Column('run_no', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('total_units', sa.Integer(), nullable=False),
    sa.Column('drafted_units', sa.Integer(), nullable=False),
    sa.Column('notice_count', sa.Integer(), nullable=False),
    sa.Column('issued_count', sa.Integer(), nullable=False),
    sa.Column('total_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('cursor', sa.String(length=32), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.String(length=500), nullable=True),
    sa.Column('issued_by', sa.String(length=64), nullable=True),
    sa.Column('issue_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dunned_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('run_id'),
    sa.UniqueConstraint('period', 'estate', name='uq_billing_run_period'),
    sa.UniqueConstraint('run_no')
    )
    op.create_index(op.f('ix_billing_run_estate'), 'billing_run', ['estate'], unique=False)
    op.create_index(op.f('ix_billing_run_state'), 'billing_run', ['state'], unique=False)
    op.create_table('dunning_notice',
    sa.Column('dunning_id', sa.String(length=40), nullable=False),
    sa.Column('dunning_no', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('payer_party_id', sa.String(length=64), nullable=True),
    sa.Column('amount_due', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('periods', sa.String(length=400), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_by', sa.String(length=64), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('dunning_id'),
    sa.UniqueConstraint('dunning_no'),
    sa.UniqueConstraint('unit_id', 'period', name='uq_dunning_unit_period')
    )
    op.create_index(op.f('ix_dunning_notice_estate'), 'dunning_notice', ['estate'], unique=False)
    op.create_index(op.f('ix_dunning_notice_state'), 'dunning_notice', ['state'], unique=False)
    op.create_index(op.f('ix_dunning_notice_unit_id'), 'dunning_notice', ['unit_id'], unique=False)
    op.create_table('fee_notice',
    sa.Column('notice_id', sa.String(length=40), nullable=False),
    sa.Column('notice_no', sa.String(length=32), nullable=True),
    sa.Column('run_id', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('payer_party_id', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('arrears_before', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('issued_by', sa.String(length=64), nullable=True),
    sa.Column('signed_by', sa.String(length=64), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('notice_id'),
    sa.UniqueConstraint('notice_no'),
    sa.UniqueConstraint('run_id', 'unit_id', name='uq_fee_notice_unit')
    )
    op.create_index(op.f('ix_fee_notice_estate'), 'fee_notice', ['estate'], unique=False)
    op.create_index(op.f('ix_fee_notice_run_id'), 'fee_notice', ['run_id'], unique=False)
    op.create_index(op.f('ix_fee_notice_state'), 'fee_notice', ['state'], unique=False)
    op.create_index(op.f('ix_fee_notice_unit_id'), 'fee_notice', ['unit_id'], unique=False)
    op.create_table('fee_notice_line',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('notice_id', sa.String(length=40), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('item', sa.String(length=32), nullable=False),
    sa.Column('basis', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_ref', sa.String(length=64), nullable=True),
    sa.Column('quantity', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('charge_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_fee_notice_line_notice_id'), 'fee_notice_line', ['notice_id'], unique=False)
    op.create_table('fee_schedule',
    sa.Column('schedule_id', sa.String(length=40), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('unit_kind', sa.String(length=16), nullable=False),
    sa.Column('item', sa.String(length=32), nullable=False),
    sa.Column('basis', sa.String(length=16), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('effective_from', sa.String(length=7), nullable=False),
    sa.Column('effective_to', sa.String(length=7), nullable=True),
    sa.Column('jump_factor', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('schedule_id'),
    sa.UniqueConstraint('estate', 'unit_kind', 'item', 'effective_from', name='uq_fee_schedule_key')
    )
    op.create_index(op.f('ix_fee_schedule_estate'), 'fee_schedule', ['estate'], unique=False)
    op.create_table('meter_reading',
    sa.Column('reading_id', sa.String(length=40), nullable=False),
    sa.Column('reading_no', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('meter', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('reading', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('previous', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('consumption', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('hold_rule', sa.String(length=32), nullable=True),
    sa.Column('read_on', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_no', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('reading_id'),
    sa.UniqueConstraint('reading_no'),
    sa.UniqueConstraint('unit_id', 'meter', 'period', name='uq_meter_reading_period')
    )
    op.create_index(op.f('ix_meter_reading_estate'), 'meter_reading', ['estate'], unique=False)
    op.create_index(op.f('ix_meter_reading_period'), 'meter_reading', ['period'], unique=False)
    op.create_index(op.f('ix_meter_reading_state'), 'meter_reading', ['state'], unique=False)
    op.create_index(op.f('ix_meter_reading_unit_id'), 'meter_reading', ['unit_id'], unique=False)
    op.add_column('charge', sa.Column('basis', sa.String(length=16), nullable=True))
    op.add_column('charge', sa.Column('source', sa.String(length=16), nullable=True))
    op.add_column('charge', sa.Column('source_ref', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_charge_source_ref'), 'charge', ['source_ref'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('charge') as batch_op:
        batch_op.drop_index('ix_charge_source_ref')
        batch_op.drop_column('source_ref')
        batch_op.drop_column('source')
        batch_op.drop_column('basis')
    op.drop_index(op.f('ix_meter_reading_unit_id'), table_name='meter_reading')
    op.drop_index(op.f('ix_meter_reading_state'), table_name='meter_reading')
    op.drop_index(op.f('ix_meter_reading_period'), table_name='meter_reading')
    op.drop_index(op.f('ix_meter_reading_estate'), table_name='meter_reading')
    op.drop_table('meter_reading')
    op.drop_index(op.f('ix_fee_schedule_estate'), table_name='fee_schedule')
    op.drop_table('fee_schedule')
    op.drop_index(op.f('ix_fee_notice_line_notice_id'), table_name='fee_notice_line')
    op.drop_table('fee_notice_line')
    op.drop_index(op.f('ix_fee_notice_unit_id'), table_name='fee_notice')
    op.drop_index(op.f('ix_fee_notice_state'), table_name='fee_notice')
    op.drop_index(op.f('ix_fee_notice_run_id'), table_name='fee_notice')
    op.drop_index(op.f('ix_fee_notice_estate'), table_name='fee_notice')
    op.drop_table('fee_notice')
    op.drop_index(op.f('ix_dunning_notice_unit_id'), table_name='dunning_notice')
    op.drop_index(op.f('ix_dunning_notice_state'), table_name='dunning_notice')
    op.drop_index(op.f('ix_dunning_notice_estate'), table_name='dunning_notice')
    op.drop_table('dunning_notice')
    op.drop_index(op.f('ix_billing_run_state'), table_name='billing_run')
    op.drop_index(op.f('ix_billing_run_estate'), table_name='billing_run')
    op.drop_table('billing_run')
    op.drop_index(op.f('ix_billed_unit_estate'), table_name='billed_unit')
    op.drop_table('billed_unit')
