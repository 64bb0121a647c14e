"""The register (单元/业主/租户), pure: a unit as the move-out and other workflows judge it.

Unit ids are building-unit-room (``1-1-401``) or an office floor (``T1-31F``) (domain.md §0). A
unit is leased iff it has a tenant (domain.md §9.5: owner-occupied and leased units both exist).
The stored rows (`models.Unit`) have the same attributes, so rules take either.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Unit:
    unit_id: str
    building: str
    kind: str  # "residential" | "office"
    owner_party_id: str
    tenant_party_id: str | None = None
    estate: str | None = None  # vocab.ESTATES: the estate (管理处) it belongs to

    @property
    def leased(self) -> bool:
        return bool(self.tenant_party_id)


@dataclass
class Party:
    """A person or company the office deals with: an owner (业主/客户) or a tenant (租户)."""

    party_id: str
    name: str
    role: str  # "OWNER" | "TENANT"
    phone: str
