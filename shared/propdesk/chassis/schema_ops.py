"""Alembic operations for the chassis tables (outbox, inbox, audit_log), version 1, and the
idempotency key table of the services that take commands (`create_idempotency_table`).

Every service's initial migration calls `create_chassis_tables()` instead of repeating them. This
is a frozen copy of the tables as first released, not `metadata.create_all`: a migration must keep
building the same schema after `tables.py` changes; a later change to the chassis tables gets its
own `..._v2` function here and a revision in each service. `tests/unit/test_migrations.py` checks
that migrations and models agree.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_chassis_tables() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=128), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_correlation_id"), ["correlation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_object_id"), ["object_id"], unique=False)

    op.create_table(
        "inbox",
        sa.Column("handler", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("handler", "event_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_correlation_id"), ["correlation_id"], unique=False)
        batch_op.create_index("ix_outbox_pending", ["published_at", "id"], unique=False)


def drop_chassis_tables() -> None:
    op.drop_table("outbox")
    op.drop_table("inbox")
    op.drop_table("audit_log")


def create_idempotency_table() -> None:
    """The `idempotency_key` table (chassis/idempotency.py) as first released, for services with
    commands; frozen like the tables above."""
    op.create_table(
        "idempotency_key",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("command", sa.String(length=128), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def drop_idempotency_table() -> None:
    op.drop_table("idempotency_key")


def create_number_sequence_table() -> None:
    """The `number_sequence` table (chassis/numbering.py) as first released; frozen like the above."""
    op.create_table(
        "number_sequence",
        sa.Column("series", sa.String(length=16), nullable=False),
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "day"),
    )


def drop_number_sequence_table() -> None:
    op.drop_table("number_sequence")


def seed_number_sequence(series: str, table: str, column: str) -> None:
    """Start `series` after the numbers an older scheme already gave out (``<SERIES>-yyyymmdd-nnnn``
    in `table.column`), so an upgraded database never hands out a number twice."""
    conn = op.get_bind()
    prefix = f"{series}-"
    rows = conn.execute(sa.text(f"SELECT {column} FROM {table} WHERE {column} LIKE :p"), {"p": prefix + "%"})
    last: dict[str, int] = {}
    for (number,) in rows:
        parts = str(number).split("-")
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            last[parts[1]] = max(last.get(parts[1], 0), int(parts[2]))
    for day, seq in sorted(last.items()):
        conn.execute(sa.text("INSERT INTO number_sequence (series, day, last) VALUES (:s, :d, :n)"),
                     {"s": series, "d": day, "n": seq})


def add_audit_chain() -> None:
    """Chain the audit trail by hash (chassis/audit_chain.py): `audit_log.prev_hash`/`row_hash` and
    the `audit_chain_head` table; the rows already there are chained in id order, so `propdesk
    audit verify` checks them from the start."""
    from propdesk.chassis.audit_chain import GENESIS, row_hash

    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, at, actor_id, actor_role, action, object_type, object_id, "
                                "correlation_id, details FROM audit_log ORDER BY id")).mappings().all()
    prev = GENESIS
    for r in rows:
        row = dict(r)
        if isinstance(row["at"], str):  # SQLite hands the stored text back
            from datetime import datetime
            row["at"] = datetime.fromisoformat(row["at"])
        digest = row_hash(row, prev)
        conn.execute(sa.text("UPDATE audit_log SET prev_hash = :p, row_hash = :h WHERE id = :i"),
                     {"p": prev, "h": digest, "i": r["id"]})
        prev = digest
    conn.execute(sa.text("INSERT INTO audit_chain_head (id, last_hash, rows) VALUES (1, :h, :n)"),
                 {"h": prev, "n": len(rows)})
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("row_hash", existing_type=sa.String(length=64), nullable=False)


def drop_audit_chain() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
    op.drop_table("audit_chain_head")


# --- estates (管理处) ----------------------------------------------------------------------------
#: The estate of a unit id as the demo lays them out (`propdesk.demo.estate_of`), frozen here for
#: the migrations that backfill rows kept before estates were recorded: the office tower's floors
#: ``T1-*`` are the office park E2, everything else (the flats of buildings 1-3) the residential
#: estate E1.
def estate_of_unit_sql(unit_column: str = "unit_id") -> str:
    return f"CASE WHEN {unit_column} LIKE 'T1-%' THEN 'E2' ELSE 'E1' END"


def add_estate_column(table: str, *, backfill: str | None = None, nullable: bool = False,
                      index: bool = True) -> None:
    """Add `<table>.estate` (a `vocab.ESTATES` code, String(8)), fill it for the rows already there
    with the SQL expression `backfill` (default: from the row's ``unit_id``, `estate_of_unit_sql`),
    then make it NOT NULL (unless `nullable`) and index it (``ix_<table>_estate``)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column("estate", sa.String(length=8), nullable=True))
    op.execute(f"UPDATE {table} SET estate = {backfill or estate_of_unit_sql()} WHERE estate IS NULL")
    if nullable and not index:
        return
    with op.batch_alter_table(table, schema=None) as batch_op:
        if not nullable:
            batch_op.alter_column("estate", existing_type=sa.String(length=8), nullable=False)
        if index:
            batch_op.create_index(f"ix_{table}_estate", ["estate"], unique=False)


def drop_estate_column(table: str, *, index: bool = True) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        if index:
            batch_op.drop_index(f"ix_{table}_estate")
        batch_op.drop_column("estate")


def add_audit_estate() -> None:
    """`audit_log.estate`: the estate (管理处) an audit row belongs to, when known. Earlier rows keep
    none (their hashes do not cover it, so the chain stays valid)."""
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("estate", sa.String(length=8), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_log_estate"), ["estate"], unique=False)


def drop_audit_estate() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_estate"))
        batch_op.drop_column("estate")


def add_deadlines() -> None:
    """The `deadline` table (chassis/deadlines.py): one row per time limit on a record."""
    op.create_table(
        "deadline",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("responsible", sa.String(length=64), nullable=True),
        sa.Column("estate", sa.String(length=8), nullable=True),
        sa.Column("summary", sa.String(length=200), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.create_index("ix_deadline_pending", ["state", "due_at"], unique=False)
        batch_op.create_index("ix_deadline_record", ["record_type", "record_id"], unique=False)


def drop_deadlines() -> None:
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_record")
        batch_op.drop_index("ix_deadline_pending")
    op.drop_table("deadline")
