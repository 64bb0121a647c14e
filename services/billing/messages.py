"""billing's public surface: every command, query, subscription and timer, at a glance.

Payments on the units' fee accounts (收费, domain.md §2.5) and the move-out fee clearance (费用结清,
§2.6 FEES_CHECKED, [004 WI/FW-020]). Names are public contract: a command or query is an RPC method
``billing.<name>``, a subscription's queue is ``billing.<handler name>``; renaming one orphans a queue.
"""
from __future__ import annotations

from propdesk.chassis.deadlines import Deadline
from propdesk.chassis.workflow import Actions, Command, Query, Record, Timer, WorkQueue
from propdesk_services.billing.workflows.fee_clearance import handlers as fee_clearance
from propdesk_services.billing.workflows.fee_schedules import handlers as fee_schedules
from propdesk_services.billing.workflows.fee_schedules import schemas as fee_schedules_schemas
from propdesk_services.billing.workflows.meter_readings import handlers as meter_readings
from propdesk_services.billing.workflows.meter_readings import schemas as meter_readings_schemas
from propdesk_services.billing.workflows.billing_run import handlers as billing_run
from propdesk_services.billing.workflows.charges import handlers as charges
from propdesk_services.billing.workflows.charges import schemas as charges_schemas
from propdesk_services.billing.workflows.billing_run import schemas as billing_run_schemas
from propdesk_services.billing.workflows.dunning import handlers as dunning
from propdesk_services.billing.workflows.dunning import schemas as dunning_schemas
from propdesk_services.billing.workflows.payments import handlers as payments
from propdesk_services.billing.workflows.payments import schemas as payments_schemas
from propdesk_services.billing.workflows.bank_statements import handlers as bank_statements
from propdesk_services.billing.workflows.bank_statements import schemas as bank_schemas
from propdesk_services.billing.workflows.deposits import handlers as deposits
from propdesk_services.billing.workflows.deposits import schemas as deposits_schemas
from propdesk_services.billing.workflows.arrears import queries as arrears
from propdesk_services.billing.workflows.arrears import schemas as arrears_schemas

COMMANDS = {
    "record_payment": Command(payments.record_payment, payments_schemas.RecordPaymentSchema),
    # payments, receipts, bank statements, deposits (issue #10 §3-§4)
    "reverse_payment": Command(payments.reverse_payment, payments_schemas.ReversePaymentSchema),
    "import_bank_statement": Command(bank_statements.import_bank_statement, bank_schemas.ImportBankStatementSchema),
    "book_bank_line": Command(bank_statements.book_bank_line, bank_schemas.BookBankLineSchema),
    "dismiss_bank_line": Command(bank_statements.dismiss_bank_line, bank_schemas.DismissBankLineSchema),
    "take_deposit": Command(deposits.take_deposit, deposits_schemas.TakeDepositSchema),
    "request_deposit_refund": Command(deposits.request_deposit_refund, deposits_schemas.RequestRefundSchema),
    "deduct_from_deposit": Command(deposits.deduct_from_deposit, deposits_schemas.DeductSchema),
    "refund_deposit": Command(deposits.refund_deposit, deposits_schemas.RefundSchema),
    # the monthly fee cycle (domain.md §2.5): fee schedules and billed units
    "set_fee_schedule": Command(fee_schedules.set_fee_schedule, fee_schedules_schemas.SetFeeScheduleSchema),
    "set_billed_unit": Command(fee_schedules.set_billed_unit, fee_schedules_schemas.SetBilledUnitSchema),
    # meter readings (抄表)
    "record_meter_reading": Command(meter_readings.record_meter_reading, meter_readings_schemas.RecordMeterReadingSchema),
    "import_meter_readings": Command(meter_readings.import_meter_readings, meter_readings_schemas.ImportMeterReadingsSchema),
    "correct_meter_reading": Command(meter_readings.correct_meter_reading, meter_readings_schemas.CorrectMeterReadingSchema),
    "accept_meter_reading": Command(meter_readings.accept_meter_reading, meter_readings_schemas.AcceptMeterReadingSchema),
    "supersede_meter_reading": Command(meter_readings.supersede_meter_reading,
                                       meter_readings_schemas.SupersedeMeterReadingSchema),
    # the billing run and its fee notices (缴费通知单)
    "start_billing_run": Command(billing_run.start_billing_run, billing_run_schemas.StartBillingRunSchema),
    "review_billing_run": Command(billing_run.review_billing_run, billing_run_schemas.ReviewBillingRunSchema),
    "redraft_billing_run": Command(billing_run.redraft_billing_run, billing_run_schemas.RedraftBillingRunSchema),
    "issue_billing_run": Command(billing_run.issue_billing_run, billing_run_schemas.IssueBillingRunSchema),
    "confirm_notice_delivery": Command(billing_run.confirm_notice_delivery,
                                       billing_run_schemas.ConfirmNoticeDeliverySchema),
    # charges outside the schedules (one-off fees; paid repairs come by event)
    "add_one_off_charge": Command(charges.add_one_off_charge, charges_schemas.AddOneOffChargeSchema),
    # dunning (催款通知单): issued by the timer, delivered by CS
    "confirm_dunning_delivery": Command(dunning.confirm_dunning_delivery, dunning_schemas.ConfirmDunningDeliverySchema),
}

