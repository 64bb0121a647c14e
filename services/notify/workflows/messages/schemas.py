"""The messages workflow's edge: the arguments of its query (marshmallow).

What notify answers (the stored message) is defined once in `propdesk.contracts.rpc`
(`MessageSchema`), shared with the gateway's OpenAPI document.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts.vocab import MESSAGE_STATUSES


def _filter(**kwargs) -> fields.String:
    return fields.String(load_default=None, allow_none=True, **kwargs)


class ListMessagesArgs(Schema):
    """`list_messages(correlation_id=None, recipient_role=None, status=None)`: filters, each optional."""

    correlation_id = _filter(validate=validate.Length(min=1, max=64))
    recipient_role = _filter(validate=validate.Length(min=1, max=64))
    status = _filter(validate=validate.OneOf(MESSAGE_STATUSES.codes))
