"""How the register's rows are read: a unit within the estates of the person asking, units with
their owners' and tenants' names."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk.chassis.estates import visible
from propdesk_services.residents.workflows.register.models import Party, Unit


def unit_of(session: Session, unit_id: str | None, estates=None) -> Unit | None:
    """The unit, or None when it is not registered or belongs to an estate outside `estates`
    (None: not scoped): both answer the same (issue #8: another estate's records answer as if
    absent)."""
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit if unit is not None and visible(estates, unit.estate) else None


def party_names(session: Session, party_ids) -> dict[str, str]:
    ids = {p for p in party_ids if p}
    if not ids:
        return {}
    return dict(session.execute(select(Party.party_id, Party.name).where(Party.party_id.in_(ids))).all())


def unit_views(session: Session, units: list[Unit]) -> list[dict]:
    names = party_names(session, [u.owner_party_id for u in units] + [u.tenant_party_id for u in units])
    return [
        {
            "unit_id": u.unit_id, "building": u.building, "kind": u.kind, "estate": u.estate,
            "owner_party_id": u.owner_party_id, "owner_name": names.get(u.owner_party_id),
            "tenant_party_id": u.tenant_party_id, "tenant_name": names.get(u.tenant_party_id),
        }
        for u in units
    ]
