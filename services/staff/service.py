"""staff: staff accounts, roles, estates, sessions and API tokens (who is acting; issue #8 §1).

The whole public surface is `messages.py`; the rules are in `workflows/<workflow>/domain.py` and
`handlers.py`. This class names the service and its dependencies, nothing else.
"""
from __future__ import annotations

from propdesk.chassis.db import Database
from propdesk.chassis.service import PropdeskService
from propdesk.chassis.workflow import entrypoints_from
from propdesk_services.staff import demo, messages
from propdesk_services.staff.models import Base


@entrypoints_from(messages)
class StaffService(PropdeskService):
    """Staff accounts (员工账号), sign-in sessions (登录会话) and API tokens (接口令牌)."""

    name = "staff"
    http_port = 9107
    db = Database(Base.metadata)

    @staticmethod
    def load_demo(session) -> str:
        return demo.load(session)
