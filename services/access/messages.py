"""access' public surface: every command, query, subscription and timer, at a glance.

The goods release of a tenant move-out and its slip (物品放行条, domain.md §2.7, [004 WI/FW-020]).
Names are public contract: a command or query is an RPC method ``access.<name>``, a
subscription's queue is ``access.<handler name>``; renaming one orphans a queue.
"""
from __future__ import annotations

from propdesk.chassis.deadlines import Deadline
from propdesk.chassis.metrics import DomainGauge
from propdesk.chassis.workflow import Actions, Command, Query, Record, Timer, WorkQueue
from propdesk.policy import CUSTOMER_SERVICE
from propdesk_services.access import gauges
from propdesk_services.access.workflows.goods_release import handlers as goods_release
from propdesk_services.access.workflows.goods_release import schemas as goods_release_schemas
from propdesk_services.access.workflows.keys import handlers as keys
from propdesk_services.access.workflows.keys import schemas as keys_schemas
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
    # goods release slips filled in at the desk, every variant (物品放行条, §2.7)
    "request_goods_release": Command(goods_release.request_goods_release,
                                     goods_release_schemas.RequestGoodsReleaseSchema),
    "confirm_owner_authorisation": Command(goods_release.confirm_owner_authorisation,
                                           goods_release_schemas.ConfirmOwnerSchema),
    "record_fee_clearance": Command(goods_release.record_fee_clearance, goods_release_schemas.FeeClearanceSchema),
    "countersign_release_slip": Command(goods_release.countersign_release_slip,
                                        goods_release_schemas.CountersignSchema),
    "cancel_release_slip": Command(goods_release.cancel_release_slip, goods_release_schemas.CancelSlipSchema),
    "refuse_at_gate": Command(goods_release.refuse_at_gate, goods_release_schemas.RefuseAtGateSchema),
    # keys (钥匙, §2.8: QR-006FW, QR-007FW)
    "register_key": Command(keys.register_key, keys_schemas.RegisterKeySchema),
    "entrust_key": Command(keys.entrust_key, keys_schemas.EntrustKeySchema),
    "loan_key": Command(keys.loan_key, keys_schemas.LoanKeySchema),
    "return_key": Command(keys.return_key, keys_schemas.ReturnKeySchema),
    "withdraw_key": Command(keys.withdraw_key, keys_schemas.WithdrawKeySchema),
    "hand_over_key_custody": Command(keys.hand_over_key_custody, keys_schemas.HandOverCustodySchema),
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
    "record_depositor_contacted": Command(storage.record_depositor_contacted,
                                          storage_schemas.RecordDepositorContactedSchema),
}

