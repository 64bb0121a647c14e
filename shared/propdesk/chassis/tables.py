"""The chassis' own tables, created in every service's database beside its domain tables.

- `outbox`: events a transaction caused, published by the relay after the commit (conventions §3.1)
- `inbox`: event ids each handler has processed, written in the same transaction as its effects
- `audit_log`: who did what to which record, when (UTC), chained by hash (`audit_chain_head`)
- `number_sequence`: the desk's readable numbers per series and office day (chassis/numbering.py)

They live in their own metadata (`ChassisBase`); a service's Alembic environment migrates both.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class ChassisBase(DeclarativeBase):
    pass


class OutboxRow(ChassisBase):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(128))
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    __table_args__ = (Index("ix_outbox_pending", "published_at", "id"),)


class InboxRow(ChassisBase):
    __tablename__ = "inbox"

    handler: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(128))
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(ChassisBase):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(128))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64), index=True)
    correlation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    details: Mapped[str] = mapped_column(Text, default="{}")
    #: the estate (管理处) the row belongs to, when known (chassis/db.py `UnitOfWork.audit`): a person
    #: reading the trail sees the rows of the estates they work for
    estate: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    #: the chain (chassis/audit_chain.py): the previous row's hash and this row's
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(ChassisBase):
    """The end of the audit chain: the last row's hash and how many rows the chain holds."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_hash: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)


class NumberSequence(ChassisBase):
    """The last number handed out per series and office day (chassis/numbering.py)."""

    __tablename__ = "number_sequence"

    series: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)  # yyyymmdd, office day
    last: Mapped[int] = mapped_column(Integer)


class DeadlineRow(ChassisBase):
    """A time limit on one record (chassis/deadlines.py): pending until met, cancelled or breached;
    the service's sweep marks a passed one breached exactly once and announces it."""

    __tablename__ = "deadline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: pending | met | met_late | breached | cancelled
    state: Mapped[str] = mapped_column(String(16))
    responsible: Mapped[str | None] = mapped_column(String(64), default=None)
    estate: Mapped[str | None] = mapped_column(String(8), default=None)
    summary: Mapped[str | None] = mapped_column(String(200), default=None)
    correlation_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    __table_args__ = (Index("ix_deadline_pending", "state", "due_at"),
                      Index("ix_deadline_record", "record_type", "record_id"))
