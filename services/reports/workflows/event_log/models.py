"""The event log: every event on the bus, as received (timelines and the latest events are read
from it, and every read model is fed from it), with the estate (管理处) of its case. Times are
stored in UTC."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.reports.models import Base


class EventLog(Base):
    """One event as received (its envelope and payload); `id` is the order it was received in."""

    __tablename__ = "event_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(128), index=True)
    version: Mapped[int] = mapped_column(Integer)
    producer: Mapped[str] = mapped_column(String(64))
    correlation_id: Mapped[str] = mapped_column(String(64))  # indexed by ix_event_log_case
    #: the estate (管理处) of the event's business case: its payload's ``estate``, else what an earlier
    #: event of the same case named (filled in for the case's rows as soon as one does); None while
    #: none did: staff of an estate then do not see it
    estate: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    causation_id: Mapped[str | None] = mapped_column(String(64), default=None)
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_event_log_case", "correlation_id", "occurred_at", "id"),)
