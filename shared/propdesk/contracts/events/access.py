"""The events access announces (access: goods release slips (物品放行条)): one contract per (type, version).

Who consumes them is not written here: it is read from the subscription tables
(`messages.SUBSCRIPTIONS`) into docs/events.md."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.events._fields import Estate
from propdesk.contracts.registry import contract


@contract("release_slip.issued", 1, producer="access")
class ReleaseSlipIssuedV1(Schema):
    """A goods release slip (物品放行条) was issued."""

    slip_id = fields.String(required=True)
    move_out_id = fields.String(required=True, allow_none=True)
    unit_id = fields.String(required=True)
    estate = Estate()  # the unit's (管理处); optional: added in place
    applicant_type = fields.String(required=True)
    goods = fields.List(fields.String(), required=True)
    clearance_ref = fields.String(required=True, allow_none=True)


@contract("release_slip.released", 1, producer="access")
class ReleaseSlipReleasedV1(Schema):
    """Security checked the goods against the slip at the gate and let them out."""

    slip_id = fields.String(required=True)
    move_out_id = fields.String(required=True, allow_none=True)
    unit_id = fields.String(required=True)
    estate = Estate()  # the unit's (管理处); optional: added in place
    guard_id = fields.String(required=True)
