"""tickets' public surface: every command, query, subscription and timer, at a glance.

Engineering work orders (工程维修单): the move-out inspection (单元验收移交记录表, domain.md §2.6)
and the repairs (报修, §2.2). Names are public contract: a command or query is an RPC method
``tickets.<name>``, a subscription's queue is ``tickets.<handler name>``; renaming one orphans a queue.
"""
from __future__ import annotations

from propdesk.chassis.deadlines import Deadline
from propdesk.chassis.metrics import DomainGauge
from propdesk.chassis.workflow import Actions, Command, Query, Record, Timer, WorkQueue
from propdesk_services.tickets import gauges
from propdesk_services.tickets.workflows.contacts import handlers as contacts
from propdesk_services.tickets.workflows.contacts import schemas as contacts_schemas
from propdesk_services.tickets.workflows.complaints import handlers as complaints
from propdesk_services.tickets.workflows.complaints import schemas as complaints_schemas
from propdesk_services.tickets.workflows.move_out_inspection import handlers as inspection
from propdesk_services.tickets.workflows.move_out_inspection import schemas as inspection_schemas
from propdesk_services.tickets.workflows.repairs import handlers as repairs
from propdesk_services.tickets.workflows.repairs import queues as repair_queues
from propdesk_services.tickets.workflows.repairs import schemas as repairs_schemas
from propdesk_services.tickets.workflows.return_visits import handlers as return_visits
from propdesk_services.tickets.workflows.return_visits import queries as return_visit_queries
from propdesk_services.tickets.workflows.return_visits import schemas as return_visits_schemas

COMMANDS = {
    # repairs (报修, 工程维修单 QR-001FW, §2.2)
    "report_repair": Command(repairs.report_repair, repairs_schemas.ReportRepairSchema),
    "submit_app_repair": Command(repairs.submit_app_repair, repairs_schemas.SubmitAppRepairSchema),
    "request_quote": Command(repairs.request_quote, repairs_schemas.RequestQuoteSchema),
    "price_repair": Command(repairs.price_repair, repairs_schemas.PriceRepairSchema),
    "record_consent": Command(repairs.record_consent, repairs_schemas.RecordConsentSchema),
    "dispatch_repair": Command(repairs.dispatch_repair, repairs_schemas.DispatchRepairSchema),
    "reschedule_repair": Command(repairs.reschedule_repair, repairs_schemas.RescheduleRepairSchema),
    "start_repair": Command(repairs.start_repair, repairs_schemas.StartRepairSchema),
    "cancel_mismatched_order": Command(repairs.cancel_mismatched_order, repairs_schemas.CancelMismatchedSchema),
    "reissue_work_order": Command(repairs.reissue_work_order, repairs_schemas.ReissueWorkOrderSchema),
    "complete_repair": Command(repairs.complete_repair, repairs_schemas.CompleteRepairSchema),
    "record_acceptance": Command(repairs.record_acceptance, repairs_schemas.RecordAcceptanceSchema),
    "rate_repair": Command(repairs.rate_repair, repairs_schemas.RateRepairSchema),
    "dispute_repair": Command(repairs.dispute_repair, repairs_schemas.DisputeRepairSchema),
    "resolve_dispute": Command(repairs.resolve_dispute, repairs_schemas.ResolveDisputeSchema),
    "close_with_liaison": Command(repairs.close_with_liaison, repairs_schemas.CloseWithLiaisonSchema),
    "settle_follow_up": Command(repairs.settle_follow_up, repairs_schemas.SettleFollowUpSchema),
    "record_inspection": Command(inspection.record_inspection, inspection_schemas.InspectionRequestSchema),
    "record_supply_cut": Command(inspection.record_supply_cut, inspection_schemas.SupplyCutRequestSchema),
    # contacts (来电来访登记, §2.1)
    "register_contact": Command(contacts.register_contact, contacts_schemas.RegisterContactSchema),
    "answer_contact": Command(contacts.answer_contact, contacts_schemas.AnswerContactSchema),
    "arrange_reply": Command(contacts.arrange_reply, contacts_schemas.ArrangeReplySchema),
    "close_contact": Command(contacts.close_contact, contacts_schemas.CloseContactSchema),
    "hand_over_contact": Command(contacts.hand_over_contact, contacts_schemas.HandOverContactSchema),
    # complaints (投诉 QR-002FW, §2.3)
    "register_complaint": Command(complaints.register_complaint, complaints_schemas.RegisterComplaintSchema),
    "triage_complaint": Command(complaints.triage_complaint, complaints_schemas.TriageComplaintSchema),
    "set_complaint_measures": Command(complaints.set_complaint_measures, complaints_schemas.SetMeasuresSchema),
    "escalate_complaint": Command(complaints.escalate_complaint, complaints_schemas.EscalateSchema),
    "record_complaint_handling": Command(complaints.record_complaint_handling, complaints_schemas.RecordHandlingSchema),
    "report_complaint_result": Command(complaints.report_complaint_result, complaints_schemas.ReportResultSchema),
    "reply_to_complainant": Command(complaints.reply_to_complainant, complaints_schemas.ReplySchema),
    "explain_complaint": Command(complaints.explain_complaint, complaints_schemas.ExplainSchema),
    "send_progress_notice": Command(complaints.send_progress_notice, complaints_schemas.ProgressNoticeSchema),
    "record_second_complaint": Command(complaints.record_second_complaint, complaints_schemas.SecondComplaintSchema),
    "review_complaint_cause": Command(complaints.review_complaint_cause, complaints_schemas.ReviewCauseSchema),
    "close_complaint": Command(complaints.close_complaint, complaints_schemas.CloseSchema),
    "record_apology_letter": Command(complaints.record_apology_letter, complaints_schemas.ApologySchema),
    "amend_complaint": Command(complaints.amend_complaint, complaints_schemas.AmendComplaintSchema),
    "void_complaint": Command(complaints.void_complaint, complaints_schemas.VoidComplaintSchema),
    # return visits (回访 QR-003FW, §2.4)
    "plan_return_visit": Command(return_visits.plan_return_visit, return_visits_schemas.PlanReturnVisitSchema),
    "reschedule_return_visit": Command(return_visits.reschedule_return_visit,
                                       return_visits_schemas.RescheduleReturnVisitSchema),
    "record_return_visit": Command(return_visits.record_return_visit, return_visits_schemas.RecordReturnVisitSchema),
    "order_rectification": Command(return_visits.order_rectification, return_visits_schemas.OrderRectificationSchema),
    "confirm_rectification": Command(return_visits.confirm_rectification,
                                     return_visits_schemas.ConfirmRectificationSchema),
    "explain_return_visit": Command(return_visits.explain_return_visit, return_visits_schemas.ExplainReturnVisitSchema),
    "cancel_return_visit": Command(return_visits.cancel_return_visit, return_visits_schemas.CancelReturnVisitSchema),
    "start_return_visit_round": Command(return_visits.start_return_visit_round, return_visits_schemas.StartRoundSchema),
    "stop_return_visit_round": Command(return_visits.stop_return_visit_round, return_visits_schemas.StopRoundSchema),
}

