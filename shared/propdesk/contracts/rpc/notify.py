"""What notify answers over RPC (notify: outbound messages). See `propdesk.contracts.rpc`."""
from __future__ import annotations

from marshmallow import Schema, fields

from propdesk.contracts import vocab
from propdesk.contracts.rpc.common import UtcDateTime

#: An outbound message's status; "failed" is retried until its last attempt.
MESSAGE_STATUSES = vocab.MESSAGE_STATUSES.codes


class MessageSchema(Schema):
    """An outbound message to a resident or a member of staff, and how its delivery went.
    `notify.list_messages`."""

    message_id = fields.String()
    correlation_id = fields.String()
    event_id = fields.String()
    event_type = fields.String(metadata={"description": "the event that caused it"})
    channel = fields.String()
    recipient_role = fields.String()
    recipient_id = fields.String(allow_none=True)
    subject = fields.String()
    body = fields.String()
    status = fields.String(metadata={"enum": list(MESSAGE_STATUSES)})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = UtcDateTime(allow_none=True, metadata={"description": "the next try of a failed message"})
    created_at = UtcDateTime()
    sent_at = UtcDateTime(allow_none=True)
