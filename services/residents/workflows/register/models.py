"""The unit and party register (单元, 业主/租户): units of every estate and the people the office deals with."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from propdesk_services.residents.models import Base


class Party(Base):
    """An owner (业主/客户) or tenant (租户) (domain.md §0 terminology note)."""

    __tablename__ = "party"

    party_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))  # "OWNER" | "TENANT"
    phone: Mapped[str] = mapped_column(String(32))


class Unit(Base):
    """A unit (单元/房号) such as ``1-1-401`` (building-unit-room) or ``T1-31F``. Leased iff it has
    a tenant (domain.md §9.5: model owner-occupied and leased units). It belongs to one estate
    (管理处, a `vocab.ESTATES` code): staff of other estates do not see it."""

    __tablename__ = "unit"

    unit_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    building: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # "residential" | "office"
    estate: Mapped[str] = mapped_column(String(8), index=True)  # vocab.ESTATES
    owner_party_id: Mapped[str] = mapped_column(ForeignKey("party.party_id"))
    tenant_party_id: Mapped[str | None] = mapped_column(ForeignKey("party.party_id"), default=None)

    @property
    def leased(self) -> bool:
        return bool(self.tenant_party_id)
