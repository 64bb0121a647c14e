"""The repairs' table (报修, domain.md §2.2)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.tickets.models import Base


class RepairOrder(Base):
    """A repair (报修) logged at the front desk: in a unit, or in a common area (`unit_id` None).

    `responsible` is who has to fix it (物业, 施工方, 厂家(维保), 热力公司, 燃气公司; domain.md §2.2)."""

    __tablename__ = "repair_order"

    repair_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_id: Mapped[str | None] = mapped_column(String(32), index=True)
    #: the estate (管理处) of the unit, or of the common area
    estate: Mapped[str] = mapped_column(String(8), index=True)
    location: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(32))
    responsible: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(String(500))
    reported_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
