"""Marshmallow schemas of the notify RPCs' inputs.

What notify answers (the stored message) is defined once in `propdesk.contracts.rpc`
(`MessageSchema`), shared with the gateway's OpenAPI document.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from propdesk.contracts.rpc import MESSAGE_STATUSES


class ListMessagesSchema(Schema):
    correlation_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    recipient_role = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(MESSAGE_STATUSES))
