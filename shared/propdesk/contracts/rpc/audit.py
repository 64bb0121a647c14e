"""What every department answers about its audit trail (`list_audit`, chassis/audit_view.py).
See `propdesk.contracts.rpc`."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts.envelope import ActorSchema
from propdesk.contracts.rpc.common import UtcDateTime


class AuditEntrySchema(Schema):
    """One row of a department's audit trail: who did what to which record, when, from where.
    Personal numbers are masked everywhere in it (`propdesk.privacy`). `<service>.list_audit`."""

    service = fields.String(required=True, metadata={"description": "the department whose trail holds the row"})
    id = fields.Integer(required=True, metadata={"description": "the row's place in that department's chain "
                                                                "(page on with before_id)"})
    at = UtcDateTime(required=True)
    actor = fields.Nested(ActorSchema, required=True, metadata={
        "description": "a staff member (id = username), an API token (token:<name>), a department acting on "
                       "its own (role system) or nobody signed in yet (anonymous)"})
    action = fields.String(required=True, metadata={"example": "payment.record"})
    object_type = fields.String(required=True)
    object_id = fields.String(required=True)
    correlation_id = fields.String(allow_none=True)
    details = fields.Dict(required=True)
    address = fields.String(allow_none=True, metadata={"description": "the client's address, when the row has one"})
    estate = fields.String(allow_none=True, metadata={"description": "the estate (管理处) the row belongs to, when known"})
