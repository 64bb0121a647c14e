"""billing's public surface: every command, query, subscription and timer, at a glance.

Payments on the units' fee accounts (收费, domain.md §2.5) and the move-out fee clearance (费用结清,
§2.6 FEES_CHECKED, [004 WI/FW-020]). Names are public contract: a command or query is an RPC method
``billing.<name>``, a subscription's queue is ``billing.<handler name>``; renaming one orphans a queue.
"""
from __future__ import annotations

from propdesk.chassis.workflow import Actions, Command, Query, Record, WorkQueue
from propdesk_services.billing.workflows.fee_clearance import handlers as fee_clearance
from propdesk_services.billing.workflows.fee_schedules import handlers as fee_schedules
from propdesk_services.billing.workflows.fee_schedules import schemas as fee_schedules_schemas
from propdesk_services.billing.workflows.meter_readings import handlers as meter_readings
from propdesk_services.billing.workflows.meter_readings import schemas as meter_readings_schemas
from propdesk_services.billing.workflows.billing_run import models as _billing_run_tables  # noqa: F401
from propdesk_services.billing.workflows.dunning import models as _dunning_tables  # noqa: F401
from propdesk_services.billing.workflows.payments import handlers as payments
from propdesk_services.billing.workflows.payments import schemas as payments_schemas

COMMANDS = {
    "record_payment": Command(payments.record_payment, payments_schemas.RecordPaymentSchema),
    # the monthly fee cycle (domain.md §2.5): fee schedules and billed units
    "set_fee_schedule": Command(fee_schedules.set_fee_schedule, fee_schedules_schemas.SetFeeScheduleSchema),
    "set_billed_unit": Command(fee_schedules.set_billed_unit, fee_schedules_schemas.SetBilledUnitSchema),
    # meter readings (抄表)
    "record_meter_reading": Command(meter_readings.record_meter_reading, meter_readings_schemas.RecordMeterReadingSchema),
    "import_meter_readings": Command(meter_readings.import_meter_readings, meter_readings_schemas.ImportMeterReadingsSchema),
    "correct_meter_reading": Command(meter_readings.correct_meter_reading, meter_readings_schemas.CorrectMeterReadingSchema),
    "accept_meter_reading": Command(meter_readings.accept_meter_reading, meter_readings_schemas.AcceptMeterReadingSchema),
}

QUERIES = {
    "get_balance": Query(payments.get_balance, payments_schemas.UnitIdArgs),
    "list_arrears": Query(payments.list_arrears, payments_schemas.NoArgs),
    # the monthly fee cycle
    "get_fee_schedule": Query(fee_schedules.get_fee_schedule, fee_schedules_schemas.ScheduleIdArgs),
    "list_fee_schedules": Query(fee_schedules.list_fee_schedules, fee_schedules_schemas.ListFeeSchedulesArgs),
    "get_billed_unit": Query(fee_schedules.get_billed_unit, fee_schedules_schemas.BilledUnitArgs),
    "get_meter_reading": Query(meter_readings.get_meter_reading, meter_readings_schemas.ReadingIdArgs),
    "list_meter_readings": Query(meter_readings.list_meter_readings, meter_readings_schemas.ListMeterReadingsArgs),
}

SUBSCRIPTIONS = {
    "move_out.requested": [fee_clearance.on_move_out_requested],
    "move_out.withdrawn": [fee_clearance.on_move_out_withdrawn],
}

TIMERS: dict = {}

#: What may be done next to a record (the chassis answers ``allowed_actions(record_type, record_id, role)``).
ACTIONS = {
    "unit": Actions(payments.possible_actions),
    "meter_reading": Actions(meter_readings.possible_actions),
}

_FINANCE = frozenset({"finance_supervisor", "cashier", "counter_staff"})

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
}

#: What waits for whom (the desk's home).
QUEUES = {
    "meter_readings_held": WorkQueue(
        title=("待复核的抄表读数", "Meter readings held for review"),
        roles=frozenset({"finance_supervisor"}), items=meter_readings.held_readings),
}
