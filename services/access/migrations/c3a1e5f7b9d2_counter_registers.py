"""access: the counter's registers (domain.md §2.9-§2.12): passes (出入证), visitors (来访登记),
lost property (拾获物品), small-item storage (寄存) and mail (邮件/报纸/包裹)

Revision ID: c3a1e5f7b9d2
Revises: b6d8f0a2c4e5
Create Date: 2026-11-30 15:10:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'c3a1e5f7b9d2'
down_revision: Union[str, Sequence[str], None] = 'b6d8f0a2c4e5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('access_pass',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('pass_no', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('holder_name', sa.String(length=64), nullable=False),
    sa.Column('id_type', sa.String(length=16), nullable=True),
    sa.Column('holder_id_number', sa.String(length=32), nullable=True),
    sa.Column('id_copy_ref', sa.String(length=64), nullable=True),
    sa.Column('photo_ref', sa.String(length=128), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=True),
    sa.Column('work_location', sa.String(length=128), nullable=True),
    sa.Column('renovation_id', sa.String(length=64), nullable=True),
    sa.Column('contractor', sa.String(length=128), nullable=True),
    sa.Column('relation', sa.String(length=16), nullable=True),
    sa.Column('holder_party_id', sa.String(length=64), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.Column('end_note', sa.String(length=500), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pass_no')
    )
    with op.batch_alter_table('access_pass', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_pass_estate'), ['estate'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_pass_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_pass_renovation_id'), ['renovation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_pass_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_pass_unit_id'), ['unit_id'], unique=False)

    op.create_table('lost_item',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('item_no', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('found_place', sa.String(length=128), nullable=True),
    sa.Column('unit_id', sa.String(length=32), nullable=True),
    sa.Column('found_by', sa.String(length=64), nullable=False),
    sa.Column('registered_by', sa.String(length=64), nullable=False),
    sa.Column('second_registrar', sa.String(length=64), nullable=False),
    sa.Column('second_registrar_name', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unclaimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('publicised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('channels', sa.JSON(), nullable=True),
    sa.Column('claims', sa.JSON(), nullable=False),
    sa.Column('police_station', sa.String(length=128), nullable=True),
    sa.Column('police_officer', sa.String(length=64), nullable=True),
    sa.Column('police_receipt_ref', sa.String(length=64), nullable=True),
    sa.Column('finance_receiver', sa.String(length=64), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_no')
    )
    with op.batch_alter_table('lost_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lost_item_estate'), ['estate'], unique=False)
        batch_op.create_index(batch_op.f('ix_lost_item_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_lost_item_unclaimed_at'), ['unclaimed_at'], unique=False)

    op.create_table('mail_item',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('mail_no', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('recipient_name', sa.String(length=64), nullable=False),
    sa.Column('sender', sa.String(length=128), nullable=True),
    sa.Column('tracking_ref', sa.String(length=64), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_by', sa.String(length=64), nullable=True),
    sa.Column('received_by', sa.String(length=64), nullable=False),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('collector_name', sa.String(length=64), nullable=True),
    sa.Column('handed_over_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mail_no')
    )
    with op.batch_alter_table('mail_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_item_estate'), ['estate'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_item_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_item_unit_id'), ['unit_id'], unique=False)

    op.create_table('stored_item',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('storage_no', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('depositor_name', sa.String(length=64), nullable=False),
    sa.Column('depositor_phone', sa.String(length=32), nullable=True),
    sa.Column('unit_id', sa.String(length=32), nullable=True),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('shelf', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stored_by', sa.String(length=64), nullable=False),
    sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('contacts', sa.JSON(), nullable=False),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('collector_name', sa.String(length=64), nullable=True),
    sa.Column('collected_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('storage_no')
    )
    with op.batch_alter_table('stored_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_item_estate'), ['estate'], unique=False)
        batch_op.create_index(batch_op.f('ix_stored_item_overdue_at'), ['overdue_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stored_item_state'), ['state'], unique=False)

    op.create_table('visitor',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('visitor_no', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=False),
    sa.Column('visitor_name', sa.String(length=64), nullable=False),
    sa.Column('id_type', sa.String(length=16), nullable=True),
    sa.Column('id_number_masked', sa.String(length=32), nullable=True),
    sa.Column('phone_masked', sa.String(length=32), nullable=True),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=True),
    sa.Column('place', sa.String(length=128), nullable=True),
    sa.Column('host_name', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=True),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('time_in', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registered_by', sa.String(length=64), nullable=False),
    sa.Column('time_out', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_out_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('visitor_no')
    )
    with op.batch_alter_table('visitor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visitor_estate'), ['estate'], unique=False)
        batch_op.create_index(batch_op.f('ix_visitor_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_visitor_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('visitor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visitor_unit_id'))
        batch_op.drop_index(batch_op.f('ix_visitor_state'))
        batch_op.drop_index(batch_op.f('ix_visitor_estate'))

    op.drop_table('visitor')
    with op.batch_alter_table('stored_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_item_state'))
        batch_op.drop_index(batch_op.f('ix_stored_item_overdue_at'))
        batch_op.drop_index(batch_op.f('ix_stored_item_estate'))

    op.drop_table('stored_item')
    with op.batch_alter_table('mail_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_item_unit_id'))
        batch_op.drop_index(batch_op.f('ix_mail_item_state'))
        batch_op.drop_index(batch_op.f('ix_mail_item_estate'))

    op.drop_table('mail_item')
    with op.batch_alter_table('lost_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lost_item_unclaimed_at'))
        batch_op.drop_index(batch_op.f('ix_lost_item_state'))
        batch_op.drop_index(batch_op.f('ix_lost_item_estate'))

    op.drop_table('lost_item')
    with op.batch_alter_table('access_pass', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_pass_unit_id'))
        batch_op.drop_index(batch_op.f('ix_access_pass_state'))
        batch_op.drop_index(batch_op.f('ix_access_pass_renovation_id'))
        batch_op.drop_index(batch_op.f('ix_access_pass_expires_at'))
        batch_op.drop_index(batch_op.f('ix_access_pass_estate'))

    op.drop_table('access_pass')
