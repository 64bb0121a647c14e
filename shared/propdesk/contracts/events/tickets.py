"""The events tickets announces (tickets: engineering's work orders (工程维修单)): one contract per (type, version).

Who consumes them is not written here: it is read from the subscription tables
(`messages.SUBSCRIPTIONS`) into docs/events.md."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts.events._fields import Estate
from propdesk.contracts.registry import contract
from propdesk.contracts.vocab import METER_KINDS, UTILITIES


@contract("move_out.inspection_opened", 1, producer="tickets")
class MoveOutInspectionOpenedV1(Schema):
    """Engineering has an inspection work order (工程维修单) for the unit (inferred event)."""

    move_out_id = fields.String(required=True)
    work_order_no = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()  # the unit's (管理处); optional: added in place


@contract("move_out.inspection_completed", 1, producer="tickets")
class MoveOutInspectionCompletedV1(Schema):
    """Engineering recorded the unit inspection (单元验收移交记录表): passed, or defects with a
    breach notice (违约处理单)."""

    move_out_id = fields.String(required=True)
    work_order_no = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()  # the unit's (管理处); optional: added in place
    passed = fields.Boolean(required=True)
    defects = fields.List(fields.String(), required=True)
    breach_notice_id = fields.String(required=True, allow_none=True)


class FinalReadingV1(Schema):
    """One meter read as of the exit (water or electricity: vocab.METER_KINDS)."""

    meter = fields.String(required=True, validate=validate.OneOf(METER_KINDS.codes))
    reading = fields.String(required=True, validate=validate.Regexp(r"^\d+(\.\d{1,2})?$"))  # "1234.50"
    read_at = fields.AwareDateTime(required=True)


@contract("unit.supply_cut", 1, producer="tickets")
class UnitSupplyCutV1(Schema):
    """Engineering read the unit's meters as of the exit and cut its supply (抄表、断水断电停空调,
    domain.md §2.6 METERS_READ_AND_CUT), on the move-out's inspection work order: the utilities cut
    (vocab.UTILITIES), when, and the final reading of each metered one (billing bills them at once)."""

    move_out_id = fields.String(required=True)
    work_order_no = fields.String(required=True)
    unit_id = fields.String(required=True)
    estate = Estate()
    utilities = fields.List(fields.String(validate=validate.OneOf(UTILITIES.codes)), required=True)
    at = fields.AwareDateTime(required=True)
    final_readings = fields.List(fields.Nested(FinalReadingV1), required=True)
