"""Residents' own tables: the unit register, the parties, and the move-out cases (租户撤场审批表).

The mapped attributes are named exactly as the dataclasses in `domain.py` (`Unit`, `Party`,
`MoveOutCase`), so the domain functions take these rows directly. List attributes are JSON
columns that the domain always re-assigns (never mutates in place), so SQLAlchemy sees the change.

At most one *open* move-out per unit: open means not yet ARCHIVED. A partial unique index makes
the database refuse a second one even if two requests race.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from propdesk.chassis.idempotency import idempotency_table

from propdesk_services.residents import domain


class Base(DeclarativeBase):
    pass


#: idempotency keys of this service's commands, kept with their results (chassis/idempotency.py)
IDEMPOTENCY_KEYS = idempotency_table(Base.metadata)


class Party(Base):
    """An owner (业主/客户) or tenant (租户): `domain.Party`."""

    __tablename__ = "party"

    party_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))  # "OWNER" | "TENANT"
    phone: Mapped[str] = mapped_column(String(32))


class Unit(Base):
    """A unit (单元/房号) such as ``1-1-401`` or ``T1-31F``: `domain.Unit`. Leased iff it has a tenant."""

    __tablename__ = "unit"

    unit_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    building: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # "residential" | "office"
    owner_party_id: Mapped[str] = mapped_column(ForeignKey("party.party_id"))
    tenant_party_id: Mapped[str | None] = mapped_column(ForeignKey("party.party_id"), default=None)

    @property
    def leased(self) -> bool:
        return bool(self.tenant_party_id)


OPEN_CASE = text(f"state != '{domain.ARCHIVED}'")


class MoveOutCase(Base):
    """One tenant move-out (租户撤场审批表): `domain.MoveOutCase` plus what the desk needs around it.

    `breach_notice_id` is the 违约处理单 engineering attached to a failed inspection; `conflicts` are
    contradicting facts that arrived after release was approved (kept for the CS supervisor, never
    retried): ``[{"at", "event_type", "event_id", "message"}]``."""

    __tablename__ = "move_out_case"

    move_out_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("unit.unit_id"), index=True)
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("uq_move_out_case_open_unit", "unit_id", unique=True,
              sqlite_where=OPEN_CASE, postgresql_where=OPEN_CASE),
    )
