"""What residents answers over RPC (residents: the unit register and the move-out case (租户撤场)). See `propdesk.contracts.rpc`."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts import vocab
from propdesk.contracts.rpc.common import UtcDateTime


class UnitSchema(Schema):
    """A unit of the register (单元) with its owner (业主) and, if let, its tenant (租户).
    `residents.list_units`."""

    unit_id = fields.String(metadata={"example": "1-1-702"})
    building = fields.String()
    kind = fields.String(metadata={"description": "residential | office"})
    estate = fields.String(metadata={"description": "the estate (管理处) it belongs to: a code of vocab.ESTATES",
                                     "example": "E1"})
    owner_party_id = fields.String()
    owner_name = fields.String(allow_none=True)
    tenant_party_id = fields.String(allow_none=True, metadata={"description": "null when the unit is not let"})
    tenant_name = fields.String(allow_none=True)
    owner_phone = fields.String(allow_none=True, metadata={"description": "masked in lists (139****5678)"})
    tenant_phone = fields.String(allow_none=True, metadata={"description": "masked in lists"})


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
    estate = fields.String(metadata={"description": "the unit's estate (管理处): a code of vocab.ESTATES"})
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
    supply_cut_at = UtcDateTime(allow_none=True, metadata={"description": "METERS_READ_AND_CUT: when engineering "
                                                                          "read the meters and cut the supply"})
