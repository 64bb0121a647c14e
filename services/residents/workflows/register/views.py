"""How the register's rows read at the desk: units with their owners' and tenants' names."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk_services.residents.workflows.register.models import Party, Unit


def party_names(session: Session, party_ids) -> dict[str, str]:
    ids = {p for p in party_ids if p}
    if not ids:
        return {}
    return dict(session.execute(select(Party.party_id, Party.name).where(Party.party_id.in_(ids))).all())


def unit_views(session: Session, units: list[Unit]) -> list[dict]:
    names = party_names(session, [u.owner_party_id for u in units] + [u.tenant_party_id for u in units])
    return [
        {
            "unit_id": u.unit_id, "building": u.building, "kind": u.kind,
            "owner_party_id": u.owner_party_id, "owner_name": names.get(u.owner_party_id),
            "tenant_party_id": u.tenant_party_id, "tenant_name": names.get(u.tenant_party_id),
        }
        for u in units
    ]
