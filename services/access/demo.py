"""Demo rows for access: each workflow's own (`workflows/<workflow>/demo.py`), one line each."""
from __future__ import annotations

from sqlalchemy.orm import Session

from propdesk.chassis.clock import SYSTEM_CLOCK
from propdesk_services.access.workflows.goods_release import demo as goods_release_demo
from propdesk_services.access.workflows.keys import demo as keys_demo
from propdesk_services.access.workflows.lost_property import demo as lost_property_demo
from propdesk_services.access.workflows.mail import demo as mail_demo
from propdesk_services.access.workflows.passes import demo as passes_demo
from propdesk_services.access.workflows.storage import demo as storage_demo
from propdesk_services.access.workflows.visitors import demo as visitors_demo


def load(session: Session) -> str:
    """Add each workflow's demo rows unless they are there; say what was added."""
    done: list[str] = []
    now = SYSTEM_CLOCK.now()  # the counter's registers are anchored on today: a living counter
    done.append(goods_release_demo.load(session, now))
    done.append(keys_demo.load(session, now))
    done.append(passes_demo.load(session, now))
    done.append(visitors_demo.load(session, now))
    done.append(lost_property_demo.load(session, now))
    done.append(storage_demo.load(session, now))
    done.append(mail_demo.load(session, now))
    return "; ".join(done)
