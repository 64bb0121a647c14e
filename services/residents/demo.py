"""Demo register for residents: every unit and party of `propdesk.demo` (domain.md §6)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk_services.residents.workflows.register.models import Party, Unit

UNIT_FIELDS = ("unit_id", "building", "kind", "estate", "owner_party_id", "tenant_party_id")
PARTY_FIELDS = ("party_id", "name", "role", "phone")


def load(session: Session) -> str:
    """Add the demo units and parties unless the register already has units. Does not commit."""
    existing = session.scalar(select(func.count()).select_from(Unit))
    if existing:
        return f"skipped: {existing} units already registered"
    parties = [Party(**{k: p[k] for k in PARTY_FIELDS}) for p in demo.parties()]
    session.add_all(parties)
    session.flush()  # parties first: units reference them
    units = [Unit(**{k: u[k] for k in UNIT_FIELDS}) for u in demo.units()]
    session.add_all(units)
    session.flush()
    return f"{len(units)} units, {len(parties)} parties"
