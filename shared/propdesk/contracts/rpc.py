"""The RPC result contracts: what each department's RPC methods answer, defined once.

The event contracts (`catalog.py`) say what a department *announces*; these say what it *answers*
when asked. Each department dumps its results with the schemas here, and the gateway describes its
JSON API (`/api/openapi.json`) with the same classes, nesting them where it adds something of its
own (a unit's arrears, the case page with timeline, release, work order, messages and balance).
So a field added here reaches the service's answer and the document together, and the two cannot
drift apart.

Conventions, as on the bus: money is a string with two decimals (`Money`), dates are ISO 8601
(`fields.Date`), times are ISO 8601 with their offset (`UtcDateTime`; stored times are UTC). A
contract grows additively: consumers (the gateway, the desk page) ignore fields they do not know.

Only *shape* lives here. A value a department works out by its own rules is filled in by that
department: tickets derives a work order's breach notice number (违约处理单) in its
`schemas.WorkOrderSchema`, a subclass of the contract here; residents and access add what a case or
a hold still waits for (`waiting_for`) before dumping.

What stays out, on purpose: the *input* schemas. A command's input is checked twice, for different
things, so the gateway's and the department's schemas differ by design:

- the gateway (`services/gateway/schemas.py`) checks the shape a desk may send, strictly, before
  any RPC, and documents it: types, required fields, lengths, allowed values, unknown fields
  (`MoveOutRequestSchema`, `InspectionResultSchema`, `PaymentRequestSchema`, the query strings);
- the department (`services/<name>/schemas.py`) accepts the shape loosely and lets its domain judge
  the business rules, reporting every broken rule by its own name at once: residents'
  `MoveOutRequestSchema` takes every field as an optional string for
  `domain.validate_move_out_request` (leased unit, the unit's own tenant, owner's written consent,
  exit date not past, fit-out disposition; domain.md §2.6); billing's `RecordPaymentSchema` passes
  the amount through raw for `domain.validate_payment` (positive_amount, max_2_decimals, ...);
  tickets' `InspectionResultSchema` leaves "a passed inspection lists no defects" to its domain.
  Callers other than the gateway (the CLI, tests, another department) get the rule names, not just
  a type error.
"""
from __future__ import annotations

from datetime import datetime, timezone

from marshmallow import Schema, fields

from propdesk.contracts import vocab
from propdesk.contracts.envelope import ActorSchema
from propdesk.money import money

#: A release slip's status (物品放行条): still at the desk, or the goods went out at the gate.
SLIP_STATUSES = vocab.SLIP_STATUSES.codes
#: An outbound message's status; "failed" is retried until its last attempt.
MESSAGE_STATUSES = vocab.MESSAGE_STATUSES.codes


class Money(fields.String):
    """An amount in yuan (元) as a string with two decimals, e.g. "1234.50"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "1234.50")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else money(value)


class UtcDateTime(fields.DateTime):
    """A time as an ISO 8601 string with its offset. A naive time is UTC (SQLite drops the zone of
    the UTC times stored); an ISO string (as an event carries it) is passed on as the same time."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


# --- residents: the unit register and the move-out case (租户撤场) ---------------------------------
class UnitSchema(Schema):
    """A unit of the register (单元) with its owner (业主) and, if let, its tenant (租户).
    `residents.list_units`."""

    unit_id = fields.String(metadata={"example": "1-1-702"})
    building = fields.String()
    kind = fields.String(metadata={"description": "residential | office"})
    owner_party_id = fields.String()
    owner_name = fields.String(allow_none=True)
    tenant_party_id = fields.String(allow_none=True, metadata={"description": "null when the unit is not let"})
    tenant_name = fields.String(allow_none=True)


class UnitDetailSchema(UnitSchema):
    """One unit with its open move-out, if any. `residents.get_unit`."""

    open_move_out_id = fields.String(allow_none=True, metadata={"description": "the move-out not yet archived"})


class ConflictNoteSchema(Schema):
    """A fact that arrived after release was approved and contradicts it (new defects, new arrears):
    recorded on the case for the CS supervisor, never revoking a slip that may be out."""

    at = fields.String(metadata={"description": "when it was recorded (ISO 8601, UTC)"})
    event_type = fields.String()
    event_id = fields.String()
    message = fields.String()


