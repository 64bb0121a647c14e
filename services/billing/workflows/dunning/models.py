"""Dunning notices (《催款通知单》, domain.md §2.5: the 11th working day of the following month)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.billing.models import Base


class DunningNotice(Base):
    """A unit still owing at the 11th working day after its notice's period: once per unit and
    period (DN-), with its own delivery (who signed, when). `periods`: the unpaid periods, oldest
    first, comma-separated (payments cover the oldest charges first)."""

    __tablename__ = "dunning_notice"
    __table_args__ = (UniqueConstraint("unit_id", "period", name="uq_dunning_unit_period"),)

    dunning_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    dunning_no: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    estate: Mapped[str] = mapped_column(String(8), index=True)
    period: Mapped[str] = mapped_column(String(7))
    payer_party_id: Mapped[str | None] = mapped_column(String(64))
    amount_due: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    periods: Mapped[str] = mapped_column(String(400))
    state: Mapped[str] = mapped_column(String(16), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signed_by: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_by: Mapped[str | None] = mapped_column(String(64))
