"""Demo rows for tickets: each workflow's own (`workflows/<workflow>/demo.py`), one line each."""
from __future__ import annotations

from sqlalchemy.orm import Session

from propdesk_services.tickets.workflows.complaints import demo as complaints_demo
from propdesk_services.tickets.workflows.contacts import demo as contacts_demo
from propdesk_services.tickets.workflows.repairs import demo as repairs_demo
from propdesk_services.tickets.workflows.return_visits import demo as return_visits_demo


def load(session: Session, clock=None) -> str:
    """Add each workflow's demo rows unless they are there; say what was added. Their month ends at
    `clock`'s now (the service's clock: a test's `FakeClock`, ``PROPDESK_CLOCK_FILE``); without a
    clock, contacts and return visits count from the wall clock and repairs and complaints end on
    23 Nov 2026 (as before the clock was passed)."""
    now = clock.now() if clock is not None else None
    done = [repairs_demo.load(session, now)]
    done.append(contacts_demo.load(session, now))
    done.append(return_visits_demo.load(session, now))
    done.append(complaints_demo.load(session, now))
    return "; ".join(done)