class MoveOutSchema(Schema):
    """A tenant move-out case (租户撤场), as residents keeps it, with what it still waits for.
    `residents.get_move_out`, `list_move_outs`, `request_move_out`."""

    move_out_id = fields.String(metadata={"description": "MO-<yyyymmdd>-<nnnn>", "example": "MO-20261122-0001"})
    unit_id = fields.String()
    tenant_party_id = fields.String()
    tenant_name = fields.String(allow_none=True)
    owner_party_id = fields.String()
    owner_name = fields.String(allow_none=True)
    exit_date = fields.Date()
    owner_consent_ref = fields.String(metadata={"description": "the owner's written consent (客户书面同意)"})
    fitout_disposition = fields.String(metadata={"description": "restore | leave_to_owner | agreed_with_owner"})
    state = fields.String(metadata={"description": "propdesk.contracts.vocab.MOVE_OUT_STATES: OWNER_CONSENT_PENDING "
                                                   "... GOODS_RELEASED, ARCHIVED; WITHDRAWN"})
    inspection = fields.String(metadata={"description": "pending | passed | defects_found"})
    defects = fields.List(fields.String())
    breach_notice_id = fields.String(allow_none=True, metadata={"description": "违约处理单 when defects were found"})
    fees = fields.String(metadata={"description": "pending | cleared | outstanding"})
    outstanding_amount = fields.String(metadata={"description": "fees owed at the last check (\"0.00\" when none)"})
    release_slip_no = fields.String(allow_none=True, metadata={"description": "物品放行条 once issued"})
    requested_by = fields.String(metadata={"description": "the staff id that filed the application"})
    waiting_for = fields.List(fields.String(), metadata={"description": "what the case still waits for"})
    conflicts = fields.List(fields.Nested(ConflictNoteSchema),
                            metadata={"description": "facts that arrived after release was approved"})
    withdrawal_reason = fields.String(allow_none=True, metadata={"description": "why the desk withdrew it"})
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    closed_at = UtcDateTime(allow_none=True, metadata={"description": "when it was archived or withdrawn"})


# --- tickets: engineering's work orders (工程维修单) and repairs (报修) ----------------------------
class WorkOrderSchema(Schema):
    """The move-out inspection work order (工程维修单), with its breach notice (违约处理单) number
    while defects are open. `tickets.get_inspection`, `list_work_orders`, `record_inspection`."""

    work_order_no = fields.String()
    move_out_id = fields.String()
    unit_id = fields.String()
    status = fields.String(metadata={"enum": list(vocab.WORK_ORDER_STATUSES.codes)})
    defects = fields.List(fields.String())
    inspector = fields.String(allow_none=True, metadata={"description": "the engineer who recorded the result"})
    breach_notice_id = fields.String(allow_none=True,
                                     metadata={"description": "违约处理单, while status is defects_found"})
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class RepairSchema(Schema):
    """A repair reported (报修) and who is responsible for it. `tickets.list_repairs`."""

    repair_id = fields.String()
    unit_id = fields.String(allow_none=True, metadata={"description": "null for common areas"})
    location = fields.String()
    category = fields.String()
    responsible = fields.String()
    summary = fields.String()
    reported_on = fields.Date()
    status = fields.String()


# --- billing: fee accounts, payments (收费) and fee clearance (费用结清) ---------------------------
class OutstandingSchema(Schema):
    """What a unit owes (欠费), to the cent; negative is a credit. `billing.list_arrears` (units that
    owe something) and the balance in `record_payment`'s answer."""

    unit_id = fields.String()
    outstanding = Money()


class ChargeSchema(Schema):
    """One charge on a unit's fee account (a month's management fee, ...)."""

    period = fields.String(metadata={"example": "2026-10"})
    item = fields.String()
    amount = Money()


class PaymentSchema(Schema):
    """A payment taken at the counter or matched from the bank, with its receipt (收费票据)."""

    payment_id = fields.String()
    unit_id = fields.String()
    party_id = fields.String(allow_none=True, metadata={"description": "who paid, when given"})
    amount = Money()
    method = fields.String(metadata={"description": "cash | cheque | bank"})
    receipt_no = fields.String(metadata={"description": "receipt number (收费票据号)"})
    received_at = UtcDateTime()
    recorded_by = fields.String(metadata={"description": "the staff id that recorded it"})
    period = fields.String(allow_none=True)
    item = fields.String(allow_none=True)


class ClearanceSchema(Schema):
    """A move-out's fee clearance (费用结清) as billing keeps it."""

    move_out_id = fields.String()
    unit_id = fields.String()
    party_id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "pending | confirmed"})
    outstanding = Money(attribute="last_outstanding", metadata={"description": "owed at the last check"})
    updated_at = UtcDateTime()


class BalanceSchema(Schema):
    """A unit's fee account (费用余额): what it owes, its prepaid money (预收款), its charges by
    period, its payments (oldest first). `billing.get_balance`."""

    unit_id = fields.String()
    outstanding = Money(metadata={"description": "charged minus paid; negative while the unit is in credit"})
    credit = Money(metadata={"label": {"zh": "预收款", "en": "Prepaid (credit)"},
                             "description": "paid beyond the charges, not yet used by them (预收款); "
                                            "\"0.00\" while the unit owes anything"})
    charges = fields.List(fields.Nested(ChargeSchema))
    payments = fields.List(fields.Nested(PaymentSchema))


