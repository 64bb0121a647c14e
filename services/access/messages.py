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
from propdesk_services.access.workflows.storage import handlers as storage
from propdesk_services.access.workflows.storage import schemas as storage_schemas
from propdesk_services.access.workflows.mail import handlers as mail
from propdesk_services.access.workflows.mail import schemas as mail_schemas
from propdesk_services.access.workflows.lost_property import handlers as lost_property
from propdesk_services.access.workflows.lost_property import schemas as lost_property_schemas
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
    # lost & found (拾获物品, §2.10)
    "register_lost_item": Command(lost_property.register_lost_item, lost_property_schemas.RegisterLostItemSchema),
    "publicise_lost_item": Command(lost_property.publicise_lost_item, lost_property_schemas.PubliciseLostItemSchema),
    "hand_lost_item_to_police": Command(lost_property.hand_lost_item_to_police, lost_property_schemas.HandToPoliceSchema),
    "return_lost_item": Command(lost_property.return_lost_item, lost_property_schemas.ReturnLostItemSchema),
    "refuse_lost_item_claim": Command(lost_property.refuse_lost_item_claim, lost_property_schemas.RefuseClaimSchema),
    "hand_lost_item_to_finance": Command(lost_property.hand_lost_item_to_finance, lost_property_schemas.HandToFinanceSchema),
    # small-item storage (寄存, §2.11) and the mail desk (邮件/报纸/包裹, §2.12)
    "deposit_item": Command(storage.deposit_item, storage_schemas.DepositItemSchema),
    "collect_stored_item": Command(storage.collect_stored_item, storage_schemas.CollectStoredItemSchema),
    "register_mail": Command(mail.register_mail, mail_schemas.RegisterMailSchema),
    "collect_mail": Command(mail.collect_mail, mail_schemas.CollectMailSchema),
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
    # lost & found (拾获物品, §2.10)
    "get_lost_item": Query(lost_property.get_lost_item, lost_property_schemas.ItemNoArgs),
    "list_lost_items": Query(lost_property.list_lost_items, lost_property_schemas.ListLostItemsArgs),
    # small-item storage (寄存, §2.11) and the mail desk (邮件/报纸/包裹, §2.12)
    "get_stored_item": Query(storage.get_stored_item, storage_schemas.StorageNoArgs),
    "list_stored_items": Query(storage.list_stored_items, storage_schemas.ListStoredItemsArgs),
    "get_mail": Query(mail.get_mail, mail_schemas.MailNoArgs),
    "list_mail": Query(mail.list_mail, mail_schemas.ListMailArgs),
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
    # found items unclaimed 3 months after registration are listed for finance
    "flag_unclaimed_lost_items": Timer(lost_property.flag_unclaimed_lost_items, interval=300),
    # deposits more than 3 days on the shelf: the depositor is contacted
    "flag_overdue_storage": Timer(storage.flag_overdue_storage, interval=300),
}

#: What may be done next to a record (the chassis answers ``allowed_actions(record_type, record_id, role)``).
ACTIONS = {
    "release_hold": Actions(release_slip.possible_actions),
    "pass": Actions(passes.possible_actions),
    "visitor": Actions(visitors.possible_actions),
    "lost_item": Actions(lost_property.possible_actions),
    "stored_item": Actions(storage.possible_actions),
    "mail": Actions(mail.possible_actions),
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
    "lost_item": Record(
        title=("拾获物品", "Found item"), get="get_lost_item", list="list_lost_items", id_field="item_no",
        number_field="item_no", columns=("item_no", "category", "description", "registered_at", "state"),
        fields=lost_property_schemas.LostItemSchema, create=("register_lost_item",),
        form=("拾获物品记录单", "Found property record"),
        signatures=(("登记人", "Registered by"), ("第二登记人", "Second registrar"), ("认领人", "Claimant"))),
    "stored_item": Record(
        title=("寄存物品", "Stored items"), get="get_stored_item", list="list_stored_items", id_field="storage_no",
        number_field="storage_no", columns=("storage_no", "depositor_name", "unit_id", "stored_at", "state"),
        fields=storage_schemas.StoredItemSchema, create=("deposit_item",),
        form=("物品存取登记表", "Storage log"),
        signatures=(("寄存人", "Depositor"), ("取件人", "Collector"), ("经办人", "Staff"))),
    "mail": Record(
        title=("邮件包裹", "Mail and parcels"), get="get_mail", list="list_mail", id_field="mail_no",
        number_field="mail_no", columns=("mail_no", "kind", "unit_id", "recipient_name", "received_at", "state"),
        fields=mail_schemas.MailSchema, create=("register_mail",), form=None),
}

QUEUES = {
    "passes_expiring": WorkQueue(
        title=("三天内到期的出入证", "Passes expiring within 3 days"),
        roles=CUSTOMER_SERVICE | {"security"}, items=passes.passes_expiring),
    "visitors_in": WorkQueue(
        title=("尚未离开的访客", "Visitors still in"),
        roles=CUSTOMER_SERVICE | {"security"}, items=visitors.visitors_in),
    "lost_items_to_publicise": WorkQueue(
        title=("待公示/移交公安的拾获物品", "Found items to publicise or hand to the police"),
        roles=CUSTOMER_SERVICE, items=lost_property.lost_items_to_publicise),
    "lost_items_unclaimed": WorkQueue(
        title=("逾期无人认领待移交财务的物品", "Unclaimed items to hand to finance"),
        roles=CUSTOMER_SERVICE | {"finance_supervisor", "cashier"}, items=lost_property.lost_items_unclaimed),
    "storage_overdue": WorkQueue(
        title=("寄存超过三天的物品", "Deposits over 3 days: contact the depositor"),
        roles=CUSTOMER_SERVICE, items=storage.storage_overdue),
    "mail_to_collect": WorkQueue(
        title=("待领取的邮件包裹", "Parcels and mail to collect"),
        roles=CUSTOMER_SERVICE | {"security"}, items=mail.mail_to_collect),
}
