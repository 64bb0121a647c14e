"""The mail log (邮件/报纸/包裹签收登记): the attributes of `domain.Mail`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.access.models import Base


class MailItem(Base):
    __tablename__ = "mail_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mail_no: Mapped[str] = mapped_column(String(32), unique=True)
    estate: Mapped[str] = mapped_column(String(8), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    recipient_name: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str | None] = mapped_column(String(128), default=None)
    tracking_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    description: Mapped[str | None] = mapped_column(String(200), default=None)
    state: Mapped[str] = mapped_column(String(24), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: the staff member who signed for it (important mail, parcel notices) or logged it
    signed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    received_by: Mapped[str] = mapped_column(String(64))
    collected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    collector_name: Mapped[str | None] = mapped_column(String(64), default=None)
    handed_over_by: Mapped[str | None] = mapped_column(String(64), default=None)
