"""Marshmallow schemas of the notify RPCs."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.chassis.db import aware

STATUSES = ("pending", "sent", "failed")


class UtcDateTime(fields.DateTime):
    """A stored UTC time (SQLite returns it naive) as an ISO string with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(aware(value), attr, obj, **kwargs)


class ListMessagesSchema(Schema):
    correlation_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    recipient_role = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATUSES))


class MessageSchema(Schema):
    message_id = fields.String()
    correlation_id = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    channel = fields.String()
    recipient_role = fields.String()
    recipient_id = fields.String(allow_none=True)
    subject = fields.String()
    body = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    sent_at = UtcDateTime(allow_none=True)
