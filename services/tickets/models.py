"""Tickets' tables: move-out inspection work orders (工程维修单 / 单元验收移交记录表) and repairs (报修).

`InspectionWorkOrder` carries the attribute names of `domain.InspectionWorkOrder`, so the domain
functions work on the mapped row directly.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from propdesk.chassis.idempotency import idempotency_table


class Base(DeclarativeBase):
    pass


#: idempotency keys of this service's commands, kept with their results (chassis/idempotency.py)
IDEMPOTENCY_KEYS = idempotency_table(Base.metadata)


class InspectionWorkOrder(Base):
    """工程维修单 for a move-out inspection; the result is the 单元验收移交记录表.

    One per move-out (`move_out_id` unique). `status`: open | defects_found | passed."""

    __tablename__ = "inspection_work_order"

    work_order_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    move_out_id: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    defects: Mapped[list] = mapped_column(JSON)
    inspector: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RepairOrder(Base):
    """A repair (报修) logged at the front desk: in a unit, or in a common area (`unit_id` None).

    `responsible` is who has to fix it (物业, 施工方, 厂家(维保), 热力公司, 燃气公司; domain.md §2.2)."""

    __tablename__ = "repair_order"

    repair_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_id: Mapped[str | None] = mapped_column(String(32), index=True)
    location: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(32))
    responsible: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(String(500))
    reported_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
