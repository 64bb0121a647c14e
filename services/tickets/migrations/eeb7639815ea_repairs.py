"""repairs (报修) and engineering work orders (工程维修单 QR-001FW): the workflow's columns on
`repair_order` (state, channel, the paid repair, the current work order, mismatch, acceptance, APP
rating, dispute, liaison note), the work orders issued (`repair_work_order`) and the price list
(`repair_price_item`, 维修项目收费标准). The rows already there keep their number as `repair_no`
and are REPORTED (open) or CLOSED.

Revision ID: eeb7639815ea
Revises: ded504a6797a
Create Date: 2026-11-30 15:20:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'eeb7639815ea'
down_revision: Union[str, Sequence[str], None] = 'ded504a6797a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TZ = sa.DateTime(timezone=True)
_COLUMNS = [
    ("repair_no", sa.String(32), {}),
    ("state", sa.String(24), {"nullable": False, "server_default": "REPORTED"}),
    ("channel", sa.String(16), {}),
    ("contact_id", sa.String(64), {}),
    ("client_name", sa.String(64), {}),
    ("client_phone", sa.String(32), {}),
    ("preferred_time", sa.String(64), {}),
    ("reported_by", sa.String(64), {}),
    ("paid", sa.Boolean(), {"nullable": False, "server_default": sa.false()}),
    ("price_source", sa.String(24), {}),
    ("price_item", sa.String(16), {}),
    ("amount", sa.Numeric(12, 2), {}),
    ("charge_description", sa.String(200), {}),
    ("consent_by", sa.String(64), {}),
    ("consent_at", TZ, {}),
    ("charge_requested", sa.Boolean(), {"nullable": False, "server_default": sa.false()}),
    ("work_order_no", sa.String(32), {}),
    ("team", sa.String(24), {}),
    ("follow_up", sa.String(64), {}),
    ("attend_by", TZ, {}),
    ("dispatched_at", TZ, {}),
    ("reschedule_count", sa.Integer(), {}),
    ("technician", sa.String(64), {}),
    ("started_at", TZ, {}),
    ("cancel_reason", sa.String(500), {}),
    ("cancel_signature", sa.String(64), {}),
    ("mismatch_confirmed_by", sa.String(64), {}),
    ("completed_at", TZ, {}),
    ("completed_by", sa.String(64), {}),
    ("client_signed_by", sa.String(64), {}),
    ("materials", sa.String(500), {}),
    ("accepted_by", sa.String(64), {}),
    ("accepted_at", TZ, {}),
    ("defects", sa.String(500), {}),
    ("reopen_count", sa.Integer(), {}),
    ("rating", sa.Integer(), {}),
    ("rating_comment", sa.String(500), {}),
    ("rated_at", TZ, {}),
    ("escalated_at", TZ, {}),
    ("disputed_with", sa.String(32), {}),
    ("dispute_reason", sa.String(500), {}),
    ("state_before_dispute", sa.String(24), {}),
    ("liaison_no", sa.String(32), {}),
    ("liaison_note", sa.String(500), {}),
    ("follow_up_open", sa.Boolean(), {"nullable": False, "server_default": sa.false()}),
    ("follow_up_outcome", sa.String(500), {}),
    ("closed_at", TZ, {}),
    ("created_at", TZ, {}),
    ("updated_at", TZ, {}),
]
_INDEXED = ("repair_no", "state", "contact_id", "work_order_no", "follow_up")


def upgrade() -> None:
    with op.batch_alter_table("repair_order") as batch:
        for name, type_, kw in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=kw.get("nullable", True),
                                       server_default=kw.get("server_default")))
        for name in _INDEXED:
            batch.create_index(f"ix_repair_order_{name}", [name])
    op.execute("UPDATE repair_order SET repair_no = repair_id, channel = 'desk', "
               "state = CASE WHEN status = 'open' THEN 'REPORTED' ELSE 'CLOSED' END")

    op.create_table(
        "repair_work_order",
        sa.Column("work_order_no", sa.String(32), primary_key=True),
        sa.Column("repair_id", sa.String(32), nullable=False),
        sa.Column("estate", sa.String(8), nullable=False),
        sa.Column("team", sa.String(24), nullable=False),
        sa.Column("follow_up", sa.String(64), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("cancel_reason", sa.String(500), nullable=True),
        sa.Column("cancel_signature", sa.String(64), nullable=True),
        sa.Column("confirmed_by", sa.String(64), nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("replaces", sa.String(32), nullable=True),
        sa.Column("replaced_by", sa.String(32), nullable=True),
    )
    op.create_index("ix_repair_work_order_repair_id", "repair_work_order", ["repair_id"])
    op.create_index("ix_repair_work_order_estate", "repair_work_order", ["estate"])

    op.create_table(
        "repair_price_item",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_table("repair_price_item")
    op.drop_index("ix_repair_work_order_estate", table_name="repair_work_order")
    op.drop_index("ix_repair_work_order_repair_id", table_name="repair_work_order")
    op.drop_table("repair_work_order")
    with op.batch_alter_table("repair_order") as batch:
        for name in _INDEXED:
            batch.drop_index(f"ix_repair_order_{name}")
        for name, _type, _kw in reversed(_COLUMNS):
            batch.drop_column(name)
