"""Marshmallow schemas of the access RPCs: inputs validated at the edge, outputs as JSON."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.chassis.db import aware

SLIP_STATUSES = ("issued", "released")


class UtcDateTime(fields.DateTime):
    """A stored UTC time (SQLite returns it naive) as an ISO string with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(aware(value), attr, obj, **kwargs)


# -- inputs ----------------------------------------------------------------------------------------
class ReleaseAtGateSchema(Schema):
    slip_no = fields.String(required=True, validate=validate.Length(min=1, max=32))


class ListReleaseSlipsSchema(Schema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SLIP_STATUSES))


class MoveOutIdSchema(Schema):
    move_out_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


# -- outputs ---------------------------------------------------------------------------------------
class ReleaseSlipSchema(Schema):
    slip_no = fields.String()
    move_out_id = fields.String(allow_none=True)
    unit_id = fields.String()
    applicant_type = fields.String()
    goods = fields.List(fields.String())
    clearance_ref = fields.String(allow_none=True)
    issued_at = UtcDateTime()
    released_at = UtcDateTime(allow_none=True)
    released_by = fields.String(allow_none=True)
    status = fields.Method("_status")

    def _status(self, slip) -> str:
        return "released" if slip.released_at else "issued"


class ReleaseHoldSchema(Schema):
    move_out_id = fields.String()
    unit_id = fields.String()
    tenant_party_id = fields.String(allow_none=True)
    fees_cleared = fields.Boolean()
    release_approved = fields.Boolean()
    clearance_ref = fields.String(allow_none=True)
    clearance_as_of = UtcDateTime(allow_none=True)
    owner_written_opinion_ref = fields.String(allow_none=True)
    slip_no = fields.String(allow_none=True)
    released_by = fields.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
