"""The events of repairs (报修) and engineering work orders (工程维修单 QR-001FW), domain.md §2.2:
one contract per (type, version). Consumers are read from the subscription tables into docs/events.md."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts import vocab
from propdesk.contracts.events._fields import DeadlineBreach, Estate, Money
from propdesk.contracts.registry import contract


@contract("repair.reported", 1, producer="tickets")
class RepairReportedV1(Schema):
    """A repair (报修) was logged: in a unit, or in a common area (`unit_id` null); `contact_id` is
    the front-desk contact it came from (null when entered directly or through the owner APP)."""

    repair_id = fields.String(required=True)
    repair_no = fields.String(required=True)
    contact_id = fields.String(required=True, allow_none=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    category = fields.String(required=True, validate=validate.OneOf(vocab.REPAIR_CATEGORIES.codes))
    summary = fields.String(required=True)


@contract("repair.accepted", 1, producer="tickets")
class RepairAcceptedV1(Schema):
    """CS acceptance of the completed work passed (验收合格): a return visit is due."""

    repair_id = fields.String(required=True)
    repair_no = fields.String(required=True)
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    owner = fields.String(required=True, allow_none=True)  # the client's name as reported, if any


@contract("repair.charge_requested", 1, producer="tickets")
class RepairChargeRequestedV1(Schema):
    """A paid repair (有偿维修) was completed and the client signed to accept it: billing charges
    `amount` to the unit's fee account."""

    repair_id = fields.String(required=True)
    work_order_no = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    amount = Money(required=True)
    description = fields.String(required=True)
    signed_by = fields.String(required=True)


# --- each further step of a repair (domain.md §2.2; `state` is the repair's state after it) -------------
class _RepairStepV1(Schema):
    repair_id = fields.String(required=True)
    repair_no = fields.String(required=True)
    work_order_no = fields.String(required=True, allow_none=True)  # the current 工程维修单, once issued
    unit_id = fields.String(required=True, allow_none=True)
    estate = Estate()
    state = fields.String(required=True, validate=validate.OneOf(vocab.REPAIR_STATES.codes))


@contract("repair.quote_requested", 1, producer="tickets")
class RepairQuoteRequestedV1(_RepairStepV1):
    """The item is not on the 维修项目收费标准: engineering is asked to quote it."""


@contract("repair.quote_issued", 1, producer="tickets")
class RepairQuoteIssuedV1(_RepairStepV1):
    """A paid repair was priced (from the price list or engineering's quote); the owner's consent is due."""

    price_source = fields.String(required=True, validate=validate.OneOf(vocab.REPAIR_PRICE_SOURCES.codes))
    amount = Money(required=True)


@contract("repair.consent_given", 1, producer="tickets")
class RepairConsentGivenV1(_RepairStepV1):
    """The owner was told the charge standard and agreed to pay: the repair may be dispatched."""

    amount = Money(required=True)
    consented_by = fields.String(required=True)


@contract("repair.cancelled", 1, producer="tickets")
class RepairCancelledV1(_RepairStepV1):
    """The repair ends without work: the owner declined a paid repair (reason ``consent_declined``)."""

    reason = fields.String(required=True)


@contract("repair.dispatched", 1, producer="tickets")
class RepairDispatchedV1(_RepairStepV1):
    """The 工程维修单 was issued to a team with a follow-up CS assistant; attendance is due by `due_at`."""

    team = fields.String(required=True, validate=validate.OneOf(vocab.REPAIR_TEAMS.codes))
    follow_up = fields.String(required=True)
    due_at = fields.String(required=True)


@contract("repair.rescheduled", 1, producer="tickets")
class RepairRescheduledV1(_RepairStepV1):
    """The set time could not be met: the owner was contacted and a new time agreed."""

    new_time = fields.String(required=True)
    agreed_with = fields.String(required=True)


@contract("repair.started", 1, producer="tickets")
class RepairStartedV1(_RepairStepV1):
    """The technician attended and started the work."""

    technician = fields.String(required=True)


@contract("repair.order_cancelled", 1, producer="tickets")
class RepairOrderCancelledV1(_RepairStepV1):
    """The job differs from the order: the 分管助理 confirmed, the order is cancelled with a reason and signature."""

    reason = fields.String(required=True)
    confirmed_by = fields.String(required=True)


@contract("repair.order_reissued", 1, producer="tickets")
class RepairOrderReissuedV1(RepairDispatchedV1):
    """Supervisor level or above re-issued the mismatched order: a new work order, linked to the old one."""

    old_work_order_no = fields.String(required=True)
    reissued_by = fields.String(required=True)


@contract("repair.completed", 1, producer="tickets")
class RepairCompletedV1(_RepairStepV1):
    """Engineering returned the order (copies 1 and 4): CS acceptance on the next patrol is due."""

    completed_by = fields.String(required=True)


@contract("repair.reopened", 1, producer="tickets")
class RepairReopenedV1(_RepairStepV1):
    """返单: CS acceptance failed, or the return visit was dissatisfied; back to engineering."""

    reason = fields.String(required=True, validate=validate.OneOf(("acceptance_failed", "return_visit_dissatisfied")))
    defects = fields.String(required=True, allow_none=True)
    by = fields.String(required=True, allow_none=True)


@contract("repair.closed", 1, producer="tickets")
class RepairClosedV1(_RepairStepV1):
    """闭单: the owner confirmed (return visit satisfied, APP rating 3 or more), or permitted closing
    with a liaison note while the developer follows up (`follow_up_open`)."""

    how = fields.String(required=True, validate=validate.OneOf(("return_visit", "app_rating", "owner_permission")))
    confirmed_by = fields.String(required=True, allow_none=True)
    follow_up_open = fields.Boolean(required=True)


@contract("repair.escalated", 1, producer="tickets")
class RepairEscalatedV1(_RepairStepV1):
    """The owner rated the repair below 3 in the APP: escalated to the group hotline 95059."""

    rating = fields.Integer(required=True, validate=validate.Range(1, 5))
    comment = fields.String(required=True, allow_none=True)
    hotline = fields.String(required=True)


@contract("repair.disputed", 1, producer="tickets")
class RepairDisputedV1(_RepairStepV1):
    """The other party refuses, or who is responsible is disputed."""

    other_party = fields.String(required=True, validate=validate.OneOf(vocab.REPAIR_RESPONSIBLE_PARTIES.codes))
    reason = fields.String(required=True)


@contract("repair.dispute_resolved", 1, producer="tickets")
class RepairDisputeResolvedV1(_RepairStepV1):
    """The responsible party was decided: the repair is to be dispatched again."""

    responsible = fields.String(required=True, validate=validate.OneOf(vocab.REPAIR_RESPONSIBLE_PARTIES.codes))


@contract("repair.liaison_sent", 1, producer="tickets")
class RepairLiaisonSentV1(_RepairStepV1):
    """A quality defect of a fitted-out unit: a 工作联系单 went to the developer (real-estate department)."""

    liaison_no = fields.String(required=True)
    note = fields.String(required=True)


@contract("repair.follow_up_settled", 1, producer="tickets")
class RepairFollowUpSettledV1(_RepairStepV1):
    """The developer's follow-up of a repair closed with a liaison note is done."""

    outcome = fields.String(required=True)


@contract("repair.attendance_overdue", 1, producer="tickets")
class RepairAttendanceOverdueV1(DeadlineBreach):
    """A dispatched repair was not attended by its set (or agreed) time (domain.md §2.2, §5)."""