QUERIES = {
    "get_balance": Query(payments.get_balance, payments_schemas.UnitIdArgs),
    "list_arrears": Query(payments.list_arrears, payments_schemas.NoArgs),
    # receipts, bank statements, deposits, arrears reports (issue #10 §3-§4)
    "get_receipt": Query(payments.get_receipt, payments_schemas.ReceiptIdArgs),
    "list_receipts": Query(payments.list_receipts, payments_schemas.ListReceiptsArgs),
    "get_bank_statement": Query(bank_statements.get_bank_statement, bank_schemas.StatementIdArgs),
    "list_bank_statements": Query(bank_statements.list_bank_statements, bank_schemas.ListBankStatementsArgs),
    "get_bank_line": Query(bank_statements.get_bank_line, bank_schemas.LineIdArgs),
    "list_bank_lines": Query(bank_statements.list_bank_lines, bank_schemas.ListBankLinesArgs),
    "get_deposit": Query(deposits.get_deposit, deposits_schemas.DepositIdArgs),
    "list_deposits": Query(deposits.list_deposits, deposits_schemas.ListDepositsArgs),
    "arrears_detail": Query(arrears.arrears_detail, arrears_schemas.ArrearsDetailArgs),
    "arrears_summary": Query(arrears.arrears_summary, arrears_schemas.PeriodArgs),
    "collection_rate": Query(arrears.collection_rate, arrears_schemas.PeriodArgs),
    "export_arrears_xlsx": Query(arrears.export_arrears_xlsx, arrears_schemas.ExportArgs),
    # the monthly fee cycle
    "get_fee_schedule": Query(fee_schedules.get_fee_schedule, fee_schedules_schemas.ScheduleIdArgs),
    "list_fee_schedules": Query(fee_schedules.list_fee_schedules, fee_schedules_schemas.ListFeeSchedulesArgs),
    "get_billed_unit": Query(fee_schedules.get_billed_unit, fee_schedules_schemas.BilledUnitArgs),
    "get_meter_reading": Query(meter_readings.get_meter_reading, meter_readings_schemas.ReadingIdArgs),
    "list_meter_readings": Query(meter_readings.list_meter_readings, meter_readings_schemas.ListMeterReadingsArgs),
    "get_billing_run": Query(billing_run.get_billing_run, billing_run_schemas.RunIdArgs),
    "list_billing_runs": Query(billing_run.list_billing_runs, billing_run_schemas.ListBillingRunsArgs),
    "get_fee_notice": Query(billing_run.get_fee_notice, billing_run_schemas.NoticeIdArgs),
    "list_fee_notices": Query(billing_run.list_fee_notices, billing_run_schemas.ListFeeNoticesArgs),
    "get_dunning_notice": Query(dunning.get_dunning_notice, dunning_schemas.DunningIdArgs),
    "list_dunning_notices": Query(dunning.list_dunning_notices, dunning_schemas.ListDunningNoticesArgs),
    # the printable notices (PDF, the Chinese font embedded)
    "print_fee_notice": Query(billing_run.print_fee_notice, billing_run_schemas.NoticeIdArgs),
    "print_dunning_notice": Query(dunning.print_dunning_notice, dunning_schemas.DunningIdArgs),
}

