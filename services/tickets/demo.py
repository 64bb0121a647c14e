"""Demo rows for tickets: each workflow's own (`workflows/<workflow>/demo.py`), one line each."""
from __future__ import annotations

from sqlalchemy.orm import Session

from propdesk_services.tickets.workflows.complaints import demo as complaints_demo
from propdesk_services.tickets.workflows.contacts import demo as contacts_demo
from propdesk_services.tickets.workflows.repairs import demo as repairs_demo
from propdesk_services.tickets.workflows.return_visits import demo as return_visits_demo


def load(session: Session) -> str:
    """Add each workflow's demo rows unless they are there; say what was added."""
    done = [repairs_demo.load(session)]
    done.append(contacts_demo.load(session))
    done.append(return_visits_demo.load(session))
    done.append(complaints_demo.load(session))
    return "; ".join(done)