class PaymentResultSchema(Schema):
    """A recorded payment with the unit's new balance and the move-out clearances it re-checked.
    `billing.record_payment`."""

    payment = fields.Nested(PaymentSchema)
    balance = fields.Nested(OutstandingSchema)
    clearances = fields.List(fields.Nested(ClearanceSchema),
                             metadata={"description": "the unit's pending clearances, confirmed when settled"})
    prepaid_amount = Money(metadata={"label": {"zh": "预收款", "en": "Prepayment"},
                                     "description": "the part of this payment beyond what the unit owed "
                                                    "(预收款/预交物业费); \"0.00\" when none"})
    credit = Money(metadata={"label": {"zh": "预收款余额", "en": "Credit"},
                             "description": "the unit's prepaid money after this payment (as in get_balance)"})


# --- access: the goods release (物品放行) ------------------------------------------------------------
class ReleaseSlipSchema(Schema):
    """A goods release slip (物品放行条). `access.release_at_gate`, `list_release_slips`."""

    slip_no = fields.String()
    move_out_id = fields.String(allow_none=True, metadata={"description": "null for an owner's or a contractor's slip"})
    unit_id = fields.String()
    applicant_type = fields.String(metadata={"description": "who applied, e.g. tenant"})
    goods = fields.List(fields.String())
    clearance_ref = fields.String(allow_none=True, metadata={"description": "the fee clearance event it rests on"})
    issued_at = UtcDateTime()
    released_at = UtcDateTime(allow_none=True)
    released_by = fields.String(allow_none=True, metadata={"description": "the guard who let the goods out"})
    status = fields.Method("_status", metadata={"type": "string", "enum": list(SLIP_STATUSES)})

    def _status(self, slip) -> str:
        return "released" if slip.released_at else "issued"


class ReleaseHoldSchema(Schema):
    """The held goods release of a move-out, as access keeps it: released once fees are cleared
    (WI/FW-020) and the release is approved; with its slip once issued. `access.get_release_hold`."""

    move_out_id = fields.String()
    unit_id = fields.String()
    tenant_party_id = fields.String(allow_none=True, metadata={"description": "null until move_out.requested arrived"})
    fees_cleared = fields.Boolean()
    release_approved = fields.Boolean()
    clearance_ref = fields.String(allow_none=True)
    clearance_as_of = UtcDateTime(allow_none=True)
    owner_written_opinion_ref = fields.String(allow_none=True,
                                              metadata={"description": "the owner's written instruction"})
    slip_no = fields.String(allow_none=True)
    released_by = fields.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    waiting_for = fields.List(fields.String(),
                              metadata={"description": "fee clearance, release approval; [] once issued"})
    slip = fields.Nested(ReleaseSlipSchema, allow_none=True)
    withdrawn_at = UtcDateTime(allow_none=True, metadata={"description": "the move-out was withdrawn at"})
    closed = fields.Boolean(metadata={"description": "withdrawn: nothing is awaited and no slip follows"})


# --- notify: outbound messages -------------------------------------------------------------------
class MessageSchema(Schema):
    """An outbound message to a resident or a member of staff, and how its delivery went.
    `notify.list_messages`."""

    message_id = fields.String()
    correlation_id = fields.String()
    event_id = fields.String()
    event_type = fields.String(metadata={"description": "the event that caused it"})
    channel = fields.String()
    recipient_role = fields.String()
    recipient_id = fields.String(allow_none=True)
    subject = fields.String()
    body = fields.String()
    status = fields.String(metadata={"enum": list(MESSAGE_STATUSES)})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = UtcDateTime(allow_none=True, metadata={"description": "the next try of a failed message"})
    created_at = UtcDateTime()
    sent_at = UtcDateTime(allow_none=True)


# --- reports: read models ------------------------------------------------------------------------
class TimelineEntrySchema(Schema):
    """One event of a business case, as the desk reads it. `reports.timeline`."""

    event_id = fields.String()
    event_type = fields.String()
    occurred_at = UtcDateTime()
    producer = fields.String()
    actor = fields.Nested(ActorSchema)
    summary = fields.String(metadata={"description": "one line for the desk"})
    payload = fields.Dict()


class RecentEventSchema(TimelineEntrySchema):
    """A timeline entry with the case it belongs to. `reports.recent_events`."""

    correlation_id = fields.String()


class MoveOutCountsSchema(Schema):
    """Move-out cases by state (every known state, 0 when none) and in total. `reports.move_out_counts`."""

    by_state = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()
