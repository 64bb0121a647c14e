"""The goods release hold of each move-out and its release slip (物品放行条): the attributes of
`domain.ReleaseHold`, so the domain's functions take these rows directly. Times are stored in UTC
(SQLite drops the zone; `propdesk.chassis.db.aware()` restores it)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, false, text
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
    """A goods release slip (物品放行条 / 物品搬出放行单 QR-005FW), every variant: the move-out
    saga's (issued by its hold, `variant` "move_out") and the desk's four (owner, non-owner,
    contractor, no specimen on file: `workflows/goods_release`). `state` is the slip's place in
    vocab.RELEASE_SLIP_STATES; `released_at`/`released_by` once Security let the goods out at the
    gate, `refused_*` when it refused them. `issued_at` is None while a desk slip still waits for a
    confirmation, a fee clearance or a countersignature. Personal numbers (ID, phone) are stored
    masked: the slip needs them recognisable, not in full."""

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
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    released_by: Mapped[str | None] = mapped_column(String(64), default=None)
    # --- the desk's variants (workflows/goods_release); a move-out slip keeps the defaults --------
    variant: Mapped[str] = mapped_column(String(16), default="move_out", server_default=text("'move_out'"))
    state: Mapped[str] = mapped_column(String(24), default="ISSUED", server_default=text("'ISSUED'"), index=True)
    #: moving out or many items (可能搬迁): Finance's fee clearance comes first (WI/FW-020)
    moving: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    applicant_name: Mapped[str | None] = mapped_column(String(64), default=None)
    id_type: Mapped[str | None] = mapped_column(String(24), default=None)
    id_number: Mapped[str | None] = mapped_column(String(32), default=None)  # masked
    authorisation_ref: Mapped[str | None] = mapped_column(String(128), default=None)
    owner_name: Mapped[str | None] = mapped_column(String(64), default=None)
    owner_phone: Mapped[str | None] = mapped_column(String(32), default=None)  # masked
    owner_confirmed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    owner_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    renovation_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    responsible_person: Mapped[str | None] = mapped_column(String(64), default=None)
    carrier_name: Mapped[str | None] = mapped_column(String(64), default=None)
    carrier_id_type: Mapped[str | None] = mapped_column(String(24), default=None)
    carrier_id_number: Mapped[str | None] = mapped_column(String(32), default=None)  # masked
    fees_checked_by: Mapped[str | None] = mapped_column(String(64), default=None)
    fees_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    #: what Finance found outstanding at its last check ("356.25"); None once cleared
    fees_outstanding: Mapped[str | None] = mapped_column(String(20), default=None)
    #: who signed, in order: [{"as": applicant|owner_by_phone|responsible_person|front_desk|manager,
    #: "name" or "by" (staff id), "role", "at"}]
    signatures: Mapped[list | None] = mapped_column(JSON, default=None)
    requested_by: Mapped[str | None] = mapped_column(String(64), default=None)
    requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    refused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    refused_by: Mapped[str | None] = mapped_column(String(64), default=None)
    refusal_reason: Mapped[str | None] = mapped_column(String(256), default=None)
    #: REJECTED (the owner refused) or CANCELLED at the desk: when, by whom, why
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    closed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    closed_reason: Mapped[str | None] = mapped_column(String(256), default=None)
    #: the random part of the slip's QR token (a signed token names the slip and this nonce)
    token_nonce: Mapped[str | None] = mapped_column(String(32), default=None)
