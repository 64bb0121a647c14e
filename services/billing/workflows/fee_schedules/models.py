"""What billing bills from (domain.md §2.5 "What is billed", §1.3 fee standards): the units it bills
(`FeeAccountUnit`: the basis of a unit's fees, its area, kind and parking spaces) and the fee
schedules (收费标准) per estate and unit kind, changed only by finance (audited)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.billing.models import Base


class FeeAccountUnit(Base):
    """A unit billing bills every month (收费单元): its estate, its kind (the schedules that apply),
    its billable area (建筑面积 m²) and parking spaces, and who pays (the payer named on notices)."""

    __tablename__ = "billed_unit"

    unit_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    estate: Mapped[str] = mapped_column(String(8), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    area_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    parking_spaces: Mapped[int] = mapped_column(Integer, default=0)
    payer_party_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FeeSchedule(Base):
    """One fee standard (收费标准): for an estate's units of one kind, an item billed on a basis at a
    unit price, from a period (and until one, e.g. the heating season). One row per (estate, kind,
    item, effective_from): a new price from a later month is a new row, the older one stays as the
    basis of what was billed with it. `jump_factor` (per_reading items): a reading whose consumption
    is more than this many times the previous month's is held for review."""

    __tablename__ = "fee_schedule"
    __table_args__ = (UniqueConstraint("estate", "unit_kind", "item", "effective_from", name="uq_fee_schedule_key"),)

    schedule_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    estate: Mapped[str] = mapped_column(String(8), index=True)
    unit_kind: Mapped[str] = mapped_column(String(16))
    item: Mapped[str] = mapped_column(String(32))
    basis: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    effective_from: Mapped[str] = mapped_column(String(7))
    effective_to: Mapped[str | None] = mapped_column(String(7))
    jump_factor: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    note: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