QUERIES = {
    "get_inspection": Query(inspection.get_inspection, inspection_schemas.MoveOutIdArgs),
    "list_work_orders": Query(inspection.list_work_orders, inspection_schemas.ListWorkOrdersArgs),
    "list_repairs": Query(repairs.list_repairs, repairs_schemas.ListRepairsArgs),
    "get_repair": Query(repairs.get_repair, repairs_schemas.RepairIdArgs),
    "repair_progress": Query(repairs.repair_progress, repairs_schemas.RepairIdArgs),
    "list_repair_prices": Query(repairs.list_repair_prices, repairs_schemas.NoArgs),
    "repair_counts": Query(repairs.repair_counts, repairs_schemas.RepairCountsArgs),
    # contacts (来电来访登记, §2.1)
    "get_contact": Query(contacts.get_contact, contacts_schemas.ContactIdArgs),
    "list_contacts": Query(contacts.list_contacts, contacts_schemas.ListContactsArgs),
    "contact_fcr_rate": Query(contacts.contact_fcr_rate, contacts_schemas.FcrRateArgs),
    # complaints (投诉 QR-002FW, §2.3)
    "get_complaint": Query(complaints.get_complaint, complaints_schemas.ComplaintIdArgs),
    "list_complaints": Query(complaints.list_complaints, complaints_schemas.ListComplaintsArgs),
    "complaint_statistics": Query(complaints.complaint_statistics, complaints_schemas.StatisticsArgs),
    # return visits (回访 QR-003FW, §2.4)
    "get_return_visit": Query(return_visit_queries.get_return_visit, return_visits_schemas.ReturnVisitIdArgs),
    "list_return_visits": Query(return_visit_queries.list_return_visits, return_visits_schemas.ListReturnVisitsArgs),
    "get_return_visit_round": Query(return_visit_queries.get_return_visit_round, return_visits_schemas.RoundIdArgs),
    "list_return_visit_rounds": Query(return_visit_queries.list_return_visit_rounds,
                                      return_visits_schemas.ListRoundsArgs),
    "return_visit_kpis": Query(return_visit_queries.return_visit_kpis, return_visits_schemas.KpiArgs),
}

