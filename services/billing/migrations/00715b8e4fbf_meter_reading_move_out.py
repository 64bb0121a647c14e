"""meter_reading.move_out_id: the move-out whose final reading it is (engineering's unit.supply_cut)

A move-out's fee check waits for its own final readings while one is held for review, not for an
earlier move-out's of the same unit (issue #10). The final readings recorded before this revision
get their move-out from the audit row their cut left (`clearance.final_readings`: the move-out and
the numbers of the readings it recorded); the others (monthly readings, final ones entered at the
counter) keep None.

Revision ID: 00715b8e4fbf
Revises: f4a8c2e6b910
Create Date: 2026-12-01 09:00:00.000000

"""
import json
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '00715b8e4fbf'
down_revision: Union[str, Sequence[str], None] = 'f4a8c2e6b910'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('meter_reading', schema=None) as batch_op:
        batch_op.add_column(sa.Column('move_out_id', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_meter_reading_move_out_id'), ['move_out_id'], unique=False)
    conn = op.get_bind()
    cuts = conn.execute(sa.text("SELECT object_id, details FROM audit_log WHERE action = 'clearance.final_readings' "
                                "ORDER BY id"))
    claim = sa.text("UPDATE meter_reading SET move_out_id = :move_out_id "
                    "WHERE reading_no = :reading_no AND source = 'final' AND move_out_id IS NULL")
    for move_out_id, details in cuts.fetchall():
        for recorded in json.loads(details or "{}").get("recorded") or []:
            conn.execute(claim, {"move_out_id": move_out_id, "reading_no": recorded["reading_no"]})


def downgrade() -> None:
    with op.batch_alter_table('meter_reading', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meter_reading_move_out_id'))
        batch_op.drop_column('move_out_id')
