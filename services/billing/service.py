"""billing (财务): unit fee accounts, payments, and fee clearance (费用结清) for move-outs.

The whole public surface is `messages.py`; the rules are in `workflows/<workflow>/domain.py` and
`handlers.py` (`payments`: record_payment, get_balance, list_arrears; `fee_clearance`: the check on
``move_out.requested`` and its re-check after a payment). This class names the service and its
dependencies, nothing else.
"""
from __future__ import annotations

from propdesk.chassis.db import Database
from propdesk.chassis.service import PropdeskService
from propdesk.chassis.workflow import entrypoints_from
from propdesk_services.billing import demo, messages
from propdesk_services.billing.models import Base


@entrypoints_from(messages)
class BillingService(PropdeskService):
    """Fee accounts, payments (收费) and the move-out fee clearance (费用结清)."""

    name = "billing"
    http_port = 9103
    db = Database(Base.metadata)

    @staticmethod
    def load_demo(session) -> str:
        return demo.load(session)
