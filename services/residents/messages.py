"""residents' public surface: every command, query, subscription and timer, at a glance.

The unit and party register (单元, 业主/租户) and the tenant move-out saga (租户撤场, domain.md
§2.6). Names are public contract: a command or query is an RPC method ``residents.<name>``, a
subscription's queue is ``residents.<handler name>``; renaming one orphans a queue.
"""
from __future__ import annotations

from propdesk.chassis.workflow import Actions, Command, Query, Record
from propdesk_services.residents.workflows.move_out import handlers as move_out
from propdesk_services.residents.workflows.move_out import schemas as move_out_schemas
from propdesk_services.residents.workflows.register import handlers as register
from propdesk_services.residents.workflows.register import schemas as register_schemas

COMMANDS = {
    "request_move_out": Command(move_out.request_move_out, move_out_schemas.MoveOutRequestSchema),
    "withdraw_move_out": Command(move_out.withdraw_move_out, move_out_schemas.WithdrawMoveOutSchema),
    "archive_move_out": Command(move_out.archive_move_out, move_out_schemas.ArchiveMoveOutSchema),
}

QUERIES = {
    "get_move_out": Query(move_out.get_move_out, move_out_schemas.MoveOutIdArgs),
    "list_move_outs": Query(move_out.list_move_outs, move_out_schemas.ListMoveOutsArgs),
    "list_units": Query(register.list_units, register_schemas.ListUnitsArgs),
    "get_unit": Query(register.get_unit, register_schemas.UnitIdArgs),
}

SUBSCRIPTIONS = {
    "move_out.inspection_completed": [move_out.on_inspection_completed],
    "billing.clearance_confirmed": [move_out.on_clearance],
    "billing.clearance_failed": [move_out.on_clearance],
    "release_slip.issued": [move_out.on_release_slip_issued],
    "unit.supply_cut": [move_out.on_supply_cut],
    "release_slip.released": [move_out.on_goods_released],
}

TIMERS: dict = {}

#: What may be done next to a record (the chassis answers ``allowed_actions(record_type, record_id, role)``).
ACTIONS = {
    "move_out": Actions(move_out.possible_actions),
}

#: How the desk shows the register (the move-out has pages of its own).
RECORDS = {
    "unit": Record(title=("单元", "Unit"), get="get_unit", list="list_units", id_field="unit_id",
                   number_field="unit_id",
                   columns=("unit_id", "estate", "owner_name", "owner_phone", "tenant_name", "tenant_phone"),
                   fields=register_schemas.UnitRecordSchema),
}
