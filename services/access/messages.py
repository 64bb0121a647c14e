"""access' public surface: every command, query, subscription and timer, at a glance.

The goods release of a tenant move-out and its slip (物品放行条, domain.md §2.7, [004 WI/FW-020]).
Names are public contract: a command or query is an RPC method ``access.<name>``, a
subscription's queue is ``access.<handler name>``; renaming one orphans a queue.
"""
from __future__ import annotations

from propdesk.chassis.workflow import Actions, Command, Query, Record, Timer, WorkQueue
from propdesk.policy import CUSTOMER_SERVICE
from propdesk_services.access.workflows.release_slip import handlers as release_slip
from propdesk_services.access.workflows.release_slip import schemas as release_slip_schemas
from propdesk_services.access.workflows.visitors import handlers as visitors
from propdesk_services.access.workflows.visitors import schemas as visitors_schemas
from propdesk_services.access.workflows.passes import handlers as passes
from propdesk_services.access.workflows.passes import schemas as passes_schemas

COMMANDS = {
    "release_at_gate": Command(release_slip.release_at_gate, release_slip_schemas.ReleaseAtGateSchema),
    # passes (出入证, §2.9)
    "issue_construction_pass": Command(passes.issue_construction_pass, passes_schemas.IssueConstructionPassSchema),
    "issue_resident_pass": Command(passes.issue_resident_pass, passes_schemas.IssueResidentPassSchema),
    "return_pass": Command(passes.return_pass, passes_schemas.ReturnPassSchema),
    "revoke_pass": Command(passes.revoke_pass, passes_schemas.RevokePassSchema),
    # the visitor register (来访登记)
    "register_visitor": Command(visitors.register_visitor, visitors_schemas.RegisterVisitorSchema),
    "sign_out_visitor": Command(visitors.sign_out_visitor, visitors_schemas.SignOutVisitorSchema),
}

QUERIES = {
    "get_release_hold": Query(release_slip.get_release_hold, release_slip_schemas.MoveOutIdArgs),
    "list_release_slips": Query(release_slip.list_release_slips, release_slip_schemas.ListReleaseSlipsArgs),
    # passes (出入证, §2.9)
    "get_pass": Query(passes.get_pass, passes_schemas.PassNoArgs),
    "list_passes": Query(passes.list_passes, passes_schemas.ListPassesArgs),
    # the visitor register (来访登记)
    "get_visitor": Query(visitors.get_visitor, visitors_schemas.VisitorNoArgs),
    "list_visitors": Query(visitors.list_visitors, visitors_schemas.ListVisitorsArgs),
}

SUBSCRIPTIONS = {
    "move_out.requested": [release_slip.on_move_out_requested],
    "billing.clearance_confirmed": [release_slip.on_clearance],
    "billing.clearance_failed": [release_slip.on_clearance],
    "move_out.release_approved": [release_slip.on_release_approved],
    "move_out.withdrawn": [release_slip.on_move_out_withdrawn],
    # passes end with their renovation and with the tenant household's move-out
    "renovation.completed": [passes.revoke_passes_on_renovation_completed],
    "move_out.completed": [passes.revoke_passes_on_move_out],
}

TIMERS = {
    # a pass expires by itself at the end of its last valid day
    "expire_passes": Timer(passes.expire_passes, interval=60),
}

#: What may be done next to a record (the chassis answers ``allowed_actions(record_type, record_id, role)``).
ACTIONS = {
    "release_hold": Actions(release_slip.possible_actions),
    "pass": Actions(passes.possible_actions),
    "visitor": Actions(visitors.possible_actions),
}

RECORDS = {
    "pass": Record(
        title=("出入证", "Pass"), get="get_pass", list="list_passes", id_field="pass_no", number_field="pass_no",
        columns=("pass_no", "kind", "holder_name", "unit_id", "valid_to", "state"),
        fields=passes_schemas.PassSchema, create=("issue_construction_pass", "issue_resident_pass"),
        form=("装修出入证登记表", "Construction pass register"),
        signatures=(("经办人", "Issued by"), ("持证人", "Holder"))),
    "visitor": Record(
        title=("来访登记", "Visitor"), get="get_visitor", list="list_visitors", id_field="visitor_no",
        number_field="visitor_no", columns=("visitor_no", "visitor_name", "unit_id", "host_name", "time_in", "state"),
        fields=visitors_schemas.VisitorSchema, create=("register_visitor",), form=None),
}

QUEUES = {
    "passes_expiring": WorkQueue(
        title=("三天内到期的出入证", "Passes expiring within 3 days"),
        roles=CUSTOMER_SERVICE | {"security"}, items=passes.passes_expiring),
    "visitors_in": WorkQueue(
        title=("尚未离开的访客", "Visitors still in"),
        roles=CUSTOMER_SERVICE | {"security"}, items=visitors.visitors_in),
}
