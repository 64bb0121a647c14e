"""notify: every outbound message of the desk (domain.md §7), to residents and to staff.

The whole public surface is `messages.py`; the rules are in `workflows/messages/`, the channel
plugins in `channels.py`. This class names the service and its dependencies, nothing else.
"""
from __future__ import annotations

from propdesk.chassis.db import Database
from propdesk.chassis.service import PropdeskService
from propdesk.chassis.workflow import entrypoints_from
from propdesk_services.notify import messages
from propdesk_services.notify.models import Base


@entrypoints_from(messages)
class NotifyService(PropdeskService):
    """Outbound messages: made from events by templates, delivered through channel plugins."""

    name = "notify"
    http_port = 9105
    db = Database(Base.metadata)

    @staticmethod
    def load_demo(session) -> str:
        return "nothing to load (messages are made from events)"
