"""Demo rows for tickets: the open repairs of the seed's phase-2 list (propdesk.demo.open_repairs)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from propdesk import demo
from propdesk_services.tickets.workflows.repairs.models import RepairOrder
from propdesk_services.tickets.workflows.complaints import demo as complaints_demo
from propdesk_services.tickets.workflows.return_visits import demo as return_visits_demo


def load(session: Session) -> str:
    """Add the demo repairs unless repairs are already there; say what was added."""
    return_visits_demo.load(session)  # return visits (回访): idempotent on their own
    complaints_demo.load(session)  # complaints (投诉): idempotent on their own
    if session.scalar(select(RepairOrder.repair_id).limit(1)) is not None:
        return "repairs already loaded"
    repairs = demo.open_repairs()
    for r in repairs:
        session.add(RepairOrder(**{**r, "reported_on": date.fromisoformat(r["reported_on"])}))
    session.flush()
    return f"{len(repairs)} open repairs"
