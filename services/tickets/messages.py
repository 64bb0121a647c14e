"""tickets' public surface: every command, query, subscription and timer, at a glance.

Engineering work orders (工程维修单): the move-out inspection (单元验收移交记录表, domain.md §2.6)
and the repairs (报修, §2.2). Names are public contract: a command or query is an RPC method
``tickets.<name>``, a subscription's queue is ``tickets.<handler name>``; renaming one orphans a queue.
"""
from __future__ import annotations

from propdesk.chassis.deadlines import Deadline
from propdesk.chassis.workflow import Actions, Command, Query, Record, WorkQueue
from propdesk_services.tickets.workflows.complaints import handlers as complaints
from propdesk_services.tickets.workflows.complaints import schemas as complaints_schemas
from propdesk_services.tickets.workflows.move_out_inspection import handlers as inspection
from propdesk_services.tickets.workflows.move_out_inspection import schemas as inspection_schemas
from propdesk_services.tickets.workflows.repairs import handlers as repairs
from propdesk_services.tickets.workflows.repairs import schemas as repairs_schemas

COMMANDS = {
    "record_inspection": Command(inspection.record_inspection, inspection_schemas.InspectionRequestSchema),
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
}

QUERIES = {
    "get_inspection": Query(inspection.get_inspection, inspection_schemas.MoveOutIdArgs),
    "list_work_orders": Query(inspection.list_work_orders, inspection_schemas.ListWorkOrdersArgs),
    "list_repairs": Query(repairs.list_repairs, repairs_schemas.ListRepairsArgs),
    # complaints (投诉 QR-002FW, §2.3)
    "get_complaint": Query(complaints.get_complaint, complaints_schemas.ComplaintIdArgs),
    "list_complaints": Query(complaints.list_complaints, complaints_schemas.ListComplaintsArgs),
}

SUBSCRIPTIONS = {
    "move_out.requested": [inspection.on_move_out_requested],
    "move_out.withdrawn": [inspection.on_move_out_withdrawn],
    # complaints: a contact classified as a complaint opens one; a return visit closes or reopens it
    "contact.registered": [complaints.open_complaint_from_contact],
    "return_visit.completed": [complaints.on_return_visit_for_complaint],
}

TIMERS: dict = {}

#: What may be done next to a record (the chassis answers ``allowed_actions(record_type, record_id, role)``).
ACTIONS = {
    "move_out_inspection": Actions(inspection.possible_actions),
    "complaint": Actions(complaints.possible_actions),
}

RECORDS = {
    "complaint": Record(
        title=("投诉", "Complaint"), get="get_complaint", list="list_complaints", id_field="complaint_id",
        number_field="complaint_no", columns=("complaint_no", "received_at", "unit_id", "complainant", "kind",
                                              "summary", "state"),
        fields=complaints_schemas.ComplaintSchema, create=("register_complaint",),
        form=("投诉处理表 QR-002FW", "Complaint form QR-002FW"),
        signatures=(("投诉人", "Complainant"), ("接待人", "Received by"), ("处理人", "Handled by"),
                    ("回访人", "Return visit by"))),
}

QUEUES = {
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
}

DEADLINES = {
    # complaints (wall clock, docs/workflows/tickets-complaints.md): measures within 30 minutes of receipt,
    # the complainant told within 3 days (else a progress notice), the reply time agreed for a major one
    "complaint.measures": Deadline(event="complaint.measures_overdue", escalate_to="cs_supervisor"),
    "complaint.reply": Deadline(event="complaint.reply_overdue", escalate_to="cs_supervisor"),
    "complaint.agreed_reply": Deadline(event="complaint.agreed_reply_overdue", escalate_to="director"),
}
