"""Monthly meter readings (抄表: water, electricity), domain.md §2.5: one per unit, meter and period."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.billing.models import Base


class MeterReading(Base):
    """A unit's meter read for a period. `previous` is the last billable reading before it (None:
    the first reading, a baseline that bills nothing); `consumption` = reading - previous. `state`
    (vocab.METER_READING_STATES): ok, held (with `hold_rule`), accepted, billed (`notice_no`),
    superseded (a held one the meter has since passed, set aside unbilled; `hold_rule` kept).
    `move_out_id`: the move-out whose final reading it is (engineering's ``unit.supply_cut``), so
    that move-out's fee check, and no other move-out's of the unit, waits for it while it is held."""

    __tablename__ = "meter_reading"
    __table_args__ = (UniqueConstraint("unit_id", "meter", "period", name="uq_meter_reading_period"),)

    reading_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    reading_no: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    estate: Mapped[str] = mapped_column(String(8), index=True)
    meter: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(7), index=True)
    reading: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    previous: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    consumption: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    state: Mapped[str] = mapped_column(String(16), index=True)
    hold_rule: Mapped[str | None] = mapped_column(String(32))
    read_on: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(16))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notice_no: Mapped[str | None] = mapped_column(String(32))
    #: None: a monthly reading, or a final one entered at the counter that no cut has claimed
    move_out_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