SUBSCRIPTIONS = {
    "move_out.requested": [fee_clearance.on_move_out_requested],
    "move_out.withdrawn": [fee_clearance.on_move_out_withdrawn],
    # METERS_READ_AND_CUT: the final readings billed at once, the move-out's fee check re-decided
    "unit.supply_cut": [fee_clearance.on_unit_supply_cut],
    # a paid repair the client signed for is charged to the unit (有偿维修, tickets)
    "repair.charge_requested": [charges.on_repair_charge_requested],
}

TIMERS = {
    # drafts and issues the billing runs in batches (progress on the run; resumable)
    "advance_billing_runs": Timer(billing_run.advance_billing_runs, interval=2),
    # the 11th working day of the month: dunning notices for last month's units still owing
    # (swept like the deadlines: a cheap date check when nothing is due; system tests move the clock)
    "issue_dunning_notices": Timer(dunning.issue_dunning_notices, interval="deadline_sweep_interval_s"),
}

#: The monthly cycle's time limits (domain.md §2.5, §5): review by the end of the 25th, issue by the end of the 26th.
DEADLINES = {
    "billing.review": Deadline(event="billing.review_overdue", escalate_to="director"),
    "billing.issue": Deadline(event="billing.issue_overdue", escalate_to="finance_supervisor"),
    # an unmatched bank line is booked or set aside by the end of the next working day (reconciled daily)
    "billing.bank_line": Deadline(event="billing.bank_line_overdue", escalate_to="finance_supervisor"),
}

#: What may be done next to a record (the chassis answers ``allowed_actions(record_type, record_id, role)``).
ACTIONS = {
    "unit": Actions(payments.possible_actions),
    "meter_reading": Actions(meter_readings.possible_actions),
    "billing_run": Actions(billing_run.possible_run_actions),
    "fee_notice": Actions(billing_run.possible_notice_actions),
    "dunning_notice": Actions(dunning.possible_actions),
    "receipt": Actions(payments.possible_receipt_actions),
    "bank_line": Actions(bank_statements.possible_line_actions),
    "deposit": Actions(deposits.possible_actions),
}

#: Who delivers notices in person and gets them signed (domain.md §2.5: CS staff, arranged by the CS supervisor)
_DELIVERY = frozenset({"front_desk", "cs_assistant", "cs_specialist", "senior_cs", "cs_supervisor", "cs_manager"})

#: How the desk shows billing's records (list, record page, actions, print view).
RECORDS = {
    "fee_schedule": Record(
        title=("收费标准", "Fee schedule"), get="get_fee_schedule", list="list_fee_schedules",
        id_field="schedule_id", columns=("estate", "unit_kind", "item", "basis", "unit_price", "effective_from"),
        fields=fee_schedules_schemas.FeeScheduleSchema, create=("set_fee_schedule",)),
    "meter_reading": Record(
        title=("抄表读数", "Meter reading"), get="get_meter_reading", list="list_meter_readings",
        id_field="reading_id", number_field="reading_no",
        columns=("reading_no", "unit_id", "meter", "period", "reading", "consumption", "state"),
        fields=meter_readings_schemas.MeterReadingSchema, create=("record_meter_reading", "import_meter_readings")),
    "billing_run": Record(
        title=("月度计费", "Billing run"), get="get_billing_run", list="list_billing_runs", id_field="run_id",
        number_field="run_no", columns=("run_no", "period", "estate", "state", "progress", "notice_count", "total_amount"),
        fields=billing_run_schemas.BillingRunSchema, create=("start_billing_run",)),
    "fee_notice": Record(
        title=("缴费通知单", "Fee notice"), get="get_fee_notice", list="list_fee_notices", id_field="notice_id",
        number_field="notice_no", columns=("notice_no", "unit_id", "period", "amount", "arrears_before", "state"),
        fields=billing_run_schemas.FeeNoticeSchema, form=("缴费通知单", "Fee notice"),
        signatures=(("签收人", "Signed for by"), ("送达人", "Delivered by"))),
    "dunning_notice": Record(
        title=("催款通知单", "Dunning notice"), get="get_dunning_notice", list="list_dunning_notices",
        id_field="dunning_id", number_field="dunning_no",
        columns=("dunning_no", "unit_id", "period", "amount_due", "periods", "state"),
        fields=dunning_schemas.DunningNoticeSchema, form=("催款通知单", "Dunning notice"),
        signatures=(("签收人", "Signed for by"), ("送达人", "Delivered by"))),
}

