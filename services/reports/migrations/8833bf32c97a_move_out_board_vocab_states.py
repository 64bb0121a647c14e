"""move-out board: the vocabulary's states, the slip number and the fee check as facts of the case

reports kept its own list of move-out states with a SLIP_ISSUED step that the office's vocabulary
(propdesk.contracts.vocab.MOVE_OUT_STATES) does not have, and without FEES_CHECKED, ARCHIVED and
WITHDRAWN. The board now uses the vocabulary: a case whose slip was issued is RELEASE_APPROVED with
its `release_slip_no`; `fees_checked` notes that finance's fee check is in, and a case whose
inspection passed after it is FEES_CHECKED. Both are filled in from the event log.

Revision ID: 8833bf32c97a
Revises: 1e7c9f5a3b68
Create Date: 2026-11-30 12:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '8833bf32c97a'
down_revision: Union[str, Sequence[str], None] = '1e7c9f5a3b68'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_board = sa.table("move_out_projection", sa.column("move_out_id", sa.String), sa.column("state", sa.String),
                  sa.column("release_slip_no", sa.String), sa.column("fees_checked", sa.Boolean))
_log = sa.table("event_log", sa.column("id", sa.Integer), sa.column("event_type", sa.String),
                sa.column("payload", sa.JSON))


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('move_out_projection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_slip_no', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('fees_checked', sa.Boolean(), server_default=sa.false(), nullable=False))

    conn = op.get_bind()
    slips: dict[str, str] = {}
    fees_checked: set[str] = set()
    for event_type, payload in conn.execute(
            sa.select(_log.c.event_type, _log.c.payload)
            .where(_log.c.event_type.in_(("release_slip.issued", "release_slip.released",
                                          "billing.clearance_confirmed", "billing.clearance_failed")))
            .order_by(_log.c.id)):
        move_out_id = (payload or {}).get("move_out_id")
        if not move_out_id:
            continue
        if event_type.startswith("release_slip."):
            slips.setdefault(move_out_id, payload.get("slip_id"))
        else:
            fees_checked.add(move_out_id)
    for move_out_id, slip_no in slips.items():
        conn.execute(_board.update().where(_board.c.move_out_id == move_out_id).values(release_slip_no=slip_no))
    for move_out_id in fees_checked:
        conn.execute(_board.update().where(_board.c.move_out_id == move_out_id).values(fees_checked=True))
    conn.execute(_board.update().where(_board.c.state == "SLIP_ISSUED").values(state="RELEASE_APPROVED"))
    conn.execute(_board.update().where(_board.c.state == "INSPECTION_PASSED", _board.c.fees_checked.is_(True))
                 .values(state="FEES_CHECKED"))


def downgrade() -> None:
    """Downgrade schema: back to reports' own states. ARCHIVED and WITHDRAWN have no equivalent
    there and are left as they are (the old counts list them as extra states)."""
    conn = op.get_bind()
    conn.execute(_board.update().where(_board.c.state == "RELEASE_APPROVED", _board.c.release_slip_no.is_not(None))
                 .values(state="SLIP_ISSUED"))
    conn.execute(_board.update().where(_board.c.state == "FEES_CHECKED").values(state="INSPECTION_PASSED"))
    with op.batch_alter_table('move_out_projection', schema=None) as batch_op:
        batch_op.drop_column('fees_checked')
        batch_op.drop_column('release_slip_no')
