"""Demo rows for tickets: the open repairs of the seed's phase-2 list (propdesk.demo.open_repairs)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from propdesk_services.tickets.workflows.repairs import demo as repairs_demo
from propdesk_services.tickets.workflows.complaints import demo as complaints_demo
from propdesk_services.tickets.workflows.return_visits import demo as return_visits_demo


def load(session: Session) -> str:
    """Add the demo repairs unless repairs are already there; say what was added."""
    return_visits_demo.load(session)  # return visits (回访): idempotent on their own
    complaints_demo.load(session)  # complaints (投诉): idempotent on their own
    return repairs_demo.load(session)  # repairs (报修): a month of them, the price list
