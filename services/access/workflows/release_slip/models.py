"""The goods release hold of each move-out and its release slip (物品放行条): the attributes of
`domain.ReleaseHold`, so the domain's functions take these rows directly. Times are stored in UTC
(SQLite drops the zone; `propdesk.chassis.db.aware()` restores it)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.access.models import Base


class ReleaseHold(Base):
    """The held goods release of one move-out (the attributes `domain.ReleaseHold` names, plus
    bookkeeping). It may be created by whichever of the case's events arrives first:
    ``move_out.requested``, a clearance verdict, the release approval or the withdrawal."""

    __tablename__ = "release_hold"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    move_out_id: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[str] = mapped_column(String(32))
    #: the unit's estate (管理处), from the case's events; None only while none named it (staff of
    #: an estate then do not see it)
    estate: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    #: None until ``move_out.requested`` names the tenant (the hold was opened by a later event)
    tenant_party_id: Mapped[str | None] = mapped_column(String(64), default=None)
    fees_cleared: Mapped[bool] = mapped_column(Boolean, default=False)
    release_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    slip_no: Mapped[str | None] = mapped_column(String(32), default=None)
    released_by: Mapped[str | None] = mapped_column(String(64), default=None)
    #: the clearance verdict the hold rests on: its event id and Finance's `as_of`
    clearance_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    clearance_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    owner_written_opinion_ref: Mapped[str | None] = mapped_column(String(128), default=None)
    #: the move-out was withdrawn (``move_out.withdrawn``'s withdrawn_at): the hold is closed, no slip follows
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReleaseSlip(Base):
    """An issued goods release slip (物品放行条); `released_at`/`released_by` once Security let the
    goods out at the gate."""

    __tablename__ = "release_slip"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slip_no: Mapped[str] = mapped_column(String(32), unique=True)
    move_out_id: Mapped[str | None] = mapped_column(String(64), index=True)
    unit_id: Mapped[str] = mapped_column(String(32))
    #: the estate (管理处) of the unit, as its hold knows it
    estate: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    applicant_type: Mapped[str] = mapped_column(String(16))
    goods: Mapped[list] = mapped_column(JSON)
    clearance_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    released_by: Mapped[str | None] = mapped_column(String(64), default=None)
