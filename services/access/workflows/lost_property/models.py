"""The lost-property register (拾获物品记录单/明细登记): the attributes of `domain.LostItem`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.access.models import Base


class LostItem(Base):
    __tablename__ = "lost_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_no: Mapped[str] = mapped_column(String(32), unique=True)
    estate: Mapped[str] = mapped_column(String(8), index=True)
    category: Mapped[str] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(String(500))
    #: the itemised entry: one line per item, as counted
    items: Mapped[list] = mapped_column(JSON)
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    found_place: Mapped[str | None] = mapped_column(String(128), default=None)
    unit_id: Mapped[str | None] = mapped_column(String(32), default=None)
    found_by: Mapped[str] = mapped_column(String(64))
    #: the two staff who counted it together and signed: the one registering and the second
    registered_by: Mapped[str] = mapped_column(String(64))
    second_registrar: Mapped[str] = mapped_column(String(64))
    second_registrar_name: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(24), index=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: three months after registration: flagged unclaimed by the timer
    unclaimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    publicised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    channels: Mapped[list | None] = mapped_column(JSON, default=None)
    #: every claim (returned or refused): claimant, description, ID (masked), outcome, reason, at, by
    claims: Mapped[list] = mapped_column(JSON, default=list)
    police_station: Mapped[str | None] = mapped_column(String(128), default=None)
    police_officer: Mapped[str | None] = mapped_column(String(64), default=None)
    police_receipt_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    finance_receiver: Mapped[str | None] = mapped_column(String(64), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    closed_by: Mapped[str | None] = mapped_column(String(64), default=None)
