"""reports: read models fed by every event on the bus (domain.md §4, §7).

The whole public surface is `messages.py`; the rules are in `workflows/event_log/` and
`workflows/move_out_board/`. This class names the service and its dependencies, nothing else.
"""
from __future__ import annotations

from propdesk.chassis.db import Database
from propdesk.chassis.service import PropdeskService
from propdesk.chassis.workflow import entrypoints_from
from propdesk_services.reports import messages
from propdesk_services.reports.models import Base


@entrypoints_from(messages)
class ReportsService(PropdeskService):
    """The event log (timelines, latest events) and the move-out board (counts by state)."""

    name = "reports"
    http_port = 9106
    db = Database(Base.metadata)

    @staticmethod
    def load_demo(session) -> str:
        return "nothing to load (reports are fed by events)"
