"""How the register's rows are read: a unit within the estates of the person asking, units with
their owners' and tenants' names."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from propdesk.chassis.estates import visible
from propdesk.privacy import mask_text
from propdesk_services.residents.workflows.register.models import Party, Unit


def unit_of(session: Session, unit_id: str | None, estates=None) -> Unit | None:
    """The unit, or None when it is not registered or belongs to an estate outside `estates`
    (None: not scoped): both answer the same (issue #8: another estate's records answer as if
    absent)."""
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit if unit is not None and visible(estates, unit.estate) else None


def party_names(session: Session, party_ids) -> dict[str, str]:
    return {pid: name for pid, (name, _phone) in parties(session, party_ids).items()}


def parties(session: Session, party_ids) -> dict[str, tuple[str, str]]:
    """{party id: (name, phone)} of the given parties."""
    ids = {p for p in party_ids if p}
    if not ids:
        return {}
    rows = session.execute(select(Party.party_id, Party.name, Party.phone).where(Party.party_id.in_(ids))).all()
    return {pid: (name, phone) for pid, name, phone in rows}


def unit_views(session: Session, units: list[Unit], masked: bool = True) -> list[dict]:
    """Units with their owners' and tenants' names and phones; the phones masked unless `masked`
    is False (a unit's own page, for the roles that need them: `propdesk.policy.PERSONAL_NUMBERS`)."""
    people = parties(session, [u.owner_party_id for u in units] + [u.tenant_party_id for u in units])

    def phone(pid):
        value = people.get(pid, (None, None))[1]
        return mask_text(value) if masked and value else value

    return [
        {
            "unit_id": u.unit_id, "building": u.building, "kind": u.kind, "estate": u.estate,
            "owner_party_id": u.owner_party_id, "owner_name": people.get(u.owner_party_id, (None,))[0],
            "owner_phone": phone(u.owner_party_id),
            "tenant_party_id": u.tenant_party_id, "tenant_name": people.get(u.tenant_party_id, (None,))[0],
            "tenant_phone": phone(u.tenant_party_id),
        }
        for u in units
    ]


def matching_parties(session: Session, q: str) -> set[str]:
    """The parties whose name, id or phone matches `q`: a phone by 4 or more of its digits in a row
    (typed with or without spaces and dashes), a name or id by a part of it."""
    needle = f"%{q.lower()}%"
    stmt = select(Party.party_id).where(func.lower(Party.name).like(needle) | func.lower(Party.party_id).like(needle))
    found = set(session.scalars(stmt))
    digits = "".join(ch for ch in q if ch.isdigit())
    if len(digits) >= 4:
        found |= set(session.scalars(select(Party.party_id).where(
            func.replace(func.replace(func.replace(Party.phone, "-", ""), " ", ""), "+", "").like(f"%{digits}%"))))
    return found
