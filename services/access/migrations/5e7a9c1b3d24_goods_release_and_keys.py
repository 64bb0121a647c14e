"""access: release slips of every variant (物品放行条, domain.md §2.7) and the key board (钥匙, §2.8)

`release_slip` becomes the one register of every slip: its variant and state (the move-out slips
already there: "move_out", ISSUED or RELEASED as their goods went out), what the desk checked
(masked ID numbers), the signatures, the gate's refusal, the desk's rejection or cancellation, and
the random nonce of its QR token (one made for each slip already there); `issued_at` is empty while a
desk slip waits. `release_slip_item` lists the goods line by line. `unit_key` and `key_loan` are the
key board and its loan register (钥匙领用登记表, QR-006FW/QR-007FW).

Revision ID: 5e7a9c1b3d24
Revises: 84e9fdce1258
Create Date: 2026-11-30 15:20:00.000000

"""
import secrets
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '5e7a9c1b3d24'
down_revision: Union[str, Sequence[str], None] = '84e9fdce1258'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_SLIP_COLUMNS = [
    ('variant', lambda: sa.Column('variant', sa.String(length=16), server_default=sa.text("'move_out'"), nullable=False)),
    ('state', lambda: sa.Column('state', sa.String(length=24), server_default=sa.text("'ISSUED'"), nullable=False)),
    ('moving', lambda: sa.Column('moving', sa.Boolean(), server_default=sa.false(), nullable=False)),
    ('applicant_name', lambda: sa.Column('applicant_name', sa.String(length=64), nullable=True)),
    ('id_type', lambda: sa.Column('id_type', sa.String(length=24), nullable=True)),
    ('id_number', lambda: sa.Column('id_number', sa.String(length=32), nullable=True)),
    ('authorisation_ref', lambda: sa.Column('authorisation_ref', sa.String(length=128), nullable=True)),
    ('owner_name', lambda: sa.Column('owner_name', sa.String(length=64), nullable=True)),
    ('owner_phone', lambda: sa.Column('owner_phone', sa.String(length=32), nullable=True)),
    ('owner_confirmed_by', lambda: sa.Column('owner_confirmed_by', sa.String(length=64), nullable=True)),
    ('owner_confirmed_at', lambda: sa.Column('owner_confirmed_at', sa.DateTime(timezone=True), nullable=True)),
    ('renovation_ref', lambda: sa.Column('renovation_ref', sa.String(length=64), nullable=True)),
    ('responsible_person', lambda: sa.Column('responsible_person', sa.String(length=64), nullable=True)),
    ('carrier_name', lambda: sa.Column('carrier_name', sa.String(length=64), nullable=True)),
    ('carrier_id_type', lambda: sa.Column('carrier_id_type', sa.String(length=24), nullable=True)),
    ('carrier_id_number', lambda: sa.Column('carrier_id_number', sa.String(length=32), nullable=True)),
    ('fees_checked_by', lambda: sa.Column('fees_checked_by', sa.String(length=64), nullable=True)),
    ('fees_checked_at', lambda: sa.Column('fees_checked_at', sa.DateTime(timezone=True), nullable=True)),
    ('fees_outstanding', lambda: sa.Column('fees_outstanding', sa.String(length=20), nullable=True)),
    ('signatures', lambda: sa.Column('signatures', sa.JSON(), nullable=True)),
    ('requested_by', lambda: sa.Column('requested_by', sa.String(length=64), nullable=True)),
    ('requested_at', lambda: sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True)),
    ('refused_at', lambda: sa.Column('refused_at', sa.DateTime(timezone=True), nullable=True)),
    ('refused_by', lambda: sa.Column('refused_by', sa.String(length=64), nullable=True)),
    ('refusal_reason', lambda: sa.Column('refusal_reason', sa.String(length=256), nullable=True)),
    ('closed_at', lambda: sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True)),
    ('closed_by', lambda: sa.Column('closed_by', sa.String(length=64), nullable=True)),
    ('closed_reason', lambda: sa.Column('closed_reason', sa.String(length=256), nullable=True)),
    ('token_nonce', lambda: sa.Column('token_nonce', sa.String(length=32), nullable=True)),
]


