"""bank lines: the cashier's note apart from the system's reason. bank_line.reason held both the
code matching left a line with (no_candidate, ambiguous, ...) and, once the cashier set the line
aside, what they typed; the desk said the codes in no words. Now reason holds only the codes of
vocab BANK_LINE_REASONS and the new note column what the cashier typed. Existing rows: a known code
stays in reason; an unmatched line's other reason was the rules of a refused booking (the system's,
joined by commas), now booking_refused; any other row's reason was typed by the cashier and moves
to note (reason NULL: which code matching had left the line with was overwritten)

Revision ID: 9c0d9ef93607
Revises: 04138a1769e7
Create Date: 2026-12-01 13:00:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '9c0d9ef93607'
down_revision: Union[str, Sequence[str], None] = '04138a1769e7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

#: the codes of vocab BANK_LINE_REASONS as this revision knows them (a migration does not follow
#: later vocabularies)
REASONS = ('no_candidate', 'ambiguous', 'named_notice_differs', 'booking_refused', 'payment_reversed')


def upgrade() -> None:
    with op.batch_alter_table('bank_line') as batch:
        batch.add_column(sa.Column('note', sa.String(length=200), nullable=True))
    line = sa.table('bank_line', sa.column('state', sa.String), sa.column('reason', sa.String),
                    sa.column('note', sa.String))
    unknown = sa.and_(line.c.reason.is_not(None), line.c.reason.not_in(REASONS))
    op.execute(line.update().where(unknown, line.c.state == 'unmatched').values(reason='booking_refused'))
    op.execute(line.update().where(unknown).values(note=line.c.reason, reason=None))


def downgrade() -> None:
    line = sa.table('bank_line', sa.column('reason', sa.String), sa.column('note', sa.String))
    op.execute(line.update().where(line.c.note.is_not(None)).values(reason=line.c.note))
    with op.batch_alter_table('bank_line') as batch:
        batch.drop_column('note')
