"""What access answers over RPC (access: the goods release (物品放行)). See `propdesk.contracts.rpc`."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts import vocab
from propdesk.contracts.rpc.common import UtcDateTime

#: A release slip's status (物品放行条): still at the desk, or the goods went out at the gate.
SLIP_STATUSES = vocab.SLIP_STATUSES.codes


class ReleaseSlipSchema(Schema):
    """A goods release slip (物品放行条). `access.release_at_gate`, `list_release_slips`."""

    slip_no = fields.String()
    move_out_id = fields.String(allow_none=True, metadata={"description": "null for an owner's or a contractor's slip"})
    unit_id = fields.String()
    estate = fields.String(allow_none=True, metadata={"description": "the unit's estate (管理处): a code of vocab.ESTATES"})
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
    estate = fields.String(allow_none=True, metadata={"description": "the unit's estate (管理处): a code of vocab.ESTATES"})
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
