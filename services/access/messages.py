"""access' public surface: every command, query, subscription and timer, at a glance.

The goods release of a tenant move-out and its slip (物品放行条, domain.md §2.7, [004 WI/FW-020]).
Names are public contract: a command or query is an RPC method ``access.<name>``, a
subscription's queue is ``access.<handler name>``; renaming one orphans a queue.
"""
from __future__ import annotations

from propdesk.chassis.workflow import Actions, Command, Query
from propdesk_services.access.workflows.release_slip import handlers as release_slip
from propdesk_services.access.workflows.release_slip import schemas as release_slip_schemas

COMMANDS = {
    "release_at_gate": Command(release_slip.release_at_gate, release_slip_schemas.ReleaseAtGateSchema),
}

QUERIES = {
    "get_release_hold": Query(release_slip.get_release_hold, release_slip_schemas.MoveOutIdArgs),
    "list_release_slips": Query(release_slip.list_release_slips, release_slip_schemas.ListReleaseSlipsArgs),
}

SUBSCRIPTIONS = {
    "move_out.requested": [release_slip.on_move_out_requested],
    "billing.clearance_confirmed": [release_slip.on_clearance],
    "billing.clearance_failed": [release_slip.on_clearance],
    "move_out.release_approved": [release_slip.on_release_approved],
    "move_out.withdrawn": [release_slip.on_move_out_withdrawn],
}

TIMERS: dict = {}

#: What may be done next to a record (the chassis answers ``allowed_actions(record_type, record_id, role)``).
ACTIONS = {
    "release_hold": Actions(release_slip.possible_actions),
}