QUERIES = {
    "get_release_hold": Query(release_slip.get_release_hold, release_slip_schemas.MoveOutIdArgs),
    "list_release_slips": Query(release_slip.list_release_slips, release_slip_schemas.ListReleaseSlipsArgs),
    # goods release slips, every variant (物品放行条, §2.7): the slip, the guard's scan, the QR, the KPI
    "get_release_slip": Query(goods_release.get_release_slip, goods_release_schemas.SlipNoArgs),
    "find_release_slips": Query(goods_release.find_release_slips, goods_release_schemas.FindSlipsArgs),
    "verify_slip_token": Query(goods_release.verify_slip_token, goods_release_schemas.TokenArgs),
    "check_release_slip": Query(goods_release.check_release_slip, goods_release_schemas.SlipNoArgs),
    "release_slip_qr": Query(goods_release.release_slip_qr, goods_release_schemas.QrArgs),
    "release_slip_kpi": Query(goods_release.release_slip_kpi, goods_release_schemas.KpiArgs),
    # keys (钥匙, §2.8)
    "get_key": Query(keys.get_key, keys_schemas.KeyNoArgs),
    "list_keys": Query(keys.list_keys, keys_schemas.ListKeysArgs),
    "get_key_loan": Query(keys.get_key_loan, keys_schemas.LoanNoArgs),
    "list_key_loans": Query(keys.list_key_loans, keys_schemas.ListLoansArgs),
    "key_counts": Query(keys.key_counts, keys_schemas.NoArgs),
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

#: The three sweeps below are due-time sweeps like the chassis' deadlines (one indexed query each when
#: nothing is due): they run at its cadence (PROPDESK_DEADLINE_SWEEP_S, 5 s), so moving the clock in a
#: system test (`move_clock`, 0.5 s sweeps) reaches them as it reaches the deadlines.
TIMERS = {
    # a pass expires by itself at the end of its last valid day
    "expire_passes": Timer(passes.expire_passes, interval="deadline_sweep_interval_s"),
    # found items unclaimed 3 months after registration are listed for finance
    "flag_unclaimed_lost_items": Timer(lost_property.flag_unclaimed_lost_items, interval="deadline_sweep_interval_s"),
    # deposits more than 3 days on the shelf: the depositor is contacted
    "flag_overdue_storage": Timer(storage.flag_overdue_storage, interval="deadline_sweep_interval_s"),
}

#: What may be done next to a record (the chassis answers ``allowed_actions(record_type, record_id, role)``).
ACTIONS = {
    "release_hold": Actions(release_slip.possible_actions),
    "release_slip": Actions(goods_release.possible_actions),
    "key": Actions(keys.possible_actions),
    "key_loan": Actions(keys.possible_loan_actions),
    "pass": Actions(passes.possible_actions),
    "visitor": Actions(visitors.possible_actions),
    "lost_item": Actions(lost_property.possible_actions),
    "stored_item": Actions(storage.possible_actions),
    "mail": Actions(mail.possible_actions),
}

#: How the desk shows access' record kinds (list, record page, actions, print view).
RECORDS = {
    "key": Record(
        title=("钥匙", "Key"), get="get_key", list="list_keys", id_field="key_no", number_field="key_no",
        columns=("key_no", "unit_id", "kind", "category", "label", "custodian", "state"),
        fields=keys_schemas.KeySchema, create=("register_key", "entrust_key"),
        form=("业主委托管理处保管钥匙单 QR-006FW", "Keys entrusted to the management office QR-006FW"),
        signatures=(("业主", "Owner"), ("保管人", "Custodian"))),
    "key_loan": Record(
        title=("钥匙领用登记", "Key loan"), get="get_key_loan", list="list_key_loans", id_field="loan_no",
        number_field="loan_no", columns=("loan_no", "key_no", "unit_id", "borrower", "department", "expected_back_at",
                                         "returned_at"),
        fields=keys_schemas.KeyLoanSchema, create=("loan_key",),
        form=("入户门钥匙外借记录表 QR-007FW", "Entry-door key loan record QR-007FW"),
        signatures=(("领用人", "Borrower"), ("借出经办人", "Lent by"), ("归还注销", "Return registered by"))),
    "release_slip": Record(
        title=("物品放行条", "Goods release slip"), get="get_release_slip", list="find_release_slips",
        id_field="slip_no", number_field="slip_no",
        columns=("slip_no", "unit_id", "variant", "applicant_name", "state", "issued_at"),
        fields=goods_release_schemas.ReleaseSlipDetailSchema, create=("request_goods_release",),
        form=("物品搬出放行单 QR-005FW", "Goods release slip QR-005FW"),
        signatures=(("申请人/业主/装修负责人", "Applicant / owner / responsible person"),
                    ("前台经办人", "Front-desk handler"), ("部门经理/主任(无预留签字)", "Manager or director (no specimen)"),
                    ("保安放行", "Released by security")),
        qr="release_slip_qr"),  # the guard scans it at the gate (/gate)
    "pass": Record(
        title=("出入证", "Pass"), get="get_pass", list="list_passes", id_field="pass_no", number_field="pass_no",
        columns=("pass_no", "kind", "holder_name", "unit_id", "valid_to", "state"),
        fields=passes_schemas.PassSchema, create=("issue_construction_pass", "issue_resident_pass"),
        form=("装修出入证/住户证登记表", "Construction and resident pass register"),  # one kind, both passes
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

#: What waits for whom at the desk home.
QUEUES = {
    "key_loans_overdue": WorkQueue(
        title=("逾期未还的钥匙", "Key loans overdue"),
        roles=CUSTOMER_SERVICE | {"security"}, items=keys.key_loans_overdue),
    "release_slips_owner_confirmation": WorkQueue(
        title=("待电话确认业主的放行条", "Release slips: owner to be phoned"),
        roles=CUSTOMER_SERVICE, items=goods_release.slips_awaiting_owner),
    "release_slips_fee_clearance": WorkQueue(
        title=("待财务核费的放行条", "Release slips awaiting fee clearance"),
        roles=frozenset({"finance_supervisor", "cashier", "counter_staff"}) | CUSTOMER_SERVICE,
        items=goods_release.slips_awaiting_fees),
    "release_slips_countersignature": WorkQueue(
        title=("待经理/主任会签的放行条", "Release slips awaiting the second signature"),
        roles=frozenset({"cs_manager", "director"}), items=goods_release.slips_awaiting_countersignature),
    "release_slips_at_gate": WorkQueue(
        title=("已签发待放行的放行条", "Issued release slips not used yet"),
        roles=frozenset({"security", "front_desk", "cs_supervisor", "cs_manager"}), items=goods_release.slips_at_gate),
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

#: Time limits (propdesk.chassis.deadlines): rule -> the breach event, who is told besides the responsible.
DEADLINES = {
    # a lent key not back by its expected time (钥匙领用登记表): the custodian and the CS supervisor
    "key.loan_return": Deadline(event="key.loan_overdue", escalate_to="cs_supervisor"),
}

#: What operators see of the counter's work (Prometheus, read at scrape time: `gauges.py`).
GAUGES = {
    "propdesk_access_release_slips": DomainGauge("Goods release slips by variant, state and estate",
                                                 ("variant", "state", "estate"), gauges.release_slips),
    "propdesk_access_keys_on_loan": DomainGauge("Keys out on loan now", ("estate",), gauges.keys_on_loan),
    "propdesk_access_key_loans_overdue": DomainGauge("Keys on loan past their expected return time",
                                                     ("estate",), gauges.key_loans_overdue),
    "propdesk_access_passes_active": DomainGauge("Passes valid now by kind", ("kind", "estate"),
                                                 gauges.passes_active),
    "propdesk_access_lost_items_held": DomainGauge("Found items kept at the desk by age since registration",
                                                   ("age", "estate"), gauges.lost_items_held),
}
