"""residents: the unit and party register, and the tenant move-out saga (租户撤场/退租).

The whole public surface is `messages.py`; the rules are in `workflows/<workflow>/domain.py` and
`handlers.py`. This class names the service and its dependencies, nothing else.
"""
from __future__ import annotations

from propdesk.chassis.db import Database
from propdesk.chassis.service import PropdeskService
from propdesk.chassis.workflow import entrypoints_from
from propdesk_services.residents import demo, messages
from propdesk_services.residents.models import Base


@entrypoints_from(messages)
class ResidentsService(PropdeskService):
    """Units, parties (owners/tenants) and the tenant move-out saga (租户撤场)."""

    name = "residents"
    http_port = 9101
    db = Database(Base.metadata)

    @staticmethod
    def load_demo(session) -> str:
        return demo.load(session)