SUBSCRIPTIONS = {
    "move_out.requested": [inspection.on_move_out_requested],
    "move_out.withdrawn": [inspection.on_move_out_withdrawn],
    # contacts: a ticket opened from a contact is linked to it (one key per event type: add a
    # handler to an existing list rather than a second key, which would silently replace it)
    "repair.reported": [contacts.on_repair_reported],
    "complaint.registered": [contacts.on_complaint_registered],
    # complaints: a contact classified as a complaint opens one; a return visit closes or reopens it
    "contact.registered": [complaints.open_complaint_from_contact, repairs.open_repair_from_contact],
    "return_visit.completed": [complaints.on_return_visit_for_complaint, repairs.on_return_visit_for_repair],
    # return visits: a visit is planned after an accepted repair / a resolved complaint
    "repair.accepted": [return_visits.on_repair_accepted],
    "complaint.resolved": [return_visits.on_complaint_resolved],
}

TIMERS = {
    # return visits: the next visit of each round (周期回访) a day before its appointment
    "plan_cadence_visits": Timer(return_visits.plan_cadence_visits, interval=300),
}

#: What may be done next to a record (the chassis answers ``allowed_actions(record_type, record_id, role)``).
ACTIONS = {
    "move_out_inspection": Actions(inspection.possible_actions),
    "repair": Actions(repairs.possible_actions),
    "contact": Actions(contacts.possible_actions),
    "complaint": Actions(complaints.possible_actions),
    "return_visit": Actions(return_visits.possible_actions),
    "return_visit_round": Actions(return_visits.possible_round_actions),
}

#: How the desk shows each kind of record (list, record page, actions, print view).
RECORDS = {
    "repair": Record(
        title=("报修", "Repair"), get="get_repair", list="list_repairs", id_field="repair_id",
        number_field="repair_no", columns=("repair_no", "reported_on", "unit_id", "location", "category",
                                           "summary", "work_order_no", "state"),
        fields=repairs_schemas.RepairDetailSchema, create=("report_repair",),
        form=("工程维修单 QR-001FW", "Engineering work order QR-001FW"),
        signatures=(("业主/客户签字", "Client's signature"), ("接待人", "Received by"), ("维修人", "Repaired by"),
                    ("验收人", "Accepted by"), ("回访人", "Return visit by"))),
    "contact": Record(
        title=("来电来访", "Contact"), get="get_contact", list="list_contacts", id_field="contact_id",
        number_field="contact_no", columns=("contact_no", "received_at", "channel", "classification", "unit_id",
                                            "caller_name", "summary", "owner", "state"),
        fields=contacts_schemas.ContactSchema, create=("register_contact",),
        form=("来电来访记录表", "Contact log"), signatures=(("接待人", "Received by"),)),
    "complaint": Record(
        title=("投诉", "Complaint"), get="get_complaint", list="list_complaints", id_field="complaint_id",
        number_field="complaint_no", columns=("complaint_no", "received_at", "unit_id", "complainant", "kind",
                                              "summary", "state"),
        fields=complaints_schemas.ComplaintSchema, create=("register_complaint",),
        form=("投诉处理表 QR-002FW", "Complaint form QR-002FW"),
        signatures=(("投诉人", "Complainant"), ("接待人", "Received by"), ("处理人", "Handled by"),
                    ("回访人", "Return visit by"))),
    "return_visit": Record(
        title=("回访", "Return visit"), get="get_return_visit", list="list_return_visits",
        id_field="return_visit_id", number_field="return_visit_no",
        columns=("return_visit_no", "due_at", "unit_id", "occasion", "method", "state", "overall"),
        fields=return_visits_schemas.ReturnVisitSchema,
        create=("plan_return_visit", "start_return_visit_round"),
        form=("回访记录表 QR-003FW", "Return visit record QR-003FW"),
        signatures=(("业主/住户签名", "Owner / resident signature"), ("回访人", "Visited by"))),
    "return_visit_round": Record(
        title=("周期回访", "Round of return visits"), get="get_return_visit_round", list="list_return_visit_rounds",
        id_field="round_id", columns=("unit_id", "cadence", "method", "next_due_at", "active"),
        fields=return_visits_schemas.RoundSchema, create=("start_return_visit_round",)),
}

