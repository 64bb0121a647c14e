"""billing's public surface: every command, query, subscription and timer, at a glance.

Payments on the units' fee accounts (收费, domain.md §2.5) and the move-out fee clearance (费用结清,
§2.6 FEES_CHECKED, [004 WI/FW-020]). Names are public contract: a command or query is an RPC method
``billing.<name>``, a subscription's queue is ``billing.<handler name>``; renaming one orphans a queue.
"""
from __future__ import annotations

from propdesk.chassis.workflow import Actions, Command, Query
from propdesk_services.billing.workflows.fee_clearance import handlers as fee_clearance
from propdesk_services.billing.workflows.payments import handlers as payments
from propdesk_services.billing.workflows.payments import schemas as payments_schemas

COMMANDS = {
    "record_payment": Command(payments.record_payment, payments_schemas.RecordPaymentSchema),
}

QUERIES = {
    "get_balance": Query(payments.get_balance, payments_schemas.UnitIdArgs),
    "list_arrears": Query(payments.list_arrears, payments_schemas.NoArgs),
}

SUBSCRIPTIONS = {
    "move_out.requested": [fee_clearance.on_move_out_requested],
    "move_out.withdrawn": [fee_clearance.on_move_out_withdrawn],
}

TIMERS: dict = {}

#: What may be done next to a record (the chassis answers ``allowed_actions(record_type, record_id, role)``).
ACTIONS = {
    "unit": Actions(payments.possible_actions),
}
