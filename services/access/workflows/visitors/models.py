"""The visitor register (来访登记): the attributes of `domain.Visit`. No owner's phone or ID number
is ever stored; the visitor's own are stored masked."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.access.models import Base


class Visitor(Base):
    __tablename__ = "visitor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    visitor_no: Mapped[str] = mapped_column(String(32), unique=True)
    estate: Mapped[str] = mapped_column(String(8), index=True)
    visitor_name: Mapped[str] = mapped_column(String(64))
    id_type: Mapped[str | None] = mapped_column(String(16), default=None)
    id_number_masked: Mapped[str | None] = mapped_column(String(32), default=None)
    phone_masked: Mapped[str | None] = mapped_column(String(32), default=None)
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    unit_id: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    place: Mapped[str | None] = mapped_column(String(128), default=None)
    host_name: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(200), default=None)
    state: Mapped[str] = mapped_column(String(8), index=True)
    time_in: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_by: Mapped[str] = mapped_column(String(64))
    time_out: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    signed_out_by: Mapped[str | None] = mapped_column(String(64), default=None)
