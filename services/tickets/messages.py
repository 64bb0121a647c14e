"""tickets' public surface: every command, query, subscription and timer, at a glance.

Engineering work orders (工程维修单): the move-out inspection (单元验收移交记录表, domain.md §2.6)
and the repairs (报修, §2.2). Names are public contract: a command or query is an RPC method
``tickets.<name>``, a subscription's queue is ``tickets.<handler name>``; renaming one orphans a queue.
"""
from __future__ import annotations

from propdesk.chassis.workflow import Actions, Command, Query
from propdesk_services.tickets.workflows.move_out_inspection import handlers as inspection
from propdesk_services.tickets.workflows.move_out_inspection import schemas as inspection_schemas
from propdesk_services.tickets.workflows.repairs import handlers as repairs
from propdesk_services.tickets.workflows.repairs import schemas as repairs_schemas

COMMANDS = {
    "record_inspection": Command(inspection.record_inspection, inspection_schemas.InspectionRequestSchema),
}

QUERIES = {
    "get_inspection": Query(inspection.get_inspection, inspection_schemas.MoveOutIdArgs),
    "list_work_orders": Query(inspection.list_work_orders, inspection_schemas.ListWorkOrdersArgs),
    "list_repairs": Query(repairs.list_repairs, repairs_schemas.ListRepairsArgs),
}

SUBSCRIPTIONS = {
    "move_out.requested": [inspection.on_move_out_requested],
    "move_out.withdrawn": [inspection.on_move_out_withdrawn],
}

TIMERS: dict = {}

#: What may be done next to a record (the chassis answers ``allowed_actions(record_type, record_id, role)``).
ACTIONS = {
    "move_out_inspection": Actions(inspection.possible_actions),
}
