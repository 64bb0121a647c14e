"""tickets: engineering work orders (工程维修单) for the move-out inspection, and the repairs (报修).

The whole public surface is `messages.py`; the rules are in `workflows/<workflow>/domain.py` and
`handlers.py`. This class names the service and its dependencies, nothing else.
"""
from __future__ import annotations

from propdesk.chassis.db import Database
from propdesk.chassis.service import PropdeskService
from propdesk.chassis.workflow import entrypoints_from
from propdesk_services.tickets import demo, messages
from propdesk_services.tickets.models import Base


@entrypoints_from(messages)
class TicketsService(PropdeskService):
    """Engineering work orders: the move-out inspection (单元验收移交记录表) and the repairs (报修)."""

    name = "tickets"
    http_port = 9102
    db = Database(Base.metadata)

    @staticmethod
    def load_demo(session, clock=None) -> str:
        """The demo month, ending at `clock`'s now (`propdesk.chassis.demo_loading`)."""
        return demo.load(session, clock)
