"""slip numbers come from chassis numbering: drop release_slip_sequence

Release slips (物品放行条, FX-yyyymmdd-nnnn) are numbered by the chassis' `number_sequence`
(`uow.next_number("FX")`), which 9c5a7d3e1f46 seeded from the slips issued until then. Slips the
old counter numbered after that are folded in first: each day's FX counter becomes the larger of
the two, so no number is ever given out twice. The downgrade recreates the old counter from the
FX series.

Revision ID: b51501b8723c
Revises: 9c5a7d3e1f46
Create Date: 2026-11-30 15:00:00.000000

"""
from datetime import date
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'b51501b8723c'
down_revision: Union[str, Sequence[str], None] = '9c5a7d3e1f46'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SERIES = "FX"
number_sequence = sa.table("number_sequence", sa.column("series", sa.String), sa.column("day", sa.String),
                           sa.column("last", sa.Integer))
old_sequence = sa.table("release_slip_sequence", sa.column("day", sa.Date), sa.column("last_seq", sa.Integer))


def upgrade() -> None:
    conn = op.get_bind()
    counted = {row.day: row.last for row in conn.execute(
        sa.select(number_sequence.c.day, number_sequence.c.last).where(number_sequence.c.series == SERIES))}
    for row in conn.execute(sa.select(old_sequence.c.day, old_sequence.c.last_seq)).all():
        day = _as_date(row.day).strftime("%Y%m%d")
        if day not in counted:
            conn.execute(number_sequence.insert().values(series=SERIES, day=day, last=row.last_seq))
        elif row.last_seq > counted[day]:
            conn.execute(number_sequence.update()
                         .where(number_sequence.c.series == SERIES, number_sequence.c.day == day)
                         .values(last=row.last_seq))
    op.drop_table('release_slip_sequence')


def downgrade() -> None:
    op.create_table('release_slip_sequence',
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('last_seq', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('day'))
    conn = op.get_bind()
    rows = conn.execute(sa.select(number_sequence.c.day, number_sequence.c.last)
                        .where(number_sequence.c.series == SERIES)).all()
    if rows:
        conn.execute(old_sequence.insert(), [
            {"day": date(int(r.day[:4]), int(r.day[4:6]), int(r.day[6:])), "last_seq": r.last} for r in rows])


def _as_date(value) -> date:
    """SQLite returns a Date column as the stored text when read through a lightweight table."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
