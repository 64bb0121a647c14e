"""Demo rows for tickets: the open repairs of the seed's phase-2 list (propdesk.demo.open_repairs)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk_services.tickets.workflows.repairs.models import RepairOrder


def load(session: Session) -> str:
    """Add the demo repairs unless repairs are already there; say what was added."""
    if session.scalar(select(RepairOrder.repair_id).limit(1)) is not None:
        return "repairs already loaded"
    repairs = demo.open_repairs()
    for r in repairs:
        session.add(RepairOrder(**{**r, "reported_on": date.fromisoformat(r["reported_on"])}))
    session.flush()
    return f"{len(repairs)} open repairs"
