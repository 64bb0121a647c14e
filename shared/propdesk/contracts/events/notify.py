"""The events notify announces (notify: outbound messages): one contract per (type, version).

Who consumes them is not written here: it is read from the subscription tables
(`messages.SUBSCRIPTIONS`) into docs/events.md."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts.registry import contract


@contract("notification.sent", 1, producer="notify")
class NotificationSentV1(Schema):
    """A message left through a channel (or failed to); the stored message keeps its status."""

    message_id = fields.String(required=True)
    channel = fields.String(required=True)
    recipient_role = fields.String(required=True)
    recipient_id = fields.String(required=True, allow_none=True)
    subject = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["sent", "failed"]))
