"""The contact log's table (来电来访记录表, domain.md §2.1): the attributes of `domain.Contact`, so
the domain's functions take these rows directly. `handovers` is a JSON list the domain always
re-assigns (never mutates in place), so SQLAlchemy sees the change.

The contact id is its readable number (``CT-20261130-0001``, chassis numbering by office day).
`caller_phone` is kept in full for the callback; lists and events show it masked.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.tickets.models import Base


class ContactRecord(Base):
    """One entry of 《来电来访记录表》: time, channel, caller and number, unit, issue, class, who
    received it and who owns it now (首问负责制), how it ended, and whether at the first contact (FCR)."""

    __tablename__ = "contact"

    contact_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    classification: Mapped[str] = mapped_column(String(16), index=True)
    caller_name: Mapped[str | None] = mapped_column(String(64))
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    #: None for a common area
    unit_id: Mapped[str | None] = mapped_column(String(32), index=True)
    #: the unit's estate (管理处), or the one given for a common area
    estate: Mapped[str] = mapped_column(String(8), index=True)
    summary: Mapped[str] = mapped_column(Text)
    received_by: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    owner: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(Text)
    referred_to: Mapped[str | None] = mapped_column(String(128))
    expert: Mapped[str | None] = mapped_column(String(128))
    reply_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replied_late: Mapped[bool | None] = mapped_column(Boolean)
    ticket_type: Mapped[str | None] = mapped_column(String(16))
    ticket_id: Mapped[str | None] = mapped_column(String(64))
    ticket_no: Mapped[str | None] = mapped_column(String(64))
    handovers: Mapped[list] = mapped_column(JSON, default=list)
    #: the earlier contact this one calls again about; how many repeat calls this one had
    repeat_of: Mapped[str | None] = mapped_column(String(32), index=True)
    repeat_calls: Mapped[int] = mapped_column(Integer, default=0)
    fcr: Mapped[bool | None] = mapped_column(Boolean)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # the desk's queues: each person's open contacts, and those awaiting a reply
        Index("ix_contact_state_owner", "state", "owner"),
    )
