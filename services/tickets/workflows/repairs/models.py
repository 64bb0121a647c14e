"""The repairs' tables (报修 and 工程维修单 QR-001FW, domain.md §2.2).

`RepairOrder` is the repair (the ticket the desk follows from report to 闭单), with the attribute
names `domain` uses. `RepairWorkOrder` is each 工程维修单 issued for it: a mismatch cancels one and
the re-issued one names it (`replaces` / `replaced_by`). `RepairPriceItem` is the 维修项目收费标准.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.tickets.models import Base


class RepairOrder(Base):
    """A repair (报修) logged at the front desk, from a contact or through the owner APP: in a unit,
    or in a common area (`unit_id` None).

    `responsible` is who has to fix it (vocab.REPAIR_RESPONSIBLE_PARTIES), `category` what it is
    (vocab.REPAIR_CATEGORIES), `state` where it stands (vocab.REPAIR_STATES); `status` is the
    coarse open / closed / cancelled the read-only list had."""

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
    # --- the workflow (issue #9 §2) ---
    repair_no: Mapped[str | None] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(24), index=True, server_default="REPORTED")
    channel: Mapped[str | None] = mapped_column(String(16))
    contact_id: Mapped[str | None] = mapped_column(String(64), index=True)
    client_name: Mapped[str | None] = mapped_column(String(64))
    client_phone: Mapped[str | None] = mapped_column(String(32))
    preferred_time: Mapped[str | None] = mapped_column(String(64))
    reported_by: Mapped[str | None] = mapped_column(String(64))
    # paid repair (有偿维修)
    paid: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    price_source: Mapped[str | None] = mapped_column(String(24))
    price_item: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    charge_description: Mapped[str | None] = mapped_column(String(200))
    consent_by: Mapped[str | None] = mapped_column(String(64))
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    charge_requested: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    # the current work order
    work_order_no: Mapped[str | None] = mapped_column(String(32), index=True)
    team: Mapped[str | None] = mapped_column(String(24))
    follow_up: Mapped[str | None] = mapped_column(String(64), index=True)
    attend_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reschedule_count: Mapped[int | None] = mapped_column(Integer)
    technician: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # mismatch (单实不符)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    cancel_signature: Mapped[str | None] = mapped_column(String(64))
    mismatch_confirmed_by: Mapped[str | None] = mapped_column(String(64))
    # completion, CS acceptance
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by: Mapped[str | None] = mapped_column(String(64))
    client_signed_by: Mapped[str | None] = mapped_column(String(64))
    materials: Mapped[str | None] = mapped_column(String(500))
    accepted_by: Mapped[str | None] = mapped_column(String(64))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    defects: Mapped[str | None] = mapped_column(String(500))
    reopen_count: Mapped[int | None] = mapped_column(Integer)
    # APP rating
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # disputes, quality defects (工作联系单)
    disputed_with: Mapped[str | None] = mapped_column(String(32))
    dispute_reason: Mapped[str | None] = mapped_column(String(500))
    state_before_dispute: Mapped[str | None] = mapped_column(String(24))
    liaison_no: Mapped[str | None] = mapped_column(String(32))
    liaison_note: Mapped[str | None] = mapped_column(String(500))
    follow_up_open: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    follow_up_outcome: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RepairWorkOrder(Base):
    """One 工程维修单 issued for a repair. `state`: issued | cancelled (mismatch) | superseded (the
    repair was dispatched again after a dispute) | completed."""

    __tablename__ = "repair_work_order"

    work_order_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    repair_id: Mapped[str] = mapped_column(String(32), index=True)
    estate: Mapped[str] = mapped_column(String(8), index=True)
    team: Mapped[str] = mapped_column(String(24))
    follow_up: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    cancel_signature: Mapped[str | None] = mapped_column(String(64))
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: the cancelled order this one re-issues, and the order that re-issued this one
    replaces: Mapped[str | None] = mapped_column(String(32))
    replaced_by: Mapped[str | None] = mapped_column(String(32))


class RepairPriceItem(Base):
    """An item of the 维修项目收费标准 (the paid-repair price list): the price per `unit`."""

    __tablename__ = "repair_price_item"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    active: Mapped[bool] = mapped_column(Boolean, server_default=true(), default=True)
