"""The events tickets announces (tickets: engineering's work orders (工程维修单)): one contract per (type, version).

Who consumes them is not written here: it is read from the subscription tables
(`messages.SUBSCRIPTIONS`) into docs/events.md."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.events._fields import Estate
from propdesk.contracts.registry import contract


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
