"""The events of repairs (报修) and engineering work orders (工程维修单 QR-001FW), domain.md §2.2:
one contract per (type, version). Consumers are read from the subscription tables into docs/events.md."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts import vocab
from propdesk.contracts.events._fields import Estate, Money
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
