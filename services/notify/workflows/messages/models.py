"""The messages workflow's tables: every outbound message (the staff inbox is these rows), and the
tenant of each move-out, learned from ``move_out.requested`` so later messages of the case can be
addressed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.notify.models import Base


class Message(Base):
    """One message to one recipient through one channel.

    status: "pending" (not tried yet), "sent", or "failed" (the last attempt failed: tried again
    at `next_attempt_at` while attempts remain, for good once `next_attempt_at` is None).
    `event_id` is the event the message was made from: the causation id of its
    ``notification.sent``, whose correlation id is `correlation_id` (the event's)."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    correlation_id: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(128))
    move_out_id: Mapped[str | None] = mapped_column(String(64), default=None)
    #: the estate (管理处) of its case: its event's, else the move-out's (`Tenancy`); None when neither
    #: named one (staff of an estate then do not see it)
    estate: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    channel: Mapped[str] = mapped_column(String(64))
    recipient_role: Mapped[str] = mapped_column(String(64))
    recipient_id: Mapped[str | None] = mapped_column(String(64), default=None)
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    __table_args__ = (
        Index("ix_message_due", "status", "next_attempt_at", "id"),
        Index("ix_message_recipient", "recipient_role", "status"),
    )


class Tenancy(Base):
    """Who moves out: a message whose event does not name the tenant is addressed through it."""

    __tablename__ = "tenancy"

    move_out_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[str] = mapped_column(String(32))
    #: the unit's estate (管理处), as ``move_out.requested`` named it
    estate: Mapped[str | None] = mapped_column(String(8), default=None)
