"""access (门岗/物品放行): the goods release slip (物品放行条) of a tenant move-out (domain.md §2.7).

The whole public surface is `messages.py`; the rules are in `workflows/<workflow>/domain.py` and
`handlers.py`. This class names the service and its dependencies, nothing else.
"""
from __future__ import annotations

from propdesk.chassis.db import Database
from propdesk.chassis.service import PropdeskService
from propdesk.chassis.workflow import entrypoints_from
from propdesk_services.access import demo, messages
from propdesk_services.access.models import Base


@entrypoints_from(messages)
class AccessService(PropdeskService):
    """The goods release hold of each move-out, its slip (物品放行条) and the gate release."""

    name = "access"
    http_port = 9104
    db = Database(Base.metadata)

    @staticmethod
    def load_demo(session) -> str:
        return demo.load(session)