RECORDS.update({
    "receipt": Record(
        title=("收费票据", "Receipt"), get="get_receipt", list="list_receipts", id_field="payment_id",
        number_field="receipt_no", columns=("receipt_no", "unit_id", "amount", "method", "received_at", "state"),
        fields=payments_schemas.ReceiptSchema, create=("record_payment",), form=("收费票据", "Receipt"),
        signatures=(("收款人", "Received by"), ("缴款人", "Paid by"))),
    "bank_statement": Record(
        title=("银行对账单", "Bank statement"), get="get_bank_statement", list="list_bank_statements",
        id_field="statement_id", number_field="statement_no",
        columns=("statement_no", "estate", "bank_format", "imported_at", "matched_lines", "unmatched_lines"),
        fields=bank_schemas.BankStatementSchema, create=("import_bank_statement",)),
    "bank_line": Record(
        title=("银行流水", "Bank line"), get="get_bank_line", list="list_bank_lines", id_field="line_id",
        columns=("value_date", "amount", "payer_name", "reference", "state", "unit_id"),
        fields=bank_schemas.BankLineSchema),
    "deposit": Record(
        title=("押金", "Deposit"), get="get_deposit", list="list_deposits", id_field="deposit_id",
        number_field="deposit_no", columns=("deposit_no", "unit_id", "kind", "amount", "remaining", "state"),
        fields=deposits_schemas.DepositSchema, create=("take_deposit",),
        form=("退还押金申请表", "Deposit refund application"),
        signatures=(("申请人", "Applicant"), ("客服中心", "Customer service"), ("财务审核", "Finance"),
                    ("领款人", "Received by"))),
})

#: What waits for whom (the desk's home).
QUEUES = {
    "meter_readings_held": WorkQueue(
        title=("待复核的抄表读数", "Meter readings held for review"),
        roles=frozenset({"finance_supervisor"}), items=meter_readings.held_readings),
    "billing_runs_awaiting_review": WorkQueue(
        title=("待审核的月度计费", "Billing runs awaiting review"),
        roles=frozenset({"finance_supervisor"}), items=billing_run.runs_awaiting_review),
    "billing_runs_to_issue": WorkQueue(
        title=("待开具的缴费通知单", "Billing runs to issue"),
        roles=frozenset({"cashier", "finance_supervisor"}), items=billing_run.runs_to_issue),
    "fee_notices_to_deliver": WorkQueue(
        title=("待送达的缴费通知单", "Fee notices to deliver"), roles=_DELIVERY,
        items=billing_run.notices_to_deliver),
    "dunning_to_deliver": WorkQueue(
        title=("待送达的催款通知单", "Dunning notices to deliver"), roles=_DELIVERY, items=dunning.dunning_to_deliver),
}

QUEUES.update({
    "bank_lines_unmatched": WorkQueue(
        title=("未匹配的银行流水", "Unmatched bank lines"),
        roles=frozenset({"cashier", "finance_supervisor"}), items=bank_statements.unmatched_lines),
    "deposit_refunds_requested": WorkQueue(
        title=("待退还的押金", "Deposit refunds requested"),
        roles=frozenset({"cashier", "finance_supervisor"}), items=deposits.refunds_requested),
})
