"""The move-out inspection work order's table (工程维修单 / 单元验收移交记录表).

`InspectionWorkOrder` carries the attribute names of `domain.InspectionWorkOrder`, so the domain
functions work on the mapped row directly.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.tickets.models import Base


class InspectionWorkOrder(Base):
    """工程维修单 for a move-out inspection; the result is the 单元验收移交记录表.

    One per move-out (`move_out_id` unique). `status`: a code of
    `propdesk.contracts.vocab.WORK_ORDER_STATUSES` (open | defects_found | passed | cancelled)."""

    __tablename__ = "inspection_work_order"

    work_order_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    move_out_id: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    #: the unit's estate (管理处), from the move-out's events; None only when they carried none
    #: (staff of an estate then do not see it)
    estate: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    status: Mapped[str] = mapped_column(String(16), index=True)
    defects: Mapped[list] = mapped_column(JSON)
    inspector: Mapped[str | None] = mapped_column(String(64))
    #: METERS_READ_AND_CUT (§2.6): set once, by `record_supply_cut`
    supply_cut_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    supply_cut_by: Mapped[str | None] = mapped_column(String(64), default=None)
    utilities_cut: Mapped[list | None] = mapped_column(JSON, default=None)
    final_readings: Mapped[list | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
