"""Finance's fee check for each move-out (费用结清, domain.md §2.6 FEES_CHECKED, [004 WI/FW-020]).
The row has the attributes of `domain.Clearance`, so the domain's rules take it directly."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.billing.models import Base


class ClearanceRequest(Base):
    """Finance's fee check for one move-out (费用结清). `status`: "pending" while fees are
    outstanding, "confirmed" once the unit owes nothing, "withdrawn" when the move-out was withdrawn
    first; not decided yet (nothing announced): "awaiting_meters" (a metered unit, engineering's final
    readings not in), "readings_held" (one of them held for review), "meters_read" (the cut came
    before the request); `last_outstanding` as last computed (`domain.STATUSES`)."""

    __tablename__ = "clearance_request"

    move_out_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(32), index=True)
    #: the unit's estate (管理处), from the move-out's event or the fee account; None only when
    #: neither knew (staff of an estate then do not see it)
    estate: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    party_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    last_outstanding: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