def upgrade() -> None:
    with op.batch_alter_table('release_slip', schema=None) as batch_op:
        for _name, column in _SLIP_COLUMNS:
            batch_op.add_column(column())
        batch_op.alter_column('issued_at', existing_type=sa.DateTime(timezone=True), nullable=True)
        batch_op.create_index(batch_op.f('ix_release_slip_state'), ['state'], unique=False)

    slip = sa.table('release_slip', sa.column('id', sa.Integer), sa.column('released_at', sa.DateTime),
                    sa.column('state', sa.String), sa.column('token_nonce', sa.String))
    conn = op.get_bind()
    conn.execute(slip.update().where(slip.c.released_at.is_not(None)).values(state='RELEASED'))
    for (slip_id,) in conn.execute(sa.select(slip.c.id)).all():
        conn.execute(slip.update().where(slip.c.id == slip_id).values(token_nonce=secrets.token_hex(16)))

    op.create_table('release_slip_item',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('slip_no', sa.String(length=32), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=128), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('large', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('valuable', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['slip_no'], ['release_slip.slip_no'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slip_no', 'line', name='uq_release_slip_item_line')
    )
    with op.batch_alter_table('release_slip_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_slip_item_slip_no'), ['slip_no'], unique=False)

    op.create_table('unit_key',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key_no', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=True),
    sa.Column('custodian', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('owner_name', sa.String(length=64), nullable=True),
    sa.Column('entrustment_ref', sa.String(length=64), nullable=True),
    sa.Column('current_loan_no', sa.String(length=32), nullable=True),
    sa.Column('registered_by', sa.String(length=64), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=64), nullable=True),
    sa.Column('withdrawn_to', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_no')
    )
    with op.batch_alter_table('unit_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_key_estate'), ['estate'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_key_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_key_unit_id'), ['unit_id'], unique=False)

    op.create_table('key_loan',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('loan_no', sa.String(length=32), nullable=False),
    sa.Column('key_no', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.Column('estate', sa.String(length=8), nullable=True),
    sa.Column('borrower', sa.String(length=64), nullable=False),
    sa.Column('department', sa.String(length=24), nullable=False),
    sa.Column('purpose', sa.String(length=256), nullable=False),
    sa.Column('owner_authorisation_ref', sa.String(length=128), nullable=True),
    sa.Column('lent_by', sa.String(length=64), nullable=False),
    sa.Column('out_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expected_back_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['key_no'], ['unit_key.key_no'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('loan_no')
    )
    with op.batch_alter_table('key_loan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_loan_estate'), ['estate'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_loan_key_no'), ['key_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_loan_returned_at'), ['returned_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('key_loan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_loan_returned_at'))
        batch_op.drop_index(batch_op.f('ix_key_loan_key_no'))
        batch_op.drop_index(batch_op.f('ix_key_loan_estate'))
    op.drop_table('key_loan')
    with op.batch_alter_table('unit_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_key_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_key_state'))
        batch_op.drop_index(batch_op.f('ix_unit_key_estate'))
    op.drop_table('unit_key')
    with op.batch_alter_table('release_slip_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_slip_item_slip_no'))
    op.drop_table('release_slip_item')

    # the register keeps only what it had: the desk's slips (never issued ones included) go
    slip = sa.table('release_slip', sa.column('move_out_id', sa.String))
    op.get_bind().execute(slip.delete().where(slip.c.move_out_id.is_(None)))
    with op.batch_alter_table('release_slip', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_slip_state'))
        batch_op.alter_column('issued_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        for name, _column in reversed(_SLIP_COLUMNS):
            batch_op.drop_column(name)
