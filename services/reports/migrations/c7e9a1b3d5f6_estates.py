"""estates (管理处): the event log and the move-out board know each case's estate

- `event_log.estate` (indexed): the estate of the event's business case. For the events already
  logged it is worked out from the payloads: an event's ``estate``, else its ``unit_id`` (the office
  tower's floors ``T1-*`` are the office park E2, the flats the residential estate E1); every event
  of a case then gets the estate one of its events has. A case none of whose events names a unit
  (a staff sign-in, a notification without its case) stays without;
- `move_out_projection.estate` (indexed), from its unit in the same way.

Revision ID: c7e9a1b3d5f6
Revises: f6b9d2e5a7c8
Create Date: 2026-12-01 09:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from propdesk.chassis import schema_ops

revision: str = 'c7e9a1b3d5f6'
down_revision: Union[str, Sequence[str], None] = 'f6b9d2e5a7c8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

EVENT_LOG = sa.table("event_log", sa.column("id", sa.Integer), sa.column("correlation_id", sa.String),
                     sa.column("payload", sa.JSON), sa.column("estate", sa.String))


def _estate_of(payload) -> str | None:
    if not isinstance(payload, dict):
        return None
    if payload.get("estate") in ("E1", "E2"):
        return payload["estate"]
    unit_id = payload.get("unit_id")
    if not isinstance(unit_id, str) or not unit_id:
        return None
    return "E2" if unit_id.startswith("T1-") else "E1"


def upgrade() -> None:
    with op.batch_alter_table('event_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('estate', sa.String(length=8), nullable=True))
    conn = op.get_bind()
    by_case: dict[str, str] = {}
    for row in conn.execute(sa.select(EVENT_LOG.c.correlation_id, EVENT_LOG.c.payload).order_by(EVENT_LOG.c.id)):
        estate = _estate_of(row.payload)
        if estate is not None:
            by_case.setdefault(row.correlation_id, estate)
    for correlation_id, estate in by_case.items():
        conn.execute(sa.update(EVENT_LOG).where(EVENT_LOG.c.correlation_id == correlation_id)
                     .values(estate=estate))
    with op.batch_alter_table('event_log', schema=None) as batch_op:
        batch_op.create_index('ix_event_log_estate', ['estate'], unique=False)
    schema_ops.add_estate_column("move_out_projection", nullable=True,
                                 backfill=f"CASE WHEN unit_id = '' THEN NULL "
                                          f"ELSE {schema_ops.estate_of_unit_sql()} END")


def downgrade() -> None:
    schema_ops.drop_estate_column("move_out_projection")
    schema_ops.drop_estate_column("event_log")