#: What waits for whom (the desk's home page).
QUEUES = {
    # repairs (报修 / 工程维修单)
    "repairs_to_dispatch": WorkQueue(
        title=("待派工的报修", "Repairs to dispatch"), roles=repair_queues.DESK_ROLES, items=repair_queues.to_dispatch),
    "repairs_awaiting_acceptance": WorkQueue(
        title=("待客服验收的维修", "Repairs awaiting CS acceptance"), roles=repair_queues.ACCEPTANCE_ROLES,
        items=repair_queues.awaiting_acceptance),
    "repairs_attendance_overdue": WorkQueue(
        title=("超时未上门的维修", "Repairs not attended in time"), roles=repair_queues.OVERDUE_ROLES,
        items=repair_queues.attendance_overdue),
    "repairs_escalated": WorkQueue(
        title=("转集团95059的维修", "Repairs escalated to 95059"), roles=repair_queues.ESCALATION_ROLES,
        items=repair_queues.escalated),
    "my_open_contacts": WorkQueue(
        title=("我的未办结来电来访", "My open contacts"), roles=contacts.CONTACT_ROLES, items=contacts.my_open_contacts),
    "contacts_awaiting_reply": WorkQueue(
        title=("待答复的咨询", "Contacts awaiting a reply"), roles=contacts.SUPERVISOR_ROLES,
        items=contacts.contacts_awaiting_reply),
    "complaints_measures_due": WorkQueue(
        title=("待定处理措施的投诉(30分钟)", "Complaints awaiting measures (30 min)"),
        roles=complaints.DESK_ROLES, items=complaints.queue_measures_due),
    "complaints_replies_due": WorkQueue(
        title=("待答复投诉人(3天)", "Complainants to be told (3 days)"),
        roles=complaints.DESK_ROLES, items=complaints.queue_replies_due),
    "complaints_major_awaiting_director": WorkQueue(
        title=("待主任处理的重大投诉", "Major complaints awaiting the director"),
        roles=complaints.LEADERSHIP_ROLES, items=complaints.queue_major_awaiting_director),
    "complaints_second": WorkQueue(
        title=("二次投诉", "Second complaints"),
        roles=complaints.LEADERSHIP_ROLES, items=complaints.queue_second_complaints),
    "return_visits_due": WorkQueue(
        title=("今日待回访(含逾期)", "Return visits due today (and overdue)"),
        roles=return_visits.DESK_ROLES, items=return_visit_queries.visits_due_today),
    "return_visits_dissatisfied": WorkQueue(
        title=("不满意回访待处理", "Dissatisfied visits to follow up"),
        roles=return_visits.LEADERSHIP_ROLES, items=return_visit_queries.visits_dissatisfied),
    "return_visit_rectifications": WorkQueue(
        title=("回访整改跟进", "Rectifications after return visits"),
        roles=return_visits.DESK_ROLES | return_visits.LEADERSHIP_ROLES,
        items=return_visit_queries.rectifications_due),
}

#: Time limits (domain.md §5): rule -> the breach event the chassis' sweep emits, and who is told.
DEADLINES = {
    # repairs: attendance by the set or agreed time (wall clock; default 24 hours after dispatch)
    "repair.attendance": Deadline(event="repair.attendance_overdue", escalate_to="cs_supervisor"),
    # the reply time agreed with the caller for an inquiry that needs an expert (wall clock)
    "contact.reply": Deadline(event="contact.reply_overdue", escalate_to="cs_supervisor"),
    # complaints (wall clock, docs/workflows/tickets-complaints.md): measures within 30 minutes of receipt,
    # the complainant told within 3 days (else a progress notice), the reply time agreed for a major one
    "complaint.measures": Deadline(event="complaint.measures_overdue", escalate_to="cs_supervisor"),
    "complaint.reply": Deadline(event="complaint.reply_overdue", escalate_to="cs_supervisor"),
    "complaint.agreed_reply": Deadline(event="complaint.agreed_reply_overdue", escalate_to="director"),
    # return visits (wall clock, docs/workflows/tickets-return-visits.md): a planned visit recorded within
    # an hour of its appointment; a rectification after a dissatisfied visit confirmed by its deadline
    "return_visit.due": Deadline(event="return_visit.overdue", escalate_to="cs_supervisor"),
    "return_visit.rectification": Deadline(event="return_visit.rectification_overdue", escalate_to="cs_manager"),
}

#: What operators see of the desk's work (Prometheus, read at scrape time: `gauges.py`).
GAUGES = {
    "propdesk_tickets": DomainGauge("Contacts, repairs, complaints and return visits by state and estate",
                                    ("kind", "state", "estate"), gauges.tickets_by_state),
    "propdesk_tickets_fcr_ratio": DomainGauge("First-contact resolution of the contacts closed in the last 30 days",
                                              ("estate",), gauges.fcr_ratio),
}
