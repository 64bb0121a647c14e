"""tickets: return visits (回访, 回访记录表 QR-003FW; domain.md §2.4): the visits and the rounds of visits

Revision ID: 9f3c1a7e5b20
Revises: ded504a6797a
Create Date: 2026-11-30 15:10:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '9f3c1a7e5b20'
down_revision: Union[str, Sequence[str], None] = 'ded504a6797a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('return_visit',
    sa.Column('return_visit_id', sa.String(length=32), nullable=False),
    sa.Column('return_visit_no', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=True),
    sa.Column('estate', sa.String(length=8), nullable=True),
    sa.Column('occasion', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('subject_type', sa.String(length=16), nullable=True),
    sa.Column('subject_id', sa.String(length=64), nullable=True),
    sa.Column('subject_no', sa.String(length=32), nullable=True),
    sa.Column('client_name', sa.String(length=64), nullable=True),
    sa.Column('assignee', sa.String(length=64), nullable=True),
    sa.Column('round_id', sa.String(length=32), nullable=True),
    sa.Column('previous_id', sa.String(length=32), nullable=True),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('visited_by', sa.String(length=64), nullable=True),
    sa.Column('punctuality', sa.String(length=16), nullable=True),
    sa.Column('attitude', sa.String(length=16), nullable=True),
    sa.Column('quality', sa.String(length=16), nullable=True),
    sa.Column('overall', sa.String(length=16), nullable=True),
    sa.Column('suggestions', sa.String(length=500), nullable=True),
    sa.Column('content', sa.String(length=500), nullable=True),
    sa.Column('respondent', sa.String(length=500), nullable=True),
    sa.Column('signed_by', sa.String(length=500), nullable=True),
    sa.Column('department', sa.String(length=32), nullable=True),
    sa.Column('measures', sa.String(length=500), nullable=True),
    sa.Column('rectification_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rectified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rectification_result', sa.String(length=500), nullable=True),
    sa.Column('explanation', sa.String(length=500), nullable=True),
    sa.Column('next_visit_id', sa.String(length=32), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('planned_by', sa.String(length=64), nullable=True),
    sa.Column('correlation_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('return_visit_id'),
    sa.UniqueConstraint('return_visit_no')
    )
    op.create_index(op.f('ix_return_visit_estate'), 'return_visit', ['estate'], unique=False)
    op.create_index(op.f('ix_return_visit_round_id'), 'return_visit', ['round_id'], unique=False)
    op.create_index('ix_return_visit_state_due', 'return_visit', ['state', 'due_at'], unique=False)
    op.create_index('ix_return_visit_subject', 'return_visit', ['subject_type', 'subject_id'], unique=False)
    op.create_index(op.f('ix_return_visit_unit_id'), 'return_visit', ['unit_id'], unique=False)
    op.create_index('ix_return_visit_visited_at', 'return_visit', ['visited_at'], unique=False)
    op.create_table('return_visit_round',
    sa.Column('round_id', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=True),
    sa.Column('cadence', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('client_name', sa.String(length=64), nullable=True),
    sa.Column('assignee', sa.String(length=64), nullable=True),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=True),
    sa.Column('stop_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('round_id')
    )
    op.create_index('ix_return_visit_round_due', 'return_visit_round', ['active', 'next_due_at'], unique=False)
    op.create_index(op.f('ix_return_visit_round_estate'), 'return_visit_round', ['estate'], unique=False)
    op.create_index(op.f('ix_return_visit_round_unit_id'), 'return_visit_round', ['unit_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_return_visit_round_unit_id'), table_name='return_visit_round')
    op.drop_index(op.f('ix_return_visit_round_estate'), table_name='return_visit_round')
    op.drop_index('ix_return_visit_round_due', table_name='return_visit_round')
    op.drop_table('return_visit_round')
    op.drop_index('ix_return_visit_visited_at', table_name='return_visit')
    op.drop_index(op.f('ix_return_visit_unit_id'), table_name='return_visit')
    op.drop_index('ix_return_visit_subject', table_name='return_visit')
    op.drop_index('ix_return_visit_state_due', table_name='return_visit')
    op.drop_index(op.f('ix_return_visit_round_id'), table_name='return_visit')
    op.drop_index(op.f('ix_return_visit_estate'), table_name='return_visit')
    op.drop_table('return_visit')
