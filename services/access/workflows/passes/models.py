"""Passes (出入证, 装修出入证登记表): the attributes of `domain.Pass`, so the domain takes these rows
directly. The holder's ID number is kept in full here (the register needs it); lists and events
show it masked. Times in UTC."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.access.models import Base


class AccessPass(Base):
    """One construction pass (施工出入证) or resident pass (住户证)."""

    __tablename__ = "access_pass"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pass_no: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    estate: Mapped[str] = mapped_column(String(8), index=True)
    holder_name: Mapped[str] = mapped_column(String(64))
    id_type: Mapped[str | None] = mapped_column(String(16), default=None)
    holder_id_number: Mapped[str | None] = mapped_column(String(32), default=None)
    id_copy_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    photo_ref: Mapped[str] = mapped_column(String(128))
    unit_id: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    work_location: Mapped[str | None] = mapped_column(String(128), default=None)
    renovation_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    contractor: Mapped[str | None] = mapped_column(String(128), default=None)
    relation: Mapped[str | None] = mapped_column(String(16), default=None)
    holder_party_id: Mapped[str | None] = mapped_column(String(64), default=None)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    #: the end of valid_to at the property (Asia/Shanghai), in UTC: when it expires by itself
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    end_note: Mapped[str | None] = mapped_column(String(500), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    ended_by: Mapped[str | None] = mapped_column(String(64), default=None)
