"""The storage log (物品存取登记表): the attributes of `domain.Deposit`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.access.models import Base


class StoredItem(Base):
    """One deposit at the counter (寄存): its items, the depositor, the shelf, the collection."""

    __tablename__ = "stored_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    storage_no: Mapped[str] = mapped_column(String(32), unique=True)
    estate: Mapped[str] = mapped_column(String(8), index=True)
    depositor_name: Mapped[str] = mapped_column(String(64))
    #: kept in full to contact the depositor after 3 days; masked in lists
    depositor_phone: Mapped[str | None] = mapped_column(String(32), default=None)
    unit_id: Mapped[str | None] = mapped_column(String(32), default=None)
    #: each item: name, quantity, features, kind
    items: Mapped[list] = mapped_column(JSON)
    shelf: Mapped[str | None] = mapped_column(String(64), default=None)
    state: Mapped[str] = mapped_column(String(16), index=True)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stored_by: Mapped[str] = mapped_column(String(64))
    overdue_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    #: each contact with the depositor about an overdue deposit: outcome, by, at
    contacts: Mapped[list] = mapped_column(JSON, default=list)
    collected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    collector_name: Mapped[str | None] = mapped_column(String(64), default=None)
    collected_by: Mapped[str | None] = mapped_column(String(64), default=None)
