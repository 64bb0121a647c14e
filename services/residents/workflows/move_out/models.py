"""The move-out case (租户撤场审批表): the attributes of `domain.MoveOutCase`, so the domain's
functions take these rows directly. List attributes are JSON columns the domain always re-assigns
(never mutates in place), so SQLAlchemy sees the change.

At most one *open* move-out per unit: open means neither ARCHIVED nor WITHDRAWN. A partial unique
index makes the database refuse a second one even if two requests race.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from propdesk.contracts.vocab import MOVE_OUT_CLOSED
from propdesk_services.residents.models import Base
from propdesk_services.residents.workflows.move_out import domain
from propdesk_services.residents.workflows.register.models import Unit  # noqa: F401  (the FK's table)

OPEN_CASE = text("state NOT IN (" + ", ".join(f"'{s}'" for s in MOVE_OUT_CLOSED) + ")")

class MoveOutCase(Base):
    """One tenant move-out (租户撤场审批表): `domain.MoveOutCase` plus what the desk needs around it.

    `breach_notice_id` is the 违约处理单 engineering attached to a failed inspection; `conflicts` are
    contradicting facts that arrived after release was approved (kept for the CS supervisor, never
    retried): ``[{"at", "event_type", "event_id", "message"}]``."""

    __tablename__ = "move_out_case"

    move_out_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("unit.unit_id"), index=True)
    #: the unit's estate (管理处), copied when the case is opened: staff of other estates do not see it
    estate: Mapped[str] = mapped_column(String(8), index=True)
    tenant_party_id: Mapped[str] = mapped_column(String(64))
    owner_party_id: Mapped[str] = mapped_column(String(64))
    exit_date: Mapped[date] = mapped_column(Date)
    owner_consent_ref: Mapped[str] = mapped_column(String(200))
    fitout_disposition: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32), default=domain.OWNER_CONSENT_PENDING, index=True)
    inspection: Mapped[str] = mapped_column(String(16), default="pending")
    defects: Mapped[list] = mapped_column(JSON, default=list)
    breach_notice_id: Mapped[str | None] = mapped_column(String(64), default=None)
    fees: Mapped[str] = mapped_column(String(16), default="pending")
    outstanding_amount: Mapped[str] = mapped_column(String(20), default="0.00")
    release_slip_no: Mapped[str | None] = mapped_column(String(64), default=None)
    requested_by: Mapped[str] = mapped_column(String(64))
    conflicts: Mapped[list] = mapped_column(JSON, default=list)
    #: when the recorded inspection happened and Finance's as_of of the recorded fee verdict (UTC):
    #: an older fact delivered late changes nothing (`domain.is_stale`)
    inspection_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    fees_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    #: METERS_READ_AND_CUT (§2.6): when engineering read the meters and cut the supply (``unit.supply_cut``)
    supply_cut_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("uq_move_out_case_open_unit", "unit_id", unique=True,
              sqlite_where=OPEN_CASE, postgresql_where=OPEN_CASE),
    )
